package main

import (
	"context"
	"net/http"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/support"
)

// ticketService is what the handler needs of support.Tickets: every
// method takes the acting identity and keeps to what it may see.
type ticketService interface {
	Open(ctx context.Context, a actor.Actor, in support.OpenInput) (support.Ticket, error)
	Mine(ctx context.Context, a actor.Actor, cursor string, limit int32) ([]support.Ticket, string, error)
	Get(ctx context.Context, a actor.Actor, id string) (support.Ticket, error)
	Reply(ctx context.Context, a actor.Actor, id string, in support.ReplyInput) (support.Ticket, error)
	Queue(ctx context.Context, a actor.Actor, f support.QueueFilter, cursor string, limit int32) ([]support.Ticket, string, error)
	Look(ctx context.Context, a actor.Actor, id string) (support.Ticket, error)
	Claim(ctx context.Context, a actor.Actor, id string) (support.Ticket, error)
	Answer(ctx context.Context, a actor.Actor, id string, in support.AnswerInput) (support.Ticket, error)
	Note(ctx context.Context, a actor.Actor, id string, in support.NoteInput) (support.Ticket, error)
	Handover(ctx context.Context, a actor.Actor, id string, in support.HandoverInput) (support.Ticket, error)
	Solve(ctx context.Context, a actor.Actor, id string) (support.Ticket, error)
}

// chatService is what the handler needs of support.Chat.
type chatService interface {
	IssueTicket(ctx context.Context, a actor.Actor, tokenID string) (support.Grant, error)
	Start(ctx context.Context, a actor.Actor, in support.StartInput) (support.Conversation, bool, error)
	Conversations(ctx context.Context, a actor.Actor, cursor string, limit int32) ([]support.Conversation, string, error)
	History(ctx context.Context, a actor.Actor, id, cursor string, limit int32) (support.Conversation, []support.ChatMessage, string, error)
	Close(ctx context.Context, a actor.Actor, id string) (support.Conversation, error)
}

// faqService is what the handler needs of support.FAQ.
type faqService interface {
	Search(q, category string) ([]support.FAQEntry, error)
	Get(ctx context.Context, id string) (support.FAQEntry, error)
	Vote(ctx context.Context, id string, helped bool) (support.FAQEntry, error)
}

var (
	_ ticketService = (*support.Tickets)(nil)
	_ chatService   = (*support.Chat)(nil)
	_ faqService    = (*support.FAQ)(nil)
)

type handler struct {
	tickets ticketService
	chat    chatService
	faq     faqService
}

func (h *handler) router(r *httpapi.Router) *httpapi.Router {
	r.HandleAuthed("POST /support/tickets", h.open)
	r.HandleAuthed("GET /support/tickets", h.mine)
	r.HandleAuthed("GET /support/tickets/{id}", h.get)
	r.HandleAuthed("POST /support/tickets/{id}/messages", h.reply)
	r.HandleAuthed("GET /operator/tickets", h.queue)
	r.HandleAuthed("GET /operator/tickets/{id}", h.look)
	r.HandleAuthed("POST /operator/tickets/{id}/claim", h.operatorAction(func(ctx context.Context, req *httpapi.Request, a actor.Actor, id string) (support.Ticket, error) {
		return h.tickets.Claim(ctx, a, id)
	}))
	r.HandleAuthed("POST /operator/tickets/{id}/answer", h.operatorAction(func(ctx context.Context, req *httpapi.Request, a actor.Actor, id string) (support.Ticket, error) {
		var in support.AnswerInput
		if err := httpapi.DecodeJSON(req, 16<<10, &in); err != nil {
			return support.Ticket{}, err
		}
		return h.tickets.Answer(ctx, a, id, in)
	}))
	r.HandleAuthed("POST /operator/tickets/{id}/notes", h.operatorAction(func(ctx context.Context, req *httpapi.Request, a actor.Actor, id string) (support.Ticket, error) {
		var in support.NoteInput
		if err := httpapi.DecodeJSON(req, 16<<10, &in); err != nil {
			return support.Ticket{}, err
		}
		return h.tickets.Note(ctx, a, id, in)
	}))
	r.HandleAuthed("POST /operator/tickets/{id}/handover", h.operatorAction(func(ctx context.Context, req *httpapi.Request, a actor.Actor, id string) (support.Ticket, error) {
		var in support.HandoverInput
		if err := httpapi.DecodeJSON(req, 16<<10, &in); err != nil {
			return support.Ticket{}, err
		}
		return h.tickets.Handover(ctx, a, id, in)
	}))
	r.HandleAuthed("POST /operator/tickets/{id}/solve", h.operatorAction(func(ctx context.Context, req *httpapi.Request, a actor.Actor, id string) (support.Ticket, error) {
		return h.tickets.Solve(ctx, a, id)
	}))
	r.HandleAuthed("POST /chat/connection-ticket", h.connectionTicket)
	r.HandleAuthed("POST /chat/conversations", h.start)
	r.HandleAuthed("GET /chat/conversations", h.conversations)
	r.HandleAuthed("GET /chat/conversations/{id}/messages", h.history)
	r.HandleAuthed("POST /chat/conversations/{id}/close", h.closeChat)
	r.Handle("GET /faq", h.searchFAQ)
	r.Handle("GET /faq/{id}", h.getFAQ)
	r.Handle("POST /faq/{id}/feedback", h.voteFAQ)
	return r
}

