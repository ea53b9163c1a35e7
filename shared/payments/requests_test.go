package payments

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/catalog"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
)

func TestAppealUntil(t *testing.T) {
	cases := []struct {
		name string
		b    Basis
		want string
	}{
		{"ten days from the resolution", Basis{Document: "resolution", Date: "2026-11-20"}, "2026-11-30"},
		{"from the delivery the agency posted", Basis{Document: "resolution", Date: "2026-11-20", Delivered: "2026-11-24"}, "2026-12-04"},
		{"a Saturday moves to Monday", Basis{Document: "resolution", Date: "2026-11-18"}, "2026-11-30"},
		{"over the new-year holidays", Basis{Document: "resolution", Date: "2026-12-25"}, "2027-01-11"},
		{"a tax notice is no resolution", Basis{Document: "notice", Date: "2026-11-20"}, ""},
	}
	for _, c := range cases {
		if got := AppealUntil(c.b); got != c.want {
			t.Errorf("%s: AppealUntil(%+v) = %q, want %q", c.name, c.b, got, c.want)
		}
	}
}

func TestKopecks(t *testing.T) {
	for in, want := range map[Kopecks]bool{"1": true, "150000": true, "0": false, "-5": false, "100.5": false, "1e3": false, "": false,
		"abc": false, "99999999999": false} {
		if _, ok := in.value(); ok != want {
			t.Errorf("Kopecks(%q).value() ok = %v, want %v", in, ok, want)
		}
	}
	for in, want := range map[any]bool{nil: true, 100.0: true, 100.5: false, -1.0: false, "200": true, " ": true, true: false} {
		if _, ok := formKopecks(in); ok != want {
			t.Errorf("formKopecks(%v) ok = %v, want %v", in, ok, want)
		}
	}
}

// request opens a request of u on the fine and commits it as an
// application would.
func (pf *payFixture) request(t testing.TB, sub, typ, app string, values map[string]any) (Opened, error) {
	t.Helper()
	kinds := map[string][]string{catalog.RequestAppeal: {KindFine}, catalog.RequestInstallment: {KindFine, KindTax},
		catalog.RequestRefund: {KindFine, KindDuty}}[typ]
	if values["uin"] == nil {
		values["uin"] = fineUIN
	}
	tx := &dynamo.Tx{}
	o, err := pf.svc.OpenRequestTx(context.Background(), tx, ChargeRequest{Type: typ, Kinds: kinds, Sub: sub, ApplicationID: app, Values: values}, pf.clock.Now())
	if err != nil {
		return o, err
	}
	return o, pf.db.Transact(context.Background(), "", tx)
}

// ref names a request the way an application does.
func ref(typ, app string, amount int64) RequestRef {
	return RequestRef{Type: typ, UIN: fineUIN, ApplicationID: app, Sub: "u1", Number: "2026-1125-000001", Amount: amount}
}

func (pf *payFixture) commit(t testing.TB, build func(tx *dynamo.Tx) error) {
	t.Helper()
	tx := &dynamo.Tx{}
	if err := build(tx); err != nil {
		t.Fatal(err)
	}
	if err := pf.db.Transact(context.Background(), "", tx); err != nil {
		t.Fatal(err)
	}
}

// payAll pays uins in one payment through the fake provider.
func (pf *payFixture) payAll(t testing.TB, sub, key string, uins ...string) {
	t.Helper()
	ctx := context.Background()
	ans, err := pf.pay.Pay(ctx, actor.Citizen(sub), key, PayRequest{Charges: uins})
	if err != nil {
		t.Fatal(err)
	}
	// The provider's idempotence key is the payment's id.
	id := pf.provider.byKeyID(ans.Payment.ID)
	pf.provider.settle(id, ProviderSucceeded)
	if err := pf.pay.Notify(ctx, notification(id)); err != nil {
		t.Fatal(err)
	}
}

