package support

import (
	"context"
	"strings"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/personaldata"
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
	// Categories are the data's categories and Reason the case (a
	// ticket's number), as the person's access log records them.
	Categories []personaldata.Category
	Reason     accesslog.Reason
}

// AccessRecorder records every look an operator takes at a person's data
// before it is shown. The functions record in the person's access log
// (LogAccess); JournalAccess writes a look to the activity journal instead,
// for a deployment without the log.
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

// LogAccess records looks in the person's access log ("who accessed my
// data", DESIGN 14): who (the operator, as support or a registrar), which
// categories, and the case.
type LogAccess struct{ Log *accesslog.Log }

var _ AccessRecorder = LogAccess{}

// Record writes the look before the data leaves; an error stops the look.
func (l LogAccess) Record(ctx context.Context, a Access) error {
	return l.Log.Record(ctx, accesslog.Read{Owner: a.Owner, By: a.Operator, Categories: a.Categories, Reason: a.Reason})
}
