package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/payments"
)

// runner is what the handler needs of payments.Autopays.
type runner interface {
	Run(ctx context.Context) (payments.AutopayStats, error)
}

var _ runner = (*payments.Autopays)(nil)

type handler struct {
	autopays runner
	log      *slog.Logger
}

// handle pays the autopays due once per scheduled event and logs what it
// did; a run that could not read the due autopays fails the invocation.
// Overlapping runs are safe: each autopay is claimed once.
func (h *handler) handle(ctx context.Context, ev events.EventBridgeEvent) (payments.AutopayStats, error) {
	ctx = logging.WithLogger(ctx, h.log)
	st, err := h.autopays.Run(ctx)
	h.log.Info("autopay run", "event", ev.ID, "due", st.Due, "paid", st.Paid, "failed", st.Failed, "cancelled", st.Cancelled,
		"waiting", st.Waiting, "skipped", st.Skipped)
	return st, err
}
