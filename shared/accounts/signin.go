package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/sendlimit"
	"github.com/kabinet/kabinet/shared/sessions"
	"github.com/kabinet/kabinet/shared/totp"
	"github.com/kabinet/kabinet/shared/validate"
)

// Tokens are what a completed sign-in returns to the client.
type Tokens struct {
	AccessToken  string `json:"accessToken"`
	IDToken      string `json:"idToken"`
	RefreshToken string `json:"refreshToken,omitempty"`
	ExpiresIn    int32  `json:"expiresIn"`
	// SessionID names the session for refresh and for ending it.
	SessionID string `json:"sessionId"`
}

// Result is either tokens or a challenge the client must answer.
type Result struct {
	Tokens *Tokens `json:"tokens,omitempty"`
	// Challenge is "totp", "sms" or "new_password".
	Challenge   string    `json:"challenge,omitempty"`
	ChallengeID string    `json:"challengeId,omitempty"`
	SentTo      string    `json:"sentTo,omitempty"`
	ExpiresAt   time.Time `json:"expiresAt,omitzero"`
}

var errCredentials = func() error {
	return problem.New(problem.KindUnauthenticated, "invalid_credentials", "Неверный логин или пароль")
}

// resolve finds the account a login (phone, email, SNILS or INN) names. It
// tries every reading of the login, as "89161234567" is a phone and may be a
// SNILS.
func (s *core) resolve(ctx context.Context, login string) (string, string, bool, error) {
	login = strings.TrimSpace(login)
	type cand struct{ kind, value string }
	var cands []cand
	if strings.Contains(login, "@") {
		if e, err := validate.Email(login); err == nil {
			cands = append(cands, cand{uniqueEmail, strings.ToLower(e)})
		}
	} else {
		if p, err := validate.Phone(login); err == nil {
			cands = append(cands, cand{uniquePhone, p})
		}
		if sn, err := validate.SNILS(login); err == nil {
			cands = append(cands, cand{uniqueSNILS, sn})
		}
		if inn, err := validate.PersonalINN(login); err == nil {
			cands = append(cands, cand{uniqueINN, inn})
		}
	}
	ix, err := s.index(ctx)
	if err != nil {
		return "", "", false, err
	}
	for _, c := range cands {
		hash := ix.Of(c.kind, c.value)
		var u uniqueItem
		err := s.DB.Get(ctx, dynamo.UniqueKey(c.kind, hash), "учётная запись", &u)
		if problem.Is(err, problem.KindNotFound) {
			continue
		}
		if err != nil {
			return "", "", false, err
		}
		return u.Owner, c.kind, true, nil
	}
	key := "unknown"
	if len(cands) > 0 {
		key = ix.Of("login", cands[0].kind+":"+cands[0].value)
	}
	return key, "", false, nil
}

// locked is the answer while a login is locked, with the lock's number to
// quote to support (the seeds: S4 6.1).
func locked(until, now time.Time, number string) error {
	detail := "Вход временно заблокирован после нескольких неудачных попыток. Повторите после " + until.In(clock.Moscow()).Format("15:04") +
		" (МСК) или восстановите пароль"
	if number != "" {
		detail += ". Номер блокировки для обращения в поддержку: " + number
	}
	e := problem.New(problem.KindLocked, "account_locked", detail)
	e.RetryAfter = until.Sub(now)
	e.With("lockedUntil", until)
	if number != "" {
		e.With("lockNumber", number)
	}
	return e
}

// lockedAccount is the answer for an account locked until acc says, or nil.
func lockedAccount(acc accountItem, now time.Time) error {
	if until := parseStamp(acc.LockedUntil); until.After(now) {
		return locked(until, now, acc.LockNumber)
	}
	return nil
}

