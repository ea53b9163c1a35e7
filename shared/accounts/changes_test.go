package accounts

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/documents"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/problem"
)

// scan lists a ready PDF among the person's documents, as a checked upload
// leaves it.
func (f *fixture) scan(t *testing.T, sub, id string) string {
	t.Helper()
	tx := &dynamo.Tx{}
	documents.PutIssued(tx, sub, documents.IssuedDocument{ID: id, FileName: "scan.pdf", Size: 1000, IssuedAt: f.clock.Now()})
	if err := f.db.Transact(context.Background(), "", tx); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestChangeRequestsAreDecidedByTheOwningDepartmentOrARegistrar(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	owner := f.provision(t, "cr1", "+79161110021", "11223344595")
	citizen := actor.Citizen(owner)
	value, _ := json.Marshal("Петрова")
	file := func(id string) ChangeRequest {
		t.Helper()
		r, err := f.svc.File(ctx, citizen, "surname", value, f.scan(t, owner, id))
		if err != nil {
			t.Fatal(err)
		}
		if r.Department != "mvd" {
			t.Fatalf("a surname change goes to %q, want mvd", r.Department)
		}
		return r
	}
	mvd := actor.Actor{Sub: "officer-mvd", Groups: []string{actor.GroupOfficers}, Department: "mvd"}
	fns := actor.Actor{Sub: "officer-fns", Groups: []string{actor.GroupOfficers}, Department: "fns"}
	registrar := actor.Actor{Sub: "registrar-1", Groups: []string{actor.GroupRegistrars}}
	inQueue := func(a actor.Actor, id string) bool {
		t.Helper()
		list, _, err := f.svc.Pending(ctx, a, "", 100)
		if err != nil {
			t.Fatalf("Pending(%s) = %v", a.Sub, err)
		}
		for _, r := range list {
			if r.ID == id {
				return true
			}
		}
		return false
	}
	first, second := file("scan-1"), file("scan-2")
	if !inQueue(mvd, first.ID) || !inQueue(registrar, first.ID) {
		t.Error("the request is missing from the mvd queue or the registrars'")
	}
	if inQueue(fns, first.ID) {
		t.Error("the tax service's officers see a passport-register request")
	}
	for name, a := range map[string]actor.Actor{"a citizen": actor.Citizen("someone"), "support": {Sub: "s", Groups: []string{actor.GroupSupport}}} {
		if _, _, err := f.svc.Pending(ctx, a, "", 10); !problem.Is(err, problem.KindForbidden) {
			t.Errorf("Pending by %s = %v, want 403", name, err)
		}
		if err := f.svc.Decide(ctx, a, owner, first.ID, true, ""); !problem.Is(err, problem.KindForbidden) {
			t.Errorf("Decide by %s = %v, want 403", name, err)
		}
	}
	if err := f.svc.Decide(ctx, fns, owner, first.ID, true, ""); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("Decide by another department = %v, want 404", err)
	}
	self := actor.Actor{Sub: owner, Groups: []string{actor.GroupOfficers}, Department: "mvd"}
	if err := f.svc.Decide(ctx, self, owner, first.ID, true, ""); !problem.Is(err, problem.KindForbidden) {
		t.Errorf("an officer deciding their own request = %v, want 403", err)
	}
	if got, _ := f.svc.ChangeRequests.Get(ctx, citizen, first.ID); got.Status != RequestPending {
		t.Fatalf("after the refusals the request is %s, want still pending", got.Status)
	}
	if err := f.svc.Decide(ctx, mvd, owner, first.ID, true, ""); err != nil {
		t.Fatalf("Decide by the mvd officer = %v", err)
	}
	if err := f.svc.Decide(ctx, registrar, owner, second.ID, false, "Скан не читается"); err != nil {
		t.Fatalf("Decide by a registrar = %v", err)
	}
	got, _ := f.svc.ChangeRequests.Get(ctx, citizen, first.ID)
	if got.Status != RequestApproved || got.DecidedByRole != "officer" || got.DecidedBy != "" {
		t.Errorf("the citizen sees %+v; want approved by an officer, without the officer's id", got)
	}
	if inQueue(mvd, first.ID) || inQueue(registrar, second.ID) {
		t.Error("a decided request stays in a queue")
	}
	p, _ := f.svc.Profile(ctx, citizen)
	if p.Fields["surname"].Value != "Петрова" {
		t.Errorf("surname after approval = %v", p.Fields["surname"].Value)
	}
	// The person's history names the role; which officer it was stays
	// recorded for staff and audit, never shown to the person.
	hist, _, _ := f.svc.ProfileHistory(ctx, citizen, "", 10)
	shown, _ := json.Marshal(hist)
	if len(hist) == 0 || hist[0].Actor != "officer" || strings.Contains(string(shown), "officer-mvd") {
		t.Errorf("history = %s; want the change by an officer, without the officer's id", shown)
	}
	var stored []historyItem
	if _, err := f.db.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(owner), Prefix: dynamo.ProfileHistoryPrefix}, &stored); err != nil ||
		len(stored) == 0 || stored[0].ActorID != "officer-mvd" {
		t.Errorf("stored history = %+v, %v; want the change recorded with officer-mvd", stored, err)
	}
}

