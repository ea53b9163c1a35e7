package gateway

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/coder/websocket"

	"github.com/kabinet/kabinet/shared/clock"
)

// WebSocket is the local stand-in for one API Gateway WebSocket API: it
// accepts connections and invokes the $connect route's function with API
// Gateway's event (refusing the upgrade with the function's status when it
// is not 2xx, and agreeing on the subprotocol the function answers in
// Sec-WebSocket-Protocol), selects each message's route by the body field
// the route selection names ($default, else API Gateway's "Forbidden"
// message), invokes $disconnect when a connection ends, and serves the
// @connections management API (POST, GET, DELETE
// /<stage>/@connections/{id}) on the same address, as API Gateway does on
// the API's own host.
type WebSocket struct {
	// Routes maps route keys to functions.
	Routes map[string]Invoker
	// BodyField is what the route selection reads ($request.body.<field>).
	BodyField string
	// Stage is the stage name the management API is under.
	Stage string
	Clock clock.Clock
	Log   *slog.Logger

	mu    sync.Mutex
	conns map[string]*wsConn
	seq   atomic.Int64
}

type wsConn struct {
	id          string
	c           *websocket.Conn
	connectedAt time.Time
	lastActive  atomic.Int64
	ip, agent   string
	writeMu     sync.Mutex
	closing     atomic.Bool
}

// NewWebSocket makes a WebSocket API over its routes.
func NewWebSocket(routes map[string]Invoker, bodyField, stage string, c clock.Clock, log *slog.Logger) *WebSocket {
	return &WebSocket{Routes: routes, BodyField: bodyField, Stage: stage, Clock: c, Log: log, conns: map[string]*wsConn{}}
}

// ManagementPath is where the @connections API is, under the stage.
const ManagementPath = "/@connections/"

// ServeHTTP serves the management API and WebSocket upgrades.
func (w *WebSocket) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/"+w.Stage+ManagementPath); ok {
		id, err := url.PathUnescape(rest)
		if err != nil {
			http.Error(rw, "bad connection id", http.StatusBadRequest)
			return
		}
		w.manage(rw, r, id)
		return
	}
	w.accept(rw, r)
}

func (w *WebSocket) newID() string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	// API Gateway's ids are 12 base64 characters ending in "=".
	return base64.StdEncoding.EncodeToString(b[:])[:11] + "="
}

func (w *WebSocket) event(routeKey, eventType, connID string, r *http.Request, body string, connectedAt time.Time) events.APIGatewayWebsocketProxyRequest {
	now := w.Clock.Now()
	n := w.seq.Add(1)
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	ev := events.APIGatewayWebsocketProxyRequest{
		Body: body,
		RequestContext: events.APIGatewayWebsocketProxyRequestContext{
			RouteKey: routeKey, EventType: eventType, ConnectionID: connID, Stage: w.Stage, APIID: "local",
			DomainName: r.Host, MessageDirection: "IN", ExtendedRequestID: fmt.Sprintf("local-ws-%d", n),
			RequestID: fmt.Sprintf("local-ws-%d", n), RequestTime: now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			RequestTimeEpoch: now.UnixMilli(), ConnectedAt: connectedAt.UnixMilli(),
			Identity: events.APIGatewayRequestIdentity{SourceIP: ip, UserAgent: r.UserAgent()},
		},
	}
	if eventType == "CONNECT" {
		ev.Headers, ev.MultiValueHeaders = map[string]string{}, map[string][]string{}
		for k, v := range r.Header {
			ev.Headers[k] = strings.Join(v, ",")
			ev.MultiValueHeaders[k] = v
		}
		if q := r.URL.Query(); len(q) > 0 {
			ev.QueryStringParameters, ev.MultiValueQueryStringParameters = map[string]string{}, map[string][]string{}
			for k, v := range q {
				ev.QueryStringParameters[k] = strings.Join(v, ",")
				ev.MultiValueQueryStringParameters[k] = v
			}
		}
	}
	if eventType == "MESSAGE" {
		ev.RequestContext.MessageID = fmt.Sprintf("local-msg-%d", n)
	}
	if eventType == "DISCONNECT" {
		ev.RequestContext.DisconnectStatusCode = 1000
	}
	return ev
}

// invoke runs a route's function and returns its status and headers.
func (w *WebSocket) invoke(ctx context.Context, routeKey string, ev events.APIGatewayWebsocketProxyRequest) (int, map[string]string, error) {
	fn := w.Routes[routeKey]
	if fn == nil {
		return http.StatusOK, nil, nil
	}
	payload, _ := json.Marshal(ev)
	out, err := fn.Invoke(ctx, payload)
	if err != nil {
		return 0, nil, err
	}
	var res events.APIGatewayProxyResponse
	if err := json.Unmarshal(out, &res); err != nil || res.StatusCode == 0 {
		return http.StatusOK, nil, nil
	}
	return res.StatusCode, res.Headers, nil
}

