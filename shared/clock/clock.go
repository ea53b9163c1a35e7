// Package clock provides the time to code that must be testable at any instant.
package clock

import (
	"sync"
	"time"
)

// Clock tells the current time.
type Clock interface {
	Now() time.Time
}

// System is the real wall clock.
type System struct{}

// Now returns time.Now().
func (System) Now() time.Time { return time.Now() }

// Manual is a clock that moves only when told; safe for concurrent use.
type Manual struct {
	mu  sync.Mutex
	now time.Time
}

// NewManual returns a Manual clock set to t.
func NewManual(t time.Time) *Manual { return &Manual{now: t} }

// Now returns the clock's current time.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// Set moves the clock to t.
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	m.now = t
	m.mu.Unlock()
}

// Advance moves the clock forward by d.
func (m *Manual) Advance(d time.Duration) {
	m.mu.Lock()
	m.now = m.now.Add(d)
	m.mu.Unlock()
}

// Offset is a clock running at real speed but shifted by a fixed duration; the
// local stack uses it to put a whole process into the future.
type Offset struct {
	Base  Clock
	Shift time.Duration
}

// Now returns the base time plus the shift.
func (o Offset) Now() time.Time { return o.Base.Now().Add(o.Shift) }

// Moscow is the Europe/Moscow zone from the system's zone database, loaded on
// first use rather than at every cold start; where there is none, the fixed
// UTC+3 Moscow has kept since 2014 stands in.
var Moscow = sync.OnceValue(func() *time.Location {
	if l, err := time.LoadLocation("Europe/Moscow"); err == nil {
		return l
	}
	return time.FixedZone("MSK", 3*3600)
})
