package applications

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/calendar"
	"github.com/kabinet/kabinet/shared/catalog"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/issued"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/reminders"
	"github.com/kabinet/kabinet/shared/workdays"
)

// plain is the service the status-machine tests use: the tax service's
// (fns), for a simplified account, with no scans and no signature.
const plain = "egrul-extract"

var statuses = []string{Draft, Submitted, Registered, InProgress, AwaitingDocuments, Approved, Rejected, Completed, Cancelled}

// paths lead a new application to each status.
var paths = map[string][]string{
	Draft:             nil,
	Submitted:         {Submitted},
	Registered:        {Submitted, Registered},
	InProgress:        {Submitted, Registered, InProgress},
	AwaitingDocuments: {Submitted, Registered, InProgress, AwaitingDocuments},
	Approved:          {Submitted, Registered, InProgress, Approved},
	Rejected:          {Submitted, Registered, InProgress, Rejected},
	Completed:         {Submitted, Registered, InProgress, Approved, Completed},
	Cancelled:         {Submitted, Cancelled},
}

// fixture is one application with its applicant and an officer of its
// department.
type fixture struct {
	citizen, officer actor.Actor
	id               string
}

// draftOf starts a filled draft of a service for a.
func (e *env) draftOf(t *testing.T, a actor.Actor, code string) App {
	t.Helper()
	ctx := context.Background()
	d, err := e.svc.CreateDraft(ctx, a, code)
	if err != nil {
		t.Fatalf("create draft: %v", err)
	}
	svc, _ := catalog.Get(code)
	if d, err = e.svc.SaveDraft(ctx, a, d.ID, svc.Sample(), d.Version); err != nil {
		t.Fatalf("save draft: %v", err)
	}
	return d
}

// at is a new application of plain in status.
func (e *env) at(t *testing.T, status string) fixture {
	t.Helper()
	f := fixture{citizen: e.citizen("simplified"), officer: e.officer("fns")}
	f.id = e.draftOf(t, f.citizen, plain).ID
	for _, to := range paths[status] {
		if _, err := e.do(t, f, to, e.roleFor(to)); err != nil {
			t.Fatalf("to %s on the way to %s: %v", to, status, err)
		}
	}
	return f
}

// roleFor is who moves an application to a status on the way there.
func (e *env) roleFor(to string) string {
	if to == Submitted || to == Cancelled {
		return RoleCitizen
	}
	return RoleOfficer
}

// moveFor is a well-formed move to a status.
func (e *env) moveFor(t *testing.T, f fixture, to, role string) Move {
	switch {
	case to == Rejected:
		return Move{To: to, Comment: "Сведения не подтверждены"}
	case to == AwaitingDocuments:
		return Move{To: to, Comment: "Нужна справка", Documents: []string{"Справка с места работы"}}
	case to == InProgress && role == RoleCitizen:
		return Move{To: to, Documents: []string{e.scan(t, f.citizen.Sub, "other")}}
	case to == Completed:
		return Move{To: to, Comment: "Выписка выдана"}
	}
	return Move{To: to, Comment: "Работаем"}
}

// do moves f's application to a status as role would: Submit for
// submitted, the citizen's or the officer's transition otherwise.
func (e *env) do(t *testing.T, f fixture, to, role string) (App, error) {
	t.Helper()
	ctx := context.Background()
	if to == Submitted && role == RoleCitizen {
		return e.svc.Submit(ctx, f.citizen, f.id, nil, "", e.item(t, f.citizen.Sub, f.id).V)
	}
	m := e.moveFor(t, f, to, role)
	if role == RoleCitizen {
		return e.svc.Transition(ctx, f.citizen, f.id, m)
	}
	return e.svc.OfficerTransition(ctx, f.officer, f.id, m)
}

// state is what a change may touch, to tell that a refusal touched nothing.
type state struct {
	status       string
	version      int64
	logs, notes  int
	journal      int
	queued       string
	documentsDue string
}

func (e *env) state(t *testing.T, f fixture) state {
	t.Helper()
	it := e.item(t, f.citizen.Sub, f.id)
	return state{status: it.Status, version: it.V, logs: len(e.logs(t, f.citizen.Sub, f.id)), notes: len(e.notes(t, f.citizen.Sub)),
		journal: len(e.journal.of(t, f.citizen.Sub)), queued: e.queued(t, f.officer, f.id), documentsDue: it.DocumentsDue}
}

func code(err error) string {
	if p, ok := problem.As(err); ok {
		return p.Code
	}
	return ""
}

// allowedMoves are the moves the status machine gives each role (from, to,
// role), written out: a change of the machine fails TestTransitionMatrix
// until this list says it is meant.
var allowedMoves = map[[3]string]bool{
	{"draft", "submitted", "citizen"}:                true,
	{"draft", "cancelled", "citizen"}:                true,
	{"submitted", "registered", "officer"}:           true,
	{"submitted", "cancelled", "citizen"}:            true,
	{"registered", "in_progress", "officer"}:         true,
	{"registered", "cancelled", "citizen"}:           true,
	{"in_progress", "awaiting_documents", "officer"}: true,
	{"in_progress", "approved", "officer"}:           true,
	{"in_progress", "rejected", "officer"}:           true,
	{"in_progress", "cancelled", "citizen"}:          true,
	{"awaiting_documents", "in_progress", "officer"}: true,
	{"awaiting_documents", "rejected", "officer"}:    true,
	{"awaiting_documents", "in_progress", "citizen"}: true,
	{"awaiting_documents", "cancelled", "citizen"}:   true,
	{"approved", "completed", "officer"}:             true,
}

