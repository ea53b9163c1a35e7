package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/appointments"
	"github.com/kabinet/kabinet/shared/logging"
)

// fakeOffers answers with st and err and keeps who asked.
type fakeOffers struct {
	st   appointments.Expired
	err  error
	as   []actor.Actor
	runs int
}

func (f *fakeOffers) ExpireOffers(_ context.Context, a actor.Actor) (appointments.Expired, error) {
	f.runs++
	f.as = append(f.as, a)
	return f.st, f.err
}

// The scheduled sample ends the offers due once, as the portal itself;
// what it did is answered and logged, and a failure fails the invocation.
func TestScheduledEventExpiresOffers(t *testing.T) {
	b, err := os.ReadFile("../../events/offers-scheduled.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.EventBridgeEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	f := &fakeOffers{st: appointments.Expired{Expired: 3, Passed: 2, Freed: 1}}
	h := &handler{offers: f, log: logging.New(&log, "info")}
	st, err := h.handle(context.Background(), ev)
	if err != nil || st != f.st || f.runs != 1 || !f.as[0].IsSystem() {
		t.Fatalf("got %+v %v, runs %d as %+v", st, err, f.runs, f.as)
	}
	if !strings.Contains(log.String(), `"passed":2`) || !strings.Contains(log.String(), `"freed":1`) {
		t.Errorf("log: %s", log.String())
	}
	f.err = errors.New("table unreachable")
	if _, err := h.handle(context.Background(), ev); err == nil {
		t.Error("a failed run did not fail the invocation")
	}
}
