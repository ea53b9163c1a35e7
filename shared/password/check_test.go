package password

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// user is the context most cases run against.
var user = Context{
	Names: []string{"Иванов", "Пётр", "Сергеевич"},
	Email: "petr.ivanov85@mail.ru",
	Phone: "+7 (916) 123-45-67",
}

// valid passes every rule of Seeds for user; tests break one rule at a time
// by changing it a little.
const valid = "Ёлка-Зелёная-7"

// longPassword returns n runes that break no rule but length.
func longPassword(n int) string {
	const base = "Ёлка-Зелёная-7/Дуб+Клён=9/"
	rs := []rune(strings.Repeat(base, n/utf8.RuneCountInString(base)+1))
	return string(rs[:n])
}

// validHash is the hash of valid, computed once for all tests.
var validHash = sync.OnceValue(func() Hash {
	h, err := HashPassword(valid)
	if err != nil {
		panic(err)
	}
	return h
})

func rules(vs []Violation) []string {
	out := []string{}
	for _, v := range vs {
		out = append(out, v.Rule)
	}
	return out
}

type checkCase struct {
	name string
	pw   string
	ctx  *Context // nil means user
	want []string // rule codes, in Check's order; empty means valid
}

func runCheckCases(t *testing.T, p Profile, cases []checkCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := user
			if tc.ctx != nil {
				ctx = *tc.ctx
			}
			got := rules(p.Check(tc.pw, ctx))
			want := tc.want
			if want == nil {
				want = []string{}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s.Check(%q) rules = %v, want %v", p.Name, tc.pw, got, want)
			}
		})
	}
}

