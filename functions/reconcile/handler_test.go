package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/payments"
)

// fakeReconciler answers with st and err and keeps what it was asked.
type fakeReconciler struct {
	st               payments.ReconcileStats
	err              error
	after, flagAfter time.Duration
	runs             int
}

func (f *fakeReconciler) Reconcile(_ context.Context, after, flagAfter time.Duration) (payments.ReconcileStats, error) {
	f.runs++
	f.after, f.flagAfter = after, flagAfter
	return f.st, f.err
}

// The scheduled sample reconciles once with the configured age; what it
// did is answered and logged, and a failure fails the invocation.
func TestScheduledEventReconciles(t *testing.T) {
	b, err := os.ReadFile("../../events/reconcile-scheduled.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.EventBridgeEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	f := &fakeReconciler{st: payments.ReconcileStats{Checked: 3, Settled: 2, Flagged: 1}}
	h := &handler{payments: f, after: 5 * time.Minute, log: logging.New(&log, "info")}
	st, err := h.handle(context.Background(), ev)
	if err != nil || st != f.st || f.runs != 1 || f.after != 5*time.Minute || f.flagAfter != FlagAfter {
		t.Fatalf("got %+v %v after %v flag %v runs %d", st, err, f.after, f.flagAfter, f.runs)
	}
	if !strings.Contains(log.String(), `"settled":2`) || !strings.Contains(log.String(), `"flagged":1`) {
		t.Errorf("log: %s", log.String())
	}
	f.err = errors.New("table unreachable")
	if _, err := h.handle(context.Background(), ev); err == nil {
		t.Error("a failed run did not fail the invocation")
	}
}
