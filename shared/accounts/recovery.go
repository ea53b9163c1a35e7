package accounts

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/notify"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/sendlimit"
	"github.com/kabinet/kabinet/shared/validate"
)

// Recovery is the account's side of assisted recovery, for a person who
// lost access to both their phone and their email (the seeds: S4 6.1):
// the request's identity data is checked and sealed here (the workflow
// that carries it, shared/support/recovery, only ever holds the sealed
// claim), its new contact is confirmed by a code, staff compare it with
// the sealed identity data seeing only masked values and match / no match,
// and a lock is lifted or the lost contact replaced.
type Recovery struct{ core }

// NewRecovery needs Users, Sealer, Keys, SMS, Mail, Limiter, Sessions,
// Inbox and Journal.
func NewRecovery(d Deps) (*Recovery, error) {
	return with(&Recovery{core{d}}, d.need("Recovery", "Users", "Sealer", "Keys", "SMS", "Mail", "Limiter", "Sessions", "Inbox", "Journal"))
}

// RecoveryPerLogin is how many recovery requests one login may start in a
// day; with the sign-in's per-address budget (each request counts as a
// failed sign-in there) it throttles guessing a person's passport data.
var RecoveryPerLogin = 3

// RecoveryPassport is the passport as a recovery request gives it.
type RecoveryPassport struct {
	Series    string `json:"series"`
	Number    string `json:"number"`
	IssueDate string `json:"issueDate"`
}

