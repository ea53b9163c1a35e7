package yookassaemu

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

var saveBody = strings.Replace(createBody, `"capture":true`, `"capture":true,"save_payment_method":true`, 1)

// chargeBody charges a saved method, with no confirmation.
func chargeBody(methodID string, capture bool) string {
	c := "true"
	if !capture {
		c = "false"
	}
	return `{"amount":{"value":"500.00","currency":"RUB"},"capture":` + c + `,"payment_method_id":"` + methodID + `","description":"Автоплатёж","metadata":{"charge":"c-2"}}`
}

// payWith answers the page with a card.
func (e *env) payWith(t *testing.T, id, card string) {
	t.Helper()
	res, err := e.client.PostForm(e.srv.URL+"/checkout/"+id, url.Values{"action": {"pay"}, "card": {card}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("pay with %s = %d", card, res.StatusCode)
	}
}

func TestSavePaymentMethodOnPay(t *testing.T) {
	e := newEnv(t)
	id := e.create(t, "k", saveBody)
	res, _ := http.Get(e.srv.URL + "/checkout/" + id)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{"сохранит карту для автоплатежей", `name="card" value="visa"`, "4111 11•• •••• 1111"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("page lacks %q:\n%s", want, b)
		}
	}
	if p, _ := e.emu.Payment(id); p.PaymentMethod != nil {
		t.Errorf("a pending payment shows a method: %+v", p.PaymentMethod)
	}
	e.payWith(t, id, "visa")
	status, raw := e.raw(t, http.MethodGet, "/v3/payments/"+id, "", "", shop, secret)
	var p Payment
	_ = json.Unmarshal(raw, &p)
	m := p.PaymentMethod
	if status != http.StatusOK || m == nil || m.Type != "bank_card" || m.ID != id || !m.Saved || m.Title != "Bank card *1111" || m.Card == nil ||
		m.Card.First6 != "411111" || m.Card.Last4 != "1111" || m.Card.CardType != "Visa" || len(m.Card.ExpiryYear) != 4 || m.Card.ExpiryMonth != "12" {
		t.Errorf("paid: %s", raw)
	}
	if strings.Contains(string(raw), "4111111111111111") {
		t.Errorf("the full card number is in the payment: %s", raw)
	}
	ms := e.emu.Methods()
	if len(ms) != 1 || ms[0].ID != id || ms[0].ShopID != shop || ms[0].State != MethodActive || ms[0].PaymentID != id || !ms[0].Saved {
		t.Errorf("methods = %+v", ms)
	}
}

