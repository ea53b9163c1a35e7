package gateway

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kabinet/kabinet/shared/clock"
)

// fakeFunction is a hand-written Invoker that records every payload.
type fakeFunction struct {
	name   string
	invoke func(ctx context.Context, payload []byte) ([]byte, error)

	mu       sync.Mutex
	payloads [][]byte
}

func (f *fakeFunction) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	f.mu.Lock()
	f.payloads = append(f.payloads, payload)
	f.mu.Unlock()
	if f.invoke != nil {
		return f.invoke(ctx, payload)
	}
	return json.Marshal(events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: f.name,
		Headers: map[string]string{"Content-Type": "text/plain"}})
}

// last returns the last event the function received.
func (f *fakeFunction) last(t *testing.T) events.APIGatewayV2HTTPRequest {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.payloads) == 0 {
		t.Fatalf("function %s was not invoked", f.name)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(f.payloads[len(f.payloads)-1], &ev); err != nil {
		t.Fatalf("payload is not a payload-2.0 event: %v", err)
	}
	return ev
}

func (f *fakeFunction) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.payloads)
}

type testGateway struct {
	*Gateway
	fns map[string]*fakeFunction
}

// newGateway builds a gateway over fake functions; each route answers with
// its function's name.
func newGateway(t *testing.T, withFallback bool) *testGateway {
	t.Helper()
	a, _ := newAuthorizer(t)
	fns := map[string]*fakeFunction{}
	fn := func(name string) *fakeFunction {
		if fns[name] == nil {
			fns[name] = &fakeFunction{name: name}
		}
		return fns[name]
	}
	rs := []*Route{
		{Method: "GET", Path: "/health", Public: true, Function: fn("health")},
		{Method: "POST", Path: "/upload", Public: true, Function: fn("upload")},
		{Method: "ANY", Path: "/files/{proxy+}", Public: true, Function: fn("files")},
		{Method: "GET", Path: "/docs/x/{proxy+}", Public: true, Function: fn("docsProxy")},
		{Method: "GET", Path: "/{a}/{b}/{c}", Public: true, Function: fn("three")},
		{Method: "GET", Path: "/items/{id}", Authorizer: "Cognito", Function: fn("items")},
		{Method: "GET", Path: "/items/special", Authorizer: "Cognito", Function: fn("special")},
		{Method: "ANY", Path: "/things/{id}", Public: true, Function: fn("anyThings")},
		{Method: "GET", Path: "/things/{id}", Public: true, Function: fn("getThings")},
		{Method: "GET", Path: "/users/{user}/docs/{doc}", Public: true, Function: fn("userDoc")},
	}
	if withFallback {
		rs = append(rs, &Route{Method: "ANY", Path: "$default", Public: true, Function: fn("fallback")})
	}
	g, err := New(rs, map[string]*Authorizer{"Cognito": a}, clock.NewManual(testNow), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return &testGateway{Gateway: g, fns: fns}
}

func (g *testGateway) do(t *testing.T, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	return rec
}

func TestGatewayRouteMatching(t *testing.T) {
	g := newGateway(t, true)
	token := "Bearer " + sign(t, accessClaims(), signingKey, testKid)
	tests := []struct {
		name       string
		method     string
		path       string
		wantFn     string
		wantKey    string
		wantParams map[string]string
	}{
		{"literal", "GET", "/health", "health", "GET /health", nil},
		{"path parameter", "GET", "/items/42", "items", "GET /items/{id}", map[string]string{"id": "42"}},
		{"literal beats a parameter", "GET", "/items/special", "special", "GET /items/special", nil},
		{"greedy", "DELETE", "/files/a/b/c.pdf", "files", "ANY /files/{proxy+}", map[string]string{"proxy": "a/b/c.pdf"}},
		{"greedy one segment", "GET", "/files/x", "files", "ANY /files/{proxy+}", map[string]string{"proxy": "x"}},
		{"non-greedy beats greedy", "GET", "/docs/x/y", "three", "GET /{a}/{b}/{c}", map[string]string{"a": "docs", "b": "x", "c": "y"}},
		{"greedy when nothing else fits", "GET", "/docs/x/y/z", "docsProxy", "GET /docs/x/{proxy+}", map[string]string{"proxy": "y/z"}},
		{"explicit method beats ANY", "GET", "/things/1", "getThings", "GET /things/{id}", map[string]string{"id": "1"}},
		{"ANY for other methods", "PATCH", "/things/1", "anyThings", "ANY /things/{id}", map[string]string{"id": "1"}},
		{"two parameters", "GET", "/users/u1/docs/d2", "userDoc", "GET /users/{user}/docs/{doc}", map[string]string{"user": "u1", "doc": "d2"}},
		{"wrong method falls back", "POST", "/health", "fallback", "$default", nil},
		{"unknown path falls back", "GET", "/nowhere", "fallback", "$default", nil},
		{"greedy needs a segment", "GET", "/files/", "fallback", "$default", nil},
		{"trailing slash is another path", "GET", "/health/", "fallback", "$default", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, nil)
			req.Header.Set("Authorization", token)
			rec := g.do(t, req)
			if rec.Code != 200 || rec.Body.String() != tt.wantFn {
				t.Fatalf("%s %s = %d %q, want 200 from %s", tt.method, tt.path, rec.Code, rec.Body.String(), tt.wantFn)
			}
			ev := g.fns[tt.wantFn].last(t)
			if ev.RouteKey != tt.wantKey || ev.RequestContext.RouteKey != tt.wantKey {
				t.Errorf("routeKey = %q / %q, want %q", ev.RouteKey, ev.RequestContext.RouteKey, tt.wantKey)
			}
			if !reflect.DeepEqual(ev.PathParameters, tt.wantParams) {
				t.Errorf("pathParameters = %v, want %v", ev.PathParameters, tt.wantParams)
			}
			if ev.RawPath != tt.path || ev.RequestContext.HTTP.Method != tt.method || ev.RequestContext.HTTP.Path != tt.path {
				t.Errorf("rawPath, method, path = %q %q %q; want %q %q", ev.RawPath, ev.RequestContext.HTTP.Method, ev.RequestContext.HTTP.Path, tt.path, tt.method)
			}
		})
	}
}

