package appointments

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/applications"
	"github.com/kabinet/kabinet/shared/calendar"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/problem"
)

// The nightly run makes each day once, up to each organisation's horizon,
// from the organisations' index; a repeated run makes nothing more.
func TestMaterialiseIsIdempotent(t *testing.T) {
	e := seeded(t, 20)
	ctx := context.Background()
	again := e.materialise(t)
	if again.Slots != 0 || again.Organisations != 2 {
		t.Errorf("a second run made %+v, want no slot", again)
	}
	// The clinic books 14 days ahead: 2–15 December (and what is left of
	// the 1st) have 10 working days, 4 slots a day per therapist.
	_, res, _, err := store{e.db}.organisation(ctx, "gp-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Through != "2026-12-15" {
			t.Errorf("%s made through %s, want 2026-12-15", r.ID, r.Through)
		}
	}
	list, _, err := e.slots.Search(ctx, citizen(1), SlotQuery{Service: "therapist", Organisation: "gp-1"}, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	// 1 December: 09:00 (now) is past, 09:30 to 10:30 are not: 3 each.
	if want := 2 * (3 + 10*4); len(list) != want {
		t.Errorf("%d therapist slots, want %d", len(list), want)
	}
	// A day later the run adds one day.
	e.clock.Set(start.Add(24 * time.Hour))
	if m := e.materialise(t); m.Days != 4 || m.Slots != 4+4+0+2 {
		t.Errorf("the next night made %+v, want a day for each resource: 4+4 therapist slots on Wednesday 16 December, none for the dentist, 2 exams on the 23rd", m)
	}
	if _, err := e.slots.Materialise(ctx, citizen(1)); !problem.Is(err, problem.KindForbidden) {
		t.Errorf("a citizen running the slots = %v, want Forbidden", err)
	}
}

