package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/reminders"
)

// runner is what the handler needs of reminders.Runner.
type runner interface {
	Run(ctx context.Context) (reminders.Stats, error)
}

var _ runner = (*reminders.Runner)(nil)

type handler struct {
	runner runner
	log    *slog.Logger
}

// handle runs the due reminders once per scheduled event and logs what the
// run did; a failed run fails the invocation, so the schedule retries.
func (h *handler) handle(ctx context.Context, ev events.EventBridgeEvent) (reminders.Stats, error) {
	ctx = logging.WithLogger(ctx, h.log)
	st, err := h.runner.Run(ctx)
	h.log.Info("reminder run", "event", ev.ID, "minutes", st.Minutes, "sent", st.Sent, "alreadySent", st.AlreadySent, "errors", st.Errors)
	return st, err
}
