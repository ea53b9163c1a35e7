package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/infra/local/stack"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/appointments"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/cognito"
	"github.com/kabinet/kabinet/shared/dynamo"
)

// Appointments through the gateway, the way a citizen's client and an
// organisation's staff use them. Each test books the slots of a resource
// of its own, which it adds to a demo organisation as an operator would
// (the portal puts the organisation again with it) and whose slots the
// nightly run makes: nobody else books them, and the demo staff of the
// organisation can act on them.

var resourceSeq atomic.Int64

// ownOrgs are the organisations the tests put of their own, with the
// resources added to them so far.
var (
	ownOrgsMu sync.Mutex
	ownOrgs   = map[string]stack.DemoOrganisation{}
)

// ownOrganisation is a clinic of the test's own in Moscow, open in hours,
// with rules; its resources come with ownResource.
func ownOrganisation(rules appointments.Rules, hours appointments.Week) string {
	id := fmt.Sprintf("e2e-org-%d-%d", time.Now().UnixNano()%1e6, resourceSeq.Add(1))
	ownOrgsMu.Lock()
	defer ownOrgsMu.Unlock()
	ownOrgs[id] = stack.DemoOrganisation{Org: appointments.Organisation{ID: id, Kind: appointments.KindClinic, Name: "Тестовая поликлиника " + id,
		Code: "TEST", Address: "г. Москва, ул. Тестовая, д. 1", Region: "77", Hours: hours, Rules: rules}}
	return id
}

// ownResource adds a resource serving service, with slots of minutes for
// capacity people, to a demo organisation (from 10:00 to 12:00 on the days
// it is open then: a few slots a day keep the emulator's table small) or
// to one of the tests' own (in its hours), as an operator does (the whole
// organisation put again with it), and fires the slots function's nightly
// schedule.
func ownResource(t testing.TB, org, service string, capacity, minutes int) string {
	t.Helper()
	ownOrgsMu.Lock()
	defer ownOrgsMu.Unlock()
	d, own := ownOrgs[org]
	for _, demo := range stack.DemoOrganisations() {
		if demo.Org.ID == org {
			d = demo
		}
	}
	if d.Org.ID == "" {
		t.Fatalf("no organisation %s", org)
	}
	id := fmt.Sprintf("e2e-%d-%d", time.Now().UnixNano()%1e6, resourceSeq.Add(1))
	week := d.Org.Hours
	if !own {
		week = appointments.Week{}
		for day, hours := range d.Org.Hours {
			for _, h := range hours {
				if h.From <= "10:00" && h.To >= "12:00" {
					week[day] = []appointments.Interval{{From: "10:00", To: "12:00"}}
				}
			}
		}
	}
	d.Resources = append(d.Resources, appointments.Resource{ID: id, Service: service, Name: "Тестовый специалист " + id, Room: "каб. 0",
		Schedule: appointments.Schedule{SlotMinutes: minutes, Capacity: capacity, Week: week}})
	dir, err := appointments.NewDirectory(appointments.Deps{DB: table(), Clock: clock.System{}})
	if err == nil {
		err = dir.Put(context.Background(), actor.System(), d.Org, d.Resources)
	}
	if err != nil {
		t.Fatalf("put %s with %s: %v", org, id, err)
	}
	if own {
		ownOrgs[org] = d
	}
	if _, err := st.FireSchedule(context.Background(), "slots", "Nightly"); err != nil {
		t.Fatalf("slots run: %v", err)
	}
	return id
}

// newStaff is a member of an organisation's staff, made as an operator
// makes one: a registered person put in the staff group with the
// organisation on their account, signed in again.
func newStaff(t *testing.T, org string) person {
	t.Helper()
	p := people(t, 1)[0]
	ctx := context.Background()
	var acc struct{ Username string }
	if err := table().Get(ctx, dynamo.AccountKey(p.sub), "учётная запись", &acc); err != nil {
		t.Fatal(err)
	}
	if err := table().Update(ctx, dynamo.AccountKey(p.sub), expression.Set(expression.Name("Organisation"), expression.Value(org)), nil); err != nil {
		t.Fatal(err)
	}
	if err := cognito.New(st.Cognito(), st.Resources["UserPool"], st.Resources["UserPoolClient"]).AddToGroup(ctx, acc.Username, actor.GroupStaff); err != nil {
		t.Fatal(err)
	}
	p.token = loginAs(t, p.phone, "Зелёный-Чай-42", "", nil).AccessToken
	return p
}

// apptSlot is a free slot as the search answers it.
type apptSlot struct {
	ID             string
	Start, End     time.Time
	Capacity, Free int
}

// slotsOf are a resource's free slots that start after the organisation's
// change deadline (two hours and a margin), soonest first.
func slotsOf(t testing.TB, token, org, service, resource string) []apptSlot {
	t.Helper()
	q := url.Values{"organisation": {org}, "service": {service}, "resource": {resource}, "limit": {"100"}}
	r := call(t, "GET", "/appointments/slots?"+q.Encode(), token, nil, nil)
	if r.Status != 200 {
		t.Fatalf("slots of %s = %d %s", resource, r.Status, r.Body)
	}
	var p struct{ Items []apptSlot }
	r.JSON(t, &p)
	var out []apptSlot
	for _, s := range p.Items {
		if s.Start.After(time.Now().Add(3 * time.Hour)) {
			out = append(out, s)
		}
	}
	if len(out) < 4 {
		t.Fatalf("%s has %d free slots ahead: %s", resource, len(out), r.Body)
	}
	return out
}

// isFree says whether a slot is among the free ones the search finds.
func isFree(t *testing.T, token, org, service, resource, id string) bool {
	t.Helper()
	q := url.Values{"organisation": {org}, "service": {service}, "resource": {resource}, "limit": {"100"}}
	var p struct{ Items []apptSlot }
	call(t, "GET", "/appointments/slots?"+q.Encode(), token, nil, nil).JSON(t, &p)
	for _, s := range p.Items {
		if s.ID == id {
			return true
		}
	}
	return false
}

// appt is an appointment as the API answers it.
type appt struct {
	ID, Number, Status, SlotID, CancelReason string
	Start, ChangeUntil                       time.Time
	Changeable                               bool
	Alternatives                             []string
	Organisation                             struct{ ID, Address string }
	History                                  []struct{ Action, Role string }
}

