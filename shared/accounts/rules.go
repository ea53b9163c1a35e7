package accounts

import (
	"context"
	"time"

	"github.com/kabinet/kabinet/shared/calendar"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/password"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/reminders"
)

// useTOTP checks a current authenticator code for a sensitive change: wrong
// codes are limited per hour, and a right one is used up (it cannot be
// replayed at sign-in or here).
func (s *core) useTOTP(ctx context.Context, acc accountItem, code, scope string) error {
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
		upd, cond := totpStepUpdate(step)
		err := s.DB.Update(ctx, dynamo.AccountKey(acc.Sub), upd, &cond)
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

func (s *core) checkNewPassword(acc accountItem, pw string) error {
	prev := make([]password.Hash, 0, len(acc.PasswordHistory))
	for _, h := range acc.PasswordHistory {
		prev = append(prev, password.Hash(h))
	}
	if v := s.Policy.Check(pw, password.Context{Names: []string{acc.Surname, acc.Name, acc.Patronymic}, Email: acc.Email, Phone: acc.Phone, Previous: prev}); len(v) > 0 {
		return problem.Invalid(problem.FieldsOf("newPassword", v)...)
	}
	return nil
}

// setPassword stores a checked password in Cognito and its hash in the
// history, clears the lock, and starts the expiry clock again.
func (s *core) setPassword(ctx context.Context, acc accountItem, pw string) error {
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
	tx := (&dynamo.Tx{}).Update(dynamo.AccountKey(acc.Sub), passwordUpdate(hist, s.now()), nil)
	if err := s.passwordExpiry(tx, acc.Sub, s.now()); err != nil {
		return err
	}
	return s.DB.Transact(ctx, "", tx)
}

// PasswordReminderBefore is how long before expiry the person is reminded.
var PasswordReminderBefore = 7 * 24 * time.Hour

// accountReminders schedules what a new account is reminded of: the
// password's expiry and the passport's replacement at 20 and 45.
func (s *core) accountReminders(tx *dynamo.Tx, sub, birthDate string, now time.Time) error {
	if birth, err := time.Parse(dateLayout, birthDate); err == nil {
		if err := reminders.PassportReplacement(tx, sub, birth, now); err != nil {
			return err
		}
	}
	return s.passwordExpiry(tx, sub, now)
}

// passwordExpiry puts the password's expiry in the calendar and schedules
// its reminder (replacing the previous ones), when the policy has an expiry.
func (s *core) passwordExpiry(tx *dynamo.Tx, sub string, changedAt time.Time) error {
	expires, ok := s.Policy.ExpiresAt(changedAt)
	if !ok {
		return nil
	}
	calendar.Add(tx, sub, calendar.Entry{ID: "password-expiry-" + expires.UTC().Format("20060102T150405"), Kind: calendar.KindExpiry,
		Title: "Истекает срок действия пароля", Start: expires, Link: "/security"})
	return reminders.Schedule(tx, reminders.Reminder{Sub: sub, ID: "password-expiry", At: expires.Add(-PasswordReminderBefore),
		Type: messages.PasswordExpiring, Vars: messages.Vars{"ExpiresAt": expires}})
}

// notice puts a security notice in the person's inbox; the deliverer sends
// it on every channel, as security notices ignore preferences.
func (s *core) notice(ctx context.Context, sub string, n inbox.Note) {
	if s.Inbox == nil {
		return
	}
	if _, err := s.Inbox.Notify(ctx, n, s.now()); err != nil {
		logging.From(ctx).Error("security notice not recorded", "type", n.Type, "err", err)
	}
}
