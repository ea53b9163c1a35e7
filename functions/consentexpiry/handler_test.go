package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kabinet/kabinet/shared/consents"
	"github.com/kabinet/kabinet/shared/logging"
)

type fakeRunner struct {
	err  error
	runs int
}

func (f *fakeRunner) Run(context.Context) (consents.ExpiryStats, error) {
	f.runs++
	return consents.ExpiryStats{Expired: 2, Lapsed: 1}, f.err
}

// The scheduled sample runs once; its counts are answered and logged, and
// a failure fails the invocation.
func TestScheduledEventRunsTheExpiry(t *testing.T) {
	b, err := os.ReadFile("../../events/consentexpiry-scheduled.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.EventBridgeEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	for _, fail := range []error{nil, errors.New("table unreachable")} {
		var log strings.Builder
		f := &fakeRunner{err: fail}
		st, err := (&handler{runner: f, log: logging.New(&log, "info")}).handle(context.Background(), ev)
		if f.runs != 1 || st.Expired != 2 || !errors.Is(err, fail) {
			t.Errorf("handle = %+v, %v after %d runs", st, err, f.runs)
		}
		if !strings.Contains(log.String(), `"expired":2`) || !strings.Contains(log.String(), ev.ID) {
			t.Errorf("log = %s", log.String())
		}
	}
}
