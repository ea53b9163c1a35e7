package payments

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/problem"
)

// owedMany posts n fines of amount each for u1's vehicle.
func (pf *payFixture) owedMany(t *testing.T, n int, amount int64, partial bool) []string {
	t.Helper()
	ctx := context.Background()
	if _, err := pf.svc.AddVehicle(ctx, actor.Citizen("u1"), VehicleInput{Plate: "А123ВС77", Certificate: "77УЕ123456"}); err != nil &&
		problem.CodeOf(err) != "vehicle_exists" {
		t.Fatal(err)
	}
	var uins []string
	for i := range n {
		uin := NewUIN("18810177", int64(500+i))
		in := fine(amount, Payer{VehicleCert: "77УЕ123456"})
		in.Basis.Date = "2026-09-01" // long out of the discount's window
		in.PartialAllowed = partial
		if _, _, err := pf.svc.Post(ctx, gibdd, uin, in); err != nil {
			t.Fatal(err)
		}
		uins = append(uins, uin)
	}
	return uins
}

func TestLimitsRefuseAndTheirUseIsCounted(t *testing.T) {
	pf := newPayFixture(t, 0)
	pf.pay.d.Limits = Limits{PerPayment: 100000, PerDay: 150000, PerMonth: 1000000}
	uins := pf.owedMany(t, 4, 60000, false)
	ctx := context.Background()
	u1 := actor.Citizen("u1")
	if _, err := pf.pay.Pay(ctx, u1, "two", PayRequest{Charges: uins[:2]}); problem.CodeOf(err) != "payment_limit_exceeded" {
		t.Fatalf("over the per-payment limit: %v", err)
	}
	if _, err := pf.pay.Pay(ctx, u1, "a", PayRequest{Charges: uins[:1]}); err != nil {
		t.Fatal(err)
	}
	if _, err := pf.pay.Pay(ctx, u1, "b", PayRequest{Charges: uins[1:2]}); err != nil {
		t.Fatal(err)
	}
	_, err := pf.pay.Pay(ctx, u1, "c", PayRequest{Charges: uins[2:3]})
	pe, _ := problem.As(err)
	if problem.CodeOf(err) != "payment_limit_exceeded" || pe.Extensions["period"] != "day" || pe.Extensions["left"] != int64(30000) {
		t.Fatalf("over the day's limit: %v %+v", err, pe)
	}
	v, err := pf.pay.GetLimits(ctx, u1)
	if err != nil || v.UsedToday != 120000 || v.PerDay != 150000 {
		t.Fatalf("limits %+v %v", v, err)
	}
	// A canceled payment gives its amount back.
	for _, pp := range pf.provider.byID {
		pf.provider.settle(pp.ID, ProviderCanceled)
		if err := pf.pay.Notify(ctx, notification(pp.ID)); err != nil {
			t.Fatal(err)
		}
	}
	if v, _ := pf.pay.GetLimits(ctx, u1); v.UsedToday != 0 {
		t.Fatalf("after cancellations the day used %d", v.UsedToday)
	}
	// The person lowers their own; not above the portal's.
	if _, err := pf.pay.SetLimits(ctx, u1, Limits{PerDay: 200000}); problem.CodeOf(err) != "validation_failed" {
		t.Fatalf("raising above the portal's: %v", err)
	}
	if v, err := pf.pay.SetLimits(ctx, u1, Limits{PerPayment: 50000}); err != nil || v.PerPayment != 50000 || v.PerDay != 150000 {
		t.Fatalf("own limits %+v %v", v, err)
	}
	if _, err := pf.pay.Pay(ctx, u1, "d", PayRequest{Charges: uins[3:]}); problem.CodeOf(err) != "payment_limit_exceeded" {
		t.Fatalf("over the person's own limit: %v", err)
	}
}

