package logging

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestNoPersonalDataInLogs(t *testing.T) {
	secrets := []string{
		"ivan.petrov@mail.ru", "+79123456789", "8 (912) 345-67-89", "112-233-445 95",
		"500100732259", "4508 123456", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl",
		"kcf_Qk9PS0ZFRURUT0tFTi1ub3QtcmVhbC1ub3QtcmVhbC14",
	}
	var buf bytes.Buffer
	log := New(&buf, "debug")
	log.Info("login", "phone", "+79123456789", "password", "Secret#123", "snils", "11223344595")
	for _, s := range secrets {
		log.Info("free text "+s, "detail", "value "+s, "err", errors.New("failed for "+s))
	}
	log.Info("kept", "op", "auth.login", "count", 3, "user", "3f1c2a9e-0000-4000-8000-000000000001")
	out := buf.String()
	for _, s := range append(secrets, "Secret#123", "11223344595") {
		if strings.Contains(out, s) {
			t.Errorf("log output contains %q:\n%s", s, out)
		}
	}
	for _, want := range []string{"auth.login", "3f1c2a9e-0000-4000-8000-000000000001", `"count":3`} {
		if !strings.Contains(out, want) {
			t.Errorf("log output lost %q", want)
		}
	}
}

func TestScrubKeepsShortNumbers(t *testing.T) {
	for _, s := range []string{"attempt 3 of 5", "status 404", "2026-11-23"} {
		if got := Scrub(s); got != s {
			t.Errorf("Scrub(%q) = %q, want unchanged", s, got)
		}
	}
}

// FuzzScrubSkipsOnlyWhatCannotMatch checks that the quick tests in front of
// the patterns never change what Scrub returns.
func FuzzScrubSkipsOnlyWhatCannotMatch(f *testing.F) {
	for _, s := range []string{"", "stage local", "ivan@mail.ru", "a@b", "+79123456789", "123456789", "1234567890",
		"8 (912) 345-67-89", "3f1c2a9e-0000-4000-8000-000000000001", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2ln",
		"eyJ short", "call 2026-11-23 12:00 ok@x.ru"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := digitsRe().ReplaceAllStringFunc(emailRe().ReplaceAllString(jwtRe().ReplaceAllString(s, Redacted), Redacted), maskDigits)
		if got := Scrub(s); got != want {
			t.Errorf("Scrub(%q) = %q, want %q", s, got, want)
		}
	})
}
