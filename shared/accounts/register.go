package accounts

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/notify"
	"github.com/kabinet/kabinet/shared/password"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/sendlimit"
	"github.com/kabinet/kabinet/shared/validate"
)

// Passport is a Russian internal passport.
type Passport struct {
	Series       string `json:"series"`
	Number       string `json:"number"`
	IssueDate    string `json:"issueDate"`
	Issuer       string `json:"issuer"`
	DivisionCode string `json:"divisionCode"`
}

// Registration is what a person submits to open an account.
type Registration struct {
	Surname     string   `json:"surname"`
	Name        string   `json:"name"`
	Patronymic  string   `json:"patronymic,omitempty"`
	BirthDate   string   `json:"birthDate"`
	Sex         string   `json:"sex"`
	Citizenship string   `json:"citizenship"`
	Passport    Passport `json:"passport"`
	SNILS       string   `json:"snils"`
	INN         string   `json:"inn,omitempty"`
	Phone       string   `json:"phone"`
	Email       string   `json:"email,omitempty"`
	Password    string   `json:"password"`
	// PersonalDataConsent is the edition of the consent to process personal
	// data the person agreed to (GET /auth/register/consent shows it): a
	// document of its own, recorded with the account.
	PersonalDataConsent string `json:"personalDataConsent"`
	// ConsentAt and ConsentFrom are when and from where it was given: the
	// server sets them at registration, whatever a client sends.
	ConsentAt   time.Time `json:"consentAt,omitzero"`
	ConsentFrom string    `json:"consentFrom,omitempty"`
}

// MinAge is the youngest age at which a person may register.
const MinAge = 14

const dateLayout = "2006-01-02"

func age(birth, now time.Time) int {
	years := now.Year() - birth.Year()
	if now.Month() < birth.Month() || (now.Month() == birth.Month() && now.Day() < birth.Day()) {
		years--
	}
	return years
}

// Normalize validates every field, naming each invalid one, and returns the
// registration with normalized values.
func (r Registration) Normalize(now time.Time, policy password.Profile) (Registration, error) {
	var f validate.Fields
	var err error
	r.Surname, err = validate.Name(r.Surname)
	f.Check("surname", err)
	r.Name, err = validate.Name(r.Name)
	f.Check("name", err)
	if strings.TrimSpace(r.Patronymic) != "" {
		r.Patronymic, err = validate.Name(r.Patronymic)
		f.Check("patronymic", err)
	}
	birth, berr := time.Parse(dateLayout, strings.TrimSpace(r.BirthDate))
	switch {
	case berr != nil:
		f.Check("birthDate", &validate.Error{Code: "date.format", Message: "Укажите дату рождения в формате ГГГГ-ММ-ДД"})
	case birth.After(now):
		f.Check("birthDate", &validate.Error{Code: "date.future", Message: "Дата рождения не может быть в будущем"})
	case age(birth, now) < MinAge:
		f.Check("birthDate", &validate.Error{Code: "age.too_young", Message: fmt.Sprintf("Регистрация доступна с %d лет", MinAge)})
	case age(birth, now) > 130:
		f.Check("birthDate", &validate.Error{Code: "date.implausible", Message: "Проверьте дату рождения"})
	}
	switch r.Sex {
	case "male", "female":
	default:
		f.Check("sex", &validate.Error{Code: "sex.invalid", Message: "Укажите пол: male или female"})
	}
	r.Citizenship = strings.ToUpper(strings.TrimSpace(r.Citizenship))
	if len(r.Citizenship) != 3 || strings.Trim(r.Citizenship, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		f.Check("citizenship", &validate.Error{Code: "citizenship.invalid", Message: "Укажите гражданство кодом страны из трёх латинских букв, например RUS"})
	}
	r.Passport.Series, err = validate.PassportSeries(r.Passport.Series)
	f.Check("passport.series", err)
	r.Passport.Number, err = validate.PassportNumber(r.Passport.Number)
	f.Check("passport.number", err)
	issued, ierr := time.Parse(dateLayout, strings.TrimSpace(r.Passport.IssueDate))
	switch {
	case ierr != nil:
		f.Check("passport.issueDate", &validate.Error{Code: "date.format", Message: "Укажите дату выдачи паспорта в формате ГГГГ-ММ-ДД"})
	case issued.After(now):
		f.Check("passport.issueDate", &validate.Error{Code: "date.future", Message: "Дата выдачи не может быть в будущем"})
	case berr == nil && issued.Before(birth.AddDate(14, 0, 0)):
		f.Check("passport.issueDate", &validate.Error{Code: "passport.issued_too_early", Message: "Паспорт выдаётся не раньше 14 лет"})
	}
	r.Passport.Issuer = strings.Join(strings.Fields(r.Passport.Issuer), " ")
	if n := len([]rune(r.Passport.Issuer)); n < 3 || n > 200 {
		f.Check("passport.issuer", &validate.Error{Code: "passport.issuer", Message: "Укажите, кем выдан паспорт (3–200 символов)"})
	}
	r.Passport.DivisionCode, err = validate.DivisionCode(r.Passport.DivisionCode)
	f.Check("passport.divisionCode", err)
	r.SNILS, err = validate.SNILS(r.SNILS)
	f.Check("snils", err)
	if strings.TrimSpace(r.INN) != "" {
		r.INN, err = validate.PersonalINN(r.INN)
		f.Check("inn", err)
	}
	r.Phone, err = validate.Phone(r.Phone)
	f.Check("phone", err)
	if strings.TrimSpace(r.Email) != "" {
		r.Email, err = validate.Email(r.Email)
		f.Check("email", err)
	}
	fields := append(f.Errors(), problem.FieldsOf("password",
		policy.Check(r.Password, password.Context{Names: []string{r.Surname, r.Name, r.Patronymic}, Email: r.Email, Phone: r.Phone}))...)
	if len(fields) > 0 {
		return r, problem.Invalid(fields...)
	}
	return r, nil
}

