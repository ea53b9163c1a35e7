package main

import (
	"context"
	"io"
	"testing"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/appointments"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/httpapi/httpapitest"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/problem"
)

// fake records every service call on the shared Recorder.
type fake struct{ httpapitest.Recorder }

func (f *fake) Catalog(_ context.Context, a actor.Actor, kind string) (appointments.Catalog, error) {
	return appointments.Catalog{}, f.Record("Catalog", a, kind)
}
func (f *fake) Organisations(_ context.Context, a actor.Actor, region, kind, service, _ string, _ int32) ([]appointments.OrganisationView, string, error) {
	return nil, "", f.Record("Organisations", a, region, kind, service)
}
func (f *fake) Organisation(_ context.Context, a actor.Actor, id string) (appointments.OrganisationView, error) {
	return appointments.OrganisationView{ID: id}, f.Record("Organisation", a, id)
}
func (f *fake) StaffOrganisation(_ context.Context, a actor.Actor) (appointments.OrganisationView, error) {
	return appointments.OrganisationView{}, f.Record("StaffOrganisation", a, a.Organisation)
}
func (f *fake) SetSchedule(_ context.Context, a actor.Actor, resource string, c appointments.ScheduleChange) (appointments.ResourceView, appointments.Relaid, error) {
	return appointments.ResourceView{}, appointments.Relaid{}, f.Record("SetSchedule", a, resource, c.From, a.Organisation)
}
func (f *fake) Search(_ context.Context, a actor.Actor, q appointments.SlotQuery, _ string, _ int32) ([]appointments.SlotView, string, error) {
	return nil, "", f.Record("Search", a, q.Service, q.Region, q.From, q.To)
}
func (f *fake) Earliest(_ context.Context, a actor.Actor, q appointments.SlotQuery) (appointments.SlotView, error) {
	return appointments.SlotView{}, f.Record("Earliest", a, q.Service, q.Region)
}

// fakeBookings is the bookings' half of the fake.
type fakeBookings struct{ *fake }

func (f fakeBookings) Book(_ context.Context, a actor.Actor, in appointments.BookRequest) (appointments.AppointmentView, error) {
	return appointments.AppointmentView{}, f.Record("Book", a, in.SlotID, in.VisitType)
}
func (f fakeBookings) Get(_ context.Context, a actor.Actor, id string) (appointments.AppointmentView, error) {
	return appointments.AppointmentView{ID: id}, f.Record("Get", a, id)
}
func (f fakeBookings) ICS(_ context.Context, a actor.Actor, id string) (string, error) {
	return "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", f.Record("ICS", a, id)
}
func (f fakeBookings) List(_ context.Context, a actor.Actor, fl appointments.Filter, _ string, _ int32) ([]appointments.AppointmentView, string, error) {
	return nil, "", f.Record("List", a, fl.Status, fl.When)
}
func (f fakeBookings) Cancel(_ context.Context, a actor.Actor, id string) (appointments.AppointmentView, error) {
	return appointments.AppointmentView{}, f.Record("Cancel", a, id)
}
func (f fakeBookings) Reschedule(_ context.Context, a actor.Actor, id, slot string) (appointments.AppointmentView, error) {
	return appointments.AppointmentView{}, f.Record("Reschedule", a, id, slot)
}

// fakeWaitlist is the waitlist's half of the fake.
type fakeWaitlist struct{ *fake }

func (f fakeWaitlist) Join(_ context.Context, a actor.Actor, in appointments.WaitRequest) (appointments.WaitView, error) {
	return appointments.WaitView{}, f.Record("Join", a, in.Organisation, in.Resource, in.From, in.To)
}
func (f fakeWaitlist) List(_ context.Context, a actor.Actor) ([]appointments.WaitView, error) {
	return nil, f.Record("Waitlist.List", a)
}
func (f fakeWaitlist) Get(_ context.Context, a actor.Actor, id string) (appointments.WaitView, error) {
	return appointments.WaitView{}, f.Record("Waitlist.Get", a, id)
}
func (f fakeWaitlist) Leave(_ context.Context, a actor.Actor, id string) (appointments.WaitView, error) {
	return appointments.WaitView{}, f.Record("Leave", a, id)
}
func (f fakeWaitlist) Accept(_ context.Context, a actor.Actor, id string, in appointments.BookRequest) (appointments.AppointmentView, error) {
	return appointments.AppointmentView{}, f.Record("Accept", a, id, in.VisitType)
}
func (f fakeWaitlist) Decline(_ context.Context, a actor.Actor, id string) (appointments.WaitView, error) {
	return appointments.WaitView{}, f.Record("Decline", a, id)
}

