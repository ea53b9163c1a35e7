package consents

import (
	"context"
	"fmt"
	"time"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/personaldata"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/reminders"
	"github.com/kabinet/kabinet/shared/sendlimit"
)

// Terms are what a person gives: a level the organisation offered and when
// the consent ends (a date: to the end of that day, Moscow time; or an RFC
// 3339 time).
type Terms struct {
	Level     Level  `json:"level"`
	ExpiresAt string `json:"expiresAt"`
}

// terms is checked Terms.
type terms struct {
	level Level
	until time.Time
}

func (t terms) content(kind string) string {
	return kind + "|" + string(t.level) + "|" + stamp(t.until)
}

// checkTerms reads Terms against a consent; missing values take def's.
// A grant may only narrow what was asked; a change may set any level
// offered and any term up to MaxTerm.
func checkTerms(in Terms, it consentItem, def terms, grant bool, now time.Time) (terms, error) {
	var fields []problem.Field
	t := def
	if in.Level != "" {
		t.level = in.Level
	}
	switch {
	case rank(t.level) < 0:
		fields = append(fields, problem.Field{Field: "level", Code: "level.unknown", Message: "Уровни доступа: full, partial, limited"})
	case it.Levels[string(t.level)] == nil:
		fields = append(fields, problem.Field{Field: "level", Code: "level.undefined", Message: "Организация не предлагала такого уровня доступа"})
	case grant && rank(t.level) < rank(Level(it.AskedLevel)):
		fields = append(fields, problem.Field{Field: "level", Code: "level.wider", Message: "Нельзя дать доступ шире, чем просила организация"})
	}
	if in.ExpiresAt != "" {
		until, ok := parseTerm(in.ExpiresAt)
		switch f := checkTerm("expiresAt", until, now); {
		case !ok:
			fields = append(fields, problem.Field{Field: "expiresAt", Code: "term.format", Message: "Срок — дата ГГГГ-ММ-ДД или время RFC 3339"})
		case f != nil:
			fields = append(fields, *f)
		case grant && until.After(parseStamp(it.AskedUntil)):
			fields = append(fields, problem.Field{Field: "expiresAt", Code: "term.longer", Message: "Нельзя дать согласие на срок больше, чем просила организация"})
		}
		t.until = until
	} else if !t.until.After(now) {
		fields = append(fields, problem.Field{Field: "expiresAt", Code: "term.past", Message: "Срок, который просила организация, уже прошёл: укажите новый"})
	}
	if len(fields) > 0 {
		return terms{}, problem.Invalid(fields...)
	}
	return t, nil
}

// own reads one of the person's consents. Errors: Unauthenticated for
// anyone without an account of their own; NotFound.
func (s *Consents) own(ctx context.Context, a actor.Actor, id string) (string, consentItem, error) {
	sub, err := a.OwnAccount()
	if err != nil {
		return "", consentItem{}, err
	}
	it, err := s.d.getConsent(ctx, sub, id)
	return sub, it, err
}

func docID(id string) string { return "consent-" + id }

// Confirmation is what a grant or a wider change is confirmed with.
type Confirmation struct {
	accounts.SignaturePending
	// Version is the consent's version the code is bound to.
	Version int64 `json:"version"`
}

// StartConfirmation sends (or, for an authenticator, announces) the
// one-time code that confirms granting a requested consent on terms, or a
// change of an active one that gives more. Errors: as Grant and Change
// for the terms; Conflict confirmation_not_needed for a change that only
// narrows; TooManyRequests within the resend cooldown.
func (s *Consents) StartConfirmation(ctx context.Context, a actor.Actor, id string, in Terms) (Confirmation, error) {
	sub, it, err := s.own(ctx, a, id)
	if err != nil {
		return Confirmation{}, err
	}
	now := s.d.now()
	var t terms
	var kind string
	switch it.status(now) {
	case StatusRequested:
		if t, err = checkTerms(in, it, asked(it), true, now); err != nil {
			return Confirmation{}, err
		}
		kind = "grant"
	case StatusActive:
		if it.isRegistration() {
			return Confirmation{}, registrationLocked()
		}
		if t, err = checkTerms(in, it, current(it), false, now); err != nil {
			return Confirmation{}, err
		}
		if !widens(it, t) {
			return Confirmation{}, problem.Conflict("confirmation_not_needed", "Сужение согласия не требует подтверждения кодом: сохраните изменения")
		}
		kind = "change"
	default:
		return Confirmation{}, notOpen(it, now)
	}
	p, err := s.d.Signatures.StartConfirmation(ctx, sub, docID(id), it.V, t.content(kind), "подтверждения согласия на передачу данных", sendlimit.FlowConsent)
	if err != nil {
		return Confirmation{}, err
	}
	return Confirmation{SignaturePending: p, Version: it.V}, nil
}