func book(t testing.TB, token, slot string) response {
	t.Helper()
	body := map[string]string{"slotId": slot}
	if strings.HasPrefix(slot, stack.DemoClinic+".") || strings.HasPrefix(slot, "gp-") {
		body["visitType"] = "first"
	}
	return post(t, "/appointments", token, body)
}

func booked(t testing.TB, token, slot string) appt {
	t.Helper()
	r := book(t, token, slot)
	if r.Status != 201 {
		t.Fatalf("book %s = %d %s", slot, r.Status, r.Body)
	}
	var a appt
	r.JSON(t, &a)
	return a
}

func appointmentOf(t *testing.T, token, id string) appt {
	t.Helper()
	r := call(t, "GET", "/appointments/"+id, token, nil, nil)
	if r.Status != 200 {
		t.Fatalf("appointment %s = %d %s", id, r.Status, r.Body)
	}
	var a appt
	r.JSON(t, &a)
	return a
}

// person is a citizen of a test's own.
type person struct{ token, sub, phone string }

// people registers n citizens and signs them in.
func people(t testing.TB, n int) []person {
	t.Helper()
	out := make([]person, n)
	for i := range out {
		phone := newPhone()
		register(t, phone, newSNILS())
		s := loginAs(t, phone, "Зелёный-Чай-42", "", nil)
		var me struct{ Sub string }
		call(t, "GET", "/me", s.AccessToken, nil, nil).JSON(t, &me)
		out[i] = person{s.AccessToken, me.Sub, phone}
	}
	return out
}

// notesOf counts the caller's inbox notes of a type.
func notesOf(t *testing.T, token, typ string) int {
	t.Helper()
	var p struct{ Items []struct{ Type string } }
	call(t, "GET", "/notifications?limit=100", token, nil, nil).JSON(t, &p)
	n := 0
	for _, it := range p.Items {
		if it.Type == typ {
			n++
		}
	}
	return n
}

// staffDay is a resource's day as the organisation's staff see it.
type staffDay struct {
	Slots []struct {
		ID                    string
		Taken, Held, Capacity int
		Closed                bool
	}
	Visits []struct{ ID, Number, Status, Name string }
}

func dayOf(t *testing.T, token, resource string, date time.Time) staffDay {
	t.Helper()
	r := call(t, "GET", "/staff/day?date="+date.Format(time.DateOnly)+"&resource="+resource, token, nil, nil)
	if r.Status != 200 {
		t.Fatalf("staff day = %d %s", r.Status, r.Body)
	}
	var d staffDay
	r.JSON(t, &d)
	return d
}

// concurrently runs n requests at once and counts their answers by status
// and problem code.
func concurrently(t *testing.T, n int, do func(i int) response) (created []response, refusals map[string]int) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	refusals = map[string]int{}
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := do(i)
			mu.Lock()
			defer mu.Unlock()
			if r.Status == 201 || r.Status == 200 {
				created = append(created, r)
				return
			}
			var p struct{ Code string }
			_ = json.Unmarshal(r.Body, &p)
			refusals[fmt.Sprintf("%d %s", r.Status, p.Code)]++
		}()
	}
	close(start)
	wg.Wait()
	return created, refusals
}

// TestAppointmentPlacesAreBookedExactlyOnce: a hundred bookings at once of a slot
// for one patient make one ticket, of a service centre's slot for five
// people five tickets, to different people; the rest are told the slot is
// full (or that they already hold it), and the full slot leaves search.
func TestAppointmentPlacesAreBookedExactlyOnce(t *testing.T) {
	crowd := people(t, 25)
	for _, c := range []struct {
		org, service string
		capacity     int
	}{{stack.DemoClinic, "therapist", 1}, {"mfc-tverskoy", "mfc-consultation", 5}} {
		res := ownResource(t, c.org, c.service, c.capacity, 30)
		slot := slotsOf(t, crowd[0].token, c.org, c.service, res)[0]
		if slot.Free != c.capacity {
			t.Fatalf("the slot has %d free of %d", slot.Free, c.capacity)
		}
		created, refusals := concurrently(t, 100, func(i int) response { return book(t, crowd[i%len(crowd)].token, slot.ID) })
		numbers, whom := map[string]bool{}, map[string]bool{}
		for _, r := range created {
			var a appt
			r.JSON(t, &a)
			numbers[a.Number] = true
		}
		for _, p := range crowd {
			var list struct{ Items []appt }
			call(t, "GET", "/appointments?status=booked", p.token, nil, nil).JSON(t, &list)
			for _, a := range list.Items {
				if a.SlotID == slot.ID {
					if whom[p.sub] {
						t.Errorf("%s holds the slot twice", p.sub)
					}
					whom[p.sub] = true
				}
			}
		}
		if len(created) != c.capacity || len(numbers) != c.capacity || len(whom) != c.capacity {
			t.Errorf("capacity %d: %d tickets (%d numbers) to %d people, refusals %v", c.capacity, len(created), len(numbers), len(whom), refusals)
		}
		for k := range refusals {
			if k != "409 slot_full" && k != "409 appointment_overlap" && k != "503 busy" {
				t.Errorf("capacity %d: refused as %s", c.capacity, k)
			}
		}
		if isFree(t, crowd[0].token, c.org, c.service, res, slot.ID) {
			t.Errorf("capacity %d: the full slot is still found free", c.capacity)
		}
	}
}

// TestAppointmentMovesIntoTheLastPlace: two people move their appointments at once
// into the last free place; one moves, the other keeps the slot it had,
// and the winner's old slot is free again.
func TestAppointmentMovesIntoTheLastPlace(t *testing.T) {
	two := people(t, 2)
	res := ownResource(t, stack.DemoClinic, "therapist", 1, 30)
	slots := slotsOf(t, two[0].token, stack.DemoClinic, "therapist", res)
	mine := []appt{booked(t, two[0].token, slots[0].ID), booked(t, two[1].token, slots[1].ID)}
	target := slots[2].ID
	body, _ := json.Marshal(map[string]string{"slotId": target})
	var results [2]response
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = call(t, "POST", "/appointments/"+mine[i].ID+"/reschedule", two[i].token, body, map[string]string{"Content-Type": "application/json"})
		}()
	}
	wg.Wait()
	winner := -1
	for i, r := range results {
		switch {
		case r.Status == 200 && winner < 0:
			winner = i
		case r.Status == 409 && problemCode(t, r) == "slot_full":
		default:
			t.Fatalf("move %d = %d %s", i, r.Status, r.Body)
		}
	}
	if winner < 0 {
		t.Fatalf("neither move won: %s / %s", results[0].Body, results[1].Body)
	}
	loser := 1 - winner
	if a := appointmentOf(t, two[winner].token, mine[winner].ID); a.SlotID != target || a.Status != "booked" || a.Number == mine[winner].Number {
		t.Errorf("the winner's appointment = %+v, want booked at %s with a new ticket", a, target)
	}
	if a := appointmentOf(t, two[loser].token, mine[loser].ID); a.SlotID != slots[loser].ID || a.Status != "booked" || a.Number != mine[loser].Number {
		t.Errorf("the loser's appointment = %+v, want it unchanged at %s", a, slots[loser].ID)
	}
	if !isFree(t, two[0].token, stack.DemoClinic, "therapist", res, slots[winner].ID) {
		t.Error("the winner's old slot is not free again")
	}
	for _, id := range []string{target, slots[loser].ID} {
		if isFree(t, two[0].token, stack.DemoClinic, "therapist", res, id) {
			t.Errorf("%s is found free though it is booked", id)
		}
	}
}

