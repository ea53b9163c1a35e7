package main

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/blob"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/payments"
	"github.com/kabinet/kabinet/shared/problem"
)

// chargeService is what the handler needs of payments.Charges: every
// method takes the acting identity and enforces whose charges it may touch.
type chargeService interface {
	Post(ctx context.Context, a actor.Actor, uin string, in payments.ChargeInput) (payments.AgencyCharge, bool, error)
	Cancel(ctx context.Context, a actor.Actor, uin, reason string) (payments.AgencyCharge, error)
	AgencyGet(ctx context.Context, a actor.Actor, uin string) (payments.AgencyCharge, error)
	List(ctx context.Context, a actor.Actor, f payments.ChargeFilter, cursor string, limit int32) ([]payments.ChargeView, string, error)
	Card(ctx context.Context, a actor.Actor, uin string) (payments.ChargeView, error)
	Lookup(ctx context.Context, a actor.Actor, uin string) (payments.ChargeView, error)
	AddVehicle(ctx context.Context, a actor.Actor, in payments.VehicleInput) (payments.Vehicle, error)
	Vehicles(ctx context.Context, a actor.Actor) ([]payments.Vehicle, error)
	RemoveVehicle(ctx context.Context, a actor.Actor, id string) error
	AddUtilityAccount(ctx context.Context, a actor.Actor, in payments.UtilityAccountInput) (payments.UtilityAccountView, error)
	UtilityAccounts(ctx context.Context, a actor.Actor) ([]payments.UtilityAccountView, error)
	RemoveUtilityAccount(ctx context.Context, a actor.Actor, id string) error
	SubmitReadings(ctx context.Context, a actor.Actor, accountID string, in []payments.Reading) ([]payments.ReadingView, error)
	Readings(ctx context.Context, a actor.Actor, accountID string) ([]payments.ReadingView, error)
	ProviderReadings(ctx context.Context, a actor.Actor, provider string, since time.Time, cursor string, limit int32) ([]payments.ProviderReading, string, error)
}

// paymentService is what the handler needs of payments.Payments.
type paymentService interface {
	Pay(ctx context.Context, a actor.Actor, key string, in payments.PayRequest) (payments.Answer, error)
	StartConfirmation(ctx context.Context, a actor.Actor, in payments.PayRequest) (accounts.SignaturePending, int64, error)
	Notify(ctx context.Context, body []byte) error
	Get(ctx context.Context, a actor.Actor, id string) (payments.PaymentView, error)
	List(ctx context.Context, a actor.Actor, f payments.PaymentFilter, cursor string, limit int32) ([]payments.PaymentView, string, error)
	CSV(ctx context.Context, a actor.Actor, f payments.PaymentFilter) ([]byte, error)
	StatementPDF(ctx context.Context, a actor.Actor, printer payments.Printer, f payments.PaymentFilter) ([]byte, error)
	ReceiptFile(ctx context.Context, a actor.Actor, files payments.Files, id string) (blob.PresignedRequest, error)
	Flagged(ctx context.Context, a actor.Actor, cursor string, limit int32) ([]payments.FlaggedPayment, string, error)
	GetLimits(ctx context.Context, a actor.Actor) (payments.LimitsView, error)
	SetLimits(ctx context.Context, a actor.Actor, l payments.Limits) (payments.LimitsView, error)
}

var (
	_ chargeService  = (*payments.Charges)(nil)
	_ paymentService = (*payments.Payments)(nil)
)

type handler struct {
	charges  chargeService
	payments paymentService
	refunds  refundService
	files    payments.Files
	printer  payments.Printer
	// methods and autopay serve linked cards and autopay (autopay.go).
	methods methodService
	autopay autopayService
}

