package payments

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/dynamo/dynamotest"
	"github.com/kabinet/kabinet/shared/issued"
	"github.com/kabinet/kabinet/shared/issued/issuedtest"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/problem"
)

// refunder is a fake of the provider's refunds that keeps ЮKassa's
// promises the domain relies on: Refund is idempotent by key, refuses a
// payment not succeeded and more than is left of it (every refund not
// canceled counts), GetRefund tells the state.
type refunder struct {
	p       *provider
	mu      sync.Mutex
	byKey   map[string]*ProviderRefund
	byID    map[string]*ProviderRefund
	taken   map[string]int64 // by provider payment: refunds not canceled
	calls   atomic.Int64
	refused atomic.Int64 // refused as more than is left
	// timeouts: the next refunds are made, then their answer is lost;
	// hold: the next stay pending; decline: the next is made canceled.
	timeouts, hold int
	decline        string
	// made is called once a refund is made, before it is answered.
	made func()
}

func newRefunder(p *provider) *refunder {
	return &refunder{p: p, byKey: map[string]*ProviderRefund{}, byID: map[string]*ProviderRefund{}, taken: map[string]int64{}}
}

func (r *refunder) Refund(ctx context.Context, n NewRefund) (ProviderRefund, error) {
	r.calls.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	pr, ok := r.byKey[n.IdempotenceKey]
	if ok && (pr.PaymentID != n.PaymentID || pr.Amount != n.Amount) {
		return ProviderRefund{}, problem.New(problem.KindConflict, "payment_idempotence_conflict", "key reused")
	}
	if !ok {
		pp, err := r.p.Get(ctx, n.PaymentID)
		if err != nil || pp.Status != ProviderSucceeded {
			return ProviderRefund{}, problem.Invalid(problem.Field{Field: "payment_id", Code: "payment_refused", Message: "not succeeded"})
		}
		if n.Amount > pp.Amount-r.taken[pp.ID] {
			r.refused.Add(1)
			return ProviderRefund{}, problem.Invalid(problem.Field{Field: "amount", Code: "payment_refused", Message: "more than is left"})
		}
		pr = &ProviderRefund{ID: fmt.Sprintf("rf-%d", len(r.byID)+1), PaymentID: pp.ID, Status: ProviderRefundSucceeded, Amount: n.Amount,
			CreatedAt: time.Now()}
		switch {
		case r.decline != "":
			pr.Status, pr.CancellationParty, pr.CancellationReason = ProviderRefundCanceled, "payment_network", r.decline
			r.decline = ""
		case r.hold > 0:
			pr.Status = ProviderRefundPending
			r.hold--
		}
		if pr.Status != ProviderRefundCanceled {
			r.taken[pp.ID] += n.Amount
		}
		r.byKey[n.IdempotenceKey], r.byID[pr.ID] = pr, pr
		if r.made != nil {
			r.made()
		}
	}
	if r.timeouts > 0 {
		r.timeouts--
		return ProviderRefund{}, problem.New(problem.KindUnavailable, "payment_provider_unavailable", "timeout")
	}
	return *pr, nil
}

func (r *refunder) GetRefund(_ context.Context, id string) (ProviderRefund, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	pr, ok := r.byID[id]
	if !ok {
		return ProviderRefund{}, problem.NotFound("возврат")
	}
	return *pr, nil
}

// settle ends a held refund.
func (r *refunder) settle(id string, status ProviderRefundStatus) {
	r.mu.Lock()
	defer r.mu.Unlock()
	pr := r.byID[id]
	pr.Status = status
	if status == ProviderRefundCanceled {
		r.taken[pr.PaymentID] -= pr.Amount
		pr.CancellationReason = "rejected_by_payee"
	}
}

// returned are the provider's refunds not canceled, and their sum.
func (r *refunder) returned() ([]ProviderRefund, int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []ProviderRefund
	var sum int64
	for _, pr := range r.byID {
		if pr.Status != ProviderRefundCanceled {
			out = append(out, *pr)
			sum += pr.Amount
		}
	}
	return out, sum
}

