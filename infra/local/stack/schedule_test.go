package stack

import (
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	tests := []struct {
		name    string
		expr    string
		want    time.Duration
		wantErr bool
	}{
		{"one minute", "rate(1 minute)", time.Minute, false},
		{"five minutes", "rate(5 minutes)", 5 * time.Minute, false},
		{"two hours", "rate(2 hours)", 2 * time.Hour, false},
		{"one hour", "rate(1 hour)", time.Hour, false},
		{"one day", "rate(1 day)", 24 * time.Hour, false},
		{"seven days", "rate(7 days)", 7 * 24 * time.Hour, false},
		{"zero", "rate(0 minutes)", 0, true},
		{"negative", "rate(-5 minutes)", 0, true},
		{"plus sign", "rate(+5 minutes)", 0, true},
		{"plural for one", "rate(1 minutes)", 0, true},
		{"singular for five", "rate(5 minute)", 0, true},
		{"unknown unit", "rate(5 seconds)", 0, true},
		{"no unit", "rate(5)", 0, true},
		{"extra word", "rate(5 minutes please)", 0, true},
		{"not a number", "rate(five minutes)", 0, true},
		{"fraction", "rate(1.5 hours)", 0, true},
		{"overflows a duration", "rate(200000 days)", 0, true},
		{"huge number", "rate(99999999999999999999 days)", 0, true},
		{"missing parenthesis", "rate(5 minutes", 0, true},
		{"cron", "cron(0 9 * * ? *)", 0, true},
		{"empty", "", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRate(tt.expr)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseRate(%q) = %v, %v; want %v, error %v", tt.expr, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestParseCronValidity(t *testing.T) {
	tests := []struct {
		name    string
		expr    string
		wantErr bool
	}{
		{"daily at nine", "cron(0 9 * * ? *)", false},
		{"every quarter hour", "cron(0/15 * * * ? *)", false},
		{"weekdays by name", "cron(0 8 ? * MON-FRI *)", false},
		{"weekdays lower case", "cron(0 8 ? * mon-fri *)", false},
		{"weekdays by number", "cron(0 8 ? * 2-6 *)", false},
		{"day list by name", "cron(30 12 ? * SUN,SAT *)", false},
		{"month names", "cron(0 0 1 JAN,JUL ? *)", false},
		{"month range by name", "cron(0 0 1 MAR-MAY ? *)", false},
		{"steps in a range", "cron(5-30/5 * * * ? *)", false},
		{"star with step", "cron(*/10 * * * ? *)", false},
		{"year list", "cron(0 0 1 1 ? 2025,2026)", false},
		{"year range", "cron(0 0 1 1 ? 2025-2030)", false},
		{"five fields", "cron(0 9 * * ?)", true},
		{"seven fields", "cron(0 9 * * ? * *)", true},
		{"minute 60", "cron(60 9 * * ? *)", true},
		{"hour 24", "cron(0 24 * * ? *)", true},
		{"day 0", "cron(0 9 0 * ? *)", true},
		{"day 32", "cron(0 9 32 * ? *)", true},
		{"month 13", "cron(0 9 ? 13 MON *)", true},
		{"weekday 8", "cron(0 9 ? * 8 *)", true},
		{"weekday 0", "cron(0 9 ? * 0 *)", true},
		{"year 1969", "cron(0 9 * * ? 1969)", true},
		{"year 2200", "cron(0 9 * * ? 2200)", true},
		{"unknown day name", "cron(0 9 ? * FUN *)", true},
		{"day name in the month field", "cron(0 9 1 MON ? *)", true},
		{"month name in the day field", "cron(0 9 ? * JAN *)", true},
		{"both days given", "cron(0 9 1 * MON *)", true},
		{"both days star", "cron(0 9 * * * *)", true},
		{"both days question", "cron(0 9 ? * ? *)", true},
		{"question in minutes", "cron(? 9 * * ? *)", true},
		{"reversed range", "cron(0 9 ? * FRI-MON *)", true},
		{"zero step", "cron(0/0 * * * ? *)", true},
		{"negative value", "cron(-1 * * * ? *)", true},
		{"empty list element", "cron(1,,2 * * * ? *)", true},
		{"L is unsupported", "cron(0 9 L * ? *)", true},
		{"plus sign", "cron(+5 * * * ? *)", true},
		{"not a cron", "rate(5 minutes)", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCron(tt.expr)
			if (err != nil) != tt.wantErr {
				t.Errorf("ParseCron(%q) error = %v, want error %v", tt.expr, err, tt.wantErr)
			}
		})
	}
}

func TestCronMatches(t *testing.T) {
	// 2025-03-03 is a Monday; 2025-03-02 a Sunday; 2025-03-08 a Saturday.
	at := func(day, hour, minute int) time.Time { return time.Date(2025, 3, day, hour, minute, 0, 0, time.UTC) }
	tests := []struct {
		name string
		expr string
		t    time.Time
		want bool
	}{
		{"daily at nine: nine", "cron(0 9 * * ? *)", at(3, 9, 0), true},
		{"daily at nine: seconds ignored", "cron(0 9 * * ? *)", at(3, 9, 0).Add(59 * time.Second), true},
		{"daily at nine: nine oh one", "cron(0 9 * * ? *)", at(3, 9, 1), false},
		{"daily at nine: eight", "cron(0 9 * * ? *)", at(3, 8, 0), false},
		{"daily at nine: UTC, not local", "cron(0 9 * * ? *)", time.Date(2025, 3, 3, 12, 0, 0, 0, time.FixedZone("MSK", 3*3600)), true},
		{"quarter hours: 0", "cron(0/15 * * * ? *)", at(3, 1, 0), true},
		{"quarter hours: 45", "cron(0/15 * * * ? *)", at(3, 1, 45), true},
		{"quarter hours: 50", "cron(0/15 * * * ? *)", at(3, 1, 50), false},
		{"start-only step 5/20: 45", "cron(5/20 * * * ? *)", at(3, 1, 45), true},
		{"start-only step 5/20: 0", "cron(5/20 * * * ? *)", at(3, 1, 0), false},
		{"start with step 1 runs to the end", "cron(50/1 * * * ? *)", at(3, 1, 59), true},
		{"huge step fires once", "cron(5/1000000 * * * ? *)", at(3, 1, 5), true},
		{"huge step does not wrap", "cron(5/9223372036854775807 * * * ? *)", at(3, 1, 3), false},
		{"weekdays: Monday", "cron(0 8 ? * MON-FRI *)", at(3, 8, 0), true},
		{"weekdays: Friday", "cron(0 8 ? * MON-FRI *)", at(7, 8, 0), true},
		{"weekdays: Saturday", "cron(0 8 ? * MON-FRI *)", at(8, 8, 0), false},
		{"weekdays: Sunday", "cron(0 8 ? * MON-FRI *)", at(2, 8, 0), false},
		{"SUN is 1", "cron(0 8 ? * 1 *)", at(2, 8, 0), true},
		{"SAT is 7", "cron(0 8 ? * SAT *)", at(8, 8, 0), true},
		{"first of the month: first", "cron(0 0 1 * ? *)", time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), true},
		{"first of the month: second", "cron(0 0 1 * ? *)", at(2, 0, 0), false},
		{"month name: March", "cron(0 0 3 MAR ? *)", at(3, 0, 0), true},
		{"month name: April", "cron(0 0 3 APR ? *)", at(3, 0, 0), false},
		{"year: this year", "cron(0 0 3 3 ? 2025)", at(3, 0, 0), true},
		{"year: next year", "cron(0 0 3 3 ? 2026)", at(3, 0, 0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseCron(tt.expr)
			if err != nil {
				t.Fatalf("ParseCron(%q) = %v", tt.expr, err)
			}
			if got := c.Matches(tt.t); got != tt.want {
				t.Errorf("%s Matches(%v) = %v, want %v", tt.expr, tt.t, got, tt.want)
			}
		})
	}
}

func FuzzParseCron(f *testing.F) {
	for _, s := range []string{
		"cron(0 9 * * ? *)", "cron(0/15 * * * ? *)", "cron(0 8 ? * MON-FRI *)",
		"cron(5-30/5 1,2,3 ? JAN-DEC SUN 2025-2030)", "cron(5/9223372036854775807 * * * ? *)",
		"cron(* * * * * *)", "cron()", "cron(- / , ? * *)",
	} {
		f.Add(s)
	}
	probe := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, expr string) {
		c, err := ParseCron(expr)
		if err != nil {
			return
		}
		for i, set := range c.fields {
			for v := range set {
				if v < 0 || v > 2199 {
					t.Fatalf("ParseCron(%q) field %d holds %d", expr, i+1, v)
				}
			}
		}
		_ = c.Matches(probe)
	})
}
