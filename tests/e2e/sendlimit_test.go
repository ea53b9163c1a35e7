package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// codesTo counts the SMS sent to a phone since a moment.
func codesTo(phone string, since time.Time) int {
	n := 0
	for _, m := range st.SNS.Messages() {
		if m.PhoneNumber == phone && !m.At.Before(since) {
			n++
		}
	}
	return n
}

func registerFrom(t *testing.T, ip string, reg map[string]any) response {
	t.Helper()
	return call(t, "POST", "/auth/register", "", jsonBytes(reg), map[string]string{"Content-Type": "application/json", "X-Forwarded-For": ip})
}

// Fifteen registrations of fifteen people with one victim's phone, each
// from its own address: the phone gets at most the per-destination limit of
// codes, and the rest are told to wait.
func TestOnePhoneGetsAtMostItsLimitOfCodes(t *testing.T) {
	victim, start := newPhone(), time.Now()
	statuses := map[int]int{}
	for i := range 15 {
		r := registerFrom(t, fmt.Sprintf("192.0.2.%d", i+1), registration(victim, newSNILS()))
		statuses[r.Status]++
		if r.Status == http.StatusTooManyRequests && r.Header.Get("Retry-After") == "" {
			t.Errorf("a 429 without Retry-After: %s", r.Body)
		}
	}
	time.Sleep(200 * time.Millisecond)
	if n := codesTo(victim, start.Add(-time.Second)); n > 3 {
		t.Errorf("the victim's phone got %d codes, want at most 3", n)
	}
	if statuses[http.StatusAccepted] != 3 || statuses[http.StatusTooManyRequests] != 12 {
		t.Errorf("answers = %v, want 3 accepted and 12 told to wait", statuses)
	}
}

// Thirty registrations from one address with thirty phones: at most the
// per-address limit go through.
func TestOneAddressCannotRegisterWithoutBound(t *testing.T) {
	ip := "192.0.2.200"
	accepted := 0
	for range 30 {
		switch r := registerFrom(t, ip, registration(newPhone(), newSNILS())); r.Status {
		case http.StatusAccepted:
			accepted++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("register = %d %s", r.Status, r.Body)
		}
	}
	if accepted != 10 {
		t.Errorf("%d registrations from one address were accepted, want 10", accepted)
	}
}

// Registrations naming one phone share its limit, whoever asks, and
// parallel requests cannot pass it; resets of the phone's account are
// counted apart, against a limit of their own.
func TestTheLimitHoldsAcrossFlowsAndUnderConcurrency(t *testing.T) {
	phone, snils := newPhone(), newSNILS()
	start := time.Now()
	register(t, phone, snils) // one code: the account now exists
	if r := post(t, "/auth/password/forgot", "", map[string]string{"login": phone}); r.Status != http.StatusAccepted {
		t.Fatalf("forgot = %d %s", r.Status, r.Body)
	}
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			registerFrom(t, fmt.Sprintf("198.18.0.%d", i+1), registration(phone, newSNILS()))
		}()
	}
	wg.Wait()
	// Over the resets' limit a reset still answers as for any login, and
	// sends nothing.
	for range 3 {
		if r := post(t, "/auth/password/forgot", "", map[string]string{"login": phone}); r.Status != http.StatusAccepted {
			t.Errorf("forgot = %d %s, want the usual 202", r.Status, r.Body)
		}
	}
	time.Sleep(200 * time.Millisecond)
	// The registration and the parallel ones share the phone's 15-minute
	// window (3); the resets have 3 of their own.
	if n := codesTo(phone, start.Add(-time.Second)); n != 6 {
		t.Errorf("the phone got %d codes, want 6 (3 registrations and 3 resets in 15 minutes)", n)
	}
}

