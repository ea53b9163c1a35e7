package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Consents to share personal data and the access log, through the gateway:
// partner organisations call as themselves (PartnerJwt, scope
// kabinet/partner.<org>), people with their own tokens.

type consentDoc struct {
	ID             string
	Status         string
	Level          string
	Categories     []string
	PersonRef      string
	Version        int64
	ExpiresAt      time.Time
	RequestedLevel string
	Organisation   struct{ Code, Name string }
	Document       *struct{ Version, SHA256, Text string }
	History        []struct{ Action, Actor string }
}

type accessEntry struct {
	Seq                                          int64
	Role, Organisation, OrganisationCode, Person string
	Categories                                   []string
	Reason                                       struct{ Kind, Ref, Title string }
	Flagged                                      bool
}

func partnerToken(t testing.TB, logicalID string) string { return agencyToken(t, logicalID) }

// personWithCheckedIdentity is a new citizen whose identity a registrar
// checked (standard level): organisations find them by SNILS.
func personWithCheckedIdentity(t *testing.T) (session, string, string, string) {
	t.Helper()
	s, sub, phone, _ := newCitizen(t)
	if r := post(t, "/registrar/accounts/"+sub+"/level", login(t, "registrar").AccessToken, map[string]string{"level": "standard", "method": "registry_check"}); r.Status != 204 {
		t.Fatalf("raise level = %d %s", r.Status, r.Body)
	}
	var prof struct {
		Fields map[string]struct{ Value any }
	}
	call(t, "GET", "/profile", s.AccessToken, nil, nil).JSON(t, &prof)
	return s, sub, phone, prof.Fields["snils"].Value.(string)
}

func loanRequestBody(requestID, snils string) map[string]any {
	return map[string]any{
		"requestId": requestID, "person": map[string]string{"snils": snils}, "purpose": "Рассмотрение заявки на потребительский кредит",
		"levels": map[string][]string{
			"full":    {"personal", "passport", "snils", "contacts", "income"},
			"partial": {"personal", "passport", "contacts"},
			"limited": {"personal", "contacts"},
		},
		"level": "full", "expiresAt": time.Now().AddDate(0, 6, 0).Format(time.DateOnly),
	}
}

// ask is an organisation's request; want is the status it must answer.
func ask(t *testing.T, token string, body map[string]any, want int) consentDoc {
	t.Helper()
	r := post(t, "/partner/consents", token, body)
	if r.Status != want {
		t.Fatalf("request = %d %s, want %d", r.Status, r.Body, want)
	}
	var c consentDoc
	r.JSON(t, &c)
	return c
}

// grantConsent confirms a grant with the code sent to phone.
func grantConsent(t *testing.T, token, phone, id string, terms map[string]string) consentDoc {
	t.Helper()
	start := time.Now()
	if terms == nil {
		terms = map[string]string{}
	}
	if r := post(t, "/consents/"+id+"/confirmation", token, terms); r.Status != 200 {
		t.Fatalf("confirmation = %d %s", r.Status, r.Body)
	}
	body := map[string]string{"code": smsCode(t, phone, start)}
	for k, v := range terms {
		body[k] = v
	}
	r := post(t, "/consents/"+id+"/grant", token, body)
	if r.Status != 200 {
		t.Fatalf("grant = %d %s", r.Status, r.Body)
	}
	var c consentDoc
	r.JSON(t, &c)
	return c
}

func personData(t testing.TB, token, ref, query string) response {
	t.Helper()
	path := "/partner/persons/" + ref + "/data"
	if query != "" {
		path += "?" + query
	}
	return call(t, "GET", path, token, nil, map[string]string{"X-Operator": url.PathEscape("Иванова А. П.")})
}

func accessLog(t *testing.T, token string) []accessEntry {
	t.Helper()
	var page struct {
		Items   []accessEntry
		Pending int
	}
	r := call(t, "GET", "/profile/access-log?limit=100", token, nil, nil)
	if r.Status != 200 {
		t.Fatalf("access log = %d %s", r.Status, r.Body)
	}
	r.JSON(t, &page)
	return page.Items
}

