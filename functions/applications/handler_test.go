package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/applications"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/httpapi/httpapitest"
	"github.com/kabinet/kabinet/shared/issued"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/payments"
	"github.com/kabinet/kabinet/shared/problem"
)

// call is one call the handler made of the service.
type call struct {
	method string
	actor  actor.Actor
	args   []any
}

// fakeService records every call; each method answers through its function
// field when set, and otherwise with zero values and fail.
type fakeService struct {
	calls             []call
	fail              error
	createDraft       func(a actor.Actor, service string) (applications.App, error)
	resubmit          func(a actor.Actor, id string) (applications.App, bool, error)
	journalPDF        func(a actor.Actor, id string) (string, []byte, error)
	verify            func(code string, file []byte) (issued.Verification, error)
	card              func(a actor.Actor, id string) (applications.App, error)
	officerTransition func(a actor.Actor, id string, m applications.Move) (applications.App, error)
}

var _ service = (*fakeService)(nil)

func (f *fakeService) record(method string, a actor.Actor, args ...any) {
	f.calls = append(f.calls, call{method: method, actor: a, args: args})
}

func (f *fakeService) CreateDraft(_ context.Context, a actor.Actor, service string) (applications.App, error) {
	f.record("CreateDraft", a, service)
	if f.createDraft != nil {
		return f.createDraft(a, service)
	}
	return applications.App{}, f.fail
}

func (f *fakeService) DraftFromTemplate(_ context.Context, a actor.Actor, templateID string) (applications.App, error) {
	f.record("DraftFromTemplate", a, templateID)
	return applications.App{}, f.fail
}

func (f *fakeService) List(_ context.Context, a actor.Actor, fl applications.Filter, cursor string, limit int32) ([]applications.App, string, error) {
	f.record("List", a, fl, cursor, limit)
	return nil, "", f.fail
}

func (f *fakeService) Card(_ context.Context, a actor.Actor, id string) (applications.App, error) {
	f.record("Card", a, id)
	if f.card != nil {
		return f.card(a, id)
	}
	return applications.App{}, f.fail
}

func (f *fakeService) SaveDraft(_ context.Context, a actor.Actor, id string, values map[string]any, ifVersion int64) (applications.App, error) {
	f.record("SaveDraft", a, id, values, ifVersion)
	return applications.App{}, f.fail
}

func (f *fakeService) DeleteDraft(_ context.Context, a actor.Actor, id string) error {
	f.record("DeleteDraft", a, id)
	return f.fail
}

func (f *fakeService) StartSigning(_ context.Context, a actor.Actor, id string, attachments []string) (applications.Signing, error) {
	f.record("StartSigning", a, id, attachments)
	return applications.Signing{}, f.fail
}

func (f *fakeService) Submit(_ context.Context, a actor.Actor, id string, attachments []string, signature string, ifVersion int64) (applications.App, error) {
	f.record("Submit", a, id, attachments, signature, ifVersion)
	return applications.App{}, f.fail
}

func (f *fakeService) Transition(_ context.Context, a actor.Actor, id string, m applications.Move) (applications.App, error) {
	f.record("Transition", a, id, m)
	return applications.App{}, f.fail
}

func (f *fakeService) Resubmit(_ context.Context, a actor.Actor, id string) (applications.App, bool, error) {
	f.record("Resubmit", a, id)
	if f.resubmit != nil {
		return f.resubmit(a, id)
	}
	return applications.App{}, false, f.fail
}

func (f *fakeService) JournalPDF(_ context.Context, a actor.Actor, id string) (string, []byte, error) {
	f.record("JournalPDF", a, id)
	if f.journalPDF != nil {
		return f.journalPDF(a, id)
	}
	return "", nil, f.fail
}

func (f *fakeService) SaveTemplate(_ context.Context, a actor.Actor, applicationID, name string) (applications.Template, error) {
	f.record("SaveTemplate", a, applicationID, name)
	return applications.Template{}, f.fail
}

