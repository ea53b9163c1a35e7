package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/payments"
)

// reconciler is what the handler needs of payments.Payments.
type reconciler interface {
	Reconcile(ctx context.Context, after, flagAfter time.Duration) (payments.ReconcileStats, error)
}

var _ reconciler = (*payments.Payments)(nil)

// FlagAfter is how long a payment may stay open before an operator is
// asked to look at it: a day, ЮKassa's idempotence window.
const FlagAfter = 24 * time.Hour

type handler struct {
	payments reconciler
	// after is how long a payment stays open before it is reconciled.
	after time.Duration
	log   *slog.Logger
}

// handle reconciles once per scheduled event and logs what it did; a run
// that could not read the open payments fails the invocation.
func (h *handler) handle(ctx context.Context, ev events.EventBridgeEvent) (payments.ReconcileStats, error) {
	ctx = logging.WithLogger(ctx, h.log)
	st, err := h.payments.Reconcile(ctx, h.after, FlagAfter)
	h.log.Info("reconciliation", "event", ev.ID, "checked", st.Checked, "settled", st.Settled, "flagged", st.Flagged, "failed", st.Failed)
	return st, err
}
