package support

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/documents"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/problem"
)

// Statuses of a ticket.
const (
	StatusNew     = "new"
	StatusOpen    = "open"
	StatusWaiting = "waiting"
	StatusSolved  = "solved"
	StatusClosed  = "closed"
)

// Priorities of a ticket.
const (
	PriorityNormal = "normal"
	PriorityUrgent = "urgent"
)

// Authors of a ticket's messages, as the person sees them.
const (
	AuthorCitizen = "citizen"
	AuthorSupport = "support"
	AuthorSystem  = "system"
)

// Limits of what a ticket holds.
const (
	MaxAttachments = 5
	MaxTopic       = 200
	MaxText        = 5000
	// MaxMessages bounds a ticket's conversation; past it the person
	// opens a new ticket quoting this one.
	MaxMessages = 200
)

// JournalType is the activity journal's type for what happens to a
// person's tickets.
const JournalType = "support.ticket"

// Category is a kind of question, with its Russian title.
type Category struct {
	Code  string `json:"code"`
	Title string `json:"title"`
}

// Categories are what a ticket may be about.
var Categories = []Category{
	{"account", "Вход и учётная запись"},
	{"recovery", "Восстановление доступа и разблокировка"},
	{"personal-data", "Личные данные и документы"},
	{"applications", "Заявления и услуги"},
	{"payments", "Платежи, штрафы и начисления"},
	{"appointments", "Запись на приём"},
	{"technical", "Технические неполадки"},
	{"other", "Другое"},
}

func categoryTitle(code string) (string, bool) {
	for _, c := range Categories {
		if c.Code == code {
			return c.Title, true
		}
	}
	return "", false
}

// LinkInput names what a ticket is about.
type LinkInput struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
}

// OpenInput is the feedback form.
type OpenInput struct {
	Category string `json:"category"`
	Topic    string `json:"topic"`
	Text     string `json:"text"`
	// Urgent asks for a solution within Policy.UrgentSolve; DesiredHours
	// (1–48) asks for it sooner.
	Urgent       bool       `json:"urgent"`
	DesiredHours int        `json:"desiredHours,omitempty"`
	Attachments  []string   `json:"attachments"`
	Link         *LinkInput `json:"link"`
	// Reopens is the id of the person's closed ticket this one continues.
	Reopens string `json:"reopens"`
}