func (h *handler) router(r *httpapi.Router) *httpapi.Router {
	r.HandleMachine("PUT /agency/charges/{uin}", h.postCharge)
	r.HandleMachine("GET /agency/charges/{uin}", h.agencyCharge)
	r.HandleMachine("POST /agency/charges/{uin}/cancel", h.cancelCharge)
	r.HandleAuthed("GET /charges", h.listCharges)
	r.HandleAuthed("GET /charges/{id}", h.card)
	r.HandleAuthed("POST /charges/lookup", h.lookup)
	r.HandleAuthed("GET /vehicles", h.vehicles)
	r.HandleAuthed("POST /vehicles", h.addVehicle)
	r.HandleAuthed("DELETE /vehicles/{id}", h.removeVehicle)
	r.HandleAuthed("GET /utility-accounts", h.utilityAccounts)
	r.HandleAuthed("POST /utility-accounts", h.addUtilityAccount)
	r.HandleAuthed("DELETE /utility-accounts/{id}", h.removeUtilityAccount)
	r.HandleAuthed("POST /utility-accounts/{id}/readings", h.submitReadings)
	r.HandleAuthed("GET /utility-accounts/{id}/readings", h.readings)
	r.HandleMachine("GET /agency/readings", h.providerReadings)
	r.HandleAuthed("POST /payments", h.pay)
	r.HandleAuthed("POST /payments/confirmation", h.confirmation)
	r.HandleAuthed("GET /payments", h.listPayments)
	r.HandleAuthed("GET /payments/limits", h.limits)
	r.HandleAuthed("PUT /payments/limits", h.setLimits)
	r.HandleAuthed("GET /payments/export.csv", h.csv)
	r.HandleAuthed("GET /payments/statement.pdf", h.statement)
	r.HandleAuthed("GET /payments/{id}", h.payment)
	r.HandleAuthed("GET /payments/{id}/receipt.pdf", h.receipt)
	r.HandleAuthed("POST /payments/{id}/refunds", h.requestRefund)
	r.HandleAuthed("GET /payments/{id}/refunds", h.listRefunds)
	r.Handle("POST /payments/notifications", h.notification)
	r.HandleAuthed("GET /support/payments/flagged", h.flagged)
	h.autopayRoutes(r)
	return r
}

func (h *handler) postCharge(ctx context.Context, req *httpapi.Request, m httpapi.Machine) (httpapi.Response, error) {
	uin, err := httpapi.PathParam(req, "uin")
	if err != nil {
		return httpapi.Response{}, err
	}
	var in payments.ChargeInput
	if err := httpapi.DecodeJSON(req, 8<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	c, created, err := h.charges.Post(ctx, m.Actor(req), uin, in)
	if err != nil {
		return httpapi.Response{}, err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return httpapi.JSON(status, c)
}

func (h *handler) agencyCharge(ctx context.Context, req *httpapi.Request, m httpapi.Machine) (httpapi.Response, error) {
	uin, err := httpapi.PathParam(req, "uin")
	if err != nil {
		return httpapi.Response{}, err
	}
	c, err := h.charges.AgencyGet(ctx, m.Actor(req), uin)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, c)
}

func (h *handler) cancelCharge(ctx context.Context, req *httpapi.Request, m httpapi.Machine) (httpapi.Response, error) {
	uin, err := httpapi.PathParam(req, "uin")
	if err != nil {
		return httpapi.Response{}, err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := httpapi.DecodeJSON(req, 4<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	c, err := h.charges.Cancel(ctx, m.Actor(req), uin, in.Reason)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, c)
}

func (h *handler) listCharges(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	q := req.QueryStringParameters
	items, next, err := h.charges.List(ctx, id.Actor(req), payments.ChargeFilter{Kind: q["kind"], Status: q["status"], Agency: q["agency"]}, cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, httpapi.Page[payments.ChargeView]{Items: items, NextCursor: next})
}

func (h *handler) card(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	uin, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	c, err := h.charges.Card(ctx, id.Actor(req), uin)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, c)
}

// lookup takes the УИН in the body, not the address: whoever holds it may
// pay the charge.
func (h *handler) lookup(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	var in struct {
		UIN string `json:"uin"`
	}
	if err := httpapi.DecodeJSON(req, 1<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	c, err := h.charges.Lookup(ctx, id.Actor(req), in.UIN)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, c)
}

func (h *handler) vehicles(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	v, err := h.charges.Vehicles(ctx, id.Actor(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"items": v})
}

func (h *handler) addVehicle(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	var in payments.VehicleInput
	if err := httpapi.DecodeJSON(req, 1<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	v, err := h.charges.AddVehicle(ctx, id.Actor(req), in)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusCreated, v)
}

func (h *handler) removeVehicle(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	vid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := h.charges.RemoveVehicle(ctx, id.Actor(req), vid); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.NoContent(), nil
}

func (h *handler) utilityAccounts(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	v, err := h.charges.UtilityAccounts(ctx, id.Actor(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"items": v})
}

func (h *handler) addUtilityAccount(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	var in payments.UtilityAccountInput
	if err := httpapi.DecodeJSON(req, 1<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	v, err := h.charges.AddUtilityAccount(ctx, id.Actor(req), in)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusCreated, v)
}

func (h *handler) removeUtilityAccount(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	aid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := h.charges.RemoveUtilityAccount(ctx, id.Actor(req), aid); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.NoContent(), nil
}

func (h *handler) pay(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	var in payments.PayRequest
	if err := httpapi.DecodeJSON(req, 2<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	ans, err := h.payments.Pay(ctx, id.Actor(req), httpapi.Header(req, "Idempotency-Key"), in)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(ans.Status, ans.Payment)
}

func (h *handler) confirmation(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	var in payments.PayRequest
	if err := httpapi.DecodeJSON(req, 2<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	sp, total, err := h.payments.StartConfirmation(ctx, id.Actor(req), in)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"confirmation": sp, "amount": total})
}

// filter reads a history filter from the query.
func filter(req *httpapi.Request) (payments.PaymentFilter, error) {
	q := req.QueryStringParameters
	f := payments.PaymentFilter{Kind: q["kind"], Status: q["status"]}
	var fields []problem.Field
	day := func(name string) time.Time {
		s := q[name]
		if s == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", s, moscow)
		if err != nil {
			fields = append(fields, problem.Field{Field: name, Code: "date.format", Message: "Дата в формате ГГГГ-ММ-ДД"})
		}
		return t
	}
	amount := func(name string) int64 {
		s := q[name]
		if s == "" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			fields = append(fields, problem.Field{Field: name, Code: "amount.format", Message: "Сумма — целое число копеек"})
		}
		return n
	}
	f.From, f.To = day("from"), day("to")
	if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1) // the whole last day
	}
	f.MinAmount, f.MaxAmount = amount("minAmount"), amount("maxAmount")
	if len(fields) > 0 {
		return f, problem.Invalid(fields...)
	}
	return f, nil
}