// Search reads only free slots, soonest first, pages with a cursor bound
// to its query, and names every bad field.
func TestSearch(t *testing.T) {
	e := seeded(t, 20)
	ctx := context.Background()
	q := SlotQuery{Service: "therapist", Region: "77", From: "2026-12-02", To: "2026-12-02"}
	first, next, err := e.slots.Search(ctx, citizen(1), q, "", 5)
	if err != nil || len(first) != 5 || next == "" {
		t.Fatalf("page 1: %d, %q, %v", len(first), next, err)
	}
	rest, last, err := e.slots.Search(ctx, citizen(1), q, next, 5)
	if err != nil || len(rest) != 3 || last != "" {
		t.Fatalf("page 2: %d, %q, %v", len(rest), last, err)
	}
	all := append(first, rest...)
	if !slices.IsSortedFunc(all, func(a, b SlotView) int { return a.Start.Compare(b.Start) }) {
		t.Error("slots are not soonest first")
	}
	if all[0].Organisation.Name == "" || all[0].Resource.Name == "" || all[0].Free != 1 || all[0].Start.Format("15:04") != "09:00" {
		t.Errorf("first slot %+v", all[0])
	}
	// A full slot leaves the index.
	e.book(t, citizen(1), all[0].ID)
	again, _, _ := e.slots.Search(ctx, citizen(2), q, "", 100)
	if len(again) != 7 || slices.ContainsFunc(again, func(s SlotView) bool { return s.ID == all[0].ID }) {
		t.Errorf("after booking %s: %d slots", all[0].ID, len(again))
	}
	// A cursor of one query does not serve another.
	if _, _, err := e.slots.Search(ctx, citizen(1), SlotQuery{Service: "dentist", Region: "77"}, next, 5); !problem.Is(err, problem.KindBadRequest) {
		t.Errorf("a therapist cursor for dentists = %v, want 400", err)
	}
	if _, _, err := e.slots.Search(ctx, citizen(1), SlotQuery{Service: "therapist", Region: "77", From: "2026-12-03", To: "2026-12-03"}, next, 5); !problem.Is(err, problem.KindBadRequest) {
		t.Errorf("a cursor outside the period = %v, want 400", err)
	}
	// In the exam site's zone: 10:00 in Yekaterinburg.
	ex, _, err := e.slots.Search(ctx, citizen(1), SlotQuery{Kind: KindExam, Service: "exam-theory", Region: "66", From: "2026-12-02", To: "2026-12-02"}, "", 10)
	if err != nil || len(ex) != 2 || ex[0].Start.Format("15:04 -07:00") != "10:00 +05:00" || ex[0].Capacity != 20 {
		t.Errorf("exam slots %+v, %v", ex, err)
	}
	earliest, err := e.slots.Earliest(ctx, citizen(1), SlotQuery{Service: "therapist", Region: "77"})
	if err != nil || earliest.Start.Format("2006-01-02 15:04") != "2026-12-01 09:30" {
		t.Errorf("earliest = %+v, %v", earliest, err)
	}
	if _, err := e.slots.Earliest(ctx, citizen(1), SlotQuery{Service: "pediatrician", Region: "77"}); code(err) != "no_free_slots" {
		t.Errorf("earliest of a service nobody offers = %v", err)
	}
	bad := []struct {
		q     SlotQuery
		field string
	}{
		{SlotQuery{Region: "77"}, "service:service.unknown"},
		{SlotQuery{Service: "therapist"}, "region:region.required"},
		{SlotQuery{Service: "therapist", Region: "99"}, "region:region.unknown"},
		{SlotQuery{Service: "therapist", Region: "77", Kind: KindExam}, "kind:service.kind"},
		{SlotQuery{Service: "therapist", Organisation: "gai-ekb"}, "organisation:organisation.service"},
		{SlotQuery{Service: "therapist", Organisation: "nowhere"}, "organisation:organisation.unknown"},
		{SlotQuery{Service: "therapist", Region: "77", From: "02.12.2026"}, "from:date.format"},
		{SlotQuery{Service: "therapist", Region: "77", From: "2026-12-05", To: "2026-12-02"}, "to:date.order"},
		{SlotQuery{Service: "therapist", Region: "77", From: "2026-12-02", To: "2027-06-02"}, "to:date.span"},
		{SlotQuery{Service: "therapist", Region: "77", Resource: "ivanova"}, "resource:resource.organisation"},
	}
	for _, c := range bad {
		if _, _, err := e.slots.Search(ctx, citizen(1), c.q, "", 10); code(err) != c.field {
			t.Errorf("%+v: %v, want %s", c.q, err, c.field)
		}
	}
}

// A booking is one transaction: the place, the ticket, the visit for the
// staff, the ledger, a note, a calendar entry, a reminder a day before
// and a journal entry.
func TestBookWritesEverythingOnce(t *testing.T) {
	e := seeded(t, 20)
	ctx := context.Background()
	a := citizen(1)
	slot := "gp-1.ivanova.20261202.1000"
	v, err := e.bookings.Book(ctx, a, BookRequest{SlotID: slot, VisitType: VisitFirst})
	if err != nil {
		t.Fatal(err)
	}
	if v.Number != "GP1-0212-001" || v.Status != StatusBooked || v.For.Relation != ForSelf || v.For.Name != "Иванов Иван citizen-001" ||
		v.Bring == "" || v.Organisation.Address == "" || v.Start.Format(time.RFC3339) != "2026-12-02T10:00:00+03:00" || !v.Changeable ||
		v.ChangeUntil.Format("15:04") != "08:00" || v.VisitType != VisitFirst {
		t.Errorf("appointment %+v", v)
	}
	if sl := e.slot(t, slot); sl.Taken != 1 || sl.GSI1PK != "" || sl.GSI2PK != "" {
		t.Errorf("the slot after booking: %+v", sl)
	}
	if n := e.notes(t, a.Sub, messages.AppointmentBooked); n != 1 {
		t.Errorf("%d booking notes", n)
	}
	cal, err := (&calendar.Store{DB: e.db}).List(ctx, a.Sub, start, start.AddDate(0, 0, 7))
	if err != nil || len(cal) != 1 || cal[0].Kind != calendar.KindAppointment || cal[0].Location == "" {
		t.Errorf("calendar %+v, %v", cal, err)
	}
	var rem struct{ At, Type string }
	if err := e.db.Get(ctx, dynamo.ReminderKey(a.Sub, "appointment-"+v.ID), "напоминание", &rem); err != nil || rem.At != "2026-12-01T07:00:00Z" ||
		rem.Type != messages.AppointmentReminder {
		t.Errorf("reminder %+v, %v (want a day before: 1 December 07:00 UTC)", rem, err)
	}
	entries, _, err := e.journal.List(ctx, a.Sub, journalFilter(), "", 10)
	if err != nil || len(entries) != 1 || entries[0].Actor != "citizen" {
		t.Errorf("journal %+v, %v", entries, err)
	}
	got, err := e.bookings.Get(ctx, a, v.ID)
	if err != nil || got.ID != v.ID {
		t.Errorf("Get = %+v, %v", got, err)
	}
	if _, err := e.bookings.Get(ctx, citizen(2), v.ID); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("another person's Get = %v, want NotFound", err)
	}
	ics, err := e.bookings.ICS(ctx, a, v.ID)
	if err != nil || !contains(ics, "LOCATION:", "SUMMARY:Приём у врача: Терапевт\\, Иванова Мария Петровна", "DTSTART:20261202T070000Z") {
		t.Errorf("ICS %q, %v", ics, err)
	}
	list, _, err := e.bookings.List(ctx, a, Filter{When: "upcoming"}, "", 10)
	if err != nil || len(list) != 1 {
		t.Errorf("List = %+v, %v", list, err)
	}
}

