package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// benchConn is a chat connection that counts what is pushed to it and
// hands on its acks.
type benchConn struct {
	c      *websocket.Conn
	pushed *atomic.Int64
	acks   chan struct{}
}

func benchDial(b *testing.B, token string, pushed *atomic.Int64) *benchConn {
	b.Helper()
	r := post(b, "/chat/connection-ticket", token, nil)
	var g struct{ Ticket, Subprotocol string }
	r.JSON(b, &g)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, st.ChatURL, &websocket.DialOptions{Subprotocols: []string{g.Subprotocol, "ticket." + g.Ticket}})
	if err != nil {
		b.Fatalf("dial: %v", err)
	}
	bc := &benchConn{c: c, pushed: pushed, acks: make(chan struct{}, 1)}
	go func() {
		for {
			_, data, err := c.Read(context.Background())
			if err != nil {
				return
			}
			pushed.Add(1)
			var e struct{ Type string }
			if json.Unmarshal(data, &e) == nil && e.Type == "ack" {
				bc.acks <- struct{}{}
			}
		}
	}()
	b.Cleanup(func() { _ = c.CloseNow() })
	return bc
}

func (bc *benchConn) send(b *testing.B, v any) {
	data, _ := json.Marshal(v)
	if err := bc.c.Write(context.Background(), websocket.MessageText, data); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkChatMessage sends messages on the chat's WebSocket API (warm
// instances, the local gateway's @connections) and reports, per message,
// the DynamoDB round trips of every function involved (the session check,
// the stored message with its client id, the conversation's sequence, the
// participants' connection lists) and the pushes it fans out to: the
// message to each connection of both participants and the sender's ack.
// The person has 1, 3 or 5 connections open (phone, laptop, …): the round
// trips stay the same and the pushes grow with the connections. A page of
// the history over REST is reported too. It reports; it asserts nothing.
func BenchmarkChatMessage(b *testing.B) {
	operator := accessToken(b, "support")
	var opPushed atomic.Int64
	op := benchDial(b, operator, &opPushed)
	op.send(b, map[string]any{"action": "message", "type": "ready"})
	time.Sleep(300 * time.Millisecond)
	for _, conns := range []int{1, 3, 5} {
		phone := newPhone()
		register(b, phone, newSNILS())
		citizen := loginAs(b, phone, "Зелёный-Чай-42", "", nil).AccessToken
		var pushed atomic.Int64
		mine := make([]*benchConn, conns)
		for i := range mine {
			mine[i] = benchDial(b, citizen, &pushed)
		}
		r := post(b, "/chat/conversations", citizen, map[string]any{"topic": "Замер", "text": "Здравствуйте!", "clientId": "bench-0"})
		var conv struct{ ID, Status string }
		r.JSON(b, &conv)
		if conv.Status != "active" {
			b.Fatalf("conversation %s (%d %s): the demo operator is not free", conv.Status, r.Status, r.Body)
		}
		time.Sleep(200 * time.Millisecond) // the assignment's pushes
		for _, who := range []struct {
			name string
			from *benchConn
		}{{"citizen to operator", mine[0]}, {"operator to citizen", op}} {
			b.Run(fmt.Sprintf("%s, %d citizen connections", who.name, conns), func(b *testing.B) {
				st.Dynamo.ResetCounts()
				pushed.Store(0)
				opPushed.Store(0)
				for i := 0; i < b.N; i++ {
					who.from.send(b, map[string]any{"action": "message", "type": "send", "conversation": conv.ID,
						"clientId": fmt.Sprintf("b-%p-%d", who.from, i), "text": "Сообщение для замера"})
					select {
					case <-who.from.acks:
					case <-time.After(10 * time.Second):
						b.Fatal("no ack")
					}
				}
				time.Sleep(300 * time.Millisecond) // the last fan-out's pushes
				total := 0
				for _, n := range st.Dynamo.Counts() {
					total += n
				}
				b.ReportMetric(float64(total)/float64(b.N), "ddb-calls/msg")
				b.ReportMetric(float64(pushed.Load()+opPushed.Load())/float64(b.N), "pushes/msg")
			})
		}
		b.Run(fmt.Sprintf("GET history (a page of 50), %d citizen connections", conns), func(b *testing.B) {
			st.Dynamo.ResetCounts()
			for i := 0; i < b.N; i++ {
				if r := get(b, "/chat/conversations/"+conv.ID+"/messages?limit=50", citizen); r.Status != http.StatusOK {
					b.Fatalf("history = %d", r.Status)
				}
			}
			total := 0
			for _, n := range st.Dynamo.Counts() {
				total += n
			}
			b.ReportMetric(float64(total)/float64(b.N), "ddb-calls/op")
		})
		if r := post(b, "/chat/conversations/"+conv.ID+"/close", citizen, nil); r.Status != http.StatusOK {
			b.Fatalf("close = %d %s", r.Status, r.Body)
		}
	}
}
