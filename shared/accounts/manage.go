package accounts

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/calendar"
	"github.com/kabinet/kabinet/shared/cognito"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/notify"
	"github.com/kabinet/kabinet/shared/password"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/reminders"
	"github.com/kabinet/kabinet/shared/validate"
)

func (s *Service) account(ctx context.Context, sub string) (accountItem, error) {
	var acc accountItem
	err := s.DB.Get(ctx, dynamo.AccountKey(sub), "учётная запись", &acc)
	return acc, err
}

// StepUp refuses a sensitive change when the sign-in is older than StepUpAge.
func (s *Service) StepUp(authTime time.Time) error {
	if authTime.IsZero() || s.now().Sub(authTime) > StepUpAge {
		return problem.New(problem.KindForbidden, "reauthentication_required",
			"Для этого действия войдите заново: последний вход был более 15 минут назад").With("maxAgeSeconds", int(StepUpAge.Seconds()))
	}
	return nil
}

// Account is what the owner sees of their account here (the profile
// feature shows the rest).
type Account struct {
	Level          Level     `json:"level"`
	MFA            string    `json:"mfa"`
	Phone          string    `json:"phone"`
	Email          string    `json:"email,omitempty"`
	EmailConfirmed bool      `json:"emailConfirmed"`
	PasswordExpiry time.Time `json:"passwordExpiresAt,omitzero"`
}

// Get returns the caller's account summary.
func (s *Service) Get(ctx context.Context, sub string) (Account, error) {
	acc, err := s.account(ctx, sub)
	if err != nil {
		return Account{}, err
	}
	a := Account{Level: Level(acc.Level), MFA: acc.MFA, Phone: validate.MaskPhone(acc.Phone), EmailConfirmed: acc.EmailConfirmed}
	if acc.Email != "" {
		a.Email = validate.MaskEmail(acc.Email)
	}
	if t, ok := s.Policy.ExpiresAt(parseStamp(acc.PasswordChangedAt)); ok {
		a.PasswordExpiry = t
	}
	return a, nil
}

// TOTPSetup is a new authenticator secret to add to an app.
type TOTPSetup struct {
	Secret string `json:"secret"`
	URI    string `json:"otpauthUri"`
}

// SetupTOTP creates an authenticator secret, kept sealed and pending until a
// code from it is verified.
func (s *Service) SetupTOTP(ctx context.Context, sub string) (TOTPSetup, error) {
	acc, err := s.account(ctx, sub)
	if err != nil {
		return TOTPSetup{}, err
	}
	raw := make([]byte, 20)
	if _, err := rand.Read(raw); err != nil {
		return TOTPSetup{}, err
	}
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw)
	sealed, err := s.Sealer.Seal(ctx, []byte(secret), fieldContext(sub, "totp-pending"))
	if err != nil {
		return TOTPSetup{}, err
	}
	if err := s.DB.Update(ctx, dynamo.AccountKey(sub), expression.Set(expression.Name("PendingTOTP"), expression.Value(sealed)), nil); err != nil {
		return TOTPSetup{}, err
	}
	label := url.PathEscape("Кабинет:" + validate.MaskPhone(acc.Phone))
	uri := "otpauth://totp/" + label + "?secret=" + secret + "&issuer=" + url.QueryEscape("Кабинет") + "&algorithm=SHA1&digits=6&period=30"
	return TOTPSetup{Secret: secret, URI: uri}, nil
}

