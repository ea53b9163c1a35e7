package appointments

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/workdays"
)

// Interval is a span of a day in local time, "09:00" to "13:00".
type Interval struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Week is the hours of each day of the week, under the keys mon, tue,
// wed, thu, fri, sat and sun; a day without hours is a day off.
type Week map[string][]Interval

// weekdayKeys are Week's keys by time.Weekday.
var weekdayKeys = [...]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// Schedule is how a resource receives: slots of SlotMinutes for Capacity
// people in the hours of Week, on the days the production calendar
// (shared/workdays) allows. A public holiday is a day off; a weekend day
// receives in its own hours, if it has any; a Saturday or Sunday the
// decree makes a working day receives in Friday's hours.
type Schedule struct {
	SlotMinutes int  `json:"slotMinutes"`
	Capacity    int  `json:"capacity"`
	Week        Week `json:"week"`
}

// Limits of a schedule.
const (
	MinSlotMinutes = 5
	MaxSlotMinutes = 240
	MaxCapacity    = 100
)

// clockMinutes parses "15:04" (24:00 is the end of a day) into minutes of the day.
func clockMinutes(s string) (int, bool) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, false
	}
	return hh*60 + mm, true
}

// compact is w without the days that have no hours (the table keeps no
// empty lists).
func (w Week) compact() Week {
	out := Week{}
	for day, spans := range w {
		if len(spans) > 0 {
			out[day] = spans
		}
	}
	return out
}

// check names every bad day and interval of w, under field; each interval
// must lie inside one of within's intervals of the same day (nil: no bound).
func (w Week) check(field string, within Week) []problem.Field {
	var f []problem.Field
	keys := make([]string, 0, len(w))
	for k := range w {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, day := range keys {
		if !slices.Contains(weekdayKeys[:], day) {
			f = append(f, invalid(field+"."+day, "week.day", "День недели: mon, tue, wed, thu, fri, sat или sun"))
			continue
		}
		spans := w[day]
		if len(spans) > 8 {
			f = append(f, invalid(field+"."+day, "week.intervals", "Не больше 8 промежутков в день"))
			continue
		}
		type span struct{ from, to int }
		var seen []span
		for i, iv := range spans {
			name := fmt.Sprintf("%s.%s[%d]", field, day, i)
			from, ok1 := clockMinutes(iv.From)
			to, ok2 := clockMinutes(iv.To)
			switch {
			case !ok1 || !ok2:
				f = append(f, invalid(name, "interval.format", "Время в формате ЧЧ:ММ, от 00:00 до 24:00"))
				continue
			case from >= to:
				f = append(f, invalid(name, "interval.order", "Начало промежутка должно быть раньше конца"))
				continue
			}
			for _, s := range seen {
				if from < s.to && s.from < to {
					f = append(f, invalid(name, "interval.overlap", "Промежутки одного дня не должны пересекаться"))
				}
			}
			seen = append(seen, span{from, to})
			if within != nil && !within.covers(day, from, to) {
				f = append(f, invalid(name, "interval.outside_hours", "Приём должен быть в часы работы организации"))
			}
		}
	}
	return f
}

// covers is whether [from, to) of a day lies inside one of w's intervals.
func (w Week) covers(day string, from, to int) bool {
	for _, iv := range w[day] {
		a, _ := clockMinutes(iv.From)
		b, _ := clockMinutes(iv.To)
		if a <= from && to <= b {
			return true
		}
	}
	return false
}

func (s Schedule) compacted() Schedule {
	s.Week = s.Week.compact()
	return s
}

// check names every bad field of s; opening bounds its hours.
func (s Schedule) check(field string, opening Week) []problem.Field {
	var f []problem.Field
	if s.SlotMinutes < MinSlotMinutes || s.SlotMinutes > MaxSlotMinutes || s.SlotMinutes%5 != 0 {
		f = append(f, invalid(field+"slotMinutes", "schedule.slot_minutes", fmt.Sprintf("Длительность приёма — от %d до %d минут, кратно 5", MinSlotMinutes, MaxSlotMinutes)))
	}
	if s.Capacity < 1 || s.Capacity > MaxCapacity {
		f = append(f, invalid(field+"capacity", "schedule.capacity", fmt.Sprintf("Мест на одно время — от 1 до %d", MaxCapacity)))
	}
	if len(s.Week) == 0 {
		f = append(f, invalid(field+"week", "schedule.week", "Укажите часы приёма хотя бы одного дня недели"))
	}
	return append(f, s.Week.check(field+"week", opening)...)
}

// planned is a slot a schedule makes on a day.
type planned struct {
	// HHMM is the local start, "0930".
	HHMM    string
	Start   time.Time
	Minutes int
}

func (p planned) end() time.Time { return p.Start.Add(time.Duration(p.Minutes) * time.Minute) }

// hoursOf are the hours a schedule receives in on a local date.
func (s Schedule) hoursOf(day time.Time) []Interval {
	noon := time.Date(day.Year(), day.Month(), day.Day(), 12, 0, 0, 0, workdays.Moscow)
	switch workdays.KindOf(noon) {
	case workdays.Holiday:
		return nil
	case workdays.Weekend:
		return s.Week[weekdayKeys[day.Weekday()]]
	}
	if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return s.Week["fri"]
	}
	return s.Week[weekdayKeys[day.Weekday()]]
}

