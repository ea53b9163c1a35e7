package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/catalog"
)

type appDoc struct {
	ID, Number, Status string
	Version            int64
	Actions            []string
	Journal            []struct{ From, To, Role, Comment string }
}

// fillForm gives every required field a valid value (the profile's
// autofill gives the rest).
func fillForm(t *testing.T, code string) map[string]any {
	t.Helper()
	svc, ok := catalog.Get(code)
	if !ok {
		t.Fatalf("no service %s", code)
	}
	return svc.Sample()
}

func draft(t *testing.T, token, code string) appDoc {
	t.Helper()
	r := post(t, "/applications", token, map[string]string{"service": code})
	var a appDoc
	r.JSON(t, &a)
	if r.Status != 201 {
		t.Fatalf("create draft = %d %s", r.Status, r.Body)
	}
	b, _ := json.Marshal(map[string]any{"values": fillForm(t, code)})
	r = call(t, "PUT", "/applications/"+a.ID, token, b, map[string]string{"Content-Type": "application/json", "If-Match": r.Header.Get("ETag")})
	if r.Status != 200 {
		t.Fatalf("save draft = %d %s", r.Status, r.Body)
	}
	r.JSON(t, &a)
	return a
}

func submit(t *testing.T, token string, a appDoc, attachments []string) response {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"attachments": attachments})
	return call(t, "POST", "/applications/"+a.ID+"/submit", token, b, map[string]string{"Content-Type": "application/json", "If-Match": fmt.Sprintf(`"%d"`, a.Version)})
}

// submitSigned submits a draft of a service that needs a signature: it asks
// for the code and reads it from the SMS to phone.
func submitSigned(t *testing.T, token, phone string, a appDoc, attachments []string) response {
	t.Helper()
	start := time.Now()
	if r := post(t, "/applications/"+a.ID+"/signature", token, map[string]any{"attachments": attachments}); r.Status != 200 {
		t.Fatalf("signature = %d %s", r.Status, r.Body)
	}
	b, _ := json.Marshal(map[string]any{"attachments": attachments, "signatureCode": smsCode(t, phone, start)})
	return call(t, "POST", "/applications/"+a.ID+"/submit", token, b, map[string]string{"Content-Type": "application/json", "If-Match": fmt.Sprintf(`"%d"`, a.Version)})
}

// inQueue pages through an officer's whole queue (every status) for an
// application.
func inQueue(t *testing.T, s session, id string) bool {
	t.Helper()
	for cursor := ""; ; {
		var q struct {
			Items      []struct{ ID string }
			NextCursor string
		}
		call(t, "GET", "/officer/applications?limit=100&cursor="+url.QueryEscape(cursor), s.AccessToken, nil, nil).JSON(t, &q)
		for _, it := range q.Items {
			if it.ID == id {
				return true
			}
		}
		if q.NextCursor == "" {
			return false
		}
		cursor = q.NextCursor
	}
}

func move(t *testing.T, token, id, to string, extra map[string]any) response {
	t.Helper()
	body := map[string]any{"to": to}
	for k, v := range extra {
		body[k] = v
	}
	return post(t, "/officer/applications/"+id+"/transition", token, body)
}

var numberRe = regexp.MustCompile(`^\d{4}-\d{4}-\d{6}$`)

