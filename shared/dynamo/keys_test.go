package dynamo

import "testing"

func TestApplicationOfLog(t *testing.T) {
	k := ApplicationLogKey("u", "20261123090000123456-AbCdEfGh", "2026-11-23T09:00:00.000000000Z")
	if got := ApplicationOfLog(k.SK); got != "20261123090000123456-AbCdEfGh" {
		t.Errorf("ApplicationOfLog(%s) = %s", k.SK, got)
	}
}

func TestQueueSKStartsWithItsStatusPrefix(t *testing.T) {
	sk := QueueSK("in_progress", "2026-11-23T09:00:00.000000000Z", "20261123090000123456-AbCdEfGh")
	if want := "in_progress#2026-11-23T09:00:00.000000000Z#20261123090000123456-AbCdEfGh"; sk != want {
		t.Errorf("QueueSK = %s, want %s", sk, want)
	}
	if p := QueueStatusPrefix("in_progress"); sk[:len(p)] != p {
		t.Errorf("QueueSK %s does not start with QueueStatusPrefix %s", sk, p)
	}
}
