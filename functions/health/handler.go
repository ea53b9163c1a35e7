package main

import (
	"context"
	"net/http"
	"time"

	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/health"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/logging"
)

// probes is what the handler needs: whether each dependency answers.
type probes interface {
	Run(ctx context.Context) []health.Dependency
}

// probeTimeout is what one probe may take within the deadline an API
// Gateway request can afford.
const probeTimeout = 2 * time.Second

var _ probes = health.Probes{}

type handler struct {
	probes probes
	base   *app.Base
}

func (h *handler) router() *httpapi.Router {
	r := httpapi.NewRouter("health", h.base.Log)
	r.Handle("GET /health", h.get)
	return r
}

// get answers 200 when every dependency answers and 503 otherwise.
func (h *handler) get(ctx context.Context, _ *httpapi.Request) (httpapi.Response, error) {
	deps := h.probes.Run(ctx)
	rep := health.Report{Status: "ok", Version: h.base.Common.Version, Stage: h.base.Common.Stage,
		Time: h.base.Clock.Now().UTC(), Dependencies: deps}
	status := http.StatusOK
	if !health.Healthy(deps) {
		rep.Status, status = "degraded", http.StatusServiceUnavailable
		for _, d := range deps {
			if d.Err() != nil {
				logging.From(ctx).Warn("dependency unreachable", "dependency", d.Name, "err", d.Err())
			}
		}
	}
	return httpapi.JSON(status, rep)
}
