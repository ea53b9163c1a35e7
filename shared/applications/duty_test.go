package applications

import (
	"context"
	"crypto/rand"
	"testing"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/catalog"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/payments"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/vault"
)

// nobody holds any SNILS or INN: duties reach their applicant by the
// application, not by identifiers.
type nobody struct{}

func (nobody) HolderOf(context.Context, string, string) (string, accounts.Level, error) {
	return "", "", problem.NotFound("учётная запись")
}
func (nobody) PayerKeys(context.Context, string) (accounts.PayerKeys, error) {
	return accounts.PayerKeys{}, nil
}
func (nobody) FullName(context.Context, string) (accounts.FullName, error) {
	return accounts.FullName{}, nil
}

func withDuties(t *testing.T, e *env) *payments.Charges {
	t.Helper()
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	keys, err := vault.DeriveKeys(secret)
	if err != nil {
		t.Fatal(err)
	}
	c, err := payments.NewCharges(payments.Deps{DB: e.db, Clock: e.svc.Clock, Keys: vault.FixedKeyring(keys), People: nobody{}, Inbox: &inbox.Store{DB: e.db}})
	if err != nil {
		t.Fatal(err)
	}
	e.svc.Duties = c
	return c
}

// A service with a fee charges its duty on submission, with a УИН of its
// department; the officer's queue shows it unpaid; cancelling the
// application cancels the duty.
func TestDutyChargedOnSubmitAndCancelledWithTheApplication(t *testing.T) {
	e := newEnv(t)
	charges := withDuties(t, e)
	ctx := context.Background()
	a := e.citizen("standard")
	svc, _ := catalog.Get("egrn-extract")
	d := e.draftOf(t, a, svc.Code)
	var attach []string
	for _, need := range svc.Documents {
		attach = append(attach, e.scan(t, a.Sub, need.Type))
	}
	app, err := e.svc.Submit(ctx, a, d.ID, attach, "", d.Version)
	if err != nil {
		t.Fatal(err)
	}
	if app.Duty == nil || app.Duty.Amount != svc.FeeKopecks || app.Duty.Status != payments.StatusUnpaid {
		t.Fatalf("duty %+v", app.Duty)
	}
	if _, err := payments.ValidUIN("uin", app.Duty.UIN); err != nil || app.Duty.UIN[:8] != payments.Agencies["rosreestr"].UINPrefix {
		t.Fatalf("УИН %s: %v", app.Duty.UIN, err)
	}
	card, err := charges.Card(ctx, a, app.Duty.UIN)
	if err != nil || card.Application != app.ID || card.Kind != payments.KindDuty {
		t.Fatalf("the applicant's charge %+v %v", card, err)
	}
	officer := e.officer("rosreestr")
	queue, _, err := e.svc.Queue(ctx, officer, "", "", 50)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, q := range queue {
		if q.ID == app.ID {
			found = q.Duty != nil && q.Duty.Status == payments.StatusUnpaid
		}
	}
	if !found {
		t.Fatalf("the queue does not show the unpaid duty: %+v", queue)
	}
	app, err = e.svc.Transition(ctx, a, app.ID, Move{To: Cancelled})
	if err != nil {
		t.Fatal(err)
	}
	if app.Duty == nil || app.Duty.Status != payments.StatusCancelled {
		t.Fatalf("duty after cancelling %+v", app.Duty)
	}
	// A free service charges nothing.
	free := e.draftOf(t, a, plain)
	if got, err := e.svc.Submit(ctx, a, free.ID, nil, "", free.Version); err == nil && got.Duty != nil {
		t.Fatalf("a free service has a duty: %+v", got.Duty)
	}
}