// RecoveryContact is where the person can be reached now: the new phone or
// email, which replaces the lost one if the request is granted.
type RecoveryContact struct {
	// Kind is "phone" or "email".
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// RecoveryClaim is what a person who lost access says about themselves.
type RecoveryClaim struct {
	// Login is the phone, email or SNILS the account is known by.
	Login string `json:"login"`
	// LockNumber is the number the locked sign-in showed (optional).
	LockNumber string           `json:"lockNumber,omitempty"`
	Surname    string           `json:"surname"`
	Name       string           `json:"name"`
	Patronymic string           `json:"patronymic,omitempty"`
	BirthDate  string           `json:"birthDate"`
	Passport   RecoveryPassport `json:"passport"`
	Contact    RecoveryContact  `json:"contact"`
}

// RecoveryPrepared is a checked claim, ready to be kept by the request.
type RecoveryPrepared struct {
	// Sub is the account the login names, "" when none (the answer to the
	// person is the same either way).
	Sub string
	// Sealed is the claim, sealed to the request.
	Sealed string
	// CodeHash is the hash of the code sent to the new contact.
	CodeHash string
	// SentTo is the new contact, masked.
	SentTo string
	// CodeExpires is when the code stops working.
	CodeExpires time.Time
}

var lockNumberRe = regexp.MustCompile(`^[0-9]{4}-[0-9]{4}$`)

// recoveryContext is what a request's claim is sealed to.
func recoveryContext(id string) map[string]string {
	return map[string]string{"recovery": id, "field": "claim"}
}

// normalize checks every field of the claim, naming each bad one.
func (c RecoveryClaim) normalize() (RecoveryClaim, []problem.Field) {
	var f validate.Fields
	var err error
	login := strings.TrimSpace(c.Login)
	switch {
	case login == "":
		f.Check("login", &validate.Error{Code: "required", Message: "Укажите телефон, адрес почты или СНИЛС учётной записи"})
	case strings.Contains(login, "@"):
		login, err = validate.Email(login)
		f.Check("login", err)
		login = strings.ToLower(login)
	default:
		if p, perr := validate.Phone(login); perr == nil {
			login = p
		} else if sn, serr := validate.SNILS(login); serr == nil {
			login = sn
		} else {
			f.Check("login", &validate.Error{Code: "login.format", Message: "Укажите телефон, адрес почты или СНИЛС учётной записи"})
		}
	}
	c.Login = login
	c.LockNumber = strings.TrimSpace(c.LockNumber)
	if c.LockNumber != "" && !lockNumberRe.MatchString(c.LockNumber) {
		f.Check("lockNumber", &validate.Error{Code: "lockNumber.format", Message: "Номер блокировки — восемь цифр вида 1234-5678"})
	}
	c.Surname, err = validate.Name(c.Surname)
	f.Check("surname", err)
	c.Name, err = validate.Name(c.Name)
	f.Check("name", err)
	if strings.TrimSpace(c.Patronymic) != "" {
		c.Patronymic, err = validate.Name(c.Patronymic)
		f.Check("patronymic", err)
	} else {
		c.Patronymic = ""
	}
	if b, err := time.Parse(dateLayout, c.BirthDate); err != nil || b.Year() < 1900 {
		f.Check("birthDate", &validate.Error{Code: "date.format", Message: "Дата рождения в формате ГГГГ-ММ-ДД"})
	}
	c.Passport.Series, err = validate.PassportSeries(c.Passport.Series)
	f.Check("passport.series", err)
	c.Passport.Number, err = validate.PassportNumber(c.Passport.Number)
	f.Check("passport.number", err)
	if _, err := time.Parse(dateLayout, c.Passport.IssueDate); err != nil {
		f.Check("passport.issueDate", &validate.Error{Code: "date.format", Message: "Дата выдачи в формате ГГГГ-ММ-ДД"})
	}
	switch c.Contact.Kind {
	case "phone":
		c.Contact.Value, err = validate.Phone(c.Contact.Value)
		f.Check("contact.value", err)
	case "email":
		c.Contact.Value, err = validate.Email(c.Contact.Value)
		f.Check("contact.value", err)
		c.Contact.Value = strings.ToLower(c.Contact.Value)
	default:
		f.Check("contact.kind", &validate.Error{Code: "contact.kind", Message: "Новый контакт — телефон (phone) или адрес почты (email)"})
	}
	return c, f.Errors()
}

// Prepare checks a recovery request's claim (a 422 naming every bad field),
// throttles it like sign-in (each request spends a failed sign-in of the
// client address's budget, and a login gets RecoveryPerLogin a day), finds
// the account its login names, seals the claim to request id and sends a
// code to the new contact. Whether the login names an account changes
// nothing in the answer. Errors: Invalid, TooManyRequests.
func (r *Recovery) Prepare(ctx context.Context, id string, in RecoveryClaim, meta Meta) (RecoveryPrepared, error) {
	c, fields := in.normalize()
	if len(fields) > 0 {
		return RecoveryPrepared{}, problem.Invalid(fields...)
	}
	if err := r.ipLimited(ctx, meta.IP); err != nil {
		return RecoveryPrepared{}, err
	}
	now := r.now()
	window := now.Truncate(IPWindow)
	if _, err := r.DB.Increment(ctx, dynamo.RateKey("login-ip", meta.IP, stamp(window)), "N", 1, window.Add(2*IPWindow)); err != nil {
		return RecoveryPrepared{}, err
	}
	sub, _, known, err := r.resolve(ctx, c.Login)
	if err != nil {
		return RecoveryPrepared{}, err
	}
	day := now.Truncate(24 * time.Hour)
	n, err := r.DB.Increment(ctx, dynamo.RateKey("recovery-login", sub, stamp(day)), "N", 1, day.Add(48*time.Hour))
	if err != nil {
		return RecoveryPrepared{}, err
	}
	if int(n) > RecoveryPerLogin {
		e := problem.New(problem.KindTooManyRequests, "too_many_requests",
			"По этой учётной записи сегодня уже подано несколько запросов. Повторите завтра или обратитесь в центр обслуживания")
		e.RetryAfter = day.Add(24 * time.Hour).Sub(now)
		return RecoveryPrepared{}, e
	}
	send := sendlimit.Send{Channel: sendlimit.SMS, To: c.Contact.Value, IP: meta.IP, Anonymous: true, Flow: sendlimit.FlowRecovery}
	if c.Contact.Kind == "email" {
		send.Channel = sendlimit.Email
	}
	if err := r.Limiter.Allow(ctx, send); err != nil {
		return RecoveryPrepared{}, err
	}
	raw, _ := json.Marshal(c)
	sealed, err := r.Sealer.Seal(ctx, raw, recoveryContext(id))
	if err != nil {
		return RecoveryPrepared{}, err
	}
	code, err := newCode()
	if err != nil {
		return RecoveryPrepared{}, err
	}
	hash, err := r.codeHash(ctx, "recovery", id, code)
	if err != nil {
		return RecoveryPrepared{}, err
	}
	text := "Код подтверждения контакта для запроса на восстановление доступа в Кабинете: " + code + ". Никому его не сообщайте."
	out := RecoveryPrepared{Sealed: sealed, CodeHash: hash, CodeExpires: now.Add(CodeTTL)}
	if known {
		out.Sub = sub
	}
	if c.Contact.Kind == "phone" {
		_, err = r.SMS.SMS(ctx, c.Contact.Value, text)
		out.SentTo = validate.MaskPhone(c.Contact.Value)
	} else {
		_, err = r.Mail.Send(ctx, notify.Email{To: c.Contact.Value, Subject: "Подтверждение контакта",
			Text: "Здравствуйте!\n\n" + text + "\nКод действует 10 минут. Если вы не запрашивали восстановление доступа, ничего делать не нужно.\n"})
		out.SentTo = validate.MaskEmail(c.Contact.Value)
	}
	if err != nil {
		return RecoveryPrepared{}, fmt.Errorf("send recovery code: %w", err)
	}
	return out, nil
}

// ConfirmContact checks the code sent to a request's new contact (at most
// CodeAttempts tries in CodeAttemptWindow). Errors: Invalid (a wrong code,
// with the attempts left), TooManyRequests.
func (r *Recovery) ConfirmContact(ctx context.Context, id, code, hash string) error {
	att, err := r.tryAttempt(ctx, "recovery", id)
	if err != nil {
		return err
	}
	defer att.Close()
	ok, err := r.codeMatches(ctx, "recovery", id, code, hash)
	if err != nil {
		return err
	}
	if !ok {
		return wrongCode(att.Wrong())
	}
	return nil
}

// FieldMatch is one field of a claim compared with the sealed data: both
// masked, and whether they are the same.
type FieldMatch struct {
	Field  string `json:"field"`
	Title  string `json:"title"`
	Given  string `json:"given"`
	OnFile string `json:"onFile"`
	Match  bool   `json:"match"`
}

// Comparison is what staff see of a recovery request's account.
type Comparison struct {
	// Account: the login names an account.
	Account bool         `json:"account"`
	Fields  []FieldMatch `json:"fields"`
	// Match: every field is the same.
	Match bool `json:"match"`
	// Locked says whether the sign-in is locked now; LockNumber whether the
	// number the person quoted is the current lock's (nil: none quoted).
	Locked     bool  `json:"locked"`
	LockNumber *bool `json:"lockNumberMatch,omitempty"`
	// Phone and Email are the contacts on file, masked; NewContact the
	// request's, masked, and which kind it is.
	Phone          string `json:"phone,omitempty"`
	Email          string `json:"email,omitempty"`
	NewContact     string `json:"newContact"`
	NewContactKind string `json:"newContactKind"`
}

func (r *Recovery) open(ctx context.Context, id, sealed string) (RecoveryClaim, error) {
	raw, err := r.Sealer.Open(ctx, sealed, recoveryContext(id))
	if err != nil {
		return RecoveryClaim{}, err
	}
	var c RecoveryClaim
	if err := json.Unmarshal(raw, &c); err != nil {
		return RecoveryClaim{}, fmt.Errorf("recovery claim: %w", err)
	}
	return c, nil
}

// staff is the gate of every staff method: a support operator or a
// registrar, never on their own account.
func staff(a actor.Actor, sub string) error {
	if err := a.RequireSupportOrRegistrar(); err != nil {
		return err
	}
	return a.NotSelf(sub)
}

// sameName compares names as a person may write them: case and ё aside.
func sameName(a, b string) bool {
	fold := func(s string) string { return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "ё", "е") }
	return fold(a) == fold(b)
}