// fakeReception is the staff's half of the fake.
type fakeReception struct{ *fake }

func (f fakeReception) Day(_ context.Context, a actor.Actor, date, resource string) (appointments.DayView, error) {
	return appointments.DayView{}, f.Record("Day", a, date, resource, a.Organisation)
}
func (f fakeReception) Mark(_ context.Context, a actor.Actor, visit, status string) (appointments.VisitView, error) {
	return appointments.VisitView{}, f.Record("Mark", a, visit, status)
}
func (f fakeReception) CloseDay(_ context.Context, a actor.Actor, resource, date, reason string) (appointments.ClosedDay, error) {
	return appointments.ClosedDay{}, f.Record("CloseDay", a, resource, date, reason)
}

func fakeRouter(f *fake) *httpapi.Router {
	h := &handler{directory: f, slots: f, bookings: fakeBookings{f}, waitlist: fakeWaitlist{f}, reception: fakeReception{f}}
	return h.router(httpapi.NewRouter("appointments", logging.New(io.Discard, "error"))).Guard(httpapitest.AdmitAll{})
}

func newFake() (*httpapi.Router, *httpapitest.Recorder) {
	f := &fake{}
	return fakeRouter(f), &f.Recorder
}

func TestRoutesMatchTheTable(t *testing.T) {
	if m := fakeRouter(&fake{}).Mismatch(); len(m) > 0 {
		t.Errorf("router and shared/routes disagree: %v", m)
	}
}

const (
	appt  = "20261201T090000-k3m7x9q2zp"
	wait  = "20261201T091500-w8d2c6b1nr"
	visit = "20261203.0930.ivanova." + appt
)

// Every route reaches its service call as the caller the sample event
// describes, staff with the organisation of their claim.
func TestEachRouteCallsItsServiceAsTheCaller(t *testing.T) {
	httpapitest.CheckRoutes(t, []httpapitest.Route{
		{Event: "appointments-catalog.json", Method: "Catalog", Status: 200, Args: []string{"clinic"}},
		{Event: "appointments-organisations.json", Method: "Organisations", Status: 200, Args: []string{"77", "clinic", "therapist"}},
		{Event: "appointments-organisation.json", Method: "Organisation", Status: 200, Args: []string{"gp-12-msk"}},
		{Event: "appointments-slots.json", Method: "Search", Status: 200, Args: []string{"therapist", "77", "2026-12-03", "2026-12-10"}},
		{Event: "appointments-slots-earliest.json", Method: "Earliest", Status: 200, Args: []string{"cardiologist", "77"}},
		{Event: "appointments-book.json", Method: "Book", Status: 201, Args: []string{"gp-12-msk.ivanova.20261203.0930", "first"}},
		{Event: "appointments-list.json", Method: "List", Status: 200, Args: []string{"", "upcoming"}},
		{Event: "appointments-get.json", Method: "Get", Status: 200, Args: []string{appt}},
		{Event: "appointments-ics.json", Method: "ICS", Status: 200, Args: []string{appt}},
		{Event: "appointments-cancel.json", Method: "Cancel", Status: 200, Args: []string{appt}},
		{Event: "appointments-reschedule.json", Method: "Reschedule", Status: 200, Args: []string{appt, "gp-12-msk.sokolov.20261204.1000"}},
		{Event: "waitlist-join.json", Method: "Join", Status: 201, Args: []string{"gp-12-msk", "lebedeva", "2026-12-03", "2026-12-10"}},
		{Event: "waitlist-list.json", Method: "Waitlist.List", Status: 200},
		{Event: "waitlist-get.json", Method: "Waitlist.Get", Status: 200, Args: []string{wait}},
		{Event: "waitlist-leave.json", Method: "Leave", Status: 200, Args: []string{wait}},
		{Event: "waitlist-accept.json", Method: "Accept", Status: 201, Args: []string{wait, "repeat"}},
		{Event: "waitlist-decline.json", Method: "Decline", Status: 200, Args: []string{wait}},
		{Event: "staff-organisation.json", Method: "StaffOrganisation", Status: 200, Args: []string{"gp-12-msk"}},
		{Event: "staff-schedule.json", Method: "SetSchedule", Status: 200, Args: []string{"ivanova", "2026-12-07", "gp-12-msk"}},
		{Event: "staff-close-day.json", Method: "CloseDay", Status: 200, Args: []string{"ivanova", "2026-12-04", "Врач заболел"}},
		{Event: "staff-day.json", Method: "Day", Status: 200, Args: []string{"2026-12-03", "", "gp-12-msk"}},
		{Event: "staff-visit-arrived.json", Method: "Mark", Status: 200, Args: []string{visit, appointments.StatusArrived}},
		{Event: "staff-visit-no-show.json", Method: "Mark", Status: 200, Args: []string{visit, appointments.StatusNoShow}},
	}, newFake)
}

