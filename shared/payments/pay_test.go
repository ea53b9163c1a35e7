package payments

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/issued"
	"github.com/kabinet/kabinet/shared/issued/issuedtest"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/problem"
)

// provider is a fake acquirer that keeps ЮKassa's promises the domain
// relies on: Create is idempotent by key, Get tells the state. The real
// adapter is checked against the emulator of the real API in its own
// package and end to end.
type provider struct {
	mu       sync.Mutex
	byKey    map[string]*ProviderPayment
	byID     map[string]*ProviderPayment
	creates  atomic.Int64
	timeouts int // the next Creates make the payment, then time out
}

func newProvider() *provider {
	return &provider{byKey: map[string]*ProviderPayment{}, byID: map[string]*ProviderPayment{}}
}

func (p *provider) Create(_ context.Context, n NewPayment) (ProviderPayment, error) {
	p.creates.Add(1)
	p.mu.Lock()
	defer p.mu.Unlock()
	pp, ok := p.byKey[n.IdempotenceKey]
	if !ok {
		id := fmt.Sprintf("pp-%d", len(p.byID)+1)
		pp = &ProviderPayment{ID: id, Status: ProviderPending, Amount: n.Amount, Test: true, ConfirmationURL: "https://pay.example/" + id,
			Metadata: n.Metadata, CreatedAt: time.Now()}
		p.byKey[n.IdempotenceKey], p.byID[id] = pp, pp
	}
	if p.timeouts > 0 {
		p.timeouts--
		return ProviderPayment{}, problem.New(problem.KindUnavailable, "payment_provider_unavailable", "timeout")
	}
	return *pp, nil
}

func (p *provider) Get(_ context.Context, id string) (ProviderPayment, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pp, ok := p.byID[id]
	if !ok {
		return ProviderPayment{}, problem.NotFound("платёж")
	}
	return *pp, nil
}

func (p *provider) Capture(context.Context, string, string) (ProviderPayment, error) {
	return ProviderPayment{}, problem.New(problem.KindInvalid, "payment_refused", "not held")
}

func (p *provider) Cancel(context.Context, string, string) (ProviderPayment, error) {
	return ProviderPayment{}, problem.New(problem.KindInvalid, "payment_refused", "not held")
}

// settle makes the payer's answer on the page.
func (p *provider) settle(id string, status ProviderStatus) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pp := p.byID[id]
	pp.Status, pp.Paid = status, status == ProviderSucceeded
	if status == ProviderSucceeded {
		pp.CapturedAt = time.Date(2026, 11, 25, 9, 5, 0, 0, time.UTC)
	} else {
		pp.CancellationParty, pp.CancellationReason = "payment_network", "insufficient_funds"
	}
}

// byKeyID is the provider's id of the payment made under key.
func (p *provider) byKeyID(key string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.byKey[key].ID
}

func (p *provider) only(t testing.TB) ProviderPayment {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.byID) != 1 {
		t.Fatalf("%d payments at the provider, want 1", len(p.byID))
	}
	for _, pp := range p.byID {
		return *pp
	}
	return ProviderPayment{}
}

// signatures is a fake of accounts' signing codes: "123456" confirms.
type signatures struct{}

func (signatures) StartSignature(context.Context, string, string, int64, string) (accounts.SignaturePending, error) {
	return accounts.SignaturePending{Method: "sms", SentTo: "+7 *** ***-**-01"}, nil
}

func (signatures) CheckSignature(_ context.Context, _, _ string, _ int64, _, code string) (func(*dynamo.Tx), error) {
	if code != "123456" {
		return nil, problem.Invalid(problem.Field{Field: "code", Code: "code.wrong", Message: "Неверный код"})
	}
	return func(*dynamo.Tx) {}, nil
}

type payFixture struct {
	*fixture
	provider *provider
	objects  *issuedtest.Objects
	pay      *Payments
}

func newPayFixture(t *testing.T, confirmAbove int64) *payFixture {
	return newPayFixtureOn(t, newFixture(t), confirmAbove)
}

