package consents

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/problem"
)

// Whatever an organisation sends, the request check answers a checked
// request or a 422 naming fields — never a panic, never another error —
// and a checked request holds the rules: a level it asks for that it
// describes, levels each narrower than the one above, a term in range.
func FuzzRequestCheck(f *testing.F) {
	good, _ := json.Marshal(loanRequest("Z-1"))
	f.Add(good)
	f.Add([]byte(`{"requestId":"a","person":{"reference":"ABCD-EFGH-JKMN"},"purpose":"Цель запроса","levels":{"limited":["personal"]},"level":"limited","expiresAt":"2027-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"levels":{"full":["dna","dna"],"maximum":[]},"level":"maximum","expiresAt":"1999-01-01"}`))
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw []byte) {
		var in RequestInput
		if json.Unmarshal(raw, &in) != nil {
			return
		}
		r, err := in.check(now)
		if err != nil {
			if pe, ok := problem.As(err); !ok || pe.Kind != problem.KindInvalid || len(pe.Fields) == 0 {
				t.Fatalf("check = %v, want 422 with fields", err)
			}
			return
		}
		if r.Levels[r.Level] == nil || checkTerm("expiresAt", r.until, now) != nil || r.RequestID == "" || (r.SNILS == "") == (r.Reference == "") {
			t.Fatalf("accepted %+v", r)
		}
		var wider []string
		for _, l := range levels {
			cats, ok := r.Levels[string(l)]
			if !ok {
				continue
			}
			if wider != nil && len(cats) >= len(wider) {
				t.Fatalf("level %s is not narrower: %+v", l, r.Levels)
			}
			wider = cats
		}
	})
}

// A reference as typed is read back as issued, or refused.
func FuzzNormalizeReference(f *testing.F) {
	f.Add("7kq2-m9xd-4tva")
	f.Add("OIL0 1234 ABCD")
	f.Add("ЖЖЖЖ-ЖЖЖЖ-ЖЖЖЖ")
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := normalizeReference(s)
		if !ok {
			return
		}
		if len(n) != 14 || n[4] != '-' || n[9] != '-' {
			t.Fatalf("%q read as %q", s, n)
		}
		for _, r := range strings.ReplaceAll(n, "-", "") {
			if !strings.ContainsRune(referenceAlphabet, r) {
				t.Fatalf("%q read as %q, with %q", s, n, r)
			}
		}
		if again, ok := normalizeReference(n); !ok || again != n {
			t.Fatalf("%q is not read back as itself: %q", n, again)
		}
	})
}
