// Package calendar keeps the dated things of a person's life with the
// portal — deadlines, appointments, payment due dates, expiries and their own
// items — and exports them as iCalendar (RFC 5545).
package calendar

import (
	"context"

	"strings"
	"time"
	"unicode/utf8"

	"github.com/kabinet/kabinet/shared/dynamo"
)

// Kinds of entries.
const (
	KindDeadline    = "deadline"
	KindAppointment = "appointment"
	KindPayment     = "payment"
	KindExpiry      = "expiry"
	KindOwn         = "own"
)

// Entry is one dated item.
type Entry struct {
	ID     string    `json:"id"`
	Kind   string    `json:"kind"`
	Title  string    `json:"title"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end,omitzero"`
	AllDay bool      `json:"allDay"`
	// Link is a relative path in the portal, when the entry has a page.
	Link string `json:"link,omitempty"`
}

type item struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Kind   string `dynamodbav:"Kind"`
	ID     string `dynamodbav:"ID"`
	Type   string `dynamodbav:"Type"`
	Title  string `dynamodbav:"Title"`
	Start  string `dynamodbav:"Start"`
	End    string `dynamodbav:"End,omitempty"`
	AllDay bool   `dynamodbav:"AllDay"`
	Link   string `dynamodbav:"Link,omitempty"`
	TTL    int64  `dynamodbav:"TTL"`
}

const stamp = "2006-01-02T15:04:05Z"

func (it item) entry() Entry {
	s, _ := time.Parse(stamp, it.Start)
	e, _ := time.Parse(stamp, it.End)
	return Entry{ID: it.ID, Kind: it.Type, Title: it.Title, Start: s, End: e, AllDay: it.AllDay, Link: it.Link}
}

// Key is where an entry is stored; callers keep it to remove the entry.
func Key(sub string, e Entry) dynamo.Key {
	return dynamo.CalendarKey(sub, e.Start.UTC().Format(stamp), e.ID)
}

// Add puts an entry into tx (with the change that makes it).
func Add(tx *dynamo.Tx, sub string, e Entry) {
	k := Key(sub, e)
	it := item{PK: k.PK, SK: k.SK, Kind: "calendar", ID: e.ID, Type: e.Kind, Title: e.Title, Start: e.Start.UTC().Format(stamp),
		AllDay: e.AllDay, Link: e.Link, TTL: e.Start.Add(400 * 24 * time.Hour).Unix()}
	if !e.End.IsZero() {
		it.End = e.End.UTC().Format(stamp)
	}
	tx.Put(it)
}

// Store reads the calendar.
type Store struct{ DB *dynamo.Store }

// MaxSpan is the longest period one request may list.
const MaxSpan = 400 * 24 * time.Hour

// List returns the entries starting in [from, to), in order.
func (s *Store) List(ctx context.Context, sub string, from, to time.Time) ([]Entry, error) {
	var out []Entry
	cursor := ""
	for {
		var items []item
		next, err := s.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(sub), From: dynamo.CalendarPrefix + from.UTC().Format(stamp),
			To: dynamo.CalendarPrefix + to.UTC().Add(-time.Second).Format(stamp) + "~", Forward: true, Cursor: cursor}, &items)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			out = append(out, it.entry())
		}
		if next == "" {
			return out, nil
		}
		cursor = next
	}
}

// Get returns one of the user's entries by its key; another user's is NotFound.
func (s *Store) Get(ctx context.Context, k dynamo.Key) (Entry, error) {
	var it item
	if err := s.DB.Get(ctx, k, "событие календаря", &it); err != nil {
		return Entry{}, err
	}
	return it.entry(), nil
}

// ICS renders entries as an iCalendar document. Times are UTC; all-day
// entries are dates. Text is escaped and lines are folded at 75 octets.
func ICS(entries []Entry, now time.Time, host string) string {
	var b strings.Builder
	line := func(s string) { b.WriteString(fold(s)) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Kabinet//Calendar//RU")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	line("X-WR-CALNAME:" + escape("Кабинет: сроки и события"))
	for _, e := range entries {
		line("BEGIN:VEVENT")
		line("UID:" + escape(e.ID) + "@" + host)
		line("DTSTAMP:" + now.UTC().Format("20060102T150405Z"))
		if e.AllDay {
			line("DTSTART;VALUE=DATE:" + e.Start.Format("20060102"))
			end := e.End
			if end.IsZero() || !end.After(e.Start) {
				end = e.Start.AddDate(0, 0, 1)
			}
			line("DTEND;VALUE=DATE:" + end.Format("20060102"))
		} else {
			line("DTSTART:" + e.Start.UTC().Format("20060102T150405Z"))
			end := e.End
			if end.IsZero() || !end.After(e.Start) {
				end = e.Start.Add(30 * time.Minute)
			}
			line("DTEND:" + end.UTC().Format("20060102T150405Z"))
		}
		line("SUMMARY:" + escape(e.Title))
		line("CATEGORIES:" + escape(e.Kind))
		if e.Link != "" {
			line("DESCRIPTION:" + escape("Подробнее в личном кабинете: "+e.Link))
		}
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return b.String()
}

// escape applies RFC 5545 TEXT escaping.
func escape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	return r.Replace(s)
}

// fold ends a content line with CRLF, folding it at 75 octets without
// splitting a UTF-8 character.
func fold(s string) string {
	var b strings.Builder
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
	return b.String()
}

// Validate checks an own entry.
func (e Entry) Validate() []string {
	var bad []string
	if n := utf8.RuneCountInString(strings.TrimSpace(e.Title)); n < 1 || n > 200 {
		bad = append(bad, "title")
	}
	if e.Start.IsZero() {
		bad = append(bad, "start")
	}
	if !e.End.IsZero() && e.End.Before(e.Start) {
		bad = append(bad, "end")
	}
	return bad
}
