package accounts

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/calendar"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/reminders"
	"github.com/kabinet/kabinet/shared/validate"
)

// IdentityDocTypes are the documents a person keeps records of, with their
// Russian names. The internal passport, SNILS and INN come from the profile.
var IdentityDocTypes = map[string]string{
	"international_passport": "Заграничный паспорт",
	"driver_license":         "Водительское удостоверение",
	"vehicle_registration":   "Свидетельство о регистрации ТС",
	"medical_policy":         "Полис ОМС",
	"birth_certificate":      "Свидетельство о рождении ребёнка",
}

// IdentityDoc is a structured record of a document.
type IdentityDoc struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Series    string `json:"series,omitempty"`
	Number    string `json:"number"`
	IssueDate string `json:"issueDate"`
	Issuer    string `json:"issuer"`
	ExpiresAt string `json:"expiresAt,omitempty"`
	// Holder names the child for a birth certificate.
	Holder string `json:"holder,omitempty"`
	// FromProfile marks the passport, SNILS and INN, shown from the profile.
	FromProfile bool `json:"fromProfile,omitempty"`
	// ReplaceBy is when an internal passport must be replaced (at 20 and 45).
	ReplaceBy string `json:"replaceBy,omitempty"`
}

func (d IdentityDoc) validate() error {
	var f []problem.Field
	if _, ok := IdentityDocTypes[d.Type]; !ok {
		f = append(f, problem.Field{Field: "type", Code: "document.type", Message: "Тип: international_passport, driver_license, vehicle_registration, medical_policy или birth_certificate"})
	}
	num := strings.TrimSpace(d.Number)
	if n := utf8.RuneCountInString(num); n < 4 || n > 32 || strings.ContainsAny(num, "\n\r\t") {
		f = append(f, problem.Field{Field: "number", Code: "document.number", Message: "Номер — от 4 до 32 символов"})
	}
	issued, err := time.Parse(dateLayout, d.IssueDate)
	if err != nil {
		f = append(f, problem.Field{Field: "issueDate", Code: "date.format", Message: "Дата выдачи в формате ГГГГ-ММ-ДД"})
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(d.Issuer)); n < 2 || n > 200 {
		f = append(f, problem.Field{Field: "issuer", Code: "document.issuer", Message: "Кем выдан — от 2 до 200 символов"})
	}
	if d.ExpiresAt != "" {
		exp, err := time.Parse(dateLayout, d.ExpiresAt)
		if err != nil || (err == nil && !issued.IsZero() && !exp.After(issued)) {
			f = append(f, problem.Field{Field: "expiresAt", Code: "date.order", Message: "Срок действия — дата ГГГГ-ММ-ДД позже даты выдачи"})
		}
	}
	if d.Type == "birth_certificate" {
		if _, err := validate.Name(strings.ReplaceAll(d.Holder, " ", "-")); err != nil {
			f = append(f, problem.Field{Field: "holder", Code: "name.chars", Message: "Укажите ФИО ребёнка кириллицей"})
		}
	}
	if len(f) > 0 {
		return problem.Invalid(f...)
	}
	return nil
}

func idDocContext(sub, id string) map[string]string {
	return map[string]string{"user": sub, "field": "iddoc-" + id}
}

// Save creates (empty ID) or replaces a document record; an
// expiry date schedules its reminder 30 days before and puts it in the
// calendar.
func (s *IdentityDocs) Save(ctx context.Context, a actor.Actor, d IdentityDoc) (IdentityDoc, error) {
	sub := a.Sub
	if err := d.validate(); err != nil {
		return IdentityDoc{}, err
	}
	creating := d.ID == ""
	var old idDocItem
	if creating {
		d.ID = newID()[:12]
	} else {
		var err error
		if old, err = s.identityDocItem(ctx, sub, d.ID); err != nil {
			return IdentityDoc{}, err
		}
	}
	nums, _ := json.Marshal(map[string]string{"series": strings.TrimSpace(d.Series), "number": strings.TrimSpace(d.Number)})
	sealed, err := s.Sealer.Seal(ctx, nums, idDocContext(sub, d.ID))
	if err != nil {
		return IdentityDoc{}, err
	}
	k := dynamo.IdentityDocKey(sub, d.ID)
	it := idDocItem{PK: k.PK, SK: k.SK, Kind: kindIdentityDoc, ID: d.ID, Type: d.Type, Numbers: sealed, IssueDate: d.IssueDate,
		Issuer: strings.TrimSpace(d.Issuer), ExpiresAt: d.ExpiresAt, Holder: strings.TrimSpace(d.Holder)}
	tx := &dynamo.Tx{}
	if creating {
		tx.Create(it)
	} else {
		tx.Put(it)
		if old.ExpiresAt != "" && old.ExpiresAt != d.ExpiresAt {
			was, _ := time.Parse(dateLayout, old.ExpiresAt)
			tx.Delete(calendar.Key(sub, calendar.Entry{ID: "document-" + d.ID, Start: was}), false)
		}
	}
	if d.ExpiresAt == "" {
		reminders.Cancel(tx, sub, "document-"+d.ID)
	} else {
		// Scheduling again replaces the reminder (one write to that item).
		exp, _ := time.Parse(dateLayout, d.ExpiresAt)
		if err := reminders.DocumentExpiry(tx, sub, d.ID, IdentityDocTypes[d.Type], exp); err != nil {
			return IdentityDoc{}, err
		}
		calendar.Add(tx, sub, calendar.Entry{ID: "document-" + d.ID, Kind: calendar.KindExpiry, AllDay: true, Start: exp,
			Title: "Истекает срок действия: " + IdentityDocTypes[d.Type], Link: "/identity-documents"})
	}
	if err := s.DB.Transact(ctx, "", tx); err != nil {
		return IdentityDoc{}, err
	}
	number := strings.TrimSpace(d.Series) + strings.TrimSpace(d.Number)
	s.payers(ctx, func(h PayerHook) error {
		if !payerDoc[d.Type] && (creating || !payerDoc[old.Type]) {
			return nil
		}
		if !creating {
			oldNumber, err := s.docNumber(ctx, sub, old)
			if err != nil {
				return err
			}
			if old.Type == d.Type && oldNumber == number {
				return nil
			}
			if err := h.DocumentRemoved(ctx, sub, old.Type, d.ID, oldNumber); err != nil {
				return err
			}
		}
		return h.DocumentAdded(ctx, sub, d.Type, d.ID, number)
	})
	return d, nil
}