// ConfirmTOTP verifies a code from the pending secret and makes TOTP the
// account's second factor.
func (s *Service) ConfirmTOTP(ctx context.Context, sub, code string) error {
	var acc struct {
		accountItem
		PendingTOTP string `dynamodbav:"PendingTOTP"`
	}
	if err := s.DB.Get(ctx, dynamo.AccountKey(sub), "учётная запись", &acc); err != nil {
		return err
	}
	if acc.PendingTOTP == "" {
		return problem.Conflict("no_pending_totp", "Сначала получите секрет для приложения-генератора")
	}
	secret, err := s.Sealer.Open(ctx, acc.PendingTOTP, fieldContext(sub, "totp-pending"))
	if err != nil {
		return err
	}
	acc.TOTPSecret, err = s.Sealer.Seal(ctx, secret, fieldContext(sub, "totp"))
	if err != nil {
		return err
	}
	att, err := s.tryAttempt(ctx, "totp-setup", sub)
	if err != nil {
		return err
	}
	defer att.Close()
	step, ok, err := s.checkTOTP(ctx, acc.accountItem, code, s.now())
	if err != nil {
		return err
	}
	if !ok {
		return wrongCode(att.Wrong())
	}
	upd := expression.Set(expression.Name("TOTPSecret"), expression.Value(acc.TOTPSecret)).
		Set(expression.Name("MFA"), expression.Value(MFATOTP)).
		Set(expression.Name("LastTOTPStep"), expression.Value(step)).
		Remove(expression.Name("PendingTOTP"))
	return s.DB.Update(ctx, dynamo.AccountKey(sub), upd, nil)
}

// SetMFA chooses the second factor: sms, none, or totp again when an app is
// already set up (ConfirmTOTP sets it up). Leaving TOTP needs a current code
// from the app, which is then used up.
func (s *Service) SetMFA(ctx context.Context, sub, method, code string) error {
	if method != MFASMS && method != MFANone && method != MFATOTP {
		return problem.Invalid(problem.Field{Field: "method", Code: "mfa.method", Message: "Способ подтверждения: sms, totp или none"})
	}
	acc, err := s.account(ctx, sub)
	if err != nil {
		return err
	}
	if method == MFATOTP {
		if acc.TOTPSecret == "" {
			return problem.Conflict("no_totp", "Сначала подключите приложение-генератор")
		}
	}
	if acc.MFA == MFATOTP && method != MFATOTP {
		if err := s.useTOTP(ctx, acc, code, "mfa-off"); err != nil {
			return err
		}
	}
	if err := s.DB.Update(ctx, dynamo.AccountKey(sub), expression.Set(expression.Name("MFA"), expression.Value(method)), nil); err != nil {
		return err
	}
	s.notice(ctx, sub, inbox.Note{Sub: sub, Type: messages.SecurityMFA, Vars: messages.Vars{"At": s.now(), "Method": method}})
	return nil
}

// useTOTP checks a current authenticator code for a sensitive change: wrong
// codes are limited per hour, and a right one is used up (it cannot be
// replayed at sign-in or here).
func (s *Service) useTOTP(ctx context.Context, acc accountItem, code, scope string) error {
	now := s.now()
	att, err := s.tryAttempt(ctx, scope, acc.Sub)
	if err != nil {
		return err
	}
	defer att.Close()
	step, ok, err := s.checkTOTP(ctx, acc, code, now)
	if err != nil {
		return err
	}
	if ok {
		cond := expression.Name("LastTOTPStep").LessThan(expression.Value(step))
		err := s.DB.Update(ctx, dynamo.AccountKey(acc.Sub), expression.Set(expression.Name("LastTOTPStep"), expression.Value(step)), &cond)
		if err == nil {
			return nil
		}
		if !problem.Is(err, problem.KindConflict) {
			return err
		}
	}
	// A wrong code, or a right one already used (a replayed step).
	return wrongCode(att.Wrong())
}

func (s *Service) checkNewPassword(acc accountItem, pw string) error {
	prev := make([]password.Hash, 0, len(acc.PasswordHistory))
	for _, h := range acc.PasswordHistory {
		prev = append(prev, password.Hash(h))
	}
	var fields []problem.Field
	for _, v := range s.Policy.Check(pw, password.Context{Names: []string{acc.Surname, acc.Name, acc.Patronymic}, Email: acc.Email, Phone: acc.Phone, Previous: prev}) {
		fields = append(fields, problem.Field{Field: "newPassword", Code: v.Rule, Message: v.Message})
	}
	if len(fields) > 0 {
		return problem.Invalid(fields...)
	}
	return nil
}

