package dynamo

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/problem"
)

// record is a persistence item as features write them.
type record struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	GSI1PK string `dynamodbav:"GSI1PK,omitempty"`
	GSI1SK string `dynamodbav:"GSI1SK,omitempty"`
	GSI2PK string `dynamodbav:"GSI2PK,omitempty"`
	GSI2SK string `dynamodbav:"GSI2SK,omitempty"`
	Kind   string `dynamodbav:"Kind"`
	Data   string `dynamodbav:"Data,omitempty"`
	V      int64  `dynamodbav:"V,omitempty"`
	N      int64  `dynamodbav:"N,omitempty"`
}

func rec(k Key, data string) record { return record{PK: k.PK, SK: k.SK, Kind: "test", Data: data} }

func TestPing(t *testing.T) {
	s := newTestStore(t)
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("Ping() = %v, want nil", err)
	}
	if got := s.Table(); got != testTable {
		t.Errorf("Table() = %q, want %q", got, testTable)
	}
	missing := New(s.api, "no-such-table")
	if err := missing.Ping(context.Background()); err == nil {
		t.Errorf("Ping() of a missing table = nil, want an error")
	}
}

func TestGetNotFound(t *testing.T) {
	s := newTestStore(t)
	out := record{Data: "untouched"}
	err := s.Get(context.Background(), SettingsKey("nobody"), "настройки", &out)
	if err == nil {
		t.Fatal("Get() of a missing item = nil, want NotFound (never nil, nil)")
	}
	if !problem.Is(err, problem.KindNotFound) {
		t.Errorf("Get() = %v, want problem.KindNotFound", err)
	}
	if out.Data != "untouched" {
		t.Errorf("out = %+v, want it untouched", out)
	}
}

func TestCreateGetDelete(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	k := SettingsKey("u1")
	if err := s.Create(ctx, rec(k, "a")); err != nil {
		t.Fatalf("Create() = %v", err)
	}
	var got record
	if err := s.Get(ctx, k, "настройки", &got); err != nil {
		t.Fatalf("Get() = %v", err)
	}
	if got != rec(k, "a") {
		t.Errorf("Get() = %+v, want %+v", got, rec(k, "a"))
	}
	if err := s.Delete(ctx, k); err != nil {
		t.Fatalf("Delete() = %v", err)
	}
	if err := s.Delete(ctx, k); err != nil {
		t.Errorf("Delete() of a missing item = %v, want nil", err)
	}
	if err := s.Get(ctx, k, "настройки", &got); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("Get() after Delete = %v, want NotFound", err)
	}
}

func TestCreateTwiceConflict(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	k := UniqueKey("snils", "h1")
	if err := s.Create(ctx, rec(k, "first")); err != nil {
		t.Fatalf("first Create() = %v", err)
	}
	err := s.Create(ctx, rec(k, "second"))
	if !problem.Is(err, problem.KindConflict) {
		t.Fatalf("second Create() = %v, want Conflict", err)
	}
	var got record
	if err := s.Get(ctx, k, "x", &got); err != nil || got.Data != "first" {
		t.Errorf("after the refused Create: Get() = %+v, %v; want the first item", got, err)
	}
}

func TestCreateConcurrentOnlyOneWins(t *testing.T) {
	s := newTestStore(t)
	const n = 20
	k := UniqueKey("phone", "h")
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = s.Create(context.Background(), rec(k, fmt.Sprint(i)))
		}()
	}
	close(start)
	wg.Wait()
	wins, conflicts := 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case problem.Is(err, problem.KindConflict):
			conflicts++
		default:
			t.Errorf("caller %d: Create() = %v, want nil or Conflict", i, err)
		}
	}
	if wins != 1 || conflicts != n-1 {
		t.Errorf("wins, conflicts = %d, %d; want 1, %d", wins, conflicts, n-1)
	}
}

func TestNextConcurrentNumbersAreDistinct(t *testing.T) {
	s := newTestStore(t)
	const n = 50
	got := make([]int64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = s.Next(context.Background(), "applications")
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("caller %d: Next() = %v", i, err)
		}
	}
	sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
	for i, v := range got {
		if v != int64(i+1) {
			t.Fatalf("sorted numbers = %v, want exactly 1..%d", got, n)
		}
	}
	// Another counter starts from 1 on its own.
	if v, err := s.Next(context.Background(), "other"); err != nil || v != 1 {
		t.Errorf("Next(other) = %d, %v; want 1, nil", v, err)
	}
}

func TestPutVersioned(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	k := SettingsKey("u1")
	steps := []struct {
		name     string
		version  int64
		data     string
		wantCode string // "" for success
	}{
		{"create at version 1", 1, "v1", ""},
		{"create again is stale", 1, "v1-again", "stale_version"},
		{"skip ahead is stale", 3, "v3", "stale_version"},
		{"next version", 2, "v2", ""},
		{"same version twice is stale", 2, "v2-again", "stale_version"},
		{"version 3", 3, "v3", ""},
	}
	want := record{}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			err := s.PutVersioned(ctx, rec(k, st.data), st.version)
			if st.wantCode == "" {
				if err != nil {
					t.Fatalf("PutVersioned(v%d) = %v, want nil", st.version, err)
				}
				want = rec(k, st.data)
				want.V = st.version
			} else {
				pe, ok := problem.As(err)
				if !ok || pe.Kind != problem.KindConflict || pe.Code != st.wantCode {
					t.Fatalf("PutVersioned(v%d) = %v, want Conflict %s", st.version, err, st.wantCode)
				}
			}
			var got record
			if err := s.Get(ctx, k, "x", &got); err != nil {
				t.Fatalf("Get() = %v", err)
			}
			if got != want {
				t.Errorf("stored = %+v, want %+v", got, want)
			}
		})
	}
}