func TestApplicationLifecycleWithAnOfficer(t *testing.T) {
	citizen := login(t, "citizen")
	scan := uploadScanOfType(t, citizen.AccessToken, "passport")
	a := draft(t, citizen.AccessToken, "no-criminal-record")
	if r := submit(t, citizen.AccessToken, a, nil); r.Status != 422 || !strings.Contains(string(r.Body), "document.missing") {
		t.Errorf("submit without the document = %d %s, want 422 document.missing", r.Status, r.Body)
	}
	r := submitSigned(t, citizen.AccessToken, demo(t, "citizen").Phone, a, []string{scan})
	if r.Status != 200 {
		t.Fatalf("submit = %d %s", r.Status, r.Body)
	}
	r.JSON(t, &a)
	if a.Status != "submitted" || !numberRe.MatchString(a.Number) {
		t.Fatalf("submit = %s", r.Body)
	}
	officer := login(t, "officer")
	var q struct{ Items []appDoc }
	call(t, "GET", "/officer/applications?status=submitted&limit=100", officer.AccessToken, nil, nil).JSON(t, &q)
	found := false
	for _, it := range q.Items {
		found = found || it.ID == a.ID
	}
	if !found {
		t.Fatal("the application is not in the department's queue")
	}
	if r := move(t, officer.AccessToken, a.ID, "approved", nil); r.Status != 409 {
		t.Errorf("submitted -> approved = %d, want 409", r.Status)
	}
	for _, to := range []string{"registered", "in_progress"} {
		if r := move(t, officer.AccessToken, a.ID, to, map[string]any{"comment": "Работаем"}); r.Status != 200 {
			t.Fatalf("-> %s = %d %s", to, r.Status, r.Body)
		}
	}
	for _, bad := range []string{"2020-01-01", "завтра", time.Now().AddDate(0, 0, 200).Format("2006-01-02")} {
		r := move(t, officer.AccessToken, a.ID, "awaiting_documents", map[string]any{"documents": []string{"Справка"}, "deadline": bad})
		if r.Status != 422 || !strings.Contains(string(r.Body), `"field":"deadline"`) {
			t.Errorf("deadline %q = %d %s, want 422 on deadline", bad, r.Status, r.Body)
		}
	}
	deadline := time.Now().AddDate(0, 0, 14).Format("2006-01-02")
	if r := move(t, officer.AccessToken, a.ID, "awaiting_documents", map[string]any{"documents": []string{"Справка с места работы"}, "deadline": deadline}); r.Status != 200 {
		t.Fatalf("-> awaiting_documents = %d %s", r.Status, r.Body)
	}
	// The deadline is on the card and in the citizen's calendar.
	calendarHas := func() bool {
		var cal struct {
			Items []struct{ Title, Link, Start string }
		}
		call(t, "GET", "/calendar?from="+time.Now().Format("2006-01-02")+"&to="+time.Now().AddDate(0, 0, 30).Format("2006-01-02"), citizen.AccessToken, nil, nil).JSON(t, &cal)
		for _, e := range cal.Items {
			if e.Link == "/applications/"+a.ID && strings.Contains(e.Title, a.Number) {
				if !strings.HasPrefix(e.Start, deadline) {
					t.Errorf("the deadline is in the calendar on %s, want %s", e.Start, deadline)
				}
				return true
			}
		}
		return false
	}
	var waiting struct{ DocumentsDue string }
	call(t, "GET", "/applications/"+a.ID, citizen.AccessToken, nil, nil).JSON(t, &waiting)
	if waiting.DocumentsDue != deadline || !calendarHas() {
		t.Errorf("documents due %q (want %s), in the calendar: %v", waiting.DocumentsDue, deadline, calendarHas())
	}
	more := uploadScanOfType(t, citizen.AccessToken, "other")
	if r := post(t, "/applications/"+a.ID+"/documents", citizen.AccessToken, map[string]any{"documents": []string{more}}); r.Status != 200 {
		t.Fatalf("citizen adds documents = %d %s", r.Status, r.Body)
	}
	var back struct{ DocumentsDue string }
	call(t, "GET", "/applications/"+a.ID, citizen.AccessToken, nil, nil).JSON(t, &back)
	if back.DocumentsDue != "" || calendarHas() {
		t.Errorf("after the documents came: due %q, in the calendar: %v; want neither", back.DocumentsDue, calendarHas())
	}
	// Two officers act at once: one wins.
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i, to := range []string{"approved", "rejected"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = move(t, officer.AccessToken, a.ID, to, map[string]any{"comment": "Решение по заявлению"}).Status
		}()
	}
	wg.Wait()
	if !(statuses[0] == 200 && statuses[1] == 409) && !(statuses[0] == 409 && statuses[1] == 200) {
		t.Errorf("two concurrent decisions = %v, want one 200 and one 409", statuses)
	}
	var card appDoc
	call(t, "GET", "/applications/"+a.ID, citizen.AccessToken, nil, nil).JSON(t, &card)
	if len(card.Journal) != 6 || card.Journal[0].To != "submitted" {
		t.Errorf("journal = %+v, want 6 changes from submission", card.Journal)
	}
	if r := post(t, "/applications/"+a.ID+"/cancel", citizen.AccessToken, nil); r.Status != 409 {
		t.Errorf("cancel after a decision = %d, want 409", r.Status)
	}
	// Authorization: another citizen, and a citizen on officer routes.
	other := login(t, "support")
	if r := call(t, "GET", "/applications/"+a.ID, other.AccessToken, nil, nil); r.Status != 404 {
		t.Errorf("another user's card = %d, want 404", r.Status)
	}
	if r := call(t, "GET", "/officer/applications", citizen.AccessToken, nil, nil); r.Status != 403 {
		t.Errorf("a citizen on the officer queue = %d, want 403", r.Status)
	}
	if r := move(t, citizen.AccessToken, a.ID, "completed", nil); r.Status != 403 {
		t.Errorf("a citizen on an officer move = %d, want 403", r.Status)
	}
	titles := ""
	for _, rec := range inboxOf(t, citizen.AccessToken) {
		titles += rec.Title + "\n"
	}
	if !strings.Contains(titles, a.Number) {
		t.Errorf("no inbox note about application %s", a.Number)
	}
}

