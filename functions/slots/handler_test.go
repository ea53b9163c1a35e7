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

// fakeSlots answers with m and err and keeps who asked.
type fakeSlots struct {
	m    appointments.Made
	err  error
	as   []actor.Actor
	runs int
}

func (f *fakeSlots) Materialise(_ context.Context, a actor.Actor) (appointments.Made, error) {
	f.runs++
	f.as = append(f.as, a)
	return f.m, f.err
}

// The scheduled sample makes the slots once, as the portal itself; what
// was made is answered and logged, and a failure fails the invocation.
func TestScheduledEventMakesTheSlots(t *testing.T) {
	b, err := os.ReadFile("../../events/slots-scheduled.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.EventBridgeEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	f := &fakeSlots{m: appointments.Made{Organisations: 6, Resources: 20, Days: 20, Slots: 312}}
	h := &handler{slots: f, log: logging.New(&log, "info")}
	m, err := h.handle(context.Background(), ev)
	if err != nil || m != f.m || f.runs != 1 || !f.as[0].IsSystem() {
		t.Fatalf("got %+v %v, runs %d as %+v", m, err, f.runs, f.as)
	}
	if !strings.Contains(log.String(), `"slots":312`) {
		t.Errorf("log: %s", log.String())
	}
	f.err = errors.New("table unreachable")
	if _, err := h.handle(context.Background(), ev); err == nil {
		t.Error("a failed run did not fail the invocation")
	}
}
