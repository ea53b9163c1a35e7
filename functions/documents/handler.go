package main

import (
	"context"
	"net/http"

	"github.com/kabinet/kabinet/shared/documents"
	"github.com/kabinet/kabinet/shared/httpapi"
)

// documentService is what the handler needs of documents.Service (which
// takes the caller's subject: the scans are only ever the caller's own).
type documentService interface {
	Declare(ctx context.Context, sub string, d documents.Declaration) (documents.Declared, error)
	Complete(ctx context.Context, sub, id string) (documents.Document, error)
	List(ctx context.Context, sub, typ, cursor string, limit int32) ([]documents.Document, string, error)
	Get(ctx context.Context, sub, id string) (documents.Download, error)
	Delete(ctx context.Context, sub, id string) error
}

var _ documentService = (*documents.Service)(nil)

type handler struct{ svc documentService }

func (h *handler) router(r *httpapi.Router) *httpapi.Router {
	r.HandleAuthed("POST /documents", h.declare)
	r.HandleAuthed("POST /documents/{id}/complete", h.complete)
	r.HandleAuthed("GET /documents", h.list)
	r.HandleAuthed("GET /documents/{id}", h.get)
	r.HandleAuthed("DELETE /documents/{id}", h.delete)
	return r
}

func (h *handler) declare(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	var in documents.Declaration
	if err := httpapi.DecodeJSON(req, 2<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	d, err := h.svc.Declare(ctx, id.Subject, in)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusCreated, d)
}

func (h *handler) complete(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	did, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	d, err := h.svc.Complete(ctx, id.Subject, did)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, d)
}

type page struct {
	Items      []documents.Document `json:"items"`
	NextCursor string               `json:"nextCursor,omitempty"`
}

func (h *handler) list(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	items, next, err := h.svc.List(ctx, id.Subject, req.QueryStringParameters["type"], cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, page{Items: items, NextCursor: next})
}

func (h *handler) get(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	did, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	d, err := h.svc.Get(ctx, id.Subject, did)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, d)
}

func (h *handler) delete(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	did, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := h.svc.Delete(ctx, id.Subject, did); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.NoContent(), nil
}
