package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/export"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/problem"
)

// profiles is what the handler needs of accounts.Profiles.
type profiles interface {
	Profile(ctx context.Context, a actor.Actor) (accounts.Profile, error)
	PatchProfile(ctx context.Context, a actor.Actor, raw map[string]json.RawMessage, ifVersion int64) (accounts.Profile, error)
	ProfileHistory(ctx context.Context, a actor.Actor, cursor string, limit int32) ([]accounts.Change, string, error)
}

// contacts is what the handler needs of accounts.Contacts.
type contacts interface {
	Start(ctx context.Context, a actor.Actor, kind, value string) (accounts.ContactPending, error)
	Confirm(ctx context.Context, a actor.Actor, kind, code string) error
}

// changeRequests is what the handler needs of accounts.ChangeRequests.
type changeRequests interface {
	File(ctx context.Context, a actor.Actor, field string, value json.RawMessage, documentID string) (accounts.ChangeRequest, error)
	List(ctx context.Context, a actor.Actor, cursor string, limit int32) ([]accounts.ChangeRequest, string, error)
	Get(ctx context.Context, a actor.Actor, id string) (accounts.ChangeRequest, error)
	Pending(ctx context.Context, a actor.Actor, cursor string, limit int32) ([]accounts.ChangeRequest, string, error)
	Decide(ctx context.Context, a actor.Actor, sub, id string, approve bool, reason string) error
}

// identityDocs is what the handler needs of accounts.IdentityDocs.
type identityDocs interface {
	List(ctx context.Context, a actor.Actor) ([]accounts.IdentityDoc, error)
	Save(ctx context.Context, a actor.Actor, d accounts.IdentityDoc) (accounts.IdentityDoc, error)
	Delete(ctx context.Context, a actor.Actor, id string) error
}

// activity is what the handler needs of the journal.
type activity interface {
	List(ctx context.Context, sub string, f journal.Filter, cursor string, limit int32) ([]journal.Entry, string, error)
	All(ctx context.Context, sub string, f journal.Filter) ([]journal.Entry, error)
	Verify(ctx context.Context, sub string) (journal.Result, error)
}

// exports is what the handler needs of export.Service.
type exports interface {
	Build(ctx context.Context, a actor.Actor, password string) (export.Export, error)
	Get(ctx context.Context, sub, id string) (export.Download, error)
}

var (
	_ profiles       = (*accounts.Profiles)(nil)
	_ contacts       = (*accounts.Contacts)(nil)
	_ changeRequests = (*accounts.ChangeRequests)(nil)
	_ identityDocs   = (*accounts.IdentityDocs)(nil)
	_ activity       = (*journal.Journal)(nil)
	_ exports        = (*export.Service)(nil)
)

type handler struct {
	profiles profiles
	contacts contacts
	changes  changeRequests
	docs     identityDocs
	journal  activity
	exports  exports
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
	r, err := h.changes.File(ctx, id.Actor(req), in.Field, in.Value, in.DocumentID)
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
	items, next, err := h.changes.List(ctx, id.Actor(req), cursor, limit)
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
	r, err := h.changes.Get(ctx, id.Actor(req), cid)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, r)
}

func (h *handler) officerQueue(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	items, next, err := h.changes.Pending(ctx, id.Actor(req), cursor, limit)
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
	if err := h.changes.Decide(ctx, id.Actor(req), sub, cid, in.Decision == "approve", in.Reason); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.NoContent(), nil
}

func (h *handler) get(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	p, err := h.profiles.Profile(ctx, id.Actor(req))
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
	p, err := h.profiles.PatchProfile(ctx, id.Actor(req), raw, version)
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
	items, next, err := h.profiles.ProfileHistory(ctx, id.Actor(req), cursor, limit)
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
		p, err := h.contacts.Start(ctx, id.Actor(req), kind, in[kind])
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
		if err := h.contacts.Confirm(ctx, id.Actor(req), kind, in.Code); err != nil {
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
	items, next, err := h.journal.List(ctx, id.Subject, f, cursor, limit)
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
	items, err := h.journal.All(ctx, id.Subject, f)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.Response{StatusCode: http.StatusOK, Body: string(journal.CSV(items)), Headers: map[string]string{
		"Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="activity.csv"`,
		"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}}, nil
}

func (h *handler) verifyActivity(ctx context.Context, _ *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	r, err := h.journal.Verify(ctx, id.Subject)
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
	e, err := h.exports.Build(ctx, id.Actor(req), in.Password)
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

func (h *handler) listIDDocs(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	docs, err := h.docs.List(ctx, id.Actor(req))
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
	d, err := h.docs.Save(ctx, id.Actor(req), in)
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
	if err := h.docs.Delete(ctx, id.Actor(req), did); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.NoContent(), nil
}
