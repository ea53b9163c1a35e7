package support

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/personaldata"
	"github.com/kabinet/kabinet/shared/problem"
)

// Pusher sends a message to one WebSocket connection (API Gateway's
// @connections management API).
type Pusher interface {
	// Push sends data; ErrGone when the connection no longer exists.
	Push(ctx context.Context, connection string, data []byte) error
}

// ErrGone is a connection that closed without its $disconnect reaching us.
var ErrGone = errors.New("connection gone")

// Conversation statuses.
const (
	ChatWaiting  = "waiting"  // no operator took it yet
	ChatActive   = "active"   // an operator has it
	ChatClosed   = "closed"   // ended
	ChatTicketed = "ticketed" // nobody was online: it became a ticket
)

// Chat limits.
const (
	// OperatorChats is how many conversations one operator holds at once.
	OperatorChats = 3
	// TicketTTL is how long a one-time connection ticket is good for.
	TicketTTL = 60 * time.Second
	// ConnectionTTL is API Gateway's longest connection (2 hours).
	ConnectionTTL = 2 * time.Hour
	// Subprotocol is the chat's WebSocket subprotocol; the client offers
	// it with "ticket.<ticket>" (a browser cannot set headers).
	Subprotocol = "kabinet.chat.v1"
)

// Conn is a WebSocket connection and who opened it.
type Conn struct {
	ID  string
	Sub string
	// Operator: the connection is a support operator's.
	Operator bool
	// TokenID is the access token's id the connection ticket was issued
	// for: the session guard checks its session on every message.
	TokenID string
}

// ChatMessage is one message of a conversation.
type ChatMessage struct {
	Seq         int64        `json:"seq"`
	Author      string       `json:"author"`
	ClientID    string       `json:"clientId,omitempty"`
	Text        string       `json:"text"`
	Attachments []Attachment `json:"attachments"`
	At          time.Time    `json:"at"`
}