var moscow = clock.Moscow()

func (h *handler) listPayments(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	f, err := filter(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	items, next, err := h.payments.List(ctx, id.Actor(req), f, cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, httpapi.Page[payments.PaymentView]{Items: items, NextCursor: next})
}

func (h *handler) csv(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	f, err := filter(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	b, err := h.payments.CSV(ctx, id.Actor(req), f)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.File("text/csv; charset=utf-8", "Платежи.csv", b), nil
}

func (h *handler) statement(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	f, err := filter(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	b, err := h.payments.StatementPDF(ctx, id.Actor(req), h.printer, f)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.File(blob.TypePDF, "Выписка по платежам.pdf", b), nil
}

func (h *handler) payment(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	pid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	p, err := h.payments.Get(ctx, id.Actor(req), pid)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, p)
}

// receipt sends the client to a short-lived address of the stored PDF:
// files never pass through a function.
func (h *handler) receipt(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	pid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	dl, err := h.payments.ReceiptFile(ctx, id.Actor(req), h.files, pid)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.Response{StatusCode: http.StatusSeeOther, Headers: map[string]string{
		"Location": dl.URL, "Cache-Control": "no-store", "Content-Type": "text/plain; charset=utf-8"}}, nil
}

// notification is public: the provider signs nothing, so what it says is
// fetched back from it before anything is believed. 200 tells the provider
// to stop; anything else makes it send again.
func (h *handler) notification(ctx context.Context, req *httpapi.Request) (httpapi.Response, error) {
	body, err := httpapi.Body(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := h.payments.Notify(ctx, body); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, map[string]string{"status": "accepted"})
}

// flagged lists the payments left to an operator (support only).
func (h *handler) flagged(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	items, next, err := h.payments.Flagged(ctx, id.Actor(req), cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, httpapi.Page[payments.FlaggedPayment]{Items: items, NextCursor: next})
}

func (h *handler) limits(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	v, err := h.payments.GetLimits(ctx, id.Actor(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, v)
}

func (h *handler) setLimits(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	var in payments.Limits
	if err := httpapi.DecodeJSON(req, 1<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	v, err := h.payments.SetLimits(ctx, id.Actor(req), in)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, v)
}

func (h *handler) submitReadings(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	aid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	var in struct {
		Readings []payments.Reading `json:"readings"`
	}
	if err := httpapi.DecodeJSON(req, 4<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	out, err := h.charges.SubmitReadings(ctx, id.Actor(req), aid, in.Readings)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusCreated, map[string]any{"items": out})
}

func (h *handler) readings(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	aid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	out, err := h.charges.Readings(ctx, id.Actor(req), aid)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"items": out})
}

// providerReadings is the utility provider's system reading the meter
// readings of its accounts (provider, since: RFC 3339).
func (h *handler) providerReadings(ctx context.Context, req *httpapi.Request, m httpapi.Machine) (httpapi.Response, error) {
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	q := req.QueryStringParameters
	var since time.Time
	if s := q["since"]; s != "" {
		if since, err = time.Parse(time.RFC3339, s); err != nil {
			return httpapi.Response{}, problem.Invalid(problem.Field{Field: "since", Code: "date.format", Message: "Время в формате RFC 3339"})
		}
	}
	items, next, err := h.charges.ProviderReadings(ctx, m.Actor(req), q["provider"], since, cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, httpapi.Page[payments.ProviderReading]{Items: items, NextCursor: next})
}
