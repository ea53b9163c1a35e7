// Package gateway is the local stand-in for API Gateway's HTTP API: it
// matches a request to a template route, enforces the route's JWT authorizer
// and authorization scopes, turns the request into a payload-2.0 event,
// invokes the function and turns its answer back into HTTP, including API
// Gateway's own answers (401, 403, 413, 500).
package gateway

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/routes"
)

// Invoker runs a function with a payload.
type Invoker interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// Route binds a template route to a function.
type Route struct {
	Method string // ANY matches every method
	Path   string // "$default" for the catch-all route
	Public bool
	// Authorizer names the route's JWT authorizer (unless Public).
	Authorizer string
	// Scopes are the route's authorization scopes: when there are any, a
	// token must hold one of them, else 403.
	Scopes   []string
	Function Invoker

	re      *regexp.Regexp
	capture *regexp.Regexp
	params  []string
}

// MaxPayload is API Gateway's request size limit.
const MaxPayload = 10 << 20

// Gateway is an http.Handler.
type Gateway struct {
	routes   []*Route
	fallback *Route
	auths    map[string]*Authorizer
	clock    clock.Clock
	log      *slog.Logger
	seq      atomic.Int64
	// CORSOrigin is the allowed origin ("*" locally).
	CORSOrigin string
}

var paramName = regexp.MustCompile(`\{([^}/+]+)\+?\}`)

// New builds a gateway over routes and the authorizers they name; a
// protected route naming none of them is an error, as API Gateway would not
// deploy it. Routes are ordered as API Gateway prefers them: the most
// specific path (most literal segments, fewest parameters, greedy last).
func New(rs []*Route, auths map[string]*Authorizer, c clock.Clock, log *slog.Logger) (*Gateway, error) {
	g := &Gateway{auths: auths, clock: c, log: log, CORSOrigin: "*"}
	for _, r := range rs {
		if _, ok := auths[r.Authorizer]; !r.Public && !ok {
			return nil, fmt.Errorf("route %s %s: no authorizer %q", r.Method, r.Path, r.Authorizer)
		}
		if r.Path == "$default" {
			g.fallback = r
			continue
		}
		r.re = routes.Pattern(r.Path)
		for _, m := range paramName.FindAllStringSubmatch(r.Path, -1) {
			r.params = append(r.params, m[1])
		}
		// The same pattern with a capture group per parameter, in order.
		r.capture = regexp.MustCompile(strings.ReplaceAll(strings.ReplaceAll(r.re.String(), "[^/]+", "([^/]+)"), ".+", "(.+)"))
		g.routes = append(g.routes, r)
	}
	sort.SliceStable(g.routes, func(i, j int) bool { return specificity(g.routes[i]) > specificity(g.routes[j]) })
	return g, nil
}

// specificity ranks routes as API Gateway does: any route without a greedy
// {proxy+} beats every greedy one, then literal segments beat parameters,
// and an explicit method beats ANY.
func specificity(r *Route) int {
	score := 0
	if strings.Contains(r.Path, "+}") {
		score -= 1 << 20
	}
	if r.Method == "ANY" {
		score--
	}
	for _, seg := range strings.Split(r.Path, "/") {
		switch {
		case strings.HasSuffix(seg, "+}"):
			score += 0
		case strings.HasPrefix(seg, "{"):
			score += 1
		default:
			score += 3
		}
	}
	return score
}

func (g *Gateway) match(method, path string) (*Route, map[string]string) {
	for _, r := range g.routes {
		if r.Method != method && r.Method != "ANY" {
			continue
		}
		if !r.re.MatchString(path) {
			continue
		}
		params := map[string]string{}
		if len(r.params) > 0 {
			if m := r.capture.FindStringSubmatch(path); m != nil {
				for i, name := range r.params {
					if i+1 < len(m) {
						params[name] = m[i+1]
					}
				}
			}
		}
		return r, params
	}
	return nil, nil
}

func writeAPIGW(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Apigw-Requestid", "local")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer`)
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `{"message":"`+msg+`"}`)
}