func TestAppealMarksTheChargeOnceAndInItsWindow(t *testing.T) {
	pf := newPayFixture(t, 0)
	pf.owed(t)
	ctx := context.Background()
	if _, err := pf.request(t, "u1", catalog.RequestRefund, "a0", map[string]any{}); problem.CodeOf(err) != "validation_failed" {
		t.Fatalf("a refund of an unpaid fine: %v", err)
	}
	// Someone who found the fine by its УИН may pay it, not appeal it.
	if _, err := pf.svc.Lookup(ctx, actor.Citizen("u2"), fineUIN); err != nil {
		t.Fatal(err)
	}
	if _, err := pf.request(t, "u2", catalog.RequestAppeal, "a1", map[string]any{}); fieldCode(err) != "request.not_debtor" {
		t.Fatalf("an appeal by a payer for someone else: %v", err)
	}
	if _, err := pf.request(t, "u3", catalog.RequestAppeal, "a1", map[string]any{}); fieldCode(err) != "charge.not_found" {
		t.Fatalf("an appeal of a charge never seen: %v", err)
	}
	o, err := pf.request(t, "u1", catalog.RequestAppeal, "a1", map[string]any{})
	if err != nil || o.Department != "gibdd" || o.UIN != fineUIN {
		t.Fatalf("appeal: %+v %v", o, err)
	}
	card, _ := pf.svc.Card(ctx, actor.Citizen("u1"), fineUIN)
	if card.Request == nil || card.Request.Name != "обжалуется" || card.Request.ApplicationID != "a1" || card.Status != StatusUnpaid || card.AmountDue != 25000 {
		t.Fatalf("the card while appealed: %+v", card)
	}
	if other, _ := pf.svc.Card(ctx, actor.Citizen("u2"), fineUIN); other.Request == nil || other.Request.ApplicationID != "" {
		t.Fatalf("another holder's card: %+v", other.Request)
	}
	list, _, _ := pf.svc.List(ctx, actor.Citizen("u1"), ChargeFilter{}, "", 10)
	if len(list) != 1 || list[0].Request == nil || list[0].Request.Type != catalog.RequestAppeal {
		t.Fatalf("the list while appealed: %+v", list)
	}
	if _, err := pf.request(t, "u1", catalog.RequestInstallment, "a2", map[string]any{"parts": 2.0}); problem.CodeOf(err) != "request_open" {
		t.Fatalf("a second request while one is open: %v", err)
	}
	// Refused: the resolution stands, and is not appealed to the department again.
	var summary string
	pf.commit(t, func(tx *dynamo.Tx) (err error) {
		summary, err = pf.svc.CloseRequestTx(ctx, tx, ref(catalog.RequestAppeal, "a1", 0), OutcomeRejected, pf.clock.Now())
		return err
	})
	if summary == "" {
		t.Fatal("a refused appeal tells nothing")
	}
	if card, _ = pf.svc.Card(ctx, actor.Citizen("u1"), fineUIN); card.Request != nil || card.AppealOutcome != AppealKept {
		t.Fatalf("after the refusal: %+v", card)
	}
	if _, err := pf.request(t, "u1", catalog.RequestAppeal, "a3", map[string]any{}); problem.CodeOf(err) != "appeal_decided" {
		t.Fatalf("a second appeal: %v", err)
	}
}

func TestAppealAfterTheWindowIsRefused(t *testing.T) {
	pf := newPayFixture(t, 0)
	pf.owed(t)
	pf.clock.Set(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)) // the window ended on 30 November
	if _, err := pf.request(t, "u1", catalog.RequestAppeal, "a1", map[string]any{}); fieldCode(err) != "appeal.window" {
		t.Fatalf("a late appeal: %v", err)
	}
	if c, _, _ := pf.svc.charge(context.Background(), fineUIN); c.RequestOpen != "" || c.V != 2 {
		t.Fatalf("a refused appeal changed the charge: %+v", c.requestState)
	}
}

