package appointments

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/applications"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/dynamo/dynamotest"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/problem"
)

// start is Tuesday 1 December 2026, 09:00 in Moscow.
var start = time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)

// fakePeople names everyone "Иванов Иван <sub>".
type fakePeople struct{}

func (fakePeople) FullName(_ context.Context, sub string) (accounts.FullName, error) {
	return accounts.FullName{Surname: "Иванов", Name: "Иван", Patronymic: sub}, nil
}

// fakeApplications answers InStatus with what the test set per person.
type fakeApplications struct {
	mu  sync.Mutex
	got map[string]applications.Standing
	err map[string]error
	// held counts the holds added to transactions.
	held int
}

func (f *fakeApplications) InStatus(_ context.Context, a actor.Actor, service, id string, statuses []string) (applications.Standing, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.err[a.Sub]; err != nil {
		return applications.Standing{}, err
	}
	st, ok := f.got[a.Sub]
	if !ok {
		return applications.Standing{}, problem.NotFound("заявление")
	}
	st.Hold = func(*dynamo.Tx) {
		f.mu.Lock()
		f.held++
		f.mu.Unlock()
	}
	return st, nil
}

type env struct {
	db        *dynamo.Store
	clock     *clock.Manual
	dir       *Directory
	slots     *Slots
	bookings  *Bookings
	waitlist  *Waitlist
	offers    *Offers
	reception *Reception
	apps      *fakeApplications
	inbox     *inbox.Store
	journal   *journal.Journal
}

func newEnv(t testing.TB) *env {
	t.Helper()
	db := dynamotest.NewStore(t)
	c := clock.NewManual(start)
	e := &env{db: db, clock: c, apps: &fakeApplications{got: map[string]applications.Standing{}, err: map[string]error{}},
		inbox: &inbox.Store{DB: db}, journal: &journal.Journal{DB: db, Key: journal.StaticKey("0123456789abcdef0123456789abcdef"), Clock: c}}
	d := Deps{DB: db, Clock: c, People: fakePeople{}, Inbox: e.inbox, Applications: e.apps, Journal: e.journal}
	var err error
	if e.dir, err = NewDirectory(d); err != nil {
		t.Fatal(err)
	}
	if e.slots, err = NewSlots(d); err != nil {
		t.Fatal(err)
	}
	if e.bookings, err = NewBookings(d); err != nil {
		t.Fatal(err)
	}
	if e.waitlist, err = NewWaitlist(d); err != nil {
		t.Fatal(err)
	}
	if e.offers, err = NewOffers(d); err != nil {
		t.Fatal(err)
	}
	if e.reception, err = NewReception(d); err != nil {
		t.Fatal(err)
	}
	return e
}

var weekdays = Week{"mon": {{"08:00", "20:00"}}, "tue": {{"08:00", "20:00"}}, "wed": {{"08:00", "20:00"}}, "thu": {{"08:00", "20:00"}},
	"fri": {{"08:00", "20:00"}}, "sat": {{"09:00", "15:00"}}}

// clinic is a Moscow clinic: two therapists seeing one patient per 30
// minutes, 09:00 to 11:00 on weekdays, and a dentist.
func clinic() (Organisation, []Resource) {
	return Organisation{ID: "gp-1", Kind: KindClinic, Name: "Городская поликлиника № 1", Code: "GP1", Address: "г. Москва, ул. Тверская, д. 1",
			Region: "77", Hours: weekdays, Rules: Rules{CancelBeforeMinutes: 120, BookAheadDays: 14, MaxActivePerService: 1}},
		[]Resource{
			{ID: "ivanova", Service: "therapist", Name: "Иванова Мария Петровна", Room: "каб. 101",
				Schedule: Schedule{SlotMinutes: 30, Capacity: 1, Week: Week{"mon": {{"09:00", "11:00"}}, "tue": {{"09:00", "11:00"}}, "wed": {{"09:00", "11:00"}},
					"thu": {{"09:00", "11:00"}}, "fri": {{"09:00", "11:00"}}}}},
			{ID: "petrov", Service: "therapist", Name: "Петров Сергей Ильич", Room: "каб. 102",
				Schedule: Schedule{SlotMinutes: 30, Capacity: 1, Week: Week{"mon": {{"09:00", "11:00"}}, "tue": {{"09:00", "11:00"}}, "wed": {{"09:00", "11:00"}},
					"thu": {{"09:00", "11:00"}}, "fri": {{"09:00", "11:00"}}}}},
			{ID: "smirnov", Service: "dentist", Name: "Смирнов Олег Викторович",
				Schedule: Schedule{SlotMinutes: 60, Capacity: 1, Week: Week{"tue": {{"12:00", "14:00"}}, "sat": {{"10:00", "12:00"}}}}},
		}
}

