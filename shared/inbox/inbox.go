// Package inbox keeps what the portal tells a person: every event meant for
// someone (an application's status, a charge, a payment, an appointment, a
// consent, a security event, a reminder) becomes an inbox record, written in
// the same transaction as the change it reports, together with one pending
// delivery per channel (email, SMS, push). The Deliverer then takes each
// delivery to sent, skipped, capped or failed — never lost, never silent.
package inbox

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/problem"
)

// Channels a note may go out on.
const (
	Email = "email"
	SMS   = "sms"
	Push  = "push"
)

// AllChannels in delivery order.
var AllChannels = []string{Email, SMS, Push}

// Delivery states.
const (
	StatePending = "pending"
	StateHeld    = "held" // waiting for quiet hours to end
	StateSent    = "sent"
	StateSkipped = "skipped" // the channel is off, or the person has no such contact
	StateCapped  = "capped"  // over the daily cap: inbox only
	StateFailed  = "failed"
)

// DueShards spread due deliveries over GSI2 partitions.
const DueShards = 8

// Note is what a producer reports.
type Note struct {
	Sub  string
	Type string
	Vars messages.Vars
	// Ref, when set, makes the note at most once per (Sub, Type, Ref), so a
	// trigger that fires twice does not notify twice.
	Ref string
}

// ChannelState is the visible state of one channel of a note.
type ChannelState struct {
	State    string    `json:"state" dynamodbav:"State"`
	Attempts int       `json:"attempts" dynamodbav:"Attempts"`
	Reason   string    `json:"reason,omitempty" dynamodbav:"Reason,omitempty"`
	At       time.Time `json:"at,omitzero" dynamodbav:"At,omitempty"`
}

// Record is one inbox entry as the owner sees it.
type Record struct {
	ID        string                  `json:"id"`
	Type      string                  `json:"type"`
	Category  string                  `json:"category"`
	Title     string                  `json:"title"`
	Body      string                  `json:"body"`
	CreatedAt time.Time               `json:"createdAt"`
	Read      bool                    `json:"read"`
	Channels  map[string]ChannelState `json:"channels"`
}

type noteItem struct {
	PK        string                  `dynamodbav:"PK"`
	SK        string                  `dynamodbav:"SK"`
	Kind      string                  `dynamodbav:"Kind"`
	ID        string                  `dynamodbav:"ID"`
	Type      string                  `dynamodbav:"Type"`
	Category  string                  `dynamodbav:"Category"`
	Title     string                  `dynamodbav:"Title"`
	Body      string                  `dynamodbav:"Body"`
	Vars      string                  `dynamodbav:"Vars"`
	CreatedAt string                  `dynamodbav:"CreatedAt"`
	Read      bool                    `dynamodbav:"Read"`
	Channels  map[string]ChannelState `dynamodbav:"Channels"`
	TTL       int64                   `dynamodbav:"TTL"`
}

func (it noteItem) record() Record {
	t, _ := time.Parse(time.RFC3339Nano, it.CreatedAt)
	return Record{ID: it.ID, Type: it.Type, Category: it.Category, Title: it.Title, Body: it.Body, CreatedAt: t, Read: it.Read, Channels: it.Channels}
}

type deliveryItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	Kind       string `dynamodbav:"Kind"`
	Sub        string `dynamodbav:"Sub"`
	NoteID     string `dynamodbav:"NoteID"`
	Type       string `dynamodbav:"Type"`
	Channel    string `dynamodbav:"Channel"`
	State      string `dynamodbav:"State"`
	Attempts   int    `dynamodbav:"Attempts"`
	NextAt     string `dynamodbav:"NextAt"`
	LeaseUntil string `dynamodbav:"LeaseUntil,omitempty"`
	Reason     string `dynamodbav:"Reason,omitempty"`
	GSI2PK     string `dynamodbav:"GSI2PK,omitempty"`
	GSI2SK     string `dynamodbav:"GSI2SK,omitempty"`
	TTL        int64  `dynamodbav:"TTL"`
}

type refItem struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Kind   string `dynamodbav:"Kind"`
	NoteID string `dynamodbav:"NoteID"`
	TTL    int64  `dynamodbav:"TTL"`
}

// Retention is how long inbox records and deliveries are kept.
var Retention = 365 * 24 * time.Hour

// Store reads and writes the inbox.
type Store struct{ DB *dynamo.Store }

func noteID(now time.Time) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return now.UTC().Format("20060102150405") + fmt.Sprintf("%09d", now.Nanosecond()) + "-" + base64.RawURLEncoding.EncodeToString(b)
}

// stampLayout has a fixed width, so that stamps sort as times do.
const stampLayout = "2006-01-02T15:04:05.000000000Z"

func ts(t time.Time) string { return t.UTC().Format(stampLayout) }

func dueKeys(sub, noteID, channel string, at time.Time) (string, string) {
	h := fnv.New32a()
	h.Write([]byte(sub + noteID + channel))
	return dynamo.DuePK(int(h.Sum32() % DueShards)), ts(at) + "#" + sub + "#" + noteID + "#" + channel
}