// Attachment is a scan a message refers to.
type Attachment struct {
	DocumentID  string `json:"documentId"`
	FileName    string `json:"fileName"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
}

// Link is what a ticket is about.
type Link struct {
	Kind  string `json:"kind"`
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Ref names another ticket.
type Ref struct {
	ID     string `json:"id"`
	Number string `json:"number"`
}

// Message is one message of a ticket.
type Message struct {
	Seq    int64  `json:"seq"`
	Author string `json:"author"`
	// Internal is an operators' note (never shown to the person).
	Internal bool `json:"internal,omitempty"`
	// Operator is the operator who wrote it (operators' view only).
	Operator    string       `json:"operator,omitempty"`
	Text        string       `json:"text"`
	Attachments []Attachment `json:"attachments"`
	At          time.Time    `json:"at"`
}

// Ticket is a ticket as the person (or, with Assignee and internal notes,
// an operator) sees it.
type Ticket struct {
	ID            string     `json:"id"`
	Number        string     `json:"number"`
	Category      string     `json:"category"`
	CategoryTitle string     `json:"categoryTitle"`
	Topic         string     `json:"topic"`
	Priority      string     `json:"priority"`
	Status        string     `json:"status"`
	Source        string     `json:"source"`
	CreatedAt     time.Time  `json:"createdAt"`
	Due           *time.Time `json:"due,omitempty"`
	Breached      bool       `json:"breached"`
	AnsweredAt    *time.Time `json:"answeredAt,omitempty"`
	SolvedAt      *time.Time `json:"solvedAt,omitempty"`
	ClosedAt      *time.Time `json:"closedAt,omitempty"`
	// SolveAt is when a waiting ticket will be solved without an answer
	// (after the notice).
	SolveAt    *time.Time `json:"solveAt,omitempty"`
	Link       *Link      `json:"link,omitempty"`
	Reopens    *Ref       `json:"reopens,omitempty"`
	ReopenedBy string     `json:"reopenedBy,omitempty"`
	// Assignee is the operator working on it (operators' view only).
	Assignee string    `json:"assignee,omitempty"`
	Messages []Message `json:"messages,omitempty"`
}

func ptime(s string) *time.Time {
	if s == "" {
		return nil
	}
	t := parseStamp(s)
	return &t
}

func attachments(in []attachmentItem) []Attachment {
	out := make([]Attachment, 0, len(in))
	for _, a := range in {
		out = append(out, Attachment(a))
	}
	return out
}

// view is the ticket without its messages; operator adds what only
// operators see.
func (it ticketItem) view(now time.Time, p Policy, operator bool) Ticket {
	title, _ := categoryTitle(it.Category)
	t := Ticket{ID: it.ID, Number: it.Number, Category: it.Category, CategoryTitle: title, Topic: it.Topic,
		Priority: it.Priority, Status: it.Status, Source: it.Source, CreatedAt: parseStamp(it.CreatedAt), Due: ptime(it.Due),
		AnsweredAt: ptime(it.AnsweredAt), SolvedAt: ptime(it.SolvedAt), ClosedAt: ptime(it.ClosedAt), ReopenedBy: it.ReopenedBy}
	if t.Due != nil && (it.Status == StatusNew || it.Status == StatusOpen) {
		t.Breached = now.After(*t.Due)
	}
	if it.Status == StatusWaiting && it.NoticeAt != "" {
		at := parseStamp(it.NoticeAt).Add(p.WaitSolve)
		t.SolveAt = &at
	}
	if it.Link != nil {
		t.Link = &Link{Kind: it.Link.Kind, ID: it.Link.ID, Title: it.Link.Title}
	}
	if it.Reopens != "" {
		t.Reopens = &Ref{ID: it.Reopens, Number: it.ReopensNo}
	}
	if operator {
		t.Assignee = it.Assignee
	}
	return t
}

func messageViews(items []ticketMessageItem, operator bool) []Message {
	out := []Message{}
	for _, m := range items {
		if m.Internal && !operator {
			continue // an internal note never reaches the person
		}
		v := Message{Seq: m.Seq, Author: m.Author, Text: m.Text, Attachments: attachments(m.Attachments), At: parseStamp(m.At)}
		if operator {
			v.Internal = m.Internal
			if m.Author == AuthorSupport {
				v.Operator = m.AuthorSub
			}
		}
		out = append(out, v)
	}
	return out
}

func errTicketNotFound() error { return problem.NotFound("обращение") }

// Tickets are the feedback form's tickets: the person's side and the
// operators'.
type Tickets struct {
	d  Deps
	st store
}

// NewTickets needs Inbox, Journal, Access, Links and a Policy.
func NewTickets(d Deps) (*Tickets, error) {
	if err := d.need("Tickets", "Inbox", "Journal", "Access", "Links", "Policy"); err != nil {
		return nil, err
	}
	return &Tickets{d: d, st: store{db: d.DB}}, nil
}

func (s *Tickets) now() time.Time { return s.d.Clock.Now().UTC() }

// clean trims text and refuses control characters but line breaks and
// tabs; it reports whether the text is acceptable.
func clean(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r'
	}) {
		return s, false
	}
	return s, true
}

// checkText is a message's text: required, at most MaxText characters.
func checkText(field, s string) (string, *problem.Field) {
	s, ok := clean(s)
	switch {
	case !ok:
		return s, &problem.Field{Field: field, Code: "text.characters", Message: "Текст содержит недопустимые символы"}
	case s == "":
		return s, &problem.Field{Field: field, Code: "required", Message: "Напишите текст сообщения"}
	case utf8.RuneCountInString(s) > MaxText:
		return s, &problem.Field{Field: field, Code: "text.length", Message: fmt.Sprintf("Текст — не длиннее %d символов", MaxText)}
	}
	return s, nil
}

// scans checks that every attachment is one of the person's own checked
// documents, at most MaxAttachments of them, each once.
func scans(ctx context.Context, db *dynamo.Store, sub string, ids []string) ([]attachmentItem, []problem.Field, error) {
	if len(ids) > MaxAttachments {
		return nil, []problem.Field{{Field: "attachments", Code: "attachments.count",
			Message: fmt.Sprintf("Не больше %d вложений", MaxAttachments)}}, nil
	}
	var out []attachmentItem
	var fields []problem.Field
	seen := map[string]bool{}
	for i, id := range ids {
		field := fmt.Sprintf("attachments[%d]", i)
		if seen[id] {
			fields = append(fields, problem.Field{Field: field, Code: "attachments.duplicate", Message: "Этот документ уже приложен"})
			continue
		}
		seen[id] = true
		if id == "" || len(id) > 64 {
			fields = append(fields, problem.Field{Field: field, Code: "attachments.unknown", Message: "Такого документа нет среди ваших документов"})
			continue
		}
		d, err := documents.Find(ctx, db, sub, id)
		if problem.Is(err, problem.KindNotFound) {
			fields = append(fields, problem.Field{Field: field, Code: "attachments.unknown", Message: "Такого документа нет среди ваших документов"})
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		out = append(out, attachmentItem{DocumentID: d.ID, FileName: d.FileName, ContentType: d.ContentType, Size: d.Size})
	}
	return out, fields, nil
}

// ticketLink is where a ticket's notes send the person.
func ticketLink(id string) string { return "/support/tickets/" + id }

// Open registers a ticket from the feedback form: checks every field
// (naming each bad one), gives it a number and a due time, and writes it
// with its first message, the confirmation note (inbox and email) and the
// journal entry in one transaction. Errors: Invalid; Unauthenticated for
// anyone but a person.
func (s *Tickets) Open(ctx context.Context, a actor.Actor, in OpenInput) (Ticket, error) {
	sub, err := a.OwnAccount()
	if err != nil || a.IsMachine() {
		return Ticket{}, problem.Unauthenticated("")
	}
	var fields []problem.Field
	if _, ok := categoryTitle(in.Category); !ok {
		fields = append(fields, problem.Field{Field: "category", Code: "category.unknown", Message: "Выберите категорию из списка"})
	}
	topic, ok := clean(in.Topic)
	switch {
	case !ok || strings.ContainsAny(topic, "\n\r\t"):
		fields = append(fields, problem.Field{Field: "topic", Code: "topic.characters", Message: "Тема — одна строка без управляющих символов"})
	case topic == "":
		fields = append(fields, problem.Field{Field: "topic", Code: "required", Message: "Укажите тему обращения"})
	case utf8.RuneCountInString(topic) > MaxTopic:
		fields = append(fields, problem.Field{Field: "topic", Code: "topic.length", Message: fmt.Sprintf("Тема — не длиннее %d символов", MaxTopic)})
	}
	text, f := checkText("text", in.Text)
	if f != nil {
		fields = append(fields, *f)
	}
	if in.DesiredHours != 0 && (!in.Urgent || in.DesiredHours < 1 || time.Duration(in.DesiredHours)*time.Hour > s.d.Policy.UrgentSolve) {
		fields = append(fields, problem.Field{Field: "desiredHours", Code: "desiredHours.range",
			Message: fmt.Sprintf("Желаемый срок — для срочного обращения, от 1 до %d часов", int(s.d.Policy.UrgentSolve.Hours()))})
	}
	att, bad, err := scans(ctx, s.d.DB, sub, in.Attachments)
	if err != nil {
		return Ticket{}, err
	}
	fields = append(fields, bad...)
	var link *linkItem
	if in.Link != nil {
		title, err := s.d.Links.Title(ctx, sub, in.Link.Kind, in.Link.ID)
		switch {
		case problem.Is(err, problem.KindInvalid):
			pe, _ := problem.As(err)
			fields = append(fields, pe.Fields...)
		case err != nil:
			return Ticket{}, err
		default:
			link = &linkItem{Kind: in.Link.Kind, ID: in.Link.ID, Title: title}
		}
	}
	var quoted *ticketItem
	if in.Reopens != "" {
		q, err := s.st.ticket(ctx, sub, in.Reopens)
		switch {
		case problem.Is(err, problem.KindNotFound):
			fields = append(fields, problem.Field{Field: "reopens", Code: "reopens.unknown", Message: "Такого обращения нет среди ваших"})
		case err != nil:
			return Ticket{}, err
		case q.Status != StatusClosed:
			fields = append(fields, problem.Field{Field: "reopens", Code: "reopens.not_closed",
				Message: "Это обращение ещё не закрыто: напишите в нём самом"})
		case q.ReopenedBy != "":
			fields = append(fields, problem.Field{Field: "reopens", Code: "reopens.already",
				Message: "Это обращение уже продолжено обращением " + q.ReopenedBy})
		default:
			quoted = &q
		}
	}
	if len(fields) > 0 {
		return Ticket{}, problem.Invalid(fields...)
	}
	return s.create(ctx, a, sub, newTicket{category: in.Category, topic: topic, text: text, urgent: in.Urgent,
		desired: time.Duration(in.DesiredHours) * time.Hour, att: att, link: link, quoted: quoted, source: "form"})
}

// newTicket is a checked ticket to write.
type newTicket struct {
	category, topic, text, source string
	urgent                        bool
	desired                       time.Duration
	att                           []attachmentItem
	link                          *linkItem
	quoted                        *ticketItem
	chat                          string
	// history are earlier messages (a chat's) to carry over.
	history []ticketMessageItem
	// also writes more in the same transaction (the chat's change).
	also func(tx *dynamo.Tx, t ticketItem)
}

func (s *Tickets) create(ctx context.Context, a actor.Actor, sub string, n newTicket) (Ticket, error) {
	now := s.now()
	seq, err := s.d.DB.Next(ctx, dynamo.TicketNumberCounter(now.Format("2006")))
	if err != nil {
		return Ticket{}, fmt.Errorf("ticket number: %w", err)
	}
	number := fmt.Sprintf("ТП-%s-%06d", now.Format("2006"), seq)
	id := NewID(now)
	priority, due := PriorityNormal, now.Add(s.d.Policy.FirstAnswer)
	if n.urgent {
		priority, due = PriorityUrgent, now.Add(s.d.Policy.UrgentSolve)
		if n.desired > 0 {
			due = now.Add(n.desired)
		}
	}
	var stored Ticket
	_, err = s.d.Journal.Commit(ctx, sub, func(ctx context.Context, tx *dynamo.Tx) (journal.Entry, error) {
		k := dynamo.TicketKey(sub, id)
		it := ticketItem{PK: k.PK, SK: k.SK, Kind: kindTicket, ID: id, Sub: sub, Number: number, Category: n.category,
			Topic: n.topic, Priority: priority, Status: StatusNew, Source: n.source, CreatedAt: stamp(now), Due: stamp(due),
			Link: n.link, Attachments: len(n.att), Chat: n.chat, First: n.att}
		pk := dynamo.TicketPointerKey(id)
		tx.Create(pointerItem{PK: pk.PK, SK: pk.SK, Kind: kindTicketPointer, ID: id, Sub: sub})
		for _, h := range n.history {
			it.message(tx, h.Author, h.AuthorSub, false, h.Text, h.Attachments, parseStamp(h.At))
		}
		if n.text != "" {
			it.message(tx, AuthorCitizen, "", false, n.text, n.att, now)
		}
		if q := n.quoted; q != nil {
			it.Reopens, it.ReopensNo = q.ID, q.Number
			upd := *q
			upd.ReopenedBy = number
			upd.put(tx, s.d.Policy)
		}
		it.put(tx, s.d.Policy)
		if n.also != nil {
			n.also(tx, it)
		}
		if _, err := s.d.Inbox.Add(tx, inbox.Note{Sub: sub, Type: messages.SupportTicketOpened, Ref: id,
			Vars: messages.Vars{"Number": number, "Topic": n.topic, "Due": due, "Link": ticketLink(id)}}, now); err != nil {
			return journal.Entry{}, err
		}
		it.V++
		stored = it.view(now, s.d.Policy, false)
		summary := "Создано обращение в поддержку № " + number
		if n.quoted != nil {
			summary += " (продолжение обращения № " + n.quoted.Number + ")"
		}
		role, actorID := journal.By(a, sub)
		return journal.Entry{Type: JournalType, Summary: summary, Actor: role, ActorID: actorID, IP: a.IP}, nil
	})
	if err != nil {
		if problem.Is(err, problem.KindConflict) && n.quoted != nil {
			return Ticket{}, problem.Conflict("reopens_changed", "Обращение, которое вы продолжаете, изменилось. Обновите страницу и повторите")
		}
		return Ticket{}, err
	}
	return stored, nil
}

// Mine lists the person's tickets, newest first.
func (s *Tickets) Mine(ctx context.Context, a actor.Actor, cursor string, limit int32) ([]Ticket, string, error) {
	sub, err := a.OwnAccount()
	if err != nil || a.IsMachine() {
		return nil, "", problem.Unauthenticated("")
	}
	var items []ticketItem
	next, err := s.d.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.TicketPrefix, Cursor: cursor, Limit: limit}, &items)
	if err != nil {
		return nil, "", err
	}
	now := s.now()
	out := make([]Ticket, 0, len(items))
	for _, it := range items {
		out = append(out, it.view(now, s.d.Policy, false))
	}
	return out, next, nil
}

// Get is one of the person's tickets with its messages, internal notes
// left out. Another person's ticket is NotFound.
func (s *Tickets) Get(ctx context.Context, a actor.Actor, id string) (Ticket, error) {
	sub, err := a.OwnAccount()
	if err != nil || a.IsMachine() {
		return Ticket{}, problem.Unauthenticated("")
	}
	it, err := s.st.ticket(ctx, sub, id)
	if err != nil {
		return Ticket{}, err
	}
	msgs, err := s.st.messages(ctx, sub, id)
	if err != nil {
		return Ticket{}, err
	}
	t := it.view(s.now(), s.d.Policy, false)
	t.Messages = messageViews(msgs, false)
	return t, nil
}

// ReplyInput is a person's or an operator's message on a ticket.
type ReplyInput struct {
	Text        string   `json:"text"`
	Attachments []string `json:"attachments"`
}

// Reply adds the person's message to their ticket: a waiting or solved
// ticket is open again and due an answer within Policy.FirstAnswer (an
// urgent one keeps its solution's due time). A closed ticket is Conflict
// (open a new one that quotes it).
func (s *Tickets) Reply(ctx context.Context, a actor.Actor, id string, in ReplyInput) (Ticket, error) {
	sub, err := a.OwnAccount()
	if err != nil || a.IsMachine() {
		return Ticket{}, problem.Unauthenticated("")
	}
	text, f := checkText("text", in.Text)
	var fields []problem.Field
	if f != nil {
		fields = append(fields, *f)
	}
	att, bad, err := scans(ctx, s.d.DB, sub, in.Attachments)
	if err != nil {
		return Ticket{}, err
	}
	if fields = append(fields, bad...); len(fields) > 0 {
		return Ticket{}, problem.Invalid(fields...)
	}
	var out Ticket
	_, err = s.d.Journal.Commit(ctx, sub, func(ctx context.Context, tx *dynamo.Tx) (journal.Entry, error) {
		it, err := s.st.ticket(ctx, sub, id)
		if err != nil {
			return journal.Entry{}, err
		}
		if err := replyable(it); err != nil {
			return journal.Entry{}, err
		}
		now := s.now()
		it.message(tx, AuthorCitizen, "", false, text, att, now)
		if it.Status == StatusWaiting || it.Status == StatusSolved {
			// An urgent ticket keeps its solution's due time while that is
			// ahead; anything else is due an answer again.
			if it.Priority != PriorityUrgent || it.Status == StatusSolved || !parseStamp(it.Due).After(now) {
				it.Due = stamp(now.Add(s.d.Policy.FirstAnswer))
			}
			it.Status = StatusOpen
			if it.Assignee == "" {
				it.Status = StatusNew
			}
			it.WaitingSince, it.NoticeAt, it.SolvedAt = "", "", ""
		}
		it.put(tx, s.d.Policy)
		it.V++
		out = it.view(now, s.d.Policy, false)
		role, actorID := journal.By(a, sub)
		return journal.Entry{Type: JournalType, Summary: "Дополнено обращение № " + it.Number, Actor: role, ActorID: actorID, IP: a.IP}, nil
	})
	return out, err
}

func replyable(it ticketItem) error {
	if it.Status == StatusClosed {
		return problem.Conflict("ticket_closed", "Обращение закрыто. Создайте новое и укажите в нём это обращение")
	}
	if it.Messages >= MaxMessages {
		return problem.Conflict("ticket_full", "В обращении слишком много сообщений. Создайте новое и укажите в нём это обращение")
	}
	return nil
}
