package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kabinet/kabinet/shared/consents"
	"github.com/kabinet/kabinet/shared/dynamo"
)

var (
	phoneSeq atomic.Int64
	codeRe   = regexp.MustCompile(`\b(\d{6})\b`)
)

// newPhone returns a phone number no other test uses.
func newPhone() string {
	return fmt.Sprintf("+7926%07d", 1000000+phoneSeq.Add(1)+time.Now().UnixNano()%1000*1000)
}

// snilsWith returns a valid SNILS for a 9-digit body.
func snilsWith(body int) string {
	d := fmt.Sprintf("%09d", body)
	sum := 0
	for i, c := range d {
		sum += int(c-'0') * (9 - i)
	}
	c := sum
	switch {
	case sum < 100:
	case sum == 100 || sum == 101:
		c = 0
	default:
		c = sum % 101
		if c == 100 {
			c = 0
		}
	}
	return fmt.Sprintf("%s%02d", d, c)
}

var snilsSeq atomic.Int64

func newSNILS() string {
	return snilsWith(int(200_000_000 + time.Now().UnixNano()%100_000_000 + snilsSeq.Add(1)*7))
}

// innFor is a valid personal INN made from the last ten digits of a phone:
// every test person has an INN of their own, as an INN is unique.
func innFor(phone string) string {
	d := []int{}
	for _, r := range phone {
		if r >= '0' && r <= '9' {
			d = append(d, int(r-'0'))
		}
	}
	d = d[len(d)-10:]
	check := func(w ...int) int {
		sum := 0
		for i, x := range w {
			sum += x * d[i]
		}
		return sum % 11 % 10
	}
	d = append(d, check(7, 2, 4, 10, 3, 5, 9, 4, 6, 8))
	d = append(d, check(3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8))
	var b strings.Builder
	for _, x := range d {
		b.WriteByte(byte('0' + x))
	}
	return b.String()
}

func registration(phone, snils string) map[string]any {
	return map[string]any{
		"surname": "Иванова", "name": "Анна", "patronymic": "Сергеевна", "birthDate": "1990-05-17", "sex": "female", "citizenship": "RUS",
		"passport": map[string]string{"series": "4510", "number": "123456", "issueDate": "2010-06-01", "issuer": "ОВД района Хамовники г. Москвы", "divisionCode": "770-001"},
		"snils":    snils, "inn": innFor(phone), "phone": phone, "password": "Зелёный-Чай-42",
		"personalDataConsent": consents.RegistrationVersion,
	}
}

