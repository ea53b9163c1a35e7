package main

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/consents"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/problem"
)

// consentService is what the handler needs of consents.Consents: every
// method takes the acting identity and keeps to the person's own consents.
type consentService interface {
	List(ctx context.Context, a actor.Actor, f consents.Filter, cursor string, limit int32) ([]consents.Consent, string, error)
	Get(ctx context.Context, a actor.Actor, id string) (consents.Consent, error)
	CSV(ctx context.Context, a actor.Actor, f consents.Filter) ([]byte, error)
	StartConfirmation(ctx context.Context, a actor.Actor, id string, in consents.Terms) (consents.Confirmation, error)
	Grant(ctx context.Context, a actor.Actor, id string, in consents.Terms, code string) (consents.Consent, error)
	Refuse(ctx context.Context, a actor.Actor, id string) (consents.Consent, error)
	Withdraw(ctx context.Context, a actor.Actor, id string) (consents.Consent, error)
	Change(ctx context.Context, a actor.Actor, id string, in consents.Terms, code string, ifVersion int64) (consents.Consent, error)
	CreateReference(ctx context.Context, a actor.Actor) (consents.Reference, error)
}

// readLog is what the handler needs of accesslog.Log.
type readLog interface {
	List(ctx context.Context, a actor.Actor, f accesslog.Filter, cursor string, limit int32) (accesslog.Page, error)
	AllOf(ctx context.Context, a actor.Actor, f accesslog.Filter) ([]accesslog.Entry, error)
	Verify(ctx context.Context, a actor.Actor) (journal.Result, error)
	Flag(ctx context.Context, a actor.Actor, seq int64, comment string) (accesslog.Entry, error)
	Flags(ctx context.Context, a actor.Actor, cursor string, limit int32) ([]accesslog.Flag, string, error)
}

var (
	_ consentService = (*consents.Consents)(nil)
	_ readLog        = (*accesslog.Log)(nil)
)

type handler struct {
	consents consentService
	reads    readLog
}

func (h *handler) router(r *httpapi.Router) *httpapi.Router {
	r.HandleAuthed("GET /consents", h.list)
	r.HandleAuthed("GET /consents.csv", h.csv)
	r.HandleAuthed("POST /consents/references", h.reference)
	r.HandleAuthed("GET /consents/{id}", h.get)
	r.HandleAuthed("PATCH /consents/{id}", h.change)
	r.HandleAuthed("POST /consents/{id}/confirmation", h.confirmation)
	r.HandleAuthed("POST /consents/{id}/grant", h.grant)
	r.HandleAuthed("POST /consents/{id}/refuse", h.refuse)
	r.HandleAuthed("POST /consents/{id}/withdraw", h.withdraw)
	r.HandleAuthed("GET /profile/access-log", h.accessLog)
	r.HandleAuthed("GET /profile/access-log.csv", h.accessLogCSV)
	r.HandleAuthed("GET /profile/access-log/verify", h.verifyAccessLog)
	r.HandleAuthed("POST /profile/access-log/{seq}/flag", h.flag)
	r.HandleAuthed("GET /support/access-flags", h.flags)
	return r
}