// Pending is what the client learns about a pending registration.
type Pending struct {
	RegistrationID string    `json:"registrationId"`
	SentTo         string    `json:"sentTo"`
	EmailSentTo    string    `json:"emailSentTo,omitempty"`
	CodeExpiresAt  time.Time `json:"codeExpiresAt"`
	ResendAfter    time.Time `json:"resendAfter"`
}

func regContext(id string) map[string]string {
	return map[string]string{"registration": id, "field": "data"}
}

// Register starts a registration: it validates everything, keeps the data
// sealed for an hour and sends a code to the phone (and the email). It says
// nothing about whether the phone, email or SNILS already has an account.
func (s *Registrations) Register(ctx context.Context, r Registration, meta Meta) (Pending, error) {
	now := s.now()
	r, err := r.Normalize(now, s.Policy)
	if err != nil {
		return Pending{}, err
	}
	if err := s.consentGiven(r); err != nil {
		return Pending{}, err
	}
	r.ConsentAt, r.ConsentFrom = now, meta.IP
	// Every code to the phone counts against its limits first: nothing is
	// kept or sent for a registration over them.
	if err := s.Limiter.Allow(ctx, sendlimit.Send{Channel: sendlimit.SMS, To: r.Phone, IP: meta.IP, Anonymous: true, Flow: sendlimit.FlowRegistration}); err != nil {
		return Pending{}, err
	}
	// A mailbox over its limit gets no email code; the phone confirms alone.
	// The request took its count of the client address with the SMS: the
	// email rides on it and takes none (no IP), or a registration with an
	// email would count twice against an address many people may share.
	emailAllowed := r.Email != "" && s.Limiter.Allow(ctx, sendlimit.Send{Channel: sendlimit.Email, To: r.Email, Anonymous: true, Flow: sendlimit.FlowRegistration}) == nil
	id := newID()
	raw, err := json.Marshal(r)
	if err != nil {
		return Pending{}, err
	}
	sealed, err := s.Sealer.Seal(ctx, raw, regContext(id))
	if err != nil {
		return Pending{}, fmt.Errorf("seal registration: %w", err)
	}
	phoneCode, err := newCode()
	if err != nil {
		return Pending{}, err
	}
	phoneHash, err := s.codeHash(ctx, "reg-phone", id, phoneCode)
	if err != nil {
		return Pending{}, err
	}
	k := dynamo.RegistrationKey(id)
	it := regItem{PK: k.PK, SK: k.SK, Kind: kindRegistration, Data: sealed, Phone: r.Phone, Email: r.Email,
		PhoneCode: phoneHash, CodeExpires: stamp(now.Add(CodeTTL)),
		SentAt: stamp(now), Sends: 1, TTL: now.Add(RegistrationTTL).Unix()}
	var emailCode string
	if emailAllowed {
		if emailCode, err = newCode(); err != nil {
			return Pending{}, err
		}
		if it.EmailCode, err = s.codeHash(ctx, "reg-email", id, emailCode); err != nil {
			return Pending{}, err
		}
	}
	if err := s.DB.Create(ctx, it); err != nil {
		return Pending{}, fmt.Errorf("save registration: %w", err)
	}
	if _, err := s.SMS.SMS(ctx, r.Phone, regSMS(phoneCode)); err != nil {
		return Pending{}, fmt.Errorf("send registration code: %w", err)
	}
	p := Pending{RegistrationID: id, SentTo: validate.MaskPhone(r.Phone), CodeExpiresAt: now.Add(CodeTTL), ResendAfter: now.Add(ResendCooldown)}
	if emailAllowed {
		if _, err := s.Mail.Send(ctx, regEmail(r.Email, emailCode)); err != nil {
			logging.From(ctx).Warn("registration email not sent", "err", err)
		}
		p.EmailSentTo = validate.MaskEmail(r.Email)
	}
	return p, nil
}