func TestGatewayWithoutFallback(t *testing.T) {
	g := newGateway(t, false)
	rec := g.do(t, httptest.NewRequest("GET", "/nowhere", nil))
	if rec.Code != 404 || rec.Body.String() != `{"message":"Not Found"}` {
		t.Errorf("GET /nowhere = %d %s, want 404 {\"message\":\"Not Found\"}", rec.Code, rec.Body.String())
	}
}

func TestGatewayAuthorization(t *testing.T) {
	tests := []struct {
		name   string
		header string
	}{
		{"no token", ""},
		{"malformed token", "Bearer abc"},
		{"token for another client", "Bearer " + sign(t, with(accessClaims(), map[string]any{"client_id": "x"}), signingKey, testKid)},
		{"token signed by another key", "Bearer " + sign(t, accessClaims(), otherKey, testKid)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGateway(t, true)
			req := httptest.NewRequest("GET", "/items/1", nil)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			rec := g.do(t, req)
			if rec.Code != 401 || rec.Body.String() != `{"message":"Unauthorized"}` {
				t.Errorf("GET /items/1 = %d %s, want 401 {\"message\":\"Unauthorized\"}", rec.Code, rec.Body.String())
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			if n := g.fns["items"].calls(); n != 0 {
				t.Errorf("protected function invoked %d times without a valid token", n)
			}
		})
	}

	t.Run("valid token reaches the function with claims", func(t *testing.T) {
		g := newGateway(t, true)
		req := httptest.NewRequest("GET", "/items/1", nil)
		req.Header.Set("Authorization", "Bearer "+sign(t, accessClaims(), signingKey, testKid))
		if rec := g.do(t, req); rec.Code != 200 {
			t.Fatalf("status = %d, want 200", rec.Code)
		}
		ev := g.fns["items"].last(t)
		a := ev.RequestContext.Authorizer
		if a == nil || a.JWT == nil {
			t.Fatal("event has no JWT authorizer")
		}
		if a.JWT.Claims["sub"] != "0a1b2c3d" || a.JWT.Claims["cognito:groups"] != "[citizens operators]" {
			t.Errorf("claims = %v", a.JWT.Claims)
		}
		if a.JWT.Scopes != nil || a.JWT.Claims["scope"] != "openid profile" {
			t.Errorf("scopes = %v, claim scope %q; want null on a route that requires none, and the claim as it is", a.JWT.Scopes, a.JWT.Claims["scope"])
		}
	})

	t.Run("public route gets no authorizer even with a token", func(t *testing.T) {
		g := newGateway(t, true)
		req := httptest.NewRequest("GET", "/health", nil)
		req.Header.Set("Authorization", "Bearer garbage")
		if rec := g.do(t, req); rec.Code != 200 {
			t.Fatalf("status = %d, want 200", rec.Code)
		}
		if ev := g.fns["health"].last(t); ev.RequestContext.Authorizer != nil {
			t.Errorf("authorizer = %+v, want none on a public route", ev.RequestContext.Authorizer)
		}
	})
}

