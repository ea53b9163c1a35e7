package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/payments"
)

// fakeRunner answers with st and err and counts its runs.
type fakeRunner struct {
	st   payments.AutopayStats
	err  error
	runs int
}

func (f *fakeRunner) Run(context.Context) (payments.AutopayStats, error) {
	f.runs++
	return f.st, f.err
}

// The scheduled sample runs the autopays once; what the run did is
// answered and logged, and a failure fails the invocation.
func TestScheduledEventRunsTheAutopays(t *testing.T) {
	b, err := os.ReadFile("../../events/autopay-scheduled.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.EventBridgeEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	f := &fakeRunner{st: payments.AutopayStats{Due: 3, Paid: 2, Failed: 1}}
	h := &handler{autopays: f, log: logging.New(&log, "info")}
	st, err := h.handle(context.Background(), ev)
	if err != nil || st != f.st || f.runs != 1 {
		t.Fatalf("got %+v %v runs %d", st, err, f.runs)
	}
	if !strings.Contains(log.String(), `"paid":2`) || !strings.Contains(log.String(), `"failed":1`) {
		t.Errorf("log: %s", log.String())
	}
	f.err = errors.New("table unreachable")
	if _, err := h.handle(context.Background(), ev); err == nil {
		t.Error("a failed run did not fail the invocation")
	}
}
