package password

import (
	"reflect"
	"testing"
	"unicode/utf8"
)

var knownRules = map[string]bool{
	RuleEncoding: true, RuleTooShort: true, RuleTooLong: true, RuleWhitespace: true,
	RuleNoUpper: true, RuleNoLower: true, RuleNoDigit: true, RuleNoSpecial: true,
	RuleSequence: true, RuleRepeat: true, RulePersonalInfo: true, RuleCommon: true,
	RuleReused: true,
}

func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		"", valid, "Password123!", "P@ssw0rd", "qwerty", "йцукен", "gfhjkm", "aaaa",
		"Ёлка\xffЗелёная", "\xc0\x80", "\u200b", "İstanbul-2024!", "ǅemal-1!", longPassword(200),
		"123456789012345", "Иванов-9161234567",
	} {
		f.Add(s, "Иванов Пётр", "petr.ivanov@mail.ru", "+7 916 123-45-67")
	}
	f.Add("x", "\xff", "@", "\xff")
	f.Fuzz(func(t *testing.T, pw, name, email, phone string) {
		// A malformed hash exercises the history path without the cost of
		// Argon2id.
		ctx := Context{Names: []string{name, "Ли"}, Email: email, Phone: phone, Previous: []Hash{"$argon2id$v=19$m=1,t=1,p=1$x$y", Hash(pw)}}
		for _, p := range []Profile{Seeds(), NIST(), {}} {
			got := p.Check(pw, ctx)
			if again := p.Check(pw, ctx); !reflect.DeepEqual(got, again) {
				t.Fatalf("%s: Check(%q) not deterministic: %v then %v", p.Name, pw, got, again)
			}
			seen := map[string]bool{}
			for _, v := range got {
				if !knownRules[v.Rule] {
					t.Errorf("%s: Check(%q) rule %q is not documented", p.Name, pw, v.Rule)
				}
				if v.Message == "" {
					t.Errorf("%s: Check(%q) rule %q has no message", p.Name, pw, v.Rule)
				}
				if seen[v.Rule] {
					t.Errorf("%s: Check(%q) reports %q twice", p.Name, pw, v.Rule)
				}
				seen[v.Rule] = true
			}
			if !utf8.ValidString(pw) {
				if len(got) != 1 || got[0].Rule != RuleEncoding {
					t.Errorf("%s: Check(invalid UTF-8 %q) = %v, want only %s", p.Name, pw, got, RuleEncoding)
				}
			} else if seen[RuleEncoding] {
				t.Errorf("%s: Check(valid UTF-8 %q) reports %s", p.Name, pw, RuleEncoding)
			}
		}
	})
}