func (s *core) ipLimited(ctx context.Context, ip string) error {
	now := s.now()
	window := now.Truncate(IPWindow)
	var c struct{ N int }
	err := s.DB.Get(ctx, dynamo.RateKey("login-ip", ip, stamp(window)), "лимит", &c)
	if err != nil && !problem.Is(err, problem.KindNotFound) {
		return err
	}
	if c.N >= IPFailureLimit {
		e := problem.New(problem.KindTooManyRequests, "too_many_requests", "Слишком много неудачных попыток входа с вашего адреса. Повторите позже")
		e.RetryAfter = window.Add(IPWindow).Sub(now)
		return e
	}
	return nil
}

// failLogin counts a failure against the address and the account (or, for a
// login that names no account, against the login itself, so that the answers
// are the same and reveal nothing) and locks after LockAfter in a row.
func (s *core) failLogin(ctx context.Context, sub string, known bool, ip string) error {
	now := s.now()
	window := now.Truncate(IPWindow)
	if _, err := s.DB.Increment(ctx, dynamo.RateKey("login-ip", ip, stamp(window)), "N", 1, window.Add(2*IPWindow)); err != nil {
		return err
	}
	// A login that names no account gets a counter and a lock of its own
	// that behave exactly like an account's, so the answers reveal nothing.
	counter := dynamo.AccountKey(sub)
	if !known {
		counter = dynamo.RateKey("login-unknown", sub, "lock")
	}
	failed, err := s.DB.Increment(ctx, counter, "FailedLogins", 1, s.tidyTTL(known, now))
	if err != nil {
		return err
	}
	if int(failed) >= LockAfter {
		owner := sub
		if !known {
			owner = "unknown:" + sub
		}
		return s.lock(ctx, counter, owner, now)
	}
	return errCredentials()
}

// lock locks a login (its counter) for LockFor, once: the lock and the
// record of its number, which support can look up (LockKey), are one
// write on the condition that the login is not locked already. Of failures
// that reach the limit together one locks, and the others answer with its
// lock and number.
func (s *core) lock(ctx context.Context, counter dynamo.Key, owner string, now time.Time) error {
	until := now.Add(LockFor)
	for range 5 {
		number, err := lockNumber()
		if err != nil {
			return err
		}
		upd, cond := lockUpdate(until, number, now)
		tx := (&dynamo.Tx{}).Create(lockItem(number, owner, until)).Update(counter, upd, &cond)
		err = s.DB.Transact(ctx, "", tx)
		if err == nil {
			return locked(until, now, number)
		}
		if !problem.Is(err, problem.KindConflict) && !problem.Is(err, problem.KindUnavailable) {
			return err
		}
		// Locked meanwhile by another failure, or the number was taken:
		// the lock that holds is the answer, else another number.
		var c struct{ LockedUntil, LockNumber string }
		if err := s.DB.Get(ctx, counter, "учётная запись", &c); err != nil {
			return err
		}
		if held := parseStamp(c.LockedUntil); held.After(now) {
			return locked(held, now, c.LockNumber)
		}
	}
	return fmt.Errorf("no free lock number")
}

// lockNumber draws a lock's number: eight random digits, 1234-5678.
func lockNumber() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(100_000_000))
	if err != nil {
		return "", err
	}
	digits := fmt.Sprintf("%08d", n.Int64())
	return digits[:4] + "-" + digits[4:], nil
}

// tidyTTL lets DynamoDB delete the counters of logins that name no account a
// day after their last failure; accounts keep theirs.
func (s *core) tidyTTL(known bool, now time.Time) time.Time {
	if known {
		return time.Time{}
	}
	return now.Add(24 * time.Hour)
}

