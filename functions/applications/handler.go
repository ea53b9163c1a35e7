package main

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/applications"
	"github.com/kabinet/kabinet/shared/blob"
	"github.com/kabinet/kabinet/shared/catalog"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/issued"
	"github.com/kabinet/kabinet/shared/payments"
	"github.com/kabinet/kabinet/shared/problem"
)

// service is what the handler needs of applications.Service. Every method
// takes the acting identity and enforces its own rules (who may call, on
// whose applications): the handler only parses, calls and maps.
type service interface {
	CreateDraft(ctx context.Context, a actor.Actor, service string) (applications.App, error)
	DraftFromTemplate(ctx context.Context, a actor.Actor, templateID string) (applications.App, error)
	List(ctx context.Context, a actor.Actor, f applications.Filter, cursor string, limit int32) ([]applications.App, string, error)
	Card(ctx context.Context, a actor.Actor, id string) (applications.App, error)
	SaveDraft(ctx context.Context, a actor.Actor, id string, values map[string]any, ifVersion int64) (applications.App, error)
	DeleteDraft(ctx context.Context, a actor.Actor, id string) error
	StartSigning(ctx context.Context, a actor.Actor, id string, attachments []string) (applications.Signing, error)
	Submit(ctx context.Context, a actor.Actor, id string, attachments []string, signature string, ifVersion int64) (applications.App, error)
	Transition(ctx context.Context, a actor.Actor, id string, m applications.Move) (applications.App, error)
	Resubmit(ctx context.Context, a actor.Actor, id string) (applications.App, bool, error)
	JournalPDF(ctx context.Context, a actor.Actor, id string) (string, []byte, error)
	SaveTemplate(ctx context.Context, a actor.Actor, applicationID, name string) (applications.Template, error)
	Templates(ctx context.Context, a actor.Actor) ([]applications.Template, error)
	DeleteTemplate(ctx context.Context, a actor.Actor, id string) error
	Queue(ctx context.Context, a actor.Actor, status, cursor string, limit int32) ([]applications.App, string, error)
	OfficerCard(ctx context.Context, a actor.Actor, id string) (applications.App, error)
	OfficerTransition(ctx context.Context, a actor.Actor, id string, m applications.Move) (applications.App, error)
	Verify(ctx context.Context, code string, file []byte) (issued.Verification, error)
	AgencyRefunds(ctx context.Context, a actor.Actor, cursor string, limit int32) ([]applications.RefundOrder, string, error)
	AgencyPayout(ctx context.Context, a actor.Actor, id string, in payments.PayoutInput) (applications.App, error)
}

var _ service = (*applications.Service)(nil)

type handler struct{ svc service }

func (h *handler) router(r *httpapi.Router) *httpapi.Router {
	r.Handle("GET /services", h.services)
	r.Handle("GET /services/{code}", h.service)
	r.HandleAuthed("POST /applications", h.create)
	r.HandleAuthed("POST /applications/{id}/resubmit", h.resubmit)
	r.HandleAuthed("POST /applications/{id}/template", h.saveTemplate)
	r.HandleAuthed("GET /templates", h.templates)
	r.HandleAuthed("DELETE /templates/{id}", h.deleteTemplate)
	r.HandleAuthed("GET /applications", h.list)
	r.HandleAuthed("GET /applications/{id}", h.card)
	r.HandleAuthed("PUT /applications/{id}", h.save)
	r.HandleAuthed("DELETE /applications/{id}", h.delete)
	r.HandleAuthed("POST /applications/{id}/signature", h.startSigning)
	r.HandleAuthed("POST /applications/{id}/submit", h.submit)
	r.HandleAuthed("POST /applications/{id}/cancel", h.cancel)
	r.HandleAuthed("POST /applications/{id}/documents", h.addDocuments)
	r.HandleAuthed("GET /officer/applications", h.queue)
	r.HandleAuthed("GET /officer/applications/{id}", h.officerCard)
	r.HandleAuthed("POST /officer/applications/{id}/transition", h.officerMove)
	r.HandleAuthed("GET /applications/{id}/journal.pdf", h.journalPDF)
	r.HandleMachine("GET /agency/refunds", h.agencyRefunds)
	r.HandleMachine("POST /agency/refunds/{id}/payout", h.agencyPayout)
	r.Handle("GET /verify/{code}", h.verify)
	r.Handle("POST /verify/{code}", h.verify)
	return r
}

