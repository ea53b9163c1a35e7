package support

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/dynamo"
)

// Item kinds (shared/export says which the person's export holds).
const (
	kindTicket        = "support-ticket"
	kindTicketPointer = "support-ticket-pointer"
	kindTicketMessage = "support-ticket-message"
	// kindTicketNote is an operators' internal note: a kind of its own, so
	// that nothing that reads the person's messages (the export included)
	// can take it along.
	kindTicketNote    = "support-ticket-note"
	kindChat          = "chat"
	kindChatRef       = "chat-ref"
	kindChatMessage   = "chat-message"
	kindChatClient    = "chat-client-id"
	kindConnection    = "ws-connection"
	kindConnectionRef = "ws-connection-ref"
	kindConnectTicket = "ws-connect-ticket"
	kindPresence      = "operator-presence"
)

// attachmentItem is a scan a message refers to (by reference: the file
// stays among the person's documents).
type attachmentItem struct {
	DocumentID  string `dynamodbav:"DocumentID"`
	FileName    string `dynamodbav:"FileName"`
	ContentType string `dynamodbav:"ContentType"`
	Size        int64  `dynamodbav:"Size"`
}

// linkItem is what a ticket is about: one of the person's applications,
// payments or appointments.
type linkItem struct {
	Kind  string `dynamodbav:"Kind"`
	ID    string `dynamodbav:"ID"`
	Title string `dynamodbav:"Title"`
}

// ticketItem is a ticket in its owner's partition, written whole under its
// version (V).
type ticketItem struct {
	PK       string `dynamodbav:"PK"`
	SK       string `dynamodbav:"SK"`
	Kind     string `dynamodbav:"Kind"`
	ID       string `dynamodbav:"ID"`
	Sub      string `dynamodbav:"Sub"`
	Number   string `dynamodbav:"Number"`
	Category string `dynamodbav:"Category"`
	Topic    string `dynamodbav:"Topic"`
	Priority string `dynamodbav:"Priority"`
	Status   string `dynamodbav:"Status"`
	// Source is "form" or "chat" (a chat nobody could take).
	Source    string `dynamodbav:"Source"`
	CreatedAt string `dynamodbav:"CreatedAt"`
	// Due is when the next answer (urgent: the solution) is due; empty
	// while nothing is expected of an operator.
	Due        string `dynamodbav:"Due,omitempty"`
	AnsweredAt string `dynamodbav:"AnsweredAt,omitempty"`
	// WaitingSince, NoticeAt: the ticket waits for the person; the notice
	// that it will be solved went out at NoticeAt.
	WaitingSince string           `dynamodbav:"WaitingSince,omitempty"`
	NoticeAt     string           `dynamodbav:"NoticeAt,omitempty"`
	SolvedAt     string           `dynamodbav:"SolvedAt,omitempty"`
	ClosedAt     string           `dynamodbav:"ClosedAt,omitempty"`
	Assignee     string           `dynamodbav:"Assignee,omitempty"`
	Link         *linkItem        `dynamodbav:"Link,omitempty"`
	Reopens      string           `dynamodbav:"Reopens,omitempty"`
	ReopensNo    string           `dynamodbav:"ReopensNo,omitempty"`
	ReopenedBy   string           `dynamodbav:"ReopenedBy,omitempty"`
	Attachments  int              `dynamodbav:"Attachments"`
	Messages     int64            `dynamodbav:"Messages"`
	Chat         string           `dynamodbav:"Chat,omitempty"`
	Notes        int              `dynamodbav:"Notes"`
	V            int64            `dynamodbav:"V"`
	GSI1PK       string           `dynamodbav:"GSI1PK,omitempty"`
	GSI1SK       string           `dynamodbav:"GSI1SK,omitempty"`
	GSI2PK       string           `dynamodbav:"GSI2PK,omitempty"`
	GSI2SK       string           `dynamodbav:"GSI2SK,omitempty"`
	First        []attachmentItem `dynamodbav:"First,omitempty"`
}

type pointerItem struct {
	PK   string `dynamodbav:"PK"`
	SK   string `dynamodbav:"SK"`
	Kind string `dynamodbav:"Kind"`
	ID   string `dynamodbav:"ID"`
	Sub  string `dynamodbav:"Sub"`
}

