package yookassa

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/payments"
	"github.com/kabinet/kabinet/shared/problem"
)

const refundID = "216749f7-0016-50be-b000-078d43a63ae4"

func refundReply(status, extra string) string {
	return `{"id":"` + refundID + `","payment_id":"` + paymentID + `","status":"` + status + `","amount":{"value":"100.00","currency":"RUB"},` +
		`"created_at":"2026-03-02T08:00:00.000Z","description":"Возврат переплаты по платежу"` + extra + `}`
}

var newRefund = payments.NewRefund{IdempotenceKey: "0b6c1f3e-5d2a-4b7c-8e9f-0a1b2c3d4e5f", PaymentID: paymentID, Amount: 10000,
	Description: "Возврат переплаты по платежу"}

func TestRefundSendsTheRequestYooKassaExpects(t *testing.T) {
	c, f := newClient(t, reply{status: 200, body: refundReply("succeeded", "")})
	got, err := c.Refund(context.Background(), newRefund)
	if err != nil {
		t.Fatalf("Refund: %v", err)
	}
	want := payments.ProviderRefund{ID: refundID, PaymentID: paymentID, Status: payments.ProviderRefundSucceeded, Amount: 10000,
		CreatedAt: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Refund = %+v\nwant     %+v", got, want)
	}
	reqs := f.requests()
	if len(reqs) != 1 || reqs[0].Method != http.MethodPost || reqs[0].Path != "/v3/refunds" ||
		reqs[0].Header.Get("Idempotence-Key") != newRefund.IdempotenceKey || reqs[0].Header.Get("Content-Type") != "application/json" {
		t.Fatalf("requests = %+v", reqs)
	}
	var body, wantBody any
	_ = json.Unmarshal([]byte(reqs[0].Body), &body)
	_ = json.Unmarshal([]byte(`{"payment_id":"`+paymentID+`","amount":{"value":"100.00","currency":"RUB"},"description":"Возврат переплаты по платежу"}`), &wantBody)
	if !reflect.DeepEqual(body, wantBody) {
		t.Errorf("body = %s\nwant %v", reqs[0].Body, wantBody)
	}
	// No description, none sent.
	c, f = newClient(t, reply{status: 200, body: refundReply("pending", "")})
	r := newRefund
	r.Description = ""
	if got, err := c.Refund(context.Background(), r); err != nil || got.Status != payments.ProviderRefundPending {
		t.Fatalf("Refund = %+v, %v", got, err)
	}
	if strings.Contains(f.requests()[0].Body, "description") {
		t.Errorf("body = %s", f.requests()[0].Body)
	}
}