// payerDoc are the documents charges are posted by (fines by the driver
// licence, by the vehicle's registration certificate).
var payerDoc = map[string]bool{"driver_license": true, "vehicle_registration": true}

// docNumber is a record's series and number run together, opened.
func (s *IdentityDocs) docNumber(ctx context.Context, sub string, it idDocItem) (string, error) {
	raw, err := s.Sealer.Open(ctx, it.Numbers, idDocContext(sub, it.ID))
	if err != nil {
		return "", err
	}
	var nums map[string]string
	if err := json.Unmarshal(raw, &nums); err != nil {
		return "", err
	}
	return nums["series"] + nums["number"], nil
}

func (s *IdentityDocs) identityDocItem(ctx context.Context, sub, id string) (idDocItem, error) {
	var it idDocItem
	err := s.DB.Get(ctx, dynamo.IdentityDocKey(sub, id), "документ", &it)
	return it, err
}

// Delete removes a record with its reminder.
func (s *IdentityDocs) Delete(ctx context.Context, a actor.Actor, id string) error {
	sub := a.Sub
	it, err := s.identityDocItem(ctx, sub, id)
	if err != nil {
		return err
	}
	tx := (&dynamo.Tx{}).Delete(dynamo.IdentityDocKey(sub, id), true)
	reminders.Cancel(tx, sub, "document-"+id)
	if it.ExpiresAt != "" {
		exp, _ := time.Parse(dateLayout, it.ExpiresAt)
		tx.Delete(calendar.Key(sub, calendar.Entry{ID: "document-" + id, Start: exp}), false)
	}
	if err := s.DB.Transact(ctx, "", tx); err != nil {
		return err
	}
	s.payers(ctx, func(h PayerHook) error {
		if !payerDoc[it.Type] {
			return nil
		}
		number, err := s.docNumber(ctx, sub, it)
		if err != nil {
			return err
		}
		return h.DocumentRemoved(ctx, sub, it.Type, id, number)
	})
	return nil
}

// List lists the person's documents: the passport, SNILS and INN from the
// profile (with the passport's replacement date), then the records.
func (s *IdentityDocs) List(ctx context.Context, a actor.Actor) ([]IdentityDoc, error) {
	sub := a.Sub
	p, err := s.profile(ctx, sub)
	if err != nil {
		return nil, err
	}
	out := []IdentityDoc{}
	if pass, ok := p.Fields["passport"].Value.(Passport); ok && pass.Number != "" {
		d := IdentityDoc{ID: "passport", Type: "passport", Series: pass.Series, Number: pass.Number, IssueDate: pass.IssueDate,
			Issuer: pass.Issuer, FromProfile: true}
		if birth, err := time.Parse(dateLayout, p.Fields["birthDate"].Value.(string)); err == nil {
			for _, age := range []int{20, 45} {
				by := birth.AddDate(age, 0, 90)
				if issued, _ := time.Parse(dateLayout, pass.IssueDate); issued.Before(birth.AddDate(age, 0, 0)) && by.After(s.now()) {
					d.ReplaceBy = by.Format(dateLayout)
					break
				}
			}
		}
		out = append(out, d)
	}
	if sn, _ := p.Fields["snils"].Value.(string); sn != "" {
		out = append(out, IdentityDoc{ID: "snils", Type: "snils", Number: sn, FromProfile: true})
	}
	if inn, _ := p.Fields["inn"].Value.(string); inn != "" {
		out = append(out, IdentityDoc{ID: "inn", Type: "inn", Number: inn, FromProfile: true})
	}
	items, _, err := dynamo.Collect(ctx, s.DB, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.IdentityDocPrefix}, dynamo.MaxPageSize,
		func(idDocItem) bool { return true })
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		raw, err := s.Sealer.Open(ctx, it.Numbers, idDocContext(sub, it.ID))
		if err != nil {
			return nil, err
		}
		var nums map[string]string
		_ = json.Unmarshal(raw, &nums)
		out = append(out, IdentityDoc{ID: it.ID, Type: it.Type, Series: nums["series"], Number: nums["number"], IssueDate: it.IssueDate,
			Issuer: it.Issuer, ExpiresAt: it.ExpiresAt, Holder: it.Holder})
	}
	return out, nil
}
