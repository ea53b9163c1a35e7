package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/reminders"
)

// fakeRunner answers with st and err and counts its runs.
type fakeRunner struct {
	st   reminders.Stats
	err  error
	runs int
}

func (f *fakeRunner) Run(context.Context) (reminders.Stats, error) {
	f.runs++
	return f.st, f.err
}

var _ runner = (*fakeRunner)(nil)

// The scheduled sample runs the reminders once; the run's counts are
// answered and logged, and a failure fails the invocation.
func TestScheduledEventRunsTheReminders(t *testing.T) {
	b, err := os.ReadFile("../../events/remind-scheduled.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.EventBridgeEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	for _, fail := range []error{nil, errors.New("table unreachable")} {
		var log strings.Builder
		f := &fakeRunner{st: reminders.Stats{Minutes: 1, Sent: 3}, err: fail}
		h := &handler{runner: f, log: logging.New(&log, "info")}
		st, err := h.handle(context.Background(), ev)
		if f.runs != 1 || st.Sent != 3 || !errors.Is(err, fail) {
			t.Errorf("handle = %+v, %v after %d runs; want one run answering its counts and error %v", st, err, f.runs, fail)
		}
		if !strings.Contains(log.String(), `"sent":3`) || !strings.Contains(log.String(), ev.ID) {
			t.Errorf("log = %s", log.String())
		}
	}
}
