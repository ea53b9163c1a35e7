package accounts

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/sendlimit"
	"github.com/kabinet/kabinet/shared/validate"
)

// MinPhoneChangeInterval is how often the primary phone may change (the seeds: once a month).
var MinPhoneChangeInterval = 30 * 24 * time.Hour

// ContactPending says where the code went.
type ContactPending struct {
	SentTo    string    `json:"sentTo"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// Start sends a code to a new phone or email; the change takes effect only
// when that code comes back. It needs a recent sign-in.
func (s *Contacts) Start(ctx context.Context, a actor.Actor, kind, value string) (ContactPending, error) {
	now := s.now()
	if err := a.RequireRecentSignIn(now); err != nil {
		return ContactPending{}, err
	}
	sub := a.Sub
	acc, err := s.account(ctx, sub)
	if err != nil {
		return ContactPending{}, err
	}
	var norm string
	switch kind {
	case "phone":
		if norm, err = validate.Phone(value); err != nil {
			return ContactPending{}, problem.Invalid(problem.FieldOf("phone", err))
		}
		if next := parseStamp(acc.PhoneChangedAt).Add(MinPhoneChangeInterval); acc.PhoneChangedAt != "" && next.After(now) {
			return ContactPending{}, problem.Conflict("phone_change_too_soon",
				"Основной телефон можно менять не чаще раза в 30 дней. Следующая смена возможна с "+next.In(clock.Moscow()).Format("02.01.2006")).With("availableFrom", next)
		}
		if norm == acc.Phone {
			return ContactPending{}, problem.Invalid(problem.Field{Field: "phone", Code: "phone.same", Message: "Это ваш текущий номер"})
		}
	case "email":
		if norm, err = validate.Email(value); err != nil {
			return ContactPending{}, problem.Invalid(problem.FieldOf("email", err))
		}
		if strings.EqualFold(norm, acc.Email) && acc.EmailConfirmed {
			return ContactPending{}, problem.Invalid(problem.Field{Field: "email", Code: "email.same", Message: "Это ваш текущий адрес"})
		}
	default:
		return ContactPending{}, problem.NotFound("контакт")
	}
	send := sendlimit.Send{Channel: sendlimit.SMS, To: norm, Account: sub, IP: a.IP, Flow: sendlimit.FlowContactChange}
	if kind == "email" {
		send.Channel = sendlimit.Email
	}
	if err := s.Limiter.Allow(ctx, send); err != nil {
		return ContactPending{}, err
	}
	code, err := newCode()
	if err != nil {
		return ContactPending{}, err
	}
	hash, err := s.codeHash(ctx, "contact-"+kind, sub, code)
	if err != nil {
		return ContactPending{}, err
	}
	k := dynamo.ContactChangeKey(sub, kind)
	if err := s.DB.Put(ctx, contactItem{PK: k.PK, SK: k.SK, Kind: kindContactChange, Value: norm, Code: hash,
		Expires: stamp(now.Add(CodeTTL)), TTL: now.Add(CodeTTL).Unix()}); err != nil {
		return ContactPending{}, err
	}
	text := "Код подтверждения нового контакта в Кабинете: " + code + ". Никому его не сообщайте."
	sentTo := ""
	if kind == "phone" {
		_, err = s.SMS.SMS(ctx, norm, text)
		sentTo = validate.MaskPhone(norm)
	} else {
		_, err = s.Mail.Send(ctx, regEmail(norm, code))
		sentTo = validate.MaskEmail(norm)
	}
	if err != nil {
		return ContactPending{}, fmt.Errorf("send contact code: %w", err)
	}
	return ContactPending{SentTo: sentTo, ExpiresAt: now.Add(CodeTTL)}, nil
}

// Confirm applies a contact change whose code came back: the new value is
// claimed as unique and the old one released in one transaction; the person
// is told on their contacts.
func (s *Contacts) Confirm(ctx context.Context, a actor.Actor, kind, code string) error {
	now := s.now()
	sub := a.Sub
	var pending contactItem
	if err := s.DB.Get(ctx, dynamo.ContactChangeKey(sub, kind), "смена контакта", &pending); err != nil {
		return err
	}
	att, err := s.tryAttempt(ctx, "contact-"+kind, sub)
	if err != nil {
		return err
	}
	defer att.Close()
	if ok, err := s.codeMatches(ctx, "contact-"+kind, sub, code, pending.Code); err != nil {
		return err
	} else if !ok {
		return wrongCode(att.Wrong())
	}
	if now.After(parseStamp(pending.Expires)) {
		return problem.New(problem.KindGone, "code_expired", "Срок действия кода истёк. Запросите новый код")
	}
	acc, err := s.account(ctx, sub)
	if err != nil {
		return err
	}
	ix, err := s.index(ctx)
	if err != nil {
		return err
	}
	tx := (&dynamo.Tx{}).Delete(dynamo.ContactChangeKey(sub, kind), true)
	var upd expression.UpdateBuilder
	attrs := map[string]string{}
	switch kind {
	case "phone":
		hash := ix.Of(uniquePhone, pending.Value)
		tx.Create(unique(uniquePhone, hash, sub))
		tx.Delete(dynamo.UniqueKey(uniquePhone, acc.PhoneHash), false)
		upd = phoneUpdate(pending.Value, hash, now)
		s.history(tx, a, sub, "phone", validate.MaskPhone(acc.Phone), validate.MaskPhone(pending.Value), now)
		attrs["phone_number"] = pending.Value
	case "email":
		hash := ix.Of(uniqueEmail, strings.ToLower(pending.Value))
		tx.Create(unique(uniqueEmail, hash, sub))
		if acc.EmailHash != "" {
			tx.Delete(dynamo.UniqueKey(uniqueEmail, acc.EmailHash), false)
		}
		upd = emailUpdate(pending.Value, hash)
		s.history(tx, a, sub, "email", validate.MaskEmail(acc.Email), validate.MaskEmail(pending.Value), now)
		attrs["email"] = pending.Value
	}
	upd, cond := versioned(upd, acc.V)
	tx.Update(dynamo.AccountKey(sub), upd, &cond)
	if _, err := s.Inbox.Add(tx, inbox.Note{Sub: sub, Type: messages.SecurityContact, Vars: messages.Vars{"At": now, "Contact": map[string]string{"phone": "телефон", "email": "email"}[kind]}}, now); err != nil {
		return err
	}
	if err := s.DB.Transact(ctx, "", tx); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return problem.Conflict("contact_unavailable", "Этот контакт нельзя привязать: он уже используется, или данные изменились. Повторите позже или обратитесь в поддержку")
		}
		return err
	}
	if err := s.Users.SetAttributes(ctx, acc.Username, attrs); err != nil {
		return fmt.Errorf("contact changed but Cognito not updated: %w", err)
	}
	s.journal(ctx, a, sub, journal.TypeProfileChange, map[string]string{"phone": "Изменён основной телефон", "email": "Изменён адрес электронной почты"}[kind])
	return nil
}
