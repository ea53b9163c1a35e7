package accounts

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/kabinet/kabinet/infra/local/kmsemu"
	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/dynamo/dynamotest"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/notify"
	"github.com/kabinet/kabinet/shared/password"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/sendlimit"
	"github.com/kabinet/kabinet/shared/sessions"
	"github.com/kabinet/kabinet/shared/vault"
	"github.com/kabinet/kabinet/shared/vault/kmsseal"
)

// fakeUsers is an in-memory user pool issuing JWT-shaped tokens.
type fakeUsers struct {
	mu      sync.Mutex
	clock   clock.Clock
	users   map[string]*fakeUser
	revoked map[string]bool
	seq     int
	// signIns are the usernames password checks were asked for.
	signIns []string
	// attrsDown makes SetAttributes fail, as a Cognito outage would.
	attrsDown bool
	// hold, when set, runs before every password check (to line up
	// parallel sign-ins).
	hold func()
}

type fakeUser struct {
	sub, password string
	attrs         map[string]string
}

func newFakeUsers(c clock.Clock) *fakeUsers {
	return &fakeUsers{clock: c, users: map[string]*fakeUser{}, revoked: map[string]bool{}}
}

func (f *fakeUsers) token() string {
	f.seq++
	payload, _ := json.Marshal(map[string]any{"jti": fmt.Sprintf("jti-%d", f.seq), "exp": f.clock.Now().Add(15 * time.Minute).Unix()})
	return "e30." + base64.RawURLEncoding.EncodeToString(payload) + ".sig"
}

func (f *fakeUsers) CreateUser(_ context.Context, u NewUser) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.users[u.Username]; ok {
		return "", problem.Conflict("account_exists", "exists")
	}
	f.seq++
	sub := fmt.Sprintf("00000000-0000-4000-8000-%012d", f.seq)
	f.users[u.Username] = &fakeUser{sub: sub, password: u.Password, attrs: u.Attributes}
	return sub, nil
}

func (f *fakeUsers) DeleteUser(_ context.Context, username string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.users, username)
	return nil
}

func (f *fakeUsers) SignIn(_ context.Context, username, pw string) (SignInResult, error) {
	if f.hold != nil {
		f.hold()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.signIns = append(f.signIns, username)
	u, ok := f.users[username]
	if !ok || u.password != pw {
		return SignInResult{}, problem.Unauthenticated("")
	}
	return SignInResult{Tokens: &PoolTokens{AccessToken: f.token(), IDToken: "id", RefreshToken: fmt.Sprintf("rt-%d", f.seq)}}, nil
}

func (f *fakeUsers) Refresh(_ context.Context, rt string) (PoolTokens, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.revoked[rt] {
		return PoolTokens{}, problem.Unauthenticated("")
	}
	return PoolTokens{AccessToken: f.token(), IDToken: "id"}, nil
}

func (f *fakeUsers) Revoke(_ context.Context, rt string) error {
	f.mu.Lock()
	f.revoked[rt] = true
	f.mu.Unlock()
	return nil
}

func (f *fakeUsers) SetAttributes(_ context.Context, username string, attrs map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.attrsDown {
		return errors.New("cognito: service unavailable")
	}
	for k, v := range attrs {
		f.users[username].attrs[k] = v
	}
	return nil
}

func (f *fakeUsers) SetPassword(_ context.Context, username, pw string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users[username].password = pw
	return nil
}

// outbox records SMS and email.
type outbox struct {
	mu   sync.Mutex
	sms  []string
	mail []notify.Email
	// smsDown makes SMS fail, as an SNS outage would.
	smsDown bool
}

func (o *outbox) SMS(_ context.Context, phone, text string) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.smsDown {
		return "", errors.New("sns: service unavailable")
	}
	o.sms = append(o.sms, phone+": "+text)
	return "id", nil
}

func (o *outbox) Send(_ context.Context, e notify.Email) (string, error) {
	o.mu.Lock()
	o.mail = append(o.mail, e)
	o.mu.Unlock()
	return "id", nil
}

// lastCode returns the code in the newest SMS to a phone.
func (o *outbox) lastCode(t testing.TB, phone string) string {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.sms) - 1; i >= 0; i-- {
		if text, ok := strings.CutPrefix(o.sms[i], phone+": "); ok {
			if m := codeRe.FindString(text); m != "" {
				return m
			}
		}
	}
	t.Fatalf("no SMS code for %s", phone)
	return ""
}

// services are every account service over one set of dependencies, as the
// functions build them; tests call their methods through it.
type services struct {
	*Registrations
	*SignIn
	*Credentials
	*Levels
	*Profiles
	*Contacts
	*ChangeRequests
	*IdentityDocs
	*Signatures
}

func newServices(t testing.TB, d Deps) *services {
	t.Helper()
	var s services
	var errs [9]error
	s.Registrations, errs[0] = NewRegistrations(d)
	s.SignIn, errs[1] = NewSignIn(d)
	s.Credentials, errs[2] = NewCredentials(d)
	s.Levels, errs[3] = NewLevels(d)
	s.Profiles, errs[4] = NewProfiles(d)
	s.Contacts, errs[5] = NewContacts(d)
	s.ChangeRequests, errs[6] = NewChangeRequests(d)
	s.IdentityDocs, errs[7] = NewIdentityDocs(d)
	s.Signatures, errs[8] = NewSignatures(d)
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return &s
}