// smsCode waits for the newest SMS to a phone and returns its code.
func smsCode(t testing.TB, phone string, after time.Time) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		msgs := st.SNS.Messages()
		for i := len(msgs) - 1; i >= 0; i-- {
			m := msgs[i]
			if m.PhoneNumber == phone && !m.At.Before(after.Add(-time.Second)) {
				if c := codeRe.FindStringSubmatch(m.Message); c != nil {
					return c[1]
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no SMS code for %s", phone)
	return ""
}

func post(t testing.TB, path, token string, body any) response {
	t.Helper()
	b, _ := json.Marshal(body)
	return call(t, "POST", path, token, b, map[string]string{"Content-Type": "application/json"})
}

// register runs a whole registration and returns the phone and password.
func register(t testing.TB, phone, snils string) {
	t.Helper()
	start := time.Now()
	res := post(t, "/auth/register", "", registration(phone, snils))
	if res.Status != http.StatusAccepted {
		t.Fatalf("register = %d %s", res.Status, res.Body)
	}
	var p struct{ RegistrationID string }
	res.JSON(t, &p)
	res = post(t, "/auth/register/confirm", "", map[string]string{"registrationId": p.RegistrationID, "code": smsCode(t, phone, start)})
	if res.Status != http.StatusCreated {
		t.Fatalf("confirm = %d %s", res.Status, res.Body)
	}
}

func problemCode(t testing.TB, r response) string {
	var p struct{ Code string }
	_ = json.Unmarshal(r.Body, &p)
	return p.Code
}

func TestSignInByPhoneEmailAndSNILS(t *testing.T) {
	d := demo(t, "citizen")
	for _, l := range []string{d.Phone, "8" + d.Phone[2:], d.Email, strings.ToUpper(d.Email), d.SNILS, strings.NewReplacer("-", "", " ", "").Replace(d.SNILS)} {
		s := loginAs(t, l, d.Password, "", nil)
		if r := call(t, "GET", "/me", s.AccessToken, nil, nil); r.Status != http.StatusOK {
			t.Errorf("GET /me after signing in with %q = %d", l, r.Status)
		}
	}
}

func TestWrongCredentialsLookTheSame(t *testing.T) {
	d := demo(t, "support")
	a := post(t, "/auth/login", "", map[string]string{"login": d.Phone, "password": "Неверный-Пароль-1"})
	b := post(t, "/auth/login", "", map[string]string{"login": "+79990000000", "password": "Неверный-Пароль-1"})
	if a.Status != 401 || b.Status != 401 || problemCode(t, a) != problemCode(t, b) {
		t.Errorf("wrong password = %d %s; unknown login = %d %s; want the same 401", a.Status, a.Body, b.Status, b.Body)
	}
}

func TestRegistrationConfirmsThePhoneAndSealsIdentityData(t *testing.T) {
	phone, snils := newPhone(), newSNILS()
	register(t, phone, snils)
	s := loginAs(t, phone, "Зелёный-Чай-42", "", nil)
	var acc struct{ Level string }
	call(t, "GET", "/auth/account", s.AccessToken, nil, nil).JSON(t, &acc)
	if acc.Level != "simplified" {
		t.Errorf("level = %q, want simplified", acc.Level)
	}
	var me struct{ Sub string }
	call(t, "GET", "/me", s.AccessToken, nil, nil).JSON(t, &me)
	out, err := st.DynamoDB().GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(st.Resources["Table"]),
		Key: map[string]ddbtypes.AttributeValue{"PK": &ddbtypes.AttributeValueMemberS{Value: dynamo.AccountKey(me.Sub).PK},
			"SK": &ddbtypes.AttributeValueMemberS{Value: dynamo.AccountKey(me.Sub).SK}}})
	if err != nil || out.Item == nil {
		t.Fatalf("raw account item: %v", err)
	}
	raw := fmt.Sprint(out.Item)
	for _, plain := range []string{snils, "123456", "4510", "500100732259"} {
		if strings.Contains(raw, plain) {
			t.Errorf("the raw account item shows %q in the clear", plain)
		}
	}
}

func TestRegistrationNamesEveryInvalidField(t *testing.T) {
	bad := map[string]any{"surname": "Smith", "name": "", "birthDate": time.Now().AddDate(-10, 0, 0).Format("2006-01-02"), "sex": "x",
		"citizenship": "Russia", "passport": map[string]string{"series": "12", "number": "abc", "issueDate": "yesterday", "issuer": "", "divisionCode": "77"},
		"snils": "112-233-445 96", "inn": "500100732250", "phone": "+1 202 555 0101", "email": "not-an-email", "password": "qwerty"}
	res := post(t, "/auth/register", "", bad)
	if res.Status != 422 {
		t.Fatalf("register = %d %s, want 422", res.Status, res.Body)
	}
	var p struct {
		Errors []struct{ Field, Code string }
	}
	res.JSON(t, &p)
	got := map[string]bool{}
	for _, e := range p.Errors {
		got[e.Field] = true
	}
	for _, f := range []string{"surname", "name", "birthDate", "sex", "citizenship", "passport.series", "passport.number", "passport.issueDate",
		"passport.issuer", "passport.divisionCode", "snils", "inn", "phone", "email", "password"} {
		if !got[f] {
			t.Errorf("the 422 does not name %s: %s", f, res.Body)
		}
	}
}

func TestFiftyConcurrentRegistrationsWithOneSNILSMakeOneAccount(t *testing.T) {
	snils := newSNILS()
	const n = 50
	type reg struct{ id, phone, code string }
	regs := make([]reg, n)
	for i := range regs {
		phone := newPhone()
		start := time.Now()
		res := post(t, "/auth/register", "", registration(phone, snils))
		if res.Status != http.StatusAccepted {
			t.Fatalf("register %d = %d %s", i, res.Status, res.Body)
		}
		var p struct{ RegistrationID string }
		res.JSON(t, &p)
		regs[i] = reg{p.RegistrationID, phone, smsCode(t, phone, start)}
	}
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range regs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = post(t, "/auth/register/confirm", "", map[string]string{"registrationId": regs[i].id, "code": regs[i].code}).Status
		}()
	}
	wg.Wait()
	created := 0
	for _, s := range statuses {
		if s == http.StatusCreated {
			created++
		} else if s != http.StatusConflict {
			t.Errorf("confirm answered %d, want 201 or 409", s)
		}
	}
	if created != 1 {
		t.Errorf("%d accounts created with one SNILS, want exactly 1 (statuses %v)", created, statuses)
	}
}

