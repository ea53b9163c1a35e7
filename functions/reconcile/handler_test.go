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

// fakeRefunds answers with st and err and keeps what it was asked.
type fakeRefunds struct {
	st    payments.RefundStats
	err   error
	after time.Duration
	runs  int
}

func (f *fakeRefunds) Reconcile(_ context.Context, after time.Duration) (payments.RefundStats, error) {
	f.runs++
	f.after = after
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
	r := &fakeRefunds{st: payments.RefundStats{Due: 1, Checked: 2, Ended: 1}}
	h := &handler{payments: f, refunds: r, after: 5 * time.Minute, log: logging.New(&log, "info")}
	st, err := h.handle(context.Background(), ev)
	if err != nil || st.Payments != f.st || st.Refunds != r.st || f.runs != 1 || r.runs != 1 || f.after != 5*time.Minute ||
		r.after != 5*time.Minute || f.flagAfter != FlagAfter {
		t.Fatalf("got %+v %v after %v flag %v runs %d", st, err, f.after, f.flagAfter, f.runs)
	}
	if !strings.Contains(log.String(), `"settled":2`) || !strings.Contains(log.String(), `"flagged":1`) || !strings.Contains(log.String(), `"ended":1`) {
		t.Errorf("log: %s", log.String())
	}
	f.err = errors.New("table unreachable")
	if _, err := h.handle(context.Background(), ev); err == nil || r.runs != 2 {
		t.Errorf("a failed run did not fail the invocation (%v), or stopped the refunds (%d runs)", err, r.runs)
	}
	f.err, r.err = nil, errors.New("table unreachable")
	if _, err := h.handle(context.Background(), ev); err == nil {
		t.Error("a failed refund run did not fail the invocation")
	}
}