// The Acceptance's story: a bank requests consent, the citizen grants the
// limited level, the bank reads only those categories; the citizen
// withdraws; the bank's next read is 403; the access log shows the bank's
// reads and an officer's opening of the citizen's application, with who
// and why.
func TestConsentFromRequestToWithdrawal(t *testing.T) {
	s, _, phone, snils := personWithCheckedIdentity(t)
	bank := partnerToken(t, "PartnerDemobankClient")
	body := loanRequestBody(fmt.Sprint("LOAN-", time.Now().UnixNano()), snils)
	req := ask(t, bank, body, http.StatusCreated)
	if again := ask(t, bank, body, http.StatusOK); again.ID != req.ID || req.Status != "requested" || req.PersonRef == "" {
		t.Fatalf("request %+v, again %+v", req, again)
	}
	var list struct{ Items []consentDoc }
	call(t, "GET", "/consents?status=requested&organisation=demobank", s.AccessToken, nil, nil).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != req.ID || list.Items[0].Organisation.Name != "АО «Демо Банк»" {
		t.Fatalf("the citizen's current consents = %+v", list.Items)
	}
	var notes struct {
		Items []struct{ Type, Title string }
	}
	call(t, "GET", "/notifications", s.AccessToken, nil, nil).JSON(t, &notes)
	if !slices.ContainsFunc(notes.Items, func(n struct{ Type, Title string }) bool { return n.Type == "consent.requested" }) {
		t.Errorf("no note of the request: %+v", notes.Items)
	}
	if r := personData(t, bank, req.PersonRef, ""); r.Status != 403 || !strings.Contains(string(r.Body), "consent_not_active") {
		t.Errorf("a read before the grant = %d %s", r.Status, r.Body)
	}
	granted := grantConsent(t, s.AccessToken, phone, req.ID, map[string]string{"level": "limited"})
	if granted.Status != "active" || granted.Level != "limited" || fmt.Sprint(granted.Categories) != "[personal contacts]" {
		t.Fatalf("granted = %+v", granted)
	}
	r := personData(t, bank, req.PersonRef, "")
	var data struct {
		Categories []string
		Data       map[string]json.RawMessage
	}
	r.JSON(t, &data)
	if r.Status != 200 || fmt.Sprint(data.Categories) != "[personal contacts]" || len(data.Data) != 2 || data.Data["passport"] != nil {
		t.Fatalf("the bank's read = %d %s", r.Status, r.Body)
	}
	if r := personData(t, bank, req.PersonRef, "categories=passport"); r.Status != 403 || !strings.Contains(string(r.Body), "category_not_consented") {
		t.Errorf("the passport under the limited level = %d %s", r.Status, r.Body)
	}
	// The tax officer opens the citizen's application.
	a := draft(t, s.AccessToken, "egrul-extract")
	if r := submit(t, s.AccessToken, a, nil); r.Status != 200 {
		t.Fatalf("submit = %d %s", r.Status, r.Body)
	}
	var submitted appDoc
	call(t, "GET", "/applications/"+a.ID, s.AccessToken, nil, nil).JSON(t, &submitted)
	if r := call(t, "GET", "/officer/applications/"+a.ID, login(t, "officer-fns").AccessToken, nil, nil); r.Status != 200 {
		t.Fatalf("the officer opens it: %d %s", r.Status, r.Body)
	}
	// The citizen withdraws; the bank's next read is refused.
	if r := post(t, "/consents/"+req.ID+"/withdraw", s.AccessToken, nil); r.Status != 200 {
		t.Fatalf("withdraw = %d %s", r.Status, r.Body)
	}
	if r := personData(t, bank, req.PersonRef, ""); r.Status != 403 || !strings.Contains(string(r.Body), "consent_not_active") {
		t.Errorf("the bank's read after the withdrawal = %d %s", r.Status, r.Body)
	}
	var bankView consentDoc
	call(t, "GET", "/partner/consents/"+req.ID, bank, nil, nil).JSON(t, &bankView)
	if bankView.Status != "withdrawn" {
		t.Errorf("the bank sees %q", bankView.Status)
	}
	// Who read the data, and why.
	entries := accessLog(t, s.AccessToken)
	var bankReads, officerReads, checks int
	for _, e := range entries {
		switch {
		case e.Role == "partner":
			bankReads++
			if e.Organisation != "АО «Демо Банк»" || e.Person != "Иванова А. П." || e.Reason.Kind != "consent" || e.Reason.Ref != req.ID ||
				fmt.Sprint(e.Categories) != "[personal contacts]" {
				t.Errorf("bank's entry = %+v", e)
			}
		case e.Role == "officer":
			officerReads++
			if e.OrganisationCode != "fns" || e.Person != "Орлова А. С." || e.Reason.Kind != "application" || e.Reason.Ref != submitted.Number {
				t.Errorf("officer's entry = %+v", e)
			}
		case e.Role == "registrar":
			checks++
		}
	}
	if bankReads != 1 || officerReads != 1 || checks != 1 {
		t.Errorf("access log = %+v; want the bank's read, the officer's opening and the registrar's check", entries)
	}
	var v struct{ OK bool }
	if call(t, "GET", "/profile/access-log/verify", s.AccessToken, nil, nil).JSON(t, &v); !v.OK {
		t.Error("the access log does not verify")
	}
	csv := call(t, "GET", "/profile/access-log.csv", s.AccessToken, nil, nil)
	if csv.Status != 200 || !strings.Contains(string(csv.Body), "АО «Демо Банк»") || !strings.Contains(string(csv.Body), "Орлова А. С.") {
		t.Errorf("access log CSV = %d %s", csv.Status, csv.Body)
	}
	journal := call(t, "GET", "/consents.csv", s.AccessToken, nil, nil)
	if journal.Status != 200 || !strings.Contains(string(journal.Body), "Отозвано") || !strings.Contains(string(journal.Body), "Дано") {
		t.Errorf("consents CSV = %d %s", journal.Status, journal.Body)
	}
	var card consentDoc
	call(t, "GET", "/consents/"+req.ID, s.AccessToken, nil, nil).JSON(t, &card)
	var actions []string
	for _, h := range card.History {
		actions = append(actions, h.Action)
	}
	if fmt.Sprint(actions) != "[requested granted withdrawn]" {
		t.Errorf("history = %v", actions)
	}
}