// setPassword stores a checked password in Cognito and its hash in the
// history, clears the lock, and starts the expiry clock again.
func (s *Service) setPassword(ctx context.Context, acc accountItem, pw string) error {
	if err := s.Users.SetPassword(ctx, acc.Username, pw); err != nil {
		return err
	}
	h, err := password.HashPassword(pw)
	if err != nil {
		return err
	}
	keep := s.Policy.History
	if keep < 1 {
		keep = 1
	}
	hist := append([]string{string(h)}, acc.PasswordHistory...)
	if len(hist) > keep {
		hist = hist[:keep]
	}
	upd := expression.Set(expression.Name("PasswordHistory"), expression.Value(hist)).
		Set(expression.Name("PasswordChangedAt"), expression.Value(stamp(s.now()))).
		Set(expression.Name("FailedLogins"), expression.Value(0)).
		Remove(expression.Name("LockedUntil"))
	tx := (&dynamo.Tx{}).Update(dynamo.AccountKey(acc.Sub), upd, nil)
	if err := s.passwordExpiry(tx, acc.Sub, s.now()); err != nil {
		return err
	}
	return s.DB.Transact(ctx, "", tx)
}

// PasswordReminderBefore is how long before expiry the person is reminded.
var PasswordReminderBefore = 7 * 24 * time.Hour

// accountReminders schedules what a new account is reminded of: the
// password's expiry and the passport's replacement at 20 and 45.
func (s *Service) accountReminders(tx *dynamo.Tx, sub, birthDate string, now time.Time) error {
	if birth, err := time.Parse(dateLayout, birthDate); err == nil {
		if err := reminders.PassportReplacement(tx, sub, birth, now); err != nil {
			return err
		}
	}
	return s.passwordExpiry(tx, sub, now)
}

// passwordExpiry puts the password's expiry in the calendar and schedules
// its reminder (replacing the previous ones), when the policy has an expiry.
func (s *Service) passwordExpiry(tx *dynamo.Tx, sub string, changedAt time.Time) error {
	expires, ok := s.Policy.ExpiresAt(changedAt)
	if !ok {
		return nil
	}
	calendar.Add(tx, sub, calendar.Entry{ID: "password-expiry-" + expires.UTC().Format("20060102T150405"), Kind: calendar.KindExpiry,
		Title: "Истекает срок действия пароля", Start: expires, Link: "/security"})
	return reminders.Schedule(tx, reminders.Reminder{Sub: sub, ID: "password-expiry", At: expires.Add(-PasswordReminderBefore),
		Type: messages.PasswordExpiring, Vars: messages.Vars{"ExpiresAt": expires}})
}

// ChangePassword changes the password of a signed-in user after checking
// the current one (a wrong one counts towards the lockout).
func (s *Service) ChangePassword(ctx context.Context, sub, current, next string, meta Meta) error {
	acc, err := s.account(ctx, sub)
	if err != nil {
		return err
	}
	if until := parseStamp(acc.LockedUntil); until.After(s.now()) {
		return locked(until, s.now())
	}
	if _, err := s.Users.SignIn(ctx, acc.Username, current); err != nil {
		if problem.Is(err, problem.KindUnauthenticated) {
			if ferr := s.failLogin(ctx, sub, true, meta.IP); problem.Is(ferr, problem.KindLocked) {
				return ferr
			}
			return problem.Invalid(problem.Field{Field: "currentPassword", Code: "password.wrong", Message: "Текущий пароль указан неверно"})
		}
		return err
	}
	if err := s.checkNewPassword(acc, next); err != nil {
		return err
	}
	if err := s.setPassword(ctx, acc, next); err != nil {
		return err
	}
	s.notice(ctx, acc.Sub, inbox.Note{Sub: acc.Sub, Type: messages.SecurityPassword, Vars: messages.Vars{"At": s.now()}})
	return nil
}

