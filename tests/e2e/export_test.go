package e2e

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/shared/export"
)

func TestExportHoldsEverythingAndOnlyForItsOwner(t *testing.T) {
	s, sub, _, _ := newCitizen(t)
	// A signing code is pending when the export is made.
	if r := post(t, "/officer/accounts/"+sub+"/level", login(t, "officer").AccessToken, map[string]string{"level": "standard", "method": "registry_check"}); r.Status != 204 {
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
	if r := post(t, "/profile/export", s.AccessToken, map[string]string{"password": "Неверный-Пароль-1"}); r.Status != 403 {
		t.Errorf("export with a wrong password = %d, want 403", r.Status)
	}
	r := post(t, "/profile/export", s.AccessToken, map[string]string{"password": "Зелёный-Чай-42"})
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
	for _, spec := range export.Sections {
		if spec.Section != "" {
			if _, ok := doc[spec.Section]; !ok {
				t.Errorf("the export has no section %s", spec.Section)
			}
		}
	}
	for _, want := range []string{"profile", "documents", "notifications", "activityJournal", "signInHistory", "changeRequests", "applications", "payments", "consents"} {
		if _, ok := doc[want]; !ok {
			t.Errorf("the export lacks %s", want)
		}
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
	if r := call(t, "GET", "/profile/exports/"+d.Export.ID, other.AccessToken, nil, nil); r.Status != 404 {
		t.Errorf("user B fetching A's export = %d, want 404", r.Status)
	}
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
	for _, u := range urls {
		if r := call(t, u.method, u.path, b.AccessToken, nil, nil); r.Status != 404 {
			t.Errorf("user B: %s %s = %d, want 404", u.method, u.path, r.Status)
		}
	}
	// A's data is intact.
	if r := call(t, "GET", "/documents/"+scan, a.AccessToken, nil, nil); r.Status != 200 {
		t.Errorf("A's document after B's attempts = %d", r.Status)
	}
}
