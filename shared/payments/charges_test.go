package payments

import (
	"context"
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/dynamo/dynamotest"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/vault"
)

// people is a fake of accounts: who claimed which SNILS or INN hash.
type people struct {
	mu      sync.Mutex
	holders map[string]string // kind#hash -> sub
	levels  map[string]accounts.Level
	keys    map[string]accounts.PayerKeys
}

func (p *people) HolderOf(_ context.Context, kind, hash string) (string, accounts.Level, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	sub, ok := p.holders[kind+"#"+hash]
	if !ok {
		return "", "", problem.NotFound("учётная запись")
	}
	return sub, p.levels[sub], nil
}

func (p *people) PayerKeys(_ context.Context, sub string) (accounts.PayerKeys, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := p.keys[sub]
	k.Level = p.levels[sub]
	return k, nil
}

func (p *people) FullName(context.Context, string) (accounts.FullName, error) {
	return accounts.FullName{Surname: "Иванов", Name: "Иван", Patronymic: "Иванович"}, nil
}

type fixture struct {
	db     *dynamo.Store
	clock  *clock.Manual
	ix     *vault.Index
	people *people
	svc    *Charges
}

func newFixture(t *testing.T) *fixture { return newFixtureOn(t, dynamotest.NewStore(t)) }

func newFixtureOn(t testing.TB, db *dynamo.Store) *fixture {
	t.Helper()
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	keys, err := vault.DeriveKeys(secret)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, clock: clock.NewManual(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)), ix: keys.Index,
		people: &people{holders: map[string]string{}, levels: map[string]accounts.Level{}, keys: map[string]accounts.PayerKeys{}}}
	f.svc, err = NewCharges(Deps{DB: db, Clock: f.clock, Keys: vault.FixedKeyring(keys), People: f.people, Inbox: &inbox.Store{DB: db}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// person registers sub with a SNILS at level.
func (f *fixture) person(sub, snils string, level accounts.Level) {
	f.people.mu.Lock()
	defer f.people.mu.Unlock()
	h := f.ix.Of("snils", snils)
	f.people.holders["snils#"+h] = sub
	f.people.levels[sub] = level
	f.people.keys[sub] = accounts.PayerKeys{SNILSHash: h}
}

var gibdd = actor.Agency("gibdd", "client-gibdd")

const fineUIN = "18810177200000123453"

func fine(amount int64, payer Payer) ChargeInput {
	return ChargeInput{Kind: KindFine, Purpose: "Штраф по постановлению 18810177200000123453", Amount: amount,
		Basis: Basis{Document: "resolution", Number: "18810177200000123453", Date: "2026-11-20", Article: "ст. 12.9 ч. 2"},
		Due:   "2027-01-30", Payer: payer}
}

func notes(t testing.TB, db *dynamo.Store, sub string) []inbox.Record {
	t.Helper()
	recs, _, err := (&inbox.Store{DB: db}).List(context.Background(), sub, false, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestPostFindsTheVehicleOwnerOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	citizen := actor.Citizen("u1")
	v, err := f.svc.AddVehicle(ctx, citizen, VehicleInput{Plate: "a123bc77", Certificate: "77 УЕ 123456"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Plate != "А123ВС77" || v.Charges != 0 {
		t.Fatalf("vehicle %+v", v)
	}
	in := fine(50000, Payer{VehicleCert: "77УЕ123456"})
	got, created, err := f.svc.Post(ctx, gibdd, fineUIN, in)
	if err != nil || !created {
		t.Fatalf("post: %v created %v", err, created)
	}
	if got.Linked != 1 || got.Discount == nil || got.Discount.Until != "2026-12-10" || got.Status != StatusUnpaid {
		t.Fatalf("posted %+v", got)
	}
	// The same charge again: nothing new.
	if _, created, err := f.svc.Post(ctx, gibdd, fineUIN, fine(50000, Payer{VehicleCert: "77 уе 123456"})); err != nil || created {
		t.Fatalf("repost: %v created %v", err, created)
	}
	list, _, err := f.svc.List(ctx, citizen, ChargeFilter{}, "", 20)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].AmountDue != 25000 || list[0].Discount == nil || !list[0].Discount.Active {
		t.Fatalf("list %+v", list)
	}
	if n := notes(t, f.db, "u1"); len(n) != 1 || n[0].Type != "charge.issued" {
		t.Fatalf("notes %+v", n)
	}
	// After the discount's last day the full amount is due.
	f.clock.Set(time.Date(2026, 12, 10, 20, 59, 0, 0, time.UTC))
	card, err := f.svc.Card(ctx, citizen, fineUIN)
	if err != nil || card.AmountDue != 25000 {
		t.Fatalf("card on the last day: %+v %v", card, err)
	}
	f.clock.Set(time.Date(2026, 12, 10, 21, 0, 0, 0, time.UTC)) // midnight in Moscow
	card, _ = f.svc.Card(ctx, citizen, fineUIN)
	if card.AmountDue != 50000 || card.Discount.Active || card.Consequence == "" || card.Basis.Article != "12.9 ч.2" {
		t.Fatalf("card after the discount: %+v", card)
	}
	// Another person and another agency see nothing of it.
	if _, err := f.svc.Card(ctx, actor.Citizen("u2"), fineUIN); !problem.Is(err, problem.KindNotFound) {
		t.Fatalf("another person's card: %v", err)
	}
	if _, err := f.svc.AgencyGet(ctx, actor.Agency("fns", "client-fns"), fineUIN); !problem.Is(err, problem.KindNotFound) {
		t.Fatalf("another agency reads: %v", err)
	}
	if _, _, err := f.svc.Post(ctx, actor.Agency("fns", "client-fns"), fineUIN, ChargeInput{Kind: KindTax, Purpose: "Налог",
		Amount: 1, Basis: Basis{Document: "notice", Number: "1", Date: "2026-11-01"}, Due: "2026-12-01", Payer: Payer{INN: "500100732259"}}); !problem.Is(err, problem.KindNotFound) {
		t.Fatalf("another agency overwrites: %v", err)
	}
}

func TestChangeAndCancelReachTheOwner(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.person("u1", "11223344595", accounts.LevelStandard)
	if _, _, err := f.svc.Post(ctx, gibdd, fineUIN, fine(50000, Payer{SNILS: "112-233-445 95"})); err != nil {
		t.Fatal(err)
	}
	changed := fine(80000, Payer{SNILS: "11223344595"})
	changed.Due = "2027-02-15"
	got, created, err := f.svc.Post(ctx, gibdd, fineUIN, changed)
	if err != nil || created || got.Amount != 80000 {
		t.Fatalf("change: %+v %v %v", got, created, err)
	}
	card, err := f.svc.Card(ctx, actor.Citizen("u1"), fineUIN)
	if err != nil || card.Amount != 80000 || card.Due != "2027-02-15" {
		t.Fatalf("card after change %+v %v", card, err)
	}
	if _, err := f.svc.Cancel(ctx, gibdd, fineUIN, "Постановление отменено"); err != nil {
		t.Fatal(err)
	}
	list, _, _ := f.svc.List(ctx, actor.Citizen("u1"), ChargeFilter{Status: StatusCancelled}, "", 10)
	if len(list) != 1 {
		t.Fatalf("cancelled list %+v", list)
	}
	types := map[string]int{}
	for _, n := range notes(t, f.db, "u1") {
		types[n.Type]++
	}
	if types["charge.issued"] != 1 || types["charge.changed"] != 1 || types["charge.cancelled"] != 1 {
		t.Fatalf("notes %v", types)
	}
	if _, _, err := f.svc.Post(ctx, gibdd, fineUIN, changed); problem.CodeOf(err) != "charge_cancelled" {
		t.Fatalf("post after cancel: %v", err)
	}
}

func TestSimplifiedAccountDoesNotGetChargesBySNILS(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.person("u1", "11223344595", accounts.LevelSimplified)
	got, _, err := f.svc.Post(ctx, gibdd, fineUIN, fine(50000, Payer{SNILS: "11223344595"}))
	if err != nil || got.Linked != 0 {
		t.Fatalf("post: %+v %v", got, err)
	}
	f.people.levels["u1"] = accounts.LevelStandard
	if err := f.svc.IdentityChecked(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	if list, _, _ := f.svc.List(ctx, actor.Citizen("u1"), ChargeFilter{}, "", 10); len(list) != 1 {
		t.Fatalf("after the level rose: %+v", list)
	}
}

func TestVehicleAddedLaterAndRemoved(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, _, err := f.svc.Post(ctx, gibdd, fineUIN, fine(50000, Payer{VehicleCert: "77УЕ123456"})); err != nil {
		t.Fatal(err)
	}
	v, err := f.svc.AddVehicle(ctx, actor.Citizen("u1"), VehicleInput{Plate: "А123ВС777", Certificate: "77УЕ123456"})
	if err != nil || v.Charges != 1 {
		t.Fatalf("vehicle %+v %v", v, err)
	}
	if _, err := f.svc.AddVehicle(ctx, actor.Citizen("u1"), VehicleInput{Plate: "А123ВС777", Certificate: "77УЕ123456"}); problem.CodeOf(err) != "vehicle_exists" {
		t.Fatalf("twice: %v", err)
	}
	if _, err := f.svc.Card(ctx, actor.Citizen("u1"), fineUIN); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RemoveVehicle(ctx, actor.Citizen("u2"), v.ID); !problem.Is(err, problem.KindNotFound) {
		t.Fatalf("another person removes: %v", err)
	}
	if err := f.svc.RemoveVehicle(ctx, actor.Citizen("u1"), v.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Card(ctx, actor.Citizen("u1"), fineUIN); !problem.Is(err, problem.KindNotFound) {
		t.Fatalf("after removing the vehicle: %v", err)
	}
	a, _ := f.svc.AgencyGet(ctx, gibdd, fineUIN)
	if a.Linked != 0 {
		t.Fatalf("still linked: %+v", a)
	}
}

func TestLookupByUIN(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, _, err := f.svc.Post(ctx, gibdd, fineUIN, fine(50000, Payer{DriverLicence: "9900123456"})); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Lookup(ctx, actor.Citizen("u9"), fineUIN)
	if err != nil || got.AmountDue != 25000 || len(got.Payers) != 1 || got.Payers[0] != "ВУ …3456" {
		t.Fatalf("lookup %+v %v", got, err)
	}
	if n := notes(t, f.db, "u9"); len(n) != 0 {
		t.Fatalf("a look-up notified: %+v", n)
	}
	if _, err := f.svc.Card(ctx, actor.Citizen("u9"), fineUIN); err != nil {
		t.Fatalf("card after look-up: %v", err)
	}
	if _, err := f.svc.Lookup(ctx, actor.Citizen("u9"), "18810177200000123454"); problem.CodeOf(err) != "validation_failed" {
		t.Fatalf("bad check digit: %v", err)
	}
}

func TestPostValidation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, _, err := f.svc.Post(ctx, gibdd, fineUIN, ChargeInput{Kind: KindTax, Amount: -1, Basis: Basis{Document: "x", Date: "2030-01-01"},
		Due: "soon", Payer: Payer{SNILS: "123"}})
	want := []string{"kind", "purpose", "amount", "basis.document", "basis.number", "basis.date", "dueDate", "payer.snils"}
	got := problem.FieldNames(err)
	if len(got) != len(want) {
		t.Fatalf("fields %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("fields %v, want %v", got, want)
		}
	}
	if _, _, err := f.svc.Post(ctx, actor.Citizen("u1"), fineUIN, fine(1, Payer{SNILS: "11223344595"})); !problem.Is(err, problem.KindForbidden) {
		t.Fatalf("a citizen posts: %v", err)
	}
	if _, _, err := f.svc.List(ctx, gibdd, ChargeFilter{}, "", 10); !problem.Is(err, problem.KindForbidden) {
		t.Fatalf("an agency lists a person's charges: %v", err)
	}
}

func TestConcurrentPostsMakeOneCharge(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.AddVehicle(ctx, actor.Citizen("u1"), VehicleInput{Plate: "А123ВС77", Certificate: "77УЕ123456"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	created := make(chan bool, 10)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, c, err := f.svc.Post(ctx, gibdd, fineUIN, fine(50000, Payer{VehicleCert: "77УЕ123456"}))
			if err != nil {
				t.Error(err)
			}
			created <- c
		}()
	}
	wg.Wait()
	close(created)
	n := 0
	for c := range created {
		if c {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d posts created the charge", n)
	}
	if got := notes(t, f.db, "u1"); len(got) != 1 {
		t.Fatalf("%d notes", len(got))
	}
}
