package e2e

import (
	"fmt"
	"net/http"
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

// Registration, its resend and a password reset share one phone's limit,
// whoever asks; parallel requests cannot pass it.
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
	// Over the limit a reset still answers as for any login, and sends nothing.
	if r := post(t, "/auth/password/forgot", "", map[string]string{"login": phone}); r.Status != http.StatusAccepted {
		t.Errorf("forgot over the limit = %d %s, want the usual 202", r.Status, r.Body)
	}
	time.Sleep(200 * time.Millisecond)
	// The registration, the reset and the parallel registrations share the
	// phone's 15-minute window.
	if n := codesTo(phone, start.Add(-time.Second)); n != 3 {
		t.Errorf("the phone got %d codes, want 3 (its limit in 15 minutes, across flows)", n)
	}
}
