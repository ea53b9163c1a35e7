package support

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo/dynamotest"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/problem"
)

// links is a hand-written Links: every link is the person's.
type links struct{}

func (links) Title(context.Context, string, string, string) (string, error) {
	return "Заявление", nil
}

// looks counts the operators' recorded looks.
type looks struct {
	mu  sync.Mutex
	all []Access
}

func (l *looks) Record(_ context.Context, a Access) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, a)
	return nil
}

type fixture struct {
	tickets *Tickets
	clock   *clock.Manual
	inbox   *inbox.Store
	looks   *looks
}

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func newFixture(t *testing.T) fixture {
	t.Helper()
	db := dynamotest.NewStore(t)
	c := clock.NewManual(t0)
	f := fixture{clock: c, inbox: &inbox.Store{DB: db}, looks: &looks{}}
	var err error
	f.tickets, err = NewTickets(Deps{DB: db, Clock: c, Inbox: f.inbox, Links: links{}, Access: f.looks, Policy: DefaultPolicy(),
		Journal: &journal.Journal{DB: db, Key: journal.StaticKey(bytes.Repeat([]byte{7}, 32)), Clock: c}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func operator(sub string) actor.Actor {
	return actor.Actor{Sub: sub, Groups: []string{actor.GroupSupport}}
}

func (f fixture) open(t *testing.T, sub string, in OpenInput) Ticket {
	t.Helper()
	if in.Category == "" {
		in.Category, in.Topic, in.Text = "technical", "Не открывается раздел", "Раздел документов не открывается."
	}
	tk, err := f.tickets.Open(context.Background(), actor.Citizen(sub), in)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return tk
}

func TestNewTicketsNeedTheirDependencies(t *testing.T) {
	_, err := NewTickets(Deps{})
	if err == nil || !strings.Contains(err.Error(), "Inbox") || !strings.Contains(err.Error(), "Policy") {
		t.Errorf("NewTickets(Deps{}) = %v, want it to name what it lacks", err)
	}
}

// Of operators claiming one ticket at once exactly one gets it.
func TestConcurrentClaimsOneWins(t *testing.T) {
	f := newFixture(t)
	tk := f.open(t, "citizen-a", OpenInput{})
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.tickets.Claim(context.Background(), operator(fmt.Sprintf("op-%d", i)), tk.ID)
		}()
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("operators %d and %d both got the ticket", winner, i)
		case err == nil:
			winner = i
		case problem.CodeOf(err) != "already_claimed" && problem.CodeOf(err) != "busy":
			t.Errorf("operator %d: %v, want already_claimed", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("nobody got the ticket")
	}
	got, err := f.tickets.Look(context.Background(), operator("op-x"), tk.ID)
	if err != nil || got.Assignee != fmt.Sprintf("op-%d", winner) || got.Status != StatusOpen {
		t.Errorf("ticket after the race: %+v %v, want open and op-%d's", got, err, winner)
	}
	// The holder claiming again gets it as it is.
	if again, err := f.tickets.Claim(context.Background(), operator(got.Assignee), tk.ID); err != nil || again.Assignee != got.Assignee {
		t.Errorf("the holder's second claim = %+v %v", again, err)
	}
}

// An ordinary ticket is due a first answer in 24 hours, an urgent one a
// solution in 48 (or sooner, when asked); the queue orders by due time and,
// at one due time, urgent first, and flags what is past due.
func TestSLAComputationAndTheQueue(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	normal := f.open(t, "citizen-a", OpenInput{})
	urgent := f.open(t, "citizen-b", OpenInput{Urgent: true})
	soon := f.open(t, "citizen-c", OpenInput{Urgent: true, DesiredHours: 6})
	for _, c := range []struct {
		name string
		tk   Ticket
		due  time.Duration
		prio string
	}{{"normal", normal, 24 * time.Hour, PriorityNormal}, {"urgent", urgent, 48 * time.Hour, PriorityUrgent}, {"urgent in 6 h", soon, 6 * time.Hour, PriorityUrgent}} {
		if c.tk.Due == nil || !c.tk.Due.Equal(t0.Add(c.due)) || c.tk.Priority != c.prio || c.tk.Breached {
			t.Errorf("%s: due %v priority %s breached %v, want %v %s", c.name, c.tk.Due, c.tk.Priority, c.tk.Breached, t0.Add(c.due), c.prio)
		}
	}
	for _, in := range []OpenInput{{DesiredHours: 6}, {Urgent: true, DesiredHours: 49}} {
		in.Category, in.Topic, in.Text = "other", "Тема", "Текст"
		if _, err := f.tickets.Open(ctx, actor.Citizen("citizen-a"), in); !hasField(err, "desiredHours") {
			t.Errorf("desired hours %+v = %v, want 422 naming desiredHours", in, err)
		}
	}
	// One more ordinary ticket, opened 24 hours later: due with the urgent
	// one, which goes first.
	f.clock.Advance(24 * time.Hour)
	tie := f.open(t, "citizen-d", OpenInput{})
	f.clock.Advance(time.Hour) // 25 h after t0: normal and soon are past due
	q, _, err := f.tickets.Queue(ctx, operator("op"), QueueFilter{}, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	breached := map[string]bool{}
	for _, it := range q {
		order = append(order, it.ID)
		breached[it.ID] = it.Breached
	}
	want := []string{soon.ID, normal.ID, urgent.ID, tie.ID}
	if strings.Join(order, ",") != strings.Join(want, ",") {
		t.Errorf("queue order %v, want %v (by due time, urgent first at a tie)", order, want)
	}
	if !breached[soon.ID] || !breached[normal.ID] || breached[urgent.ID] || breached[tie.ID] {
		t.Errorf("breached %v, want the 6-hour and the ordinary ticket only", breached)
	}
	if _, _, err := f.tickets.Queue(ctx, actor.Citizen("citizen-a"), QueueFilter{}, "", 10); !problem.Is(err, problem.KindForbidden) {
		t.Errorf("a citizen reads the queue: %v", err)
	}
}

// new → open → waiting → open (the person replies) → solved → closed, and a
// closed ticket is continued by a new one quoting it; a ticket left waiting
// gets a notice, then is solved.
func TestStatuses(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	me, op := actor.Citizen("citizen-a"), operator("op")
	tk := f.open(t, "citizen-a", OpenInput{})
	step := func(name string, got Ticket, err error, status string) Ticket {
		t.Helper()
		if err != nil || got.Status != status {
			t.Fatalf("%s: %s %v, want %s", name, got.Status, err, status)
		}
		return got
	}
	if _, err := f.tickets.Answer(ctx, op, tk.ID, AnswerInput{Text: "Ответ"}); problem.CodeOf(err) != "not_assigned" {
		t.Errorf("an answer before the claim = %v, want not_assigned", err)
	}
	got, err := f.tickets.Claim(ctx, op, tk.ID)
	step("claim", got, err, StatusOpen)
	got, err = f.tickets.Answer(ctx, op, tk.ID, AnswerInput{Text: "Уточните, пожалуйста, браузер."})
	got = step("answer", got, err, StatusWaiting)
	if got.Due != nil {
		t.Errorf("a waiting ordinary ticket is due %v", got.Due)
	}
	f.clock.Advance(time.Hour)
	got, err = f.tickets.Reply(ctx, me, tk.ID, ReplyInput{Text: "Firefox."})
	got = step("reply", got, err, StatusOpen)
	if got.Due == nil || !got.Due.Equal(t0.Add(25*time.Hour)) {
		t.Errorf("after the reply due %v, want a first answer's 24 h from it", got.Due)
	}
	got, err = f.tickets.Solve(ctx, op, tk.ID)
	step("solve", got, err, StatusSolved)
	f.clock.Advance(DefaultPolicy().CloseAfter + time.Minute)
	if st, err := f.tickets.Sweep(ctx); err != nil || st.Closed != 1 {
		t.Fatalf("sweep = %+v %v, want one closed", st, err)
	}
	got, err = f.tickets.Get(ctx, me, tk.ID)
	step("closed", got, err, StatusClosed)
	if _, err := f.tickets.Reply(ctx, me, tk.ID, ReplyInput{Text: "Ещё вопрос"}); problem.CodeOf(err) != "ticket_closed" {
		t.Errorf("a reply to a closed ticket = %v, want ticket_closed", err)
	}
	next := f.open(t, "citizen-a", OpenInput{Category: "technical", Topic: "Снова", Text: "Снова не открывается.", Reopens: tk.ID})
	if next.Reopens == nil || next.Reopens.Number != tk.Number {
		t.Errorf("the new ticket quotes %+v, want %s", next.Reopens, tk.Number)
	}
	if _, err := f.tickets.Open(ctx, me, OpenInput{Category: "other", Topic: "Т", Text: "т", Reopens: tk.ID}); !hasField(err, "reopens") {
		t.Errorf("continuing a ticket twice = %v, want 422 naming reopens", err)
	}

	// Waiting too long: a notice after WaitNotice, solved after WaitSolve.
	w := f.open(t, "citizen-b", OpenInput{})
	if _, err := f.tickets.Claim(ctx, op, w.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tickets.Answer(ctx, op, w.ID, AnswerInput{Text: "Пришлите скриншот."}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(DefaultPolicy().WaitNotice + time.Minute)
	if st, _ := f.tickets.Sweep(ctx); st.Noticed != 1 {
		t.Errorf("sweep after the wait = %+v, want one notice", st)
	}
	if st, _ := f.tickets.Sweep(ctx); st.Noticed+st.Solved != 0 {
		t.Errorf("a second sweep at once = %+v, want nothing", st)
	}
	f.clock.Advance(DefaultPolicy().WaitSolve + time.Minute)
	if st, _ := f.tickets.Sweep(ctx); st.Solved != 1 {
		t.Errorf("sweep after the notice = %+v, want one solved", st)
	}
	got, err = f.tickets.Get(ctx, actor.Citizen("citizen-b"), w.ID)
	step("solved by itself", got, err, StatusSolved)
	types := map[string]int{}
	recs, _, _ := f.inbox.List(ctx, "citizen-b", false, "", 50)
	for _, r := range recs {
		types[r.Type]++
	}
	if types[messages.SupportTicketOpened] != 1 || types[messages.SupportTicketAnswered] != 1 || types[messages.SupportTicketWaiting] != 1 || types[messages.SupportTicketSolved] != 1 {
		t.Errorf("the person's notes %v, want opened, answered, waiting and solved once each", types)
	}
}

// An internal note is the operators' alone: never in the person's view,
// nor their list, nor announced to them.
func TestInternalNotesNeverReachTheCitizen(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tk := f.open(t, "citizen-a", OpenInput{})
	secret := "Похоже на мошенника, проверить вложения"
	if _, err := f.tickets.Note(ctx, operator("op"), tk.ID, NoteInput{Text: secret}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tickets.Note(ctx, actor.Citizen("citizen-a"), tk.ID, NoteInput{Text: "x"}); !problem.Is(err, problem.KindForbidden) {
		t.Errorf("a citizen adds a note: %v", err)
	}
	mine, err := f.tickets.Get(ctx, actor.Citizen("citizen-a"), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mine.Messages {
		if m.Internal || strings.Contains(m.Text, secret) || m.Operator != "" {
			t.Errorf("the person sees %+v", m)
		}
	}
	if mine.Assignee != "" {
		t.Errorf("the person sees the assignee %q", mine.Assignee)
	}
	recs, _, _ := f.inbox.List(ctx, "citizen-a", false, "", 50)
	for _, r := range recs {
		if strings.Contains(r.Body+r.Title, secret) {
			t.Errorf("the note reached the inbox: %+v", r)
		}
	}
	seen, err := f.tickets.Look(ctx, operator("op-2"), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range seen.Messages {
		found = found || (m.Internal && m.Text == secret && m.Operator == "op")
	}
	if !found {
		t.Errorf("operators do not see the note: %+v", seen.Messages)
	}
	if len(f.looks.all) != 1 || f.looks.all[0].Owner != "citizen-a" || f.looks.all[0].Operator.Sub != "op-2" {
		t.Errorf("looks recorded %+v, want op-2's one", f.looks.all)
	}
}

// Another person's ticket is not found; an operator's own is another
// operator's; bad input is named field by field.
func TestWhoSeesWhatAndBadInput(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tk := f.open(t, "citizen-a", OpenInput{})
	if _, err := f.tickets.Get(ctx, actor.Citizen("citizen-b"), tk.ID); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("another person reads the ticket: %v", err)
	}
	if _, err := f.tickets.Reply(ctx, actor.Citizen("citizen-b"), tk.ID, ReplyInput{Text: "x"}); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("another person replies: %v", err)
	}
	own := f.open(t, "op", OpenInput{})
	if _, err := f.tickets.Look(ctx, operator("op"), own.ID); !problem.Is(err, problem.KindForbidden) {
		t.Errorf("an operator looks at their own ticket: %v", err)
	}
	q, _, _ := f.tickets.Queue(ctx, operator("op"), QueueFilter{}, "", 100)
	for _, it := range q {
		if it.ID == own.ID {
			t.Errorf("an operator's own ticket is in their queue")
		}
	}
	_, err := f.tickets.Open(ctx, actor.Citizen("citizen-a"), OpenInput{Category: "weather", Topic: "", Text: " ",
		Attachments: []string{"a", "b", "c", "d", "e", "f"}})
	for _, field := range []string{"category", "topic", "text", "attachments"} {
		if !hasField(err, field) {
			t.Errorf("bad input: %v, want %s named", err, field)
		}
	}
}

func hasField(err error, field string) bool {
	pe, ok := problem.As(err)
	if !ok || pe.Kind != problem.KindInvalid {
		return false
	}
	for _, f := range pe.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}
