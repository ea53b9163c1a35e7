package applications

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/calendar"
	"github.com/kabinet/kabinet/shared/catalog"
	"github.com/kabinet/kabinet/shared/documents"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/payments"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/reminders"
	"github.com/kabinet/kabinet/shared/workdays"
)

// Move is a status change asked for by a citizen or an officer.
type Move struct {
	To      string `json:"to"`
	Comment string `json:"comment,omitempty"`
	// Documents names what an officer requests (to awaiting_documents), or
	// the scans a citizen adds (back to in_progress).
	Documents []string `json:"documents,omitempty"`
	// Deadline (YYYY-MM-DD) is the last day for the requested documents;
	// DocumentsDays working days when not given.
	Deadline string `json:"deadline,omitempty"`
	// Decision is an officer's decision approving a request about a
	// charge: the refund's amount, the instalment plan's schedule.
	Decision *payments.Decision `json:"decision,omitempty"`
	// Payout is the payment order that paid a refund out (completing a
	// refund request).
	Payout *payments.PayoutInput `json:"payout,omitempty"`
}

// DocumentsDays is how many working days a citizen has by default to bring
// requested documents; MaxDocumentsDays bounds an officer's deadline.
const (
	DocumentsDays    = 10
	MaxDocumentsDays = 90
)

// documentsDeadline is the last day (midnight, Moscow) for requested
// documents.
func documentsDeadline(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return workdays.Add(now, DocumentsDays), nil
	}
	d, err := time.ParseInLocation("2006-01-02", s, workdays.Moscow)
	today := workdays.Add(now, 0)
	if err != nil || !d.After(today) || d.After(today.AddDate(0, 0, MaxDocumentsDays)) {
		return time.Time{}, problem.Invalid(problem.Field{Field: "deadline", Code: "deadline.range",
			Message: fmt.Sprintf("Срок — дата в формате ГГГГ-ММ-ДД, не раньше завтрашнего дня и не позже чем через %d дней", MaxDocumentsDays)})
	}
	return d, nil
}

// documentsEntry is the calendar entry of a documents deadline: all day,
// so it starts at midnight UTC of the date, as the calendar keeps all-day
// entries.
func documentsEntry(id, number string, deadline time.Time) calendar.Entry {
	day := time.Date(deadline.Year(), deadline.Month(), deadline.Day(), 0, 0, 0, 0, time.UTC)
	return calendar.Entry{ID: "application-documents-" + id, Kind: calendar.KindDeadline, AllDay: true, Start: day,
		Title: "Представить документы по заявлению № " + number, Link: "/applications/" + id}
}

// Transition moves one of the actor's own applications as its applicant:
// cancelling it, or bringing the documents an officer asked for (back to
// in_progress, Documents naming the scans). Submitting is Submit.
// Conflict illegal_transition for a move the status machine does not give
// the applicant, concurrent_change when the status changed meanwhile.
func (s *Service) Transition(ctx context.Context, a actor.Actor, id string, m Move) (App, error) {
	it, err := s.table().app(ctx, a.Sub, id)
	if err != nil {
		return App{}, err
	}
	if m.To == Submitted {
		// Only Submit numbers, checks and signs.
		return App{}, illegal(it.Status, m.To, RoleCitizen)
	}
	return s.move(ctx, a, RoleCitizen, it, m)
}

// OfficerTransition moves an application of the officer's department along
// the status machine. Forbidden for anyone but an officer with a
// department and for an officer's own application (self_action); NotFound
// for another department's; Invalid for an unknown status, a rejection
// without a reason, a request without documents or with a deadline out of
// range; Conflict illegal_transition for a move the machine does not allow,
// concurrent_change when the status changed meanwhile.
func (s *Service) OfficerTransition(ctx context.Context, a actor.Actor, id string, m Move) (App, error) {
	if err := a.RequireOfficer(); err != nil {
		return App{}, err
	}
	if _, ok := StatusNames[m.To]; !ok {
		return App{}, problem.Invalid(problem.Field{Field: "to", Code: "status.unknown", Message: "Неизвестный статус"})
	}
	it, err := s.officerApp(ctx, a, id)
	if err != nil {
		return App{}, err
	}
	return s.move(ctx, a, RoleOfficer, it, m)
}

func illegal(from, to, role string) error {
	return problem.Conflict("illegal_transition", fmt.Sprintf("Нельзя перевести заявление из статуса «%s» в «%s»", StatusNames[from], StatusNames[to])).
		With("allowed", Next(from, role))
}

