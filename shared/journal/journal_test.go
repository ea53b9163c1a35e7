package journal

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/dynamo/dynamotest"
	"github.com/kabinet/kabinet/shared/problem"
)

var (
	testKey  = bytes.Repeat([]byte("k"), 32)
	otherKey = bytes.Repeat([]byte("x"), 32)
	t0       = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
)

func newJournal(t testing.TB) (*Journal, *clock.Manual) {
	t.Helper()
	c := clock.NewManual(t0)
	return &Journal{DB: dynamotest.NewStore(t), Key: StaticKey(testKey), Clock: c}, c
}

func login(summary string) Entry {
	return Entry{Type: TypeLogin, Summary: summary, IP: "203.0.113.7", Actor: ActorCitizen}
}

func seqs(es []Entry) []int64 {
	out := make([]int64, 0, len(es))
	for _, e := range es {
		out = append(out, e.Seq)
	}
	return out
}

// fill appends entries of the given types, one minute apart from t0.
func fill(t testing.TB, j *Journal, c *clock.Manual, sub string, types ...string) []Entry {
	t.Helper()
	var out []Entry
	for i, typ := range types {
		c.Set(t0.Add(time.Duration(i) * time.Minute))
		e, err := j.Append(context.Background(), sub, Entry{Type: typ, Summary: fmt.Sprintf("Событие %d", i+1), Actor: ActorCitizen})
		if err != nil {
			t.Fatalf("Append %d: %v", i+1, err)
		}
		out = append(out, e)
	}
	return out
}