func TestAGrantedAppealCancelsTheFine(t *testing.T) {
	pf := newPayFixture(t, 0)
	pf.owed(t)
	ctx := context.Background()
	if _, err := pf.request(t, "u1", catalog.RequestAppeal, "a1", map[string]any{}); err != nil {
		t.Fatal(err)
	}
	if err := CheckDecision(catalog.RequestAppeal, &Decision{Schedule: []PartInput{{Amount: "1", Due: "2027-01-01"}}}); fieldCode(err) != "decision.schedule" {
		t.Fatalf("an appeal decided with a schedule: %v", err)
	}
	var d Decided
	pf.commit(t, func(tx *dynamo.Tx) (err error) {
		d, err = pf.svc.DecideRequestTx(ctx, tx, ref(catalog.RequestAppeal, "a1", 0), nil, pf.clock.Now())
		return err
	})
	card, _ := pf.svc.Card(ctx, actor.Citizen("u1"), fineUIN)
	if d.Outcome != AppealCancelled || card.Status != StatusCancelled || card.AppealOutcome != AppealCancelled || card.Request != nil {
		t.Fatalf("after the appeal: %+v %+v", d, card)
	}
	if _, err := pf.pay.Pay(ctx, actor.Citizen("u1"), "k", PayRequest{Charges: []string{fineUIN}}); problem.CodeOf(err) != "charge_cancelled" {
		t.Fatalf("paying a cancelled fine: %v", err)
	}
}

func fieldCode(err error) string {
	pe, ok := problem.As(err)
	if !ok || len(pe.Fields) == 0 {
		return problem.CodeOf(err)
	}
	return pe.Fields[0].Code
}