// move changes it's status once: the write is conditional on the status
// the actor saw, so of two concurrent moves one wins and the other gets
// 409. The change, its journal entry, the citizen's note, reminders,
// calendar, documents and, for an officer's change, the entry in the
// citizen's activity journal commit together.
func (s *Service) move(ctx context.Context, a actor.Actor, role string, it appItem, m Move) (App, error) {
	if !Allowed(it.Status, m.To, role) {
		return App{}, illegal(it.Status, m.To, role)
	}
	comment := strings.TrimSpace(m.Comment)
	switch {
	case m.To == Rejected && len([]rune(comment)) < 5:
		return App{}, problem.Invalid(problem.Field{Field: "comment", Code: "reason.required", Message: "Укажите причину отказа"})
	case m.To == AwaitingDocuments && len(m.Documents) == 0:
		return App{}, problem.Invalid(problem.Field{Field: "documents", Code: "documents.required", Message: "Перечислите, какие документы нужны"})
	}
	now := s.Clock.Now()
	sub, id := it.Sub, it.ID
	var deadline time.Time
	if role == RoleOfficer && m.To == AwaitingDocuments {
		var err error
		if deadline, err = documentsDeadline(strings.TrimSpace(m.Deadline), now); err != nil {
			return App{}, err
		}
	}
	svc, _ := catalog.Get(it.Service)
	payout, err := checkRequestMove(role, it, svc, m, now)
	if err != nil {
		return App{}, err
	}
	request := svc.ChargeRequest != nil && it.ChargeUIN != ""
	c := change{to: m.To, at: now, queued: !Final(m.To) && it.Status != Draft}
	tx := &dynamo.Tx{}
	var requested []string
	if role == RoleCitizen && m.To == InProgress {
		// The citizen brings the requested documents.
		if _, err := s.checkAttachments(ctx, sub, m.Documents); err != nil {
			return App{}, err
		}
		if len(m.Documents) == 0 {
			return App{}, problem.Invalid(problem.Field{Field: "documents", Code: "documents.required", Message: "Приложите запрошенные документы"})
		}
		// The status and version condition make the read-modify-write safe.
		c.attachments = append(append([]string{}, it.Attachments...), m.Documents...)
		for _, d := range m.Documents {
			documents.Attach(tx, sub, d)
		}
	} else if role == RoleOfficer && m.To == AwaitingDocuments {
		requested = m.Documents
		// The deadline is reminded of and put in the citizen's calendar.
		c.documentsDue = deadline.Format("2006-01-02")
		if err := reminders.ApplicationDue(tx, sub, id, it.Number, svc.Title, deadline.Add(10*time.Hour), now); err != nil {
			return App{}, err
		}
		calendar.Add(tx, sub, documentsEntry(id, it.Number, deadline))
	}
	if it.Status == AwaitingDocuments {
		// Whatever follows, the documents deadline no longer holds.
		reminders.Cancel(tx, sub, reminders.ApplicationReminderID(id))
		if due, err := time.ParseInLocation("2006-01-02", it.DocumentsDue, workdays.Moscow); err == nil {
			tx.Delete(calendar.Key(sub, documentsEntry(id, it.Number, due)), false)
		}
		c.clearDocumentsDue = true
	}
	committed := false
	defer func() {
		if c.result != nil && !committed {
			s.discard(context.WithoutCancel(ctx), it, c.result)
		}
	}()
	if m.To == Cancelled && it.DutyUIN != "" && s.Duties != nil {
		// A duty not paid yet goes with the application.
		if err := s.Duties.CancelDutyTx(ctx, tx, sub, it.DutyUIN, "Заявление № "+it.Number+" отменено", now); err != nil {
			return App{}, err
		}
	}
	if m.To == Completed {
		decision := comment
		if payout != nil {
			v, err := s.view(ctx, it, role)
			if err != nil {
				return App{}, err
			}
			decision = strings.TrimSpace(refundDecision(it, payout, v.Values) + "\n" + comment)
		}
		var err error
		if c.result, err = s.issue(ctx, it, decision, now); err != nil {
			return App{}, err
		}
		c.result.Record(tx, sub)
	}
	if Final(m.To) {
		for _, d := range it.Attachments {
			documents.Release(tx, sub, d)
		}
	}
	noteComment := comment
	if len(requested) > 0 {
		noteComment = strings.TrimSpace(comment + "\nНужны документы: " + strings.Join(requested, ", ") +
			"\nСрок: до " + deadline.Format("02.01.2006") + " включительно")
	}
	// The application's own change, its journal entry and note are
	// written with the charge's side of a request, which is read and
	// built again on every attempt.
	write := func(ctx context.Context, t *dynamo.Tx) error {
		c, logComment, noteComment := c, comment, noteComment
		if request {
			rc, summary, err := s.requestTx(ctx, t, it, svc, m, payout, now)
			if err != nil {
				return err
			}
			c.request = rc
			logComment, noteComment = joinLines(summary, logComment), joinLines(summary, noteComment)
		}
		s.table().transitionWrite(t, it, c)
		entry := LogEntry{At: now, From: it.Status, To: m.To, Role: role, Comment: logComment, Documents: requested}
		switch role {
		case RoleOfficer:
			entry.ActorID, entry.Department = a.Sub, a.Department
		case RoleAgency:
			_, entry.ActorID = journal.By(a, sub)
			entry.Department = a.Agency()
		}
		s.table().putLog(t, sub, id, entry)
		if it.Status != Draft {
			return s.note(t, sub, it.Number, svc.Title, m.To, noteComment, id, now)
		}
		return nil
	}
	if err := s.commit(ctx, a, role, it, svc, m.To, tx, write); err != nil {
		return App{}, err
	}
	committed = true
	if request {
		s.Requests.SyncCharge(ctx, it.ChargeUIN)
	}
	after, err := s.table().app(ctx, sub, id)
	if err != nil {
		return App{}, err
	}
	out, err := s.view(ctx, after, role)
	if err != nil {
		return App{}, err
	}
	if out, err = s.withRequest(ctx, out, after, role); err != nil {
		return App{}, err
	}
	return s.withDuty(ctx, out, after)
}

