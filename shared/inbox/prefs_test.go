package inbox

import (
	"slices"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/problem"
)

func TestQuietUntil(t *testing.T) {
	msk := clock.Moscow()
	day := func(h, m int) time.Time { return time.Date(2026, 11, 23, h, m, 0, 0, msk) }
	cases := []struct {
		name       string
		start, end string
		now        time.Time
		want       time.Time
	}{
		{"inside an overnight window, evening", "22:00", "08:00", day(23, 30), day(8, 0).AddDate(0, 0, 1)},
		{"inside an overnight window, morning", "22:00", "08:00", day(7, 59), day(8, 0)},
		{"at the window's end", "22:00", "08:00", day(8, 0), time.Time{}},
		{"at the window's start", "22:00", "08:00", day(22, 0), day(8, 0).AddDate(0, 0, 1)},
		{"outside", "22:00", "08:00", day(12, 0), time.Time{}},
		{"a daytime window", "13:00", "14:00", day(13, 30), day(14, 0)},
		{"outside a daytime window", "13:00", "14:00", day(14, 30), time.Time{}},
	}
	for _, c := range cases {
		p := DefaultPreferences()
		p.QuietHours = &QuietHours{Start: c.start, End: c.end}
		if got := p.QuietUntil(c.now, msk); !got.Equal(c.want) {
			t.Errorf("%s: QuietUntil = %v, want %v", c.name, got, c.want)
		}
	}
	if got := DefaultPreferences().QuietUntil(day(23, 0), msk); !got.IsZero() {
		t.Errorf("no quiet hours: %v", got)
	}
}

func TestQuietHoursFollowTheTimeZone(t *testing.T) {
	vlat, _ := time.LoadLocation("Asia/Vladivostok")
	p := DefaultPreferences()
	p.QuietHours = &QuietHours{Start: "22:00", End: "08:00"}
	now := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC) // 17:00 in Moscow, 00:00 in Vladivostok
	if !p.QuietUntil(now, clock.Moscow()).IsZero() {
		t.Error("17:00 in Moscow is not quiet")
	}
	if p.QuietUntil(now, vlat).IsZero() {
		t.Error("midnight in Vladivostok is quiet")
	}
}

func TestPreferencesValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Preferences)
		fields []string
	}{
		{"defaults", func(*Preferences) {}, nil},
		{"security cannot be switched", func(p *Preferences) { p.Channels["security"] = map[string]bool{"email": false} }, []string{"channels.security"}},
		{"unknown category", func(p *Preferences) { p.Channels["spam"] = map[string]bool{"email": true} }, []string{"channels.spam"}},
		{"unknown channel", func(p *Preferences) { p.Channels["news"] = map[string]bool{"fax": true} }, []string{"channels.news.fax"}},
		{"bad quiet hours", func(p *Preferences) { p.QuietHours = &QuietHours{Start: "25:00", End: "8"} }, []string{"quietHours.start", "quietHours.end"}},
		{"empty window", func(p *Preferences) { p.QuietHours = &QuietHours{Start: "22:00", End: "22:00"} }, []string{"quietHours"}},
		{"cap out of range", func(p *Preferences) { p.DailyCap["sms"] = 0 }, []string{"dailyCap.sms"}},
	}
	for _, c := range cases {
		p := DefaultPreferences()
		c.mutate(&p)
		if got := problem.FieldNames(p.Validate()); !slices.Equal(got, c.fields) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.fields)
		}
	}
}

func TestSecurityIsAlwaysEnabled(t *testing.T) {
	p := DefaultPreferences()
	for _, ch := range AllChannels {
		if !p.Enabled(Security, ch) {
			t.Errorf("security off on %s", ch)
		}
	}
	if p.Enabled("news", SMS) {
		t.Error("news by SMS should be off by default")
	}
}
