package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/health"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/logging"
)

func testBase() *app.Base {
	return &app.Base{Common: config.Common{Stage: "test", Version: "v1.2.3"}, Log: logging.New(io.Discard, "error"), Clock: clock.System{}}
}

func ping(err error) func(context.Context) error { return func(context.Context) error { return err } }

// countingProbes counts the probe runs.
type countingProbes struct {
	health.Probes
	runs int
}

func (p *countingProbes) Run(ctx context.Context) []health.Dependency {
	p.runs++
	return p.Probes.Run(ctx)
}

var _ probes = (*countingProbes)(nil)

func TestRoutesMatchTheTable(t *testing.T) {
	h := &handler{base: testBase()}
	if m := h.router().Mismatch(); len(m) > 0 {
		t.Errorf("router and shared/routes disagree: %v", m)
	}
}

func TestHealth(t *testing.T) {
	req, err := httpapi.ReadEvent("../../events/health-get.json")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		failing    error
		wantStatus int
		wantState  string
	}{
		{"all reachable", nil, 200, "ok"},
		{"one unreachable", errors.New("dial tcp 10.0.0.1:443: secret internal detail"), 503, "degraded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := &countingProbes{Probes: health.Probes{Timeout: probeTimeout, Checks: []health.Check{{Name: "dynamodb", Ping: ping(nil)}, {Name: "s3", Ping: ping(c.failing)}}}}
			h := &handler{base: testBase(), probes: p}
			res, err := h.router().Serve(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != c.wantStatus || p.runs != 1 {
				t.Errorf("status = %d after %d probe runs, want %d after one", res.StatusCode, p.runs, c.wantStatus)
			}
			var rep health.Report
			if err := json.Unmarshal([]byte(res.Body), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Status != c.wantState || rep.Version != "v1.2.3" || len(rep.Dependencies) != 2 {
				t.Errorf("report = %+v", rep)
			}
			if strings.Contains(res.Body, "secret internal detail") {
				t.Error("the health answer leaks the dependency's error text")
			}
		})
	}
}
