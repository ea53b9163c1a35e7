package e2e

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"
)

type profileDoc struct {
	Fields map[string]struct {
		Value any
		Kind  string
	}
	Version int64
}

func TestProfileShowsKindsAndOpenedData(t *testing.T) {
	s, _, phone, _ := newCitizen(t)
	r := call(t, "GET", "/profile", s.AccessToken, nil, nil)
	var p profileDoc
	r.JSON(t, &p)
	if r.Status != 200 || r.Header.Get("ETag") == "" {
		t.Fatalf("GET /profile = %d %s", r.Status, r.Body)
	}
	want := map[string]string{"surname": "review", "passport": "review", "inn": "readonly", "citizenship": "readonly",
		"actualAddress": "editable", "phone": "confirmed"}
	for f, kind := range want {
		if p.Fields[f].Kind != kind {
			t.Errorf("%s kind = %q, want %s", f, p.Fields[f].Kind, kind)
		}
	}
	if p.Fields["phone"].Value != phone || !strings.Contains(p.Fields["snils"].Value.(string), "-") {
		t.Errorf("phone %v, snils %v", p.Fields["phone"].Value, p.Fields["snils"].Value)
	}
	other := login(t, "support")
	var po profileDoc
	call(t, "GET", "/profile", other.AccessToken, nil, nil).JSON(t, &po)
	if po.Fields["phone"].Value == phone {
		t.Error("user B sees user A's profile")
	}
}

func patchProfile(t testing.TB, token, etag string, body map[string]any) response {
	b, _ := json.Marshal(body)
	return call(t, "PATCH", "/profile", token, b, map[string]string{"Content-Type": "application/json", "If-Match": etag})
}

func TestReviewOnlyFieldsCannotBePatched(t *testing.T) {
	s, _, _, _ := newCitizen(t)
	etag := call(t, "GET", "/profile", s.AccessToken, nil, nil).Header.Get("ETag")
	r := patchProfile(t, s.AccessToken, etag, map[string]any{"surname": "Петрова", "inn": "500100732259", "actualAddress": "г. Москва, ул. Арбат, 1"})
	if r.Status != 422 || !strings.Contains(string(r.Body), "field.review_only") || !strings.Contains(string(r.Body), "change-requests") ||
		!strings.Contains(string(r.Body), "field.read_only") {
		t.Errorf("PATCH of review-only and read-only fields = %d %s", r.Status, r.Body)
	}
	var p profileDoc
	call(t, "GET", "/profile", s.AccessToken, nil, nil).JSON(t, &p)
	if p.Fields["surname"].Value != "Иванова" || p.Fields["actualAddress"].Value != "" {
		t.Errorf("a refused PATCH changed the profile: %v %v", p.Fields["surname"].Value, p.Fields["actualAddress"].Value)
	}
}

func TestConcurrentPatchesOneWins(t *testing.T) {
	s, _, _, _ := newCitizen(t)
	etag := call(t, "GET", "/profile", s.AccessToken, nil, nil).Header.Get("ETag")
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i, addr := range []string{"г. Москва, ул. Арбат, д. 1", "г. Казань, ул. Баумана, д. 2"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = patchProfile(t, s.AccessToken, etag, map[string]any{"actualAddress": addr}).Status
		}()
	}
	wg.Wait()
	if !(statuses[0] == 200 && statuses[1] == 409) && !(statuses[0] == 409 && statuses[1] == 200) {
		t.Errorf("two concurrent PATCHes = %v, want one 200 and one 409", statuses)
	}
	var h struct {
		Items []struct{ Field, Old, New string }
	}
	call(t, "GET", "/profile/history", s.AccessToken, nil, nil).JSON(t, &h)
	if len(h.Items) != 1 || h.Items[0].Field != "actualAddress" || strings.Contains(h.Items[0].New, "Арбат") || strings.Contains(h.Items[0].New, "Баумана") {
		t.Errorf("history = %+v, want one masked change", h.Items)
	}
}

