package dynamo

import "testing"

func TestApplicationOfLog(t *testing.T) {
	k := ApplicationLogKey("u", "20261123090000123456-AbCdEfGh", "2026-11-23T09:00:00.000000000Z")
	if got := ApplicationOfLog(k.SK); got != "20261123090000123456-AbCdEfGh" {
		t.Errorf("ApplicationOfLog(%s) = %s", k.SK, got)
	}
}