func TestOfficerOfAnotherDepartmentSeesNothing(t *testing.T) {
	citizen := login(t, "citizen")
	a := draft(t, citizen.AccessToken, "egrul-extract")
	r := submit(t, citizen.AccessToken, a, nil)
	if r.Status != 200 {
		t.Fatalf("submit = %d %s", r.Status, r.Body)
	}
	r.JSON(t, &a)
	officer := login(t, "officer") // department mvd; the extract is the tax service's
	if r := call(t, "GET", "/officer/applications/"+a.ID, officer.AccessToken, nil, nil); r.Status != 404 {
		t.Errorf("an officer of another department = %d, want 404", r.Status)
	}
	if r := move(t, officer.AccessToken, a.ID, "registered", nil); r.Status != 404 {
		t.Errorf("an officer of another department moving it = %d, want 404", r.Status)
	}
}

func TestConcurrentSubmissionsGetDistinctNumbers(t *testing.T) {
	citizen := login(t, "citizen")
	const n = 100
	drafts := make([]appDoc, n)
	for i := range drafts {
		drafts[i] = draft(t, citizen.AccessToken, "egrul-extract")
	}
	var wg sync.WaitGroup
	numbers := make([]string, n)
	sem := make(chan struct{}, 10)
	for i := range drafts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r := submit(t, citizen.AccessToken, drafts[i], nil)
			var a appDoc
			_ = json.Unmarshal(r.Body, &a)
			numbers[i] = a.Number
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, num := range numbers {
		if !numberRe.MatchString(num) || seen[num] {
			t.Fatalf("numbers %v: %q is missing or repeated", numbers, num)
		}
		seen[num] = true
	}
}

func uploadScanOfType(t *testing.T, token, typ string) string {
	t.Helper()
	r := post(t, "/documents", token, map[string]any{"type": typ, "fileName": "скан.pdf", "contentType": "application/pdf", "size": len(pdfBytes)})
	var d declared
	r.JSON(t, &d)
	upload(t, d, pdfBytes)
	if r := post(t, "/documents/"+d.Document.ID+"/complete", token, nil); r.Status != 200 {
		t.Fatalf("complete = %d %s", r.Status, r.Body)
	}
	return d.Document.ID
}