// Add puts a note, its unread count and its pending deliveries into tx, so
// that they commit or fail with the change they report. It returns the note id.
func (s *Store) Add(tx *dynamo.Tx, n Note, now time.Time) (string, error) {
	category, ok := messages.Category(n.Type)
	if !ok {
		return "", fmt.Errorf("inbox: unknown note type %q", n.Type)
	}
	r, err := messages.Render(n.Type, n.Vars, clock.Moscow())
	if err != nil {
		return "", fmt.Errorf("inbox: render %s: %w", n.Type, err)
	}
	vars, err := json.Marshal(n.Vars)
	if err != nil {
		return "", err
	}
	id := noteID(now)
	k := dynamo.NoteKey(n.Sub, id)
	channels := map[string]ChannelState{}
	for _, ch := range AllChannels {
		channels[ch] = ChannelState{State: StatePending}
	}
	ttl := now.Add(Retention).Unix()
	tx.Create(noteItem{PK: k.PK, SK: k.SK, Kind: kindNote, ID: id, Type: n.Type, Category: category, Title: r.Title, Body: r.Body,
		Vars: string(vars), CreatedAt: now.UTC().Format(time.RFC3339Nano), Channels: channels, TTL: ttl})
	tx.Update(dynamo.UnreadKey(n.Sub), unreadBy(1), nil)
	for _, ch := range AllChannels {
		dk := dynamo.DeliveryKey(n.Sub, id, ch)
		gpk, gsk := dueKeys(n.Sub, id, ch, now)
		tx.Create(deliveryItem{PK: dk.PK, SK: dk.SK, Kind: kindDelivery, Sub: n.Sub, NoteID: id, Type: n.Type, Channel: ch,
			State: StatePending, NextAt: ts(now), GSI2PK: gpk, GSI2SK: gsk, TTL: ttl})
	}
	if n.Ref != "" {
		sum := sha256.Sum256([]byte(n.Sub + "\x00" + n.Type + "\x00" + n.Ref))
		rk := dynamo.NoteRefKey(base64.RawURLEncoding.EncodeToString(sum[:]))
		tx.Create(refItem{PK: rk.PK, SK: rk.SK, Kind: kindNoteRef, NoteID: id, TTL: ttl})
	}
	return id, nil
}

// Notify records a note in a transaction of its own. A note with a Ref that
// was already made is a Conflict (code already_notified).
func (s *Store) Notify(ctx context.Context, n Note, now time.Time) (string, error) {
	tx := &dynamo.Tx{}
	id, err := s.Add(tx, n, now)
	if err != nil {
		return "", err
	}
	if err := s.DB.Transact(ctx, "", tx); err != nil {
		if problem.Is(err, problem.KindConflict) {
			pe, _ := problem.As(err)
			pe.Code = "already_notified"
		}
		return "", err
	}
	return id, nil
}

// List returns a page of the user's inbox, newest first; unreadOnly keeps
// unread records.
func (s *Store) List(ctx context.Context, sub string, unreadOnly bool, cursor string, limit int32) ([]Record, string, error) {
	items, next, err := dynamo.Collect(ctx, s.DB, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.NotePrefix, Cursor: cursor}, int(limit),
		func(it noteItem) bool { return !unreadOnly || !it.Read })
	if err != nil {
		return nil, "", err
	}
	out := make([]Record, 0, len(items))
	for _, it := range items {
		out = append(out, it.record())
	}
	return out, next, nil
}

// Get returns one of the user's records; another user's is NotFound.
func (s *Store) Get(ctx context.Context, sub, id string) (Record, error) {
	var it noteItem
	if err := s.DB.Get(ctx, dynamo.NoteKey(sub, id), "уведомление", &it); err != nil {
		return Record{}, err
	}
	return it.record(), nil
}

// The kinds of the items kept here.
const (
	kindNote     = "note"
	kindDelivery = "delivery"
	kindNoteRef  = "noteref"
	kindUnread   = "unread"
)

// unreadBy moves the unread counter, which says what it is like every item
// (the export sorts a person's items by Kind).
func unreadBy(n int) expression.UpdateBuilder {
	return expression.Add(expression.Name("N"), expression.Value(n)).Set(expression.Name(dynamo.AttrKind), expression.Value(kindUnread))
}

// Unread returns the user's unread count.
func (s *Store) Unread(ctx context.Context, sub string) (int, error) {
	var c struct{ N int }
	err := s.DB.Get(ctx, dynamo.UnreadKey(sub), "счётчик", &c)
	if problem.Is(err, problem.KindNotFound) {
		return 0, nil
	}
	if c.N < 0 {
		c.N = 0
	}
	return c.N, err
}

// MarkRead marks one record read; marking it twice changes nothing.
func (s *Store) MarkRead(ctx context.Context, sub, id string) error {
	if _, err := s.Get(ctx, sub, id); err != nil {
		return err
	}
	cond := expression.Name("Read").Equal(expression.Value(false))
	tx := (&dynamo.Tx{}).
		Update(dynamo.NoteKey(sub, id), expression.Set(expression.Name("Read"), expression.Value(true)), &cond).
		Update(dynamo.UnreadKey(sub), unreadBy(-1), nil)
	err := s.DB.Transact(ctx, "", tx)
	if problem.Is(err, problem.KindConflict) {
		return nil // already read
	}
	return err
}

// MarkAllRead marks every unread record read and returns how many changed.
func (s *Store) MarkAllRead(ctx context.Context, sub string) (int, error) {
	n, cursor := 0, ""
	for {
		page, next, err := s.List(ctx, sub, true, cursor, dynamo.MaxPageSize)
		if err != nil {
			return n, err
		}
		for _, r := range page {
			if err := s.MarkRead(ctx, sub, r.ID); err != nil {
				return n, err
			}
			n++
		}
		if next == "" {
			return n, nil
		}
		cursor = next
	}
}
