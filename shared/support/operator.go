package support

import (
	"context"
	"time"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/personaldata"
	"github.com/kabinet/kabinet/shared/problem"
)

// QueueFilter narrows the operators' queue.
type QueueFilter struct {
	// Mine keeps the tickets the operator took; Unassigned those nobody
	// took.
	Mine, Unassigned bool
}

// Queue is the operators' queue: the tickets an operator must act on (new
// and open), the one due soonest first and, at one due time, urgent
// first; each says whether it is past due (breached). Errors: Forbidden
// for anyone but an operator.
func (s *Tickets) Queue(ctx context.Context, a actor.Actor, f QueueFilter, cursor string, limit int32) ([]Ticket, string, error) {
	if err := a.RequireSupport(); err != nil {
		return nil, "", err
	}
	items, next, err := dynamo.Collect(ctx, s.d.DB, dynamo.Page{Index: dynamo.IndexGSI1, Partition: dynamo.SupportQueuePK,
		Forward: true, Cursor: cursor}, int(limit), func(it ticketItem) bool {
		switch {
		case f.Mine && it.Assignee != a.Sub, f.Unassigned && it.Assignee != "":
			return false
		}
		// An operator's own ticket is another operator's.
		return it.Sub != a.Sub
	})
	if err != nil {
		return nil, "", err
	}
	now := s.now()
	out := make([]Ticket, 0, len(items))
	for _, it := range items {
		out = append(out, it.view(now, s.d.Policy, true))
	}
	return out, next, nil
}

// operatorTicket reads a ticket for an operator: any operator may read
// any ticket but their own.
func (s *Tickets) operatorTicket(ctx context.Context, a actor.Actor, id string) (ticketItem, error) {
	if err := a.RequireSupport(); err != nil {
		return ticketItem{}, err
	}
	owner, err := s.st.owner(ctx, id)
	if err != nil {
		return ticketItem{}, err
	}
	if err := a.NotSelf(owner); err != nil {
		return ticketItem{}, err
	}
	return s.st.ticket(ctx, owner, id)
}

// Look is an operator's reading of a ticket with every message and
// internal note: only what the ticket holds, never the person's profile.
// The look is recorded (AccessRecorder) before anything is shown.
func (s *Tickets) Look(ctx context.Context, a actor.Actor, id string) (Ticket, error) {
	it, err := s.operatorTicket(ctx, a, id)
	if err != nil {
		return Ticket{}, err
	}
	if err := s.d.Access.Record(ctx, Access{Operator: a, Owner: it.Sub, What: "обращение № " + it.Number,
		Data: []string{"тема и текст обращения", "вложения"}, Purpose: "ответ на обращение в поддержку",
		Categories: []personaldata.Category{personaldata.Application}, Reason: accesslog.ForTicket(it.Number)}); err != nil {
		return Ticket{}, err
	}
	msgs, err := s.st.messages(ctx, it.Sub, id)
	if err != nil {
		return Ticket{}, err
	}
	t := it.view(s.now(), s.d.Policy, true)
	t.Messages = messageViews(msgs, true)
	return t, nil
}

