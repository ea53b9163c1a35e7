package appointments

import (
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/problem"
)

func hhmms(ps []planned) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.HHMM)
	}
	return strings.Join(out, " ")
}

// Slots follow the production calendar: weekdays their hours, a weekend
// day its own hours or none, a holiday none, whatever day it falls on.
func TestDaySlotsFollowTheProductionCalendar(t *testing.T) {
	moscow := mustZone("Europe/Moscow")
	s := Schedule{SlotMinutes: 20, Capacity: 1, Week: Week{"tue": {{"09:00", "10:00"}, {"12:00", "12:50"}}, "fri": {{"08:00", "08:40"}},
		"sat": {{"10:00", "11:00"}}}}
	cases := []struct {
		date, want string
	}{
		{"2026-12-01", "0900 0920 0940 1200 1220"}, // a Tuesday; the second interval's tail of 10 minutes makes none
		{"2026-12-02", ""},                         // a Wednesday without hours
		{"2026-12-04", "0800 0820"},                // a Friday
		{"2026-12-05", "1000 1020 1040"},           // a Saturday with hours of its own
		{"2026-12-06", ""},                         // a Sunday without
		{"2026-11-04", ""},                         // Unity Day, a Wednesday
		{"2026-12-31", ""},                         // a Thursday the decree made a day off
		{"2027-06-12", ""},                         // Russia Day on a Saturday: no Saturday hours
		{"2026-02-24", "0900 0920 0940 1200 1220"}, // the Tuesday after Defender of the Fatherland Day
	}
	for _, c := range cases {
		if got := hhmms(daySlots(s, c.date, moscow)); got != c.want {
			t.Errorf("%s: slots %q, want %q", c.date, got, c.want)
		}
	}
	ekb := mustZone("Asia/Yekaterinburg")
	p := daySlots(s, "2026-12-01", ekb)
	if got := p[0].Start.UTC().Format(time.RFC3339); got != "2026-12-01T04:00:00Z" {
		t.Errorf("09:00 in Yekaterinburg is %s, want 04:00 UTC", got)
	}
}

func TestScheduleChecks(t *testing.T) {
	cases := []struct {
		name  string
		s     Schedule
		field string
	}{
		{"a slot of 3 minutes", Schedule{SlotMinutes: 3, Capacity: 1, Week: Week{"mon": {{"09:00", "10:00"}}}}, "slotMinutes"},
		{"no capacity", Schedule{SlotMinutes: 15, Week: Week{"mon": {{"09:00", "10:00"}}}}, "capacity"},
		{"no days", Schedule{SlotMinutes: 15, Capacity: 1}, "week"},
		{"an unknown day", Schedule{SlotMinutes: 15, Capacity: 1, Week: Week{"monday": {{"09:00", "10:00"}}}}, "week.monday"},
		{"25 o'clock", Schedule{SlotMinutes: 15, Capacity: 1, Week: Week{"mon": {{"09:00", "25:00"}}}}, "week.mon[0]"},
		{"backwards", Schedule{SlotMinutes: 15, Capacity: 1, Week: Week{"mon": {{"10:00", "09:00"}}}}, "week.mon[0]"},
		{"overlapping", Schedule{SlotMinutes: 15, Capacity: 1, Week: Week{"mon": {{"09:00", "11:00"}, {"10:00", "12:00"}}}}, "week.mon[1]"},
		{"outside the opening hours", Schedule{SlotMinutes: 15, Capacity: 1, Week: Week{"sun": {{"09:00", "11:00"}}}}, "week.sun[0]"},
	}
	for _, c := range cases {
		f := c.s.check("", weekdays)
		if len(f) == 0 || f[0].Field != c.field {
			t.Errorf("%s: %+v, want a field %s", c.name, f, c.field)
		}
	}
	if f := (Schedule{SlotMinutes: 15, Capacity: 3, Week: Week{"sat": {{"09:00", "15:00"}}}}).check("", weekdays); len(f) != 0 {
		t.Errorf("a good schedule: %+v", f)
	}
}

