package applications

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/calendar"
	"github.com/kabinet/kabinet/shared/catalog"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/documents"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/issued"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/reminders"
	"github.com/kabinet/kabinet/shared/workdays"
)

// Sealer seals form values at rest.
type Sealer interface {
	Seal(ctx context.Context, plaintext []byte, context map[string]string) (string, error)
	Open(ctx context.Context, sealed string, context map[string]string) ([]byte, error)
}

// Signatures confirm a submission by a one-time code (SMS or authenticator)
// where the service asks for a signature.
type Signatures interface {
	StartSignature(ctx context.Context, sub, docID string, version int64, content string) (accounts.SignaturePending, error)
	CheckSignature(ctx context.Context, sub, docID string, version int64, content, code string) (func(*dynamo.Tx), error)
}

// Profiles gives the values a form autofills from.
type Profiles interface {
	Autofill(ctx context.Context, sub string) (map[string]any, error)
}

// Service runs applications.
type Service struct {
	DB       *dynamo.Store
	Sealer   Sealer
	Profiles Profiles
	// Signatures sign submissions of services that need it.
	Signatures Signatures
	Inbox      *inbox.Store
	Journal    *journal.Journal
	Clock      clock.Clock
	// Issuer makes the result document when an officer completes an
	// application (nil: completing is refused).
	Issuer *issued.Service
}

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
	At        time.Time `json:"at"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	Role      string    `json:"role"`
	Comment   string    `json:"comment,omitempty"`
	Documents []string  `json:"requestedDocuments,omitempty"`
}

type appItem struct {
	PK            string   `dynamodbav:"PK"`
	SK            string   `dynamodbav:"SK"`
	Kind          string   `dynamodbav:"Kind"`
	ID            string   `dynamodbav:"ID"`
	Sub           string   `dynamodbav:"Sub"`
	Number        string   `dynamodbav:"Number,omitempty"`
	Service       string   `dynamodbav:"Service"`
	Department    string   `dynamodbav:"Department"`
	Status        string   `dynamodbav:"Status"`
	Values        string   `dynamodbav:"Values"`
	Attachments   []string `dynamodbav:"Attachments,omitempty"`
	CreatedAt     string   `dynamodbav:"CreatedAt"`
	UpdatedAt     string   `dynamodbav:"UpdatedAt"`
	SubmittedAt   string   `dynamodbav:"SubmittedAt,omitempty"`
	DueDate       string   `dynamodbav:"DueDate,omitempty"`
	V             int64    `dynamodbav:"V"`
	GSI1PK        string   `dynamodbav:"GSI1PK,omitempty"`
	GSI1SK        string   `dynamodbav:"GSI1SK,omitempty"`
	Previous      string   `dynamodbav:"Previous,omitempty"`
	ResubmittedAs string   `dynamodbav:"ResubmittedAs,omitempty"`
	ResultDoc     string   `dynamodbav:"ResultDoc,omitempty"`
	ResultNumber  string   `dynamodbav:"ResultNumber,omitempty"`
	ResultCode    string   `dynamodbav:"ResultCode,omitempty"`
	DocumentsDue  string   `dynamodbav:"DocumentsDue,omitempty"`
}

type pointerItem struct {
	PK   string `dynamodbav:"PK"`
	SK   string `dynamodbav:"SK"`
	Kind string `dynamodbav:"Kind"`
	Sub  string `dynamodbav:"Sub"`
}

type logItem struct {
	PK        string   `dynamodbav:"PK"`
	SK        string   `dynamodbav:"SK"`
	Kind      string   `dynamodbav:"Kind"`
	At        string   `dynamodbav:"At"`
	From      string   `dynamodbav:"From"`
	To        string   `dynamodbav:"To"`
	Role      string   `dynamodbav:"Role"`
	Comment   string   `dynamodbav:"Comment,omitempty"`
	Documents []string `dynamodbav:"Documents,omitempty"`
}

func (l logItem) entry() LogEntry {
	return LogEntry{At: parse(l.At), From: l.From, To: l.To, Role: l.Role, Comment: l.Comment, Documents: l.Documents}
}

const stampLayout = "2006-01-02T15:04:05.000000000Z"

func stamp(t time.Time) string { return t.UTC().Format(stampLayout) }

func parse(s string) time.Time {
	t, _ := time.Parse(stampLayout, s)
	return t
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

// summary is the application without its answers (lists and queues: no
// decryption per row, less personal data on a screen of many).
func (s *Service) summary(it appItem, role string) App {
	svc, _ := catalog.Get(it.Service)
	now := s.Clock.Now()
	a := App{ID: it.ID, Number: it.Number, Service: it.Service, Title: svc.Title, Department: it.Department, Status: it.Status,
		StatusName: StatusNames[it.Status], Attachments: it.Attachments, CreatedAt: parse(it.CreatedAt),
		SubmittedAt: parse(it.SubmittedAt), DueDate: it.DueDate, Version: it.V, Actions: Next(it.Status, role),
		Previous: it.Previous, ResubmittedAs: it.ResubmittedAs, DocumentsDue: it.DocumentsDue}
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

func newID(now time.Time) string {
	return now.UTC().Format("20060102150405") + fmt.Sprintf("%06d", now.Nanosecond()/1000) + "-" + randomPart()
}

// CreateDraft starts a draft for a service, autofilled from the profile.
func (s *Service) CreateDraft(ctx context.Context, sub, code string) (App, error) {
	return s.createDraft(ctx, sub, code, nil)
}

// createDraft starts a draft with the given answers (a template's), the
// profile's data over the autofilled fields.
func (s *Service) createDraft(ctx context.Context, sub, code string, base map[string]any) (App, error) {
	svc, ok := catalog.Get(code)
	if !ok {
		return App{}, problem.NotFound("услуга")
	}
	profile, err := s.Profiles.Autofill(ctx, sub)
	if err != nil {
		return App{}, err
	}
	values := map[string]any{}
	for _, f := range svc.Form {
		if v, ok := base[f.Name]; ok {
			values[f.Name] = v
		}
		if v, ok := profile[f.Autofill]; ok && f.Autofill != "" && v != "" && v != nil {
			values[f.Name] = v
		}
	}
	raw, _ := json.Marshal(values)
	it, err := s.newDraft(ctx, sub, code, svc.Department, raw)
	if err != nil {
		return App{}, err
	}
	if err := s.DB.Create(ctx, it); err != nil {
		return App{}, err
	}
	return s.view(ctx, it, RoleCitizen)
}

// newDraft builds a draft item with its answers (JSON) sealed.
func (s *Service) newDraft(ctx context.Context, sub, code, department string, answers []byte) (appItem, error) {
	now := s.Clock.Now()
	id := newID(now)
	sealed, err := s.Sealer.Seal(ctx, answers, valuesContext(sub, id))
	if err != nil {
		return appItem{}, err
	}
	k := dynamo.ApplicationKey(sub, id)
	return appItem{PK: k.PK, SK: k.SK, Kind: "application", ID: id, Sub: sub, Service: code, Department: department, Status: Draft,
		Values: sealed, CreatedAt: stamp(now), UpdatedAt: stamp(now), V: 1}, nil
}

// Resubmit starts a new draft from a rejected application, with its answers
// and a link both ways. It happens once: asked again (or twice at once), it
// returns the same draft and created is false.
func (s *Service) Resubmit(ctx context.Context, sub, id string) (a App, created bool, err error) {
	old, err := s.own(ctx, sub, id)
	if err != nil {
		return App{}, false, err
	}
	if old.ResubmittedAs != "" || old.Status != Rejected {
		a, err := s.resubmitted(ctx, sub, old)
		return a, false, err
	}
	raw, err := s.Sealer.Open(ctx, old.Values, valuesContext(sub, id))
	if err != nil {
		return App{}, false, err
	}
	it, err := s.newDraft(ctx, sub, old.Service, old.Department, raw)
	if err != nil {
		return App{}, false, err
	}
	it.Previous = id
	cond := expression.Name("Status").Equal(expression.Value(Rejected)).And(expression.AttributeNotExists(expression.Name("ResubmittedAs")))
	tx := (&dynamo.Tx{}).Create(it).
		Update(dynamo.ApplicationKey(sub, id), expression.Set(expression.Name("ResubmittedAs"), expression.Value(it.ID)), &cond)
	if err := s.DB.Transact(ctx, "", tx); err != nil {
		if !problem.Is(err, problem.KindConflict) {
			return App{}, false, err
		}
		// Another request got there first: answer from what it left.
		if old, err = s.own(ctx, sub, id); err != nil {
			return App{}, false, err
		}
		a, err := s.resubmitted(ctx, sub, old)
		return a, false, err
	}
	a, err = s.view(ctx, it, RoleCitizen)
	return a, true, err
}

// resubmitted is the answer to a resubmission that creates nothing: the
// draft made earlier, or a conflict when old was never rejected.
func (s *Service) resubmitted(ctx context.Context, sub string, old appItem) (App, error) {
	if old.ResubmittedAs == "" {
		return App{}, problem.Conflict("not_rejected", "Подать повторно можно только отклонённое заявление")
	}
	return s.Card(ctx, sub, old.ResubmittedAs, RoleCitizen)
}

func (s *Service) own(ctx context.Context, sub, id string) (appItem, error) {
	var it appItem
	err := s.DB.Get(ctx, dynamo.ApplicationKey(sub, id), "заявление", &it)
	return it, err
}

// SaveDraft merges values into a draft read at ifVersion (partial saves are
// fine; the form is checked on submission).
func (s *Service) SaveDraft(ctx context.Context, sub, id string, values map[string]any, ifVersion int64) (App, error) {
	it, err := s.own(ctx, sub, id)
	if err != nil {
		return App{}, err
	}
	if it.Status != Draft {
		return App{}, problem.Conflict("not_a_draft", "Изменять можно только черновик")
	}
	svc, _ := catalog.Get(it.Service)
	known := map[string]bool{}
	for _, f := range svc.Form {
		known[f.Name] = true
	}
	var unknown []problem.Field
	for k := range values {
		if !known[k] {
			unknown = append(unknown, problem.Field{Field: "values." + k, Code: "field.unknown", Message: "В форме услуги нет такого поля"})
		}
	}
	if len(unknown) > 0 {
		sort.Slice(unknown, func(i, j int) bool { return unknown[i].Field < unknown[j].Field })
		return App{}, problem.Invalid(unknown...)
	}
	raw, err := s.Sealer.Open(ctx, it.Values, valuesContext(sub, id))
	if err != nil {
		return App{}, err
	}
	cur := map[string]any{}
	_ = json.Unmarshal(raw, &cur)
	for k, v := range values {
		if v == nil {
			delete(cur, k)
		} else {
			cur[k] = v
		}
	}
	b, _ := json.Marshal(cur)
	sealed, err := s.Sealer.Seal(ctx, b, valuesContext(sub, id))
	if err != nil {
		return App{}, err
	}
	now := s.Clock.Now()
	cond := expression.Name("V").Equal(expression.Value(ifVersion)).And(expression.Name("Status").Equal(expression.Value(Draft)))
	upd := expression.Set(expression.Name("Values"), expression.Value(sealed)).Set(expression.Name("V"), expression.Value(ifVersion+1)).
		Set(expression.Name("UpdatedAt"), expression.Value(stamp(now)))
	if err := s.DB.Update(ctx, dynamo.ApplicationKey(sub, id), upd, &cond); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return App{}, problem.Conflict("stale_version", "Черновик изменился после того, как вы его открыли. Обновите страницу")
		}
		return App{}, err
	}
	it.Values, it.V, it.UpdatedAt = sealed, ifVersion+1, stamp(now)
	return s.view(ctx, it, RoleCitizen)
}

// DeleteDraft removes a draft.
func (s *Service) DeleteDraft(ctx context.Context, sub, id string) error {
	it, err := s.own(ctx, sub, id)
	if err != nil {
		return err
	}
	if it.Status != Draft {
		return problem.Conflict("not_a_draft", "Удалить можно только черновик; поданное заявление можно отменить")
	}
	cond := expression.Name("Status").Equal(expression.Value(Draft))
	return s.DB.Transact(ctx, "", (&dynamo.Tx{}).DeleteIf(dynamo.ApplicationKey(sub, id), cond))
}

var levelRank = map[string]int{"simplified": 1, "standard": 2, "confirmed": 3}

// Signing is how to sign a draft before submitting it.
type Signing struct {
	accounts.SignaturePending
	// Version is the draft's version the code signs; the submission must be
	// of this version (If-Match).
	Version int64 `json:"version"`
}

// attachmentsDigest names a set of attachments whatever their order.
func attachmentsDigest(ids []string) string {
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	sum := sha256.Sum256([]byte(strings.Join(slices.Compact(sorted), "\n")))
	return hex.EncodeToString(sum[:])
}

// StartSigning prepares the signature of a draft whose service needs one,
// with the attachments it will be submitted with: a code by SMS, or the
// authenticator for those who use one.
func (s *Service) StartSigning(ctx context.Context, sub, id string, attachments []string) (Signing, error) {
	it, err := s.own(ctx, sub, id)
	if err != nil {
		return Signing{}, err
	}
	if it.Status != Draft {
		return Signing{}, problem.Conflict("illegal_transition", "Заявление уже подано")
	}
	if svc, _ := catalog.Get(it.Service); !svc.Signature {
		return Signing{}, problem.Conflict("signature_not_needed", "Эта услуга не требует подписи: заявление подаётся без кода")
	}
	p, err := s.Signatures.StartSignature(ctx, sub, id, it.V, attachmentsDigest(attachments))
	if err != nil {
		return Signing{}, err
	}
	return Signing{SignaturePending: p, Version: it.V}, nil
}

// Submit checks the form, the account level, the required documents and,
// where the service asks for it, the signature code; it gives the
// application its unique number and sends it to the department.
func (s *Service) Submit(ctx context.Context, sub, level, id string, attachments []string, signature string, ifVersion int64) (App, error) {
	it, err := s.own(ctx, sub, id)
	if err != nil {
		return App{}, err
	}
	if it.Status != Draft {
		return App{}, problem.Conflict("illegal_transition", "Заявление уже подано")
	}
	if it.V != ifVersion {
		return App{}, problem.Conflict("stale_version", "Черновик изменился или уже подан. Обновите страницу")
	}
	svc, _ := catalog.Get(it.Service)
	if levelRank[level] < levelRank[svc.Level] {
		return App{}, problem.Forbidden("Для этой услуги нужна " + map[string]string{"standard": "стандартная", "confirmed": "подтверждённая"}[svc.Level] + " учётная запись")
	}
	raw, err := s.Sealer.Open(ctx, it.Values, valuesContext(sub, id))
	if err != nil {
		return App{}, err
	}
	values := map[string]any{}
	_ = json.Unmarshal(raw, &values)
	var fields []problem.Field
	for _, fe := range svc.Validate(values) {
		fields = append(fields, problem.Field{Field: "values." + fe.Field, Code: fe.Code, Message: fe.Message})
	}
	docs, err := s.checkAttachments(ctx, sub, attachments)
	if err != nil {
		return App{}, err
	}
	for _, need := range svc.Documents {
		if !docs[need.Type] {
			fields = append(fields, problem.Field{Field: "attachments", Code: "document.missing", Message: "Приложите документ: " + need.Title})
		}
	}
	if len(fields) > 0 {
		return App{}, problem.Invalid(fields...)
	}
	// The signature is checked last, so a form sent back for a fix does
	// not use up the code; the code is used up by the submit transaction.
	useSignature := func(*dynamo.Tx) {}
	if svc.Signature {
		if useSignature, err = s.Signatures.CheckSignature(ctx, sub, id, it.V, attachmentsDigest(attachments), strings.TrimSpace(signature)); err != nil {
			// A concurrent submission may have used the code up: then the
			// draft is gone, and that is the answer.
			if now, rerr := s.own(ctx, sub, id); problem.Is(err, problem.KindInvalid) && rerr == nil && (now.Status != Draft || now.V != it.V) {
				return App{}, problem.Conflict("stale_version", "Черновик изменился или уже подан. Обновите страницу")
			}
			return App{}, err
		}
	}
	now := s.Clock.Now()
	n, err := s.DB.Next(ctx, "application-number-"+now.UTC().Format("2006"))
	if err != nil {
		return App{}, err
	}
	number := fmt.Sprintf("%s-%s-%06d", now.UTC().Format("2006"), now.UTC().Format("0102"), n)
	due := workdays.Add(now, svc.WorkingDays).Format("2006-01-02")
	cond := expression.Name("Status").Equal(expression.Value(Draft)).And(expression.Name("V").Equal(expression.Value(ifVersion)))
	upd := expression.Set(expression.Name("Status"), expression.Value(Submitted)).Set(expression.Name("Number"), expression.Value(number)).
		Set(expression.Name("SubmittedAt"), expression.Value(stamp(now))).Set(expression.Name("DueDate"), expression.Value(due)).
		Set(expression.Name("V"), expression.Value(ifVersion+1)).
		Set(expression.Name("UpdatedAt"), expression.Value(stamp(now))).
		Set(expression.Name(dynamo.AttrGSI1PK), expression.Value(dynamo.QueuePK(it.Department))).
		Set(expression.Name(dynamo.AttrGSI1SK), expression.Value(Submitted+"#"+stamp(now)+"#"+id))
	if len(attachments) > 0 {
		// An empty list is never stored: the attribute is simply absent.
		upd = upd.Set(expression.Name("Attachments"), expression.Value(attachments))
	}
	pk := dynamo.ApplicationPointerKey(id)
	tx := (&dynamo.Tx{}).Update(dynamo.ApplicationKey(sub, id), upd, &cond).
		Create(pointerItem{PK: pk.PK, SK: pk.SK, Kind: "application-pointer", Sub: sub})
	for _, d := range attachments {
		documents.Attach(tx, sub, d)
	}
	useSignature(tx)
	comment := ""
	if svc.Signature {
		comment = "Подписано простой электронной подписью"
	}
	s.logChange(tx, sub, id, Draft, Submitted, RoleCitizen, comment, nil, now)
	if err := s.note(tx, sub, number, svc.Title, Submitted, "", id, now); err != nil {
		return App{}, err
	}
	if err := s.DB.Transact(ctx, "", tx); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return App{}, problem.Conflict("stale_version", "Черновик изменился или уже подан. Обновите страницу")
		}
		return App{}, err
	}
	s.journal(ctx, sub, journal.TypeApplicationSubmit, "Подано заявление № "+number+": "+svc.Title)
	it, err = s.own(ctx, sub, id)
	if err != nil {
		return App{}, err
	}
	return s.view(ctx, it, RoleCitizen)
}

// checkAttachments returns the types of the user's ready scans among ids;
// an id that is not the user's ready scan is a 422.
func (s *Service) checkAttachments(ctx context.Context, sub string, ids []string) (map[string]bool, error) {
	types := map[string]bool{}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			return nil, problem.Invalid(problem.Field{Field: "attachments", Code: "document.duplicate", Message: "Документ приложен дважды"})
		}
		seen[id] = true
		var d struct {
			Type  string
			State string
		}
		err := s.DB.Get(ctx, dynamo.DocumentKey(sub, id), "документ", &d)
		if problem.Is(err, problem.KindNotFound) || (err == nil && d.State != documents.StateReady) {
			return nil, problem.Invalid(problem.Field{Field: "attachments", Code: "document.unavailable", Message: "Документ не найден или ещё не проверен"})
		}
		if err != nil {
			return nil, err
		}
		types[d.Type] = true
	}
	return types, nil
}

func (s *Service) logChange(tx *dynamo.Tx, sub, id, from, to, role, comment string, docs []string, at time.Time) {
	k := dynamo.ApplicationLogKey(sub, id, stamp(at))
	tx.Put(logItem{PK: k.PK, SK: k.SK, Kind: "application-log", At: stamp(at), From: from, To: to, Role: role, Comment: comment, Documents: docs})
}

func (s *Service) note(tx *dynamo.Tx, sub, number, title, status, comment, id string, at time.Time) error {
	vars := messages.Vars{"Number": number, "Service": title, "Status": StatusNames[status], "Link": "/applications/" + id}
	if comment != "" {
		vars["Comment"] = comment
	}
	_, err := s.Inbox.Add(tx, inbox.Note{Sub: sub, Type: messages.ApplicationStatus, Vars: vars, Ref: id + ":" + status + ":" + stamp(at)}, at)
	return err
}

func (s *Service) journal(ctx context.Context, sub, typ, summary string) {
	if s.Journal == nil {
		return
	}
	if _, err := s.Journal.Append(ctx, sub, journal.Entry{Type: typ, Summary: summary, Actor: journal.ActorCitizen}); err != nil {
		logging.From(ctx).Error("journal entry not written", "err", err)
	}
}

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

// Transition moves an application by the status machine, once: the write is
// conditional on the status the actor saw, so of two concurrent moves one
// wins and the other gets 409.
func (s *Service) Transition(ctx context.Context, role, sub, id string, m Move) (App, error) {
	it, err := s.own(ctx, sub, id)
	if err != nil {
		return App{}, err
	}
	if !Allowed(it.Status, m.To, role) {
		return App{}, problem.Conflict("illegal_transition", fmt.Sprintf("Нельзя перевести заявление из статуса «%s» в «%s»", StatusNames[it.Status], StatusNames[m.To])).
			With("allowed", Next(it.Status, role))
	}
	comment := strings.TrimSpace(m.Comment)
	switch {
	case m.To == Rejected && len([]rune(comment)) < 5:
		return App{}, problem.Invalid(problem.Field{Field: "comment", Code: "reason.required", Message: "Укажите причину отказа"})
	case m.To == AwaitingDocuments && len(m.Documents) == 0:
		return App{}, problem.Invalid(problem.Field{Field: "documents", Code: "documents.required", Message: "Перечислите, какие документы нужны"})
	}
	now := s.Clock.Now()
	var deadline time.Time
	if role == RoleOfficer && m.To == AwaitingDocuments {
		if deadline, err = documentsDeadline(strings.TrimSpace(m.Deadline), now); err != nil {
			return App{}, err
		}
	}
	svc, _ := catalog.Get(it.Service)
	cond := expression.Name("Status").Equal(expression.Value(it.Status))
	upd := expression.Set(expression.Name("Status"), expression.Value(m.To)).Set(expression.Name("UpdatedAt"), expression.Value(stamp(now))).
		Set(expression.Name("V"), expression.Value(it.V+1))
	final := Final(m.To)
	if final || it.Status == Draft {
		upd = upd.Remove(expression.Name(dynamo.AttrGSI1PK)).Remove(expression.Name(dynamo.AttrGSI1SK))
	} else {
		upd = upd.Set(expression.Name(dynamo.AttrGSI1SK), expression.Value(m.To+"#"+it.SubmittedAt+"#"+id))
	}
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
		// The version condition makes the read-modify-write safe.
		all := append(append([]string{}, it.Attachments...), m.Documents...)
		upd = upd.Set(expression.Name("Attachments"), expression.Value(all))
		for _, d := range m.Documents {
			documents.Attach(tx, sub, d)
		}
	} else if role == RoleOfficer && m.To == AwaitingDocuments {
		requested = m.Documents
		// The deadline is reminded of and put in the citizen's calendar.
		day := deadline.Format("2006-01-02")
		upd = upd.Set(expression.Name("DocumentsDue"), expression.Value(day))
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
		upd = upd.Remove(expression.Name("DocumentsDue"))
	}
	var result *issued.Result
	committed := false
	defer func() {
		if result != nil && !committed {
			s.discard(context.WithoutCancel(ctx), sub, id, result)
		}
	}()
	if m.To == Completed {
		if result, err = s.issue(ctx, it, comment, now); err != nil {
			return App{}, err
		}
		result.Record(tx, sub)
		upd = upd.Set(expression.Name("ResultDoc"), expression.Value(result.DocumentID)).
			Set(expression.Name("ResultNumber"), expression.Value(result.Number)).
			Set(expression.Name("ResultCode"), expression.Value(result.Code))
	}
	tx.Update(dynamo.ApplicationKey(sub, id), upd, &cond)
	if final {
		for _, d := range it.Attachments {
			documents.Release(tx, sub, d)
		}
	}
	s.logChange(tx, sub, id, it.Status, m.To, role, comment, requested, now)
	noteComment := comment
	if len(requested) > 0 {
		noteComment = strings.TrimSpace(comment + "\nНужны документы: " + strings.Join(requested, ", ") +
			"\nСрок: до " + deadline.Format("02.01.2006") + " включительно")
	}
	if it.Status != Draft {
		if err := s.note(tx, sub, it.Number, svc.Title, m.To, noteComment, id, now); err != nil {
			return App{}, err
		}
	}
	if err := s.DB.Transact(ctx, "", tx); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return App{}, problem.Conflict("concurrent_change", "Статус заявления уже изменился. Обновите страницу")
		}
		return App{}, err
	}
	committed = true
	it, err = s.own(ctx, sub, id)
	if err != nil {
		return App{}, err
	}
	return s.view(ctx, it, role)
}

// discard deletes the file of a result whose completion did not commit. An
// error from the transaction does not prove that: a timeout may come after
// DynamoDB committed, so a file the application now points to stays.
func (s *Service) discard(ctx context.Context, sub, id string, r *issued.Result) {
	it, err := s.own(ctx, sub, id)
	if err != nil {
		// Unknown: an unlisted file is harmless, a listed one without its
		// file is not. Keep it.
		logging.From(ctx).Error("result file kept: cannot tell whether it was recorded", "application", id, "err", err)
		return
	}
	if it.ResultDoc == r.DocumentID {
		return
	}
	if err := s.Issuer.Discard(ctx, r); err != nil {
		logging.From(ctx).Error("unrecorded result file not deleted", "application", id, "err", err)
	}
}

// issue makes the result document of an application being completed.
func (s *Service) issue(ctx context.Context, it appItem, comment string, now time.Time) (*issued.Result, error) {
	if s.Issuer == nil {
		return nil, problem.Internal(fmt.Errorf("applications: no issuer configured"))
	}
	p, err := s.Profiles.Autofill(ctx, it.Sub)
	if err != nil {
		return nil, err
	}
	field := func(name string) string { v, _ := p[name].(string); return v }
	svc, _ := catalog.Get(it.Service)
	return s.Issuer.Issue(ctx, issued.Request{
		Sub: it.Sub, ApplicationID: it.ID, ApplicationNumber: it.Number, SubmittedAt: parse(it.SubmittedAt),
		Service: it.Service, ServiceTitle: svc.Title, DepartmentTitle: svc.DepartmentTitle,
		Applicant: issued.Applicant{Surname: field("surname"), Name: field("name"), Patronymic: field("patronymic"),
			BirthDate: field("birthDate"), SNILS: field("snils")},
		Decision: comment, IssuedAt: now,
	})
}

// Filter narrows a citizen's list.
type Filter struct {
	Status, Service, Number string
	From, To                time.Time
}

// List returns a page of the user's applications, newest first.
func (s *Service) List(ctx context.Context, sub string, f Filter, cursor string, limit int32) ([]App, string, error) {
	items, next, err := dynamo.Collect(ctx, s.DB, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.ApplicationPrefix, Cursor: cursor}, int(limit),
		func(it appItem) bool {
			created := parse(it.CreatedAt)
			return (f.Status == "" || it.Status == f.Status) && (f.Service == "" || it.Service == f.Service) &&
				(f.Number == "" || strings.Contains(it.Number, f.Number)) &&
				(f.From.IsZero() || !created.Before(f.From)) && (f.To.IsZero() || created.Before(f.To))
		})
	if err != nil {
		return nil, "", err
	}
	out := make([]App, 0, len(items))
	for _, it := range items {
		out = append(out, s.summary(it, RoleCitizen))
	}
	return out, next, nil
}

// Card returns an application with its journal; another user's is NotFound.
func (s *Service) Card(ctx context.Context, sub, id, role string) (App, error) {
	return s.card(ctx, sub, id, role, true)
}

// card is the application with its journal, and with its answers opened
// when withValues (the journal PDF needs none).
func (s *Service) card(ctx context.Context, sub, id, role string, withValues bool) (App, error) {
	it, err := s.own(ctx, sub, id)
	if err != nil {
		return App{}, err
	}
	a := s.summary(it, role)
	if withValues {
		if a, err = s.view(ctx, it, role); err != nil {
			return App{}, err
		}
	}
	logs, _, err := dynamo.Collect(ctx, s.DB, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.ApplicationLogPrefix(id), Forward: true}, dynamo.MaxPageSize,
		func(logItem) bool { return true })
	if err != nil {
		return App{}, err
	}
	for _, l := range logs {
		a.Journal = append(a.Journal, l.entry())
	}
	return a, nil
}

// Cards builds every card of a user (answers opened, journal) from the
// items of their partition read at once, as the export reads them: no read
// per application.
func (s *Service) Cards(ctx context.Context, raw []map[string]types.AttributeValue) ([]App, error) {
	var apps []appItem
	logs := map[string][]LogEntry{}
	for _, av := range raw {
		kind, _ := av["Kind"].(*types.AttributeValueMemberS)
		switch {
		case kind == nil:
		case kind.Value == "application":
			var it appItem
			if err := attributevalue.UnmarshalMap(av, &it); err != nil {
				return nil, err
			}
			apps = append(apps, it)
		case kind.Value == "application-log":
			var l logItem
			if err := attributevalue.UnmarshalMap(av, &l); err != nil {
				return nil, err
			}
			id := dynamo.ApplicationOfLog(l.SK)
			logs[id] = append(logs[id], l.entry())
		}
	}
	out := make([]App, 0, len(apps))
	for _, it := range apps {
		a, err := s.view(ctx, it, RoleCitizen)
		if err != nil {
			return nil, err
		}
		a.Journal = logs[it.ID]
		sort.Slice(a.Journal, func(i, j int) bool { return a.Journal[i].At.Before(a.Journal[j].At) })
		out = append(out, a)
	}
	// Newest first, as the list shows them.
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out, nil
}

// Owner finds an application's owner for an officer of a department; one
// of another department is NotFound.
func (s *Service) Owner(ctx context.Context, department, id string) (string, error) {
	var p pointerItem
	if err := s.DB.Get(ctx, dynamo.ApplicationPointerKey(id), "заявление", &p); err != nil {
		return "", err
	}
	it, err := s.own(ctx, p.Sub, id)
	if err != nil {
		return "", err
	}
	if department == "" || it.Department != department {
		return "", problem.NotFound("заявление")
	}
	return p.Sub, nil
}

// Queue returns a page of a department's applications in a status, oldest first.
func (s *Service) Queue(ctx context.Context, department, status, cursor string, limit int32) ([]App, string, error) {
	p := dynamo.Page{Index: dynamo.IndexGSI1, Partition: dynamo.QueuePK(department), Forward: true, Cursor: cursor}
	if status != "" {
		p.Prefix = status + "#"
	}
	items, next, err := dynamo.Collect(ctx, s.DB, p, int(limit), func(appItem) bool { return true })
	if err != nil {
		return nil, "", err
	}
	out := make([]App, 0, len(items))
	for _, it := range items {
		out = append(out, s.summary(it, RoleOfficer))
	}
	return out, next, nil
}
