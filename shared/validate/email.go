package validate

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// E-mail length limits, in characters (see RFC 5321, section 4.5.3.1, and
// the RFC 3696 errata).
const (
	maxEmailLength = 254
	maxEmailLocal  = 64
	maxEmailLabel  = 63
)

// Email validates an e-mail address and returns it with surrounding
// whitespace removed and the domain part lower-cased. The local part is
// kept exactly as typed: although most providers treat it
// case-insensitively, RFC 5321 does not, so comparing addresses
// case-insensitively (for example when looking up an account) is the
// caller's job.
//
// The address must be a bare addr-spec, not a display-name form such as
// "Ivan <ivan@mail.ru>". Rules:
//
//   - at most 254 characters in total and at most 64 in the local part
//     ([CodeEmailLength]);
//   - exactly one '@';
//   - the local part is an RFC 5322 dot-atom of ASCII characters: letters,
//     digits and !#$%&'*+-/=?^_`{|}~, with dots only between them (no
//     leading, trailing or consecutive dots); quoted strings and non-ASCII
//     local parts are not accepted;
//   - the domain has at least two dot-separated labels; each label is 1–63
//     characters of letters, digits and hyphens and neither starts nor ends
//     with a hyphen; the top-level label is not all digits, so IP addresses
//     are rejected.
//
// Letters in the domain may be any Unicode letters, so internationalized
// domains such as "почта.рф" are accepted as well as their ASCII
// ("xn--...") form. Lengths of internationalized domains are counted in
// Unicode characters, not in octets of the ASCII-compatible encoding.
// Combining marks are rejected, so decomposed letters (e.g. "и" followed by
// U+0306 instead of "й") must be composed by the client.
func Email(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errRequired()
	}
	errFormat := func() error {
		return newError(CodeEmailFormat, "Неверный формат адреса электронной почты")
	}
	if utf8.RuneCountInString(s) > maxEmailLength {
		return "", newError(CodeEmailLength, "Адрес электронной почты не должен превышать 254 символа")
	}
	at := strings.IndexByte(s, '@')
	if at < 0 || strings.IndexByte(s[at+1:], '@') >= 0 {
		return "", errFormat()
	}
	local, domain := s[:at], s[at+1:]
	if len(local) > maxEmailLocal {
		// The local part is pure ASCII once validated, so bytes are
		// characters; a longer non-ASCII local part is invalid anyway.
		if validLocal(local) {
			return "", newError(CodeEmailLength, "Имя пользователя в адресе электронной почты не должно превышать 64 символа")
		}
		return "", errFormat()
	}
	if !validLocal(local) {
		return "", errFormat()
	}
	domain = strings.ToLower(domain)
	switch checkDomain(domain) {
	case domainOK:
	case domainLabelTooLong:
		return "", newError(CodeEmailLength, "Часть доменного имени в адресе электронной почты не должна превышать 63 символа")
	default:
		return "", errFormat()
	}
	return local + "@" + domain, nil
}

// validLocal reports whether s is an RFC 5322 dot-atom.
func validLocal(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			if s[i-1] == '.' {
				return false
			}
			continue
		}
		if !isAtext(c) {
			return false
		}
	}
	return true
}

// isAtext reports whether c is an RFC 5322 atext character.
func isAtext(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', isDigit(c):
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

type domainResult int

const (
	domainOK domainResult = iota
	domainInvalid
	domainLabelTooLong
)

// checkDomain validates a (lower-cased) domain name.
func checkDomain(d string) domainResult {
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return domainInvalid
	}
	tooLong := false
	for _, l := range labels {
		n := 0
		for i, r := range l {
			n++
			switch {
			case r == '-':
				if i == 0 || i == len(l)-1 {
					return domainInvalid
				}
			case r < utf8.RuneSelf && isDigit(byte(r)), unicode.IsLetter(r):
			default:
				return domainInvalid
			}
		}
		if n == 0 {
			return domainInvalid
		}
		if n > maxEmailLabel {
			tooLong = true
		}
	}
	if allDigits(labels[len(labels)-1]) {
		return domainInvalid
	}
	if tooLong {
		return domainLabelTooLong
	}
	return domainOK
}

// MaskEmail returns an e-mail address for display with the local part
// hidden except for its first and last characters:
// "ivan.petrov@mail.ru" becomes "i***v@mail.ru". Local parts of one or two
// characters reveal nothing or only the first character ("***@mail.ru",
// "i***@mail.ru"). The input is normalized with [Email] first; if it is not
// a valid address, "***" is returned so that no part of it is revealed.
func MaskEmail(s string) string {
	e, err := Email(s)
	if err != nil {
		return "***"
	}
	at := strings.IndexByte(e, '@')
	local, domain := e[:at], e[at:]
	switch len(local) {
	case 1:
		return "***" + domain
	case 2:
		return local[:1] + "***" + domain
	default:
		return local[:1] + "***" + local[len(local)-1:] + domain
	}
}
