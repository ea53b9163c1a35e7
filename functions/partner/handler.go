package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/consents"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/personaldata"
	"github.com/kabinet/kabinet/shared/problem"
)

// partnerService is what the handler needs of consents.Partners: every
// method takes the calling organisation's system and keeps to its own
// consents.
type partnerService interface {
	Request(ctx context.Context, a actor.Actor, in consents.RequestInput) (consents.Consent, bool, error)
	List(ctx context.Context, a actor.Actor, f consents.PartnerFilter, cursor string, limit int32) ([]consents.Consent, string, error)
	Get(ctx context.Context, a actor.Actor, id string) (consents.Consent, error)
	Data(ctx context.Context, a actor.Actor, ref string, q consents.DataRequest) (consents.PersonData, error)
}

var _ partnerService = (*consents.Partners)(nil)

type handler struct{ partners partnerService }

func (h *handler) router(r *httpapi.Router) *httpapi.Router {
	r.HandleMachine("POST /partner/consents", h.request)
	r.HandleMachine("GET /partner/consents", h.list)
	r.HandleMachine("GET /partner/consents/{id}", h.get)
	r.HandleMachine("GET /partner/persons/{ref}/data", h.data)
	return r
}

// request asks a person's consent: 201 for a new request, 200 for the same
// request sent again (its requestId).
func (h *handler) request(ctx context.Context, req *httpapi.Request, m httpapi.Machine) (httpapi.Response, error) {
	var in consents.RequestInput
	if err := httpapi.DecodeJSON(req, 8<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	c, created, err := h.partners.Request(ctx, m.Actor(req), in)
	if err != nil {
		return httpapi.Response{}, err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return httpapi.JSON(status, c)
}

type page struct {
	Items []consents.Consent `json:"items"`
	Next  string             `json:"nextCursor"`
}

func (h *handler) list(ctx context.Context, req *httpapi.Request, m httpapi.Machine) (httpapi.Response, error) {
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	items, next, err := h.partners.List(ctx, m.Actor(req), consents.PartnerFilter{Status: consents.Status(req.QueryStringParameters["status"])}, cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, page{Items: items, Next: next})
}

func (h *handler) get(ctx context.Context, req *httpapi.Request, m httpapi.Machine) (httpapi.Response, error) {
	id, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	c, err := h.partners.Get(ctx, m.Actor(req), id)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, c)
}

// data gives the person's data the consent allows. The categories come as
// a comma-separated list; the organisation's employee who reads, for the
// person's access log, as X-Operator (percent-encoded UTF-8).
func (h *handler) data(ctx context.Context, req *httpapi.Request, m httpapi.Machine) (httpapi.Response, error) {
	ref, err := httpapi.PathParam(req, "ref")
	if err != nil {
		return httpapi.Response{}, err
	}
	q := consents.DataRequest{Consent: req.QueryStringParameters["consent"]}
	if raw := req.QueryStringParameters["categories"]; raw != "" {
		for _, c := range strings.Split(raw, ",") {
			q.Categories = append(q.Categories, personaldata.Category(strings.TrimSpace(c)))
		}
	}
	if op := httpapi.Header(req, "X-Operator"); op != "" {
		if q.Operator, err = url.PathUnescape(op); err != nil {
			return httpapi.Response{}, problem.Invalid(problem.Field{Field: "X-Operator", Code: "operator.encoding",
				Message: "X-Operator — имя сотрудника в UTF-8, закодированное процентами"})
		}
	}
	d, err := h.partners.Data(ctx, m.Actor(req), ref, q)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, d)
}