func TestRegistrationCodeAttemptsAreLimited(t *testing.T) {
	phone := newPhone()
	res := post(t, "/auth/register", "", registration(phone, newSNILS()))
	var p struct{ RegistrationID string }
	res.JSON(t, &p)
	for i := 0; i < 3; i++ {
		r := post(t, "/auth/register/confirm", "", map[string]string{"registrationId": p.RegistrationID, "code": "000000"})
		if r.Status != 422 {
			t.Fatalf("wrong code %d = %d %s", i+1, r.Status, r.Body)
		}
	}
	code := smsCode(t, phone, time.Now().Add(-time.Minute))
	r := post(t, "/auth/register/confirm", "", map[string]string{"registrationId": p.RegistrationID, "code": code})
	if r.Status != http.StatusTooManyRequests {
		t.Errorf("after 3 wrong codes the right one = %d %s, want 429", r.Status, r.Body)
	}
	if r := post(t, "/auth/register/resend", "", map[string]string{"registrationId": p.RegistrationID}); r.Status != http.StatusTooManyRequests {
		t.Errorf("resend within the cooldown = %d, want 429", r.Status)
	}
}

func TestLockoutAfterFiveFailures(t *testing.T) {
	phone := newPhone()
	register(t, phone, newSNILS())
	for i := 1; i <= 5; i++ {
		r := post(t, "/auth/login", "", map[string]string{"login": phone, "password": "Неверный-Пароль-1"})
		want := 401
		if i == 5 {
			want = 423
		}
		if r.Status != want {
			t.Fatalf("failure %d = %d %s, want %d", i, r.Status, r.Body, want)
		}
	}
	r := post(t, "/auth/login", "", map[string]string{"login": phone, "password": "Зелёный-Чай-42"})
	var p struct {
		Code        string
		LockedUntil time.Time
	}
	r.JSON(t, &p)
	if r.Status != 423 || p.Code != "account_locked" {
		t.Fatalf("sixth attempt with the right password = %d %s, want 423", r.Status, r.Body)
	}
	if d := time.Until(p.LockedUntil); d < 29*time.Minute || d > 31*time.Minute {
		t.Errorf("lockedUntil is %s away, want 30 minutes", d)
	}
	if r.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After on the locked answer")
	}
}

func TestLogoutEndsTheSessionAtOnce(t *testing.T) {
	s := login(t, "citizen")
	if r := call(t, "GET", "/me", s.AccessToken, nil, nil); r.Status != 200 {
		t.Fatalf("GET /me = %d", r.Status)
	}
	if r := post(t, "/auth/logout", s.AccessToken, nil); r.Status != http.StatusNoContent {
		t.Fatalf("logout = %d %s", r.Status, r.Body)
	}
	r := call(t, "GET", "/me", s.AccessToken, nil, nil)
	if r.Status != 401 || problemCode(t, r) != "session_ended" {
		t.Errorf("GET /me after logout = %d %s, want 401 session_ended", r.Status, r.Body)
	}
	if r := post(t, "/auth/refresh", "", map[string]string{"sessionId": s.SessionID, "refreshToken": s.RefreshToken}); r.Status != 401 {
		t.Errorf("refresh after logout = %d %s, want 401", r.Status, r.Body)
	}
}

func TestRefreshRotatesTheAccessToken(t *testing.T) {
	s := login(t, "officer")
	r := post(t, "/auth/refresh", "", map[string]string{"sessionId": s.SessionID, "refreshToken": s.RefreshToken})
	if r.Status != 200 {
		t.Fatalf("refresh = %d %s", r.Status, r.Body)
	}
	var next session
	r.JSON(t, &next)
	if r := call(t, "GET", "/me", next.AccessToken, nil, nil); r.Status != 200 {
		t.Errorf("new token: GET /me = %d", r.Status)
	}
	if r := call(t, "GET", "/me", s.AccessToken, nil, nil); r.Status != 401 {
		t.Errorf("old token after refresh: GET /me = %d, want 401", r.Status)
	}
	if r := post(t, "/auth/refresh", "", map[string]string{"sessionId": s.SessionID, "refreshToken": "forged"}); r.Status != 401 {
		t.Errorf("refresh with a wrong token = %d, want 401", r.Status)
	}
}