// TestAppointmentRulesHoldUnderConcurrency: one person booking eight times
// at once at a clinic that allows one appointment per specialty gets one;
// two bookings at once at the same time in two clinics make one.
func TestAppointmentRulesHoldUnderConcurrency(t *testing.T) {
	two := people(t, 2)
	res := ownResource(t, stack.DemoClinic, "therapist", 1, 30)
	slots := slotsOf(t, two[0].token, stack.DemoClinic, "therapist", res)
	created, refusals := concurrently(t, 8, func(i int) response { return book(t, two[0].token, slots[i%len(slots)].ID) })
	if len(created) != 1 || refusals["409 appointment_limit"]+refusals["409 busy"]+refusals["503 busy"] != 7 {
		t.Errorf("eight bookings of one specialty: %d made, refusals %v", len(created), refusals)
	}
	// The same hours in two clinics, five places a slot: the same times,
	// and only the person's own appointments stop them.
	mine := ownResource(t, stack.DemoClinic, "therapist", 5, 30)
	other := ownResource(t, "gp-3-msk", "neurologist", 5, 30)
	theirs := slotsOf(t, two[1].token, "gp-3-msk", "neurologist", other)
	var pair []string
	for _, a := range slotsOf(t, two[1].token, stack.DemoClinic, "therapist", mine) {
		for _, b := range theirs {
			if a.Start.Equal(b.Start) && len(pair) == 0 {
				pair = []string{a.ID, b.ID}
			}
		}
	}
	if pair == nil {
		t.Fatal("the two clinics have no slot at the same time")
	}
	created, refusals = concurrently(t, 6, func(i int) response { return book(t, two[1].token, pair[i%2]) })
	if len(created) != 1 || refusals["409 appointment_overlap"]+refusals["503 busy"] != 5 {
		t.Errorf("two clinics at the same time: %d made, refusals %v", len(created), refusals)
	}
	var list struct{ Items []appt }
	call(t, "GET", "/appointments", two[1].token, nil, nil).JSON(t, &list)
	if len(list.Items) != 1 {
		t.Errorf("the person holds %d appointments, want 1", len(list.Items))
	}
}

