package applications

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/issued"
	"github.com/kabinet/kabinet/shared/problem"
)

// This file is the package's only access to the table: the items it keeps,
// their conversion, and every key, condition and update it writes. The keys
// themselves come from shared/dynamo (keys.go lists the access patterns).

// itemKind is the Kind attribute of the items this package keeps.
type itemKind string

// The kinds of items applications keep. The constants are untyped (the
// items' Kind fields are itemKind) so that shared/export's test, which reads
// `kindX = "..."` in the source, finds every kind.
const (
	kindApplication   = "application"
	kindLog           = "application-log"
	kindPointer       = "application-pointer"
	kindTemplate      = "application-template"
	kindTemplateCount = "application-template-count"
)

// appItem is an application: PK=USER#<sub>, SK=APPL#<id>; in no index
// while a draft, in GSI1 under QUEUE#<department> from its submission while
// the department works on it, and in no index again once decided.
type appItem struct {
	PK            string   `dynamodbav:"PK"`
	SK            string   `dynamodbav:"SK"`
	Kind          itemKind `dynamodbav:"Kind"`
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
	// DutyUIN is the charge of the service's state duty.
	DutyUIN string `dynamodbav:"DutyUIN,omitempty"`
	// requestState is a request about a charge (requests.go).
	requestState
}

// pointerItem finds a submitted application's owner by its id (officers
// know only the id).
type pointerItem struct {
	PK   string   `dynamodbav:"PK"`
	SK   string   `dynamodbav:"SK"`
	Kind itemKind `dynamodbav:"Kind"`
	Sub  string   `dynamodbav:"Sub"`
}

// logItem is one status change in an application's journal.
type logItem struct {
	PK         string   `dynamodbav:"PK"`
	SK         string   `dynamodbav:"SK"`
	Kind       itemKind `dynamodbav:"Kind"`
	At         string   `dynamodbav:"At"`
	From       string   `dynamodbav:"From"`
	To         string   `dynamodbav:"To"`
	Role       string   `dynamodbav:"Role"`
	ActorID    string   `dynamodbav:"ActorID,omitempty"`
	Department string   `dynamodbav:"Department,omitempty"`
	Comment    string   `dynamodbav:"Comment,omitempty"`
	Documents  []string `dynamodbav:"Documents,omitempty"`
}

// templateItem is one of a person's templates: PK=USER#<sub>, SK=APPTPL#<id>.
type templateItem struct {
	PK        string   `dynamodbav:"PK"`
	SK        string   `dynamodbav:"SK"`
	Kind      itemKind `dynamodbav:"Kind"`
	ID        string   `dynamodbav:"ID"`
	Name      string   `dynamodbav:"Name"`
	Service   string   `dynamodbav:"Service"`
	Values    string   `dynamodbav:"Values"`
	CreatedAt string   `dynamodbav:"CreatedAt"`
}

const stampLayout = "2006-01-02T15:04:05.000000000Z"

// stamp writes a time at a fixed width, so that stamps sort as times do.
func stamp(t time.Time) string { return t.UTC().Format(stampLayout) }

func parse(s string) time.Time {
	t, _ := time.Parse(stampLayout, s)
	return t
}

// draftItem is a new draft with its answers sealed; it joins its
// department's queue (GSI1) when it is submitted.
func draftItem(sub, id, service, department, sealed string, now time.Time) appItem {
	k := dynamo.ApplicationKey(sub, id)
	return appItem{PK: k.PK, SK: k.SK, Kind: kindApplication, ID: id, Sub: sub, Service: service, Department: department,
		Status: Draft, Values: sealed, CreatedAt: stamp(now), UpdatedAt: stamp(now), V: 1}
}

func logItemOf(sub, id string, e LogEntry) logItem {
	k := dynamo.ApplicationLogKey(sub, id, stamp(e.At))
	return logItem{PK: k.PK, SK: k.SK, Kind: kindLog, At: stamp(e.At), From: e.From, To: e.To, Role: e.Role,
		ActorID: e.ActorID, Department: e.Department, Comment: e.Comment, Documents: e.Documents}
}

func (l logItem) entry() LogEntry {
	return LogEntry{At: parse(l.At), From: l.From, To: l.To, Role: l.Role, ActorID: l.ActorID, Department: l.Department,
		Comment: l.Comment, Documents: l.Documents}
}