// Who acted is in the person's journal: the person themselves for their own
// settings, the registrar by id for a level.
func TestSettingsChangesAndStaffActionsAreJournaled(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.deps.Journal = &journal.Journal{DB: f.db, Key: journal.StaticKey(make([]byte, 32)), Clock: f.clock}
	f.svc = newServices(t, f.deps)
	sub := f.provision(t, "j1", "+79161110031", "11223344595")
	me := actor.Actor{Sub: sub, AuthTime: f.clock.Now(), IP: "203.0.113.9"}
	if err := f.svc.SetMFA(ctx, me, MFASMS, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.ChangePassword(ctx, me, "Зелёный-Чай-42", "Другой-Пароль-77"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetLevel(ctx, actor.Actor{Sub: "registrar-9", Groups: []string{actor.GroupRegistrars}}, sub,
		LevelChange{Level: LevelConfirmed, Method: "in_person"}); err != nil {
		t.Fatal(err)
	}
	entries, err := f.deps.Journal.All(ctx, sub, journal.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ typ, actor, id string }{
		{journal.TypeSecurity, journal.ActorCitizen, ""},
		{journal.TypeSecurity, journal.ActorCitizen, ""},
		{journal.TypeLevel, journal.ActorRegistrar, "registrar-9"},
	}
	if len(entries) != len(want) {
		t.Fatalf("journal = %+v, want %d entries", entries, len(want))
	}
	for i, w := range want {
		if e := entries[i]; e.Type != w.typ || e.Actor != w.actor || e.ActorID != w.id {
			t.Errorf("entry %d = %s by %s %q, want %s by %s %q", i, e.Type, e.Actor, e.ActorID, w.typ, w.actor, w.id)
		}
	}
	if entries[0].IP != "203.0.113.9" {
		t.Errorf("the person's own change has IP %q, want the request's", entries[0].IP)
	}
}

// The scan supporting a change request is a PDF or a JPEG of at most 2 MB
// (ordinary scans may be 5 MB and PNG); anything else is 422 and files
// nothing.
func TestChangeRequestScansArePDFOrJPEGUpTo2MB(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	owner := f.provision(t, "cr2", "+79161110022", "11223344595")
	put := func(id, contentType string, size int64) string {
		t.Helper()
		k := dynamo.DocumentKey(owner, id)
		if err := f.db.Put(ctx, map[string]any{"PK": k.PK, "SK": k.SK, "Kind": "document", "ID": id, "Type": "passport",
			"FileName": "scan", "ContentType": contentType, "Size": size, "State": documents.StateReady, "Uses": 0}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	value, _ := json.Marshal("Петрова")
	cases := []struct {
		name, doc, code string
	}{
		{"a PNG", put("png", "image/png", 1000), "document.type"},
		{"a 3 MB JPEG", put("big", "image/jpeg", 3<<20), "document.too_large"},
		{"another person's scan", "not-mine", "document.unavailable"},
		{"a 2 MB JPEG", put("jpeg", "image/jpeg", 2<<20), ""},
	}
	for _, c := range cases {
		_, err := f.svc.File(ctx, actor.Citizen(owner), "surname", value, c.doc)
		fields := problem.FieldNames(err)
		pe, _ := problem.As(err)
		switch {
		case c.code == "" && err != nil:
			t.Errorf("%s: %v, want it filed", c.name, err)
		case c.code != "" && (len(fields) != 1 || fields[0] != "documentId" || pe.Fields[0].Code != c.code):
			t.Errorf("%s: %v, want 422 %s on documentId", c.name, err, c.code)
		}
	}
	if list, _, _ := f.svc.ChangeRequests.List(ctx, actor.Citizen(owner), "", 10); len(list) != 1 {
		t.Errorf("%d requests filed, want only the one with an acceptable scan", len(list))
	}
}

// A decision and its journal entry are one write: with the journal down
// nothing is decided (the request stays pending in the queue, the value
// unchanged, no notice), and once it is back the decision lands with the
// entry naming who decided.
func TestDecisionCommitsWithItsJournalEntry(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	owner := f.provision(t, "cr3", "+79161110023", "11223344595")
	value, _ := json.Marshal("Петрова")
	r, err := f.svc.File(ctx, actor.Citizen(owner), "surname", value, f.scan(t, owner, "scan-1"))
	if err != nil {
		t.Fatal(err)
	}
	mvd := actor.Actor{Sub: "officer-mvd", Groups: []string{actor.GroupOfficers}, Department: "mvd"}
	key := f.deps.Journal.Key
	f.deps.Journal.Key = brokenKey{}
	if err := f.svc.Decide(ctx, mvd, owner, r.ID, true, ""); err == nil {
		t.Fatal("Decide with the journal down = done, want an error")
	}
	f.deps.Journal.Key = key
	if got, _ := f.svc.ChangeRequests.Get(ctx, actor.Citizen(owner), r.ID); got.Status != RequestPending {
		t.Errorf("after a failed journal the request is %s, want pending", got.Status)
	}
	if p, _ := f.svc.Profile(ctx, actor.Citizen(owner)); p.Fields["surname"].Value != "Иванова" {
		t.Errorf("after a failed journal the surname is %v, want Иванова", p.Fields["surname"].Value)
	}
	if n, _ := f.deps.Inbox.Unread(ctx, owner); n != 0 {
		t.Errorf("after a failed journal the person has %d notices, want 0", n)
	}
	if err := f.svc.Decide(ctx, mvd, owner, r.ID, true, ""); err != nil {
		t.Fatalf("Decide = %v", err)
	}
	entries, err := f.deps.Journal.All(ctx, owner, journal.Filter{})
	if err != nil || len(entries) != 2 || entries[1].Summary != "Заявка на изменение данных (Фамилия) одобрена" ||
		entries[1].Actor != "officer" || entries[1].ActorID != "officer-mvd" {
		t.Errorf("journal = %+v, %v; want the filing and the approval by officer-mvd", entries, err)
	}
}

// hookedSealer runs before, once, when it is asked to seal a field: the
// moment an approval has read the account and not yet written it.
type hookedSealer struct {
	Sealer
	field  string
	before func()
}

func (h *hookedSealer) Seal(ctx context.Context, plaintext []byte, c map[string]string) (string, error) {
	if c["field"] == h.field && h.before != nil {
		run := h.before
		h.before = nil
		run()
	}
	return h.Sealer.Seal(ctx, plaintext, c)
}

// An approval and a direct edit of the profile made at the same time both
// move the version on, so no two states of the profile share a version
// (and an ETag): the edit lands between the approval's read of the account
// and its write.
func TestApprovalAndConcurrentEditGetDistinctVersions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	owner := f.provision(t, "cr4", "+79161110024", "11223344595")
	citizen := actor.Citizen(owner)
	passport, _ := json.Marshal(Passport{Series: "4511", Number: "654321", IssueDate: "2021-06-01", Issuer: "ГУ МВД России по г. Москве", DivisionCode: "770-002"})
	r, err := f.svc.File(ctx, citizen, "passport", passport, f.scan(t, owner, "scan-1"))
	if err != nil {
		t.Fatal(err)
	}
	read, err := f.svc.Profile(ctx, citizen)
	if err != nil {
		t.Fatal(err)
	}
	var edited Profile
	hooked := &hookedSealer{Sealer: f.deps.Sealer, field: "passport", before: func() {
		raw := map[string]json.RawMessage{"actualAddress": json.RawMessage(`"г. Казань, ул. Баумана, 1"`)}
		if edited, err = f.svc.PatchProfile(ctx, citizen, raw, read.Version); err != nil {
			t.Errorf("the edit at version %d = %v", read.Version, err)
		}
	}}
	d := f.deps
	d.Sealer = hooked
	changes, err := NewChangeRequests(d)
	if err != nil {
		t.Fatal(err)
	}
	mvd := actor.Actor{Sub: "officer-mvd", Groups: []string{actor.GroupOfficers}, Department: "mvd"}
	if err := changes.Decide(ctx, mvd, owner, r.ID, true, ""); err != nil {
		t.Fatalf("Decide = %v", err)
	}
	after, err := f.svc.Profile(ctx, citizen)
	if err != nil {
		t.Fatal(err)
	}
	if edited.Version != read.Version+1 || after.Version != read.Version+2 {
		t.Errorf("versions: read %d, after the edit %d, after the approval %d; want %d, %d, %d",
			read.Version, edited.Version, after.Version, read.Version, read.Version+1, read.Version+2)
	}
	if after.Fields["actualAddress"].Value != "г. Казань, ул. Баумана, 1" || after.Fields["passport"].Value.(Passport).Number != "654321" {
		t.Errorf("after both: address %v, passport %+v; want both changes", after.Fields["actualAddress"].Value, after.Fields["passport"].Value)
	}
}
