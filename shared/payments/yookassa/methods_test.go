package yookassa

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/shared/payments"
	"github.com/kabinet/kabinet/shared/problem"
)

const savedCard = `,"payment_method":{"type":"bank_card","id":"` + paymentID + `","saved":true,"status":"active","title":"Bank card *4444",` +
	`"card":{"first6":"555555","last4":"4444","expiry_year":"2029","expiry_month":"07","card_type":"MasterCard","issuer_country":"RU"}}`

func TestCreateAsksToSaveTheMethod(t *testing.T) {
	c, f := newClient(t, reply{status: 200, body: paymentBody("pending", "")})
	p := newPayment
	p.SavePaymentMethod = true
	if _, err := c.Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	_ = json.Unmarshal([]byte(f.requests()[0].Body), &body)
	if body["save_payment_method"] != true || body["confirmation"] == nil || body["payment_method_id"] != nil {
		t.Errorf("body = %v", body)
	}
	// Not asked, not sent.
	c, f = newClient(t, reply{status: 200, body: paymentBody("pending", "")})
	if _, err := c.Create(context.Background(), newPayment); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(f.requests()[0].Body, "save_payment_method") || strings.Contains(f.requests()[0].Body, "payment_method_id") {
		t.Errorf("body = %s", f.requests()[0].Body)
	}
}

func TestCreateChargesASavedMethod(t *testing.T) {
	const methodID = "22e12f66-000f-5000-8000-18db351245c7"
	charged := strings.Replace(paymentBody("succeeded", `,"captured_at":"2026-03-01T10:15:31.000Z"`+savedCard), `"paid":false`, `"paid":true`, 1)
	charged = strings.Replace(charged, `"id":"`+paymentID+`","saved"`, `"id":"`+methodID+`","saved"`, 1)
	charged = strings.Replace(charged, `"confirmation":{"type":"redirect","confirmation_url":"https://yoomoney.ru/checkout/payments/v2/contract?orderId=`+paymentID+`"},`, "", 1)
	c, f := newClient(t, reply{status: 200, body: charged})
	p := newPayment
	p.PaymentMethodID, p.ReturnURL = methodID, ""
	got, err := c.Create(context.Background(), p)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	want := payments.ProviderPaymentMethod{ID: methodID, Saved: true, Type: "bank_card", Title: "Bank card *4444",
		Card: payments.ProviderCard{First6: "555555", Last4: "4444", ExpiryMonth: 7, ExpiryYear: 2029, CardType: "MasterCard"}}
	if got.Status != payments.ProviderSucceeded || !got.Paid || got.ConfirmationURL != "" || !reflect.DeepEqual(got.PaymentMethod, want) {
		t.Errorf("Create = %+v\nmethod %+v\nwant   %+v", got, got.PaymentMethod, want)
	}
	var body, wantBody any
	_ = json.Unmarshal([]byte(f.requests()[0].Body), &body)
	_ = json.Unmarshal([]byte(`{"amount":{"value":"123.45","currency":"RUB"},"capture":true,"payment_method_id":"`+methodID+`",
		"description":"Штраф ГИБДД 18810177260301000001","metadata":{"charge":"c-1"}}`), &wantBody)
	if !reflect.DeepEqual(body, wantBody) {
		t.Errorf("body = %s\nwant %v", f.requests()[0].Body, wantBody)
	}

	// An answer charging another method is not believed.
	c, _ = newClient(t, reply{status: 200, body: paymentBody("succeeded", savedCard)})
	if _, err := c.Create(context.Background(), p); !problem.Is(err, problem.KindInternal) {
		t.Errorf("Create answered by another method = %v, want Internal", err)
	}
	// The provider's refusal of the method names it.
	c, _ = newClient(t, reply{status: 400, body: `{"type":"error","id":"e","code":"invalid_request","parameter":"payment_method_id"}`})
	if _, err := c.Create(context.Background(), p); !isProblem(err, problem.KindInvalid, "payment_refused") || problem.FieldNames(err)[0] != "payment_method_id" {
		t.Errorf("Create with a refused method = %v, fields %v", err, problem.FieldNames(err))
	}
}

func TestSavedMethodRefusedBeforeSending(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(*payments.NewPayment)
		field  string
	}{
		{"saving a saved method", func(p *payments.NewPayment) { p.PaymentMethodID, p.SavePaymentMethod = paymentID, true }, "savePaymentMethod"},
		{"a method id with a slash", func(p *payments.NewPayment) { p.PaymentMethodID = "../x" }, "paymentMethodId"},
		{"a method id too long", func(p *payments.NewPayment) { p.PaymentMethodID = strings.Repeat("m", 65) }, "paymentMethodId"},
	} {
		t.Run(c.name, func(t *testing.T) {
			client, f := newClient(t, reply{status: 200, body: paymentBody("pending", "")})
			p := newPayment
			c.change(&p)
			_, err := client.Create(context.Background(), p)
			if pe, ok := problem.As(err); !ok || pe.Code != "payment_request_invalid" || len(pe.Fields) == 0 || pe.Fields[0].Field != c.field {
				t.Errorf("Create = %v, want payment_request_invalid naming %s", err, c.field)
			}
			if n := len(f.requests()); n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
		})
	}
}

func TestPaymentMethodAndRefundedAmountAreRead(t *testing.T) {
	for _, c := range []struct {
		name   string
		extra  string
		check  func(payments.ProviderPayment) bool
		reject bool
	}{
		{"a saved card", savedCard, func(p payments.ProviderPayment) bool {
			return p.PaymentMethod.Saved && p.PaymentMethod.Card.Last4 == "4444" && p.PaymentMethod.Card.ExpiryYear == 2029
		}, false},
		{"a method that is not a card", `,"payment_method":{"type":"sbp","id":"` + paymentID + `","saved":false}`, func(p payments.ProviderPayment) bool {
			return p.PaymentMethod.Type == "sbp" && p.PaymentMethod.Card == (payments.ProviderCard{})
		}, false},
		{"an expiry that is no month", strings.Replace(savedCard, `"07"`, `"13"`, 1), func(p payments.ProviderPayment) bool {
			return p.PaymentMethod.Card.ExpiryMonth == 0 && p.PaymentMethod.Card.ExpiryYear == 2029
		}, false},
		{"refunded in part", `,"refunded_amount":{"value":"23.45","currency":"RUB"}`, func(p payments.ProviderPayment) bool { return p.RefundedAmount == 2345 }, false},
		{"nothing refunded", ``, func(p payments.ProviderPayment) bool {
			return p.RefundedAmount == 0 && p.PaymentMethod == (payments.ProviderPaymentMethod{})
		}, false},
		{"refunded in dollars", `,"refunded_amount":{"value":"1.00","currency":"USD"}`, nil, true},
		{"refunded as a float", `,"refunded_amount":{"value":1.5,"currency":"RUB"}`, nil, true},
		{"a method without an id", `,"payment_method":{"type":"bank_card","saved":true}`, nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			client, _ := newClient(t, reply{status: 200, body: paymentBody("succeeded", c.extra)})
			got, err := client.Get(context.Background(), paymentID)
			if c.reject {
				if !problem.Is(err, problem.KindInternal) {
					t.Errorf("Get = %+v, %v; want Internal", got, err)
				}
				return
			}
			if err != nil || !c.check(got) {
				t.Errorf("Get = %+v, %v", got, err)
			}
		})
	}
}
