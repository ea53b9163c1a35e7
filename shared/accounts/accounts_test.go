package accounts

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/accounts/contactbook"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/password"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/sendlimit"
	"github.com/kabinet/kabinet/shared/sessions"
)

var codeRe = regexp.MustCompile(`\d{6}`)

func kindOf(err error) problem.Kind { return problem.KindOf(err) }

func TestLockoutLastsThirtyMinutes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.provision(t, "u1", "+79161110001", "11223344595")
	for i := 1; i <= LockAfter; i++ {
		_, err := f.svc.Login(ctx, "+79161110001", "Неверный-Пароль-1", meta)
		want := problem.KindUnauthenticated
		if i == LockAfter {
			want = problem.KindLocked
		}
		if kindOf(err) != want {
			t.Fatalf("failure %d: %v, want kind %v", i, err, want)
		}
	}
	_, err := f.svc.Login(ctx, "+79161110001", "Зелёный-Чай-42", meta)
	if kindOf(err) != problem.KindLocked {
		t.Fatalf("right password while locked: %v, want locked", err)
	}
	// The lock has a number to quote to support, the same on every answer,
	// and support can find the account by it.
	pe, _ := problem.As(err)
	number, _ := pe.Extensions["lockNumber"].(string)
	if len(number) != 9 || !strings.Contains(pe.Detail, number) {
		t.Fatalf("the lock's answer = %+v; want a lock number in it", pe)
	}
	var rec lockRecord
	if err := f.db.Get(ctx, dynamo.LockKey(number), "lock", &rec); err != nil || rec.Owner != f.users.users["u1"].sub {
		t.Errorf("the lock number points at %+v (%v), want the account", rec, err)
	}
	f.clock.Advance(LockFor - time.Second)
	if _, err := f.svc.Login(ctx, "+79161110001", "Зелёный-Чай-42", meta); kindOf(err) != problem.KindLocked {
		t.Fatalf("one second before the unlock: %v, want locked", err)
	}
	f.clock.Advance(2 * time.Second)
	res, err := f.svc.Login(ctx, "+79161110001", "Зелёный-Чай-42", meta)
	if err != nil || res.Tokens == nil {
		t.Fatalf("after 30 minutes: %+v, %v", res, err)
	}
	// The count starts again: four more failures do not lock.
	for i := 0; i < LockAfter-1; i++ {
		if _, err := f.svc.Login(ctx, "+79161110001", "Неверный-Пароль-1", meta); kindOf(err) != problem.KindUnauthenticated {
			t.Fatalf("failure %d after unlock: %v", i+1, err)
		}
	}
}

func TestUnknownLoginsLockLikeKnownOnes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var last error
	for i := 0; i < LockAfter; i++ {
		_, last = f.svc.Login(ctx, "+79169999999", "Неверный-Пароль-1", meta)
	}
	pe, _ := problem.As(last)
	if pe == nil || pe.Kind != problem.KindLocked || pe.Code != "account_locked" || pe.Extensions["lockNumber"] == nil {
		t.Errorf("fifth failure for an unknown login: %v, want the same lock a real account gets, with its number", last)
	}
	_, again := f.svc.Login(ctx, "+79169999999", "Неверный-Пароль-1", meta)
	if pe2, _ := problem.As(again); pe2 == nil || pe2.Extensions["lockNumber"] != pe.Extensions["lockNumber"] {
		t.Errorf("the next attempt = %v, want the same lock number", again)
	}
}

// An unknown login costs the same kinds of calls as a wrong password for a
// real one, so timing does not tell who has an account: the password check
// goes to Cognito, for a user that does not exist and reveals nothing.
func TestUnknownLoginsCostWhatKnownOnesCost(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.provision(t, "anna", "+79161110001", "112-233-445 95")
	for _, login := range []string{"+79161110001", "+79169999999"} {
		f.users.signIns = nil
		if _, err := f.svc.Login(ctx, login, "Неверный-Пароль-1", meta); kindOf(err) != problem.KindUnauthenticated {
			t.Fatalf("%s: %v, want 401", login, err)
		}
		if len(f.users.signIns) != 1 {
			t.Errorf("%s: %d password checks, want 1", login, len(f.users.signIns))
		}
	}
	if got := f.users.signIns[0]; !strings.HasPrefix(got, "absent-") || strings.Contains(got, "9999999") {
		t.Errorf("the unknown login was checked as %q: want an absent user named without the login", got)
	}
}

