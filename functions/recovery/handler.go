package main

import (
	"context"
	"net/http"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/support/recovery"
)

// requests is what the handler needs of recovery.Requests: the person's
// side takes the request's key, staff's the acting identity.
type requests interface {
	Open(ctx context.Context, in recovery.OpenInput, meta accounts.Meta) (recovery.Opened, error)
	Status(ctx context.Context, id, key string) (recovery.Request, error)
	ConfirmContact(ctx context.Context, id, key, code string) (recovery.Request, error)
	Submit(ctx context.Context, id, key string, meta accounts.Meta) (recovery.Request, error)
	Queue(ctx context.Context, a actor.Actor, cursor string, limit int32) ([]recovery.Request, string, error)
	Look(ctx context.Context, a actor.Actor, id string) (recovery.Review, error)
	Claim(ctx context.Context, a actor.Actor, id string) (recovery.Request, error)
	Decide(ctx context.Context, a actor.Actor, id string, in recovery.DecisionInput) (recovery.Request, error)
}

var _ requests = (*recovery.Requests)(nil)

// KeyHeader carries a request's key: never the URL, which logs keep.
const KeyHeader = "X-Recovery-Key"

type handler struct{ svc requests }

func (h *handler) router(r *httpapi.Router) *httpapi.Router {
	r.Handle("POST /support/recovery", h.open)
	r.Handle("GET /support/recovery/{id}", h.keyed(func(ctx context.Context, req *httpapi.Request, id, key string) (any, error) {
		return h.svc.Status(ctx, id, key)
	}))
	r.Handle("POST /support/recovery/{id}/contact", h.keyed(func(ctx context.Context, req *httpapi.Request, id, key string) (any, error) {
		var in struct {
			Code string `json:"code"`
		}
		if err := httpapi.DecodeJSON(req, 1<<10, &in); err != nil {
			return nil, err
		}
		return h.svc.ConfirmContact(ctx, id, key, in.Code)
	}))
	r.Handle("POST /support/recovery/{id}/submit", h.keyed(func(ctx context.Context, req *httpapi.Request, id, key string) (any, error) {
		return h.svc.Submit(ctx, id, key, meta(req))
	}))
	r.HandleAuthed("GET /operator/recovery", h.queue)
	r.HandleAuthed("GET /operator/recovery/{id}", h.staff(func(ctx context.Context, req *httpapi.Request, a actor.Actor, id string) (any, error) {
		return h.svc.Look(ctx, a, id)
	}))
	r.HandleAuthed("POST /operator/recovery/{id}/claim", h.staff(func(ctx context.Context, req *httpapi.Request, a actor.Actor, id string) (any, error) {
		return h.svc.Claim(ctx, a, id)
	}))
	r.HandleAuthed("POST /operator/recovery/{id}/decision", h.staff(func(ctx context.Context, req *httpapi.Request, a actor.Actor, id string) (any, error) {
		var in recovery.DecisionInput
		if err := httpapi.DecodeJSON(req, 8<<10, &in); err != nil {
			return nil, err
		}
		return h.svc.Decide(ctx, a, id, in)
	}))
	return r
}

func meta(req *httpapi.Request) accounts.Meta {
	return accounts.Meta{IP: req.RequestContext.HTTP.SourceIP, UserAgent: req.RequestContext.HTTP.UserAgent}
}

func (h *handler) open(ctx context.Context, req *httpapi.Request) (httpapi.Response, error) {
	var in recovery.OpenInput
	if err := httpapi.DecodeJSON(req, 8<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	out, err := h.svc.Open(ctx, in, meta(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusCreated, out)
}

// keyed is a route of the person's side: the request's id from the path,
// its key from KeyHeader.
func (h *handler) keyed(call func(ctx context.Context, req *httpapi.Request, id, key string) (any, error)) httpapi.Handler {
	return func(ctx context.Context, req *httpapi.Request) (httpapi.Response, error) {
		id, err := httpapi.PathParam(req, "id")
		if err != nil {
			return httpapi.Response{}, err
		}
		out, err := call(ctx, req, id, httpapi.Header(req, KeyHeader))
		if err != nil {
			return httpapi.Response{}, err
		}
		return httpapi.JSON(http.StatusOK, out)
	}
}

// staff is a route of staff's side on one request.
func (h *handler) staff(call func(ctx context.Context, req *httpapi.Request, a actor.Actor, id string) (any, error)) httpapi.AuthedHandler {
	return func(ctx context.Context, req *httpapi.Request, ident httpapi.Identity) (httpapi.Response, error) {
		id, err := httpapi.PathParam(req, "id")
		if err != nil {
			return httpapi.Response{}, err
		}
		out, err := call(ctx, req, ident.Actor(req), id)
		if err != nil {
			return httpapi.Response{}, err
		}
		return httpapi.JSON(http.StatusOK, out)
	}
}

func (h *handler) queue(ctx context.Context, req *httpapi.Request, ident httpapi.Identity) (httpapi.Response, error) {
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	items, next, err := h.svc.Queue(ctx, ident.Actor(req), cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, httpapi.Page[recovery.Request]{Items: items, NextCursor: next})
}
