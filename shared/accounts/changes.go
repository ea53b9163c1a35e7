package accounts

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/documents"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/validate"
)

// Change request states.
const (
	RequestPending  = "pending"
	RequestApproved = "approved"
	RequestRejected = "rejected"
)

// fieldNames are the Russian names of review-only fields.
var fieldNames = map[string]string{
	"surname": "Фамилия", "name": "Имя", "patronymic": "Отчество", "birthDate": "Дата рождения",
	"birthPlace": "Место рождения", "passport": "Паспорт", "registrationAddress": "Адрес регистрации",
}

// ChangeRequest asks an officer to change a review-only field.
type ChangeRequest struct {
	ID         string          `json:"id"`
	Field      string          `json:"field"`
	Value      json.RawMessage `json:"value"`
	DocumentID string          `json:"documentId"`
	Status     string          `json:"status"`
	Reason     string          `json:"reason,omitempty"`
	CreatedAt  time.Time       `json:"createdAt"`
	DecidedAt  time.Time       `json:"decidedAt,omitzero"`
	// Sub is shown to officers only.
	Sub string `json:"sub,omitempty"`
}

type requestItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	Kind       string `dynamodbav:"Kind"`
	ID         string `dynamodbav:"ID"`
	Sub        string `dynamodbav:"Sub"`
	Field      string `dynamodbav:"Field"`
	Value      string `dynamodbav:"Value"`
	DocumentID string `dynamodbav:"DocumentID"`
	Status     string `dynamodbav:"Status"`
	Reason     string `dynamodbav:"Reason,omitempty"`
	CreatedAt  string `dynamodbav:"CreatedAt"`
	DecidedAt  string `dynamodbav:"DecidedAt,omitempty"`
	GSI1PK     string `dynamodbav:"GSI1PK,omitempty"`
	GSI1SK     string `dynamodbav:"GSI1SK,omitempty"`
}

func (s *Service) requestValue(ctx context.Context, it requestItem) (json.RawMessage, error) {
	b, err := s.Sealer.Open(ctx, it.Value, fieldContext(it.Sub, "change-"+it.ID))
	return json.RawMessage(b), err
}

func (s *Service) request(ctx context.Context, it requestItem, officer bool) (ChangeRequest, error) {
	v, err := s.requestValue(ctx, it)
	if err != nil {
		return ChangeRequest{}, err
	}
	r := ChangeRequest{ID: it.ID, Field: it.Field, Value: v, DocumentID: it.DocumentID, Status: it.Status, Reason: it.Reason,
		CreatedAt: parseStamp(it.CreatedAt), DecidedAt: parseStamp(it.DecidedAt)}
	if officer {
		r.Sub = it.Sub
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
			return nil, bad("name.chars", err.Error())
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
			return nil, problem.Invalid(toProblemFields(f.Errors())...)
		}
		return p, nil
	}
	return nil, problem.Invalid(problem.Field{Field: "field", Code: "field.not_review", Message: "По заявке меняются только поля вида review"})
}

// RequestChange files a change request for a review-only field with a
// supporting scan, which stays attached (undeletable) until the decision.
func (s *Service) RequestChange(ctx context.Context, sub, field string, value json.RawMessage, documentID string) (ChangeRequest, error) {
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
	now := s.now()
	id := timeOrderedID(now)
	raw, _ := json.Marshal(norm)
	sealed, err := s.Sealer.Seal(ctx, raw, fieldContext(sub, "change-"+id))
	if err != nil {
		return ChangeRequest{}, err
	}
	k := dynamo.ChangeRequestKey(sub, id)
	it := requestItem{PK: k.PK, SK: k.SK, Kind: "change-request", ID: id, Sub: sub, Field: field, Value: sealed, DocumentID: documentID,
		Status: RequestPending, CreatedAt: stamp(now), GSI1PK: dynamo.PendingChangeRequestsPK, GSI1SK: stamp(now) + "#" + sub + "#" + id}
	tx := (&dynamo.Tx{}).Create(it)
	documents.Attach(tx, sub, documentID)
	if err := s.DB.Transact(ctx, "", tx); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return ChangeRequest{}, problem.Invalid(problem.Field{Field: "documentId", Code: "document.unavailable", Message: "Документ не найден или ещё не проверен"})
		}
		return ChangeRequest{}, err
	}
	s.journal(ctx, sub, journal.TypeProfileChange, "Подана заявка на изменение данных: "+fieldNames[field], "", journal.ActorCitizen)
	return s.request(ctx, it, false)
}