func TestTransact(t *testing.T) {
	ctx := context.Background()
	a, b, c := UniqueKey("email", "a"), UniqueKey("email", "b"), CounterKey("c")
	tests := []struct {
		name      string
		setup     []record
		tx        func() *Tx
		wantKind  problem.Kind // KindInternal with wantErr=false means success
		wantErr   bool
		wantExist map[Key]bool
	}{
		{
			name:      "all succeed",
			tx:        func() *Tx { return new(Tx).Create(rec(a, "a")).Put(rec(b, "b")) },
			wantExist: map[Key]bool{a: true, b: true},
		},
		{
			name:    "one create clashes, nothing written",
			setup:   []record{rec(b, "old")},
			tx:      func() *Tx { return new(Tx).Create(rec(a, "a")).Create(rec(b, "b")).Put(rec(c, "c")) },
			wantErr: true, wantKind: problem.KindConflict,
			wantExist: map[Key]bool{a: false, b: true, c: false},
		},
		{
			name:    "delete of a missing item that must exist",
			tx:      func() *Tx { return new(Tx).Put(rec(a, "a")).Delete(b, true) },
			wantErr: true, wantKind: problem.KindConflict,
			wantExist: map[Key]bool{a: false, b: false},
		},
		{
			name:      "delete of a missing item that may be missing",
			setup:     []record{rec(a, "a")},
			tx:        func() *Tx { return new(Tx).Delete(a, true).Delete(b, false) },
			wantExist: map[Key]bool{a: false, b: false},
		},
		{
			name:  "update with a failing condition",
			setup: []record{rec(a, "a")},
			tx: func() *Tx {
				cond := expression.Name("Data").Equal(expression.Value("not a"))
				return new(Tx).Create(rec(b, "b")).Update(a, expression.Set(expression.Name("Data"), expression.Value("changed")), &cond)
			},
			wantErr: true, wantKind: problem.KindConflict,
			wantExist: map[Key]bool{a: true, b: false},
		},
		{
			name:  "update with a holding condition",
			setup: []record{rec(a, "a")},
			tx: func() *Tx {
				cond := expression.Name("Data").Equal(expression.Value("a"))
				return new(Tx).Update(a, expression.Set(expression.Name("Data"), expression.Value("changed")), &cond)
			},
			wantExist: map[Key]bool{a: true},
		},
		{
			name:    "build error is reported before any call",
			tx:      func() *Tx { return new(Tx).Put(rec(a, "a")).Create(make(chan int)) },
			wantErr: true, wantKind: problem.KindInternal,
			wantExist: map[Key]bool{a: false},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t)
			for _, r := range tt.setup {
				if err := s.Create(ctx, r); err != nil {
					t.Fatalf("setup Create() = %v", err)
				}
			}
			err := s.Transact(ctx, "", tt.tx())
			if (err != nil) != tt.wantErr {
				t.Fatalf("Transact() = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && problem.KindOf(err) != tt.wantKind {
				t.Errorf("Transact() kind = %d (%v), want %d", problem.KindOf(err), err, tt.wantKind)
			}
			for k, want := range tt.wantExist {
				var got record
				gerr := s.Get(ctx, k, "x", &got)
				if exists := gerr == nil; exists != want {
					t.Errorf("%s exists = %v (%v), want %v", k.PK, exists, gerr, want)
				}
				if want && k == b && len(tt.setup) > 0 && got.Data != "old" {
					t.Errorf("%s = %+v, want the old item untouched", k.PK, got)
				}
			}
		})
	}
}

func TestTransactUpdateApplies(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	a := SettingsKey("u")
	if err := s.Create(ctx, rec(a, "a")); err != nil {
		t.Fatal(err)
	}
	tx := new(Tx).Update(a, expression.Set(expression.Name("Data"), expression.Value("changed")), nil)
	if err := s.Transact(ctx, "token-1", tx); err != nil {
		t.Fatalf("Transact() = %v", err)
	}
	var got record
	if err := s.Get(ctx, a, "x", &got); err != nil || got.Data != "changed" {
		t.Errorf("Get() = %+v, %v; want Data changed", got, err)
	}
}

// A check on an item the transaction does not write holds the whole
// transaction to it: it commits while the condition holds and changes
// nothing when it does not.
func TestTransactCheck(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	guard, a := SettingsKey("guard"), SettingsKey("a")
	if err := s.Create(ctx, rec(guard, "open")); err != nil {
		t.Fatal(err)
	}
	open := expression.Name("Data").Equal(expression.Value("open"))
	if err := s.Transact(ctx, "", new(Tx).Check(guard, open).Create(rec(a, "first"))); err != nil {
		t.Fatalf("Transact with a check that holds = %v", err)
	}
	if err := s.Update(ctx, guard, expression.Set(expression.Name("Data"), expression.Value("closed")), nil); err != nil {
		t.Fatal(err)
	}
	b := SettingsKey("b")
	if err := s.Transact(ctx, "", new(Tx).Check(guard, open).Create(rec(b, "second"))); !problem.Is(err, problem.KindConflict) {
		t.Fatalf("Transact with a check that fails = %v, want Conflict", err)
	}
	var got record
	if err := s.Get(ctx, b, "x", &got); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("the failed transaction wrote %+v (%v)", got, err)
	}
	if err := s.Get(ctx, guard, "x", &got); err != nil || got.Data != "closed" {
		t.Errorf("the checked item = %+v, %v; want it unchanged", got, err)
	}
}
