package main

import (
	"context"
	"net/http"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/appointments"
	"github.com/kabinet/kabinet/shared/httpapi"
)

// directoryService is what the handler needs of appointments.Directory:
// every method takes the acting identity and enforces who may call it.
type directoryService interface {
	Catalog(ctx context.Context, a actor.Actor, kind string) (appointments.Catalog, error)
	Organisations(ctx context.Context, a actor.Actor, region, kind, service, cursor string, limit int32) ([]appointments.OrganisationView, string, error)
	Organisation(ctx context.Context, a actor.Actor, id string) (appointments.OrganisationView, error)
	StaffOrganisation(ctx context.Context, a actor.Actor) (appointments.OrganisationView, error)
	SetSchedule(ctx context.Context, a actor.Actor, resource string, c appointments.ScheduleChange) (appointments.ResourceView, appointments.Relaid, error)
}

// slotService is what the handler needs of appointments.Slots.
type slotService interface {
	Search(ctx context.Context, a actor.Actor, q appointments.SlotQuery, cursor string, limit int32) ([]appointments.SlotView, string, error)
	Earliest(ctx context.Context, a actor.Actor, q appointments.SlotQuery) (appointments.SlotView, error)
}

// bookingService is what the handler needs of appointments.Bookings.
type bookingService interface {
	Book(ctx context.Context, a actor.Actor, in appointments.BookRequest) (appointments.AppointmentView, error)
	Get(ctx context.Context, a actor.Actor, id string) (appointments.AppointmentView, error)
	ICS(ctx context.Context, a actor.Actor, id string) (string, error)
	List(ctx context.Context, a actor.Actor, f appointments.Filter, cursor string, limit int32) ([]appointments.AppointmentView, string, error)
	Cancel(ctx context.Context, a actor.Actor, id string) (appointments.AppointmentView, error)
	Reschedule(ctx context.Context, a actor.Actor, id, slotID string) (appointments.AppointmentView, error)
}

// waitlistService is what the handler needs of appointments.Waitlist.
type waitlistService interface {
	Join(ctx context.Context, a actor.Actor, in appointments.WaitRequest) (appointments.WaitView, error)
	List(ctx context.Context, a actor.Actor) ([]appointments.WaitView, error)
	Get(ctx context.Context, a actor.Actor, id string) (appointments.WaitView, error)
	Leave(ctx context.Context, a actor.Actor, id string) (appointments.WaitView, error)
	Accept(ctx context.Context, a actor.Actor, id string, in appointments.BookRequest) (appointments.AppointmentView, error)
	Decline(ctx context.Context, a actor.Actor, id string) (appointments.WaitView, error)
}

// receptionService is what the handler needs of appointments.Reception.
type receptionService interface {
	Day(ctx context.Context, a actor.Actor, date, resource string) (appointments.DayView, error)
	Mark(ctx context.Context, a actor.Actor, visit, status string) (appointments.VisitView, error)
	CloseDay(ctx context.Context, a actor.Actor, resource, date, reason string) (appointments.ClosedDay, error)
}

var (
	_ directoryService = (*appointments.Directory)(nil)
	_ slotService      = (*appointments.Slots)(nil)
	_ bookingService   = (*appointments.Bookings)(nil)
	_ waitlistService  = (*appointments.Waitlist)(nil)
	_ receptionService = (*appointments.Reception)(nil)
)

type handler struct {
	directory directoryService
	slots     slotService
	bookings  bookingService
	waitlist  waitlistService
	reception receptionService
}

func (h *handler) router(r *httpapi.Router) *httpapi.Router {
	r.HandleAuthed("GET /appointments/catalog", h.catalog)
	r.HandleAuthed("GET /appointments/organisations", h.organisations)
	r.HandleAuthed("GET /appointments/organisations/{id}", h.organisation)
	r.HandleAuthed("GET /appointments/slots", h.search)
	r.HandleAuthed("GET /appointments/slots/earliest", h.earliest)
	r.HandleAuthed("POST /appointments", h.book)
	r.HandleAuthed("GET /appointments", h.list)
	r.HandleAuthed("GET /appointments/{id}", h.appointment)
	r.HandleAuthed("GET /appointments/{id}/event.ics", h.ics)
	r.HandleAuthed("POST /appointments/{id}/cancel", h.cancel)
	r.HandleAuthed("POST /appointments/{id}/reschedule", h.reschedule)
	r.HandleAuthed("POST /waitlist", h.join)
	r.HandleAuthed("GET /waitlist", h.waiting)
	r.HandleAuthed("GET /waitlist/{id}", h.entry)
	r.HandleAuthed("DELETE /waitlist/{id}", h.leave)
	r.HandleAuthed("POST /waitlist/{id}/accept", h.accept)
	r.HandleAuthed("POST /waitlist/{id}/decline", h.decline)
	r.HandleAuthed("GET /staff/organisation", h.staffOrganisation)
	r.HandleAuthed("PUT /staff/resources/{id}/schedule", h.schedule)
	r.HandleAuthed("POST /staff/resources/{id}/days/{date}/close", h.closeDay)
	r.HandleAuthed("GET /staff/day", h.day)
	r.HandleAuthed("POST /staff/visits/{id}/arrived", h.mark(appointments.StatusArrived))
	r.HandleAuthed("POST /staff/visits/{id}/no-show", h.mark(appointments.StatusNoShow))
	return r
}

// list is a whole list.
type list[T any] struct {
	Items []T `json:"items"`
}

func (h *handler) catalog(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	c, err := h.directory.Catalog(ctx, id.Actor(req), req.QueryStringParameters["kind"])
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, c)
}

