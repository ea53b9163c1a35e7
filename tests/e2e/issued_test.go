package e2e

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/kabinet/kabinet/shared/pdfdoc/pdfdoctest"
)

func pdfText(t *testing.T, pdf []byte) string { return pdfdoctest.Text(t, pdf, true) }

type verification struct {
	Genuine    bool
	Unaltered  *bool
	Number     string
	Applicant  string
	Department string
}

func verify(t *testing.T, code string, file []byte, contentType string) (response, verification) {
	t.Helper()
	var r response
	if file == nil {
		r = call(t, "GET", "/verify/"+code, "", nil, nil)
	} else {
		r = call(t, "POST", "/verify/"+code, "", file, map[string]string{"Content-Type": contentType})
	}
	var v verification
	if r.Status == 200 {
		r.JSON(t, &v)
	}
	return r, v
}

// TestIssuedResultIsVerifiable is the acceptance path: a new citizen
// applies with a scan, an officer asks for a document and gets it, approves
// and completes; the citizen downloads the result, whose text names them and
// its number, and /verify confirms it until a byte is changed.
func TestIssuedResultIsVerifiable(t *testing.T) {
	fresh, sub, phone, _ := newCitizen(t)
	// The service needs a confirmed identity: an officer records an
	// in-person check, and the session learns it at its refresh.
	officer := login(t, "officer")
	if r := post(t, "/registrar/accounts/"+sub+"/level", login(t, "registrar").AccessToken, map[string]string{"level": "confirmed", "method": "in_person"}); r.Status != 204 {
		t.Fatalf("level = %d %s", r.Status, r.Body)
	}
	var citizen session
	post(t, "/auth/refresh", "", map[string]string{"sessionId": fresh.SessionID, "refreshToken": fresh.RefreshToken}).JSON(t, &citizen)
	scan := uploadScanOfType(t, citizen.AccessToken, "passport")
	a := draft(t, citizen.AccessToken, "no-criminal-record")
	if r := submitSigned(t, citizen.AccessToken, phone, a, []string{scan}); r.Status != 200 {
		t.Fatalf("submit = %d %s", r.Status, r.Body)
	} else {
		r.JSON(t, &a)
	}
	steps := []struct {
		to    string
		extra map[string]any
	}{
		{"registered", nil}, {"in_progress", nil},
		{"awaiting_documents", map[string]any{"documents": []string{"Справка с места работы"}, "comment": "Нужна справка"}},
	}
	for _, s := range steps {
		if r := move(t, officer.AccessToken, a.ID, s.to, s.extra); r.Status != 200 {
			t.Fatalf("-> %s = %d %s", s.to, r.Status, r.Body)
		}
	}
	more := uploadScanOfType(t, citizen.AccessToken, "other")
	if r := post(t, "/applications/"+a.ID+"/documents", citizen.AccessToken, map[string]any{"documents": []string{more}}); r.Status != 200 {
		t.Fatalf("citizen adds documents = %d %s", r.Status, r.Body)
	}
	if r := move(t, officer.AccessToken, a.ID, "approved", map[string]any{"comment": "Сведений о судимости нет"}); r.Status != 200 {
		t.Fatalf("-> approved = %d %s", r.Status, r.Body)
	}
	objectsBefore := len(objectsOf(t, sub))

	// Two officers complete at once: one result, one 409, no stray file.
	// (The department has one demo officer: a second session stands in for a colleague.)
	colleague := login(t, "officer")
	var wg sync.WaitGroup
	results := make([]response, 2)
	for i, s := range []session{officer, colleague} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = move(t, s.AccessToken, a.ID, "completed", map[string]any{"comment": "Справка выдана 👍"})
		}()
	}
	wg.Wait()
	if !(results[0].Status == 200 && results[1].Status == 409) && !(results[0].Status == 409 && results[1].Status == 200) {
		t.Fatalf("two concurrent completions = %d, %d; want one 200 and one 409", results[0].Status, results[1].Status)
	}
	if got := len(objectsOf(t, sub)); got != objectsBefore+1 {
		t.Errorf("the bucket holds %d files after completion, want %d (one result, nothing from the losing officer)", got, objectsBefore+1)
	}

	// A decided application leaves the department's queue.
	if inQueue(t, officer, a.ID) {
		t.Error("the completed application is still in the officer's queue")
	}
	var card struct {
		Number string
		Status string
		Result struct{ DocumentID, Number, VerificationCode string }
	}
	call(t, "GET", "/applications/"+a.ID, citizen.AccessToken, nil, nil).JSON(t, &card)
	if card.Status != "completed" || card.Result.DocumentID == "" || card.Result.Number != "ВД-"+card.Number {
		t.Fatalf("card = %+v", card)
	}
	var list struct {
		Items []struct {
			ID     string
			Type   string
			Issued struct{ Number, VerificationCode string }
		}
	}
	call(t, "GET", "/documents?type=result", citizen.AccessToken, nil, nil).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != card.Result.DocumentID || list.Items[0].Issued.VerificationCode != card.Result.VerificationCode {
		t.Fatalf("issued documents = %+v, want the one result", list.Items)
	}
	var got struct{ Download struct{ URL string } }
	call(t, "GET", "/documents/"+card.Result.DocumentID, citizen.AccessToken, nil, nil).JSON(t, &got)
	res, err := http.Get(got.Download.URL)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Fatalf("download = %d, %d bytes", res.StatusCode, len(pdf))
	}
	text := pdfText(t, pdf)
	for _, want := range []string{"Иванова Анна Сергеевна", card.Result.Number, card.Number, card.Result.VerificationCode, "17.05.1990", "Справка выдана"} {
		if !strings.Contains(text, want) {
			t.Errorf("the result's text lacks %q:\n%s", want, text)
		}
	}

	// Anyone can check it; the file as issued is unaltered.
	code := card.Result.VerificationCode
	if r, v := verify(t, strings.ToLower(code), nil, ""); r.Status != 200 || !v.Genuine || v.Unaltered != nil ||
		v.Number != card.Result.Number || v.Applicant != "Иванова А. С." {
		t.Errorf("GET /verify = %d %s", r.Status, r.Body)
	}
	if r, v := verify(t, code, pdf, "application/pdf"); r.Status != 200 || !v.Genuine || v.Unaltered == nil || !*v.Unaltered {
		t.Errorf("POST /verify with the file = %d %s", r.Status, r.Body)
	}
	changed := append([]byte(nil), pdf...)
	changed[len(changed)/2] ^= 0x20
	if r, v := verify(t, code, changed, "application/pdf"); r.Status != 200 || v.Genuine || v.Unaltered == nil || *v.Unaltered {
		t.Errorf("POST /verify with a changed byte = %d %s, want not genuine", r.Status, r.Body)
	}
	// Bad questions get problems, not answers.
	for _, c := range []struct {
		code, contentType string
		body              []byte
		status            int
	}{
		{"NOT-A-CODE", "", nil, 422},
		{"ABCD-EFGH-JKMN-PQRS", "", nil, 404},
		{code, "text/plain", []byte("hello"), 415},
		{code, "application/pdf", []byte{}, 422},
		{code, "application/pdf", make([]byte, 1<<20+1), 413},
	} {
		r := call(t, map[bool]string{true: "GET", false: "POST"}[c.body == nil], "/verify/"+c.code, "", c.body, map[string]string{"Content-Type": c.contentType})
		if r.Status != c.status || !strings.Contains(r.Header.Get("Content-Type"), "problem+json") {
			t.Errorf("verify %s (%s) = %d %s, want %d problem", c.code, c.contentType, r.Status, r.Body, c.status)
		}
	}

	// The result is the citizen's record: it is not deleted.
	if r := call(t, "DELETE", "/documents/"+card.Result.DocumentID, citizen.AccessToken, nil, nil); r.Status != 409 {
		t.Errorf("deleting the issued document = %d %s, want 409", r.Status, r.Body)
	}
	if r := call(t, "GET", "/documents/"+card.Result.DocumentID, login(t, "support").AccessToken, nil, nil); r.Status != 404 {
		t.Errorf("another user downloading the result = %d, want 404", r.Status)
	}

	// The journal as a PDF, in Russian.
	r := call(t, "GET", "/applications/"+a.ID+"/journal.pdf", citizen.AccessToken, nil, nil)
	if r.Status != 200 || r.Header.Get("Content-Type") != "application/pdf" || !strings.Contains(r.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
		t.Fatalf("journal.pdf = %d %v", r.Status, r.Header)
	}
	text = pdfText(t, r.Body)
	for _, want := range []string{"Журнал заявления № " + card.Number, "Справка о наличии (отсутствии) судимости", "Требуются документы",
		"Справка с места работы", "Сведений о судимости нет", "Результат выдан", card.Result.Number, "Ведомство", "Заявитель"} {
		if !strings.Contains(text, want) {
			t.Errorf("the journal's text lacks %q:\n%s", want, text)
		}
	}
	if r := call(t, "GET", "/applications/"+a.ID+"/journal.pdf", login(t, "support").AccessToken, nil, nil); r.Status != 404 {
		t.Errorf("another user's journal.pdf = %d, want 404", r.Status)
	}
}
