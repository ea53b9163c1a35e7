package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/export"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/problem"
)

type handler struct {
	svc     *accounts.Service
	exports *export.Service
}

func (h *handler) router(r *httpapi.Router) *httpapi.Router {
	r.HandleAuthed("GET /profile", h.get)
	r.HandleAuthed("PATCH /profile", h.patch)
	r.HandleAuthed("GET /profile/history", h.history)
	r.HandleAuthed("POST /profile/phone", h.startContact("phone"))
	r.HandleAuthed("POST /profile/phone/confirm", h.confirmContact("phone"))
	r.HandleAuthed("POST /profile/email", h.startContact("email"))
	r.HandleAuthed("POST /profile/email/confirm", h.confirmContact("email"))
	r.HandleAuthed("POST /profile/change-requests", h.requestChange)
	r.HandleAuthed("GET /profile/change-requests", h.listChanges)
	r.HandleAuthed("GET /profile/change-requests/{id}", h.getChange)
	r.HandleAuthed("GET /activity", h.activity)
	r.HandleAuthed("GET /activity.csv", h.activityCSV)
	r.HandleAuthed("GET /activity/verify", h.verifyActivity)
	r.HandleAuthed("GET /identity-documents", h.listIDDocs)
	r.HandleAuthed("POST /identity-documents", h.saveIDDoc)
	r.HandleAuthed("PUT /identity-documents/{id}", h.saveIDDoc)
	r.HandleAuthed("DELETE /identity-documents/{id}", h.deleteIDDoc)
	r.HandleAuthed("POST /profile/export", h.startExport)
	r.HandleAuthed("GET /profile/exports/{id}", h.getExport)
	r.HandleAuthed("GET /officer/change-requests", h.officerQueue)
	r.HandleAuthed("POST /officer/change-requests/{sub}/{id}/decision", h.decide)
	return r
}

type changeInput struct {
	Field      string          `json:"field"`
	Value      json.RawMessage `json:"value"`
	DocumentID string          `json:"documentId"`
}

func (h *handler) requestChange(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	var in changeInput
	if err := httpapi.DecodeJSON(req, 4<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	r, err := h.svc.RequestChange(ctx, id.Subject, in.Field, in.Value, in.DocumentID)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusCreated, r)
}

func (h *handler) listChanges(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	items, next, err := h.svc.ChangeRequests(ctx, id.Subject, cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"items": items, "nextCursor": next})
}

func (h *handler) getChange(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	r, err := h.svc.ChangeRequest(ctx, id.Subject, cid)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, r)
}

func officerOnly(id httpapi.Identity) error {
	if !id.InGroup("officers") {
		return problem.Forbidden("Рассматривать заявки на изменение данных могут только сотрудники ведомств")
	}
	return nil
}

func (h *handler) officerQueue(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	if err := officerOnly(id); err != nil {
		return httpapi.Response{}, err
	}
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	items, next, err := h.svc.PendingChanges(ctx, cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"items": items, "nextCursor": next})
}

type decisionInput struct {
	Decision string `json:"decision"`
	Reason   string `json:"reason,omitempty"`
}