// operatorChange changes a ticket for an operator in one transaction with
// the person's journal entry (journaled) or without (an internal note):
// change reads the fresh ticket and returns the entry's summary, or an
// error that stops it.
func (s *Tickets) operatorChange(ctx context.Context, a actor.Actor, id string, journaled bool,
	change func(tx *dynamo.Tx, it *ticketItem, now time.Time) (string, error)) (Ticket, error) {
	first, err := s.operatorTicket(ctx, a, id)
	if err != nil {
		return Ticket{}, err
	}
	owner := first.Sub
	var out Ticket
	build := func(ctx context.Context, tx *dynamo.Tx) (string, error) {
		it, err := s.st.ticket(ctx, owner, id)
		if err != nil {
			return "", err
		}
		now := s.now()
		summary, err := change(tx, &it, now)
		if err != nil {
			return "", err
		}
		it.put(tx, s.d.Policy)
		it.V++
		out = it.view(now, s.d.Policy, true)
		return summary, nil
	}
	if !journaled {
		for attempt := 0; ; attempt++ {
			tx := &dynamo.Tx{}
			if _, err := build(ctx, tx); err != nil {
				return Ticket{}, err
			}
			err := s.d.DB.Transact(ctx, "", tx)
			if err == nil || attempt == 3 || !problem.Is(err, problem.KindConflict) {
				return out, err
			}
		}
	}
	_, err = s.d.Journal.Commit(ctx, owner, func(ctx context.Context, tx *dynamo.Tx) (journal.Entry, error) {
		summary, err := build(ctx, tx)
		if err != nil {
			return journal.Entry{}, err
		}
		role, actorID := journal.By(a, owner)
		return journal.Entry{Type: JournalType, Summary: summary, Actor: role, ActorID: actorID}, nil
	})
	return out, err
}

// Claim takes a ticket nobody took: of operators claiming at once one gets
// it and the others are Conflict already_claimed. The operator who holds
// it claiming again gets it as it is.
func (s *Tickets) Claim(ctx context.Context, a actor.Actor, id string) (Ticket, error) {
	t, err := s.claim(ctx, a, id)
	if problem.CodeOf(err) == "already_yours" {
		it, err := s.operatorTicket(ctx, a, id)
		return it.view(s.now(), s.d.Policy, true), err
	}
	return t, err
}

func (s *Tickets) claim(ctx context.Context, a actor.Actor, id string) (Ticket, error) {
	return s.operatorChange(ctx, a, id, true, func(tx *dynamo.Tx, it *ticketItem, now time.Time) (string, error) {
		switch {
		case it.Assignee == a.Sub && it.Status == StatusOpen:
			return "", errAlreadyYours()
		case it.Assignee != "":
			return "", problem.Conflict("already_claimed", "Обращение уже взял в работу другой оператор")
		case it.Status != StatusNew:
			return "", problem.Conflict("not_claimable", "Обращение не ждёт оператора")
		}
		it.Assignee, it.Status = a.Sub, StatusOpen
		return "Обращение № " + it.Number + " взято в работу оператором поддержки", nil
	})
}

// errAlreadyYours stops a repeated claim without writing; Claim answers
// the ticket as it is.
func errAlreadyYours() error {
	return problem.Conflict("already_yours", "Обращение уже у вас в работе")
}

// mustHold refuses an operator acting on a ticket they did not take.
func mustHold(a actor.Actor, it *ticketItem) error {
	if it.Status == StatusClosed {
		return problem.Conflict("ticket_closed", "Обращение закрыто")
	}
	if it.Assignee != a.Sub {
		return problem.Conflict("not_assigned", "Сначала возьмите обращение в работу")
	}
	return nil
}

// AnswerInput is an operator's answer.
type AnswerInput struct {
	Text string `json:"text"`
	// Solve marks the ticket solved with this answer; otherwise it waits
	// for the person.
	Solve bool `json:"solve"`
}

// Answer sends the operator's answer to the person (inbox and email): the
// ticket then waits for them (or, with Solve, is solved). Only the
// operator who took the ticket answers (Conflict not_assigned).
func (s *Tickets) Answer(ctx context.Context, a actor.Actor, id string, in AnswerInput) (Ticket, error) {
	if err := a.RequireSupport(); err != nil {
		return Ticket{}, err // the role first: a stranger learns nothing of the form
	}
	text, f := checkText("text", in.Text)
	if f != nil {
		return Ticket{}, problem.Invalid(*f)
	}
	return s.operatorChange(ctx, a, id, true, func(tx *dynamo.Tx, it *ticketItem, now time.Time) (string, error) {
		if err := mustHold(a, it); err != nil {
			return "", err
		}
		if err := replyable(*it); err != nil {
			return "", err
		}
		it.message(tx, AuthorSupport, a.Sub, false, text, nil, now)
		if it.AnsweredAt == "" {
			it.AnsweredAt = stamp(now)
		}
		if in.Solve {
			return s.solve(tx, it, now)
		}
		it.Status, it.WaitingSince, it.NoticeAt = StatusWaiting, stamp(now), ""
		if it.Priority != PriorityUrgent {
			it.Due = ""
		}
		if _, err := s.d.Inbox.Add(tx, inbox.Note{Sub: it.Sub, Type: messages.SupportTicketAnswered,
			Vars: messages.Vars{"Number": it.Number, "Topic": it.Topic, "Link": ticketLink(it.ID)}}, now); err != nil {
			return "", err
		}
		return "Поддержка ответила на обращение № " + it.Number, nil
	})
}

