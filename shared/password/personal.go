package password

import (
	"slices"
	"strings"
	"unicode"
)

const (
	// minPersonalPart is the shortest name part or e-mail piece that is
	// looked for; shorter ones ("Ян", "li") occur in too many passwords.
	minPersonalPart = 3
	// phoneWindow is how many consecutive digits of the phone number a
	// password may not contain. Six keeps the whole subscriber number and
	// the operator code out; four would reject about one in a thousand
	// unrelated digit groups, years of birth among them.
	phoneWindow = 6
)

// fold lower-cases s rune by rune and writes "ё" as "е", as Russians often
// do, so "Пётр" and "петр" compare equal.
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		r = unicode.ToLower(r)
		if r == 'ё' {
			return 'е'
		}
		return r
	}, s)
}

// containsPersonalInfo reports whether pw contains, ignoring case:
//   - a part of a name of at least 3 letters, in Cyrillic or in any of the
//     transliterations (so "Иванов" also matches "ivanov");
//   - the e-mail local part, or a piece of it split on . _ - + (or a run of
//     letters inside such a piece) of at least 3 characters;
//   - 6 consecutive digits of the phone number, also with the trunk prefix
//     8 swapped for the country code 7 and vice versa, the password read both
//     as typed and with phone separators ( ) - . + / removed.
func containsPersonalInfo(pw string, c Context) bool {
	lower := fold(pw)
	texts := []string{lower}
	if hasCyrillic(lower) {
		// A Latin name is also found in a Cyrillic password.
		texts = append(texts, transliterations(strings.ToLower(pw))...)
	}
	containsAny := func(needle string) bool {
		for _, t := range texts {
			if strings.Contains(t, needle) {
				return true
			}
		}
		return false
	}

	for _, name := range c.Names {
		for _, part := range strings.FieldsFunc(strings.ToLower(name), notLetter) {
			if runeCount(part) < minPersonalPart {
				continue
			}
			if containsAny(fold(part)) {
				return true
			}
			for _, t := range transliterations(part) {
				if containsAny(t) {
					return true
				}
			}
		}
	}

	for _, piece := range emailPieces(c.Email) {
		if containsAny(piece) {
			return true
		}
	}

	if digits := phoneDigits(c.Phone); len(digits) > 0 {
		bare := strings.Map(func(r rune) rune {
			if strings.ContainsRune("()-.+/", r) {
				return -1
			}
			return r
		}, lower)
		for _, d := range digits {
			for i := 0; i+phoneWindow <= len(d); i++ {
				w := d[i : i+phoneWindow]
				if strings.Contains(lower, w) || strings.Contains(bare, w) {
					return true
				}
			}
		}
	}
	return false
}

func notLetter(r rune) bool { return !unicode.IsLetter(r) }

func runeCount(s string) int { return len([]rune(s)) }

func hasCyrillic(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Cyrillic, r) {
			return true
		}
	}
	return false
}

// emailPieces returns the folded strings of at least minPersonalPart runes
// taken from the local part of email.
func emailPieces(email string) []string {
	local := email
	if at := strings.LastIndexByte(email, '@'); at >= 0 {
		local = email[:at]
	}
	local = fold(strings.TrimSpace(local))
	var out []string
	keep := func(s string) {
		if runeCount(s) >= minPersonalPart {
			out = append(out, s)
		}
	}
	keep(local)
	for _, piece := range strings.FieldsFunc(local, func(r rune) bool { return strings.ContainsRune("._-+", r) }) {
		if piece != local {
			keep(piece)
		}
		for _, letters := range strings.FieldsFunc(piece, notLetter) {
			if letters != piece {
				keep(letters)
			}
		}
	}
	return out
}

// phoneDigits returns the digit strings of phone to look for: the digits as
// written and, for an 11-digit Russian number, its forms with 7 and with 8.
func phoneDigits(phone string) []string {
	var b strings.Builder
	for _, r := range phone {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	if len(d) < phoneWindow {
		return nil
	}
	if len(d) == 11 && (d[0] == '7' || d[0] == '8') {
		return []string{"7" + d[1:], "8" + d[1:]}
	}
	return []string{d}
}

// translitSchemes map lower-case Russian letters to Latin. Letters missing
// from a scheme are copied through. The first is a simple GOST-like scheme
// ("иванов" → "ivanov", "щукина" → "shchukina", "юлия" → "yuliya"), the
// second the ICAO Doc 9303 one printed in Russian passports since 2014
// ("iuliia"), the third the phonetic spelling people type themselves
// ("julija").
var translitSchemes = []map[rune]string{
	{
		'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "yo",
		'ж': "zh", 'з': "z", 'и': "i", 'й': "y", 'к': "k", 'л': "l", 'м': "m",
		'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u",
		'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch",
		'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu", 'я': "ya",
	},
	{
		'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e",
		'ж': "zh", 'з': "z", 'и': "i", 'й': "i", 'к': "k", 'л': "l", 'м': "m",
		'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u",
		'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch",
		'ъ': "ie", 'ы': "y", 'ь': "", 'э': "e", 'ю': "iu", 'я': "ia",
	},
	{
		'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e",
		'ж': "zh", 'з': "z", 'и': "i", 'й': "j", 'к': "k", 'л': "l", 'м': "m",
		'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u",
		'ф': "f", 'х': "h", 'ц': "c", 'ч': "ch", 'ш': "sh", 'щ': "sch",
		'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "ju", 'я': "ja",
	},
}

func translitWith(scheme map[rune]string, s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if l, ok := scheme[r]; ok {
			b.WriteString(l)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// transliterations returns the distinct transliterations of the lower-case
// string s that differ from it.
func transliterations(s string) []string {
	var out []string
	for _, scheme := range translitSchemes {
		t := translitWith(scheme, s)
		if t == s || slices.Contains(out, t) {
			continue
		}
		out = append(out, t)
	}
	return out
}
