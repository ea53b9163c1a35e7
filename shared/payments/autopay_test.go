package payments

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/problem"
)

// cards is the fake acquirer with saved cards, as ЮKassa keeps them: a
// payment created with SavePaymentMethod and Hold saves the card the payer
// enters (enter) and holds the money until Cancel; a payment naming a
// saved card is charged at once, or declined.
type cards struct {
	*provider
	saved   map[string]string // method id → active, expired, revoked
	decline string
	charges atomic.Int64
	cancels atomic.Int64
}

func newCards() *cards { return &cards{provider: newProvider(), saved: map[string]string{}} }

func (c *cards) Create(ctx context.Context, n NewPayment) (ProviderPayment, error) {
	if n.PaymentMethodID == "" {
		return c.provider.Create(ctx, n)
	}
	c.creates.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if pp, ok := c.byKey[n.IdempotenceKey]; ok {
		return *pp, nil
	}
	state, ok := c.saved[n.PaymentMethodID]
	if !ok {
		return ProviderPayment{}, problem.Invalid(problem.Field{Field: "payment_method_id", Code: "invalid"})
	}
	id := fmt.Sprintf("pp-%d", len(c.byID)+1)
	pp := &ProviderPayment{ID: id, Amount: n.Amount, Test: true, Metadata: n.Metadata, CreatedAt: time.Now(),
		PaymentMethod: ProviderPaymentMethod{ID: n.PaymentMethodID, Saved: true, Type: "bank_card"}}
	reason := map[string]string{"expired": "card_expired", "revoked": "permission_revoked"}[state]
	if reason == "" {
		reason, c.decline = c.decline, ""
	}
	if reason != "" {
		pp.Status, pp.CancellationParty, pp.CancellationReason = ProviderCanceled, "payment_network", reason
	} else {
		pp.Status, pp.Paid, pp.CapturedAt = ProviderSucceeded, true, time.Date(2026, 11, 26, 7, 0, 1, 0, time.UTC)
	}
	c.byKey[n.IdempotenceKey], c.byID[id] = pp, pp
	c.charges.Add(1)
	return *pp, nil
}

func (c *cards) Cancel(_ context.Context, id, _ string) (ProviderPayment, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	pp, ok := c.byID[id]
	if !ok || pp.Status != ProviderWaitingForCapture {
		return ProviderPayment{}, problem.New(problem.KindInvalid, "payment_refused", "not held")
	}
	c.cancels.Add(1)
	pp.Status, pp.Paid, pp.CancellationParty, pp.CancellationReason = ProviderCanceled, false, "merchant", "canceled_by_merchant"
	return *pp, nil
}

// enter is the payer entering a card on the page of the payment made
// under key: the money is held, the card saved under the payment's id.
func (c *cards) enter(key string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	pp := c.byKey[key]
	pp.Status, pp.Paid = ProviderWaitingForCapture, true
	pp.PaymentMethod = ProviderPaymentMethod{ID: pp.ID, Saved: true, Type: "bank_card", Title: "Bank card *4444",
		Card: ProviderCard{First6: "555555", Last4: "4444", ExpiryMonth: 12, ExpiryYear: 2029, CardType: "MasterCard"}}
	c.saved[pp.ID] = "active"
	return pp.ID
}

// sealer is a fake of vault/kmsseal: base64 bound to its context.
type sealer struct{}

func (sealer) Seal(_ context.Context, b []byte, c map[string]string) (string, error) {
	return "sealed:" + c["user"] + ":" + c["field"] + ":" + base64.StdEncoding.EncodeToString(b), nil
}

func (sealer) Open(_ context.Context, s string, c map[string]string) ([]byte, error) {
	prefix := "sealed:" + c["user"] + ":" + c["field"] + ":"
	if !strings.HasPrefix(s, prefix) {
		return nil, fmt.Errorf("wrong context")
	}
	return base64.StdEncoding.DecodeString(strings.TrimPrefix(s, prefix))
}

type autoFixture struct {
	*payFixture
	cards    *cards
	methods  *Methods
	autopays *Autopays
}

