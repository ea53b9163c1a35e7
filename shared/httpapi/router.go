package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"time"

	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/routes"
)

// Handler serves one route. Errors are rendered as problem+json by the Router.
type Handler func(ctx context.Context, req *Request) (Response, error)

// AuthedHandler is a Handler that needs a verified identity.
type AuthedHandler func(ctx context.Context, req *Request, id Identity) (Response, error)

// MachineHandler is a Handler for a route that agency or partner systems
// call as themselves.
type MachineHandler func(ctx context.Context, req *Request, m Machine) (Response, error)

// Router dispatches payload-2.0 events by their route key ("GET /health"),
// which API Gateway sets to the template route that matched.
type Router struct {
	function string
	log      *slog.Logger
	handlers map[string]Handler
	// machine names the routes registered with HandleMachine.
	machine map[string]bool
	guard   SessionGuard
}

// SessionGuard decides whether a token the JWT authorizer accepted may still
// be used: the authorizer cannot know that its session was ended, that it was
// obtained around the portal's own sign-in rules, or the session's state.
type SessionGuard interface {
	// Admit returns the identity completed with its session, or 401 when the
	// token's session does not exist or has ended.
	Admit(ctx context.Context, id Identity) (Identity, error)
}

// Guard sets the session guard that every authed route passes through.
// Routes registered with HandleAuthed fail closed (500) without one.
func (r *Router) Guard(g SessionGuard) *Router {
	r.guard = g
	return r
}

// NewRouter returns a router for one function of the routes table.
func NewRouter(function string, log *slog.Logger) *Router {
	if log == nil {
		log = slog.Default()
	}
	return &Router{function: function, log: log, handlers: map[string]Handler{}, machine: map[string]bool{}}
}

// Handle registers a handler for a route key.
func (r *Router) Handle(routeKey string, h Handler) {
	r.handlers[routeKey] = h
	delete(r.machine, routeKey)
}

// HandleAuthed registers a handler that receives the caller's identity; a
// request without one is answered 401 before the handler runs.
func (r *Router) HandleAuthed(routeKey string, h AuthedHandler) {
	r.handlers[routeKey] = func(ctx context.Context, req *Request) (Response, error) {
		id, err := ReadIdentity(req)
		if err != nil {
			return Response{}, err
		}
		if r.guard == nil {
			return Response{}, problem.Internal(fmt.Errorf("%s: route %s has no session guard", r.function, routeKey))
		}
		if id, err = r.guard.Admit(ctx, id); err != nil {
			return Response{}, err
		}
		return h(ctx, req, id)
	}
	delete(r.machine, routeKey)
}

// HandleMachine registers a handler that receives the calling system; a
// request without a system's token (none, or a person's) is answered 401
// and one whose token holds not exactly one organisation scope 403, before
// the handler runs. Systems have no session: the session guard is not
// passed.
func (r *Router) HandleMachine(routeKey string, h MachineHandler) {
	r.handlers[routeKey] = func(ctx context.Context, req *Request) (Response, error) {
		m, err := ReadMachine(req)
		if err != nil {
			return Response{}, err
		}
		return h(ctx, req, m)
	}
	r.machine[routeKey] = true
}

// Mismatch lists the differences between the routes table and the registered
// handlers for this function: routes with no handler, handlers with no
// route, and a machine route (routes.Route.Machine) whose handler is not
// registered with HandleMachine, or the other way round.
func (r *Router) Mismatch() []string {
	var out []string
	want := map[string]bool{}
	for _, rt := range routes.ForFunction(r.function) {
		want[rt.Key()] = true
		if _, ok := r.handlers[rt.Key()]; !ok {
			out = append(out, "no handler for "+rt.Key())
		} else if rt.Machine && !r.machine[rt.Key()] {
			out = append(out, rt.Key()+" is a machine route but not registered with HandleMachine")
		} else if !rt.Machine && r.machine[rt.Key()] {
			out = append(out, rt.Key()+" is registered with HandleMachine but is no machine route")
		}
	}
	for k := range r.handlers {
		if !want[k] {
			out = append(out, "handler for "+k+" is not in the routes table")
		}
	}
	sort.Strings(out)
	return out
}

// Serve is the Lambda entry point. It always returns a response: errors become
// problem+json, panics become a 500 that reveals nothing, and each request is
// logged with its id, route, caller and outcome but no personal data.
func (r *Router) Serve(ctx context.Context, req Request) (resp Response, _ error) {
	start := time.Now()
	log := r.log.With("requestId", req.RequestContext.RequestID, "route", req.RouteKey, "function", r.function)
	if a := req.RequestContext.Authorizer; a != nil && a.JWT != nil {
		log = log.With("user", a.JWT.Claims["sub"])
	}
	ctx = logging.WithLogger(ctx, log)
	defer func() {
		if p := recover(); p != nil {
			log.Error("panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			resp = ProblemResponse(problem.Internal(fmt.Errorf("panic: %v", p)), req.RequestContext.RequestID, req.RawPath)
		}
		log.Info("request", "status", resp.StatusCode, "ms", time.Since(start).Milliseconds())
	}()
	h, ok := r.handlers[req.RouteKey]
	if !ok {
		return ProblemResponse(problem.NotFound("маршрут"), req.RequestContext.RequestID, req.RawPath), nil
	}
	resp, err := h(ctx, &req)
	if err != nil {
		if problem.KindOf(err) == problem.KindInternal {
			log.Error("request failed", "err", err)
		} else if pe, ok := problem.As(err); ok {
			log.Info("request refused", "problem", pe.Code)
		}
		return ProblemResponse(err, req.RequestContext.RequestID, req.RawPath), nil
	}
	return resp, nil
}
