package e2e

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/export"
)

func TestExportHoldsEverythingAndOnlyForItsOwner(t *testing.T) {
	s, sub, _, _ := newCitizen(t)
	// A signing code is pending when the export is made.
	if r := post(t, "/registrar/accounts/"+sub+"/level", login(t, "registrar").AccessToken, map[string]string{"level": "standard", "method": "registry_check"}); r.Status != 204 {
		t.Fatalf("level = %d %s", r.Status, r.Body)
	}
	post(t, "/auth/refresh", "", map[string]string{"sessionId": s.SessionID, "refreshToken": s.RefreshToken}).JSON(t, &s)
	signed := draft(t, s.AccessToken, "no-criminal-record")
	if r := post(t, "/applications/"+signed.ID+"/signature", s.AccessToken, nil); r.Status != 200 {
		t.Fatalf("signature = %d %s", r.Status, r.Body)
	}
	scan := uploadScan(t, s.AccessToken)
	post(t, "/profile/change-requests", s.AccessToken, map[string]any{"field": "surname", "value": "Петрова", "documentId": scan})
	app := draft(t, s.AccessToken, "egrul-extract")
	if r := post(t, "/applications/"+app.ID+"/template", s.AccessToken, map[string]any{"name": "Шаблон для выгрузки"}); r.Status != 201 {
		t.Fatalf("save template = %d %s", r.Status, r.Body)
	}
	// The account uses every feature before the export, so every kind of
	// item it may hold is in its partition: a submitted application (and
	// with it notifications and their unread counter), a calendar item, a
	// push device, an identity document, changed preferences.
	submitted := draft(t, s.AccessToken, "egrul-extract")
	if r := call(t, "PUT", "/applications/"+submitted.ID, s.AccessToken, jsonBytes(map[string]any{"values": fillForm(t, "egrul-extract")}),
		map[string]string{"Content-Type": "application/json", "If-Match": fmt.Sprintf(`"%d"`, submitted.Version)}); r.Status != 200 {
		t.Fatalf("save = %d %s", r.Status, r.Body)
	} else {
		r.JSON(t, &submitted)
	}
	if r := submit(t, s.AccessToken, submitted, nil); r.Status != 200 {
		t.Fatalf("submit = %d %s", r.Status, r.Body)
	}
	if r := post(t, "/calendar/items", s.AccessToken, map[string]any{"title": "Забрать справку", "start": time.Now().Add(48 * time.Hour)}); r.Status != 201 {
		t.Fatalf("calendar item = %d %s", r.Status, r.Body)
	}
	if r := post(t, "/notifications/devices", s.AccessToken, map[string]string{"platform": "fcm", "token": fmt.Sprintf("fcm-export-%d", time.Now().UnixNano())}); r.Status != 201 {
		t.Fatalf("push device = %d %s", r.Status, r.Body)
	}
	if r := post(t, "/identity-documents", s.AccessToken, map[string]string{"type": "driver_license", "number": "77 12 345678",
		"issueDate": "2020-01-10", "issuer": "ГИБДД 7701", "expiresAt": "2030-01-10"}); r.Status != 201 {
		t.Fatalf("identity document = %d %s", r.Status, r.Body)
	}
	if r := call(t, "PUT", "/notifications/preferences", s.AccessToken, []byte(`{"channels":{"applications":{"sms":false}}}`),
		map[string]string{"Content-Type": "application/json", "If-Match": call(t, "GET", "/notifications/preferences", s.AccessToken, nil, nil).Header.Get("ETag")}); r.Status != 200 {
		t.Fatalf("preferences = %d %s", r.Status, r.Body)
	}
	// Settings, an edit of the profile (its history), a calendar
	// subscription and a contact change waiting for its code.
	settings := call(t, "GET", "/me/settings", s.AccessToken, nil, nil)
	if r := call(t, "PUT", "/me/settings", s.AccessToken, []byte(`{"timeZone":"Asia/Omsk","locale":"ru"}`),
		map[string]string{"Content-Type": "application/json", "If-Match": settings.Header.Get("ETag")}); r.Status != 200 {
		t.Fatalf("settings = %d %s", r.Status, r.Body)
	}
	if r := patchProfile(t, s.AccessToken, call(t, "GET", "/profile", s.AccessToken, nil, nil).Header.Get("ETag"),
		map[string]any{"actualAddress": "г. Омск, ул. Ленина, 10"}); r.Status != 200 {
		t.Fatalf("profile edit = %d %s", r.Status, r.Body)
	}
	if r := post(t, "/calendar/feeds", s.AccessToken, map[string]string{"name": "Телефон"}); r.Status != 201 {
		t.Fatalf("calendar subscription = %d %s", r.Status, r.Body)
	}
	if r := post(t, "/profile/email", s.AccessToken, map[string]string{"email": fmt.Sprintf("new%d@example.ru", time.Now().UnixNano())}); r.Status != 202 {
		t.Fatalf("email change = %d %s", r.Status, r.Body)
	}
	var unread struct{ Unread int }
	if call(t, "GET", "/notifications/unread-count", s.AccessToken, nil, nil).JSON(t, &unread); unread.Unread == 0 {
		t.Fatal("the account has no unread notification before the export")
	}
	if r := post(t, "/profile/export", s.AccessToken, map[string]string{"password": "Неверный-Пароль-1"}); r.Status != 403 {
		t.Errorf("export with a wrong password = %d, want 403", r.Status)
	}
	doc, files, exportID := exportOf(t, s.AccessToken, "Зелёный-Чай-42")
	for _, spec := range export.Sections {
		if spec.Name != "" {
			if _, ok := doc[spec.Name]; !ok {
				t.Errorf("the export has no section %s", spec.Name)
			}
		}
	}
	for _, want := range []string{"profile", "documents", "notifications", "activityJournal", "signInHistory", "changeRequests", "applications", "payments", "consents"} {
		if _, ok := doc[want]; !ok {
			t.Errorf("the export lacks %s", want)
		}
	}
	// What the account did is in its sections, not left out.
	for _, want := range []string{"settings", "profileHistory", "calendarSubscriptions", "pendingContactChanges", "calendar", "pushDevices",
		"notificationPreferences", "pendingSignatures", "applicationTemplates", "identityDocuments", "changeRequests", "reminders"} {
		var items []json.RawMessage
		if err := json.Unmarshal(doc[want], &items); err != nil || len(items) == 0 {
			t.Errorf("the export's %s is empty (%s)", want, doc[want])
		}
	}
	// Every kind of item the account holds has a section: the export logs
	// any it would leave out.
	logMu.Lock()
	out := stackLog.String()
	logMu.Unlock()
	if strings.Contains(out, "has no section") {
		t.Errorf("the export left out an item kind:\n%s", grepLines(out, "has no section"))
	}
	text := string(files["export.json"])
	for _, secret := range []string{"Refresh", "PasswordHistory", "TOTPSecret", "argon2id", `"v1.`} {
		if strings.Contains(text, secret) {
			t.Errorf("the export contains %s", secret)
		}
	}
	// The applications' and templates' answers leave opened.
	answers := 0
	for _, v := range fillForm(t, "egrul-extract") {
		if str, ok := v.(string); ok {
			answers++
			if n := strings.Count(text, str); n < 2 {
				t.Errorf("the answer %q is in the export %d times, want the application's and the template's", str, n)
			}
		}
	}
	if answers == 0 || !strings.Contains(text, "Шаблон для выгрузки") {
		t.Error("the export misses the applications or the templates")
	}
	if !strings.Contains(text, "Иванова") || !strings.HasPrefix(string(files["activity.csv"]), "\ufeff") {
		t.Error("the export misses the profile or the journal's CSV")
	}
	other := login(t, "support")
	if r := call(t, "GET", "/profile/exports/"+exportID, other.AccessToken, nil, nil); r.Status != 404 {
		t.Errorf("user B fetching A's export = %d, want 404", r.Status)
	}
}

