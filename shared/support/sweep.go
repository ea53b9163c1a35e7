package support

import (
	"context"
	"fmt"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/problem"
)

// SweepStats counts what one run of the timers did.
type SweepStats struct {
	Noticed, Solved, Closed int
}

// Sweep acts on the tickets whose timer is due: a ticket waiting for the
// person past Policy.WaitNotice gets the notice that it will be solved,
// past the notice by Policy.WaitSolve it is solved; a solved ticket past
// Policy.CloseAfter is closed. It reads only the due part of the timers
// index; each ticket changes under its version, so overlapping runs act
// once.
func (s *Tickets) Sweep(ctx context.Context) (SweepStats, error) {
	var st SweepStats
	now := s.now()
	p := dynamo.Page{Index: dynamo.IndexGSI2, Partition: dynamo.SupportTimersPK, From: "0", To: stamp(now) + "~", Forward: true}
	for {
		var page []ticketItem
		next, err := s.d.DB.Query(ctx, p, &page)
		if err != nil {
			return st, err
		}
		for _, due := range page {
			if err := s.fire(ctx, due.Sub, due.ID, &st); err != nil && !problem.Is(err, problem.KindConflict) {
				return st, fmt.Errorf("ticket %s: %w", due.ID, err)
			}
		}
		if next == "" {
			return st, nil
		}
		p.Cursor = next
	}
}

// fire does what one due ticket's timer says, after reading it again.
func (s *Tickets) fire(ctx context.Context, sub, id string, st *SweepStats) error {
	var did *int
	_, err := s.d.Journal.Commit(ctx, sub, func(ctx context.Context, tx *dynamo.Tx) (journal.Entry, error) {
		it, err := s.st.ticket(ctx, sub, id)
		if err != nil {
			return journal.Entry{}, err
		}
		now := s.now()
		it.index(s.d.Policy)
		if it.GSI2SK == "" || it.GSI2SK > stamp(now)+"~" {
			return journal.Entry{}, problem.Conflict("not_due", "не пора")
		}
		var summary string
		switch {
		case it.Status == StatusWaiting && it.NoticeAt == "":
			it.NoticeAt = stamp(now)
			if _, err := s.d.Inbox.Add(tx, inbox.Note{Sub: sub, Type: messages.SupportTicketWaiting, Vars: messages.Vars{
				"Number": it.Number, "Topic": it.Topic, "SolveAt": now.Add(s.d.Policy.WaitSolve), "Link": ticketLink(id)}}, now); err != nil {
				return journal.Entry{}, err
			}
			summary, did = "Обращение № "+it.Number+" ждёт вашего ответа: без него оно будет решено", &st.Noticed
		case it.Status == StatusWaiting:
			if _, err := s.solve(tx, &it, now); err != nil {
				return journal.Entry{}, err
			}
			summary, did = "Обращение № "+it.Number+" решено: ответа не было", &st.Solved
		case it.Status == StatusSolved:
			it.Status, it.ClosedAt = StatusClosed, stamp(now)
			summary, did = "Обращение № "+it.Number+" закрыто", &st.Closed
		default:
			return journal.Entry{}, problem.Conflict("not_due", "не пора")
		}
		it.put(tx, s.d.Policy)
		role, _ := journal.By(actor.System(), sub)
		return journal.Entry{Type: JournalType, Summary: summary, Actor: role}, nil
	})
	if err == nil && did != nil {
		*did++
	}
	return err
}