func TestGatewayPayloadLimit(t *testing.T) {
	tests := []struct {
		name     string
		size     int
		wantCode int
	}{
		{"at the limit", MaxPayload, 200},
		{"one byte over", MaxPayload + 1, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGateway(t, true)
			req := httptest.NewRequest("POST", "/upload", bytes.NewReader(make([]byte, tt.size)))
			req.Header.Set("Content-Type", "application/octet-stream")
			rec := g.do(t, req)
			if rec.Code != tt.wantCode {
				t.Fatalf("status = %d, want %d", rec.Code, tt.wantCode)
			}
			if tt.wantCode == 413 {
				if rec.Body.String() != `{"message":"Request Entity Too Large"}` {
					t.Errorf("body = %s", rec.Body.String())
				}
				if n := g.fns["upload"].calls(); n != 0 {
					t.Errorf("function invoked %d times for an oversized body", n)
				}
			}
		})
	}
}

func TestGatewayEvent(t *testing.T) {
	g := newGateway(t, true)
	req := httptest.NewRequest("POST", "/upload?a=1&b=x%20y&a=2", strings.NewReader(`{"name":"Иван"}`))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("X-Custom", "v1")
	req.Header.Add("X-Multi", "m1")
	req.Header.Add("X-Multi", "m2")
	req.Header.Set("User-Agent", "test-agent")
	req.Header.Set("X-Forwarded-For", "203.0.113.7, 10.0.0.1")
	req.AddCookie(&http.Cookie{Name: "session", Value: "s1"})
	req.AddCookie(&http.Cookie{Name: "theme", Value: "dark"})
	if rec := g.do(t, req); rec.Code != 200 {
		t.Fatalf("status = %d, want 200", rec.Code)
	}
	ev := g.fns["upload"].last(t)
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"version", ev.Version, "2.0"},
		{"raw query string", ev.RawQueryString, "a=1&b=x%20y&a=2"},
		{"query parameters", ev.QueryStringParameters, map[string]string{"a": "1,2", "b": "x y"}},
		{"lower-cased header", ev.Headers["x-custom"], "v1"},
		{"repeated header", ev.Headers["x-multi"], "m1,m2"},
		{"content type", ev.Headers["content-type"], "application/json; charset=utf-8"},
		{"no cookie header", ev.Headers["cookie"], ""},
		{"cookies", ev.Cookies, []string{"session=s1", "theme=dark"}},
		{"host", ev.Headers["host"], "example.com"},
		{"source ip from X-Forwarded-For", ev.RequestContext.HTTP.SourceIP, "203.0.113.7"},
		{"user agent", ev.RequestContext.HTTP.UserAgent, "test-agent"},
		{"text body as is", ev.Body, `{"name":"Иван"}`},
		{"text body not base64", ev.IsBase64Encoded, false},
		{"time from the clock", ev.RequestContext.TimeEpoch, testNow.UnixMilli()},
		{"stage", ev.RequestContext.Stage, "$default"},
		{"no path parameters", ev.PathParameters, map[string]string(nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %#v, want %#v", tt.got, tt.want)
			}
		})
	}
	if ev.RequestContext.RequestID == "" {
		t.Errorf("requestId is empty")
	}

	// Request ids differ between requests.
	g.do(t, httptest.NewRequest("POST", "/upload", nil))
	if next := g.fns["upload"].last(t); next.RequestContext.RequestID == ev.RequestContext.RequestID {
		t.Errorf("two requests share the request id %s", ev.RequestContext.RequestID)
	}
	if next := g.fns["upload"].last(t); next.QueryStringParameters != nil || next.Body != "" {
		t.Errorf("request without query or body: query %v body %q, want none", next.QueryStringParameters, next.Body)
	}
}

func TestGatewayBinaryBody(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        []byte
		wantBase64  bool
	}{
		{"pdf", "application/pdf", []byte("%PDF-1.4\x00\xff\xfe"), true},
		{"no content type", "", []byte("plain"), true},
		{"json with invalid UTF-8", "application/json", []byte("{\"a\":\"\xff\"}"), true},
		{"form", "application/x-www-form-urlencoded", []byte("a=1&b=2"), false},
		{"text", "text/plain; charset=utf-8", []byte("привет"), false},
		{"problem json", "application/problem+json", []byte(`{}`), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGateway(t, true)
			req := httptest.NewRequest("POST", "/upload", bytes.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			g.do(t, req)
			ev := g.fns["upload"].last(t)
			if ev.IsBase64Encoded != tt.wantBase64 {
				t.Errorf("isBase64Encoded = %v, want %v", ev.IsBase64Encoded, tt.wantBase64)
			}
			got := []byte(ev.Body)
			if ev.IsBase64Encoded {
				var err error
				if got, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
					t.Fatalf("body is not base64: %v", err)
				}
			}
			if !bytes.Equal(got, tt.body) {
				t.Errorf("body = %q, want %q", got, tt.body)
			}
		})
	}
}