// page is a list and the cursor of the next page.
type page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"nextCursor"`
}

func filter(req *httpapi.Request) consents.Filter {
	q := req.QueryStringParameters
	return consents.Filter{Status: q["status"], Organisation: q["organisation"]}
}

func (h *handler) list(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	items, next, err := h.consents.List(ctx, id.Actor(req), filter(req), cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, page[consents.Consent]{Items: items, Next: next})
}

func (h *handler) csv(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	b, err := h.consents.CSV(ctx, id.Actor(req), filter(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.File("text/csv; charset=utf-8", "Согласия.csv", b), nil
}

func (h *handler) reference(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	ref, err := h.consents.CreateReference(ctx, id.Actor(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusCreated, ref)
}

// withVersion answers a consent with its version as the ETag.
func withVersion(c consents.Consent, err error) (httpapi.Response, error) {
	if err != nil {
		return httpapi.Response{}, err
	}
	res, err := httpapi.JSON(http.StatusOK, c)
	return httpapi.WithETag(res, c.Version), err
}

func (h *handler) get(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	return withVersion(h.consents.Get(ctx, id.Actor(req), cid))
}

// decision is the body of a grant and a change.
type decision struct {
	Level     consents.Level `json:"level"`
	ExpiresAt string         `json:"expiresAt"`
	Code      string         `json:"code"`
}

// change sets the level and term of an active consent read at the version
// If-Match names (428 without it, 409 when stale).
func (h *handler) change(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	var in decision
	if err := httpapi.DecodeJSON(req, 2<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	version, err := httpapi.IfMatch(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	return withVersion(h.consents.Change(ctx, id.Actor(req), cid, consents.Terms{Level: in.Level, ExpiresAt: in.ExpiresAt}, in.Code, version))
}

func (h *handler) confirmation(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	var in consents.Terms
	if err := httpapi.DecodeJSON(req, 2<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	c, err := h.consents.StartConfirmation(ctx, id.Actor(req), cid, in)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, c)
}

func (h *handler) grant(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	var in decision
	if err := httpapi.DecodeJSON(req, 2<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	return withVersion(h.consents.Grant(ctx, id.Actor(req), cid, consents.Terms{Level: in.Level, ExpiresAt: in.ExpiresAt}, in.Code))
}

func (h *handler) refuse(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	return withVersion(h.consents.Refuse(ctx, id.Actor(req), cid))
}

func (h *handler) withdraw(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	return withVersion(h.consents.Withdraw(ctx, id.Actor(req), cid))
}

// period reads from and to: a date (Moscow; to includes its whole day) or
// an RFC 3339 time.
func period(req *httpapi.Request) (from, to time.Time, err error) {
	var fields []problem.Field
	read := func(name string, endOfDay bool) time.Time {
		v := req.QueryStringParameters[name]
		if v == "" {
			return time.Time{}
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t
		}
		t, err := time.ParseInLocation(time.DateOnly, v, clock.Moscow())
		if err != nil {
			fields = append(fields, problem.Field{Field: name, Code: "date.format", Message: "Дата в формате ГГГГ-ММ-ДД или RFC 3339"})
			return time.Time{}
		}
		if endOfDay {
			t = t.AddDate(0, 0, 1)
		}
		return t
	}
	from, to = read("from", false), read("to", true)
	if len(fields) > 0 {
		return from, to, problem.Invalid(fields...)
	}
	return from, to, nil
}

func logFilter(req *httpapi.Request) (accesslog.Filter, error) {
	from, to, err := period(req)
	return accesslog.Filter{From: from, To: to, Organisation: req.QueryStringParameters["organisation"]}, err
}

func (h *handler) accessLog(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	f, err := logFilter(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	p, err := h.reads.List(ctx, id.Actor(req), f, cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, p)
}

func (h *handler) accessLogCSV(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	f, err := logFilter(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	entries, err := h.reads.AllOf(ctx, id.Actor(req), f)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.File("text/csv; charset=utf-8", "Журнал доступа.csv", accesslog.CSV(entries)), nil
}

func (h *handler) verifyAccessLog(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	r, err := h.reads.Verify(ctx, id.Actor(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, r)
}

func (h *handler) flag(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	raw, err := httpapi.PathParam(req, "seq")
	if err != nil {
		return httpapi.Response{}, err
	}
	seq, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || seq < 1 {
		return httpapi.Response{}, problem.NotFound("запись журнала доступа")
	}
	var in struct {
		Comment string `json:"comment"`
	}
	if err := httpapi.DecodeJSON(req, 4<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	e, err := h.reads.Flag(ctx, id.Actor(req), seq, in.Comment)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusCreated, e)
}

func (h *handler) flags(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	items, next, err := h.reads.Flags(ctx, id.Actor(req), cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, page[accesslog.Flag]{Items: items, Next: next})
}
