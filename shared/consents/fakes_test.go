package consents

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/dynamo/dynamotest"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/sendlimit"
	"github.com/kabinet/kabinet/shared/vault"
)

// people is a fake of accounts.Profiles: accounts by SNILS hash, and their
// profiles.
type people struct {
	mu       sync.Mutex
	bySNILS  map[string]string // hash -> sub
	levels   map[string]accounts.Level
	profiles map[string]accounts.Profile
}

func (p *people) HolderOf(_ context.Context, kind, hash string) (string, accounts.Level, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	sub, ok := p.bySNILS[hash]
	if kind != "snils" || !ok {
		return "", "", problem.NotFound("учётная запись")
	}
	return sub, p.levels[sub], nil
}

func (p *people) ProfileOf(_ context.Context, sub string) (accounts.Profile, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pr, ok := p.profiles[sub]
	if !ok {
		return accounts.Profile{}, problem.NotFound("учётная запись")
	}
	return pr, nil
}

func profileOf(surname, snils, phone string) accounts.Profile {
	f := func(v any) accounts.Field { return accounts.Field{Value: v} }
	return accounts.Profile{Fields: map[string]accounts.Field{
		"surname": f(surname), "name": f("Анна"), "patronymic": f("Сергеевна"), "sex": f("female"), "birthDate": f("1990-05-17"),
		"birthPlace": f("г. Москва"), "citizenship": f("RUS"), "snils": f(snils), "inn": f(""), "phone": f(phone), "email": f("anna@example.ru"),
		"passport":            f(accounts.Passport{Series: "4510", Number: "123456", IssueDate: "2010-06-01", Issuer: "ОВД", DivisionCode: "770-001"}),
		"registrationAddress": f("г. Москва, ул. Тверская, 1"), "actualAddress": f(""),
	}}
}

// TestCode is the one-time code the fake signatures accept.
const testCode = "424242"

// signatures is a fake of accounts.Signatures: a code is bound to a
// document's version and content, as the real one binds it.
type signatures struct {
	mu      sync.Mutex
	pending map[string]string // sub#doc -> version#content
	sent    int
}

func (s *signatures) StartConfirmation(_ context.Context, sub, doc string, version int64, content, what string, flow sendlimit.Flow) (accounts.SignaturePending, error) {
	if flow != sendlimit.FlowConsent {
		return accounts.SignaturePending{}, fmt.Errorf("a consent's code counted as %s", flow)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending[sub+"#"+doc] = fmt.Sprint(version) + "#" + content
	s.sent++
	return accounts.SignaturePending{Method: accounts.SignBySMS, SentTo: "+7 916 ***-**-01"}, nil
}

func (s *signatures) CheckSignature(_ context.Context, sub, doc string, version int64, content, code string) (func(*dynamo.Tx), error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	want, ok := s.pending[sub+"#"+doc]
	switch {
	case !ok:
		return nil, problem.Invalid(problem.Field{Field: "signatureCode", Code: "signature.required", Message: "Запросите код"})
	case want != fmt.Sprint(version)+"#"+content:
		return nil, problem.Conflict("signature_stale", "stale")
	case code != testCode:
		return nil, problem.Invalid(problem.Field{Field: "signatureCode", Code: "code.invalid", Message: "Неверный код"})
	}
	delete(s.pending, sub+"#"+doc)
	return func(*dynamo.Tx) {}, nil
}

type fixture struct {
	db       *dynamo.Store
	clock    *clock.Manual
	people   *people
	sigs     *signatures
	log      *accesslog.Log
	journal  *journal.Journal
	keys     *vault.Keyring
	consents *Consents
	partners *Partners
	expiry   *Expiry
}

var (
	bank    = actor.Partner("demobank", "client-bank")
	insurer = actor.Partner("demoinsurer", "client-ins")
)

func newFixture(t *testing.T) *fixture { return newFixtureOn(t, dynamotest.NewStore(t)) }

func newFixtureOn(t testing.TB, db *dynamo.Store) *fixture {
	t.Helper()
	c := clock.NewManual(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	keys, err := vault.DeriveKeys(bytes.Repeat([]byte("i"), 32))
	if err != nil {
		t.Fatal(err)
	}
	j := &journal.Journal{DB: db, Key: journal.StaticKey(bytes.Repeat([]byte("j"), 32)), Clock: c}
	f := &fixture{db: db, clock: c, journal: j, keys: vault.FixedKeyring(keys),
		people: &people{bySNILS: map[string]string{}, levels: map[string]accounts.Level{}, profiles: map[string]accounts.Profile{}},
		sigs:   &signatures{pending: map[string]string{}},
		log:    &accesslog.Log{DB: db, Key: accesslog.StaticKey(bytes.Repeat([]byte("a"), 32)), Clock: c, Journal: j}}
	d := Deps{DB: db, Keys: f.keys, People: f.people, Signatures: f.sigs, Inbox: &inbox.Store{DB: db}, Journal: j, Reads: f.log, Clock: c}
	if f.consents, err = NewConsents(d); err != nil {
		t.Fatal(err)
	}
	if f.partners, err = NewPartners(d); err != nil {
		t.Fatal(err)
	}
	if f.expiry, err = NewExpiry(d); err != nil {
		t.Fatal(err)
	}
	return f
}

// person adds an account with a SNILS at a level.
func (f *fixture) person(sub, snils string, level accounts.Level) {
	f.people.mu.Lock()
	defer f.people.mu.Unlock()
	ix := f.index()
	f.people.bySNILS[ix.Of("snils", snils)] = sub
	f.people.levels[sub] = level
	f.people.profiles[sub] = profileOf("Иванова", "112-233-445 95", "+79161234567")
}

func (f *fixture) index() *vault.Index {
	k, _ := f.keys.Keys(context.Background())
	return k.Index
}