func TestGatewayFunctionAnswers(t *testing.T) {
	resp := func(v any) func(context.Context, []byte) ([]byte, error) {
		return func(context.Context, []byte) ([]byte, error) { return json.Marshal(v) }
	}
	tests := []struct {
		name        string
		invoke      func(context.Context, []byte) ([]byte, error)
		wantCode    int
		wantBody    string
		wantHeaders map[string]string
		wantCookies []string
	}{
		{"function error", func(context.Context, []byte) ([]byte, error) { return nil, errors.New("crash: secret") },
			500, `{"message":"Internal Server Error"}`, map[string]string{"Content-Type": "application/json"}, nil},
		{"status headers and body", resp(map[string]any{"statusCode": 409, "body": `{"code":"conflict"}`,
			"headers": map[string]string{"Content-Type": "application/problem+json", "Retry-After": "3"}}),
			409, `{"code":"conflict"}`, map[string]string{"Content-Type": "application/problem+json", "Retry-After": "3"}, nil},
		{"base64 body", resp(map[string]any{"statusCode": 200, "isBase64Encoded": true,
			"body": base64.StdEncoding.EncodeToString([]byte("%PDF-\x00\x01")), "headers": map[string]string{"Content-Type": "application/pdf"}}),
			200, "%PDF-\x00\x01", map[string]string{"Content-Type": "application/pdf"}, nil},
		{"no content", resp(map[string]any{"statusCode": 204}), 204, "", nil, nil},
		{"cookies and multi-value headers", resp(map[string]any{"statusCode": 200, "body": "ok",
			"cookies": []string{"a=1; Secure", "b=2"}, "multiValueHeaders": map[string][]string{"Vary": {"Origin", "Accept"}}}),
			200, "ok", nil, []string{"a=1; Secure", "b=2"}},
		{"plain JSON without statusCode", resp(map[string]any{"hello": "world"}),
			200, `{"hello":"world"}`, map[string]string{"Content-Type": "application/json"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGateway(t, true)
			g.fns["health"].invoke = tt.invoke
			rec := g.do(t, httptest.NewRequest("GET", "/health", nil))
			if rec.Code != tt.wantCode || rec.Body.String() != tt.wantBody {
				t.Errorf("response = %d %q, want %d %q", rec.Code, rec.Body.String(), tt.wantCode, tt.wantBody)
			}
			for k, v := range tt.wantHeaders {
				if got := rec.Header().Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if tt.wantCookies != nil && !reflect.DeepEqual(rec.Header().Values("Set-Cookie"), tt.wantCookies) {
				t.Errorf("Set-Cookie = %q, want %q", rec.Header().Values("Set-Cookie"), tt.wantCookies)
			}
			if tt.name == "cookies and multi-value headers" && !reflect.DeepEqual(rec.Header().Values("Vary"), []string{"Origin", "Accept"}) {
				t.Errorf("Vary = %q, want [Origin Accept]", rec.Header().Values("Vary"))
			}
		})
	}
}

func TestGatewayCORS(t *testing.T) {
	g := newGateway(t, true)
	req := httptest.NewRequest("OPTIONS", "/items/1", nil)
	req.Header.Set("Origin", "http://localhost:5173")
	req.Header.Set("Access-Control-Request-Method", "PUT")
	rec := g.do(t, req)
	if rec.Code != 204 || rec.Header().Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(rec.Header().Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("preflight = %d %v, want 204 with CORS headers", rec.Code, rec.Header())
	}
	if n := g.fns["items"].calls() + g.fns["fallback"].calls(); n != 0 {
		t.Errorf("preflight invoked a function %d times", n)
	}

	req = httptest.NewRequest("GET", "/health", nil)
	req.Header.Set("Origin", "http://localhost:5173")
	rec = g.do(t, req)
	if rec.Header().Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(rec.Header().Get("Access-Control-Expose-Headers"), "ETag") {
		t.Errorf("simple request headers = %v, want CORS headers", rec.Header())
	}
}
