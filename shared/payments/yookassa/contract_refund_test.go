package yookassa

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/infra/local/yookassaemu"
	"github.com/kabinet/kabinet/shared/payments"
	"github.com/kabinet/kabinet/shared/problem"
)

// The contract of refunds and saved payment methods, through the adapter
// against the emulator, offline.

// paid makes a payment of newPayment's amount (123.45 RUB) and pays it.
func (c *contract) paid(t *testing.T, key string) payments.ProviderPayment {
	t.Helper()
	p, err := c.provider.Create(context.Background(), keyed(key, nil))
	if err != nil {
		t.Fatal(err)
	}
	c.answer(t, p, "pay")
	return c.get(t, p.ID)
}

func (c *contract) refund(t *testing.T, key, paymentID string, kopecks int64) payments.ProviderRefund {
	t.Helper()
	r, err := c.provider.Refund(context.Background(), payments.NewRefund{IdempotenceKey: key, PaymentID: paymentID, Amount: kopecks, Description: "Возврат переплаты"})
	if err != nil {
		t.Fatalf("Refund of %d: %v", kopecks, err)
	}
	return r
}

func TestContractRefundInPartsThenWhole(t *testing.T) {
	c := newContract(t)
	p := c.paid(t, "pay-1")
	first := c.refund(t, "refund-1", p.ID, 2345)
	if first.Status != payments.ProviderRefundSucceeded || first.PaymentID != p.ID || first.Amount != 2345 || first.CreatedAt.IsZero() || !payments.ValidProviderID(first.ID) {
		t.Errorf("refund = %+v", first)
	}
	if got := c.get(t, p.ID); got.RefundedAmount != 2345 || got.Status != payments.ProviderSucceeded {
		t.Errorf("after a part: refunded %d, status %s", got.RefundedAmount, got.Status)
	}
	// The rest, to the kopeck; then not one more.
	c.refund(t, "refund-2", p.ID, 10000)
	_, err := c.provider.Refund(context.Background(), payments.NewRefund{IdempotenceKey: "refund-3", PaymentID: p.ID, Amount: 1})
	if !isProblem(err, problem.KindInvalid, "payment_refused") || problem.FieldNames(err)[0] != "amount" {
		t.Errorf("a refund over what was paid = %v, fields %v; want Invalid naming amount", err, problem.FieldNames(err))
	}
	if got := c.get(t, p.ID); got.RefundedAmount != newPayment.Amount {
		t.Errorf("after the whole: refunded %d, want %d", got.RefundedAmount, newPayment.Amount)
	}
	if got, err := c.provider.GetRefund(context.Background(), first.ID); err != nil || got != first {
		t.Errorf("GetRefund = %+v, %v; want %+v", got, err, first)
	}
	if _, err := c.provider.GetRefund(context.Background(), "216749f7-0016-50be-b000-000000000000"); !isProblem(err, problem.KindNotFound, "payment_refund_not_found") {
		t.Errorf("GetRefund of no refund = %v", err)
	}
}

func TestContractRefundWholeAtOnce(t *testing.T) {
	c := newContract(t)
	p := c.paid(t, "pay-1")
	r := c.refund(t, "refund-1", p.ID, p.Amount)
	again := c.refund(t, "refund-1", p.ID, p.Amount)
	if again.ID != r.ID || len(c.emu.Refunds()) != 1 {
		t.Errorf("the repeat with the key made %s (%d refunds), want %s", again.ID, len(c.emu.Refunds()), r.ID)
	}
	if _, err := c.provider.Refund(context.Background(), payments.NewRefund{IdempotenceKey: "refund-1", PaymentID: p.ID, Amount: 100}); !problem.Is(err, problem.KindConflict) {
		t.Errorf("the key for another refund = %v, want Conflict", err)
	}
	if got := c.get(t, p.ID); got.RefundedAmount != p.Amount {
		t.Errorf("refunded %d, want %d", got.RefundedAmount, p.Amount)
	}
}

