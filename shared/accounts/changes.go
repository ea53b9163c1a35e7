package accounts

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/blob"
	"github.com/kabinet/kabinet/shared/catalog"
	"github.com/kabinet/kabinet/shared/documents"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/personaldata"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/validate"
)

// Change request states.
const (
	RequestPending  = "pending"
	RequestApproved = "approved"
	RequestRejected = "rejected"
)

// FieldOwners are the departments that decide change requests of each
// review-only field (registrars decide any). The name, birth data, passport
// and registration address are the passport register's, kept by the МВД.
var FieldOwners = map[string]string{
	"surname": "mvd", "name": "mvd", "patronymic": "mvd", "birthDate": "mvd",
	"birthPlace": "mvd", "passport": "mvd", "registrationAddress": "mvd",
}

// fieldNames are the Russian names of review-only fields.
var fieldNames = map[string]string{
	"surname": "Фамилия", "name": "Имя", "patronymic": "Отчество", "birthDate": "Дата рождения",
	"birthPlace": "Место рождения", "passport": "Паспорт", "registrationAddress": "Адрес регистрации",
}

// ChangeRequest asks the department that owns a review-only field (or a
// registrar) to change it.
type ChangeRequest struct {
	ID         string          `json:"id"`
	Field      string          `json:"field"`
	Value      json.RawMessage `json:"value"`
	DocumentID string          `json:"documentId"`
	Status     string          `json:"status"`
	Reason     string          `json:"reason,omitempty"`
	CreatedAt  time.Time       `json:"createdAt"`
	DecidedAt  time.Time       `json:"decidedAt,omitzero"`
	// Department decides it (or a registrar).
	Department string `json:"department"`
	// DecidedByRole is "officer" or "registrar" once decided.
	DecidedByRole string `json:"decidedByRole,omitempty"`
	// Sub and DecidedBy (the deciding staff person) are shown to staff only.
	Sub       string `json:"sub,omitempty"`
	DecidedBy string `json:"decidedBy,omitempty"`
}

func (s *ChangeRequests) requestValue(ctx context.Context, it requestItem) (json.RawMessage, error) {
	b, err := s.Sealer.Open(ctx, it.Value, fieldContext(it.Sub, "change-"+it.ID))
	return json.RawMessage(b), err
}

func (s *ChangeRequests) request(ctx context.Context, it requestItem, staff bool) (ChangeRequest, error) {
	v, err := s.requestValue(ctx, it)
	if err != nil {
		return ChangeRequest{}, err
	}
	r := ChangeRequest{ID: it.ID, Field: it.Field, Value: v, DocumentID: it.DocumentID, Status: it.Status, Reason: it.Reason,
		CreatedAt: parseStamp(it.CreatedAt), DecidedAt: parseStamp(it.DecidedAt), Department: it.Department, DecidedByRole: it.DecidedRole}
	if staff {
		r.Sub, r.DecidedBy = it.Sub, it.DecidedBy
	}
	return r, nil
}