// examSite is a Yekaterinburg exam site: a theory exam for capacity
// people at 10:00 and 14:00 on weekdays.
func examSite(capacity int) (Organisation, []Resource) {
	return Organisation{ID: "gai-ekb", Kind: KindExam, Name: "Экзаменационный отдел ГИБДД", Code: "GAI", Address: "г. Екатеринбург, ул. Крестинского, д. 59",
			Region: "66", Department: "gibdd", Hours: weekdays, Rules: Rules{CancelBeforeMinutes: 24 * 60, BookAheadDays: 21, MaxActivePerService: 1}},
		[]Resource{{ID: "theory", Service: "exam-theory", Name: "Теоретический экзамен, класс 1",
			Schedule: Schedule{SlotMinutes: 60, Capacity: capacity, Week: Week{"mon": {{"10:00", "11:00"}, {"14:00", "15:00"}},
				"tue": {{"10:00", "11:00"}, {"14:00", "15:00"}}, "wed": {{"10:00", "11:00"}, {"14:00", "15:00"}}, "thu": {{"10:00", "11:00"}, {"14:00", "15:00"}},
				"fri": {{"10:00", "11:00"}, {"14:00", "15:00"}}}}}}
}

func (e *env) put(t testing.TB, o Organisation, r []Resource) {
	t.Helper()
	if err := e.dir.Put(context.Background(), actor.System(), o, r); err != nil {
		t.Fatalf("put %s: %v", o.ID, err)
	}
}

func (e *env) materialise(t testing.TB) Made {
	t.Helper()
	m, err := e.slots.Materialise(context.Background(), actor.System())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// seeded is an env with the clinic and the exam site, their slots made.
func seeded(t testing.TB, examCapacity int) *env {
	t.Helper()
	e := newEnv(t)
	o, r := clinic()
	e.put(t, o, r)
	o, r = examSite(examCapacity)
	e.put(t, o, r)
	e.materialise(t)
	return e
}

func citizen(n int) actor.Actor {
	a := actor.Citizen(fmt.Sprintf("citizen-%03d", n))
	a.IP = "203.0.113.7"
	return a
}

func staffOf(org string) actor.Actor {
	return actor.Actor{Sub: "staff-" + org, Groups: []string{actor.GroupStaff}, Organisation: org}
}

func (e *env) slot(t testing.TB, id string) slotItem {
	t.Helper()
	org, res, date, hhmm, ok := parseSlotID(id)
	if !ok {
		t.Fatalf("bad slot id %s", id)
	}
	sl, exists, err := store{e.db}.slot(context.Background(), dynamo.SlotKey(org, date, hhmm, res))
	if err != nil || !exists {
		t.Fatalf("slot %s: %v %v", id, exists, err)
	}
	return sl
}

func (e *env) book(t testing.TB, a actor.Actor, slot string) AppointmentView {
	t.Helper()
	v, err := e.bookings.Book(context.Background(), a, BookRequest{SlotID: slot})
	if err != nil {
		t.Fatalf("book %s for %s: %v", slot, a.Sub, err)
	}
	return v
}

func (e *env) notes(t testing.TB, sub, typ string) int {
	t.Helper()
	list, _, err := e.inbox.List(context.Background(), sub, false, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range list {
		if r.Type == typ {
			n++
		}
	}
	return n
}

func code(err error) string {
	if pe, ok := problem.As(err); ok {
		if pe.Code == "validation_failed" && len(pe.Fields) > 0 {
			return pe.Fields[0].Field + ":" + pe.Fields[0].Code
		}
		return pe.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// Wednesday 2 December 2026 in Moscow and in Yekaterinburg.
const (
	wed     = "20261202"
	ivanova = "gp-1.ivanova." + wed + ".0900"
	petrov  = "gp-1.petrov." + wed + ".0900"
	theory  = "gai-ekb.theory." + wed + ".1000"
)

func journalFilter() journal.Filter { return journal.Filter{} }

// containsUnfolded looks for p in an iCalendar document, its long lines
// unfolded.
func containsUnfolded(s, p string) bool {
	return strings.Contains(strings.ReplaceAll(s, "\r\n ", ""), p)
}
