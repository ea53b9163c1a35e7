package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/coder/websocket"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kabinet/kabinet/infra/local/template"
)

type ticketDoc struct {
	ID, Number, Status, Priority, Assignee string
	Due                                    *time.Time
	Breached                               bool
	Messages                               []struct {
		Seq      int64
		Author   string
		Internal bool
		Text     string
	}
}

func get(t testing.TB, path, token string) response {
	t.Helper()
	return call(t, "GET", path, token, nil, nil)
}

// freshCitizen registers a person and signs them in.
func freshCitizen(t *testing.T) string {
	t.Helper()
	phone := newPhone()
	register(t, phone, newSNILS())
	return loginAs(t, phone, "Зелёный-Чай-42", "", nil).AccessToken
}

// newOperator registers a person and makes them a support operator.
func newOperator(t *testing.T) string {
	t.Helper()
	tok, _ := newOperatorWithLogin(t)
	return tok
}

// newOperatorWithLogin is newOperator with the phone they sign in with.
func newOperatorWithLogin(t *testing.T) (string, string) {
	t.Helper()
	phone := newPhone()
	register(t, phone, newSNILS())
	tok := loginAs(t, phone, "Зелёный-Чай-42", "", nil).AccessToken
	var me struct{ Username string }
	get(t, "/me", tok).JSON(t, &me)
	if _, err := st.Cognito().AdminAddUserToGroup(context.Background(), &cip.AdminAddUserToGroupInput{
		UserPoolId: aws.String(st.Resources["UserPool"]), Username: aws.String(me.Username), GroupName: aws.String("support")}); err != nil {
		t.Fatalf("add to support: %v", err)
	}
	return loginAs(t, phone, "Зелёный-Чай-42", "", nil).AccessToken, phone
}

func openTicket(t *testing.T, token string, body map[string]any) ticketDoc {
	t.Helper()
	r := post(t, "/support/tickets", token, body)
	if r.Status != http.StatusCreated {
		t.Fatalf("open ticket = %d %s", r.Status, r.Body)
	}
	var tk ticketDoc
	r.JSON(t, &tk)
	return tk
}

func inboxHas(t *testing.T, token, typ, text string) bool {
	t.Helper()
	var page struct {
		Items []struct{ Type, Title, Body string }
	}
	get(t, "/notifications?limit=50", token).JSON(t, &page)
	for _, n := range page.Items {
		if n.Type == typ && strings.Contains(n.Title+n.Body, text) {
			return true
		}
	}
	return false
}