func (s *core) unknownLocked(ctx context.Context, key string) error {
	var c struct{ LockedUntil, LockNumber string }
	err := s.DB.Get(ctx, dynamo.RateKey("login-unknown", key, "lock"), "лимит", &c)
	if problem.Is(err, problem.KindNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if until := parseStamp(c.LockedUntil); until.After(s.now()) {
		return locked(until, s.now(), c.LockNumber)
	}
	return nil
}

// Login signs in by phone, email, SNILS or INN and a password. A login that
// cannot be any of them (control characters, broken UTF-8) is a malformed
// request, not a failed sign-in.
func (s *SignIn) Login(ctx context.Context, login, pw string, meta Meta) (Result, error) {
	if login = strings.TrimSpace(login); !utf8.ValidString(login) || strings.ContainsFunc(login, unicode.IsControl) {
		return Result{}, problem.BadRequest("login_malformed", "Логин содержит недопустимые символы: укажите телефон, адрес почты, СНИЛС или ИНН")
	}
	if err := s.ipLimited(ctx, meta.IP); err != nil {
		return Result{}, err
	}
	sub, kind, known, err := s.resolve(ctx, login)
	if err != nil {
		return Result{}, err
	}
	now := s.now()
	if !known {
		if err := s.unknownLocked(ctx, sub); err != nil {
			return Result{}, err
		}
		// Spend what a wrong password spends — an account read and a
		// password check at Cognito, for a user that does not exist — so
		// the answer's timing does not tell who has an account.
		var none accountItem
		_ = s.DB.Get(ctx, dynamo.AccountKey(sub), "учётная запись", &none)
		_, _ = s.Users.SignIn(ctx, "absent-"+sub, pw)
		return Result{}, s.failLogin(ctx, sub, false, meta.IP)
	}
	var acc accountItem
	if err := s.DB.Get(ctx, dynamo.AccountKey(sub), "учётная запись", &acc); err != nil {
		return Result{}, err
	}
	if err := lockedAccount(acc, now); err != nil {
		s.record(ctx, sub, now, meta, kind, "refused", "locked")
		return Result{}, err
	}
	res, err := s.Users.SignIn(ctx, acc.Username, pw)
	if problem.Is(err, problem.KindUnauthenticated) {
		s.record(ctx, sub, now, meta, kind, "failed", "wrong_password")
		return Result{}, s.failLogin(ctx, sub, true, meta.IP)
	}
	if err != nil {
		return Result{}, err
	}
	if res.Tokens == nil {
		return Result{}, fmt.Errorf("sign in: unexpected Cognito challenge %q", res.Challenge.Name)
	}
	// Failures are forgiven only when the sign-in completes (startSession):
	// a right password followed by wrong codes keeps counting towards the
	// lock.
	method := "password"
	if s.Policy.Expired(parseStamp(acc.PasswordChangedAt), now) {
		return s.challenge(ctx, acc, *res.Tokens, "new_password", method, meta)
	}
	return s.secondStep(ctx, acc, *res.Tokens, method, meta)
}

// secondStep follows a checked password: the account's second factor, or the
// session itself when it has none.
func (s *SignIn) secondStep(ctx context.Context, acc accountItem, tokens PoolTokens, method string, meta Meta) (Result, error) {
	switch acc.MFA {
	case MFATOTP, MFASMS:
		return s.challenge(ctx, acc, tokens, acc.MFA, method, meta)
	}
	t, err := s.startSession(ctx, acc, tokens, method, meta)
	if err != nil {
		return Result{}, err
	}
	return Result{Tokens: &t}, nil
}

func challengeContext(id string) map[string]string {
	return map[string]string{"challenge": id, "field": "tokens"}
}

func (s *SignIn) challenge(ctx context.Context, acc accountItem, tokens PoolTokens, typ, method string, meta Meta) (Result, error) {
	now := s.now()
	id := newID()
	raw, _ := json.Marshal(tokens)
	sealed, err := s.Sealer.Seal(ctx, raw, challengeContext(id))
	if err != nil {
		return Result{}, err
	}
	k := dynamo.ChallengeKey(id)
	it := challengeItem{PK: k.PK, SK: k.SK, Kind: kindChallenge, Sub: acc.Sub, Type: typ, Method: method, Tokens: sealed,
		Expires: stamp(now.Add(ChallengeTTL)), TTL: now.Add(ChallengeTTL).Unix()}
	res := Result{Challenge: typ, ChallengeID: id, ExpiresAt: now.Add(ChallengeTTL)}
	var code string
	if typ == MFASMS {
		if err := s.Limiter.Allow(ctx, sendlimit.Send{Channel: sendlimit.SMS, To: acc.Phone, Own: true, Account: acc.Sub, IP: meta.IP, Flow: sendlimit.FlowSignIn}); err != nil {
			return Result{}, err
		}
		if code, err = newCode(); err != nil {
			return Result{}, err
		}
		if it.Code, err = s.codeHash(ctx, "mfa-sms", id, code); err != nil {
			return Result{}, err
		}
		res.SentTo = validate.MaskPhone(acc.Phone)
	}
	if err := s.DB.Create(ctx, it); err != nil {
		return Result{}, err
	}
	if code != "" {
		if _, err := s.SMS.SMS(ctx, acc.Phone, "Код входа в Кабинет: "+code+". Никому его не сообщайте."); err != nil {
			return Result{}, fmt.Errorf("send sign-in code: %w", err)
		}
	}
	return res, nil
}

// AnswerChallenge completes a sign-in with a TOTP or SMS code. Wrong codes
// count towards the account's lockout as wrong passwords do.
func (s *SignIn) AnswerChallenge(ctx context.Context, id, code string, meta Meta) (Result, error) {
	now := s.now()
	var ch challengeItem
	if err := s.DB.Get(ctx, dynamo.ChallengeKey(id), "запрос кода", &ch); err != nil {
		return Result{}, err
	}
	if now.After(parseStamp(ch.Expires)) {
		return Result{}, problem.New(problem.KindGone, "challenge_expired", "Время на ввод кода истекло. Войдите снова")
	}
	if ch.Type == "new_password" {
		return Result{}, problem.BadRequest("wrong_challenge", "Для этого запроса нужно задать новый пароль")
	}
	var acc accountItem
	if err := s.DB.Get(ctx, dynamo.AccountKey(ch.Sub), "учётная запись", &acc); err != nil {
		return Result{}, err
	}
	if err := lockedAccount(acc, now); err != nil {
		return Result{}, err
	}
	// Each guess takes one of the challenge's few attempts before it is
	// checked, so parallel guesses cannot all slip past the lockout check
	// above. A challenge out of attempts is gone: the password again.
	n, err := s.DB.Increment(ctx, dynamo.RateKey("mfa", id, "challenge"), "N", 1, parseStamp(ch.Expires).Add(time.Hour))
	if err != nil {
		return Result{}, err
	}
	if int(n) > CodeAttempts {
		_ = s.DB.Delete(ctx, dynamo.ChallengeKey(id))
		return Result{}, problem.New(problem.KindGone, "challenge_exhausted", "Слишком много неверных кодов. Войдите снова")
	}
	ok := false
	switch ch.Type {
	case MFASMS:
		if ok, err = s.codeMatches(ctx, "mfa-sms", id, code, ch.Code); err != nil {
			return Result{}, err
		}
	case MFATOTP:
		step, good, err := s.checkTOTP(ctx, acc, code, now)
		if err != nil {
			return Result{}, err
		}
		if good {
			// Each code works once: the step must move forward.
			upd, cond := totpStepUpdate(step)
			err := s.DB.Update(ctx, dynamo.AccountKey(acc.Sub), upd, &cond)
			ok = err == nil
			if err != nil && !problem.Is(err, problem.KindConflict) {
				return Result{}, err
			}
		}
	}
	if !ok {
		s.record(ctx, acc.Sub, now, meta, ch.Type, "failed", "wrong_code")
		if err := s.failLogin(ctx, acc.Sub, true, meta.IP); problem.Is(err, problem.KindLocked) {
			_ = s.DB.Delete(ctx, dynamo.ChallengeKey(id))
			return Result{}, err
		}
		return Result{}, problem.Invalid(problem.Field{Field: "code", Code: "code.invalid", Message: "Неверный код"})
	}
	// The challenge is used up in the same step that checks it exists, so
	// two answers cannot both open a session.
	if err := s.DB.Transact(ctx, "", (&dynamo.Tx{}).Delete(dynamo.ChallengeKey(id), true)); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return Result{}, problem.New(problem.KindGone, "challenge_used", "Этот запрос кода уже использован. Войдите снова")
		}
		return Result{}, err
	}
	raw, err := s.Sealer.Open(ctx, ch.Tokens, challengeContext(id))
	if err != nil {
		return Result{}, err
	}
	var tokens PoolTokens
	if err := json.Unmarshal(raw, &tokens); err != nil {
		return Result{}, err
	}
	t, err := s.startSession(ctx, acc, tokens, ch.Method+"+"+ch.Type, meta)
	if err != nil {
		return Result{}, err
	}
	return Result{Tokens: &t}, nil
}

