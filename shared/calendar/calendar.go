// Package calendar keeps the dated things of a person's life with the
// portal — deadlines, appointments, payment due dates, expiries and their own
// items — and exports them as iCalendar (RFC 5545).
package calendar

import (
	"strings"
	"time"
	"unicode/utf8"
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
	// Location is where it happens (an appointment's address), when it
	// happens somewhere.
	Location string `json:"location,omitempty"`
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
		if e.Location != "" {
			line("LOCATION:" + escape(e.Location))
		}
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
