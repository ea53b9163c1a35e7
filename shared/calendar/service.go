package calendar

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/reminders"
)

// KeySource gives the key of subscription token hashes: vault.Keyring
// derives it from the index secret.
type KeySource interface {
	FeedKey(ctx context.Context) ([]byte, error)
}

// Deps are what the calendar services are built on; each constructor names
// what it lacks.
type Deps struct {
	DB *dynamo.Store
	// Keys key the hashes of subscription tokens (Feeds only).
	Keys KeySource
	// Journal records subscriptions made and revoked (nil: not recorded).
	Journal *journal.Journal
	Clock   clock.Clock
}

func (d Deps) need(service string, names ...string) error {
	set := map[string]bool{"DB": d.DB != nil, "Clock": d.Clock != nil, "Keys": d.Keys != nil}
	var missing []string
	for _, n := range append([]string{"DB", "Clock"}, names...) {
		if !set[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("calendar: %s needs %s", service, strings.Join(missing, ", "))
	}
	return nil
}

// Service is a person's calendar: listing a period as JSON or iCalendar,
// and their own items with a reminder each.
type Service struct {
	d     Deps
	store *Store
}

// NewService needs DB and Clock.
func NewService(d Deps) (*Service, error) {
	if err := d.need("Service"); err != nil {
		return nil, err
	}
	return &Service{d: d, store: &Store{DB: d.DB}}, nil
}

// Host names the UIDs of the iCalendar events.
const Host = "kabinet.gosuslugi.local"

// DefaultSpan is the period listed when the caller names no end: 90 days
// from today (UTC).
const DefaultSpan = 90 * 24 * time.Hour

// Listing is one period of a person's calendar.
type Listing struct {
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	Items []Entry   `json:"items"`
}

// owner is the person whose calendar the actor acts on: their own; a call
// without a person is refused (actor.OwnAccount).
func owner(a actor.Actor) (string, error) { return a.OwnAccount() }

// Period fills in the defaults of a period (from today, for 90 days) and
// checks it: the end after the start, at most MaxSpan. Errors: Invalid.
func (s *Service) Period(from, to time.Time) (time.Time, time.Time, error) {
	today := s.d.Clock.Now().UTC().Truncate(24 * time.Hour)
	if from.IsZero() {
		from = today
	}
	if to.IsZero() {
		to = today.Add(DefaultSpan)
	}
	switch {
	case !to.After(from):
		return from, to, problem.Invalid(problem.Field{Field: "to", Code: "period.order", Message: "Конец периода должен быть позже начала"})
	case to.Sub(from) > MaxSpan:
		return from, to, problem.Invalid(problem.Field{Field: "to", Code: "period.too_long", Message: "Период не длиннее 400 дней"})
	}
	return from, to, nil
}

// List returns the actor's entries starting in [from, to) (zero: the
// defaults of Period), in order. Errors: Invalid, Unauthenticated.
func (s *Service) List(ctx context.Context, a actor.Actor, from, to time.Time) (Listing, error) {
	sub, err := owner(a)
	if err != nil {
		return Listing{}, err
	}
	if from, to, err = s.Period(from, to); err != nil {
		return Listing{}, err
	}
	items, err := s.store.List(ctx, sub, from, to)
	if err != nil {
		return Listing{}, fmt.Errorf("list calendar: %w", err)
	}
	if items == nil {
		items = []Entry{}
	}
	return Listing{From: from, To: to, Items: items}, nil
}

// ICS is the actor's period (as List) as an iCalendar document.
func (s *Service) ICS(ctx context.Context, a actor.Actor, from, to time.Time) (string, error) {
	l, err := s.List(ctx, a, from, to)
	if err != nil {
		return "", err
	}
	return ICS(l.Items, s.d.Clock.Now(), Host), nil
}

// Item is an own item as the person describes it.
type Item struct {
	Title  string
	Start  time.Time
	End    time.Time
	AllDay bool
	// RemindMinutesBefore sets the reminder: nil is a day before, 0 at the
	// start.
	RemindMinutesBefore *int
}

// The limits of own items.
const (
	// MaxAhead bounds how far ahead an own item may start.
	MaxAhead = 5 * 365 * 24 * time.Hour
	// DefaultRemindBefore is when an item reminds unless told.
	DefaultRemindBefore = 24 * 60
	// MaxRemindBefore is the earliest reminder, in minutes before the start.
	MaxRemindBefore = 30 * 24 * 60
)

var fieldMessages = map[string]string{
	"title": "Название — от 1 до 200 символов", "start": "Укажите начало (RFC 3339)", "end": "Конец не может быть раньше начала"}

// Add puts an own item into the actor's calendar with its reminder (unless
// the reminder's time has passed), in one transaction. The item's id
// carries its start, so that Remove finds its key. Errors: Invalid naming
// every bad field, Unauthenticated.
func (s *Service) Add(ctx context.Context, a actor.Actor, in Item) (Entry, error) {
	sub, err := owner(a)
	if err != nil {
		return Entry{}, err
	}
	now := s.d.Clock.Now()
	e := Entry{Kind: KindOwn, Title: strings.TrimSpace(in.Title), Start: in.Start, End: in.End, AllDay: in.AllDay}
	var fields []problem.Field
	for _, f := range e.Validate() {
		fields = append(fields, problem.Field{Field: f, Code: f + ".invalid", Message: fieldMessages[f]})
	}
	if !e.Start.IsZero() && (e.Start.Before(now.Add(-24*time.Hour)) || e.Start.After(now.Add(MaxAhead))) {
		fields = append(fields, problem.Field{Field: "start", Code: "start.range", Message: "Событие — не раньше вчерашнего дня и не позже чем через 5 лет"})
	}
	before := DefaultRemindBefore
	if in.RemindMinutesBefore != nil {
		before = *in.RemindMinutesBefore
		if before < 0 || before > MaxRemindBefore {
			fields = append(fields, problem.Field{Field: "remindMinutesBefore", Code: "remind.range", Message: "Напоминание — от 0 минут до 30 дней до начала"})
		}
	}
	if len(fields) > 0 {
		return Entry{}, problem.Invalid(fields...)
	}
	e.ID = fmt.Sprintf("%d-%s", e.Start.Unix(), randomID(6))
	tx := &dynamo.Tx{}
	Add(tx, sub, e)
	if remindAt := e.Start.Add(-time.Duration(before) * time.Minute); remindAt.After(now) {
		if err := reminders.Schedule(tx, reminders.Reminder{Sub: sub, ID: reminderID(e.ID), At: remindAt,
			Type: messages.CalendarItem, Vars: messages.Vars{"Title": e.Title, "At": e.Start}}); err != nil {
			return Entry{}, err
		}
	}
	if err := s.d.DB.Transact(ctx, "", tx); err != nil {
		return Entry{}, fmt.Errorf("add calendar item: %w", err)
	}
	return e, nil
}

// Remove deletes one of the actor's own items and its reminder. An id that
// is not one of theirs is NotFound; an entry a department made is
// Forbidden (it goes with the thing it dates).
func (s *Service) Remove(ctx context.Context, a actor.Actor, id string) error {
	sub, err := owner(a)
	if err != nil {
		return err
	}
	secs, _, ok := strings.Cut(id, "-")
	unix, perr := strconv.ParseInt(secs, 10, 64)
	if !ok || perr != nil {
		return problem.NotFound("событие календаря")
	}
	k := Key(sub, Entry{ID: id, Start: time.Unix(unix, 0)})
	e, err := s.store.Get(ctx, k)
	if err != nil {
		return err
	}
	if e.Kind != KindOwn {
		return problem.Forbidden("Это событие создано ведомством и удаляется вместе с ним")
	}
	tx := (&dynamo.Tx{}).Delete(k, true)
	reminders.Cancel(tx, sub, reminderID(id))
	if err := s.d.DB.Transact(ctx, "", tx); err != nil {
		return fmt.Errorf("remove calendar item: %w", err)
	}
	return nil
}

func reminderID(itemID string) string { return "cal-" + itemID }

// randomID is n random bytes, URL-safe.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
