// Package appointments is booking a visit: to a doctor of a clinic, to a
// traffic-police exam, to a service centre's window, to a pension-fund
// office. Organisations keep resources (a doctor, an exam, a window) with a
// weekly schedule that follows the production calendar; a nightly run
// materialises their slots weeks ahead, each with a capacity (one patient, a
// class of examinees). People search free slots, book a ticket, cancel or
// move it until the organisation's deadline, wait for a place to free;
// staff of the organisation see their day, mark who came and who did not,
// change schedules and close a day.
//
// Three rules shape the storage (shared/dynamo/keys.go lists the keys):
//
//   - A slot's places are counted on the slot item with conditional writes,
//     and the free-slot indexes (by region, by organisation) hold exactly
//     the slots with a free place: a place is taken on the condition that
//     more than one is left, and the last one on the condition that exactly
//     one is, which also takes the slot out of the indexes. So a hundred
//     people racing for one place get one ticket, and search never reads a
//     full slot.
//   - A person's active appointments sit on one ledger item written under
//     its version with every booking, move and cancellation: two bookings at
//     once cannot both pass the overlap and per-service limits.
//   - A freed place goes to the first person on the resource's waitlist in
//     the same transaction that frees it, held for them for HoldFor, and on
//     to the next when they let it go: exactly one offer per freed place.
//
// An appointment is made for someone: the person themselves for now
// ("self"), a child or a represented person with the family feature; the
// rules count per the person it is for.
package appointments

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/applications"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/problem"
)

// People is what appointments needs of accounts: the name staff see on a
// visit.
type People interface {
	// FullName is the person's name; NotFound without an account.
	FullName(ctx context.Context, sub string) (accounts.FullName, error)
}

// Inbox puts notes in a person's inbox, in the transaction of the change.
type Inbox interface {
	// Add adds the note and its deliveries to tx; it fails only for an
	// unknown type or unrenderable vars.
	Add(tx *dynamo.Tx, n inbox.Note, now time.Time) (string, error)
}

// Applications finds the application a booking relies on: the traffic
// police examine only people whose exam application they admitted.
type Applications interface {
	// InStatus finds the actor's application of a service in one of
	// statuses (by id, or the newest): NotFound, Invalid (another
	// service's id), Conflict application_status.
	InStatus(ctx context.Context, a actor.Actor, service, id string, statuses []string) (applications.Standing, error)
}

// Journal writes the person's activity journal in the transaction of the
// change.
type Journal interface {
	// Head reads the end of a person's journal.
	Head(ctx context.Context, sub string) (journal.Head, error)
	// AppendTx adds the next entry to tx; the transaction fails with
	// Conflict when another entry was appended meanwhile.
	AppendTx(ctx context.Context, tx *dynamo.Tx, head journal.Head, sub string, e journal.Entry) (journal.Entry, error)
}

var (
	_ People       = (*accounts.Profiles)(nil)
	_ Inbox        = (*inbox.Store)(nil)
	_ Applications = (*applications.Service)(nil)
	_ Journal      = (*journal.Journal)(nil)
)

// Deps are what the appointments services are built on; each constructor
// names what it lacks.
type Deps struct {
	DB    *dynamo.Store
	Clock clock.Clock
	// People give the names staff see on their day's visits.
	People People
	Inbox  Inbox
	// Applications check the exam application of a traffic-police exam.
	Applications Applications
	// Journal records bookings and staff's marks in the person's
	// activity journal.
	Journal Journal
}

func (d Deps) need(service string, names ...string) error {
	set := map[string]bool{"DB": d.DB != nil, "Clock": d.Clock != nil, "People": d.People != nil, "Inbox": d.Inbox != nil,
		"Applications": d.Applications != nil, "Journal": d.Journal != nil}
	var missing []string
	for _, n := range append([]string{"DB", "Clock"}, names...) {
		if !set[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("appointments: %s needs %s", service, strings.Join(missing, ", "))
	}
	return nil
}

// system refuses anyone but the portal itself (the nightly run, the
// seeding, an operator's tool).
func system(a actor.Actor) error {
	if !a.IsSystem() {
		return problem.New(problem.KindForbidden, "system_only", "Действие выполняет только сам портал")
	}
	return nil
}

// maxAttempts bounds the retries of a write lost to a concurrent writer (a
// slot's last place, a person's ledger, their journal).
const maxAttempts = 12

func retryable(err error) bool {
	return problem.Is(err, problem.KindConflict) || problem.Is(err, problem.KindUnavailable)
}

// backoff waits a random time that grows with the attempt, so that racing
// writers spread out instead of colliding again.
func backoff(ctx context.Context, attempt int) error {
	if attempt == 0 {
		return nil
	}
	ceiling := min(time.Millisecond<<attempt, 40*time.Millisecond)
	t := time.NewTimer(mrand.N(ceiling) + time.Millisecond/4)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func busy(err error) error {
	return problem.Wrap(err, problem.KindUnavailable, "busy", "Запись сейчас изменяется, повторите попытку")
}

// transact runs the transaction build makes, building it again after a
// write lost to another writer; build reads what it needs afresh each
// time. A token of its own for each attempt: a resent transaction that in
// fact committed is then answered as committed, not failed.
func transact(ctx context.Context, db *dynamo.Store, build func(attempt int) (*dynamo.Tx, error)) error {
	var last error
	for attempt := range maxAttempts {
		if err := backoff(ctx, attempt); err != nil {
			return err
		}
		tx, err := build(attempt)
		if err != nil {
			return err
		}
		if tx == nil {
			return nil
		}
		err = db.Transact(ctx, token(), tx)
		if err == nil {
			return nil
		}
		if !retryable(err) {
			return err
		}
		last = err
	}
	return busy(fmt.Errorf("appointments: %d attempts: %w", maxAttempts, last))
}

const idAlphabet = "0123456789abcdefghijkmnopqrstuvwxyz"

func randomPart(n int) string {
	var b strings.Builder
	max := big.NewInt(int64(len(idAlphabet)))
	for range n {
		i, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err)
		}
		b.WriteByte(idAlphabet[i.Int64()])
	}
	return b.String()
}

// newID is sortable by creation time.
func newID(now time.Time) string { return now.UTC().Format("20060102T150405") + "-" + randomPart(10) }

func token() string { return randomPart(24) }

const stampLayout = time.RFC3339

func stamp(t time.Time) string { return t.UTC().Format(stampLayout) }

func parseStamp(s string) time.Time {
	t, _ := time.Parse(stampLayout, s)
	return t
}

// journalTx adds the journal entry of a change of sub's appointments by a
// to tx.
func journalTx(ctx context.Context, j Journal, tx *dynamo.Tx, a actor.Actor, sub, summary string) error {
	head, err := j.Head(ctx, sub)
	if err != nil {
		return err
	}
	role, id := journal.By(a, sub)
	ip := a.IP
	if role != journal.ActorCitizen {
		ip = ""
	}
	_, err = j.AppendTx(ctx, tx, head, sub, journal.Entry{Type: journal.TypeAppointment, Summary: summary, IP: ip, Actor: role, ActorID: id})
	return err
}

func invalid(field, code, msg string) problem.Field {
	return problem.Field{Field: field, Code: code, Message: msg}
}
