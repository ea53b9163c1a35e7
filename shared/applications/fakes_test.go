package applications

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
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
	"github.com/kabinet/kabinet/shared/issued"
	"github.com/kabinet/kabinet/shared/issued/issuedpdf"
	"github.com/kabinet/kabinet/shared/issued/issuedtest"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/problem"
)

// Hand-written fakes with function fields: a nil field does what the real
// dependency does in the common case.

// fakeSealer "seals" by binding the context to the text, so that opening
// with another context fails as with the vault.
type fakeSealer struct {
	seal func(ctx context.Context, plaintext []byte, c map[string]string) (string, error)
	open func(ctx context.Context, sealed string, c map[string]string) ([]byte, error)
}

func sealPrefix(c map[string]string) string { return "sealed:" + c["user"] + ":" + c["field"] + ":" }

func (f fakeSealer) Seal(ctx context.Context, plaintext []byte, c map[string]string) (string, error) {
	if f.seal != nil {
		return f.seal(ctx, plaintext, c)
	}
	return sealPrefix(c) + base64.StdEncoding.EncodeToString(plaintext), nil
}

func (f fakeSealer) Open(ctx context.Context, sealed string, c map[string]string) ([]byte, error) {
	if f.open != nil {
		return f.open(ctx, sealed, c)
	}
	rest, ok := strings.CutPrefix(sealed, sealPrefix(c))
	if !ok {
		return nil, errors.New("fake sealer: wrong context")
	}
	return base64.StdEncoding.DecodeString(rest)
}

// fakeProfiles answers every account with the same profile and the level
// levels holds for it (confirmed when none).
type fakeProfiles struct {
	mu       sync.Mutex
	levels   map[string]accounts.Level
	autofill func(ctx context.Context, sub string) (map[string]any, error)
	level    func(ctx context.Context, sub string) (accounts.Level, error)
}

var profile = map[string]any{"surname": "Ёлкина", "name": "Анна", "patronymic": "Сергеевна", "birthDate": "1990-04-01",
	"snils": "112-233-445 95", "inn": "500100732259"}

func (f *fakeProfiles) Autofill(ctx context.Context, sub string) (map[string]any, error) {
	if f.autofill != nil {
		return f.autofill(ctx, sub)
	}
	return profile, nil
}