func TestOneAddressCannotSprayAccounts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for i := 0; i < IPFailureLimit; i++ {
		_, _ = f.svc.Login(ctx, fmt.Sprintf("+7916%07d", 2000000+i), "Неверный-Пароль-1", meta)
	}
	if _, err := f.svc.Login(ctx, "+79163000000", "Неверный-Пароль-1", meta); kindOf(err) != problem.KindTooManyRequests {
		t.Errorf("after %d failures from one address: %v, want 429", IPFailureLimit, err)
	}
	other := meta
	other.IP = "198.51.100.9"
	if _, err := f.svc.Login(ctx, "+79163000000", "Неверный-Пароль-1", other); kindOf(err) != problem.KindUnauthenticated {
		t.Errorf("another address: %v, want a plain 401", err)
	}
	f.clock.Advance(IPWindow)
	if _, err := f.svc.Login(ctx, "+79163000001", "Неверный-Пароль-1", meta); kindOf(err) != problem.KindUnauthenticated {
		t.Errorf("next window: %v, want a plain 401", err)
	}
}

func TestExpiredPasswordMustBeChanged(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.provision(t, "u2", "+79161110002", "11223344595")
	f.clock.Advance(91 * 24 * time.Hour)
	res, err := f.svc.Login(ctx, "+79161110002", "Зелёный-Чай-42", meta)
	if err != nil || res.Challenge != "new_password" || res.Tokens != nil {
		t.Fatalf("login with an expired password = %+v, %v; want a new_password challenge and no tokens", res, err)
	}
	_, err = f.svc.CompleteNewPassword(ctx, res.ChallengeID, "Зелёный-Чай-42", meta)
	if pe, _ := problem.As(err); pe == nil || !strings.Contains(fmt.Sprint(pe.Fields), "password.reused") {
		t.Errorf("reusing the password: %v, want password.reused", err)
	}
	res, err = f.svc.CompleteNewPassword(ctx, res.ChallengeID, "Осенний-Лист-73", meta)
	if err != nil || res.Tokens == nil {
		t.Fatalf("new password: %+v, %v", res, err)
	}
	if res, err := f.svc.Login(ctx, "+79161110002", "Осенний-Лист-73", meta); err != nil || res.Tokens == nil {
		t.Errorf("login with the new password: %+v, %v", res, err)
	}
}

// The consent to process personal data is given on the registration form,
// in the edition in force, and recorded with the account (when, from
// where); without it, or with an old edition, nothing is kept or sent.
func TestRegistrationRecordsItsConsent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for name, c := range map[string]struct{ version, code string }{
		"no consent":     {"", "consent.required"},
		"an old edition": {"2019-01-01", "consent.version"},
	} {
		r := person("+79161110009", "11223344595")
		r.PersonalDataConsent = c.version
		_, err := f.svc.Register(ctx, r, meta)
		if pe, ok := problem.As(err); !ok || pe.Kind != problem.KindInvalid || len(pe.Fields) != 1 ||
			pe.Fields[0].Field != "personalDataConsent" || pe.Fields[0].Code != c.code {
			t.Errorf("%s: %v, want 422 naming personalDataConsent (%s)", name, err, c.code)
		}
	}
	if n := len(f.out.sms); n != 0 {
		t.Fatalf("%d SMS sent for refused registrations", n)
	}
	p, err := f.svc.Register(ctx, person("+79161110009", "11223344595"), meta)
	if err != nil {
		t.Fatal(err)
	}
	given := f.clock.Now()
	f.clock.Advance(time.Minute)
	if _, err := f.svc.Registrations.Confirm(ctx, p.RegistrationID, f.out.lastCode(t, "+79161110009"), ""); err != nil {
		t.Fatal(err)
	}
	book := f.deps.Consents.(*consentBook)
	if len(book.given) != 1 {
		t.Fatalf("consents recorded: %+v", book.given)
	}
	for _, c := range book.given {
		if c.Version != testConsentVersion || !c.At.Equal(given) || c.IP != meta.IP {
			t.Errorf("recorded %+v, want edition %s given at %v from %s", c, testConsentVersion, given, meta.IP)
		}
	}
}