// consentGiven refuses a registration without the consent to process
// personal data in the edition in force.
func (s *Registrations) consentGiven(r Registration) error {
	switch strings.TrimSpace(r.PersonalDataConsent) {
	case s.Consents.CurrentVersion():
		return nil
	case "":
		return problem.Invalid(problem.Field{Field: "personalDataConsent", Code: "consent.required",
			Message: "Без согласия на обработку персональных данных регистрация невозможна: ознакомьтесь с ним и подтвердите"})
	}
	return problem.Invalid(problem.Field{Field: "personalDataConsent", Code: "consent.version",
		Message: "Текст согласия обновился: ознакомьтесь с действующей редакцией и подтвердите её"})
}

// consentTx records the registration's consent with the account.
func (s *Registrations) consentTx(tx *dynamo.Tx, sub string, r Registration, now time.Time) error {
	at := r.ConsentAt
	if at.IsZero() {
		at = now
	}
	return s.Consents.RegistrationConsentTx(tx, sub, RegistrationConsent{Version: r.PersonalDataConsent, At: at, IP: r.ConsentFrom})
}

func regSMS(code string) string {
	return "Код подтверждения регистрации в Кабинете: " + code + ". Никому его не сообщайте."
}

func regEmail(to, code string) notify.Email {
	return notify.Email{To: to, Subject: "Подтверждение электронной почты",
		Text: "Здравствуйте!\n\nКод подтверждения электронной почты для регистрации в Кабинете: " + code +
			".\nКод действует 10 минут. Если вы не регистрировались, просто удалите это письмо.\n",
	}
}

// Resend sends a new code after the cooldown, at most MaxSends times.
func (s *Registrations) Resend(ctx context.Context, id string, meta Meta) (Pending, error) {
	now := s.now()
	var it regItem
	if err := s.DB.Get(ctx, dynamo.RegistrationKey(id), "регистрация", &it); err != nil {
		return Pending{}, err
	}
	if wait := parseStamp(it.SentAt).Add(ResendCooldown).Sub(now); wait > 0 {
		e := problem.New(problem.KindTooManyRequests, "resend_cooldown", "Повторно отправить код можно чуть позже")
		e.RetryAfter = wait
		return Pending{}, e.With("resendAfter", parseStamp(it.SentAt).Add(ResendCooldown))
	}
	if it.Sends >= MaxSends {
		return Pending{}, problem.New(problem.KindTooManyRequests, "too_many_codes", "Код отправлялся слишком много раз. Начните регистрацию заново позже")
	}
	if err := s.Limiter.Allow(ctx, sendlimit.Send{Channel: sendlimit.SMS, To: it.Phone, IP: meta.IP, Anonymous: true, Flow: sendlimit.FlowResend}); err != nil {
		return Pending{}, err
	}
	code, err := newCode()
	if err != nil {
		return Pending{}, err
	}
	hash, err := s.codeHash(ctx, "reg-phone", id, code)
	if err != nil {
		return Pending{}, err
	}
	upd, cond := resendUpdate(hash, it.SentAt, now)
	if err := s.DB.Update(ctx, dynamo.RegistrationKey(id), upd, &cond); err != nil {
		return Pending{}, err
	}
	if _, err := s.SMS.SMS(ctx, it.Phone, regSMS(code)); err != nil {
		return Pending{}, fmt.Errorf("send registration code: %w", err)
	}
	return Pending{RegistrationID: id, SentTo: validate.MaskPhone(it.Phone), CodeExpiresAt: now.Add(CodeTTL), ResendAfter: now.Add(ResendCooldown)}, nil
}

// codeAttempt is one reserved try at a code.
type codeAttempt struct {
	left   int
	refund func()
	wrong  bool
}

// Wrong records that the code was wrong (the attempt stays counted) and
// returns how many attempts remain.
func (a *codeAttempt) Wrong() int {
	a.wrong = true
	return a.left
}

// Close gives the attempt back unless it was wrong: a right code, an
// expired one or a server failure do not use up the person's attempts.
// Callers defer it.
func (a *codeAttempt) Close() {
	if !a.wrong {
		a.refund()
	}
}

