package main

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/consents"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/httpapi/httpapitest"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/problem"
)

// fake records every service call on the shared Recorder.
type fake struct{ httpapitest.Recorder }

func (f *fake) List(_ context.Context, a actor.Actor, fl consents.Filter, _ string, _ int32) ([]consents.Consent, string, error) {
	return nil, "", f.Record("List", a, fl.Status)
}
func (f *fake) Get(_ context.Context, a actor.Actor, id string) (consents.Consent, error) {
	return consents.Consent{ID: id, Version: 3}, f.Record("Get", a, id)
}
func (f *fake) CSV(_ context.Context, a actor.Actor, _ consents.Filter) ([]byte, error) {
	return []byte("\ufeff"), f.Record("CSV", a)
}
func (f *fake) StartConfirmation(_ context.Context, a actor.Actor, id string, in consents.Terms) (consents.Confirmation, error) {
	return consents.Confirmation{}, f.Record("StartConfirmation", a, id, string(in.Level), in.ExpiresAt)
}
func (f *fake) Grant(_ context.Context, a actor.Actor, id string, in consents.Terms, code string) (consents.Consent, error) {
	return consents.Consent{ID: id}, f.Record("Grant", a, id, string(in.Level), in.ExpiresAt, code)
}
func (f *fake) Refuse(_ context.Context, a actor.Actor, id string) (consents.Consent, error) {
	return consents.Consent{ID: id}, f.Record("Refuse", a, id)
}
func (f *fake) Withdraw(_ context.Context, a actor.Actor, id string) (consents.Consent, error) {
	return consents.Consent{ID: id}, f.Record("Withdraw", a, id)
}
func (f *fake) Change(_ context.Context, a actor.Actor, id string, in consents.Terms, code string, v int64) (consents.Consent, error) {
	return consents.Consent{ID: id}, f.Record("Change", a, id, string(in.Level), in.ExpiresAt, fmt.Sprint(v))
}
func (f *fake) CreateReference(_ context.Context, a actor.Actor) (consents.Reference, error) {
	return consents.Reference{}, f.Record("CreateReference", a)
}

// fakeLog is the access log half of the fake.
type fakeLog struct{ *fake }

func (f fakeLog) List(_ context.Context, a actor.Actor, fl accesslog.Filter, _ string, _ int32) (accesslog.Page, error) {
	return accesslog.Page{}, f.Record("Log.List", a, fl.Organisation, fl.From.Format("2006-01-02"), fl.To.Format("2006-01-02"))
}
func (f fakeLog) AllOf(_ context.Context, a actor.Actor, _ accesslog.Filter) ([]accesslog.Entry, error) {
	return nil, f.Record("Log.AllOf", a)
}
func (f fakeLog) Verify(_ context.Context, a actor.Actor) (journal.Result, error) {
	return journal.Result{OK: true}, f.Record("Log.Verify", a)
}
func (f fakeLog) Flag(_ context.Context, a actor.Actor, seq int64, comment string) (accesslog.Entry, error) {
	return accesslog.Entry{Seq: seq}, f.Record("Log.Flag", a, fmt.Sprint(seq), comment)
}
func (f fakeLog) Flags(_ context.Context, a actor.Actor, _ string, _ int32) ([]accesslog.Flag, string, error) {
	return nil, "", f.Record("Log.Flags", a)
}

func fakeRouter(f *fake) *httpapi.Router {
	h := &handler{consents: f, reads: fakeLog{f}}
	return h.router(httpapi.NewRouter("consents", logging.New(io.Discard, "error"))).Guard(httpapitest.AdmitAll{})
}

func newFake() (*httpapi.Router, *httpapitest.Recorder) {
	f := &fake{}
	return fakeRouter(f), &f.Recorder
}

func TestRoutesMatchTheTable(t *testing.T) {
	if m := fakeRouter(&fake{}).Mismatch(); len(m) > 0 {
		t.Errorf("router and shared/routes disagree: %v", m)
	}
}

