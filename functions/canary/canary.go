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

// checks probes the dependencies in parallel, each within the canary's deadline.
type checks []health.Check

// Run implements probes.
func (c checks) Run(ctx context.Context) []health.Dependency {
	return health.Run(ctx, c, 3*time.Second)
}

var _ probes = checks(nil)

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