func TestInstallmentPlanIssuesItsPartsAndIsPaidByThem(t *testing.T) {
	pf := newPayFixture(t, 0)
	pf.owed(t) // 500 ₽, 250 ₽ with the discount today
	ctx := context.Background()
	u1 := actor.Citizen("u1")
	if _, err := pf.request(t, "u1", catalog.RequestInstallment, "a1", map[string]any{"parts": 4.0}); fieldCode(err) != "installment.parts" {
		t.Fatalf("four parts of a fine: %v", err)
	}
	if _, err := pf.request(t, "u1", catalog.RequestInstallment, "a1", map[string]any{"parts": 2.5}); fieldCode(err) != "installment.parts" {
		t.Fatalf("a fraction of parts: %v", err)
	}
	if _, err := pf.request(t, "u1", catalog.RequestInstallment, "a1", map[string]any{"parts": 3.0}); err != nil {
		t.Fatal(err)
	}
	decide := func(parts ...PartInput) (Decided, error) {
		tx := &dynamo.Tx{}
		d, err := pf.svc.DecideRequestTx(ctx, tx, ref(catalog.RequestInstallment, "a1", 0), &Decision{Schedule: parts}, pf.clock.Now())
		if err == nil {
			err = pf.db.Transact(ctx, "", tx)
		}
		return d, err
	}
	bad := []struct {
		name  string
		parts []PartInput
		code  string
	}{
		{"no schedule", nil, "schedule.required"},
		{"the discounted amount", []PartInput{{"12500", "2026-12-25"}, {"12500", "2027-01-25"}}, "schedule.sum"},
		{"a fraction of a kopeck", []PartInput{{"25000.5", "2026-12-25"}, {"24999.5", "2027-01-25"}}, "amount.kopecks"},
		{"a negative part", []PartInput{{"-100", "2026-12-25"}, {"50100", "2027-01-25"}}, "amount.kopecks"},
		{"dates out of order", []PartInput{{"25000", "2027-01-25"}, {"25000", "2026-12-25"}}, "schedule.order"},
		{"beyond three months", []PartInput{{"25000", "2026-12-25"}, {"25000", "2027-03-26"}}, "schedule.term"},
		{"one part", []PartInput{{"50000", "2026-12-25"}}, "schedule.parts"},
		{"a date that is no date", []PartInput{{"25000", "25.12.2026"}, {"25000", "2027-01-25"}}, "date.format"},
	}
	for _, b := range bad {
		if _, err := decide(b.parts...); !hasField(err, b.code) {
			t.Errorf("%s: %v, want %s", b.name, err, b.code)
		}
	}
	if c, _, _ := pf.svc.charge(ctx, fineUIN); c.Status != StatusUnpaid || c.Discount == nil || c.RequestOpen != "a1" {
		t.Fatalf("a refused schedule changed the charge: %+v", c)
	}
	d, err := decide(PartInput{"20000", "2026-12-25"}, PartInput{"20000", "2027-01-25"}, PartInput{"10000", "2027-02-25"})
	if err != nil || len(d.Schedule) != 3 {
		t.Fatalf("the plan: %+v %v", d, err)
	}
	card, _ := pf.svc.Card(ctx, u1, fineUIN)
	if card.Status != StatusInstallment || card.Discount != nil || card.AmountDue != 0 || card.Installment == nil || len(card.Installment.Schedule) != 3 {
		t.Fatalf("the fine in instalments: %+v", card)
	}
	if _, err := pf.pay.Pay(ctx, u1, "whole", PayRequest{Charges: []string{fineUIN}}); problem.CodeOf(err) != "charge_in_installment" {
		t.Fatalf("paying the fine in instalments whole: %v", err)
	}
	for i, p := range d.Schedule {
		part, err := pf.svc.Card(ctx, u1, p.UIN)
		if err != nil || part.Amount != p.Amount || part.Due != p.Due || part.Discount != nil || part.Kind != KindFine ||
			part.Installment == nil || part.Installment.PlanOf != fineUIN || part.Installment.Part != i+1 || part.Installment.Parts != 3 {
			t.Fatalf("part %d: %+v %v", i+1, part, err)
		}
		if _, err := ValidUIN("uin", p.UIN); err != nil || p.UIN[:8] != Agencies["gibdd"].UINPrefix {
			t.Fatalf("part %d's УИН %s: %v", i+1, p.UIN, err)
		}
		var r struct{ ID string }
		if err := pf.db.Get(ctx, dynamo.ReminderKey("u1", "charge-"+p.UIN+"-3d"), "reminder", &r); err != nil {
			t.Fatalf("part %d has no reminder: %v", i+1, err)
		}
	}
	var r struct{ ID string }
	if err := pf.db.Get(ctx, dynamo.ReminderKey("u1", "charge-"+fineUIN+"-3d"), "reminder", &r); !problem.Is(err, problem.KindNotFound) {
		t.Fatalf("the fine in instalments is still reminded of: %v", err)
	}
	pf.payAll(t, "u1", "part-1", d.Schedule[0].UIN)
	if card, _ = pf.svc.Card(ctx, u1, fineUIN); card.Status != StatusInstallment || card.PaidAmount != 20000 {
		t.Fatalf("after the first part: %+v", card)
	}
	// The last two parts in one payment: the fine is paid.
	pf.payAll(t, "u1", "parts-2-3", d.Schedule[1].UIN, d.Schedule[2].UIN)
	if card, _ = pf.svc.Card(ctx, u1, fineUIN); card.Status != StatusPaid || card.PaidAmount != 50000 || card.Installment.Schedule[2].Status != StatusPaid {
		t.Fatalf("after every part: %+v", card)
	}
	agency, _ := pf.svc.AgencyGet(ctx, gibdd, fineUIN)
	if agency.Status != StatusPaid || agency.PaidAmount != 50000 || len(agency.Installment) != 3 {
		t.Fatalf("the agency's view: %+v", agency)
	}
}

func hasField(err error, code string) bool {
	pe, ok := problem.As(err)
	if !ok {
		return false
	}
	for _, f := range pe.Fields {
		if f.Code == code {
			return true
		}
	}
	return false
}