// A ticket from opening to solved: the number and due time, the
// confirmation note, the queue, the claim, an internal note the person
// never sees, the answer with its note, the person's reply, solving.
func TestSupportTicketFromOpeningToSolved(t *testing.T) {
	citizen := accessToken(t, "citizen")
	operator := accessToken(t, "support")
	scan := uploadScanOfType(t, citizen, "other")
	tk := openTicket(t, citizen, map[string]any{"category": "account", "topic": "Не приходит код", "text": "Второй день нет SMS.",
		"attachments": []string{scan}})
	if !strings.HasPrefix(tk.Number, "ТП-") || tk.Status != "new" || tk.Due == nil || tk.Priority != "normal" {
		t.Fatalf("opened %+v", tk)
	}
	if d := time.Until(*tk.Due); d < 23*time.Hour || d > 25*time.Hour {
		t.Errorf("due in %v, want 24 h", d)
	}
	if !inboxHas(t, citizen, "support.ticket_opened", tk.Number) {
		t.Errorf("no confirmation note with %s", tk.Number)
	}
	var queue struct{ Items []ticketDoc }
	get(t, "/operator/tickets?assignee=none&limit=100", operator).JSON(t, &queue)
	if !slices.ContainsFunc(queue.Items, func(q ticketDoc) bool { return q.ID == tk.ID }) {
		t.Fatalf("ticket %s not in the queue", tk.ID)
	}
	if r := post(t, "/operator/tickets/"+tk.ID+"/answer", operator, map[string]any{"text": "x"}); r.Status != http.StatusConflict || problemCode(t, r) != "not_assigned" {
		t.Errorf("answer before claim = %d %s", r.Status, r.Body)
	}
	if r := post(t, "/operator/tickets/"+tk.ID+"/claim", operator, nil); r.Status != http.StatusOK {
		t.Fatalf("claim = %d %s", r.Status, r.Body)
	}
	if r := post(t, "/operator/tickets/"+tk.ID+"/notes", operator, map[string]any{"text": "Секретная заметка оператора"}); r.Status != http.StatusOK {
		t.Fatalf("note = %d %s", r.Status, r.Body)
	}
	if r := post(t, "/operator/tickets/"+tk.ID+"/answer", operator, map[string]any{"text": "Проверьте блокировку коротких номеров."}); r.Status != http.StatusOK {
		t.Fatalf("answer = %d %s", r.Status, r.Body)
	}
	var mine ticketDoc
	get(t, "/support/tickets/"+tk.ID, citizen).JSON(t, &mine)
	if mine.Status != "waiting" || len(mine.Messages) != 2 || mine.Messages[1].Author != "support" {
		t.Fatalf("the person's view %+v", mine)
	}
	for _, m := range mine.Messages {
		if m.Internal || strings.Contains(m.Text, "Секретная") {
			t.Errorf("an internal note reached the person: %+v", m)
		}
	}
	if !inboxHas(t, citizen, "support.ticket_answered", tk.Number) {
		t.Errorf("no answer note")
	}
	if r := post(t, "/support/tickets/"+tk.ID+"/messages", citizen, map[string]any{"text": "Не помогло."}); r.Status != http.StatusOK {
		t.Fatalf("reply = %d %s", r.Status, r.Body)
	}
	var look ticketDoc
	get(t, "/operator/tickets/"+tk.ID, operator).JSON(t, &look)
	if look.Status != "open" || len(look.Messages) != 4 || !look.Messages[1].Internal {
		t.Fatalf("operator's view %+v", look)
	}
	if r := post(t, "/operator/tickets/"+tk.ID+"/solve", operator, nil); r.Status != http.StatusOK {
		t.Fatalf("solve = %d %s", r.Status, r.Body)
	}
	get(t, "/support/tickets/"+tk.ID, citizen).JSON(t, &mine)
	if mine.Status != "solved" || !inboxHas(t, citizen, "support.ticket_solved", tk.Number) {
		t.Errorf("after solve: %+v", mine)
	}
}

// Two operators claim one ticket at once: one gets it.
func TestTwoOperatorsClaimOneTicket(t *testing.T) {
	citizen := accessToken(t, "citizen")
	ops := []string{accessToken(t, "support"), newOperator(t)}
	tk := openTicket(t, citizen, map[string]any{"category": "payments", "topic": "Двойное списание", "text": "Списали дважды."})
	var wg sync.WaitGroup
	codes := make([]int, len(ops))
	for i, op := range ops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = post(t, "/operator/tickets/"+tk.ID+"/claim", op, nil).Status
		}()
	}
	wg.Wait()
	slices.Sort(codes)
	if codes[0] != http.StatusOK || codes[1] != http.StatusConflict {
		t.Fatalf("claims answered %v, want one 200 and one 409", codes)
	}
}

