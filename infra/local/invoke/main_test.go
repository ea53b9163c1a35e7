package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/infra/local/stack"
	"github.com/kabinet/kabinet/infra/local/template"
)

// TestEverySampleEventGetsTheFunctionsAnswer invokes every event of events/
// the way `make invoke` does (a seeded stack, the function's pool) and
// checks the answer is the function's own: an authed event is never the
// session guard's refusal (401 session_ended or unauthenticated), no event
// meets a 5xx, and the scheduled and stream events run without error. A 404
// for an object the demo data lacks is a real answer.
func TestEverySampleEventGetsTheFunctionsAnswer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the local stack")
	}
	root, err := template.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	var log strings.Builder
	opts := options(root, &syncWriter{b: &log})
	// Its own binaries: the other tests' stacks may be running theirs.
	opts.BuildDir = filepath.Join(root, ".build", "invoke-test")
	st, err := stack.Start(ctx, opts)
	if err != nil {
		t.Fatalf("start: %v\n%s", err, log.String())
	}
	defer st.Close()

	byRoute := map[string]string{}
	for _, fn := range st.Template.Functions {
		for _, r := range fn.Routes {
			byRoute[r.Key()] = fn.Name
		}
	}
	files, err := filepath.Glob(filepath.Join(root, "events", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no events: %v", err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		payload, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var ev struct {
			RouteKey       string `json:"routeKey"`
			RequestContext struct {
				Authorizer *struct{} `json:"authorizer"`
			} `json:"requestContext"`
		}
		if err := json.Unmarshal(payload, &ev); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		function, ok := byRoute[ev.RouteKey]
		if ev.RouteKey == "" {
			// A scheduled or stream event: events/<function>-<what>.json.
			function, _, _ = strings.Cut(name, "-")
			ok = true
		}
		if !ok {
			t.Errorf("%s: route %q is in no function of template.yaml", name, ev.RouteKey)
			continue
		}
		out, err := invoke(ctx, st, function, payload)
		if err != nil {
			t.Errorf("%s (%s): %v", name, function, err)
			continue
		}
		if ev.RouteKey == "" {
			t.Logf("%-42s %-13s ran", name, function)
			continue
		}
		var res struct {
			StatusCode int    `json:"statusCode"`
			Body       string `json:"body"`
		}
		if err := json.Unmarshal(out, &res); err != nil {
			t.Errorf("%s (%s): answer %s: %v", name, function, out, err)
			continue
		}
		var problem struct{ Code string }
		_ = json.Unmarshal([]byte(res.Body), &problem)
		t.Logf("%-42s %-13s %d %s", name, function, res.StatusCode, problem.Code)
		switch {
		case ev.RequestContext.Authorizer != nil && res.StatusCode == 401 && (problem.Code == "session_ended" || problem.Code == "unauthenticated"):
			t.Errorf("%s (%s): the session guard refused it: %d %s", name, function, res.StatusCode, res.Body)
		case res.StatusCode >= 500:
			t.Errorf("%s (%s): %d %s", name, function, res.StatusCode, res.Body)
		}
	}
	if t.Failed() {
		t.Log(log.String())
	}
}

// syncWriter keeps the stack's output; the functions write at once.
type syncWriter struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