type fixture struct {
	svc   *services
	deps  Deps
	clock *clock.Manual
	users *fakeUsers
	out   *outbox
	db    *dynamo.Store
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	return newFixtureOn(t, dynamotest.NewStore(t))
}

// testKeys are the index and purpose keys of the tests.
func testKeys(t testing.TB) *vault.Keyring {
	t.Helper()
	keys, err := vault.DeriveKeys([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return vault.FixedKeyring(keys)
}

func newFixtureOn(t testing.TB, db *dynamo.Store) *fixture {
	t.Helper()
	srv := httptest.NewServer(kmsemu.New())
	t.Cleanup(srv.Close)
	kc := kms.New(kms.Options{BaseEndpoint: aws.String(srv.URL), Region: "eu-central-1",
		Credentials: credentials.NewStaticCredentialsProvider("t", "t", "")})
	key, err := kc.CreateKey(context.Background(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	c := clock.NewManual(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	users, out := newFakeUsers(c), &outbox{}
	d := Deps{DB: db, Users: users, Sealer: kmsseal.NewSealer(kc, aws.ToString(key.KeyMetadata.KeyId)), Keys: testKeys(t),
		Policy: password.Seeds(), SMS: out, Mail: out, Sessions: sessions.NewStore(db), Inbox: &inbox.Store{DB: db}, Clock: c,
		Limiter: unlimited{}, Journal: &journal.Journal{DB: db, Key: journal.StaticKey(make([]byte, 32)), Clock: c},
		Consents: &consentBook{given: map[string]RegistrationConsent{}}, Reads: &accesslog.Log{DB: db}}
	return &fixture{svc: newServices(t, d), deps: d, clock: c, users: users, out: out, db: db}
}

func person(phone, snils string) Registration {
	return Registration{Surname: "Иванова", Name: "Анна", Patronymic: "Сергеевна", BirthDate: "1990-05-17", Sex: "female", Citizenship: "RUS",
		Passport: Passport{Series: "4510", Number: "123456", IssueDate: "2010-06-01", Issuer: "ОВД района Хамовники", DivisionCode: "770-001"},
		SNILS:    snils, INN: innFor(phone), Phone: phone, Email: "anna@example.ru", Password: "Зелёный-Чай-42",
		PersonalDataConsent: testConsentVersion}
}

// testConsentVersion is the edition of the registration consent the fake
// recorder has in force.
const testConsentVersion = "test-1"

// consentBook is a ConsentRecorder that keeps what it was given (the real
// one, consents.Registration, depends on this package).
type consentBook struct {
	mu    sync.Mutex
	given map[string]RegistrationConsent
}

func (b *consentBook) CurrentVersion() string { return testConsentVersion }

func (b *consentBook) RegistrationConsentTx(_ *dynamo.Tx, sub string, c RegistrationConsent) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.given[sub] = c
	return nil
}

// innFor is a valid personal INN made from the last ten digits of s, so
// each test person's INN is their own (an INN is unique, like a SNILS).
func innFor(s string) string {
	var d []int
	for _, r := range s {
		if r >= '0' && r <= '9' {
			d = append(d, int(r-'0'))
		}
	}
	for len(d) < 10 {
		d = append([]int{1}, d...)
	}
	d = d[len(d)-10:]
	check := func(w []int) int {
		sum := 0
		for i, x := range w {
			sum += x * d[i]
		}
		return sum % 11 % 10
	}
	d = append(d, check([]int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8}))
	d = append(d, check([]int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8}))
	out := make([]byte, len(d))
	for i, x := range d {
		out[i] = byte('0' + x)
	}
	return string(out)
}

func (f *fixture) provision(t testing.TB, username, phone, snils string) string {
	t.Helper()
	sub, err := f.svc.Provision(context.Background(), username, person(phone, snils), LevelStandard, nil)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

var meta = Meta{IP: "203.0.113.5", UserAgent: "test-agent"}

// limitSends gives the services a real send limiter with limits l.
func (f *fixture) limitSends(t testing.TB, l sendlimit.Limits) {
	t.Helper()
	f.deps.Limiter = &sendlimit.Limiter{DB: f.db, Keys: f.deps.Keys, Clock: f.clock, Limits: l}
	f.svc = newServices(t, f.deps)
}

// unlimited is a send limiter that allows everything (the limiter has its
// own tests; TestSendsPassTheLimiter uses a real one).
type unlimited struct{}

func (unlimited) Allow(context.Context, sendlimit.Send) error { return nil }

// brokenKey is a journal key that cannot be read, as when Secrets Manager
// is down: nothing can be journaled.
type brokenKey struct{}

func (brokenKey) JournalKey(context.Context) ([]byte, error) {
	return nil, errors.New("secretsmanager: service unavailable")
}
