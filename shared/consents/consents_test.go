package consents

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/personaldata"
	"github.com/kabinet/kabinet/shared/problem"
)

const aliceSNILS = "11223344595"

var alice = actor.Actor{Sub: "alice", IP: "203.0.113.7"}

func loanRequest(id string) RequestInput {
	return RequestInput{RequestID: id, Person: PersonInput{SNILS: "112-233-445 95"}, Purpose: "Рассмотрение заявки на потребительский кредит",
		Levels: map[Level][]personaldata.Category{
			LevelFull:    {personaldata.Personal, personaldata.Passport, personaldata.SNILS, personaldata.Contacts, personaldata.Income},
			LevelPartial: {personaldata.Personal, personaldata.Passport, personaldata.Contacts},
			LevelLimited: {personaldata.Personal, personaldata.Contacts},
		}, Level: LevelFull, ExpiresAt: "2027-06-30"}
}

func (f *fixture) request(t *testing.T, a actor.Actor, in RequestInput) Consent {
	t.Helper()
	c, created, err := f.partners.Request(context.Background(), a, in)
	if err != nil || !created {
		t.Fatalf("request = %+v, %v, %v", c, created, err)
	}
	return c
}

func (f *fixture) grant(t *testing.T, id string, terms Terms) Consent {
	t.Helper()
	ctx := context.Background()
	if _, err := f.consents.StartConfirmation(ctx, alice, id, terms); err != nil {
		t.Fatal(err)
	}
	c, err := f.consents.Grant(ctx, alice, id, terms, testCode)
	if err != nil {
		t.Fatalf("grant: %v", err)
	}
	return c
}

// granted is a request by a granted on terms, as the organisation then
// knows it.
func (f *fixture) granted(t *testing.T, a actor.Actor, in RequestInput, terms Terms) Consent {
	t.Helper()
	req := f.request(t, a, in)
	c := f.grant(t, req.ID, terms)
	c.PersonRef = req.PersonRef
	return c
}