func asked(it consentItem) terms {
	return terms{level: Level(it.AskedLevel), until: parseStamp(it.AskedUntil)}
}

func current(it consentItem) terms {
	return terms{level: Level(it.Level), until: parseStamp(it.ExpiresAt)}
}

// widens reports whether terms give more than the consent gives now: a
// wider level or a later end.
func widens(it consentItem, t terms) bool {
	return rank(t.level) < rank(Level(it.Level)) || t.until.After(parseStamp(it.ExpiresAt))
}

func notOpen(it consentItem, now time.Time) error {
	switch it.status(now) {
	case StatusRequested:
		return problem.Conflict("consent_requested", "Согласие ещё не дано: ответьте на запрос")
	case StatusActive:
		return problem.Conflict("consent_active", "Согласие уже дано")
	}
	return problem.Conflict("consent_closed", "Согласие больше не действует: "+statusNames[it.status(now)])
}

func codeRequired(id string) error {
	return problem.New(problem.KindPreconditionRequired, "confirmation_required",
		"Подтвердите согласие кодом: запросите его (POST /consents/"+id+"/confirmation) и передайте в поле code")
}

func termText(t time.Time) string {
	if t.IsZero() {
		return "бессрочно"
	}
	return "до " + t.In(clock.Moscow()).Add(-time.Nanosecond).Format("02.01.2006")
}

func scopeOf(it consentItem) string { return personaldata.Titles(categoriesOf(it.Categories)) }

// change commits one change of a person's consent: the item over the
// version read, its history event, the note and the journal entry, and
// whatever extra adds (a code used up, the reminder), in one transaction.
// build reads the consent again on every attempt.
func (s *Consents) change(ctx context.Context, sub, id string, build func(it consentItem, now time.Time) (after consentItem, action, note, summary string, err error),
	extra func(tx *dynamo.Tx, after consentItem, now time.Time) error, a actor.Actor) (consentItem, error) {
	var out consentItem
	_, err := s.d.Journal.Commit(ctx, sub, func(ctx context.Context, tx *dynamo.Tx) (journal.Entry, error) {
		it, err := s.d.getConsent(ctx, sub, id)
		if err != nil {
			return journal.Entry{}, err
		}
		now := s.d.now()
		after, action, note, summary, err := build(it, now)
		if err != nil {
			return journal.Entry{}, err
		}
		putChange(tx, it, after, action, string(actor.RoleCitizen), now)
		after.V, after.Events = it.V+1, it.Events+1
		if extra != nil {
			if err := extra(tx, after, now); err != nil {
				return journal.Entry{}, err
			}
		}
		if _, err := s.d.Inbox.Add(tx, inbox.Note{Sub: sub, Type: messages.ConsentChanged, Ref: fmt.Sprintf("consent:%s:%d", id, after.V),
			Vars: messages.Vars{"Recipient": after.OrgName, "Action": note, "Scope": scopeOf(after)}}, now); err != nil {
			return journal.Entry{}, err
		}
		out = after
		role, actorID := journal.By(a, sub)
		return journal.Entry{Type: journal.TypeConsent, Actor: role, ActorID: actorID, IP: a.IP, Summary: summary}, nil
	})
	return out, err
}

// remind schedules the reminder before a consent ends, or cancels it when
// that moment has passed already.
func remind(tx *dynamo.Tx, it consentItem, now time.Time) error {
	until := parseStamp(it.ExpiresAt)
	if until.IsZero() || !until.Add(-ReminderBefore).After(now) {
		reminders.Cancel(tx, it.Sub, "consent-"+it.ID)
		return nil
	}
	return reminders.ConsentExpiry(tx, it.Sub, it.ID, it.OrgName, until.In(clock.Moscow()).Add(-time.Nanosecond))
}