func newAutoFixture(t *testing.T) *autoFixture {
	t.Helper()
	pf := newPayFixture(t, 1_500_000)
	af := &autoFixture{payFixture: pf, cards: newCards()}
	d := pf.pay.d
	d.Provider, d.Sealer = af.cards, sealer{}
	var err error
	if pf.pay, err = NewPayments(d); err != nil {
		t.Fatal(err)
	}
	if af.methods, err = NewMethods(d); err != nil {
		t.Fatal(err)
	}
	if af.autopays, err = NewAutopays(d); err != nil {
		t.Fatal(err)
	}
	return af
}

// linkCard links a card of sub through the whole flow.
func (af *autoFixture) linkCard(t *testing.T, sub string) MethodView {
	t.Helper()
	ctx := context.Background()
	a := actor.Citizen(sub)
	m, err := af.methods.Link(ctx, a)
	if err != nil || m.Status != MethodAwaitingCard || m.ConfirmationURL == "" {
		t.Fatalf("link = %+v %v", m, err)
	}
	if _, err := af.methods.Confirm(ctx, a, m.ID, "123456"); problem.CodeOf(err) != "payment_method_awaiting_card" {
		t.Fatalf("confirm before the card = %v", err)
	}
	ppID := af.cards.enter("card-" + m.ID)
	body := `{"type":"notification","event":"payment.waiting_for_capture","object":{"id":"` + ppID + `"}}`
	for range 2 {
		if err := af.pay.Notify(ctx, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := af.methods.Get(ctx, a, m.ID)
	if err != nil || got.Status != MethodAwaitingCode || got.Card != "MasterCard •••• 4444" || got.Expiry != "12/2029" {
		t.Fatalf("after the page = %+v %v", got, err)
	}
	if af.cards.cancels.Load() == 0 {
		t.Fatal("the verification hold was not released")
	}
	if _, err := af.methods.StartConfirmation(ctx, a, m.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := af.methods.Confirm(ctx, a, m.ID, "000000"); !problem.Is(err, problem.KindInvalid) {
		t.Fatalf("a wrong code = %v", err)
	}
	if got, err = af.methods.Confirm(ctx, a, m.ID, "123456"); err != nil || got.Status != MethodActive {
		t.Fatalf("confirm = %+v %v", got, err)
	}
	return got
}

func noteTypes(t *testing.T, af *autoFixture, sub string) map[string]int {
	t.Helper()
	types := map[string]int{}
	for _, n := range notes(t, af.db, sub) {
		types[n.Type]++
	}
	return types
}

// A card is linked through the provider and a code; the table keeps only
// its mask in the clear; it pays without the page; another person's card
// id and a made-up one are refused naming the field; unlinked, it pays
// nothing.
func TestLinkedCardPays(t *testing.T) {
	af := newAutoFixture(t)
	af.owed(t)
	ctx := context.Background()
	u1 := actor.Citizen("u1")
	card := af.linkCard(t, "u1")
	var raw map[string]any
	if err := af.db.Get(ctx, dynamo.PaymentMethodKey("u1", card.ID), "card", &raw); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(raw)
	for id := range af.cards.saved {
		if strings.Contains(string(b), id) {
			t.Fatalf("the provider's id is stored in the clear: %s", b)
		}
	}
	if types := noteTypes(t, af, "u1"); types[messages.CardLinked] != 1 {
		t.Fatalf("notes %v", types)
	}
	other := af.linkCard(t, "u2")
	for _, id := range []string{other.ID, "AAAAAAAAAAAA", "x"} {
		_, err := af.pay.Pay(ctx, u1, "k-"+id, PayRequest{Charges: []string{fineUIN}, PaymentMethod: id})
		if pe, ok := problem.As(err); !ok || pe.Kind != problem.KindInvalid || len(pe.Fields) != 1 || pe.Fields[0].Field != "paymentMethod" {
			t.Fatalf("paying with %s = %v", id, err)
		}
	}
	if c, _ := af.svc.Card(ctx, u1, fineUIN); c.Status != StatusUnpaid {
		t.Fatalf("a refused card changed the charge: %s", c.Status)
	}
	ans, err := af.pay.Pay(ctx, u1, "by-card", PayRequest{Charges: []string{fineUIN}, PaymentMethod: card.ID})
	if err != nil || ans.Payment.Status != PaymentSucceeded || ans.Payment.Card != card.Card || ans.Payment.ConfirmationURL != "" {
		t.Fatalf("pay by card = %+v %v", ans, err)
	}
	if err := af.methods.Unlink(ctx, u1, card.ID); err != nil {
		t.Fatal(err)
	}
	if err := af.methods.Unlink(ctx, u1, card.ID); !problem.Is(err, problem.KindNotFound) {
		t.Fatalf("unlink twice = %v", err)
	}
	list, _ := af.methods.List(ctx, u1)
	if len(list) != 0 {
		t.Fatalf("an unlinked card is listed: %+v", list)
	}
	_, err = af.pay.Pay(ctx, u1, "unlinked", PayRequest{Charges: []string{fineUIN}, PaymentMethod: card.ID})
	if problem.CodeOf(err) != "validation_failed" || !strings.Contains(fmt.Sprint(problem.FieldNames(err)), "paymentMethod") {
		t.Fatalf("an unlinked card = %v", err)
	}
	if types := noteTypes(t, af, "u1"); types[messages.CardUnlinked] != 1 {
		t.Fatalf("notes %v", types)
	}
}

// utilityFor adds a utility account of sub and a rule paying its bills
// with card.
func (af *autoFixture) utilityRule(t *testing.T, sub, account, card string, perCharge, perMonth int64) (UtilityAccountView, AutopayRule) {
	t.Helper()
	ctx := context.Background()
	a := actor.Citizen(sub)
	u, err := af.svc.AddUtilityAccount(ctx, a, UtilityAccountInput{UtilityAccount: UtilityAccount{Provider: "eirc", Account: account}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := af.autopays.CreateRule(ctx, a, AutopayRuleInput{UtilityAccount: u.ID, PaymentMethod: card,
		MaxPerCharge: json.Number(fmt.Sprint(perCharge)), MaxPerMonth: json.Number(fmt.Sprint(perMonth))})
	if err != nil {
		t.Fatal(err)
	}
	return u, r
}

var utility = actor.Agency("utility", "client-utility")

func bill(account string, amount int64) ChargeInput {
	return ChargeInput{Kind: KindUtility, Purpose: "ЖКУ за октябрь 2026", Amount: amount,
		Basis: Basis{Document: "invoice", Number: "ЕПД 10.2026", Date: "2026-11-20"}, Due: "2026-12-10",
		Payer: Payer{Utility: &UtilityAccount{Provider: "eirc", Account: account}}}
}

func (af *autoFixture) runTwice(t *testing.T) {
	t.Helper()
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := af.autopays.Run(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

// A bill for the account posted twice gets one autopay with its notice;
// before tomorrow nothing is paid; two overlapping runs pay it once; a
// second bill over the month's maximum fails visibly with a note.
func TestAutopayPaysABillOnce(t *testing.T) {
	af := newAutoFixture(t)
	ctx := context.Background()
	card := af.linkCard(t, "u1")
	_, rule := af.utilityRule(t, "u1", "4001234567", card.ID, 600000, 700000)
	uin := NewUIN("00000000", 1)
	for range 2 {
		if _, _, err := af.svc.Post(ctx, utility, uin, bill("4001234567", 543210)); err != nil {
			t.Fatal(err)
		}
	}
	list, _, err := af.autopays.List(ctx, actor.Citizen("u1"), "", 10)
	if err != nil || len(list) != 1 || list[0].Status != AutopayScheduled || list[0].Amount != 543210 || list[0].Rule != rule.ID {
		t.Fatalf("autopays %+v %v", list, err)
	}
	types := noteTypes(t, af, "u1")
	if types[messages.AutopayScheduled] != 1 || types[messages.ChargeIssued] != 0 {
		t.Fatalf("notes %v", types)
	}
	af.runTwice(t)
	if n := af.cards.charges.Load(); n != 0 {
		t.Fatalf("paid %d times before its day", n)
	}
	af.clock.Advance(26 * time.Hour)
	af.runTwice(t)
	af.runTwice(t)
	if n := af.cards.charges.Load(); n != 1 {
		t.Fatalf("paid %d times", n)
	}
	list, _, _ = af.autopays.List(ctx, actor.Citizen("u1"), "", 10)
	if list[0].Status != AutopayPaid || list[0].PaymentID == "" {
		t.Fatalf("autopay after the run: %+v", list[0])
	}
	if c, _ := af.svc.Card(ctx, actor.Citizen("u1"), uin); c.Status != StatusPaid {
		t.Fatalf("the bill is %s", c.Status)
	}
	rules, _ := af.autopays.Rules(ctx, actor.Citizen("u1"))
	if rules[0].UsedThisMonth != 543210 {
		t.Fatalf("rule %+v", rules[0])
	}
	entries, _, _ := af.pay.d.Journal.List(ctx, "u1", journal.Filter{}, "", 20)
	found := false
	for _, e := range entries {
		found = found || (strings.HasPrefix(e.Summary, "Автоплатёж: 5") && strings.Contains(e.Summary, uin) && e.Actor == journal.ActorSystem)
	}
	if !found {
		t.Fatalf("no journal entry of the autopay: %+v", entries)
	}

	// The next bill would go over the month's 7 000 ₽.
	next := NewUIN("00000000", 2)
	if _, _, err := af.svc.Post(ctx, utility, next, bill("4001234567", 200000)); err != nil {
		t.Fatal(err)
	}
	af.clock.Advance(26 * time.Hour)
	af.runTwice(t)
	var it autopayItem
	if err := af.db.Get(ctx, dynamo.AutopayKey("u1", next), "a", &it); err != nil || it.Status != AutopayFailed || !strings.Contains(it.Reason, "в месяц") {
		t.Fatalf("over the month = %+v %v", it, err)
	}
	if types := noteTypes(t, af, "u1"); types[messages.AutopayFailed] != 1 {
		t.Fatalf("notes %v", types)
	}
	if n := af.cards.charges.Load(); n != 1 {
		t.Fatalf("paid %d times", n)
	}
}

// A cancelled rule pays nothing; one autopay cancelled alone leaves the
// charge to pay by hand; a declined card ends the autopay failed with the
// bank's reason and gives the month back.
func TestCancelledAndDeclinedAutopays(t *testing.T) {
	af := newAutoFixture(t)
	ctx := context.Background()
	u1 := actor.Citizen("u1")
	card := af.linkCard(t, "u1")
	_, rule := af.utilityRule(t, "u1", "4001234567", card.ID, 600000, 1_000_000)
	first, second, third := NewUIN("00000000", 11), NewUIN("00000000", 12), NewUIN("00000000", 13)
	for _, u := range []string{first, second} {
		if _, _, err := af.svc.Post(ctx, utility, u, bill("4001234567", 10000)); err != nil {
			t.Fatal(err)
		}
	}
	if a, err := af.autopays.Cancel(ctx, u1, first); err != nil || a.Status != AutopayCancelled {
		t.Fatalf("cancel one = %+v %v", a, err)
	}
	if _, err := af.autopays.Cancel(ctx, actor.Citizen("u2"), second); !problem.Is(err, problem.KindNotFound) {
		t.Fatalf("another person cancels = %v", err)
	}
	af.cards.decline = "insufficient_funds"
	af.clock.Advance(26 * time.Hour)
	af.runTwice(t)
	var it autopayItem
	_ = af.db.Get(ctx, dynamo.AutopayKey("u1", second), "a", &it)
	if it.Status != AutopayFailed || it.Reason != "Недостаточно средств" {
		t.Fatalf("declined = %+v", it)
	}
	if c, _ := af.svc.Card(ctx, u1, second); c.Status != StatusUnpaid {
		t.Fatalf("a declined bill is %s", c.Status)
	}
	if c, _ := af.svc.Card(ctx, u1, first); c.Status != StatusUnpaid {
		t.Fatalf("a cancelled autopay's bill is %s", c.Status)
	}
	if rules, _ := af.autopays.Rules(ctx, u1); rules[0].UsedThisMonth != 0 {
		t.Fatalf("a declined payment counts: %+v", rules[0])
	}
	if types := noteTypes(t, af, "u1"); types[messages.AutopayFailed] != 1 {
		t.Fatalf("notes %v", types)
	}

	if _, _, err := af.svc.Post(ctx, utility, third, bill("4001234567", 10000)); err != nil {
		t.Fatal(err)
	}
	if r, err := af.autopays.CancelRule(ctx, u1, rule.ID); err != nil || r.Status != RuleCancelled {
		t.Fatalf("cancel the rule = %+v %v", r, err)
	}
	_ = af.db.Get(ctx, dynamo.AutopayKey("u1", third), "a", &it)
	if it.Status != AutopayCancelled {
		t.Fatalf("the cancelled rule's autopay is %s", it.Status)
	}
	af.clock.Advance(26 * time.Hour)
	af.runTwice(t)
	if n := af.cards.charges.Load(); n != 1 {
		t.Fatalf("%d charges, want the one declined", n)
	}
}

// Bad rules are refused naming the field, and nothing is made.
func TestRuleRefusals(t *testing.T) {
	af := newAutoFixture(t)
	ctx := context.Background()
	u1 := actor.Citizen("u1")
	card := af.linkCard(t, "u1")
	theirs := af.linkCard(t, "u2")
	u2acc, err := af.svc.AddUtilityAccount(ctx, actor.Citizen("u2"), UtilityAccountInput{UtilityAccount: UtilityAccount{Provider: "eirc", Account: "4009999999"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		in    AutopayRuleInput
		field string
	}{
		{"negative", AutopayRuleInput{Kind: KindFine, PaymentMethod: card.ID, MaxPerCharge: "-1", MaxPerMonth: "100"}, "maxPerCharge"},
		{"fraction", AutopayRuleInput{Kind: KindFine, PaymentMethod: card.ID, MaxPerCharge: "100", MaxPerMonth: "100.5"}, "maxPerMonth"},
		{"above the code", AutopayRuleInput{Kind: KindFine, PaymentMethod: card.ID, MaxPerCharge: "1500001", MaxPerMonth: "2000000"}, "maxPerCharge"},
		{"month below charge", AutopayRuleInput{Kind: KindFine, PaymentMethod: card.ID, MaxPerCharge: "1000", MaxPerMonth: "500"}, "maxPerMonth"},
		{"unknown kind", AutopayRuleInput{Kind: "lottery", PaymentMethod: card.ID, MaxPerCharge: "100", MaxPerMonth: "100"}, "kind"},
		{"unknown agency", AutopayRuleInput{Agency: "nasa", PaymentMethod: card.ID, MaxPerCharge: "100", MaxPerMonth: "100"}, "agency"},
		{"two scopes", AutopayRuleInput{Kind: KindFine, Agency: "gibdd", PaymentMethod: card.ID, MaxPerCharge: "100", MaxPerMonth: "100"}, "kind"},
		{"another's account", AutopayRuleInput{UtilityAccount: u2acc.ID, PaymentMethod: card.ID, MaxPerCharge: "100", MaxPerMonth: "100"}, "utilityAccount"},
		{"another's card", AutopayRuleInput{Kind: KindFine, PaymentMethod: theirs.ID, MaxPerCharge: "100", MaxPerMonth: "100"}, "paymentMethod"},
		{"a made-up card", AutopayRuleInput{Kind: KindFine, PaymentMethod: "AAAAAAAAAAAA", MaxPerCharge: "100", MaxPerMonth: "100"}, "paymentMethod"},
	} {
		_, err := af.autopays.CreateRule(ctx, u1, c.in)
		if !problem.Is(err, problem.KindInvalid) || !strings.Contains(fmt.Sprint(problem.FieldNames(err)), c.field) {
			t.Errorf("%s: %v (fields %v), want %s", c.name, err, problem.FieldNames(err), c.field)
		}
	}
	if rules, _ := af.autopays.Rules(ctx, u1); len(rules) != 0 {
		t.Fatalf("refused rules were made: %+v", rules)
	}
	ok := AutopayRuleInput{Kind: KindFine, PaymentMethod: card.ID, MaxPerCharge: "100000", MaxPerMonth: "100000"}
	if _, err := af.autopays.CreateRule(ctx, u1, ok); err != nil {
		t.Fatal(err)
	}
	if _, err := af.autopays.CreateRule(ctx, u1, ok); problem.CodeOf(err) != "autopay_rule_exists" {
		t.Fatalf("the same rule twice = %v", err)
	}
}

// Concurrent autopays of one rule never go over its month: the sum is a
// condition of each payment's own transaction.
func TestRuleMonthHoldsUnderConcurrency(t *testing.T) {
	af := newAutoFixture(t)
	ctx := context.Background()
	card := af.linkCard(t, "u1")
	af.utilityRule(t, "u1", "4001234567", card.ID, 100000, 250000)
	var uins []string
	for i := range 6 {
		u := NewUIN("00000000", int64(100+i))
		uins = append(uins, u)
		if _, _, err := af.svc.Post(ctx, utility, u, bill("4001234567", 100000)); err != nil {
			t.Fatal(err)
		}
	}
	af.clock.Advance(26 * time.Hour)
	var wg sync.WaitGroup
	for _, u := range uins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := af.autopays.process(ctx, "u1", u, af.clock.Now()); err != nil {
				t.Log(err)
			}
		}()
	}
	wg.Wait()
	af.runTwice(t) // whatever lost a race and waits
	af.clock.Advance(5 * time.Minute)
	af.runTwice(t)
	paid := 0
	for _, u := range uins {
		var it autopayItem
		_ = af.db.Get(ctx, dynamo.AutopayKey("u1", u), "a", &it)
		if it.Status == AutopayPaid {
			paid++
		}
	}
	if paid != 2 || af.cards.charges.Load() != 2 {
		t.Fatalf("%d paid, %d charged: the month allows 2", paid, af.cards.charges.Load())
	}
}

// A card the bank says expired, or whose permission the payer withdrew,
// ends the payment canceled and is no longer usable, saying why.
func TestEndedCardSaysSo(t *testing.T) {
	for state, code := range map[string]string{"revoked": "payment_method.revoked", "expired": "payment_method.expired"} {
		t.Run(state, func(t *testing.T) {
			af := newAutoFixture(t)
			af.owed(t)
			ctx := context.Background()
			u1 := actor.Citizen("u1")
			card := af.linkCard(t, "u1")
			for id := range af.cards.saved {
				af.cards.saved[id] = state
			}
			ans, err := af.pay.Pay(ctx, u1, "k1", PayRequest{Charges: []string{fineUIN}, PaymentMethod: card.ID})
			if err != nil || ans.Payment.Status != PaymentCanceled {
				t.Fatalf("pay = %+v %v", ans, err)
			}
			got, _ := af.methods.Get(ctx, u1, card.ID)
			if got.Status != state {
				t.Fatalf("card = %+v", got)
			}
			_, err = af.pay.Pay(ctx, u1, "k2", PayRequest{Charges: []string{fineUIN}, PaymentMethod: card.ID})
			if pe, ok := problem.As(err); !ok || len(pe.Fields) != 1 || pe.Fields[0].Code != code {
				t.Fatalf("pay again = %v", err)
			}
		})
	}
}

// The person's own payment limits hold for autopays too: one over the
// day's limit ends failed, naming the limit.
func TestAutopayKeepsThePersonsLimits(t *testing.T) {
	af := newAutoFixture(t)
	ctx := context.Background()
	u1 := actor.Citizen("u1")
	card := af.linkCard(t, "u1")
	af.utilityRule(t, "u1", "4001234567", card.ID, 600000, 1_000_000)
	if _, err := af.pay.SetLimits(ctx, u1, Limits{PerDay: 50000}); err != nil {
		t.Fatal(err)
	}
	uin := NewUIN("00000000", 21)
	if _, _, err := af.svc.Post(ctx, utility, uin, bill("4001234567", 60000)); err != nil {
		t.Fatal(err)
	}
	af.clock.Advance(26 * time.Hour)
	af.runTwice(t)
	var it autopayItem
	_ = af.db.Get(ctx, dynamo.AutopayKey("u1", uin), "a", &it)
	if it.Status != AutopayFailed || !strings.Contains(it.Reason, "лимит в день") || af.cards.charges.Load() != 0 {
		t.Fatalf("over the day's limit = %+v, %d charges", it, af.cards.charges.Load())
	}
	if v, _ := af.pay.GetLimits(ctx, u1); v.UsedToday != 0 {
		t.Fatalf("a refused autopay counts: %+v", v)
	}
}