// fieldsOf names the fields an error refuses.
func fieldsOf(err error) string {
	pe, ok := problem.As(err)
	if !ok {
		return ""
	}
	var names []string
	for _, f := range pe.Fields {
		names = append(names, f.Field)
	}
	return strings.Join(names, ",")
}

// refundText renders receipts of payments and refunds as text.
type refundText struct{}

func (refundText) Render(r issued.Request, number, code, url string) ([]byte, error) {
	if rr, ok := r.Content.(RefundReceipt); ok {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s %s %d %s %s", number, code, rr.Payer, rr.Total, rr.ProviderID, rr.Reason)
		for _, l := range rr.Lines {
			fmt.Fprintf(&b, " %s:%d", l.UIN, l.Amount)
		}
		return []byte(b.String()), nil
	}
	return receiptText{}.Render(r, number, code, url)
}

type refundFixture struct {
	*payFixture
	refunder *refunder
	// charges and refunds have every dependency, as the payments
	// function builds them.
	charges *Charges
	refunds *Refunds
}

func newRefundFixture(t *testing.T) *refundFixture { return newRefundFixtureOn(t, newFixture(t)) }

func newRefundFixtureOn(t testing.TB, base *fixture) *refundFixture {
	t.Helper()
	pf := newPayFixtureOn(t, base, 0)
	rf := &refundFixture{payFixture: pf, refunder: newRefunder(pf.provider)}
	d := pf.pay.d
	d.Refunder = rf.refunder
	d.Receipts = &issued.Service{DB: pf.db, Objects: pf.objects, Signer: issuedtest.NewSigner(t), Renderer: refundText{}, PortalURL: "https://kabinet.example.ru"}
	var err error
	if rf.pay, err = NewPayments(d); err != nil {
		t.Fatal(err)
	}
	if rf.charges, err = NewCharges(d); err != nil {
		t.Fatal(err)
	}
	if rf.refunds, err = NewRefunds(d); err != nil {
		t.Fatal(err)
	}
	return rf
}

var u1 = actor.Citizen("u1")

// paid makes u1 pay the fine (25 000 with its discount) and settles it;
// it returns the payment's id and the provider's.
func (f *refundFixture) paid(t testing.TB) (string, string) {
	t.Helper()
	f.owed(t)
	id, ppID := f.paying(t, "pay-"+fineUIN)
	f.provider.settle(ppID, ProviderSucceeded)
	if err := f.pay.Notify(context.Background(), notification(ppID)); err != nil {
		t.Fatal(err)
	}
	return id, ppID
}

// paying starts a payment of the fine, left on the provider's page.
func (f *refundFixture) paying(t testing.TB, key string) (string, string) {
	t.Helper()
	ans, err := f.pay.Pay(context.Background(), u1, key, PayRequest{Charges: []string{fineUIN}})
	if err != nil {
		t.Fatal(err)
	}
	return ans.Payment.ID, f.provider.byKeyID(ans.Payment.ID)
}