func TestAppend(t *testing.T) {
	ctx := context.Background()
	j, c := newJournal(t)
	e1, err := j.Append(ctx, "alice", Entry{Seq: 99, At: t0.Add(-time.Hour), Hash: "forged", Type: TypeLogin,
		Summary: "Вход по паролю", IP: "::ffff:203.0.113.7", Actor: ActorCitizen})
	if err != nil {
		t.Fatal(err)
	}
	if e1.Seq != 1 || !e1.At.Equal(t0) || e1.Hash == "" || e1.Hash == "forged" || e1.IP != "203.0.113.7" {
		t.Errorf("first entry = %+v, want seq 1 at %v with a computed hash and a plain IPv4", e1, t0)
	}
	// An instance whose clock lags behind must not write an entry dated
	// before the previous one: the order of numbers is the order of times.
	c.Set(t0.Add(-time.Second))
	e2, err := j.Append(ctx, "alice", login("Вход по паролю"))
	if err != nil {
		t.Fatal(err)
	}
	if e2.Seq != 2 || !e2.At.Equal(t0) {
		t.Errorf("entry after a lagging clock = seq %d at %v, want seq 2 at %v", e2.Seq, e2.At, t0)
	}
	if e, err := j.Append(ctx, "bob", login("Вход")); err != nil || e.Seq != 1 {
		t.Errorf("bob's first entry = %+v, %v; want seq 1 (journals are per user)", e, err)
	}
	list, _, err := j.List(ctx, "alice", Filter{}, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Entry{e2, e1}; !slices.EqualFunc(list, want, func(a, b Entry) bool {
		return a.Seq == b.Seq && a.At.Equal(b.At) && a.Type == b.Type && a.Summary == b.Summary && a.IP == b.IP && a.Actor == b.Actor && a.Hash == b.Hash
	}) {
		t.Errorf("List = %+v, want %+v", list, want)
	}
}

func TestAppendInvalid(t *testing.T) {
	j, _ := newJournal(t)
	long := string(bytes.Repeat([]byte("я"), MaxSummary+1))
	cases := []struct {
		name  string
		e     Entry
		field string
	}{
		{"no type", Entry{Summary: "x", Actor: ActorCitizen}, "type"},
		{"type with capitals", Entry{Type: "Auth.Login", Summary: "x", Actor: ActorCitizen}, "type"},
		{"type with a space", Entry{Type: "auth login", Summary: "x", Actor: ActorCitizen}, "type"},
		{"no summary", Entry{Type: TypeLogin, Summary: "  ", Actor: ActorCitizen}, "summary"},
		{"summary too long", Entry{Type: TypeLogin, Summary: long, Actor: ActorCitizen}, "summary"},
		{"summary not UTF-8", Entry{Type: TypeLogin, Summary: "\xff", Actor: ActorCitizen}, "summary"},
		{"summary with a control character", Entry{Type: TypeLogin, Summary: "a\x00b", Actor: ActorCitizen}, "summary"},
		{"unknown actor", Entry{Type: TypeLogin, Summary: "x", Actor: "admin"}, "actor"},
		{"no actor", Entry{Type: TypeLogin, Summary: "x"}, "actor"},
		{"bad IP", Entry{Type: TypeLogin, Summary: "x", Actor: ActorCitizen, IP: "203.0.113.7:443"}, "ip"},
	}
	for _, c := range cases {
		_, err := j.Append(context.Background(), "alice", c.e)
		pe, ok := problem.As(err)
		if !ok || pe.Kind != problem.KindInvalid || len(pe.Fields) != 1 || pe.Fields[0].Field != c.field {
			t.Errorf("%s: Append = %v, want Invalid naming %q", c.name, err, c.field)
		}
	}
	if e, err := j.Append(context.Background(), "alice", Entry{Type: TypeLogin, Summary: "Строка 1\nстрока 2", Actor: ActorSystem}); err != nil || e.Seq != 1 {
		t.Errorf("a multi-line summary = %+v, %v; want it accepted as entry 1", e, err)
	}
}

func TestJournalMisconfigured(t *testing.T) {
	db := dynamotest.NewStore(t)
	cases := []struct {
		name string
		j    *Journal
	}{
		{"no key", &Journal{DB: db}},
		{"short key", &Journal{DB: db, Key: StaticKey("short")}},
		{"no store", &Journal{Key: StaticKey(testKey)}},
	}
	for _, c := range cases {
		if _, err := c.j.Append(context.Background(), "alice", login("Вход")); err == nil {
			t.Errorf("%s: Append succeeded", c.name)
		}
		if _, err := c.j.Verify(context.Background(), "alice"); err == nil {
			t.Errorf("%s: Verify succeeded", c.name)
		}
	}
}

func TestListFilters(t *testing.T) {
	ctx := context.Background()
	j, c := newJournal(t)
	// Entries 1..6 at t0, t0+1m, ..., t0+5m.
	fill(t, j, c, "alice", TypeLogin, TypePayment, TypeProfileChange, TypePayment, TypeLogin, TypeConsent)
	fill(t, j, c, "bob", TypePayment)
	at := func(i int) time.Time { return t0.Add(time.Duration(i-1) * time.Minute) }
	cases := []struct {
		name string
		f    Filter
		want []int64
	}{
		{"everything, newest first", Filter{}, []int64{6, 5, 4, 3, 2, 1}},
		{"one type", Filter{Types: []string{TypePayment}}, []int64{4, 2}},
		{"two types", Filter{Types: []string{TypeLogin, TypeConsent}}, []int64{6, 5, 1}},
		{"a repeated type", Filter{Types: []string{TypePayment, TypePayment}}, []int64{4, 2}},
		{"an unknown type", Filter{Types: []string{"nothing"}}, []int64{}},
		{"from, inclusive", Filter{From: at(4)}, []int64{6, 5, 4}},
		{"to, exclusive", Filter{To: at(3)}, []int64{2, 1}},
		{"a period", Filter{From: at(2), To: at(5)}, []int64{4, 3, 2}},
		{"a period between entries", Filter{From: at(2).Add(time.Second), To: at(3).Add(-time.Second)}, []int64{}},
		{"a period and a type", Filter{From: at(2), To: at(6), Types: []string{TypeLogin, TypePayment}}, []int64{5, 4, 2}},
		{"a period in another time zone", Filter{From: at(5).In(clock.Moscow())}, []int64{6, 5}},
	}
	for _, c := range cases {
		got, next, err := j.List(ctx, "alice", c.f, "", 50)
		if err != nil {
			t.Errorf("%s: List: %v", c.name, err)
			continue
		}
		if !slices.Equal(seqs(got), c.want) || next != "" {
			t.Errorf("%s: List = %v, next %q; want %v, no next page", c.name, seqs(got), next, c.want)
		}
		all, err := j.All(ctx, "alice", c.f)
		if err != nil {
			t.Errorf("%s: All: %v", c.name, err)
			continue
		}
		want := slices.Clone(c.want)
		slices.Reverse(want)
		if !slices.Equal(seqs(all), want) {
			t.Errorf("%s: All = %v, want %v (oldest first)", c.name, seqs(all), want)
		}
	}

	bad := []struct {
		name string
		f    Filter
	}{
		{"an empty period", Filter{From: at(3), To: at(3)}},
		{"a reversed period", Filter{From: at(4), To: at(3)}},
		{"too many types", Filter{Types: make([]string, MaxTypes+1)}},
	}
	for _, c := range bad {
		if _, _, err := j.List(ctx, "alice", c.f, "", 10); !problem.Is(err, problem.KindInvalid) {
			t.Errorf("%s: List = %v, want Invalid", c.name, err)
		}
		if _, err := j.All(ctx, "alice", c.f); !problem.Is(err, problem.KindInvalid) {
			t.Errorf("%s: All = %v, want Invalid", c.name, err)
		}
	}
}

func TestListPaging(t *testing.T) {
	ctx := context.Background()
	j, c := newJournal(t)
	fill(t, j, c, "alice", TypeLogin, TypePayment, TypeLogin, TypePayment, TypeLogin)
	fill(t, j, c, "bob", TypeLogin)
	cases := []struct {
		name  string
		f     Filter
		limit int32
		want  [][]int64
	}{
		{"pages of two", Filter{}, 2, [][]int64{{5, 4}, {3, 2}, {1}}},
		{"pages of five", Filter{}, 5, [][]int64{{5, 4, 3, 2, 1}}},
		{"pages of four", Filter{}, 4, [][]int64{{5, 4, 3, 2}, {1}}},
		{"filtered pages of one", Filter{Types: []string{TypePayment}}, 1, [][]int64{{4}, {2}, {}}},
		{"filtered pages of two", Filter{Types: []string{TypeLogin}}, 2, [][]int64{{5, 3}, {1}}},
		{"no limit", Filter{}, 0, [][]int64{{5, 4, 3, 2, 1}}},
	}
	for _, c := range cases {
		if got := pages(t, j, c.f, c.limit); !slices.EqualFunc(got, c.want, slices.Equal) {
			t.Errorf("%s: pages = %v, want %v", c.name, got, c.want)
		}
	}

	// The cursor is the table's: opaque, and bound to the caller's
	// partition and the journal's keys. Another user's, an edited one, a
	// forged one or one from another list is refused as every list
	// refuses it, and reads nothing.
	_, next, err := j.List(ctx, "alice", Filter{}, "", 3)
	if err != nil || next == "" {
		t.Fatalf("List = %q, %v", next, err)
	}
	if _, err := strconv.ParseInt(strings.TrimPrefix(next, "s"), 10, 64); err == nil || strings.Contains(next, "JOURNAL") {
		t.Errorf("cursor %q is a plain position a client can guess", next)
	}
	if got, _, err := j.List(ctx, "alice", Filter{}, next, 10); err != nil || !slices.Equal(seqs(got), []int64{2, 1}) {
		t.Errorf("alice's own cursor = %v, %v; want entries 2 and 1", seqs(got), err)
	}
	forged := func(pk, sk string) string {
		b, _ := json.Marshal(map[string]string{"PK": pk, "SK": sk})
		return base64.RawURLEncoding.EncodeToString(b)
	}
	bad := []struct {
		name, sub, cursor string
	}{
		{"alice's cursor used by bob", "bob", next},
		{"bob's entry forged into alice's cursor", "alice", forged(dynamo.UserPK("bob"), dynamo.JournalKey("bob", 1).SK)},
		{"alice's own key forged for bob", "bob", forged(dynamo.UserPK("alice"), dynamo.JournalKey("alice", 3).SK)},
		{"a key outside the journal", "alice", forged(dynamo.UserPK("alice"), dynamo.JournalHeadKey("alice").SK)},
		{"a cursor of another list", "alice", forged(dynamo.UserPK("alice"), "DOC#2026")},
		{"an edited cursor", "alice", next[:len(next)-2] + "Q"},
		{"the old numeric form", "alice", "s3"},
		{"a bare number", "alice", "3"},
		{"not a cursor", "alice", "not-a-cursor"},
		{"too long", "alice", strings.Repeat("A", 4096)},
	}
	for _, c := range bad {
		got, cur, err := j.List(ctx, c.sub, Filter{}, c.cursor, 2)
		if pe, ok := problem.As(err); !ok || pe.Kind != problem.KindBadRequest || pe.Code != "invalid_cursor" || len(got) != 0 || cur != "" {
			t.Errorf("%s: List = %v, %q, %v; want 400 invalid_cursor and nothing", c.name, seqs(got), cur, err)
		}
	}
}

// pages lists alice's journal page by page (at most 10 pages) and returns
// the sequence numbers of each page.
func pages(t *testing.T, j *Journal, f Filter, limit int32) [][]int64 {
	t.Helper()
	var got [][]int64
	cursor := ""
	for range 10 {
		page, next, err := j.List(context.Background(), "alice", f, cursor, limit)
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		got = append(got, seqs(page))
		if next == "" {
			break
		}
		cursor = next
	}
	return got
}

// TestListLong pages through a journal longer than one read, with a filter
// sparse enough that a single List call gives up and hands back a cursor.
func TestListLong(t *testing.T) {
	ctx := context.Background()
	j, c := newJournal(t)
	types := make([]string, 130)
	for i := range types {
		types[i] = TypeLogin
		if seq := i + 1; seq == 20 || seq == 60 || seq == 125 {
			types[i] = TypePayment
		}
	}
	fill(t, j, c, "alice", types...)
	defer func(n int) { listRounds = n }(listRounds)
	listRounds = 1
	cases := []struct {
		name  string
		f     Filter
		limit int32
		want  [][]int64
	}{
		// One read covers entries 130..31, the next 30..1.
		{"sparse, one read per call", Filter{Types: []string{TypePayment}}, 10, [][]int64{{125, 60}, {20}}},
		{"sparse, a page of one", Filter{Types: []string{TypePayment}}, 1, [][]int64{{125}, {60}, {20}, {}}},
		{"a period far back", Filter{From: t0.Add(5 * time.Minute), To: t0.Add(8 * time.Minute)}, 2, [][]int64{{}, {8, 7}, {6}}},
	}
	for _, c := range cases {
		if got := pages(t, j, c.f, c.limit); !slices.EqualFunc(got, c.want, slices.Equal) {
			t.Errorf("%s: pages = %v, want %v", c.name, got, c.want)
		}
	}
	all, err := j.All(ctx, "alice", Filter{})
	if err != nil || len(all) != 130 || all[0].Seq != 1 || all[129].Seq != 130 {
		t.Errorf("All = %d entries, %v; want 1..130", len(all), err)
	}
}

// TestPeriodStopsReading: entry times grow with their numbers, so a period
// ends the reading at its edge instead of running through the journal.
func TestPeriodStopsReading(t *testing.T) {
	ctx := context.Background()
	db, calls := dynamotest.NewInProcess(t)
	c := clock.NewManual(t0)
	j := &Journal{DB: db, Key: StaticKey(testKey), Clock: c}
	types := make([]string, 250)
	for i := range types {
		types[i] = TypeLogin
	}
	fill(t, j, c, "alice", types...)
	cases := []struct {
		name      string
		read      func() ([]Entry, error)
		wantN     int
		wantCalls int64
	}{
		{"the last ten minutes, newest first", func() ([]Entry, error) {
			es, next, err := j.List(ctx, "alice", Filter{From: t0.Add(240 * time.Minute)}, "", 50)
			if next != "" {
				t.Errorf("List returned a cursor %q past the period", next)
			}
			return es, err
		}, 10, 1},
		{"the first ten minutes, oldest first", func() ([]Entry, error) {
			return j.All(ctx, "alice", Filter{To: t0.Add(10 * time.Minute)})
		}, 10, 1},
	}
	for _, c := range cases {
		calls.Reset()
		got, err := c.read()
		if err != nil || len(got) != c.wantN || calls.Calls() != c.wantCalls {
			t.Errorf("%s: %d entries, %v, %d calls; want %d entries in %d call", c.name, len(got), err, calls.Calls(), c.wantN, c.wantCalls)
		}
	}
}

func TestAllLimit(t *testing.T) {
	j, c := newJournal(t)
	fill(t, j, c, "alice", TypeLogin, TypeLogin, TypeLogin)
	defer func(n int) { ExportLimit = n }(ExportLimit)
	ExportLimit = 2
	if _, err := j.All(context.Background(), "alice", Filter{}); !problem.Is(err, problem.KindTooLarge) {
		t.Errorf("All over the limit = %v, want TooLarge", err)
	}
	if got, err := j.All(context.Background(), "alice", Filter{Types: []string{TypePayment}}); err != nil || len(got) != 0 {
		t.Errorf("All of a narrow filter = %v, %v; want none", got, err)
	}
}

func TestAppendConcurrent(t *testing.T) {
	ctx := context.Background()
	j, _ := newJournal(t)
	j.Clock = clock.System{}
	const n = 30
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			if _, err := j.Append(ctx, "alice", login(fmt.Sprintf("Вход %d", i))); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Append: %v", err)
	}
	all, err := j.All(ctx, "alice", Filter{})
	if err != nil {
		t.Fatal(err)
	}
	want := make([]int64, n)
	for i := range want {
		want[i] = int64(i + 1)
	}
	if !slices.Equal(seqs(all), want) {
		t.Errorf("entries = %v, want 1..%d", seqs(all), n)
	}
	for i := 1; i < len(all); i++ {
		if all[i].At.Before(all[i-1].At) {
			t.Errorf("entry %d at %v is earlier than entry %d at %v", all[i].Seq, all[i].At, all[i-1].Seq, all[i-1].At)
		}
	}
	if r, err := j.Verify(ctx, "alice"); err != nil || !r.OK || r.Entries != n {
		t.Errorf("Verify = %+v, %v; want OK with %d entries", r, err, n)
	}
}