func (h *handler) open(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	var in support.OpenInput
	if err := httpapi.DecodeJSON(req, 32<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	t, err := h.tickets.Open(ctx, id.Actor(req), in)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusCreated, t)
}

func (h *handler) mine(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	items, next, err := h.tickets.Mine(ctx, id.Actor(req), cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, httpapi.Page[support.Ticket]{Items: items, NextCursor: next})
}

func (h *handler) get(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	tid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	t, err := h.tickets.Get(ctx, id.Actor(req), tid)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, t)
}

func (h *handler) reply(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	tid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	var in support.ReplyInput
	if err := httpapi.DecodeJSON(req, 32<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	t, err := h.tickets.Reply(ctx, id.Actor(req), tid, in)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, t)
}

func (h *handler) queue(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	q := req.QueryStringParameters
	f := support.QueueFilter{Mine: q["assignee"] == "me", Unassigned: q["assignee"] == "none"}
	if a := q["assignee"]; a != "" && a != "me" && a != "none" {
		return httpapi.Response{}, invalidQuery("assignee", "assignee — me или none")
	}
	items, next, err := h.tickets.Queue(ctx, id.Actor(req), f, cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, httpapi.Page[support.Ticket]{Items: items, NextCursor: next})
}

func (h *handler) look(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	tid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	t, err := h.tickets.Look(ctx, id.Actor(req), tid)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, t)
}

// operatorAction maps an operator's action on one ticket.
func (h *handler) operatorAction(do func(ctx context.Context, req *httpapi.Request, a actor.Actor, id string) (support.Ticket, error)) httpapi.AuthedHandler {
	return func(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
		tid, err := httpapi.PathParam(req, "id")
		if err != nil {
			return httpapi.Response{}, err
		}
		t, err := do(ctx, req, id.Actor(req), tid)
		if err != nil {
			return httpapi.Response{}, err
		}
		return httpapi.JSON(http.StatusOK, t)
	}
}

func (h *handler) connectionTicket(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	g, err := h.chat.IssueTicket(ctx, id.Actor(req), id.TokenID)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusCreated, g)
}

func (h *handler) start(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	var in support.StartInput
	if err := httpapi.DecodeJSON(req, 32<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	c, created, err := h.chat.Start(ctx, id.Actor(req), in)
	if err != nil {
		return httpapi.Response{}, err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return httpapi.JSON(status, c)
}

func (h *handler) conversations(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	items, next, err := h.chat.Conversations(ctx, id.Actor(req), cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, httpapi.Page[support.Conversation]{Items: items, NextCursor: next})
}

func (h *handler) history(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	c, items, next, err := h.chat.History(ctx, id.Actor(req), cid, cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, struct {
		Conversation support.Conversation  `json:"conversation"`
		Items        []support.ChatMessage `json:"items"`
		Next         string                `json:"nextCursor,omitempty"`
	}{c, items, next})
}

func (h *handler) closeChat(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	c, err := h.chat.Close(ctx, id.Actor(req), cid)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, c)
}

func (h *handler) searchFAQ(ctx context.Context, req *httpapi.Request) (httpapi.Response, error) {
	q := req.QueryStringParameters
	items, err := h.faq.Search(q["q"], q["category"])
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"items": items, "categories": support.FAQCategories()})
}

func (h *handler) getFAQ(ctx context.Context, req *httpapi.Request) (httpapi.Response, error) {
	fid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	e, err := h.faq.Get(ctx, fid)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, e)
}

func (h *handler) voteFAQ(ctx context.Context, req *httpapi.Request) (httpapi.Response, error) {
	fid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	var in struct {
		Helped *bool `json:"helped"`
	}
	if err := httpapi.DecodeJSON(req, 1<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	if in.Helped == nil {
		return httpapi.Response{}, invalidQuery("helped", "helped — true (помогло) или false (не помогло)")
	}
	e, err := h.faq.Vote(ctx, fid, *in.Helped)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, e)
}

func invalidQuery(field, msg string) error {
	return problem.Invalid(problem.Field{Field: field, Code: field + ".invalid", Message: msg})
}
