package main

import (
	"context"
	"net/http"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/payments"
)

// Linked cards and autopay: the routes of payments.Methods and
// payments.Autopays.

// methodService is what the handler needs of payments.Methods.
type methodService interface {
	Link(ctx context.Context, a actor.Actor) (payments.MethodView, error)
	List(ctx context.Context, a actor.Actor) ([]payments.MethodView, error)
	Get(ctx context.Context, a actor.Actor, id string) (payments.MethodView, error)
	StartConfirmation(ctx context.Context, a actor.Actor, id string) (accounts.SignaturePending, error)
	Confirm(ctx context.Context, a actor.Actor, id, code string) (payments.MethodView, error)
	Unlink(ctx context.Context, a actor.Actor, id string) error
}

// autopayService is what the handler needs of payments.Autopays.
type autopayService interface {
	CreateRule(ctx context.Context, a actor.Actor, in payments.AutopayRuleInput) (payments.AutopayRule, error)
	Rules(ctx context.Context, a actor.Actor) ([]payments.AutopayRule, error)
	CancelRule(ctx context.Context, a actor.Actor, id string) (payments.AutopayRule, error)
	List(ctx context.Context, a actor.Actor, cursor string, limit int32) ([]payments.Autopay, string, error)
	Cancel(ctx context.Context, a actor.Actor, uin string) (payments.Autopay, error)
}

var (
	_ methodService  = (*payments.Methods)(nil)
	_ autopayService = (*payments.Autopays)(nil)
)

func (h *handler) autopayRoutes(r *httpapi.Router) {
	r.HandleAuthed("POST /payment-methods", h.linkCard)
	r.HandleAuthed("GET /payment-methods", h.cards)
	r.HandleAuthed("GET /payment-methods/{id}", h.linkedCard)
	r.HandleAuthed("DELETE /payment-methods/{id}", h.unlinkCard)
	r.HandleAuthed("POST /payment-methods/{id}/confirmation", h.cardConfirmation)
	r.HandleAuthed("POST /payment-methods/{id}/confirm", h.confirmCard)
	r.HandleAuthed("POST /autopay-rules", h.createRule)
	r.HandleAuthed("GET /autopay-rules", h.rules)
	r.HandleAuthed("POST /autopay-rules/{id}/cancel", h.cancelRule)
	r.HandleAuthed("GET /autopays", h.autopays)
	r.HandleAuthed("POST /autopays/{id}/cancel", h.cancelAutopay)
}

func (h *handler) linkCard(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	m, err := h.methods.Link(ctx, id.Actor(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusCreated, m)
}

func (h *handler) cards(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	items, err := h.methods.List(ctx, id.Actor(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"items": items})
}

func (h *handler) linkedCard(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	mid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	m, err := h.methods.Get(ctx, id.Actor(req), mid)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, m)
}

func (h *handler) unlinkCard(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	mid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := h.methods.Unlink(ctx, id.Actor(req), mid); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.NoContent(), nil
}

func (h *handler) cardConfirmation(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	mid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	sp, err := h.methods.StartConfirmation(ctx, id.Actor(req), mid)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"confirmation": sp})
}

func (h *handler) confirmCard(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	mid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	var in struct {
		Code string `json:"code"`
	}
	if err := httpapi.DecodeJSON(req, 1<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	m, err := h.methods.Confirm(ctx, id.Actor(req), mid, in.Code)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, m)
}

func (h *handler) createRule(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	var in payments.AutopayRuleInput
	if err := httpapi.DecodeJSON(req, 2<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	r, err := h.autopay.CreateRule(ctx, id.Actor(req), in)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusCreated, r)
}

func (h *handler) rules(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	items, err := h.autopay.Rules(ctx, id.Actor(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"items": items})
}

func (h *handler) cancelRule(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	rid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	r, err := h.autopay.CancelRule(ctx, id.Actor(req), rid)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, r)
}

func (h *handler) autopays(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	items, next, err := h.autopay.List(ctx, id.Actor(req), cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, httpapi.Page[payments.Autopay]{Items: items, NextCursor: next})
}

func (h *handler) cancelAutopay(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	uin, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	a, err := h.autopay.Cancel(ctx, id.Actor(req), uin)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, a)
}