func TestPaymentMethodIsNotSavedUnasked(t *testing.T) {
	e := newEnv(t)
	id := e.create(t, "k", createBody)
	e.payWith(t, id, "mir")
	p, _ := e.emu.Payment(id)
	if p.PaymentMethod == nil || p.PaymentMethod.Saved || p.PaymentMethod.Card.CardType != "Mir" || len(e.emu.Methods()) != 0 {
		t.Errorf("paid without saving: %+v, methods %+v", p.PaymentMethod, e.emu.Methods())
	}
	status, body := e.call(t, http.MethodPost, "/v3/payments", "c", chargeBody(id, true))
	wantError(t, status, body, http.StatusBadRequest, "invalid_request", "payment_method_id")

	// Declined by the bank: the card shows, unsaved; the payer's own
	// decline shows none.
	_ = e.emu.Arm(Faults{Decline: "insufficient_funds"})
	declined := e.create(t, "k2", saveBody)
	e.answer(t, declined, "pay")
	abandoned := e.create(t, "k3", saveBody)
	e.answer(t, abandoned, "decline")
	if p, _ := e.emu.Payment(declined); p.PaymentMethod == nil || p.PaymentMethod.Saved {
		t.Errorf("declined: %+v", p.PaymentMethod)
	}
	if p, _ := e.emu.Payment(abandoned); p.PaymentMethod != nil {
		t.Errorf("abandoned: %+v", p.PaymentMethod)
	}
	if n := len(e.emu.Methods()); n != 0 {
		t.Errorf("%d methods saved by unpaid payments", n)
	}
	if res, _ := e.client.PostForm(e.srv.URL+"/checkout/"+e.create(t, "k4", saveBody), url.Values{"action": {"pay"}, "card": {"amex"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("an unknown card = %d, want 400", res.StatusCode)
	}
}

func TestChargeSavedMethod(t *testing.T) {
	e := newEnv(t)
	first := e.create(t, "k", saveBody)
	e.payWith(t, first, "mastercard")
	waitFor(t, "the first notification", func() bool { return len(e.receiver.got()) == 1 })

	status, p := e.call(t, http.MethodPost, "/v3/payments", "c1", chargeBody(first, true))
	m, _ := p["payment_method"].(map[string]any)
	if status != http.StatusOK || p["status"] != StatusSucceeded || p["paid"] != true || p["captured_at"] == nil || p["confirmation"] != nil ||
		m["id"] != first || m["saved"] != true || m["title"] != "Bank card *4444" || p["refundable"] != true {
		t.Errorf("charge = %d %v", status, p)
	}
	waitFor(t, "the charge's notification", func() bool { return len(e.receiver.got()) == 2 })
	if got := e.receiver.events(); got[1] != "payment.succeeded/succeeded" {
		t.Errorf("notified %v", got)
	}
	_, held := e.call(t, http.MethodPost, "/v3/payments", "c2", chargeBody(first, false))
	if held["status"] != StatusWaitingForCapture || held["paid"] != true || held["expires_at"] == nil {
		t.Errorf("held charge = %v", held)
	}
	if ms := e.emu.Methods(); len(ms[0].Charges) != 2 || ms[0].Charges[0] != p["id"] {
		t.Errorf("charges = %v", ms[0].Charges)
	}
	// A repeat with the key charges nothing more.
	if _, again := e.call(t, http.MethodPost, "/v3/payments", "c1", chargeBody(first, true)); again["id"] != p["id"] || len(e.emu.Methods()[0].Charges) != 2 {
		t.Errorf("repeat = %v", again)
	}
}

func TestChargeRefusesWhatYooKassaRefuses(t *testing.T) {
	e := newEnv(t)
	mine := e.create(t, "k", saveBody)
	e.payWith(t, mine, "visa")
	theirs, err := e.emu.AddMethod(NewMethod{ShopID: "700002", Card: CardMir})
	if err != nil {
		t.Fatal(err)
	}
	withConfirmation := strings.Replace(chargeBody(mine, true), `"capture"`, `"confirmation":{"type":"redirect","return_url":"`+ret+`"},"capture"`, 1)
	for _, c := range []struct{ name, body, parameter string }{
		{"an unknown method", chargeBody("2f3b588d-000f-5000-8000-000000000000", true), "payment_method_id"},
		{"another shop's method", chargeBody(theirs.ID, true), "payment_method_id"},
		{"saving a saved method", strings.Replace(chargeBody(mine, true), `"capture"`, `"save_payment_method":true,"capture"`, 1), "save_payment_method"},
		{"with a confirmation", withConfirmation, "confirmation"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, body := e.call(t, http.MethodPost, "/v3/payments", "c-"+strings.ReplaceAll(c.name, " ", "-"), c.body)
			wantError(t, status, body, http.StatusBadRequest, "invalid_request", c.parameter)
		})
	}
	if n := len(e.emu.Payments()); n != 1 {
		t.Errorf("%d payments, want only the first", n)
	}
	if _, err := e.emu.AddMethod(NewMethod{Card: "amex"}); err == nil {
		t.Error("AddMethod took an unknown card")
	}
	// One this shop saved without a payment can be charged.
	own, _ := e.emu.AddMethod(NewMethod{})
	if _, p := e.call(t, http.MethodPost, "/v3/payments", "c-own", chargeBody(own.ID, true)); p["status"] != StatusSucceeded {
		t.Errorf("charge of an added method = %v", p)
	}
}

func TestSavedMethodFaults(t *testing.T) {
	e := newEnv(t)
	id := e.create(t, "k", saveBody)
	e.payWith(t, id, "mastercard")
	charge := func(key string) Payment {
		t.Helper()
		status, raw := e.raw(t, http.MethodPost, "/v3/payments", key, chargeBody(id, true), shop, secret)
		var p Payment
		_ = json.Unmarshal(raw, &p)
		if status != http.StatusOK {
			t.Fatalf("charge = %d %s", status, raw)
		}
		return p
	}
	_ = e.emu.Arm(Faults{DeclineCharge: "insufficient_funds"})
	if p := charge("c1"); p.Status != StatusCanceled || p.Paid || p.CancellationDetails.Party != "payment_network" || p.CancellationDetails.Reason != "insufficient_funds" {
		t.Errorf("declined charge = %+v %+v", p, p.CancellationDetails)
	}
	if p := charge("c2"); p.Status != StatusSucceeded {
		t.Errorf("the next charge = %s: the fault is used once", p.Status)
	}
	if err := e.emu.ExpireMethod(id); err != nil {
		t.Fatal(err)
	}
	if p := charge("c3"); p.Status != StatusCanceled || p.CancellationDetails.Reason != "card_expired" {
		t.Errorf("charge of an expired card = %+v %+v", p, p.CancellationDetails)
	}
	if err := e.emu.RevokeMethod(id); err != errMethodEnded {
		t.Errorf("revoking an expired method = %v", err)
	}

	id2 := e.create(t, "k2", saveBody)
	e.payWith(t, id2, "visa")
	res, err := http.Post(e.srv.URL+"/_emulator/payment-methods/"+id2+"/revoke", "application/json", nil)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("revoke = %v %v", res.StatusCode, err)
	}
	res.Body.Close()
	status, raw := e.raw(t, http.MethodPost, "/v3/payments", "c4", chargeBody(id2, true), shop, secret)
	var p Payment
	_ = json.Unmarshal(raw, &p)
	if status != http.StatusOK || p.Status != StatusCanceled || p.CancellationDetails.Reason != "permission_revoked" || p.PaymentMethod.Saved {
		t.Errorf("charge of a revoked method = %d %s", status, raw)
	}
	if m, _ := e.emu.Method(id2); m.State != MethodRevoked || m.Saved {
		t.Errorf("revoked method = %+v", m)
	}
	if res, _ := http.Post(e.srv.URL+"/_emulator/payment-methods/nope/expire", "application/json", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("expire of no method = %d", res.StatusCode)
	}
}