func TestPhoneChangeConfirmedByCodeOncePerMonth(t *testing.T) {
	s, _, oldPhone, _ := newCitizen(t)
	newNumber := newPhone()
	start := time.Now()
	r := post(t, "/profile/phone", s.AccessToken, map[string]string{"phone": newNumber})
	if r.Status != 202 {
		t.Fatalf("start phone change = %d %s", r.Status, r.Body)
	}
	if r := post(t, "/profile/phone/confirm", s.AccessToken, map[string]string{"code": "000000"}); r.Status != 422 {
		t.Errorf("wrong code = %d, want 422", r.Status)
	}
	if r := post(t, "/profile/phone/confirm", s.AccessToken, map[string]string{"code": smsCode(t, newNumber, start)}); r.Status != 204 {
		t.Fatalf("confirm = %d %s", r.Status, r.Body)
	}
	var p profileDoc
	call(t, "GET", "/profile", s.AccessToken, nil, nil).JSON(t, &p)
	if p.Fields["phone"].Value != newNumber {
		t.Errorf("phone = %v, want %s", p.Fields["phone"].Value, newNumber)
	}
	// Sign-in now works with the new number and not the old one.
	loginAs(t, newNumber, "Зелёный-Чай-42", "", nil)
	if r := post(t, "/auth/login", "", map[string]string{"login": oldPhone, "password": "Зелёный-Чай-42"}); r.Status != 401 {
		t.Errorf("sign-in with the old phone = %d, want 401", r.Status)
	}
	r = post(t, "/profile/phone", s.AccessToken, map[string]string{"phone": newPhone()})
	var prob struct {
		Code          string
		AvailableFrom time.Time
	}
	r.JSON(t, &prob)
	if r.Status != 409 || prob.Code != "phone_change_too_soon" || time.Until(prob.AvailableFrom) < 29*24*time.Hour {
		t.Errorf("a second change = %d %s, want 409 with the date it becomes possible", r.Status, r.Body)
	}
}

// uploadScan puts a checked PDF among the user's documents and returns its id.
func uploadScan(t *testing.T, token string) string {
	t.Helper()
	d := declare(t, token, "application/pdf", len(pdfBytes))
	upload(t, d, pdfBytes)
	if r := post(t, "/documents/"+d.Document.ID+"/complete", token, nil); r.Status != 200 {
		t.Fatalf("complete = %d %s", r.Status, r.Body)
	}
	return d.Document.ID
}