// The SLA clock flags a breach: with the function's clock 25 hours on, a
// new ticket is past its first-answer time in the queue.
func TestSLABreachIsFlagged(t *testing.T) {
	citizen := freshCitizen(t)
	operator, phone := newOperatorWithLogin(t)
	tk := openTicket(t, citizen, map[string]any{"category": "technical", "topic": "Ошибка загрузки", "text": "Не грузится скан.", "urgent": true})
	if tk.Priority != "urgent" {
		t.Fatalf("priority %s", tk.Priority)
	}
	find := func(operator string) ticketDoc {
		t.Helper()
		q := struct{ Items []ticketDoc }{}
		cursor := ""
		for {
			r := get(t, "/operator/tickets?assignee=none&limit=100&cursor="+url.QueryEscape(cursor), operator)
			if r.Status != http.StatusOK {
				t.Fatalf("queue = %d %s", r.Status, r.Body)
			}
			var page struct {
				Items      []ticketDoc
				NextCursor string
			}
			r.JSON(t, &page)
			for _, it := range page.Items {
				if it.ID == tk.ID {
					return it
				}
			}
			q.Items = append(q.Items, page.Items...)
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		t.Fatalf("ticket %s not in the queue of %d", tk.ID, len(q.Items))
		return ticketDoc{}
	}
	if find(operator).Breached {
		t.Fatalf("breached at once")
	}
	// 49 hours later for the sign-in and the support function alike (a
	// session of now would be idle there): the operator signs in again.
	for _, fn := range []string{"auth", "support"} {
		if err := st.SetFunctionClock(fn, 49*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	defer func() {
		for _, fn := range []string{"auth", "support"} {
			_ = st.SetFunctionClock(fn, 0)
		}
	}()
	later := loginAs(t, phone, "Зелёный-Чай-42", "", nil).AccessToken
	if !find(later).Breached {
		t.Errorf("urgent ticket 49 h old is not flagged breached")
	}
}

// Field-level refusals and who sees what.
func TestSupportAuthorizationAndBadInput(t *testing.T) {
	citizen := accessToken(t, "citizen")
	other := freshCitizen(t)
	operator := accessToken(t, "support")
	officer := accessToken(t, "officer")
	foreign := uploadScanOfType(t, other, "other")
	many := make([]string, 100)
	for i := range many {
		many[i] = fmt.Sprintf("doc%d", i)
	}
	for name, c := range map[string]struct {
		body  map[string]any
		field string
	}{
		"empty text":       {map[string]any{"category": "account", "topic": "Т", "text": "  "}, "text"},
		"100 attachments":  {map[string]any{"category": "account", "topic": "Т", "text": "т", "attachments": many}, "attachments"},
		"a foreign scan":   {map[string]any{"category": "account", "topic": "Т", "text": "т", "attachments": []string{foreign}}, "attachments[0]"},
		"unknown category": {map[string]any{"category": "weather", "topic": "Т", "text": "т"}, "category"},
	} {
		r := post(t, "/support/tickets", citizen, c.body)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), `"field":"`+c.field+`"`) {
			t.Errorf("%s = %d %s, want 422 naming %s", name, r.Status, r.Body, c.field)
		}
	}
	tk := openTicket(t, citizen, map[string]any{"category": "other", "topic": "Вопрос", "text": "Текст"})
	if r := get(t, "/support/tickets/"+tk.ID, other); r.Status != http.StatusNotFound {
		t.Errorf("another citizen reads the ticket: %d", r.Status)
	}
	if r := post(t, "/support/tickets/"+tk.ID+"/messages", other, map[string]any{"text": "x"}); r.Status != http.StatusNotFound {
		t.Errorf("another citizen replies: %d", r.Status)
	}
	for _, who := range []string{citizen, officer} {
		if r := get(t, "/operator/tickets", who); r.Status != http.StatusForbidden {
			t.Errorf("a non-operator reads the queue: %d", r.Status)
		}
		if r := get(t, "/operator/tickets/"+tk.ID, who); r.Status != http.StatusForbidden {
			t.Errorf("a non-operator looks at a ticket: %d", r.Status)
		}
	}
	// Operators: only tickets, not the person's data.
	for _, path := range []string{"/profile", "/documents/" + foreign, "/applications"} {
		var me struct{ Items []any }
		r := get(t, path, operator)
		if path == "/applications" {
			r.JSON(t, &me)
			if len(me.Items) != 0 {
				t.Errorf("the operator lists someone's applications")
			}
			continue
		}
		if r.Status == http.StatusOK && path != "/profile" {
			t.Errorf("operator reads %s: %d", path, r.Status)
		}
	}
	if r := get(t, "/operator/tickets/"+tk.ID, operator); r.Status != http.StatusOK {
		t.Errorf("operator look = %d", r.Status)
	}
	// The look is in the person's access log: support, the ticket as the
	// case, what it shows.
	if !slices.ContainsFunc(accessLog(t, citizen), func(e accessEntry) bool {
		return e.Role == "support" && e.Reason.Kind == "ticket" && e.Reason.Ref == tk.Number && slices.Contains(e.Categories, "application")
	}) {
		t.Errorf("the operator's look is not in the person's access log: %+v", accessLog(t, citizen))
	}
}

func TestFAQSearchAndVotes(t *testing.T) {
	var res struct {
		Items []struct {
			ID    string
			Links []struct{ Href string }
		}
	}
	get(t, "/faq?q=блокировк", "").JSON(t, &res)
	if len(res.Items) == 0 || !slices.ContainsFunc(res.Items, func(e struct {
		ID    string
		Links []struct{ Href string }
	}) bool {
		return e.ID == "account-locked" && len(e.Links) > 0
	}) {
		t.Fatalf("search: %+v", res.Items)
	}
	get(t, "/faq?q=подтвержденн&category=account", "").JSON(t, &res)
	if len(res.Items) != 1 || res.Items[0].ID != "confirm-account" {
		t.Errorf("ё as е: %+v", res.Items)
	}
	if r := get(t, "/faq?category=weather", ""); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("unknown category = %d", r.Status)
	}
	var e struct{ Helped, NotHelped int }
	post(t, "/faq/chat/feedback", "", map[string]any{"helped": true}).JSON(t, &e)
	before := e.Helped
	post(t, "/faq/chat/feedback", "", map[string]any{"helped": true}).JSON(t, &e)
	if e.Helped != before+1 {
		t.Errorf("helped %d after %d", e.Helped, before)
	}
}

