// Package reminders sends a note at a set time: a charge's due date, an
// appointment, an expiring document or consent, an expiring password, an
// application's deadline, a citizen's own calendar item. Reminders are
// indexed by the minute they are due (a sparse GSI1 spread over shards), so
// the scheduled run finds them without scanning, and each is sent exactly
// once: the note is written in the same transaction that marks the reminder
// sent, under a condition that it was not.
package reminders

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/problem"
)

// Shards spread one minute's reminders over GSI1 partitions.
const Shards = 16

// minuteLayout names a GSI1 bucket.
const minuteLayout = "2006-01-02T15:04"

// Reminder is a note to send at a time.
type Reminder struct {
	Sub string
	// ID is stable per purpose (e.g. "password-expiry", "charge-123-3d"), so
	// scheduling again replaces the earlier reminder.
	ID   string
	At   time.Time
	Type string
	Vars messages.Vars
}

// The kinds of the items kept here.
const (
	kindReminder = "reminder"
	kindCursor   = "reminder-cursor"
)

type item struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Kind   string `dynamodbav:"Kind"`
	Sub    string `dynamodbav:"Sub"`
	ID     string `dynamodbav:"ID"`
	At     string `dynamodbav:"At"`
	Type   string `dynamodbav:"Type"`
	Vars   string `dynamodbav:"Vars"`
	State  string `dynamodbav:"State"`
	GSI1PK string `dynamodbav:"GSI1PK,omitempty"`
	GSI1SK string `dynamodbav:"GSI1SK,omitempty"`
	TTL    int64  `dynamodbav:"TTL"`
}

func shard(sub, id string) int {
	h := fnv.New32a()
	h.Write([]byte(sub + "#" + id))
	return int(h.Sum32() % Shards)
}

// Schedule adds (or replaces) a reminder in tx, so it commits with the
// change that makes it necessary.
func Schedule(tx *dynamo.Tx, r Reminder) error {
	if _, ok := messages.Category(r.Type); !ok {
		return fmt.Errorf("reminders: unknown note type %q", r.Type)
	}
	vars, err := json.Marshal(r.Vars)
	if err != nil {
		return err
	}
	k := dynamo.ReminderKey(r.Sub, r.ID)
	at := r.At.UTC()
	tx.Put(item{PK: k.PK, SK: k.SK, Kind: kindReminder, Sub: r.Sub, ID: r.ID, At: at.Format(time.RFC3339), Type: r.Type,
		Vars: string(vars), State: "scheduled", GSI1PK: dynamo.RemindPK(at.Format(minuteLayout), shard(r.Sub, r.ID)),
		GSI1SK: dynamo.RemindSK(r.Sub, r.ID), TTL: at.Add(30 * 24 * time.Hour).Unix()})
	return nil
}

// Cancel removes a reminder in tx (a paid charge, a cancelled appointment).
func Cancel(tx *dynamo.Tx, sub, id string) { tx.Delete(dynamo.ReminderKey(sub, id), false) }

// Runner is the scheduled run.
type Runner struct {
	DB    *dynamo.Store
	Inbox *inbox.Store
	Clock clock.Clock
	// Workers send in parallel (default 32).
	Workers int
	// CatchUp bounds how far back a run looks when it has no cursor or the
	// cursor is older (default an hour: a longer outage needs an operator to
	// run it with a longer catch-up).
	CatchUp time.Duration
}

// Stats counts what a run did.
type Stats struct {
	Minutes, Sent, AlreadySent, Errors int
}

type cursorItem struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Kind   string `dynamodbav:"Kind"`
	Minute string `dynamodbav:"Minute"`
}