func TestRejectedApplicationIsResubmittedOnce(t *testing.T) {
	citizen := login(t, "citizen")
	scan := uploadScanOfType(t, citizen.AccessToken, "passport")
	a := draft(t, citizen.AccessToken, "no-criminal-record")
	r := submitSigned(t, citizen.AccessToken, demo(t, "citizen").Phone, a, []string{scan})
	if r.Status != 200 {
		t.Fatalf("submit = %d %s", r.Status, r.Body)
	}
	r.JSON(t, &a)
	if r := post(t, "/applications/"+a.ID+"/resubmit", citizen.AccessToken, nil); r.Status != 409 {
		t.Errorf("resubmitting a submitted application = %d, want 409", r.Status)
	}
	officer := login(t, "officer")
	for _, to := range []string{"registered", "in_progress", "rejected"} {
		if r := move(t, officer.AccessToken, a.ID, to, map[string]any{"comment": "Сведения не подтверждены"}); r.Status != 200 {
			t.Fatalf("-> %s = %d %s", to, r.Status, r.Body)
		}
	}
	var rejected struct{ Actions []string }
	call(t, "GET", "/applications/"+a.ID, citizen.AccessToken, nil, nil).JSON(t, &rejected)
	if !slices.Equal(rejected.Actions, []string{"resubmit"}) {
		t.Errorf("a rejected card's actions = %v, want [resubmit]", rejected.Actions)
	}
	other, _, _, _ := newCitizen(t)
	if r := post(t, "/applications/"+a.ID+"/resubmit", other.AccessToken, nil); r.Status != 404 {
		t.Errorf("another user resubmitting = %d, want 404", r.Status)
	}
	// Two clicks at once: one draft.
	type linked struct {
		ID, Status, Previous, ResubmittedAs string
		Values                              map[string]any
	}
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	drafts := make([]linked, 2)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := post(t, "/applications/"+a.ID+"/resubmit", citizen.AccessToken, nil)
			statuses[i] = r.Status
			_ = json.Unmarshal(r.Body, &drafts[i])
		}()
	}
	wg.Wait()
	if statuses[0]+statuses[1] != 401 || drafts[0].ID == "" || drafts[0].ID != drafts[1].ID {
		t.Fatalf("two resubmissions = %v %+v, want one 201 and one 200 with the same draft", statuses, drafts)
	}
	d := drafts[0]
	if d.Status != "draft" || d.Previous != a.ID || d.ID == a.ID {
		t.Errorf("resubmission = %+v, want a new draft linked to %s", d, a.ID)
	}
	for k, v := range fillForm(t, "no-criminal-record") {
		if fmt.Sprint(d.Values[k]) != fmt.Sprint(v) {
			t.Errorf("resubmitted %s = %v, want the rejected answer %v", k, d.Values[k], v)
		}
	}
	var old struct {
		linked
		Actions []string
	}
	call(t, "GET", "/applications/"+a.ID, citizen.AccessToken, nil, nil).JSON(t, &old)
	if old.Status != "rejected" || old.ResubmittedAs != d.ID || len(old.Actions) != 0 {
		t.Errorf("rejected card = %+v, want a link to %s and no action left", old, d.ID)
	}
	if r := post(t, "/applications/"+d.ID+"/resubmit", citizen.AccessToken, nil); r.Status != 409 {
		t.Errorf("resubmitting a draft = %d, want 409", r.Status)
	}
}

func TestTemplateStartsANewDraft(t *testing.T) {
	citizen, _, _, _ := newCitizen(t)
	a := draft(t, citizen.AccessToken, "egrul-extract")
	for _, bad := range []string{" ", strings.Repeat("я", 101), "Две\nстроки"} {
		if r := post(t, "/applications/"+a.ID+"/template", citizen.AccessToken, map[string]any{"name": bad}); r.Status != 422 || !strings.Contains(string(r.Body), "name.invalid") {
			t.Errorf("a template named %q = %d %s, want 422 name.invalid", bad, r.Status, r.Body)
		}
	}
	r := post(t, "/applications/"+a.ID+"/template", citizen.AccessToken, map[string]any{"name": "Выписка для банка"})
	var tpl struct{ ID, Name, Service string }
	r.JSON(t, &tpl)
	if r.Status != 201 || tpl.Service != "egrul-extract" || tpl.Name != "Выписка для банка" {
		t.Fatalf("save template = %d %s", r.Status, r.Body)
	}
	other, _, _, _ := newCitizen(t)
	if r := post(t, "/applications", other.AccessToken, map[string]any{"template": tpl.ID}); r.Status != 404 {
		t.Errorf("another user's template = %d, want 404", r.Status)
	}
	if r := call(t, "DELETE", "/templates/"+tpl.ID, other.AccessToken, nil, nil); r.Status != 404 {
		t.Errorf("deleting another user's template = %d, want 404", r.Status)
	}
	if r := post(t, "/applications", citizen.AccessToken, map[string]any{"template": tpl.ID, "service": "egrul-extract"}); r.Status != 422 || !strings.Contains(string(r.Body), "template.conflict") {
		t.Errorf("a draft from a service and a template at once = %d %s, want 422", r.Status, r.Body)
	}
	r = post(t, "/applications", citizen.AccessToken, map[string]any{"template": tpl.ID})
	var d struct {
		ID, Service, Status string
		Values              map[string]any
	}
	r.JSON(t, &d)
	if r.Status != 201 || d.Service != "egrul-extract" || d.Status != "draft" || d.ID == a.ID {
		t.Fatalf("draft from template = %d %s", r.Status, r.Body)
	}
	for k, v := range fillForm(t, "egrul-extract") {
		if fmt.Sprint(d.Values[k]) != fmt.Sprint(v) {
			t.Errorf("from the template %s = %v, want %v", k, d.Values[k], v)
		}
	}
	var list struct{ Items []struct{ ID string } }
	call(t, "GET", "/templates", citizen.AccessToken, nil, nil).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != tpl.ID {
		t.Errorf("templates = %+v, want the one saved", list.Items)
	}
	// The cap holds under concurrency: 25 saves at once keep exactly 20.
	var wg sync.WaitGroup
	codes := make([]int, 25)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = post(t, "/applications/"+a.ID+"/template", citizen.AccessToken, map[string]any{"name": fmt.Sprintf("Шаблон %d", i)}).Status
		}()
	}
	wg.Wait()
	created := 0
	for _, c := range codes {
		if c == 201 {
			created++
		} else if c != 409 {
			t.Errorf("a save answered %d", c)
		}
	}
	call(t, "GET", "/templates", citizen.AccessToken, nil, nil).JSON(t, &list)
	if created != 19 || len(list.Items) != 20 {
		t.Errorf("%d more saved, %d kept; want 19 and 20", created, len(list.Items))
	}
	if r := call(t, "DELETE", "/templates/"+tpl.ID, citizen.AccessToken, nil, nil); r.Status != 204 {
		t.Fatalf("delete = %d %s", r.Status, r.Body)
	}
	if r := post(t, "/applications/"+a.ID+"/template", citizen.AccessToken, map[string]any{"name": "Снова есть место"}); r.Status != 201 {
		t.Errorf("a save after a delete = %d %s, want 201", r.Status, r.Body)
	}
}