func (w *WebSocket) accept(rw http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		writeAPIGW(rw, http.StatusBadRequest, "Bad Request")
		return
	}
	id := w.newID()
	connectedAt := w.Clock.Now()
	status, headers, err := w.invoke(r.Context(), "$connect", w.event("$connect", "CONNECT", id, r, "", connectedAt))
	if err != nil {
		w.Log.Error("websocket $connect failed", "err", err.Error())
		writeAPIGW(rw, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	if status < 200 || status > 299 {
		w.Log.Info("websocket $connect refused", "status", status)
		writeAPIGW(rw, status, http.StatusText(status))
		return
	}
	var protocols []string
	for k, v := range headers {
		if strings.EqualFold(k, "Sec-WebSocket-Protocol") && v != "" {
			protocols = append(protocols, v)
		}
	}
	c, err := websocket.Accept(rw, r, &websocket.AcceptOptions{Subprotocols: protocols, InsecureSkipVerify: true})
	if err != nil {
		w.Log.Info("websocket upgrade failed", "err", err.Error())
		return
	}
	c.SetReadLimit(128 << 10) // API Gateway's frame limit is 32 KB, a message 128 KB
	conn := &wsConn{id: id, c: c, connectedAt: connectedAt, ip: r.RemoteAddr, agent: r.UserAgent()}
	conn.lastActive.Store(connectedAt.UnixMilli())
	w.mu.Lock()
	w.conns[id] = conn
	w.mu.Unlock()
	// The read loop runs detached from the upgrade request, as API Gateway
	// keeps the connection after $connect answered.
	go w.read(context.WithoutCancel(r.Context()), conn, r)
}

func (w *WebSocket) read(ctx context.Context, conn *wsConn, r *http.Request) {
	defer func() {
		w.mu.Lock()
		delete(w.conns, conn.id)
		w.mu.Unlock()
		if _, _, err := w.invoke(ctx, "$disconnect", w.event("$disconnect", "DISCONNECT", conn.id, r, "", conn.connectedAt)); err != nil {
			w.Log.Error("websocket $disconnect failed", "err", err.Error())
		}
		_ = conn.c.CloseNow()
	}()
	for {
		typ, data, err := conn.c.Read(ctx)
		if err != nil {
			return
		}
		conn.lastActive.Store(w.Clock.Now().UnixMilli())
		if typ != websocket.MessageText {
			continue
		}
		route := w.selectRoute(data)
		if route == "" {
			w.write(ctx, conn, []byte(fmt.Sprintf(`{"message": "Forbidden", "connectionId":"%s", "requestId":"local"}`, conn.id)))
			continue
		}
		if _, _, err := w.invoke(ctx, route, w.event(route, "MESSAGE", conn.id, r, string(data), conn.connectedAt)); err != nil {
			w.Log.Error("websocket route failed", "route", route, "err", err.Error())
			w.write(ctx, conn, []byte(fmt.Sprintf(`{"message": "Internal server error", "connectionId":"%s", "requestId":"local"}`, conn.id)))
		}
	}
}

// selectRoute is API Gateway's route selection: the body field's value
// when a route has that key, else $default when there is one.
func (w *WebSocket) selectRoute(data []byte) string {
	var body map[string]any
	if w.BodyField != "" && json.Unmarshal(data, &body) == nil {
		if v, ok := body[w.BodyField].(string); ok && w.Routes[v] != nil && !strings.HasPrefix(v, "$") {
			return v
		}
	}
	if w.Routes["$default"] != nil {
		return "$default"
	}
	return ""
}

func (w *WebSocket) write(ctx context.Context, conn *wsConn, data []byte) error {
	conn.writeMu.Lock()
	defer conn.writeMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return conn.c.Write(ctx, websocket.MessageText, data)
}

func (w *WebSocket) conn(id string) *wsConn {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.conns[id]
}

// manage is the @connections API: POST sends the body to the connection,
// GET describes it, DELETE closes it; an unknown connection is 410
// GoneException, as API Gateway answers.
func (w *WebSocket) manage(rw http.ResponseWriter, r *http.Request, id string) {
	conn := w.conn(id)
	if conn == nil || conn.closing.Load() {
		rw.Header().Set("Content-Type", "application/json")
		rw.Header().Set("X-Amzn-Errortype", "GoneException")
		rw.WriteHeader(http.StatusGone)
		_, _ = io.WriteString(rw, `{"message":null}`)
		return
	}
	switch r.Method {
	case http.MethodPost:
		data, err := io.ReadAll(io.LimitReader(r.Body, 128<<10+1))
		if err != nil || len(data) > 128<<10 {
			rw.Header().Set("X-Amzn-Errortype", "PayloadTooLargeException")
			http.Error(rw, `{"message":"Message too long"}`, http.StatusRequestEntityTooLarge)
			return
		}
		if err := w.write(r.Context(), conn, data); err != nil {
			rw.Header().Set("X-Amzn-Errortype", "GoneException")
			rw.WriteHeader(http.StatusGone)
			return
		}
		rw.WriteHeader(http.StatusOK)
	case http.MethodGet:
		rw.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(rw).Encode(map[string]any{
			"connectedAt":  conn.connectedAt.UTC().Format(time.RFC3339Nano),
			"lastActiveAt": time.UnixMilli(conn.lastActive.Load()).UTC().Format(time.RFC3339Nano),
			"identity":     map[string]string{"sourceIp": conn.ip, "userAgent": conn.agent},
		})
	case http.MethodDelete:
		conn.closing.Store(true)
		_ = conn.c.Close(websocket.StatusNormalClosure, "")
		rw.WriteHeader(http.StatusNoContent)
	default:
		rw.WriteHeader(http.StatusMethodNotAllowed)
	}
}

// Close ends every open connection (their $disconnect runs).
func (w *WebSocket) Close() {
	w.mu.Lock()
	conns := make([]*wsConn, 0, len(w.conns))
	for _, c := range w.conns {
		conns = append(conns, c)
	}
	w.mu.Unlock()
	for _, c := range conns {
		_ = c.c.CloseNow()
	}
}