func (s *Tickets) solve(tx *dynamo.Tx, it *ticketItem, now time.Time) (string, error) {
	it.Status, it.SolvedAt, it.Due, it.WaitingSince, it.NoticeAt = StatusSolved, stamp(now), "", "", ""
	if _, err := s.d.Inbox.Add(tx, inbox.Note{Sub: it.Sub, Type: messages.SupportTicketSolved,
		Vars: messages.Vars{"Number": it.Number, "Topic": it.Topic, "Link": ticketLink(it.ID)}}, now); err != nil {
		return "", err
	}
	return "Обращение № " + it.Number + " решено", nil
}

// NoteInput is an internal note.
type NoteInput struct {
	Text string `json:"text"`
}

// Note adds an operators' internal note, which the person never sees (nor
// learns of: it is not journaled). Any operator may add one.
func (s *Tickets) Note(ctx context.Context, a actor.Actor, id string, in NoteInput) (Ticket, error) {
	if err := a.RequireSupport(); err != nil {
		return Ticket{}, err // the role first: a stranger learns nothing of the form
	}
	text, f := checkText("text", in.Text)
	if f != nil {
		return Ticket{}, problem.Invalid(*f)
	}
	return s.operatorChange(ctx, a, id, false, func(tx *dynamo.Tx, it *ticketItem, now time.Time) (string, error) {
		if err := replyable(*it); err != nil {
			return "", err
		}
		it.message(tx, AuthorSupport, a.Sub, true, text, nil, now)
		it.Notes++
		return "", nil
	})
}

// HandoverInput hands a ticket back to the queue, with a note for whoever
// takes it next.
type HandoverInput struct {
	Note string `json:"note"`
}

// Handover gives the operator's ticket back to the queue (new, nobody's),
// keeping its due time, with an optional internal note.
func (s *Tickets) Handover(ctx context.Context, a actor.Actor, id string, in HandoverInput) (Ticket, error) {
	if err := a.RequireSupport(); err != nil {
		return Ticket{}, err
	}
	note := ""
	if in.Note != "" {
		t, f := checkText("note", in.Note)
		if f != nil {
			return Ticket{}, problem.Invalid(*f)
		}
		note = t
	}
	return s.operatorChange(ctx, a, id, true, func(tx *dynamo.Tx, it *ticketItem, now time.Time) (string, error) {
		if err := mustHold(a, it); err != nil {
			return "", err
		}
		if note != "" {
			it.message(tx, AuthorSupport, a.Sub, true, note, nil, now)
			it.Notes++
		}
		if it.Status == StatusOpen {
			it.Status = StatusNew
		}
		it.Assignee = ""
		return "Обращение № " + it.Number + " передано другому оператору поддержки", nil
	})
}

// Solve marks the operator's ticket solved (the person is told); a reply
// within Policy.CloseAfter opens it again.
func (s *Tickets) Solve(ctx context.Context, a actor.Actor, id string) (Ticket, error) {
	return s.operatorChange(ctx, a, id, true, func(tx *dynamo.Tx, it *ticketItem, now time.Time) (string, error) {
		if err := mustHold(a, it); err != nil {
			return "", err
		}
		if it.Status == StatusSolved {
			return "", problem.Conflict("already_solved", "Обращение уже решено")
		}
		return s.solve(tx, it, now)
	})
}