// Concurrent payments never pass the day's limit together.
func TestDayLimitHoldsUnderConcurrency(t *testing.T) {
	pf := newPayFixture(t, 0)
	pf.pay.d.Limits = Limits{PerDay: 150000}
	uins := pf.owedMany(t, 5, 60000, false)
	var wg sync.WaitGroup
	var ok atomic.Int64
	for i, uin := range uins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := pf.pay.Pay(context.Background(), actor.Citizen("u1"), fmt.Sprint("k", i), PayRequest{Charges: []string{uin}})
			switch {
			case err == nil:
				ok.Add(1)
			case problem.CodeOf(err) != "payment_limit_exceeded" && !problem.Is(err, problem.KindConflict) && !problem.Is(err, problem.KindUnavailable):
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := ok.Load(); n > 2 {
		t.Fatalf("%d payments of 600 ₽ passed a day's limit of 1 500 ₽", n)
	}
	if v, _ := pf.pay.GetLimits(context.Background(), actor.Citizen("u1")); v.UsedToday > 150000 {
		t.Fatalf("the day used %d", v.UsedToday)
	}
}

// A charge its agency lets be paid in parts ends paid after two parts,
// each receipted; one above the provider's maximum must be split.
func TestPartsOfACharge(t *testing.T) {
	pf := newPayFixture(t, 0)
	pf.pay.d.ProviderMax = 100000
	uins := pf.owedMany(t, 2, 150000, false)
	ctx := context.Background()
	u1 := actor.Citizen("u1")
	whole, parts := uins[0], uins[1]
	if _, err := pf.pay.Pay(ctx, u1, "w", PayRequest{Charges: []string{whole}}); problem.CodeOf(err) != "payment_over_provider_max" {
		t.Fatalf("a payment above the provider's maximum: %v", err)
	}
	settle := func(key string, amount int64) {
		t.Helper()
		ans, err := pf.pay.Pay(ctx, u1, key, PayRequest{Charges: []string{parts}, Amounts: map[string]int64{parts: amount}})
		if err != nil {
			t.Fatal(err)
		}
		id := pf.provider.byKeyID(ans.Payment.ID)
		pf.provider.settle(id, ProviderSucceeded)
		if err := pf.pay.Notify(ctx, notification(id)); err != nil {
			t.Fatal(err)
		}
	}
	settle("p1", 100000)
	card, _ := pf.svc.Card(ctx, u1, parts)
	if card.Status != StatusPartly || card.AmountDue != 50000 || card.PaidAmount != 100000 {
		t.Fatalf("after the first part: %+v", card)
	}
	if _, err := pf.pay.Pay(ctx, u1, "p2", PayRequest{Charges: []string{parts}, Amounts: map[string]int64{parts: 60000}}); problem.CodeOf(err) != "validation_failed" {
		t.Fatalf("more than is left: %v", err)
	}
	settle("p3", 50000)
	card, _ = pf.svc.Card(ctx, u1, parts)
	if card.Status != StatusPaid || card.AmountDue != 0 {
		t.Fatalf("after the second part: %+v", card)
	}
	if n := pf.objects.Len(); n != 2 {
		t.Fatalf("%d receipts for two parts", n)
	}
}

func TestPartsOnlyWhereAllowed(t *testing.T) {
	pf := newPayFixture(t, 0)
	pf.owed(t) // a fine in its discount's window
	extra := pf.owedMany(t, 1, 40000, false)
	ctx := context.Background()
	u1 := actor.Citizen("u1")
	cases := map[string]PayRequest{
		"payment.partial_discount":      {Charges: []string{fineUIN}, Amounts: map[string]int64{fineUIN: 1000}},
		"payment.partial_not_allowed":   {Charges: extra, Amounts: map[string]int64{extra[0]: 1000}},
		"payment.amount_unknown_charge": {Charges: extra, Amounts: map[string]int64{fineUIN: 1000}},
		"payment.amount":                {Charges: extra, Amounts: map[string]int64{extra[0]: -5}},
	}
	for code, in := range cases {
		_, err := pf.pay.Pay(ctx, u1, "k-"+code, in)
		pe, _ := problem.As(err)
		if pe == nil || len(pe.Fields) != 1 || pe.Fields[0].Code != code {
			t.Errorf("%s: %v", code, err)
		}
	}
}