// CompleteNewPassword answers a new_password challenge (an expired password):
// the new password replaces it and the sign-in goes on.
func (s *Service) CompleteNewPassword(ctx context.Context, id, next string, meta Meta) (Result, error) {
	var ch challengeItem
	if err := s.DB.Get(ctx, dynamo.ChallengeKey(id), "запрос смены пароля", &ch); err != nil {
		return Result{}, err
	}
	if ch.Type != "new_password" || s.now().After(parseStamp(ch.Expires)) {
		return Result{}, problem.New(problem.KindGone, "challenge_expired", "Время на смену пароля истекло. Войдите снова")
	}
	acc, err := s.account(ctx, ch.Sub)
	if err != nil {
		return Result{}, err
	}
	if until := parseStamp(acc.LockedUntil); until.After(s.now()) {
		return Result{}, locked(until, s.now())
	}
	if err := s.checkNewPassword(acc, next); err != nil {
		return Result{}, err
	}
	if err := s.DB.Transact(ctx, "", (&dynamo.Tx{}).Delete(dynamo.ChallengeKey(id), true)); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return Result{}, problem.New(problem.KindGone, "challenge_used", "Этот запрос уже использован. Войдите снова")
		}
		return Result{}, err
	}
	if err := s.setPassword(ctx, acc, next); err != nil {
		return Result{}, err
	}
	res, err := s.Users.SignIn(ctx, acc.Username, next)
	if err != nil {
		return Result{}, err
	}
	if res.Tokens == nil {
		return Result{}, fmt.Errorf("sign in after a new password: unexpected Cognito challenge")
	}
	return s.secondStep(ctx, acc, *res.Tokens, ch.Method, meta)
}

type resetItem struct {
	PK      string `dynamodbav:"PK"`
	SK      string `dynamodbav:"SK"`
	Kind    string `dynamodbav:"Kind"`
	Sub     string `dynamodbav:"Sub,omitempty"`
	Code    string `dynamodbav:"Code"`
	Expires string `dynamodbav:"Expires"`
	TTL     int64  `dynamodbav:"TTL"`
}