// TestAppointmentCancelMoveAndMarksKeepTheDeadline: an appointment is cancelled or
// moved until the organisation's deadline and not after; the staff mark
// arrival on the visit's day and a no-show once it began (the function's
// clock moved on a few minutes), and the person's history shows each.
func TestAppointmentCancelMoveAndMarksKeepTheDeadline(t *testing.T) {
	p := people(t, 1)[0]
	res := ownResource(t, stack.DemoClinic, "therapist", 1, 30)
	slots := slotsOf(t, p.token, stack.DemoClinic, "therapist", res)
	first := booked(t, p.token, slots[0].ID)
	if !first.Changeable || !first.ChangeUntil.Equal(first.Start.Add(-2*time.Hour)) {
		t.Errorf("changeable %v until %v, want until two hours before %v", first.Changeable, first.ChangeUntil, first.Start)
	}
	r := post(t, "/appointments/"+first.ID+"/cancel", p.token, nil)
	var a appt
	r.JSON(t, &a)
	if r.Status != 200 || a.Status != "cancelled" || a.Changeable {
		t.Fatalf("cancel = %d %s", r.Status, r.Body)
	}
	if !isFree(t, p.token, stack.DemoClinic, "therapist", res, slots[0].ID) {
		t.Error("the cancelled slot is not free again")
	}
	if r := post(t, "/appointments/"+first.ID+"/cancel", p.token, nil); r.Status != 409 || problemCode(t, r) != "appointment_not_active" {
		t.Errorf("cancelling again = %d %s", r.Status, r.Body)
	}
	if n := notesOf(t, p.token, "appointment.cancelled"); n != 1 {
		t.Errorf("%d notes of the cancellation, want 1", n)
	}

	// A clinic of five-minute visits, open for the coming hour today, that
	// allows no change in the last week: every appointment is past its
	// deadline as soon as it is made.
	now := time.Now().In(clock.Moscow())
	if now.Hour() == 23 {
		t.Skip("too near midnight in Moscow for visits within the hour")
	}
	from := now.Truncate(10 * time.Minute)
	open := appointments.Week{[]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}[now.Weekday()]: {{From: from.Format("15:04"),
		To: from.Add(time.Hour).Format("15:04")}}}
	strict := ownOrganisation(appointments.Rules{CancelBeforeMinutes: 7 * 24 * 60, BookAheadDays: 1, MaxActivePerService: 5}, open)
	staff := newStaff(t, strict)
	quick := ownResource(t, strict, "therapist", 1, 5)
	q := url.Values{"organisation": {strict}, "service": {"therapist"}, "limit": {"20"}}
	var page struct{ Items []apptSlot }
	call(t, "GET", "/appointments/slots?"+q.Encode(), p.token, nil, nil).JSON(t, &page)
	today := time.Now().In(clock.Moscow()).Format(time.DateOnly)
	var soon []apptSlot
	for _, s := range page.Items {
		if s.Start.Format(time.DateOnly) == today && s.Start.After(time.Now().Add(time.Minute)) {
			soon = append(soon, s)
		}
	}
	if len(soon) < 2 {
		t.Skipf("too near midnight in Moscow for two visits today: %v", soon)
	}
	second, third := booked(t, p.token, soon[0].ID), booked(t, p.token, soon[1].ID)
	if second.Changeable {
		t.Errorf("an appointment past its deadline says it is changeable: %+v", second)
	}
	if r := post(t, "/appointments/"+second.ID+"/cancel", p.token, nil); r.Status != 409 || problemCode(t, r) != "change_deadline" {
		t.Errorf("cancel after the deadline = %d %s", r.Status, r.Body)
	}
	if r := post(t, "/appointments/"+second.ID+"/reschedule", p.token, map[string]string{"slotId": page.Items[len(page.Items)-1].ID}); r.Status != 409 ||
		problemCode(t, r) != "change_deadline" {
		t.Errorf("move after the deadline = %d %s", r.Status, r.Body)
	}
	if a := appointmentOf(t, p.token, second.ID); a.Status != "booked" || a.SlotID != soon[0].ID {
		t.Errorf("after the refusals = %+v", a)
	}
	// The staff: not a no-show before it began; arrived on its day.
	visitOf := func(number string) string {
		t.Helper()
		for _, v := range dayOf(t, staff.token, quick, second.Start).Visits {
			if v.Number == number {
				return v.ID
			}
		}
		t.Fatalf("the staff's day lacks ticket %s", number)
		return ""
	}
	visit := visitOf(second.Number)
	if r := post(t, "/staff/visits/"+visit+"/no-show", staff.token, nil); r.Status != 409 || problemCode(t, r) != "visit_not_started" {
		t.Errorf("no-show before the start = %d %s", r.Status, r.Body)
	}
	if r := post(t, "/staff/visits/"+visit+"/arrived", staff.token, nil); r.Status != 200 {
		t.Errorf("arrived = %d %s", r.Status, r.Body)
	}
	if r := post(t, "/staff/visits/"+visit+"/arrived", staff.token, nil); r.Status != 409 || problemCode(t, r) != "visit_not_active" {
		t.Errorf("arrived twice = %d %s", r.Status, r.Body)
	}
	if r := post(t, "/staff/visits/"+visitOf(third.Number)+"/arrived", p.token, nil); r.Status != 403 {
		t.Errorf("the person on a staff route = %d %s", r.Status, r.Body)
	}
	// The third is missed: the function's clock a minute past its start
	// (a few minutes on, within the sessions' idle time).
	if err := st.SetFunctionClock("appointments", time.Until(third.Start.Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	r = post(t, "/staff/visits/"+visitOf(third.Number)+"/no-show", staff.token, nil)
	if err := st.SetFunctionClock("appointments", 0); err != nil {
		t.Fatal(err)
	}
	if r.Status != 200 {
		t.Errorf("no-show = %d %s", r.Status, r.Body)
	}
	for status, id := range map[string]string{"arrived": second.ID, "no_show": third.ID, "cancelled": first.ID} {
		var list struct{ Items []appt }
		call(t, "GET", "/appointments?status="+status, p.token, nil, nil).JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != id {
			t.Errorf("the history's %s visits = %+v, want %s", status, list.Items, id)
			continue
		}
		want := map[string]string{"arrived": "staff", "no_show": "staff", "cancelled": "citizen"}[status]
		if h := list.Items[0].History; h[len(h)-1].Role != want {
			t.Errorf("the %s visit's last change was made by %s, want %s", status, h[len(h)-1].Role, want)
		}
	}
}

// TestAppointmentBookingTellsThePersonAndPlansTheDay: a ticket with a number, the
// address and what to bring; an inbox note and an SMS; the calendar entry
// and its iCalendar event with the place; a reminder a day before.
func TestAppointmentBookingTellsThePersonAndPlansTheDay(t *testing.T) {
	p := people(t, 1)[0]
	res := ownResource(t, stack.DemoClinic, "therapist", 1, 30)
	var slot apptSlot
	for _, s := range slotsOf(t, p.token, stack.DemoClinic, "therapist", res) {
		if slot.ID == "" && s.Start.After(time.Now().Add(26*time.Hour)) {
			slot = s
		}
	}
	r := book(t, p.token, slot.ID)
	var a struct {
		appt
		Bring, TimeZone string
		For             struct{ Relation, Name string }
	}
	r.JSON(t, &a)
	if r.Status != 201 || !strings.HasPrefix(a.Number, "GP12-") || a.Organisation.Address == "" || !strings.Contains(a.Bring, "полис ОМС") ||
		a.For.Relation != "self" || a.For.Name != "Иванова Анна Сергеевна" || a.TimeZone != "Europe/Moscow" {
		t.Fatalf("book = %d %s", r.Status, r.Body)
	}
	if n := notesOf(t, p.token, "appointment.booked"); n != 1 {
		t.Errorf("%d booking notes, want 1", n)
	}
	sweep(t)
	if n := smsTo(p.phone, "Вы записаны на приём"); n != 1 {
		t.Errorf("%d SMS of the booking, want 1", n)
	}
	ics := call(t, "GET", "/appointments/"+a.ID+"/event.ics", p.token, nil, nil)
	event := strings.ReplaceAll(string(ics.Body), "\r\n ", "")
	if ics.Status != 200 || !strings.HasPrefix(ics.Header.Get("Content-Type"), "text/calendar") || !strings.Contains(event, "BEGIN:VEVENT") ||
		!strings.Contains(event, "LOCATION:Городская поликлиника № 12\\, г. Москва") || !strings.Contains(event, "DTSTART:"+a.Start.UTC().Format("20060102T150405Z")) {
		t.Errorf("event.ics = %d %s", ics.Status, event)
	}
	q := url.Values{"from": {a.Start.Format(time.DateOnly)}, "to": {a.Start.AddDate(0, 0, 1).Format(time.DateOnly)}}
	var cal struct {
		Items []struct{ Kind, Link, Location string }
	}
	call(t, "GET", "/calendar?"+q.Encode(), p.token, nil, nil).JSON(t, &cal)
	found := false
	for _, e := range cal.Items {
		found = found || (e.Kind == "appointment" && e.Link == "/appointments/"+a.ID && strings.Contains(e.Location, a.Organisation.Address))
	}
	if !found {
		t.Errorf("the calendar lacks the appointment: %+v", cal.Items)
	}
	var reminder struct{ At, Type, State string }
	if err := table().Get(context.Background(), dynamo.ReminderKey(p.sub, "appointment-"+a.ID), "напоминание", &reminder); err != nil {
		t.Fatalf("the reminder: %v", err)
	}
	if at, _ := time.Parse(time.RFC3339, reminder.At); !at.Equal(a.Start.Add(-24*time.Hour)) || reminder.Type != "appointment.reminder" || reminder.State != "scheduled" {
		t.Errorf("the reminder = %+v, want appointment.reminder at %v", reminder, a.Start.Add(-24*time.Hour))
	}
	// Cancelled: the calendar entry and the reminder go.
	post(t, "/appointments/"+a.ID+"/cancel", p.token, nil)
	if err := table().Get(context.Background(), dynamo.ReminderKey(p.sub, "appointment-"+a.ID), "напоминание", &reminder); err == nil {
		t.Error("the cancelled appointment's reminder is still scheduled")
	}
}

type waitEntry struct {
	ID, Status, AppointmentID string
	Offer                     *struct {
		SlotID    string
		HoldUntil time.Time
	}
}

// TestWaitlistOffersAFreedPlaceInTurn: three people wait for a full day;
// the place freed by a cancellation is offered to the first and held for
// them, then, as each hold ends (the offers function's clock shifted past
// it), to the next; exactly one offer at a time, one note each, and the
// last one books it.
func TestWaitlistOffersAFreedPlaceInTurn(t *testing.T) {
	four := people(t, 4)
	holder, waiting := four[0], four[1:]
	res := ownResource(t, stack.DemoClinic, "therapist", 1, 30)
	slots := slotsOf(t, holder.token, stack.DemoClinic, "therapist", res)
	a := booked(t, holder.token, slots[0].ID)
	day := a.Start.Format(time.DateOnly)
	entries := make([]waitEntry, len(waiting))
	for i, w := range waiting {
		r := post(t, "/waitlist", w.token, map[string]string{"organisation": stack.DemoClinic, "resource": res, "from": day, "to": day})
		if r.Status != 201 {
			t.Fatalf("join = %d %s", r.Status, r.Body)
		}
		r.JSON(t, &entries[i])
	}
	if r := post(t, "/waitlist", waiting[0].token, map[string]string{"organisation": stack.DemoClinic, "resource": res, "from": day, "to": day}); r.Status != 409 ||
		problemCode(t, r) != "waitlist_duplicate" {
		t.Errorf("joining twice = %d %s", r.Status, r.Body)
	}
	if r := post(t, "/appointments/"+a.ID+"/cancel", holder.token, nil); r.Status != 200 {
		t.Fatalf("cancel = %d %s", r.Status, r.Body)
	}
	offered := func(want int) {
		t.Helper()
		for i, w := range waiting {
			var e waitEntry
			call(t, "GET", "/waitlist/"+entries[i].ID, w.token, nil, nil).JSON(t, &e)
			switch {
			case i == want && (e.Status != "offered" || e.Offer == nil || e.Offer.SlotID != slots[0].ID):
				t.Errorf("person %d's entry = %+v, want the place offered", i, e)
			case i < want && e.Status != "expired":
				t.Errorf("person %d's entry = %+v, want expired", i, e)
			case i > want && e.Status != "waiting":
				t.Errorf("person %d's entry = %+v, want waiting", i, e)
			}
			if n := notesOf(t, w.token, "appointment.waitlist_offer"); (i <= want) != (n == 1) || n > 1 {
				t.Errorf("person %d has %d offers, want %d", i, n, map[bool]int{true: 1}[i <= want])
			}
		}
		if isFree(t, holder.token, stack.DemoClinic, "therapist", res, slots[0].ID) {
			t.Error("the held place is found free")
		}
	}
	offered(0)
	if r := post(t, "/appointments", holder.token, map[string]string{"slotId": slots[0].ID, "visitType": "first"}); r.Status != 409 || problemCode(t, r) != "slot_full" {
		t.Errorf("booking the held place = %d %s", r.Status, r.Body)
	}
	defer func() { _ = st.SetFunctionClock("offers", 0) }()
	for round := 1; round < len(waiting); round++ {
		if err := st.SetFunctionClock("offers", time.Duration(round)*(appointments.HoldFor+time.Minute)); err != nil {
			t.Fatal(err)
		}
		for range 2 { // a second run passes nothing twice
			if _, err := st.FireSchedule(context.Background(), "offers", "EveryMinute"); err != nil {
				t.Fatal(err)
			}
		}
		offered(round)
	}
	last := len(waiting) - 1
	if r := call(t, "POST", "/waitlist/"+entries[0].ID+"/accept", waiting[0].token, nil, nil); r.Status != 409 || problemCode(t, r) != "offer_not_active" {
		t.Errorf("the first accepting after their hold = %d %s", r.Status, r.Body)
	}
	r := call(t, "POST", "/waitlist/"+entries[last].ID+"/accept", waiting[last].token, []byte(`{"visitType":"repeat"}`), map[string]string{"Content-Type": "application/json"})
	var got appt
	r.JSON(t, &got)
	if r.Status != 201 || got.SlotID != slots[0].ID {
		t.Fatalf("accept = %d %s", r.Status, r.Body)
	}
	var e waitEntry
	call(t, "GET", "/waitlist/"+entries[last].ID, waiting[last].token, nil, nil).JSON(t, &e)
	if e.Status != "booked" || e.AppointmentID != got.ID {
		t.Errorf("the entry after accepting = %+v", e)
	}
}

// TestAppointmentClosedDayCancelsAndTellsEachPersonOnce: the staff
// close a doctor's day; every appointment on it is cancelled with the
// reason and the nearest free times, each person gets one note however
// often the day is closed, and the day's slots leave search.
func TestAppointmentClosedDayCancelsAndTellsEachPersonOnce(t *testing.T) {
	three := people(t, 3)
	staff := accessToken(t, "staff-clinic")
	res := ownResource(t, stack.DemoClinic, "therapist", 1, 30)
	slots := slotsOf(t, three[0].token, stack.DemoClinic, "therapist", res)
	// The first day with three free slots.
	byDay := map[string][]apptSlot{}
	day := ""
	for _, s := range slots {
		d := s.Start.Format(time.DateOnly)
		if byDay[d] = append(byDay[d], s); len(byDay[d]) == 3 && day == "" {
			day = d
		}
	}
	slots = byDay[day]
	var mine []appt
	for i, p := range three {
		mine = append(mine, booked(t, p.token, slots[i].ID))
	}
	path := "/staff/resources/" + res + "/days/" + day + "/close"
	for round, want := range []int{3, 0} {
		r := post(t, path, staff, map[string]string{"reason": "Врач заболел"})
		var c struct {
			Cancelled, Slots int
			Alternatives     []apptSlot
		}
		r.JSON(t, &c)
		if r.Status != 200 || c.Cancelled != want || (round == 0 && (c.Slots == 0 || len(c.Alternatives) == 0)) {
			t.Errorf("close, round %d = %d %s", round, r.Status, r.Body)
		}
	}
	for i, p := range three {
		a := appointmentOf(t, p.token, mine[i].ID)
		if a.Status != "cancelled_by_organisation" || a.CancelReason != "Врач заболел" || len(a.Alternatives) == 0 {
			t.Errorf("person %d's appointment = %+v", i, a)
		}
		if n := notesOf(t, p.token, "appointment.cancelled_by_organisation"); n != 1 {
			t.Errorf("person %d has %d notes of the closed day, want 1", i, n)
		}
	}
	for _, s := range slots {
		if s.Start.Format(time.DateOnly) == day && isFree(t, three[0].token, stack.DemoClinic, "therapist", res, s.ID) {
			t.Errorf("%s of the closed day is found free", s.ID)
		}
	}
	for _, s := range dayOf(t, staff, res, slots[0].Start).Slots {
		if !s.Closed {
			t.Errorf("the staff's day shows %s open", s.ID)
		}
	}
	if r := book(t, three[0].token, slots[0].ID); r.Status != 409 || problemCode(t, r) != "day_closed" {
		t.Errorf("booking on the closed day = %d %s", r.Status, r.Body)
	}
}

// TestAppointmentExamNeedsTheDrivingExamApplicationAccepted: a theory exam is booked
// only on the citizen's driving-exam application the traffic police
// accepted; the ticket names the application.
func TestAppointmentExamNeedsTheDrivingExamApplicationAccepted(t *testing.T) {
	p := people(t, 1)[0]
	if r := post(t, "/registrar/accounts/"+p.sub+"/level", accessToken(t, "registrar"), map[string]string{"level": "standard", "method": "registry_check"}); r.Status != 204 {
		t.Fatalf("level = %d %s", r.Status, r.Body)
	}
	res := ownResource(t, stack.DemoExamSite, "exam-theory", 10, 30)
	slot := slotsOf(t, p.token, stack.DemoExamSite, "exam-theory", res)[0]
	if r := book(t, p.token, slot.ID); r.Status != 409 || problemCode(t, r) != "exam_application_required" {
		t.Errorf("an exam without an application = %d %s", r.Status, r.Body)
	}
	a := draft(t, p.token, "driving-exam")
	if r := submit(t, p.token, a, []string{uploadScanOfType(t, p.token, "passport"), uploadScanOfType(t, p.token, "other")}); r.Status != 200 {
		t.Fatalf("submit = %d %s", r.Status, r.Body)
	} else {
		r.JSON(t, &a)
	}
	if r := book(t, p.token, slot.ID); r.Status != 409 || problemCode(t, r) != "exam_application_status" {
		t.Errorf("an exam on an application just sent = %d %s", r.Status, r.Body)
	}
	if r := move(t, accessToken(t, "officer-gibdd"), a.ID, "registered", nil); r.Status != 200 {
		t.Fatalf("register = %d %s", r.Status, r.Body)
	}
	r := book(t, p.token, slot.ID)
	var got struct{ ApplicationID, ApplicationNumber, Number string }
	r.JSON(t, &got)
	if r.Status != 201 || got.ApplicationID != a.ID || got.ApplicationNumber != a.Number || !strings.HasPrefix(got.Number, "GAI1-") {
		t.Errorf("the exam = %d %s", r.Status, r.Body)
	}
}

// TestAuthorizationMatrixForAppointments: every appointments, waitlist and
// staff route for the owner, another citizen, the staff of the owner's
// organisation and of another one, an officer, a support operator and an
// agency system. Nobody but the owner finds the owner's appointment or
// waitlist entry; staff see and mark their organisation's visits only;
// anyone but staff is refused the staff routes; an agency's token is
// refused everywhere by the gateway. Nothing the others tried changed
// anything.
func TestAuthorizationMatrixForAppointments(t *testing.T) {
	two := people(t, 2)
	owner, other := two[0], two[1]
	res := ownResource(t, stack.DemoClinic, "therapist", 1, 30)
	slots := slotsOf(t, owner.token, stack.DemoClinic, "therapist", res)
	a := booked(t, owner.token, slots[0].ID)
	day := a.Start.Format(time.DateOnly)
	r := post(t, "/waitlist", owner.token, map[string]string{"organisation": stack.DemoClinic, "resource": res, "from": day, "to": day})
	var w waitEntry
	r.JSON(t, &w)
	if r.Status != 201 {
		t.Fatalf("join = %d %s", r.Status, r.Body)
	}
	clinicStaff, examStaff := accessToken(t, "staff-clinic"), accessToken(t, "staff-exam")
	var visit string
	for _, v := range dayOf(t, clinicStaff, res, a.Start).Visits {
		if v.Number == a.Number {
			visit = v.ID
		}
	}
	if visit == "" {
		t.Fatalf("the clinic's staff do not see ticket %s", a.Number)
	}
	agency := agencyToken(t, "AgencyGibddClient")
	officer, support := accessToken(t, "officer"), accessToken(t, "support")
	jsonBody := map[string]string{"Content-Type": "application/json"}
	type route struct{ method, path, body string }
	// The owner's records: everyone else finds nothing.
	owners := []route{
		{"GET", "/appointments/" + a.ID, ""},
		{"GET", "/appointments/" + a.ID + "/event.ics", ""},
		{"POST", "/appointments/" + a.ID + "/cancel", ""},
		{"POST", "/appointments/" + a.ID + "/reschedule", `{"slotId":"` + slots[1].ID + `"}`},
		{"GET", "/waitlist/" + w.ID, ""},
		{"DELETE", "/waitlist/" + w.ID, ""},
		{"POST", "/waitlist/" + w.ID + "/accept", ""},
		{"POST", "/waitlist/" + w.ID + "/decline", ""},
	}
	for name, tok := range map[string]string{"another citizen": other.token, "the clinic's staff": clinicStaff, "another organisation's staff": examStaff,
		"an officer": officer, "support": support} {
		for _, c := range owners {
			if r := call(t, c.method, c.path, tok, []byte(c.body), jsonBody); r.Status != 404 {
				t.Errorf("%s: %s %s = %d, want 404", name, c.method, c.path, r.Status)
			}
		}
		for _, list := range []string{"/appointments?limit=100", "/waitlist"} {
			if r := call(t, "GET", list, tok, nil, nil); r.Status != 200 || strings.Contains(string(r.Body), a.ID) || strings.Contains(string(r.Body), w.ID) {
				t.Errorf("%s: GET %s = %d, listing the owner's", name, list, r.Status)
			}
		}
	}
	// The staff routes: the clinic's staff on its resource and visit.
	staffRoutes := []route{
		{"GET", "/staff/organisation", ""},
		{"GET", "/staff/day?date=" + day + "&resource=" + res, ""},
		{"PUT", "/staff/resources/" + res + "/schedule", `{"slotMinutes":30,"capacity":1,"week":{"mon":[{"from":"10:00","to":"11:00"}]},"from":"` + time.Now().AddDate(0, 0, 60).Format(time.DateOnly) + `"}`},
		{"POST", "/staff/resources/" + res + "/days/" + time.Now().AddDate(0, 0, 60).Format(time.DateOnly) + "/close", `{"reason":"Санитарный день"}`},
		{"POST", "/staff/visits/" + visit + "/no-show", ""},
		{"POST", "/staff/visits/" + visit + "/arrived", ""},
	}
	for name, tok := range map[string]string{"the owner": owner.token, "another citizen": other.token, "an officer": officer, "support": support} {
		for _, c := range staffRoutes {
			if r := call(t, c.method, c.path, tok, []byte(c.body), jsonBody); r.Status != 403 || problemCode(t, r) != "not_staff_of_organisation" {
				t.Errorf("%s: %s %s = %d %s, want 403", name, c.method, c.path, r.Status, r.Body)
			}
		}
	}
	for _, c := range staffRoutes[1:] {
		if r := call(t, c.method, c.path, examStaff, []byte(c.body), jsonBody); r.Status != 404 {
			t.Errorf("another organisation's staff: %s %s = %d %s, want 404", c.method, c.path, r.Status, r.Body)
		}
	}
	var org struct{ ID string }
	call(t, "GET", "/staff/organisation", examStaff, nil, nil).JSON(t, &org)
	if org.ID != stack.DemoExamSite {
		t.Errorf("the exam site's staff see organisation %q", org.ID)
	}
	for _, c := range staffRoutes[:4] {
		if r := call(t, c.method, c.path, clinicStaff, []byte(c.body), jsonBody); r.Status != 200 {
			t.Errorf("the clinic's staff: %s %s = %d %s, want 200", c.method, c.path, r.Status, r.Body)
		}
	}
	if r := post(t, "/staff/visits/"+visit+"/no-show", clinicStaff, nil); r.Status != 409 || problemCode(t, r) != "visit_not_started" {
		t.Errorf("the clinic's staff marking a visit ahead as a no-show = %d %s", r.Status, r.Body)
	}
	// An agency's system is no person: the gateway refuses it everywhere.
	everyone := append(append([]route{
		{"GET", "/appointments/catalog", ""},
		{"GET", "/appointments/organisations?region=77", ""},
		{"GET", "/appointments/organisations/" + stack.DemoClinic, ""},
		{"GET", "/appointments/slots?service=therapist&region=77", ""},
		{"GET", "/appointments/slots/earliest?service=therapist&region=77", ""},
		{"POST", "/appointments", `{"slotId":"` + slots[1].ID + `"}`},
		{"GET", "/appointments", ""},
		{"POST", "/waitlist", `{"organisation":"gp-12-msk","resource":"` + res + `","from":"` + day + `","to":"` + day + `"}`},
		{"GET", "/waitlist", ""},
	}, owners...), staffRoutes...)
	for _, c := range everyone {
		if r := call(t, c.method, c.path, agency, []byte(c.body), jsonBody); r.Status != 401 {
			t.Errorf("an agency: %s %s = %d, want 401", c.method, c.path, r.Status)
		}
	}
	// The open routes answer every person.
	for name, tok := range map[string]string{"a citizen": other.token, "staff": examStaff, "an officer": officer} {
		for _, c := range everyone[:5] {
			if r := call(t, c.method, c.path, tok, nil, nil); r.Status != 200 {
				t.Errorf("%s: %s %s = %d %s", name, c.method, c.path, r.Status, r.Body)
			}
		}
	}
	// Nothing changed: the owner's appointment and entry are as they were.
	if got := appointmentOf(t, owner.token, a.ID); got.Status != "booked" || got.SlotID != a.SlotID || len(got.History) != 1 {
		t.Errorf("the owner's appointment after the others = %+v", got)
	}
	var e waitEntry
	call(t, "GET", "/waitlist/"+w.ID, owner.token, nil, nil).JSON(t, &e)
	if e.Status != "waiting" {
		t.Errorf("the owner's waitlist entry after the others = %+v", e)
	}
}

// TestBadAppointmentInputIsRefusedByField: a past, unknown or malformed
// slot, a move to another organisation, malformed or reversed dates and
// bad staff input are each a 4xx naming the field, and nothing changes.
func TestBadAppointmentInputIsRefusedByField(t *testing.T) {
	p := people(t, 1)[0]
	staff := accessToken(t, "staff-clinic")
	res := ownResource(t, stack.DemoClinic, "therapist", 1, 30)
	slots := slotsOf(t, p.token, stack.DemoClinic, "therapist", res)
	a := booked(t, p.token, slots[0].ID)
	// A slot that has passed: the demo clinic's, days back.
	var past string
	for d := 1; d <= 8 && past == ""; d++ {
		for _, s := range dayOf(t, staff, "ivanova", time.Now().AddDate(0, 0, -d)).Slots {
			if past == "" {
				past = s.ID
			}
		}
	}
	var mfc []apptSlot
	q := url.Values{"organisation": {"mfc-tverskoy"}, "service": {"mfc-consultation"}, "limit": {"5"}}
	var page struct{ Items []apptSlot }
	call(t, "GET", "/appointments/slots?"+q.Encode(), p.token, nil, nil).JSON(t, &page)
	mfc = page.Items
	if past == "" || len(mfc) == 0 {
		t.Fatalf("no past slot (%q) or no service-centre slot", past)
	}
	field := func(r response) string {
		var pr struct {
			Errors []struct{ Field, Code string }
		}
		_ = json.Unmarshal(r.Body, &pr)
		var out []string
		for _, e := range pr.Errors {
			out = append(out, e.Field+":"+e.Code)
		}
		return strings.Join(out, ",")
	}
	jsonBody := map[string]string{"Content-Type": "application/json"}
	day := a.Start.Format(time.DateOnly)
	for _, c := range []struct {
		name, method, path, body, token string
		status                          int
		want                            string
	}{
		{"a past slot", "POST", "/appointments", `{"slotId":"` + past + `","visitType":"first"}`, p.token, 422, "slotId:slot.past"},
		{"an unknown slot", "POST", "/appointments", `{"slotId":"gp-12-msk.` + res + `.` + strings.ReplaceAll(day, "-", "") + `.0301"}`, p.token, 422, "slotId:slot.unknown"},
		{"a malformed slot", "POST", "/appointments", `{"slotId":"сегодня"}`, p.token, 422, "slotId:slot.unknown"},
		{"someone else", "POST", "/appointments", `{"slotId":"` + slots[1].ID + `","for":"child"}`, p.token, 422, "for:for.unsupported"},
		{"a visit type at a service centre", "POST", "/appointments", `{"slotId":"` + mfc[0].ID + `","visitType":"first"}`, p.token, 422, "visitType:visit_type"},
		{"no body", "POST", "/appointments", ``, p.token, 400, ""},
		{"a move to another organisation", "POST", "/appointments/" + a.ID + "/reschedule", `{"slotId":"` + mfc[0].ID + `"}`, p.token, 422, "slotId:slot.other_organisation"},
		{"a move to the same slot", "POST", "/appointments/" + a.ID + "/reschedule", `{"slotId":"` + a.SlotID + `"}`, p.token, 422, "slotId:slot.same"},
		{"a move to a past slot", "POST", "/appointments/" + a.ID + "/reschedule", `{"slotId":"` + past + `"}`, p.token, 422, "slotId:slot.past"},
		{"a malformed date", "GET", "/appointments/slots?service=therapist&region=77&from=2026-13-01", "", p.token, 422, "from:date.format"},
		{"a period backwards", "GET", "/appointments/slots?service=therapist&region=77&from=" + day + "&to=" + a.Start.AddDate(0, 0, -1).Format(time.DateOnly), "", p.token, 422, "to:date.order"},
		{"no region", "GET", "/appointments/slots?service=therapist", "", p.token, 422, "region:region.required"},
		{"an unknown service", "GET", "/appointments/slots/earliest?service=astrologer&region=77", "", p.token, 422, "service:service.unknown"},
		{"an unknown status", "GET", "/appointments?status=maybe", "", p.token, 422, "status:appointment.status"},
		{"a forged cursor", "GET", "/appointments/slots?service=therapist&region=77&cursor=eyJQSyI6IlVTRVIjeCJ9", "", p.token, 400, ""},
		{"a waitlist backwards", "POST", "/waitlist", `{"organisation":"gp-12-msk","resource":"` + res + `","from":"` + day + `","to":"2020-01-01"}`, p.token, 422, "to:date.order"},
		{"a waitlist of nothing", "POST", "/waitlist", `{"organisation":"nowhere","resource":"x","from":"31.12.2026","to":""}`, p.token, 422,
			"organisation:organisation.unknown,from:date.format,to:date.format"},
		{"a staff day malformed", "GET", "/staff/day?date=завтра", "", staff, 422, "date:date.format"},
		{"closing a day past", "POST", "/staff/resources/" + res + "/days/2020-01-01/close", `{"reason":"Врач заболел"}`, staff, 422, "date:date.past"},
		{"closing a day without a reason", "POST", "/staff/resources/" + res + "/days/" + day + "/close", `{"reason":"."}`, staff, 422, "reason:close.reason"},
		{"a schedule of three-minute slots", "PUT", "/staff/resources/" + res + "/schedule", `{"slotMinutes":3,"capacity":1,"week":{"mon":[{"from":"09:00","to":"10:00"}]}}`, staff, 422, "slotMinutes:schedule.slot_minutes"},
	} {
		r := call(t, c.method, c.path, c.token, []byte(c.body), jsonBody)
		if r.Status != c.status || (c.want != "" && field(r) != c.want) {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.Status, r.Body, c.status, c.want)
		}
	}
	// Nothing changed.
	var list struct{ Items []appt }
	call(t, "GET", "/appointments", p.token, nil, nil).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != a.ID || list.Items[0].Status != "booked" || list.Items[0].SlotID != a.SlotID {
		t.Errorf("the person's appointments after the refusals = %+v", list.Items)
	}
	var waits struct{ Items []waitEntry }
	call(t, "GET", "/waitlist", p.token, nil, nil).JSON(t, &waits)
	if len(waits.Items) != 0 {
		t.Errorf("refused waitlist entries were made: %+v", waits.Items)
	}
	for _, s := range dayOf(t, staff, res, a.Start).Slots {
		if s.Closed {
			t.Errorf("%s was closed", s.ID)
		}
	}
	if !isFree(t, p.token, stack.DemoClinic, "therapist", res, slots[1].ID) {
		t.Error("a refused booking took a place")
	}
}

