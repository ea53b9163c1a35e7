package validate

import "strings"

// maxPhoneInput bounds the length of a phone number as typed, including
// separators; "+7 (912) 345-67-89" is 18 bytes.
const maxPhoneInput = 32

// Phone validates a Russian phone number and returns it in E.164 form,
// "+7XXXXXXXXXX".
//
// Accepted spellings include "+7 (912) 345-67-89", "8 912 345 67 89",
// "89123456789", "+79123456789", "79123456789" and the bare ten-digit
// national number "9123456789". Spaces, hyphens and one pair of parentheses
// may appear between digits; a '+' is allowed only as the first character.
// Anything else, such as letters or an extension, yields [CodePhoneFormat].
//
// Numbers with an explicit country code other than +7 are rejected with
// [CodePhoneCountry]. The first digit of the ten-digit national number must
// be 3, 4, 8 or 9 (the Russian numbering plan); 6 and 7 belong to
// Kazakhstan, which shares the +7 code, and are also reported with
// [CodePhoneCountry]. Other leading digits and wrong digit counts yield
// [CodePhoneFormat].
func Phone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errRequired()
	}
	errFormat := func() error {
		return newError(CodePhoneFormat, "Неверный формат номера телефона")
	}
	errCountry := func() error {
		return newError(CodePhoneCountry, "Поддерживаются только российские номера телефонов (+7)")
	}
	if len(s) > maxPhoneInput {
		return "", errFormat()
	}

	plus := false
	const (
		noParens = iota
		inParens
		afterParens
	)
	parens := noParens
	digits := make([]byte, 0, 16)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			digits = append(digits, c)
		case c == '+' && i == 0:
			plus = true
		case c == ' ' || c == '-':
		case c == '(' && parens == noParens:
			parens = inParens
		case c == ')' && parens == inParens:
			parens = afterParens
		default:
			return "", errFormat()
		}
	}
	if parens == inParens {
		return "", errFormat()
	}

	var national []byte
	switch {
	case plus:
		if len(digits) == 0 {
			return "", errFormat()
		}
		if digits[0] != '7' {
			return "", errCountry()
		}
		if len(digits) != 11 {
			return "", errFormat()
		}
		national = digits[1:]
	case len(digits) == 11 && (digits[0] == '8' || digits[0] == '7'):
		national = digits[1:]
	case len(digits) == 11:
		return "", errCountry()
	case len(digits) == 10:
		national = digits
	default:
		return "", errFormat()
	}

	switch national[0] {
	case '3', '4', '8', '9':
	case '6', '7':
		return "", errCountry()
	default:
		return "", errFormat()
	}
	return "+7" + string(national), nil
}

// MaskPhone returns a phone number for display with all but the last two
// digits hidden: "+79123456789" becomes "+7 *** ***-**-89". It accepts any
// spelling that [Phone] accepts. If the input is not a valid phone number,
// the placeholder "+7 *** ***-**-**" is returned so that no part of a
// malformed value is revealed.
func MaskPhone(s string) string {
	p, err := Phone(s)
	if err != nil {
		return "+7 *** ***-**-**"
	}
	return "+7 *** ***-**-" + p[len(p)-2:]
}
