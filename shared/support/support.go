// Package support is how a person gets help and how operators give it:
// tickets (the feedback form) with a number, a priority and an SLA clock,
// worked by operators (Cognito group support) from a queue ordered by when
// an answer is due; a real-time chat with the first free operator over API
// Gateway's WebSocket API, which becomes a ticket when nobody is online;
// and the public FAQ. Every look an operator takes at a person's ticket or
// chat goes through the AccessRecorder port (DESIGN 14).
//
// # Tickets
//
// Statuses: new (nobody took it) → open (an operator works on it) →
// waiting (the operator asked the person something) → solved → closed.
// The person's reply moves a waiting or solved ticket back to open; a
// ticket waiting too long gets a notice and is then solved by itself; a
// solved one closes after a few days, and a closed one is reopened only by
// a new ticket that quotes it. An urgent ticket must be solved within
// Policy.UrgentSolve (48 hours), any other answered within
// Policy.FirstAnswer (24 hours): that moment is the ticket's due time,
// which the person sees and the queue is ordered by; a ticket past it is
// breached.
//
// # Keys
//
// A ticket lives in its owner's partition (TicketKey) with its messages
// (TicketMessageKey); a pointer (TicketPointerKey) finds the owner from
// the id for operators. The queue is a sparse GSI1 (SupportQueuePK) that
// holds only the tickets an operator must act on (new and open); the
// timers are a sparse GSI2 (SupportTimersPK) that holds only the tickets a
// schedule must act on (waiting, solved), keyed by when: the schedule
// reads what is due and never scans.
package support

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
)

// Policy is the SLA and the timers, from the function's settings
// (template.yaml parameters).
type Policy struct {
	// FirstAnswer is how soon an ordinary ticket must be answered (24 h).
	FirstAnswer time.Duration
	// UrgentSolve is how soon an urgent ticket must be solved (48 h).
	UrgentSolve time.Duration
	// WaitNotice is how long a ticket waits for the person before they are
	// told it will be solved without them; WaitSolve how long after that
	// notice it is solved.
	WaitNotice, WaitSolve time.Duration
	// CloseAfter is how long a solved ticket stays open to a reply.
	CloseAfter time.Duration
}

// DefaultPolicy is the seeds' SLA: a first answer within 24 hours, urgent
// ones solved within 48; three days of waiting, then a notice and two more
// days; closed three days after solved.
func DefaultPolicy() Policy {
	return Policy{FirstAnswer: 24 * time.Hour, UrgentSolve: 48 * time.Hour, WaitNotice: 72 * time.Hour,
		WaitSolve: 48 * time.Hour, CloseAfter: 72 * time.Hour}
}

// Inbox puts notes in a person's inbox, in the transaction of the change.
type Inbox interface {
	Add(tx *dynamo.Tx, n inbox.Note, now time.Time) (string, error)
}

var _ Inbox = (*inbox.Store)(nil)

// Deps are what the support services are built on; each constructor names
// what it lacks.
type Deps struct {
	DB    *dynamo.Store
	Clock clock.Clock
	Inbox Inbox
	// Journal records in the person's activity journal what was done on
	// their ticket, and (through the AccessRecorder: the access log) each operator's look.
	Journal *journal.Journal
	// Access records each operator's look at a person's data.
	Access AccessRecorder
	// Links checks that what a ticket links to is the person's own.
	Links Links
	// Pusher sends chat events to WebSocket connections.
	Pusher Pusher
	Policy Policy
}

func (d Deps) need(service string, names ...string) error {
	set := map[string]bool{"DB": d.DB != nil, "Clock": d.Clock != nil, "Inbox": d.Inbox != nil, "Journal": d.Journal != nil,
		"Access": d.Access != nil, "Links": d.Links != nil, "Pusher": d.Pusher != nil,
		"Policy": d.Policy.FirstAnswer > 0 && d.Policy.UrgentSolve > 0 && d.Policy.WaitNotice > 0 && d.Policy.WaitSolve > 0 && d.Policy.CloseAfter > 0}
	var missing []string
	for _, n := range append([]string{"DB", "Clock"}, names...) {
		if !set[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("support: %s needs %s", service, strings.Join(missing, ", "))
	}
	return nil
}

// stampLayout is fixed-width UTC, so that comparing the strings compares
// the times (sort keys of the queue and the timers).
const stampLayout = "2006-01-02T15:04:05.000000000Z"

func stamp(t time.Time) string { return t.UTC().Format(stampLayout) }

func parseStamp(s string) time.Time {
	t, _ := time.Parse(stampLayout, s)
	return t
}

// NewID is a time-sortable id: the time to the microsecond and 8 random
// hex digits (tickets, conversations, recovery requests).
func NewID(now time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102150405.000000")[:14] + now.UTC().Format(".000000")[1:] + hex.EncodeToString(b[:])
}

// ValidID is the shape NewID makes (a path parameter is checked before it
// reaches a key).
func ValidID(id string) bool {
	if len(id) != 28 {
		return false
	}
	for i, r := range id {
		if i < 20 && (r < '0' || r > '9') || i >= 20 && !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

// PolicyFromEnv reads the SLA and the timers from the function's settings,
// DefaultPolicy where one is not set.
func PolicyFromEnv(env *config.Env) Policy {
	p := DefaultPolicy()
	p.FirstAnswer = env.Duration(config.SupportFirstAnswer, p.FirstAnswer)
	p.UrgentSolve = env.Duration(config.SupportUrgentSolve, p.UrgentSolve)
	p.WaitNotice = env.Duration(config.SupportWaitNotice, p.WaitNotice)
	p.WaitSolve = env.Duration(config.SupportWaitSolve, p.WaitSolve)
	p.CloseAfter = env.Duration(config.SupportCloseAfter, p.CloseAfter)
	return p
}
