package stack

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kabinet/kabinet/infra/local/template"
)

// ParseRate reads an EventBridge rate expression: rate(5 minutes).
func ParseRate(expr string) (time.Duration, error) {
	if !strings.HasPrefix(expr, "rate(") || !strings.HasSuffix(expr, ")") {
		return 0, fmt.Errorf("not a rate expression: %q", expr)
	}
	f := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(expr, "rate("), ")"))
	if len(f) != 2 {
		return 0, fmt.Errorf("rate expression %q: want 'rate(N unit)'", expr)
	}
	n, err := number(f[0])
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("rate expression %q: bad number", expr)
	}
	unit := map[string]time.Duration{"minute": time.Minute, "minutes": time.Minute, "hour": time.Hour,
		"hours": time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour}[f[1]]
	if unit == 0 {
		return 0, fmt.Errorf("rate expression %q: unknown unit", expr)
	}
	if (n == 1) != !strings.HasSuffix(f[1], "s") {
		return 0, fmt.Errorf("rate expression %q: use the singular unit only for 1", expr)
	}
	// A larger rate would overflow time.Duration, and a non-positive period
	// makes time.NewTicker panic.
	if n > int(math.MaxInt64/unit) {
		return 0, fmt.Errorf("rate expression %q: period too long", expr)
	}
	return time.Duration(n) * unit, nil
}

// number reads a non-negative decimal made of digits only (no sign, no spaces).
func number(s string) (int, error) {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("not a number: %q", s)
	}
	return strconv.Atoi(s)
}

// Cron is an EventBridge cron expression: minutes hours day-of-month month
// day-of-week year, in UTC. Supported: *, ? (in day-of-month or day-of-week,
// exactly one of which must be ?), numbers, month names JAN-DEC, day names
// SUN-SAT (SUN is 1), lists, ranges and steps; not L, W or #.
type Cron struct{ fields [6]map[int]bool }

var (
	monthNames = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	dayNames   = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
)

// ParseCron reads cron(...).
func ParseCron(expr string) (*Cron, error) {
	if !strings.HasPrefix(expr, "cron(") || !strings.HasSuffix(expr, ")") {
		return nil, fmt.Errorf("not a cron expression: %q", expr)
	}
	f := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(expr, "cron("), ")"))
	if len(f) != 6 {
		return nil, fmt.Errorf("cron expression %q: want 6 fields", expr)
	}
	if (f[2] == "?") == (f[4] == "?") {
		return nil, fmt.Errorf("cron expression %q: exactly one of day-of-month and day-of-week must be ?", expr)
	}
	limits := [6][2]int{{0, 59}, {0, 23}, {1, 31}, {1, 12}, {1, 7}, {1970, 2199}}
	names := [6][]string{3: monthNames, 4: dayNames}
	c := &Cron{}
	for i := range f {
		if f[i] == "?" && i != 2 && i != 4 {
			return nil, fmt.Errorf("cron expression %q field %d: ? is only for day-of-month or day-of-week", expr, i+1)
		}
		set, err := cronField(f[i], limits[i][0], limits[i][1], names[i])
		if err != nil {
			return nil, fmt.Errorf("cron expression %q field %d: %w", expr, i+1, err)
		}
		c.fields[i] = set
	}
	return c, nil
}

