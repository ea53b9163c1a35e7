package accounts

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/cognito"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/problem"
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

// resolve finds the account a login (phone, email or SNILS) names. It tries
// every reading of the login, as "89161234567" is a phone and may be a SNILS.
func (s *Service) resolve(ctx context.Context, login string) (string, string, bool, error) {
	login = strings.TrimSpace(login)
	type cand struct{ kind, value string }
	var cands []cand
	if strings.Contains(login, "@") {
		if e, err := validate.Email(login); err == nil {
			cands = append(cands, cand{"email", strings.ToLower(e)})
		}
	} else {
		if p, err := validate.Phone(login); err == nil {
			cands = append(cands, cand{"phone", p})
		}
		if sn, err := validate.SNILS(login); err == nil {
			cands = append(cands, cand{"snils", sn})
		}
	}
	for _, c := range cands {
		hash := s.Index.Of(c.kind, c.value)
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
		key = s.Index.Of("login", cands[0].kind+":"+cands[0].value)
	}
	return key, "", false, nil
}

func locked(until time.Time, now time.Time) error {
	e := problem.New(problem.KindLocked, "account_locked",
		"Вход временно заблокирован после нескольких неудачных попыток. Повторите после "+until.In(moscow).Format("15:04")+" (МСК) или восстановите пароль")
	e.RetryAfter = until.Sub(now)
	return e.With("lockedUntil", until)
}

var moscow = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Moscow"); err == nil {
		return l
	}
	return time.FixedZone("MSK", 3*3600)
}()

func (s *Service) ipLimited(ctx context.Context, ip string) error {
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
func (s *Service) failLogin(ctx context.Context, sub string, known bool, ip string) error {
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
		until := now.Add(LockFor)
		set := expression.Set(expression.Name("LockedUntil"), expression.Value(stamp(until))).
			Set(expression.Name("FailedLogins"), expression.Value(0))
		if err := s.DB.Update(ctx, counter, set, nil); err != nil {
			return err
		}
		return locked(until, now)
	}
	return errCredentials()
}

// tidyTTL lets DynamoDB delete the counters of logins that name no account a
// day after their last failure; accounts keep theirs.
func (s *Service) tidyTTL(known bool, now time.Time) time.Time {
	if known {
		return time.Time{}
	}
	return now.Add(24 * time.Hour)
}

