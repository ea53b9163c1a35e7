package httpapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kabinet/kabinet/shared/problem"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func routed(key string) Request {
	return Request{RouteKey: key, RawPath: "/p", RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "rid"}}
}

func TestRouterDispatch(t *testing.T) {
	r := NewRouter("me", discardLogger())
	r.Handle("GET /me", func(ctx context.Context, req *Request) (Response, error) {
		return JSON(200, map[string]string{"route": "get"})
	})
	r.Handle("PUT /me/settings", func(ctx context.Context, req *Request) (Response, error) {
		return Response{}, problem.Conflict("stale_version", "Данные изменились")
	})
	r.Handle("GET /me/settings", func(ctx context.Context, req *Request) (Response, error) {
		return Response{}, errors.New("database password=hunter2 leaked")
	})
	tests := []struct {
		name       string
		key        string
		wantStatus int
		wantBody   string
		notInBody  string
	}{
		{"registered route", "GET /me", 200, `{"route":"get"}`, ""},
		{"problem from handler", "PUT /me/settings", 409, "stale_version", ""},
		{"plain error from handler", "GET /me/settings", 500, `"internal"`, "hunter2"},
		{"unknown route key", "DELETE /me", 404, "not_found", ""},
		{"empty route key", "", 404, "not_found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := r.Serve(context.Background(), routed(tt.key))
			if err != nil {
				t.Fatalf("Serve() error = %v, want nil (errors become responses)", err)
			}
			if res.StatusCode != tt.wantStatus {
				t.Errorf("StatusCode = %d, want %d", res.StatusCode, tt.wantStatus)
			}
			if !strings.Contains(res.Body, tt.wantBody) {
				t.Errorf("Body = %s, want it to contain %s", res.Body, tt.wantBody)
			}
			if tt.notInBody != "" && strings.Contains(res.Body, tt.notInBody) {
				t.Errorf("Body = %s reveals %q", res.Body, tt.notInBody)
			}
			if tt.wantStatus >= 400 && !strings.HasPrefix(res.Headers["Content-Type"], "application/problem+json") {
				t.Errorf("Content-Type = %q, want problem+json", res.Headers["Content-Type"])
			}
		})
	}
}

func TestRouterRecoversPanics(t *testing.T) {
	var logs bytes.Buffer
	r := NewRouter("me", slog.New(slog.NewJSONHandler(&logs, nil)))
	r.Handle("GET /me", func(ctx context.Context, req *Request) (Response, error) {
		panic("secret panic text: index out of range")
	})
	r.HandleAuthed("GET /me/settings", func(ctx context.Context, req *Request, id Identity) (Response, error) {
		empty := []int{}
		return Response{StatusCode: empty[len(req.RouteKey)]}, nil // index out of range: a runtime panic
	})
	for _, key := range []string{"GET /me", "GET /me/settings"} {
		t.Run(key, func(t *testing.T) {
			req := routed(key)
			req.RequestContext.Authorizer = withClaims(map[string]string{"sub": "s"}).RequestContext.Authorizer
			res, err := r.Serve(context.Background(), req)
			if err != nil {
				t.Fatalf("Serve() error = %v, want nil", err)
			}
			if res.StatusCode != 500 {
				t.Errorf("StatusCode = %d, want 500", res.StatusCode)
			}
			for _, leak := range []string{"panic", "secret", "nil map", "goroutine"} {
				if strings.Contains(res.Body, leak) {
					t.Errorf("Body = %s reveals %q", res.Body, leak)
				}
			}
			if !strings.Contains(res.Body, `"code":"internal"`) {
				t.Errorf("Body = %s, want the internal problem", res.Body)
			}
		})
	}
	if !strings.Contains(logs.String(), "secret panic text") {
		t.Errorf("logs do not record the panic: %s", logs.String())
	}
}

// guardFunc adapts a function to SessionGuard.
type guardFunc func(context.Context, Identity) (Identity, error)

func (f guardFunc) Admit(ctx context.Context, id Identity) (Identity, error) { return f(ctx, id) }

