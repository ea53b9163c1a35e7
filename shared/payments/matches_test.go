package payments

import (
	"context"
	"fmt"
	"testing"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/actor"
)

// An agency's charge matched to a person by an identifier they hold is in
// their access log (who, which identifier's category, the УИН); a person
// looking a charge up by УИН is no agency's read.
func TestAMatchIsInTheAccessLog(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	log := &accesslog.Log{DB: f.db, Key: accesslog.StaticKey(make([]byte, 32)), Clock: f.clock}
	f.svc.d.Reads = log
	if _, err := f.svc.AddVehicle(ctx, actor.Citizen("u1"), VehicleInput{Plate: "a123bc77", Certificate: "77 УЕ 123456"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Post(ctx, gibdd, fineUIN, fine(50000, Payer{VehicleCert: "77УЕ123456"})); err != nil {
		t.Fatal(err)
	}
	// Posted again: the same link, no second read.
	if _, _, err := f.svc.Post(ctx, gibdd, fineUIN, fine(50000, Payer{VehicleCert: "77УЕ123456"})); err != nil {
		t.Fatal(err)
	}
	entries, err := log.All(ctx, "u1", accesslog.Filter{})
	if err != nil || len(entries) != 1 {
		t.Fatalf("u1's access log = %+v, %v", entries, err)
	}
	if e := entries[0]; e.Role != "agency" || e.OrganisationCode != "gibdd" || e.Organisation != Agencies["gibdd"].Title ||
		fmt.Sprint(e.Categories) != "[vehicles]" || e.Reason.Kind != accesslog.ReasonCharge || e.Reason.Ref != fineUIN {
		t.Errorf("entry = %+v", e)
	}
	if _, err := f.svc.Lookup(ctx, actor.Citizen("u9"), fineUIN); err != nil {
		t.Fatal(err)
	}
	if entries, _ := log.All(ctx, "u9", accesslog.Filter{}); len(entries) != 0 {
		t.Errorf("a look-up by УИН is in the access log: %+v", entries)
	}
}