// Withdrawal racing 50 reads: no read that starts after the withdrawal
// returned gets data, and every read that got data is in the access log.
func TestWithdrawalRacingFiftyReads(t *testing.T) {
	s, _, phone, snils := personWithCheckedIdentity(t)
	bank := partnerToken(t, "PartnerDemobankClient")
	req := ask(t, bank, loanRequestBody(fmt.Sprint("RACE-", time.Now().UnixNano()), snils), http.StatusCreated)
	grantConsent(t, s.AccessToken, phone, req.ID, nil)
	var withdrawn atomic.Bool
	var served, servedAfter, refusedAfter atomic.Int32
	var wg sync.WaitGroup
	start, done := make(chan struct{}), make(chan struct{})
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			switch {
			case i >= 40:
				<-done
			case i >= 20:
				time.Sleep(time.Duration(i-20) * 10 * time.Millisecond)
			}
			after := withdrawn.Load()
			r := personData(t, bank, req.PersonRef, "")
			switch {
			case r.Status == 200:
				served.Add(1)
				if after {
					servedAfter.Add(1)
				}
			case r.Status == 403 && strings.Contains(string(r.Body), "consent_not_active"):
				if after {
					refusedAfter.Add(1)
				}
			default:
				t.Errorf("read %d = %d %s", i, r.Status, r.Body)
			}
		}()
	}
	close(start)
	// The withdrawal goes while reads are being served and more start.
	for deadline := time.Now().Add(10 * time.Second); served.Load() < 5 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if r := post(t, "/consents/"+req.ID+"/withdraw", s.AccessToken, nil); r.Status != 200 {
		t.Fatalf("withdraw = %d %s", r.Status, r.Body)
	}
	withdrawn.Store(true)
	close(done)
	wg.Wait()
	if served.Load() < 5 {
		t.Errorf("only %d reads served before the withdrawal: the race did not straddle it", served.Load())
	}
	if servedAfter.Load() != 0 || refusedAfter.Load() < 10 {
		t.Errorf("after the withdrawal: %d reads served, %d refused; want none served and the last 10 refused", servedAfter.Load(), refusedAfter.Load())
	}
	bankReads := 0
	for _, e := range accessLog(t, s.AccessToken) {
		if e.Role == "partner" && e.Reason.Ref == req.ID {
			bankReads++
		}
	}
	if bankReads != int(served.Load()) {
		t.Errorf("the access log has %d of the bank's reads for %d served", bankReads, served.Load())
	}
	t.Logf("%d of 50 reads served before the withdrawal", served.Load())
}