// One place and a hundred people booking it at once: one ticket. A theory
// exam for seven and a hundred people: seven tickets, and the slot leaves
// search when it is full.
func TestConcurrentBookingsTakeExactlyTheCapacity(t *testing.T) {
	for _, capacity := range []int{1, 7} {
		t.Run(fmt.Sprint("capacity ", capacity), func(t *testing.T) {
			e := seeded(t, capacity)
			slot := ivanova
			if capacity > 1 {
				slot = theory
				for i := range 100 {
					e.apps.got[citizen(i).Sub] = applications.Standing{ID: fmt.Sprint("app-", i), Number: "2026-1125-000001", Status: "registered"}
				}
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			tickets := map[string]bool{}
			refusals := map[string]int{}
			for i := range 100 {
				wg.Go(func() {
					v, err := e.bookings.Book(context.Background(), citizen(i), BookRequest{SlotID: slot})
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						refusals[code(err)]++
						return
					}
					tickets[v.Number] = true
				})
			}
			wg.Wait()
			if len(tickets) != capacity || refusals["slot_full"] != 100-capacity {
				t.Errorf("%d tickets, refusals %v; want %d tickets and the rest slot_full", len(tickets), refusals, capacity)
			}
			sl := e.slot(t, slot)
			if sl.Taken != capacity || sl.GSI1PK != "" {
				t.Errorf("slot %+v: want %d taken and out of the index", sl, capacity)
			}
			_, visits, _, err := store{e.db}.day(context.Background(), sl.Org, sl.Date)
			if err != nil || len(visits) != capacity {
				t.Errorf("%d visits for the staff, %v", len(visits), err)
			}
		})
	}
}

