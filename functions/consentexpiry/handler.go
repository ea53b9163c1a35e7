package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kabinet/kabinet/shared/consents"
	"github.com/kabinet/kabinet/shared/logging"
)

// runner is what the handler needs of consents.Expiry.
type runner interface {
	Run(ctx context.Context) (consents.ExpiryStats, error)
}

var _ runner = (*consents.Expiry)(nil)

type handler struct {
	runner runner
	log    *slog.Logger
}

// handle records the consents whose term ended and the requests nobody
// answered, once per scheduled event; a failed run fails the invocation.
func (h *handler) handle(ctx context.Context, ev events.EventBridgeEvent) (consents.ExpiryStats, error) {
	ctx = logging.WithLogger(ctx, h.log)
	st, err := h.runner.Run(ctx)
	h.log.Info("consent expiry run", "event", ev.ID, "expired", st.Expired, "lapsed", st.Lapsed, "errors", st.Errors)
	return st, err
}