// ChangeRequests lists the user's requests, newest first.
func (s *Service) ChangeRequests(ctx context.Context, sub, cursor string, limit int32) ([]ChangeRequest, string, error) {
	var items []requestItem
	next, err := s.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.ChangeRequestPrefix, Cursor: cursor, Limit: limit}, &items)
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

// ChangeRequest returns one of the user's requests; another user's is NotFound.
func (s *Service) ChangeRequest(ctx context.Context, sub, id string) (ChangeRequest, error) {
	var it requestItem
	if err := s.DB.Get(ctx, dynamo.ChangeRequestKey(sub, id), "заявка на изменение данных", &it); err != nil {
		return ChangeRequest{}, err
	}
	return s.request(ctx, it, false)
}

// PendingChanges is the officers' queue, oldest first.
func (s *Service) PendingChanges(ctx context.Context, cursor string, limit int32) ([]ChangeRequest, string, error) {
	var items []requestItem
	next, err := s.DB.Query(ctx, dynamo.Page{Index: dynamo.IndexGSI1, Partition: dynamo.PendingChangeRequestsPK, Forward: true, Cursor: cursor, Limit: limit}, &items)
	if err != nil {
		return nil, "", err
	}
	out := make([]ChangeRequest, 0, len(items))
	for _, it := range items {
		r, err := s.request(ctx, it, true)
		if err != nil {
			return nil, "", err
		}
		out = append(out, r)
	}
	return out, next, nil
}

// Decide approves (applying the value) or rejects (with a reason) a pending
// request, once: two officers deciding at once get one success and one 409.
func (s *Service) Decide(ctx context.Context, sub, id string, approve bool, reason string) error {
	now := s.now()
	var it requestItem
	if err := s.DB.Get(ctx, dynamo.ChangeRequestKey(sub, id), "заявка на изменение данных", &it); err != nil {
		return err
	}
	if !approve && utf8.RuneCountInString(strings.TrimSpace(reason)) < 5 {
		return problem.Invalid(problem.Field{Field: "reason", Code: "reason.required", Message: "Укажите причину отказа (не короче 5 символов)"})
	}
	if it.Status != RequestPending {
		return problem.Conflict("already_decided", "По этой заявке уже принято решение")
	}
	status, decision := RequestRejected, "отклонена"
	if approve {
		status, decision = RequestApproved, "одобрена"
	}
	cond := expression.Name("Status").Equal(expression.Value(RequestPending))
	upd := expression.Set(expression.Name("Status"), expression.Value(status)).Set(expression.Name("DecidedAt"), expression.Value(stamp(now))).
		Remove(expression.Name(dynamo.AttrGSI1PK)).Remove(expression.Name(dynamo.AttrGSI1SK))
	if !approve {
		upd = upd.Set(expression.Name("Reason"), expression.Value(strings.TrimSpace(reason)))
	}
	tx := (&dynamo.Tx{}).Update(dynamo.ChangeRequestKey(sub, id), upd, &cond)
	documents.Release(tx, sub, it.DocumentID)
	if approve {
		if err := s.applyChange(ctx, tx, it, now); err != nil {
			return err
		}
	}
	note := inbox.Note{Sub: sub, Type: messages.ProfileChangeDecided, Vars: messages.Vars{"Field": fieldNames[it.Field], "Decision": decision}}
	if !approve {
		note.Vars["Reason"] = strings.TrimSpace(reason)
	}
	if _, err := s.Inbox.Add(tx, note, now); err != nil {
		return err
	}
	if err := s.DB.Transact(ctx, "", tx); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return problem.Conflict("already_decided", "По этой заявке уже принято решение")
		}
		return err
	}
	s.journal(ctx, sub, journal.TypeProfileChange, "Заявка на изменение данных ("+fieldNames[it.Field]+") "+decision, "", journal.ActorOfficer)
	return nil
}

// applyChange adds the approved value to tx, with its history entry.
func (s *Service) applyChange(ctx context.Context, tx *dynamo.Tx, it requestItem, now time.Time) error {
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
	tx.Update(dynamo.AccountKey(it.Sub), expression.Set(expression.Name(attr), expression.Value(value)).
		Set(expression.Name("V"), expression.Value(acc.V+1)), nil)
	s.history(tx, it.Sub, it.Field, old, shown, "officer", now)
	return nil
}
