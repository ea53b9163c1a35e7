package clock

import (
	"testing"
	"time"
)

func TestMoscowIsUTCPlusThree(t *testing.T) {
	at := time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
	if _, offset := at.In(Moscow()).Zone(); offset != 3*3600 {
		t.Errorf("Moscow's offset in July 2026 = %ds, want 10800 (UTC+3, no summer time)", offset)
	}
	first, second := Moscow(), Moscow()
	if first != second {
		t.Error("Moscow() returned two zones, want one loaded once")
	}
}