// checkTOTP accepts the code of the current 30-second step or one step
// either side (clock drift), returning the step it matched.
func (s *core) checkTOTP(ctx context.Context, acc accountItem, code string, now time.Time) (int64, bool, error) {
	if acc.TOTPSecret == "" {
		return 0, false, nil
	}
	secret, err := s.Sealer.Open(ctx, acc.TOTPSecret, fieldContext(acc.Sub, "totp"))
	if err != nil {
		return 0, false, err
	}
	code = strings.TrimSpace(code)
	for _, d := range []int64{0, -1, 1} {
		at := now.Add(time.Duration(d) * totp.Step)
		want, err := totp.Code(string(secret), at)
		if err != nil {
			return 0, false, err
		}
		if len(code) == 6 && want == code {
			return at.Unix() / int64(totp.Step/time.Second), true, nil
		}
	}
	return 0, false, nil
}

// tokenClaims reads the jti and exp of a token Cognito just issued to us.
func tokenClaims(token string) (jti string, exp time.Time, err error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", time.Time{}, fmt.Errorf("token is not a JWT")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", time.Time{}, fmt.Errorf("token payload: %w", err)
	}
	var c struct {
		JTI string  `json:"jti"`
		Exp float64 `json:"exp"`
	}
	if err := json.Unmarshal(raw, &c); err != nil || c.JTI == "" {
		return "", time.Time{}, fmt.Errorf("token claims: %v", err)
	}
	return c.JTI, time.Unix(int64(c.Exp), 0), nil
}