// One person cannot hold two appointments at once or more than the
// organisation allows per service, however many bookings race.
func TestPersonalRulesHoldUnderConcurrency(t *testing.T) {
	e := seeded(t, 20)
	ctx := context.Background()
	a := citizen(1)
	// The same time at two therapists and at the dentist's neighbour: one.
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, overlaps := 0, 0
	for i := range 10 {
		slot := ivanova
		if i%2 == 1 {
			slot = petrov
		}
		wg.Go(func() {
			_, err := e.bookings.Book(ctx, a, BookRequest{SlotID: slot})
			mu.Lock()
			defer mu.Unlock()
			switch code(err) {
			case "":
				ok++
			case "appointment_overlap", "appointment_limit", "slot_full":
				overlaps++
			default:
				t.Errorf("booking: %v", err)
			}
		})
	}
	wg.Wait()
	if ok != 1 || overlaps != 9 {
		t.Errorf("%d booked, %d refused; want 1 and 9", ok, overlaps)
	}
	// Different times of the same service: the limit (one) holds.
	b := citizen(2)
	ok, limited := 0, 0
	for i, hhmm := range []string{"0930", "1000", "1030", "0930", "1000", "1030"} {
		slot := "gp-1.ivanova.20261203." + hhmm
		if i >= 3 {
			slot = "gp-1.petrov.20261204." + hhmm
		}
		wg.Go(func() {
			_, err := e.bookings.Book(ctx, b, BookRequest{SlotID: slot})
			mu.Lock()
			defer mu.Unlock()
			switch code(err) {
			case "":
				ok++
			case "appointment_limit":
				limited++
			default:
				t.Errorf("booking: %v", err)
			}
		})
	}
	wg.Wait()
	if ok != 1 || limited != 5 {
		t.Errorf("%d booked, %d over the limit; want 1 and 5", ok, limited)
	}
	// Another service is another limit.
	if _, err := e.bookings.Book(ctx, b, BookRequest{SlotID: "gp-1.smirnov.20261208.1200"}); err != nil {
		t.Errorf("a dentist besides the therapist: %v", err)
	}
}