// TestTransitionMatrix tries every (from, to, role) of the status machine:
// the allowed moves succeed with their journal entry, note, activity entry
// and queue place; every other is refused (409 illegal_transition; 404 for
// an officer and a draft, which officers never see) and changes nothing.
func TestTransitionMatrix(t *testing.T) {
	e := newEnv(t)
	shared := map[string]fixture{}
	for _, from := range statuses {
		for _, to := range statuses {
			for _, role := range []string{RoleCitizen, RoleOfficer} {
				t.Run(fmt.Sprintf("%s to %s by %s", from, to, role), func(t *testing.T) {
					allowed := allowedMoves[[3]string{from, to, role}]
					if Allowed(from, to, role) != allowed {
						t.Fatalf("Allowed = %v, want %v", !allowed, allowed)
					}
					if allowed {
						checkAllowed(t, e, e.at(t, from), from, to, role)
						return
					}
					// A refusal changes nothing, so the refusals from one
					// status share an application.
					f, ok := shared[from]
					if !ok {
						f = e.at(t, from)
						shared[from] = f
					}
					checkRefused(t, e, f, from, to, role)
				})
			}
		}
	}
}

func checkAllowed(t *testing.T, e *env, f fixture, from, to, role string) {
	t.Helper()
	ctx := context.Background()
	before := e.state(t, f)
	issuedBefore := len(e.issuer.requests)
	got, err := e.do(t, f, to, role)
	if err != nil {
		t.Fatalf("move: %v", err)
	}
	if got.Status != to || got.Version != before.version+1 {
		t.Errorf("answer = %s v%d, want %s v%d", got.Status, got.Version, to, before.version+1)
	}
	after := e.state(t, f)
	if after.status != to || after.logs != before.logs+1 {
		t.Fatalf("stored %s with %d journal entries, want %s with %d", after.status, after.logs, to, before.logs+1)
	}
	// The application's journal names the role, and for an officer who.
	logs := e.logs(t, f.citizen.Sub, f.id)
	last := logs[len(logs)-1].entry()
	wantActor, wantDept := "", ""
	if role == RoleOfficer {
		wantActor, wantDept = f.officer.Sub, "fns"
	}
	if last.From != from || last.To != to || last.Role != role || last.ActorID != wantActor || last.Department != wantDept {
		t.Errorf("journal entry = %+v, want %s to %s by %s (%q of %q)", last, from, to, role, wantActor, wantDept)
	}
	// The citizen is told of every change of a submitted application.
	wantNotes := before.notes + 1
	if from == Draft && to == Cancelled {
		wantNotes = before.notes
	}
	if after.notes != wantNotes {
		t.Errorf("inbox holds %d notes, want %d", after.notes, wantNotes)
	}
	// The activity journal: the submission, and every officer's change with who made it.
	entries := e.journal.of(t, f.citizen.Sub)
	switch {
	case to == Submitted:
		if len(entries) != before.journal+1 || entries[len(entries)-1].Type != journal.TypeApplicationSubmit ||
			entries[len(entries)-1].Actor != journal.ActorCitizen || entries[len(entries)-1].ActorID != "" {
			t.Errorf("activity = %+v, want the submission by the citizen", entries)
		}
	case role == RoleOfficer:
		if len(entries) != before.journal+1 {
			t.Fatalf("activity holds %d entries, want %d", len(entries), before.journal+1)
		}
		j := entries[len(entries)-1]
		if j.Type != journal.TypeApplicationStatus || j.Actor != journal.ActorOfficer || j.ActorID != f.officer.Sub ||
			!strings.Contains(j.Summary, got.Number) || !strings.Contains(j.Summary, StatusNames[to]) || !strings.Contains(j.Summary, "ФНС России") {
			t.Errorf("activity entry = %+v, want the officer's change to %s", j, to)
		}
	default:
		if after.journal != before.journal {
			t.Errorf("a citizen's move wrote %d activity entries", after.journal-before.journal)
		}
	}
	// The department's queue holds what is open, under its status.
	wantQueued := to
	if Final(to) {
		wantQueued = ""
	}
	if after.queued != wantQueued {
		t.Errorf("in the queue as %q, want %q", after.queued, wantQueued)
	}
	it := e.item(t, f.citizen.Sub, f.id)
	reminder := dynamo.ReminderKey(f.citizen.Sub, reminders.ApplicationReminderID(f.id))
	switch {
	case to == Submitted:
		if !regexp.MustCompile(`^\d{4}-\d{4}-\d{6}$`).MatchString(got.Number) || got.DueDate == "" || !e.exists(t, dynamo.ApplicationPointerKey(f.id)) {
			t.Errorf("submitted = number %q, due %q; want a number, a due date and a pointer", got.Number, got.DueDate)
		}
	case to == AwaitingDocuments:
		due := workdays.Add(start, DocumentsDays)
		if it.DocumentsDue != due.Format("2006-01-02") || !e.exists(t, reminder) ||
			!e.exists(t, calendar.Key(f.citizen.Sub, documentsEntry(f.id, it.Number, due))) {
			t.Errorf("documents due %q (want %s), reminder %v, calendar %v", it.DocumentsDue, due.Format("2006-01-02"),
				e.exists(t, reminder), e.exists(t, calendar.Key(f.citizen.Sub, documentsEntry(f.id, it.Number, due))))
		}
		if n := e.notes(t, f.citizen.Sub); !strings.Contains(n[0].Body, "Справка с места работы") {
			t.Errorf("the note does not name the documents: %+v", n[0])
		}
	case to == Completed:
		if got.Result == nil || len(e.issuer.requests) != issuedBefore+1 || !e.exists(t, dynamo.DocumentKey(f.citizen.Sub, got.Result.DocumentID)) ||
			!e.exists(t, dynamo.VerificationKey(got.Result.VerificationCode)) {
			t.Errorf("completed with result %+v, %d issued; want one recorded result", got.Result, len(e.issuer.requests)-issuedBefore)
		}
	case to == Rejected:
		if last.Comment != "Сведения не подтверждены" {
			t.Errorf("rejected with comment %q", last.Comment)
		}
	case to == InProgress && role == RoleCitizen:
		if len(it.Attachments) != 1 {
			t.Errorf("attachments = %v, want the scan brought", it.Attachments)
		}
	}
	if from == AwaitingDocuments {
		due := workdays.Add(start, DocumentsDays)
		if it.DocumentsDue != "" || e.exists(t, reminder) || e.exists(t, calendar.Key(f.citizen.Sub, documentsEntry(f.id, it.Number, due))) {
			t.Errorf("after awaiting documents: due %q, reminder %v; want both gone", it.DocumentsDue, e.exists(t, reminder))
		}
	}
	if Final(to) {
		for _, d := range it.Attachments {
			var doc struct{ Uses int }
			if err := e.db.Get(ctx, dynamo.DocumentKey(f.citizen.Sub, d), "документ", &doc); err != nil || doc.Uses != 0 {
				t.Errorf("scan %s in use %d times after a final status (%v)", d, doc.Uses, err)
			}
		}
	}
}