func TestAppendTx(t *testing.T) {
	ctx := context.Background()
	j, c := newJournal(t)
	head, err := j.Head(ctx, "alice")
	if err != nil || head.Seq != 0 {
		t.Fatalf("Head of an empty journal = %+v, %v", head, err)
	}
	tx := &dynamo.Tx{}
	e, err := j.AppendTx(ctx, tx, head, "alice", Entry{Type: TypeProfileChange, Summary: "Изменён телефон", Actor: ActorCitizen})
	if err != nil {
		t.Fatal(err)
	}
	k := dynamo.Key{PK: "TEST#alice", SK: "PROFILE"}
	tx.Put(struct {
		dynamo.Key
		Phone string
	}{k, "+79990000000"})
	if err := j.DB.Transact(ctx, "", tx); err != nil {
		t.Fatal(err)
	}
	if e.Seq != 1 || !e.At.Equal(t0) {
		t.Errorf("AppendTx = %+v, want entry 1 at %v", e, t0)
	}

	// A second change made from the same, now stale, head must fail as a
	// whole: neither the change nor a second entry 1.
	c.Advance(time.Minute)
	tx = &dynamo.Tx{}
	if _, err := j.AppendTx(ctx, tx, head, "alice", Entry{Type: TypeProfileChange, Summary: "Изменена почта", Actor: ActorCitizen}); err != nil {
		t.Fatal(err)
	}
	if err := j.DB.Transact(ctx, "", tx); !problem.Is(err, problem.KindConflict) {
		t.Errorf("a transaction from a stale head = %v, want Conflict", err)
	}
	if head, err = j.Head(ctx, "alice"); err != nil || head.Seq != 1 || head.Hash != e.Hash || !head.At.Equal(t0) {
		t.Fatalf("Head = %+v, %v; want entry 1", head, err)
	}
	tx = &dynamo.Tx{}
	if _, err := j.AppendTx(ctx, tx, head, "alice", Entry{Type: TypeProfileChange, Summary: "Изменена почта", Actor: ActorCitizen}); err != nil {
		t.Fatal(err)
	}
	if err := j.DB.Transact(ctx, "", tx); err != nil {
		t.Fatal(err)
	}
	if r, err := j.Verify(ctx, "alice"); err != nil || !r.OK || r.Entries != 2 {
		t.Errorf("Verify = %+v, %v; want OK with 2 entries", r, err)
	}
	if _, err := j.AppendTx(ctx, &dynamo.Tx{}, head, "alice", Entry{Type: "", Summary: "x", Actor: ActorCitizen}); !problem.Is(err, problem.KindInvalid) {
		t.Errorf("AppendTx of an invalid entry = %v, want Invalid", err)
	}
}

