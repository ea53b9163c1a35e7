package appointments

import (
	"context"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/problem"
)

func anySystem() actor.Actor { return actor.System() }

// Closing a day cancels every appointment on it and tells each person
// once, with the nearest free times; its slots leave search and are not
// made again; places held for the waitlist go back to the queue.
func TestClosedDayCancelsAndNotifiesOnce(t *testing.T) {
	e := seeded(t, 20)
	ctx := context.Background()
	staff := staffOf("gp-1")
	var ids []string
	for i, hhmm := range []string{"0900", "0930", "1000"} {
		ids = append(ids, e.book(t, citizen(i), "gp-1.ivanova.20261203."+hhmm).ID)
	}
	other := e.book(t, citizen(5), "gp-1.petrov.20261203.0900")
	// A place held for a waiter on that day.
	w, _ := e.waitlist.Join(ctx, citizen(6), WaitRequest{Organisation: "gp-1", Resource: "ivanova", From: "2026-12-03", To: "2026-12-03"})
	extra := e.book(t, citizen(7), "gp-1.ivanova.20261203.1030")
	if _, err := e.bookings.Cancel(ctx, citizen(7), extra.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.waitlist.Get(ctx, citizen(6), w.ID); got.Status != WaitOffered {
		t.Fatalf("the waiter is %s, want offered", got.Status)
	}
	for round := range 2 {
		res, err := e.reception.CloseDay(ctx, staff, "ivanova", "2026-12-03", "Врач заболел")
		if err != nil {
			t.Fatalf("close %d: %v", round, err)
		}
		want := ClosedDay{Slots: 4, Cancelled: 3, Requeued: 1}
		if round == 1 {
			want = ClosedDay{}
		}
		if res.Slots != want.Slots || res.Cancelled != want.Cancelled || res.Requeued != want.Requeued {
			t.Errorf("close %d: %+v, want %+v", round, res, want)
		}
		if len(res.Alternatives) == 0 {
			t.Errorf("close %d offers no free time", round)
		}
	}
	for i, id := range ids {
		v, err := e.bookings.Get(ctx, citizen(i), id)
		if err != nil || v.Status != StatusCancelledByOrganisation || v.CancelReason != "Врач заболел" || len(v.Alternatives) == 0 {
			t.Errorf("appointment %d: %+v, %v", i, v, err)
		}
		if n := e.notes(t, citizen(i).Sub, messages.AppointmentCancelledByOrganisation); n != 1 {
			t.Errorf("person %d got %d notes, want 1", i, n)
		}
	}
	if v, _ := e.bookings.Get(ctx, citizen(5), other.ID); v.Status != StatusBooked {
		t.Errorf("another doctor's appointment: %s", v.Status)
	}
	if got, _ := e.waitlist.Get(ctx, citizen(6), w.ID); got.Status != WaitWaiting {
		t.Errorf("the waiter is %s, want waiting again", got.Status)
	}
	list, _, _ := e.slots.Search(ctx, citizen(9), SlotQuery{Service: "therapist", Organisation: "gp-1", Resource: "ivanova", From: "2026-12-03", To: "2026-12-03"}, "", 10)
	if len(list) != 0 {
		t.Errorf("the closed day is still searchable: %+v", list)
	}
	if _, err := e.bookings.Book(ctx, citizen(9), BookRequest{SlotID: "gp-1.ivanova.20261203.1030"}); code(err) != "day_closed" {
		t.Errorf("booking the closed day = %v", err)
	}
	// The person can book again elsewhere: the ledger let them go.
	if _, err := e.bookings.Book(ctx, citizen(0), BookRequest{SlotID: "gp-1.petrov.20261204.0900"}); err != nil {
		t.Errorf("rebooking after the closure: %v", err)
	}
	// A day closed ahead of the slots is never made.
	if _, err := e.reception.CloseDay(ctx, staff, "petrov", "2026-12-17", "Отпуск"); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(start.Add(3 * 24 * time.Hour))
	e.materialise(t)
	if list, _, _ := e.slots.Search(ctx, citizen(9), SlotQuery{Service: "therapist", Organisation: "gp-1", Resource: "petrov", From: "2026-12-17", To: "2026-12-17"}, "", 10); len(list) != 0 {
		t.Errorf("slots were made for a closed day: %+v", list)
	}
	for _, c := range []struct {
		a             actor.Actor
		res, date, rs string
		want          string
	}{
		{staffOf("gai-ekb"), "ivanova", "2026-12-10", "Болезнь", "not_found"},
		{citizen(1), "ivanova", "2026-12-10", "Болезнь", "not_staff_of_organisation"},
		{staff, "ivanova", "2026-12-01", "Болезнь", "date:date.past"},
		{staff, "ivanova", "10.12.2026", "Болезнь", "date:date.format"},
		{staff, "ivanova", "2026-12-10", "", "reason:close.reason"},
	} {
		if _, err := e.reception.CloseDay(ctx, c.a, c.res, c.date, c.rs); code(err) != c.want {
			t.Errorf("close %s %s by %s: %v, want %s", c.res, c.date, c.a.Sub, err, c.want)
		}
	}
}

// Staff see their own organisation's day, with whom each visit is for,
// mark who came and who did not, and reach no other organisation's.
func TestStaffDayAndMarks(t *testing.T) {
	e := seeded(t, 20)
	ctx := context.Background()
	staff := staffOf("gp-1")
	v := e.book(t, citizen(1), "gp-1.ivanova.20261202.1000")
	e.book(t, citizen(2), "gp-1.petrov.20261202.1000")
	day, err := e.reception.Day(ctx, staff, "2026-12-02", "")
	if err != nil || len(day.Visits) != 2 || len(day.Slots) != 8 || len(day.Resources) != 3 {
		t.Fatalf("day = %d visits, %d slots, %d resources, %v", len(day.Visits), len(day.Slots), len(day.Resources), err)
	}
	var visit VisitView
	for _, vv := range day.Visits {
		if vv.Resource == "ivanova" {
			visit = vv
		}
	}
	if visit.Name != "Иванов Иван citizen-001" || visit.Number != v.Number || visit.Start.Format("15:04") != "10:00" {
		t.Errorf("visit %+v", visit)
	}
	if _, err := e.reception.Day(ctx, staffOf("gai-ekb"), "2026-12-02", "ivanova"); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("another organisation's resource = %v", err)
	}
	if d, err := e.reception.Day(ctx, staffOf("gai-ekb"), "2026-12-02", ""); err != nil || len(d.Visits) != 0 {
		t.Errorf("another organisation's day = %+v, %v", d.Visits, err)
	}
	if _, err := e.reception.Day(ctx, citizen(1), "2026-12-02", ""); !problem.Is(err, problem.KindForbidden) {
		t.Errorf("a citizen's day = %v", err)
	}
	if _, err := e.reception.Mark(ctx, staff, visit.ID, StatusArrived); code(err) != "visit_not_today" {
		t.Errorf("arrived a day early = %v", err)
	}
	if _, err := e.reception.Mark(ctx, staffOf("gai-ekb"), visit.ID, StatusArrived); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("another organisation's staff marking = %v", err)
	}
	self := staff
	self.Sub = "citizen-001"
	e.clock.Set(time.Date(2026, 12, 2, 6, 55, 0, 0, time.UTC)) // 09:55 in Moscow
	if _, err := e.reception.Mark(ctx, self, visit.ID, StatusArrived); code(err) != "self_action" {
		t.Errorf("marking one's own visit = %v", err)
	}
	if _, err := e.reception.Mark(ctx, staff, visit.ID, StatusNoShow); code(err) != "visit_not_started" {
		t.Errorf("no-show before the start = %v", err)
	}
	marked, err := e.reception.Mark(ctx, staff, visit.ID, StatusArrived)
	if err != nil || marked.Status != StatusArrived {
		t.Fatalf("arrived = %+v, %v", marked, err)
	}
	if _, err := e.reception.Mark(ctx, staff, visit.ID, StatusNoShow); code(err) != "visit_not_active" {
		t.Errorf("marking twice = %v", err)
	}
	e.clock.Set(time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC))
	other := day.Visits[0]
	if other.ID == visit.ID {
		other = day.Visits[1]
	}
	if _, err := e.reception.Mark(ctx, staff, other.ID, StatusNoShow); err != nil {
		t.Fatal(err)
	}
	hist, _, err := e.bookings.List(ctx, citizen(2), Filter{Status: StatusNoShow}, "", 10)
	if err != nil || len(hist) != 1 || hist[0].History[len(hist[0].History)-1].Role != "staff" {
		t.Errorf("the no-show in the history: %+v, %v", hist, err)
	}
	entries, _, _ := e.journal.List(ctx, "citizen-001", journalFilter(), "", 10)
	if len(entries) != 2 || entries[0].Actor != "staff" || entries[0].ActorID != staff.Sub {
		t.Errorf("the person's journal: %+v", entries)
	}
}