// RefreshLifetime is how long a refresh token (and so a session) lives.
var RefreshLifetime = 30 * 24 * time.Hour

func refreshContext(sub, session string) map[string]string {
	return map[string]string{"user": sub, "session": session, "field": "refresh"}
}

func (s *SignIn) startSession(ctx context.Context, acc accountItem, t PoolTokens, method string, meta Meta) (Tokens, error) {
	now := s.now()
	jti, exp, err := tokenClaims(t.AccessToken)
	if err != nil {
		return Tokens{}, err
	}
	id := timeOrderedID(now)
	sealed, err := s.Sealer.Seal(ctx, []byte(t.RefreshToken), refreshContext(acc.Sub, id))
	if err != nil {
		return Tokens{}, err
	}
	if err := s.Sessions.Begin(ctx, sessions.Start{Sub: acc.Sub, ID: id, UserAgent: truncate(meta.UserAgent, 256), IP: meta.IP,
		Method: method, Level: acc.Level, Department: acc.Department, Organisation: acc.Organisation, At: now, AccessJTI: jti, AccessExpires: exp, SealedRefresh: sealed, RefreshExpires: now.Add(RefreshLifetime),
		With: []any{attempt(acc.Sub, now, meta, method, "success", "")}}); err != nil {
		return Tokens{}, err
	}
	if acc.FailedLogins > 0 {
		// A completed sign-in forgives the failures before it.
		if err := s.DB.Update(ctx, dynamo.AccountKey(acc.Sub), forgivenUpdate(), nil); err != nil {
			logging.From(ctx).Error("failed sign-ins not reset", "err", err)
		}
	}
	s.journal(ctx, meta.actor(), acc.Sub, journal.TypeLogin, "Вход в личный кабинет ("+methodName(method)+")")
	s.alertNewDevice(ctx, acc, meta, now)
	expiresIn := t.ExpiresIn
	if expiresIn == 0 {
		expiresIn = int32(exp.Sub(now).Seconds())
	}
	return Tokens{AccessToken: t.AccessToken, IDToken: t.IDToken, RefreshToken: t.RefreshToken, ExpiresIn: expiresIn,
		SessionID: acc.Sub + "." + id}, nil
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// SplitSessionID reads the "<sub>.<id>" handle the client holds.
func SplitSessionID(handle string) (string, string, bool) {
	sub, id, ok := strings.Cut(handle, ".")
	return sub, id, ok && sub != "" && id != ""
}

// Refresh exchanges the refresh token of a live session for new tokens; the
// old access token stops working at once. An ended session refreshes nothing,
// even though Cognito might still honour the token.
func (s *SignIn) Refresh(ctx context.Context, handle, refreshToken string) (Tokens, error) {
	sub, id, ok := SplitSessionID(handle)
	if !ok {
		return Tokens{}, problem.Unauthenticated("Сеанс завершён. Войдите снова")
	}
	sess, sealed, err := s.Sessions.Get(ctx, sub, id)
	if problem.Is(err, problem.KindNotFound) {
		// Ended where its refresh token could not be revoked (the guard
		// ends an idle session with no user pool at hand): the token is
		// presented here, so revoke it now. Revoking a token that is
		// revoked already, or is no token, changes nothing.
		if refreshToken != "" {
			if err := s.Users.Revoke(ctx, refreshToken); err != nil {
				logging.From(ctx).Warn("refresh token of an ended session not revoked", "err", err)
			}
		}
		return Tokens{}, problem.New(problem.KindUnauthenticated, "session_ended", "Сеанс завершён. Войдите снова")
	}
	if err != nil {
		return Tokens{}, err
	}
	if s.Sessions.Idled(sess, s.now()) {
		// Unused too long: a refresh in the background does not keep it.
		if err := s.endSession(ctx, sub, id); err != nil && !problem.Is(err, problem.KindNotFound) {
			return Tokens{}, err
		}
		return Tokens{}, sessions.ErrIdle()
	}
	stored, err := s.Sealer.Open(ctx, sealed, refreshContext(sub, id))
	if err != nil || string(stored) != refreshToken {
		return Tokens{}, problem.New(problem.KindUnauthenticated, "session_ended", "Сеанс завершён. Войдите снова")
	}
	t, err := s.Users.Refresh(ctx, refreshToken)
	if err != nil {
		return Tokens{}, err
	}
	jti, exp, err := tokenClaims(t.AccessToken)
	if err != nil {
		return Tokens{}, err
	}
	acc, err := s.account(ctx, sub)
	if err != nil {
		return Tokens{}, err
	}
	if err := s.Sessions.Rotate(ctx, sub, id, jti, acc.Level, exp, s.now()); err != nil {
		return Tokens{}, err
	}
	return Tokens{AccessToken: t.AccessToken, IDToken: t.IDToken, ExpiresIn: t.ExpiresIn, SessionID: handle}, nil
}

// Logout ends the session the call came in.
func (s *SignIn) Logout(ctx context.Context, a actor.Actor) error {
	if err := s.endSession(ctx, a.Sub, a.SessionID); err != nil {
		return err
	}
	s.journal(ctx, a, a.Sub, journal.TypeSession, "Выход из личного кабинета")
	return nil
}

// EndSession ends one of the person's sessions (another device) and revokes
// its refresh token. Another person's session is NotFound.
func (s *SignIn) EndSession(ctx context.Context, a actor.Actor, id string) error {
	if err := s.endSession(ctx, a.Sub, id); err != nil {
		return err
	}
	summary := "Завершён сеанс на другом устройстве"
	if id == a.SessionID {
		summary = "Выход из личного кабинета"
	}
	s.journal(ctx, a, a.Sub, journal.TypeSession, summary)
	return nil
}

// EndOthers ends every session of the person but the one the call came in.
// It needs a recent sign-in.
func (s *SignIn) EndOthers(ctx context.Context, a actor.Actor) (int, error) {
	if err := a.RequireRecentSignIn(s.now()); err != nil {
		return 0, err
	}
	n, err := s.endAll(ctx, a.Sub, a.SessionID)
	if err != nil {
		return n, err
	}
	if n > 0 {
		s.journal(ctx, a, a.Sub, journal.TypeSession, fmt.Sprintf("Завершены остальные сеансы: %d", n))
	}
	return n, nil
}

// ListSessions returns a page of the person's live sessions, newest first,
// the one the call came in marked current.
func (s *SignIn) ListSessions(ctx context.Context, a actor.Actor, cursor string, limit int32) ([]sessions.Session, string, error) {
	list, next, err := s.Sessions.List(ctx, a.Sub, cursor, limit)
	if err != nil {
		return nil, "", err
	}
	for i := range list {
		list[i].Current = list[i].ID == a.SessionID
	}
	return list, next, nil
}

// endSession ends one of a person's sessions and revokes its refresh token.
// Another person's session is NotFound.
func (s *core) endSession(ctx context.Context, sub, id string) error {
	sealed, err := s.Sessions.End(ctx, sub, id)
	if err != nil {
		return err
	}
	if rt, err := s.Sealer.Open(ctx, sealed, refreshContext(sub, id)); err == nil && len(rt) > 0 {
		if err := s.Users.Revoke(ctx, string(rt)); err != nil {
			logging.From(ctx).Warn("refresh token not revoked", "err", err)
		}
	}
	return nil
}

// endAll ends every session of a person but keep (if not empty).
func (s *core) endAll(ctx context.Context, sub, keep string) (int, error) {
	all, err := s.Sessions.All(ctx, sub)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, ss := range all {
		if ss.ID == keep {
			continue
		}
		if err := s.endSession(ctx, sub, ss.ID); err != nil && !problem.Is(err, problem.KindNotFound) {
			return n, err
		}
		n++
	}
	return n, nil
}

// Attempt is one entry of the sign-in history.
type Attempt struct {
	At        time.Time `json:"at"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"userAgent"`
	Method    string    `json:"method"`
	Result    string    `json:"result"`
	Reason    string    `json:"reason,omitempty"`
}

// attempt is a sign-in history entry.
func attempt(sub string, at time.Time, meta Meta, method, result, reason string) loginItem {
	k := dynamo.LoginKey(sub, at.UTC().Format("2006-01-02T15:04:05.000000000Z"), newID()[:8])
	return loginItem{PK: k.PK, SK: k.SK, Kind: kindLogin, At: stamp(at), IP: meta.IP, UserAgent: truncate(meta.UserAgent, 256),
		Method: method, Result: result, Reason: reason, TTL: at.Add(HistoryTTL).Unix()}
}

func (s *core) record(ctx context.Context, sub string, at time.Time, meta Meta, method, result, reason string) {
	if err := s.DB.Put(ctx, attempt(sub, at, meta, method, result, reason)); err != nil {
		logging.From(ctx).Error("sign-in history not recorded", "err", err)
	}
}

// History returns a page of the person's sign-in attempts, newest first.
func (s *SignIn) History(ctx context.Context, a actor.Actor, cursor string, limit int32) ([]Attempt, string, error) {
	var items []loginItem
	next, err := s.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(a.Sub), Prefix: dynamo.LoginPrefix, Limit: limit, Cursor: cursor}, &items)
	if err != nil {
		return nil, "", err
	}
	out := make([]Attempt, 0, len(items))
	for _, it := range items {
		out = append(out, Attempt{At: parseStamp(it.At), IP: it.IP, UserAgent: it.UserAgent, Method: it.Method, Result: it.Result, Reason: it.Reason})
	}
	return out, next, nil
}

