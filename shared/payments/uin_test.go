package payments

import (
	"strings"
	"testing"

	"github.com/kabinet/kabinet/shared/problem"
)

func TestValidUIN(t *testing.T) {
	cases := []struct {
		name, uin, code string
	}{
		// 1·1+8·2+8·3+1·4+0·5+1·6+7·7+7·8+2·9+0·10+0+0+0+0+1·5+2·6+3·7+4·8+5·9 = 289 ≡ 3 (mod 11).
		{"20 digits", "18810177200000123453", ""},
		// The first pass gives 10 (6·9 = 54 ≡ 10): the second, weights from 3, gives 6·1.
		{"remainder 10 on the first pass", "00000000000000000066", ""},
		// The 24th digit weighs 4.
		{"25 digits", "0000000000000000000000014", ""},
		{"wrong check digit", "18810177200000123454", "uin.checksum"},
		{"19 digits", "1881017720000012345", "uin.length"},
		{"21 digits", "188101772000001234530", "uin.length"},
		{"a letter", "1881017720000012345A", "uin.format"},
		{"spaces", "1881 0177 2000 0012 34", "uin.length"},
		{"empty", "", "uin.length"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ValidUIN("uin", c.uin)
			if c.code == "" {
				if err != nil || got != c.uin {
					t.Errorf("ValidUIN(%q) = %q, %v; want it valid", c.uin, got, err)
				}
				return
			}
			pe, ok := problem.As(err)
			if !ok || len(pe.Fields) != 1 || pe.Fields[0].Code != c.code || pe.Fields[0].Field != "uin" {
				t.Errorf("ValidUIN(%q) = %v, want 422 %s on uin", c.uin, err, c.code)
			}
		})
	}
}

func TestNewUINIsValid(t *testing.T) {
	for seq := range int64(2000) {
		u := NewUIN("32100000", seq*7919)
		if len(u) != 20 || !strings.HasPrefix(u, "32100000") {
			t.Fatalf("NewUIN = %q", u)
		}
		if _, err := ValidUIN("uin", u); err != nil {
			t.Fatalf("NewUIN(%d) = %q is not valid: %v", seq, u, err)
		}
	}
}

func FuzzValidUIN(f *testing.F) {
	for _, s := range []string{"18810177200000123453", "00000000000000000066", "1234567890123456789012345", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ValidUIN("uin", s)
		if err == nil {
			if got != s || (len(s) != 20 && len(s) != 25) || checkDigit(s[:len(s)-1]) != s[len(s)-1]-'0' {
				t.Fatalf("ValidUIN accepted %q", s)
			}
		} else if !problem.Is(err, problem.KindInvalid) {
			t.Fatalf("ValidUIN(%q) = %v, want Invalid", s, err)
		}
	})
}
