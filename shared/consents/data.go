package consents

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/personaldata"
	"github.com/kabinet/kabinet/shared/problem"
)

// DataRequest is what an organisation asks of a person's data.
type DataRequest struct {
	// Consent is the consent to read under; empty when the organisation has
	// exactly one active consent of the person.
	Consent string
	// Categories narrow what is read to some of those the consent allows
	// (empty: all of them).
	Categories []personaldata.Category
	// Operator names the organisation's employee who reads, for the
	// person's access log (optional).
	Operator string
}

// ConsentRef is the consent a read was made under.
type ConsentRef struct {
	ID        string    `json:"id"`
	Purpose   string    `json:"purpose"`
	Level     Level     `json:"level"`
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
}

// PersonData is what an organisation receives of a person.
type PersonData struct {
	PersonRef string     `json:"personRef"`
	Consent   ConsentRef `json:"consent"`
	// Categories are those given; Unavailable those the consent allows
	// that the portal holds no records of.
	Categories  []personaldata.Category `json:"categories"`
	Unavailable []personaldata.Category `json:"unavailable"`
	// Data holds each category given, under its code.
	Data   map[personaldata.Category]any `json:"data"`
	ReadAt time.Time                     `json:"readAt"`
}

func noConsent(detail string) *problem.Error {
	return problem.New(problem.KindForbidden, "consent_not_active", detail)
}

// Data gives the calling organisation a person's data under an active
// consent of theirs: only the categories it allows, for its purpose, and
// nothing once it is withdrawn, refused or expired. The consent is read
// strongly consistent before and again after the data, so a read that
// starts — or is still assembling — after a withdrawal commits returns
// nothing. Every read that returns data is first recorded in the person's
// access log. Errors: Forbidden for anyone but a partner's system;
// NotFound person_not_found for a reference the organisation was not
// given, NotFound for another organisation's consent; Forbidden
// consent_not_active, category_not_consented; Invalid for an unknown
// category or an ambiguous consent; Unavailable when the read cannot be
// recorded.
func (p *Partners) Data(ctx context.Context, a actor.Actor, ref string, q DataRequest) (PersonData, error) {
	org, err := partnerOrg(a)
	if err != nil {
		return PersonData{}, err
	}
	var fields []problem.Field
	for i, c := range q.Categories {
		if !personaldata.Known(c) || !personaldata.Consentable(c) {
			fields = append(fields, problem.Field{Field: fmt.Sprintf("categories[%d]", i), Code: "category.unknown", Message: "Неизвестная категория данных"})
		}
	}
	operator, f := textField("operator", q.Operator, 0, 100)
	if f != nil {
		fields = append(fields, *f)
	}
	if len(fields) > 0 {
		return PersonData{}, problem.Invalid(fields...)
	}
	var person personItem
	if err := p.d.DB.Get(ctx, dynamo.PartnerPersonKey(org.Code, ref), "пользователь", &person); problem.Is(err, problem.KindNotFound) {
		return PersonData{}, notFoundPerson()
	} else if err != nil {
		return PersonData{}, err
	}
	readAt := p.d.now()
	it, err := p.consentFor(ctx, org, person.Sub, q.Consent, readAt)
	if err != nil {
		return PersonData{}, err
	}
	allowed := categoriesOf(it.Categories)
	want := allowed
	if len(q.Categories) > 0 {
		var refused []string
		for _, c := range q.Categories {
			if !slices.Contains(allowed, c) {
				refused = append(refused, string(c))
			}
		}
		if len(refused) > 0 {
			return PersonData{}, problem.New(problem.KindForbidden, "category_not_consented",
				"Согласие не разрешает получать эти данные: "+strings.Join(refused, ", ")).With("categories", refused)
		}
		want = personaldata.Sorted(q.Categories)
	}
	profile, err := p.d.People.ProfileOf(ctx, person.Sub)
	if err != nil {
		return PersonData{}, err
	}
	// Again, after the data: a withdrawal that committed while it was read
	// leaves the organisation with nothing.
	if again, err := p.d.getConsent(ctx, person.Sub, it.ID); err != nil {
		return PersonData{}, err
	} else if err := active(again, p.d.now()); err != nil {
		return PersonData{}, err
	}
	out := PersonData{PersonRef: ref, Consent: ConsentRef{ID: it.ID, Purpose: it.Purpose, Level: Level(it.Level), ExpiresAt: parseStamp(it.ExpiresAt)},
		Categories: []personaldata.Category{}, Unavailable: []personaldata.Category{}, Data: map[personaldata.Category]any{}, ReadAt: readAt}
	for _, c := range want {
		v, ok := dataOf(profile, c)
		if !ok {
			out.Unavailable = append(out.Unavailable, c)
			continue
		}
		out.Categories = append(out.Categories, c)
		out.Data[c] = v
	}
	if len(out.Categories) > 0 {
		if err := p.d.Reads.Record(ctx, accesslog.Read{Owner: person.Sub, By: a, Organisation: org.Name, Person: operator,
			Categories: out.Categories, Reason: accesslog.ForConsent(it.ID, it.Purpose)}); err != nil {
			return PersonData{}, problem.Wrap(err, problem.KindUnavailable, "access_not_recorded",
				"Не удалось записать обращение к данным в журнал доступа человека. Повторите запрос")
		}
	}
	return out, nil
}

