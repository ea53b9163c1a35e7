package main

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/calendar"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/problem"
)

// calendarService is what the handler needs of calendar.Service.
type calendarService interface {
	List(ctx context.Context, a actor.Actor, from, to time.Time) (calendar.Listing, error)
	ICS(ctx context.Context, a actor.Actor, from, to time.Time) (string, error)
	Add(ctx context.Context, a actor.Actor, in calendar.Item) (calendar.Entry, error)
	Remove(ctx context.Context, a actor.Actor, id string) error
}

// feedService is what the handler needs of calendar.Feeds.
type feedService interface {
	Create(ctx context.Context, a actor.Actor, name string) (calendar.NewFeed, error)
	List(ctx context.Context, a actor.Actor) ([]calendar.Feed, error)
	Revoke(ctx context.Context, a actor.Actor, id string) error
	Open(ctx context.Context, a actor.Actor, token string) (string, error)
}

var (
	_ calendarService = (*calendar.Service)(nil)
	_ feedService     = (*calendar.Feeds)(nil)
)

type handler struct {
	cal   calendarService
	feeds feedService
}

func (h *handler) router(r *httpapi.Router) *httpapi.Router {
	r.HandleAuthed("GET /calendar", h.list)
	r.HandleAuthed("GET /calendar.ics", h.ics)
	r.HandleAuthed("POST /calendar/items", h.add)
	r.HandleAuthed("DELETE /calendar/items/{id}", h.remove)
	r.HandleAuthed("POST /calendar/feeds", h.createFeed)
	r.HandleAuthed("GET /calendar/feeds", h.listFeeds)
	r.HandleAuthed("DELETE /calendar/feeds/{id}", h.revokeFeed)
	r.Handle("GET /calendar/feed/{token}", h.openFeed)
	return r
}

// period reads from and to (RFC 3339 or YYYY-MM-DD); an absent one is zero,
// which the service fills in.
func period(req *httpapi.Request) (time.Time, time.Time, error) {
	var fields []problem.Field
	parse := func(name string) time.Time {
		s := req.QueryStringParameters[name]
		if s == "" {
			return time.Time{}
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t
		}
		if t, err := time.Parse("2006-01-02", s); err == nil {
			return t
		}
		fields = append(fields, problem.Field{Field: name, Code: "date.format", Message: "Дата в формате ГГГГ-ММ-ДД или RFC 3339"})
		return time.Time{}
	}
	from, to := parse("from"), parse("to")
	if len(fields) > 0 {
		return from, to, problem.Invalid(fields...)
	}
	return from, to, nil
}

func (h *handler) list(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	from, to, err := period(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	l, err := h.cal.List(ctx, id.Actor(req), from, to)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, l)
}

// icsResponse answers with an iCalendar document.
func icsResponse(body, disposition string) httpapi.Response {
	return httpapi.Response{StatusCode: http.StatusOK, Body: body, Headers: map[string]string{
		"Content-Type":           "text/calendar; charset=utf-8",
		"Content-Disposition":    disposition + `; filename="kabinet.ics"`,
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
	}}
}

func (h *handler) ics(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	from, to, err := period(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	body, err := h.cal.ICS(ctx, id.Actor(req), from, to)
	if err != nil {
		return httpapi.Response{}, err
	}
	return icsResponse(body, "attachment"), nil
}

type itemInput struct {
	Title  string    `json:"title"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end,omitzero"`
	AllDay bool      `json:"allDay"`
	// RemindMinutesBefore sets the reminder (default a day before; 0 means at the start).
	RemindMinutesBefore *int `json:"remindMinutesBefore,omitempty"`
}

func (h *handler) add(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	var in itemInput
	if err := httpapi.DecodeJSON(req, 4<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	e, err := h.cal.Add(ctx, id.Actor(req), calendar.Item{Title: in.Title, Start: in.Start, End: in.End, AllDay: in.AllDay,
		RemindMinutesBefore: in.RemindMinutesBefore})
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusCreated, e)
}

func (h *handler) remove(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	eid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := h.cal.Remove(ctx, id.Actor(req), eid); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.NoContent(), nil
}

type feedInput struct {
	Name string `json:"name"`
}

// newFeed is a subscription just made: its token and addresses are shown
// this once.
type newFeed struct {
	calendar.Feed
	Token     string `json:"token"`
	URL       string `json:"url"`
	WebcalURL string `json:"webcalUrl"`
}

// createFeed takes an optional body (a name for the subscription).
func (h *handler) createFeed(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	var in feedInput
	if req.Body != "" || httpapi.Header(req, "Content-Type") != "" {
		if err := httpapi.DecodeJSON(req, 1<<10, &in); err != nil {
			return httpapi.Response{}, err
		}
	}
	f, err := h.feeds.Create(ctx, id.Actor(req), in.Name)
	if err != nil {
		return httpapi.Response{}, err
	}
	scheme, host := origin(req)
	path := calendar.FeedPath(f.Token)
	return httpapi.JSON(http.StatusCreated, newFeed{Feed: f.Feed, Token: f.Token,
		URL: scheme + "://" + host + path, WebcalURL: "webcal://" + host + path})
}

// origin is the scheme and host the client called the API at: API
// Gateway's domain name over HTTPS; plain HTTP only for the local stack on
// a loopback address.
func origin(req *httpapi.Request) (string, string) {
	host := req.RequestContext.DomainName
	if host == "" {
		host = httpapi.Header(req, "Host")
	}
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	if ip := net.ParseIP(name); (ip != nil && ip.IsLoopback()) || name == "localhost" {
		return "http", host
	}
	return "https", host
}

func (h *handler) listFeeds(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	fs, err := h.feeds.List(ctx, id.Actor(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, map[string][]calendar.Feed{"items": fs})
}

func (h *handler) revokeFeed(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	fid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := h.feeds.Revoke(ctx, id.Actor(req), fid); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.NoContent(), nil
}

// openFeed is the public subscription address: no JWT, the token in the
// path is the only credential. The router logs the route key, never the
// path that carries it.
func (h *handler) openFeed(ctx context.Context, req *httpapi.Request) (httpapi.Response, error) {
	token, err := httpapi.PathParam(req, "token")
	if err != nil {
		return httpapi.Response{}, err
	}
	body, err := h.feeds.Open(ctx, httpapi.Identity{}.Actor(req), token)
	if err != nil {
		return httpapi.Response{}, err
	}
	return icsResponse(body, "inline"), nil
}
