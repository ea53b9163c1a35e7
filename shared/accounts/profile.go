package accounts

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/validate"
)

// Kinds of profile fields (the seeds).
const (
	// Editable fields change directly.
	Editable = "editable"
	// Review fields change through a change request an officer approves.
	Review = "review"
	// ReadOnly fields are shown and change only through an agency.
	ReadOnly = "readonly"
	// ByCode fields change after a code sent to the new value.
	ByCode = "confirmed"
)

// FieldKinds names the kind of every profile field.
var FieldKinds = map[string]string{
	"surname": Review, "name": Review, "patronymic": Review, "birthDate": Review, "birthPlace": Review,
	"passport": Review, "registrationAddress": Review,
	"sex": ReadOnly, "citizenship": ReadOnly, "snils": ReadOnly, "inn": ReadOnly,
	"actualAddress": Editable, "extraPhones": Editable,
	"phone": ByCode, "email": ByCode,
}

// Field is one profile value with its kind.
type Field struct {
	Value any    `json:"value"`
	Kind  string `json:"kind"`
}

// Profile is what the owner sees of their personal data.
type Profile struct {
	Fields  map[string]Field `json:"fields"`
	Level   Level            `json:"level"`
	Version int64            `json:"version"`
}

// Profile returns the caller's personal data, with sealed fields opened.
func (s *Service) Profile(ctx context.Context, sub string) (Profile, error) {
	acc, err := s.account(ctx, sub)
	if err != nil {
		return Profile{}, err
	}
	open := func(sealed, field string) (string, error) {
		if sealed == "" {
			return "", nil
		}
		b, err := s.Sealer.Open(ctx, sealed, fieldContext(sub, field))
		return string(b), err
	}
	snils, err := open(acc.SNILS, "snils")
	if err != nil {
		return Profile{}, err
	}
	inn, err := open(acc.INN, "inn")
	if err != nil {
		return Profile{}, err
	}
	rawPassport, err := open(acc.Passport, "passport")
	if err != nil {
		return Profile{}, err
	}
	var passport Passport
	if rawPassport != "" {
		_ = json.Unmarshal([]byte(rawPassport), &passport)
	}
	extra := acc.ExtraPhones
	if extra == nil {
		extra = []string{}
	}
	values := map[string]any{
		"surname": acc.Surname, "name": acc.Name, "patronymic": acc.Patronymic, "birthDate": acc.BirthDate, "birthPlace": acc.BirthPlace,
		"passport": passport, "registrationAddress": acc.RegAddress, "sex": acc.Sex, "citizenship": acc.Citizenship,
		"snils": validate.FormatSNILS(snils), "inn": inn, "actualAddress": acc.ActualAddress, "extraPhones": extra,
		"phone": acc.Phone, "email": acc.Email,
	}
	p := Profile{Fields: map[string]Field{}, Level: Level(acc.Level), Version: acc.V}
	for name, v := range values {
		p.Fields[name] = Field{Value: v, Kind: FieldKinds[name]}
	}
	return p, nil
}

// Edit is a direct change of editable fields; absent fields stay.
type Edit struct {
	ActualAddress *string   `json:"actualAddress"`
	ExtraPhones   *[]string `json:"extraPhones"`
}

