package yookassa

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// ЮKassa writes money as a decimal string of roubles with a point and no
// thousands separator ("1490.00"); Kabinet keeps integer kopecks. The two
// convert exactly, through integers only: a float would turn 0.29 roubles
// into 28 kopecks.

// formatAmount writes kopecks as roubles with two decimals: 12345 → "123.45".
func formatAmount(kopecks int64) string {
	sign := ""
	// The magnitude as uint64 keeps math.MinInt64 right.
	m := uint64(kopecks)
	if kopecks < 0 {
		sign, m = "-", -m
	}
	cents := m % 100
	return sign + strconv.FormatUint(m/100, 10) + "." + string(rune('0'+cents/10)) + string(rune('0'+cents%10))
}

var errAmount = errors.New("not an amount of roubles with at most two decimals")

// parseAmount reads roubles as kopecks: "123.45" → 12345, "123.4" → 12340,
// "123" → 12300. It accepts only ASCII digits with an optional point and one
// or two decimals: no sign, spaces, exponent or thousands separator, and
// nothing that does not fit an int64 of kopecks.
func parseAmount(s string) (int64, error) {
	whole, frac, hasPoint := strings.Cut(s, ".")
	if !digits(whole) || (hasPoint && (!digits(frac) || len(frac) > 2)) {
		return 0, errAmount
	}
	roubles, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || roubles > math.MaxInt64/100 {
		return 0, errAmount
	}
	var kopecks int64
	for i := range 2 {
		kopecks *= 10
		if i < len(frac) {
			kopecks += int64(frac[i] - '0')
		}
	}
	if roubles*100 > math.MaxInt64-kopecks {
		return 0, errAmount
	}
	return roubles*100 + kopecks, nil
}

// digits reports whether s is one or more ASCII digits.
func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
