package payments

import (
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestFineDiscountInForce(t *testing.T) {
	cases := []struct {
		name, article, resolution string
		ok                        bool
		until                     string
	}{
		{"speeding", "12.9 ч.2", "2026-11-20", true, "2026-12-10"},
		{"a red light", "12.12 ч.1", "2026-01-31", true, "2026-02-20"},
		{"the last day crosses a year", "12.16 ч.1", "2026-12-20", true, "2027-01-09"},
		{"drunk driving, excluded whole", "12.8 ч.1", "2026-11-20", false, ""},
		{"excluded article without a part", "12.24", "2026-11-20", false, ""},
		{"a part excluded", "12.9 ч.6", "2026-11-20", false, ""},
		{"another part of that article", "12.9 ч.4", "2026-11-20", true, "2026-12-10"},
		{"an excluded sub-part", "12.16 ч.3.1", "2026-11-20", false, ""},
		{"a sibling of it", "12.16 ч.3", "2026-11-20", true, "2026-12-10"},
		{"12.1 ч.1.1 excluded, 12.1 ч.1 not", "12.1 ч.1", "2026-11-20", true, "2026-12-10"},
		{"12.1 ч.1.1", "12.1 ч.1.1", "2026-11-20", false, ""},
		{"another chapter", "20.1 ч.1", "2026-11-20", false, ""},
		{"before the rule", "12.9 ч.2", "2015-12-31", false, ""},
		{"the rule's first day", "12.9 ч.2", "2016-01-01", true, "2016-01-21"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, ok := FineDiscount(FineDiscounts, c.article, day(c.resolution))
			if ok != c.ok || d.Until != c.until || (ok && (d.Percent != 50 || d.Basis == "")) {
				t.Errorf("FineDiscount(%q, %s) = %+v %v, want %v until %s", c.article, c.resolution, d, ok, c.ok, c.until)
			}
		})
	}
}

// A reform is a rule with its date: resolutions before it keep the old
// terms, those on or after it get the new ones.
func TestDiscountReformTakesOverFromItsDate(t *testing.T) {
	rules := append([]DiscountRule{}, FineDiscounts...)
	rules[0].Until = day("2027-03-01")
	rules = append(rules, DiscountRule{From: day("2027-03-01"), Chapter: "12", Percent: 25, Days: 30, Basis: "реформа",
		Excluded: []string{"12.8"}})
	cases := []struct {
		resolution string
		percent    int
		until      string
	}{
		{"2027-02-28", 50, "2027-03-20"},
		{"2027-03-01", 25, "2027-03-31"},
		{"2027-06-15", 25, "2027-07-15"},
	}
	for _, c := range cases {
		d, ok := FineDiscount(rules, "12.9 ч.2", day(c.resolution))
		if !ok || d.Percent != c.percent || d.Until != c.until {
			t.Errorf("resolution of %s: %+v %v, want %d%% until %s", c.resolution, d, ok, c.percent, c.until)
		}
	}
	if _, ok := FineDiscount(rules, "12.8 ч.1", day("2027-06-15")); ok {
		t.Error("the reform's exclusions are its own")
	}
}

func TestNormalizeArticle(t *testing.T) {
	cases := map[string]string{
		"12.9 ч.2":        "12.9 ч.2",
		"ст. 12.9 ч. 2":   "12.9 ч.2",
		" 12.16  ч.3.1 ":  "12.16 ч.3.1",
		"Ст.12.8":         "12.8",
		"12.9ч.2":         "12.9 ч.2",
		"12.9 часть 2":    "",
		"статья":          "",
		"12":              "",
		"12.9 ч.":         "",
		"12.9 ч.2; 12.10": "",
	}
	for in, want := range cases {
		got, ok := NormalizeArticle(in)
		if got != want || ok != (want != "") {
			t.Errorf("NormalizeArticle(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
}

func TestDiscounted(t *testing.T) {
	cases := []struct {
		amount  int64
		percent int
		want    int64
	}{{50000, 50, 25000}, {50001, 50, 25001}, {100, 25, 75}, {101, 25, 76}, {1, 50, 1}, {0, 50, 0}, {150000, 0, 150000}}
	for _, c := range cases {
		if got := Discounted(c.amount, c.percent); got != c.want {
			t.Errorf("Discounted(%d, %d) = %d, want %d", c.amount, c.percent, got, c.want)
		}
	}
}

// The discount's last day ends at midnight in Moscow, not UTC.
func TestDiscountEndsAtMoscowMidnight(t *testing.T) {
	c := chargeItem{Status: StatusUnpaid, Amount: 50000, Discount: &Discount{Percent: 50, Until: "2026-12-10"}}
	if got := c.dueNow(time.Date(2026, 12, 10, 20, 59, 59, 0, time.UTC)); got != 25000 {
		t.Errorf("at 23:59:59 MSK on the last day: %d", got)
	}
	if got := c.dueNow(time.Date(2026, 12, 10, 21, 0, 0, 0, time.UTC)); got != 50000 {
		t.Errorf("at midnight MSK after it: %d", got)
	}
	c.PaidAmount = 10000
	if got := c.dueNow(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)); got != 40000 {
		t.Errorf("partly paid: %d, want the rest without a discount", got)
	}
}

func FuzzFineDiscount(f *testing.F) {
	f.Add("12.9 ч.2", int64(0))
	f.Add("ст. 12.16 ч. 3.1", int64(400))
	f.Add("12.8", int64(-4000))
	f.Add("20.25 ч.1", int64(9000))
	f.Fuzz(func(t *testing.T, article string, offset int64) {
		if offset < -20000 || offset > 20000 {
			return
		}
		resolution := day("2026-06-01").AddDate(0, 0, int(offset))
		a, ok := NormalizeArticle(article)
		if !ok {
			if _, got := FineDiscount(FineDiscounts, article, resolution); got && !articlePattern.MatchString(article) {
				t.Fatalf("a discount for a malformed article %q", article)
			}
			return
		}
		if again, _ := NormalizeArticle(a); again != a {
			t.Fatalf("normalizing %q twice: %q then %q", article, a, again)
		}
		d, ok := FineDiscount(FineDiscounts, a, resolution)
		if !ok {
			return
		}
		until := day(d.Until)
		if !until.After(resolution) || until.Sub(resolution) != 20*24*time.Hour || d.Percent != 50 {
			t.Fatalf("%q on %s: %+v", a, resolution.Format(dateLayout), d)
		}
		if a[:3] != "12." {
			t.Fatalf("a discount outside chapter 12: %q", a)
		}
	})
}