func TestRegistrationCodeExpires(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p, err := f.svc.Register(ctx, person("+79161110003", "11223344595"), meta)
	if err != nil {
		t.Fatal(err)
	}
	code := f.out.lastCode(t, "+79161110003")
	f.clock.Advance(CodeTTL + time.Second)
	if _, err := f.svc.Registrations.Confirm(ctx, p.RegistrationID, code, ""); kindOf(err) != problem.KindGone {
		t.Errorf("an expired code: %v, want 410", err)
	}
	// A right code, even expired, is not a wrong guess: it never uses up
	// the attempts.
	for i := range CodeAttempts + 1 {
		if _, err := f.svc.Registrations.Confirm(ctx, p.RegistrationID, code, ""); kindOf(err) != problem.KindGone {
			t.Fatalf("expired code, try %d: %v, want 410 (not 429)", i+2, err)
		}
	}
}

// Wrong second-factor codes count towards the account's lock across
// sign-ins: a right password does not forgive them, and a challenge takes
// only CodeAttempts guesses before the password is needed again.
func TestWrongCodesLockAcrossSignIns(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sub := f.provision(t, "mfa", "+79161110005", "112-233-445 95")
	if err := f.svc.EnableTOTPWithSecret(ctx, sub, "KABINETTESTSECRETKEYAAAAAAAAAAAA"); err != nil {
		t.Fatal(err)
	}
	guesses := 0
	for round := 0; round < 3; round++ {
		res, err := f.svc.Login(ctx, "+79161110005", "Зелёный-Чай-42", meta)
		if kindOf(err) == problem.KindLocked {
			break
		}
		if err != nil || res.ChallengeID == "" {
			t.Fatalf("round %d: %+v, %v", round, res, err)
		}
		for i := 0; i <= CodeAttempts; i++ {
			_, err := f.svc.AnswerChallenge(ctx, res.ChallengeID, "000000", meta)
			if kindOf(err) == problem.KindGone || kindOf(err) == problem.KindLocked {
				break
			}
			guesses++
		}
	}
	if guesses > LockAfter {
		t.Errorf("%d wrong codes checked before the lock, want at most %d", guesses, LockAfter)
	}
	if _, err := f.svc.Login(ctx, "+79161110005", "Зелёный-Чай-42", meta); kindOf(err) != problem.KindLocked {
		t.Errorf("after %d wrong codes: %v, want the account locked", guesses, err)
	}
}

func TestIdentityDataIsSealedAtRest(t *testing.T) {
	f := newFixture(t)
	sub := f.provision(t, "u4", "+79161110004", "11223344595")
	var raw map[string]any
	if err := f.db.Get(context.Background(), dynamo.AccountKey(sub), "account", &raw); err != nil {
		t.Fatal(err)
	}
	dump := fmt.Sprint(raw)
	for _, plain := range []string{"11223344595", "4510", "123456", "500100732259"} {
		if strings.Contains(dump, plain) {
			t.Errorf("the stored account shows %q", plain)
		}
	}
	for _, field := range []string{"SNILS", "Passport", "INN"} {
		if s, _ := raw[field].(string); !strings.HasPrefix(s, "v1.") {
			t.Errorf("%s is stored as %q, want a sealed value", field, s)
		}
	}
	got, err := f.svc.OpenSNILS(context.Background(), sub)
	if err != nil || got != "11223344595" {
		t.Errorf("OpenSNILS = %q, %v", got, err)
	}
}

// The services protect themselves: each sensitive change needs a sign-in
// within actor.StepUpAge, whichever caller asks.
func TestSensitiveChangesNeedARecentSignIn(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sub := f.provision(t, "u9", "+79161110009", "11223344595")
	now := f.clock.Now()
	stale := actor.Actor{Sub: sub, AuthTime: now.Add(-16 * time.Minute)}
	none := actor.Actor{Sub: sub}
	for name, call := range map[string]func(a actor.Actor) error{
		"ChangePassword": func(a actor.Actor) error {
			return f.svc.ChangePassword(ctx, a, "Зелёный-Чай-42", "Другой-Пароль-77")
		},
		"SetMFA":         func(a actor.Actor) error { return f.svc.SetMFA(ctx, a, MFASMS, "") },
		"SetupTOTP":      func(a actor.Actor) error { _, err := f.svc.SetupTOTP(ctx, a); return err },
		"EndOthers":      func(a actor.Actor) error { _, err := f.svc.EndOthers(ctx, a); return err },
		"contact change": func(a actor.Actor) error { _, err := f.svc.Contacts.Start(ctx, a, "phone", "+79161110010"); return err },
	} {
		for label, a := range map[string]actor.Actor{"16 minutes old": stale, "no auth_time": none} {
			if err := call(a); kindOf(err) != problem.KindForbidden {
				t.Errorf("%s with a sign-in %s: %v, want 403 reauthentication_required", name, label, err)
			}
		}
	}
	if err := f.svc.SetMFA(ctx, actor.Actor{Sub: sub, AuthTime: now.Add(-14 * time.Minute)}, MFASMS, ""); err != nil {
		t.Errorf("SetMFA with a 14-minute-old sign-in: %v", err)
	}
}

