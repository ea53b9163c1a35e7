package yookassa

import (
	"math"
	"math/big"
	"regexp"
	"testing"
)

func TestFormatAmount(t *testing.T) {
	for kopecks, want := range map[int64]string{
		0: "0.00", 1: "0.01", 29: "0.29", 100: "1.00", 12345: "123.45", 149000: "1490.00", -5: "-0.05",
		math.MaxInt64: "92233720368547758.07", math.MinInt64: "-92233720368547758.08",
	} {
		if got := formatAmount(kopecks); got != want {
			t.Errorf("formatAmount(%d) = %q, want %q", kopecks, got, want)
		}
	}
}

func TestParseAmount(t *testing.T) {
	for s, want := range map[string]int64{
		"0.00": 0, "0.01": 1, "0.29": 29, "1": 100, "1.5": 150, "1.50": 150, "123.45": 12345, "007.10": 710,
		"92233720368547758.07": math.MaxInt64,
	} {
		if got, err := parseAmount(s); err != nil || got != want {
			t.Errorf("parseAmount(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", ".", "1.", ".5", "1.234", "-1.00", "+1.00", " 1.00", "1.00 ", "1,00", "1 000.00",
		"1e2", "0x10", "١.٠٠", "92233720368547758.08", "99999999999999999999", "1.0.0", "NaN"} {
		if got, err := parseAmount(s); err == nil {
			t.Errorf("parseAmount(%q) = %d, want an error", s, got)
		}
	}
}

// FuzzFormatAmount: every amount of kopecks is written in ЮKassa's form and
// reads back as itself.
func FuzzFormatAmount(f *testing.F) {
	for _, k := range []int64{0, 1, 99, 100, 12345, math.MaxInt64, math.MinInt64, -1} {
		f.Add(k)
	}
	form := regexp.MustCompile(`^-?(0|[1-9][0-9]*)\.[0-9]{2}$`)
	f.Fuzz(func(t *testing.T, kopecks int64) {
		s := formatAmount(kopecks)
		if !form.MatchString(s) {
			t.Fatalf("formatAmount(%d) = %q", kopecks, s)
		}
		if kopecks < 0 {
			return // never sent; parseAmount takes no sign
		}
		if back, err := parseAmount(s); err != nil || back != kopecks {
			t.Fatalf("parseAmount(formatAmount(%d) = %q) = %d, %v", kopecks, s, back, err)
		}
	})
}

// FuzzParseAmount checks parseAmount against an independent reading: a
// regular expression for the form and exact rational arithmetic for the
// value.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"123.45", "1", "1.5", "0.00", "1.234", "-1", "1e3", "92233720368547758.07", "92233720368547758.08", ".5", "007"} {
		f.Add(s)
	}
	form := regexp.MustCompile(`^[0-9]+(\.[0-9]{1,2})?$`)
	hundred := big.NewRat(100, 1)
	maxKopecks := new(big.Rat).SetInt64(math.MaxInt64)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseAmount(s)
		want, fits := (*big.Rat)(nil), false
		if form.MatchString(s) {
			r, ok := new(big.Rat).SetString(s)
			if !ok {
				t.Fatalf("big.Rat cannot read %q", s)
			}
			want = r.Mul(r, hundred)
			fits = want.IsInt() && want.Cmp(maxKopecks) <= 0
		}
		switch {
		case err == nil && !fits:
			t.Fatalf("parseAmount(%q) = %d, want an error", s, got)
		case err != nil && fits:
			t.Fatalf("parseAmount(%q) = %v, want %s", s, err, want.FloatString(0))
		case err == nil && new(big.Rat).SetInt64(got).Cmp(want) != 0:
			t.Fatalf("parseAmount(%q) = %d, want %s", s, got, want.FloatString(0))
		case err == nil && mustParse(t, formatAmount(got)) != got:
			t.Fatalf("parseAmount(%q) = %d does not survive formatting", s, got)
		}
	})
}

func mustParse(t *testing.T, s string) int64 {
	t.Helper()
	v, err := parseAmount(s)
	if err != nil {
		t.Fatalf("parseAmount(%q): %v", s, err)
	}
	return v
}
