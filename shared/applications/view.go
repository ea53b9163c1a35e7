package applications

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kabinet/kabinet/shared/payments"

	"github.com/kabinet/kabinet/shared/catalog"
	"github.com/kabinet/kabinet/shared/workdays"
)

// App is an application as its owner (or an officer) sees it.
type App struct {
	ID          string         `json:"id"`
	Number      string         `json:"number,omitempty"`
	Service     string         `json:"service"`
	Title       string         `json:"title"`
	Department  string         `json:"department"`
	Status      string         `json:"status"`
	StatusName  string         `json:"statusName"`
	Values      map[string]any `json:"values,omitempty"` // absent in the officer's queue
	Attachments []string       `json:"attachments"`
	CreatedAt   time.Time      `json:"createdAt"`
	SubmittedAt time.Time      `json:"submittedAt,omitzero"`
	DueDate     string         `json:"dueDate,omitempty"`
	Overdue     bool           `json:"overdue"`
	// Stale says nothing has changed for 48 hours (the seeds).
	Stale   bool       `json:"stale"`
	Version int64      `json:"version"`
	Actions []string   `json:"actions"`
	Journal []LogEntry `json:"journal,omitempty"`
	Owner   string     `json:"owner,omitempty"`
	// Previous links a resubmission to the rejected application it repeats;
	// ResubmittedAs links the rejected one to its resubmission.
	Previous      string `json:"previous,omitempty"`
	ResubmittedAs string `json:"resubmittedAs,omitempty"`
	// Result is the document issued on completion.
	Result *Result `json:"result,omitempty"`
	// DocumentsDue is the last day for requested documents
	// (awaiting_documents only).
	DocumentsDue string `json:"documentsDue,omitempty"`
	// Duty is the service's state duty and whether it is paid (GET
	// /charges/{uin} pays it).
	Duty *payments.DutyState `json:"duty,omitempty"`
	// ChargeRequest is a request about a charge (an appeal, an instalment
	// plan, a refund) once submitted: where it stands, and on the card the
	// charge as it stands.
	ChargeRequest *ChargeRequestView `json:"chargeRequest,omitempty"`
}

// ActionResubmit is the action, beyond the statuses, of a rejected
// application its owner may repeat (POST /applications/{id}/resubmit).
const ActionResubmit = "resubmit"

// Result points at the document a department issued for an application:
// it is among the citizen's documents (GET /documents/{documentId}) and is
// checked at /verify/{verificationCode}.
type Result struct {
	DocumentID       string `json:"documentId"`
	Number           string `json:"number"`
	VerificationCode string `json:"verificationCode"`
}

// LogEntry is one change in an application's journal.
type LogEntry struct {
	At   time.Time `json:"at"`
	From string    `json:"from"`
	To   string    `json:"to"`
	Role string    `json:"role"`
	// Department is the department of the officer who made the change
	// (officers' changes only); the citizen sees it too.
	Department string `json:"department,omitempty"`
	// ActorID is the officer who made the change (officers' changes only).
	// Only officers see it: the citizen's card names the department.
	ActorID   string   `json:"actorId,omitempty"`
	Comment   string   `json:"comment,omitempty"`
	Documents []string `json:"requestedDocuments,omitempty"`
}

func valuesContext(sub, id string) map[string]string {
	return map[string]string{"user": sub, "field": "application-" + id}
}

// view is the application with its answers opened (the card).
func (s *Service) view(ctx context.Context, it appItem, role string) (App, error) {
	raw, err := s.Sealer.Open(ctx, it.Values, valuesContext(it.Sub, it.ID))
	if err != nil {
		return App{}, err
	}
	a := s.summary(it, role)
	_ = json.Unmarshal(raw, &a.Values)
	return a, nil
}

// withDuty adds where the application's duty stands.
func (s *Service) withDuty(ctx context.Context, a App, it appItem) (App, error) {
	out, err := s.withDuties(ctx, []App{a}, []appItem{it})
	if err != nil {
		return App{}, err
	}
	return out[0], nil
}

// withDuties adds where each application's duty stands (one read per
// application that has one).
func (s *Service) withDuties(ctx context.Context, apps []App, items []appItem) ([]App, error) {
	if s.Duties == nil {
		return apps, nil
	}
	var uins []string
	for _, it := range items {
		if it.DutyUIN != "" {
			uins = append(uins, it.DutyUIN)
		}
	}
	if len(uins) == 0 {
		return apps, nil
	}
	states, err := s.Duties.Duties(ctx, uins)
	if err != nil {
		return nil, err
	}
	for i, it := range items {
		if d, ok := states[it.DutyUIN]; ok && it.DutyUIN != "" {
			apps[i].Duty = &d
		}
	}
	return apps, nil
}

// summary is the application without its answers (lists and queues: no
// decryption per row, less personal data on a screen of many).
func (s *Service) summary(it appItem, role string) App {
	svc, _ := catalog.Get(it.Service)
	now := s.Clock.Now()
	a := App{ID: it.ID, Number: it.Number, Service: it.Service, Title: svc.Title, Department: it.Department, Status: it.Status,
		StatusName: StatusNames[it.Status], Attachments: it.Attachments, CreatedAt: parse(it.CreatedAt),
		SubmittedAt: parse(it.SubmittedAt), DueDate: it.DueDate, Version: it.V, Actions: Next(it.Status, role),
		Previous: it.Previous, ResubmittedAs: it.ResubmittedAs, DocumentsDue: it.DocumentsDue, ChargeRequest: requestView(it, svc)}
	if a.Attachments == nil {
		a.Attachments = []string{}
	}
	if it.ResultDoc != "" {
		a.Result = &Result{DocumentID: it.ResultDoc, Number: it.ResultNumber, VerificationCode: it.ResultCode}
	}
	// A rejected application can be repeated once, by its owner.
	if role == RoleCitizen && it.Status == Rejected && it.ResubmittedAs == "" {
		a.Actions = append(a.Actions, ActionResubmit)
	}
	// Open: with the department, not yet decided.
	open := it.Status != Draft && it.Status != Approved && !Final(it.Status)
	// Due at the end of the due date, Moscow time.
	if due, err := time.ParseInLocation("2006-01-02", it.DueDate, workdays.Moscow); err == nil && open && now.After(due.Add(24*time.Hour)) {
		a.Overdue = true
	}
	a.Stale = open && now.Sub(parse(it.UpdatedAt)) > 48*time.Hour
	if role == RoleOfficer {
		a.Owner = it.Sub
	}
	return a
}

// journalFor is an application's journal as role sees it.
func journalFor(logs []logItem, role string) []LogEntry {
	var out []LogEntry
	for _, l := range logs {
		e := l.entry()
		if role != RoleOfficer {
			e.ActorID = ""
		}
		out = append(out, e)
	}
	return out
}
