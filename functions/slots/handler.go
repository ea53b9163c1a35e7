package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/appointments"
	"github.com/kabinet/kabinet/shared/logging"
)

// materialiser is what the handler needs of appointments.Slots.
type materialiser interface {
	Materialise(ctx context.Context, a actor.Actor) (appointments.Made, error)
}

var _ materialiser = (*appointments.Slots)(nil)

type handler struct {
	slots materialiser
	log   *slog.Logger
}

// handle makes the slots once per scheduled event, as the portal itself,
// and logs what it made; a failed run fails the invocation (the next
// night's run goes on from the last day each resource has).
func (h *handler) handle(ctx context.Context, ev events.EventBridgeEvent) (appointments.Made, error) {
	ctx = logging.WithLogger(ctx, h.log)
	m, err := h.slots.Materialise(ctx, actor.System())
	h.log.Info("slots made", "event", ev.ID, "organisations", m.Organisations, "resources", m.Resources, "days", m.Days, "slots", m.Slots,
		"existing", m.Existing)
	return m, err
}
