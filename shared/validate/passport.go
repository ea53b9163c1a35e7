package validate

import "strings"

// Passport validates the series and number of a Russian internal passport
// and returns them normalized to 4 and 6 digits respectively.
//
// The series may be written with a space between its two pairs of digits
// ("45 08" or "4508"); the number must be exactly 6 digits. Surrounding
// whitespace is ignored. If both parts are empty the error code is
// [CodeRequired]; otherwise the first invalid part is reported with
// [CodePassportSeries] or [CodePassportNumber]. Use [PassportSeries] and
// [PassportNumber] to report both parts as separate form fields.
func Passport(series, number string) (string, string, error) {
	if strings.TrimSpace(series) == "" && strings.TrimSpace(number) == "" {
		return "", "", errRequired()
	}
	ser, err := passportSeries(series)
	if err != nil {
		return "", "", err
	}
	num, err := passportNumber(number)
	if err != nil {
		return "", "", err
	}
	return ser, num, nil
}

// PassportSeries validates a passport series alone, as [Passport] does, and
// returns its 4 digits. Empty input is reported with [CodeRequired].
func PassportSeries(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", errRequired()
	}
	return passportSeries(s)
}

// PassportNumber validates a passport number alone, as [Passport] does, and
// returns its 6 digits. Empty input is reported with [CodeRequired].
func PassportNumber(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", errRequired()
	}
	return passportNumber(s)
}

func passportSeries(s string) (string, error) {
	d, ok := parseGroups(strings.TrimSpace(s), []int{2, 2}, " ")
	if !ok {
		return "", newError(CodePassportSeries, "Серия паспорта должна состоять из 4 цифр")
	}
	return d, nil
}

func passportNumber(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) != 6 || !allDigits(s) {
		return "", newError(CodePassportNumber, "Номер паспорта должен состоять из 6 цифр")
	}
	return s, nil
}

// DivisionCode validates the code of the passport-issuing division
// (код подразделения) and returns it as "XXX-XXX". Both "123-456" and
// "123456" are accepted; surrounding whitespace is ignored.
func DivisionCode(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errRequired()
	}
	d, ok := parseGroups(s, []int{3, 3}, "-")
	if !ok {
		return "", newError(CodePassportDivision, "Код подразделения должен быть в формате XXX-XXX")
	}
	return d[:3] + "-" + d[3:], nil
}