func TestCheckSeedsOneRuleAtATime(t *testing.T) {
	withHistory := user
	withHistory.Previous = []Hash{validHash()}
	email := Context{Email: "kot.begemot+news@mail.ru"}
	emailWhole := Context{Email: "begemot1985@mail.ru"}

	runCheckCases(t, Seeds(), []checkCase{
		{name: "valid", pw: valid},
		{name: "valid with four phone digits", pw: "Ёлка-9161-Ж"},
		{name: "valid at exactly 8 characters", pw: "Ёлка-7Жк"},

		{name: "too short", pw: "Ёж-7к", want: []string{RuleTooShort}},
		{name: "too long", pw: longPassword(129), want: []string{RuleTooLong}},

		{name: "space", pw: "Ёлка Зелёная-7", want: []string{RuleWhitespace}},
		{name: "tab", pw: "Ёлка\tЗелёная-7", want: []string{RuleWhitespace}},
		{name: "trailing newline", pw: valid + "\n", want: []string{RuleWhitespace}},
		{name: "no-break space", pw: "Ёлка\u00a0Зелёная-7", want: []string{RuleWhitespace}},
		{name: "NUL", pw: "Ёлка\x00Зелёная-7", want: []string{RuleWhitespace}},
		{name: "zero-width space", pw: "Ёлка\u200bЗелёная-7", want: []string{RuleWhitespace}},

		{name: "no upper", pw: "ёлка-зелёная-7", want: []string{RuleNoUpper}},
		{name: "no lower", pw: "ЁЛКА-ЗЕЛЁНАЯ-7", want: []string{RuleNoLower}},
		{name: "no digit", pw: "Ёлка-Зелёная-Ж", want: []string{RuleNoDigit}},
		{name: "no special", pw: "ЁлкаЗелёная7", want: []string{RuleNoSpecial}},

		{name: "latin alphabet", pw: "Ёлка-abcd-7", want: []string{RuleSequence}},
		{name: "digits backwards", pw: "Ёлка-4321-Ж", want: []string{RuleSequence}},
		{name: "keyboard digit row", pw: "Ёлка-7890-Ж", want: []string{RuleSequence}},
		{name: "qwerty row upper case", pw: "Ёлка-QWER-7", want: []string{RuleSequence}},
		{name: "qwerty row backwards", pw: "Ёлка-rewq-7", want: []string{RuleSequence}},
		{name: "asdf row", pw: "Ёлка-Ghjk-7", want: []string{RuleSequence}},
		{name: "йцукен row", pw: "Йцук-Ёлка-7", want: []string{RuleSequence}},
		{name: "фыва row backwards", pw: "Ёлка-Авыф-7", want: []string{RuleSequence}},
		{name: "russian alphabet", pw: "Ёлка-Абвг-7", want: []string{RuleSequence}},
		{name: "russian alphabet through ё", pw: "Ёлка-ДЕЁЖ-7", want: []string{RuleSequence}},
		{name: "russian alphabet skipping ё", pw: "Ёлка-дежз-7", want: []string{RuleSequence}},

		{name: "three letters in a row", pw: "Ёлка-Зелёнааа-7", want: []string{RuleRepeat}},
		{name: "three letters ignoring case", pw: "Ёлка-ЗелёнаяЯя-7", want: []string{RuleRepeat}},
		{name: "three digits in a row", pw: "Ёлка-Зелёная-777", want: []string{RuleRepeat}},

		{name: "surname", pw: "Иванов-Ёлка-7", want: []string{RulePersonalInfo}},
		{name: "surname in latin", pw: "IVANOV-Ёлка-7", want: []string{RulePersonalInfo}},
		{name: "name with ё in latin", pw: "Pyotr-Ёлка-7", want: []string{RulePersonalInfo}},
		{name: "name with ё written as е", pw: "Петр-Ёлка-7", want: []string{RulePersonalInfo}},
		{name: "patronymic in latin", pw: "Ёлка-Sergeevich-7", want: []string{RulePersonalInfo}},
		{name: "email local part", pw: "Begemot1985-Ёлка", ctx: &emailWhole, want: []string{RulePersonalInfo}},
		{name: "email piece", pw: "Ёлка-Begemot-7", ctx: &email, want: []string{RulePersonalInfo}},
		{name: "email piece after plus", pw: "Ёлка-News-7", ctx: &email, want: []string{RulePersonalInfo}},
		{name: "phone digits", pw: "Ёлка-916123-Ж", want: []string{RulePersonalInfo}},
		{name: "phone digits with separators", pw: "Ёлка-(916)123-Ж", want: []string{RulePersonalInfo}},
		{name: "phone with trunk prefix 8", pw: "Ёлка-891612-Ж", want: []string{RulePersonalInfo}},

		{name: "common with suffix", pw: "Password123!", want: []string{RuleCommon}},
		{name: "common with substitutions", pw: "P@ssw0rd", want: []string{RuleCommon}},
		{name: "common with leading symbol", pw: "@Dmin2024!", want: []string{RuleCommon}},
		{name: "common russian", pw: "Пароль-2024!", want: []string{RuleCommon}},
		{name: "common in wrong layout", pw: "Gfhjkm!2024", want: []string{RuleCommon}},
		{name: "common transliterated", pw: "Parol!2024", want: []string{RuleCommon}},
		{name: "repeated short unit", pw: "Ab1!Ab1!Ab1!", want: []string{RuleCommon}},

		{name: "reused", pw: valid, ctx: &withHistory, want: []string{RuleReused}},
	})
}

func TestCheckNISTOneRuleAtATime(t *testing.T) {
	withHistory := user
	withHistory.Previous = []Hash{validHash()}

	runCheckCases(t, NIST(), []checkCase{
		{name: "passphrase", pw: "correct-horse-battery-staple"},
		{name: "cyrillic passphrase", pw: "Ёлка-Зелёная-Красная"},
		{name: "exactly 15 characters", pw: "ёлка-зелёная-ок"},
		{name: "no composition rules", pw: "ёлкизелёныеколючие"},
		{name: "no sequence rule", pw: "zxcvbnm-is-my-best-friend"},
		{name: "no repeat rule", pw: "ёлкаааа-зелёная-!!!"},
		{name: "no history", pw: "Ёлка-Зелёная-Красная", ctx: &withHistory},

		{name: "too short", pw: "ёлка-зелёная", want: []string{RuleTooShort}},
		{name: "too long", pw: longPassword(129), want: []string{RuleTooLong}},
		{name: "spaces", pw: "correct horse battery staple", want: []string{RuleWhitespace}},
		{name: "surname", pw: "ivanov-likes-green-tea", want: []string{RulePersonalInfo}},
		{name: "phone", pw: "call-me-at-9161234567", want: []string{RulePersonalInfo}},
		{name: "common with suffix", pw: "Password20242025!", want: []string{RuleCommon}},
		{name: "one letter", pw: "aaaaaaaaaaaaaaaa", want: []string{RuleCommon}},
		{name: "alphabet", pw: "abcdefghijklmnop", want: []string{RuleCommon}},
		{name: "keyboard walk", pw: "qwertyuioppoiuytrewq", want: []string{RuleCommon}},
		{name: "common word twice", pw: "passwordpassword", want: []string{RuleCommon}},
	})
}