// normalizeChange validates the new value of a review-only field.
func normalizeChange(field string, raw json.RawMessage) (any, error) {
	bad := func(code, msg string) error {
		return problem.Invalid(problem.Field{Field: "value", Code: code, Message: msg})
	}
	switch field {
	case "surname", "name", "patronymic":
		var v string
		if json.Unmarshal(raw, &v) != nil {
			return nil, bad("type", "Ожидается строка")
		}
		n, err := validate.Name(v)
		if err != nil {
			return nil, problem.Invalid(problem.FieldOf("value", err))
		}
		return n, nil
	case "birthDate":
		var v string
		if json.Unmarshal(raw, &v) != nil {
			return nil, bad("type", "Ожидается дата ГГГГ-ММ-ДД")
		}
		if _, err := time.Parse(dateLayout, v); err != nil {
			return nil, bad("date.format", "Ожидается дата ГГГГ-ММ-ДД")
		}
		return v, nil
	case "birthPlace", "registrationAddress":
		var v string
		if json.Unmarshal(raw, &v) != nil {
			return nil, bad("type", "Ожидается строка")
		}
		v = strings.Join(strings.Fields(v), " ")
		if n := utf8.RuneCountInString(v); n < 3 || n > 300 {
			return nil, bad("text.length", "От 3 до 300 символов")
		}
		return v, nil
	case "passport":
		var p Passport
		if json.Unmarshal(raw, &p) != nil {
			return nil, bad("type", "Ожидается паспорт: series, number, issueDate, issuer, divisionCode")
		}
		var f validate.Fields
		var err error
		p.Series, err = validate.PassportSeries(p.Series)
		f.Check("value.series", err)
		p.Number, err = validate.PassportNumber(p.Number)
		f.Check("value.number", err)
		p.DivisionCode, err = validate.DivisionCode(p.DivisionCode)
		f.Check("value.divisionCode", err)
		if _, err := time.Parse(dateLayout, p.IssueDate); err != nil {
			f.Check("value.issueDate", &validate.Error{Code: "date.format", Message: "Дата выдачи в формате ГГГГ-ММ-ДД"})
		}
		if n := utf8.RuneCountInString(strings.TrimSpace(p.Issuer)); n < 3 || n > 200 {
			f.Check("value.issuer", &validate.Error{Code: "passport.issuer", Message: "Кем выдан — от 3 до 200 символов"})
		}
		if !f.OK() {
			return nil, problem.Invalid(f.Errors()...)
		}
		return p, nil
	}
	return nil, problem.Invalid(problem.Field{Field: "field", Code: "field.not_review", Message: "По заявке меняются только поля вида review"})
}

// File files a change request for a review-only field of the person's own
// profile with a supporting scan, which stays attached (undeletable) until
// the decision.
func (s *ChangeRequests) File(ctx context.Context, a actor.Actor, field string, value json.RawMessage, documentID string) (ChangeRequest, error) {
	sub := a.Sub
	if FieldKinds[field] != Review {
		return ChangeRequest{}, problem.Invalid(problem.Field{Field: "field", Code: "field.not_review", Message: "По заявке меняются только поля вида review"})
	}
	norm, err := normalizeChange(field, value)
	if err != nil {
		return ChangeRequest{}, err
	}
	if documentID == "" {
		return ChangeRequest{}, problem.Invalid(problem.Field{Field: "documentId", Code: "required", Message: "Приложите подтверждающий документ из раздела «Мои документы»"})
	}
	if err := s.checkScan(ctx, sub, documentID); err != nil {
		return ChangeRequest{}, err
	}
	now := s.now()
	id := timeOrderedID(now)
	raw, _ := json.Marshal(norm)
	sealed, err := s.Sealer.Seal(ctx, raw, fieldContext(sub, "change-"+id))
	if err != nil {
		return ChangeRequest{}, err
	}
	it := newRequestItem(sub, id, field, FieldOwners[field], sealed, documentID, now)
	tx := (&dynamo.Tx{}).Create(it)
	documents.Attach(tx, sub, documentID)
	if err := s.DB.Transact(ctx, "", tx); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return ChangeRequest{}, problem.Invalid(problem.Field{Field: "documentId", Code: "document.unavailable", Message: "Документ не найден или ещё не проверен"})
		}
		return ChangeRequest{}, err
	}
	s.journal(ctx, a, sub, journal.TypeProfileChange, "Подана заявка на изменение данных: "+fieldNames[field])
	return s.request(ctx, it, false)
}

// ChangeScanMaxBytes bounds the scan supporting a change request, which must
// be a PDF or a JPEG (the seeds: S4 3.4.1); other scans keep their 5 MB.
const ChangeScanMaxBytes = 2 << 20

// checkScan refuses a supporting scan that is not the person's checked PDF
// or JPEG of at most ChangeScanMaxBytes.
func (s *ChangeRequests) checkScan(ctx context.Context, sub, id string) error {
	doc, err := documents.Find(ctx, s.DB, sub, id)
	if problem.Is(err, problem.KindNotFound) {
		return problem.Invalid(problem.Field{Field: "documentId", Code: "document.unavailable", Message: "Документ не найден или ещё не проверен"})
	}
	if err != nil {
		return err
	}
	if doc.ContentType != blob.TypePDF && doc.ContentType != blob.TypeJPEG {
		return problem.Invalid(problem.Field{Field: "documentId", Code: "document.type",
			Message: "К заявке на изменение данных прикладывается скан в формате PDF или JPEG"})
	}
	if doc.Size > ChangeScanMaxBytes {
		return problem.Invalid(problem.Field{Field: "documentId", Code: "document.too_large",
			Message: "Скан для заявки на изменение данных — не больше 2 МБ"})
	}
	return nil
}