// Malformed input is refused before the service is asked.
func TestBadInputIsRefusedBeforeTheService(t *testing.T) {
	httpapitest.CheckRefusals(t, []httpapitest.Refusal{
		{Event: "appointments-book.json", Body: `{"slotId":1}`, Status: 400, Code: "malformed_json"},
		{Event: "appointments-book.json", Body: `{"slotId":"x","when":"now"}`, Status: 400, Code: "malformed_json"},
		{Event: "appointments-book.json", Headers: map[string]string{"content-type": "text/plain"}, Status: 415, Code: "unsupported_media_type"},
		{Event: "appointments-reschedule.json", Body: `[]`, Status: 400, Code: "malformed_json"},
		{Event: "appointments-slots.json", Query: map[string]string{"service": "therapist", "limit": "500"}, Status: 422, Code: "validation_failed"},
		{Event: "appointments-list.json", Query: map[string]string{"limit": "0"}, Status: 422, Code: "validation_failed"},
		{Event: "waitlist-join.json", Body: `{"organisation":["gp-12-msk"]}`, Status: 400, Code: "malformed_json"},
		{Event: "waitlist-accept.json", Body: `{"slotId":"gp-12-msk.x.20261203.0930"}`, Status: 400, Code: "malformed_json"},
		{Event: "staff-schedule.json", Body: `{"slotMinutes":"twenty"}`, Status: 400, Code: "malformed_json"},
		{Event: "staff-close-day.json", Body: ` `, Status: 400, Code: "body_required"},
	}, newFake)
}

// The services' errors become problem+json with their status.
func TestServiceErrorsMapToProblems(t *testing.T) {
	httpapitest.CheckFailures(t, []httpapitest.Failure{
		{Event: "appointments-book.json", Err: problem.Invalid(problem.Field{Field: "slotId", Code: "slot.past"}), Status: 422},
		{Event: "appointments-book.json", Err: problem.Conflict("slot_full", "x"), Status: 409},
		{Event: "appointments-book.json", Err: problem.New(problem.KindUnavailable, "busy", "x"), Status: 503},
		{Event: "appointments-get.json", Err: problem.NotFound("запись"), Status: 404},
		{Event: "appointments-cancel.json", Err: problem.Conflict("change_deadline", "x"), Status: 409},
		{Event: "waitlist-accept.json", Err: problem.Conflict("offer_expired", "x"), Status: 409},
		{Event: "staff-day.json", Err: problem.New(problem.KindForbidden, "not_staff_of_organisation", "x"), Status: 403},
		{Event: "staff-visit-arrived.json", Err: problem.NotFound("визит"), Status: 404},
		{Event: "staff-close-day.json", Err: io.ErrUnexpectedEOF, Status: 500},
	}, func(err error) *httpapi.Router { return fakeRouter(&fake{httpapitest.Recorder{Err: err}}) })
}