func TestMethodsControlAPI(t *testing.T) {
	e := newEnv(t)
	res, err := http.Post(e.srv.URL+"/_emulator/payment-methods", "application/json", strings.NewReader(`{"shopId":"700002","card":"visa"}`))
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("add = %v %v", res.StatusCode, err)
	}
	var m SavedMethod
	_ = json.NewDecoder(res.Body).Decode(&m)
	res.Body.Close()
	if m.ShopID != "700002" || m.Card.Last4 != "1111" || !m.Saved || m.State != MethodActive {
		t.Errorf("added %+v", m)
	}
	for _, bad := range []string{`{"card":"amex"}`, `{"owner":"x"}`, `not json`} {
		if res, _ := http.Post(e.srv.URL+"/_emulator/payment-methods", "application/json", strings.NewReader(bad)); res.StatusCode != http.StatusBadRequest {
			t.Errorf("add %s = %d, want 400", bad, res.StatusCode)
		}
	}
	res, _ = http.Get(e.srv.URL + "/_emulator/payment-methods")
	var ms []SavedMethod
	_ = json.NewDecoder(res.Body).Decode(&ms)
	res.Body.Close()
	if len(ms) != 1 || ms[0].ID != m.ID {
		t.Errorf("listed %+v", ms)
	}
	res, _ = http.Get(e.srv.URL + "/")
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), m.ID) || !strings.Contains(string(b), "Сохранённые способы оплаты") {
		t.Errorf("index page lacks the method:\n%s", b)
	}
}
