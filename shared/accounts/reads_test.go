package accounts

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/actor"
)

// A registrar's identity check and an officer's queue of change requests
// read a person's data: each is in the person's access log, with who and
// why; a refused check is not.
func TestStaffReadsAreInTheAccessLog(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	log := f.deps.Reads.(*accesslog.Log)
	log.Key = accesslog.StaticKey(make([]byte, 32))
	owner := f.provision(t, "reads1", "+79161110031", "11223344595")
	registrar := actor.Actor{Sub: "registrar-1", Groups: []string{actor.GroupRegistrars}}
	if err := f.svc.SetLevel(ctx, actor.Citizen("someone"), owner, LevelChange{Level: LevelConfirmed, Method: "in_person"}); err == nil {
		t.Fatal("a citizen raised a level")
	}
	if err := f.svc.SetLevel(ctx, registrar, owner, LevelChange{Level: LevelConfirmed, Method: "in_person"}); err != nil {
		t.Fatal(err)
	}
	value, _ := json.Marshal("Петрова")
	r, err := f.svc.File(ctx, actor.Citizen(owner), "surname", value, f.scan(t, owner, "scan-1"))
	if err != nil {
		t.Fatal(err)
	}
	mvd := actor.Actor{Sub: "officer-mvd", Groups: []string{actor.GroupOfficers}, Department: "mvd"}
	if _, _, err := f.svc.Pending(ctx, mvd, "", 100); err != nil {
		t.Fatal(err)
	}
	entries, err := log.All(ctx, owner, accesslog.Filter{})
	if err != nil || len(entries) != 2 {
		t.Fatalf("access log = %+v, %v; want the check and the queue", entries, err)
	}
	check, queue := entries[0], entries[1]
	if check.Role != "registrar" || check.ReaderID != "registrar-1" || check.Reason.Kind != accesslog.ReasonIdentityCheck ||
		fmt.Sprint(check.Categories) != "[personal passport snils]" {
		t.Errorf("identity check = %+v", check)
	}
	if queue.Role != "officer" || queue.OrganisationCode != "mvd" || queue.Organisation == "mvd" || queue.Reason.Ref != r.ID ||
		fmt.Sprint(queue.Categories) != "[personal application]" {
		t.Errorf("queue read = %+v", queue)
	}
}
