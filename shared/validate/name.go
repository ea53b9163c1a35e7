package validate

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNameLength is the maximum length of a normalized name, in characters.
const maxNameLength = 100

// Name validates one part of a Russian personal name — a surname, given
// name or patronymic — and returns it normalized.
//
// A name consists of letters of the Russian alphabet (А–Я, а–я, Ё, ё)
// separated by single hyphens or spaces, for example "Римский-Корсаков" or
// "Оглы Мамед". It must start and end with a letter. Normalization trims
// surrounding whitespace, collapses every run of whitespace (including tabs
// and non-breaking spaces) into one space, and drops whitespace around a
// hyphen ("Анна - Мария" becomes "Анна-Мария"). Letter case is preserved.
//
// Other characters, including Latin look-alikes, digits, apostrophes and
// letters of other Cyrillic alphabets, as well as consecutive hyphens or a
// leading or trailing hyphen, yield [CodeNameChars]. A normalized name
// longer than 100 characters yields [CodeNameLength].
func Name(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errRequired()
	}
	errChars := func() error {
		return newError(CodeNameChars, "Допускаются только русские буквы, дефис и пробел")
	}

	const (
		atStart = iota
		afterLetter
		afterHyphen
	)
	var b strings.Builder
	b.Grow(len(s))
	state := atStart
	space := false // whitespace seen since the last letter or hyphen
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
		case r == '-':
			if state != afterLetter {
				return "", errChars()
			}
			b.WriteByte('-')
			state, space = afterHyphen, false
		case isRussianLetter(r):
			if space && state == afterLetter {
				b.WriteByte(' ')
			}
			b.WriteRune(r)
			state, space = afterLetter, false
		default:
			return "", errChars()
		}
	}
	if state != afterLetter {
		return "", errChars()
	}
	out := b.String()
	if utf8.RuneCountInString(out) > maxNameLength {
		return "", newError(CodeNameLength, "Значение не должно превышать 100 символов")
	}
	return out, nil
}

// isRussianLetter reports whether r is a letter of the Russian alphabet.
func isRussianLetter(r rune) bool {
	return (r >= 'А' && r <= 'я') || r == 'Ё' || r == 'ё'
}