func TestLevelsOnlyRiseByAKnownMethod(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sub := f.provision(t, "u5", "+79161110005", "11223344595")
	cases := []struct {
		change LevelChange
		want   problem.Kind
		ok     bool
	}{
		{LevelChange{Level: LevelConfirmed, Method: "telepathy"}, problem.KindInvalid, false},
		{LevelChange{Level: LevelStandard, Method: "registry_check"}, problem.KindConflict, false},
		{LevelChange{Level: LevelConfirmed, Method: "esignature"}, 0, true},
		{LevelChange{Level: LevelConfirmed, Method: "bank"}, problem.KindConflict, false},
	}
	registrar := actor.Actor{Sub: "registrar-1", Groups: []string{actor.GroupRegistrars}}
	for name, a := range map[string]actor.Actor{
		"an officer":                       {Sub: "officer-1", Groups: []string{actor.GroupOfficers}, Department: "mvd"},
		"support":                          {Sub: "support-1", Groups: []string{actor.GroupSupport}},
		"the person":                       actor.Citizen(sub),
		"a registrar on their own account": {Sub: sub, Groups: []string{actor.GroupRegistrars}},
	} {
		if err := f.svc.SetLevel(ctx, a, sub, LevelChange{Level: LevelConfirmed, Method: "in_person"}); kindOf(err) != problem.KindForbidden {
			t.Errorf("SetLevel by %s = %v, want 403", name, err)
		}
	}
	for _, c := range cases {
		err := f.svc.SetLevel(ctx, registrar, sub, c.change)
		if c.ok != (err == nil) || (!c.ok && kindOf(err) != c.want) {
			t.Errorf("SetLevel(%+v) = %v", c.change, err)
		}
	}
	if f.users.users["u5"].attrs["custom:level"] != string(LevelConfirmed) {
		t.Errorf("Cognito custom:level = %q, want confirmed", f.users.users["u5"].attrs["custom:level"])
	}
	acc, err := f.svc.SignIn.account(ctx, sub)
	if err != nil || acc.LevelBy != "registrar-1" || acc.LevelMethod != "esignature" {
		t.Errorf("the account after the check = %+v, %v; want it to name the registrar and the method", acc, err)
	}
}

func TestEndedSessionRefreshesNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.provision(t, "u6", "+79161110006", "11223344595")
	res, err := f.svc.Login(ctx, "+79161110006", "Зелёный-Чай-42", meta)
	if err != nil {
		t.Fatal(err)
	}
	sub, id, _ := SplitSessionID(res.Tokens.SessionID)
	if err := f.svc.EndSession(ctx, actor.Citizen(sub), id); err != nil {
		t.Fatal(err)
	}
	if !f.users.revoked[res.Tokens.RefreshToken] {
		t.Error("ending the session did not revoke its refresh token")
	}
	if _, err := f.svc.Refresh(ctx, res.Tokens.SessionID, res.Tokens.RefreshToken); kindOf(err) != problem.KindUnauthenticated {
		t.Errorf("refresh of an ended session: %v, want 401", err)
	}
	if err := f.svc.EndSession(ctx, actor.Citizen("someone-else"), id); kindOf(err) != problem.KindNotFound {
		t.Errorf("ending it as another user: %v, want 404", err)
	}
}