func (f *fakeService) Templates(_ context.Context, a actor.Actor) ([]applications.Template, error) {
	f.record("Templates", a)
	return nil, f.fail
}

func (f *fakeService) DeleteTemplate(_ context.Context, a actor.Actor, id string) error {
	f.record("DeleteTemplate", a, id)
	return f.fail
}

func (f *fakeService) Queue(_ context.Context, a actor.Actor, status, cursor string, limit int32) ([]applications.App, string, error) {
	f.record("Queue", a, status, cursor, limit)
	return nil, "", f.fail
}

func (f *fakeService) OfficerCard(_ context.Context, a actor.Actor, id string) (applications.App, error) {
	f.record("OfficerCard", a, id)
	return applications.App{}, f.fail
}

func (f *fakeService) OfficerTransition(_ context.Context, a actor.Actor, id string, m applications.Move) (applications.App, error) {
	f.record("OfficerTransition", a, id, m)
	if f.officerTransition != nil {
		return f.officerTransition(a, id, m)
	}
	return applications.App{}, f.fail
}

func (f *fakeService) Verify(_ context.Context, code string, file []byte) (issued.Verification, error) {
	f.record("Verify", actor.Actor{}, code, file)
	if f.verify != nil {
		return f.verify(code, file)
	}
	return issued.Verification{}, f.fail
}

func (f *fakeService) AgencyRefunds(_ context.Context, a actor.Actor, cursor string, limit int32) ([]applications.RefundOrder, string, error) {
	f.record("AgencyRefunds", a, cursor, limit)
	return nil, "", f.fail
}

func (f *fakeService) AgencyPayout(_ context.Context, a actor.Actor, id string, in payments.PayoutInput) (applications.App, error) {
	f.record("AgencyPayout", a, id, in)
	return applications.App{}, f.fail
}