// daySlots are the slots s makes on date (local "2006-01-02") in loc, in
// order; an interval's tail shorter than a slot makes none.
func daySlots(s Schedule, date string, loc *time.Location) []planned {
	day, err := time.ParseInLocation(time.DateOnly, date, loc)
	if err != nil || s.SlotMinutes <= 0 {
		return nil
	}
	var out []planned
	for _, iv := range s.hoursOf(day) {
		from, _ := clockMinutes(iv.From)
		to, _ := clockMinutes(iv.To)
		for m := from; m+s.SlotMinutes <= to; m += s.SlotMinutes {
			start := time.Date(day.Year(), day.Month(), day.Day(), m/60, m%60, 0, 0, loc)
			out = append(out, planned{HHMM: fmt.Sprintf("%02d%02d", m/60, m%60), Start: start, Minutes: s.SlotMinutes})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].HHMM < out[j].HHMM })
	return slices.CompactFunc(out, func(a, b planned) bool { return a.HHMM == b.HHMM })
}

// current is a slot a day already has, as a new schedule is laid over it.
type current struct {
	HHMM            string
	Minutes         int
	Taken, Capacity int
	Start           time.Time
	Closed          bool
}

// dayPlan is what laying a schedule over a day changes: slots to make,
// free slots the schedule no longer has, slots whose length or capacity
// changes, and how many slots stay because somebody holds a place in them
// although the schedule no longer has them.
type dayPlan struct {
	create []planned
	remove []current
	change []change
	kept   int
}

type change struct {
	was      current
	minutes  int
	capacity int
}

// planDay lays the slots want of a schedule with capacity over the slots
// have of a day. A slot with places taken is never removed nor shortened or
// lengthened; a new slot overlapping such a kept one is not made.
func planDay(want []planned, capacity int, have []current) dayPlan {
	var p dayPlan
	byHHMM := map[string]planned{}
	for _, w := range want {
		byHHMM[w.HHMM] = w
	}
	var kept []current
	matched := map[string]bool{}
	for _, h := range have {
		if h.Closed {
			matched[h.HHMM] = true
			continue
		}
		w, ok := byHHMM[h.HHMM]
		switch {
		case ok && w.Minutes == h.Minutes && h.Capacity == max(capacity, h.Taken):
			matched[h.HHMM] = true
		case ok && (w.Minutes == h.Minutes || h.Taken == 0):
			matched[h.HHMM] = true
			p.change = append(p.change, change{was: h, minutes: w.Minutes, capacity: max(capacity, h.Taken)})
		case h.Taken == 0:
			p.remove = append(p.remove, h)
		default:
			matched[h.HHMM] = true
			kept = append(kept, h)
		}
	}
	p.kept = len(kept)
	for _, w := range want {
		if matched[w.HHMM] {
			continue
		}
		clash := slices.ContainsFunc(kept, func(k current) bool {
			return w.Start.Before(k.Start.Add(time.Duration(k.Minutes)*time.Minute)) && k.Start.Before(w.end())
		})
		if !clash {
			p.create = append(p.create, w)
		}
	}
	return p
}
