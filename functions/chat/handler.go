package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/support"
)

// chatService is what the handler needs of support.Chat.
type chatService interface {
	Connect(ctx context.Context, connection, ticket string) (support.Conn, error)
	Connected(ctx context.Context, conn support.Conn) error
	Connection(ctx context.Context, connection string) (support.Conn, error)
	Disconnect(ctx context.Context, connection string) error
	Send(ctx context.Context, conn support.Conn, in support.SendInput) (support.ChatMessage, bool, error)
	Read(ctx context.Context, conn support.Conn, id string, seq int64) error
	Reply(ctx context.Context, conn support.Conn, e support.Event)
}

var _ chatService = (*support.Chat)(nil)

type handler struct {
	chat  chatService
	guard httpapi.SessionGuard
	log   *slog.Logger
}

// Route keys of the chat's WebSocket API (template.yaml).
const (
	routeConnect    = "$connect"
	routeDisconnect = "$disconnect"
	routeMessage    = "message"
	// routeDefault takes what names no route: it is answered as a message
	// that is not one (malformed_json, type.unknown).
	routeDefault = "$default"
)

// inbound is a client's message on the message route
// (docs/chat-websocket.md).
type inbound struct {
	Action string `json:"action"`
	Type   string `json:"type"`
	support.SendInput
	Seq int64 `json:"seq"`
}

func answer(status int, headers map[string]string) events.APIGatewayProxyResponse {
	return events.APIGatewayProxyResponse{StatusCode: status, Headers: headers}
}

func (h *handler) handle(ctx context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	rc := ev.RequestContext
	log := h.log.With("requestId", rc.RequestID, "route", rc.RouteKey, "function", "chat")
	ctx = logging.WithLogger(ctx, log)
	status := http.StatusOK
	defer func() { log.Info("request", "status", status) }()
	switch rc.RouteKey {
	case routeConnect:
		ticket, ok := offered(ev.Headers)
		if !ok {
			status = http.StatusUnauthorized
			return answer(status, nil), nil
		}
		if _, err := h.chat.Connect(ctx, rc.ConnectionID, ticket); err != nil {
			status = httpapi.StatusOf(err)
			if status >= 500 {
				log.Error("connect failed", "err", err)
			}
			return answer(status, nil), nil
		}
		return answer(status, map[string]string{"Sec-WebSocket-Protocol": support.Subprotocol}), nil
	case routeDisconnect:
		if err := h.chat.Disconnect(ctx, rc.ConnectionID); err != nil {
			log.Error("disconnect failed", "err", err)
			status = http.StatusInternalServerError
		}
		return answer(status, nil), nil
	case routeMessage, routeDefault:
		status = h.message(ctx, rc.ConnectionID, ev.Body)
		return answer(status, nil), nil
	}
	status = http.StatusNotFound
	return answer(status, nil), nil
}

// offered reads the subprotocols a client offered: the chat's own and
// "ticket.<one-time ticket>".
func offered(headers map[string]string) (string, bool) {
	var value string
	for k, v := range headers {
		if strings.EqualFold(k, "Sec-WebSocket-Protocol") {
			value = v
		}
	}
	var chat bool
	var ticket string
	for _, p := range strings.Split(value, ",") {
		p = strings.TrimSpace(p)
		switch {
		case p == support.Subprotocol:
			chat = true
		case strings.HasPrefix(p, "ticket."):
			ticket = strings.TrimPrefix(p, "ticket.")
		}
	}
	return ticket, chat && ticket != ""
}

// message handles one client message: the connection's person is read
// back, their session checked as on every REST call, and the answer (an
// ack or an error) pushed to the connection.
func (h *handler) message(ctx context.Context, connection, body string) int {
	conn, err := h.chat.Connection(ctx, connection)
	if err != nil {
		return httpapi.StatusOf(err)
	}
	if _, err := h.guard.Admit(ctx, httpapi.Identity{Subject: conn.Sub, TokenUse: "access", TokenID: conn.TokenID}); err != nil {
		h.refuse(ctx, conn, "", err)
		return httpapi.StatusOf(err)
	}
	var in inbound
	if len(body) > 64<<10 {
		h.refuse(ctx, conn, "", problem.New(problem.KindTooLarge, "too_large", "Сообщение слишком большое"))
		return http.StatusRequestEntityTooLarge
	}
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		h.refuse(ctx, conn, "", problem.BadRequest("malformed_json", "Сообщение — объект JSON"))
		return http.StatusBadRequest
	}
	switch in.Type {
	case "send":
		m, dup, err := h.chat.Send(ctx, conn, in.SendInput)
		if err != nil {
			h.refuse(ctx, conn, in.ClientID, err)
			return httpapi.StatusOf(err)
		}
		h.chat.Reply(ctx, conn, support.Event{Type: support.EventAck, Conversation: in.Conversation, ClientID: in.ClientID, Seq: m.Seq,
			Duplicate: dup, Message: &m})
	case "read":
		if err := h.chat.Read(ctx, conn, in.Conversation, in.Seq); err != nil {
			h.refuse(ctx, conn, "", err)
			return httpapi.StatusOf(err)
		}
	case "ready":
		if err := h.chat.Connected(ctx, conn); err != nil {
			h.refuse(ctx, conn, "", err)
			return httpapi.StatusOf(err)
		}
	default:
		err := problem.Invalid(problem.Field{Field: "type", Code: "type.unknown", Message: "type — send, read или ready"})
		h.refuse(ctx, conn, in.ClientID, err)
		return http.StatusUnprocessableEntity
	}
	return http.StatusOK
}

// refuse pushes a problem to the connection as an error event: a 5xx says
// nothing more than the REST API would.
func (h *handler) refuse(ctx context.Context, conn support.Conn, clientID string, err error) {
	e := support.Event{Type: support.EventError, ClientID: clientID, Code: "internal", Detail: "Внутренняя ошибка"}
	if pe, ok := problem.As(err); ok && pe.Kind != problem.KindInternal {
		e.Code, e.Detail, e.Errors = pe.Code, pe.Detail, pe.Fields
	} else {
		logging.From(ctx).Error("chat message failed", "err", err)
	}
	h.chat.Reply(ctx, conn, e)
}