// Every application route, tried by everyone but the owner: another
// citizen, officers of the right and of another department, and support.
func TestAuthorizationMatrixForApplications(t *testing.T) {
	owner, _, _, _ := newCitizen(t)
	x := draft(t, owner.AccessToken, "egrul-extract") // the tax service's (fns)
	if r := submit(t, owner.AccessToken, x, nil); r.Status != 200 {
		t.Fatalf("submit = %d %s", r.Status, r.Body)
	} else {
		r.JSON(t, &x)
	}
	d := draft(t, owner.AccessToken, "egrul-extract")
	r := post(t, "/applications/"+x.ID+"/template", owner.AccessToken, map[string]any{"name": "Мой шаблон"})
	var tpl struct{ ID string }
	r.JSON(t, &tpl)
	if r.Status != 201 {
		t.Fatalf("template = %d %s", r.Status, r.Body)
	}
	other, _, _, _ := newCitizen(t)
	mvd, fns, support, registrar := login(t, "officer"), login(t, "officer-fns"), login(t, "support"), login(t, "registrar")
	jsonBody := map[string]string{"Content-Type": "application/json"}
	ifMatch := map[string]string{"Content-Type": "application/json", "If-Match": fmt.Sprintf(`"%d"`, d.Version)}
	citizenRoutes := []struct {
		method, path, body string
		header             map[string]string
	}{
		{"GET", "/applications/" + x.ID, "", nil},
		{"GET", "/applications/" + d.ID, "", nil},
		{"GET", "/applications/" + x.ID + "/journal.pdf", "", nil},
		{"PUT", "/applications/" + d.ID, `{"values":{}}`, ifMatch},
		{"DELETE", "/applications/" + d.ID, "", nil},
		{"POST", "/applications/" + d.ID + "/signature", "", nil},
		{"POST", "/applications/" + d.ID + "/submit", `{}`, ifMatch},
		{"POST", "/applications/" + x.ID + "/cancel", `{}`, jsonBody},
		{"POST", "/applications/" + x.ID + "/documents", `{"documents":["x"]}`, jsonBody},
		{"POST", "/applications/" + x.ID + "/resubmit", "", nil},
		{"POST", "/applications/" + x.ID + "/template", `{"name":"Чужой"}`, jsonBody},
		{"POST", "/applications", `{"template":"` + tpl.ID + `"}`, jsonBody},
		{"DELETE", "/templates/" + tpl.ID, "", nil},
	}
	for name, s := range map[string]session{"another citizen": other, "officer mvd": mvd, "officer fns": fns, "support": support, "registrar": registrar} {
		for _, c := range citizenRoutes {
			if r := call(t, c.method, c.path, s.AccessToken, []byte(c.body), c.header); r.Status != 404 {
				t.Errorf("%s: %s %s = %d, want 404", name, c.method, c.path, r.Status)
			}
		}
		var list struct{ Items []struct{ ID string } }
		call(t, "GET", "/applications?limit=100", s.AccessToken, nil, nil).JSON(t, &list)
		for _, it := range list.Items {
			if it.ID == x.ID || it.ID == d.ID {
				t.Errorf("%s lists the owner's application", name)
			}
		}
	}
	for name, s := range map[string]session{"another citizen": other, "support": support, "registrar": registrar, "the owner": owner} {
		for _, c := range []struct{ method, path string }{{"GET", "/officer/applications"}, {"GET", "/officer/applications/" + x.ID}, {"POST", "/officer/applications/" + x.ID + "/transition"}} {
			if r := call(t, c.method, c.path, s.AccessToken, []byte(`{"to":"registered"}`), jsonBody); r.Status != 403 {
				t.Errorf("%s: %s %s = %d, want 403", name, c.method, c.path, r.Status)
			}
		}
	}
	inQueue := func(s session) bool { return inQueue(t, s, x.ID) }
	if inQueue(mvd) {
		t.Error("the mvd officer's queue holds a tax application")
	}
	if r := call(t, "GET", "/officer/applications/"+x.ID, mvd.AccessToken, nil, nil); r.Status != 404 {
		t.Errorf("officer mvd opening it = %d, want 404", r.Status)
	}
	if r := move(t, mvd.AccessToken, x.ID, "registered", nil); r.Status != 404 {
		t.Errorf("officer mvd moving it = %d, want 404", r.Status)
	}
	if !inQueue(fns) {
		t.Error("the fns officer's queue lacks the tax application")
	}
	if r := call(t, "GET", "/officer/applications/"+x.ID, fns.AccessToken, nil, nil); r.Status != 200 {
		t.Errorf("officer fns opening it = %d, want 200", r.Status)
	}
	if r := move(t, fns.AccessToken, x.ID, "registered", nil); r.Status != 200 {
		t.Errorf("officer fns moving it = %d %s, want 200", r.Status, r.Body)
	}
	// Nothing the others tried changed anything.
	var got appDoc
	call(t, "GET", "/applications/"+d.ID, owner.AccessToken, nil, nil).JSON(t, &got)
	if got.Status != "draft" || got.Version != d.Version {
		t.Errorf("the owner's draft after the others = %+v, want version %d", got, d.Version)
	}
	call(t, "GET", "/applications/"+x.ID, owner.AccessToken, nil, nil).JSON(t, &got)
	if got.Status != "registered" || len(got.Journal) != 2 {
		t.Errorf("the owner's application = %s with %d changes, want registered by the fns officer only", got.Status, len(got.Journal))
	}
	var list struct{ Items []struct{ ID string } }
	call(t, "GET", "/templates", owner.AccessToken, nil, nil).JSON(t, &list)
	if len(list.Items) != 1 {
		t.Errorf("the owner's templates = %d, want 1", len(list.Items))
	}
}