// Two people move into the last place at once: one gets it, the other
// keeps the time they had.
func TestConcurrentReschedulesIntoTheLastPlace(t *testing.T) {
	e := seeded(t, 20)
	ctx := context.Background()
	a, b := citizen(1), citizen(2)
	va := e.book(t, a, "gp-1.ivanova.20261203.0900")
	vb := e.book(t, b, "gp-1.petrov.20261203.0900")
	last := "gp-1.ivanova.20261204.1000"
	for round := range 5 {
		var wg sync.WaitGroup
		results := make([]error, 2)
		for i, p := range []struct {
			who actor.Actor
			id  string
		}{{a, va.ID}, {b, vb.ID}} {
			wg.Go(func() {
				_, results[i] = e.bookings.Reschedule(ctx, p.who, p.id, last)
			})
		}
		wg.Wait()
		won := -1
		for i, err := range results {
			switch code(err) {
			case "":
				won = i
			case "slot_full":
			default:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if won < 0 || results[1-won] == nil {
			t.Fatalf("round %d: results %v, want exactly one winner", round, results)
		}
		winner, loser := []actor.Actor{a, b}[won], []actor.Actor{a, b}[1-won]
		wv, _ := e.bookings.Get(ctx, winner, []string{va.ID, vb.ID}[won])
		lv, _ := e.bookings.Get(ctx, loser, []string{va.ID, vb.ID}[1-won])
		lostFrom := []string{"gp-1.ivanova.20261203.0900", "gp-1.petrov.20261203.0900"}[1-won]
		if wv.SlotID != last || lv.SlotID != lostFrom || lv.Status != StatusBooked {
			t.Fatalf("round %d: winner at %s, loser at %s (%s)", round, wv.SlotID, lv.SlotID, lv.Status)
		}
		if e.slot(t, last).Taken != 1 || e.slot(t, lostFrom).Taken != 1 {
			t.Fatalf("round %d: places %d and %d", round, e.slot(t, last).Taken, e.slot(t, lostFrom).Taken)
		}
		// The winner moves back, and they race again.
		wasWinner := []string{"gp-1.ivanova.20261203.0900", "gp-1.petrov.20261203.0900"}[won]
		if _, err := e.bookings.Reschedule(ctx, winner, wv.ID, wasWinner); err != nil {
			t.Fatal(err)
		}
		if sl := e.slot(t, last); sl.Taken != 0 || sl.GSI1PK == "" {
			t.Fatalf("the freed place %+v is not free again", sl)
		}
	}
	if n := e.notes(t, a.Sub, messages.AppointmentMoved) + e.notes(t, b.Sub, messages.AppointmentMoved); n != 10 {
		t.Errorf("%d moved notes, want 10", n)
	}
}

// Bad input gets a field-level refusal and changes nothing.
func TestBadInputChangesNothing(t *testing.T) {
	e := seeded(t, 20)
	ctx := context.Background()
	a := citizen(1)
	v := e.book(t, a, ivanova)
	before := e.slot(t, "gp-1.ivanova.20261203.0900")
	cases := []struct {
		name string
		do   func() error
		want string
	}{
		{"a past slot", func() error {
			_, err := e.bookings.Book(ctx, a, BookRequest{SlotID: "gp-1.ivanova.20261201.0900"})
			return err
		}, "slotId:slot.unknown"}, // 09:00 of today was not made: it had passed
		{"a slot of yesterday", func() error {
			_, err := e.bookings.Book(ctx, a, BookRequest{SlotID: "gp-1.ivanova.20261130.0930"})
			return err
		}, "slotId:slot.unknown"},
		{"an unknown slot", func() error {
			_, err := e.bookings.Book(ctx, a, BookRequest{SlotID: "gp-1.ivanova.20261203.0915"})
			return err
		}, "slotId:slot.unknown"},
		{"a malformed slot", func() error {
			_, err := e.bookings.Book(ctx, a, BookRequest{SlotID: "tomorrow at nine"})
			return err
		}, "slotId:slot.unknown"},
		{"for somebody else", func() error {
			_, err := e.bookings.Book(ctx, a, BookRequest{SlotID: "gp-1.ivanova.20261203.0900", For: "child"})
			return err
		}, "for:for.unsupported"},
		{"a visit type at an exam", func() error {
			_, err := e.bookings.Book(ctx, a, BookRequest{SlotID: theory, VisitType: VisitFirst})
			return err
		}, "visitType:visit_type"},
		{"a move to another organisation", func() error {
			_, err := e.bookings.Reschedule(ctx, a, v.ID, theory)
			return err
		}, "slotId:slot.other_organisation"},
		{"a move to the dentist", func() error {
			_, err := e.bookings.Reschedule(ctx, a, v.ID, "gp-1.smirnov.20261208.1200")
			return err
		}, "slotId:slot.other_service"},
		{"a move to the same slot", func() error {
			_, err := e.bookings.Reschedule(ctx, a, v.ID, ivanova)
			return err
		}, "slotId:slot.same"},
		{"a move to an unknown slot", func() error {
			_, err := e.bookings.Reschedule(ctx, a, v.ID, "gp-1.ivanova.20261203.0915")
			return err
		}, "slotId:slot.unknown"},
		{"another person's move", func() error {
			_, err := e.bookings.Reschedule(ctx, citizen(2), v.ID, "gp-1.ivanova.20261203.0900")
			return err
		}, "not_found"},
		{"another person's cancel", func() error {
			_, err := e.bookings.Cancel(ctx, citizen(2), v.ID)
			return err
		}, "not_found"},
		{"a malformed history filter", func() error {
			_, _, err := e.bookings.List(ctx, a, Filter{When: "tomorrow"}, "", 10)
			return err
		}, "when:appointment.when"},
	}
	for _, c := range cases {
		if got := code(c.do()); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	after, _ := e.bookings.Get(ctx, a, v.ID)
	if after.SlotID != ivanova || after.Status != StatusBooked || len(after.History) != 1 {
		t.Errorf("the appointment changed: %+v", after)
	}
	if got := e.slot(t, "gp-1.ivanova.20261203.0900"); got.Taken != before.Taken {
		t.Errorf("the slot changed: %+v", got)
	}
	if n := e.notes(t, a.Sub, messages.AppointmentBooked); n != 1 {
		t.Errorf("%d notes", n)
	}
	// A slot made, whose time has come.
	e.clock.Set(time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC))
	if _, err := e.bookings.Book(ctx, citizen(3), BookRequest{SlotID: "gp-1.ivanova.20261203.0930"}); code(err) != "slotId:slot.past" {
		t.Errorf("a slot whose time passed: %v", err)
	}
	// Beyond the horizon: a slot made for it does not exist yet.
	if _, err := e.bookings.Book(ctx, a, BookRequest{SlotID: "gp-1.ivanova.20261222.0900"}); code(err) != "slotId:slot.unknown" {
		t.Errorf("beyond the horizon: %v", err)
	}
}

// Cancelling and moving hold until the organisation's deadline.
func TestCancelUntilTheDeadline(t *testing.T) {
	e := seeded(t, 20)
	ctx := context.Background()
	a := citizen(1)
	v := e.book(t, a, ivanova)
	e.clock.Set(time.Date(2026, 12, 2, 4, 1, 0, 0, time.UTC)) // 07:01 in Moscow: the deadline (two hours before) passed
	if _, err := e.bookings.Cancel(ctx, a, v.ID); code(err) != "change_deadline" {
		t.Errorf("cancel after the deadline = %v", err)
	}
	if _, err := e.bookings.Reschedule(ctx, a, v.ID, "gp-1.ivanova.20261203.0900"); code(err) != "change_deadline" {
		t.Errorf("move after the deadline = %v", err)
	}
	e.clock.Set(time.Date(2026, 12, 2, 4, 0, 0, 0, time.UTC))
	c, err := e.bookings.Cancel(ctx, a, v.ID)
	if err != nil || c.Status != StatusCancelled || c.Changeable {
		t.Fatalf("cancel at the deadline = %+v, %v", c, err)
	}
	if sl := e.slot(t, ivanova); sl.Taken != 0 || sl.GSI1PK == "" {
		t.Errorf("the freed slot %+v is not free", sl)
	}
	if _, err := e.bookings.Cancel(ctx, a, v.ID); code(err) != "appointment_not_active" {
		t.Errorf("cancel twice = %v", err)
	}
	cal, _ := (&calendar.Store{DB: e.db}).List(ctx, a.Sub, start, start.AddDate(0, 0, 7))
	if len(cal) != 0 {
		t.Errorf("calendar after cancelling: %+v", cal)
	}
	// The place freed can be booked again, and the ledger let it.
	if _, err := e.bookings.Book(ctx, a, BookRequest{SlotID: "gp-1.petrov.20261203.0900"}); err != nil {
		t.Errorf("booking after cancelling: %v", err)
	}
}

// The traffic police examine only people whose exam application they
// accepted.
func TestExamNeedsAnAdmittedApplication(t *testing.T) {
	e := seeded(t, 20)
	ctx := context.Background()
	a := citizen(1)
	if _, err := e.bookings.Book(ctx, a, BookRequest{SlotID: theory}); code(err) != "exam_application_required" {
		t.Errorf("no application = %v", err)
	}
	e.apps.err[a.Sub] = problem.Conflict("application_status", "Заявление № 1 в статусе «Отправлено»").With("applicationId", "app-1").With("status", "submitted")
	if _, err := e.bookings.Book(ctx, a, BookRequest{SlotID: theory}); code(err) != "exam_application_status" {
		t.Errorf("an application not accepted yet = %v", err)
	}
	delete(e.apps.err, a.Sub)
	e.apps.got[a.Sub] = applications.Standing{ID: "app-1", Number: "2026-1125-000001", Status: "registered"}
	v, err := e.bookings.Book(ctx, a, BookRequest{SlotID: theory})
	if err != nil || v.ApplicationID != "app-1" || v.ApplicationNumber != "2026-1125-000001" || e.apps.held != 1 {
		t.Errorf("an admitted application: %+v, %v, %d holds", v, err, e.apps.held)
	}
	if v.Start.Format("15:04 -07:00") != "10:00 +05:00" || v.TimeZone != "Asia/Yekaterinburg" {
		t.Errorf("the exam is at %s in %s", v.Start, v.TimeZone)
	}
	if _, err := e.bookings.Book(ctx, a, BookRequest{SlotID: ivanova, ApplicationID: "app-1"}); code(err) != "applicationId:application.format" {
		t.Errorf("an application for a doctor = %v", err)
	}
}

func contains(s string, parts ...string) bool {
	for _, p := range parts {
		if !containsUnfolded(s, p) {
			return false
		}
	}
	return true
}