// List lists the person's requests, newest first.
func (s *ChangeRequests) List(ctx context.Context, a actor.Actor, cursor string, limit int32) ([]ChangeRequest, string, error) {
	var items []requestItem
	next, err := s.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(a.Sub), Prefix: dynamo.ChangeRequestPrefix, Cursor: cursor, Limit: limit}, &items)
	if err != nil {
		return nil, "", err
	}
	out := make([]ChangeRequest, 0, len(items))
	for _, it := range items {
		r, err := s.request(ctx, it, false)
		if err != nil {
			return nil, "", err
		}
		out = append(out, r)
	}
	return out, next, nil
}

// Get returns one of the person's requests; another person's is NotFound.
func (s *ChangeRequests) Get(ctx context.Context, a actor.Actor, id string) (ChangeRequest, error) {
	var it requestItem
	if err := s.DB.Get(ctx, dynamo.ChangeRequestKey(a.Sub, id), "заявка на изменение данных", &it); err != nil {
		return ChangeRequest{}, err
	}
	return s.request(ctx, it, false)
}

// Pending is the staff's queue, oldest first: an officer sees the pending
// requests of the fields their department owns, a registrar every pending
// request.
func (s *ChangeRequests) Pending(ctx context.Context, a actor.Actor, cursor string, limit int32) ([]ChangeRequest, string, error) {
	if err := a.RequireOfficerOrRegistrar(); err != nil {
		return nil, "", err
	}
	page := dynamo.Page{Index: dynamo.IndexGSI1, Partition: dynamo.PendingChangeRequestsPK(a.Department), Forward: true, Cursor: cursor, Limit: limit}
	if a.IsRegistrar() {
		page.Index, page.Partition = dynamo.IndexGSI2, dynamo.AllPendingChangeRequestsPK
	}
	var items []requestItem
	next, err := s.DB.Query(ctx, page, &items)
	if err != nil {
		return nil, "", err
	}
	out := make([]ChangeRequest, 0, len(items))
	reads := make([]accesslog.Read, 0, len(items))
	for _, it := range items {
		r, err := s.request(ctx, it, true)
		if err != nil {
			return nil, "", err
		}
		out = append(out, r)
		reads = append(reads, changeRequestRead(a, it))
	}
	// Each request shows its person's data: in their access logs before
	// the page leaves.
	if err := s.Reads.RecordAll(ctx, reads); err != nil {
		return nil, "", problem.Wrap(err, problem.KindUnavailable, "access_not_recorded",
			"Не удалось записать обращение к данным в журнал доступа. Повторите")
	}
	return out, next, nil
}

// fieldCategories are the access log's categories of review-only fields.
var fieldCategories = map[string]personaldata.Category{"surname": personaldata.Personal, "name": personaldata.Personal,
	"patronymic": personaldata.Personal, "birthDate": personaldata.Personal, "birthPlace": personaldata.Personal,
	"passport": personaldata.Passport, "registrationAddress": personaldata.Address}

// changeRequestRead is a staff member's read of a change request: the
// field's data and the request with its scan.
func changeRequestRead(a actor.Actor, it requestItem) accesslog.Read {
	org := ""
	if !a.IsRegistrar() {
		if org = catalog.DepartmentTitle(a.Department); org == "" {
			org = a.Department
		}
	}
	return accesslog.Read{Owner: it.Sub, By: a, Organisation: org,
		Categories: []personaldata.Category{fieldCategories[it.Field], personaldata.Application},
		Reason:     accesslog.ForChangeRequest(it.ID, fieldNames[it.Field])}
}