// TestServiceAboveTheLevelIsRefusedAtCreation: a draft is refused for a
// service above the account's level (403 level_too_low, nothing created),
// and the level is the account's as it is now: raised by a registrar, it
// counts at creation and at submission while the session's token still
// carries the old one.
func TestServiceAboveTheLevelIsRefusedAtCreation(t *testing.T) {
	citizen, sub, phone, _ := newCitizen(t) // simplified
	if r := post(t, "/registrar/accounts/"+sub+"/level", login(t, "registrar").AccessToken, map[string]string{"level": "standard", "method": "registry_check"}); r.Status != 204 {
		t.Fatalf("level = %d %s", r.Status, r.Body)
	}
	var me struct{ Level string }
	call(t, "GET", "/me", citizen.AccessToken, nil, nil).JSON(t, &me)
	if me.Level != "simplified" {
		t.Fatalf("the token says %q; the test needs a token issued before the level was raised", me.Level)
	}
	const confirmedOnly = "international-passport-biometric"
	r := post(t, "/applications", citizen.AccessToken, map[string]string{"service": confirmedOnly})
	var p struct{ Code, Detail, RequiredLevel string }
	r.JSON(t, &p)
	if r.Status != 403 || p.Code != "level_too_low" || p.RequiredLevel != "confirmed" || !strings.Contains(p.Detail, "подтверждённая") {
		t.Errorf("a draft of a confirmed-level service for a standard account = %d %s, want 403 level_too_low", r.Status, r.Body)
	}
	var list struct{ Items []struct{ ID string } }
	call(t, "GET", "/applications?service="+confirmedOnly, citizen.AccessToken, nil, nil).JSON(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("the refusal created %d drafts", len(list.Items))
	}
	// A standard-level service: the raised level counts without a refresh.
	scan := uploadScanOfType(t, citizen.AccessToken, "passport")
	a := draft(t, citizen.AccessToken, "no-criminal-record")
	if r := submitSigned(t, citizen.AccessToken, phone, a, []string{scan}); r.Status != 200 {
		t.Errorf("submit with the level raised after sign-in = %d %s, want 200", r.Status, r.Body)
	}
}