// maskName keeps a name's first letter: «П*****».
func maskName(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) == 0 {
		return ""
	}
	return string(r[0]) + strings.Repeat("*", len(r)-1)
}

// maskDate keeps the year: «**.**.1985».
func maskDate(s string) string {
	if len(s) < 4 {
		return ""
	}
	return "**.**." + s[:4]
}

// maskDigits keeps the last two digits.
func maskDigits(s string) string {
	if len(s) <= 2 {
		return strings.Repeat("*", len(s))
	}
	return strings.Repeat("*", len(s)-2) + s[len(s)-2:]
}

// Compare opens a request's claim and the account's sealed identity data
// and answers, field by field, both masked and whether they are the same,
// with the lock and the contacts on file (masked). Staff only (support
// operators and registrars), never on their own account; the caller
// records the look. Errors: Forbidden.
func (r *Recovery) Compare(ctx context.Context, a actor.Actor, id, sub, sealed string) (Comparison, error) {
	if err := staff(a, sub); err != nil {
		return Comparison{}, err
	}
	c, err := r.open(ctx, id, sealed)
	if err != nil {
		return Comparison{}, err
	}
	out := Comparison{NewContactKind: c.Contact.Kind, NewContact: maskContact(c.Contact)}
	fields := []FieldMatch{
		{Field: "surname", Title: "Фамилия", Given: maskName(c.Surname)},
		{Field: "name", Title: "Имя", Given: maskName(c.Name)},
		{Field: "patronymic", Title: "Отчество", Given: maskName(c.Patronymic)},
		{Field: "birthDate", Title: "Дата рождения", Given: maskDate(c.BirthDate)},
		{Field: "passport.series", Title: "Серия паспорта", Given: maskDigits(c.Passport.Series)},
		{Field: "passport.number", Title: "Номер паспорта", Given: maskDigits(c.Passport.Number)},
		{Field: "passport.issueDate", Title: "Дата выдачи паспорта", Given: maskDate(c.Passport.IssueDate)},
	}
	if sub == "" {
		out.Fields = fields
		return out, nil
	}
	acc, err := r.account(ctx, sub)
	if err != nil {
		return Comparison{}, err
	}
	raw, err := r.Sealer.Open(ctx, acc.Passport, fieldContext(sub, "passport"))
	if err != nil {
		return Comparison{}, err
	}
	var p Passport
	_ = json.Unmarshal(raw, &p)
	series, _ := validate.PassportSeries(p.Series)
	onFile := []struct {
		masked string
		match  bool
	}{
		{maskName(acc.Surname), sameName(c.Surname, acc.Surname)},
		{maskName(acc.Name), sameName(c.Name, acc.Name)},
		{maskName(acc.Patronymic), sameName(c.Patronymic, acc.Patronymic)},
		{maskDate(acc.BirthDate), c.BirthDate == acc.BirthDate},
		{maskDigits(series), series != "" && c.Passport.Series == series},
		{maskDigits(p.Number), p.Number != "" && c.Passport.Number == p.Number},
		{maskDate(p.IssueDate), p.IssueDate != "" && c.Passport.IssueDate == p.IssueDate},
	}
	out.Account, out.Match = true, true
	for i := range fields {
		fields[i].OnFile, fields[i].Match = onFile[i].masked, onFile[i].match
		out.Match = out.Match && onFile[i].match
	}
	out.Fields = fields
	out.Locked = parseStamp(acc.LockedUntil).After(r.now())
	if c.LockNumber != "" {
		same := acc.LockNumber != "" && c.LockNumber == acc.LockNumber
		out.LockNumber = &same
	}
	out.Phone = validate.MaskPhone(acc.Phone)
	if acc.Email != "" {
		out.Email = validate.MaskEmail(acc.Email)
	}
	return out, nil
}