func newTemplateItem(sub, id, name, service, sealed string, now time.Time) templateItem {
	k := dynamo.TemplateKey(sub, id)
	return templateItem{PK: k.PK, SK: k.SK, Kind: kindTemplate, ID: id, Name: name, Service: service, Values: sealed, CreatedAt: stamp(now)}
}

// store reads and writes the items of applications.
type store struct{ db *dynamo.Store }

func (s *Service) table() store { return store{db: s.DB} }

// get reads one item; a missing one is NotFound(what).
func get[T any](ctx context.Context, db *dynamo.Store, k dynamo.Key, what string) (T, error) {
	var it T
	err := db.Get(ctx, k, what, &it)
	return it, err
}

// app reads one of sub's applications; another user's is NotFound.
func (st store) app(ctx context.Context, sub, id string) (appItem, error) {
	return get[appItem](ctx, st.db, dynamo.ApplicationKey(sub, id), "заявление")
}

// owner finds whose submitted application id is (NotFound for a draft or
// an unknown id).
func (st store) owner(ctx context.Context, id string) (string, error) {
	p, err := get[pointerItem](ctx, st.db, dynamo.ApplicationPointerKey(id), "заявление")
	return p.Sub, err
}

// byID reads a submitted application by its id alone, through its pointer
// (NotFound for a draft or an unknown id): staff and systems know only the
// id.
func (st store) byID(ctx context.Context, id string) (appItem, error) {
	owner, err := st.owner(ctx, id)
	if err != nil {
		return appItem{}, err
	}
	return st.app(ctx, owner, id)
}

func (st store) create(ctx context.Context, it appItem) error { return st.db.Create(ctx, it) }

// saveValues replaces a draft's answers if it is still the draft read at
// ifVersion: a Conflict otherwise.
func (st store) saveValues(ctx context.Context, it appItem, sealed string, ifVersion int64, now time.Time) error {
	cond := expression.Name("V").Equal(expression.Value(ifVersion)).And(expression.Name("Status").Equal(expression.Value(Draft)))
	upd := expression.Set(expression.Name("Values"), expression.Value(sealed)).Set(expression.Name("V"), expression.Value(ifVersion+1)).
		Set(expression.Name("UpdatedAt"), expression.Value(stamp(now)))
	return st.db.Update(ctx, dynamo.ApplicationKey(it.Sub, it.ID), upd, &cond)
}

// deleteDraft removes an application while it is a draft (a Conflict
// otherwise).
func (st store) deleteDraft(ctx context.Context, sub, id string) error {
	cond := expression.Name("Status").Equal(expression.Value(Draft))
	return st.db.Transact(ctx, "", (&dynamo.Tx{}).DeleteIf(dynamo.ApplicationKey(sub, id), cond))
}

// resubmit creates draft as the repetition of the rejected application old
// and links old to it, once: a Conflict when old was repeated meanwhile.
func (st store) resubmit(ctx context.Context, draft appItem, old string) error {
	cond := expression.Name("Status").Equal(expression.Value(Rejected)).And(expression.AttributeNotExists(expression.Name("ResubmittedAs")))
	tx := (&dynamo.Tx{}).Create(draft).
		Update(dynamo.ApplicationKey(draft.Sub, old), expression.Set(expression.Name("ResubmittedAs"), expression.Value(draft.ID)), &cond)
	return st.db.Transact(ctx, "", tx)
}

// nextNumber counts the year's applications (UTC year).
func (st store) nextNumber(ctx context.Context, now time.Time) (int64, error) {
	return st.db.Next(ctx, dynamo.ApplicationNumberCounter(now.UTC().Format("2006")))
}

// submission is what submitting writes on a draft.
type submission struct {
	number, due, duty string
	at                time.Time
	attachments       []string
	// request is a request about a charge: its department is the charge's.
	request *requestState
}