func (h *handler) startSigning(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	aid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	// The attachments the draft will be submitted with are signed too; a
	// request without a body signs none.
	var in struct {
		Attachments []string `json:"attachments"`
	}
	if raw, err := httpapi.Body(req); err != nil {
		return httpapi.Response{}, err
	} else if b := strings.TrimSpace(string(raw)); b != "" && b != "null" {
		if err := httpapi.DecodeJSON(req, 4<<10, &in); err != nil {
			return httpapi.Response{}, err
		}
	}
	sig, err := h.svc.StartSigning(ctx, id.Actor(req), aid, in.Attachments)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, sig)
}

func (h *handler) journalPDF(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	aid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	name, pdf, err := h.svc.JournalPDF(ctx, id.Actor(req), aid)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.File(blob.TypePDF, name, pdf), nil
}

// verify is public: anyone holding a document (a bank, an employer) checks
// it by the code printed on it; with the file as the body (POST), it also
// learns whether the file is the one issued.
func (h *handler) verify(ctx context.Context, req *httpapi.Request) (httpapi.Response, error) {
	code, err := httpapi.PathParam(req, "code")
	if err != nil {
		return httpapi.Response{}, err
	}
	var file []byte
	if req.RequestContext.HTTP.Method == http.MethodPost {
		if file, err = presented(req); err != nil {
			return httpapi.Response{}, err
		}
	}
	v, err := h.svc.Verify(ctx, code, file)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, v)
}

// maxPresented bounds a file sent for verification. Issued documents are
// tens of kilobytes; Lambda's 6 MB payload limit (the body arrives base64)
// would refuse much more anyway.
const maxPresented = 1 << 20

// presented reads the file a verifier sends: a PDF body of at most
// maxPresented bytes.
func presented(req *httpapi.Request) ([]byte, error) {
	ct := strings.ToLower(strings.TrimSpace(strings.SplitN(httpapi.Header(req, "Content-Type"), ";", 2)[0]))
	if ct != blob.TypePDF && ct != "application/octet-stream" {
		return nil, problem.New(problem.KindUnsupportedMediaType, "unsupported_media_type",
			"Отправьте файл документа как application/pdf")
	}
	body, err := httpapi.Body(req)
	if err != nil {
		return nil, err
	}
	if len(body) > maxPresented {
		return nil, problem.New(problem.KindTooLarge, "body_too_large", "Файл больше 1 МБ — выданные документы меньше")
	}
	if len(body) == 0 {
		return nil, problem.Invalid(problem.Field{Field: "file", Code: "file.required", Message: "Отправьте файл документа в теле запроса"})
	}
	return body, nil
}

func (h *handler) services(_ context.Context, req *httpapi.Request) (httpapi.Response, error) {
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	q := req.QueryStringParameters
	items, next, err := catalog.Search(catalog.Query{Text: q["q"], Category: q["category"], Cursor: cursor, Limit: int(limit)})
	if err != nil {
		return httpapi.Response{}, problem.BadRequest("invalid_cursor", "Некорректный курсор страницы")
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"items": items, "nextCursor": next})
}

func (h *handler) service(_ context.Context, req *httpapi.Request) (httpapi.Response, error) {
	code, err := httpapi.PathParam(req, "code")
	if err != nil {
		return httpapi.Response{}, err
	}
	svc, ok := catalog.Get(code)
	if !ok {
		return httpapi.Response{}, problem.NotFound("услуга")
	}
	return httpapi.JSON(http.StatusOK, svc)
}

func (h *handler) create(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	var in struct {
		Service  string `json:"service"`
		Template string `json:"template"`
	}
	if err := httpapi.DecodeJSON(req, 1<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	var a applications.App
	var err error
	switch {
	case in.Service != "" && in.Template != "":
		return httpapi.Response{}, problem.Invalid(problem.Field{Field: "template", Code: "template.conflict", Message: "Укажите услугу или шаблон, но не оба"})
	case in.Template != "":
		a, err = h.svc.DraftFromTemplate(ctx, id.Actor(req), in.Template)
	default:
		a, err = h.svc.CreateDraft(ctx, id.Actor(req), in.Service)
	}
	if err != nil {
		return httpapi.Response{}, err
	}
	res, err := httpapi.JSON(http.StatusCreated, a)
	return httpapi.WithETag(res, a.Version), err
}

func (h *handler) list(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	q := req.QueryStringParameters
	f := applications.Filter{Status: q["status"], Service: q["service"], Number: q["number"]}
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if v := q[name]; v != "" {
			t, err := time.Parse("2006-01-02", v)
			if err != nil {
				return httpapi.Response{}, problem.Invalid(problem.Field{Field: name, Code: "date.format", Message: "Дата в формате ГГГГ-ММ-ДД"})
			}
			*dst = t
		}
	}
	items, next, err := h.svc.List(ctx, id.Actor(req), f, cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"items": items, "nextCursor": next})
}