func checkRefused(t *testing.T, e *env, f fixture, from, to, role string) {
	t.Helper()
	ctx := context.Background()
	before := e.state(t, f)
	var errs []error
	m := e.moveFor(t, f, to, role)
	if role == RoleCitizen {
		_, err := e.svc.Transition(ctx, f.citizen, f.id, m)
		errs = append(errs, err)
		if to == Submitted {
			_, err := e.svc.Submit(ctx, f.citizen, f.id, nil, "", before.version)
			errs = append(errs, err)
		}
	} else {
		_, err := e.svc.OfficerTransition(ctx, f.officer, f.id, m)
		errs = append(errs, err)
	}
	for _, err := range errs {
		switch {
		case role == RoleOfficer && from == Draft:
			if !problem.Is(err, problem.KindNotFound) {
				t.Errorf("an officer on a draft: %v, want NotFound", err)
			}
		case !problem.Is(err, problem.KindConflict) || code(err) != "illegal_transition":
			t.Errorf("refusal = %v, want 409 illegal_transition", err)
		}
	}
	if after := e.state(t, f); after != before {
		t.Errorf("a refused move changed %+v into %+v", before, after)
	}
}

// TestCitizenCannotSubmitByAMove: only Submit numbers, checks and signs.
func TestCitizenCannotSubmitByAMove(t *testing.T) {
	e := newEnv(t)
	f := e.at(t, Draft)
	before := e.state(t, f)
	_, err := e.svc.Transition(context.Background(), f.citizen, f.id, Move{To: Submitted})
	if code(err) != "illegal_transition" {
		t.Errorf("a draft moved to submitted = %v, want 409 illegal_transition", err)
	}
	if after := e.state(t, f); after != before {
		t.Errorf("changed %+v into %+v", before, after)
	}
}

// TestTransitionRules: what a move must carry.
func TestTransitionRules(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tomorrow := workdays.Add(start, 0).AddDate(0, 0, 1).Format("2006-01-02")
	cases := []struct {
		name      string
		from      string
		citizen   bool
		move      func(f fixture) Move
		wantField string // "" for success
		wantCode  string
	}{
		{"rejection without a reason", InProgress, false, func(fixture) Move { return Move{To: Rejected, Comment: " нет "} }, "comment", "reason.required"},
		{"rejection with a reason", InProgress, false, func(fixture) Move { return Move{To: Rejected, Comment: "Нет сведений"} }, "", ""},
		{"request without documents", InProgress, false, func(fixture) Move { return Move{To: AwaitingDocuments} }, "documents", "documents.required"},
		{"deadline today", InProgress, false, func(fixture) Move {
			return Move{To: AwaitingDocuments, Documents: []string{"Справка"}, Deadline: workdays.Add(start, 0).Format("2006-01-02")}
		}, "deadline", "deadline.range"},
		{"deadline beyond 90 days", InProgress, false, func(fixture) Move {
			return Move{To: AwaitingDocuments, Documents: []string{"Справка"}, Deadline: start.AddDate(0, 0, 120).Format("2006-01-02")}
		}, "deadline", "deadline.range"},
		{"deadline not a date", InProgress, false, func(fixture) Move {
			return Move{To: AwaitingDocuments, Documents: []string{"Справка"}, Deadline: "завтра"}
		}, "deadline", "deadline.range"},
		{"deadline tomorrow", InProgress, false, func(fixture) Move {
			return Move{To: AwaitingDocuments, Documents: []string{"Справка"}, Deadline: tomorrow}
		}, "", ""},
		{"unknown status", InProgress, false, func(fixture) Move { return Move{To: "done"} }, "to", "status.unknown"},
		{"documents brought without a scan", AwaitingDocuments, true, func(fixture) Move { return Move{To: InProgress} }, "documents", "documents.required"},
		{"another user's scan brought", AwaitingDocuments, true, func(fixture) Move {
			return Move{To: InProgress, Documents: []string{e.scan(t, "someone-else", "other")}}
		}, "attachments", "document.unavailable"},
		{"a scan brought twice", AwaitingDocuments, true, func(f fixture) Move {
			s := e.scan(t, f.citizen.Sub, "other")
			return Move{To: InProgress, Documents: []string{s, s}}
		}, "attachments", "document.duplicate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := e.at(t, c.from)
			before := e.state(t, f)
			var err error
			if c.citizen {
				_, err = e.svc.Transition(ctx, f.citizen, f.id, c.move(f))
			} else {
				_, err = e.svc.OfficerTransition(ctx, f.officer, f.id, c.move(f))
			}
			if c.wantField == "" {
				if err != nil {
					t.Fatalf("move = %v, want success", err)
				}
				return
			}
			p, _ := problem.As(err)
			if !problem.Is(err, problem.KindInvalid) || len(p.Fields) != 1 || p.Fields[0].Field != c.wantField || p.Fields[0].Code != c.wantCode {
				t.Errorf("move = %v, want 422 %s on %s", err, c.wantCode, c.wantField)
			}
			if after := e.state(t, f); after != before {
				t.Errorf("a refused move changed %+v into %+v", before, after)
			}
		})
	}
	t.Run("the deadline given is kept", func(t *testing.T) {
		f := e.at(t, InProgress)
		if _, err := e.svc.OfficerTransition(ctx, f.officer, f.id, Move{To: AwaitingDocuments, Documents: []string{"Справка"}, Deadline: tomorrow}); err != nil {
			t.Fatal(err)
		}
		if got := e.item(t, f.citizen.Sub, f.id).DocumentsDue; got != tomorrow {
			t.Errorf("documents due %s, want %s", got, tomorrow)
		}
	})
}