// wsClient is a real WebSocket client of the local chat API.
type wsClient struct {
	c      *websocket.Conn
	events chan map[string]any
}

func dialChat(t testing.TB, token string) (*wsClient, error) {
	t.Helper()
	r := post(t, "/chat/connection-ticket", token, nil)
	if r.Status != http.StatusCreated {
		t.Fatalf("connection ticket = %d %s", r.Status, r.Body)
	}
	var g struct{ Ticket, Subprotocol string }
	r.JSON(t, &g)
	return dialWith(t, []string{g.Subprotocol, "ticket." + g.Ticket})
}

func dialWith(t testing.TB, protocols []string) (*wsClient, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, st.ChatURL, &websocket.DialOptions{Subprotocols: protocols})
	if err != nil {
		return nil, err
	}
	w := &wsClient{c: c, events: make(chan map[string]any, 100)}
	go func() {
		for {
			_, data, err := c.Read(context.Background())
			if err != nil {
				close(w.events)
				return
			}
			checkChat(t, "serverEvent", data)
			var e map[string]any
			if json.Unmarshal(data, &e) == nil {
				w.events <- e
			}
		}
	}()
	t.Cleanup(func() { _ = c.CloseNow() })
	return w, nil
}

// chatSchemas are docs/chat-websocket.schema.json's definitions of what a
// client sends and what the server pushes.
var chatSchemas = sync.OnceValues(func() (map[string]*jsonschema.Schema, error) {
	root, err := template.FindRoot()
	if err != nil {
		return nil, err
	}
	file := filepath.Join(root, "docs", "chat-websocket.schema.json")
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	out := map[string]*jsonschema.Schema{}
	for _, def := range []string{"clientMessage", "serverEvent"} {
		if out[def], err = c.Compile(file + "#/$defs/" + def); err != nil {
			return nil, err
		}
	}
	return out, nil
})