// Staff change their resource's schedule: booked slots stay, free ones the
// schedule drops go, new ones are made; another organisation's resource is
// not found.
func TestStaffChangeTheSchedule(t *testing.T) {
	e := seeded(t, 20)
	ctx := context.Background()
	staff := staffOf("gp-1")
	e.book(t, citizen(1), "gp-1.ivanova.20261203.1000")
	org, err := e.dir.StaffOrganisation(ctx, staff)
	if err != nil || len(org.Resources) != 3 || org.Resources[0].Schedule == nil {
		t.Fatalf("staff organisation = %+v, %v", org, err)
	}
	afternoon := Schedule{SlotMinutes: 20, Capacity: 1, Week: Week{"thu": {{"14:00", "15:00"}}}}
	r, st, err := e.dir.SetSchedule(ctx, staff, "ivanova", ScheduleChange{Schedule: afternoon, From: "2026-12-03"})
	if err != nil {
		t.Fatal(err)
	}
	// Thursdays 3 and 10 December: 3 new slots each; the free morning
	// slots of every day from the 3rd go; 10:00 on the 3rd is booked and
	// stays.
	if st.Created != 6 || st.Kept != 1 || st.Removed != 4*9-1 || r.Schedule.SlotMinutes != 20 {
		t.Errorf("relaid %+v, resource %+v", st, r)
	}
	list, _, _ := e.slots.Search(ctx, citizen(2), SlotQuery{Service: "therapist", Organisation: "gp-1", Resource: "ivanova", From: "2026-12-02", To: "2026-12-03"}, "", 20)
	var times []string
	for _, s := range list {
		times = append(times, s.Start.Format("02 15:04"))
	}
	if want := "02 09:00 02 09:30 02 10:00 02 10:30 03 14:00 03 14:20 03 14:40"; joinSpace(times) != want {
		t.Errorf("slots %q, want %q", joinSpace(times), want)
	}
	if _, _, err := e.dir.SetSchedule(ctx, staffOf("gai-ekb"), "ivanova", ScheduleChange{Schedule: afternoon}); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("another organisation's staff = %v", err)
	}
	if _, _, err := e.dir.SetSchedule(ctx, staff, "ivanova", ScheduleChange{Schedule: Schedule{SlotMinutes: 20, Capacity: 1, Week: Week{"sun": {{"14:00", "15:00"}}}}}); code(err) != "week.sun[0]:interval.outside_hours" {
		t.Errorf("hours outside the organisation's = %v", err)
	}
	if _, _, err := e.dir.SetSchedule(ctx, staff, "ivanova", ScheduleChange{Schedule: afternoon, Version: 1}); code(err) != "stale_version" {
		t.Errorf("a stale version = %v", err)
	}
	if _, _, err := e.dir.SetSchedule(ctx, citizen(1), "ivanova", ScheduleChange{Schedule: afternoon}); !problem.Is(err, problem.KindForbidden) {
		t.Errorf("a citizen = %v", err)
	}
}

func joinSpace(s []string) string {
	out := ""
	for i, p := range s {
		if i > 0 {
			out += " "
		}
		out += p
	}
	return out
}