func newPayFixtureOn(t testing.TB, f *fixture, confirmAbove int64) *payFixture {
	t.Helper()
	pf := &payFixture{fixture: f, provider: newProvider(), objects: issuedtest.NewObjects()}
	_ = pf.objects
	d := f.svc.d
	d.Journal = &journal.Journal{DB: f.db, Key: journal.StaticKey(make([]byte, 32)), Clock: f.clock}
	d.Provider = pf.provider
	d.Receipts = &issued.Service{DB: f.db, Objects: pf.objects, Signer: issuedtest.NewSigner(t), Renderer: receiptText{}, PortalURL: "https://kabinet.example.ru"}
	d.Signatures = signatures{}
	d.ConfirmAbove = confirmAbove
	d.PortalURL = "https://kabinet.example.ru"
	d.TestPayments = true
	var err error
	if pf.pay, err = NewPayments(d); err != nil {
		t.Fatal(err)
	}
	return pf
}

// receiptText renders a receipt as text, enough to check what it says.
type receiptText struct{}

func (receiptText) Render(r issued.Request, number, code, _ string) ([]byte, error) {
	rc := r.Content.(Receipt)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s %d %s", number, code, rc.Payer, rc.Total, rc.ProviderID)
	for _, l := range rc.Lines {
		fmt.Fprintf(&b, " %s:%d", l.UIN, l.Amount)
	}
	return []byte(b.String()), nil
}

