package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kabinet/kabinet/shared/health"
)

// probes is what the canary needs: whether each dependency answers.
type probes interface {
	Run(ctx context.Context) []health.Dependency
}

// probeTimeout is what one probe may take within the canary's deadline.
const probeTimeout = 3 * time.Second

var _ probes = health.Probes{}

type canary struct {
	probes probes
	log    *slog.Logger
}

// Result is what a run returns (and logs).
type Result struct {
	Healthy      bool                `json:"healthy"`
	Dependencies []health.Dependency `json:"dependencies"`
}

func (c *canary) run(ctx context.Context, ev events.EventBridgeEvent) (Result, error) {
	deps := c.probes.Run(ctx)
	var down []string
	for _, d := range deps {
		if d.Err() != nil {
			down = append(down, d.Name)
			c.log.Error("dependency unreachable", "dependency", d.Name, "err", d.Err(), "event", ev.ID)
		}
	}
	res := Result{Healthy: len(down) == 0, Dependencies: deps}
	if len(down) > 0 {
		return res, fmt.Errorf("unreachable: %s", strings.Join(down, ", "))
	}
	c.log.Info("all dependencies reachable", "event", ev.ID)
	return res, nil
}