// Grant gives a requested consent on terms (the level asked or a narrower
// one, the term asked or a shorter one; missing values take what was
// asked), confirmed by the one-time code StartConfirmation sent. The
// organisation may read the data from the moment it commits. Errors:
// NotFound; Conflict when the consent is not requested (or the code was
// sent for another version: signature_stale); Invalid naming the bad
// terms or a wrong code; PreconditionRequired confirmation_required
// without a code.
func (s *Consents) Grant(ctx context.Context, a actor.Actor, id string, in Terms, code string) (Consent, error) {
	sub, it, err := s.own(ctx, a, id)
	if err != nil {
		return Consent{}, err
	}
	now := s.d.now()
	if it.status(now) != StatusRequested {
		return Consent{}, notOpen(it, now)
	}
	t, err := checkTerms(in, it, asked(it), true, now)
	if err != nil {
		return Consent{}, err
	}
	if code == "" {
		return Consent{}, codeRequired(id)
	}
	use, err := s.d.Signatures.CheckSignature(ctx, sub, docID(id), it.V, t.content("grant"), code)
	if err != nil {
		return Consent{}, codeField(err)
	}
	readV := it.V
	out, err := s.change(ctx, sub, id, func(it consentItem, now time.Time) (consentItem, string, string, string, error) {
		if it.V != readV || it.status(now) != StatusRequested {
			return it, "", "", "", problem.Conflict("stale_version", "Согласие изменилось, пока вы его подтверждали. Откройте его снова")
		}
		it.Status, it.Level, it.Categories, it.ExpiresAt = string(StatusActive), string(t.level), it.Levels[string(t.level)], stamp(t.until)
		it.GrantedAt, it.RequestDue = stamp(now), ""
		it.setDue(it.ExpiresAt)
		return it, ActionGranted, "выдано", fmt.Sprintf("Вы дали согласие %s на обработку персональных данных: «%s». Уровень %s (%s), %s",
			it.OrgName, it.Purpose, levelNames[t.level], scopeOf(it), termText(t.until)), nil
	}, func(tx *dynamo.Tx, after consentItem, now time.Time) error {
		use(tx)
		return remind(tx, after, now)
	}, a)
	if err != nil {
		return Consent{}, err
	}
	return out.view(now), nil
}

// codeField names the code as this API's field.
func codeField(err error) error {
	if pe, ok := problem.As(err); ok {
		for i := range pe.Fields {
			if pe.Fields[i].Field == "signatureCode" {
				pe.Fields[i].Field = "code"
			}
		}
		if pe.Code == "signature_stale" {
			pe.Detail = "Согласие или условия изменились после запроса кода. Запросите новый код"
		}
	}
	return err
}

// Refuse turns a request down. Errors: NotFound; Conflict when the
// consent is not requested.
func (s *Consents) Refuse(ctx context.Context, a actor.Actor, id string) (Consent, error) {
	sub, it, err := s.own(ctx, a, id)
	if err != nil {
		return Consent{}, err
	}
	now := s.d.now()
	if it.status(now) != StatusRequested {
		return Consent{}, notOpen(it, now)
	}
	out, err := s.change(ctx, sub, id, func(it consentItem, now time.Time) (consentItem, string, string, string, error) {
		if it.status(now) != StatusRequested {
			return it, "", "", "", notOpen(it, now)
		}
		it.Status, it.EndedAt, it.RequestDue = string(StatusRefused), stamp(now), ""
		it.setDue("")
		return it, ActionRefused, "отклонено", fmt.Sprintf("Вы отказали %s в согласии на обработку персональных данных: «%s»", it.OrgName, it.Purpose), nil
	}, nil, a)
	if err != nil {
		return Consent{}, err
	}
	return out.view(now), nil
}

