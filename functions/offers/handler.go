package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/appointments"
	"github.com/kabinet/kabinet/shared/logging"
)

// expirer is what the handler needs of appointments.Offers.
type expirer interface {
	ExpireOffers(ctx context.Context, a actor.Actor) (appointments.Expired, error)
}

var _ expirer = (*appointments.Offers)(nil)

type handler struct {
	offers expirer
	log    *slog.Logger
}

// handle ends the offers due once per scheduled event, as the portal
// itself, and logs what it did; a run that could not read the offers fails
// the invocation (an offer it could not end is logged and ends next time).
func (h *handler) handle(ctx context.Context, ev events.EventBridgeEvent) (appointments.Expired, error) {
	ctx = logging.WithLogger(ctx, h.log)
	st, err := h.offers.ExpireOffers(ctx, actor.System())
	h.log.Info("waitlist offers", "event", ev.ID, "expired", st.Expired, "passed", st.Passed, "freed", st.Freed, "errors", st.Errors)
	return st, err
}
