package main

import (
	"context"
	"errors"
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

// refundReconciler is what the handler needs of payments.Refunds.
type refundReconciler interface {
	Reconcile(ctx context.Context, after time.Duration) (payments.RefundStats, error)
}

var (
	_ reconciler       = (*payments.Payments)(nil)
	_ refundReconciler = (*payments.Refunds)(nil)
)

// FlagAfter is how long a payment may stay open before an operator is
// asked to look at it: a day, ЮKassa's idempotence window.
const FlagAfter = 24 * time.Hour

type handler struct {
	payments reconciler
	refunds  refundReconciler
	// after is how long a payment (or a refund) stays open before it is
	// reconciled.
	after time.Duration
	log   *slog.Logger
}

// runStats is what one run did.
type runStats struct {
	Payments payments.ReconcileStats `json:"payments"`
	Refunds  payments.RefundStats    `json:"refunds"`
}

// handle reconciles once per scheduled event, the payments and then the
// refunds, and logs what it did; a run that could not read what is open
// fails the invocation (after doing what it could).
func (h *handler) handle(ctx context.Context, ev events.EventBridgeEvent) (runStats, error) {
	ctx = logging.WithLogger(ctx, h.log)
	st, err := h.payments.Reconcile(ctx, h.after, FlagAfter)
	h.log.Info("reconciliation", "event", ev.ID, "checked", st.Checked, "settled", st.Settled, "flagged", st.Flagged, "failed", st.Failed)
	rs, rerr := h.refunds.Reconcile(ctx, h.after)
	h.log.Info("refund reconciliation", "event", ev.ID, "due", rs.Due, "checked", rs.Checked, "ended", rs.Ended, "failed", rs.Failed)
	return runStats{Payments: st, Refunds: rs}, errors.Join(err, rerr)
}