func TestSessionsArePerUserAndEndOne(t *testing.T) {
	a1 := loginAs(t, demo(t, "citizen").Phone, demo(t, "citizen").Password, "", map[string]string{"User-Agent": "Phone A"})
	a2 := loginAs(t, demo(t, "citizen").Phone, demo(t, "citizen").Password, "", map[string]string{"User-Agent": "Laptop A"})
	b := login(t, "support")
	var list struct {
		Items []struct {
			ID        string
			UserAgent string
			Current   bool
		}
	}
	call(t, "GET", "/auth/sessions", a1.AccessToken, nil, nil).JSON(t, &list)
	_, a2id, _ := strings.Cut(a2.SessionID, ".")
	found, current := false, 0
	for _, it := range list.Items {
		found = found || it.ID == a2id
		if it.Current {
			current++
		}
	}
	if !found || current != 1 {
		t.Fatalf("sessions = %+v, want the laptop's and one current", list.Items)
	}
	if r := call(t, "DELETE", "/auth/sessions/"+a2id, b.AccessToken, nil, nil); r.Status != 404 {
		t.Errorf("user B ending user A's session = %d, want 404", r.Status)
	}
	if r := call(t, "GET", "/me", a2.AccessToken, nil, nil); r.Status != 200 {
		t.Errorf("A's session after B's attempt = %d, want still alive", r.Status)
	}
	if r := call(t, "DELETE", "/auth/sessions/"+a2id, a1.AccessToken, nil, nil); r.Status != 204 {
		t.Fatalf("ending own session = %d %s", r.Status, r.Body)
	}
	if r := call(t, "GET", "/me", a2.AccessToken, nil, nil); r.Status != 401 {
		t.Errorf("the ended session's token = %d, want 401", r.Status)
	}
	if r := call(t, "GET", "/me", a1.AccessToken, nil, nil); r.Status != 200 {
		t.Errorf("the other session = %d, want 200", r.Status)
	}
}

func TestHistoryListsAttemptsNewestFirst(t *testing.T) {
	phone := newPhone()
	register(t, phone, newSNILS())
	post(t, "/auth/login", "", map[string]string{"login": phone, "password": "Неверный-Пароль-1"})
	s := loginAs(t, phone, "Зелёный-Чай-42", "", nil)
	var h struct {
		Items []struct {
			At             time.Time
			Result, Reason string
		}
	}
	call(t, "GET", "/auth/history", s.AccessToken, nil, nil).JSON(t, &h)
	if len(h.Items) < 2 || h.Items[0].Result != "success" || h.Items[1].Result != "failed" || h.Items[1].Reason != "wrong_password" {
		t.Fatalf("history = %+v", h.Items)
	}
	if h.Items[0].At.Before(h.Items[1].At) {
		t.Error("history is not newest first")
	}
}

func TestTOTPChallengeAndReplay(t *testing.T) {
	d := demo(t, "citizen-totp")
	r := post(t, "/auth/login", "", map[string]string{"login": d.Email, "password": d.Password})
	var ch struct{ Challenge, ChallengeID string }
	r.JSON(t, &ch)
	if ch.Challenge != "totp" {
		t.Fatalf("login = %s, want a totp challenge", r.Body)
	}
	if r := post(t, "/auth/login/mfa", "", map[string]string{"challengeId": ch.ChallengeID, "code": "000000"}); r.Status != 422 {
		t.Errorf("wrong TOTP = %d, want 422", r.Status)
	}
	code := independentTOTP(t, d.TOTPSecret, time.Now())
	if r := post(t, "/auth/login/mfa", "", map[string]string{"challengeId": ch.ChallengeID, "code": code}); r.Status != 200 {
		t.Fatalf("right TOTP = %d %s", r.Status, r.Body)
	}
	// The same code cannot open a second session.
	r = post(t, "/auth/login", "", map[string]string{"login": d.Email, "password": d.Password})
	r.JSON(t, &ch)
	if r := post(t, "/auth/login/mfa", "", map[string]string{"challengeId": ch.ChallengeID, "code": code}); r.Status == 200 {
		t.Error("a TOTP code was accepted twice")
	}
}