func serve(t *testing.T, f *fakeService, req httpapi.Request) httpapi.Response {
	t.Helper()
	h := &handler{svc: f}
	res, err := h.router(httpapi.NewRouter("applications", logging.New(io.Discard, "error"))).Guard(httpapitest.AdmitAll{}).Serve(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func event(t *testing.T, name string) httpapi.Request {
	t.Helper()
	req, err := httpapi.ReadEvent("../../events/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// The samples' callers.
const (
	citizenSub = "3f1c2a9e-5b7d-4c1e-9f00-2a6b8c0d4e51"
	officerSub = "9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
	sampleID   = "20261123090000123456-AbCdEfGh"
)

func TestRoutesMatchTheTable(t *testing.T) {
	r := (&handler{}).router(httpapi.NewRouter("applications", logging.New(io.Discard, "error")))
	if m := r.Mismatch(); len(m) > 0 {
		t.Errorf("router and shared/routes disagree: %v", m)
	}
}

// TestEachRouteCallsTheService: every route's sample event reaches the
// service method it maps to, with the actor from the verified claims and
// the request's arguments.
func TestEachRouteCallsTheService(t *testing.T) {
	from, _ := time.Parse("2006-01-02", "2026-11-01")
	cases := []struct {
		event  string
		edit   func(*httpapi.Request)
		method string
		sub    string
		args   []any
		status int
	}{
		{"applications-create.json", nil, "CreateDraft", citizenSub, []any{"no-criminal-record"}, 201},
		{"applications-create.json", func(r *httpapi.Request) { r.Body = `{"template":"tpl-1"}` }, "DraftFromTemplate", citizenSub, []any{"tpl-1"}, 201},
		{"applications-list.json", func(r *httpapi.Request) { r.QueryStringParameters["from"] = "2026-11-01" }, "List", citizenSub,
			[]any{applications.Filter{Status: "submitted", From: from}, "", int32(20)}, 200},
		{"applications-get.json", nil, "Card", citizenSub, []any{sampleID}, 200},
		{"applications-save.json", nil, "SaveDraft", citizenSub, []any{sampleID, map[string]any{"purpose": "Для трудоустройства"}, int64(1)}, 200},
		{"applications-delete.json", nil, "DeleteDraft", citizenSub, []any{sampleID}, 204},
		{"applications-signature.json", nil, "StartSigning", citizenSub, []any{sampleID, []string{"20261123090000-AbCdEfGh"}}, 200},
		{"applications-signature.json", func(r *httpapi.Request) { r.Body = "" }, "StartSigning", citizenSub, []any{sampleID, []string(nil)}, 200},
		{"applications-submit.json", nil, "Submit", citizenSub, []any{sampleID, []string{"20261123090000-AbCdEfGh"}, "123456", int64(2)}, 200},
		{"applications-submit.json", func(r *httpapi.Request) { r.Body = `{}` }, "Submit", citizenSub, []any{sampleID, []string{}, "", int64(2)}, 200},
		{"applications-cancel.json", nil, "Transition", citizenSub, []any{sampleID, applications.Move{To: "cancelled", Comment: "Передумал"}}, 200},
		{"applications-cancel.json", func(r *httpapi.Request) { r.Body = "" }, "Transition", citizenSub, []any{sampleID, applications.Move{To: "cancelled"}}, 200},
		{"applications-documents.json", nil, "Transition", citizenSub,
			[]any{sampleID, applications.Move{To: "in_progress", Documents: []string{"20261123090000-AbCdEfGh"}}}, 200},
		{"applications-documents.json", func(r *httpapi.Request) { r.Body = `{"to":"completed","documents":["d"]}` }, "Transition", citizenSub,
			[]any{sampleID, applications.Move{To: "in_progress", Documents: []string{"d"}}}, 200},
		{"applications-resubmit.json", nil, "Resubmit", citizenSub, []any{sampleID}, 200},
		{"applications-template.json", nil, "SaveTemplate", citizenSub, []any{sampleID, "Справка для работы"}, 201},
		{"templates-list.json", nil, "Templates", citizenSub, nil, 200},
		{"templates-delete.json", nil, "DeleteTemplate", citizenSub, []any{sampleID}, 204},
		{"applications-journal-pdf.json", nil, "JournalPDF", citizenSub, []any{sampleID}, 200},
		{"officer-applications.json", nil, "Queue", officerSub, []any{"submitted", "", int32(20)}, 200},
		{"officer-applications.json", func(r *httpapi.Request) { r.QueryStringParameters["status"] = "finished" }, "Queue", officerSub,
			[]any{"finished", "", int32(20)}, 200},
		{"officer-applications-get.json", nil, "OfficerCard", officerSub, []any{sampleID}, 200},
		{"officer-applications-transition.json", nil, "OfficerTransition", officerSub,
			[]any{sampleID, applications.Move{To: "registered", Comment: "Принято в работу"}}, 200},
		{"verify-get.json", nil, "Verify", "", []any{"E3PB-PPYW-KBPP-WKBM", []byte(nil)}, 200},
		{"agency-refunds.json", nil, "AgencyRefunds", "", []any{"", int32(50)}, 200},
		{"agency-refunds-payout.json", nil, "AgencyPayout", "", []any{sampleID, payments.PayoutInput{OrderNumber: "4815", OrderDate: "2026-11-23", Amount: "200000"}}, 200},
		{"officer-applications-transition.json", func(r *httpapi.Request) {
			r.Body = `{"to":"approved","decision":{"amount":150000,"schedule":[{"amount":75000.5,"dueDate":"2026-12-23"}]}}`
		}, "OfficerTransition", officerSub, []any{sampleID, applications.Move{To: "approved", Decision: &payments.Decision{Amount: ptr(payments.Kopecks("150000")),
			Schedule: []payments.PartInput{{Amount: "75000.5", Due: "2026-12-23"}}}}}, 200},
	}
	for _, c := range cases {
		t.Run(c.event+" "+c.method, func(t *testing.T) {
			req := event(t, c.event)
			if req.QueryStringParameters == nil {
				req.QueryStringParameters = map[string]string{}
			}
			if c.edit != nil {
				c.edit(&req)
			}
			f := &fakeService{journalPDF: func(actor.Actor, string) (string, []byte, error) { return "Журнал.pdf", []byte("%PDF-1.7"), nil }}
			res := serve(t, f, req)
			if res.StatusCode != c.status {
				t.Errorf("status = %d (%s), want %d", res.StatusCode, res.Body, c.status)
			}
			if len(f.calls) != 1 {
				t.Fatalf("calls = %+v, want one %s", f.calls, c.method)
			}
			got := f.calls[0]
			if got.method != c.method || !reflect.DeepEqual(got.args, c.args) {
				t.Errorf("called %s%#v, want %s%#v", got.method, got.args, c.method, c.args)
			}
			if got.actor.Sub != c.sub || (c.sub != "" && got.actor.IP != req.RequestContext.HTTP.SourceIP) {
				t.Errorf("actor = %+v, want %s from %s", got.actor, c.sub, req.RequestContext.HTTP.SourceIP)
			}
			if c.sub == officerSub && (got.actor.Department != "mvd" || !got.actor.In(actor.GroupOfficers)) {
				t.Errorf("officer actor = %+v, want the officers group and department mvd from the claims", got.actor)
			}
			if c.sub == citizenSub && (got.actor.Department != "" || len(got.actor.Groups) != 0) {
				t.Errorf("citizen actor = %+v, want no staff groups", got.actor)
			}
			if strings.HasPrefix(c.event, "agency-") && got.actor.Agency() != "mvd" {
				t.Errorf("machine actor = %+v, want the agency mvd from its scope", got.actor)
			}
		})
	}
}

// TestMalformedRequestsNeverReachTheService: what the handler parses is
// refused as problem+json (400, 413, 415, 422 with the field, 428) before
// any call.
func TestMalformedRequestsNeverReachTheService(t *testing.T) {
	cases := []struct {
		name   string
		event  string
		edit   func(*httpapi.Request)
		status int
		field  string
	}{
		{"create: not JSON", "applications-create.json", func(r *httpapi.Request) { r.Body = `{"service":` }, 400, ""},
		{"create: an unknown member", "applications-create.json", func(r *httpapi.Request) { r.Body = `{"service":"x","extra":1}` }, 400, ""},
		{"create: a service and a template", "applications-create.json", func(r *httpapi.Request) { r.Body = `{"service":"x","template":"y"}` }, 422, "template"},
		{"list: a date not a date", "applications-list.json", func(r *httpapi.Request) { r.QueryStringParameters = map[string]string{"from": "01.11.2026"} }, 422, "from"},
		{"list: a bad limit", "applications-list.json", func(r *httpapi.Request) { r.QueryStringParameters = map[string]string{"limit": "many"} }, 0, ""},
		{"save: no If-Match", "applications-save.json", func(r *httpapi.Request) { delete(r.Headers, "if-match") }, 428, ""},
		{"save: values not an object", "applications-save.json", func(r *httpapi.Request) { r.Body = `{"values":[1]}` }, 400, ""},
		{"signature: attachments not a list", "applications-signature.json", func(r *httpapi.Request) { r.Body = `{"attachments":5}` }, 400, ""},
		{"submit: no If-Match", "applications-submit.json", func(r *httpapi.Request) { delete(r.Headers, "if-match") }, 428, ""},
		{"submit: a garbled If-Match", "applications-submit.json", func(r *httpapi.Request) { r.Headers["if-match"] = `"two"` }, 400, ""},
		{"documents: not JSON", "applications-documents.json", func(r *httpapi.Request) { r.Body = `[` }, 400, ""},
		{"template: not JSON", "applications-template.json", func(r *httpapi.Request) { r.Body = `name` }, 400, ""},
		{"officer move: not JSON", "officer-applications-transition.json", func(r *httpapi.Request) { r.Body = `{"to":` }, 400, ""},
		{"officer queue: a bad cursor size", "officer-applications.json", func(r *httpapi.Request) { r.QueryStringParameters["limit"] = "-1" }, 0, ""},
		{"payout: not JSON", "agency-refunds-payout.json", func(r *httpapi.Request) { r.Body = `{"orderNumber":` }, 400, ""},
		{"payout: an unknown member", "agency-refunds-payout.json", func(r *httpapi.Request) { r.Body = `{"orderNumber":"1","bank":"x"}` }, 400, ""},
		{"payout: a person's token", "agency-refunds-payout.json", func(r *httpapi.Request) { r.RequestContext.Authorizer.JWT.Claims["token_use"] = "id" }, 0, ""},
		{"refunds: a bad limit", "agency-refunds.json", func(r *httpapi.Request) { r.QueryStringParameters["limit"] = "all" }, 0, ""},
		{"verify: not a PDF", "verify-post.json", func(r *httpapi.Request) { r.Headers["content-type"] = "text/plain" }, 415, ""},
		{"verify: no file", "verify-post.json", func(r *httpapi.Request) { r.Body, r.IsBase64Encoded = "", false }, 422, "file"},
		{"verify: too large", "verify-post.json", func(r *httpapi.Request) { r.Body, r.IsBase64Encoded = strings.Repeat("x", 1<<20+1), false }, 413, ""},
		{"no claims", "applications-get.json", func(r *httpapi.Request) { r.RequestContext.Authorizer = nil }, 401, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := event(t, c.event)
			c.edit(&req)
			f := &fakeService{}
			res := serve(t, f, req)
			if c.status != 0 && res.StatusCode != c.status || c.status == 0 && (res.StatusCode < 400 || res.StatusCode >= 500) {
				t.Errorf("status = %d (%s), want %d", res.StatusCode, res.Body, c.status)
			}
			if !strings.HasPrefix(res.Headers["Content-Type"], "application/problem+json") {
				t.Errorf("Content-Type = %q, want problem+json", res.Headers["Content-Type"])
			}
			if c.field != "" {
				var p struct{ Errors []struct{ Field string } }
				_ = json.Unmarshal([]byte(res.Body), &p)
				if len(p.Errors) != 1 || p.Errors[0].Field != c.field {
					t.Errorf("errors = %+v, want the field %s", p.Errors, c.field)
				}
			}
			if len(f.calls) != 0 {
				t.Errorf("the service was called: %+v", f.calls)
			}
		})
	}
}

// TestServiceErrorsAreProblems: the service's refusals keep their status
// and code; anything else is a 500 that says nothing.
func TestServiceErrorsAreProblems(t *testing.T) {
	cases := []struct {
		name   string
		event  string
		err    error
		status int
		code   string
	}{
		{"level too low", "applications-create.json", problem.New(problem.KindForbidden, "level_too_low", "Для этой услуги нужна подтверждённая учётная запись").With("requiredLevel", "confirmed"), 403, "level_too_low"},
		{"not an officer", "officer-applications.json", problem.New(problem.KindForbidden, "not_an_officer", "Раздел доступен только сотрудникам ведомств"), 403, "not_an_officer"},
		{"own application", "officer-applications-transition.json", problem.New(problem.KindForbidden, "self_action", "Нельзя"), 403, "self_action"},
		{"another department's", "officer-applications-get.json", problem.NotFound("заявление"), 404, "not_found"},
		{"an illegal move", "applications-cancel.json", problem.Conflict("illegal_transition", "Нельзя"), 409, "illegal_transition"},
		{"a field", "officer-applications-transition.json", problem.Invalid(problem.Field{Field: "comment", Code: "reason.required", Message: "Укажите причину"}), 422, "validation_failed"},
		{"a stale draft", "applications-submit.json", problem.Conflict("stale_version", "Обновите страницу"), 409, "stale_version"},
		{"unclassified", "applications-get.json", errors.New("dynamodb: connection reset by 10.0.0.7"), 500, "internal"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := serve(t, &fakeService{fail: c.err}, event(t, c.event))
			var p struct {
				Code, Detail  string
				RequiredLevel string
			}
			_ = json.Unmarshal([]byte(res.Body), &p)
			if res.StatusCode != c.status || p.Code != c.code || !strings.HasPrefix(res.Headers["Content-Type"], "application/problem+json") {
				t.Errorf("answer = %d %s, want %d %s as problem+json", res.StatusCode, res.Body, c.status, c.code)
			}
			if c.status == 500 && strings.Contains(res.Body, "10.0.0.7") {
				t.Errorf("a 500 leaks its cause: %s", res.Body)
			}
			if c.code == "level_too_low" && p.RequiredLevel != "confirmed" {
				t.Errorf("requiredLevel = %q, want confirmed", p.RequiredLevel)
			}
		})
	}
}

// TestAnswers: statuses and headers the handler adds to what the service
// returns.
func TestAnswers(t *testing.T) {
	t.Run("a new draft has its ETag", func(t *testing.T) {
		f := &fakeService{createDraft: func(actor.Actor, string) (applications.App, error) { return applications.App{ID: "a", Version: 1}, nil }}
		if res := serve(t, f, event(t, "applications-create.json")); res.StatusCode != 201 || res.Headers["ETag"] != `"1"` {
			t.Errorf("create = %d ETag %q", res.StatusCode, res.Headers["ETag"])
		}
	})
	t.Run("the card has its ETag", func(t *testing.T) {
		f := &fakeService{card: func(actor.Actor, string) (applications.App, error) { return applications.App{ID: "a", Version: 4}, nil }}
		if res := serve(t, f, event(t, "applications-get.json")); res.StatusCode != 200 || res.Headers["ETag"] != `"4"` {
			t.Errorf("card = %d ETag %q", res.StatusCode, res.Headers["ETag"])
		}
	})
	for _, c := range []struct {
		created bool
		status  int
	}{{true, 201}, {false, 200}} {
		f := &fakeService{resubmit: func(actor.Actor, string) (applications.App, bool, error) {
			return applications.App{ID: "b", Version: 1}, c.created, nil
		}}
		if res := serve(t, f, event(t, "applications-resubmit.json")); res.StatusCode != c.status {
			t.Errorf("resubmit (created %v) = %d, want %d", c.created, res.StatusCode, c.status)
		}
	}
	t.Run("the journal is a PDF", func(t *testing.T) {
		f := &fakeService{journalPDF: func(actor.Actor, string) (string, []byte, error) {
			return "Журнал заявления 1.pdf", []byte("%PDF-1.7"), nil
		}}
		res := serve(t, f, event(t, "applications-journal-pdf.json"))
		if res.StatusCode != 200 || res.Headers["Content-Type"] != "application/pdf" || !strings.Contains(res.Headers["Content-Disposition"], "filename*=UTF-8''") {
			t.Errorf("journal.pdf = %d %v", res.StatusCode, res.Headers)
		}
	})
	t.Run("verification with the file", func(t *testing.T) {
		var got []byte
		f := &fakeService{verify: func(_ string, file []byte) (issued.Verification, error) {
			got = file
			return issued.Verification{Genuine: true}, nil
		}}
		res := serve(t, f, event(t, "verify-post.json"))
		if res.StatusCode != 200 || !strings.HasPrefix(string(got), "%PDF-") {
			t.Errorf("verify = %d, the service got %q", res.StatusCode, got)
		}
	})
	t.Run("catalog needs no service", func(t *testing.T) {
		f := &fakeService{}
		for _, ev := range []string{"services-list.json", "services-get.json"} {
			if res := serve(t, f, event(t, ev)); res.StatusCode != 200 {
				t.Errorf("%s = %d %s", ev, res.StatusCode, res.Body)
			}
		}
		if len(f.calls) != 0 {
			t.Errorf("the catalog called the service: %+v", f.calls)
		}
	})
}

func ptr[T any](v T) *T { return &v }