func (h *handler) card(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	aid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	a, err := h.svc.Card(ctx, id.Actor(req), aid)
	if err != nil {
		return httpapi.Response{}, err
	}
	res, err := httpapi.JSON(http.StatusOK, a)
	return httpapi.WithETag(res, a.Version), err
}

func (h *handler) save(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	aid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	var in struct {
		Values map[string]any `json:"values"`
	}
	if err := httpapi.DecodeJSON(req, 32<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	version, err := httpapi.IfMatch(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	a, err := h.svc.SaveDraft(ctx, id.Actor(req), aid, in.Values, version)
	if err != nil {
		return httpapi.Response{}, err
	}
	res, err := httpapi.JSON(http.StatusOK, a)
	return httpapi.WithETag(res, a.Version), err
}

func (h *handler) delete(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	aid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := h.svc.DeleteDraft(ctx, id.Actor(req), aid); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.NoContent(), nil
}

func (h *handler) submit(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	aid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	var in struct {
		Attachments   []string `json:"attachments"`
		SignatureCode string   `json:"signatureCode"`
	}
	if err := httpapi.DecodeJSON(req, 4<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	version, err := httpapi.IfMatch(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	if in.Attachments == nil {
		in.Attachments = []string{}
	}
	a, err := h.svc.Submit(ctx, id.Actor(req), aid, in.Attachments, in.SignatureCode, version)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, a)
}

func (h *handler) citizenMove(ctx context.Context, req *httpapi.Request, id httpapi.Identity, to string) (httpapi.Response, error) {
	aid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	var m applications.Move
	if b := strings.TrimSpace(req.Body); b != "" && b != "null" {
		if err := httpapi.DecodeJSON(req, 4<<10, &m); err != nil {
			return httpapi.Response{}, err
		}
	}
	m.To = to
	a, err := h.svc.Transition(ctx, id.Actor(req), aid, m)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, a)
}

func (h *handler) resubmit(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	aid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	a, created, err := h.svc.Resubmit(ctx, id.Actor(req), aid)
	if err != nil {
		return httpapi.Response{}, err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	res, err := httpapi.JSON(status, a)
	return httpapi.WithETag(res, a.Version), err
}

func (h *handler) saveTemplate(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	aid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	var in struct {
		Name string `json:"name"`
	}
	if err := httpapi.DecodeJSON(req, 1<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	t, err := h.svc.SaveTemplate(ctx, id.Actor(req), aid, in.Name)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusCreated, t)
}

func (h *handler) templates(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	items, err := h.svc.Templates(ctx, id.Actor(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"items": items})
}

func (h *handler) deleteTemplate(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	tid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := h.svc.DeleteTemplate(ctx, id.Actor(req), tid); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.NoContent(), nil
}

func (h *handler) cancel(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	return h.citizenMove(ctx, req, id, applications.Cancelled)
}

func (h *handler) addDocuments(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	return h.citizenMove(ctx, req, id, applications.InProgress)
}

func (h *handler) queue(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	items, next, err := h.svc.Queue(ctx, id.Actor(req), req.QueryStringParameters["status"], cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"items": items, "nextCursor": next})
}

func (h *handler) officerCard(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	aid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	a, err := h.svc.OfficerCard(ctx, id.Actor(req), aid)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, a)
}

func (h *handler) officerMove(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	aid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	var m applications.Move
	if err := httpapi.DecodeJSON(req, 4<<10, &m); err != nil {
		return httpapi.Response{}, err
	}
	a, err := h.svc.OfficerTransition(ctx, id.Actor(req), aid, m)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, a)
}

// agencyRefunds lists the approved refunds the agency's system is to pay
// out, with the applicants' bank details.
func (h *handler) agencyRefunds(ctx context.Context, req *httpapi.Request, m httpapi.Machine) (httpapi.Response, error) {
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	items, next, err := h.svc.AgencyRefunds(ctx, m.Actor(req), cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"items": items, "nextCursor": next})
}

// agencyPayout records the payment order that paid a refund out.
func (h *handler) agencyPayout(ctx context.Context, req *httpapi.Request, m httpapi.Machine) (httpapi.Response, error) {
	aid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	var in payments.PayoutInput
	if err := httpapi.DecodeJSON(req, 4<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	a, err := h.svc.AgencyPayout(ctx, m.Actor(req), aid, in)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, a)
}