func (f *fakeProfiles) Level(ctx context.Context, sub string) (accounts.Level, error) {
	if f.level != nil {
		return f.level(ctx, sub)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if l, ok := f.levels[sub]; ok {
		return l, nil
	}
	return accounts.LevelConfirmed, nil
}

func (f *fakeProfiles) setLevel(sub, level string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.levels[sub] = accounts.Level(level)
}

// fakeSignatures accepts the code "123456" for whatever was signed.
type fakeSignatures struct {
	start func(ctx context.Context, sub, docID string, version int64, content string) (accounts.SignaturePending, error)
	check func(ctx context.Context, sub, docID string, version int64, content, code string) (func(*dynamo.Tx), error)
}

func (f fakeSignatures) StartSignature(ctx context.Context, sub, docID string, version int64, content string) (accounts.SignaturePending, error) {
	if f.start != nil {
		return f.start(ctx, sub, docID, version, content)
	}
	return accounts.SignaturePending{Method: "sms", SentTo: "+7 *** ***-**-01"}, nil
}

func (f fakeSignatures) CheckSignature(ctx context.Context, sub, docID string, version int64, content, code string) (func(*dynamo.Tx), error) {
	if f.check != nil {
		return f.check(ctx, sub, docID, version, content, code)
	}
	return func(*dynamo.Tx) {}, nil
}

// activity is the real activity journal over the test table, so that an
// officer's move and its entry commit as they do in the function.
type activity struct{ *journal.Journal }

// of reads a person's whole journal, oldest first.
func (j activity) of(t testing.TB, sub string) []journal.Entry {
	t.Helper()
	entries, err := j.All(context.Background(), sub, journal.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// fakeIssuer issues through a real issued.Service over the test table (so
// that a result records itself) with an in-memory key and bucket, unless
// issue is set; it keeps the requests and the discarded results.
type fakeIssuer struct {
	real      *issued.Service
	mu        sync.Mutex
	requests  []issued.Request
	discarded []*issued.Result
	issue     func(ctx context.Context, r issued.Request) (*issued.Result, error)
}

func (f *fakeIssuer) Issue(ctx context.Context, r issued.Request) (*issued.Result, error) {
	f.mu.Lock()
	f.requests = append(f.requests, r)
	f.mu.Unlock()
	if f.issue != nil {
		return f.issue(ctx, r)
	}
	return f.real.Issue(ctx, r)
}

func (f *fakeIssuer) Discard(ctx context.Context, r *issued.Result) error {
	f.mu.Lock()
	f.discarded = append(f.discarded, r)
	f.mu.Unlock()
	return f.real.Discard(ctx, r)
}

func (f *fakeIssuer) Verify(ctx context.Context, code string, file []byte) (issued.Verification, error) {
	return f.real.Verify(ctx, code, file)
}

// tickClock moves a millisecond on every reading, so that two changes
// never share a time (the journal of an application is keyed by time).
type tickClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *tickClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

// start is Monday 23 November 2026, 10:00 in Moscow.
var start = time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)

// env is a service over an emulated table with fakes around it.
type env struct {
	svc      *Service
	db       *dynamo.Store
	profiles *fakeProfiles
	journal  activity
	issuer   *fakeIssuer
	objects  *issuedtest.Objects
	seq      int
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db := dynamotest.NewStore(t)
	objs := issuedtest.NewObjects()
	e := &env{db: db, profiles: &fakeProfiles{levels: map[string]accounts.Level{}}, journal: activity{&journal.Journal{DB: db, Key: journal.StaticKey(make([]byte, 32)), Clock: clock.System{}}},
		issuer:  &fakeIssuer{real: &issued.Service{DB: db, Objects: objs, Signer: issuedtest.NewSigner(t), Renderer: issuedpdf.Renderer{}, PortalURL: "https://kabinet.example.ru"}},
		objects: objs}
	e.svc = &Service{DB: db, Sealer: fakeSealer{}, Profiles: e.profiles, Signatures: fakeSignatures{}, Inbox: &inbox.Store{DB: db},
		Journal: e.journal, Clock: &tickClock{t: start}, Issuer: e.issuer,
		Reads: &accesslog.Log{DB: db, Key: accesslog.StaticKey(make([]byte, 32))}}
	return e
}

// citizen is a new person, with an account of the given level.
func (e *env) citizen(level string) actor.Actor {
	e.seq++
	sub := fmt.Sprintf("citizen-%d", e.seq)
	e.profiles.setLevel(sub, level)
	return actor.Citizen(sub)
}

// officer is a new officer of a department.
func (e *env) officer(department string) actor.Actor {
	e.seq++
	return actor.Actor{Sub: fmt.Sprintf("officer-%d", e.seq), Groups: []string{actor.GroupOfficers}, Department: department}
}

// scan is a checked scan of one of the person's documents.
func (e *env) scan(t *testing.T, sub, typ string) string {
	t.Helper()
	e.seq++
	id := fmt.Sprintf("20261123070000-scan%d", e.seq)
	k := dynamo.DocumentKey(sub, id)
	if err := e.db.Put(context.Background(), map[string]any{"PK": k.PK, "SK": k.SK, "Kind": "document", "ID": id, "Type": typ,
		"State": "ready", "Uses": 0}); err != nil {
		t.Fatal(err)
	}
	return id
}

// notes counts a person's inbox.
func (e *env) notes(t *testing.T, sub string) []inbox.Record {
	t.Helper()
	recs, _, err := (&inbox.Store{DB: e.db}).List(context.Background(), sub, false, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// item reads an application as stored.
func (e *env) item(t *testing.T, sub, id string) appItem {
	t.Helper()
	it, err := e.svc.table().app(context.Background(), sub, id)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func (e *env) logs(t *testing.T, sub, id string) []logItem {
	t.Helper()
	logs, err := e.svc.table().logs(context.Background(), sub, id)
	if err != nil {
		t.Fatal(err)
	}
	return logs
}

// queued reports under which status an application is in its
// department's queue ("" when it is not).
func (e *env) queued(t *testing.T, officer actor.Actor, id string) string {
	t.Helper()
	items, _, err := e.svc.Queue(context.Background(), officer, "", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range items {
		if a.ID == id {
			return a.Status
		}
	}
	return ""
}

// exists reports whether an item is in the table.
func (e *env) exists(t *testing.T, k dynamo.Key) bool {
	t.Helper()
	var m map[string]any
	err := e.db.Get(context.Background(), k, "x", &m)
	if err != nil && !problem.Is(err, problem.KindNotFound) {
		t.Fatal(err)
	}
	return err == nil
}
