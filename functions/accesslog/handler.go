package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/logging"
)

// settler is what the handler needs of accesslog.Log.
type settler interface {
	Sweep(ctx context.Context) (accesslog.SweepStats, error)
	Settle(ctx context.Context, sub string) (int, error)
}

var _ settler = (*accesslog.Log)(nil)

type handler struct {
	log  settler
	slog *slog.Logger
}

// handle accepts a DynamoDB stream batch (reads just recorded) or a
// scheduled event (the sweep).
func (h *handler) handle(ctx context.Context, raw json.RawMessage) (accesslog.SweepStats, error) {
	ctx = logging.WithLogger(ctx, h.slog)
	var probe struct {
		Records []json.RawMessage `json:"Records"`
	}
	if err := json.Unmarshal(raw, &probe); err == nil && len(probe.Records) > 0 {
		var ev events.DynamoDBEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return accesslog.SweepStats{}, fmt.Errorf("decode stream batch: %w", err)
		}
		return h.stream(ctx, ev), nil
	}
	st, err := h.log.Sweep(ctx)
	h.slog.Info("access log sweep", "logs", st.Logs, "chained", st.Chained, "errors", st.Errors)
	return st, err
}

// stream chains the reads a batch recorded, once per person; whatever it
// cannot chain now stays pending for the sweep.
func (h *handler) stream(ctx context.Context, ev events.DynamoDBEvent) accesslog.SweepStats {
	var st accesslog.SweepStats
	done := map[string]bool{}
	for _, r := range ev.Records {
		img := r.Change.NewImage
		if r.EventName != "INSERT" || img["Kind"].String() != "read-pending" {
			continue
		}
		owner := img["Owner"].String()
		if owner == "" || done[owner] {
			continue
		}
		done[owner] = true
		n, err := h.log.Settle(ctx, owner)
		st.Chained += n
		if err != nil {
			st.Errors++
			h.slog.Error("access log not settled from the stream", "err", err)
			continue
		}
		st.Logs++
	}
	return st
}