// The acting officer is part of the entry: kept, hashed, and its removal
// breaks the chain.
func TestAppendRecordsTheActingPerson(t *testing.T) {
	ctx := context.Background()
	j, _ := newJournal(t)
	role, id := By(actor.Actor{Sub: "officer-7", Groups: []string{actor.GroupOfficers}, Department: "mvd"}, "alice")
	if role != ActorOfficer || id != "officer-7" {
		t.Fatalf("By(officer) = %q, %q", role, id)
	}
	if role, id := By(actor.Citizen("alice"), "alice"); role != ActorCitizen || id != "" {
		t.Errorf("By(the owner) = %q, %q; want citizen and no id", role, id)
	}
	e, err := j.Append(ctx, "alice", Entry{Type: TypeProfileChange, Summary: "Уровень подтверждён", Actor: role, ActorID: id})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := j.List(ctx, "alice", Filter{}, "", 10)
	if err != nil || len(got) != 1 || got[0].ActorID != "officer-7" || got[0].Hash != e.Hash {
		t.Fatalf("List = %+v, %v; want the entry with its officer", got, err)
	}
	if _, err := j.Append(ctx, "alice", Entry{Type: TypeProfileChange, Summary: "x", Actor: ActorOfficer, ActorID: "bad id"}); !problem.Is(err, problem.KindInvalid) {
		t.Errorf("an actor id with a space: %v, want Invalid", err)
	}
	if err := j.DB.Update(ctx, dynamo.JournalKey("alice", 1), expression.Remove(expression.Name("ActorID")), nil); err != nil {
		t.Fatal(err)
	}
	if r, err := j.Verify(ctx, "alice"); err != nil || r.OK {
		t.Errorf("Verify after the officer was removed = %+v, %v; want broken", r, err)
	}
}

