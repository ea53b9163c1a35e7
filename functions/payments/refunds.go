package main

import (
	"context"
	"net/http"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/payments"
)

// refundService is what the handler needs of payments.Refunds: the payer's
// requests and list; the service keeps to the person's own payments.
type refundService interface {
	Request(ctx context.Context, a actor.Actor, paymentID, key string, in payments.RefundRequest) (payments.RefundView, error)
	List(ctx context.Context, a actor.Actor, paymentID, cursor string, limit int32) ([]payments.RefundView, string, error)
}

var _ refundService = (*payments.Refunds)(nil)

// requestRefund asks back money of a payment found not owed, once per
// Idempotency-Key.
func (h *handler) requestRefund(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	pid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	var in payments.RefundRequest
	if err := httpapi.DecodeJSON(req, 1<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	v, err := h.refunds.Request(ctx, id.Actor(req), pid, httpapi.Header(req, "Idempotency-Key"), in)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusCreated, v)
}

func (h *handler) listRefunds(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	pid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	items, next, err := h.refunds.List(ctx, id.Actor(req), pid, cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, httpapi.Page[payments.RefundView]{Items: items, NextCursor: next})
}
