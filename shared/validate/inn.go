package validate

import "strings"

var (
	inn10Weights = []int{2, 4, 10, 3, 5, 9, 4, 6, 8}
	inn11Weights = []int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
	inn12Weights = []int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
)

// INN validates a taxpayer identification number (ИНН) of either a legal
// entity (10 digits) or an individual (12 digits) and returns its digits.
//
// Surrounding whitespace is ignored; inside the value only digits are
// allowed. The control digits are verified with the FNS algorithm: each
// control digit is (Σ digit·weight mod 11) mod 10 with weights
// [2 4 10 3 5 9 4 6 8] for 10-digit numbers, and [7 2 4 10 3 5 9 4 6 8] and
// [3 7 2 4 10 3 5 9 4 6 8] for the 11th and 12th digits of 12-digit numbers.
func INN(s string) (string, error) {
	d, err := innDigits(s)
	if err != nil {
		return "", err
	}
	if len(d) != 10 && len(d) != 12 {
		return "", newError(CodeINNLength, "ИНН должен содержать 10 или 12 цифр")
	}
	return innChecksum(d)
}

// PersonalINN validates the INN of an individual (a citizen), which always
// has 12 digits. A valid 10-digit legal-entity INN is rejected with
// [CodeINNLength].
func PersonalINN(s string) (string, error) {
	d, err := innDigits(s)
	if err != nil {
		return "", err
	}
	if len(d) != 12 {
		return "", newError(CodeINNLength, "ИНН физического лица должен содержать 12 цифр")
	}
	return innChecksum(d)
}

func innDigits(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errRequired()
	}
	if !allDigits(s) {
		return "", newError(CodeINNFormat, "ИНН должен состоять только из цифр")
	}
	return s, nil
}

// innChecksum verifies the control digits of a 10- or 12-digit string.
func innChecksum(d string) (string, error) {
	ok := false
	switch len(d) {
	case 10:
		ok = innControl(d, inn10Weights) == d[9]
	case 12:
		ok = innControl(d, inn11Weights) == d[10] && innControl(d, inn12Weights) == d[11]
	}
	if !ok {
		return "", newError(CodeINNChecksum, "Неверная контрольная сумма ИНН")
	}
	return d, nil
}

// innControl returns the control digit (as an ASCII byte) computed over the
// leading len(weights) digits of d.
func innControl(d string, weights []int) byte {
	sum := 0
	for i, w := range weights {
		sum += int(d[i]-'0') * w
	}
	return byte(sum%11%10) + '0'
}