func notes(t *testing.T, f *fixture, sub, typ string) []inbox.Record {
	t.Helper()
	recs, _, err := (&inbox.Store{DB: f.db}).List(context.Background(), sub, false, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []inbox.Record
	for _, r := range recs {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// The whole life of a consent: the bank asks by SNILS, the person sees the
// request (and a note), grants the limited level with a code, the bank
// reads exactly those categories (each read in the person's access log),
// the person withdraws and the bank's next read is refused. Every step is
// in the history and the activity journal.
func TestAConsentFromRequestToWithdrawal(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.person("alice", aliceSNILS, accounts.LevelStandard)
	req := f.request(t, bank, loanRequest("Z-1"))
	if req.Status != StatusRequested || req.PersonRef == "" || req.Level != LevelFull || len(req.Categories) != 5 {
		t.Fatalf("request = %+v", req)
	}
	if ns := notes(t, f, "alice", messages.ConsentRequested); len(ns) != 1 || !strings.Contains(ns[0].Body, "АО «Демо Банк»") {
		t.Errorf("request notes = %+v", ns)
	}
	list, _, err := f.consents.List(ctx, alice, Filter{Status: FilterCurrent}, "", 20)
	if err != nil || len(list) != 1 || list[0].ID != req.ID || list[0].AnswerBy.IsZero() {
		t.Fatalf("alice's current consents = %+v, %v", list, err)
	}
	// Nothing before the answer.
	if _, err := f.partners.Data(ctx, bank, req.PersonRef, DataRequest{Consent: req.ID}); problem.CodeOf(err) != "consent_not_active" {
		t.Errorf("a read before the grant = %v, want 403 consent_not_active", err)
	}
	limited := f.grant(t, req.ID, Terms{Level: LevelLimited})
	if limited.Status != StatusActive || limited.Level != LevelLimited || fmt.Sprint(limited.Categories) != "[personal contacts]" ||
		!limited.ExpiresAt.Equal(req.ExpiresAt) {
		t.Fatalf("granted = %+v", limited)
	}
	data, err := f.partners.Data(ctx, bank, req.PersonRef, DataRequest{Operator: "Иванова А. П."})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(data.Categories) != "[personal contacts]" || len(data.Data) != 2 || data.Data[personaldata.Passport] != nil {
		t.Errorf("data = %+v, want personal and contacts only", data)
	}
	if pd := data.Data[personaldata.Personal].(map[string]any); pd["surname"] != "Иванова" {
		t.Errorf("personal = %+v", pd)
	}
	if _, err := f.partners.Data(ctx, bank, req.PersonRef, DataRequest{Categories: []personaldata.Category{personaldata.Passport}}); problem.CodeOf(err) != "category_not_consented" {
		t.Errorf("the passport under the limited level = %v, want 403 category_not_consented", err)
	}
	page, err := f.log.List(ctx, alice, accesslog.Filter{}, "", 20)
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("access log = %+v, %v", page, err)
	}
	if e := page.Items[0]; e.Organisation != "АО «Демо Банк»" || e.Person != "Иванова А. П." || e.Reason.Kind != accesslog.ReasonConsent ||
		e.Reason.Ref != req.ID || fmt.Sprint(e.Categories) != "[personal contacts]" {
		t.Errorf("entry = %+v", e)
	}
	if _, err := f.consents.Withdraw(ctx, alice, req.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.partners.Data(ctx, bank, req.PersonRef, DataRequest{}); problem.CodeOf(err) != "consent_not_active" {
		t.Errorf("a read after the withdrawal = %v, want 403", err)
	}
	if _, err := f.consents.Withdraw(ctx, alice, req.ID); !problem.Is(err, problem.KindConflict) {
		t.Errorf("a second withdrawal = %v, want 409", err)
	}
	card, err := f.consents.Get(ctx, alice, req.ID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range card.History {
		actions = append(actions, e.Action+"/"+e.Actor)
	}
	if card.Status != StatusWithdrawn || fmt.Sprint(actions) != "[requested/partner granted/citizen withdrawn/citizen]" {
		t.Errorf("card = %s %v", card.Status, actions)
	}
	entries, _ := f.journal.All(ctx, "alice", journal.Filter{Types: []string{journal.TypeConsent}})
	if len(entries) != 3 || entries[0].Actor != journal.ActorPartner || entries[0].Organisation != "demobank" ||
		!strings.Contains(entries[1].Summary, "ограниченный") || !strings.Contains(entries[2].Summary, "отозвали") {
		t.Errorf("journal = %+v", entries)
	}
	if ns := notes(t, f, "alice", messages.ConsentChanged); len(ns) != 2 {
		t.Errorf("change notes = %d, want granted and withdrawn", len(ns))
	}
	// The bank sees the withdrawal.
	if got, err := f.partners.Get(ctx, bank, req.ID); err != nil || got.Status != StatusWithdrawn {
		t.Errorf("the bank's view = %+v, %v", got, err)
	}
	csv, err := f.consents.CSV(ctx, alice, Filter{})
	if err != nil || strings.Count(string(csv), "\r\n") != 4 || !strings.Contains(string(csv), "Отозвано") {
		t.Errorf("csv = %q, %v", csv, err)
	}
}

// Bad requests name every bad field and make nothing.
func TestARequestIsCheckedFieldByField(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.person("alice", aliceSNILS, accounts.LevelStandard)
	cases := map[string]struct {
		spoil func(*RequestInput)
		field string
		code  string
	}{
		"an unknown category": {func(r *RequestInput) {
			r.Levels[LevelPartial] = []personaldata.Category{personaldata.Personal, "dna"}
		}, "levels.partial[1]", "category.unknown"},
		"a category no consent may name": {func(r *RequestInput) {
			r.Levels[LevelLimited] = []personaldata.Category{personaldata.Application}
		}, "levels.limited[0]", "category.unknown"},
		"a term in the past":       {func(r *RequestInput) { r.ExpiresAt = "2026-01-01" }, "expiresAt", "term.past"},
		"a term of hours":          {func(r *RequestInput) { r.ExpiresAt = "2026-11-23T18:00:00Z" }, "expiresAt", "term.too_short"},
		"a term of decades":        {func(r *RequestInput) { r.ExpiresAt = "2040-01-01" }, "expiresAt", "term.too_long"},
		"a term that is no date":   {func(r *RequestInput) { r.ExpiresAt = "завтра" }, "expiresAt", "term.format"},
		"a level not defined":      {func(r *RequestInput) { delete(r.Levels, LevelFull) }, "level", "level.undefined"},
		"a level nobody knows":     {func(r *RequestInput) { r.Level = "maximum" }, "level", "level.unknown"},
		"a level key nobody knows": {func(r *RequestInput) { r.Levels["maximum"] = r.Levels[LevelFull] }, "levels.maximum", "level.unknown"},
		"a narrower level not inside": {func(r *RequestInput) {
			r.Levels[LevelLimited] = []personaldata.Category{personaldata.INN}
		}, "levels.limited", "level.not_narrower"},
		"no levels":            {func(r *RequestInput) { r.Levels = nil }, "levels", "levels.required"},
		"a short purpose":      {func(r *RequestInput) { r.Purpose = "Да" }, "purpose", "text.length"},
		"both SNILS and a ref": {func(r *RequestInput) { r.Person.Reference = "ABCD-EFGH-JKMN" }, "person", "person.one"},
		"a bad SNILS":          {func(r *RequestInput) { r.Person.SNILS = "112-233-445 96" }, "person.snils", "snils.checksum"},
		"no person":            {func(r *RequestInput) { r.Person = PersonInput{} }, "person", "person.required"},
		"a bad request id":     {func(r *RequestInput) { r.RequestID = "заявка 1" }, "requestId", "request_id.format"},
	}
	for name, c := range cases {
		in := loanRequest("Z-" + name)
		in.Levels = map[Level][]personaldata.Category{LevelFull: in.Levels[LevelFull], LevelPartial: in.Levels[LevelPartial], LevelLimited: in.Levels[LevelLimited]}
		c.spoil(&in)
		_, _, err := f.partners.Request(ctx, bank, in)
		pe, ok := problem.As(err)
		if !ok || pe.Kind != problem.KindInvalid {
			t.Errorf("%s: %v, want 422", name, err)
			continue
		}
		found := false
		for _, fl := range pe.Fields {
			found = found || (fl.Field == c.field && fl.Code == c.code)
		}
		if !found {
			t.Errorf("%s: fields %+v, want %s %s", name, pe.Fields, c.field, c.code)
		}
	}
	if list, _, _ := f.consents.List(ctx, alice, Filter{}, "", 20); len(list) != 0 {
		t.Errorf("bad requests made %d consents", len(list))
	}
	for name, a := range map[string]actor.Actor{"a citizen": alice, "an agency": actor.Agency("fns", "c"), "an unknown partner": actor.Partner("nobank", "c")} {
		if _, _, err := f.partners.Request(ctx, a, loanRequest("Z-x")); !problem.Is(err, problem.KindForbidden) {
			t.Errorf("%s requests: %v, want 403", name, err)
		}
	}
}

// A request sent again (the same requestId and content) is the same
// request, even when ten arrive at once; the same id with other content
// is refused.
func TestARequestIsMadeOncePerRequestID(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.person("alice", aliceSNILS, accounts.LevelStandard)
	var wg sync.WaitGroup
	ids := make(chan string, 10)
	var created atomic.Int32
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, made, err := f.partners.Request(ctx, bank, loanRequest("Z-same"))
			if err != nil {
				t.Error(err)
				return
			}
			if made {
				created.Add(1)
			}
			ids <- c.ID
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		seen[id] = true
	}
	if len(seen) != 1 || created.Load() != 1 {
		t.Errorf("ten sends of one request made %d consents (%d said created)", len(seen), created.Load())
	}
	other := loanRequest("Z-same")
	other.Purpose = "Совсем другая цель запроса"
	if _, _, err := f.partners.Request(ctx, bank, other); problem.CodeOf(err) != "request_id_reused" {
		t.Errorf("another content under the id = %v, want 409 request_id_reused", err)
	}
	if ns := notes(t, f, "alice", messages.ConsentRequested); len(ns) != 1 {
		t.Errorf("%d request notes, want 1", len(ns))
	}
	// Another organisation's id space is its own.
	if _, made, err := f.partners.Request(ctx, insurer, loanRequest("Z-same")); err != nil || !made {
		t.Errorf("the insurer's Z-same = %v, %v", made, err)
	}
}

// A person found by SNILS must have had their identity checked; one who
// has not, and one who does not exist, are both just not found.
func TestASNILSFindsOnlyACheckedIdentity(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.person("alice", aliceSNILS, accounts.LevelSimplified)
	_, _, err := f.partners.Request(ctx, bank, loanRequest("Z-1"))
	unknown := loanRequest("Z-2")
	unknown.Person.SNILS = "123-456-789 64"
	_, _, err2 := f.partners.Request(ctx, bank, unknown)
	if problem.CodeOf(err) != "person_not_found" || problem.CodeOf(err2) != "person_not_found" || detail(err) != detail(err2) {
		t.Errorf("simplified = %v, unknown = %v; want the same 404", err, err2)
	}
}

// A reference the person made serves one request, typed as people type it.
func TestAReferenceServesOneRequest(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.person("alice", aliceSNILS, accounts.LevelSimplified)
	ref, err := f.consents.CreateReference(ctx, alice)
	if err != nil || len(ref.Reference) != 14 {
		t.Fatalf("reference = %+v, %v", ref, err)
	}
	in := loanRequest("Z-ref")
	in.Person = PersonInput{Reference: strings.ToLower(strings.ReplaceAll(ref.Reference, "-", " "))}
	c := f.request(t, bank, in)
	if got, _ := f.consents.Get(ctx, alice, c.ID); got.Status != StatusRequested {
		t.Errorf("alice's consent = %+v", got)
	}
	again := loanRequest("Z-ref-2")
	again.Person = PersonInput{Reference: ref.Reference}
	if _, _, err := f.partners.Request(ctx, insurer, again); problem.CodeOf(err) != "person_not_found" {
		t.Errorf("a used reference = %v, want 404", err)
	}
	late, _ := f.consents.CreateReference(ctx, alice)
	f.clock.Advance(ReferenceLifetime)
	again.Person = PersonInput{Reference: late.Reference}
	if _, _, err := f.partners.Request(ctx, insurer, again); problem.CodeOf(err) != "person_not_found" {
		t.Errorf("an expired reference = %v, want 404", err)
	}
}

// Each organisation sees its own consents and knows the person by its own
// reference; another's consent is not found, another's reference finds
// nobody.
func TestAnOrganisationSeesOnlyItsOwn(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.person("alice", aliceSNILS, accounts.LevelStandard)
	b := f.request(t, bank, loanRequest("Z-1"))
	f.grant(t, b.ID, Terms{})
	i := f.request(t, insurer, loanRequest("P-1"))
	if b.PersonRef == i.PersonRef {
		t.Errorf("two organisations know alice by one reference %s", b.PersonRef)
	}
	if _, err := f.partners.Get(ctx, insurer, b.ID); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("the insurer reads the bank's consent: %v", err)
	}
	if _, err := f.partners.Data(ctx, insurer, b.PersonRef, DataRequest{}); problem.CodeOf(err) != "person_not_found" {
		t.Errorf("the insurer with the bank's reference = %v, want 404", err)
	}
	if _, err := f.partners.Data(ctx, insurer, i.PersonRef, DataRequest{Consent: b.ID}); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("the insurer reading under the bank's consent = %v, want 404", err)
	}
	for _, c := range []struct {
		a    actor.Actor
		want string
	}{{bank, b.ID}, {insurer, i.ID}} {
		list, _, err := f.partners.List(ctx, c.a, PartnerFilter{}, "", 20)
		if err != nil || len(list) != 1 || list[0].ID != c.want {
			t.Errorf("%s lists %+v, %v", c.a.Partner(), list, err)
		}
	}
	if list, _, _ := f.partners.List(ctx, bank, PartnerFilter{Status: StatusRequested}, "", 20); len(list) != 0 {
		t.Errorf("bank's requested = %+v", list)
	}
	// A person's consents are theirs: bob has none of alice's.
	if _, err := f.consents.Get(ctx, actor.Citizen("bob"), b.ID); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("bob reads alice's consent: %v", err)
	}
	if _, err := f.consents.Withdraw(ctx, actor.Citizen("bob"), b.ID); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("bob withdraws alice's consent: %v", err)
	}
}