func cronField(s string, lo, hi int, names []string) (map[int]bool, error) {
	if s == "*" || s == "?" {
		return nil, nil
	}
	value := func(v string) (int, error) {
		for i, n := range names {
			if strings.EqualFold(v, n) {
				return lo + i, nil
			}
		}
		return number(v)
	}
	set := map[int]bool{}
	for _, part := range strings.Split(s, ",") {
		step, stepped := 1, false
		if i := strings.IndexByte(part, '/'); i >= 0 {
			n, err := number(part[i+1:])
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("bad step %q", part)
			}
			step, stepped, part = n, true, part[:i]
		}
		from, to := lo, hi
		if part != "*" {
			if i := strings.IndexByte(part, '-'); i >= 0 {
				a, err1 := value(part[:i])
				b, err2 := value(part[i+1:])
				if err1 != nil || err2 != nil {
					return nil, fmt.Errorf("bad range %q", part)
				}
				from, to = a, b
			} else {
				n, err := value(part)
				if err != nil {
					return nil, fmt.Errorf("bad value %q", part)
				}
				from, to = n, n
				// "5/15" starts at 5 and repeats to the end of the range.
				if stepped {
					to = hi
				}
			}
		}
		if from < lo || to > hi || from > to {
			return nil, fmt.Errorf("%q out of range %d-%d", part, lo, hi)
		}
		for v := from; v <= to; v += step {
			set[v] = true
			if step > to-v {
				break
			}
		}
	}
	return set, nil
}

// Matches reports whether the schedule fires in the minute of t (UTC).
func (c *Cron) Matches(t time.Time) bool {
	t = t.UTC()
	vals := [6]int{t.Minute(), t.Hour(), t.Day(), int(t.Month()), int(t.Weekday()) + 1, t.Year()}
	for i, set := range c.fields {
		if set != nil && !set[vals[i]] {
			return false
		}
	}
	return true
}

// ScheduledEvent is the event a schedule delivers.
func ScheduledEvent(fn template.Function, sch template.Schedule, at time.Time) []byte {
	ev := events.EventBridgeEvent{
		Version: "0", ID: fmt.Sprintf("local-%s-%d", sch.Name, at.Unix()), DetailType: "Scheduled Event",
		Source: "aws.scheduler", AccountID: "000000000000", Time: at.UTC(), Region: Region,
		Resources: []string{fmt.Sprintf("arn:aws:scheduler:%s:000000000000:schedule/default/%s-%s", Region, fn.LogicalID, sch.Name)},
		Detail:    json.RawMessage(`{}`),
	}
	b, _ := json.Marshal(ev)
	return b
}

// FireSchedule invokes a function with its schedule's event now.
func (s *Stack) FireSchedule(ctx context.Context, function, schedule string) ([]byte, error) {
	for _, fn := range s.Template.Functions {
		for _, sch := range fn.Schedules {
			if fn.Name == function && sch.Name == schedule {
				return s.Pools[fn.Name].Invoke(ctx, ScheduledEvent(fn, sch, s.opts.Clock.Now()))
			}
		}
	}
	return nil, fmt.Errorf("no schedule %s on function %s", schedule, function)
}

// startSchedules fires every schedule of the template by itself, checked once
// a minute on the minute (rate schedules start one period after the stack).
func (s *Stack) startSchedules() {
	ctx, cancel := context.WithCancel(context.Background())
	s.onClose(cancel)
	for _, fn := range s.Template.Functions {
		for _, sch := range fn.Schedules {
			fn, sch := fn, sch
			fire := func() {
				if _, err := s.Pools[fn.Name].Invoke(ctx, ScheduledEvent(fn, sch, s.opts.Clock.Now())); err != nil && ctx.Err() == nil {
					s.log.Error("scheduled invocation failed", "function", fn.Name, "schedule", sch.Name, "err", err)
				}
			}
			if d, err := ParseRate(sch.Expression); err == nil {
				go func() {
					t := time.NewTicker(d)
					defer t.Stop()
					for {
						select {
						case <-ctx.Done():
							return
						case <-t.C:
							fire()
						}
					}
				}()
				continue
			}
			c, err := ParseCron(sch.Expression)
			if err != nil {
				s.log.Error("schedule not understood", "function", fn.Name, "schedule", sch.Name, "err", err)
				continue
			}
			go func() {
				for {
					next := time.Now().Truncate(time.Minute).Add(time.Minute)
					select {
					case <-ctx.Done():
						return
					case <-time.After(time.Until(next)):
						if c.Matches(s.opts.Clock.Now()) {
							fire()
						}
					}
				}
			}()
		}
	}
}