// ResetStarted is the same answer whether or not the login names an account.
type ResetStarted struct {
	ResetID   string    `json:"resetId"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// Forgot starts a password reset: when the login names an account, a code
// goes to its phone (or to the email, when the login is the email).
func (s *Service) Forgot(ctx context.Context, login string, meta Meta) (ResetStarted, error) {
	if err := s.ipLimited(ctx, meta.IP); err != nil {
		return ResetStarted{}, err
	}
	now := s.now()
	id := newID()
	sub, kind, known, err := s.resolve(ctx, login)
	if err != nil {
		return ResetStarted{}, err
	}
	code, err := newCode()
	if err != nil {
		return ResetStarted{}, err
	}
	k := dynamo.ResetKey(id)
	it := resetItem{PK: k.PK, SK: k.SK, Kind: "reset", Code: s.codeHash("reset", id, code), Expires: stamp(now.Add(CodeTTL)), TTL: now.Add(RegistrationTTL).Unix()}
	if known {
		it.Sub = sub
	}
	if err := s.DB.Create(ctx, it); err != nil {
		return ResetStarted{}, err
	}
	if known && s.resetSendsExceeded(ctx, sub) {
		// The answer stays the same; the person is not flooded with codes.
		known = false
	}
	if known {
		acc, err := s.account(ctx, sub)
		if err != nil {
			return ResetStarted{}, err
		}
		text := "Код восстановления пароля в Кабинете: " + code + ". Никому его не сообщайте."
		if kind == "email" && acc.Email != "" {
			_, err = s.Mail.Send(ctx, notify.Email{To: acc.Email, Subject: "Восстановление пароля",
				Text: "Здравствуйте!\n\n" + text + "\nКод действует 10 минут. Если вы не запрашивали восстановление, смените пароль.\n"})
		} else {
			_, err = s.SMS.SMS(ctx, acc.Phone, text)
		}
		if err != nil {
			return ResetStarted{}, fmt.Errorf("send reset code: %w", err)
		}
	}
	return ResetStarted{ResetID: id, ExpiresAt: now.Add(CodeTTL)}, nil
}

// MaxResetSends is how many reset codes one account gets per hour.
var MaxResetSends = 3

func (s *Service) resetSendsExceeded(ctx context.Context, sub string) bool {
	window := s.now().Truncate(time.Hour)
	n, err := s.DB.Increment(ctx, dynamo.RateKey("reset-send", sub, stamp(window)), "N", 1, window.Add(2*time.Hour))
	return err != nil || int(n) > MaxResetSends
}

// Reset sets a new password with the code, then ends every session.
func (s *Service) Reset(ctx context.Context, id, code, next string) error {
	now := s.now()
	var it resetItem
	if err := s.DB.Get(ctx, dynamo.ResetKey(id), "восстановление пароля", &it); err != nil {
		return err
	}
	att, err := s.tryAttempt(ctx, "reset", id)
	if err != nil {
		return err
	}
	defer att.Close()
	if it.Sub == "" || !s.codeMatches("reset", id, code, it.Code) {
		return wrongCode(att.Wrong())
	}
	if now.After(parseStamp(it.Expires)) {
		return problem.New(problem.KindGone, "code_expired", "Срок действия кода истёк. Запросите новый код")
	}
	acc, err := s.account(ctx, it.Sub)
	if err != nil {
		return err
	}
	if err := s.checkNewPassword(acc, next); err != nil {
		return err
	}
	if err := s.DB.Transact(ctx, "", (&dynamo.Tx{}).Delete(dynamo.ResetKey(id), true)); err != nil {
		return err
	}
	if err := s.setPassword(ctx, acc, next); err != nil {
		return err
	}
	if _, err := s.EndAll(ctx, acc.Sub, ""); err != nil {
		return err
	}
	s.notice(ctx, acc.Sub, inbox.Note{Sub: acc.Sub, Type: messages.SecurityPassword, Vars: messages.Vars{"At": s.now()}})
	return nil
}

// notice puts a security notice in the person's inbox; the deliverer sends
// it on every channel, as security notices ignore preferences.
func (s *Service) notice(ctx context.Context, sub string, n inbox.Note) {
	if s.Inbox == nil {
		return
	}
	if _, err := s.Inbox.Notify(ctx, n, s.now()); err != nil {
		logging.From(ctx).Error("security notice not recorded", "type", n.Type, "err", err)
	}
}

// LevelChange is an officer's or agency's record of an identity check.
type LevelChange struct {
	Level  Level  `json:"level"`
	Method string `json:"method"`
}

// LevelMethods are the ways a level is reached.
var LevelMethods = map[Level][]string{
	LevelStandard:  {"registry_check"},
	LevelConfirmed: {"in_person", "bank", "esignature"},
}

// SetLevel records that an account's identity was checked. Levels only rise.
func (s *Service) SetLevel(ctx context.Context, sub string, c LevelChange) error {
	methods, known := LevelMethods[c.Level]
	if !known {
		return problem.Invalid(problem.Field{Field: "level", Code: "level.unknown", Message: "Уровень: standard или confirmed"})
	}
	ok := false
	for _, m := range methods {
		ok = ok || m == c.Method
	}
	if !ok {
		return problem.Invalid(problem.Field{Field: "method", Code: "level.method",
			Message: "Уровень standard подтверждается проверкой в реестрах (registry_check), confirmed — лично, через банк или электронной подписью (in_person, bank, esignature)"})
	}
	acc, err := s.account(ctx, sub)
	if err != nil {
		return err
	}
	rank := map[string]int{string(LevelSimplified): 1, string(LevelStandard): 2, string(LevelConfirmed): 3}
	if rank[string(c.Level)] <= rank[acc.Level] {
		return problem.Conflict("level_not_higher", "Учётная запись уже имеет этот или более высокий уровень")
	}
	cond := expression.Name("Level").Equal(expression.Value(acc.Level))
	upd := expression.Set(expression.Name("Level"), expression.Value(string(c.Level))).Set(expression.Name("LevelMethod"), expression.Value(c.Method))
	if err := s.DB.Update(ctx, dynamo.AccountKey(sub), upd, &cond); err != nil {
		return err
	}
	return s.Users.SetAttributes(ctx, acc.Username, map[string]string{"custom:level": string(c.Level)})
}

// Provision creates a ready account without the phone confirmation — for
// operator tooling and demo data. Uniqueness holds as in Confirm.
func (s *Service) Provision(ctx context.Context, username string, r Registration, level Level, extra map[string]string) (string, error) {
	now := s.now()
	r, err := r.Normalize(now, s.Policy)
	if err != nil {
		return "", err
	}
	attrs := map[string]string{"phone_number": r.Phone, "custom:level": string(level)}
	if r.Email != "" {
		attrs["email"] = r.Email
	}
	for k, v := range extra {
		attrs[k] = v
	}
	sub, err := s.Users.CreateUser(ctx, cognito.NewUser{Username: username, Password: r.Password, Attributes: attrs})
	if err != nil {
		return "", err
	}
	acc, err := s.newAccount(ctx, sub, username, r, r.Email != "", now)
	if err != nil {
		return "", err
	}
	acc.Level = string(level)
	acc.Department = extra["custom:department"]
	tx := (&dynamo.Tx{}).Create(acc).Create(unique("snils", acc.SNILSHash, sub)).Create(unique("phone", acc.PhoneHash, sub))
	if acc.EmailHash != "" {
		tx.Create(unique("email", acc.EmailHash, sub))
	}
	if err := s.accountReminders(tx, sub, r.BirthDate, now); err != nil {
		return "", err
	}
	if err := s.DB.Transact(ctx, "", tx); err != nil {
		_ = s.Users.DeleteUser(ctx, username)
		return "", err
	}
	return sub, nil
}

// EnableTOTPWithSecret sets a known TOTP secret (demo data only).
func (s *Service) EnableTOTPWithSecret(ctx context.Context, sub, secret string) error {
	sealed, err := s.Sealer.Seal(ctx, []byte(strings.ToUpper(secret)), fieldContext(sub, "totp"))
	if err != nil {
		return err
	}
	upd := expression.Set(expression.Name("TOTPSecret"), expression.Value(sealed)).Set(expression.Name("MFA"), expression.Value(MFATOTP))
	return s.DB.Update(ctx, dynamo.AccountKey(sub), upd, nil)
}

// OpenSNILS returns the plain SNILS of an account (for the owner's profile).
func (s *Service) OpenSNILS(ctx context.Context, sub string) (string, error) {
	acc, err := s.account(ctx, sub)
	if err != nil {
		return "", err
	}
	b, err := s.Sealer.Open(ctx, acc.SNILS, fieldContext(sub, "snils"))
	return string(b), err
}

// Reauthenticate checks the person's password again before a sensitive act
// (a personal-data export); a wrong one counts towards the lockout.
func (s *Service) Reauthenticate(ctx context.Context, sub, pw string, meta Meta) error {
	acc, err := s.account(ctx, sub)
	if err != nil {
		return err
	}
	if until := parseStamp(acc.LockedUntil); until.After(s.now()) {
		return locked(until, s.now())
	}
	if _, err := s.Users.SignIn(ctx, acc.Username, pw); err != nil {
		if problem.Is(err, problem.KindUnauthenticated) {
			if ferr := s.failLogin(ctx, sub, true, meta.IP); problem.Is(ferr, problem.KindLocked) {
				return ferr
			}
			return problem.New(problem.KindForbidden, "reauthentication_failed", "Пароль указан неверно")
		}
		return err
	}
	return nil
}
