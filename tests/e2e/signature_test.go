package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSubmissionIsSignedByCode: a service that asks for a signature takes
// a submission only with the code sent for that draft; a wrong code changes
// nothing, a code is used once, and a service without a signature has no
// code to ask for.
func TestSubmissionIsSignedByCode(t *testing.T) {
	// A citizen of their own with a confirmed identity: the demo citizen's
	// phone has its signing codes counted by the other tests and the demo
	// data (its linked card), and the send limit would answer first.
	citizen, phone := confirmedCitizen(t)
	scan := uploadScanOfType(t, citizen.AccessToken, "passport")
	a := draft(t, citizen.AccessToken, "no-criminal-record")
	send := func(code string) response {
		b, _ := json.Marshal(map[string]any{"attachments": []string{scan}, "signatureCode": code})
		return call(t, "POST", "/applications/"+a.ID+"/submit", citizen.AccessToken, b,
			map[string]string{"Content-Type": "application/json", "If-Match": fmt.Sprintf(`"%d"`, a.Version)})
	}
	if r := send(""); r.Status != 422 || !strings.Contains(string(r.Body), `"field":"signatureCode"`) || !strings.Contains(string(r.Body), "signature.required") {
		t.Errorf("submit unsigned = %d %s, want 422 signature.required on signatureCode", r.Status, r.Body)
	}
	start := time.Now()
	r := post(t, "/applications/"+a.ID+"/signature", citizen.AccessToken, map[string]any{"attachments": []string{scan}})
	var sig struct {
		Method, SentTo string
		Version        int64
	}
	r.JSON(t, &sig)
	if r.Status != 200 || sig.Method != "sms" || sig.Version != a.Version || strings.Contains(sig.SentTo, phone[5:]) {
		t.Fatalf("signature = %d %s", r.Status, r.Body)
	}
	code := smsCode(t, phone, start)
	for _, m := range st.SNS.Messages() {
		if m.PhoneNumber == phone && strings.Contains(m.Message, code) && (strings.Contains(m.Message, "судимост") || strings.Contains(m.Message, "http")) {
			t.Errorf("the signing SMS names the service or carries a link: %s", m.Message)
		}
	}
	if r := post(t, "/applications/"+a.ID+"/signature", citizen.AccessToken, nil); r.Status != 429 {
		t.Errorf("a second code within a minute = %d, want 429", r.Status)
	}
	// The code signs the draft with its scan; with another scan added it is stale.
	extra := uploadScanOfType(t, citizen.AccessToken, "other")
	b, _ := json.Marshal(map[string]any{"attachments": []string{scan, extra}, "signatureCode": code})
	if r := call(t, "POST", "/applications/"+a.ID+"/submit", citizen.AccessToken, b,
		map[string]string{"Content-Type": "application/json", "If-Match": fmt.Sprintf(`"%d"`, a.Version)}); r.Status != 409 || !strings.Contains(string(r.Body), "signature_stale") {
		t.Errorf("submit with a scan the code did not sign = %d %s, want 409 signature_stale", r.Status, r.Body)
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	if r := send(wrong); r.Status != 422 || !strings.Contains(string(r.Body), "attemptsLeft") {
		t.Errorf("wrong code = %d %s, want 422 with attempts left", r.Status, r.Body)
	}
	var still appDoc
	call(t, "GET", "/applications/"+a.ID, citizen.AccessToken, nil, nil).JSON(t, &still)
	if still.Status != "draft" || still.Number != "" {
		t.Errorf("after a wrong code the draft is %s %s", still.Status, still.Number)
	}
	// The same code sent twice at once: one submission, one refusal.
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i := range statuses {
		wg.Add(1)
		go func() { defer wg.Done(); statuses[i] = send(code).Status }()
	}
	wg.Wait()
	if !(statuses[0] == 200 && statuses[1] == 409) && !(statuses[0] == 409 && statuses[1] == 200) {
		t.Errorf("one code sent twice at once = %v, want one 200 and one 409", statuses)
	}
	var card struct {
		Status  string
		Journal []struct{ To, Comment string }
	}
	call(t, "GET", "/applications/"+a.ID, citizen.AccessToken, nil, nil).JSON(t, &card)
	if card.Status != "submitted" || len(card.Journal) != 1 || !strings.Contains(card.Journal[0].Comment, "подпись") {
		t.Errorf("card = %+v, want submitted with the signature journaled", card)
	}

	// A malformed request for a code is refused and sends nothing.
	sent := len(st.SNS.Messages())
	for _, body := range []string{`{"attachments":5}`, `{"attachments":["x"],"extra":1}`, `[`} {
		r := call(t, "POST", "/applications/"+a.ID+"/signature", citizen.AccessToken, []byte(body), map[string]string{"Content-Type": "application/json"})
		if r.Status != 400 || !strings.Contains(r.Header.Get("Content-Type"), "problem+json") {
			t.Errorf("signature with %s = %d %s, want 400 problem", body, r.Status, r.Body)
		}
	}
	if len(st.SNS.Messages()) != sent {
		t.Error("a malformed request for a code sent an SMS")
	}
	// A service without a signature.
	plain := draft(t, citizen.AccessToken, "egrul-extract")
	if r := post(t, "/applications/"+plain.ID+"/signature", citizen.AccessToken, nil); r.Status != 409 || !strings.Contains(string(r.Body), "signature_not_needed") {
		t.Errorf("signature for egrul-extract = %d %s, want 409", r.Status, r.Body)
	}
	// Nobody else can ask for a code for this draft.
	other := draft(t, citizen.AccessToken, "no-criminal-record")
	if r := post(t, "/applications/"+other.ID+"/signature", login(t, "support").AccessToken, nil); r.Status != 404 {
		t.Errorf("another user asking for the signing code = %d, want 404", r.Status)
	}
}

// TestSubmissionIsSignedByAuthenticator: a person with an authenticator
// signs with its code; no SMS is sent. (A fresh citizen, so that no other
// test uses up the authenticator's time steps.)
func TestSubmissionIsSignedByAuthenticator(t *testing.T) {
	fresh, sub, phone, _ := newCitizen(t)
	if r := post(t, "/registrar/accounts/"+sub+"/level", login(t, "registrar").AccessToken, map[string]string{"level": "standard", "method": "registry_check"}); r.Status != 204 {
		t.Fatalf("level = %d %s", r.Status, r.Body)
	}
	var setup struct{ Secret string }
	post(t, "/auth/mfa/totp", fresh.AccessToken, nil).JSON(t, &setup)
	if r := post(t, "/auth/mfa/totp/confirm", fresh.AccessToken, map[string]string{"code": independentTOTP(t, setup.Secret, time.Now())}); r.Status != 204 {
		t.Fatalf("confirm TOTP = %d %s", r.Status, r.Body)
	}
	var s session
	post(t, "/auth/refresh", "", map[string]string{"sessionId": fresh.SessionID, "refreshToken": fresh.RefreshToken}).JSON(t, &s)
	scan := uploadScanOfType(t, s.AccessToken, "passport")
	a := draft(t, s.AccessToken, "no-criminal-record")
	before := len(st.SNS.Messages())
	r := post(t, "/applications/"+a.ID+"/signature", s.AccessToken, nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"method":"totp"`) {
		t.Fatalf("signature = %d %s", r.Status, r.Body)
	}
	for _, m := range st.SNS.Messages()[before:] {
		if m.PhoneNumber == phone {
			t.Errorf("an SMS went out for an authenticator user: %s", m.Message)
		}
	}
	// Confirming the authenticator used the current step; the next one is
	// within the allowed drift.
	code := independentTOTP(t, setup.Secret, time.Now().Add(30*time.Second))
	b, _ := json.Marshal(map[string]any{"attachments": []string{scan}, "signatureCode": code})
	r = call(t, "POST", "/applications/"+a.ID+"/submit", s.AccessToken, b, map[string]string{"Content-Type": "application/json", "If-Match": fmt.Sprintf(`"%d"`, a.Version)})
	if r.Status != 200 {
		t.Errorf("submit signed by the authenticator = %d %s", r.Status, r.Body)
	}
}

// confirmedCitizen registers a fresh account, has the registrar confirm its
// identity in person, and answers the session that knows it (refreshed)
// with the account's phone.
func confirmedCitizen(t *testing.T) (session, string) {
	t.Helper()
	fresh, sub, phone, _ := newCitizen(t)
	if r := post(t, "/registrar/accounts/"+sub+"/level", login(t, "registrar").AccessToken, map[string]string{"level": "confirmed", "method": "in_person"}); r.Status != 204 {
		t.Fatalf("level = %d %s", r.Status, r.Body)
	}
	var s session
	post(t, "/auth/refresh", "", map[string]string{"sessionId": fresh.SessionID, "refreshToken": fresh.RefreshToken}).JSON(t, &s)
	return s, phone
}