func (h *handler) decide(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	if err := officerOnly(id); err != nil {
		return httpapi.Response{}, err
	}
	sub, err := httpapi.PathParam(req, "sub")
	if err != nil {
		return httpapi.Response{}, err
	}
	cid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	var in decisionInput
	if err := httpapi.DecodeJSON(req, 2<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	if in.Decision != "approve" && in.Decision != "reject" {
		return httpapi.Response{}, problem.Invalid(problem.Field{Field: "decision", Code: "decision.invalid", Message: "Решение: approve или reject"})
	}
	if err := h.svc.Decide(ctx, sub, cid, in.Decision == "approve", in.Reason); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.NoContent(), nil
}

func (h *handler) get(ctx context.Context, _ *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	p, err := h.svc.Profile(ctx, id.Subject)
	if err != nil {
		return httpapi.Response{}, err
	}
	res, err := httpapi.JSON(http.StatusOK, p)
	return httpapi.WithETag(res, p.Version), err
}

func (h *handler) patch(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	var raw map[string]json.RawMessage
	if err := httpapi.DecodeJSON(req, 8<<10, &raw); err != nil {
		return httpapi.Response{}, err
	}
	version, err := httpapi.IfMatch(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	p, err := h.svc.PatchProfile(ctx, id.Subject, raw, version, accounts.Meta{IP: req.RequestContext.HTTP.SourceIP, UserAgent: req.RequestContext.HTTP.UserAgent})
	if err != nil {
		return httpapi.Response{}, err
	}
	res, err := httpapi.JSON(http.StatusOK, p)
	return httpapi.WithETag(res, p.Version), err
}

func (h *handler) history(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	items, next, err := h.svc.ProfileHistory(ctx, id.Subject, cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"items": items, "nextCursor": next})
}

func (h *handler) startContact(kind string) httpapi.AuthedHandler {
	return func(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
		var in map[string]string
		if err := httpapi.DecodeJSON(req, 2<<10, &in); err != nil {
			return httpapi.Response{}, err
		}
		if err := h.svc.StepUp(id.AuthTime); err != nil {
			return httpapi.Response{}, err
		}
		p, err := h.svc.StartContactChange(ctx, id.Subject, kind, in[kind])
		if err != nil {
			return httpapi.Response{}, err
		}
		return httpapi.JSON(http.StatusAccepted, p)
	}
}

func (h *handler) confirmContact(kind string) httpapi.AuthedHandler {
	return func(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
		var in struct {
			Code string `json:"code"`
		}
		if err := httpapi.DecodeJSON(req, 1<<10, &in); err != nil {
			return httpapi.Response{}, err
		}
		if in.Code == "" {
			return httpapi.Response{}, problem.Invalid(problem.Field{Field: "code", Code: "required", Message: "Обязательное поле"})
		}
		if err := h.svc.ConfirmContactChange(ctx, id.Subject, kind, in.Code); err != nil {
			return httpapi.Response{}, err
		}
		return httpapi.NoContent(), nil
	}
}

// activityFilter reads from, to (YYYY-MM-DD or RFC 3339) and type (comma-separated).
func activityFilter(req *httpapi.Request) (journal.Filter, error) {
	var f journal.Filter
	var fields []problem.Field
	for _, name := range []string{"from", "to"} {
		v := req.QueryStringParameters[name]
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			if t, err = time.Parse("2006-01-02", v); err != nil {
				fields = append(fields, problem.Field{Field: name, Code: "date.format", Message: "Дата в формате ГГГГ-ММ-ДД или RFC 3339"})
				continue
			}
		}
		if name == "from" {
			f.From = t
		} else {
			f.To = t
		}
	}
	if v := req.QueryStringParameters["type"]; v != "" {
		f.Types = strings.Split(v, ",")
	}
	if len(fields) > 0 {
		return f, problem.Invalid(fields...)
	}
	return f, nil
}

func (h *handler) activity(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	f, err := activityFilter(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	items, next, err := h.svc.Journal.List(ctx, id.Subject, f, cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	if items == nil {
		items = []journal.Entry{}
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"items": items, "nextCursor": next})
}

func (h *handler) activityCSV(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	f, err := activityFilter(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	items, err := h.svc.Journal.All(ctx, id.Subject, f)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.Response{StatusCode: http.StatusOK, Body: string(journal.CSV(items)), Headers: map[string]string{
		"Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="activity.csv"`,
		"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}}, nil
}

func (h *handler) verifyActivity(ctx context.Context, _ *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	r, err := h.svc.Journal.Verify(ctx, id.Subject)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, r)
}

func (h *handler) startExport(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	var in struct {
		Password string `json:"password"`
	}
	if err := httpapi.DecodeJSON(req, 1<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	if in.Password == "" {
		return httpapi.Response{}, problem.Invalid(problem.Field{Field: "password", Code: "required", Message: "Для выгрузки введите пароль ещё раз"})
	}
	if err := h.svc.Reauthenticate(ctx, id.Subject, in.Password, accounts.Meta{IP: req.RequestContext.HTTP.SourceIP, UserAgent: req.RequestContext.HTTP.UserAgent}); err != nil {
		return httpapi.Response{}, err
	}
	e, err := h.exports.Build(ctx, id.Subject)
	if err != nil {
		return httpapi.Response{}, err
	}
	d, err := h.exports.Get(ctx, id.Subject, e.ID)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusCreated, d)
}

func (h *handler) getExport(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	eid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	d, err := h.exports.Get(ctx, id.Subject, eid)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, d)
}

func (h *handler) listIDDocs(ctx context.Context, _ *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	docs, err := h.svc.IdentityDocs(ctx, id.Subject)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"items": docs})
}

func (h *handler) saveIDDoc(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	var in accounts.IdentityDoc
	if err := httpapi.DecodeJSON(req, 4<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	status := http.StatusCreated
	in.ID = ""
	if did := req.PathParameters["id"]; did != "" {
		in.ID, status = did, http.StatusOK
	}
	in.FromProfile, in.ReplaceBy = false, ""
	d, err := h.svc.SaveIdentityDoc(ctx, id.Subject, in)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(status, d)
}

func (h *handler) deleteIDDoc(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	did, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := h.svc.DeleteIdentityDoc(ctx, id.Subject, did); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.NoContent(), nil
}