func TestContractRefundOnlyOfSucceededPayments(t *testing.T) {
	c := newContract(t)
	pending, err := c.provider.Create(context.Background(), keyed("pay-pending", nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{pending.ID, "2f3b588d-000f-5000-8000-000000000000"} {
		_, err := c.provider.Refund(context.Background(), payments.NewRefund{IdempotenceKey: "refund-" + id, PaymentID: id, Amount: 100})
		if !isProblem(err, problem.KindInvalid, "payment_refused") || problem.FieldNames(err)[0] != "payment_id" {
			t.Errorf("refund of %s = %v, want Invalid naming payment_id", id, err)
		}
	}
}

// 20 refunds of one payment by different keys at once never return more
// than was paid: 12 of 10 ₽ fit 123.45 ₽, 8 are refused.
func TestContractConcurrentRefunds(t *testing.T) {
	c := newContract(t)
	p := c.paid(t, "pay-1")
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.provider.Refund(context.Background(), payments.NewRefund{IdempotenceKey: fmt.Sprintf("refund-%d", i), PaymentID: p.ID, Amount: 1000})
		}()
	}
	wg.Wait()
	made := 0
	for _, err := range errs {
		switch {
		case err == nil:
			made++
		case !isProblem(err, problem.KindInvalid, "payment_refused"):
			t.Errorf("a refund failed otherwise: %v", err)
		}
	}
	if got := c.get(t, p.ID); made != 12 || got.RefundedAmount != 12000 {
		t.Errorf("%d refunds made, %d kopecks refunded; want 12 and 12000", made, got.RefundedAmount)
	}
}

func TestContractRefundPendingThenSettled(t *testing.T) {
	c := newContract(t)
	p := c.paid(t, "pay-1")
	c.notifications(t, 1)
	_ = c.emu.Arm(yookassaemu.Faults{HoldRefunds: 2})
	r := c.refund(t, "refund-1", p.ID, 10000)
	if r.Status != payments.ProviderRefundPending || r.Status.Final() {
		t.Fatalf("held refund = %+v", r)
	}
	// What is pending counts against what is left.
	if _, err := c.provider.Refund(context.Background(), payments.NewRefund{IdempotenceKey: "refund-2", PaymentID: p.ID, Amount: 2346}); !problem.Is(err, problem.KindInvalid) {
		t.Errorf("a refund over what is left beside a pending one = %v, want Invalid", err)
	}
	if got := c.get(t, p.ID); got.RefundedAmount != 0 {
		t.Errorf("a pending refund shows as refunded: %d", got.RefundedAmount)
	}
	if err := c.emu.SettleRefund(r.ID, yookassaemu.StatusSucceeded, ""); err != nil {
		t.Fatal(err)
	}
	n := c.notifications(t, 2)[1]
	if n.Event != payments.EventRefundSucceeded || n.IsPayment() || n.ObjectID != r.ID || n.PaymentID != p.ID {
		t.Errorf("notification %+v", n)
	}
	// The notification says which refund to read; reading is believing.
	if got, err := c.provider.GetRefund(context.Background(), n.ObjectID); err != nil || got.Status != payments.ProviderRefundSucceeded {
		t.Errorf("GetRefund after the notification = %+v, %v", got, err)
	}
	if got := c.get(t, n.PaymentID); got.RefundedAmount != 10000 {
		t.Errorf("refunded %d, want 10000", got.RefundedAmount)
	}

	// The second is canceled by the card's bank: no notification, and its
	// amount can be refunded again.
	r2 := c.refund(t, "refund-3", p.ID, 2345)
	if err := c.emu.SettleRefund(r2.ID, yookassaemu.StatusCanceled, "rejected_by_payee"); err != nil {
		t.Fatal(err)
	}
	got, err := c.provider.GetRefund(context.Background(), r2.ID)
	if err != nil || got.Status != payments.ProviderRefundCanceled || got.CancellationParty != "payment_network" || got.CancellationReason != "rejected_by_payee" {
		t.Errorf("canceled refund = %+v, %v", got, err)
	}
	c.refund(t, "refund-4", p.ID, 2345)
	if ns := c.notifications(t, 3); len(ns) != 3 || ns[2].ObjectID == r2.ID {
		t.Errorf("notifications %+v: a canceled refund is not notified", ns)
	}
}

func TestContractRefundDeclined(t *testing.T) {
	c := newContract(t)
	p := c.paid(t, "pay-1")
	_ = c.emu.Arm(yookassaemu.Faults{DeclineRefund: "insufficient_funds"})
	r := c.refund(t, "refund-1", p.ID, p.Amount)
	if r.Status != payments.ProviderRefundCanceled || r.CancellationReason != "insufficient_funds" || r.CancellationParty != "yoo_money" {
		t.Errorf("declined refund = %+v", r)
	}
	if r := c.refund(t, "refund-2", p.ID, p.Amount); r.Status != payments.ProviderRefundSucceeded {
		t.Errorf("the next refund = %+v", r)
	}
}

