package accounts

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"net/url"
	"strings"
	"time"

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

// Account returns the caller's account summary.
func (s *Credentials) Account(ctx context.Context, a actor.Actor) (Account, error) {
	acc, err := s.account(ctx, a.Sub)
	if err != nil {
		return Account{}, err
	}
	out := Account{Level: Level(acc.Level), MFA: acc.MFA, Phone: validate.MaskPhone(acc.Phone), EmailConfirmed: acc.EmailConfirmed}
	if acc.Email != "" {
		out.Email = validate.MaskEmail(acc.Email)
	}
	if t, ok := s.Policy.ExpiresAt(parseStamp(acc.PasswordChangedAt)); ok {
		out.PasswordExpiry = t
	}
	return out, nil
}

// TOTPSetup is a new authenticator secret to add to an app.
type TOTPSetup struct {
	Secret string `json:"secret"`
	URI    string `json:"otpauthUri"`
}

// SetupTOTP creates an authenticator secret, kept sealed and pending until a
// code from it is verified. It needs a recent sign-in.
func (s *Credentials) SetupTOTP(ctx context.Context, a actor.Actor) (TOTPSetup, error) {
	if err := a.RequireRecentSignIn(s.now()); err != nil {
		return TOTPSetup{}, err
	}
	acc, err := s.account(ctx, a.Sub)
	if err != nil {
		return TOTPSetup{}, err
	}
	raw := make([]byte, 20)
	if _, err := rand.Read(raw); err != nil {
		return TOTPSetup{}, err
	}
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw)
	sealed, err := s.Sealer.Seal(ctx, []byte(secret), fieldContext(a.Sub, "totp-pending"))
	if err != nil {
		return TOTPSetup{}, err
	}
	if err := s.DB.Update(ctx, dynamo.AccountKey(a.Sub), pendingTOTPUpdate(sealed), nil); err != nil {
		return TOTPSetup{}, err
	}
	label := url.PathEscape("Кабинет:" + validate.MaskPhone(acc.Phone))
	uri := "otpauth://totp/" + label + "?secret=" + secret + "&issuer=" + url.QueryEscape("Кабинет") + "&algorithm=SHA1&digits=6&period=30"
	return TOTPSetup{Secret: secret, URI: uri}, nil
}

// ConfirmTOTP verifies a code from the pending secret and makes TOTP the
// account's second factor.
func (s *Credentials) ConfirmTOTP(ctx context.Context, a actor.Actor, code string) error {
	var acc pendingTOTPItem
	if err := s.DB.Get(ctx, dynamo.AccountKey(a.Sub), "учётная запись", &acc); err != nil {
		return err
	}
	if acc.PendingTOTP == "" {
		return problem.Conflict("no_pending_totp", "Сначала получите секрет для приложения-генератора")
	}
	secret, err := s.Sealer.Open(ctx, acc.PendingTOTP, fieldContext(a.Sub, "totp-pending"))
	if err != nil {
		return err
	}
	acc.TOTPSecret, err = s.Sealer.Seal(ctx, secret, fieldContext(a.Sub, "totp"))
	if err != nil {
		return err
	}
	att, err := s.tryAttempt(ctx, "totp-setup", a.Sub)
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
	if err := s.DB.Update(ctx, dynamo.AccountKey(a.Sub), totpOnUpdate(acc.TOTPSecret, step), nil); err != nil {
		return err
	}
	s.journal(ctx, a, a.Sub, journal.TypeSecurity, "Подключено приложение-генератор кодов для входа")
	return nil
}

// SetMFA chooses the second factor: sms, none, or totp again when an app is
// already set up (ConfirmTOTP sets it up). Leaving TOTP needs a current code
// from the app, which is then used up. It needs a recent sign-in.
func (s *Credentials) SetMFA(ctx context.Context, a actor.Actor, method, code string) error {
	if method != MFASMS && method != MFANone && method != MFATOTP {
		return problem.Invalid(problem.Field{Field: "method", Code: "mfa.method", Message: "Способ подтверждения: sms, totp или none"})
	}
	if err := a.RequireRecentSignIn(s.now()); err != nil {
		return err
	}
	acc, err := s.account(ctx, a.Sub)
	if err != nil {
		return err
	}
	if method == MFATOTP && acc.TOTPSecret == "" {
		return problem.Conflict("no_totp", "Сначала подключите приложение-генератор")
	}
	if acc.MFA == MFATOTP && method != MFATOTP {
		if err := s.useTOTP(ctx, acc, code, "mfa-off"); err != nil {
			return err
		}
	}
	if err := s.DB.Update(ctx, dynamo.AccountKey(a.Sub), mfaUpdate(method), nil); err != nil {
		return err
	}
	s.notice(ctx, a.Sub, inbox.Note{Sub: a.Sub, Type: messages.SecurityMFA, Vars: messages.Vars{"At": s.now(), "Method": method}})
	s.journal(ctx, a, a.Sub, journal.TypeSecurity, "Изменён способ подтверждения входа: "+mfaName(method))
	return nil
}

