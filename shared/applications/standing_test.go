package applications

import (
	"context"
	"testing"

	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
)

// An application another domain relies on is found in an accepted status,
// by its id or as the person's newest of the service, and the hold makes a
// transaction fail once the application has left those statuses.
func TestInStatusFindsAndHoldsAnApplication(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	accepted := []string{Registered, InProgress, Approved}
	f := e.at(t, Registered)
	if _, err := e.svc.InStatus(ctx, f.citizen, plain, "", []string{Approved}); code(err) != "application_status" {
		t.Errorf("none approved = %v, want Conflict application_status", err)
	}
	if _, err := e.svc.InStatus(ctx, f.citizen, "driving-exam", "", accepted); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("none of the service = %v, want NotFound", err)
	}
	if _, err := e.svc.InStatus(ctx, f.citizen, "driving-exam", f.id, accepted); !problem.Is(err, problem.KindInvalid) {
		t.Errorf("the id of another service's application = %v, want Invalid", err)
	}
	if _, err := e.svc.InStatus(ctx, e.citizen("simplified"), plain, f.id, accepted); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("another person's application = %v, want NotFound", err)
	}
	for _, id := range []string{f.id, ""} {
		st, err := e.svc.InStatus(ctx, f.citizen, plain, id, accepted)
		if err != nil || st.ID != f.id || st.Status != Registered || st.Hold == nil {
			t.Fatalf("InStatus(%q) = %+v, %v", id, st, err)
		}
	}
	st, _ := e.svc.InStatus(ctx, f.citizen, plain, f.id, accepted)
	probe := dynamo.Key{PK: "PROBE#" + f.id, SK: "PROBE"}
	write := func() error {
		tx := (&dynamo.Tx{}).Put(struct{ PK, SK, Kind string }{probe.PK, probe.SK, "test"})
		st.Hold(tx)
		return e.svc.DB.Transact(ctx, "", tx)
	}
	if err := write(); err != nil {
		t.Fatalf("a transaction holding a registered application = %v", err)
	}
	if _, err := e.do(t, f, InProgress, RoleOfficer); err != nil {
		t.Fatal(err)
	}
	if _, err := e.do(t, f, Rejected, RoleOfficer); err != nil {
		t.Fatal(err)
	}
	if err := write(); !problem.Is(err, problem.KindConflict) {
		t.Errorf("a transaction holding a rejected application = %v, want Conflict", err)
	}
}