// submitWrite adds to tx the draft's submission, conditional on the draft
// being unchanged since it was read, and its pointer for the officers; the
// application enters its department's queue.
func (st store) submitWrite(tx *dynamo.Tx, it appItem, s submission) {
	cond := expression.Name("Status").Equal(expression.Value(Draft)).And(expression.Name("V").Equal(expression.Value(it.V)))
	upd := expression.Set(expression.Name("Status"), expression.Value(Submitted)).Set(expression.Name("Number"), expression.Value(s.number)).
		Set(expression.Name("SubmittedAt"), expression.Value(stamp(s.at))).Set(expression.Name("DueDate"), expression.Value(s.due)).
		Set(expression.Name("V"), expression.Value(it.V+1)).
		Set(expression.Name("UpdatedAt"), expression.Value(stamp(s.at))).
		Set(expression.Name(dynamo.AttrGSI1PK), expression.Value(dynamo.QueuePK(it.Department))).
		Set(expression.Name(dynamo.AttrGSI1SK), expression.Value(dynamo.QueueSK(Submitted, stamp(s.at), it.ID)))
	if s.duty != "" {
		upd = upd.Set(expression.Name("DutyUIN"), expression.Value(s.duty))
	}
	if r := s.request; r != nil {
		upd = upd.Set(expression.Name("Department"), expression.Value(it.Department)).
			Set(expression.Name("ChargeUIN"), expression.Value(r.ChargeUIN))
		if r.RequestAmount > 0 {
			upd = upd.Set(expression.Name("RequestAmount"), expression.Value(r.RequestAmount))
		}
		if r.RefundReason != "" {
			upd = upd.Set(expression.Name("RefundReason"), expression.Value(r.RefundReason))
		}
	}
	if len(s.attachments) > 0 {
		// An empty list is never stored: the attribute is simply absent.
		upd = upd.Set(expression.Name("Attachments"), expression.Value(s.attachments))
	}
	pk := dynamo.ApplicationPointerKey(it.ID)
	tx.Update(dynamo.ApplicationKey(it.Sub, it.ID), upd, &cond).
		Create(pointerItem{PK: pk.PK, SK: pk.SK, Kind: kindPointer, Sub: it.Sub})
}

// change is what a status change writes on an application.
type change struct {
	to string
	at time.Time
	// queued keeps the application in its department's queue under the
	// new status; otherwise it leaves GSI1.
	queued bool
	// attachments, when not nil, are the application's scans after the
	// change.
	attachments []string
	// documentsDue sets the last day for requested documents;
	// clearDocumentsDue removes it.
	documentsDue      string
	clearDocumentsDue bool
	// result is the document issued on completion.
	result *issued.Result
	// request is what a request about a charge keeps of the move.
	request *requestChange
}

// transitionWrite adds to tx the change of it, conditional on its status
// and version being those read: of two concurrent changes one commits.
func (st store) transitionWrite(tx *dynamo.Tx, it appItem, c change) {
	cond := expression.Name("Status").Equal(expression.Value(it.Status)).And(expression.Name("V").Equal(expression.Value(it.V)))
	upd := expression.Set(expression.Name("Status"), expression.Value(c.to)).Set(expression.Name("UpdatedAt"), expression.Value(stamp(c.at))).
		Set(expression.Name("V"), expression.Value(it.V+1))
	if c.queued {
		upd = upd.Set(expression.Name(dynamo.AttrGSI1SK), expression.Value(dynamo.QueueSK(c.to, it.SubmittedAt, it.ID)))
	} else {
		upd = upd.Remove(expression.Name(dynamo.AttrGSI1PK)).Remove(expression.Name(dynamo.AttrGSI1SK))
	}
	if c.attachments != nil {
		upd = upd.Set(expression.Name("Attachments"), expression.Value(c.attachments))
	}
	if c.documentsDue != "" {
		upd = upd.Set(expression.Name("DocumentsDue"), expression.Value(c.documentsDue))
	}
	if c.clearDocumentsDue {
		upd = upd.Remove(expression.Name("DocumentsDue"))
	}
	if r := c.request; r != nil {
		upd = r.update(upd)
	}
	if c.result != nil {
		upd = upd.Set(expression.Name("ResultDoc"), expression.Value(c.result.DocumentID)).
			Set(expression.Name("ResultNumber"), expression.Value(c.result.Number)).
			Set(expression.Name("ResultCode"), expression.Value(c.result.Code))
	}
	tx.Update(dynamo.ApplicationKey(it.Sub, it.ID), upd, &cond)
}

// putLog adds a journal entry of an application to tx.
func (st store) putLog(tx *dynamo.Tx, sub, id string, e LogEntry) { tx.Put(logItemOf(sub, id, e)) }

func (st store) transact(ctx context.Context, tx *dynamo.Tx) error {
	return st.db.Transact(ctx, "", tx)
}

// list reads a page of sub's applications, newest first, those keep accepts.
func (st store) list(ctx context.Context, sub, cursor string, limit int32, keep func(appItem) bool) ([]appItem, string, error) {
	return dynamo.Collect(ctx, st.db, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.ApplicationPrefix, Cursor: cursor}, int(limit), keep)
}