func mfaName(method string) string {
	switch method {
	case MFASMS:
		return "код из SMS"
	case MFATOTP:
		return "код из приложения"
	}
	return "только пароль"
}

// ChangePassword changes the password of a signed-in person after checking
// the current one (a wrong one counts towards the lockout). It needs a
// recent sign-in.
func (s *Credentials) ChangePassword(ctx context.Context, a actor.Actor, current, next string) error {
	if err := a.RequireRecentSignIn(s.now()); err != nil {
		return err
	}
	acc, err := s.checkPassword(ctx, a, current,
		problem.Invalid(problem.Field{Field: "currentPassword", Code: "password.wrong", Message: "Текущий пароль указан неверно"}))
	if err != nil {
		return err
	}
	if err := s.checkNewPassword(acc, next); err != nil {
		return err
	}
	if err := s.setPassword(ctx, acc, next); err != nil {
		return err
	}
	s.notice(ctx, acc.Sub, inbox.Note{Sub: acc.Sub, Type: messages.SecurityPassword, Vars: messages.Vars{"At": s.now()}})
	s.journal(ctx, a, a.Sub, journal.TypeSecurity, "Изменён пароль")
	return nil
}

// ResetStarted is the same answer whether or not the login names an account.
type ResetStarted struct {
	ResetID   string    `json:"resetId"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// Forgot starts a password reset: when the login names an account, a code
// goes to its phone (or to the email, when the login is the email).
func (s *Credentials) Forgot(ctx context.Context, login string, meta Meta) (ResetStarted, error) {
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
	hash, err := s.codeHash(ctx, "reset", id, code)
	if err != nil {
		return ResetStarted{}, err
	}
	k := dynamo.ResetKey(id)
	it := resetItem{PK: k.PK, SK: k.SK, Kind: kindReset, Code: hash, Expires: stamp(now.Add(CodeTTL)), TTL: now.Add(RegistrationTTL).Unix()}
	if known {
		it.Sub = sub
	}
	if err := s.DB.Create(ctx, it); err != nil {
		return ResetStarted{}, err
	}
	if known {
		acc, err := s.account(ctx, sub)
		if err != nil {
			return ResetStarted{}, err
		}
		send := sendlimit.Send{Channel: sendlimit.SMS, To: acc.Phone, Own: true, Account: sub, IP: meta.IP, Anonymous: true, Flow: sendlimit.FlowReset}
		if kind == uniqueEmail && acc.Email != "" {
			send.Channel, send.To = sendlimit.Email, acc.Email
		}
		// Over a limit (the account's reset codes among them) the answer
		// stays the same, or it would tell that the login names an
		// account; nothing is sent.
		if err := s.Limiter.Allow(ctx, send); err != nil {
			logging.From(ctx).Info("reset code not sent: over a send limit", "problem", problem.CodeOf(err))
			return ResetStarted{ResetID: id, ExpiresAt: now.Add(CodeTTL)}, nil
		}
		text := "Код восстановления пароля в Кабинете: " + code + ". Никому его не сообщайте."
		if send.Channel == sendlimit.Email {
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

// Reset sets a new password with the code, then ends every session.
func (s *Credentials) Reset(ctx context.Context, id, code, next string, meta Meta) error {
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
	ok, err := s.codeMatches(ctx, "reset", id, code, it.Code)
	if err != nil {
		return err
	}
	if it.Sub == "" || !ok {
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
	if _, err := s.endAll(ctx, acc.Sub, ""); err != nil {
		return err
	}
	s.notice(ctx, acc.Sub, inbox.Note{Sub: acc.Sub, Type: messages.SecurityPassword, Vars: messages.Vars{"At": s.now()}})
	s.journal(ctx, meta.actor(), acc.Sub, journal.TypeSecurity, "Пароль восстановлен по коду; все сеансы завершены")
	return nil
}

// EnableTOTPWithSecret sets a known TOTP secret (demo data only).
func (s *Credentials) EnableTOTPWithSecret(ctx context.Context, sub, secret string) error {
	sealed, err := s.Sealer.Seal(ctx, []byte(strings.ToUpper(secret)), fieldContext(sub, "totp"))
	if err != nil {
		return err
	}
	return s.DB.Update(ctx, dynamo.AccountKey(sub), totpOnUpdate(sealed, 0), nil)
}