func TestUnknownLoginLockStartsAgainLikeAnAccounts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for i := 0; i < LockAfter; i++ {
		_, _ = f.svc.Login(ctx, "+79169999998", "Неверный-Пароль-1", meta)
	}
	f.clock.Advance(LockFor + time.Second)
	for i := 1; i < LockAfter; i++ {
		if _, err := f.svc.Login(ctx, "+79169999998", "Неверный-Пароль-1", meta); kindOf(err) != problem.KindUnauthenticated {
			t.Fatalf("failure %d after the lock ended: %v, want a plain 401 as for an account", i, err)
		}
	}
}

func TestSessionsAreListedNewestFirst(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sub := f.provision(t, "u7", "+79161110007", "11223344595")
	var ids []string
	for i := 0; i < 3; i++ {
		res, err := f.svc.Login(ctx, "+79161110007", "Зелёный-Чай-42", meta)
		if err != nil {
			t.Fatal(err)
		}
		_, id, _ := SplitSessionID(res.Tokens.SessionID)
		ids = append(ids, id)
		f.clock.Advance(time.Minute)
	}
	list, _, err := f.svc.ListSessions(ctx, actor.Actor{Sub: sub, SessionID: ids[1]}, "", 10)
	if err != nil || len(list) != 3 {
		t.Fatalf("List = %v, %v", list, err)
	}
	for i, s := range list {
		if s.Current != (s.ID == ids[1]) {
			t.Errorf("session %d current = %v; only the session the call came in is current", i, s.Current)
		}
	}
	for i, s := range list {
		if s.ID != ids[2-i] {
			t.Errorf("session %d = %s, want %s (newest first)", i, s.ID, ids[2-i])
		}
	}
}

// An account gets at most 3 reset codes in an hour (the limiter's
// defaults), whoever asks; more requests answer the same and send nothing.
func TestResetCodesAreLimitedPerAccount(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.limitSends(t, sendlimit.Defaults(0))
	f.provision(t, "u8", "+79161110008", "11223344595")
	sent := func() int {
		n := 0
		for _, m := range f.out.sms {
			if strings.HasPrefix(m, "+79161110008: Код восстановления") {
				n++
			}
		}
		return n
	}
	for range 2 {
		for range 3 {
			if _, err := f.svc.Forgot(ctx, "+79161110008", meta); err != nil {
				t.Fatal(err)
			}
		}
		f.clock.Advance(20 * time.Minute)
	}
	if n := sent(); n != 3 {
		t.Errorf("%d reset codes sent in 40 minutes, want 3", n)
	}
	f.clock.Advance(time.Hour)
	if _, err := f.svc.Forgot(ctx, "+79161110008", meta); err != nil {
		t.Fatal(err)
	}
	if n := sent(); n != 4 {
		t.Errorf("%d reset codes sent after the hour, want 4", n)
	}
}

// A login with a NUL byte or broken UTF-8 is a bad request: it counts
// towards nothing and costs no Cognito call.
func TestMalformedLoginIsABadRequest(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, login := range []string{"+7916\x001110001", "\xff\xfe", "citizen@\tkabinet.local"} {
		if _, err := f.svc.Login(ctx, login, "Зелёный-Чай-42", meta); kindOf(err) != problem.KindBadRequest {
			t.Errorf("Login(%q) = %v, want 400", login, err)
		}
	}
	if len(f.users.signIns) != 0 {
		t.Errorf("malformed logins reached Cognito %d times", len(f.users.signIns))
	}
}

