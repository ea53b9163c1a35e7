package validate

import (
	"errors"
	"strings"
)

// Error codes. They are part of the API contract with the frontend and must
// not change.
const (
	// CodeRequired means the value is empty or consists of whitespace only.
	CodeRequired = "required"
	// CodeInvalid is used by [Fields] for errors that are not a *Error.
	CodeInvalid = "invalid"

	// CodeSNILSFormat means the SNILS is not 11 digits in an accepted layout.
	CodeSNILSFormat = "snils.format"
	// CodeSNILSChecksum means the SNILS control number does not match.
	CodeSNILSChecksum = "snils.checksum"

	// CodeINNFormat means the INN contains characters other than digits.
	CodeINNFormat = "inn.format"
	// CodeINNLength means the INN has the wrong number of digits.
	CodeINNLength = "inn.length"
	// CodeINNChecksum means an INN control digit does not match.
	CodeINNChecksum = "inn.checksum"

	// CodePassportSeries means the passport series is not 4 digits.
	CodePassportSeries = "passport.series"
	// CodePassportNumber means the passport number is not 6 digits.
	CodePassportNumber = "passport.number"
	// CodePassportDivision means the issuing division code is not "XXX-XXX".
	CodePassportDivision = "passport.division"

	// CodePhoneFormat means the phone number is malformed.
	CodePhoneFormat = "phone.format"
	// CodePhoneCountry means the phone number is not a Russian (+7) number.
	CodePhoneCountry = "phone.country"

	// CodeEmailFormat means the e-mail address is malformed.
	CodeEmailFormat = "email.format"
	// CodeEmailLength means the e-mail address or one of its parts is too long.
	CodeEmailLength = "email.length"

	// CodeNameChars means a personal name contains forbidden characters or
	// misplaced separators.
	CodeNameChars = "name.chars"
	// CodeNameLength means a personal name is too long.
	CodeNameLength = "name.length"
)

// Error is a validation failure. Code is stable and intended for programs;
// Message is a Russian, user-facing explanation.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error returns the Russian user-facing message.
func (e *Error) Error() string { return e.Message }

// FieldCode is the stable code (problem.Coded).
func (e *Error) FieldCode() string { return e.Code }

// AsError reports whether err (or any error it wraps) is a *Error and
// returns it.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) && e != nil {
		return e, true
	}
	return nil, false
}

// newError returns a fresh *Error so that callers may not mutate a shared
// value.
func newError(code, message string) *Error {
	return &Error{Code: code, Message: message}
}

func errRequired() error {
	return newError(CodeRequired, "Поле обязательно для заполнения")
}

// isDigit reports whether b is an ASCII decimal digit.
func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// allDigits reports whether s is non-empty and consists of ASCII digits only.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// parseGroups parses s as groups of ASCII digits with the given lengths.
// Between two consecutive groups there may be at most one separator byte from
// seps. It returns the concatenated digits.
func parseGroups(s string, groups []int, seps string) (string, bool) {
	total := 0
	for _, g := range groups {
		total += g
	}
	if len(s) < total || len(s) > total+len(groups)-1 {
		return "", false
	}
	out := make([]byte, 0, total)
	i := 0
	for gi, g := range groups {
		if gi > 0 && i < len(s) && strings.IndexByte(seps, s[i]) >= 0 {
			i++
		}
		if i+g > len(s) {
			return "", false
		}
		for j := 0; j < g; j++ {
			if !isDigit(s[i+j]) {
				return "", false
			}
		}
		out = append(out, s[i:i+g]...)
		i += g
	}
	if i != len(s) {
		return "", false
	}
	return string(out), true
}
