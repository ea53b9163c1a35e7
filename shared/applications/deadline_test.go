package applications

import (
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/problem"
)

func TestDocumentsDeadline(t *testing.T) {
	// Monday 23 November 2026, 10:00 in Moscow.
	now := time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)
	d, err := documentsDeadline("", now)
	if err != nil || d.Format("2006-01-02") != "2026-12-07" {
		t.Errorf("default = %v, %v; want 10 working days later, 2026-12-07", d, err)
	}
	for _, ok := range []string{"2026-11-24", "2027-02-21"} {
		if _, err := documentsDeadline(ok, now); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"2026-11-23", "2026-11-01", "2027-02-22", "24.11.2026", "завтра"} {
		if _, err := documentsDeadline(bad, now); !problem.Is(err, problem.KindInvalid) {
			t.Errorf("%s: %v, want Invalid", bad, err)
		}
	}
}
