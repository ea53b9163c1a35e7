package httpapitest

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/httpapi"
)

// Call is one service call a fake saw: the method, the acting identity
// and the arguments the test cares about.
type Call struct {
	Method string
	Actor  actor.Actor
	Args   []string
}

// Recorder is the heart of a hand-written fake service: each fake method
// records its call and answers with Err (nil: the fake's zero values).
type Recorder struct {
	mu    sync.Mutex
	calls []Call
	// Err is what every call answers.
	Err error
}

// Record notes a call and returns Err.
func (r *Recorder) Record(method string, a actor.Actor, args ...string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, Call{Method: method, Actor: a, Args: args})
	return r.Err
}

// Calls are the calls so far.
func (r *Recorder) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// Route is one case of a route table test: the sample event in events/, the
// service method it must reach, the status it answers, and (when not nil)
// the arguments.
type Route struct {
	Event, Method string
	Status        int
	Args          []string
}

// CheckRoutes serves each route's sample event (from ../../events, as a
// function's tests run) with a router over a fresh fake from newFake, and
// checks the answer's status and that the service method was called once
// with the caller the event's claims describe: the subject, groups and
// sign-in time, and the address of the request unless anonymous says the
// method takes none.
func CheckRoutes(t *testing.T, routes []Route, newFake func() (*httpapi.Router, *Recorder), noAddress ...string) {
	t.Helper()
	for _, c := range routes {
		t.Run(c.Event, func(t *testing.T) {
			req, err := httpapi.ReadEvent("../../events/" + c.Event)
			if err != nil {
				t.Fatal(err)
			}
			router, rec := newFake()
			res, _ := router.Serve(context.Background(), req)
			var got *Call
			for _, call := range rec.Calls() {
				if call.Method == c.Method {
					got = &call
					break
				}
			}
			if res.StatusCode != c.Status || got == nil {
				t.Fatalf("got %d %s with calls %+v, want %d from %s", res.StatusCode, res.Body, rec.Calls(), c.Status, c.Method)
			}
			if ip := req.RequestContext.HTTP.SourceIP; got.Actor.IP != ip && !slices.Contains(noAddress, c.Method) {
				t.Errorf("the service saw address %q, want the request's %q", got.Actor.IP, ip)
			}
			if req.RequestContext.Authorizer != nil && req.RequestContext.Authorizer.JWT != nil {
				id, _ := httpapi.ReadIdentity(&req)
				if got.Actor.Sub != id.Subject {
					t.Errorf("the service saw caller %q, want %q", got.Actor.Sub, id.Subject)
				}
				if got.Actor.IP != "" && (!got.Actor.AuthTime.Equal(id.AuthTime) || !slices.Equal(got.Actor.Groups, id.Groups)) {
					t.Errorf("the service saw %+v; want the caller's groups and sign-in time (%+v)", got.Actor, id)
				}
			}
			if c.Args != nil && !slices.Equal(got.Args, c.Args) {
				t.Errorf("args = %v, want %v", got.Args, c.Args)
			}
		})
	}
}