// TestCompletionIssuesAResult: completing renders the result for the
// applicant; when the result cannot be made nothing changes, and a result
// whose completion does not commit is deleted.
func TestCompletionIssuesAResult(t *testing.T) {
	ctx := context.Background()
	t.Run("issued", func(t *testing.T) {
		e := newEnv(t)
		f := e.at(t, Approved)
		got, err := e.svc.OfficerTransition(ctx, f.officer, f.id, Move{To: Completed, Comment: "Выписка выдана"})
		if err != nil {
			t.Fatal(err)
		}
		r := e.issuer.requests[len(e.issuer.requests)-1]
		if r.Sub != f.citizen.Sub || r.ApplicationID != f.id || r.ApplicationNumber != got.Number || r.Applicant.Surname != "Ёлкина" ||
			r.Applicant.SNILS != "112-233-445 95" || r.Decision != "Выписка выдана" || r.DepartmentTitle != "ФНС России" {
			t.Errorf("issued for %+v", r)
		}
		v, err := e.svc.Verify(ctx, got.Result.VerificationCode, nil)
		if err != nil || !v.Genuine || v.Number != got.Result.Number || got.Result.Number != "ВД-"+got.Number {
			t.Errorf("verify = %+v, %v", v, err)
		}
	})
	cases := []struct {
		name        string
		setup       func(e *env, f fixture)
		wantKind    problem.Kind
		wantFiles   int
		wantDiscard int
	}{
		{"the issuer fails", func(e *env, _ fixture) {
			e.issuer.issue = func(context.Context, issued.Request) (*issued.Result, error) {
				return nil, problem.New(problem.KindUnavailable, "signing_unavailable", "Подпись недоступна")
			}
		}, problem.KindUnavailable, 0, 0},
		{"no issuer", func(e *env, _ fixture) { e.svc.Issuer = nil }, problem.KindInternal, 0, 0},
		{"the application changes while the result is made", func(e *env, f fixture) {
			e.issuer.issue = func(ctx context.Context, r issued.Request) (*issued.Result, error) {
				res, err := e.issuer.real.Issue(ctx, r)
				// Another writer moves the version on meanwhile.
				upd := expression.Set(expression.Name("V"), expression.Value(100))
				if err := e.db.Update(ctx, dynamo.ApplicationKey(f.citizen.Sub, f.id), upd, nil); err != nil {
					t.Fatal(err)
				}
				return res, err
			}
		}, problem.KindConflict, 0, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			f := e.at(t, Approved)
			c.setup(e, f)
			before := e.state(t, f)
			_, err := e.svc.OfficerTransition(ctx, f.officer, f.id, Move{To: Completed})
			if !problem.Is(err, c.wantKind) {
				t.Errorf("complete = %v, want %v", err, c.wantKind)
			}
			after := e.state(t, f)
			after.version = before.version // the third case moved it on by hand
			if after != before {
				t.Errorf("changed %+v into %+v", before, after)
			}
			if e.objects.Len() != c.wantFiles || len(e.issuer.discarded) != c.wantDiscard {
				t.Errorf("%d files kept, %d discarded; want %d and %d", e.objects.Len(), len(e.issuer.discarded), c.wantFiles, c.wantDiscard)
			}
		})
	}
}

// TestConcurrentMovesOneWins: two officers decide at once; one decision
// stands, the other is a 409, and only one change is journaled.
func TestConcurrentMovesOneWins(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name string
		from string
		tos  [2]string
	}{
		{"approve and reject", InProgress, [2]string{Approved, Rejected}},
		{"two completions", Approved, [2]string{Completed, Completed}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			f := e.at(t, c.from)
			colleague := e.officer("fns")
			before := e.state(t, f)
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, who := range []actor.Actor{f.officer, colleague} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = e.svc.OfficerTransition(ctx, who, f.id, Move{To: c.tos[i], Comment: "Решение по заявлению"})
				}()
			}
			wg.Wait()
			if (errs[0] == nil) == (errs[1] == nil) {
				t.Fatalf("results %v, want one success and one refusal", errs)
			}
			for _, err := range errs {
				if err != nil && !problem.Is(err, problem.KindConflict) {
					t.Errorf("the loser got %v, want 409", err)
				}
			}
			after := e.state(t, f)
			if after.logs != before.logs+1 || after.notes != before.notes+1 || after.journal != before.journal+1 {
				t.Errorf("after two moves at once: %+v (before %+v), want one change recorded", after, before)
			}
			if c.tos[0] == Completed && e.objects.Len() != 1 {
				t.Errorf("%d result files kept, want 1", e.objects.Len())
			}
		})
	}
}