// An outsider names a person's phone in registrations (from one address,
// until refused) and in password resets (from many): the person's own
// sign-in still gets its SMS code. Codes to an account's own confirmed
// phone are counted apart from those to a phone a caller names, so nobody
// else can use them up (they lasted until the next UTC midnight before).
func TestOutsidersCannotUseUpAPersonsOwnSignInCodes(t *testing.T) {
	phone, password := newPhone(), "Зелёный-Чай-42"
	register(t, phone, newSNILS())
	s := loginAs(t, phone, password, "", nil)
	if r := call(t, "PUT", "/auth/mfa", s.AccessToken, []byte(`{"method":"sms"}`), map[string]string{"Content-Type": "application/json"}); r.Status != http.StatusNoContent {
		t.Fatalf("choose SMS = %d %s", r.Status, r.Body)
	}
	refused := 0
	for range 10 {
		switch r := registerFrom(t, "192.0.2.150", registration(phone, newSNILS())); r.Status {
		case http.StatusAccepted:
		case http.StatusTooManyRequests:
			refused++
		default:
			t.Fatalf("an outsider's registration = %d %s", r.Status, r.Body)
		}
	}
	if refused == 0 {
		t.Fatal("no outsider's registration with the phone was refused; the probe proves nothing")
	}
	for range 5 {
		if r := post(t, "/auth/password/forgot", "", map[string]string{"login": phone}); r.Status != http.StatusAccepted {
			t.Fatalf("an outsider's reset = %d %s", r.Status, r.Body)
		}
	}
	start := time.Now()
	r := post(t, "/auth/login", "", map[string]string{"login": phone, "password": password})
	if r.Status != http.StatusOK {
		t.Fatalf("the person's sign-in = %d %s, want 200 with an SMS challenge", r.Status, r.Body)
	}
	var ch struct{ Challenge, ChallengeID string }
	r.JSON(t, &ch)
	if ch.Challenge != "sms" {
		t.Fatalf("sign-in = %s, want an sms challenge", r.Body)
	}
	if r := post(t, "/auth/login/mfa", "", map[string]string{"challengeId": ch.ChallengeID, "code": smsCode(t, phone, start)}); r.Status != http.StatusOK {
		t.Errorf("the SMS code = %d %s", r.Status, r.Body)
	}
}

// Every route whose code a send limit can refuse has the limit's answers
// in the contract by their status, with Retry-After, so a client tells
// "wait" from other errors without reading the default problem: 429
// too_many_messages, and 503 sms_paused where the day's SMS guard applies
// (the anonymous flows that answer it; recovery answers 202 whatever the
// limits).
func TestSendLimitAnswersAreInTheContract(t *testing.T) {
	tests := []struct {
		method, path string
		statuses     []int
	}{
		{"POST", "/auth/register", []int{http.StatusTooManyRequests, http.StatusServiceUnavailable}},
		{"POST", "/auth/register/resend", []int{http.StatusTooManyRequests, http.StatusServiceUnavailable}},
		{"POST", "/auth/login", []int{http.StatusTooManyRequests}},
		{"POST", "/auth/login/new-password", []int{http.StatusTooManyRequests}},
		{"POST", "/profile/phone", []int{http.StatusTooManyRequests}},
		{"POST", "/profile/email", []int{http.StatusTooManyRequests}},
		{"POST", "/applications/{id}/signature", []int{http.StatusTooManyRequests}},
	}
	for _, tt := range tests {
		item := spec.Paths.Value(tt.path)
		if item == nil || item.GetOperation(tt.method) == nil {
			t.Errorf("%s %s is not in docs/openapi.yaml", tt.method, tt.path)
			continue
		}
		for _, status := range tt.statuses {
			r := item.GetOperation(tt.method).Responses.Status(status)
			switch {
			case r == nil || r.Value == nil:
				t.Errorf("%s %s documents no %d", tt.method, tt.path, status)
			case r.Value.Headers["Retry-After"] == nil:
				t.Errorf("%s %s documents %d without Retry-After", tt.method, tt.path, status)
			}
		}
	}
	forgot := spec.Paths.Value("/auth/password/forgot").Post.Description
	if !strings.Contains(forgot, "too_many_messages") || !strings.Contains(forgot, "202") {
		t.Errorf("POST /auth/password/forgot does not say that over the send limits it still answers 202: %q", forgot)
	}
}