// Run sends every reminder due from the minute after the last finished one
// up to now. Two runs at once (a schedule firing twice) send each reminder
// once: the second one's conditional writes fail and are counted, not sent.
func (r *Runner) Run(ctx context.Context) (Stats, error) {
	now := r.Clock.Now().UTC().Truncate(time.Minute)
	catchUp := r.CatchUp
	if catchUp <= 0 {
		catchUp = time.Hour
	}
	from := now.Add(-catchUp)
	var c cursorItem
	err := r.DB.Get(ctx, dynamo.ReminderCursorKey(), "курсор", &c)
	if err != nil && !problem.Is(err, problem.KindNotFound) {
		return Stats{}, err
	}
	if t, perr := time.Parse(minuteLayout, c.Minute); perr == nil && t.Add(time.Minute).After(from) {
		from = t.Add(time.Minute)
	}
	var total Stats
	for m := from; !m.After(now); m = m.Add(time.Minute) {
		st, err := r.RunMinute(ctx, m)
		total.Minutes++
		total.Sent += st.Sent
		total.AlreadySent += st.AlreadySent
		total.Errors += st.Errors
		if err != nil {
			return total, err
		}
		if st.Errors > 0 {
			// Leave the cursor here: the next run tries this minute again.
			return total, nil
		}
		if err := r.advance(ctx, m); err != nil {
			return total, err
		}
	}
	return total, nil
}

func (r *Runner) advance(ctx context.Context, m time.Time) error {
	k := dynamo.ReminderCursorKey()
	cond := expression.Or(expression.AttributeNotExists(expression.Name("Minute")), expression.Name("Minute").LessThan(expression.Value(m.Format(minuteLayout))))
	err := r.DB.Update(ctx, k, expression.Set(expression.Name("Minute"), expression.Value(m.Format(minuteLayout))).
		Set(expression.Name("Kind"), expression.Value("reminder-cursor")), &cond)
	if problem.Is(err, problem.KindConflict) {
		// The item may not exist yet (Update requires it) or another run is ahead.
		if cerr := r.DB.Create(ctx, cursorItem{PK: k.PK, SK: k.SK, Kind: kindCursor, Minute: m.Format(minuteLayout)}); cerr != nil && !problem.Is(cerr, problem.KindConflict) {
			return cerr
		}
		return nil
	}
	return err
}

// RunMinute sends the reminders of one minute's buckets.
func (r *Runner) RunMinute(ctx context.Context, m time.Time) (Stats, error) {
	workers := r.Workers
	if workers <= 0 {
		workers = 32
	}
	jobs := make(chan item)
	var mu sync.Mutex
	var st Stats
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range jobs {
				sent, err := r.fire(ctx, it)
				mu.Lock()
				switch {
				case err != nil:
					st.Errors++
					logging.From(ctx).Error("reminder not sent", "reminder", it.ID, "err", err)
				case sent:
					st.Sent++
				default:
					st.AlreadySent++
				}
				mu.Unlock()
			}
		}()
	}
	var qerr error
	for s := 0; s < Shards && qerr == nil; s++ {
		cursor := ""
		for {
			var page []item
			next, err := r.DB.Query(ctx, dynamo.Page{Index: dynamo.IndexGSI1, Partition: dynamo.RemindPK(m.Format(minuteLayout), s),
				Forward: true, Cursor: cursor}, &page)
			if err != nil {
				qerr = err
				break
			}
			for _, it := range page {
				jobs <- it
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	close(jobs)
	wg.Wait()
	return st, qerr
}

// fire writes the note and marks the reminder sent in one transaction.
func (r *Runner) fire(ctx context.Context, it item) (bool, error) {
	var vars messages.Vars
	if err := json.Unmarshal([]byte(it.Vars), &vars); err != nil {
		return false, err
	}
	cond := expression.Name("State").Equal(expression.Value("scheduled")).And(expression.Name("At").Equal(expression.Value(it.At)))
	tx := (&dynamo.Tx{}).Update(dynamo.ReminderKey(it.Sub, it.ID), expression.Set(expression.Name("State"), expression.Value("sent")).
		Remove(expression.Name(dynamo.AttrGSI1PK)).Remove(expression.Name(dynamo.AttrGSI1SK)), &cond)
	if _, err := r.Inbox.Add(tx, inbox.Note{Sub: it.Sub, Type: it.Type, Vars: vars, Ref: "reminder:" + it.ID + ":" + it.At}, r.Clock.Now()); err != nil {
		return false, err
	}
	err := r.DB.Transact(ctx, "", tx)
	if problem.Is(err, problem.KindConflict) {
		return false, nil
	}
	return err == nil, err
}