func (f *refundFixture) view(t *testing.T, id string) PaymentView {
	t.Helper()
	v, err := f.pay.Get(context.Background(), u1, id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func noteCount(t *testing.T, f *refundFixture, typ string) int {
	t.Helper()
	n := 0
	for _, r := range notes(t, f.db, "u1") {
		if r.Type == typ {
			n++
		}
	}
	return n
}

func refundEntries(t *testing.T, f *refundFixture) []journal.Entry {
	t.Helper()
	entries, _, err := f.pay.d.Journal.List(context.Background(), "u1", journal.Filter{Types: []string{journalRefund}}, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func postPaidElsewhere(t *testing.T, f *refundFixture) {
	t.Helper()
	in := fine(50000, Payer{VehicleCert: "77УЕ123456"})
	in.PaidAmount = 50000
	if _, _, err := f.charges.Post(context.Background(), gibdd, fineUIN, in); err != nil {
		t.Fatalf("the agency reports it paid elsewhere: %v", err)
	}
}

// The payer paid the fine at a bank while the portal's payment waited on
// the provider's page, then paid it there too: the second payment settles
// for a charge already paid, and its line goes back once — however often
// the provider notifies, the agency posts or the reconciliation runs.
func TestADuplicatePaymentIsRefundedOnce(t *testing.T) {
	f := newRefundFixture(t)
	ctx := context.Background()
	f.owed(t)
	id, ppID := f.paying(t, "dup")
	postPaidElsewhere(t, f)
	if c, _ := f.svc.Card(ctx, u1, fineUIN); c.Status != StatusPending {
		t.Fatalf("the charge being paid is %s after the report", c.Status)
	}
	f.provider.settle(ppID, ProviderSucceeded)
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f.pay.Notify(ctx, notification(ppID)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	postPaidElsewhere(t, f)
	f.clock.Advance(10 * time.Minute)
	for range 2 {
		if _, err := f.refunds.Reconcile(ctx, 5*time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	made, sum := f.refunder.returned()
	if len(made) != 1 || sum != 25000 || made[0].PaymentID != ppID {
		t.Fatalf("provider refunds %+v, want one of 25 000 of %s", made, ppID)
	}
	v := f.view(t, id)
	if v.Status != PaymentSucceeded || v.RefundedAmount != 25000 || v.RefundableAmount != 0 || len(v.Refunds) != 1 {
		t.Fatalf("payment %+v", v)
	}
	r := v.Refunds[0]
	if r.Status != RefundSucceeded || r.Cause != RefundDuplicate || r.Initiator != RefundByPortal || r.Amount != 25000 ||
		len(r.Charges) != 1 || r.Charges[0].UIN != fineUIN || r.Receipt == nil || r.EndedAt.IsZero() {
		t.Fatalf("refund %+v", r)
	}
	card, _ := f.svc.Card(ctx, u1, fineUIN)
	if card.Status != StatusPaid || card.PaidAmount != 50000 || card.RefundedAmount != 0 {
		t.Fatalf("charge after the duplicate: %+v", card)
	}
	if a, b := noteCount(t, f, "refund.started"), noteCount(t, f, "refund.done"); a != 1 || b != 1 {
		t.Fatalf("%d started and %d done notes", a, b)
	}
	if e := refundEntries(t, f); len(e) != 1 || !strings.Contains(e[0].Summary, "250,00") || e[0].Actor != journal.ActorSystem {
		t.Fatalf("journal %+v", e)
	}
	// The refund's receipt sits beside the payment's.
	if n := f.objects.Len(); n != 2 {
		t.Fatalf("%d receipts stored, want the payment's and the refund's", n)
	}
	var due refundDueItem
	if err := f.db.Get(ctx, dynamo.RefundDueKey(id), "", &due); !problem.Is(err, problem.KindNotFound) {
		t.Fatalf("the payment is still marked due: %v", err)
	}
}

// The agency cancels a paid charge, ten times at once: the charge ends
// cancelled and refunded, and the payment's money goes back once.
func TestACancelledPaidChargeIsRefundedOnce(t *testing.T) {
	f := newRefundFixture(t)
	ctx := context.Background()
	id, _ := f.paid(t)
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.charges.Cancel(ctx, gibdd, fineUIN, "Постановление отменено судом"); err != nil && !problem.Is(err, problem.KindUnavailable) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if _, err := f.charges.Cancel(ctx, gibdd, fineUIN, "Постановление отменено судом"); err != nil {
		t.Fatal(err)
	}
	made, sum := f.refunder.returned()
	if len(made) != 1 || sum != 25000 {
		t.Fatalf("provider refunds %+v", made)
	}
	ac, err := f.charges.AgencyGet(ctx, gibdd, fineUIN)
	if err != nil || ac.Status != StatusCancelled || ac.RefundedAmount != 25000 || ac.PaidAmount != 0 {
		t.Fatalf("the agency's charge %+v %v", ac, err)
	}
	v := f.view(t, id)
	if v.RefundedAmount != 25000 || len(v.Refunds) != 1 || v.Refunds[0].Cause != RefundChargeCancelled || v.Refunds[0].Status != RefundSucceeded {
		t.Fatalf("payment %+v", v)
	}
}

// A paid charge the agency lowers gives back what was paid beyond it; a
// fine paid with its discount gives back the discounted share.
func TestALoweredChargeGivesBackTheDifference(t *testing.T) {
	f := newRefundFixture(t)
	ctx := context.Background()
	id, _ := f.paid(t) // 25 000 paid for 50 000 with the discount
	in := fine(40000, Payer{VehicleCert: "77УЕ123456"})
	ac, _, err := f.charges.Post(ctx, gibdd, fineUIN, in)
	if err != nil {
		t.Fatal(err)
	}
	if ac.Status != StatusPaid || ac.Amount != 40000 || ac.PaidAmount != 40000 || ac.RefundedAmount != 5000 {
		t.Fatalf("the lowered charge %+v", ac)
	}
	if _, _, err := f.charges.Post(ctx, gibdd, fineUIN, in); err != nil {
		t.Fatal(err)
	}
	raised := fine(60000, Payer{VehicleCert: "77УЕ123456"})
	if _, _, err := f.charges.Post(ctx, gibdd, fineUIN, raised); problem.CodeOf(err) != "charge_paid" {
		t.Fatalf("raising a paid charge: %v", err)
	}
	v := f.view(t, id)
	if v.RefundedAmount != 5000 || len(v.Refunds) != 1 || v.Refunds[0].Cause != RefundOverpaid {
		t.Fatalf("payment %+v", v)
	}
}

// The provider declines the automatic refund: the money is left for the
// payer to ask back. Twenty requests at once, each for 3 000 of the 25 000
// left, with keys of their own: eight are made, the rest are refused
// naming the amount, and the provider never returns more than was paid.
func TestConcurrentRequestsNeverExceedWhatIsRefundable(t *testing.T) {
	f := newRefundFixture(t)
	ctx := context.Background()
	id, ppID := f.paid(t)
	f.refunder.decline = "general_decline"
	if _, err := f.charges.Cancel(ctx, gibdd, fineUIN, "Постановление отменено"); err != nil {
		t.Fatal(err)
	}
	v := f.view(t, id)
	if v.RefundableAmount != 25000 || len(v.Refunds) != 1 || v.Refunds[0].Status != RefundCanceled || v.Refunds[0].CancelReason != "Банк отклонил возврат" {
		t.Fatalf("after the declined refund: %+v", v)
	}
	if noteCount(t, f, "refund.canceled") != 1 {
		t.Fatal("no note of the declined refund")
	}
	var wg sync.WaitGroup
	var ok, refused atomic.Int64
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.refunds.Request(ctx, u1, id, fmt.Sprint("r-", i), RefundRequest{Amount: json.RawMessage("3000")})
			switch {
			case err == nil:
				ok.Add(1)
			case problem.Is(err, problem.KindInvalid) && fieldsOf(err) == "amount":
				refused.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 8 || refused.Load() != 12 {
		t.Fatalf("%d made, %d refused; want 8 and 12", ok.Load(), refused.Load())
	}
	made, sum := f.refunder.returned()
	if sum != 24000 || len(made) != 8 || f.refunder.refused.Load() != 0 {
		t.Fatalf("the provider returned %d in %d refunds (refused %d)", sum, len(made), f.refunder.refused.Load())
	}
	for _, pr := range made {
		if pr.PaymentID != ppID {
			t.Fatalf("a refund of another payment: %+v", pr)
		}
	}
	v = f.view(t, id)
	if v.RefundedAmount != 24000 || v.RefundableAmount != 1000 {
		t.Fatalf("after the requests: %+v", v)
	}
	// The payment's receipt and one per refund made, none left over by a
	// lost race.
	if n := f.objects.Len(); n != 9 {
		t.Fatalf("%d receipts stored, want 9", n)
	}
	// The rest, asked without an amount.
	r, err := f.refunds.Request(ctx, u1, id, "rest", RefundRequest{})
	if err != nil || r.Amount != 1000 || r.Status != RefundSucceeded {
		t.Fatalf("the rest: %+v %v", r, err)
	}
	if _, err := f.refunds.Request(ctx, u1, id, "more", RefundRequest{}); problem.CodeOf(err) != "nothing_to_refund" {
		t.Fatalf("nothing left: %v", err)
	}
	list, _, err := f.refunds.List(ctx, u1, id, "", 100)
	if err != nil || len(list) != 10 {
		t.Fatalf("%d refunds listed, want 10: %v", len(list), err)
	}
}

// The payer's request: once per key, validated field by field, only of
// their own payment; a refused one changes nothing.
func TestARefundRequestIsCheckedAndOncePerKey(t *testing.T) {
	f := newRefundFixture(t)
	ctx := context.Background()
	id, _ := f.paid(t)
	if _, err := f.refunds.Request(ctx, u1, id, "k", RefundRequest{}); problem.CodeOf(err) != "nothing_to_refund" {
		t.Fatalf("a payment owed in full: %v", err)
	}
	f.refunder.decline = "general_decline"
	if _, err := f.charges.Cancel(ctx, gibdd, fineUIN, "Постановление отменено"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, amount, uin, field string }{
		{"negative", "-100", "", "amount"},
		{"fractional", "1.5", "", "amount"},
		{"zero", "0", "", "amount"},
		{"a string", `"100"`, "", "amount"},
		{"an exponent", "1e3", "", "amount"},
		{"more than refundable", "25001", "", "amount"},
		{"a bad uin", "100", "123", "uin"},
		{"a charge not of the payment", "100", "18810177200000123461", "uin"},
	} {
		_, err := f.refunds.Request(ctx, u1, id, "bad-"+strings.ReplaceAll(c.name, " ", "-"), RefundRequest{Amount: json.RawMessage(c.amount), UIN: c.uin})
		if !problem.Is(err, problem.KindInvalid) || fieldsOf(err) != c.field {
			t.Errorf("%s: %v, want 422 naming %s", c.name, err, c.field)
		}
	}
	if _, err := f.refunds.Request(ctx, u1, id, "", RefundRequest{}); problem.CodeOf(err) != "idempotency_key_required" {
		t.Errorf("no key: %v", err)
	}
	if _, err := f.refunds.Request(ctx, actor.Citizen("u2"), id, "x", RefundRequest{}); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("another person: %v", err)
	}
	if _, err := f.refunds.Request(ctx, gibdd, id, "x", RefundRequest{}); !problem.Is(err, problem.KindForbidden) {
		t.Errorf("an agency: %v", err)
	}
	if _, _, err := f.refunds.List(ctx, actor.Citizen("u2"), id, "", 10); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("another person's list: %v", err)
	}
	if v := f.view(t, id); v.RefundableAmount != 25000 || len(v.Refunds) != 1 {
		t.Fatalf("refused requests changed the payment: %+v", v)
	}
	// A refused key is free again; the same request again is the same
	// refund; the key with another body is refused.
	first, err := f.refunds.Request(ctx, u1, id, "bad-zero", RefundRequest{Amount: json.RawMessage("10000"), UIN: fineUIN})
	if err != nil || first.Amount != 10000 || first.Status != RefundSucceeded || first.Initiator != RefundByPayer {
		t.Fatalf("request: %+v %v", first, err)
	}
	again, err := f.refunds.Request(ctx, u1, id, "bad-zero", RefundRequest{Amount: json.RawMessage("10000"), UIN: fineUIN})
	if err != nil || again.ID != first.ID {
		t.Fatalf("the same request again: %+v %v", again, err)
	}
	if _, err := f.refunds.Request(ctx, u1, id, "bad-zero", RefundRequest{Amount: json.RawMessage("500")}); problem.CodeOf(err) != "idempotency_key_reused" {
		t.Fatalf("the key with another amount: %v", err)
	}
	if _, sum := f.refunder.returned(); sum != 10000 {
		t.Fatalf("the provider returned %d", sum)
	}
}

// A refund whose answer was lost stays pending and the reconciliation
// finishes it under the same key; one the provider holds pending ends on
// its notification, believed only as fetched back.
func TestRefundsCutShortAreFinished(t *testing.T) {
	f := newRefundFixture(t)
	ctx := context.Background()
	id, _ := f.paid(t)
	f.refunder.timeouts = 1
	if _, err := f.charges.Cancel(ctx, gibdd, fineUIN, "Постановление отменено"); err != nil {
		t.Fatal(err)
	}
	v := f.view(t, id)
	if len(v.Refunds) != 1 || v.Refunds[0].Status != RefundPending {
		t.Fatalf("after a lost answer: %+v", v.Refunds)
	}
	if st, err := f.refunds.Reconcile(ctx, 5*time.Minute); err != nil || st.Checked != 0 {
		t.Fatalf("reconciled a fresh refund: %+v %v", st, err)
	}
	f.clock.Advance(6 * time.Minute)
	st, err := f.refunds.Reconcile(ctx, 5*time.Minute)
	if err != nil || st.Checked != 1 || st.Ended != 1 {
		t.Fatalf("reconciliation %+v %v", st, err)
	}
	if made, sum := f.refunder.returned(); len(made) != 1 || sum != 25000 {
		t.Fatalf("provider refunds %+v", made)
	}
	if v := f.view(t, id); v.Refunds[0].Status != RefundSucceeded || v.RefundedAmount != 25000 {
		t.Fatalf("after the reconciliation: %+v", v)
	}

	// A second charge, held pending at the provider.
	g := newRefundFixture(t)
	id, ppID := g.paid(t)
	g.refunder.hold = 1
	if _, err := g.charges.Cancel(ctx, gibdd, fineUIN, "Постановление отменено"); err != nil {
		t.Fatal(err)
	}
	made, _ := g.refunder.returned()
	if len(made) != 1 || made[0].Status != ProviderRefundPending {
		t.Fatalf("held: %+v", made)
	}
	note := []byte(`{"type":"notification","event":"refund.succeeded","object":{"id":"` + made[0].ID + `","payment_id":"` + ppID + `","status":"succeeded"}}`)
	if err := g.pay.Notify(ctx, note); err != nil { // says succeeded; the provider does not yet
		t.Fatal(err)
	}
	if v := g.view(t, id); v.Refunds[0].Status != RefundPending {
		t.Fatalf("a notification was believed: %+v", v.Refunds[0])
	}
	g.refunder.settle(made[0].ID, ProviderRefundSucceeded)
	for range 2 {
		if err := g.pay.Notify(ctx, note); err != nil {
			t.Fatal(err)
		}
	}
	if v := g.view(t, id); v.Refunds[0].Status != RefundSucceeded || v.RefundedAmount != 25000 {
		t.Fatalf("after the notification: %+v", v)
	}
	if noteCount(t, g, "refund.done") != 1 || len(refundEntries(t, g)) != 1 {
		t.Fatal("the refund's end was recorded more than once")
	}
	unknown := []byte(`{"type":"notification","event":"refund.succeeded","object":{"id":"rf-404","payment_id":"` + ppID + `"}}`)
	if err := g.pay.Notify(ctx, unknown); err != nil {
		t.Fatalf("a refund the provider does not know: %v", err)
	}
}

// Without the provider at hand (a function built without it, or a failure
// right after the change), money found not owed stays marked due and the
// reconciliation refunds it.
func TestMoneyDueIsRefundedByTheReconciliation(t *testing.T) {
	f := newRefundFixture(t)
	ctx := context.Background()
	id, _ := f.paid(t)
	d := f.charges.d
	d.Refunder = nil
	bare, err := NewCharges(d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bare.Cancel(ctx, gibdd, fineUIN, "Постановление отменено"); err != nil {
		t.Fatal(err)
	}
	if v := f.view(t, id); len(v.Refunds) != 1 || v.Refunds[0].Status != RefundPending {
		t.Fatalf("without the provider: %+v", v)
	}
	if f.refunder.calls.Load() != 0 {
		t.Fatal("the provider was asked")
	}
	f.clock.Advance(6 * time.Minute)
	if _, err := f.refunds.Reconcile(ctx, 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	if v := f.view(t, id); v.Refunds[0].Status != RefundSucceeded || v.RefundedAmount != 25000 {
		t.Fatalf("after the reconciliation: %+v", v)
	}

	// Found, not yet made (the mark left by a failure).
	g := newRefundFixture(t)
	id, _ = g.paid(t)
	tx := &dynamo.Tx{}
	ch, _, _ := g.charges.charge(ctx, fineUIN)
	due, err := g.charges.refunds().excessTx(ctx, tx, &ch, ch.PortalPaid, RefundChargeCancelled, g.clock.Now())
	if err != nil || len(due) != 1 {
		t.Fatal(due, err)
	}
	ch.Status, ch.V = StatusCancelled, ch.V+1
	putCharge(tx, ch, ch.V-1)
	if err := g.db.Transact(ctx, "", tx); err != nil {
		t.Fatal(err)
	}
	g.clock.Advance(6 * time.Minute)
	st, err := g.refunds.Reconcile(ctx, 5*time.Minute)
	if err != nil || st.Due != 1 {
		t.Fatalf("%+v %v", st, err)
	}
	if v := g.view(t, id); len(v.Refunds) != 1 || v.Refunds[0].Status != RefundSucceeded {
		t.Fatalf("after the reconciliation: %+v", v.Refunds)
	}
	if st, _ := g.refunds.Reconcile(ctx, 5*time.Minute); st.Due != 0 {
		t.Fatalf("refunded twice: %+v", st)
	}
}

// A payment the portal ended (the provider refused it as far as the portal
// knew) that the provider took after all is returned whole, once.
func TestAPaymentTakenAfterItEndedIsRefunded(t *testing.T) {
	f := newRefundFixture(t)
	ctx := context.Background()
	f.owed(t)
	id, ppID := f.paying(t, "ended")
	pay, _, _ := f.pay.payment(ctx, id)
	if err := f.pay.release(ctx, pay, PaymentFailed, "Платёжная система отклонила платёж"); err != nil {
		t.Fatal(err)
	}
	f.provider.settle(ppID, ProviderSucceeded)
	for range 3 {
		if err := f.pay.Notify(ctx, notification(ppID)); err != nil {
			t.Fatal(err)
		}
	}
	v := f.view(t, id)
	if v.Status != PaymentFailed || v.RefundedAmount != 25000 || len(v.Refunds) != 1 || v.Refunds[0].Cause != RefundNotSettled {
		t.Fatalf("payment %+v", v)
	}
	if made, _ := f.refunder.returned(); len(made) != 1 {
		t.Fatalf("provider refunds %+v", made)
	}
	if c, _ := f.svc.Card(ctx, u1, fineUIN); c.Status != StatusUnpaid {
		t.Fatalf("the charge is %s: it was never paid", c.Status)
	}
}

// What a line credits its charge, and what of it the charge no longer
// asks.
func TestLineCredit(t *testing.T) {
	for _, c := range []struct {
		name          string
		ch            chargeItem
		line          PaymentLine
		credit, extra int64
	}{
		{"whole", chargeItem{Amount: 500}, PaymentLine{Amount: 500, Full: true}, 500, 0},
		{"whole with the discount", chargeItem{Amount: 500}, PaymentLine{Amount: 250, Full: true}, 500, 0},
		{"a part", chargeItem{Amount: 500}, PaymentLine{Amount: 200}, 200, 0},
		{"a part beyond the rest", chargeItem{Amount: 500, PortalPaid: 400}, PaymentLine{Amount: 200}, 100, 100},
		{"paid elsewhere meanwhile", chargeItem{Amount: 500, PaidAmount: 500}, PaymentLine{Amount: 500, Full: true}, 0, 500},
		{"partly paid elsewhere", chargeItem{Amount: 500, PaidAmount: 400}, PaymentLine{Amount: 500, Full: true}, 100, 400},
	} {
		if credit, extra := lineCredit(c.ch, c.line); credit != c.credit || extra != c.extra {
			t.Errorf("%s: credit %d, extra %d; want %d, %d", c.name, credit, extra, c.credit, c.extra)
		}
	}
}

// A payer's request, from the key's claim to the refund's end with its
// receipt: its DynamoDB round trips.
func BenchmarkRefundRequest(b *testing.B) {
	db, calls := dynamotest.NewInProcess(b)
	f := newRefundFixtureOn(b, newFixtureOn(b, db))
	ctx := context.Background()
	id, _ := f.paid(b)
	f.refunder.decline = "general_decline"
	if _, err := f.charges.Cancel(ctx, gibdd, fineUIN, "Постановление отменено"); err != nil {
		b.Fatal(err)
	}
	calls.Reset()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := f.refunds.Request(ctx, u1, id, fmt.Sprint("bench-", i), RefundRequest{Amount: json.RawMessage("1")}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(calls.Calls())/float64(b.N), "ddb-calls/op")
}

// Whatever a client sends as a refund's amount and УИН, the check answers
// a positive integer read exactly as written, or a field error naming it.
func FuzzRefundRequest(f *testing.F) {
	for _, seed := range []string{"25000", "-1", "1.5", "0", `"100"`, "1e3", "null", "", "999999999999", "9999999999999", " 12 "} {
		f.Add(seed, fineUIN)
	}
	f.Fuzz(func(t *testing.T, amount, uin string) {
		got, gotUIN, err := RefundRequest{Amount: json.RawMessage(amount), UIN: uin}.check()
		if err != nil {
			if !problem.Is(err, problem.KindInvalid) {
				t.Fatalf("%q %q: %v", amount, uin, err)
			}
			if f := fieldsOf(err); f != "amount" && f != "uin" && f != "amount,uin" {
				t.Fatalf("%q %q: fields %q", amount, uin, f)
			}
			return
		}
		if raw := strings.TrimSpace(amount); raw != "" && raw != "null" && fmt.Sprint(got) != raw {
			t.Fatalf("%q read as %d", amount, got)
		}
		if got < 0 || (uin != "" && gotUIN == "") {
			t.Fatalf("%q %q: %d %q", amount, uin, got, gotUIN)
		}
	})
}

// The table fails: a cancellation that could not be recorded changes
// nothing and is cancelled again; a refund the provider made while the
// table was down is finished by the reconciliation, under the same key,
// once.
func TestATableFailureLosesNoRefund(t *testing.T) {
	db, faults := dynamotest.NewFaultyStore(t)
	f := newRefundFixtureOn(t, newFixtureOn(t, db))
	ctx := context.Background()
	id, _ := f.paid(t)
	faults.Fail(true)
	if _, err := f.charges.Cancel(ctx, gibdd, fineUIN, "Постановление отменено"); err == nil {
		t.Fatal("cancelled with the table down")
	}
	faults.Fail(false)
	if c, _ := f.svc.Card(ctx, u1, fineUIN); c.Status != StatusPaid || f.refunder.calls.Load() != 0 {
		t.Fatalf("a failed cancellation changed the charge (%s) or refunded", c.Status)
	}
	f.refunder.made = func() { faults.Fail(true) }
	if _, err := f.charges.Cancel(ctx, gibdd, fineUIN, "Постановление отменено"); err != nil {
		t.Fatal(err) // the cancellation stands; the refund is left to the reconciliation
	}
	f.refunder.made = nil
	faults.Fail(false)
	if v := f.view(t, id); len(v.Refunds) != 1 || v.Refunds[0].Status != RefundPending {
		t.Fatalf("after the table failed under the refund: %+v", v.Refunds)
	}
	f.clock.Advance(6 * time.Minute)
	for range 2 {
		if _, err := f.refunds.Reconcile(ctx, 5*time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if v := f.view(t, id); v.Refunds[0].Status != RefundSucceeded || v.RefundedAmount != 25000 {
		t.Fatalf("after the reconciliation: %+v", v)
	}
	if made, sum := f.refunder.returned(); len(made) != 1 || sum != 25000 {
		t.Fatalf("provider refunds %+v", made)
	}
	if noteCount(t, f, "refund.done") != 1 || f.objects.Len() != 2 {
		t.Fatalf("%d notes, %d receipts", noteCount(t, f, "refund.done"), f.objects.Len())
	}
}