func maskContact(c RecoveryContact) string {
	if c.Kind == "email" {
		return validate.MaskEmail(c.Value)
	}
	return validate.MaskPhone(c.Value)
}

// Recovery outcomes, as Grant and the notices name them.
const (
	RecoveryUnlocked        = "unlocked"
	RecoveryContactReplaced = "contact_replaced"
	RecoveryRejected        = "rejected"
)

// Grant carries out a granted recovery request numbered number on the
// account sub: the sign-in lock is lifted and the failed sign-ins
// forgotten; with replace, the lost contact is replaced by the request's
// confirmed new one (claimed as unique, the old released, Cognito's
// attribute set), a second factor by an app falls back to SMS to the new
// phone (the app was on the lost one), and every session ends. Only when
// the claim matches the sealed identity data in every field. The account's
// security notice (every channel, the new contact among them) and its
// journal entry are written with the change, and the replaced contact is
// told too. Granting again changes nothing more (but notes it again), so a
// decision that failed halfway is simply made again. Staff only. Errors:
// Forbidden; Conflict identity_mismatch, contact_unavailable (the new
// contact belongs to another account).
func (r *Recovery) Grant(ctx context.Context, a actor.Actor, id, number, sub, sealed string, replace bool, also Also) error {
	if err := staff(a, sub); err != nil {
		return err
	}
	if sub == "" {
		return problem.Conflict("no_account", "Учётная запись по запросу не найдена: запрос можно только отклонить")
	}
	if also == nil {
		also = func(context.Context, *dynamo.Tx) error { return nil }
	}
	cmp, err := r.Compare(ctx, a, id, sub, sealed)
	if err != nil {
		return err
	}
	if !cmp.Match {
		return problem.Conflict("identity_mismatch", "Данные запроса не совпадают с данными учётной записи: запрос можно только отклонить")
	}
	c, err := r.open(ctx, id, sealed)
	if err != nil {
		return err
	}
	old, err := r.grant(ctx, a, number, sub, c.Contact, replace, also)
	if err != nil {
		return err
	}
	if old != "" {
		r.tellReplaced(ctx, c.Contact.Kind, old, number)
	}
	return nil
}