// Whatever fails on the way, one Refund makes one refund.
func TestContractRefundRetriesMakeOneRefund(t *testing.T) {
	for _, f := range []struct {
		name  string
		fault yookassaemu.Faults
	}{
		{"a 500", yookassaemu.Faults{FailRefunds: 1}},
		{"a 429", yookassaemu.Faults{ThrottleRefunds: 2}},
		{"still processing", yookassaemu.Faults{ProcessRefunds: 1}},
		{"an answer later than the timeout", yookassaemu.Faults{RefundDelay: yookassaemu.Duration(2 * time.Second)}},
	} {
		t.Run(f.name, func(t *testing.T) {
			c := newContract(t)
			p := c.paid(t, "pay-1")
			_ = c.emu.Arm(f.fault)
			r := c.refund(t, "refund-1", p.ID, 5000)
			if rs := c.emu.Refunds(); len(rs) != 1 || rs[0].ID != r.ID {
				t.Errorf("the emulator holds %+v, want only %s", rs, r.ID)
			}
		})
	}
	t.Run("failing every attempt", func(t *testing.T) {
		c := newContract(t)
		p := c.paid(t, "pay-1")
		_ = c.emu.Arm(yookassaemu.Faults{FailRefunds: DefaultAttempts})
		if _, err := c.provider.Refund(context.Background(), payments.NewRefund{IdempotenceKey: "refund-1", PaymentID: p.ID, Amount: 5000}); !problem.Is(err, problem.KindUnavailable) {
			t.Fatalf("Refund = %v, want Unavailable", err)
		}
		c.refund(t, "refund-1", p.ID, 5000)
		if n := len(c.emu.Refunds()); n != 1 {
			t.Errorf("%d refunds, want 1", n)
		}
	})
}

