package accounts

import (
	"context"
	"strconv"
	"time"

	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/sendlimit"
	"github.com/kabinet/kabinet/shared/validate"
)

// SignatureTTL is how long a signing code works.
const SignatureTTL = 5 * time.Minute

// Signing methods.
const (
	SignBySMS  = "sms"
	SignByTOTP = "totp"
)

// SignaturePending says how to sign: with the authenticator (TOTP), or
// with the code just sent by SMS.
type SignaturePending struct {
	Method    string    `json:"method"`
	SentTo    string    `json:"sentTo,omitempty"`
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
}

// signatureID binds a code to a document, the version of it the person saw
// and a digest of what else is signed with it (an application's
// attachments), so a code cannot sign anything changed after it was sent.
func signatureID(docID string, version int64, content string) string {
	return docID + "#" + strconv.FormatInt(version, 10) + "#" + content
}

// StartSignature prepares the signing of a document (an application at a
// version, with content a digest of what else goes with it) by a simple
// electronic signature: a person with an authenticator
// signs with its code and nothing is sent; anyone else gets a 6-digit code
// by SMS to the primary phone, at most once a minute.
func (s *Signatures) StartSignature(ctx context.Context, sub, docID string, version int64, content string) (SignaturePending, error) {
	return s.StartConfirmation(ctx, sub, docID, version, content, "подписания заявления", sendlimit.FlowSignature)
}

// StartConfirmation is StartSignature for another kind of document: the
// SMS says the code is "для <what>" (e.g. "подтверждения согласия"), and
// it counts against the send limits of flow.
func (s *Signatures) StartConfirmation(ctx context.Context, sub, docID string, version int64, content, what string, flow sendlimit.Flow) (SignaturePending, error) {
	acc, err := s.account(ctx, sub)
	if err != nil {
		return SignaturePending{}, err
	}
	if acc.MFA == MFATOTP && acc.TOTPSecret != "" {
		return SignaturePending{Method: SignByTOTP}, nil
	}
	now := s.now()
	k := dynamo.SignatureCodeKey(sub, docID)
	var prev signatureItem
	switch err := s.DB.Get(ctx, k, "код подписи", &prev); {
	case err == nil:
		if next := parseStamp(prev.SentAt).Add(ResendCooldown); now.Before(next) {
			e := problem.New(problem.KindTooManyRequests, "resend_too_soon", "Новый код можно запросить через минуту")
			e.RetryAfter = next.Sub(now)
			return SignaturePending{}, e.With("retryAt", next)
		}
	case !problem.Is(err, problem.KindNotFound):
		return SignaturePending{}, err
	}
	// The person's signing codes are limited whatever the drafts, per
	// account and to the phone, by the one limiter.
	if err := s.Limiter.Allow(ctx, sendlimit.Send{Channel: sendlimit.SMS, To: acc.Phone, Own: true, Account: sub, Flow: flow}); err != nil {
		return SignaturePending{}, err
	}
	code, err := newCode()
	if err != nil {
		return SignaturePending{}, err
	}
	expires := now.Add(SignatureTTL)
	hash, err := s.codeHash(ctx, "signature", signatureID(docID, version, content), code)
	if err != nil {
		return SignaturePending{}, err
	}
	if err := s.DB.Put(ctx, signatureItem{PK: k.PK, SK: k.SK, Kind: kindSignatureCode, Version: version, Content: content,
		Code: hash, SentAt: stamp(now), Expires: stamp(expires), TTL: expires.Unix()}); err != nil {
		return SignaturePending{}, err
	}
	// The SMS names no document and carries no link: only the code and
	// what it does.
	if _, err := s.SMS.SMS(ctx, acc.Phone, "Код для "+what+" в Кабинете: "+code+". Никому его не сообщайте."); err != nil {
		// A code that never left is no code: the person may ask again at
		// once. Only this code goes: one a racing request sent stays.
		unsent := codeIs(hash)
		if derr := s.DB.Transact(ctx, "", (&dynamo.Tx{}).DeleteIf(k, unsent)); derr != nil && !problem.Is(derr, problem.KindConflict) {
			logging.From(ctx).Error("unsent signing code not deleted", "err", derr)
		}
		return SignaturePending{}, problem.Wrap(err, problem.KindUnavailable, "sms_unavailable", "Не удалось отправить SMS с кодом. Попробуйте позже")
	}
	return SignaturePending{Method: SignBySMS, SentTo: validate.MaskPhone(acc.Phone), ExpiresAt: expires}, nil
}

// signatureRequired is the answer when no code came with the document.
func signatureRequired() error {
	return problem.Invalid(problem.Field{Field: "signatureCode", Code: "signature.required",
		Message: "Подпишите заявление: запросите код и введите его"})
}

// CheckSignature accepts the code that signs a document at a version and
// returns what uses it up, to be added to the transaction that acts on the
// signed document: if that transaction fails, the code still works. Wrong
// codes count against the same hourly limit as other codes. A code sent for
// another version of the document is refused with 409 (the document changed
// after the code was sent). An authenticator code is used up at once, as at
// sign-in.
func (s *Signatures) CheckSignature(ctx context.Context, sub, docID string, version int64, content, code string) (func(*dynamo.Tx), error) {
	if code == "" {
		return nil, signatureRequired()
	}
	acc, err := s.account(ctx, sub)
	if err != nil {
		return nil, err
	}
	if acc.MFA == MFATOTP && acc.TOTPSecret != "" {
		if err := s.useTOTP(ctx, acc, code, "signature"); err != nil {
			return nil, fieldIsSignature(err)
		}
		return func(*dynamo.Tx) {}, nil
	}
	now := s.now()
	k := dynamo.SignatureCodeKey(sub, docID)
	var pending signatureItem
	if err := s.DB.Get(ctx, k, "код подписи", &pending); problem.Is(err, problem.KindNotFound) {
		return nil, signatureRequired()
	} else if err != nil {
		return nil, err
	}
	if pending.Version != version || pending.Content != content {
		return nil, problem.Conflict("signature_stale", "Заявление или вложения изменились после запроса кода. Запросите новый код")
	}
	att, err := s.tryAttempt(ctx, "signature", sub)
	if err != nil {
		return nil, err
	}
	defer att.Close()
	if ok, err := s.codeMatches(ctx, "signature", signatureID(docID, version, content), code, pending.Code); err != nil {
		return nil, err
	} else if !ok {
		return nil, fieldIsSignature(wrongCode(att.Wrong()))
	}
	if now.After(parseStamp(pending.Expires)) {
		return nil, problem.New(problem.KindGone, "code_expired", "Срок действия кода истёк. Запросите новый код")
	}
	// Used once: of two transactions carrying one code, one deletes it.
	cond := codeIs(pending.Code)
	return func(tx *dynamo.Tx) { tx.DeleteIf(k, cond) }, nil
}

// fieldIsSignature renames the "code" field of a wrong-code problem to the
// submission's "signatureCode".
func fieldIsSignature(err error) error {
	if pe, ok := problem.As(err); ok {
		for i := range pe.Fields {
			if pe.Fields[i].Field == "code" {
				pe.Fields[i].Field = "signatureCode"
			}
		}
	}
	return err
}