// Laying a new schedule over a day keeps every slot someone holds a place
// in, removes free slots it no longer has and adds the new ones that clash
// with no kept slot.
func TestPlanDay(t *testing.T) {
	loc := mustZone("Europe/Moscow")
	at := func(hhmm string) time.Time {
		d, _ := time.ParseInLocation("2006-01-02 1504", "2026-12-01 "+hhmm, loc)
		return d
	}
	have := []current{
		{HHMM: "0900", Minutes: 30, Taken: 1, Capacity: 1, Start: at("0900")}, // booked, stays as it is
		{HHMM: "0930", Minutes: 30, Taken: 0, Capacity: 1, Start: at("0930")}, // free, the new schedule has no 09:30
		{HHMM: "1000", Minutes: 30, Taken: 1, Capacity: 1, Start: at("1000")}, // booked, outside the new hours: kept
		{HHMM: "1200", Minutes: 30, Taken: 0, Capacity: 1, Start: at("1200")}, // free, now 20 minutes for two
	}
	want := daySlots(Schedule{SlotMinutes: 20, Capacity: 2, Week: Week{"tue": {{"09:00", "10:00"}, {"12:00", "12:40"}}}}, "2026-12-01", loc)
	p := planDay(want, 2, have)
	var created []string
	for _, c := range p.create {
		created = append(created, c.HHMM)
	}
	// 09:00 is kept (booked, 30 minutes), so 09:20 clashes with it; 09:40 is new.
	if got := strings.Join(created, " "); got != "0940 1220" {
		t.Errorf("created %q, want 0940 1220", got)
	}
	if len(p.remove) != 1 || p.remove[0].HHMM != "0930" {
		t.Errorf("removed %+v, want 09:30", p.remove)
	}
	if len(p.change) != 1 || p.change[0].was.HHMM != "1200" || p.change[0].minutes != 20 || p.change[0].capacity != 2 {
		t.Errorf("changed %+v, want 12:00 to 20 minutes for 2", p.change)
	}
	if p.kept != 2 {
		t.Errorf("kept %d, want 2 (09:00 of another length, 10:00 outside the hours)", p.kept)
	}
}

func TestSlotAndVisitIDs(t *testing.T) {
	id := formatSlotID("gp-1", "ivanova", "2026-12-02", "0930")
	if id != "gp-1.ivanova.20261202.0930" {
		t.Fatalf("slot id %s", id)
	}
	if org, res, date, hhmm, ok := parseSlotID(id); !ok || org != "gp-1" || res != "ivanova" || date != "2026-12-02" || hhmm != "0930" {
		t.Errorf("parseSlotID = %s %s %s %s %v", org, res, date, hhmm, ok)
	}
	for _, bad := range []string{"", "gp-1.ivanova.20261302.0930", "gp-1.ivanova.20261202.2460", "gp-1..20261202.0930", "GP.ivanova.20261202.0930",
		"gp-1.ivanova.20261202.0930.x", "gp-1.ivanova.2026-12-02.0930", "../x.y.20261202.0930"} {
		if _, _, _, _, ok := parseSlotID(bad); ok {
			t.Errorf("parseSlotID(%q) accepted", bad)
		}
	}
	v := visitID("2026-12-02", "0930", "ivanova", "20261201T060000-abcdefghij")
	if date, hhmm, res, b, ok := parseVisitID(v); !ok || date != "2026-12-02" || hhmm != "0930" || res != "ivanova" || b != "20261201T060000-abcdefghij" {
		t.Errorf("parseVisitID(%s) = %s %s %s %s %v", v, date, hhmm, res, b, ok)
	}
	if _, _, _, _, ok := parseVisitID("20261202.0930.ivanova.x"); ok {
		t.Error("a visit id with a malformed appointment id was accepted")
	}
}

func TestOrganisationChecks(t *testing.T) {
	o, _ := clinic()
	o.ID, o.Kind, o.Code, o.Region, o.Rules.BookAheadDays = "Bad ID", "hospital", "gp", "99", 0
	f := o.check()
	got := problem.FieldNames(problem.Invalid(f...))
	for _, want := range []string{"id", "kind", "code", "region", "timeZone", "rules.bookAheadDays"} {
		if !strings.Contains(strings.Join(got, ","), want) {
			t.Errorf("fields %v lack %s", got, want)
		}
	}
}