func TestAuthedRoutesFailClosedWithoutAGuard(t *testing.T) {
	r := NewRouter("me", discardLogger())
	r.HandleAuthed("GET /me", func(context.Context, *Request, Identity) (Response, error) { return NoContent(), nil })
	req := routed("GET /me")
	req.RequestContext.Authorizer = withClaims(map[string]string{"sub": "abc"}).RequestContext.Authorizer
	if res, _ := r.Serve(context.Background(), req); res.StatusCode != 500 {
		t.Errorf("StatusCode = %d, want 500 without a session guard", res.StatusCode)
	}
}

func TestGuardRefusalStopsTheHandler(t *testing.T) {
	r := NewRouter("me", discardLogger()).Guard(guardFunc(func(_ context.Context, id Identity) (Identity, error) {
		return id, problem.New(problem.KindUnauthenticated, "session_ended", "Сеанс завершён")
	}))
	called := false
	r.HandleAuthed("GET /me", func(context.Context, *Request, Identity) (Response, error) { called = true; return NoContent(), nil })
	req := routed("GET /me")
	req.RequestContext.Authorizer = withClaims(map[string]string{"sub": "abc"}).RequestContext.Authorizer
	if res, _ := r.Serve(context.Background(), req); res.StatusCode != 401 || called {
		t.Errorf("StatusCode = %d, handler called %v; want 401 and no call", res.StatusCode, called)
	}
}

func TestRouterHandleAuthed(t *testing.T) {
	r := NewRouter("me", discardLogger()).Guard(guardFunc(func(_ context.Context, id Identity) (Identity, error) {
		id.SessionID = "s1"
		return id, nil
	}))
	var got Identity
	called := 0
	r.HandleAuthed("GET /me", func(ctx context.Context, req *Request, id Identity) (Response, error) {
		called++
		got = id
		return NoContent(), nil
	})
	t.Run("without claims", func(t *testing.T) {
		res, _ := r.Serve(context.Background(), routed("GET /me"))
		if res.StatusCode != 401 {
			t.Errorf("StatusCode = %d, want 401", res.StatusCode)
		}
		if res.Headers["WWW-Authenticate"] == "" {
			t.Errorf("no WWW-Authenticate header on 401")
		}
		if called != 0 {
			t.Errorf("handler called %d times, want 0", called)
		}
	})
	t.Run("with claims", func(t *testing.T) {
		req := routed("GET /me")
		req.RequestContext.Authorizer = withClaims(map[string]string{"sub": "abc", "cognito:groups": "[citizens]"}).RequestContext.Authorizer
		res, _ := r.Serve(context.Background(), req)
		if res.StatusCode != 204 {
			t.Errorf("StatusCode = %d, want 204", res.StatusCode)
		}
		if got.Subject != "abc" || !slices.Equal(got.Groups, []string{"citizens"}) {
			t.Errorf("identity = %+v, want sub abc in citizens", got)
		}
	})
}

func TestRouterMismatch(t *testing.T) {
	noop := func(ctx context.Context, req *Request) (Response, error) { return NoContent(), nil }
	tests := []struct {
		name     string
		function string
		keys     []string
		want     []string
	}{
		{"me missing one and one extra", "me", []string{"GET /me", "GET /me/settings", "PUT /me/settings", "POST /me"},
			[]string{"handler for POST /me is not in the routes table", "no handler for GET /agency/whoami"}},
		{"health complete", "health", []string{"GET /health"}, nil},
		{"fallback uses $default", "fallback", []string{"$default"}, nil},
		{"fallback missing", "fallback", nil, []string{"no handler for $default"}},
		{"unknown function", "nobody", []string{"GET /x"}, []string{"handler for GET /x is not in the routes table"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRouter(tt.function, discardLogger())
			for _, k := range tt.keys {
				r.Handle(k, noop)
			}
			if got := r.Mismatch(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Mismatch() = %q, want %q", got, tt.want)
			}
		})
	}
}