// TestOfficerRules: who may open and move an application as an officer.
func TestOfficerRules(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	f := e.at(t, Submitted) // the tax service's
	// An officer of the tax service applies as a citizen too.
	own := fixture{citizen: e.officer("fns"), officer: e.officer("fns")}
	own.id = e.draftOf(t, own.citizen, plain).ID
	if _, err := e.do(t, own, Submitted, RoleCitizen); err != nil {
		t.Fatal(err)
	}
	support := actor.Actor{Sub: "support-1", Groups: []string{actor.GroupSupport}}
	cases := []struct {
		name     string
		who      actor.Actor
		id       string
		owner    string
		wantKind problem.Kind // KindInternal: allowed
		wantCode string
	}{
		{"an officer of the department", e.officer("fns"), f.id, f.citizen.Sub, problem.KindInternal, ""},
		{"an officer of another department", e.officer("mvd"), f.id, f.citizen.Sub, problem.KindNotFound, "not_found"},
		{"the officer on their own application", own.citizen, own.id, own.citizen.Sub, problem.KindForbidden, "self_action"},
		{"a citizen", e.citizen("confirmed"), f.id, f.citizen.Sub, problem.KindForbidden, "not_an_officer"},
		{"the applicant", f.citizen, f.id, f.citizen.Sub, problem.KindForbidden, "not_an_officer"},
		{"a support operator", support, f.id, f.citizen.Sub, problem.KindForbidden, "not_an_officer"},
		{"an officer without a department", actor.Actor{Sub: "officer-x", Groups: []string{actor.GroupOfficers}}, f.id, f.citizen.Sub, problem.KindForbidden, "no_department"},
		{"an unknown application", e.officer("fns"), "20261123070000000000-nothing", "", problem.KindNotFound, "not_found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var before state
			if c.owner != "" {
				before = e.state(t, fixture{citizen: actor.Citizen(c.owner), officer: f.officer, id: c.id})
			}
			card, cardErr := e.svc.OfficerCard(ctx, c.who, c.id)
			_, moveErr := e.svc.OfficerTransition(ctx, c.who, c.id, Move{To: Registered, Comment: "Принято"})
			for what, err := range map[string]error{"card": cardErr, "move": moveErr} {
				if c.wantKind == problem.KindInternal {
					if err != nil {
						t.Errorf("%s = %v, want success", what, err)
					}
					continue
				}
				if !problem.Is(err, c.wantKind) || (c.wantCode != "not_found" && code(err) != c.wantCode) {
					t.Errorf("%s = %v (%s), want %v %s", what, err, code(err), c.wantKind, c.wantCode)
				}
			}
			if c.wantKind == problem.KindInternal {
				if card.Owner != c.owner || card.Values == nil {
					t.Errorf("card = owner %q, values %v; want the applicant and the answers", card.Owner, card.Values)
				}
				return
			}
			if c.owner != "" {
				if after := e.state(t, fixture{citizen: actor.Citizen(c.owner), officer: f.officer, id: c.id}); after != before {
					t.Errorf("a refused officer changed %+v into %+v", before, after)
				}
			}
			// The queue refuses whoever is not an officer at all.
			_, _, err := e.svc.Queue(ctx, c.who, "", "", 100)
			if wantRefused := c.wantKind == problem.KindForbidden && c.wantCode != "self_action"; wantRefused != problem.Is(err, problem.KindForbidden) {
				t.Errorf("queue = %v, refused %v", err, wantRefused)
			}
		})
	}
	t.Run("queues", func(t *testing.T) {
		fns, mvd := e.officer("fns"), e.officer("mvd")
		if e.queued(t, mvd, f.id) != "" {
			t.Error("another department's queue lists the application")
		}
		if got := e.queued(t, own.citizen, own.id); got != "" {
			t.Errorf("the officer's own application is in their queue as %q", got)
		}
		if e.queued(t, fns, own.id) != Submitted {
			t.Error("a colleague's queue lacks the officer's application")
		}
		if _, _, err := e.svc.Queue(ctx, fns, "finished", "", 10); !slices.Equal(problem.FieldNames(err), []string{"status"}) {
			t.Errorf("queue of an unknown status = %v, want 422", err)
		}
	})
	t.Run("drafts are not the department's", func(t *testing.T) {
		d := e.at(t, Draft)
		if _, err := e.svc.OfficerCard(ctx, d.officer, d.id); !problem.Is(err, problem.KindNotFound) {
			t.Errorf("an officer opening a draft = %v, want NotFound", err)
		}
	})
}

// An officer opening an application is in the applicant's access log, with
// the department, the application's number and what it shows; the
// applicant opening their own is not.
func TestOfficersOpeningIsInTheAccessLog(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	f := e.at(t, Submitted)
	if _, err := e.svc.Card(ctx, f.citizen, f.id); err != nil {
		t.Fatal(err)
	}
	fns := e.officer("fns")
	card, err := e.svc.OfficerCard(ctx, fns, f.id)
	if err != nil {
		t.Fatal(err)
	}
	log := e.svc.Reads.(*accesslog.Log)
	entries, err := log.All(ctx, f.citizen.Sub, accesslog.Filter{})
	if err != nil || len(entries) != 1 {
		t.Fatalf("access log = %+v, %v; want the officer's read only", entries, err)
	}
	if g := entries[0]; g.Role != "officer" || g.OrganisationCode != "fns" || g.Organisation == "" || g.ReaderID != fns.Sub ||
		g.Reason.Kind != accesslog.ReasonApplication || g.Reason.Ref != card.Number || !slices.Contains(g.Categories, "application") {
		t.Errorf("entry = %+v", g)
	}
	// A refused opening is not a read.
	if _, err := e.svc.OfficerCard(ctx, e.officer("mvd"), f.id); err == nil {
		t.Fatal("another department opened it")
	}
	if entries, _ := log.All(ctx, f.citizen.Sub, accesslog.Filter{}); len(entries) != 1 {
		t.Errorf("%d entries after a refused opening", len(entries))
	}
}