// By names the role an action was taken in and who took it: a person on
// their own account is the citizen whatever their staff groups, staff on
// another's account are their role and themselves, and a system of an
// agency or a partner is its role with its organisation and app client.
func TestByNamesTheRoleAndWho(t *testing.T) {
	officer := actor.Actor{Sub: "officer-7", Groups: []string{actor.GroupOfficers}, Department: "mvd"}
	registrar := actor.Actor{Sub: "registrar-1", Groups: []string{actor.GroupRegistrars}}
	support := actor.Actor{Sub: "support-2", Groups: []string{actor.GroupSupport}}
	tests := []struct {
		name             string
		a                actor.Actor
		owner            string
		wantRole, wantID string
	}{
		{"the owner", actor.Citizen("alice"), "alice", "citizen", ""},
		{"an officer on someone else's account", officer, "alice", "officer", "officer-7"},
		{"an officer on their own account", officer, "officer-7", "citizen", ""},
		{"a registrar on their own account", registrar, "registrar-1", "citizen", ""},
		{"a registrar on someone else's account", registrar, "alice", "registrar", "registrar-1"},
		{"support on their own account", support, "support-2", "citizen", ""},
		{"the portal", actor.System(), "alice", "system", ""},
		{"an agency's system", actor.Agency("gibdd", "client-9"), "alice", "agency", "gibdd/client-9"},
		{"a partner's system", actor.Partner("sberbank", "client-3"), "alice", "partner", "sberbank/client-3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			role, id := By(tt.a, tt.owner)
			if role != tt.wantRole || id != tt.wantID {
				t.Errorf("By = %q, %q; want %q, %q", role, id, tt.wantRole, tt.wantID)
			}
		})
	}
}

