package workdays

import (
	"testing"
	"time"
)

func date(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02", s, Moscow)
	if err != nil {
		panic(err)
	}
	return t
}

func TestProductionCalendar2026(t *testing.T) {
	// The decree's days off, and ordinary days around them.
	for _, s := range []string{"2026-01-01", "2026-01-08", "2026-01-09", "2026-01-11", "2026-02-23", "2026-03-09",
		"2026-05-01", "2026-05-11", "2026-06-12", "2026-11-04", "2026-12-31", "2026-11-28", "2026-11-29"} {
		if IsWorking(date(s)) {
			t.Errorf("%s should be a day off", s)
		}
	}
	for _, s := range []string{"2026-01-12", "2026-02-24", "2026-03-10", "2026-05-12", "2026-11-05", "2026-12-30", "2026-11-23"} {
		if !IsWorking(date(s)) {
			t.Errorf("%s should be a working day", s)
		}
	}
}

func TestLabourCodeFallback(t *testing.T) {
	// 2028: 8 March is a Wednesday, 9 May a Tuesday; 12 June 2027 is a
	// Saturday, so Monday 14 June 2027 is off; 4 November 2029 is a Sunday.
	for _, s := range []string{"2028-03-08", "2028-05-09", "2027-06-14", "2029-11-05", "2027-01-07"} {
		if IsWorking(date(s)) {
			t.Errorf("%s should be a day off", s)
		}
	}
	for _, s := range []string{"2028-03-09", "2027-06-15", "2029-11-06", "2027-06-11"} {
		if !IsWorking(date(s)) {
			t.Errorf("%s should be a working day", s)
		}
	}
}

func TestAdd(t *testing.T) {
	cases := []struct {
		from string
		n    int
		want string
	}{
		{"2026-11-20", 5, "2026-11-27"},  // Friday + a week
		{"2026-12-29", 3, "2027-01-12"},  // over the New Year holidays (2027 by the Labour Code: 1-8 January)
		{"2026-04-30", 2, "2026-05-05"},  // over 1 May
		{"2026-11-03", 1, "2026-11-05"},  // over 4 November
		{"2026-11-23", 30, "2027-01-13"}, // a month and a half, holidays included
	}
	for _, c := range cases {
		if got := Add(date(c.from), c.n).Format("2006-01-02"); got != c.want {
			t.Errorf("Add(%s, %d) = %s, want %s", c.from, c.n, got, c.want)
		}
	}
	// The date is Moscow's: 22:30 UTC on Sunday is already Monday there.
	late := time.Date(2026, 11, 22, 22, 30, 0, 0, time.UTC)
	if got := Add(late, 1).Format("2006-01-02"); got != "2026-11-24" {
		t.Errorf("Add(Sunday 22:30 UTC, 1) = %s, want Tuesday 2026-11-24", got)
	}
}

func TestKindOf(t *testing.T) {
	cases := []struct {
		day  string
		want Kind
	}{
		{"2026-12-01", Working},
		{"2026-11-28", Weekend}, // a Saturday
		{"2026-11-04", Holiday}, // Unity Day, a Wednesday
		{"2026-01-03", Holiday}, // a holiday on a Saturday (the decree moves the day off, the holiday stays)
		{"2026-12-31", Holiday}, // a weekday the 2026 decree made a day off
		{"2026-03-09", Holiday}, // 8 March fell on a Sunday
		{"2027-06-12", Holiday}, // Russia Day on a Saturday (the Labour Code year)
		{"2027-06-14", Holiday}, // the Monday it moves to
		{"2027-06-19", Weekend}, // the Saturday after
		{"2029-11-04", Holiday}, // a Sunday holiday
		{"2029-11-05", Holiday}, // and its Monday
		{"2029-11-06", Working},
	}
	for _, c := range cases {
		if got := KindOf(date(c.day)); got != c.want {
			t.Errorf("KindOf(%s) = %d, want %d", c.day, got, c.want)
		}
	}
}