// TestAppointmentsAreInTheExport: the personal-data export holds the
// person's appointments and waitlist entries, and leaves no kind of item
// they hold out.
func TestAppointmentsAreInTheExport(t *testing.T) {
	s, _, _, _ := newCitizen(t)
	res := ownResource(t, stack.DemoClinic, "therapist", 1, 30)
	slots := slotsOf(t, s.AccessToken, stack.DemoClinic, "therapist", res)
	a := booked(t, s.AccessToken, slots[0].ID)
	day := slots[1].Start.Format(time.DateOnly)
	if r := post(t, "/waitlist", s.AccessToken, map[string]string{"organisation": stack.DemoClinic, "resource": res, "from": day, "to": day}); r.Status != 201 {
		t.Fatalf("join = %d %s", r.Status, r.Body)
	}
	doc, _, _ := exportOf(t, s.AccessToken, "Зелёный-Чай-42")
	for _, section := range []string{"appointments", "waitlist"} {
		var items []map[string]any
		if err := json.Unmarshal(doc[section], &items); err != nil || len(items) != 1 {
			t.Errorf("the export's %s = %s", section, doc[section])
		}
	}
	if !strings.Contains(string(doc["appointments"]), a.Number) {
		t.Errorf("the export's appointments lack ticket %s: %s", a.Number, doc["appointments"])
	}
	logMu.Lock()
	out := stackLog.String()
	logMu.Unlock()
	if strings.Contains(out, "has no section") {
		t.Errorf("the export left out an item kind:\n%s", grepLines(out, "has no section"))
	}
}