func TestGetRefund(t *testing.T) {
	ctx := context.Background()
	c, f := newClient(t, reply{status: 200, body: refundReply("canceled", `,"cancellation_details":{"party":"payment_network","reason":"rejected_by_payee"}`)})
	got, err := c.GetRefund(ctx, refundID)
	if err != nil || got.Status != payments.ProviderRefundCanceled || got.CancellationParty != "payment_network" || got.CancellationReason != "rejected_by_payee" {
		t.Errorf("GetRefund = %+v, %v", got, err)
	}
	if r := f.requests()[0]; r.Method != http.MethodGet || r.Path != "/v3/refunds/"+refundID || r.Body != "" || r.Header.Get("Idempotence-Key") != "" {
		t.Errorf("request = %+v", r)
	}
	c, _ = newClient(t, reply{status: 404, body: `{"type":"error","id":"e","code":"not_found","description":"Refund not found"}`})
	if _, err := c.GetRefund(ctx, refundID); !isProblem(err, problem.KindNotFound, "payment_refund_not_found") {
		t.Errorf("GetRefund of no refund = %v, want NotFound payment_refund_not_found", err)
	}
	c, _ = newClient(t, reply{status: 200, body: strings.Replace(refundReply("succeeded", ""), refundID, "3a1b2c3d-0016-50be-b000-000000000000", 1)})
	if _, err := c.GetRefund(ctx, refundID); !problem.Is(err, problem.KindInternal) {
		t.Errorf("GetRefund answered with another refund = %v, want Internal", err)
	}
	c, f = newClient(t, reply{status: 200, body: refundReply("succeeded", "")})
	for _, id := range []string{"", "../payments", "a/b", strings.Repeat("r", 65)} {
		if _, err := c.GetRefund(ctx, id); !isProblem(err, problem.KindNotFound, "payment_refund_not_found") {
			t.Errorf("GetRefund(%q) = %v, want NotFound", id, err)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests for ids that cannot be, want none", n)
	}
}

func isProblem(err error, kind problem.Kind, code string) bool {
	pe, ok := problem.As(err)
	return ok && pe.Kind == kind && pe.Code == code
}

func TestRefundErrorKinds(t *testing.T) {
	for _, c := range []struct {
		name     string
		reply    reply
		kind     problem.Kind
		code     string
		field    string
		requests int
	}{
		{"more than is left", reply{status: 400, body: `{"type":"error","id":"e","code":"invalid_request","description":"The refund amount exceeds 23.45","parameter":"amount"}`},
			problem.KindInvalid, "payment_refused", "amount", 1},
		{"not a succeeded payment", reply{status: 400, body: `{"type":"error","id":"e","code":"invalid_request","parameter":"payment_id"}`},
			problem.KindInvalid, "payment_refused", "payment_id", 1},
		{"idempotence key duplicated", reply{status: 400, body: `{"type":"error","id":"e","code":"invalid_request","description":"Idempotence key duplicated","parameter":"Idempotence-Key"}`},
			problem.KindConflict, "payment_idempotence_conflict", "", 1},
		{"500 every time", reply{status: 500}, problem.KindUnavailable, "payment_provider_unavailable", "", DefaultAttempts},
		{"timeout every time", reply{status: 200, delay: time.Second}, problem.KindUnavailable, "payment_provider_unavailable", "", DefaultAttempts},
		{"processing every time", reply{status: 202, body: `{"type":"processing","retry_after":1}`}, problem.KindUnavailable, "payment_provider_unavailable", "", DefaultAttempts},
		{"404", reply{status: 404, body: `{"type":"error","id":"e","code":"not_found"}`}, problem.KindNotFound, "payment_refund_not_found", "", 1},
		{"200 for another amount", reply{status: 200, body: strings.Replace(refundReply("succeeded", ""), `"100.00"`, `"99.00"`, 1)}, problem.KindInternal, "internal", "", 1},
		{"200 for another payment", reply{status: 200, body: strings.Replace(refundReply("succeeded", ""), paymentID, "3a1b2c3d-000f-5000-8000-000000000000", 1)}, problem.KindInternal, "internal", "", 1},
		{"200 with an unknown status", reply{status: 200, body: refundReply("refunded", "")}, problem.KindInternal, "internal", "", 1},
		{"200 in another currency", reply{status: 200, body: strings.Replace(refundReply("succeeded", ""), "RUB", "USD", 1)}, problem.KindInternal, "internal", "", 1},
		{"200 without created_at", reply{status: 200, body: strings.Replace(refundReply("succeeded", ""), "created_at", "made_at", 1)}, problem.KindInternal, "internal", "", 1},
		{"200 that is a payment", reply{status: 200, body: paymentBody("succeeded", "")}, problem.KindInternal, "internal", "", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			client, f := newClient(t, c.reply)
			_, err := client.Refund(context.Background(), newRefund)
			pe, ok := problem.As(err)
			if !ok || pe.Kind != c.kind || pe.Code != c.code {
				t.Fatalf("Refund = %v, want kind %d code %s", err, c.kind, c.code)
			}
			if got := problem.FieldNames(err); c.field != "" && (len(got) != 1 || got[0] != c.field) {
				t.Errorf("fields = %v, want %s", got, c.field)
			}
			reqs := f.requests()
			if len(reqs) != c.requests {
				t.Errorf("%d requests, want %d", len(reqs), c.requests)
			}
			for _, r := range reqs {
				if r.Header.Get("Idempotence-Key") != newRefund.IdempotenceKey || r.Body != reqs[0].Body {
					t.Errorf("a retry differs: key %q body %s", r.Header.Get("Idempotence-Key"), r.Body)
				}
			}
			for _, leak := range []string{secret, newRefund.Description, "23.45", "Idempotence key duplicated"} {
				if strings.Contains(err.Error(), leak) || strings.Contains(pe.Detail, leak) {
					t.Errorf("error %q repeats %q", err, leak)
				}
			}
		})
	}
}

func TestRefundRefusedBeforeSending(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(*payments.NewRefund)
		field  string
	}{
		{"no key", func(r *payments.NewRefund) { r.IdempotenceKey = "" }, "idempotenceKey"},
		{"no payment", func(r *payments.NewRefund) { r.PaymentID = "" }, "paymentId"},
		{"a payment id with a slash", func(r *payments.NewRefund) { r.PaymentID = "../payments" }, "paymentId"},
		{"zero", func(r *payments.NewRefund) { r.Amount = 0 }, "amount"},
		{"negative", func(r *payments.NewRefund) { r.Amount = -1 }, "amount"},
		{"description too long", func(r *payments.NewRefund) { r.Description = strings.Repeat("в", 251) }, "description"},
	} {
		t.Run(c.name, func(t *testing.T) {
			client, f := newClient(t, reply{status: 200, body: refundReply("succeeded", "")})
			r := newRefund
			c.change(&r)
			_, err := client.Refund(context.Background(), r)
			if pe, ok := problem.As(err); !ok || pe.Kind != problem.KindInvalid || pe.Code != "payment_request_invalid" || len(pe.Fields) == 0 || pe.Fields[0].Field != c.field {
				t.Errorf("Refund = %v, want Invalid payment_request_invalid naming %s", err, c.field)
			}
			if n := len(f.requests()); n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
		})
	}
	client, _ := newClient(t, reply{status: 200, body: `{"id":"` + refundID + `","payment_id":"` + paymentID + `","status":"succeeded","amount":{"value":"250.00","currency":"RUB"},"created_at":"2026-03-02T08:00:00Z"}`})
	r := newRefund
	r.Description, r.Amount = strings.Repeat("в", 250), 25000
	if _, err := client.Refund(context.Background(), r); err != nil {
		t.Errorf("Refund with 250 characters = %v", err)
	}
}