func (s *Service) unknownLocked(ctx context.Context, key string) error {
	var c struct{ LockedUntil string }
	err := s.DB.Get(ctx, dynamo.RateKey("login-unknown", key, "lock"), "лимит", &c)
	if problem.Is(err, problem.KindNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if until := parseStamp(c.LockedUntil); until.After(s.now()) {
		return locked(until, s.now())
	}
	return nil
}

// Login signs in by phone, email or SNILS and a password.
func (s *Service) Login(ctx context.Context, login, pw string, meta Meta) (Result, error) {
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
	if until := parseStamp(acc.LockedUntil); until.After(now) {
		s.record(ctx, sub, now, meta, kind, "refused", "locked")
		return Result{}, locked(until, now)
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
func (s *Service) secondStep(ctx context.Context, acc accountItem, tokens cognito.Tokens, method string, meta Meta) (Result, error) {
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

// challengeItem holds the tokens of a sign-in that still needs a second
// factor (or a new password), sealed, for a few minutes.
type challengeItem struct {
	PK      string `dynamodbav:"PK"`
	SK      string `dynamodbav:"SK"`
	Kind    string `dynamodbav:"Kind"`
	Sub     string `dynamodbav:"Sub"`
	Type    string `dynamodbav:"Type"`
	Method  string `dynamodbav:"Method"`
	Tokens  string `dynamodbav:"Tokens"`
	Code    string `dynamodbav:"Code,omitempty"`
	Expires string `dynamodbav:"Expires"`
	TTL     int64  `dynamodbav:"TTL"`
}

func challengeContext(id string) map[string]string {
	return map[string]string{"challenge": id, "field": "tokens"}
}

func (s *Service) challenge(ctx context.Context, acc accountItem, tokens cognito.Tokens, typ, method string, meta Meta) (Result, error) {
	now := s.now()
	id := newID()
	raw, _ := json.Marshal(tokens)
	sealed, err := s.Sealer.Seal(ctx, raw, challengeContext(id))
	if err != nil {
		return Result{}, err
	}
	k := dynamo.ChallengeKey(id)
	it := challengeItem{PK: k.PK, SK: k.SK, Kind: "challenge", Sub: acc.Sub, Type: typ, Method: method, Tokens: sealed,
		Expires: stamp(now.Add(ChallengeTTL)), TTL: now.Add(ChallengeTTL).Unix()}
	res := Result{Challenge: typ, ChallengeID: id, ExpiresAt: now.Add(ChallengeTTL)}
	var code string
	if typ == MFASMS {
		if code, err = newCode(); err != nil {
			return Result{}, err
		}
		it.Code = s.codeHash("mfa-sms", id, code)
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
func (s *Service) AnswerChallenge(ctx context.Context, id, code string, meta Meta) (Result, error) {
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
	if until := parseStamp(acc.LockedUntil); until.After(now) {
		return Result{}, locked(until, now)
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
		ok = s.codeMatches("mfa-sms", id, code, ch.Code)
	case MFATOTP:
		step, good, err := s.checkTOTP(ctx, acc, code, now)
		if err != nil {
			return Result{}, err
		}
		if good {
			// Each code works once: the step must move forward.
			cond := expression.Name("LastTOTPStep").LessThan(expression.Value(step))
			err := s.DB.Update(ctx, dynamo.AccountKey(acc.Sub), expression.Set(expression.Name("LastTOTPStep"), expression.Value(step)), &cond)
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
	var tokens cognito.Tokens
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
func (s *Service) checkTOTP(ctx context.Context, acc accountItem, code string, now time.Time) (int64, bool, error) {
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

func (s *Service) startSession(ctx context.Context, acc accountItem, t cognito.Tokens, method string, meta Meta) (Tokens, error) {
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
		Method: method, Level: acc.Level, Department: acc.Department, At: now, AccessJTI: jti, AccessExpires: exp, SealedRefresh: sealed, RefreshExpires: now.Add(RefreshLifetime),
		With: []any{attempt(acc.Sub, now, meta, method, "success", "")}}); err != nil {
		return Tokens{}, err
	}
	if acc.FailedLogins > 0 {
		// A completed sign-in forgives the failures before it.
		if err := s.DB.Update(ctx, dynamo.AccountKey(acc.Sub), expression.Set(expression.Name("FailedLogins"), expression.Value(0)), nil); err != nil {
			logging.From(ctx).Error("failed sign-ins not reset", "err", err)
		}
	}
	s.journal(ctx, acc.Sub, journal.TypeLogin, "Вход в личный кабинет ("+methodName(method)+")", meta.IP, journal.ActorCitizen)
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
func (s *Service) Refresh(ctx context.Context, handle, refreshToken string) (Tokens, error) {
	sub, id, ok := SplitSessionID(handle)
	if !ok {
		return Tokens{}, problem.Unauthenticated("Сеанс завершён. Войдите снова")
	}
	_, sealed, err := s.Sessions.Get(ctx, sub, id)
	if problem.Is(err, problem.KindNotFound) {
		return Tokens{}, problem.New(problem.KindUnauthenticated, "session_ended", "Сеанс завершён. Войдите снова")
	}
	if err != nil {
		return Tokens{}, err
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

// EndSession ends one of the user's sessions and revokes its refresh token.
// Another user's session is NotFound.
func (s *Service) EndSession(ctx context.Context, sub, id string) error {
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

// EndAll ends every session of a user but keep (if not empty).
func (s *Service) EndAll(ctx context.Context, sub, keep string) (int, error) {
	all, err := s.Sessions.All(ctx, sub)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, ss := range all {
		if ss.ID == keep {
			continue
		}
		if err := s.EndSession(ctx, sub, ss.ID); err != nil && !problem.Is(err, problem.KindNotFound) {
			return n, err
		}
		n++
	}
	return n, nil
}

// loginItem is one sign-in attempt in a user's history.
type loginItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Kind      string `dynamodbav:"Kind"`
	At        string `dynamodbav:"At"`
	IP        string `dynamodbav:"IP"`
	UserAgent string `dynamodbav:"UserAgent"`
	Method    string `dynamodbav:"Method"`
	Result    string `dynamodbav:"Result"`
	Reason    string `dynamodbav:"Reason,omitempty"`
	TTL       int64  `dynamodbav:"TTL"`
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
	return loginItem{PK: k.PK, SK: k.SK, Kind: "login", At: stamp(at), IP: meta.IP, UserAgent: truncate(meta.UserAgent, 256),
		Method: method, Result: result, Reason: reason, TTL: at.Add(HistoryTTL).Unix()}
}

func (s *Service) record(ctx context.Context, sub string, at time.Time, meta Meta, method, result, reason string) {
	if err := s.DB.Put(ctx, attempt(sub, at, meta, method, result, reason)); err != nil {
		logging.From(ctx).Error("sign-in history not recorded", "err", err)
	}
}

// History returns a page of the user's sign-in attempts, newest first.
func (s *Service) History(ctx context.Context, sub, cursor string, limit int32) ([]Attempt, string, error) {
	var items []loginItem
	next, err := s.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.LoginPrefix, Limit: limit, Cursor: cursor}, &items)
	if err != nil {
		return nil, "", err
	}
	out := make([]Attempt, 0, len(items))
	for _, it := range items {
		out = append(out, Attempt{At: parseStamp(it.At), IP: it.IP, UserAgent: it.UserAgent, Method: it.Method, Result: it.Result, Reason: it.Reason})
	}
	return out, next, nil
}

type deviceItem struct {
	PK   string `dynamodbav:"PK"`
	SK   string `dynamodbav:"SK"`
	Kind string `dynamodbav:"Kind"`
	At   string `dynamodbav:"At"`
}

func short(kind, v string) string {
	h := sha256.Sum256([]byte(kind + "\x00" + v))
	return base64.RawURLEncoding.EncodeToString(h[:12])
}

// alertNewDevice tells the person, by email and SMS, about a sign-in from a
// device or an address not seen before. Security alerts ignore preferences.
func (s *Service) alertNewDevice(ctx context.Context, acc accountItem, meta Meta, now time.Time) {
	newThing := false
	for _, k := range []string{short("ua", meta.UserAgent), short("ip", meta.IP)} {
		key := dynamo.DeviceKey(acc.Sub, k)
		err := s.DB.Create(ctx, deviceItem{PK: key.PK, SK: key.SK, Kind: "device", At: stamp(now)})
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
	if err := s.DB.Create(ctx, deviceItem{PK: marker.PK, SK: marker.SK, Kind: "device", At: stamp(now)}); err == nil {
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