// Every new route against every kind of caller: the owner, another
// citizen, officers, support, a registrar, two organisations, an agency,
// nobody.
func TestAuthorizationMatrixForConsents(t *testing.T) {
	a, _, phone, snils := personWithCheckedIdentity(t)
	bank, insurer := partnerToken(t, "PartnerDemobankClient"), partnerToken(t, "PartnerDemoinsurerClient")
	gibdd := agencyToken(t, "AgencyGibddClient")
	req := ask(t, bank, loanRequestBody(fmt.Sprint("MATRIX-", time.Now().UnixNano()), snils), http.StatusCreated)
	grantConsent(t, a.AccessToken, phone, req.ID, map[string]string{"level": "partial"})
	if r := personData(t, bank, req.PersonRef, ""); r.Status != 200 {
		t.Fatalf("the bank's read = %d %s", r.Status, r.Body)
	}
	b, _, _, _ := newCitizen(t)
	people := map[string]session{"citizen B": b, "officer mvd": login(t, "officer"), "officer fns": login(t, "officer-fns"),
		"registrar": login(t, "registrar"), "support": login(t, "support")}
	mine := []struct {
		method, path string
		body         any
	}{
		{"GET", "/consents/" + req.ID, nil},
		{"PATCH", "/consents/" + req.ID, map[string]string{"level": "limited", "expiresAt": time.Now().AddDate(0, 1, 0).Format(time.DateOnly)}},
		{"POST", "/consents/" + req.ID + "/confirmation", map[string]string{}},
		{"POST", "/consents/" + req.ID + "/grant", map[string]string{"code": "123456"}},
		{"POST", "/consents/" + req.ID + "/refuse", nil},
		{"POST", "/consents/" + req.ID + "/withdraw", nil},
	}
	send := func(method, path, token string, body any) response {
		var raw []byte
		h := map[string]string{"If-Match": `"2"`}
		if body != nil {
			raw, _ = json.Marshal(body)
			h["Content-Type"] = "application/json"
		}
		return call(t, method, path, token, raw, h)
	}
	for name, s := range people {
		for _, u := range mine {
			if r := send(u.method, u.path, s.AccessToken, u.body); r.Status != http.StatusNotFound {
				t.Errorf("%s: %s %s = %d %s, want 404", name, u.method, u.path, r.Status, r.Body)
			}
		}
		var list struct{ Items []consentDoc }
		call(t, "GET", "/consents", s.AccessToken, nil, nil).JSON(t, &list)
		if slices.ContainsFunc(list.Items, func(c consentDoc) bool { return c.ID == req.ID }) {
			t.Errorf("%s lists A's consent", name)
		}
		for _, e := range accessLog(t, s.AccessToken) {
			if e.Reason.Ref == req.ID {
				t.Errorf("%s's access log shows A's read", name)
			}
		}
		want := http.StatusForbidden
		if name == "support" {
			want = http.StatusOK
		}
		if r := call(t, "GET", "/support/access-flags", s.AccessToken, nil, nil); r.Status != want {
			t.Errorf("%s: GET /support/access-flags = %d, want %d", name, r.Status, want)
		}
		for _, p := range []string{"/partner/consents", "/partner/consents/" + req.ID, "/partner/persons/" + req.PersonRef + "/data"} {
			if r := call(t, "GET", p, s.AccessToken, nil, nil); r.Status != http.StatusUnauthorized {
				t.Errorf("%s: GET %s = %d, want 401", name, p, r.Status)
			}
		}
	}
	// A flag is always on the caller's own log: B has no entry of A's.
	if r := post(t, "/profile/access-log/1/flag", b.AccessToken, map[string]string{}); r.Status != http.StatusNotFound {
		t.Errorf("citizen B flagging = %d %s, want 404", r.Status, r.Body)
	}
	// Systems on the people's routes, and anonymous callers anywhere.
	for name, tok := range map[string]string{"the bank": bank, "the insurer": insurer, "an agency": gibdd, "nobody": ""} {
		for _, p := range []string{"/consents", "/consents/" + req.ID, "/profile/access-log", "/consents.csv", "/support/access-flags"} {
			if r := call(t, "GET", p, tok, nil, nil); r.Status != http.StatusUnauthorized {
				t.Errorf("%s: GET %s = %d, want 401", name, p, r.Status)
			}
		}
	}
	// An agency's token on the partner routes: the partners' authorizer
	// does not know its client.
	if r := call(t, "GET", "/partner/consents", gibdd, nil, nil); r.Status != http.StatusUnauthorized {
		t.Errorf("an agency on a partner route = %d, want 401", r.Status)
	}
	if r := post(t, "/partner/consents", "", loanRequestBody("X", snils)); r.Status != http.StatusUnauthorized {
		t.Errorf("nobody requesting = %d, want 401", r.Status)
	}
	// A partner's client with a scope the route does not admit.
	m := machine(t, "PartnerDemobankClient")
	wrong, err := st.OAuth.Mint(m.ClientID, []string{"kabinet/agency.gibdd"})
	if err != nil {
		t.Fatal(err)
	}
	if r := call(t, "GET", "/partner/consents", wrong, nil, nil); r.Status != http.StatusForbidden {
		t.Errorf("a scope the route does not admit = %d, want 403", r.Status)
	}
	// The insurer sees nothing of the bank's.
	if r := call(t, "GET", "/partner/consents/"+req.ID, insurer, nil, nil); r.Status != http.StatusNotFound {
		t.Errorf("the insurer reads the bank's consent = %d", r.Status)
	}
	if r := personData(t, insurer, req.PersonRef, ""); r.Status != http.StatusNotFound {
		t.Errorf("the insurer with the bank's reference = %d %s", r.Status, r.Body)
	}
	var theirs struct{ Items []consentDoc }
	call(t, "GET", "/partner/consents?limit=100", insurer, nil, nil).JSON(t, &theirs)
	if slices.ContainsFunc(theirs.Items, func(c consentDoc) bool { return c.ID == req.ID }) {
		t.Error("the insurer lists the bank's consent")
	}
	var ours struct{ Items []consentDoc }
	call(t, "GET", "/partner/consents?status=active&limit=100", bank, nil, nil).JSON(t, &ours)
	if !slices.ContainsFunc(ours.Items, func(c consentDoc) bool { return c.ID == req.ID }) {
		t.Error("the bank does not list its own consent")
	}
	// A's consent is intact after all of it.
	var card consentDoc
	if call(t, "GET", "/consents/"+req.ID, a.AccessToken, nil, nil).JSON(t, &card); card.Status != "active" || card.Level != "partial" {
		t.Errorf("A's consent after the others: %+v", card)
	}
}