// Every flow that sends a code passes the one limiter: over it,
// registration is 429 and keeps and sends nothing, recovery answers as
// always and sends nothing, signed-in flows are 429. Codes to the
// account's own phone (recovery, signing) are counted apart from those to
// a phone a caller names (registration), each flow on its own.
func TestSendsPassTheLimiter(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	once := []sendlimit.Window{{Max: 1, Per: time.Hour}}
	f.limitSends(t, sendlimit.Limits{PerDestination: once, PerOwnContact: once})
	sub := f.provision(t, "l1", "+79161110041", "11223344595")
	signedIn := actor.Actor{Sub: sub, AuthTime: f.clock.Now()}
	r := person("+79161110041", "12345678964")
	r.Email = "other@example.ru"
	// sent: whether a code goes out; refused: the error when it does not
	// (recovery then answers as always).
	steps := []struct {
		name    string
		do      func() error
		sent    bool
		refused bool
	}{
		{"a reset", func() error { _, err := f.svc.Forgot(ctx, "+79161110041", meta); return err }, true, false},
		{"a registration naming the phone", func() error { _, err := f.svc.Register(ctx, r, meta); return err }, true, false},
		{"a signing code", func() error { _, err := f.svc.StartSignature(ctx, sub, "app-1", 1, "x"); return err }, true, false},
		{"a contact change to a fresh address", func() error { _, err := f.svc.Contacts.Start(ctx, signedIn, "email", "new@example.ru"); return err }, true, false},
		{"a second reset", func() error { _, err := f.svc.Forgot(ctx, "+79161110041", meta); return err }, false, false},
		{"a second registration naming the phone", func() error { _, err := f.svc.Register(ctx, r, meta); return err }, false, true},
		{"a second signing code", func() error { _, err := f.svc.StartSignature(ctx, sub, "app-2", 1, "x"); return err }, false, true},
		{"a second code to the new address", func() error { _, err := f.svc.Contacts.Start(ctx, signedIn, "email", "new@example.ru"); return err }, false, true},
	}
	for _, st := range steps {
		before := len(f.out.sms) + len(f.out.mail)
		err := st.do()
		if got := len(f.out.sms)+len(f.out.mail) > before; got != st.sent {
			t.Errorf("%s: sent = %v, want %v", st.name, got, st.sent)
		}
		if st.refused && kindOf(err) != problem.KindTooManyRequests {
			t.Errorf("%s = %v, want 429", st.name, err)
		} else if !st.refused && err != nil {
			t.Errorf("%s = %v, want the usual answer", st.name, err)
		}
	}
}

// A registration is one request of its client address, with or without
// an email: its email code takes no second count of the address (many
// people share one address on mobile networks).
func TestARegistrationCountsOnceAgainstItsAddress(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.limitSends(t, sendlimit.Limits{PerAddress: []sendlimit.Window{{Max: 2, Per: time.Hour}}})
	for i, phone := range []string{"+79161110071", "+79161110072", "+79161110073"} {
		r := person(phone, "11223344595")
		r.Email = fmt.Sprintf("person%d@example.ru", i)
		p, err := f.svc.Register(ctx, r, meta)
		switch {
		case i < 2 && (err != nil || p.EmailSentTo == ""):
			t.Errorf("registration %d with an email from one address = %+v, %v; want both codes sent", i+1, p, err)
		case i == 2 && kindOf(err) != problem.KindTooManyRequests:
			t.Errorf("registration 3 from an address limited to 2 = %v, want 429", err)
		}
	}
}

// A reset or signing code the limiter refuses takes nothing from its
// flow's own budget: once the limit that refused it (here the account's)
// reopens, codes go out.
func TestRefusedCodesTakeNothingFromTheirFlow(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T) (*fixture, string) {
		f := newFixture(t)
		limits := sendlimit.Defaults(0)
		limits.PerAccount = []sendlimit.Window{{Max: 1, Per: 15 * time.Minute}}
		f.limitSends(t, limits)
		return f, f.provision(t, "p1", "+79161110061", "11223344595")
	}
	t.Run("reset", func(t *testing.T) {
		f, _ := setup(t)
		for range 5 {
			if _, err := f.svc.Forgot(ctx, "+79161110061", meta); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(time.Minute)
		}
		f.clock.Advance(15 * time.Minute)
		if _, err := f.svc.Forgot(ctx, "+79161110061", meta); err != nil {
			t.Fatal(err)
		}
		sent := 0
		for _, m := range f.out.sms {
			if strings.HasPrefix(m, "+79161110061: Код восстановления") {
				sent++
			}
		}
		if sent != 2 {
			t.Errorf("%d reset codes sent, want 2 (one in each window of the account): the refused ones took the flow's budget", sent)
		}
	})
	t.Run("signing", func(t *testing.T) {
		f, sub := setup(t)
		for i := range 11 {
			_, err := f.svc.StartSignature(ctx, sub, fmt.Sprintf("app-%d", i), 1, "")
			if i > 0 && kindOf(err) != problem.KindTooManyRequests {
				t.Fatalf("signing code %d within the account's limit of 1: %v, want 429", i+1, err)
			}
		}
		f.clock.Advance(15 * time.Minute)
		if _, err := f.svc.StartSignature(ctx, sub, "app-x", 1, ""); err != nil {
			t.Errorf("a signing code once the account's window reopened: %v (the refused ones took the flow's budget)", err)
		}
	})
}