// tryAttempt reserves one code attempt for a target (a registration, a
// reset, a person's scope) in the current CodeAttemptWindow, before the code
// is checked: parallel guesses each take their own attempt, so no more than
// CodeAttempts of them are ever checked. Over the limit it answers 429.
func (s *core) tryAttempt(ctx context.Context, scope, id string) (*codeAttempt, error) {
	now := s.now()
	window := now.Truncate(CodeAttemptWindow)
	k := dynamo.RateKey(scope, id, stamp(window))
	n, err := s.DB.Increment(ctx, k, "N", 1, window.Add(2*CodeAttemptWindow))
	if err != nil {
		return nil, err
	}
	if int(n) > CodeAttempts {
		return nil, tooManyAttempts(window.Add(CodeAttemptWindow), now)
	}
	return &codeAttempt{left: CodeAttempts - int(n), refund: func() {
		if _, err := s.DB.Increment(ctx, k, "N", -1, window.Add(2*CodeAttemptWindow)); err != nil {
			logging.From(ctx).Error("code attempt not given back", "scope", scope, "err", err)
		}
	}}, nil
}

func tooManyAttempts(until time.Time, now time.Time) error {
	e := problem.New(problem.KindTooManyRequests, "too_many_attempts", "Превышено число попыток ввода кода. Повторите позже")
	e.RetryAfter = until.Sub(now)
	return e.With("retryAt", until)
}

func wrongCode(left int) error {
	if left < 0 {
		left = 0
	}
	return problem.Invalid(problem.Field{Field: "code", Code: "code.invalid", Message: "Неверный код"}).With("attemptsLeft", left)
}

// Confirmed is the result of a confirmed registration.
type Confirmed struct {
	Level          Level `json:"level"`
	EmailConfirmed bool  `json:"emailConfirmed"`
}

// Confirm checks the phone code (and the email code, when given) and opens
// the account at the simplified level. SNILS, phone and email are claimed in
// the same transaction as the account, so of two registrations with one
// SNILS exactly one succeeds.
func (s *Registrations) Confirm(ctx context.Context, id, phoneCode, emailCode string) (Confirmed, error) {
	now := s.now()
	var it regItem
	if err := s.DB.Get(ctx, dynamo.RegistrationKey(id), "регистрация", &it); err != nil {
		return Confirmed{}, err
	}
	att, err := s.tryAttempt(ctx, "reg", id)
	if err != nil {
		return Confirmed{}, err
	}
	defer att.Close()
	if ok, err := s.codeMatches(ctx, "reg-phone", id, phoneCode, it.PhoneCode); err != nil {
		return Confirmed{}, err
	} else if !ok {
		return Confirmed{}, wrongCode(att.Wrong())
	}
	if now.After(parseStamp(it.CodeExpires)) {
		return Confirmed{}, problem.New(problem.KindGone, "code_expired", "Срок действия кода истёк. Запросите новый код")
	}
	emailOK := false
	if emailCode != "" {
		if emailOK, err = s.codeMatches(ctx, "reg-email", id, emailCode, it.EmailCode); err != nil {
			return Confirmed{}, err
		}
	}
	if emailCode != "" && !emailOK {
		return Confirmed{}, problem.Invalid(problem.Field{Field: "emailCode", Code: "code.invalid", Message: "Неверный код из письма"}).With("attemptsLeft", max(att.Wrong(), 0))
	}
	raw, err := s.Sealer.Open(ctx, it.Data, regContext(id))
	if err != nil {
		return Confirmed{}, fmt.Errorf("open registration: %w", err)
	}
	var r Registration
	if err := json.Unmarshal(raw, &r); err != nil {
		return Confirmed{}, fmt.Errorf("decode registration: %w", err)
	}
	attrs := map[string]string{"phone_number": r.Phone, "custom:level": string(LevelSimplified)}
	if r.Email != "" {
		attrs["email"] = r.Email
	}
	// The registration id is the Cognito username, so two confirmations of
	// one registration cannot create two users.
	sub, err := s.Users.CreateUser(ctx, NewUser{Username: id, Password: r.Password, Attributes: attrs})
	if problem.Is(err, problem.KindConflict) {
		return Confirmed{}, problem.Conflict("already_confirmed", "Регистрация уже подтверждена")
	}
	if err != nil {
		return Confirmed{}, err
	}
	acc, err := s.newAccount(ctx, sub, id, r, emailOK, now)
	if err != nil {
		_ = s.Users.DeleteUser(ctx, id)
		return Confirmed{}, err
	}
	tx := createAccount(&dynamo.Tx{}, acc).Delete(dynamo.RegistrationKey(id), true)
	if err := s.accountReminders(tx, sub, r.BirthDate, now); err != nil {
		return Confirmed{}, err
	}
	if err := s.consentTx(tx, sub, r, now); err != nil {
		_ = s.Users.DeleteUser(ctx, id)
		return Confirmed{}, err
	}
	if err := s.DB.Transact(ctx, "", tx); err != nil {
		_ = s.Users.DeleteUser(ctx, id)
		if problem.Is(err, problem.KindConflict) {
			// Told only to someone who proved control of the phone.
			return Confirmed{}, problem.Conflict("account_exists",
				"Учётная запись с такими данными уже существует. Войдите или восстановите доступ")
		}
		return Confirmed{}, err
	}
	return Confirmed{Level: LevelSimplified, EmailConfirmed: emailOK}, nil
}

