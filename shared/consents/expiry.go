package consents

import (
	"context"
	"errors"
	"fmt"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/reminders"
)

// ExpiryStats counts what a run did.
type ExpiryStats struct {
	// Expired are consents whose term ended, Lapsed requests nobody
	// answered; Errors those left for the next run.
	Expired, Lapsed, Errors int
}

// errNothing: the consent no longer lapses (answered, withdrawn, recorded
// by another run).
var errNothing = errors.New("nothing to record")

// Run records every consent whose term ended and every request left
// unanswered for RequestLifetime, each once even when runs overlap: the
// status, an event in the history, a note and a journal entry, in one
// transaction over the version read. Reads are refused from the moment
// the term ends whether or not a run has recorded it yet.
func (e *Expiry) Run(ctx context.Context) (ExpiryStats, error) {
	var st ExpiryStats
	now := e.d.now()
	for s := 0; s < DueShards; s++ {
		cursor := ""
		for {
			var page []consentItem
			next, err := e.d.DB.Query(ctx, dynamo.Page{Index: dynamo.IndexGSI2, Partition: dynamo.ConsentDuePK(s), From: "0",
				To: stamp(now) + "#~", Forward: true, Cursor: cursor}, &page)
			if err != nil {
				return st, fmt.Errorf("consents due: %w", err)
			}
			for _, it := range page {
				requested, err := e.lapse(ctx, it.Sub, it.ID)
				switch {
				case errors.Is(err, errNothing):
				case err != nil:
					st.Errors++
					logging.From(ctx).Error("consent not expired", "consent", it.ID, "err", err)
				case requested:
					st.Lapsed++
				default:
					st.Expired++
				}
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	return st, nil
}

// lapse records one consent's end; it reports whether it was a request.
func (e *Expiry) lapse(ctx context.Context, sub, id string) (bool, error) {
	var requested bool
	_, err := e.d.Journal.Commit(ctx, sub, func(ctx context.Context, tx *dynamo.Tx) (journal.Entry, error) {
		it, err := e.d.getConsent(ctx, sub, id)
		if err != nil {
			return journal.Entry{}, err
		}
		now := e.d.now()
		stored := Status(it.Status)
		if it.status(now) != StatusExpired || (stored != StatusActive && stored != StatusRequested) {
			return journal.Entry{}, errNothing
		}
		requested = stored == StatusRequested
		after := it
		after.Status, after.RequestDue = string(StatusExpired), ""
		after.setDue("")
		summary := fmt.Sprintf("Истёк срок согласия %s на обработку персональных данных: «%s». Организация больше не получает ваши данные", it.OrgName, it.Purpose)
		after.EndedAt = it.ExpiresAt
		if requested {
			after.EndedAt = it.RequestDue
			summary = fmt.Sprintf("Запрос согласия %s остался без ответа и больше не действует: «%s»", it.OrgName, it.Purpose)
		}
		putChange(tx, it, after, ActionExpired, string(actor.RoleSystem), now)
		reminders.Cancel(tx, sub, "consent-"+id)
		if _, err := e.d.Inbox.Add(tx, inbox.Note{Sub: sub, Type: messages.ConsentChanged, Ref: fmt.Sprintf("consent:%s:%d", id, it.V+1),
			Vars: messages.Vars{"Recipient": it.OrgName, "Action": "истекло", "Scope": scopeOf(it)}}, now); err != nil {
			return journal.Entry{}, err
		}
		return journal.Entry{Type: journal.TypeConsent, Actor: journal.ActorSystem, Summary: summary}, nil
	})
	return requested, err
}