// Conversation is a chat as its participants see it.
type Conversation struct {
	ID        string    `json:"id"`
	Status    string    `json:"status"`
	Topic     string    `json:"topic,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	// Operator says an operator has it (the person never sees who).
	Operator bool `json:"operator"`
	// Messages is how many there are; ReadByCitizen and ReadBySupport the
	// last each side read (read receipts).
	Messages      int64 `json:"messages"`
	ReadByCitizen int64 `json:"readByCitizen"`
	ReadBySupport int64 `json:"readBySupport"`
	Ticket        *Ref  `json:"ticket,omitempty"`
}

type chatItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	Kind       string `dynamodbav:"Kind"`
	ID         string `dynamodbav:"ID"`
	Sub        string `dynamodbav:"Sub"`
	Operator   string `dynamodbav:"Operator,omitempty"`
	Status     string `dynamodbav:"Status"`
	Topic      string `dynamodbav:"Topic,omitempty"`
	CreatedAt  string `dynamodbav:"CreatedAt"`
	AssignedAt string `dynamodbav:"AssignedAt,omitempty"`
	ClosedAt   string `dynamodbav:"ClosedAt,omitempty"`
	Seq        int64  `dynamodbav:"Seq"`
	ReadC      int64  `dynamodbav:"ReadC"`
	ReadS      int64  `dynamodbav:"ReadS"`
	Ticket     string `dynamodbav:"Ticket,omitempty"`
	TicketNo   string `dynamodbav:"TicketNo,omitempty"`
	V          int64  `dynamodbav:"V"`
	GSI1PK     string `dynamodbav:"GSI1PK,omitempty"`
	GSI1SK     string `dynamodbav:"GSI1SK,omitempty"`
}

func (it chatItem) view() Conversation {
	c := Conversation{ID: it.ID, Status: it.Status, Topic: it.Topic, CreatedAt: parseStamp(it.CreatedAt), Operator: it.Operator != "",
		Messages: it.Seq, ReadByCitizen: it.ReadC, ReadBySupport: it.ReadS}
	if it.Ticket != "" {
		c.Ticket = &Ref{ID: it.Ticket, Number: it.TicketNo}
	}
	return c
}

// put writes the conversation whole under its version.
func (it chatItem) put(tx *dynamo.Tx) {
	read := it.V
	it.V++
	it.GSI1PK, it.GSI1SK = "", ""
	if it.Status == ChatWaiting {
		it.GSI1PK, it.GSI1SK = dynamo.ChatWaitingPK, it.CreatedAt+"#"+it.ID
	}
	if read == 0 {
		tx.Create(it)
		return
	}
	tx.PutIf(it, expression.Name(dynamo.AttrVersion).Equal(expression.Value(read)))
}

type chatRefItem struct {
	PK   string `dynamodbav:"PK"`
	SK   string `dynamodbav:"SK"`
	Kind string `dynamodbav:"Kind"`
	ID   string `dynamodbav:"ID"`
}

type chatMessageItem struct {
	PK          string           `dynamodbav:"PK"`
	SK          string           `dynamodbav:"SK"`
	Kind        string           `dynamodbav:"Kind"`
	Chat        string           `dynamodbav:"Chat"`
	Seq         int64            `dynamodbav:"Seq"`
	Author      string           `dynamodbav:"Author"`
	AuthorSub   string           `dynamodbav:"AuthorSub,omitempty"`
	ClientID    string           `dynamodbav:"ClientID,omitempty"`
	Text        string           `dynamodbav:"Text"`
	Attachments []attachmentItem `dynamodbav:"Attachments,omitempty"`
	At          string           `dynamodbav:"At"`
}

func (m chatMessageItem) view() ChatMessage {
	return ChatMessage{Seq: m.Seq, Author: m.Author, ClientID: m.ClientID, Text: m.Text, Attachments: attachments(m.Attachments), At: parseStamp(m.At)}
}

type clientItem struct {
	PK   string `dynamodbav:"PK"`
	SK   string `dynamodbav:"SK"`
	Kind string `dynamodbav:"Kind"`
	Seq  int64  `dynamodbav:"Seq"`
}

type connItem struct {
	PK       string `dynamodbav:"PK"`
	SK       string `dynamodbav:"SK"`
	Kind     string `dynamodbav:"Kind"`
	ID       string `dynamodbav:"ID"`
	Sub      string `dynamodbav:"Sub"`
	Operator bool   `dynamodbav:"Operator"`
	TokenID  string `dynamodbav:"TokenID"`
	At       string `dynamodbav:"At"`
	TTL      int64  `dynamodbav:"TTL"`
}

type ticketGrantItem struct {
	PK       string `dynamodbav:"PK"`
	SK       string `dynamodbav:"SK"`
	Kind     string `dynamodbav:"Kind"`
	Sub      string `dynamodbav:"Sub"`
	Operator bool   `dynamodbav:"Operator"`
	TokenID  string `dynamodbav:"TokenID"`
	Expires  int64  `dynamodbav:"Expires"`
	TTL      int64  `dynamodbav:"TTL"`
}

type presenceItem struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Kind   string `dynamodbav:"Kind"`
	Sub    string `dynamodbav:"Sub"`
	Conns  int    `dynamodbav:"Conns"`
	Active int    `dynamodbav:"Active"`
	Since  string `dynamodbav:"Since"`
	V      int64  `dynamodbav:"V"`
	GSI1PK string `dynamodbav:"GSI1PK,omitempty"`
	GSI1SK string `dynamodbav:"GSI1SK,omitempty"`
	GSI2PK string `dynamodbav:"GSI2PK,omitempty"`
	GSI2SK string `dynamodbav:"GSI2SK,omitempty"`
}

// put writes the presence whole under its version, in the free index
// while online with room for a conversation and in the online index while
// connected at all.
func (p presenceItem) put(tx *dynamo.Tx) {
	read := p.V
	p.V++
	p.GSI1PK, p.GSI1SK, p.GSI2PK, p.GSI2SK = "", "", "", ""
	if p.Conns > 0 {
		p.GSI2PK, p.GSI2SK = dynamo.OperatorsOnlinePK, p.Sub
		if p.Active < OperatorChats {
			p.GSI1PK, p.GSI1SK = dynamo.OperatorsFreePK, p.Since+"#"+p.Sub
		}
	}
	if read == 0 {
		tx.Create(p)
		return
	}
	tx.PutIf(p, expression.Name(dynamo.AttrVersion).Equal(expression.Value(read)))
}

// Chat is the real-time chat with operators.
type Chat struct {
	d       Deps
	tickets *Tickets
}

// NewChat needs Pusher, Access and the tickets a chat becomes when nobody
// is online.
func NewChat(d Deps, tickets *Tickets) (*Chat, error) {
	if err := d.need("Chat", "Pusher", "Access"); err != nil {
		return nil, err
	}
	if tickets == nil {
		return nil, fmt.Errorf("support: Chat needs Tickets")
	}
	return &Chat{d: d, tickets: tickets}, nil
}

func (c *Chat) now() time.Time { return c.d.Clock.Now().UTC() }

func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Grant is a one-time connection ticket.
type Grant struct {
	Ticket      string    `json:"ticket"`
	ExpiresAt   time.Time `json:"expiresAt"`
	Subprotocol string    `json:"subprotocol"`
}

// IssueTicket gives a signed-in person (or operator) a one-time ticket to
// open a WebSocket connection within TicketTTL: a browser cannot send the
// access token on a WebSocket, so it offers "ticket.<ticket>" as a
// subprotocol instead. Only the ticket's hash is kept.
func (c *Chat) IssueTicket(ctx context.Context, a actor.Actor, tokenID string) (Grant, error) {
	sub, err := a.OwnAccount()
	if err != nil || a.IsMachine() {
		return Grant{}, problem.Unauthenticated("")
	}
	var b [24]byte
	_, _ = rand.Read(b[:])
	ticket := base64.RawURLEncoding.EncodeToString(b[:])
	now := c.now()
	k := dynamo.ConnectTicketKey(hashOf(ticket))
	exp := now.Add(TicketTTL)
	if err := c.d.DB.Create(ctx, ticketGrantItem{PK: k.PK, SK: k.SK, Kind: kindConnectTicket, Sub: sub, Operator: a.In(actor.GroupSupport),
		TokenID: tokenID, Expires: exp.Unix(), TTL: exp.Add(time.Hour).Unix()}); err != nil {
		return Grant{}, err
	}
	return Grant{Ticket: ticket, ExpiresAt: exp, Subprotocol: Subprotocol}, nil
}

// errRefused is a connection without a valid ticket.
func errRefused() error {
	return problem.Unauthenticated("Нет действующего разрешения на подключение: получите новое (POST /chat/connection-ticket)")
}

// Connect opens a connection with a one-time ticket, used up here (a ticket
// used twice, expired or unknown is Unauthenticated). An operator's first
// connection puts them online and hands them the oldest waiting
// conversations.
func (c *Chat) Connect(ctx context.Context, connection, ticket string) (Conn, error) {
	if ticket == "" || len(ticket) > 64 || connection == "" {
		return Conn{}, errRefused()
	}
	k := dynamo.ConnectTicketKey(hashOf(ticket))
	var g ticketGrantItem
	if err := c.d.DB.Get(ctx, k, "разрешение", &g); err != nil {
		if problem.Is(err, problem.KindNotFound) {
			return Conn{}, errRefused()
		}
		return Conn{}, err
	}
	now := c.now()
	if now.Unix() > g.Expires {
		return Conn{}, errRefused()
	}
	ck, rk := dynamo.ConnectionKey(connection), dynamo.ConnectionRefKey(g.Sub, connection)
	ttl := now.Add(ConnectionTTL).Unix()
	tx := (&dynamo.Tx{}).Delete(k, true).
		Create(connItem{PK: ck.PK, SK: ck.SK, Kind: kindConnection, ID: connection, Sub: g.Sub, Operator: g.Operator, TokenID: g.TokenID, At: stamp(now), TTL: ttl}).
		Create(connItem{PK: rk.PK, SK: rk.SK, Kind: kindConnectionRef, ID: connection, Sub: g.Sub, Operator: g.Operator, TokenID: g.TokenID, At: stamp(now), TTL: ttl})
	if err := c.d.DB.Transact(ctx, "", tx); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return Conn{}, errRefused() // used meanwhile
		}
		return Conn{}, err
	}
	conn := Conn{ID: connection, Sub: g.Sub, Operator: g.Operator, TokenID: g.TokenID}
	if conn.Operator {
		if err := c.presence(ctx, conn.Sub, func(p *presenceItem, now time.Time) {
			if p.Conns == 0 {
				p.Since = stamp(now)
			}
			p.Conns++
		}); err != nil {
			return conn, err
		}
	}
	return conn, nil
}

// Connected is what an operator's connection does once it is open: take
// the oldest waiting conversations while there is room (called after
// $connect has answered, so that the pushes reach the new connection).
func (c *Chat) Connected(ctx context.Context, conn Conn) error {
	if !conn.Operator {
		return nil
	}
	return c.pull(ctx, conn.Sub)
}

// Connection is who opened a connection; NotFound when it is gone.
func (c *Chat) Connection(ctx context.Context, connection string) (Conn, error) {
	var it connItem
	if err := c.d.DB.Get(ctx, dynamo.ConnectionKey(connection), "подключение", &it); err != nil {
		return Conn{}, err
	}
	return Conn{ID: it.ID, Sub: it.Sub, Operator: it.Operator, TokenID: it.TokenID}, nil
}

// Disconnect forgets a connection; an operator's last one takes them
// offline (their conversations stay theirs).
func (c *Chat) Disconnect(ctx context.Context, connection string) error {
	conn, err := c.Connection(ctx, connection)
	if problem.Is(err, problem.KindNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return c.forget(ctx, conn)
}

func (c *Chat) forget(ctx context.Context, conn Conn) error {
	tx := (&dynamo.Tx{}).Delete(dynamo.ConnectionKey(conn.ID), true).Delete(dynamo.ConnectionRefKey(conn.Sub, conn.ID), false)
	if err := c.d.DB.Transact(ctx, "", tx); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return nil // forgotten meanwhile
		}
		return err
	}
	if !conn.Operator {
		return nil
	}
	return c.presence(ctx, conn.Sub, func(p *presenceItem, _ time.Time) {
		if p.Conns > 0 {
			p.Conns--
		}
	})
}

// presence changes an operator's presence under its version.
func (c *Chat) presence(ctx context.Context, sub string, change func(p *presenceItem, now time.Time)) error {
	for attempt := 0; attempt < 8; attempt++ {
		p, err := c.readPresence(ctx, sub)
		if err != nil {
			return err
		}
		change(&p, c.now())
		tx := &dynamo.Tx{}
		p.put(tx)
		err = c.d.DB.Transact(ctx, "", tx)
		if !problem.Is(err, problem.KindConflict) && !problem.Is(err, problem.KindUnavailable) {
			return err
		}
	}
	return problem.New(problem.KindUnavailable, "busy", "Данные сейчас изменяются, повторите попытку")
}

func (c *Chat) readPresence(ctx context.Context, sub string) (presenceItem, error) {
	k := dynamo.PresenceKey(sub)
	var p presenceItem
	err := c.d.DB.Get(ctx, k, "присутствие", &p)
	if problem.Is(err, problem.KindNotFound) {
		return presenceItem{PK: k.PK, SK: k.SK, Kind: kindPresence, Sub: sub}, nil
	}
	return p, err
}

// StartInput is a person's first message to the chat.
type StartInput struct {
	Topic       string   `json:"topic"`
	Text        string   `json:"text"`
	ClientID    string   `json:"clientId"`
	Attachments []string `json:"attachments"`
}

var clientIDRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Start opens a conversation with the person's first message and gives it
// to the first free operator (a conditional claim: of two starting at once
// each gets a different operator or waits). Operators online but all busy:
// it waits in line for the first to be free. Nobody online: it becomes a
// ticket at once and the person is told its number. A person has one open
// conversation at a time: starting again answers that one (created false).
func (c *Chat) Start(ctx context.Context, a actor.Actor, in StartInput) (Conversation, bool, error) {
	sub, err := a.OwnAccount()
	if err != nil || a.IsMachine() {
		return Conversation{}, false, problem.Unauthenticated("")
	}
	if a.In(actor.GroupSupport) {
		return Conversation{}, false, problem.New(problem.KindForbidden, "operator_account", "Операторы не начинают чат со службой поддержки")
	}
	var fields []problem.Field
	topic, ok := clean(in.Topic)
	if !ok || len([]rune(topic)) > MaxTopic {
		fields = append(fields, problem.Field{Field: "topic", Code: "topic.length", Message: fmt.Sprintf("Тема — одна строка, не длиннее %d символов", MaxTopic)})
	}
	text, f := checkText("text", in.Text)
	if f != nil {
		fields = append(fields, *f)
	}
	if !clientIDRe.MatchString(in.ClientID) {
		fields = append(fields, problem.Field{Field: "clientId", Code: "clientId.format", Message: "clientId — от 1 до 64 латинских букв, цифр, «-» и «_»"})
	}
	att, bad, err := scans(ctx, c.d.DB, sub, in.Attachments)
	if err != nil {
		return Conversation{}, false, err
	}
	if fields = append(fields, bad...); len(fields) > 0 {
		return Conversation{}, false, problem.Invalid(fields...)
	}
	if open, err := c.openOf(ctx, sub); err != nil || open != nil {
		if open != nil {
			return open.view(), false, nil
		}
		return Conversation{}, false, err
	}
	now := c.now()
	id := NewID(now)
	k := dynamo.ChatKey(id)
	conv := chatItem{PK: k.PK, SK: k.SK, Kind: kindChat, ID: id, Sub: sub, Status: ChatWaiting, Topic: topic, CreatedAt: stamp(now), Seq: 1}
	rk, mk, ck := dynamo.ChatRefKey(sub, id), dynamo.ChatMessageKey(id, 1), dynamo.ChatClientKey(id, sub, hashOf(in.ClientID))
	tx := &dynamo.Tx{}
	conv.put(tx)
	tx.Create(chatRefItem{PK: rk.PK, SK: rk.SK, Kind: kindChatRef, ID: id}).
		Create(chatMessageItem{PK: mk.PK, SK: mk.SK, Kind: kindChatMessage, Chat: id, Seq: 1, Author: AuthorCitizen, AuthorSub: sub,
			ClientID: in.ClientID, Text: text, Attachments: att, At: stamp(now)}).
		Create(clientItem{PK: ck.PK, SK: ck.SK, Kind: kindChatClient, Seq: 1})
	if err := c.d.DB.Transact(ctx, "", tx); err != nil {
		return Conversation{}, false, err
	}
	conv.V = 1
	got, err := c.route(ctx, conv)
	return got, true, err
}

// openOf is the person's waiting or active conversation, nil when none.
func (c *Chat) openOf(ctx context.Context, sub string) (*chatItem, error) {
	var refs []chatRefItem
	if _, err := c.d.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.ChatRefPrefix, Limit: 5}, &refs); err != nil {
		return nil, err
	}
	for _, r := range refs {
		it, err := c.conversation(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		if it.Sub == sub && (it.Status == ChatWaiting || it.Status == ChatActive) {
			return &it, nil
		}
	}
	return nil, nil
}

func (c *Chat) conversation(ctx context.Context, id string) (chatItem, error) {
	var it chatItem
	if !ValidID(id) {
		return it, problem.NotFound("чат")
	}
	err := c.d.DB.Get(ctx, dynamo.ChatKey(id), "чат", &it)
	return it, err
}

// route gives a new conversation to a free operator, leaves it waiting
// when all online are busy, or makes it a ticket when nobody is online.
func (c *Chat) route(ctx context.Context, conv chatItem) (Conversation, error) {
	var free []presenceItem
	if _, err := c.d.DB.Query(ctx, dynamo.Page{Index: dynamo.IndexGSI1, Partition: dynamo.OperatorsFreePK, Forward: true, Limit: 10}, &free); err != nil {
		return Conversation{}, err
	}
	for _, p := range free {
		got, ok, err := c.claim(ctx, conv.ID, p.Sub)
		if err != nil {
			return Conversation{}, err
		}
		if ok {
			return got.view(), nil
		}
		if got.Status != ChatWaiting {
			return got.view(), nil // taken meanwhile by an operator who came online
		}
	}
	var online []presenceItem
	if _, err := c.d.DB.Query(ctx, dynamo.Page{Index: dynamo.IndexGSI2, Partition: dynamo.OperatorsOnlinePK, Limit: 1}, &online); err != nil {
		return Conversation{}, err
	}
	if len(online) > 0 {
		c.send(ctx, conv, Event{Type: EventQueued, Conversation: conv.ID}, true, false)
		return conv.view(), nil
	}
	return c.ticketize(ctx, conv.ID)
}

// claim gives a waiting conversation to an operator with room for it, in
// one transaction with the operator's presence: false when either changed
// (the conversation taken, the operator full), and the conversation as it
// now is.
func (c *Chat) claim(ctx context.Context, id, operator string) (chatItem, bool, error) {
	conv, err := c.conversation(ctx, id)
	if err != nil || conv.Status != ChatWaiting {
		return conv, false, err
	}
	p, err := c.readPresence(ctx, operator)
	if err != nil {
		return conv, false, err
	}
	if p.Conns == 0 || p.Active >= OperatorChats || conv.Sub == operator {
		return conv, false, nil
	}
	now := c.now()
	p.Active++
	conv.Status, conv.Operator, conv.AssignedAt = ChatActive, operator, stamp(now)
	tx := &dynamo.Tx{}
	p.put(tx)
	conv.put(tx)
	rk := dynamo.ChatRefKey(operator, id)
	tx.Put(chatRefItem{PK: rk.PK, SK: rk.SK, Kind: kindChatRef, ID: id})
	err = c.d.DB.Transact(ctx, "", tx)
	if problem.Is(err, problem.KindConflict) || problem.Is(err, problem.KindUnavailable) {
		fresh, ferr := c.conversation(ctx, id)
		return fresh, false, ferr
	}
	if err != nil {
		return conv, false, err
	}
	conv.V++
	c.send(ctx, conv, Event{Type: EventAssigned, Conversation: id, Chat: ptr(conv.view())}, true, true)
	return conv, true, nil
}

func ptr[T any](v T) *T { return &v }

// pull hands a free operator the oldest waiting conversations.
func (c *Chat) pull(ctx context.Context, operator string) error {
	var waiting []chatItem
	if _, err := c.d.DB.Query(ctx, dynamo.Page{Index: dynamo.IndexGSI1, Partition: dynamo.ChatWaitingPK, Forward: true, Limit: OperatorChats * 2}, &waiting); err != nil {
		return err
	}
	for _, w := range waiting {
		p, err := c.readPresence(ctx, operator)
		if err != nil || p.Conns == 0 || p.Active >= OperatorChats {
			return err
		}
		if _, _, err := c.claim(ctx, w.ID, operator); err != nil {
			return err
		}
	}
	return nil
}

// ticketize makes a waiting conversation a ticket (nobody online), with
// its messages, and tells the person its number.
func (c *Chat) ticketize(ctx context.Context, id string) (Conversation, error) {
	conv, err := c.conversation(ctx, id)
	if err != nil {
		return Conversation{}, err
	}
	if conv.Status != ChatWaiting {
		return conv.view(), nil
	}
	var msgs []chatMessageItem
	if _, err := c.d.DB.Query(ctx, dynamo.Page{Partition: dynamo.ChatKey(id).PK, Prefix: dynamo.ChatMessagePrefix, Forward: true, Consistent: true}, &msgs); err != nil {
		return Conversation{}, err
	}
	var history []ticketMessageItem
	for _, m := range msgs {
		history = append(history, ticketMessageItem{Author: m.Author, AuthorSub: m.AuthorSub, Text: m.Text, Attachments: m.Attachments, At: m.At})
	}
	topic := conv.Topic
	if topic == "" {
		topic = "Вопрос из онлайн-чата"
	}
	var updated chatItem
	t, err := c.tickets.create(ctx, actor.Citizen(conv.Sub), conv.Sub, newTicket{category: "other", topic: topic, source: "chat",
		chat: id, history: history, also: func(tx *dynamo.Tx, t ticketItem) {
			u := conv
			u.Status, u.Ticket, u.TicketNo, u.ClosedAt = ChatTicketed, t.ID, t.Number, stamp(c.now())
			u.put(tx)
			u.V++
			updated = u
		}})
	if err != nil {
		return Conversation{}, err
	}
	c.send(ctx, updated, Event{Type: EventTicketed, Conversation: id, Ticket: &Ref{ID: t.ID, Number: t.Number}}, true, false)
	return updated.view(), nil
}

// SendInput is a message sent on a WebSocket (or its REST twin).
type SendInput struct {
	Conversation string   `json:"conversation"`
	ClientID     string   `json:"clientId"`
	Text         string   `json:"text"`
	Attachments  []string `json:"attachments"`
}

// member reads a conversation for one of its two participants: the person
// or the operator who has it; anyone else NotFound.
func (c *Chat) member(ctx context.Context, conn Conn, id string) (chatItem, error) {
	conv, err := c.conversation(ctx, id)
	if err != nil {
		return conv, err
	}
	if conn.Sub == "" || (conn.Operator && conv.Operator != conn.Sub) || (!conn.Operator && conv.Sub != conn.Sub) {
		return conv, problem.NotFound("чат")
	}
	return conv, nil
}

// Send stores a message and pushes it to both participants' connections.
// A message sent again with the same clientId is stored once: the repeat
// gets the stored message with duplicate true. Only the person may attach
// their scans (by reference). Errors: Invalid; NotFound for someone
// else's conversation; Conflict chat_ended when it ended.
func (c *Chat) Send(ctx context.Context, conn Conn, in SendInput) (ChatMessage, bool, error) {
	var fields []problem.Field
	text, f := checkText("text", in.Text)
	if f != nil {
		fields = append(fields, *f)
	}
	if !clientIDRe.MatchString(in.ClientID) {
		fields = append(fields, problem.Field{Field: "clientId", Code: "clientId.format", Message: "clientId — от 1 до 64 латинских букв, цифр, «-» и «_»"})
	}
	var att []attachmentItem
	if conn.Operator && len(in.Attachments) > 0 {
		fields = append(fields, problem.Field{Field: "attachments", Code: "attachments.operator", Message: "Оператор не прикладывает документы гражданина"})
	} else if !conn.Operator {
		var bad []problem.Field
		var err error
		if att, bad, err = scans(ctx, c.d.DB, conn.Sub, in.Attachments); err != nil {
			return ChatMessage{}, false, err
		}
		fields = append(fields, bad...)
	}
	if len(fields) > 0 {
		return ChatMessage{}, false, problem.Invalid(fields...)
	}
	author := AuthorCitizen
	if conn.Operator {
		author = AuthorSupport
	}
	ck := dynamo.ChatClientKey(in.Conversation, conn.Sub, hashOf(in.ClientID))
	for attempt := 0; attempt < 8; attempt++ {
		conv, err := c.member(ctx, conn, in.Conversation)
		if err != nil {
			return ChatMessage{}, false, err
		}
		if conv.Status != ChatWaiting && conv.Status != ChatActive {
			if m, ok, err := c.sent(ctx, conv, ck); ok || err != nil {
				return m, true, err
			}
			return ChatMessage{}, false, problem.Conflict("chat_ended", "Чат завершён. Начните новый или напишите в обращении")
		}
		now := c.now()
		seq := conv.Seq + 1
		mk := dynamo.ChatMessageKey(conv.ID, seq)
		m := chatMessageItem{PK: mk.PK, SK: mk.SK, Kind: kindChatMessage, Chat: conv.ID, Seq: seq, Author: author, AuthorSub: conn.Sub,
			ClientID: in.ClientID, Text: text, Attachments: att, At: stamp(now)}
		cond := expression.Name("Seq").Equal(expression.Value(conv.Seq)).And(expression.Name("Status").In(expression.Value(ChatWaiting), expression.Value(ChatActive)))
		tx := (&dynamo.Tx{}).Update(dynamo.ChatKey(conv.ID), expression.Set(expression.Name("Seq"), expression.Value(seq)).
			Add(expression.Name(dynamo.AttrVersion), expression.Value(1)), &cond).
			Create(m).Create(clientItem{PK: ck.PK, SK: ck.SK, Kind: kindChatClient, Seq: seq})
		err = c.d.DB.Transact(ctx, "", tx)
		if err == nil {
			c.send(ctx, conv, Event{Type: EventMessage, Conversation: conv.ID, Message: ptr(m.view())}, true, true)
			return m.view(), false, nil
		}
		if !problem.Is(err, problem.KindConflict) && !problem.Is(err, problem.KindUnavailable) {
			return ChatMessage{}, false, err
		}
		// Either this client id was stored already (a repeat), or another
		// message took the sequence: look, then try again.
		if m, ok, err := c.sent(ctx, conv, ck); ok || err != nil {
			return m, true, err
		}
	}
	return ChatMessage{}, false, problem.New(problem.KindUnavailable, "busy", "Данные сейчас изменяются, повторите попытку")
}

// sent is the message a client id stored, if it did.
func (c *Chat) sent(ctx context.Context, conv chatItem, ck dynamo.Key) (ChatMessage, bool, error) {
	var cl clientItem
	err := c.d.DB.Get(ctx, ck, "сообщение", &cl)
	if problem.Is(err, problem.KindNotFound) {
		return ChatMessage{}, false, nil
	}
	if err != nil {
		return ChatMessage{}, false, err
	}
	var m chatMessageItem
	if err := c.d.DB.Get(ctx, dynamo.ChatMessageKey(conv.ID, cl.Seq), "сообщение", &m); err != nil {
		return ChatMessage{}, false, err
	}
	return m.view(), true, nil
}

// Read records that a participant read the conversation up to seq (read
// receipts) and tells the other side. Reading back is never recorded.
func (c *Chat) Read(ctx context.Context, conn Conn, id string, seq int64) error {
	conv, err := c.member(ctx, conn, id)
	if err != nil {
		return err
	}
	if seq < 1 || seq > conv.Seq {
		return problem.Invalid(problem.Field{Field: "seq", Code: "seq.range", Message: "Номер сообщения — из этого чата"})
	}
	attr, role := "ReadC", AuthorCitizen
	if conn.Operator {
		attr, role = "ReadS", AuthorSupport
	}
	cond := expression.Name(attr).LessThan(expression.Value(seq))
	// The version moves too, so that a whole-item write made from an older
	// read (a claim, a close) fails and reads again instead of undoing it.
	err = c.d.DB.Update(ctx, dynamo.ChatKey(id), expression.Set(expression.Name(attr), expression.Value(seq)).
		Add(expression.Name(dynamo.AttrVersion), expression.Value(1)), &cond)
	if problem.Is(err, problem.KindConflict) {
		return nil // read that far already
	}
	if err != nil {
		return err
	}
	c.send(ctx, conv, Event{Type: EventRead, Conversation: id, By: role, Seq: seq}, true, true)
	return nil
}

// Close ends a conversation (either participant); the operator is free
// for the next waiting one.
func (c *Chat) Close(ctx context.Context, a actor.Actor, id string) (Conversation, error) {
	conn := Conn{Sub: a.Sub, Operator: a.In(actor.GroupSupport)}
	for attempt := 0; attempt < 8; attempt++ {
		conv, err := c.member(ctx, conn, id)
		if err != nil {
			return Conversation{}, err
		}
		if conv.Status == ChatClosed || conv.Status == ChatTicketed {
			return conv.view(), nil
		}
		now := c.now()
		operator := conv.Operator
		conv.Status, conv.ClosedAt = ChatClosed, stamp(now)
		tx := &dynamo.Tx{}
		conv.put(tx)
		if operator != "" {
			p, err := c.readPresence(ctx, operator)
			if err != nil {
				return Conversation{}, err
			}
			if p.Active > 0 {
				p.Active--
			}
			p.put(tx)
		}
		err = c.d.DB.Transact(ctx, "", tx)
		if problem.Is(err, problem.KindConflict) || problem.Is(err, problem.KindUnavailable) {
			continue
		}
		if err != nil {
			return Conversation{}, err
		}
		conv.V++
		c.send(ctx, conv, Event{Type: EventClosed, Conversation: id}, true, true)
		if operator != "" {
			if err := c.pull(ctx, operator); err != nil {
				logging.From(ctx).Warn("pull after close", "err", err)
			}
		}
		return conv.view(), nil
	}
	return Conversation{}, problem.New(problem.KindUnavailable, "busy", "Данные сейчас изменяются, повторите попытку")
}

// Conversations lists the person's conversations, newest first, or an
// operator's (those they took).
func (c *Chat) Conversations(ctx context.Context, a actor.Actor, cursor string, limit int32) ([]Conversation, string, error) {
	sub, err := a.OwnAccount()
	if err != nil || a.IsMachine() {
		return nil, "", problem.Unauthenticated("")
	}
	if limit <= 0 || limit > 20 {
		limit = 20
	}
	var refs []chatRefItem
	next, err := c.d.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.ChatRefPrefix, Cursor: cursor, Limit: limit}, &refs)
	if err != nil {
		return nil, "", err
	}
	out := make([]Conversation, 0, len(refs))
	for _, r := range refs {
		it, err := c.conversation(ctx, r.ID)
		if err != nil {
			return nil, "", err
		}
		if it.Sub == sub || it.Operator == sub {
			out = append(out, it.view())
		}
	}
	return out, next, nil
}

// History reads a conversation's messages in order from a cursor, for the
// person or the operator who has it (whose look is recorded): a client
// that reconnects reads from where it stopped and misses nothing.
func (c *Chat) History(ctx context.Context, a actor.Actor, id, cursor string, limit int32) (Conversation, []ChatMessage, string, error) {
	conn := Conn{Sub: a.Sub, Operator: a.In(actor.GroupSupport)}
	if a.Sub == "" || a.IsMachine() {
		return Conversation{}, nil, "", problem.Unauthenticated("")
	}
	conv, err := c.member(ctx, conn, id)
	if err != nil && conn.Operator {
		// An operator may also be a citizen with chats of their own.
		conn.Operator = false
		conv, err = c.member(ctx, conn, id)
	}
	if err != nil {
		return Conversation{}, nil, "", err
	}
	if conn.Operator {
		if err := c.d.Access.Record(ctx, Access{Operator: a, Owner: conv.Sub, What: "переписку в онлайн-чате",
			Data: []string{"сообщения чата"}, Purpose: "ответ в онлайн-чате поддержки",
			Categories: []personaldata.Category{personaldata.Application}, Reason: accesslog.ForChat(id)}); err != nil {
			return Conversation{}, nil, "", err
		}
	}
	var items []chatMessageItem
	next, err := c.d.DB.Query(ctx, dynamo.Page{Partition: dynamo.ChatKey(id).PK, Prefix: dynamo.ChatMessagePrefix, Forward: true,
		Cursor: cursor, Limit: limit, Consistent: true}, &items)
	if err != nil {
		return Conversation{}, nil, "", err
	}
	out := make([]ChatMessage, 0, len(items))
	for _, m := range items {
		out = append(out, m.view())
	}
	return conv.view(), out, next, nil
}

// Event types pushed to connections (docs/chat-websocket.md).
const (
	EventMessage  = "message"
	EventAck      = "ack"
	EventAssigned = "assigned"
	EventQueued   = "queued"
	EventTicketed = "ticketed"
	EventRead     = "read"
	EventClosed   = "closed"
	EventError    = "error"
)

// Event is what the server pushes on a WebSocket.
type Event struct {
	Type         string          `json:"type"`
	Conversation string          `json:"conversation,omitempty"`
	Message      *ChatMessage    `json:"message,omitempty"`
	Chat         *Conversation   `json:"chat,omitempty"`
	Ticket       *Ref            `json:"ticket,omitempty"`
	By           string          `json:"by,omitempty"`
	Seq          int64           `json:"seq,omitempty"`
	ClientID     string          `json:"clientId,omitempty"`
	Duplicate    bool            `json:"duplicate,omitempty"`
	Code         string          `json:"code,omitempty"`
	Detail       string          `json:"detail,omitempty"`
	Errors       []problem.Field `json:"errors,omitempty"`
}

// send pushes an event to every connection of the conversation's person
// and/or operator. A push that fails is logged and the connection of one
// that is gone forgotten: the message is stored, and the client reads it
// back by REST.
func (c *Chat) send(ctx context.Context, conv chatItem, e Event, citizen, operator bool) {
	data, _ := json.Marshal(e)
	var subs []string
	if citizen {
		subs = append(subs, conv.Sub)
	}
	if operator && conv.Operator != "" {
		subs = append(subs, conv.Operator)
	}
	for _, sub := range slices.Compact(subs) {
		var conns []connItem
		if _, err := c.d.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.ConnectionPrefix}, &conns); err != nil {
			logging.From(ctx).Warn("chat fan-out", "err", err)
			continue
		}
		for _, cn := range conns {
			// The person's own connections and, for the operator, only
			// those opened as an operator (and the other way round).
			if cn.Operator != (sub == conv.Operator) {
				continue
			}
			c.PushTo(ctx, Conn{ID: cn.ID, Sub: cn.Sub, Operator: cn.Operator}, data)
		}
	}
}

// PushTo sends data to one connection, forgetting it when it is gone.
func (c *Chat) PushTo(ctx context.Context, conn Conn, data []byte) {
	err := c.d.Pusher.Push(ctx, conn.ID, data)
	if errors.Is(err, ErrGone) {
		if ferr := c.forget(ctx, conn); ferr != nil {
			logging.From(ctx).Warn("forget gone connection", "err", ferr)
		}
		return
	}
	if err != nil {
		logging.From(ctx).Warn("chat push", "err", err)
	}
}

// Reply pushes an event to the connection that sent a request (an ack or
// an error).
func (c *Chat) Reply(ctx context.Context, conn Conn, e Event) {
	data, _ := json.Marshal(e)
	c.PushTo(ctx, conn, data)
}