// A session unused for longer than the idle timeout refreshes nothing and
// is ended, its refresh token revoked.
func TestIdleSessionRefreshesNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.provision(t, "i1", "+79161110051", "11223344595")
	res, err := f.svc.Login(ctx, "+79161110051", "Зелёный-Чай-42", meta)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(10 * time.Minute)
	if _, err := f.svc.Refresh(ctx, res.Tokens.SessionID, res.Tokens.RefreshToken); err != nil {
		t.Fatalf("a refresh 10 minutes in: %v", err)
	}
	f.clock.Advance(6 * time.Minute)
	if _, err := f.svc.Refresh(ctx, res.Tokens.SessionID, res.Tokens.RefreshToken); !problem.Is(err, problem.KindUnauthenticated) || problem.CodeOf(err) != "session_idle" {
		t.Fatalf("a refresh 16 minutes after the last request = %v, want 401 session_idle", err)
	}
	if !f.users.revoked[res.Tokens.RefreshToken] {
		t.Error("the idle session's refresh token was not revoked")
	}
}

// The deliverer's contact book reads the account item these services write.
func TestTheContactBookReadsTheAccount(t *testing.T) {
	f := newFixture(t)
	sub := f.provision(t, "cb1", "+79161110061", "11223344595")
	c, err := contactbook.Book{DB: f.db}.Contacts(context.Background(), sub)
	if err != nil || c.Phone != "+79161110061" || c.Email != "anna@example.ru" || !c.EmailConfirmed {
		t.Errorf("Contacts = %+v, %v; want the account's phone and confirmed email", c, err)
	}
}

// A registrar's level change and its journal entry are one write: the user
// pool's attribute failing afterwards neither fails the change nor loses
// the entry (the level is read from the account), and a journal that
// cannot be written stops the change.
func TestLevelChangeCommitsWithItsJournalEntry(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	registrar := actor.Actor{Sub: "registrar-1", Groups: []string{actor.GroupRegistrars}}
	sub := f.provision(t, "lv1", "+79161110041", "11223344595")
	f.users.attrsDown = true
	if err := f.svc.SetLevel(ctx, registrar, sub, LevelChange{Level: LevelConfirmed, Method: "in_person"}); err != nil {
		t.Fatalf("SetLevel with the user pool down = %v, want done", err)
	}
	if acc, err := f.svc.SignIn.account(ctx, sub); err != nil || acc.Level != "confirmed" || acc.LevelBy != "registrar-1" {
		t.Errorf("the account = %+v, %v; want confirmed by registrar-1", acc, err)
	}
	entries, err := f.deps.Journal.All(ctx, sub, journal.Filter{Types: []string{journal.TypeLevel}})
	if err != nil || len(entries) != 1 || entries[0].Actor != "registrar" || entries[0].ActorID != "registrar-1" {
		t.Errorf("level entries = %+v, %v; want one by registrar-1", entries, err)
	}
	if err := f.svc.SetLevel(ctx, registrar, sub, LevelChange{Level: LevelConfirmed, Method: "in_person"}); problem.CodeOf(err) != "level_not_higher" {
		t.Errorf("the same change again = %v, want 409 level_not_higher", err)
	}

	g := newFixture(t)
	other := g.provision(t, "lv2", "+79161110042", "11223344595")
	g.deps.Journal.Key = brokenKey{}
	if err := g.svc.SetLevel(ctx, registrar, other, LevelChange{Level: LevelConfirmed, Method: "in_person"}); err == nil {
		t.Error("SetLevel with the journal down = done, want an error")
	}
	if acc, err := g.svc.SignIn.account(ctx, other); err != nil || acc.Level != "standard" || acc.LevelBy != "" {
		t.Errorf("the account after a failed journal = %+v, %v; want still standard", acc, err)
	}
	if g.users.users["lv2"].attrs["custom:level"] == "confirmed" {
		t.Error("the user pool was told of a level change that did not happen")
	}
}

