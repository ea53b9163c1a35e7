package support

import (
	"context"
	"strings"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/journal"
)

// Access is one look an operator takes at a person's data: who (the
// operator), whose, which data and why (DESIGN 14).
type Access struct {
	Operator actor.Actor
	Owner    string
	// What names the record looked at ("обращение № ТП-…").
	What string
	// Data are the kinds of data it shows.
	Data []string
	// Purpose is why the operator looked.
	Purpose string
}

// AccessRecorder records every look an operator takes at a person's data
// before it is shown. It is the hook of the person's access log (issue
// 14): when that lands, its adapter takes this port's place in main;
// until then JournalAccess writes each look to the person's activity
// journal, so no look goes unrecorded.
type AccessRecorder interface {
	// Record records a; an error stops the look.
	Record(ctx context.Context, a Access) error
}

// JournalAccess records looks in the person's activity journal, naming the
// role (the operator's id is kept for audit, never shown to the person).
type JournalAccess struct{ Journal *journal.Journal }

var _ AccessRecorder = JournalAccess{}

// JournalTypeAccess is the journal's type of an operator's look.
const JournalTypeAccess = "support.access"

// Record appends "Оператор поддержки просмотрел …" (or "Регистратор …")
// to the owner's journal.
func (j JournalAccess) Record(ctx context.Context, a Access) error {
	role, id := journal.By(a.Operator, a.Owner)
	who := "Оператор поддержки"
	if a.Operator.IsRegistrar() && !a.Operator.In(actor.GroupSupport) {
		who = "Регистратор" // assisted recovery is theirs too
	}
	summary := who + " просмотрел " + a.What
	if len(a.Data) > 0 {
		summary += " (" + strings.Join(a.Data, ", ") + ")"
	}
	if a.Purpose != "" {
		summary += ": " + a.Purpose
	}
	_, err := j.Journal.Append(ctx, a.Owner, journal.Entry{Type: JournalTypeAccess, Summary: summary, Actor: role, ActorID: id})
	return err
}
