package accesslog

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/dynamo/dynamotest"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/personaldata"
	"github.com/kabinet/kabinet/shared/problem"
)

type names map[string]string

func (n names) StaffName(_ context.Context, sub string) (string, error) {
	if s, ok := n[sub]; ok {
		return s, nil
	}
	return "", problem.NotFound("учётная запись")
}

func newLog(t testing.TB, db *dynamo.Store) (*Log, *clock.Manual) {
	t.Helper()
	c := clock.NewManual(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	j := &journal.Journal{DB: db, Key: journal.StaticKey(bytes.Repeat([]byte("j"), 32)), Clock: c}
	return &Log{DB: db, Key: StaticKey(bytes.Repeat([]byte("k"), 32)), Clock: c, Journal: j,
		Names: names{"officer-1": "Кузнецов И. А."}}, c
}

var (
	officer = actor.Actor{Sub: "officer-1", Groups: []string{actor.GroupOfficers}, Department: "mvd"}
	bank    = actor.Partner("demobank", "client-b")
	support = actor.Actor{Sub: "support-1", Groups: []string{actor.GroupSupport}}
)

func officerRead(owner string) Read {
	return Read{Owner: owner, By: officer, Organisation: "МВД России",
		Categories: []personaldata.Category{personaldata.Passport, personaldata.Personal, personaldata.Application},
		Reason:     ForApplication("2026-1123-000001", "Выдача паспорта")}
}

func bankRead(owner string) Read {
	return Read{Owner: owner, By: bank, Organisation: "АО «Демо Банк»", Person: "Иванова А. П.",
		Categories: []personaldata.Category{personaldata.Contacts, personaldata.Personal}, Reason: ForConsent("c-1", "Кредит")}
}

// Reads are recorded at once and chained into the owner's log, oldest
// first, each saying who, when, what and why; the person's own reads and
// the portal's are not in it.
func TestReadsAreChainedIntoTheOwnersLog(t *testing.T) {
	ctx := context.Background()
	l, c := newLog(t, dynamotest.NewStore(t))
	me := actor.Citizen("alice")
	if err := l.Record(ctx, officerRead("alice")); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Minute)
	if err := l.Record(ctx, bankRead("alice")); err != nil {
		t.Fatal(err)
	}
	own := officerRead("alice")
	own.By = me
	sys := officerRead("alice")
	sys.By = actor.System()
	for _, r := range []Read{own, sys} {
		if err := l.Record(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	page, err := l.List(ctx, me, Filter{}, "", 20)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 2 || page.Pending != 0 {
		t.Fatalf("log = %+v, want the officer's and the bank's reads only", page)
	}
	b, o := page.Items[0], page.Items[1]
	if o.Seq != 1 || o.Role != "officer" || o.Organisation != "МВД России" || o.OrganisationCode != "mvd" || o.Person != "Кузнецов И. А." ||
		o.Reason.Kind != ReasonApplication || o.Reason.Ref != "2026-1123-000001" || o.ReaderID != "officer-1" ||
		fmt.Sprint(o.Categories) != "[personal passport application]" || o.At.IsZero() {
		t.Errorf("officer's entry = %+v", o)
	}
	if b.Seq != 2 || b.Role != "partner" || b.OrganisationCode != "demobank" || b.Person != "Иванова А. П." || b.ReaderID != "demobank/client-b" ||
		!b.At.After(o.At) || !strings.Contains(b.Data, "Телефон") {
		t.Errorf("bank's entry = %+v", b)
	}
	if r, err := l.Verify(ctx, me); err != nil || !r.OK || r.Entries != 2 {
		t.Errorf("verify = %+v, %v", r, err)
	}
	// Filters: one organisation; a period.
	if p, _ := l.List(ctx, me, Filter{Organisation: "demobank"}, "", 20); len(p.Items) != 1 || p.Items[0].Seq != 2 {
		t.Errorf("bank's reads = %+v", p.Items)
	}
	if p, _ := l.List(ctx, me, Filter{To: o.At.Add(time.Second)}, "", 20); len(p.Items) != 1 || p.Items[0].Seq != 1 {
		t.Errorf("reads before the bank's = %+v", p.Items)
	}
	if _, err := l.List(ctx, me, Filter{Organisation: "Банк!"}, "", 20); !problem.Is(err, problem.KindInvalid) {
		t.Errorf("a bad organisation = %v, want 422", err)
	}
	// Someone else's log is not theirs to read; a system has none.
	if p, err := l.List(ctx, actor.Citizen("bob"), Filter{}, "", 20); err != nil || len(p.Items) != 0 {
		t.Errorf("bob's log = %+v, %v", p, err)
	}
	if _, err := l.List(ctx, bank, Filter{}, "", 20); !problem.Is(err, problem.KindUnauthenticated) {
		t.Errorf("a bank's list = %v, want 401", err)
	}
	all, err := l.All(ctx, "alice", Filter{})
	if err != nil || len(all) != 2 || all[0].Seq != 1 {
		t.Fatalf("all = %+v, %v", all, err)
	}
	csv := string(CSV(all))
	if !strings.HasPrefix(csv, "\ufeffДата и время (МСК),Кто") || !strings.Contains(csv, "АО «Демо Банк»") || strings.Count(csv, "\r\n") != 3 {
		t.Errorf("csv = %q", csv)
	}
}

// A reader's mistake (no owner, an unknown category, an unknown reason, a
// citizen reading another's data) is refused and nothing is recorded.
func TestBadReadsAreRefused(t *testing.T) {
	ctx := context.Background()
	db := dynamotest.NewStore(t)
	l, _ := newLog(t, db)
	bad := map[string]func(*Read){
		"no owner":         func(r *Read) { r.Owner = "" },
		"unknown category": func(r *Read) { r.Categories = []personaldata.Category{"dna"} },
		"no data":          func(r *Read) { r.Categories = nil },
		"unknown reason":   func(r *Read) { r.Reason = Reason{Kind: "curiosity", Title: "Интересно"} },
		"a citizen":        func(r *Read) { r.By = actor.Citizen("bob") },
		"no organisation":  func(r *Read) { r.Organisation = "" },
	}
	for name, spoil := range bad {
		r := officerRead("alice")
		spoil(&r)
		if err := l.Record(ctx, r); err == nil {
			t.Errorf("%s: recorded", name)
		}
	}
	if n, err := l.Settle(ctx, "alice"); err != nil || n != 0 {
		t.Errorf("settle = %d, %v; want nothing pending", n, err)
	}
}

// Many readers at once, and several settles racing each other, make one
// gapless chain with every read in it once.
func TestConcurrentReadsAndSettlesMakeOneChain(t *testing.T) {
	ctx := context.Background()
	l, _ := newLog(t, dynamotest.NewStore(t))
	const reads = 50
	var wg sync.WaitGroup
	errs := make(chan error, reads+8)
	for i := range reads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := bankRead("alice")
			r.Reason = ForConsent(fmt.Sprint("c-", i), "Кредит")
			errs <- l.Record(ctx, r)
		}()
		if i%10 == 9 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := l.Settle(ctx, "alice")
				errs <- err
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	all, err := l.All(ctx, "alice", Filter{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, e := range all {
		if e.Seq != int64(i+1) {
			t.Fatalf("entry %d has number %d", i+1, e.Seq)
		}
		if seen[e.Reason.Ref] {
			t.Errorf("read %s chained twice", e.Reason.Ref)
		}
		seen[e.Reason.Ref] = true
	}
	if len(all) != reads {
		t.Errorf("%d entries, want %d", len(all), reads)
	}
	if r, err := l.Verify(ctx, actor.Citizen("alice")); err != nil || !r.OK || r.Entries != reads {
		t.Errorf("verify = %+v, %v", r, err)
	}
}

// A read is recorded while the log cannot be written (the chain's step
// fails): it waits, and the next sweep chains it — retried, not dropped.
func TestAFailedChainingIsRetriedBySweep(t *testing.T) {
	ctx := context.Background()
	db, faults := dynamotest.NewFaultyStore(t)
	l, _ := newLog(t, db)
	if err := l.Record(ctx, bankRead("alice")); err != nil {
		t.Fatal(err)
	}
	faults.Fail(true)
	if _, err := l.Settle(ctx, "alice"); err == nil {
		t.Fatal("settle succeeded while the table failed")
	}
	st, _ := l.Sweep(ctx)
	faults.Fail(false)
	if st.Chained != 0 {
		t.Fatalf("a failing sweep chained %d", st.Chained)
	}
	st, err := l.Sweep(ctx)
	if err != nil || st.Chained != 1 || st.Logs != 1 {
		t.Fatalf("sweep = %+v, %v; want the waiting read chained", st, err)
	}
	if st, _ := l.Sweep(ctx); st.Chained != 0 {
		t.Errorf("a second sweep chained %d again", st.Chained)
	}
	if all, _ := l.All(ctx, "alice", Filter{}); len(all) != 1 {
		t.Errorf("log = %+v", all)
	}
}

// An edited, removed or reordered entry and a rewritten or removed head are
// each named by Verify.
func TestVerifyNamesTampering(t *testing.T) {
	ctx := context.Background()
	me := actor.Citizen("alice")
	setup := func(t *testing.T) (*Log, *dynamo.Store, []entryItem) {
		db := dynamotest.NewStore(t)
		l, _ := newLog(t, db)
		for range 3 {
			if err := l.Record(ctx, bankRead("alice")); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := l.Settle(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
		var items []entryItem
		if _, err := db.Query(ctx, dynamo.Page{Partition: dynamo.UserPK("alice"), Prefix: dynamo.ReadLogPrefix, Forward: true}, &items); err != nil {
			t.Fatal(err)
		}
		return l, db, items
	}
	cases := map[string]struct {
		spoil func(*testing.T, *dynamo.Store, []entryItem)
		code  string
		at    int64
	}{
		"an entry edited": {func(t *testing.T, db *dynamo.Store, it []entryItem) {
			it[1].Organisation = "Кто-то другой"
			put(t, db, it[1])
		}, journal.CodeModified, 2},
		"an entry removed": {func(t *testing.T, db *dynamo.Store, it []entryItem) {
			del(t, db, it[1].PK, it[1].SK)
		}, journal.CodeRemoved, 2},
		"the newest removed": {func(t *testing.T, db *dynamo.Store, it []entryItem) {
			del(t, db, it[2].PK, it[2].SK)
		}, journal.CodeRemoved, 3},
		"entries swapped": {func(t *testing.T, db *dynamo.Store, it []entryItem) {
			a, b := it[0], it[1]
			a.SK, b.SK = b.SK, a.SK
			put(t, db, a)
			put(t, db, b)
		}, journal.CodeReordered, 1},
		"the head removed": {func(t *testing.T, db *dynamo.Store, it []entryItem) {
			k := dynamo.ReadLogHeadKey("alice")
			del(t, db, k.PK, k.SK)
		}, journal.CodeHeadRemoved, 4},
		"the head rewritten": {func(t *testing.T, db *dynamo.Store, it []entryItem) {
			k := dynamo.ReadLogHeadKey("alice")
			put(t, db, headItem{PK: k.PK, SK: k.SK, Kind: kindHead, Seq: 2, Hash: it[1].Hash, Seal: "forged"})
		}, journal.CodeHeadModified, 3},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			l, db, items := setup(t)
			c.spoil(t, db, items)
			r, err := l.Verify(ctx, me)
			if err != nil || r.OK || r.Code != c.code || r.BrokenAt != c.at || r.Reason == "" {
				t.Errorf("verify = %+v, %v; want %s at %d", r, err, c.code, c.at)
			}
		})
	}
}

func put(t *testing.T, db *dynamo.Store, it any) {
	t.Helper()
	if err := db.Put(context.Background(), it); err != nil {
		t.Fatal(err)
	}
}

func del(t *testing.T, db *dynamo.Store, pk, sk string) {
	t.Helper()
	if err := db.Delete(context.Background(), dynamo.Key{PK: pk, SK: sk}); err != nil {
		t.Fatal(err)
	}
}

// A person flags a read they do not recognise: it shows flagged, reaches
// support's queue (support alone reads it) and the activity journal; the
// same entry is flagged once.
func TestAFlagReachesSupport(t *testing.T) {
	ctx := context.Background()
	l, _ := newLog(t, dynamotest.NewStore(t))
	me := actor.Citizen("alice")
	if err := l.Record(ctx, bankRead("alice")); err != nil {
		t.Fatal(err)
	}
	page, err := l.List(ctx, me, Filter{}, "", 20)
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("log = %+v, %v", page, err)
	}
	if _, err := l.Flag(ctx, me, 1, strings.Repeat("я", MaxComment+1)); !problem.Is(err, problem.KindInvalid) {
		t.Errorf("a long comment = %v, want 422", err)
	}
	if _, err := l.Flag(ctx, me, 2, ""); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("no such entry = %v, want 404", err)
	}
	if _, err := l.Flag(ctx, actor.Citizen("bob"), 1, ""); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("bob flagging alice's entry = %v, want 404", err)
	}
	e, err := l.Flag(ctx, me, 1, "")
	if err != nil || !e.Flagged {
		t.Fatalf("flag = %+v, %v", e, err)
	}
	if _, err := l.Flag(ctx, me, 1, "ещё раз"); problem.CodeOf(err) != "already_flagged" {
		t.Errorf("a second flag = %v, want 409 already_flagged", err)
	}
	if page, _ := l.List(ctx, me, Filter{}, "", 20); !page.Items[0].Flagged {
		t.Errorf("the entry is not shown flagged: %+v", page.Items[0])
	}
	for name, a := range map[string]actor.Actor{"alice": me, "an officer": officer, "the bank": bank} {
		if _, _, err := l.Flags(ctx, a, "", 20); !problem.Is(err, problem.KindForbidden) {
			t.Errorf("%s reads support's queue: %v", name, err)
		}
	}
	flags, _, err := l.Flags(ctx, support, "", 20)
	if err != nil || len(flags) != 1 {
		t.Fatalf("support's queue = %+v, %v", flags, err)
	}
	if f := flags[0]; f.Owner != "alice" || f.Seq != 1 || f.Comment != DefaultComment || f.Organisation != "АО «Демо Банк»" ||
		f.ReaderID != "demobank/client-b" || f.Status != FlagStatusOpen {
		t.Errorf("flag = %+v", f)
	}
	entries, err := l.Journal.All(ctx, "alice", journal.Filter{})
	if err != nil || len(entries) != 1 || entries[0].Type != journal.TypeAccessFlag || !strings.Contains(entries[0].Summary, "АО «Демо Банк»") {
		t.Errorf("journal = %+v, %v", entries, err)
	}
}

// An appointment organisation's staff seeing a visit is recorded under the
// organisation they work for.
func TestAStaffReadNamesTheirOrganisation(t *testing.T) {
	ctx := context.Background()
	l, _ := newLog(t, dynamotest.NewStore(t))
	staff := actor.Actor{Sub: "staff-1", Groups: []string{actor.GroupStaff}, Organisation: "gp-12-msk"}
	if err := l.Record(ctx, Read{Owner: "alice", By: staff, Organisation: "Городская поликлиника № 12",
		Categories: []personaldata.Category{personaldata.Personal}, Reason: ForAppointment("А-017")}); err != nil {
		t.Fatal(err)
	}
	all, err := l.All(ctx, "alice", Filter{})
	if err != nil || len(all) != 1 || all[0].Role != "staff" || all[0].OrganisationCode != "gp-12-msk" || all[0].Reason.Ref != "А-017" {
		t.Errorf("log = %+v, %v", all, err)
	}
}