func TestChangeRequestApprovedOnceByAnOfficer(t *testing.T) {
	s, sub, _, _ := newCitizen(t)
	scan := uploadScan(t, s.AccessToken)
	if r := post(t, "/profile/change-requests", s.AccessToken, map[string]any{"field": "inn", "value": "500100732259", "documentId": scan}); r.Status != 422 {
		t.Errorf("a change request for a read-only field = %d, want 422", r.Status)
	}
	if r := post(t, "/profile/change-requests", s.AccessToken, map[string]any{"field": "surname", "value": "Smith", "documentId": scan}); r.Status != 422 {
		t.Errorf("a Latin surname = %d, want 422", r.Status)
	}
	r := post(t, "/profile/change-requests", s.AccessToken, map[string]any{"field": "surname", "value": "Петрова", "documentId": scan})
	var cr struct{ ID, Status string }
	r.JSON(t, &cr)
	if r.Status != 201 || cr.Status != "pending" {
		t.Fatalf("change request = %d %s", r.Status, r.Body)
	}
	if r := call(t, "DELETE", "/documents/"+scan, s.AccessToken, nil, nil); r.Status != 409 {
		t.Errorf("deleting the supporting scan while pending = %d, want 409", r.Status)
	}
	if r := call(t, "GET", "/officer/change-requests", s.AccessToken, nil, nil); r.Status != 403 {
		t.Errorf("a citizen opening the officers' queue = %d, want 403", r.Status)
	}
	other := login(t, "support")
	if r := call(t, "GET", "/profile/change-requests/"+cr.ID, other.AccessToken, nil, nil); r.Status != 404 {
		t.Errorf("user B reading A's change request = %d, want 404", r.Status)
	}
	officer := login(t, "officer")
	var queue struct{ Items []struct{ ID, Sub string } }
	call(t, "GET", "/officer/change-requests?limit=100", officer.AccessToken, nil, nil).JSON(t, &queue)
	found := false
	for _, it := range queue.Items {
		found = found || (it.ID == cr.ID && it.Sub == sub)
	}
	if !found {
		t.Fatalf("the request is not in the officers' queue")
	}
	path := "/officer/change-requests/" + sub + "/" + cr.ID + "/decision"
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i, body := range []map[string]string{{"decision": "approve"}, {"decision": "reject", "reason": "Документ не читается"}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = post(t, path, officer.AccessToken, body).Status
		}()
	}
	wg.Wait()
	if !(statuses[0] == 204 && statuses[1] == 409) && !(statuses[0] == 409 && statuses[1] == 204) {
		t.Fatalf("two officers deciding at once = %v, want one 204 and one 409", statuses)
	}
	var p profileDoc
	call(t, "GET", "/profile", s.AccessToken, nil, nil).JSON(t, &p)
	approved := statuses[0] == 204
	if approved != (p.Fields["surname"].Value == "Петрова") {
		t.Errorf("surname = %v after the decision (approved %v)", p.Fields["surname"].Value, approved)
	}
	if r := call(t, "DELETE", "/documents/"+scan, s.AccessToken, nil, nil); r.Status != 204 {
		t.Errorf("deleting the scan after the decision = %d, want 204", r.Status)
	}
	titles := ""
	for _, rec := range inboxOf(t, s.AccessToken) {
		titles += rec.Title + "\n"
	}
	if !strings.Contains(titles, "Заявка на изменение данных") {
		t.Errorf("no inbox note about the decision: %s", titles)
	}
}

func TestIdentityDocumentsWithExpiryReminders(t *testing.T) {
	s, _, _, _ := newCitizen(t)
	expires := time.Now().AddDate(0, 2, 0).Format("2006-01-02")
	r := post(t, "/identity-documents", s.AccessToken, map[string]any{"type": "driver_license", "series": "77 12", "number": "345678",
		"issueDate": "2018-04-10", "issuer": "ГИБДД 7701", "expiresAt": expires})
	var d struct{ ID string }
	r.JSON(t, &d)
	if r.Status != 201 {
		t.Fatalf("add = %d %s", r.Status, r.Body)
	}
	if r := post(t, "/identity-documents", s.AccessToken, map[string]any{"type": "spaceship_license", "number": "1", "issueDate": "x", "issuer": ""}); r.Status != 422 {
		t.Errorf("a bad document = %d, want 422", r.Status)
	}
	var list struct {
		Items []struct {
			ID, Type, Number, ReplaceBy string
			FromProfile                 bool
		}
	}
	call(t, "GET", "/identity-documents", s.AccessToken, nil, nil).JSON(t, &list)
	types := map[string]bool{}
	for _, it := range list.Items {
		types[it.Type] = true
	}
	if !types["passport"] || !types["snils"] || !types["driver_license"] {
		t.Errorf("documents = %+v, want the profile's passport and SNILS and the licence", list.Items)
	}
	var cal struct{ Items []struct{ ID, Kind string } }
	call(t, "GET", "/calendar?to="+time.Now().AddDate(0, 3, 0).Format("2006-01-02"), s.AccessToken, nil, nil).JSON(t, &cal)
	found := false
	for _, it := range cal.Items {
		found = found || it.ID == "document-"+d.ID
	}
	if !found {
		t.Errorf("the licence's expiry is not in the calendar: %+v", cal.Items)
	}
	other := login(t, "support")
	if r := call(t, "DELETE", "/identity-documents/"+d.ID, other.AccessToken, nil, nil); r.Status != 404 {
		t.Errorf("user B deleting A's document = %d, want 404", r.Status)
	}
	if r := call(t, "DELETE", "/identity-documents/"+d.ID, s.AccessToken, nil, nil); r.Status != 204 {
		t.Errorf("delete = %d %s", r.Status, r.Body)
	}
}
