package httpapitest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/problem"
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

// Refusal is a request a handler must refuse before any service call: a
// sample event changed by Query (replacing the query string), Body and
// Headers (an empty value deletes the header), and the status and problem
// code it must get.
type Refusal struct {
	Event   string
	Query   map[string]string
	Body    string
	Headers map[string]string
	Status  int
	Code    string
}

// CheckRefusals serves each refusal with a router over a fresh fake and
// checks the status, the problem code and that no service was called.
func CheckRefusals(t *testing.T, cases []Refusal, newFake func() (*httpapi.Router, *Recorder)) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Event+" "+c.Body+fmt.Sprint(c.Query, c.Headers), func(t *testing.T) {
			req, err := httpapi.ReadEvent("../../events/" + c.Event)
			if err != nil {
				t.Fatal(err)
			}
			if c.Query != nil {
				req.QueryStringParameters = c.Query
			}
			if c.Body != "" {
				req.Body = c.Body
			}
			for k, v := range c.Headers {
				if v == "" {
					delete(req.Headers, k)
				} else {
					req.Headers[k] = v
				}
			}
			router, rec := newFake()
			res, _ := router.Serve(context.Background(), req)
			var p struct{ Code string }
			_ = json.Unmarshal([]byte(res.Body), &p)
			if res.StatusCode != c.Status || p.Code != c.Code || len(rec.Calls()) != 0 {
				t.Errorf("got %d %s and calls %+v, want %d %s and no call", res.StatusCode, res.Body, rec.Calls(), c.Status, c.Code)
			}
		})
	}
}

// Failure is a service error and what a handler must answer for it: the
// status, as problem+json, and any headers named.
type Failure struct {
	Event   string
	Err     error
	Status  int
	Headers map[string]string
}

// CheckFailures serves each event with a router over a fake whose calls
// all fail with the case's error, and checks the answer; an unclassified
// error must be a 500 that does not repeat it.
func CheckFailures(t *testing.T, cases []Failure, newFake func(err error) *httpapi.Router) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Event+" "+c.Err.Error(), func(t *testing.T) {
			req, err := httpapi.ReadEvent("../../events/" + c.Event)
			if err != nil {
				t.Fatal(err)
			}
			res, _ := newFake(c.Err).Serve(context.Background(), req)
			if res.StatusCode != c.Status || !strings.HasPrefix(res.Headers["Content-Type"], "application/problem+json") {
				t.Errorf("got %d %s %s, want %d problem+json", res.StatusCode, res.Headers["Content-Type"], res.Body, c.Status)
			}
			if _, ours := problem.As(c.Err); !ours && strings.Contains(res.Body, c.Err.Error()) {
				t.Errorf("the answer repeats the internal error: %s", res.Body)
			}
			for k, v := range c.Headers {
				if res.Headers[k] != v {
					t.Errorf("%s = %q, want %q", k, res.Headers[k], v)
				}
			}
		})
	}
}