func TestCheckReportsEveryRule(t *testing.T) {
	tests := []struct {
		name string
		p    Profile
		pw   string
		want []string
	}{
		{name: "empty seeds", p: Seeds(), pw: "", want: []string{RuleTooShort, RuleNoUpper, RuleNoLower, RuleNoDigit, RuleNoSpecial}},
		{name: "empty nist", p: NIST(), pw: "", want: []string{RuleTooShort}},
		{name: "short with space", p: Seeds(), pw: "qq 1", want: []string{RuleTooShort, RuleWhitespace, RuleNoUpper, RuleNoSpecial}},
		{name: "three letters", p: Seeds(), pw: "aaa", want: []string{RuleTooShort, RuleNoUpper, RuleNoDigit, RuleNoSpecial, RuleRepeat, RuleCommon}},
		{name: "qwerty", p: Seeds(), pw: "Qwerty123!", want: []string{RuleSequence, RuleCommon}},
		{name: "surname and digits", p: Seeds(), pw: "Ivanov1234!", want: []string{RuleSequence, RulePersonalInfo, RuleCommon}},
		{name: "surname and digits nist", p: NIST(), pw: "Ivanov1234!", want: []string{RuleTooShort, RulePersonalInfo, RuleCommon}},
		{name: "long digits", p: Seeds(), pw: "123456789012345", want: []string{RuleNoUpper, RuleNoLower, RuleNoSpecial, RuleSequence, RulePersonalInfo, RuleCommon}},
		{name: "invalid utf-8 alone", p: Seeds(), pw: "Ёлка\xff", want: []string{RuleEncoding}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := rules(tc.p.Check(tc.pw, user))
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s.Check(%q) rules = %v, want %v", tc.p.Name, tc.pw, got, tc.want)
			}
		})
	}
}

func TestCheckMessagesAreRussian(t *testing.T) {
	vs := Seeds().Check("", user)
	if len(vs) == 0 {
		t.Fatal("Check(\"\") = no violations, want several")
	}
	for _, v := range vs {
		if !strings.ContainsFunc(v.Message, func(r rune) bool { return r >= 'а' && r <= 'я' }) {
			t.Errorf("message for %s = %q, want Russian text", v.Rule, v.Message)
		}
	}
	if got, want := vs[0].Message, "Пароль должен содержать не менее 8 символов"; got != want {
		t.Errorf("too_short message = %q, want %q", got, want)
	}
}

func TestCheckMaxLength(t *testing.T) {
	tests := []struct {
		name string
		p    Profile
		n    int
		want []string
	}{
		{name: "seeds 128", p: Seeds(), n: 128, want: []string{}},
		{name: "seeds 129", p: Seeds(), n: 129, want: []string{RuleTooLong}},
		{name: "nist 128", p: NIST(), n: 128, want: []string{}},
		{name: "nist 129", p: NIST(), n: 129, want: []string{RuleTooLong}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pw := longPassword(tc.n)
			if got := utf8.RuneCountInString(pw); got != tc.n {
				t.Fatalf("longPassword(%d) has %d runes", tc.n, got)
			}
			// 128 Cyrillic-heavy runes are well over 128 bytes: length is
			// counted in characters.
			if len(pw) <= tc.n {
				t.Fatalf("longPassword(%d) has only %d bytes; the test needs multi-byte runes", tc.n, len(pw))
			}
			if got := rules(tc.p.Check(pw, user)); !slices.Equal(got, tc.want) {
				t.Errorf("Check(%d runes) rules = %v, want %v", tc.n, got, tc.want)
			}
		})
	}
}

