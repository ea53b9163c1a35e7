package payments

import (
	"context"
	"fmt"
	"testing"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo/dynamotest"
)

// The DynamoDB round trips and CPU of the payments paths, in process.

func BenchmarkPostChargeForAHolder(b *testing.B) {
	db, calls := dynamotest.NewInProcess(b)
	f := newFixtureOn(b, db)
	ctx := context.Background()
	if _, err := f.svc.AddVehicle(ctx, actor.Citizen("u1"), VehicleInput{Plate: "А123ВС77", Certificate: "77УЕ123456"}); err != nil {
		b.Fatal(err)
	}
	calls.Reset()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, _, err := f.svc.Post(ctx, gibdd, NewUIN("18810177", int64(i)), fine(50000, Payer{VehicleCert: "77УЕ123456"})); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(calls.Calls())/float64(b.N), "ddb-calls/op")
}

func BenchmarkPostTheSameChargeAgain(b *testing.B) {
	db, calls := dynamotest.NewInProcess(b)
	f := newFixtureOn(b, db)
	ctx := context.Background()
	if _, _, err := f.svc.Post(ctx, gibdd, fineUIN, fine(50000, Payer{VehicleCert: "77УЕ123456"})); err != nil {
		b.Fatal(err)
	}
	calls.Reset()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := f.svc.Post(ctx, gibdd, fineUIN, fine(50000, Payer{VehicleCert: "77УЕ123456"})); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(calls.Calls())/float64(b.N), "ddb-calls/op")
}

func BenchmarkListCharges(b *testing.B) {
	db, calls := dynamotest.NewInProcess(b)
	f := newFixtureOn(b, db)
	ctx := context.Background()
	if _, err := f.svc.AddVehicle(ctx, actor.Citizen("u1"), VehicleInput{Plate: "А123ВС77", Certificate: "77УЕ123456"}); err != nil {
		b.Fatal(err)
	}
	for i := range 20 {
		if _, _, err := f.svc.Post(ctx, gibdd, NewUIN("18810177", int64(i)), fine(50000, Payer{VehicleCert: "77УЕ123456"})); err != nil {
			b.Fatal(err)
		}
	}
	calls.Reset()
	b.ReportAllocs()
	for b.Loop() {
		if list, _, err := f.svc.List(ctx, actor.Citizen("u1"), ChargeFilter{}, "", 20); err != nil || len(list) != 20 {
			b.Fatal(len(list), err)
		}
	}
	b.ReportMetric(float64(calls.Calls())/float64(b.N), "ddb-calls/op")
}

// A payment from the request to the provider's page, then its
// notification (settling, with the receipt), then the duplicate
// notification that changes nothing.
func BenchmarkPayAndSettle(b *testing.B) {
	db, calls := dynamotest.NewInProcess(b)
	pf := newPayFixtureOn(b, newFixtureOn(b, db), 0)
	ctx := context.Background()
	if _, err := pf.svc.AddVehicle(ctx, actor.Citizen("u1"), VehicleInput{Plate: "А123ВС77", Certificate: "77УЕ123456"}); err != nil {
		b.Fatal(err)
	}
	var pay, settle, again int64
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		uin := NewUIN("18810177", int64(i))
		if _, _, err := pf.svc.Post(ctx, gibdd, uin, fine(50000, Payer{VehicleCert: "77УЕ123456"})); err != nil {
			b.Fatal(err)
		}
		calls.Reset()
		ans, err := pf.pay.Pay(ctx, actor.Citizen("u1"), fmt.Sprint("k", i), PayRequest{Charges: []string{uin}})
		if err != nil {
			b.Fatal(err)
		}
		pay += calls.Calls()
		id := pf.provider.byKeyID(ans.Payment.ID)
		pf.provider.settle(id, ProviderSucceeded)
		calls.Reset()
		if err := pf.pay.Notify(ctx, notification(id)); err != nil {
			b.Fatal(err)
		}
		settle += calls.Calls()
		calls.Reset()
		if err := pf.pay.Notify(ctx, notification(id)); err != nil {
			b.Fatal(err)
		}
		again += calls.Calls()
	}
	n := float64(b.N)
	b.ReportMetric(float64(pay)/n, "pay-ddb-calls/op")
	b.ReportMetric(float64(settle)/n, "notify-ddb-calls/op")
	b.ReportMetric(float64(again)/n, "duplicate-notify-ddb-calls/op")
}