// Wrong passwords arriving together lock the account once: every answer
// that says it is locked quotes the one lock number.
func TestParallelFailuresShareOneLockNumber(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.provision(t, "pl1", "+79161110071", "11223344595")
	for i := 1; i < LockAfter; i++ {
		if _, err := f.svc.Login(ctx, "+79161110071", "Неверный-Пароль-1", meta); kindOf(err) != problem.KindUnauthenticated {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	// The password checks all answer together, so every failure is
	// counted before any locks the account.
	const n = 8
	var checked sync.WaitGroup
	checked.Add(n)
	f.users.hold = func() { checked.Done(); checked.Wait() }
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { _, errs[i] = f.svc.Login(ctx, "+79161110071", "Неверный-Пароль-1", meta) })
	}
	wg.Wait()
	f.users.hold = nil
	numbers := map[string]bool{}
	for i, err := range errs {
		pe, _ := problem.As(err)
		if pe == nil || (pe.Kind != problem.KindLocked && pe.Kind != problem.KindUnauthenticated) {
			t.Fatalf("attempt %d: %v, want locked or a wrong password", i, err)
		}
		if pe.Kind == problem.KindLocked {
			numbers[fmt.Sprint(pe.Extensions["lockNumber"])] = true
		}
	}
	_, err := f.svc.Login(ctx, "+79161110071", "Зелёный-Чай-42", meta)
	pe, _ := problem.As(err)
	if pe == nil || pe.Kind != problem.KindLocked {
		t.Fatalf("the right password after the failures: %v, want locked", err)
	}
	now := fmt.Sprint(pe.Extensions["lockNumber"])
	if len(numbers) != 1 || !numbers[now] {
		t.Errorf("lock numbers answered = %v, the lock's = %s; want that one number only", numbers, now)
	}
}

// A session the guard ends for idleness cannot revoke its refresh token
// itself (the guard holds no user pool): the token's next refresh does,
// so it renews nothing at the user pool either.
func TestRefreshOfAnIdleEndedSessionRevokesItsToken(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.provision(t, "id1", "+79161110081", "11223344595")
	res, err := f.svc.Login(ctx, "+79161110081", "Зелёный-Чай-42", meta)
	if err != nil {
		t.Fatal(err)
	}
	sub, _, _ := SplitSessionID(res.Tokens.SessionID)
	jti, _, err := tokenClaims(res.Tokens.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(sessions.IdleTimeout + time.Minute)
	guard := sessions.NewGuard(f.db, f.clock, sessions.IdleTimeout)
	if _, err := guard.Admit(ctx, httpapi.Identity{Subject: sub, TokenID: jti, TokenUse: "access"}); problem.CodeOf(err) != "session_idle" {
		t.Fatalf("the guard after %v idle = %v, want 401 session_idle", sessions.IdleTimeout+time.Minute, err)
	}
	if f.users.revoked[res.Tokens.RefreshToken] {
		t.Fatal("the guard revoked the token itself; this test expects the refresh to")
	}
	if _, err := f.svc.Refresh(ctx, res.Tokens.SessionID, res.Tokens.RefreshToken); problem.CodeOf(err) != "session_ended" {
		t.Errorf("refresh of the ended session = %v, want 401 session_ended", err)
	}
	if !f.users.revoked[res.Tokens.RefreshToken] {
		t.Error("the refresh token of the idle-ended session is still valid at the user pool")
	}
}

// Each service refuses at cold start without what it uses: a zero password
// policy (which accepts any password) counts as none, and the staff
// actions need the journal they commit with.
func TestServicesNameWhatTheyLack(t *testing.T) {
	f := newFixture(t)
	noPolicy, noJournal := f.deps, f.deps
	noPolicy.Policy = password.Profile{}
	noJournal.Journal = nil
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"registrations without a policy", func() error { _, err := NewRegistrations(noPolicy); return err }(), "accounts: Registrations needs Policy"},
		{"sign-in without a policy", func() error { _, err := NewSignIn(noPolicy); return err }(), "accounts: SignIn needs Policy"},
		{"credentials without a policy", func() error { _, err := NewCredentials(noPolicy); return err }(), "accounts: Credentials needs Policy"},
		{"levels without a journal", func() error { _, err := NewLevels(noJournal); return err }(), "accounts: Levels needs Journal"},
		{"change requests without a journal", func() error { _, err := NewChangeRequests(noJournal); return err }(), "accounts: ChangeRequests needs Journal"},
		{"profiles without a policy", func() error { _, err := NewProfiles(noPolicy); return err }(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if tt.err != nil {
				got = tt.err.Error()
			}
			if got != tt.want {
				t.Errorf("error = %q, want %q", got, tt.want)
			}
		})
	}
}