func TestPasswordResetEndsEverySession(t *testing.T) {
	phone, snils := newPhone(), newSNILS()
	register(t, phone, snils)
	s := loginAs(t, phone, "Зелёный-Чай-42", "", nil)
	start := time.Now()
	r := post(t, "/auth/password/forgot", "", map[string]string{"login": snils})
	var f struct{ ResetID string }
	r.JSON(t, &f)
	if r.Status != 202 || f.ResetID == "" {
		t.Fatalf("forgot = %d %s", r.Status, r.Body)
	}
	code := smsCode(t, phone, start)
	weak := post(t, "/auth/password/reset", "", map[string]string{"resetId": f.ResetID, "code": code, "newPassword": "Зелёный-Чай-42"})
	if weak.Status != 422 || !strings.Contains(string(weak.Body), "password.reused") {
		t.Errorf("reset to the same password = %d %s, want 422 password.reused", weak.Status, weak.Body)
	}
	if r := post(t, "/auth/password/reset", "", map[string]string{"resetId": f.ResetID, "code": code, "newPassword": "Осенний-Лист-73"}); r.Status != 204 {
		t.Fatalf("reset = %d %s", r.Status, r.Body)
	}
	if r := call(t, "GET", "/me", s.AccessToken, nil, nil); r.Status != 401 {
		t.Errorf("a session from before the reset = %d, want 401", r.Status)
	}
	loginAs(t, phone, "Осенний-Лист-73", "", nil)
	unknown := post(t, "/auth/password/forgot", "", map[string]string{"login": "+79990001122"})
	if unknown.Status != 202 {
		t.Errorf("forgot for an unknown login = %d, want the same 202", unknown.Status)
	}
}

func TestTOTPSetupThenSignInNeedsACode(t *testing.T) {
	phone := newPhone()
	register(t, phone, newSNILS())
	s := loginAs(t, phone, "Зелёный-Чай-42", "", nil)
	r := post(t, "/auth/mfa/totp", s.AccessToken, nil)
	var setup struct{ Secret, OtpauthURI string }
	r.JSON(t, &setup)
	if r.Status != 200 || !strings.HasPrefix(setup.OtpauthURI, "otpauth://totp/") || !strings.Contains(setup.OtpauthURI, setup.Secret) {
		t.Fatalf("setup = %d %s", r.Status, r.Body)
	}
	if r := post(t, "/auth/mfa/totp/confirm", s.AccessToken, map[string]string{"code": independentTOTP(t, setup.Secret, time.Now())}); r.Status != 204 {
		t.Fatalf("confirm TOTP = %d %s", r.Status, r.Body)
	}
	r = post(t, "/auth/login", "", map[string]string{"login": phone, "password": "Зелёный-Чай-42"})
	if !strings.Contains(string(r.Body), `"challenge":"totp"`) {
		t.Errorf("login after enabling TOTP = %s, want a totp challenge", r.Body)
	}
}

func TestNewDeviceAlert(t *testing.T) {
	d := demo(t, "officer")
	// The account's very first sign-in has nothing to compare with; make
	// sure there was one, whichever tests ran before.
	login(t, "officer")
	before := time.Now()
	loginAs(t, d.Phone, d.Password, "", map[string]string{"User-Agent": "Browser-" + fmt.Sprint(before.UnixNano())})
	sweep(t)
	found := false
	for _, m := range st.SNS.Messages() {
		if m.PhoneNumber == d.Phone && strings.Contains(strings.ToLower(m.Message), "нов") && !m.At.Before(before.Add(-time.Second)) {
			found = true
		}
	}
	if !found {
		t.Error("no SMS about the sign-in from a new device")
	}
	res, err := http.Get(st.SESURL + "/store")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var store struct {
		Emails []struct {
			Subject     string
			Destination struct{ To []string }
		}
	}
	_ = json.NewDecoder(res.Body).Decode(&store)
	mail := false
	for _, e := range store.Emails {
		mail = mail || (strings.Contains(strings.ToLower(e.Subject), "вход") && len(e.Destination.To) == 1 && e.Destination.To[0] == d.Email)
	}
	if !mail {
		t.Error("no email about the sign-in from a new device")
	}
}