// Bad input names the field and changes nothing.
func TestBadConsentInputNamesTheField(t *testing.T) {
	s, _, phone, snils := personWithCheckedIdentity(t)
	bank := partnerToken(t, "PartnerDemobankClient")
	fieldOf := func(r response) []string {
		var p struct {
			Errors []struct{ Field, Code string }
		}
		_ = json.Unmarshal(r.Body, &p)
		var out []string
		for _, e := range p.Errors {
			out = append(out, e.Field+" "+e.Code)
		}
		return out
	}
	cases := map[string]struct {
		spoil func(map[string]any)
		want  string
	}{
		"an unknown category": {func(b map[string]any) {
			b["levels"].(map[string][]string)["limited"] = []string{"personal", "horoscope"}
		}, "levels.limited[1] category.unknown"},
		"a term in the past":  {func(b map[string]any) { b["expiresAt"] = "2020-01-01" }, "expiresAt term.past"},
		"a level not defined": {func(b map[string]any) { delete(b["levels"].(map[string][]string), "full") }, "level level.undefined"},
		"a level not narrower": {func(b map[string]any) {
			b["levels"].(map[string][]string)["partial"] = []string{"personal", "passport", "snils", "contacts", "income"}
		}, "levels.partial level.not_narrower"},
	}
	for name, c := range cases {
		body := loanRequestBody(fmt.Sprint("BAD-", time.Now().UnixNano()), snils)
		c.spoil(body)
		r := post(t, "/partner/consents", bank, body)
		if r.Status != 422 || !slices.Contains(fieldOf(r), c.want) {
			t.Errorf("%s: %d %s, want 422 %s", name, r.Status, r.Body, c.want)
		}
	}
	var list struct{ Items []consentDoc }
	call(t, "GET", "/consents", s.AccessToken, nil, nil).JSON(t, &list)
	if len(list.Items) != 1 { // the registration consent only
		t.Fatalf("bad requests made consents: %+v", list.Items)
	}
	req := ask(t, bank, loanRequestBody(fmt.Sprint("GOOD-", time.Now().UnixNano()), snils), http.StatusCreated)
	if r := post(t, "/consents/"+req.ID+"/confirmation", s.AccessToken, map[string]string{"level": "everything"}); r.Status != 400 && r.Status != 422 {
		t.Errorf("an unknown level = %d %s", r.Status, r.Body)
	}
	if r := post(t, "/consents/"+req.ID+"/confirmation", s.AccessToken, map[string]string{"expiresAt": "2020-01-01"}); r.Status != 422 ||
		!slices.Contains(fieldOf(r), "expiresAt term.past") {
		t.Errorf("a term in the past = %d %s", r.Status, r.Body)
	}
	if r := post(t, "/consents/"+req.ID+"/grant", s.AccessToken, map[string]string{}); r.Status != 428 {
		t.Errorf("a grant without a code = %d %s", r.Status, r.Body)
	}
	c := grantConsent(t, s.AccessToken, phone, req.ID, map[string]string{"level": "partial"})
	etag := fmt.Sprintf(`"%d"`, c.Version)
	patch := func(body map[string]string, h map[string]string) response {
		raw, _ := json.Marshal(body)
		hh := map[string]string{"Content-Type": "application/json"}
		for k, v := range h {
			hh[k] = v
		}
		return call(t, "PATCH", "/consents/"+req.ID, s.AccessToken, raw, hh)
	}
	if r := patch(map[string]string{"level": "limited"}, map[string]string{"If-Match": etag}); r.Status != 422 || !slices.Contains(fieldOf(r), "expiresAt term.required") {
		t.Errorf("a change without a term = %d %s", r.Status, r.Body)
	}
	month := time.Now().AddDate(0, 1, 0).Format(time.DateOnly)
	if r := patch(map[string]string{"level": "limited", "expiresAt": month}, nil); r.Status != 428 {
		t.Errorf("a change without If-Match = %d %s", r.Status, r.Body)
	}
	r := patch(map[string]string{"level": "limited", "expiresAt": month}, map[string]string{"If-Match": etag})
	if r.Status != 200 {
		t.Fatalf("narrowing = %d %s", r.Status, r.Body)
	}
	if r := patch(map[string]string{"level": "full", "expiresAt": month}, map[string]string{"If-Match": etag}); r.Status != 409 {
		t.Errorf("a stale If-Match = %d %s", r.Status, r.Body)
	}
	if r := patch(map[string]string{"level": "full", "expiresAt": month}, map[string]string{"If-Match": r.Header.Get("ETag")}); r.Status != 428 {
		t.Errorf("widening without a code = %d %s", r.Status, r.Body)
	}
	if r := call(t, "GET", "/profile/access-log?from=yesterday", s.AccessToken, nil, nil); r.Status != 422 || !slices.Contains(fieldOf(r), "from date.format") {
		t.Errorf("a bad period = %d %s", r.Status, r.Body)
	}
}