// TestOfficersDoNotProcessTheirOwn: an officer applies as a citizen, and
// neither opens nor moves their own application as an officer (403
// self_action), nor finds it in their queue.
func TestOfficersDoNotProcessTheirOwn(t *testing.T) {
	fns := login(t, "officer-fns")
	a := draft(t, fns.AccessToken, "egrul-extract") // the tax service's own
	if r := submit(t, fns.AccessToken, a, nil); r.Status != 200 {
		t.Fatalf("submit = %d %s", r.Status, r.Body)
	}
	for _, r := range []response{
		call(t, "GET", "/officer/applications/"+a.ID, fns.AccessToken, nil, nil),
		move(t, fns.AccessToken, a.ID, "registered", nil),
	} {
		if r.Status != 403 || !strings.Contains(string(r.Body), "self_action") {
			t.Errorf("an officer on their own application = %d %s, want 403 self_action", r.Status, r.Body)
		}
	}
	if inQueue(t, fns, a.ID) {
		t.Error("the officer's own application is in their queue")
	}
	var card appDoc
	call(t, "GET", "/applications/"+a.ID, fns.AccessToken, nil, nil).JSON(t, &card)
	if card.Status != "submitted" || len(card.Journal) != 1 {
		t.Errorf("own application = %s with %d changes, want submitted and untouched", card.Status, len(card.Journal))
	}
}

// TestOfficerChangesNameTheOfficer: a change by an officer records which
// officer of which department made it; the citizen's card and activity
// journal name the role and the department, the officers' card the officer
// too.
func TestOfficerChangesNameTheOfficer(t *testing.T) {
	citizen, _, _, _ := newCitizen(t)
	a := draft(t, citizen.AccessToken, "egrul-extract")
	if r := submit(t, citizen.AccessToken, a, nil); r.Status != 200 {
		t.Fatalf("submit = %d %s", r.Status, r.Body)
	}
	fns, officer := login(t, "officer-fns"), demo(t, "officer-fns")
	if r := move(t, fns.AccessToken, a.ID, "registered", map[string]any{"comment": "Принято"}); r.Status != 200 {
		t.Fatalf("register = %d %s", r.Status, r.Body)
	}
	type entry struct{ From, To, Role, Department, ActorID string }
	var mine, theirs struct{ Journal []entry }
	call(t, "GET", "/applications/"+a.ID, citizen.AccessToken, nil, nil).JSON(t, &mine)
	call(t, "GET", "/officer/applications/"+a.ID, fns.AccessToken, nil, nil).JSON(t, &theirs)
	if len(mine.Journal) != 2 || mine.Journal[1].Role != "officer" || mine.Journal[1].Department != "fns" || mine.Journal[1].ActorID != "" {
		t.Errorf("the citizen's journal = %+v, want the registration by the fns department, without the officer's id", mine.Journal)
	}
	if len(theirs.Journal) != 2 || theirs.Journal[1].ActorID != officer.Sub || theirs.Journal[1].Department != "fns" || theirs.Journal[0].ActorID != "" {
		t.Errorf("the officers' journal = %+v, want the registration by %s", theirs.Journal, officer.Sub)
	}
	// The citizen's activity names the role and the department, never the
	// officer's account id.
	var activity struct {
		Items []struct{ Type, Summary, Actor, ActorID string }
	}
	r := call(t, "GET", "/activity?type=application.status", citizen.AccessToken, nil, nil)
	r.JSON(t, &activity)
	if len(activity.Items) != 1 || activity.Items[0].Actor != "officer" || activity.Items[0].ActorID != "" ||
		strings.Contains(string(r.Body), officer.Sub) || !strings.Contains(activity.Items[0].Summary, "Зарегистрировано") ||
		!strings.Contains(activity.Items[0].Summary, "ФНС") {
		t.Errorf("activity = %s, want the registration by an officer of the ФНС, without the officer's id", r.Body)
	}
}