// TestLogShowsTheOfficerToOfficers: the citizen's card (and export) names
// the department of an officer's change; the officers' card also says who.
func TestLogShowsTheOfficerToOfficers(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	f := e.at(t, Registered)
	mine, err := e.svc.Card(ctx, f.citizen, f.id)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := e.svc.OfficerCard(ctx, e.officer("fns"), f.id)
	if err != nil {
		t.Fatal(err)
	}
	var raw []map[string]types.AttributeValue
	if err := e.db.Everything(ctx, f.citizen.Sub, &raw); err != nil {
		t.Fatal(err)
	}
	cards, err := e.svc.Cards(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		journal []LogEntry
		actor   string
	}{
		{"the citizen's card", mine.Journal, ""},
		{"the export", cards[0].Journal, ""},
		{"the officer's card", theirs.Journal, f.officer.Sub},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if len(c.journal) != 2 {
				t.Fatalf("journal = %+v, want submission and registration", c.journal)
			}
			sub, reg := c.journal[0], c.journal[1]
			if sub.Role != RoleCitizen || sub.ActorID != "" || sub.Department != "" {
				t.Errorf("submission = %+v, want the citizen's", sub)
			}
			if reg.Role != RoleOfficer || reg.Department != "fns" || reg.ActorID != c.actor {
				t.Errorf("registration = %+v, want department fns and actor %q", reg, c.actor)
			}
		})
	}
}

// TestAccountLevel: a service above the account's level is refused at
// creation and at submission (403 level_too_low), by the level the account
// has now.
func TestAccountLevel(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const confirmedOnly, standardOnly = "international-passport-biometric", "no-criminal-record"
	cases := []struct {
		name, level, service, want, detail string
	}{
		{"standard for a confirmed service", "standard", confirmedOnly, "confirmed",
			"Для этой услуги нужна подтверждённая учётная запись, а ваша — стандартная"},
		{"simplified for a standard service", "simplified", standardOnly, "standard",
			"Для этой услуги нужна стандартная учётная запись, а ваша — упрощённая"},
		{"simplified for a confirmed service", "simplified", confirmedOnly, "confirmed",
			"Для этой услуги нужна подтверждённая учётная запись, а ваша — упрощённая"},
		{"an unknown level", "", standardOnly, "standard", "Для этой услуги нужна стандартная учётная запись"},
	}
	for _, c := range cases {
		t.Run("create: "+c.name, func(t *testing.T) {
			a := e.citizen(c.level)
			_, err := e.svc.CreateDraft(ctx, a, c.service)
			checkLevelTooLow(t, err, c.want, c.detail)
			if list, _, err := e.svc.List(ctx, a, Filter{}, "", 10); err != nil || len(list) != 0 {
				t.Errorf("after a refusal the list holds %d (%v), want nothing", len(list), err)
			}
		})
	}
	t.Run("create from a template", func(t *testing.T) {
		a := e.citizen("confirmed")
		d := e.draftOf(t, a, standardOnly)
		tpl, err := e.svc.SaveTemplate(ctx, a, d.ID, "Справка")
		if err != nil {
			t.Fatal(err)
		}
		e.profiles.setLevel(a.Sub, "simplified")
		_, err = e.svc.DraftFromTemplate(ctx, a, tpl.ID)
		checkLevelTooLow(t, err, "standard", "Для этой услуги нужна стандартная учётная запись, а ваша — упрощённая")
	})
	t.Run("submit", func(t *testing.T) {
		a := e.citizen("standard")
		d := e.draftOf(t, a, standardOnly)
		e.profiles.setLevel(a.Sub, "simplified")
		_, err := e.svc.Submit(ctx, a, d.ID, []string{e.scan(t, a.Sub, "passport")}, "123456", d.Version)
		checkLevelTooLow(t, err, "standard", "Для этой услуги нужна стандартная учётная запись, а ваша — упрощённая")
		if it := e.item(t, a.Sub, d.ID); it.Status != Draft || it.V != d.Version {
			t.Errorf("refused submission left %s v%d", it.Status, it.V)
		}
	})
	t.Run("a level raised counts at once", func(t *testing.T) {
		a := e.citizen("simplified")
		if _, err := e.svc.CreateDraft(ctx, a, standardOnly); code(err) != "level_too_low" {
			t.Fatalf("create = %v, want level_too_low", err)
		}
		e.profiles.setLevel(a.Sub, "standard")
		d := e.draftOf(t, a, standardOnly)
		if _, err := e.svc.Submit(ctx, a, d.ID, []string{e.scan(t, a.Sub, "passport")}, "123456", d.Version); err != nil {
			t.Errorf("submit after the level was raised = %v", err)
		}
	})
	t.Run("the account cannot be read", func(t *testing.T) {
		e.profiles.level = func(context.Context, string) (accounts.Level, error) { return "", errors.New("table unreachable") }
		defer func() { e.profiles.level = nil }()
		if _, err := e.svc.CreateDraft(ctx, e.citizen("confirmed"), plain); err == nil {
			t.Error("created a draft without knowing the level")
		}
	})
}