// checkChat holds one WebSocket message to the documented schema (def is
// clientMessage or serverEvent).
func checkChat(t testing.TB, def string, data []byte) {
	schemas, err := chatSchemas()
	if err != nil {
		t.Errorf("docs/chat-websocket.schema.json: %v", err)
		return
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Errorf("%s is not JSON: %s", def, data)
		return
	}
	if err := schemas[def].Validate(v); err != nil {
		t.Errorf("%s breaks docs/chat-websocket.schema.json: %s\n%v", def, data, err)
	}
}

func (w *wsClient) send(t testing.TB, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	checkChat(t, "clientMessage", b)
	w.sendRaw(t, b)
}

// sendRaw sends bytes as they are (a message the schema refuses).
func (w *wsClient) sendRaw(t testing.TB, b []byte) {
	t.Helper()
	if err := w.c.Write(context.Background(), websocket.MessageText, b); err != nil {
		t.Fatalf("ws write: %v", err)
	}
}

func (w *wsClient) await(t testing.TB, typ string) map[string]any {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case e, ok := <-w.events:
			if !ok {
				t.Fatalf("connection closed waiting for %s", typ)
			}
			if e["type"] == typ {
				return e
			}
		case <-timeout:
			t.Fatalf("no %s event", typ)
		}
	}
}