// ticketMessageItem is one message of a ticket: the person's, an
// operator's answer or internal note, or the portal's.
type ticketMessageItem struct {
	PK          string           `dynamodbav:"PK"`
	SK          string           `dynamodbav:"SK"`
	Kind        string           `dynamodbav:"Kind"`
	Ticket      string           `dynamodbav:"Ticket"`
	Seq         int64            `dynamodbav:"Seq"`
	Author      string           `dynamodbav:"Author"`
	AuthorSub   string           `dynamodbav:"AuthorSub,omitempty"`
	Internal    bool             `dynamodbav:"Internal"`
	Text        string           `dynamodbav:"Text"`
	Attachments []attachmentItem `dynamodbav:"Attachments,omitempty"`
	At          string           `dynamodbav:"At"`
}

// rank orders tickets of one due time in the queue: urgent first.
func rank(priority string) string {
	if priority == PriorityUrgent {
		return "0"
	}
	return "1"
}

// index sets the ticket's queue and timer keys from its state: in the
// queue while an operator must act (new, open), on the timers while the
// schedule must (waiting: the notice, then the solving; solved: the
// closing), in neither when closed.
func (it *ticketItem) index(p Policy) {
	it.GSI1PK, it.GSI1SK, it.GSI2PK, it.GSI2SK = "", "", "", ""
	switch it.Status {
	case StatusNew, StatusOpen:
		it.GSI1PK, it.GSI1SK = dynamo.SupportQueuePK, strings.Join([]string{it.Due, rank(it.Priority), it.ID}, "#")
	case StatusWaiting:
		at := parseStamp(it.WaitingSince).Add(p.WaitNotice)
		if it.NoticeAt != "" {
			at = parseStamp(it.NoticeAt).Add(p.WaitSolve)
		}
		it.GSI2PK, it.GSI2SK = dynamo.SupportTimersPK, stamp(at)+"#"+it.ID
	case StatusSolved:
		it.GSI2PK, it.GSI2SK = dynamo.SupportTimersPK, stamp(parseStamp(it.SolvedAt).Add(p.CloseAfter))+"#"+it.ID
	}
}

// put writes the ticket whole under its version: the one it was read at
// must still be the stored one (0: it must not exist).
func (it ticketItem) put(tx *dynamo.Tx, p Policy) {
	read := it.V
	it.V++
	it.index(p)
	if read == 0 {
		tx.Create(it)
		return
	}
	tx.PutIf(it, expression.Name(dynamo.AttrVersion).Equal(expression.Value(read)))
}

// message adds the ticket's next message to tx.
func (it *ticketItem) message(tx *dynamo.Tx, author, authorSub string, internal bool, text string, att []attachmentItem, now time.Time) ticketMessageItem {
	it.Messages++
	k := dynamo.TicketMessageKey(it.Sub, it.ID, it.Messages)
	kind := kindTicketMessage
	if internal {
		kind = kindTicketNote
	}
	m := ticketMessageItem{PK: k.PK, SK: k.SK, Kind: kind, Ticket: it.ID, Seq: it.Messages, Author: author,
		AuthorSub: authorSub, Internal: internal, Text: text, Attachments: att, At: stamp(now)}
	tx.Create(m)
	return m
}

type store struct{ db *dynamo.Store }

// ticket reads a ticket from its owner's partition.
func (st store) ticket(ctx context.Context, sub, id string) (ticketItem, error) {
	var it ticketItem
	if !ValidID(id) {
		return it, errTicketNotFound()
	}
	if err := st.db.Get(ctx, dynamo.TicketKey(sub, id), "обращение", &it); err != nil {
		return it, err
	}
	return it, nil
}

// owner finds a ticket's owner by its id (operators).
func (st store) owner(ctx context.Context, id string) (string, error) {
	if !ValidID(id) {
		return "", errTicketNotFound()
	}
	var p pointerItem
	if err := st.db.Get(ctx, dynamo.TicketPointerKey(id), "обращение", &p); err != nil {
		return "", err
	}
	return p.Sub, nil
}

// messages reads a ticket's messages in order (at most MaxMessages).
func (st store) messages(ctx context.Context, sub, id string) ([]ticketMessageItem, error) {
	var out []ticketMessageItem
	cursor := ""
	for {
		var page []ticketMessageItem
		next, err := st.db.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.TicketMessagePrefix(id),
			Forward: true, Cursor: cursor, Consistent: true}, &page)
		if err != nil {
			return nil, fmt.Errorf("ticket messages: %w", err)
		}
		out = append(out, page...)
		if next == "" || len(out) >= MaxMessages {
			return out, nil
		}
		cursor = next
	}
}