func short(kind, v string) string {
	h := sha256.Sum256([]byte(kind + "\x00" + v))
	return base64.RawURLEncoding.EncodeToString(h[:12])
}

// alertNewDevice tells the person, by email and SMS, about a sign-in from a
// device or an address not seen before. Security alerts ignore preferences.
func (s *SignIn) alertNewDevice(ctx context.Context, acc accountItem, meta Meta, now time.Time) {
	newThing := false
	for _, k := range []string{short("ua", meta.UserAgent), short("ip", meta.IP)} {
		key := dynamo.DeviceKey(acc.Sub, k)
		err := s.DB.Create(ctx, deviceItem{PK: key.PK, SK: key.SK, Kind: kindDevice, At: stamp(now)})
		if err == nil {
			newThing = true
		} else if !problem.Is(err, problem.KindConflict) {
			logging.From(ctx).Error("device not recorded", "err", err)
		}
	}
	if !newThing {
		return
	}
	// The very first sign-in of an account has nothing to compare with.
	marker := dynamo.DeviceKey(acc.Sub, "first-sign-in")
	if err := s.DB.Create(ctx, deviceItem{PK: marker.PK, SK: marker.SK, Kind: kindDevice, At: stamp(now)}); err == nil {
		return
	}
	s.notice(ctx, acc.Sub, inbox.Note{Sub: acc.Sub, Type: messages.SecurityNewDevice,
		Vars: messages.Vars{"At": now, "Device": truncate(meta.UserAgent, 120), "IP": meta.IP}})
}