// The registration consent: the form's text, refused without it, and the
// account's first consent, a document of its own.
func TestRegistrationConsentIsRecorded(t *testing.T) {
	var doc struct{ Version, Title, Text, SHA256 string }
	call(t, "GET", "/auth/register/consent", "", nil, nil).JSON(t, &doc)
	if doc.Version == "" || len(doc.SHA256) != 64 || !strings.Contains(doc.Text, "персональных данных") {
		t.Fatalf("the registration consent = %+v", doc)
	}
	reg := registration(newPhone(), newSNILS())
	delete(reg, "personalDataConsent")
	if r := post(t, "/auth/register", "", reg); r.Status != 422 || !strings.Contains(string(r.Body), "personalDataConsent") {
		t.Errorf("a registration without the consent = %d %s", r.Status, r.Body)
	}
	s, _, _, _ := newCitizen(t)
	var list struct{ Items []consentDoc }
	call(t, "GET", "/consents", s.AccessToken, nil, nil).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].Organisation.Code != "portal" || list.Items[0].Status != "active" ||
		list.Items[0].Document == nil || list.Items[0].Document.SHA256 != doc.SHA256 {
		t.Fatalf("a new account's consents = %+v", list.Items)
	}
	if r := post(t, "/consents/"+list.Items[0].ID+"/withdraw", s.AccessToken, nil); r.Status != 409 || !strings.Contains(string(r.Body), "registration_consent") {
		t.Errorf("withdrawing the registration consent = %d %s", r.Status, r.Body)
	}
}

