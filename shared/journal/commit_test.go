package journal

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
)

// counterItem stands in for the change a service journals.
type counterItem struct {
	PK, SK string
	Kind   string
	N      int
}

func counterKey(name string) dynamo.Key { return dynamo.Key{PK: "TEST#" + name, SK: "COUNTER"} }

// A change and its entry commit together or not at all; a change that
// refuses (its own conflict, seen on reading again) leaves both unwritten.
func TestCommitWritesTheChangeWithItsEntry(t *testing.T) {
	ctx := context.Background()
	j, _ := newJournal(t)
	k := counterKey("a")
	if err := j.DB.Create(ctx, counterItem{PK: k.PK, SK: k.SK, Kind: "test", N: 0}); err != nil {
		t.Fatal(err)
	}
	// read returns the counter's value.
	read := func() int {
		var it counterItem
		if err := j.DB.Get(ctx, k, "счётчик", &it); err != nil {
			t.Fatal(err)
		}
		return it.N
	}
	// raise moves the counter from what it reads to want, unless it is
	// there already.
	raise := func(want int) func(context.Context, *dynamo.Tx) (Entry, error) {
		return func(ctx context.Context, tx *dynamo.Tx) (Entry, error) {
			var it counterItem
			if err := j.DB.Get(ctx, k, "счётчик", &it); err != nil {
				return Entry{}, err
			}
			if it.N >= want {
				return Entry{}, problem.Conflict("not_higher", "уже")
			}
			cond := expression.Name("N").Equal(expression.Value(it.N))
			tx.Update(k, expression.Set(expression.Name("N"), expression.Value(want)), &cond)
			return Entry{Type: TypeLevel, Summary: fmt.Sprintf("Счётчик: %d", want), Actor: ActorRegistrar, ActorID: "registrar-1"}, nil
		}
	}
	e, err := j.Commit(ctx, "alice", raise(2))
	if err != nil || e.Seq != 1 || e.Summary != "Счётчик: 2" || read() != 2 {
		t.Fatalf("Commit = %+v, %v with the counter at %d; want entry 1 and 2", e, err, read())
	}
	if _, err := j.Commit(ctx, "alice", raise(1)); problem.CodeOf(err) != "not_higher" {
		t.Errorf("a change that refuses = %v, want its own 409", err)
	}
	boom := errors.New("boom")
	if _, err := j.Commit(ctx, "alice", func(context.Context, *dynamo.Tx) (Entry, error) { return Entry{}, boom }); !errors.Is(err, boom) {
		t.Errorf("a failing change = %v, want its error", err)
	}
	// An entry the journal refuses stops the change too.
	bad := func(_ context.Context, tx *dynamo.Tx) (Entry, error) {
		tx.Update(k, expression.Set(expression.Name("N"), expression.Value(9)), nil)
		return Entry{Type: "Not A Type", Summary: "x", Actor: ActorCitizen}, nil
	}
	if _, err := j.Commit(ctx, "alice", bad); !problem.Is(err, problem.KindInvalid) {
		t.Errorf("a malformed entry = %v, want Invalid", err)
	}
	all, err := j.All(ctx, "alice", Filter{})
	if err != nil || len(all) != 1 || read() != 2 {
		t.Errorf("after the refusals: %d entries, counter %d, %v; want 1 and 2", len(all), read(), err)
	}
}

// Changes committed while others append to the same journal all land,
// each with its entry: the loser of a race on the head tries again.
func TestCommitConcurrentWithAppends(t *testing.T) {
	ctx := context.Background()
	j, _ := newJournal(t)
	j.Clock = clock.System{}
	const n = 12
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Go(func() {
			_, err := j.Commit(ctx, "alice", func(_ context.Context, tx *dynamo.Tx) (Entry, error) {
				k := counterKey(fmt.Sprint(i))
				tx.Create(counterItem{PK: k.PK, SK: k.SK, Kind: "test", N: i})
				return Entry{Type: TypeSettings, Summary: fmt.Sprintf("Изменение %d", i), Actor: ActorCitizen}, nil
			})
			if err != nil {
				errs <- err
			}
		})
		wg.Go(func() {
			if _, err := j.Append(ctx, "alice", login(fmt.Sprintf("Вход %d", i))); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Commit or Append: %v", err)
	}
	for i := range n {
		var it counterItem
		if err := j.DB.Get(ctx, counterKey(fmt.Sprint(i)), "счётчик", &it); err != nil {
			t.Errorf("change %d: %v", i, err)
		}
	}
	if r, err := j.Verify(ctx, "alice"); err != nil || !r.OK || r.Entries != 2*n {
		t.Errorf("Verify = %+v, %v; want OK with %d entries", r, err, 2*n)
	}
}