func methodName(m string) string {
	switch m {
	case "password+totp":
		return "пароль и код из приложения"
	case "password+sms":
		return "пароль и код из SMS"
	}
	return "пароль"
}

// CompleteNewPassword answers a new_password challenge (an expired password):
// the new password replaces it and the sign-in goes on.
func (s *SignIn) CompleteNewPassword(ctx context.Context, id, next string, meta Meta) (Result, error) {
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
	if err := lockedAccount(acc, s.now()); err != nil {
		return Result{}, err
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

// Reauthenticate checks the person's password again before a sensitive act
// (a personal-data export); a wrong one counts towards the lockout.
func (s *SignIn) Reauthenticate(ctx context.Context, a actor.Actor, pw string) error {
	_, err := s.checkPassword(ctx, a, pw, problem.New(problem.KindForbidden, "reauthentication_failed", "Пароль указан неверно"))
	return err
}

// checkPassword checks a signed-in person's password again: a locked
// account is refused, a wrong password counts towards the lockout and is
// answered wrong (or the lock it caused).
func (s *core) checkPassword(ctx context.Context, a actor.Actor, pw string, wrong error) (accountItem, error) {
	acc, err := s.account(ctx, a.Sub)
	if err != nil {
		return acc, err
	}
	if err := lockedAccount(acc, s.now()); err != nil {
		return acc, err
	}
	if _, err := s.Users.SignIn(ctx, acc.Username, pw); err != nil {
		if problem.Is(err, problem.KindUnauthenticated) {
			if ferr := s.failLogin(ctx, a.Sub, true, a.IP); problem.Is(ferr, problem.KindLocked) {
				return acc, ferr
			}
			return acc, wrong
		}
		return acc, err
	}
	return acc, nil
}
