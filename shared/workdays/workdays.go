// Package workdays counts working days by the Russian production calendar:
// Saturdays, Sundays and public holidays are days off, and the government's
// yearly decree moves some of them. Processing times of services are set in
// working days, so a due date that ignored holidays would be early after
// the New Year and the May holidays.
//
// Years with a decree known here use its exact list of days off and
// working weekend days. Other years fall back to the Labour Code (art.
// 112): the fixed holidays, and a holiday falling on a weekend moves to the
// next working day, except the January ones, which the decree moves
// elsewhere each year. When a new decree is published, add its year.
package workdays

import "time"

// Moscow is the time zone dates are counted in.
var Moscow = time.FixedZone("MSK", 3*60*60)

type day struct {
	month time.Month
	day   int
}

// decrees lists, per year, the days off beyond Saturdays and Sundays, and
// the Saturdays or Sundays that are working days.
var decrees = map[int]struct{ off, working []day }{
	// Постановление Правительства РФ о переносе выходных дней в 2026 году:
	// 3 January moves to 9 January, 4 January to 31 December.
	2026: {off: []day{
		{1, 1}, {1, 2}, {1, 5}, {1, 6}, {1, 7}, {1, 8}, {1, 9},
		{2, 23}, {3, 9}, {5, 1}, {5, 11}, {6, 12}, {11, 4}, {12, 31},
	}},
}

// holidays are the Labour Code's public holidays.
var holidays = []day{{1, 1}, {1, 2}, {1, 3}, {1, 4}, {1, 5}, {1, 6}, {1, 7}, {1, 8}, {2, 23}, {3, 8}, {5, 1}, {5, 9}, {6, 12}, {11, 4}}

func weekend(t time.Time) bool { return t.Weekday() == time.Saturday || t.Weekday() == time.Sunday }

// IsWorking reports whether the date of t (in Moscow) is a working day.
func IsWorking(t time.Time) bool {
	t = t.In(Moscow)
	d := day{t.Month(), t.Day()}
	if dec, ok := decrees[t.Year()]; ok {
		for _, w := range dec.working {
			if w == d {
				return true
			}
		}
		for _, o := range dec.off {
			if o == d {
				return false
			}
		}
		return !weekend(t)
	}
	if weekend(t) {
		return false
	}
	for _, h := range holidays {
		if h == d {
			return false
		}
	}
	// A non-January holiday on a Saturday or Sunday gives the next working
	// day off: the Monday after the weekend it fell on.
	if !weekend(t.AddDate(0, 0, -1)) {
		return true
	}
	for back := 1; back <= 2; back++ {
		prev := t.AddDate(0, 0, -back)
		for _, h := range holidays {
			if h.month != time.January && h == (day{prev.Month(), prev.Day()}) {
				return false
			}
		}
	}
	return true
}

// Add returns the date (midnight, Moscow) that is n working days after the
// date of t: a service taking 5 working days from a Friday is due the
// Friday after.
func Add(t time.Time, n int) time.Time {
	t = t.In(Moscow)
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Moscow)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if IsWorking(d) {
			n--
		}
	}
	return d
}

// Kind is what the production calendar makes of a date.
type Kind int

// The kinds of days.
const (
	// Working is a working day, a Saturday or Sunday the decree made one
	// included.
	Working Kind = iota
	// Weekend is an ordinary Saturday or Sunday.
	Weekend
	// Holiday is a public holiday (art. 112, on whatever day of the week it
	// falls) or a weekday made a day off by the decree or by a holiday moved
	// from a weekend.
	Holiday
)

// KindOf tells what the date of t (in Moscow) is: an organisation open on
// Saturdays receives on a Weekend, none receives on a Holiday.
func KindOf(t time.Time) Kind {
	t = t.In(Moscow)
	if IsWorking(t) {
		return Working
	}
	d := day{t.Month(), t.Day()}
	for _, h := range holidays {
		if h == d {
			return Holiday
		}
	}
	if dec, ok := decrees[t.Year()]; ok {
		for _, o := range dec.off {
			if o == d {
				return Holiday
			}
		}
	}
	if weekend(t) {
		return Weekend
	}
	return Holiday
}