// A grant may narrow what was asked, never widen it, and needs the code
// sent for exactly those terms.
func TestAGrantIsNarrowerAndConfirmed(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.person("alice", aliceSNILS, accounts.LevelStandard)
	in := loanRequest("Z-1")
	in.Level = LevelPartial
	c := f.request(t, bank, in)
	for name, tc := range map[string]struct {
		terms Terms
		field string
		code  string
	}{
		"wider than asked":   {Terms{Level: LevelFull}, "level", "level.wider"},
		"a level not known":  {Terms{Level: "all"}, "level", "level.unknown"},
		"longer than asked":  {Terms{ExpiresAt: "2027-07-01"}, "expiresAt", "term.longer"},
		"a term in the past": {Terms{ExpiresAt: "2026-11-01"}, "expiresAt", "term.past"},
	} {
		_, err := f.consents.Grant(ctx, alice, c.ID, tc.terms, testCode)
		if pe, ok := problem.As(err); !ok || pe.Kind != problem.KindInvalid || pe.Fields[0].Field != tc.field || pe.Fields[0].Code != tc.code {
			t.Errorf("%s: %v, want 422 %s %s", name, err, tc.field, tc.code)
		}
	}
	if _, err := f.consents.Grant(ctx, alice, c.ID, Terms{}, ""); problem.CodeOf(err) != "confirmation_required" {
		t.Errorf("no code = %v, want 428", err)
	}
	if _, err := f.consents.StartConfirmation(ctx, alice, c.ID, Terms{Level: LevelLimited}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.consents.Grant(ctx, alice, c.ID, Terms{Level: LevelLimited}, "000000"); problem.FieldNames(err)[0] != "code" {
		t.Errorf("a wrong code = %v, want 422 code", err)
	}
	if _, err := f.consents.Grant(ctx, alice, c.ID, Terms{}, testCode); problem.CodeOf(err) != "signature_stale" {
		t.Errorf("a code sent for other terms = %v, want 409 signature_stale", err)
	}
	f.grant(t, c.ID, Terms{Level: LevelLimited, ExpiresAt: "2027-01-31"})
	if _, err := f.consents.Grant(ctx, alice, c.ID, Terms{}, testCode); problem.CodeOf(err) != "consent_active" {
		t.Errorf("a second grant = %v, want 409 consent_active", err)
	}
	if _, err := f.consents.Refuse(ctx, alice, c.ID); !problem.Is(err, problem.KindConflict) {
		t.Errorf("refusing a granted consent = %v, want 409", err)
	}
	// The reminder: 14 days before the end.
	var rem struct{ At, Type string }
	if err := f.db.Get(ctx, dynamo.ReminderKey("alice", "consent-"+c.ID), "reminder", &rem); err != nil || rem.Type != messages.ConsentExpiring ||
		!strings.HasPrefix(rem.At, "2027-01-17") {
		t.Errorf("reminder = %+v, %v; want consent.expiring on 2027-01-17", rem, err)
	}
}

// A change narrows at once; one that gives more needs a code; a stale
// version or missing fields change nothing.
func TestAChangeThatGivesMoreIsConfirmed(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.person("alice", aliceSNILS, accounts.LevelStandard)
	c := f.granted(t, bank, loanRequest("Z-1"), Terms{Level: LevelPartial, ExpiresAt: "2027-03-31"})
	if _, err := f.consents.Change(ctx, alice, c.ID, Terms{Level: LevelLimited}, "", c.Version); problem.FieldNames(err)[0] != "expiresAt" {
		t.Errorf("no term = %v, want 422 expiresAt", err)
	}
	if _, err := f.consents.Change(ctx, alice, c.ID, Terms{Level: LevelLimited, ExpiresAt: "2027-03-31"}, "", c.Version-1); problem.CodeOf(err) != "stale_version" {
		t.Errorf("a stale version = %v, want 409", err)
	}
	narrow, err := f.consents.Change(ctx, alice, c.ID, Terms{Level: LevelLimited, ExpiresAt: "2027-02-28"}, "", c.Version)
	if err != nil || narrow.Level != LevelLimited || narrow.Version != c.Version+1 {
		t.Fatalf("narrowing = %+v, %v", narrow, err)
	}
	wide := Terms{Level: LevelFull, ExpiresAt: "2028-12-31"}
	if _, err := f.consents.Change(ctx, alice, c.ID, wide, "", narrow.Version); problem.CodeOf(err) != "confirmation_required" {
		t.Errorf("widening without a code = %v, want 428", err)
	}
	if _, err := f.consents.StartConfirmation(ctx, alice, c.ID, Terms{Level: LevelLimited, ExpiresAt: "2027-01-31"}); problem.CodeOf(err) != "confirmation_not_needed" {
		t.Errorf("a code for narrowing = %v, want 409", err)
	}
	if _, err := f.consents.StartConfirmation(ctx, alice, c.ID, wide); err != nil {
		t.Fatal(err)
	}
	widened, err := f.consents.Change(ctx, alice, c.ID, wide, testCode, narrow.Version)
	if err != nil || widened.Level != LevelFull || len(widened.Categories) != 5 || !widened.ExpiresAt.Equal(time.Date(2029, 1, 1, 0, 0, 0, 0, clock.Moscow())) {
		t.Fatalf("widening = %+v, %v", widened, err)
	}
	if _, err := f.consents.Change(ctx, alice, c.ID, Terms{Level: "partial", ExpiresAt: "2040-01-01"}, "", widened.Version); problem.FieldNames(err)[0] != "expiresAt" {
		t.Errorf("a term of decades = %v, want 422", err)
	}
	entries, _ := f.journal.All(ctx, "alice", journal.Filter{Types: []string{journal.TypeConsent}})
	if len(entries) != 4 || !strings.Contains(entries[2].Summary, "частичный → ограниченный") {
		t.Errorf("journal = %+v", entries)
	}
}

// The registration consent is a document of its own: its text, edition
// and digest are in the card, and it is withdrawn only with the account.
func TestTheRegistrationConsentIsADocument(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	tx := &dynamo.Tx{}
	at := f.clock.Now()
	if err := (Registration{}).RegistrationConsentTx(tx, "alice", accounts.RegistrationConsent{Version: RegistrationVersion, At: at, IP: "203.0.113.7"}); err != nil {
		t.Fatal(err)
	}
	if err := f.db.Transact(ctx, "", tx); err != nil {
		t.Fatal(err)
	}
	list, _, err := f.consents.List(ctx, alice, Filter{Status: string(StatusActive)}, "", 20)
	if err != nil || len(list) != 1 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	c, err := f.consents.Get(ctx, alice, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Organisation.Code != OperatorCode || c.Document == nil || c.Document.Version != RegistrationVersion || c.Document.SHA256 != registrationDigest ||
		!strings.Contains(c.Document.Text, "оператору портала") || c.Document.From != "203.0.113.7" || !c.ExpiresAt.IsZero() ||
		len(c.History) != 1 || c.History[0].Action != ActionRegistered {
		t.Errorf("registration consent = %+v", c)
	}
	if _, err := f.consents.Withdraw(ctx, alice, c.ID); problem.CodeOf(err) != "registration_consent" {
		t.Errorf("withdrawing it = %v, want 409 registration_consent", err)
	}
	if _, err := f.consents.Change(ctx, alice, c.ID, Terms{Level: LevelFull, ExpiresAt: "2027-01-01"}, "", c.Version); problem.CodeOf(err) != "registration_consent" {
		t.Errorf("changing it = %v, want 409 registration_consent", err)
	}
}

// A term's end stops reads at once; the schedule then records it (and an
// unanswered request's lapse) once, however often it runs.
func TestExpiryStopsReadsAndIsRecordedOnce(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.person("alice", aliceSNILS, accounts.LevelStandard)
	c := f.granted(t, bank, loanRequest("Z-1"), Terms{ExpiresAt: "2026-12-15"})
	pending := f.request(t, insurer, loanRequest("P-1"))
	if _, err := f.partners.Data(ctx, bank, c.PersonRef, DataRequest{}); err != nil {
		t.Fatalf("a read within the term: %v", err)
	}
	f.clock.Set(c.ExpiresAt)
	if _, err := f.partners.Data(ctx, bank, c.PersonRef, DataRequest{}); problem.CodeOf(err) != "consent_not_active" {
		t.Errorf("a read at the end of the term = %v, want 403", err)
	}
	if got, _ := f.consents.Get(ctx, alice, c.ID); got.Status != StatusExpired {
		t.Errorf("status at the end = %s, want expired before the schedule records it", got.Status)
	}
	st, err := f.expiry.Run(ctx)
	if err != nil || st.Expired != 1 || st.Lapsed != 0 {
		t.Errorf("run = %+v, %v", st, err)
	}
	f.clock.Set(time.Date(2026, 12, 24, 9, 0, 0, 0, time.UTC))
	st, err = f.expiry.Run(ctx)
	if err != nil || st.Expired != 0 || st.Lapsed != 1 {
		t.Errorf("second run = %+v, %v; want the insurer's request lapsed", st, err)
	}
	if st, _ := f.expiry.Run(ctx); st != (ExpiryStats{}) {
		t.Errorf("third run = %+v, want nothing", st)
	}
	if got, _ := f.consents.Get(ctx, alice, pending.ID); got.Status != StatusExpired || got.History[len(got.History)-1].Actor != "system" {
		t.Errorf("lapsed request = %+v", got)
	}
	entries, _ := f.journal.All(ctx, "alice", journal.Filter{Types: []string{journal.TypeConsent}})
	expired := 0
	for _, e := range entries {
		if e.Actor == journal.ActorSystem {
			expired++
		}
	}
	if expired != 2 {
		t.Errorf("%d system entries, want 2", expired)
	}
	if ns := notes(t, f, "alice", messages.ConsentChanged); len(ns) != 3 {
		t.Errorf("%d change notes, want granted and two ends", len(ns))
	}
}

// A withdrawal racing 50 reads: no read that starts after the withdrawal
// commits returns data, and every read that returned data is in the
// access log.
func TestWithdrawalRacingReads(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.clock.Set(time.Now().UTC()) // the reads and the withdrawal compare real moments
	f.person("alice", aliceSNILS, accounts.LevelStandard)
	in := loanRequest("Z-race")
	in.ExpiresAt = time.Now().AddDate(0, 6, 0).Format(time.DateOnly)
	c := f.granted(t, bank, in, Terms{})
	var withdrawn atomic.Bool
	var served, refusedAfter, servedAfter atomic.Int32
	var wg sync.WaitGroup
	start, done := make(chan struct{}), make(chan struct{})
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			switch {
			case i >= 40:
				<-done // these start once the withdrawal has returned
			case i >= 20:
				time.Sleep(time.Duration(i-20) * time.Millisecond) // while it is in flight
			}
			after := withdrawn.Load()
			_, err := f.partners.Data(ctx, bank, c.PersonRef, DataRequest{})
			switch {
			case err == nil:
				served.Add(1)
				if after {
					servedAfter.Add(1)
				}
			case problem.CodeOf(err) == "consent_not_active":
				if after {
					refusedAfter.Add(1)
				}
			default:
				t.Errorf("read %d: %v", i, err)
			}
		}()
	}
	close(start)
	if _, err := f.consents.Withdraw(ctx, alice, c.ID); err != nil {
		t.Fatal(err)
	}
	withdrawn.Store(true)
	close(done)
	wg.Wait()
	if servedAfter.Load() != 0 {
		t.Errorf("%d reads that started after the withdrawal returned data", servedAfter.Load())
	}
	if refusedAfter.Load() < 10 {
		t.Errorf("%d reads refused after the withdrawal, want at least the 10 started after it", refusedAfter.Load())
	}
	t.Logf("%d of 50 reads served, %d refused after the withdrawal", served.Load(), refusedAfter.Load())
	all, err := f.log.All(ctx, "alice", accesslog.Filter{})
	if err != nil || len(all) != int(served.Load()) {
		t.Errorf("access log has %d entries for %d reads served (%v)", len(all), served.Load(), err)
	}
}