// answerWith pays on the page with one of the emulator's test cards.
func (c *contract) answerWith(t *testing.T, p payments.ProviderPayment, card yookassaemu.TestCard) {
	t.Helper()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.PostForm(p.ConfirmationURL, url.Values{"action": {"pay"}, "card": {string(card)}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the page answered %d", res.StatusCode)
	}
}

// saved pays a first payment that saves the card, and returns it.
func (c *contract) saved(t *testing.T, key string, card yookassaemu.TestCard) payments.ProviderPayment {
	t.Helper()
	p, err := c.provider.Create(context.Background(), keyed(key, func(p *payments.NewPayment) { p.SavePaymentMethod = true }))
	if err != nil {
		t.Fatal(err)
	}
	if p.PaymentMethod != (payments.ProviderPaymentMethod{}) {
		t.Errorf("a pending payment shows a method: %+v", p.PaymentMethod)
	}
	c.answerWith(t, p, card)
	return c.get(t, p.ID)
}

// charge pays with a saved method: no page, no return URL.
func (c *contract) charge(key, methodID string, change func(*payments.NewPayment)) (payments.ProviderPayment, error) {
	return c.provider.Create(context.Background(), keyed(key, func(p *payments.NewPayment) {
		p.PaymentMethodID, p.ReturnURL, p.Amount = methodID, "", 50000
		if change != nil {
			change(p)
		}
	}))
}

func TestContractSaveTheMethodOnTheFirstPayment(t *testing.T) {
	c := newContract(t)
	first := c.saved(t, "pay-1", yookassaemu.CardMir)
	m := first.PaymentMethod
	if first.Status != payments.ProviderSucceeded || !m.Saved || m.ID == "" || m.Type != "bank_card" || m.Title != "Bank card *0004" ||
		m.Card.First6 != "220000" || m.Card.Last4 != "0004" || m.Card.CardType != "Mir" || m.Card.ExpiryMonth != 12 || m.Card.ExpiryYear < time.Now().Year() {
		t.Errorf("first payment %+v, method %+v", first, m)
	}
	// Paid without asking, the card shows but is not saved.
	other := c.paid(t, "pay-2")
	if other.PaymentMethod.Saved || other.PaymentMethod.Card.Last4 != "4444" {
		t.Errorf("unasked: %+v", other.PaymentMethod)
	}
	if _, err := c.charge("charge-1", other.PaymentMethod.ID, nil); !isProblem(err, problem.KindInvalid, "payment_refused") {
		t.Errorf("charging a method not saved = %v, want Invalid", err)
	}
}

func TestContractChargeTheSavedMethodWithoutAPage(t *testing.T) {
	c := newContract(t)
	first := c.saved(t, "pay-1", yookassaemu.CardVisa)
	c.notifications(t, 1)
	p, err := c.charge("charge-1", first.PaymentMethod.ID, nil)
	if err != nil {
		t.Fatalf("charge: %v", err)
	}
	if p.Status != payments.ProviderSucceeded || !p.Paid || p.ConfirmationURL != "" || p.CapturedAt.IsZero() || p.Amount != 50000 ||
		p.PaymentMethod.ID != first.PaymentMethod.ID || !p.PaymentMethod.Saved || p.PaymentMethod.Card.Last4 != "1111" {
		t.Errorf("charge = %+v", p)
	}
	if n := c.notifications(t, 2)[1]; n.Event != payments.EventPaymentSucceeded || n.ObjectID != p.ID {
		t.Errorf("notification %+v", n)
	}
	again, err := c.charge("charge-1", first.PaymentMethod.ID, nil)
	if err != nil || again.ID != p.ID {
		t.Errorf("the repeat with the key = %+v, %v; want %s", again, err, p.ID)
	}
	if m, _ := c.emu.Method(first.PaymentMethod.ID); len(m.Charges) != 1 {
		t.Errorf("charges %v, want one", m.Charges)
	}
	// With Hold the money waits for Capture.
	held, err := c.charge("charge-2", first.PaymentMethod.ID, func(p *payments.NewPayment) { p.Hold = true })
	if err != nil || held.Status != payments.ProviderWaitingForCapture || !held.Paid {
		t.Fatalf("held charge = %+v, %v", held, err)
	}
	if got, err := c.provider.Capture(context.Background(), held.ID, "capture-1"); err != nil || got.Status != payments.ProviderSucceeded {
		t.Errorf("Capture = %+v, %v", got, err)
	}
	// A charge is refunded like any payment.
	if r := c.refund(t, "refund-1", p.ID, 50000); r.Status != payments.ProviderRefundSucceeded {
		t.Errorf("refund of a charge = %+v", r)
	}
}

func TestContractChargeDeclined(t *testing.T) {
	for _, f := range []struct {
		name          string
		arm           func(c *contract, methodID string)
		party, reason string
	}{
		{"insufficient funds", func(c *contract, _ string) { _ = c.emu.Arm(yookassaemu.Faults{DeclineCharge: "insufficient_funds"}) }, "payment_network", "insufficient_funds"},
		{"the card expired", func(c *contract, id string) { _ = c.emu.ExpireMethod(id) }, "payment_network", "card_expired"},
		{"the permission revoked", func(c *contract, id string) { _ = c.emu.RevokeMethod(id) }, "yoo_money", "permission_revoked"},
	} {
		t.Run(f.name, func(t *testing.T) {
			c := newContract(t)
			first := c.saved(t, "pay-1", yookassaemu.CardMasterCard)
			c.notifications(t, 1)
			f.arm(c, first.PaymentMethod.ID)
			p, err := c.charge("charge-1", first.PaymentMethod.ID, nil)
			if err != nil {
				t.Fatalf("a declined charge is a payment, not an error: %v", err)
			}
			if p.Status != payments.ProviderCanceled || p.Paid || p.CancellationParty != f.party || p.CancellationReason != f.reason {
				t.Errorf("declined charge = %+v", p)
			}
			if n := c.notifications(t, 2)[1]; n.Event != payments.EventPaymentCanceled || n.ObjectID != p.ID {
				t.Errorf("notification %+v", n)
			}
		})
	}
}

func TestContractChargeOfAMethodNotTheShops(t *testing.T) {
	c := newContract(t)
	theirs, err := c.emu.AddMethod(yookassaemu.NewMethod{ShopID: "654321", Card: yookassaemu.CardVisa})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"2f3b588d-000f-5000-8000-000000000000", theirs.ID} {
		_, err := c.charge("charge-"+id, id, nil)
		if !isProblem(err, problem.KindInvalid, "payment_refused") || problem.FieldNames(err)[0] != "payment_method_id" {
			t.Errorf("charge of %s = %v, want Invalid naming payment_method_id", id, err)
		}
	}
	if n := len(c.emu.Payments()); n != 0 {
		t.Errorf("%d payments made", n)
	}
}
