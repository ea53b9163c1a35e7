package payments

import (
	"regexp"
	"strings"
	"time"
)

// A fine's discount for early payment is policy with a date, not a
// constant: the rule in force on the day of the resolution decides, so a
// fine issued before a reform keeps the old terms after it.

// DiscountRule is one version of the early-payment discount.
type DiscountRule struct {
	// From is the first resolution date the rule applies to (inclusive);
	// Until, when set, the first date it no longer does.
	From, Until time.Time
	// Chapter is the chapter of КоАП РФ whose fines the rule covers ("12":
	// road traffic).
	Chapter string
	// Percent is the share of the fine taken off (50: half is paid).
	Percent int
	// Days is how many calendar days after the resolution's date the
	// discount lasts (that day included as the last).
	Days int
	// Basis is the law, as the card cites it.
	Basis string
	// Excluded are the offences the discount does not cover: "12.8" (the
	// whole article) or "12.9 ч.6" (one part).
	Excluded []string
}

// Discount is what a rule gives one fine.
type Discount struct {
	Percent int    `json:"percent"`
	Until   string `json:"until"` // YYYY-MM-DD, the last day
	Basis   string `json:"basis"`
}

// FineDiscounts are the rules in force, oldest first. КоАП РФ ст. 32.2 ч.
// 1.3 (since 1 January 2016): a road-traffic fine paid within 20 days of the
// resolution is paid at half, except for the offences it names. A reform
// announced for 25 % within 30 days is added here, with its date, once it
// is law: from then on, resolutions dated on or after it get the new rule,
// and earlier ones keep this one.
var FineDiscounts = []DiscountRule{{
	From:    time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC),
	Chapter: "12", Percent: 50, Days: 20,
	Basis: "КоАП РФ, ст. 32.2, ч. 1.3",
	Excluded: []string{"12.1 ч.1.1", "12.8", "12.9 ч.6", "12.9 ч.7", "12.12 ч.3", "12.15 ч.5", "12.16 ч.3.1",
		"12.24", "12.26", "12.27 ч.3"},
}}

// articlePattern is an article of КоАП РФ with an optional part: "12.9",
// "12.16 ч.3.1".
var articlePattern = regexp.MustCompile(`^(\d{1,2}\.\d{1,2}(?:\.\d{1,2})?)(?: ч\.(\d{1,2}(?:\.\d{1,2})?))?$`)

// NormalizeArticle reads an article as an agency writes it ("ст. 12.9 ч. 2",
// "12.9 ч.2") into the canonical "12.9 ч.2"; ok is false for anything else.
func NormalizeArticle(s string) (string, bool) {
	s = strings.TrimSpace(strings.ToLower(s))
	s = strings.TrimPrefix(s, "ст.")
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "ч.", " ч.")), " ")
	s = strings.ReplaceAll(s, "ч. ", "ч.")
	if !articlePattern.MatchString(s) {
		return "", false
	}
	return s, true
}

// covers tells whether a rule covers an offence (a canonical article).
func (r DiscountRule) covers(article string) bool {
	m := articlePattern.FindStringSubmatch(article)
	if m == nil || strings.SplitN(m[1], ".", 2)[0] != r.Chapter {
		return false
	}
	for _, ex := range r.Excluded {
		if ex == article || ex == m[1] {
			return false
		}
	}
	return true
}

// FineDiscount is the discount a fine for article resolved on the resolution
// date gets under rules, if any.
func FineDiscount(rules []DiscountRule, article string, resolution time.Time) (Discount, bool) {
	day := dateOf(resolution)
	for i := len(rules) - 1; i >= 0; i-- {
		r := rules[i]
		if day.Before(r.From) || (!r.Until.IsZero() && !day.Before(r.Until)) {
			continue
		}
		if !r.covers(article) {
			return Discount{}, false
		}
		return Discount{Percent: r.Percent, Until: day.AddDate(0, 0, r.Days).Format(dateLayout), Basis: r.Basis}, true
	}
	return Discount{}, false
}

// Discounted is amount less percent, rounded up to the kopeck (the state
// never gets less than its share).
func Discounted(amount int64, percent int) int64 {
	keep := int64(100 - percent)
	return (amount*keep + 99) / 100
}

const dateLayout = "2006-01-02"

// moscow is the portal's zone: a day ends at midnight in Moscow.
var moscow = time.FixedZone("MSK", 3*60*60)

// dateOf is the calendar day of t (a date as parsed, or an instant in
// Moscow), at midnight UTC.
func dateOf(t time.Time) time.Time {
	if t.Location() != time.UTC {
		t = t.In(moscow)
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Today is the date in Moscow at now, YYYY-MM-DD.
func Today(now time.Time) string { return now.In(moscow).Format(dateLayout) }