// refundValues are a refund request's answers, as the form sends them.
func refundValues(amount any) map[string]any {
	return map[string]any{"reason": "Штраф уплачен повторно", "amount": amount, "bik": "044525225", "corrAccount": "30101810400000000225",
		"account": "40817810438000000001", "recipientSurname": "Иванов", "recipientName": "Иван", "recipientPatronymic": "Иванович"}
}

func TestRefundOnlyToThePayerAndNeverAboveWhatWasPaid(t *testing.T) {
	pf := newPayFixture(t, 0)
	pf.owed(t)
	ctx := context.Background()
	pf.payAll(t, "u1", "pay", fineUIN) // 250 ₽ with the discount
	if _, err := pf.svc.Lookup(ctx, actor.Citizen("u2"), fineUIN); err != nil {
		t.Fatal(err)
	}
	if _, err := pf.request(t, "u2", catalog.RequestRefund, "a0", refundValues(nil)); fieldCode(err) != "refund.not_payer" {
		t.Fatalf("a refund to someone who did not pay: %v", err)
	}
	bad := []struct {
		name  string
		edit  func(map[string]any)
		field string
		code  string
	}{
		{"above what was paid", func(v map[string]any) { v["amount"] = 25001.0 }, "values.amount", "refund.over_paid"},
		{"a fraction of a kopeck", func(v map[string]any) { v["amount"] = 100.5 }, "values.amount", "amount.kopecks"},
		{"negative", func(v map[string]any) { v["amount"] = -100.0 }, "values.amount", "amount.kopecks"},
		{"a BIK that is no bank's", func(v map[string]any) { v["bik"] = "123456789" }, "values.bik", "bik.format"},
		{"an account of another bank", func(v map[string]any) { v["bik"] = "044525974"; v["corrAccount"] = "30101810145250000974" }, "values.account", "account.checksum"},
		{"a correspondent account with a wrong key", func(v map[string]any) { v["corrAccount"] = "30101810500000000225" }, "values.corrAccount", "account.checksum"},
		{"to someone else", func(v map[string]any) { v["recipientSurname"] = "Петров" }, "values.recipientSurname", "refund.recipient"},
		{"a ground for duties", func(v map[string]any) {
			v["reason"] = "Заявление отозвано до рассмотрения"
		}, "values.reason", "refund.reason"},
	}
	for _, b := range bad {
		v := refundValues(nil)
		b.edit(v)
		_, err := pf.request(t, "u1", catalog.RequestRefund, "a1", v)
		if pe, ok := problem.As(err); !ok || !hasField(err, b.code) || pe.Fields[0].Field != b.field {
			t.Errorf("%s: %v, want %s on %s", b.name, err, b.code, b.field)
		}
	}
	o, err := pf.request(t, "u1", catalog.RequestRefund, "a1", refundValues(" "))
	if err != nil || o.Amount != 25000 || o.Reason != "duplicate" {
		t.Fatalf("the refund: %+v %v", o, err)
	}
	r := ref(catalog.RequestRefund, "a1", o.Amount)
	over := Kopecks("25001")
	if _, err := pf.svc.DecideRequestTx(ctx, &dynamo.Tx{}, r, &Decision{Amount: &over}, pf.clock.Now()); !hasField(err, "refund.over_asked") {
		t.Fatalf("approving more than asked: %v", err)
	}
	var d Decided
	part := Kopecks("20000")
	pf.commit(t, func(tx *dynamo.Tx) (err error) {
		d, err = pf.svc.DecideRequestTx(ctx, tx, r, &Decision{Amount: &part}, pf.clock.Now())
		return err
	})
	if d.Approved != 20000 {
		t.Fatalf("approved %+v", d)
	}
	today := Today(pf.clock.Now())
	for name, in := range map[string]PayoutInput{
		"another amount":      {OrderNumber: "123", OrderDate: today, Amount: "25000"},
		"a future date":       {OrderNumber: "123", OrderDate: "2030-01-01", Amount: "20000"},
		"before the decision": {OrderNumber: "123", OrderDate: "2026-11-01", Amount: "20000"},
		"no number":           {OrderNumber: "№", OrderDate: today, Amount: "20000"},
		"a fraction":          {OrderNumber: "123", OrderDate: today, Amount: "20000.5"},
	} {
		if _, err := CheckPayout("payout.", in, 20000, today, pf.clock.Now()); problem.CodeOf(err) != "validation_failed" {
			t.Errorf("payout with %s: %v", name, err)
		}
	}
	p, err := CheckPayout("payout.", PayoutInput{OrderNumber: "4815", OrderDate: today, Amount: "20000"}, 20000, today, pf.clock.Now())
	if err != nil || p.Summary() == "" {
		t.Fatalf("payout: %+v %v", p, err)
	}
	r.Approved = 20000
	pf.commit(t, func(tx *dynamo.Tx) error { return pf.svc.PayoutTx(ctx, tx, r, pf.clock.Now()) })
	card, _ := pf.svc.Card(ctx, actor.Citizen("u1"), fineUIN)
	if card.BudgetRefundedAmount != 20000 || card.Request != nil || card.Status != StatusPaid {
		t.Fatalf("after the payout: %+v", card)
	}
	// What is left may be asked for again, not a kopeck more.
	if _, err := pf.request(t, "u1", catalog.RequestRefund, "a2", refundValues(5001.0)); fieldCode(err) != "refund.over_paid" {
		t.Fatalf("a second refund above what is left: %v", err)
	}
	if o, err := pf.request(t, "u1", catalog.RequestRefund, "a2", refundValues(nil)); err != nil || o.Amount != 5000 {
		t.Fatalf("the rest: %+v %v", o, err)
	}
}