func fieldContext(sub, field string) map[string]string {
	return map[string]string{"user": sub, "field": field}
}

func (s *Registrations) newAccount(ctx context.Context, sub, username string, r Registration, emailOK bool, now time.Time) (accountItem, error) {
	ix, err := s.index(ctx)
	if err != nil {
		return accountItem{}, err
	}
	k := dynamo.AccountKey(sub)
	acc := accountItem{PK: k.PK, SK: k.SK, Kind: kindAccount, V: 1, Sub: sub, Username: username, Level: string(LevelSimplified),
		Surname: r.Surname, Name: r.Name, Patronymic: r.Patronymic, BirthDate: r.BirthDate, Sex: r.Sex, Citizenship: r.Citizenship,
		Phone: r.Phone, Email: r.Email, EmailConfirmed: emailOK, MFA: MFANone, PasswordChangedAt: stamp(now), CreatedAt: stamp(now),
		SNILSHash: ix.Of(uniqueSNILS, r.SNILS), PhoneHash: ix.Of(uniquePhone, r.Phone)}
	if r.INN != "" {
		acc.INNHash = ix.Of(uniqueINN, r.INN)
	}
	if r.Email != "" {
		acc.EmailHash = ix.Of(uniqueEmail, strings.ToLower(r.Email))
	}
	passport, _ := json.Marshal(r.Passport)
	if acc.Passport, err = s.Sealer.Seal(ctx, passport, fieldContext(sub, "passport")); err != nil {
		return acc, err
	}
	if acc.SNILS, err = s.Sealer.Seal(ctx, []byte(r.SNILS), fieldContext(sub, "snils")); err != nil {
		return acc, err
	}
	if r.INN != "" {
		if acc.INN, err = s.Sealer.Seal(ctx, []byte(r.INN), fieldContext(sub, "inn")); err != nil {
			return acc, err
		}
	}
	h, err := password.HashPassword(r.Password)
	if err != nil {
		return acc, err
	}
	acc.PasswordHistory = []string{string(h)}
	return acc, nil
}

// Provision creates a ready account without the phone confirmation — for
// operator tooling and demo data. Uniqueness holds as in Confirm.
func (s *Registrations) Provision(ctx context.Context, username string, r Registration, level Level, extra map[string]string) (string, error) {
	now := s.now()
	r, err := r.Normalize(now, s.Policy)
	if err != nil {
		return "", err
	}
	if r.PersonalDataConsent == "" {
		// Operator tooling and demo accounts agree to the edition in force.
		r.PersonalDataConsent = s.Consents.CurrentVersion()
	}
	if err := s.consentGiven(r); err != nil {
		return "", err
	}
	attrs := map[string]string{"phone_number": r.Phone, "custom:level": string(level)}
	if r.Email != "" {
		attrs["email"] = r.Email
	}
	for k, v := range extra {
		attrs[k] = v
	}
	sub, err := s.Users.CreateUser(ctx, NewUser{Username: username, Password: r.Password, Attributes: attrs})
	if err != nil {
		return "", err
	}
	acc, err := s.newAccount(ctx, sub, username, r, r.Email != "", now)
	if err != nil {
		return "", err
	}
	acc.Level = string(level)
	acc.Department = extra["custom:department"]
	acc.Organisation = extra["custom:organisation"]
	tx := createAccount(&dynamo.Tx{}, acc)
	if err := s.accountReminders(tx, sub, r.BirthDate, now); err != nil {
		return "", err
	}
	if err := s.consentTx(tx, sub, r, now); err != nil {
		_ = s.Users.DeleteUser(ctx, username)
		return "", err
	}
	if err := s.DB.Transact(ctx, "", tx); err != nil {
		_ = s.Users.DeleteUser(ctx, username)
		return "", err
	}
	return sub, nil
}