// active refuses a consent that gives nothing now.
func active(it consentItem, now time.Time) error {
	switch s := it.status(now); s {
	case StatusActive:
		return nil
	case StatusRequested:
		return noConsent("Человек ещё не дал согласие")
	default:
		return noConsent("Согласие не действует: "+strings.ToLower(statusNames[s])).With("status", s)
	}
}

// consentFor is the consent a read is made under: the one named, or the
// organisation's only active consent of the person.
func (p *Partners) consentFor(ctx context.Context, org Organisation, sub, id string, now time.Time) (consentItem, error) {
	if id != "" {
		it, err := p.d.getConsent(ctx, sub, id)
		if err != nil {
			return consentItem{}, err
		}
		if it.Org != org.Code {
			return consentItem{}, problem.NotFound("согласие")
		}
		return it, active(it, now)
	}
	items, err := p.d.all(ctx, sub)
	if err != nil {
		return consentItem{}, err
	}
	var mine []consentItem
	for _, it := range items {
		if it.Org == org.Code && it.status(now) == StatusActive {
			mine = append(mine, it)
		}
	}
	switch len(mine) {
	case 0:
		return consentItem{}, noConsent("У организации нет действующего согласия этого человека")
	case 1:
		return mine[0], nil
	}
	return consentItem{}, problem.Invalid(problem.Field{Field: "consent", Code: "consent.ambiguous",
		Message: "У организации несколько действующих согласий этого человека: укажите, по какому из них запрос"})
}

// dataOf is one category of a person's data from their profile; false for
// a category the portal holds no records of.
func dataOf(p accounts.Profile, c personaldata.Category) (any, bool) {
	v := func(name string) any { return p.Fields[name].Value }
	pick := func(names ...string) map[string]any {
		out := map[string]any{}
		for _, n := range names {
			out[n] = v(n)
		}
		return out
	}
	switch c {
	case personaldata.Personal:
		return pick("surname", "name", "patronymic", "sex", "birthDate", "birthPlace", "citizenship"), true
	case personaldata.Passport:
		return v("passport"), true
	case personaldata.SNILS:
		return v("snils"), true
	case personaldata.INN:
		if s, _ := v("inn").(string); s == "" {
			return nil, false
		}
		return v("inn"), true
	case personaldata.Contacts:
		return pick("phone", "email"), true
	case personaldata.Address:
		return pick("registrationAddress", "actualAddress"), true
	}
	return nil, false
}