// owed posts the fine for u1's vehicle.
func (pf *payFixture) owed(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	if _, err := pf.svc.AddVehicle(ctx, actor.Citizen("u1"), VehicleInput{Plate: "А123ВС77", Certificate: "77УЕ123456"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := pf.svc.Post(ctx, gibdd, fineUIN, fine(50000, Payer{VehicleCert: "77УЕ123456"})); err != nil {
		t.Fatal(err)
	}
}

func notification(id string) []byte {
	return []byte(`{"type":"notification","event":"payment.succeeded","object":{"id":"` + id + `","status":"succeeded"}}`)
}

func TestPayOnceNotifiedTwice(t *testing.T) {
	pf := newPayFixture(t, 0)
	pf.owed(t)
	ctx := context.Background()
	u1 := actor.Citizen("u1")
	ans, err := pf.pay.Pay(ctx, u1, "key-1", PayRequest{Charges: []string{fineUIN}})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Status != 201 || ans.Payment.Amount != 25000 || ans.Payment.Status != PaymentPending || ans.Payment.ConfirmationURL == "" {
		t.Fatalf("answer %+v", ans)
	}
	card, _ := pf.svc.Card(ctx, u1, fineUIN)
	if card.Status != StatusPending {
		t.Fatalf("charge while paying: %s", card.Status)
	}
	// The same key and body again: the first answer, no second call.
	again, err := pf.pay.Pay(ctx, u1, "key-1", PayRequest{Charges: []string{fineUIN}})
	if err != nil || again.Payment.ID != ans.Payment.ID || pf.provider.creates.Load() != 1 {
		t.Fatalf("repeat: %+v %v (%d creates)", again, err, pf.provider.creates.Load())
	}
	if _, err := pf.pay.Pay(ctx, u1, "key-2", PayRequest{Charges: []string{fineUIN}}); problem.CodeOf(err) != "charge_being_paid" {
		t.Fatalf("paying it again: %v", err)
	}
	pp := pf.provider.only(t)
	// A notification before the payer paid changes nothing.
	if err := pf.pay.Notify(ctx, notification(pp.ID)); err != nil {
		t.Fatal(err)
	}
	if v, _ := pf.pay.Get(ctx, u1, ans.Payment.ID); v.Status != PaymentPending {
		t.Fatalf("after an early notification: %s", v.Status)
	}
	pf.provider.settle(pp.ID, ProviderSucceeded)
	for range 2 {
		if err := pf.pay.Notify(ctx, notification(pp.ID)); err != nil {
			t.Fatal(err)
		}
	}
	v, err := pf.pay.Get(ctx, u1, ans.Payment.ID)
	if err != nil || v.Status != PaymentSucceeded || v.Receipt == nil {
		t.Fatalf("after success: %+v %v", v, err)
	}
	if n := pf.objects.Len(); n != 1 {
		t.Fatalf("%d receipts stored", n)
	}
	card, _ = pf.svc.Card(ctx, u1, fineUIN)
	if card.Status != StatusPaid || card.AmountDue != 0 {
		t.Fatalf("charge after payment: %+v", card)
	}
	var r struct{ ID string }
	if err := pf.db.Get(ctx, dynamo.ReminderKey("u1", "charge-"+fineUIN+"-3d"), "reminder", &r); !problem.Is(err, problem.KindNotFound) {
		t.Fatalf("a paid charge's reminder is left: %v", err)
	}
	types := map[string]int{}
	for _, n := range notes(t, pf.db, "u1") {
		types[n.Type]++
	}
	if types["payment.done"] != 1 {
		t.Fatalf("notes %v", types)
	}
	entries, _, err := pf.pay.d.Journal.List(ctx, "u1", journal.Filter{Types: []string{journal.TypePayment}}, "", 10)
	if err != nil || len(entries) != 1 || !strings.Contains(entries[0].Summary, fineUIN) {
		t.Fatalf("journal %+v %v", entries, err)
	}
	// Nobody else sees the payment.
	if _, err := pf.pay.Get(ctx, actor.Citizen("u2"), ans.Payment.ID); !problem.Is(err, problem.KindNotFound) {
		t.Fatalf("another person's payment: %v", err)
	}
}

func TestConcurrentPaymentsOneKey(t *testing.T) {
	pf := newPayFixture(t, 0)
	pf.owed(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	var ok, inFlight atomic.Int64
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := pf.pay.Pay(ctx, actor.Citizen("u1"), "same-key", PayRequest{Charges: []string{fineUIN}})
			switch {
			case err == nil:
				ok.Add(1)
			case problem.CodeOf(err) == "idempotency_in_flight":
				inFlight.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if pf.provider.creates.Load() != 1 {
		t.Fatalf("%d provider calls", pf.provider.creates.Load())
	}
	if ok.Load() < 1 || ok.Load()+inFlight.Load() != 50 {
		t.Fatalf("%d answered, %d in flight", ok.Load(), inFlight.Load())
	}
	pf.provider.only(t)
}

func TestConcurrentPaymentsOneCharge(t *testing.T) {
	pf := newPayFixture(t, 0)
	pf.owed(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	var ok, conflict atomic.Int64
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := pf.pay.Pay(ctx, actor.Citizen("u1"), fmt.Sprint("key-", i), PayRequest{Charges: []string{fineUIN}})
			switch {
			case err == nil:
				ok.Add(1)
			case problem.Is(err, problem.KindConflict):
				conflict.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 || conflict.Load() != 49 {
		t.Fatalf("%d paid, %d refused", ok.Load(), conflict.Load())
	}
	pf.provider.only(t)
}

func TestTimeoutAfterTheProviderChargedIsReconciledOnce(t *testing.T) {
	pf := newPayFixture(t, 0)
	pf.owed(t)
	ctx := context.Background()
	pf.provider.timeouts = 1
	if _, err := pf.pay.Pay(ctx, actor.Citizen("u1"), "k", PayRequest{Charges: []string{fineUIN}}); problem.CodeOf(err) != "payment_provider_unavailable" {
		t.Fatalf("timeout: %v", err)
	}
	pp := pf.provider.only(t)
	pf.provider.settle(pp.ID, ProviderSucceeded) // the payer paid anyway
	pf.clock.Advance(10 * time.Minute)
	for range 2 {
		st, err := pf.pay.Reconcile(ctx, 5*time.Minute, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%+v", st)
	}
	list, _, err := pf.pay.List(ctx, actor.Citizen("u1"), PaymentFilter{}, "", 10)
	if err != nil || len(list) != 1 || list[0].Status != PaymentSucceeded {
		t.Fatalf("payments %+v %v", list, err)
	}
	if n := pf.objects.Len(); n != 1 {
		t.Fatalf("%d receipts", n)
	}
	// The client's repeat with the key gets the payment, not a new one.
	ans, err := pf.pay.Pay(ctx, actor.Citizen("u1"), "k", PayRequest{Charges: []string{fineUIN}})
	if err != nil || ans.Payment.ID != list[0].ID || ans.Payment.Status != PaymentSucceeded {
		t.Fatalf("repeat after reconciliation: %+v %v", ans, err)
	}
	if pf.provider.creates.Load() != 2 {
		t.Fatalf("%d creates: want 2 under one key (the first, reconciliation's; the repeat finds the payment settled)", pf.provider.creates.Load())
	}
	pf.provider.only(t)
}

func TestCanceledPaymentFreesTheCharge(t *testing.T) {
	pf := newPayFixture(t, 0)
	pf.owed(t)
	ctx := context.Background()
	ans, err := pf.pay.Pay(ctx, actor.Citizen("u1"), "k", PayRequest{Charges: []string{fineUIN}})
	if err != nil {
		t.Fatal(err)
	}
	pp := pf.provider.only(t)
	pf.provider.settle(pp.ID, ProviderCanceled)
	if err := pf.pay.Notify(ctx, notification(pp.ID)); err != nil {
		t.Fatal(err)
	}
	v, _ := pf.pay.Get(ctx, actor.Citizen("u1"), ans.Payment.ID)
	if v.Status != PaymentCanceled || v.CancelReason != "Недостаточно средств" {
		t.Fatalf("payment %+v", v)
	}
	if card, _ := pf.svc.Card(ctx, actor.Citizen("u1"), fineUIN); card.Status != StatusUnpaid {
		t.Fatalf("charge %s", card.Status)
	}
	if _, err := pf.pay.Pay(ctx, actor.Citizen("u1"), "k2", PayRequest{Charges: []string{fineUIN}}); err != nil {
		t.Fatalf("paying again: %v", err)
	}
}

func TestLargePaymentNeedsACode(t *testing.T) {
	pf := newPayFixture(t, 20000)
	pf.owed(t)
	ctx := context.Background()
	u1 := actor.Citizen("u1")
	if _, err := pf.pay.Pay(ctx, u1, "k", PayRequest{Charges: []string{fineUIN}}); problem.CodeOf(err) != "confirmation_required" {
		t.Fatalf("without a code: %v", err)
	}
	if _, total, err := pf.pay.StartConfirmation(ctx, u1, PayRequest{Charges: []string{fineUIN}}); err != nil || total != 25000 {
		t.Fatalf("start: %d %v", total, err)
	}
	if _, err := pf.pay.Pay(ctx, u1, "k", PayRequest{Charges: []string{fineUIN}, Code: "000000"}); problem.CodeOf(err) != "validation_failed" {
		t.Fatalf("wrong code: %v", err)
	}
	if _, err := pf.pay.Pay(ctx, u1, "k", PayRequest{Charges: []string{fineUIN}, Code: "123456"}); err != nil {
		t.Fatalf("with the code: %v", err)
	}
	if _, err := pf.pay.Pay(ctx, u1, "k", PayRequest{Charges: []string{fineUIN}}); problem.CodeOf(err) != "idempotency_key_reused" {
		t.Fatalf("the key with another body: %v", err)
	}
}

func TestPayRefusals(t *testing.T) {
	pf := newPayFixture(t, 0)
	pf.owed(t)
	ctx := context.Background()
	cases := []struct {
		who  actor.Actor
		key  string
		in   PayRequest
		code string
	}{
		{actor.Citizen("u1"), "", PayRequest{Charges: []string{fineUIN}}, "idempotency_key_required"},
		{actor.Citizen("u1"), "a b", PayRequest{Charges: []string{fineUIN}}, "idempotency_key_invalid"},
		{actor.Citizen("u1"), "k", PayRequest{}, "validation_failed"},
		{actor.Citizen("u1"), "k", PayRequest{Charges: []string{fineUIN, fineUIN}}, "validation_failed"},
		{actor.Citizen("u2"), "k", PayRequest{Charges: []string{fineUIN}}, "not_found"},
		{gibdd, "k", PayRequest{Charges: []string{fineUIN}}, "not_a_person"},
	}
	for _, c := range cases {
		if _, err := pf.pay.Pay(ctx, c.who, c.key, c.in); problem.CodeOf(err) != c.code {
			t.Errorf("%+v: %v, want %s", c, err, c.code)
		}
	}
	if pf.provider.creates.Load() != 0 {
		t.Fatal("a refused payment reached the provider")
	}
	// A refused request leaves the key free.
	if _, err := pf.pay.Pay(ctx, actor.Citizen("u1"), "k", PayRequest{Charges: []string{fineUIN}}); err != nil {
		t.Fatalf("the key after refusals: %v", err)
	}
}

// A payment the provider reports for another amount is left to an
// operator, whom only support sees.
func TestMismatchedPaymentIsFlaggedForSupport(t *testing.T) {
	pf := newPayFixture(t, 0)
	pf.owed(t)
	ctx := context.Background()
	ans, err := pf.pay.Pay(ctx, actor.Citizen("u1"), "k", PayRequest{Charges: []string{fineUIN}})
	if err != nil {
		t.Fatal(err)
	}
	pp := pf.provider.only(t)
	pf.provider.mu.Lock()
	pf.provider.byID[pp.ID].Amount++
	pf.provider.mu.Unlock()
	pf.provider.settle(pp.ID, ProviderSucceeded)
	if err := pf.pay.Notify(ctx, notification(pp.ID)); err != nil {
		t.Fatal(err)
	}
	if v, _ := pf.pay.Get(ctx, actor.Citizen("u1"), ans.Payment.ID); v.Status != PaymentPending {
		t.Fatalf("a mismatched payment was settled: %s", v.Status)
	}
	support := actor.Actor{Sub: "op", Groups: []string{actor.GroupSupport}}
	flagged, _, err := pf.pay.Flagged(ctx, support, "", 10)
	if err != nil || len(flagged) != 1 || flagged[0].ID != ans.Payment.ID || flagged[0].Flag == "" {
		t.Fatalf("flagged %+v %v", flagged, err)
	}
	for _, who := range []actor.Actor{actor.Citizen("u1"), {Sub: "o", Groups: []string{actor.GroupOfficers}, Department: "mvd"}, gibdd} {
		if _, _, err := pf.pay.Flagged(ctx, who, "", 10); !problem.Is(err, problem.KindForbidden) {
			t.Errorf("%+v sees flagged payments: %v", who, err)
		}
	}
	// Reconciliation leaves it alone.
	pf.clock.Advance(time.Hour)
	if st, err := pf.pay.Reconcile(ctx, 5*time.Minute, 24*time.Hour); err != nil || st.Checked != 0 {
		t.Fatalf("reconciled a flagged payment: %+v %v", st, err)
	}
}

// Payments made within one second keep their order in the history, and a
// period's bounds hold to the nanosecond.
func TestHistoryOrderWithinASecond(t *testing.T) {
	pf := newPayFixture(t, 0)
	ctx := context.Background()
	if _, err := pf.svc.AddVehicle(ctx, actor.Citizen("u1"), VehicleInput{Plate: "А123ВС77", Certificate: "77УЕ123456"}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 5 {
		uin := NewUIN("18810177", int64(100+i))
		if _, _, err := pf.svc.Post(ctx, gibdd, uin, fine(50000, Payer{VehicleCert: "77УЕ123456"})); err != nil {
			t.Fatal(err)
		}
		pf.clock.Advance(time.Millisecond)
		ans, err := pf.pay.Pay(ctx, actor.Citizen("u1"), fmt.Sprint("order-", i), PayRequest{Charges: []string{uin}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ans.Payment.ID)
	}
	list, _, err := pf.pay.List(ctx, actor.Citizen("u1"), PaymentFilter{}, "", 10)
	if err != nil || len(list) != 5 {
		t.Fatalf("%d payments %v", len(list), err)
	}
	for i, p := range list {
		if p.ID != ids[4-i] {
			t.Fatalf("history %d is %s, want %s (newest first)", i, p.ID, ids[4-i])
		}
	}
	day := time.Date(2026, 11, 25, 0, 0, 0, 0, clock.Moscow())
	if in, _, _ := pf.pay.List(ctx, actor.Citizen("u1"), PaymentFilter{From: day, To: day.AddDate(0, 0, 1)}, "", 10); len(in) != 5 {
		t.Fatalf("the day holds %d", len(in))
	}
	if in, _, _ := pf.pay.List(ctx, actor.Citizen("u1"), PaymentFilter{From: day.AddDate(0, 0, 1), To: day.AddDate(0, 0, 2)}, "", 10); len(in) != 0 {
		t.Fatalf("the next day holds %d", len(in))
	}
}