// grant writes one granted recovery with its journal entry (read again on
// every attempt of the commit); it answers the replaced contact ("" if
// none was).
func (r *Recovery) grant(ctx context.Context, a actor.Actor, number, sub string, nc RecoveryContact, replace bool, also Also) (string, error) {
	var acc accountItem
	var old string
	var attrs map[string]string
	role, actorID := journal.By(a, sub)
	_, err := r.Journal.Commit(ctx, sub, func(ctx context.Context, tx *dynamo.Tx) (journal.Entry, error) {
		var err error
		if acc, err = r.account(ctx, sub); err != nil {
			return journal.Entry{}, err
		}
		now := r.now()
		old, attrs = "", nil
		upd := expression.Set(expression.Name("FailedLogins"), expression.Value(0)).
			Remove(expression.Name("LockedUntil")).Remove(expression.Name("LockNumber"))
		outcome, summary := "вход разблокирован", "Вход разблокирован службой поддержки по запросу на восстановление доступа № "+number
		if replace {
			ix, err := r.index(ctx)
			if err != nil {
				return journal.Entry{}, err
			}
			kind := map[string]string{"phone": uniquePhone, "email": uniqueEmail}[nc.Kind]
			hash := ix.Of(kind, nc.Value)
			var u uniqueItem
			switch err := r.DB.Get(ctx, dynamo.UniqueKey(kind, hash), "контакт", &u); {
			case err == nil && u.Owner != sub:
				return journal.Entry{}, problem.Conflict("contact_unavailable", "Новый контакт уже привязан к другой учётной записи: запрос можно только отклонить")
			case err != nil && !problem.Is(err, problem.KindNotFound):
				return journal.Entry{}, err
			}
			switch nc.Kind {
			case "phone":
				outcome, summary = "номер телефона заменён", "Номер телефона заменён службой поддержки по запросу на восстановление доступа № "+number
				if acc.Phone != nc.Value {
					tx.Create(unique(uniquePhone, hash, sub)).Delete(dynamo.UniqueKey(uniquePhone, acc.PhoneHash), false)
					upd = upd.Set(expression.Name("Phone"), expression.Value(nc.Value)).Set(expression.Name("PhoneHash"), expression.Value(hash)).
						Set(expression.Name("PhoneChangedAt"), expression.Value(stamp(now)))
					r.history(tx, a, sub, "phone", validate.MaskPhone(acc.Phone), validate.MaskPhone(nc.Value), now)
					old = acc.Phone
				}
				if acc.MFA == MFATOTP {
					upd = upd.Set(expression.Name("MFA"), expression.Value(MFASMS))
				}
				attrs = map[string]string{"phone_number": nc.Value}
			case "email":
				outcome, summary = "адрес почты заменён", "Адрес электронной почты заменён службой поддержки по запросу на восстановление доступа № "+number
				if !strings.EqualFold(acc.Email, nc.Value) {
					tx.Create(unique(uniqueEmail, hash, sub))
					if acc.EmailHash != "" {
						tx.Delete(dynamo.UniqueKey(uniqueEmail, acc.EmailHash), false)
					}
					r.history(tx, a, sub, "email", validate.MaskEmail(acc.Email), validate.MaskEmail(nc.Value), now)
					old = acc.Email
				}
				upd = upd.Set(expression.Name("Email"), expression.Value(nc.Value)).Set(expression.Name("EmailHash"), expression.Value(hash)).
					Set(expression.Name("EmailConfirmed"), expression.Value(true))
				attrs = map[string]string{"email": nc.Value}
			}
		}
		upd, cond := versioned(upd, acc.V)
		tx.Update(dynamo.AccountKey(sub), upd, &cond)
		if _, err := r.Inbox.Add(tx, inbox.Note{Sub: sub, Type: messages.SecurityRecoveryDecided,
			Vars: messages.Vars{"Number": number, "Outcome": outcome, "At": now}}, now); err != nil {
			return journal.Entry{}, err
		}
		if err := also(ctx, tx); err != nil {
			return journal.Entry{}, err
		}
		return journal.Entry{Type: journal.TypeSecurity, Summary: summary, Actor: role, ActorID: actorID}, nil
	})
	if err != nil {
		return "", err
	}
	if attrs != nil {
		if err := r.Users.SetAttributes(ctx, acc.Username, attrs); err != nil {
			return "", fmt.Errorf("contact replaced but Cognito not updated: %w", err)
		}
		if _, err := r.endAll(ctx, sub, ""); err != nil {
			return "", err
		}
	}
	return old, nil
}