// PatchProfile changes editable fields of a profile read at ifVersion. A
// named field of another kind is refused with 422 saying how it changes.
func (s *Service) PatchProfile(ctx context.Context, sub string, raw map[string]json.RawMessage, ifVersion int64, meta Meta) (Profile, error) {
	var fields []problem.Field
	for name := range raw {
		switch FieldKinds[name] {
		case Editable:
		case Review:
			fields = append(fields, problem.Field{Field: name, Code: "field.review_only",
				Message: "Это поле меняется по заявке с подтверждающим документом: POST /profile/change-requests"})
		case ReadOnly:
			fields = append(fields, problem.Field{Field: name, Code: "field.read_only", Message: "Это поле меняется только через ведомство"})
		case ByCode:
			fields = append(fields, problem.Field{Field: name, Code: "field.confirm_by_code",
				Message: "Контакт меняется с подтверждением кодом: POST /profile/" + name})
		default:
			fields = append(fields, problem.Field{Field: name, Code: "field.unknown", Message: "Неизвестное поле профиля"})
		}
	}
	var e Edit
	if v, ok := raw["actualAddress"]; ok {
		var a string
		if err := json.Unmarshal(v, &a); err != nil {
			fields = append(fields, problem.Field{Field: "actualAddress", Code: "type", Message: "Адрес — строка"})
		} else {
			a = strings.Join(strings.Fields(a), " ")
			if n := utf8.RuneCountInString(a); n > 300 || (n > 0 && n < 5) {
				fields = append(fields, problem.Field{Field: "actualAddress", Code: "address.length", Message: "Адрес — от 5 до 300 символов (пустая строка удаляет его)"})
			}
			e.ActualAddress = &a
		}
	}
	if v, ok := raw["extraPhones"]; ok {
		var phones []string
		if err := json.Unmarshal(v, &phones); err != nil {
			fields = append(fields, problem.Field{Field: "extraPhones", Code: "type", Message: "Дополнительные телефоны — массив строк"})
		} else if len(phones) > 5 {
			fields = append(fields, problem.Field{Field: "extraPhones", Code: "phones.too_many", Message: "Не больше 5 дополнительных телефонов"})
		} else {
			norm := make([]string, 0, len(phones))
			for i, p := range phones {
				n, err := validate.Phone(p)
				if err != nil {
					fields = append(fields, problem.Field{Field: fmt.Sprintf("extraPhones[%d]", i), Code: "phone.format", Message: err.Error()})
					continue
				}
				norm = append(norm, n)
			}
			e.ExtraPhones = &norm
		}
	}
	if len(fields) > 0 {
		return Profile{}, problem.Invalid(fields...)
	}
	acc, err := s.account(ctx, sub)
	if err != nil {
		return Profile{}, err
	}
	now := s.now()
	upd := expression.Set(expression.Name("V"), expression.Value(ifVersion+1))
	tx := &dynamo.Tx{}
	if e.ActualAddress != nil && *e.ActualAddress != acc.ActualAddress {
		upd = upd.Set(expression.Name("ActualAddress"), expression.Value(*e.ActualAddress))
		s.history(tx, sub, "actualAddress", maskAddress(acc.ActualAddress), maskAddress(*e.ActualAddress), "citizen", now)
	}
	if e.ExtraPhones != nil {
		upd = upd.Set(expression.Name("ExtraPhones"), expression.Value(*e.ExtraPhones))
		s.history(tx, sub, "extraPhones", maskPhones(acc.ExtraPhones), maskPhones(*e.ExtraPhones), "citizen", now)
	}
	cond := expression.Name("V").Equal(expression.Value(ifVersion))
	tx.Update(dynamo.AccountKey(sub), upd, &cond)
	// The person hears of the change on their contacts, with the change itself.
	if _, err := s.Inbox.Add(tx, inbox.Note{Sub: sub, Type: messages.ProfileChanged, Vars: messages.Vars{"At": now, "Fields": editedFields(e)}}, now); err != nil {
		return Profile{}, err
	}
	if err := s.DB.Transact(ctx, "", tx); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return Profile{}, problem.Conflict("stale_version", "Данные изменились после того, как вы их открыли. Обновите страницу и повторите")
		}
		return Profile{}, err
	}
	s.journal(ctx, sub, journal.TypeProfileChange, "Изменены личные данные: "+editedFields(e), meta.IP, journal.ActorCitizen)
	return s.Profile(ctx, sub)
}

type historyItem struct {
	PK    string `dynamodbav:"PK"`
	SK    string `dynamodbav:"SK"`
	Kind  string `dynamodbav:"Kind"`
	At    string `dynamodbav:"At"`
	Field string `dynamodbav:"Field"`
	Old   string `dynamodbav:"Old"`
	New   string `dynamodbav:"New"`
	Actor string `dynamodbav:"Actor"`
}

// Change is one entry of the profile's history; values are masked.
type Change struct {
	At    time.Time `json:"at"`
	Field string    `json:"field"`
	Old   string    `json:"old"`
	New   string    `json:"new"`
	Actor string    `json:"actor"`
}

func (s *Service) history(tx *dynamo.Tx, sub, field, old, new, actor string, at time.Time) {
	k := dynamo.ProfileHistoryKey(sub, at.UTC().Format("2006-01-02T15:04:05.000000000Z"), newID()[:8])
	tx.Put(historyItem{PK: k.PK, SK: k.SK, Kind: "profile-history", At: stamp(at), Field: field, Old: old, New: new, Actor: actor})
}