// What a system of an agency or a partner writes to a person's journal is
// kept with the organisation and client that wrote it.
func TestAppendRecordsTheActingSystem(t *testing.T) {
	ctx := context.Background()
	j, _ := newJournal(t)
	for _, e := range []Entry{
		{Type: TypePayment, Summary: "Начислен штраф", Actor: "agency", ActorID: "gibdd/client-9"},
		{Type: TypeConsent, Summary: "Банк запросил сведения", Actor: "partner", ActorID: "sberbank/client-3"},
	} {
		if _, err := j.Append(ctx, "alice", e); err != nil {
			t.Fatalf("Append(%s): %v", e.Actor, err)
		}
	}
	got, err := j.All(ctx, "alice", Filter{})
	if err != nil || len(got) != 2 || got[0].Actor != "agency" || got[0].ActorID != "gibdd/client-9" ||
		got[1].Actor != "partner" || got[1].ActorID != "sberbank/client-3" {
		t.Fatalf("All = %+v, %v; want the agency's and the partner's entries with who wrote them", got, err)
	}
	if r, err := j.Verify(ctx, "alice"); err != nil || !r.OK {
		t.Errorf("Verify = %+v, %v; want OK", r, err)
	}
}

// The person reading their journal sees the role an action was taken in,
// and the organisation of a system, never a staff member's account id,
// which stays recorded (and hashed) for staff and audit.
func TestThePersonSeesTheRoleNotTheStaffID(t *testing.T) {
	ctx := context.Background()
	j, _ := newJournal(t)
	for _, e := range []Entry{
		{Type: TypeLevel, Summary: "Уровень подтверждён", Actor: ActorRegistrar, ActorID: "registrar-1"},
		{Type: TypePayment, Summary: "Начислен штраф", Actor: ActorAgency, ActorID: "gibdd/client-9"},
		{Type: TypeConsent, Summary: "Банк запросил сведения", Actor: ActorPartner, ActorID: "sberbank/client-3"},
	} {
		if _, err := j.Append(ctx, "alice", e); err != nil {
			t.Fatal(err)
		}
	}
	page, _, err := j.List(ctx, "alice", Filter{}, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(page)
	shown := string(b)
	for _, hidden := range []string{"registrar-1", "client-9", "client-3", "actorId"} {
		if strings.Contains(shown, hidden) {
			t.Errorf("the person's journal shows %q: %s", hidden, shown)
		}
	}
	var got []struct{ Actor, Organisation string }
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := []struct{ Actor, Organisation string }{{"partner", "sberbank"}, {"agency", "gibdd"}, {"registrar", ""}}
	if !slices.Equal(got, want) {
		t.Errorf("the person's journal = %+v, want %+v", got, want)
	}
	csv := string(CSV(page))
	if strings.Contains(csv, "registrar-1") || strings.Contains(csv, "client-9") ||
		!strings.Contains(csv, "Информационная система ведомства (gibdd)") {
		t.Errorf("activity.csv = %q; want the agency named, no staff or client id", csv)
	}
	if r, err := j.Verify(ctx, "alice"); err != nil || !r.OK {
		t.Errorf("Verify = %+v, %v; want OK", r, err)
	}
}