// tellReplaced tells a replaced contact that it no longer signs in: whoever
// still holds it learns at once if the request was not theirs. Best effort:
// the account's notice is the record.
func (r *Recovery) tellReplaced(ctx context.Context, kind, old, number string) {
	text := "Кабинет: по запросу на восстановление доступа № " + number + " этот контакт отвязан от учётной записи. " +
		"Если вы не подавали запрос, срочно обратитесь в поддержку."
	var err error
	if kind == "phone" {
		_, err = r.SMS.SMS(ctx, old, text)
	} else {
		_, err = r.Mail.Send(ctx, notify.Email{To: old, Subject: "Контакт отвязан от учётной записи", Text: "Здравствуйте!\n\n" + text + "\n"})
	}
	if err != nil {
		logging.From(ctx).Warn("replaced contact not told", "err", err)
	}
}

// Also adds the caller's own writes (the request's new state) to the
// transaction of an account's change, notice and journal entry, so that
// neither commits without the other. It is called again on every attempt
// of the commit: it reads again what its writes depend on, and its own
// error stops the commit.
type Also func(ctx context.Context, tx *dynamo.Tx) error

// commit writes also alone when no account is concerned, else with a
// security notice and a journal entry on the account.
func (r *Recovery) commit(ctx context.Context, sub string, note inbox.Note, entry journal.Entry, also Also) error {
	if sub == "" {
		tx := &dynamo.Tx{}
		if err := also(ctx, tx); err != nil {
			return err
		}
		return r.DB.Transact(ctx, "", tx)
	}
	_, err := r.Journal.Commit(ctx, sub, func(ctx context.Context, tx *dynamo.Tx) (journal.Entry, error) {
		if _, err := r.Inbox.Add(tx, note, r.now()); err != nil {
			return journal.Entry{}, err
		}
		return entry, also(ctx, tx)
	})
	return err
}

// Refused records on the account sub (if any) that its recovery request
// numbered number was refused, with also: a security notice (every channel
// on file) and the journal entry. Staff only.
func (r *Recovery) Refused(ctx context.Context, a actor.Actor, number, sub string, also Also) error {
	if err := staff(a, sub); err != nil {
		return err
	}
	role, actorID := journal.By(a, sub)
	return r.commit(ctx, sub, inbox.Note{Sub: sub, Type: messages.SecurityRecoveryDecided,
		Vars: messages.Vars{"Number": number, "Outcome": "запрос отклонён", "At": r.now()}},
		journal.Entry{Type: journal.TypeSecurity, Summary: "Отклонён запрос на восстановление доступа № " + number, Actor: role, ActorID: actorID}, also)
}

// Filed tells the account sub (if any) that a recovery request numbered
// number was filed for it, with also: a security notice on every channel
// on file, and the journal entry. If it was not the person, they learn of
// it before anyone decides it.
func (r *Recovery) Filed(ctx context.Context, number, sub string, meta Meta, also Also) error {
	return r.commit(ctx, sub, inbox.Note{Sub: sub, Type: messages.SecurityRecoveryFiled, Vars: messages.Vars{"Number": number, "At": r.now()}},
		journal.Entry{Type: journal.TypeSecurity, Summary: "Подан запрос на восстановление доступа № " + number + " (паспортные данные и скан)",
			Actor: journal.ActorCitizen, IP: meta.IP}, also)
}

// Tell sends the person who filed request id the answer, to the new
// contact they confirmed (they have no other).
func (r *Recovery) Tell(ctx context.Context, id, sealed, subject, text string) error {
	c, err := r.open(ctx, id, sealed)
	if err != nil {
		return err
	}
	if c.Contact.Kind == "email" {
		_, err = r.Mail.Send(ctx, notify.Email{To: c.Contact.Value, Subject: subject, Text: "Здравствуйте!\n\n" + text + "\n"})
	} else {
		_, err = r.SMS.SMS(ctx, c.Contact.Value, "Кабинет. "+text)
	}
	return err
}
