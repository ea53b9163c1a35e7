package password

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
)

// commonText is the blocklist: one password a line, "#" starts a comment.
// Case and the letter "ё" do not matter.
//
//go:embed common.txt
var commonText string

// maxTrivialUnit is the longest unit whose repetition is rejected even when
// the unit itself is not on the blocklist: "abababab", "Ab1!Ab1!Ab1!".
const maxTrivialUnit = 4

// minBlockedCore is the shortest entry core (an entry without leading and
// trailing digits and symbols) that is blocked on its own.
const minBlockedCore = 3

var blocklist = sync.OnceValue(func() map[string]struct{} {
	set := map[string]struct{}{}
	for line := range strings.Lines(commonText) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		e := fold(line)
		set[e] = struct{}{}
		// "qwerty123" is also blocked as "qwerty", so "Qwerty2024!" is.
		if s := stripEnds(e); runeCount(s) >= minBlockedCore {
			set[s] = struct{}{}
		}
	}
	return set
})

// isCommon reports whether pw is on the blocklist or is a trivial pattern.
// It looks up, ignoring case:
//   - the password itself and the password without leading and trailing
//     digits and symbols ("Password123!" → "password");
//   - that core with look-alike substitutions undone ("P@$$w0rd" →
//     "password");
//   - that core typed in the other keyboard layout ("gfhjkm" is "пароль"
//     typed on a Latin layout, "зфыыцщкв" is "password" on a Russian one);
//
// and rejects a password, or its core, that repeats a short or blocked unit
// ("aaaaaaaa", "abcabcabc", "passwordpassword") or only walks along the
// alphabet, digits or a keyboard row ("123456789012345", "qwertytrewq").
func isCommon(pw string) bool {
	set := blocklist()
	in := func(s string) bool {
		if s == "" {
			return false
		}
		_, ok := set[s]
		return ok
	}

	whole := fold(pw)
	core := stripEnds(whole)
	toCyrillic, toLatin := layouts()
	for _, c := range []string{
		whole,
		core,
		undoLeet(core, 'i'),
		undoLeet(core, 'l'),
		stripEnds(undoLeetSymbols(whole)),
		switchLayout(core, toCyrillic),
		switchLayout(core, toLatin),
	} {
		if in(c) {
			return true
		}
	}

	for _, s := range []string{whole, core} {
		rs := []rune(s)
		if len(rs) < sequenceLength {
			continue
		}
		if isWalk(rs) {
			return true
		}
		if unit, ok := period(rs); ok {
			u := string(unit)
			if len(unit) <= maxTrivialUnit || in(u) || in(stripEnds(u)) {
				return true
			}
		}
	}
	return false
}

// stripEnds removes leading and trailing runes that are not letters.
func stripEnds(s string) string {
	return strings.TrimFunc(s, notLetter)
}

// undoLeet replaces digits and symbols that stand for letters; one stands
// for "1", "!" and "|", which people use both for "i" and for "l".
func undoLeet(s string, one rune) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '@', '4':
			return 'a'
		case '8':
			return 'b'
		case '3':
			return 'e'
		case '0':
			return 'o'
		case '$', '5':
			return 's'
		case '7', '+':
			return 't'
		case '1', '!', '|':
			return one
		}
		return r
	}, s)
}

// undoLeetSymbols replaces only the symbols that never end a word, so it
// can run before the ends are stripped: "@dmin123" → "admin123".
func undoLeetSymbols(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '@':
			return 'a'
		case '$':
			return 's'
		}
		return r
	}, s)
}

// layouts returns maps from the keys of a US keyboard to the letters of the
// Russian ЙЦУКЕН layout on the same keys, and back.
var layouts = sync.OnceValues(func() (latinToCyrillic, cyrillicToLatin map[rune]rune) {
	const latin = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
	const cyrillic = "йцукенгшщзхъфывапролджэячсмитьбюё"
	latinToCyrillic, cyrillicToLatin = map[rune]rune{}, map[rune]rune{}
	cr := []rune(cyrillic)
	for i, l := range []rune(latin) {
		latinToCyrillic[l], cyrillicToLatin[cr[i]] = cr[i], l
	}
	return latinToCyrillic, cyrillicToLatin
})

// switchLayout returns s as it would have been typed in the other layout, or
// "" if no letter of s is on the source layout.
func switchLayout(s string, m map[rune]rune) string {
	changed := false
	out := strings.Map(func(r rune) rune {
		if t, ok := m[r]; ok {
			if unicode.IsLetter(r) {
				changed = true
			}
			return t
		}
		return r
	}, s)
	if !changed {
		return ""
	}
	return fold(out)
}

// period returns the shortest unit that rs repeats at least twice (the last
// repetition may be cut short), using the Knuth–Morris–Pratt failure
// function.
func period(rs []rune) ([]rune, bool) {
	n := len(rs)
	if n < 2 {
		return nil, false
	}
	fail := make([]int, n)
	for i, k := 1, 0; i < n; i++ {
		for k > 0 && rs[i] != rs[k] {
			k = fail[k-1]
		}
		if rs[i] == rs[k] {
			k++
		}
		fail[i] = k
	}
	p := n - fail[n-1]
	if 2*p > n {
		return nil, false
	}
	return rs[:p], true
}