func checkLevelTooLow(t *testing.T, err error, want, detail string) {
	t.Helper()
	p, ok := problem.As(err)
	if !ok || p.Kind != problem.KindForbidden || p.Code != "level_too_low" || p.Extensions["requiredLevel"] != want || p.Detail != detail {
		t.Errorf("got %v, want 403 level_too_low naming %s: %q", err, want, detail)
	}
}

// TestSubmit: what a submission checks, and what it writes.
func TestSubmit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const signed = "no-criminal-record" // a passport scan and a signature
	type input struct {
		attachments []string
		code        string
		version     int64
	}
	cases := []struct {
		name      string
		prepare   func(a actor.Actor, d App) input
		check     func(context.Context, string, string, int64, string, string) (func(*dynamo.Tx), error)
		wantKind  problem.Kind
		wantCode  string
		wantField string
	}{
		{"stale version", func(a actor.Actor, d App) input {
			return input{[]string{e.scan(t, a.Sub, "passport")}, "123456", d.Version - 1}
		}, nil, problem.KindConflict, "stale_version", ""},
		{"the required scan missing", func(a actor.Actor, d App) input {
			return input{[]string{e.scan(t, a.Sub, "other")}, "123456", d.Version}
		}, nil, problem.KindInvalid, "", "attachments"},
		{"another user's scan", func(a actor.Actor, d App) input {
			return input{[]string{e.scan(t, "someone-else", "passport")}, "123456", d.Version}
		}, nil, problem.KindInvalid, "", "attachments"},
		{"a wrong code", func(a actor.Actor, d App) input {
			return input{[]string{e.scan(t, a.Sub, "passport")}, "000000", d.Version}
		}, func(context.Context, string, string, int64, string, string) (func(*dynamo.Tx), error) {
			return nil, problem.Invalid(problem.Field{Field: "signatureCode", Code: "code.invalid", Message: "Неверный код"})
		}, problem.KindInvalid, "", "signatureCode"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := e.citizen("confirmed")
			d := e.draftOf(t, a, signed)
			e.svc.Signatures = fakeSignatures{check: c.check}
			in := c.prepare(a, d)
			_, err := e.svc.Submit(ctx, a, d.ID, in.attachments, in.code, in.version)
			p, _ := problem.As(err)
			if !problem.Is(err, c.wantKind) || (c.wantCode != "" && p.Code != c.wantCode) ||
				(c.wantField != "" && !slices.Contains(problem.FieldNames(err), c.wantField)) {
				t.Errorf("submit = %v, want %v %s %s", err, c.wantKind, c.wantCode, c.wantField)
			}
			if it := e.item(t, a.Sub, d.ID); it.Status != Draft || it.V != d.Version || len(e.notes(t, a.Sub)) != 0 || len(e.journal.of(t, a.Sub)) != 0 {
				t.Errorf("a refused submission left %s v%d with notes or activity", it.Status, it.V)
			}
		})
	}
	t.Run("signed", func(t *testing.T) {
		a := e.citizen("confirmed")
		d := e.draftOf(t, a, signed)
		scan := e.scan(t, a.Sub, "passport")
		var signedContent, usedCode string
		marker := dynamo.Key{PK: "TEST#code-used", SK: a.Sub}
		e.svc.Signatures = fakeSignatures{check: func(_ context.Context, sub, docID string, version int64, content, code string) (func(*dynamo.Tx), error) {
			signedContent, usedCode = content, code
			return func(tx *dynamo.Tx) { tx.Put(map[string]any{"PK": marker.PK, "SK": marker.SK}) }, nil
		}}
		got, err := e.svc.Submit(ctx, a, d.ID, []string{scan}, " 123456 ", d.Version)
		if err != nil {
			t.Fatal(err)
		}
		if usedCode != "123456" || signedContent != attachmentsDigest([]string{scan}) || !e.exists(t, marker) {
			t.Errorf("signature checked with %q over %q (used up: %v)", usedCode, signedContent, e.exists(t, marker))
		}
		logs := e.logs(t, a.Sub, d.ID)
		if got.Status != Submitted || len(logs) != 1 || !strings.Contains(logs[0].Comment, "подписью") || !slices.Equal(got.Attachments, []string{scan}) {
			t.Errorf("submitted = %+v with journal %+v", got, logs)
		}
		if _, err := e.svc.Submit(ctx, a, d.ID, []string{scan}, "123456", got.Version); code(err) != "illegal_transition" {
			t.Errorf("a second submission = %v, want 409 illegal_transition", err)
		}
	})
	t.Run("an officer submits their own as a citizen", func(t *testing.T) {
		o := e.officer("fns")
		f := fixture{citizen: o, officer: e.officer("fns")}
		f.id = e.draftOf(t, o, plain).ID
		if _, err := e.do(t, f, Submitted, RoleCitizen); err != nil {
			t.Fatal(err)
		}
		entries := e.journal.of(t, o.Sub)
		if len(entries) != 1 || entries[0].Actor != journal.ActorCitizen || entries[0].ActorID != "" {
			t.Errorf("activity = %+v, want the submission as the citizen", entries)
		}
	})
}

