package payments

import (
	"fmt"

	"github.com/kabinet/kabinet/shared/problem"
)

// A УИН (уникальный идентификатор начисления) names a charge in ГИС ГМП:
// 20 or 25 digits, the last a check digit over the others.

// ValidUIN checks a УИН: 20 or 25 digits whose last digit is the check
// digit. It answers the УИН, or a 422 naming the field.
func ValidUIN(field, s string) (string, error) {
	if len(s) != 20 && len(s) != 25 {
		return "", problem.Invalid(problem.Field{Field: field, Code: "uin.length", Message: "УИН — 20 или 25 цифр"})
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", problem.Invalid(problem.Field{Field: field, Code: "uin.format", Message: "УИН состоит только из цифр"})
		}
	}
	if checkDigit(s[:len(s)-1]) != s[len(s)-1]-'0' {
		return "", problem.Invalid(problem.Field{Field: field, Code: "uin.checksum", Message: "Неверная контрольная цифра УИН: проверьте номер"})
	}
	return s, nil
}

// checkDigit is ГИС ГМП's check digit of a УИН's body: the digits weighted
// 1, 2, …, 10, 1, 2, … and summed modulo 11; a remainder of 10 is computed
// again with the weights starting at 3, and a second 10 gives 0.
func checkDigit(body string) byte {
	for _, start := range []int{1, 3} {
		sum := 0
		for i := 0; i < len(body); i++ {
			weight := (start-1+i)%10 + 1
			sum += int(body[i]-'0') * weight
		}
		if r := sum % 11; r < 10 {
			return byte(r)
		}
	}
	return 0
}

// NewUIN makes a 20-digit УИН from an administrator's 8-digit prefix and a
// sequence number of 11 digits, with its check digit (state duties the
// portal charges for a department's services).
func NewUIN(prefix string, seq int64) string {
	body := fmt.Sprintf("%s%011d", prefix, seq)
	return body + string('0'+checkDigit(body))
}