// A chat through the local WebSocket API: connect with a ticket, be
// assigned, exchange messages, read receipts, disconnect and reconnect,
// re-send a message with the same client id, read the history with nothing
// lost or repeated. A connection without a valid ticket is refused.
func TestChatThroughTheWebSocketAPI(t *testing.T) {
	if _, err := dialWith(t, []string{"kabinet.chat.v1", "ticket.forged"}); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("a forged ticket connects: %v", err)
	}
	if _, err := dialWith(t, []string{"kabinet.chat.v1"}); err == nil {
		t.Errorf("no ticket connects")
	}
	citizen := accessToken(t, "citizen")
	operator := accessToken(t, "support")
	op, err := dialChat(t, operator)
	if err != nil {
		t.Fatalf("operator dial: %v", err)
	}
	op.send(t, map[string]any{"action": "message", "type": "ready"})
	me, err := dialChat(t, citizen)
	if err != nil {
		t.Fatalf("citizen dial: %v", err)
	}
	// The operator is online once ready is processed; start then.
	time.Sleep(500 * time.Millisecond)
	r := post(t, "/chat/conversations", citizen, map[string]any{"topic": "Оплата", "text": "Здравствуйте!", "clientId": "m-1"})
	if r.Status != http.StatusCreated && r.Status != http.StatusOK {
		t.Fatalf("start = %d %s", r.Status, r.Body)
	}
	var conv struct{ ID, Status string }
	r.JSON(t, &conv)
	if conv.Status != "active" {
		t.Fatalf("conversation %s, want active with the online operator", conv.Status)
	}
	me.await(t, "assigned")
	op.await(t, "assigned")
	op.send(t, map[string]any{"action": "message", "type": "send", "conversation": conv.ID, "clientId": "o-1", "text": "Добрый день, чем помочь?"})
	got := me.await(t, "message")
	if m := got["message"].(map[string]any); m["author"] != "support" || m["seq"].(float64) != 2 {
		t.Fatalf("citizen got %v", got)
	}
	op.await(t, "ack")
	op.send(t, map[string]any{"action": "message", "type": "read", "conversation": conv.ID, "seq": 1})
	if rd := me.await(t, "read"); rd["by"] != "support" {
		t.Errorf("read receipt %v", rd)
	}
	// Messages the schema refuses are refused by the server too, with an
	// error event that the schema holds.
	for _, bad := range []string{`{"action":"message","type":"send","conversation":"` + conv.ID + `","clientId":"m-x","text":"  "}`,
		`{"action":"message","type":"shout"}`, `not json`} {
		v, _ := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if schemas, err := chatSchemas(); err == nil && v != nil && schemas["clientMessage"].Validate(v) == nil {
			t.Errorf("the schema admits %s", bad)
		}
		me.sendRaw(t, []byte(bad))
		if e := me.await(t, "error"); e["code"] == "" {
			t.Errorf("error event %v", e)
		}
	}
	me.send(t, map[string]any{"action": "message", "type": "send", "conversation": conv.ID, "clientId": "m-2", "text": "Не проходит оплата."})
	me.await(t, "ack")
	_ = me.c.Close(websocket.StatusNormalClosure, "")
	// While the person is away the operator writes; then the person comes
	// back and re-sends m-2, as a client does that never saw its ack.
	op.send(t, map[string]any{"action": "message", "type": "send", "conversation": conv.ID, "clientId": "o-2", "text": "Пришлите номер платежа."})
	op.await(t, "ack")
	me2, err := dialChat(t, citizen)
	if err != nil {
		t.Fatalf("reconnect: %v", err)
	}
	me2.send(t, map[string]any{"action": "message", "type": "send", "conversation": conv.ID, "clientId": "m-2", "text": "Не проходит оплата."})
	if ack := me2.await(t, "ack"); ack["duplicate"] != true {
		t.Errorf("re-sent message not recognised: %v", ack)
	}
	var hist struct {
		Conversation struct{ ReadBySupport int }
		Items        []struct {
			Seq      int
			ClientID string
			Author   string
		}
	}
	get(t, "/chat/conversations/"+conv.ID+"/messages", citizen).JSON(t, &hist)
	var ids []string
	for i, m := range hist.Items {
		if m.Seq != i+1 {
			t.Errorf("history out of order: %+v", hist.Items)
		}
		ids = append(ids, m.ClientID)
	}
	if strings.Join(ids, ",") != "m-1,o-1,m-2,o-2" {
		t.Errorf("history %v, want m-1,o-1,m-2,o-2 once each", ids)
	}
	if hist.Conversation.ReadBySupport != 1 {
		t.Errorf("readBySupport %d", hist.Conversation.ReadBySupport)
	}
	if r := get(t, "/chat/conversations/"+conv.ID+"/messages", freshCitizen(t)); r.Status != http.StatusNotFound {
		t.Errorf("another citizen reads the chat: %d", r.Status)
	}
	if r := post(t, "/chat/conversations/"+conv.ID+"/close", operator, nil); r.Status != http.StatusOK {
		t.Errorf("close = %d %s", r.Status, r.Body)
	}
	me2.await(t, "closed")
}

// With nobody online the chat becomes a ticket and the person is told.
func TestChatBecomesATicketWhenNobodyIsOnline(t *testing.T) {
	citizen := freshCitizen(t)
	me, err := dialChat(t, citizen)
	if err != nil {
		t.Fatal(err)
	}
	// The other chat test's operator may still be online: wait for it to go.
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := post(t, "/chat/conversations", citizen, map[string]any{"text": "Есть кто-нибудь?", "clientId": fmt.Sprint(time.Now().UnixNano())})
		var conv struct {
			ID, Status string
			Ticket     *struct{ Number string }
		}
		r.JSON(t, &conv)
		if conv.Status == "ticketed" {
			if conv.Ticket == nil || !strings.HasPrefix(conv.Ticket.Number, "ТП-") {
				t.Fatalf("ticketed without a number: %s", r.Body)
			}
			me.await(t, "ticketed")
			return
		}
		post(t, "/chat/conversations/"+conv.ID+"/close", citizen, nil)
		if time.Now().After(deadline) {
			t.Fatalf("conversation %s with nobody online", conv.Status)
		}
		time.Sleep(time.Second)
	}
}