// TestResubmitMatrix: only a rejected application is resubmitted, once.
func TestResubmitMatrix(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, from := range statuses {
		t.Run(from, func(t *testing.T) {
			f := e.at(t, from)
			got, created, err := e.svc.Resubmit(ctx, f.citizen, f.id)
			if from != Rejected {
				if code(err) != "not_rejected" || created {
					t.Errorf("resubmit = %v (created %v), want 409 not_rejected", err, created)
				}
				return
			}
			if err != nil || !created || got.Status != Draft || got.Previous != f.id || got.ID == f.id {
				t.Fatalf("resubmit = %+v, %v, %v; want a new linked draft", got, created, err)
			}
			for k, v := range mustSample(plain) {
				if fmt.Sprint(got.Values[k]) != fmt.Sprint(v) {
					t.Errorf("resubmitted %s = %v, want the rejected answer %v", k, got.Values[k], v)
				}
			}
			again, created, err := e.svc.Resubmit(ctx, f.citizen, f.id)
			if err != nil || created || again.ID != got.ID {
				t.Errorf("again = %s, %v, %v; want the same draft %s", again.ID, created, err, got.ID)
			}
			if old := e.item(t, f.citizen.Sub, f.id); old.ResubmittedAs != got.ID {
				t.Errorf("the rejected one links to %q, want %s", old.ResubmittedAs, got.ID)
			}
			if _, _, err := e.svc.Resubmit(ctx, e.citizen("confirmed"), f.id); !problem.Is(err, problem.KindNotFound) {
				t.Errorf("another user resubmitting = %v, want NotFound", err)
			}
		})
	}
	t.Run("twice at once", func(t *testing.T) {
		f := e.at(t, Rejected)
		var wg sync.WaitGroup
		ids := make([]string, 2)
		made := make([]bool, 2)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a, created, err := e.svc.Resubmit(ctx, f.citizen, f.id)
				if err != nil {
					t.Error(err)
				}
				ids[i], made[i] = a.ID, created
			}()
		}
		wg.Wait()
		if ids[0] == "" || ids[0] != ids[1] || made[0] == made[1] {
			t.Errorf("two resubmissions = %v created %v, want one draft made once", ids, made)
		}
	})
}

func mustSample(code string) map[string]any {
	svc, _ := catalog.Get(code)
	return svc.Sample()
}

// TestDraftsAreTheActorsOwn: a citizen's methods act on the actor's own
// applications only.
func TestDraftsAreTheActorsOwn(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	owner, other := e.citizen("confirmed"), e.citizen("confirmed")
	d := e.draftOf(t, owner, plain)
	calls := map[string]func() error{
		"card":     func() error { _, err := e.svc.Card(ctx, other, d.ID); return err },
		"save":     func() error { _, err := e.svc.SaveDraft(ctx, other, d.ID, map[string]any{}, d.Version); return err },
		"delete":   func() error { return e.svc.DeleteDraft(ctx, other, d.ID) },
		"sign":     func() error { _, err := e.svc.StartSigning(ctx, other, d.ID, nil); return err },
		"submit":   func() error { _, err := e.svc.Submit(ctx, other, d.ID, nil, "", d.Version); return err },
		"cancel":   func() error { _, err := e.svc.Transition(ctx, other, d.ID, Move{To: Cancelled}); return err },
		"template": func() error { _, err := e.svc.SaveTemplate(ctx, other, d.ID, "Чужой"); return err },
		"pdf":      func() error { _, _, err := e.svc.JournalPDF(ctx, other, d.ID); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			if err := call(); !problem.Is(err, problem.KindNotFound) {
				t.Errorf("another user's %s = %v, want NotFound", name, err)
			}
		})
	}
	if it := e.item(t, owner.Sub, d.ID); it.Status != Draft || it.V != d.Version {
		t.Errorf("the owner's draft is now %s v%d", it.Status, it.V)
	}
	if list, _, _ := e.svc.List(ctx, other, Filter{}, "", 10); len(list) != 0 {
		t.Errorf("another user lists %d applications", len(list))
	}
}

// brokenKey is a journal key that cannot be read: nothing can be journaled.
type brokenKey struct{}

func (brokenKey) JournalKey(context.Context) ([]byte, error) {
	return nil, errors.New("secretsmanager: service unavailable")
}

// An officer's move and its entry in the applicant's activity journal are
// one write: with the journal down the move does not happen (no status,
// log or note), and moves made while the applicant's journal is being
// appended to all land with their entries.
func TestOfficerMovesCommitWithTheirActivityEntry(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	f := e.at(t, Submitted)
	before := e.state(t, f)
	key := e.journal.Key
	e.journal.Key = brokenKey{}
	if _, err := e.svc.OfficerTransition(ctx, f.officer, f.id, Move{To: Registered, Comment: "Принято"}); err == nil {
		t.Fatal("a move with the journal down = done, want an error")
	}
	e.journal.Key = key
	if after := e.state(t, f); after != before {
		t.Errorf("after a failed journal: %+v, want unchanged %+v", after, before)
	}

	const n = 8
	apps := make([]fixture, n)
	for i := range apps {
		// One applicant, so one journal for every move.
		apps[i] = fixture{citizen: f.citizen, officer: f.officer, id: e.draftOf(t, f.citizen, plain).ID}
		if _, err := e.do(t, apps[i], Submitted, RoleCitizen); err != nil {
			t.Fatal(err)
		}
	}
	start := len(e.journal.of(t, f.citizen.Sub))
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Go(func() {
			if _, err := e.svc.OfficerTransition(ctx, f.officer, apps[i].id, Move{To: Registered, Comment: "Принято"}); err != nil {
				errs <- err
			}
		})
		wg.Go(func() {
			if _, err := e.journal.Append(ctx, f.citizen.Sub, journal.Entry{Type: journal.TypeLogin, Summary: "Вход", Actor: journal.ActorCitizen}); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("move or append: %v", err)
	}
	statuses := 0
	for _, en := range e.journal.of(t, f.citizen.Sub)[start:] {
		if en.Type == journal.TypeApplicationStatus && en.ActorID == f.officer.Sub {
			statuses++
		}
	}
	if statuses != n {
		t.Errorf("%d status entries in the activity journal, want %d", statuses, n)
	}
}