const id = "20261123090000-AbCdEfGhIjKl"

// Every route reaches its service call as the person the event's claims
// describe, with what the request says.
func TestEachRouteCallsItsServiceAsTheCaller(t *testing.T) {
	httpapitest.CheckRoutes(t, []httpapitest.Route{
		{Event: "consents-list.json", Method: "List", Status: 200, Args: []string{"current"}},
		{Event: "consents-csv.json", Method: "CSV", Status: 200},
		{Event: "consents-reference.json", Method: "CreateReference", Status: 201},
		{Event: "consents-get.json", Method: "Get", Status: 200, Args: []string{id}},
		{Event: "consents-change.json", Method: "Change", Status: 200, Args: []string{id, "limited", "2027-03-31", "2"}},
		{Event: "consents-confirmation.json", Method: "StartConfirmation", Status: 200, Args: []string{id, "limited", "2027-03-31"}},
		{Event: "consents-grant.json", Method: "Grant", Status: 200, Args: []string{id, "limited", "2027-03-31", "123456"}},
		{Event: "consents-refuse.json", Method: "Refuse", Status: 200, Args: []string{id}},
		{Event: "consents-withdraw.json", Method: "Withdraw", Status: 200, Args: []string{id}},
		{Event: "access-log-list.json", Method: "Log.List", Status: 200, Args: []string{"demobank", "2026-11-01", "2026-12-01"}},
		{Event: "access-log-csv.json", Method: "Log.AllOf", Status: 200},
		{Event: "access-log-verify.json", Method: "Log.Verify", Status: 200},
		{Event: "access-log-flag.json", Method: "Log.Flag", Status: 201, Args: []string{"1", "Я не обращался в эту организацию"}},
		{Event: "support-access-flags.json", Method: "Log.Flags", Status: 200},
	}, newFake)
}

// Malformed input is refused before the service is asked.
func TestBadInputIsRefusedBeforeTheService(t *testing.T) {
	httpapitest.CheckRefusals(t, []httpapitest.Refusal{
		{Event: "consents-change.json", Headers: map[string]string{"if-match": ""}, Status: 428, Code: "if_match_required"},
		{Event: "consents-change.json", Headers: map[string]string{"if-match": "yesterday"}, Status: 400, Code: "if_match_invalid"},
		{Event: "consents-change.json", Body: `{"level":"limited","scope":"all"}`, Status: 400, Code: "malformed_json"},
		{Event: "consents-grant.json", Body: `{"level":1}`, Status: 400, Code: "malformed_json"},
		{Event: "consents-list.json", Query: map[string]string{"limit": "0"}, Status: 422, Code: "validation_failed"},
		{Event: "access-log-list.json", Query: map[string]string{"from": "вчера"}, Status: 422, Code: "validation_failed"},
		{Event: "access-log-flag.json", Body: `{"comment":["a"]}`, Status: 400, Code: "malformed_json"},
	}, newFake)
}

// The services' errors become problem+json with their status.
func TestServiceErrorsMapToProblems(t *testing.T) {
	httpapitest.CheckFailures(t, []httpapitest.Failure{
		{Event: "consents-get.json", Err: problem.NotFound("согласие"), Status: 404},
		{Event: "consents-grant.json", Err: problem.New(problem.KindPreconditionRequired, "confirmation_required", "x"), Status: 428},
		{Event: "consents-change.json", Err: problem.Conflict("stale_version", "x"), Status: 409},
		{Event: "consents-withdraw.json", Err: problem.Conflict("registration_consent", "x"), Status: 409},
		{Event: "support-access-flags.json", Err: problem.New(problem.KindForbidden, "not_support", "x"), Status: 403},
		{Event: "access-log-list.json", Err: io.ErrUnexpectedEOF, Status: 500},
	}, func(err error) *httpapi.Router { return fakeRouter(&fake{httpapitest.Recorder{Err: err}}) })
}