// Identity checks are the registrars' job: citizens, department officers
// and support are refused, a registrar cannot confirm themselves, and the
// person's journal names the registrar.
func TestRegistrarRecordsIdentityLevel(t *testing.T) {
	phone := newPhone()
	register(t, phone, newSNILS())
	citizen := loginAs(t, phone, "Зелёный-Чай-42", "", nil)
	var me struct{ Sub string }
	call(t, "GET", "/me", citizen.AccessToken, nil, nil).JSON(t, &me)
	path := "/registrar/accounts/" + me.Sub + "/level"
	for name, s := range map[string]session{"the citizen": citizen, "an officer": login(t, "officer"), "support": login(t, "support")} {
		if r := post(t, path, s.AccessToken, map[string]string{"level": "confirmed", "method": "in_person"}); r.Status != 403 {
			t.Errorf("%s raising a level = %d, want 403", name, r.Status)
		}
	}
	registrar := login(t, "registrar")
	var self struct{ Sub string }
	call(t, "GET", "/me", registrar.AccessToken, nil, nil).JSON(t, &self)
	if r := post(t, "/registrar/accounts/"+self.Sub+"/level", registrar.AccessToken, map[string]string{"level": "confirmed", "method": "in_person"}); r.Status != 403 ||
		!strings.Contains(string(r.Body), "self_action") {
		t.Errorf("a registrar raising their own level = %d %s, want 403 self_action", r.Status, r.Body)
	}
	if r := post(t, path, registrar.AccessToken, map[string]string{"level": "confirmed", "method": "bank"}); r.Status != 204 {
		t.Fatalf("registrar = %d %s", r.Status, r.Body)
	}
	var acc struct{ Level string }
	call(t, "GET", "/auth/account", citizen.AccessToken, nil, nil).JSON(t, &acc)
	if acc.Level != "confirmed" {
		t.Errorf("level = %q, want confirmed", acc.Level)
	}
	var journal struct {
		Items []struct{ Type, Actor, ActorID string }
	}
	levels := call(t, "GET", "/activity?type=account.level", citizen.AccessToken, nil, nil)
	levels.JSON(t, &journal)
	if len(journal.Items) != 1 || journal.Items[0].Actor != "registrar" || journal.Items[0].ActorID != "" || strings.Contains(string(levels.Body), self.Sub) {
		t.Errorf("the journal's level entries = %s, want one by a registrar, without the registrar's id", levels.Body)
	}
	// The session learns the new level at its next refresh (or sign-in).
	r := post(t, "/auth/refresh", "", map[string]string{"sessionId": citizen.SessionID, "refreshToken": citizen.RefreshToken})
	var next session
	r.JSON(t, &next)
	var me2 struct{ Level string }
	call(t, "GET", "/me", next.AccessToken, nil, nil).JSON(t, &me2)
	if me2.Level != "confirmed" {
		t.Errorf("GET /me level after refresh = %q, want confirmed", me2.Level)
	}
	if r := post(t, path, registrar.AccessToken, map[string]string{"level": "standard", "method": "registry_check"}); r.Status != 409 {
		t.Errorf("lowering a level = %d, want 409", r.Status)
	}
}

// The logs of our functions carry no personal data.
func TestLogsCarryNoPersonalData(t *testing.T) {
	phone, snils := newPhone(), newSNILS()
	register(t, phone, snils)
	post(t, "/auth/login", "", map[string]string{"login": phone, "password": "Неверный-Пароль-1"})
	s := loginAs(t, phone, "Зелёный-Чай-42", "", nil)
	post(t, "/auth/logout", s.AccessToken, nil)
	logMu.Lock()
	out := stackLog.String()
	logMu.Unlock()
	var ours []string
	for _, line := range strings.Split(out, "\n") {
		// Emulators (cognito-local prints codes and attributes) are not ours.
		if strings.HasPrefix(line, "[cognito]") || strings.HasPrefix(line, "[ses]") || line == "" {
			continue
		}
		ours = append(ours, line)
	}
	joined := strings.Join(ours, "\n")
	if len(ours) < 5 {
		t.Fatalf("too few log lines to judge (%d)", len(ours))
	}
	secrets := []string{phone, phone[2:], snils, "Зелёный-Чай-42", "Неверный-Пароль-1", s.AccessToken[:40], s.RefreshToken[:20], "500100732259"}
	for _, m := range st.SNS.Messages() {
		if m.PhoneNumber == phone {
			if c := codeRe.FindStringSubmatch(m.Message); c != nil {
				secrets = append(secrets, `"`+c[1]+`"`, "code="+c[1])
			}
		}
	}
	for _, sec := range secrets {
		if strings.Contains(joined, sec) {
			t.Errorf("a log line contains %q", sec)
		}
	}
}