// Withdraw ends an active consent at once: the organisation's next read
// is refused (a read that starts after this commits finds it withdrawn).
// Errors: NotFound; Conflict when the consent is not active, and
// registration_consent for the registration consent.
func (s *Consents) Withdraw(ctx context.Context, a actor.Actor, id string) (Consent, error) {
	sub, it, err := s.own(ctx, a, id)
	if err != nil {
		return Consent{}, err
	}
	now := s.d.now()
	if it.isRegistration() {
		return Consent{}, registrationLocked()
	}
	if it.status(now) != StatusActive {
		return Consent{}, notOpen(it, now)
	}
	out, err := s.change(ctx, sub, id, func(it consentItem, now time.Time) (consentItem, string, string, string, error) {
		if it.status(now) != StatusActive {
			return it, "", "", "", notOpen(it, now)
		}
		it.Status, it.EndedAt = string(StatusWithdrawn), stamp(now)
		it.setDue("")
		return it, ActionWithdrawn, "отозвано", fmt.Sprintf("Вы отозвали согласие %s на обработку персональных данных: «%s». Организация больше не получает ваши данные",
			it.OrgName, it.Purpose), nil
	}, func(tx *dynamo.Tx, after consentItem, _ time.Time) error {
		reminders.Cancel(tx, sub, "consent-"+after.ID)
		return nil
	}, a)
	if err != nil {
		return Consent{}, err
	}
	return out.view(now), nil
}

// Change sets the level and the term of an active consent read at
// ifVersion (both required: the form names them). Narrowing takes effect
// at once; a change that gives more — a wider level the organisation
// offered, a later end — needs the code StartConfirmation sent. Errors:
// NotFound; Conflict stale_version when the consent changed since
// ifVersion, registration_consent for the registration consent, or when
// it is not active; Invalid naming the bad terms; PreconditionRequired
// confirmation_required for a wider change without a code.
func (s *Consents) Change(ctx context.Context, a actor.Actor, id string, in Terms, code string, ifVersion int64) (Consent, error) {
	sub, it, err := s.own(ctx, a, id)
	if err != nil {
		return Consent{}, err
	}
	now := s.d.now()
	if it.isRegistration() {
		return Consent{}, registrationLocked()
	}
	var fields []problem.Field
	if in.Level == "" {
		fields = append(fields, problem.Field{Field: "level", Code: "level.required", Message: "Укажите уровень доступа"})
	}
	if in.ExpiresAt == "" {
		fields = append(fields, problem.Field{Field: "expiresAt", Code: "term.required", Message: "Укажите срок действия согласия"})
	}
	if len(fields) > 0 {
		return Consent{}, problem.Invalid(fields...)
	}
	if it.status(now) != StatusActive {
		return Consent{}, notOpen(it, now)
	}
	if it.V != ifVersion {
		return Consent{}, stale()
	}
	t, err := checkTerms(in, it, current(it), false, now)
	if err != nil {
		return Consent{}, err
	}
	var use func(*dynamo.Tx)
	if widens(it, t) {
		if code == "" {
			return Consent{}, codeRequired(id)
		}
		if use, err = s.d.Signatures.CheckSignature(ctx, sub, docID(id), it.V, t.content("change"), code); err != nil {
			return Consent{}, codeField(err)
		}
	}
	before := current(it)
	out, err := s.change(ctx, sub, id, func(it consentItem, now time.Time) (consentItem, string, string, string, error) {
		if it.V != ifVersion {
			return it, "", "", "", stale()
		}
		if it.status(now) != StatusActive {
			return it, "", "", "", notOpen(it, now)
		}
		it.Level, it.Categories, it.ExpiresAt = string(t.level), it.Levels[string(t.level)], stamp(t.until)
		it.setDue(it.ExpiresAt)
		return it, ActionChanged, "изменено", fmt.Sprintf("Вы изменили согласие %s: уровень %s → %s, срок %s → %s (%s)", it.OrgName,
			levelNames[before.level], levelNames[t.level], termText(before.until), termText(t.until), scopeOf(it)), nil
	}, func(tx *dynamo.Tx, after consentItem, now time.Time) error {
		if use != nil {
			use(tx)
		}
		return remind(tx, after, now)
	}, a)
	if err != nil {
		return Consent{}, err
	}
	return out.view(now), nil
}

func stale() error {
	return problem.Conflict("stale_version", "Согласие изменилось после того, как вы его открыли. Обновите страницу и повторите")
}