// ProfileHistory returns a page of the profile's changes, newest first.
func (s *Service) ProfileHistory(ctx context.Context, sub, cursor string, limit int32) ([]Change, string, error) {
	var items []historyItem
	next, err := s.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.ProfileHistoryPrefix, Cursor: cursor, Limit: limit}, &items)
	if err != nil {
		return nil, "", err
	}
	out := make([]Change, 0, len(items))
	for _, it := range items {
		out = append(out, Change{At: parseStamp(it.At), Field: it.Field, Old: it.Old, New: it.New, Actor: it.Actor})
	}
	return out, next, nil
}

func editedFields(e Edit) string {
	var parts []string
	if e.ActualAddress != nil {
		parts = append(parts, "адрес проживания")
	}
	if e.ExtraPhones != nil {
		parts = append(parts, "дополнительные телефоны")
	}
	return strings.Join(parts, ", ")
}

// maskAddress keeps the first word (the city) and hides the rest.
func maskAddress(a string) string {
	if a == "" {
		return ""
	}
	first, _, _ := strings.Cut(a, " ")
	return first + " …"
}

func maskPhones(ps []string) string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, validate.MaskPhone(p))
	}
	return strings.Join(out, ", ")
}

// MinPhoneChangeInterval is how often the primary phone may change (the seeds: once a month).
var MinPhoneChangeInterval = 30 * 24 * time.Hour

type contactItem struct {
	PK      string `dynamodbav:"PK"`
	SK      string `dynamodbav:"SK"`
	Kind    string `dynamodbav:"Kind"`
	Value   string `dynamodbav:"Value"`
	Code    string `dynamodbav:"Code"`
	Expires string `dynamodbav:"Expires"`
	TTL     int64  `dynamodbav:"TTL"`
}

