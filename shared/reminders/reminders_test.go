package reminders

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/dynamo/dynamotest"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/messages"
)

func schedule(t testing.TB, db *dynamo.Store, rs ...Reminder) {
	t.Helper()
	for _, r := range rs {
		tx := &dynamo.Tx{}
		if err := Schedule(tx, r); err != nil {
			t.Fatal(err)
		}
		if err := db.Transact(context.Background(), "", tx); err != nil {
			t.Fatal(err)
		}
	}
}

func due(sub, id string, at time.Time) Reminder {
	return Reminder{Sub: sub, ID: id, At: at, Type: messages.CalendarItem, Vars: messages.Vars{"Title": "Приём у врача", "At": at.Add(time.Hour)}}
}

func inboxCount(t testing.TB, db *dynamo.Store, sub string) int {
	t.Helper()
	recs, _, err := (&inbox.Store{DB: db}).List(context.Background(), sub, false, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	return len(recs)
}

func TestOverlappingRunsSendEachReminderOnce(t *testing.T) {
	db := dynamotest.NewStore(t)
	start := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	c := clock.NewManual(start.Add(2 * time.Minute))
	const n = 30
	for i := 0; i < n; i++ {
		schedule(t, db, due(fmt.Sprintf("user-%d", i%3), fmt.Sprintf("r%d", i), start.Add(time.Duration(i%3)*time.Minute)))
	}
	var wg sync.WaitGroup
	sent := make([]Stats, 3)
	for i := range sent {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := (&Runner{DB: db, Inbox: &inbox.Store{DB: db}, Clock: c, Workers: 4, CatchUp: 5 * time.Minute}).Run(context.Background())
			if err != nil {
				t.Error(err)
			}
			sent[i] = st
		}()
	}
	wg.Wait()
	total := sent[0].Sent + sent[1].Sent + sent[2].Sent
	if total != n {
		t.Errorf("three overlapping runs sent %d, want %d (stats %+v)", total, n, sent)
	}
	got := 0
	for u := 0; u < 3; u++ {
		got += inboxCount(t, db, fmt.Sprintf("user-%d", u))
	}
	if got != n {
		t.Errorf("%d notes in the inboxes, want %d", got, n)
	}
	// A later run finds nothing new.
	st, err := (&Runner{DB: db, Inbox: &inbox.Store{DB: db}, Clock: c, CatchUp: 5 * time.Minute}).Run(context.Background())
	if err != nil || st.Sent != 0 {
		t.Errorf("a later run = %+v, %v; want nothing sent", st, err)
	}
}

func TestFutureRemindersWaitAndRescheduleReplaces(t *testing.T) {
	db := dynamotest.NewStore(t)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	c := clock.NewManual(now)
	schedule(t, db, due("u", "password-expiry", now.Add(10*time.Minute)))
	// Scheduling the same id again moves it.
	schedule(t, db, due("u", "password-expiry", now.Add(20*time.Minute)))
	r := &Runner{DB: db, Inbox: &inbox.Store{DB: db}, Clock: c, CatchUp: 30 * time.Minute}
	for _, step := range []struct {
		advance time.Duration
		want    int
	}{{0, 0}, {10 * time.Minute, 0}, {10 * time.Minute, 1}, {10 * time.Minute, 1}} {
		c.Advance(step.advance)
		if _, err := r.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := inboxCount(t, db, "u"); got != step.want {
			t.Fatalf("at %s: %d notes, want %d", c.Now().Format("15:04"), got, step.want)
		}
	}
}

func TestCancelledReminderIsNotSent(t *testing.T) {
	db := dynamotest.NewStore(t)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	schedule(t, db, due("u", "charge-1", now))
	tx := &dynamo.Tx{}
	Cancel(tx, "u", "charge-1")
	if err := db.Transact(context.Background(), "", tx); err != nil {
		t.Fatal(err)
	}
	if _, err := (&Runner{DB: db, Inbox: &inbox.Store{DB: db}, Clock: clock.NewManual(now.Add(time.Minute)), CatchUp: 2 * time.Minute}).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := inboxCount(t, db, "u"); got != 0 {
		t.Errorf("%d notes for a cancelled reminder", got)
	}
}

// BenchmarkRun reports how many due reminders a run turns into notes per
// second (minidyn in process, 32 workers); a run of 100,000 takes
// 100000 / (reminders/s) seconds, to compare with the function's timeout.
func BenchmarkRun(b *testing.B) {
	db, calls := dynamotest.NewInProcess(b)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for i := 0; i < b.N; i++ {
		schedule(b, db, due(fmt.Sprintf("user-%d", i), "r", now))
	}
	calls.Reset()
	r := &Runner{DB: db, Inbox: &inbox.Store{DB: db}, Clock: clock.NewManual(now.Add(time.Minute)), CatchUp: 2 * time.Minute}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	st, err := r.Run(context.Background())
	elapsed := time.Since(start)
	b.StopTimer()
	if err != nil || st.Sent != b.N {
		b.Fatalf("run = %+v, %v", st, err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "reminders/s")
	b.ReportMetric(float64(calls.Calls())/float64(b.N), "ddb-calls/reminder")
}