// logs reads an application's journal, oldest first.
func (st store) logs(ctx context.Context, sub, id string) ([]logItem, error) {
	logs, _, err := dynamo.Collect(ctx, st.db, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.ApplicationLogPrefix(id), Forward: true},
		dynamo.MaxPageSize, func(logItem) bool { return true })
	return logs, err
}

// queue reads a page of a department's open applications (in one status
// when status is set), oldest first, those keep accepts.
func (st store) queue(ctx context.Context, department, status, cursor string, limit int32, keep func(appItem) bool) ([]appItem, string, error) {
	p := dynamo.Page{Index: dynamo.IndexGSI1, Partition: dynamo.QueuePK(department), Forward: true, Cursor: cursor}
	if status != "" {
		p.Prefix = dynamo.QueueStatusPrefix(status)
	}
	return dynamo.Collect(ctx, st.db, p, int(limit), keep)
}

// decodePartition picks the applications and their journals (by
// application id) out of a user's items read at once.
func decodePartition(raw []map[string]types.AttributeValue) ([]appItem, map[string][]logItem, error) {
	var apps []appItem
	logs := map[string][]logItem{}
	for _, av := range raw {
		kind, _ := av[dynamo.AttrKind].(*types.AttributeValueMemberS)
		switch {
		case kind == nil:
		case itemKind(kind.Value) == kindApplication:
			var it appItem
			if err := attributevalue.UnmarshalMap(av, &it); err != nil {
				return nil, nil, err
			}
			apps = append(apps, it)
		case itemKind(kind.Value) == kindLog:
			var l logItem
			if err := attributevalue.UnmarshalMap(av, &l); err != nil {
				return nil, nil, err
			}
			id := dynamo.ApplicationOfLog(l.SK)
			logs[id] = append(logs[id], l)
		}
	}
	return apps, logs, nil
}

// scan is what attaching needs to know of one of the user's documents.
type scan struct {
	Type  string
	State string
}

// document reads one of sub's documents; another user's is NotFound.
func (st store) document(ctx context.Context, sub, id string) (scan, error) {
	return get[scan](ctx, st.db, dynamo.DocumentKey(sub, id), "документ")
}

// addTemplate keeps a template, unless sub already keeps MaxTemplates (a
// Conflict).
func (st store) addTemplate(ctx context.Context, sub string, it templateItem) error {
	capCond := expression.Or(expression.AttributeNotExists(expression.Name("N")), expression.Name("N").LessThan(expression.Value(MaxTemplates)))
	tx := (&dynamo.Tx{}).Create(it).
		Update(dynamo.TemplateCountKey(sub), expression.Add(expression.Name("N"), expression.Value(1)).
			Set(expression.Name(dynamo.AttrKind), expression.Value(itemKind(kindTemplateCount))), &capCond)
	return st.db.Transact(ctx, "", tx)
}

// deleteTemplate removes one of sub's templates (NotFound when there is
// none such).
func (st store) deleteTemplate(ctx context.Context, sub, id string) error {
	exists := expression.AttributeExists(expression.Name(dynamo.AttrPK))
	tx := (&dynamo.Tx{}).DeleteIf(dynamo.TemplateKey(sub, id), exists).
		Update(dynamo.TemplateCountKey(sub), expression.Add(expression.Name("N"), expression.Value(-1)), nil)
	if err := st.db.Transact(ctx, "", tx); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return problem.NotFound("шаблон")
		}
		return err
	}
	return nil
}

// template reads one of sub's templates; another user's is NotFound.
func (st store) template(ctx context.Context, sub, id string) (templateItem, error) {
	return get[templateItem](ctx, st.db, dynamo.TemplateKey(sub, id), "шаблон")
}

// templates reads all of sub's templates, newest first.
func (st store) templates(ctx context.Context, sub string) ([]templateItem, error) {
	items, _, err := dynamo.Collect(ctx, st.db, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.TemplatePrefix}, MaxTemplates,
		func(it templateItem) bool { return it.Kind == kindTemplate })
	return items, err
}

// holdStatus adds to tx the condition that sub's application id is in one
// of statuses.
func (st store) holdStatus(tx *dynamo.Tx, sub, id string, statuses []string) {
	values := make([]expression.OperandBuilder, 0, len(statuses))
	for _, s := range statuses {
		values = append(values, expression.Value(s))
	}
	var cond expression.ConditionBuilder
	if len(values) == 1 {
		cond = expression.Name("Status").Equal(values[0])
	} else {
		cond = expression.Name("Status").In(values[0], values[1:]...)
	}
	tx.Check(dynamo.ApplicationKey(sub, id), cond)
}