// commit writes a move: tx and what write adds, built again on each
// attempt. A department's (an officer's, its system's) is written with its
// entry in the applicant's activity journal, in one transaction: should the
// journal's head move meanwhile, or the charge a request is about, the
// change is tried again, as long as the application is as it was read.
func (s *Service) commit(ctx context.Context, a actor.Actor, role string, it appItem, svc catalog.Service, to string, tx *dynamo.Tx,
	write func(context.Context, *dynamo.Tx) error) error {
	changed := problem.Conflict("concurrent_change", "Статус заявления уже изменился. Обновите страницу")
	unchanged := func(ctx context.Context) error {
		now, err := s.table().app(ctx, it.Sub, it.ID)
		if err != nil {
			return err
		}
		if now.Status != it.Status || now.V != it.V {
			return changed
		}
		return nil
	}
	if role == RoleCitizen || s.Journal == nil {
		for attempt := 0; ; attempt++ {
			t := (&dynamo.Tx{}).Add(tx)
			if err := write(ctx, t); err != nil {
				return err
			}
			err := s.table().transact(ctx, t)
			if !problem.Is(err, problem.KindConflict) {
				return err
			}
			// Only a request's charge is read again: anything else failed
			// on the application's own condition.
			if it.ChargeUIN == "" || attempt == maxRequestAttempts-1 {
				return changed
			}
			if err := unchanged(ctx); err != nil {
				return err
			}
		}
	}
	actorRole, by := journal.By(a, it.Sub)
	if role == RoleOfficer {
		// The role is the one the change was made in: a registrar who is
		// also an officer moved it as an officer.
		actorRole = journal.ActorOfficer
	}
	e := journal.Entry{Type: journal.TypeApplicationStatus, Actor: actorRole, ActorID: by,
		Summary: fmt.Sprintf("Статус заявления № %s изменён ведомством (%s): «%s»", it.Number, departmentTitle(it, svc), StatusNames[to])}
	first := true
	_, err := s.Journal.Commit(ctx, it.Sub, func(ctx context.Context, attempt *dynamo.Tx) (journal.Entry, error) {
		if !first {
			if err := unchanged(ctx); err != nil {
				return journal.Entry{}, err
			}
		}
		first = false
		attempt.Add(tx)
		return e, write(ctx, attempt)
	})
	return err
}

// joinLines joins what is not empty, a line each.
func joinLines(lines ...string) string {
	var out []string
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// note puts the citizen's inbox note about a status in tx.
func (s *Service) note(tx *dynamo.Tx, sub, number, title, status, comment, id string, at time.Time) error {
	vars := messages.Vars{"Number": number, "Service": title, "Status": StatusNames[status], "Link": "/applications/" + id}
	if comment != "" {
		vars["Comment"] = comment
	}
	_, err := s.Inbox.Add(tx, inbox.Note{Sub: sub, Type: messages.ApplicationStatus, Vars: vars, Ref: id + ":" + status + ":" + stamp(at)}, at)
	return err
}