func TestSMSSecondFactorAndTurningMFAOff(t *testing.T) {
	phone := newPhone()
	register(t, phone, newSNILS())
	s := loginAs(t, phone, "Зелёный-Чай-42", "", nil)
	if r := call(t, "PUT", "/auth/mfa", s.AccessToken, []byte(`{"method":"sms"}`), map[string]string{"Content-Type": "application/json"}); r.Status != 204 {
		t.Fatalf("choose SMS = %d %s", r.Status, r.Body)
	}
	start := time.Now()
	r := post(t, "/auth/login", "", map[string]string{"login": phone, "password": "Зелёный-Чай-42"})
	var ch struct{ Challenge, ChallengeID, SentTo string }
	r.JSON(t, &ch)
	if ch.Challenge != "sms" || strings.Contains(ch.SentTo, phone[2:]) {
		t.Fatalf("login = %s, want an sms challenge with a masked phone", r.Body)
	}
	r = post(t, "/auth/login/mfa", "", map[string]string{"challengeId": ch.ChallengeID, "code": smsCode(t, phone, start)})
	if r.Status != 200 {
		t.Fatalf("SMS code = %d %s", r.Status, r.Body)
	}
	var done struct{ Tokens session }
	r.JSON(t, &done)
	// Enable TOTP, then leaving it needs a current code.
	r = post(t, "/auth/mfa/totp", done.Tokens.AccessToken, nil)
	var setup struct{ Secret string }
	r.JSON(t, &setup)
	confirmedAt := time.Now()
	post(t, "/auth/mfa/totp/confirm", done.Tokens.AccessToken, map[string]string{"code": independentTOTP(t, setup.Secret, confirmedAt)})
	off := func(code string) response {
		b, _ := json.Marshal(map[string]string{"method": "none", "code": code})
		return call(t, "PUT", "/auth/mfa", done.Tokens.AccessToken, b, map[string]string{"Content-Type": "application/json"})
	}
	if r := off(""); r.Status != 422 {
		t.Errorf("turning TOTP off without a code = %d, want 422", r.Status)
	}
	// The confirmation used up this step's code; the next step's is accepted
	// (one step of drift either way). Both codes are of the confirmation's
	// step and the one after it, whichever step the clock is in by now.
	if r := off(independentTOTP(t, setup.Secret, confirmedAt)); r.Status != 422 {
		t.Errorf("reusing the code that confirmed TOTP = %d, want 422", r.Status)
	}
	if r := off(independentTOTP(t, setup.Secret, confirmedAt.Add(30*time.Second))); r.Status != 204 {
		t.Errorf("turning TOTP off with a code = %d %s", r.Status, r.Body)
	}
	if r := post(t, "/auth/login", "", map[string]string{"login": phone, "password": "Зелёный-Чай-42"}); !strings.Contains(string(r.Body), "accessToken") {
		t.Errorf("login with MFA off = %s, want tokens", r.Body)
	}
}

func TestChangePasswordAndEndOtherSessions(t *testing.T) {
	phone := newPhone()
	register(t, phone, newSNILS())
	a := loginAs(t, phone, "Зелёный-Чай-42", "", map[string]string{"User-Agent": "Phone"})
	b := loginAs(t, phone, "Зелёный-Чай-42", "", map[string]string{"User-Agent": "Laptop"})
	change := func(current, next string) response {
		return post(t, "/auth/password/change", a.AccessToken, map[string]string{"currentPassword": current, "newPassword": next})
	}
	if r := change("Неверный-Пароль-1", "Осенний-Лист-73"); r.Status != 422 || !strings.Contains(string(r.Body), "currentPassword") {
		t.Errorf("wrong current password = %d %s", r.Status, r.Body)
	}
	r := change("Зелёный-Чай-42", "Ivanova1234!")
	var p struct {
		Errors []struct{ Field, Code string }
	}
	r.JSON(t, &p)
	codes := map[string]bool{}
	for _, e := range p.Errors {
		codes[e.Code] = true
	}
	if r.Status != 422 || !codes["password.sequence"] || !codes["password.personal_info"] {
		t.Errorf("a weak new password = %d %s, want 422 naming password.sequence and password.personal_info", r.Status, r.Body)
	}
	if r := change("Зелёный-Чай-42", "Осенний-Лист-73"); r.Status != 204 {
		t.Fatalf("change = %d %s", r.Status, r.Body)
	}
	r = post(t, "/auth/sessions/end-others", a.AccessToken, nil)
	var ended struct{ Ended int }
	r.JSON(t, &ended)
	if r.Status != 200 || ended.Ended < 1 {
		t.Fatalf("end others = %d %s", r.Status, r.Body)
	}
	if r := call(t, "GET", "/me", b.AccessToken, nil, nil); r.Status != 401 {
		t.Errorf("the other session = %d, want 401", r.Status)
	}
	if r := call(t, "GET", "/me", a.AccessToken, nil, nil); r.Status != 200 {
		t.Errorf("the current session = %d, want 200", r.Status)
	}
}