// Reads name what they ask: an unknown category is 422, several active
// consents of one organisation need the one to read under.
func TestAReadNamesItsConsentAndCategories(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.person("alice", aliceSNILS, accounts.LevelStandard)
	one := f.granted(t, bank, loanRequest("Z-1"), Terms{})
	if _, err := f.partners.Data(ctx, bank, one.PersonRef, DataRequest{Categories: []personaldata.Category{"dna"}}); problem.FieldNames(err)[0] != "categories[0]" {
		t.Errorf("an unknown category = %v, want 422 categories[0]", err)
	}
	d, err := f.partners.Data(ctx, bank, one.PersonRef, DataRequest{Categories: []personaldata.Category{personaldata.SNILS, personaldata.Income}})
	if err != nil || fmt.Sprint(d.Categories) != "[snils]" || fmt.Sprint(d.Unavailable) != "[income]" || d.Data[personaldata.SNILS] != "112-233-445 95" {
		t.Errorf("snils and income = %+v, %v", d, err)
	}
	two := f.granted(t, bank, loanRequest("Z-2"), Terms{})
	if _, err := f.partners.Data(ctx, bank, one.PersonRef, DataRequest{}); problem.FieldNames(err)[0] != "consent" {
		t.Errorf("two consents, none named = %v, want 422 consent", err)
	}
	if d, err := f.partners.Data(ctx, bank, one.PersonRef, DataRequest{Consent: two.ID}); err != nil || d.Consent.ID != two.ID {
		t.Errorf("under the second = %+v, %v", d.Consent, err)
	}
	if !slices.Contains(d.Categories, personaldata.SNILS) {
		t.Errorf("categories %v", d.Categories)
	}
}

func detail(err error) string {
	pe, _ := problem.As(err)
	if pe == nil {
		return ""
	}
	return pe.Detail
}
