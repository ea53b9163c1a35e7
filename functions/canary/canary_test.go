package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kabinet/kabinet/shared/health"
	"github.com/kabinet/kabinet/shared/logging"
)

func scheduled(t *testing.T) events.EventBridgeEvent {
	t.Helper()
	b, err := os.ReadFile("../../events/canary-scheduled.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.EventBridgeEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// The scheduled sample runs the probes once; a dependency down fails the
// run (raising the alarm) and is logged by name with the event's id.
func TestCanaryFailsWhenADependencyIsDown(t *testing.T) {
	ok := func(context.Context) error { return nil }
	down := func(context.Context) error { return errors.New("timeout") }
	ev := scheduled(t)
	cases := []struct {
		name    string
		checks  []health.Check
		wantErr bool
	}{
		{"all up", []health.Check{{Name: "dynamodb", Ping: ok}, {Name: "ses", Ping: ok}}, false},
		{"ses down", []health.Check{{Name: "dynamodb", Ping: ok}, {Name: "ses", Ping: down}}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var log strings.Builder
			cn := &canary{probes: health.Probes{Checks: c.checks, Timeout: probeTimeout}, log: logging.New(&log, "info")}
			res, err := cn.run(context.Background(), ev)
			if (err != nil) != c.wantErr || res.Healthy == c.wantErr || len(res.Dependencies) != 2 {
				t.Errorf("run = %+v, %v; want error %v", res, err, c.wantErr)
			}
			if !strings.Contains(log.String(), ev.ID) || c.wantErr != strings.Contains(log.String(), `"dependency":"ses"`) {
				t.Errorf("log = %s", log.String())
			}
			if c.wantErr && !strings.Contains(err.Error(), "ses") {
				t.Errorf("the failure %v does not name the dependency", err)
			}
		})
	}
}