// Of requests sent at once for one charge, exactly one is open.
func TestConcurrentRequestsOpenOne(t *testing.T) {
	pf := newPayFixture(t, 0)
	pf.owed(t)
	const n = 12
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = pf.request(t, "u1", catalog.RequestAppeal, fmt.Sprintf("a%d", i), map[string]any{})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !problem.Is(err, problem.KindConflict):
			t.Errorf("unexpected %v", err)
		}
	}
	c, _, _ := pf.svc.charge(context.Background(), fineUIN)
	if ok != 1 || c.RequestOpen == "" {
		t.Fatalf("%d requests opened, the charge holds %q", ok, c.RequestOpen)
	}
}

// Two parts of a plan paid at once both count towards the charge they are
// of: its version orders the two settlements.
func TestPartsPaidAtOnceBothCount(t *testing.T) {
	pf := newPayFixture(t, 0)
	pf.owed(t)
	ctx := context.Background()
	if _, err := pf.request(t, "u1", catalog.RequestInstallment, "a1", map[string]any{"parts": 2.0}); err != nil {
		t.Fatal(err)
	}
	var d Decided
	pf.commit(t, func(tx *dynamo.Tx) (err error) {
		d, err = pf.svc.DecideRequestTx(ctx, tx, ref(catalog.RequestInstallment, "a1", 0),
			&Decision{Schedule: []PartInput{{"30000", "2026-12-25"}, {"20000", "2027-01-25"}}}, pf.clock.Now())
		return err
	})
	ids := make([]string, len(d.Schedule))
	for i, p := range d.Schedule {
		ans, err := pf.pay.Pay(ctx, actor.Citizen("u1"), "part-"+p.UIN, PayRequest{Charges: []string{p.UIN}})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = pf.provider.byKeyID(ans.Payment.ID)
		pf.provider.settle(ids[i], ProviderSucceeded)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(ids))
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = pf.pay.Notify(ctx, notification(id))
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	c, _, _ := pf.svc.charge(ctx, fineUIN)
	if c.Status != StatusPaid || c.paid() != 50000 {
		t.Fatalf("the charge after both parts: %s, %d paid", c.Status, c.paid())
	}
}
