package consents

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/personaldata"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/validate"
	"github.com/kabinet/kabinet/shared/vault"
)

// RequestInput is an organisation's request for a consent.
type RequestInput struct {
	// RequestID is the organisation's own id of the request (its
	// application's number): the same id again is the same request.
	RequestID string `json:"requestId"`
	// Person is who the consent is asked of: by SNILS, or by the reference
	// the person made in their account and gave the organisation.
	Person PersonInput `json:"person"`
	// Purpose is what the data is for, in Russian.
	Purpose string `json:"purpose"`
	// Levels are those offered: each a set of categories, each narrower
	// than the one above (full ⊃ partial ⊃ limited); at least one.
	Levels map[Level][]personaldata.Category `json:"levels"`
	// Level is the one asked for: one of Levels.
	Level Level `json:"level"`
	// ExpiresAt is the term asked for: a date (the consent runs to the end
	// of that day, Moscow time) or an RFC 3339 time.
	ExpiresAt string `json:"expiresAt"`
}

// PersonInput names the person a consent is asked of: exactly one of the
// two.
type PersonInput struct {
	SNILS     string `json:"snils,omitempty"`
	Reference string `json:"reference,omitempty"`
}

var requestIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$`)

// parseTerm reads a term: a date is the end of that day in Moscow.
func parseTerm(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.ParseInLocation(time.DateOnly, s, clock.Moscow()); err == nil {
		return t.AddDate(0, 0, 1).UTC(), true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}

// checkTerm names what is wrong with a term ending at t, or nil.
func checkTerm(field string, t time.Time, now time.Time) *problem.Field {
	switch {
	case !t.After(now):
		return &problem.Field{Field: field, Code: "term.past", Message: "Срок действия согласия должен заканчиваться в будущем"}
	case t.Before(now.Add(MinTerm)):
		return &problem.Field{Field: field, Code: "term.too_short", Message: "Срок действия согласия — не меньше суток"}
	case t.After(now.Add(MaxTerm)):
		return &problem.Field{Field: field, Code: "term.too_long", Message: "Срок действия согласия — не больше пяти лет"}
	}
	return nil
}

// textField checks a one-line text a person reads.
func textField(field, s string, minLen, maxLen int) (string, *problem.Field) {
	s = strings.Join(strings.Fields(s), " ")
	n := utf8.RuneCountInString(s)
	switch {
	case !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl):
		return "", &problem.Field{Field: field, Code: "text.chars", Message: "Текст содержит недопустимые символы"}
	case n < minLen || n > maxLen:
		return "", &problem.Field{Field: field, Code: "text.length", Message: fmt.Sprintf("Текст — от %d до %d символов", minLen, maxLen)}
	}
	return s, nil
}

// request is a checked RequestInput.
type request struct {
	RequestID string              `json:"requestId"`
	SNILS     string              `json:"snils,omitempty"`
	Reference string              `json:"reference,omitempty"`
	Purpose   string              `json:"purpose"`
	Levels    map[string][]string `json:"levels"`
	Level     string              `json:"level"`
	Until     string              `json:"until"`
	until     time.Time
}

// digest identifies the request's content.
func (r request) digest() string {
	b, _ := json.Marshal(r)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// checkLevels names every unknown level and category, and every level not
// narrower than the one above it.
func checkLevels(in map[Level][]personaldata.Category) (map[string][]string, []problem.Field) {
	var fields []problem.Field
	out := map[string][]string{}
	if len(in) == 0 {
		return nil, []problem.Field{{Field: "levels", Code: "levels.required", Message: "Опишите хотя бы один уровень доступа: full, partial или limited"}}
	}
	for l, cats := range in {
		if rank(l) < 0 {
			fields = append(fields, problem.Field{Field: "levels." + string(l), Code: "level.unknown",
				Message: "Уровни доступа: full (полный), partial (частичный), limited (ограниченный)"})
			continue
		}
		if len(cats) == 0 {
			fields = append(fields, problem.Field{Field: "levels." + string(l), Code: "level.empty", Message: "Уровень доступа должен включать хотя бы одну категорию данных"})
			continue
		}
		seen := map[personaldata.Category]bool{}
		for i, c := range cats {
			switch {
			case !personaldata.Known(c) || !personaldata.Consentable(c):
				fields = append(fields, problem.Field{Field: fmt.Sprintf("levels.%s[%d]", l, i), Code: "category.unknown",
					Message: "Неизвестная категория данных. Допустимы: " + strings.Join(strs(personaldata.AllConsentable()), ", ")})
			case seen[c]:
				fields = append(fields, problem.Field{Field: fmt.Sprintf("levels.%s[%d]", l, i), Code: "category.repeated", Message: "Категория названа дважды"})
			}
			seen[c] = true
		}
		out[string(l)] = strs(cats)
	}
	if len(fields) > 0 {
		return nil, fields
	}
	// Each level narrower than every wider one offered.
	var wider []string
	widerName := ""
	for _, l := range levels {
		cats, ok := out[string(l)]
		if !ok {
			continue
		}
		if wider != nil && (len(cats) >= len(wider) || !personaldata.Subset(categoriesOf(cats), categoriesOf(wider))) {
			fields = append(fields, problem.Field{Field: "levels." + string(l), Code: "level.not_narrower",
				Message: fmt.Sprintf("Уровень «%s» должен быть частью уровня «%s» и уже его", levelNames[l], widerName)})
		}
		wider, widerName = cats, levelNames[l]
	}
	return out, fields
}

func (in RequestInput) check(now time.Time) (request, error) {
	var fields []problem.Field
	add := func(f *problem.Field) {
		if f != nil {
			fields = append(fields, *f)
		}
	}
	r := request{RequestID: strings.TrimSpace(in.RequestID), Level: string(in.Level)}
	if !requestIDRe.MatchString(r.RequestID) {
		add(&problem.Field{Field: "requestId", Code: "request_id.format",
			Message: "Идентификатор запроса в вашей системе: до 64 латинских букв, цифр и знаков . _ / -"})
	}
	snils, ref := strings.TrimSpace(in.Person.SNILS), strings.TrimSpace(in.Person.Reference)
	switch {
	case snils != "" && ref != "":
		add(&problem.Field{Field: "person", Code: "person.one", Message: "Укажите либо СНИЛС, либо код, полученный от человека, — не оба"})
	case snils != "":
		n, err := validate.SNILS(snils)
		if err != nil {
			f := problem.FieldOf("person.snils", err)
			add(&f)
		}
		r.SNILS = n
	case ref != "":
		n, ok := normalizeReference(ref)
		if !ok {
			add(&problem.Field{Field: "person.reference", Code: "reference.format", Message: "Код — 12 знаков вида XXXX-XXXX-XXXX"})
		}
		r.Reference = n
	default:
		add(&problem.Field{Field: "person", Code: "person.required", Message: "Укажите СНИЛС человека или код, полученный от него"})
	}
	var f *problem.Field
	r.Purpose, f = textField("purpose", in.Purpose, 5, 300)
	add(f)
	var lf []problem.Field
	r.Levels, lf = checkLevels(in.Levels)
	fields = append(fields, lf...)
	switch {
	case in.Level == "":
		add(&problem.Field{Field: "level", Code: "level.required", Message: "Укажите запрашиваемый уровень доступа"})
	case rank(in.Level) < 0:
		add(&problem.Field{Field: "level", Code: "level.unknown", Message: "Уровни доступа: full, partial, limited"})
	case len(lf) == 0 && r.Levels[string(in.Level)] == nil:
		add(&problem.Field{Field: "level", Code: "level.undefined", Message: "Запрашиваемый уровень не описан в levels"})
	}
	until, ok := parseTerm(in.ExpiresAt)
	if !ok {
		add(&problem.Field{Field: "expiresAt", Code: "term.format", Message: "Срок — дата ГГГГ-ММ-ДД или время RFC 3339"})
	} else {
		add(checkTerm("expiresAt", until, now))
	}
	r.until, r.Until = until, stamp(until)
	if len(fields) > 0 {
		return request{}, problem.Invalid(fields...)
	}
	return r, nil
}

// partnerOrg is the organisation whose system acts.
func partnerOrg(a actor.Actor) (Organisation, error) {
	org, ok := Organisations[a.Partner()]
	if !ok || org.Code == OperatorCode {
		return Organisation{}, problem.New(problem.KindForbidden, "not_a_partner", "Раздел доступен только системам организаций-партнёров")
	}
	return org, nil
}

func newID(now time.Time) string {
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	return now.UTC().Format("20060102150405") + "-" + base64.RawURLEncoding.EncodeToString(b)
}

// personRef is how one organisation knows a person: a keyed hash of the
// two, the same on every request, another for every organisation.
func personRef(ix *vault.Index, org, sub string) string {
	return ix.Of("partner-person", org+"\x00"+sub)[:24]
}

type pointerItem struct {
	PK   string `dynamodbav:"PK"`
	SK   string `dynamodbav:"SK"`
	Kind string `dynamodbav:"Kind"`
	Sub  string `dynamodbav:"Sub"`
	Org  string `dynamodbav:"Org"`
}

const kindPointer = "consent-pointer"

func notFoundPerson() error {
	return problem.New(problem.KindNotFound, "person_not_found",
		"Пользователь не найден: проверьте СНИЛС или код. Запросить согласие по СНИЛС можно у пользователя с подтверждённой личностью")
}

// resolve finds the person a request names. A SNILS counts only for an
// account whose identity was checked (standard level and above); a
// reference only while it lives. Both are NotFound person_not_found
// otherwise, saying nothing about which.
func (p *Partners) resolve(ctx context.Context, ix *vault.Index, r request, now time.Time) (sub string, ref *referenceItem, err error) {
	if r.SNILS != "" {
		sub, level, err := p.d.People.HolderOf(ctx, "snils", ix.Of("snils", r.SNILS))
		if problem.Is(err, problem.KindNotFound) || (err == nil && !level.AtLeast(accounts.LevelStandard)) {
			return "", nil, notFoundPerson()
		}
		return sub, nil, err
	}
	var it referenceItem
	err = p.d.DB.Get(ctx, dynamo.ConsentReferenceKey(referenceHash(ix, r.Reference)), "код", &it)
	if problem.Is(err, problem.KindNotFound) || (err == nil && !now.Before(parseStamp(it.Expires))) {
		return "", nil, notFoundPerson()
	}
	if err != nil {
		return "", nil, err
	}
	return it.Sub, &it, nil
}

// Request asks a person's consent for the calling organisation: the
// request appears in the person's consents and inbox and waits for their
// answer. It answers the consent as the organisation sees it, and whether
// it was made now (false: the same request, by its RequestID, was made
// before). Errors: Forbidden for anyone but a partner's system; Invalid
// naming each bad field; NotFound person_not_found; Conflict
// request_id_reused when the RequestID was used for another request.
func (p *Partners) Request(ctx context.Context, a actor.Actor, in RequestInput) (Consent, bool, error) {
	org, err := partnerOrg(a)
	if err != nil {
		return Consent{}, false, err
	}
	now := p.d.now()
	r, err := in.check(now)
	if err != nil {
		return Consent{}, false, err
	}
	ix, err := p.d.index(ctx)
	if err != nil {
		return Consent{}, false, err
	}
	if c, found, err := p.earlier(ctx, org, r, now); err != nil || found {
		return c, false, err
	}
	sub, ref, err := p.resolve(ctx, ix, r, now)
	if err != nil {
		return Consent{}, false, err
	}
	id := newID(now)
	k := dynamo.ConsentKey(sub, id)
	it := consentItem{PK: k.PK, SK: k.SK, Kind: kindConsent, V: 1, GSI1PK: dynamo.PartnerConsentsPK(org.Code), GSI1SK: stamp(now) + "#" + id,
		ID: id, Sub: sub, Org: org.Code, OrgName: org.Name, OrgKind: org.Sector, Purpose: r.Purpose, Levels: r.Levels, Level: r.Level,
		Categories: r.Levels[r.Level], ExpiresAt: r.Until, Status: string(StatusRequested), AskedLevel: r.Level, AskedUntil: r.Until,
		RequestedAt: stamp(now), RequestDue: stamp(now.Add(RequestLifetime)), RequestID: r.RequestID,
		PersonRef: personRef(ix, org.Code, sub), Via: "snils", Events: 1}
	if ref != nil {
		it.Via = "reference"
	}
	it.setDue(it.RequestDue)
	_, err = p.d.Journal.Commit(ctx, sub, func(ctx context.Context, tx *dynamo.Tx) (journal.Entry, error) {
		// A request racing this one with the same id: whichever claims it
		// first is the request.
		if _, found, err := p.earlier(ctx, org, r, now); err != nil || found {
			if err == nil {
				err = errSameRequest
			}
			return journal.Entry{}, err
		}
		cp := dynamo.ConsentRequestKey(org.Code, r.RequestID)
		tx.Create(it).Create(requestClaim{PK: cp.PK, SK: cp.SK, Kind: kindRequestClaim, Sub: sub, ConsentID: id, Digest: r.digest()})
		pk := dynamo.ConsentPointerKey(id)
		tx.Create(pointerItem{PK: pk.PK, SK: pk.SK, Kind: kindPointer, Sub: sub, Org: org.Code})
		rk := dynamo.PartnerPersonKey(org.Code, it.PersonRef)
		tx.Put(personItem{PK: rk.PK, SK: rk.SK, Kind: kindPartnerPerson, Sub: sub})
		if ref != nil {
			// A reference serves one request.
			tx.DeleteIf(dynamo.Key{PK: ref.PK, SK: ref.SK}, expression.AttributeExists(expression.Name(dynamo.AttrPK)))
		}
		addEvent(tx, it, ActionRequested, string(actor.RolePartner), now)
		if _, err := p.d.Inbox.Add(tx, inbox.Note{Sub: sub, Type: messages.ConsentRequested, Ref: "consent-request:" + id,
			Vars: messages.Vars{"Recipient": org.Name, "Purpose": r.Purpose, "Scope": personaldata.Titles(categoriesOf(it.Categories)),
				"ExpiresAt": r.until.In(clock.Moscow()).Add(-time.Nanosecond), "Link": "/consents/" + id}}, now); err != nil {
			return journal.Entry{}, err
		}
		role, actorID := journal.By(a, sub)
		return journal.Entry{Type: journal.TypeConsent, Actor: role, ActorID: actorID,
			Summary: fmt.Sprintf("%s запрашивает ваше согласие на обработку персональных данных: «%s». Данные: %s", org.Name, r.Purpose,
				personaldata.Titles(categoriesOf(it.Categories)))}, nil
	})
	if err == errSameRequest {
		c, _, err := p.earlier(ctx, org, r, now)
		return c, false, err
	}
	if problem.Is(err, problem.KindConflict) && ref != nil {
		// The reference was used by another request meanwhile.
		return Consent{}, false, notFoundPerson()
	}
	if err != nil {
		return Consent{}, false, err
	}
	return partnerView(it, now), true, nil
}

var errSameRequest = problem.Conflict("same_request", "the request was made meanwhile")

// earlier finds a request the organisation already made with r's id: the
// same content is the same request; another content is refused.
func (p *Partners) earlier(ctx context.Context, org Organisation, r request, now time.Time) (Consent, bool, error) {
	var claim requestClaim
	err := p.d.DB.Get(ctx, dynamo.ConsentRequestKey(org.Code, r.RequestID), "запрос", &claim)
	if problem.Is(err, problem.KindNotFound) {
		return Consent{}, false, nil
	}
	if err != nil {
		return Consent{}, false, err
	}
	if claim.Digest != r.digest() {
		return Consent{}, false, problem.Conflict("request_id_reused",
			"Запрос с таким requestId уже отправлен и отличается от этого: используйте новый requestId")
	}
	it, err := p.d.getConsent(ctx, claim.Sub, claim.ConsentID)
	if err != nil {
		return Consent{}, false, err
	}
	return partnerView(it, now), true, nil
}

// partnerView is a consent as its organisation sees it.
func partnerView(it consentItem, now time.Time) Consent {
	c := it.view(now)
	c.PersonRef, c.RequestID = it.PersonRef, it.RequestID
	c.Document = nil
	return c
}

// PartnerFilter narrows an organisation's list.
type PartnerFilter struct {
	// Status keeps one status (as it is now).
	Status Status
}

// List returns a page of the organisation's consents, newest first.
// Errors: Forbidden for anyone but a partner's system; Invalid for an
// unknown status; BadRequest for a bad cursor.
func (p *Partners) List(ctx context.Context, a actor.Actor, f PartnerFilter, cursor string, limit int32) ([]Consent, string, error) {
	org, err := partnerOrg(a)
	if err != nil {
		return nil, "", err
	}
	if _, ok := statusNames[f.Status]; f.Status != "" && !ok {
		return nil, "", problem.Invalid(problem.Field{Field: "status", Code: "status.unknown",
			Message: "Статусы: requested, active, expired, withdrawn, refused"})
	}
	now := p.d.now()
	items, next, err := dynamo.Collect(ctx, p.d.DB, dynamo.Page{Index: dynamo.IndexGSI1, Partition: dynamo.PartnerConsentsPK(org.Code), Cursor: cursor},
		int(limit), func(it consentItem) bool { return f.Status == "" || it.status(now) == f.Status })
	if err != nil {
		return nil, "", err
	}
	out := make([]Consent, 0, len(items))
	for _, it := range items {
		out = append(out, partnerView(it, now))
	}
	return out, next, nil
}

// Get returns one of the organisation's consents: its status now, and what
// it gives. Errors: Forbidden for anyone but a partner's system; NotFound
// for another organisation's consent as for none.
func (p *Partners) Get(ctx context.Context, a actor.Actor, id string) (Consent, error) {
	it, err := p.ofOrganisation(ctx, a, id)
	if err != nil {
		return Consent{}, err
	}
	return partnerView(it, p.d.now()), nil
}

// ofOrganisation reads a consent of the calling organisation by its id.
func (p *Partners) ofOrganisation(ctx context.Context, a actor.Actor, id string) (consentItem, error) {
	org, err := partnerOrg(a)
	if err != nil {
		return consentItem{}, err
	}
	var ptr pointerItem
	if err := p.d.DB.Get(ctx, dynamo.ConsentPointerKey(id), "согласие", &ptr); err != nil {
		return consentItem{}, err
	}
	if ptr.Org != org.Code {
		return consentItem{}, problem.NotFound("согласие")
	}
	return p.d.getConsent(ctx, ptr.Sub, id)
}