// exportOf makes the caller's personal-data export and reads it back: the
// sections of export.json, every file of the ZIP, and the export's id.
func exportOf(t *testing.T, token, password string) (map[string]json.RawMessage, map[string][]byte, string) {
	t.Helper()
	r := post(t, "/profile/export", token, map[string]string{"password": password})
	var d struct {
		Export   struct{ ID string }
		Download struct{ URL string }
	}
	r.JSON(t, &d)
	if r.Status != 201 || d.Download.URL == "" {
		t.Fatalf("export = %d %s", r.Status, r.Body)
	}
	res, err := http.Get(d.Download.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("the export is not a ZIP: %v", err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(files["export.json"], &doc); err != nil {
		t.Fatalf("export.json: %v", err)
	}
	return doc, files, d.Export.ID
}

// User B tries every URL of user A's personal data and gets 404 each time.
func TestAuthorizationMatrixForPersonalData(t *testing.T) {
	a, _, _, _ := newCitizen(t)
	scan := uploadScan(t, a.AccessToken)
	r := post(t, "/profile/change-requests", a.AccessToken, map[string]any{"field": "name", "value": "Мария", "documentId": scan})
	var cr struct{ ID string }
	r.JSON(t, &cr)
	r = post(t, "/profile/export", a.AccessToken, map[string]string{"password": "Зелёный-Чай-42"})
	var ex struct{ Export struct{ ID string } }
	r.JSON(t, &ex)
	var sessions struct{ Items []struct{ ID string } }
	call(t, "GET", "/auth/sessions", a.AccessToken, nil, nil).JSON(t, &sessions)
	b, _, _, _ := newCitizen(t)
	urls := []struct{ method, path string }{
		{"GET", "/documents/" + scan},
		{"DELETE", "/documents/" + scan},
		{"POST", "/documents/" + scan + "/complete"},
		{"GET", "/profile/change-requests/" + cr.ID},
		{"GET", "/profile/exports/" + ex.Export.ID},
		{"DELETE", "/auth/sessions/" + sessions.Items[0].ID},
	}
	// Staff have no way into A's own data either: their roles open the
	// staff routes, not another person's account.
	others := map[string]session{"user B": b, "officer mvd": login(t, "officer"), "officer fns": login(t, "officer-fns"),
		"registrar": login(t, "registrar"), "support": login(t, "support")}
	for name, s := range others {
		for _, u := range urls {
			if r := call(t, u.method, u.path, s.AccessToken, nil, nil); r.Status != 404 {
				t.Errorf("%s: %s %s = %d, want 404", name, u.method, u.path, r.Status)
			}
		}
	}
	// A's data is intact.
	if r := call(t, "GET", "/documents/"+scan, a.AccessToken, nil, nil); r.Status != 200 {
		t.Errorf("A's document after B's attempts = %d", r.Status)
	}
	var mine struct{ Status string }
	if call(t, "GET", "/profile/change-requests/"+cr.ID, a.AccessToken, nil, nil).JSON(t, &mine); mine.Status != "pending" {
		t.Errorf("A's change request after the others = %s, want pending", mine.Status)
	}
}

// The staff routes of personal data, tried by every role: citizens and
// support are refused, an officer of another department does not find the
// request, nobody decides their own request, and the owning department's
// officer or a registrar may.
func TestAuthorizationMatrixForChangeRequests(t *testing.T) {
	owner, sub, _, _ := newCitizen(t)
	scan := uploadScan(t, owner.AccessToken)
	var cr struct{ ID string }
	post(t, "/profile/change-requests", owner.AccessToken, map[string]any{"field": "surname", "value": "Петрова", "documentId": scan}).JSON(t, &cr)
	decide := func(s session, sub, id string) response {
		return post(t, "/officer/change-requests/"+sub+"/"+id+"/decision", s.AccessToken, map[string]string{"decision": "reject", "reason": "Скан не читается"})
	}
	for name, s := range map[string]session{"the owner": owner, "another citizen": func() session { s, _, _, _ := newCitizen(t); return s }(), "support": login(t, "support")} {
		if r := call(t, "GET", "/officer/change-requests", s.AccessToken, nil, nil); r.Status != 403 {
			t.Errorf("%s opening the queue = %d, want 403", name, r.Status)
		}
		if r := decide(s, sub, cr.ID); r.Status != 403 {
			t.Errorf("%s deciding = %d, want 403", name, r.Status)
		}
	}
	if r := decide(login(t, "officer-fns"), sub, cr.ID); r.Status != 404 {
		t.Errorf("an officer of another department deciding = %d, want 404", r.Status)
	}
	// A registrar files a request of their own and cannot decide it.
	registrar := login(t, "registrar")
	var me struct{ Sub string }
	call(t, "GET", "/me", registrar.AccessToken, nil, nil).JSON(t, &me)
	own := uploadScan(t, registrar.AccessToken)
	var mine struct{ ID string }
	post(t, "/profile/change-requests", registrar.AccessToken, map[string]any{"field": "surname", "value": "Волкова", "documentId": own}).JSON(t, &mine)
	if r := decide(registrar, me.Sub, mine.ID); r.Status != 403 || !strings.Contains(string(r.Body), "self_action") {
		t.Errorf("a registrar deciding their own request = %d %s, want 403 self_action", r.Status, r.Body)
	}
	if r := decide(registrar, sub, cr.ID); r.Status != 204 {
		t.Errorf("a registrar deciding the citizen's request = %d %s, want 204", r.Status, r.Body)
	}
	if r := decide(login(t, "officer"), me.Sub, mine.ID); r.Status != 204 {
		t.Errorf("the mvd officer deciding the registrar's request = %d %s, want 204", r.Status, r.Body)
	}
}

func jsonBytes(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// grepLines are the lines of text that contain s.
func grepLines(text, s string) string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, s) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
