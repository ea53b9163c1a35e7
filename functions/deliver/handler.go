package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/logging"
)

// deliverer is what the handler needs of inbox.Deliverer.
type deliverer interface {
	Sweep(ctx context.Context) (inbox.Stats, error)
	DeliverOne(ctx context.Context, sub, noteID, channel string) (inbox.Stats, error)
}

var _ deliverer = (*inbox.Deliverer)(nil)

type handler struct {
	d   deliverer
	log *slog.Logger
}

// handle accepts a DynamoDB stream batch or a scheduled event.
func (h *handler) handle(ctx context.Context, raw json.RawMessage) (inbox.Stats, error) {
	ctx = logging.WithLogger(ctx, h.log)
	var probe struct {
		Records []json.RawMessage `json:"Records"`
	}
	if err := json.Unmarshal(raw, &probe); err == nil && len(probe.Records) > 0 {
		var ev events.DynamoDBEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return inbox.Stats{}, fmt.Errorf("decode stream batch: %w", err)
		}
		return h.stream(ctx, ev)
	}
	st, err := h.d.Sweep(ctx)
	h.log.Info("sweep", "seen", st.Seen, "sent", st.Sent, "held", st.Held, "retried", st.Retried, "failed", st.Failed, "capped", st.Capped, "skipped", st.Skipped)
	return st, err
}

// stream delivers the deliveries a batch inserted; anything it cannot do
// now stays pending for the sweep.
func (h *handler) stream(ctx context.Context, ev events.DynamoDBEvent) (inbox.Stats, error) {
	// A note's channels usually come in one batch: they share their reads.
	ctx = inbox.WithReadCache(ctx)
	var total inbox.Stats
	for _, r := range ev.Records {
		if r.EventName != "INSERT" {
			continue
		}
		img := r.Change.NewImage
		if img["Kind"].String() != "delivery" {
			continue
		}
		sub, note, channel := img["Sub"].String(), img["NoteID"].String(), img["Channel"].String()
		if sub == "" || note == "" || !strings.Contains("email sms push", channel) {
			continue
		}
		st, err := h.d.DeliverOne(ctx, sub, note, channel)
		if err != nil {
			h.log.Error("stream delivery", "err", err)
		}
		total.Sent += st.Sent
		total.Failed += st.Failed
		total.Retried += st.Retried
	}
	return total, nil
}