// ServeHTTP handles one request.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if g.CORSOrigin != "" && r.Header.Get("Origin") != "" {
		w.Header().Set("Access-Control-Allow-Origin", g.CORSOrigin)
		w.Header().Set("Access-Control-Expose-Headers", "ETag, Location, Retry-After")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
			w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type, If-Match, Idempotency-Key")
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	path := r.URL.Path
	route, params := g.match(r.Method, path)
	routeKey := ""
	if route != nil {
		routeKey = route.Method + " " + route.Path
	} else if g.fallback != nil {
		route, routeKey = g.fallback, "$default"
	} else {
		writeAPIGW(w, http.StatusNotFound, "Not Found")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	if err != nil {
		writeAPIGW(w, http.StatusBadRequest, "Bad Request")
		return
	}
	if len(body) > MaxPayload {
		writeAPIGW(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return
	}
	var claims map[string]string
	var scopes []string
	if !route.Public {
		claims, scopes, err = g.auths[route.Authorizer].Verify(r.Context(), r.Header.Get("Authorization"))
		if err != nil {
			g.log.Info("authorizer refused", "route", routeKey, "authorizer", route.Authorizer, "reason", err.Error())
			writeAPIGW(w, http.StatusUnauthorized, "Unauthorized")
			return
		}
		if len(route.Scopes) > 0 && !holdsOne(scopes, route.Scopes) {
			g.log.Info("authorizer refused", "route", routeKey, "authorizer", route.Authorizer, "reason", "no scope of the route")
			writeAPIGW(w, http.StatusForbidden, "Forbidden")
			return
		}
		if len(route.Scopes) == 0 {
			// API Gateway fills jwt.scopes only on a route that requires
			// scopes; elsewhere it is null (the scope claim stays).
			scopes = nil
		}
	}
	ev := g.event(r, routeKey, params, body, claims, scopes)
	payload, _ := json.Marshal(ev)
	out, err := route.Function.Invoke(r.Context(), payload)
	if err != nil {
		g.log.Error("integration failed", "route", routeKey, "err", err.Error())
		writeAPIGW(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	g.respond(w, out)
	g.log.Debug("request", "route", routeKey, "ms", time.Since(start).Milliseconds())
}

// holdsOne reports whether a token's scopes include one of a route's, as
// API Gateway requires.
func holdsOne(token, route []string) bool {
	for _, s := range route {
		if slices.Contains(token, s) {
			return true
		}
	}
	return false
}

func (g *Gateway) event(r *http.Request, routeKey string, params map[string]string, body []byte, claims map[string]string, scopes []string) events.APIGatewayV2HTTPRequest {
	now := g.clock.Now()
	headers := map[string]string{}
	for k, v := range r.Header {
		if strings.EqualFold(k, "Cookie") {
			continue
		}
		headers[strings.ToLower(k)] = strings.Join(v, ",")
	}
	if r.Host != "" {
		headers["host"] = r.Host
	}
	var query map[string]string
	if len(r.URL.Query()) > 0 {
		query = map[string]string{}
		for k, v := range r.URL.Query() {
			query[k] = strings.Join(v, ",")
		}
	}
	var cookies []string
	for _, c := range r.Cookies() {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	if fwd := r.Header.Get("X-Forwarded-For"); fwd != "" {
		ip = strings.TrimSpace(strings.Split(fwd, ",")[0])
	}
	id := g.seq.Add(1)
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: routeKey, RawPath: r.URL.EscapedPath(), RawQueryString: r.URL.RawQuery,
		Cookies: cookies, Headers: headers, QueryStringParameters: query, PathParameters: nilIfEmpty(params),
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: routeKey, AccountID: "000000000000", Stage: "$default", APIID: "local",
			DomainName: r.Host, DomainPrefix: "local",
			RequestID: "local-" + now.UTC().Format("20060102T150405") + "-" + itoa(id),
			Time:      now.UTC().Format("02/Jan/2006:15:04:05 -0700"), TimeEpoch: now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: r.Method, Path: r.URL.Path, Protocol: r.Proto, SourceIP: ip, UserAgent: r.UserAgent(),
			},
		},
	}
	if claims != nil {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims, Scopes: scopes},
		}
	}
	if len(body) > 0 {
		if isText(r.Header.Get("Content-Type")) && utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	return ev
}

func isText(ct string) bool {
	ct = strings.ToLower(ct)
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "json") || strings.Contains(ct, "xml") ||
		strings.Contains(ct, "x-www-form-urlencoded") || strings.Contains(ct, "javascript")
}

func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

func itoa(n int64) string {
	const digits = "0123456789"
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{digits[n%10]}, b...)
		n /= 10
	}
	return string(b)
}

// respond writes a function's payload-2.0 answer. A body that is not a
// response object is sent as JSON with 200, as API Gateway does.
func (g *Gateway) respond(w http.ResponseWriter, out []byte) {
	var res struct {
		StatusCode        int                 `json:"statusCode"`
		Headers           map[string]string   `json:"headers"`
		MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
		Cookies           []string            `json:"cookies"`
		Body              string              `json:"body"`
		IsBase64Encoded   bool                `json:"isBase64Encoded"`
	}
	if err := json.Unmarshal(out, &res); err != nil || res.StatusCode == 0 {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(out)
		return
	}
	for k, v := range res.Headers {
		w.Header().Set(k, v)
	}
	for k, vs := range res.MultiValueHeaders {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	for _, c := range res.Cookies {
		w.Header().Add("Set-Cookie", c)
	}
	body := []byte(res.Body)
	if res.IsBase64Encoded {
		if b, err := base64.StdEncoding.DecodeString(res.Body); err == nil {
			body = b
		}
	}
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(body)
}
