// Package health checks that every dependency answers. The health function
// reports it to anyone; the canary function runs it on a schedule and fails
// (raising an alarm) when something is down.
package health

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Check is one dependency probe.
type Check struct {
	Name string
	Ping func(ctx context.Context) error
}

// Dependency is the outcome of one probe. The error text is never shown: it
// goes to the log only.
type Dependency struct {
	Name      string `json:"name"`
	Status    string `json:"status"` // ok or unreachable
	LatencyMS int64  `json:"latencyMs"`
	err       error
}

// Err is the probe's error, for the log.
func (d Dependency) Err() error { return d.err }

// Report is the result of all probes.
type Report struct {
	Status       string       `json:"status"` // ok or degraded
	Version      string       `json:"version"`
	Stage        string       `json:"stage"`
	Time         time.Time    `json:"time"`
	Dependencies []Dependency `json:"dependencies"`
}

// Probes are the checks a function runs together, each within Timeout:
// GET /health within what an API Gateway request can afford, the canary
// within its own deadline.
type Probes struct {
	Checks  []Check
	Timeout time.Duration
}

// Run probes every dependency in parallel, each within p.Timeout.
func (p Probes) Run(ctx context.Context) []Dependency { return Run(ctx, p.Checks, p.Timeout) }

// Run probes every dependency in parallel, each within timeout.
func Run(ctx context.Context, checks []Check, timeout time.Duration) []Dependency {
	out := make([]Dependency, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			start := time.Now()
			err := c.Ping(cctx)
			d := Dependency{Name: c.Name, Status: "ok", LatencyMS: time.Since(start).Milliseconds(), err: err}
			if err != nil {
				d.Status = "unreachable"
			}
			out[i] = d
		}()
	}
	wg.Wait()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Healthy reports whether every dependency answered.
func Healthy(deps []Dependency) bool {
	for _, d := range deps {
		if d.Status != "ok" {
			return false
		}
	}
	return true
}
