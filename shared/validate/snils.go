package validate

import "strings"

// snilsChecksumThreshold is the largest SNILS body (first nine digits) for
// which the control number is not verified. Per the Pension Fund rules the
// checksum is checked only for numbers greater than 001-001-998.
const snilsChecksumThreshold = "001001998"

var snilsGroups = []int{3, 3, 3, 2}

// SNILS validates an individual insurance account number (СНИЛС) and returns
// it normalized to 11 digits, e.g. "11223344595".
//
// Surrounding whitespace is ignored. Inside the value, separators are
// accepted only in the standard positions: the digits must form groups of
// 3, 3, 3 and 2, and between two groups there may be a single space or
// hyphen, or nothing. So "112-233-445 95", "112 233 445 95",
// "112-233-445-95" and "11223344595" are accepted, while "1122-33445 95" is
// not.
//
// The control number (last two digits) is verified for numbers greater than
// 001-001-998, as the official rules prescribe; smaller numbers are only
// checked for format. Placeholder-looking values such as "000-000-000 00"
// therefore pass; reject them in the caller if required.
func SNILS(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errRequired()
	}
	d, ok := parseGroups(s, snilsGroups, " -")
	if !ok {
		return "", newError(CodeSNILSFormat, "СНИЛС должен состоять из 11 цифр в формате XXX-XXX-XXX YY")
	}
	if d[:9] > snilsChecksumThreshold && snilsControl(d[:9]) != int(d[9]-'0')*10+int(d[10]-'0') {
		return "", newError(CodeSNILSChecksum, "Неверная контрольная сумма СНИЛС")
	}
	return d, nil
}

// snilsControl computes the SNILS control number for the nine-digit body.
func snilsControl(body string) int {
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(body[i]-'0') * (9 - i)
	}
	switch {
	case sum < 100:
		return sum
	case sum <= 101:
		return 0
	}
	c := sum % 101
	if c == 100 {
		c = 0
	}
	return c
}

// FormatSNILS formats a normalized 11-digit SNILS as "XXX-XXX-XXX YY".
// Any other input is returned unchanged.
func FormatSNILS(normalized string) string {
	if len(normalized) != 11 || !allDigits(normalized) {
		return normalized
	}
	d := normalized
	return d[0:3] + "-" + d[3:6] + "-" + d[6:9] + " " + d[9:11]
}

// MaskSNILS returns a SNILS for display with the first six digits hidden:
// "***-***-445 95". It accepts the same layouts as [SNILS] but does not
// verify the checksum. If the input cannot be parsed, a fully masked
// placeholder "***-***-*** **" is returned so that no part of a malformed
// value is revealed.
func MaskSNILS(s string) string {
	d, ok := parseGroups(strings.TrimSpace(s), snilsGroups, " -")
	if !ok {
		return "***-***-*** **"
	}
	return "***-***-" + d[6:9] + " " + d[9:11]
}
