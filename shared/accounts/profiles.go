package accounts

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kabinet/kabinet/shared/actor"
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
func (s *Profiles) Profile(ctx context.Context, a actor.Actor) (Profile, error) {
	return s.profile(ctx, a.Sub)
}

// ProfileOf reads another person's personal data, sealed fields opened,
// for a service that has already established the caller's right to it (an
// organisation's active consent, checked by shared/consents, which also
// records the read in the person's access log). NotFound without an
// account.
func (s *Profiles) ProfileOf(ctx context.Context, sub string) (Profile, error) {
	return s.profile(ctx, sub)
}

// StaffName is how a person's access log names a staff member who read
// their data: surname and initials ("Кузнецов И. А."). NotFound without an
// account.
func (s *Profiles) StaffName(ctx context.Context, sub string) (string, error) {
	acc, err := s.account(ctx, sub)
	if err != nil {
		return "", err
	}
	name := acc.Surname
	for _, given := range []string{acc.Name, acc.Patronymic} {
		if r := []rune(strings.TrimSpace(given)); len(r) > 0 {
			name += " " + string(r[0]) + "."
		}
	}
	return name, nil
}

// profile reads a person's personal data, with sealed fields opened.
func (s *core) profile(ctx context.Context, sub string) (Profile, error) {
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
func (s *Profiles) PatchProfile(ctx context.Context, a actor.Actor, raw map[string]json.RawMessage, ifVersion int64) (Profile, error) {
	sub := a.Sub
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
					fields = append(fields, problem.FieldOf(fmt.Sprintf("extraPhones[%d]", i), err))
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
	tx := &dynamo.Tx{}
	if e.ActualAddress != nil && *e.ActualAddress == acc.ActualAddress {
		e.ActualAddress = nil // unchanged: no write, no history
	}
	if e.ActualAddress != nil {
		s.history(tx, a, sub, "actualAddress", maskAddress(acc.ActualAddress), maskAddress(*e.ActualAddress), now)
	}
	if e.ExtraPhones != nil {
		s.history(tx, a, sub, "extraPhones", maskPhones(acc.ExtraPhones), maskPhones(*e.ExtraPhones), now)
	}
	upd, cond := editUpdate(e, ifVersion)
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
	s.journal(ctx, a, sub, journal.TypeProfileChange, "Изменены личные данные: "+editedFields(e))
	return s.profile(ctx, sub)
}

// Change is one entry of the profile's history as the person reads it;
// values are masked. Actor is the role of who made it. Which staff person
// it was (an officer or a registrar deciding a change request) is recorded
// with the entry for staff and audit, never shown to the person.
type Change struct {
	At    time.Time `json:"at"`
	Field string    `json:"field"`
	Old   string    `json:"old"`
	New   string    `json:"new"`
	Actor string    `json:"actor"`
}

// history adds a change of sub's field made by a to tx.
func (s *core) history(tx *dynamo.Tx, a actor.Actor, sub, field, old, new string, at time.Time) {
	k := dynamo.ProfileHistoryKey(sub, at.UTC().Format("2006-01-02T15:04:05.000000000Z"), newID()[:8])
	role, id := journal.By(a, sub)
	tx.Put(historyItem{PK: k.PK, SK: k.SK, Kind: kindProfileHistory, At: stamp(at), Field: field, Old: old, New: new, Actor: role, ActorID: id})
}

// ProfileHistory returns a page of the profile's changes, newest first.
func (s *Profiles) ProfileHistory(ctx context.Context, a actor.Actor, cursor string, limit int32) ([]Change, string, error) {
	var items []historyItem
	next, err := s.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(a.Sub), Prefix: dynamo.ProfileHistoryPrefix, Cursor: cursor, Limit: limit}, &items)
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

// Autofill returns the profile's values under the names service forms
// autofill from (passport parts as passport.series and so on).
func (s *Profiles) Autofill(ctx context.Context, sub string) (map[string]any, error) {
	p, err := s.profile(ctx, sub)
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

// OpenSNILS returns the plain SNILS of an account (for the owner's profile).
func (s *Profiles) OpenSNILS(ctx context.Context, sub string) (string, error) {
	acc, err := s.account(ctx, sub)
	if err != nil {
		return "", err
	}
	b, err := s.Sealer.Open(ctx, acc.SNILS, fieldContext(sub, "snils"))
	return string(b), err
}