func TestCheckCyrillicLetterCase(t *testing.T) {
	tests := []struct {
		name string
		pw   string
		want []string
	}{
		{name: "cyrillic upper and lower", pw: "Жук-мох-42", want: []string{}},
		{name: "cyrillic lower only", pw: "жук-мох-42", want: []string{RuleNoUpper}},
		{name: "cyrillic upper only", pw: "ЖУК-МОХ-42", want: []string{RuleNoLower}},
		{name: "ё is a letter", pw: "Ёжик-в-тумане-1", want: []string{}},
		{name: "uncased letters count as neither", pw: "猫猫-犬犬-42", want: []string{RuleNoUpper, RuleNoLower}},
		{name: "emoji is special", pw: "Жукмох42🙂", want: []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := rules(Seeds().Check(tc.pw, Context{})); !slices.Equal(got, tc.want) {
				t.Errorf("Check(%q) rules = %v, want %v", tc.pw, got, tc.want)
			}
		})
	}
}

func TestCheckPersonalInfoIgnoresShortParts(t *testing.T) {
	ctx := Context{Names: []string{"Ли", "Ян"}, Email: "yo@example.com", Phone: "12-34"}
	for _, pw := range []string{"Ли-Ян-Yo-1234!x", "Yan-Li-YO-12-34!"} {
		if got := rules(Seeds().Check(pw, ctx)); slices.Contains(got, RulePersonalInfo) {
			t.Errorf("Check(%q) rules = %v, want no %s for parts shorter than 3", pw, got, RulePersonalInfo)
		}
	}
}

func TestCheckPersonalInfoDoubleSurname(t *testing.T) {
	ctx := Context{Names: []string{"Римский-Корсаков"}}
	for _, pw := range []string{"Korsakov-Ёлка-7", "Ёлка-Римский-7"} {
		if got := rules(Seeds().Check(pw, ctx)); !slices.Equal(got, []string{RulePersonalInfo}) {
			t.Errorf("Check(%q) rules = %v, want [%s]", pw, got, RulePersonalInfo)
		}
	}
}

func TestCheckLatinNameInCyrillicPassword(t *testing.T) {
	ctx := Context{Names: []string{"Ivanov"}}
	if got := rules(Seeds().Check("Иванов-Ёлка-7", ctx)); !slices.Equal(got, []string{RulePersonalInfo}) {
		t.Errorf("Check rules = %v, want [%s]", got, RulePersonalInfo)
	}
}

func TestTransliterate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"иванов", "ivanov"},
		{"щукина", "shchukina"},
		{"юлия", "yuliya"},
		{"пётр", "pyotr"},
		{"хрущёв", "khrushchyov"},
		{"ольга", "olga"},
		{"ivanov", "ivanov"},
	}
	for _, tc := range tests {
		if got := translitWith(translitSchemes[0], tc.in); got != tc.want {
			t.Errorf("GOST-like transliteration of %q = %q, want %q", tc.in, got, tc.want)
		}
	}
	got := transliterations("наталья")
	for _, want := range []string{"natalya", "natalia", "natalja"} {
		if !slices.Contains(got, want) {
			t.Errorf("transliterations(наталья) = %v, want it to contain %q", got, want)
		}
	}
}

func TestBlocklistSize(t *testing.T) {
	if n := len(blocklist()); n < 1000 {
		t.Errorf("blocklist has %d entries, want at least 1000", n)
	}
	for _, pw := range []string{"qwerty123", "parol123", "ytrewq", "1q2w3e4r", "password1", "Qwerty123!", "P@ssw0rd", "йцукен"} {
		if !isCommon(pw) {
			t.Errorf("isCommon(%q) = false, want true", pw)
		}
	}
}

func TestCheckHugePasswordSkipsPatternRules(t *testing.T) {
	pw := strings.Repeat("a", MaxCheckedLength+1)
	got := rules(Seeds().Check(pw, user))
	want := []string{RuleTooLong, RuleNoUpper, RuleNoDigit, RuleNoSpecial}
	if !slices.Equal(got, want) {
		t.Errorf("Check(%d × a) rules = %v, want %v", MaxCheckedLength+1, got, want)
	}
	got = rules(Seeds().Check(pw[:MaxCheckedLength], user))
	want = []string{RuleTooLong, RuleNoUpper, RuleNoDigit, RuleNoSpecial, RuleRepeat, RuleCommon}
	if !slices.Equal(got, want) {
		t.Errorf("Check(%d × a) rules = %v, want %v", MaxCheckedLength, got, want)
	}
}
