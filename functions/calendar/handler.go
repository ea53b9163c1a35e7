package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/calendar"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/reminders"
)

type handler struct {
	db   *dynamo.Store
	cal  *calendar.Store
	base *app.Base
}

func (h *handler) router(r *httpapi.Router) *httpapi.Router {
	r.HandleAuthed("GET /calendar", h.list)
	r.HandleAuthed("GET /calendar.ics", h.ics)
	r.HandleAuthed("POST /calendar/items", h.add)
	r.HandleAuthed("DELETE /calendar/items/{id}", h.remove)
	return r
}

// period reads from and to (RFC 3339 or YYYY-MM-DD); by default the next 90 days.
func (h *handler) period(req *httpapi.Request) (time.Time, time.Time, error) {
	now := h.base.Clock.Now().UTC()
	from, to := now.Truncate(24*time.Hour), now.Truncate(24*time.Hour).AddDate(0, 0, 90)
	var fields []problem.Field
	parse := func(name string, def time.Time) time.Time {
		s := req.QueryStringParameters[name]
		if s == "" {
			return def
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t
		}
		if t, err := time.Parse("2006-01-02", s); err == nil {
			return t
		}
		fields = append(fields, problem.Field{Field: name, Code: "date.format", Message: "Дата в формате ГГГГ-ММ-ДД или RFC 3339"})
		return def
	}
	from, to = parse("from", from), parse("to", to)
	if len(fields) == 0 && !to.After(from) {
		fields = append(fields, problem.Field{Field: "to", Code: "period.order", Message: "Конец периода должен быть позже начала"})
	}
	if len(fields) == 0 && to.Sub(from) > calendar.MaxSpan {
		fields = append(fields, problem.Field{Field: "to", Code: "period.too_long", Message: "Период не длиннее 400 дней"})
	}
	if len(fields) > 0 {
		return from, to, problem.Invalid(fields...)
	}
	return from, to, nil
}

func (h *handler) list(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	from, to, err := h.period(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	entries, err := h.cal.List(ctx, id.Subject, from, to)
	if err != nil {
		return httpapi.Response{}, err
	}
	if entries == nil {
		entries = []calendar.Entry{}
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"from": from, "to": to, "items": entries})
}

func (h *handler) ics(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	from, to, err := h.period(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	entries, err := h.cal.List(ctx, id.Subject, from, to)
	if err != nil {
		return httpapi.Response{}, err
	}
	body := calendar.ICS(entries, h.base.Clock.Now(), "kabinet.gosuslugi.local")
	return httpapi.Response{StatusCode: http.StatusOK, Body: body, Headers: map[string]string{
		"Content-Type":           "text/calendar; charset=utf-8",
		"Content-Disposition":    `attachment; filename="kabinet.ics"`,
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
	}}, nil
}

type itemInput struct {
	Title  string    `json:"title"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end,omitzero"`
	AllDay bool      `json:"allDay"`
	// RemindMinutesBefore sets the reminder (default a day before; 0 means at the start).
	RemindMinutesBefore *int `json:"remindMinutesBefore,omitempty"`
}

// MaxOwnItems bounds how far ahead an own item may be.
const maxAhead = 5 * 365 * 24 * time.Hour

func (h *handler) add(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	var in itemInput
	if err := httpapi.DecodeJSON(req, 4<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	now := h.base.Clock.Now()
	e := calendar.Entry{Kind: calendar.KindOwn, Title: strings.TrimSpace(in.Title), Start: in.Start, End: in.End, AllDay: in.AllDay}
	var fields []problem.Field
	for _, f := range e.Validate() {
		fields = append(fields, problem.Field{Field: f, Code: f + ".invalid", Message: map[string]string{
			"title": "Название — от 1 до 200 символов", "start": "Укажите начало (RFC 3339)", "end": "Конец не может быть раньше начала"}[f]})
	}
	if !e.Start.IsZero() && (e.Start.Before(now.Add(-24*time.Hour)) || e.Start.After(now.Add(maxAhead))) {
		fields = append(fields, problem.Field{Field: "start", Code: "start.range", Message: "Событие — не раньше вчерашнего дня и не позже чем через 5 лет"})
	}
	before := 24 * 60
	if in.RemindMinutesBefore != nil {
		before = *in.RemindMinutesBefore
		if before < 0 || before > 30*24*60 {
			fields = append(fields, problem.Field{Field: "remindMinutesBefore", Code: "remind.range", Message: "Напоминание — от 0 минут до 30 дней до начала"})
		}
	}
	if len(fields) > 0 {
		return httpapi.Response{}, problem.Invalid(fields...)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	// The id carries the start, so the entry's key can be found from it.
	e.ID = fmt.Sprintf("%d-%s", e.Start.Unix(), base64.RawURLEncoding.EncodeToString(b))
	tx := &dynamo.Tx{}
	calendar.Add(tx, id.Subject, e)
	remindAt := e.Start.Add(-time.Duration(before) * time.Minute)
	if remindAt.After(now) {
		if err := reminders.Schedule(tx, reminders.Reminder{Sub: id.Subject, ID: "cal-" + e.ID, At: remindAt,
			Type: messages.CalendarItem, Vars: messages.Vars{"Title": e.Title, "At": e.Start}}); err != nil {
			return httpapi.Response{}, err
		}
	}
	if err := h.db.Transact(ctx, "", tx); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusCreated, e)
}

func (h *handler) remove(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	eid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	secs, _, ok := strings.Cut(eid, "-")
	unix, perr := strconv.ParseInt(secs, 10, 64)
	if !ok || perr != nil {
		return httpapi.Response{}, problem.NotFound("событие календаря")
	}
	k := calendar.Key(id.Subject, calendar.Entry{ID: eid, Start: time.Unix(unix, 0)})
	e, err := h.cal.Get(ctx, k)
	if err != nil {
		return httpapi.Response{}, err
	}
	if e.Kind != calendar.KindOwn {
		return httpapi.Response{}, problem.Forbidden("Это событие создано ведомством и удаляется вместе с ним")
	}
	tx := (&dynamo.Tx{}).Delete(k, true)
	reminders.Cancel(tx, id.Subject, "cal-"+eid)
	if err := h.db.Transact(ctx, "", tx); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.NoContent(), nil
}