// ContactPending says where the code went.
type ContactPending struct {
	SentTo    string    `json:"sentTo"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// StartContactChange sends a code to a new phone or email; the change takes
// effect only when that code comes back.
func (s *Service) StartContactChange(ctx context.Context, sub, kind, value string) (ContactPending, error) {
	now := s.now()
	acc, err := s.account(ctx, sub)
	if err != nil {
		return ContactPending{}, err
	}
	var norm string
	switch kind {
	case "phone":
		if norm, err = validate.Phone(value); err != nil {
			return ContactPending{}, problem.Invalid(problem.Field{Field: "phone", Code: "phone.format", Message: err.Error()})
		}
		if next := parseStamp(acc.PhoneChangedAt).Add(MinPhoneChangeInterval); acc.PhoneChangedAt != "" && next.After(now) {
			return ContactPending{}, problem.Conflict("phone_change_too_soon",
				"Основной телефон можно менять не чаще раза в 30 дней. Следующая смена возможна с "+next.In(moscow).Format("02.01.2006")).With("availableFrom", next)
		}
		if norm == acc.Phone {
			return ContactPending{}, problem.Invalid(problem.Field{Field: "phone", Code: "phone.same", Message: "Это ваш текущий номер"})
		}
	case "email":
		if norm, err = validate.Email(value); err != nil {
			return ContactPending{}, problem.Invalid(problem.Field{Field: "email", Code: "email.format", Message: err.Error()})
		}
		if strings.EqualFold(norm, acc.Email) && acc.EmailConfirmed {
			return ContactPending{}, problem.Invalid(problem.Field{Field: "email", Code: "email.same", Message: "Это ваш текущий адрес"})
		}
	default:
		return ContactPending{}, problem.NotFound("контакт")
	}
	code, err := newCode()
	if err != nil {
		return ContactPending{}, err
	}
	k := dynamo.ContactChangeKey(sub, kind)
	if err := s.DB.Put(ctx, contactItem{PK: k.PK, SK: k.SK, Kind: "contact-change", Value: norm, Code: s.codeHash("contact-"+kind, sub, code),
		Expires: stamp(now.Add(CodeTTL)), TTL: now.Add(CodeTTL).Unix()}); err != nil {
		return ContactPending{}, err
	}
	text := "Код подтверждения нового контакта в Кабинете: " + code + ". Никому его не сообщайте."
	sentTo := ""
	if kind == "phone" {
		_, err = s.SMS.SMS(ctx, norm, text)
		sentTo = validate.MaskPhone(norm)
	} else {
		_, err = s.Mail.Send(ctx, regEmail(norm, code))
		sentTo = validate.MaskEmail(norm)
	}
	if err != nil {
		return ContactPending{}, fmt.Errorf("send contact code: %w", err)
	}
	return ContactPending{SentTo: sentTo, ExpiresAt: now.Add(CodeTTL)}, nil
}

// ConfirmContactChange applies a contact change whose code came back: the
// new value is claimed as unique and the old one released in one
// transaction; the person is told on their contacts.
func (s *Service) ConfirmContactChange(ctx context.Context, sub, kind, code string) error {
	now := s.now()
	var pending contactItem
	if err := s.DB.Get(ctx, dynamo.ContactChangeKey(sub, kind), "смена контакта", &pending); err != nil {
		return err
	}
	att, err := s.tryAttempt(ctx, "contact-"+kind, sub)
	if err != nil {
		return err
	}
	defer att.Close()
	if !s.codeMatches("contact-"+kind, sub, code, pending.Code) {
		return wrongCode(att.Wrong())
	}
	if now.After(parseStamp(pending.Expires)) {
		return problem.New(problem.KindGone, "code_expired", "Срок действия кода истёк. Запросите новый код")
	}
	acc, err := s.account(ctx, sub)
	if err != nil {
		return err
	}
	tx := (&dynamo.Tx{}).Delete(dynamo.ContactChangeKey(sub, kind), true)
	cond := expression.Name("V").Equal(expression.Value(acc.V))
	var upd expression.UpdateBuilder
	attrs := map[string]string{}
	switch kind {
	case "phone":
		hash := s.Index.Of("phone", pending.Value)
		tx.Create(unique("phone", hash, sub))
		tx.Delete(dynamo.UniqueKey("phone", acc.PhoneHash), false)
		upd = expression.Set(expression.Name("Phone"), expression.Value(pending.Value)).Set(expression.Name("PhoneHash"), expression.Value(hash)).
			Set(expression.Name("PhoneChangedAt"), expression.Value(stamp(now)))
		s.history(tx, sub, "phone", validate.MaskPhone(acc.Phone), validate.MaskPhone(pending.Value), "citizen", now)
		attrs["phone_number"] = pending.Value
	case "email":
		hash := s.Index.Of("email", strings.ToLower(pending.Value))
		tx.Create(unique("email", hash, sub))
		if acc.EmailHash != "" {
			tx.Delete(dynamo.UniqueKey("email", acc.EmailHash), false)
		}
		upd = expression.Set(expression.Name("Email"), expression.Value(pending.Value)).Set(expression.Name("EmailHash"), expression.Value(hash)).
			Set(expression.Name("EmailConfirmed"), expression.Value(true))
		s.history(tx, sub, "email", validate.MaskEmail(acc.Email), validate.MaskEmail(pending.Value), "citizen", now)
		attrs["email"] = pending.Value
	}
	tx.Update(dynamo.AccountKey(sub), upd.Set(expression.Name("V"), expression.Value(acc.V+1)), &cond)
	if _, err := s.Inbox.Add(tx, inbox.Note{Sub: sub, Type: messages.SecurityContact, Vars: messages.Vars{"At": now, "Contact": map[string]string{"phone": "телефон", "email": "email"}[kind]}}, now); err != nil {
		return err
	}
	if err := s.DB.Transact(ctx, "", tx); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return problem.Conflict("contact_unavailable", "Этот контакт нельзя привязать: он уже используется, или данные изменились. Повторите позже или обратитесь в поддержку")
		}
		return err
	}
	if err := s.Users.SetAttributes(ctx, acc.Username, attrs); err != nil {
		return fmt.Errorf("contact changed but Cognito not updated: %w", err)
	}
	s.journal(ctx, sub, journal.TypeProfileChange, map[string]string{"phone": "Изменён основной телефон", "email": "Изменён адрес электронной почты"}[kind], "", journal.ActorCitizen)
	return nil
}

// Autofill returns the profile's values under the names service forms
// autofill from (passport parts as passport.series and so on).
func (s *Service) Autofill(ctx context.Context, sub string) (map[string]any, error) {
	p, err := s.Profile(ctx, sub)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for name, f := range p.Fields {
		if pass, ok := f.Value.(Passport); ok {
			out["passport.series"], out["passport.number"], out["passport.issueDate"] = pass.Series, pass.Number, pass.IssueDate
			out["passport.issuer"], out["passport.divisionCode"] = pass.Issuer, pass.DivisionCode
			continue
		}
		if sv, ok := f.Value.(string); ok {
			out[name] = sv
		}
	}
	return out, nil
}