// A person reports a read they do not recognise: support's queue has it,
// the entry shows flagged, and it is flagged once.
func TestAFlaggedReadReachesSupport(t *testing.T) {
	s, sub, phone, snils := personWithCheckedIdentity(t)
	bank := partnerToken(t, "PartnerDemobankClient")
	req := ask(t, bank, loanRequestBody(fmt.Sprint("FLAG-", time.Now().UnixNano()), snils), http.StatusCreated)
	grantConsent(t, s.AccessToken, phone, req.ID, nil)
	if r := personData(t, bank, req.PersonRef, ""); r.Status != 200 {
		t.Fatalf("read = %d", r.Status)
	}
	var seq int64
	for _, e := range accessLog(t, s.AccessToken) {
		if e.Role == "partner" {
			seq = e.Seq
		}
	}
	path := fmt.Sprintf("/profile/access-log/%d/flag", seq)
	if r := post(t, path, s.AccessToken, map[string]string{"comment": strings.Repeat("я", 1001)}); r.Status != 422 {
		t.Errorf("a long comment = %d %s", r.Status, r.Body)
	}
	if r := post(t, path, s.AccessToken, map[string]string{"comment": "Я не обращался в этот банк"}); r.Status != 201 {
		t.Fatalf("flag = %d %s", r.Status, r.Body)
	}
	if r := post(t, path, s.AccessToken, map[string]string{}); r.Status != 409 {
		t.Errorf("a second flag = %d %s", r.Status, r.Body)
	}
	var flags struct {
		Items []struct {
			Owner, Comment, Organisation string
			Seq                          int64
		}
	}
	call(t, "GET", "/support/access-flags?limit=100", login(t, "support").AccessToken, nil, nil).JSON(t, &flags)
	if !slices.ContainsFunc(flags.Items, func(f struct {
		Owner, Comment, Organisation string
		Seq                          int64
	}) bool {
		return f.Owner == sub && f.Seq == seq && f.Comment == "Я не обращался в этот банк" && f.Organisation == "АО «Демо Банк»"
	}) {
		t.Errorf("support's queue = %+v", flags.Items)
	}
}

// The seeded demo citizen has consents in several states and an access log
// with the bank's reads, an officer's and the agencies' matches.
func TestDemoConsentsAreSeeded(t *testing.T) {
	s := login(t, "citizen")
	var list struct{ Items []consentDoc }
	call(t, "GET", "/consents?limit=100", s.AccessToken, nil, nil).JSON(t, &list)
	statuses := map[string]bool{}
	for _, c := range list.Items {
		statuses[c.Status] = true
	}
	for _, want := range []string{"active", "requested", "refused", "withdrawn", "expired"} {
		if !statuses[want] {
			t.Errorf("no demo consent %s among %+v", want, statuses)
		}
	}
	roles := map[string]bool{}
	for _, e := range accessLog(t, s.AccessToken) {
		roles[e.Role] = true
	}
	for _, want := range []string{"partner", "officer", "agency"} {
		if !roles[want] {
			t.Errorf("no %s read in the demo access log: %v", want, roles)
		}
	}
	if st.DemoConsents.BankPersonRef == "" {
		t.Fatal("no demo bank reference")
	}
	if r := personData(t, partnerToken(t, "PartnerDemobankClient"), st.DemoConsents.BankPersonRef, ""); r.Status != 200 {
		t.Errorf("the demo bank's read = %d %s", r.Status, r.Body)
	}
}