// Decide approves (applying the value) or rejects (with a reason) a pending
// request, once: two deciding at once get one success and one 409. An
// officer decides only the fields their department owns (another
// department's request is NotFound), a registrar any; nobody decides their
// own. The decision, the value, the profile's history, the person's notice
// and the journal entry saying who decided are one write.
func (s *ChangeRequests) Decide(ctx context.Context, a actor.Actor, sub, id string, approve bool, reason string) error {
	if err := a.RequireOfficerOrRegistrar(); err != nil {
		return err
	}
	if err := a.NotSelf(sub); err != nil {
		return err
	}
	now := s.now()
	status, decision := RequestRejected, "отклонена"
	if approve {
		status, decision = RequestApproved, "одобрена"
	}
	_, err := s.Journal.Commit(ctx, sub, func(ctx context.Context, tx *dynamo.Tx) (journal.Entry, error) {
		// Read on every attempt: a decision made meanwhile is the answer.
		var it requestItem
		if err := s.DB.Get(ctx, dynamo.ChangeRequestKey(sub, id), "заявка на изменение данных", &it); err != nil {
			return journal.Entry{}, err
		}
		if !a.IsRegistrar() && it.Department != a.Department {
			return journal.Entry{}, problem.NotFound("заявка на изменение данных")
		}
		if !approve && utf8.RuneCountInString(strings.TrimSpace(reason)) < 5 {
			return journal.Entry{}, problem.Invalid(problem.Field{Field: "reason", Code: "reason.required", Message: "Укажите причину отказа (не короче 5 символов)"})
		}
		if it.Status != RequestPending {
			return journal.Entry{}, problem.Conflict("already_decided", "По этой заявке уже принято решение")
		}
		upd, cond := decisionUpdate(status, strings.TrimSpace(reason), a.Sub, string(a.Role()), now)
		tx.Update(dynamo.ChangeRequestKey(sub, id), upd, &cond)
		documents.Release(tx, sub, it.DocumentID)
		if approve {
			if err := s.applyChange(ctx, tx, a, it, now); err != nil {
				return journal.Entry{}, err
			}
		}
		note := inbox.Note{Sub: sub, Type: messages.ProfileChangeDecided, Vars: messages.Vars{"Field": fieldNames[it.Field], "Decision": decision}}
		if !approve {
			note.Vars["Reason"] = strings.TrimSpace(reason)
		}
		if _, err := s.Inbox.Add(tx, note, now); err != nil {
			return journal.Entry{}, err
		}
		return entry(a, sub, journal.TypeProfileChange, "Заявка на изменение данных ("+fieldNames[it.Field]+") "+decision), nil
	})
	return err
}

// applyChange adds the approved value to tx, with its history entry, on
// the condition that the account is still at the version it reads (Decide
// tries again on a conflict).
func (s *ChangeRequests) applyChange(ctx context.Context, tx *dynamo.Tx, a actor.Actor, it requestItem, now time.Time) error {
	raw, err := s.requestValue(ctx, it)
	if err != nil {
		return err
	}
	acc, err := s.account(ctx, it.Sub)
	if err != nil {
		return err
	}
	attr := map[string]string{"surname": "Surname", "name": "Name", "patronymic": "Patronymic", "birthDate": "BirthDate",
		"birthPlace": "BirthPlace", "registrationAddress": "RegAddress", "passport": "Passport"}[it.Field]
	var value any
	var old, shown string
	if it.Field == "passport" {
		sealed, err := s.Sealer.Seal(ctx, raw, fieldContext(it.Sub, "passport"))
		if err != nil {
			return err
		}
		value, old, shown = sealed, "паспорт (прежний)", "паспорт (новый)"
	} else {
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		value, shown = v, v
		old = map[string]string{"Surname": acc.Surname, "Name": acc.Name, "Patronymic": acc.Patronymic, "BirthDate": acc.BirthDate,
			"BirthPlace": acc.BirthPlace, "RegAddress": acc.RegAddress}[attr]
		if it.Field == "registrationAddress" || it.Field == "birthPlace" {
			old, shown = maskAddress(old), maskAddress(v)
		}
	}
	upd, cond := fieldUpdate(attr, value, acc.V)
	tx.Update(dynamo.AccountKey(it.Sub), upd, &cond)
	s.history(tx, a, it.Sub, it.Field, old, shown, now)
	return nil
}
