package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/httpapi/httpapitest"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/support"
)

// fakeChat is a hand-written chatService: what it was asked, and the
// events the handler pushed back.
type fakeChat struct {
	ticket, connected, gone string
	sent                    support.SendInput
	read                    int64
	ready                   bool
	replies                 []support.Event
	connectErr, sendErr     error
}

func (f *fakeChat) Connect(_ context.Context, connection, ticket string) (support.Conn, error) {
	f.ticket, f.connected = ticket, connection
	return support.Conn{ID: connection, Sub: "s"}, f.connectErr
}
func (f *fakeChat) Connected(context.Context, support.Conn) error { f.ready = true; return nil }
func (f *fakeChat) Connection(_ context.Context, id string) (support.Conn, error) {
	return support.Conn{ID: id, Sub: "s", TokenID: "t"}, nil
}
func (f *fakeChat) Disconnect(_ context.Context, id string) error { f.gone = id; return nil }
func (f *fakeChat) Send(_ context.Context, _ support.Conn, in support.SendInput) (support.ChatMessage, bool, error) {
	f.sent = in
	return support.ChatMessage{Seq: 3, Author: support.AuthorCitizen, ClientID: in.ClientID, Text: in.Text}, false, f.sendErr
}
func (f *fakeChat) Read(_ context.Context, _ support.Conn, _ string, seq int64) error {
	f.read = seq
	return nil
}
func (f *fakeChat) Reply(_ context.Context, _ support.Conn, e support.Event) {
	f.replies = append(f.replies, e)
}

// refusing is a session guard whose session ended.
type refusing struct{}

func (refusing) Admit(context.Context, httpapi.Identity) (httpapi.Identity, error) {
	return httpapi.Identity{}, problem.New(problem.KindUnauthenticated, "session_ended", "Сеанс завершён")
}

func sample(t *testing.T, name string) events.APIGatewayWebsocketProxyRequest {
	t.Helper()
	b, err := os.ReadFile("../../events/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayWebsocketProxyRequest
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func newHandler(f *fakeChat, g httpapi.SessionGuard) *handler {
	return &handler{chat: f, guard: g, log: logging.New(io.Discard, "error")}
}

func TestConnectTakesTheTicketFromTheSubprotocols(t *testing.T) {
	f := &fakeChat{}
	res, _ := newHandler(f, httpapitest.AdmitAll{}).handle(context.Background(), sample(t, "chat-ws-connect.json"))
	if res.StatusCode != 200 || res.Headers["Sec-WebSocket-Protocol"] != support.Subprotocol ||
		f.ticket != "kX2mQ9vR4tY7wZ1aB3cD5eF8gH0jK6lN" || f.connected != "Kp1cLd7KgdA=" {
		t.Errorf("connect = %d %v, ticket %q on %q", res.StatusCode, res.Headers, f.ticket, f.connected)
	}
	ev := sample(t, "chat-ws-connect.json")
	ev.Headers["Sec-WebSocket-Protocol"] = support.Subprotocol
	if res, _ := newHandler(&fakeChat{}, httpapitest.AdmitAll{}).handle(context.Background(), ev); res.StatusCode != 401 {
		t.Errorf("no ticket = %d, want 401", res.StatusCode)
	}
	f = &fakeChat{connectErr: problem.Unauthenticated("")}
	if res, _ := newHandler(f, httpapitest.AdmitAll{}).handle(context.Background(), sample(t, "chat-ws-connect.json")); res.StatusCode != 401 {
		t.Errorf("a ticket the service refuses = %d, want 401", res.StatusCode)
	}
}

func TestMessagesReachTheService(t *testing.T) {
	f := &fakeChat{}
	h := newHandler(f, httpapitest.AdmitAll{})
	if res, _ := h.handle(context.Background(), sample(t, "chat-ws-message-send.json")); res.StatusCode != 200 ||
		f.sent.ClientID != "m-2" || f.sent.Conversation != "20261123090000123456a1b2c3d4" {
		t.Fatalf("send = %d, sent %+v", res.StatusCode, f.sent)
	}
	if len(f.replies) != 1 || f.replies[0].Type != support.EventAck || f.replies[0].Seq != 3 || f.replies[0].ClientID != "m-2" {
		t.Errorf("replies %+v, want one ack", f.replies)
	}
	if _, _ = h.handle(context.Background(), sample(t, "chat-ws-message-read.json")); f.read != 2 {
		t.Errorf("read receipt up to %d, want 2", f.read)
	}
	if _, _ = h.handle(context.Background(), sample(t, "chat-ws-message-ready.json")); !f.ready {
		t.Errorf("ready did not reach the service")
	}
	if res, _ := h.handle(context.Background(), sample(t, "chat-ws-disconnect.json")); res.StatusCode != 200 || f.gone != "Kp1cLd7KgdA=" {
		t.Errorf("disconnect = %d, forgot %q", res.StatusCode, f.gone)
	}
}

// What is not a message (the $default route), a refused send and an ended
// session come back as error events, with the problem's code.
func TestRefusalsAreErrorEvents(t *testing.T) {
	cases := []struct {
		name  string
		event string
		chat  *fakeChat
		guard httpapi.SessionGuard
		code  string
	}{
		{"not JSON", "chat-ws-default.json", &fakeChat{}, httpapitest.AdmitAll{}, "malformed_json"},
		{"a refused send", "chat-ws-message-send.json", &fakeChat{sendErr: problem.Conflict("chat_ended", "Чат завершён")}, httpapitest.AdmitAll{}, "chat_ended"},
		{"an ended session", "chat-ws-message-send.json", &fakeChat{}, refusing{}, "session_ended"},
		{"an internal failure", "chat-ws-message-send.json", &fakeChat{sendErr: io.ErrUnexpectedEOF}, httpapitest.AdmitAll{}, "internal"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _ = newHandler(c.chat, c.guard).handle(context.Background(), sample(t, c.event))
			if len(c.chat.replies) != 1 || c.chat.replies[0].Type != support.EventError || c.chat.replies[0].Code != c.code {
				t.Errorf("replies %+v, want one error %s", c.chat.replies, c.code)
			}
			if c.code == "internal" && c.chat.replies[0].Detail != "Внутренняя ошибка" {
				t.Errorf("an internal failure says %q", c.chat.replies[0].Detail)
			}
		})
	}
}