func (h *handler) organisations(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	q := req.QueryStringParameters
	items, next, err := h.directory.Organisations(ctx, id.Actor(req), q["region"], q["kind"], q["service"], cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, httpapi.Page[appointments.OrganisationView]{Items: items, NextCursor: next})
}

func (h *handler) organisation(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	org, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	v, err := h.directory.Organisation(ctx, id.Actor(req), org)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, v)
}

// query reads a slot search from the query string.
func query(req *httpapi.Request) appointments.SlotQuery {
	q := req.QueryStringParameters
	return appointments.SlotQuery{Kind: q["kind"], Service: q["service"], Organisation: q["organisation"], Region: q["region"],
		Resource: q["resource"], From: q["from"], To: q["to"]}
}

func (h *handler) search(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	items, next, err := h.slots.Search(ctx, id.Actor(req), query(req), cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, httpapi.Page[appointments.SlotView]{Items: items, NextCursor: next})
}

func (h *handler) earliest(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	s, err := h.slots.Earliest(ctx, id.Actor(req), query(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, s)
}

func (h *handler) book(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	var in appointments.BookRequest
	if err := httpapi.DecodeJSON(req, 2<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	v, err := h.bookings.Book(ctx, id.Actor(req), in)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusCreated, v)
}

func (h *handler) list(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	q := req.QueryStringParameters
	items, next, err := h.bookings.List(ctx, id.Actor(req), appointments.Filter{Status: q["status"], When: q["when"]}, cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, httpapi.Page[appointments.AppointmentView]{Items: items, NextCursor: next})
}

func (h *handler) appointment(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	aid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	v, err := h.bookings.Get(ctx, id.Actor(req), aid)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, v)
}

// ics answers with the appointment's iCalendar event, to open in a
// calendar app.
func (h *handler) ics(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	aid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	body, err := h.bookings.ICS(ctx, id.Actor(req), aid)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.Response{StatusCode: http.StatusOK, Body: body, Headers: map[string]string{
		"Content-Type":           "text/calendar; charset=utf-8",
		"Content-Disposition":    `attachment; filename="appointment.ics"`,
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
	}}, nil
}

func (h *handler) cancel(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	aid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	v, err := h.bookings.Cancel(ctx, id.Actor(req), aid)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, v)
}

func (h *handler) reschedule(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	aid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	var in struct {
		SlotID string `json:"slotId"`
	}
	if err := httpapi.DecodeJSON(req, 1<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	v, err := h.bookings.Reschedule(ctx, id.Actor(req), aid, in.SlotID)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, v)
}

func (h *handler) join(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	var in appointments.WaitRequest
	if err := httpapi.DecodeJSON(req, 1<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	v, err := h.waitlist.Join(ctx, id.Actor(req), in)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusCreated, v)
}

func (h *handler) waiting(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	items, err := h.waitlist.List(ctx, id.Actor(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, list[appointments.WaitView]{Items: items})
}

func (h *handler) entry(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	wid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	v, err := h.waitlist.Get(ctx, id.Actor(req), wid)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, v)
}

func (h *handler) leave(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	wid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	v, err := h.waitlist.Leave(ctx, id.Actor(req), wid)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, v)
}

// accept books the offered place; the body (a visit type, the exam
// application) is optional.
func (h *handler) accept(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	wid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	var in appointments.BookRequest
	if req.Body != "" {
		var body struct {
			VisitType     string `json:"visitType,omitempty"`
			ApplicationID string `json:"applicationId,omitempty"`
		}
		if err := httpapi.DecodeJSON(req, 1<<10, &body); err != nil {
			return httpapi.Response{}, err
		}
		in.VisitType, in.ApplicationID = body.VisitType, body.ApplicationID
	}
	v, err := h.waitlist.Accept(ctx, id.Actor(req), wid, in)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusCreated, v)
}

func (h *handler) decline(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	wid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	v, err := h.waitlist.Decline(ctx, id.Actor(req), wid)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, v)
}

func (h *handler) staffOrganisation(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	v, err := h.directory.StaffOrganisation(ctx, id.Actor(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, v)
}

// scheduled is a resource's new schedule and what laying it over the days
// already made changed.
type scheduled struct {
	Resource appointments.ResourceView `json:"resource"`
	Relaid   appointments.Relaid       `json:"relaid"`
}

func (h *handler) schedule(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	rid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	var in appointments.ScheduleChange
	if err := httpapi.DecodeJSON(req, 8<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	r, relaid, err := h.directory.SetSchedule(ctx, id.Actor(req), rid, in)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, scheduled{Resource: r, Relaid: relaid})
}

func (h *handler) closeDay(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	rid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	date, err := httpapi.PathParam(req, "date")
	if err != nil {
		return httpapi.Response{}, err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := httpapi.DecodeJSON(req, 2<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	c, err := h.reception.CloseDay(ctx, id.Actor(req), rid, date, in.Reason)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, c)
}

func (h *handler) day(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	q := req.QueryStringParameters
	d, err := h.reception.Day(ctx, id.Actor(req), q["date"], q["resource"])
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, d)
}

// mark records a visit's arrival or no-show.
func (h *handler) mark(status string) httpapi.AuthedHandler {
	return func(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
		vid, err := httpapi.PathParam(req, "id")
		if err != nil {
			return httpapi.Response{}, err
		}
		v, err := h.reception.Mark(ctx, id.Actor(req), vid, status)
		if err != nil {
			return httpapi.Response{}, err
		}
		return httpapi.JSON(http.StatusOK, v)
	}
}