// sweep runs the deliverer's schedule now.
func sweep(t testing.TB) {
	t.Helper()
	if _, err := st.FireSchedule(context.Background(), "deliver", "Sweep"); err != nil {
		t.Fatalf("deliver sweep: %v", err)
	}
}

// A session unused for longer than the idle timeout (15 minutes) ends: the
// next request is refused as idle, and so is its refresh; the sessions list
// says until when a session stays open.
func TestIdleSessionEnds(t *testing.T) {
	s, _, _, _ := newCitizen(t)
	var list struct {
		Items []struct {
			ID        string
			IdleUntil time.Time
			Current   bool
		}
	}
	call(t, "GET", "/auth/sessions", s.AccessToken, nil, nil).JSON(t, &list)
	if len(list.Items) != 1 || time.Until(list.Items[0].IdleUntil) > 15*time.Minute || time.Until(list.Items[0].IdleUntil) < 14*time.Minute {
		t.Fatalf("sessions = %+v, want one open for 15 minutes more", list.Items)
	}
	// The me function lives 16 minutes ahead: to it the session has been
	// idle that long.
	if err := st.SetFunctionClock("me", 16*time.Minute); err != nil {
		t.Fatal(err)
	}
	defer st.SetFunctionClock("me", 0)
	r := call(t, "GET", "/me", s.AccessToken, nil, nil)
	if r.Status != 401 || !strings.Contains(string(r.Body), "session_idle") {
		t.Fatalf("a request after 16 idle minutes = %d %s, want 401 session_idle", r.Status, r.Body)
	}
	if r := post(t, "/auth/refresh", "", map[string]string{"sessionId": s.SessionID, "refreshToken": s.RefreshToken}); r.Status != 401 {
		t.Errorf("its refresh = %d %s, want 401", r.Status, r.Body)
	}
}

// The INN is a login too, locked like the others, and unique: a second
// account with one INN is refused when it is confirmed.
func TestSignInByINN(t *testing.T) {
	phone := newPhone()
	register(t, phone, newSNILS())
	inn := innFor(phone)
	s := loginAs(t, inn, "Зелёный-Чай-42", "", nil)
	var me struct{ Sub string }
	call(t, "GET", "/me", s.AccessToken, nil, nil).JSON(t, &me)
	if me.Sub == "" {
		t.Fatal("signed in by INN without a subject")
	}
	var last response
	for range 5 {
		last = post(t, "/auth/login", "", map[string]string{"login": inn, "password": "Неверный-Пароль-1"})
	}
	var p struct{ Code, LockNumber string }
	last.JSON(t, &p)
	if last.Status != 423 || p.Code != "account_locked" || p.LockNumber == "" {
		t.Errorf("the fifth wrong password by INN = %d %s, want 423 with a lock number", last.Status, last.Body)
	}
	if r := post(t, "/auth/login", "", map[string]string{"login": phone, "password": "Зелёный-Чай-42"}); r.Status != 423 {
		t.Errorf("the phone of the account locked by INN = %d, want 423: one lock per account", r.Status)
	}
	// Another person registering with the same INN is refused at confirmation.
	other := newPhone()
	reg := registration(other, newSNILS())
	reg["inn"] = inn
	start := time.Now()
	r := post(t, "/auth/register", "", reg)
	var pending struct{ RegistrationID string }
	r.JSON(t, &pending)
	r = post(t, "/auth/register/confirm", "", map[string]string{"registrationId": pending.RegistrationID, "code": smsCode(t, other, start)})
	if r.Status != 409 || !strings.Contains(string(r.Body), "account_exists") {
		t.Errorf("confirming a second account with the INN = %d %s, want 409 account_exists", r.Status, r.Body)
	}
}
