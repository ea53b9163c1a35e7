package appointments

import (
	"context"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/messages"
)

// A place freed while three people wait: it is offered to the first and
// held for them; when the hold ends it goes to the second, then the third,
// each told once; when nobody is left it is free for everyone. One offer at
// a time, however often the schedule runs.
func TestFreedPlaceIsOfferedInTurn(t *testing.T) {
	e := seeded(t, 20)
	ctx := context.Background()
	holder := citizen(0)
	v := e.book(t, holder, ivanova)
	waiters := []string{}
	for i := 1; i <= 3; i++ {
		w, err := e.waitlist.Join(ctx, citizen(i), WaitRequest{Organisation: "gp-1", Resource: "ivanova", From: "2026-12-02", To: "2026-12-04"})
		if err != nil {
			t.Fatal(err)
		}
		waiters = append(waiters, w.ID)
		e.clock.Advance(time.Second) // first come, first served
	}
	if _, err := e.bookings.Cancel(ctx, holder, v.ID); err != nil {
		t.Fatal(err)
	}
	offered := func(round int, want int) {
		t.Helper()
		for i := 1; i <= 3; i++ {
			w, err := e.waitlist.Get(ctx, citizen(i), waiters[i-1])
			if err != nil {
				t.Fatal(err)
			}
			notes := e.notes(t, citizen(i).Sub, messages.WaitlistOffer)
			switch {
			case i == want && (w.Status != WaitOffered || w.Offer == nil || w.Offer.SlotID != ivanova || notes != 1):
				t.Errorf("round %d: the %d. waiter %+v with %d notes, want the offer and one note", round, i, w, notes)
			case i < want && (w.Status != WaitExpired || notes != 1):
				t.Errorf("round %d: the %d. waiter %s with %d notes, want expired after one offer", round, i, w.Status, notes)
			case i > want && (w.Status != WaitWaiting || notes != 0):
				t.Errorf("round %d: the %d. waiter %s with %d notes, want still waiting", round, i, w.Status, notes)
			}
		}
		sl := e.slot(t, ivanova)
		if sl.Taken != 1 || sl.GSI1PK != "" {
			t.Errorf("round %d: the slot %+v, want its place held and out of search", round, sl)
		}
	}
	offered(0, 1)
	// The schedule runs before the hold ends: nothing moves.
	if st, err := e.offers.ExpireOffers(ctx, anySystem()); err != nil || st.Expired != 0 {
		t.Errorf("a run within the hold: %+v, %v", st, err)
	}
	for round := 1; round <= 2; round++ {
		e.clock.Advance(HoldFor + time.Minute)
		for range 2 { // twice: a second run passes nothing twice
			if _, err := e.offers.ExpireOffers(ctx, anySystem()); err != nil {
				t.Fatal(err)
			}
		}
		offered(round, round+1)
	}
	// The third one lets it go too: the place is everyone's again.
	e.clock.Advance(HoldFor + time.Minute)
	st, err := e.offers.ExpireOffers(ctx, anySystem())
	if err != nil || st.Expired != 1 || st.Freed != 1 {
		t.Errorf("the last run: %+v, %v", st, err)
	}
	if sl := e.slot(t, ivanova); sl.Taken != 0 || sl.GSI1PK == "" {
		t.Errorf("the slot %+v is not free for everyone", sl)
	}
}

// Accepting books the held place; declining passes it on; an expired
// offer cannot be accepted.
func TestAcceptAndDeclineAnOffer(t *testing.T) {
	e := seeded(t, 20)
	ctx := context.Background()
	holder := citizen(0)
	v := e.book(t, holder, ivanova)
	a, b := citizen(1), citizen(2)
	wa, _ := e.waitlist.Join(ctx, a, WaitRequest{Organisation: "gp-1", Resource: "ivanova", From: "2026-12-02", To: "2026-12-02"})
	e.clock.Advance(time.Second)
	wb, _ := e.waitlist.Join(ctx, b, WaitRequest{Organisation: "gp-1", Resource: "ivanova", From: "2026-12-01", To: "2026-12-10"})
	if _, err := e.waitlist.Join(ctx, b, WaitRequest{Organisation: "gp-1", Resource: "ivanova", From: "2026-12-02", To: "2026-12-03"}); code(err) != "waitlist_duplicate" {
		t.Errorf("waiting twice = %v", err)
	}
	if _, err := e.bookings.Cancel(ctx, holder, v.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.waitlist.Accept(ctx, b, wb.ID, BookRequest{}); code(err) != "offer_not_active" {
		t.Errorf("the second one accepting = %v", err)
	}
	if _, err := e.waitlist.Decline(ctx, a, wa.ID); err != nil {
		t.Fatal(err)
	}
	got, err := e.waitlist.Accept(ctx, b, wb.ID, BookRequest{})
	if err != nil || got.SlotID != ivanova || got.Status != StatusBooked {
		t.Fatalf("accept = %+v, %v", got, err)
	}
	if sl := e.slot(t, ivanova); sl.Taken != 1 {
		t.Errorf("the slot after accepting: %+v", sl)
	}
	after, _ := e.waitlist.Get(ctx, b, wb.ID)
	if after.Status != WaitBooked || after.AppointmentID != got.ID {
		t.Errorf("the entry after accepting: %+v", after)
	}
	// Another place, offered and let lapse: accepting late is refused.
	v2 := e.book(t, holder, "gp-1.ivanova.20261203.0900")
	wc, _ := e.waitlist.Join(ctx, citizen(3), WaitRequest{Organisation: "gp-1", Resource: "ivanova", From: "2026-12-03", To: "2026-12-03"})
	if _, err := e.bookings.Cancel(ctx, holder, v2.ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(HoldFor + time.Second)
	if _, err := e.waitlist.Accept(ctx, citizen(3), wc.ID, BookRequest{}); code(err) != "offer_expired" {
		t.Errorf("accepting late = %v", err)
	}
	left, err := e.waitlist.Leave(ctx, citizen(3), wc.ID)
	if err != nil || left.Status != WaitLeft {
		t.Errorf("leaving = %+v, %v", left, err)
	}
	if sl := e.slot(t, "gp-1.ivanova.20261203.0900"); sl.Taken != 0 || sl.GSI1PK == "" {
		t.Errorf("the place of one who left %+v is not free", sl)
	}
}

func TestJoinChecksItsInput(t *testing.T) {
	e := seeded(t, 20)
	ctx := context.Background()
	cases := []struct {
		in   WaitRequest
		want string
	}{
		{WaitRequest{Organisation: "nowhere", Resource: "x", From: "2026-12-02", To: "2026-12-03"}, "organisation:organisation.unknown"},
		{WaitRequest{Organisation: "gp-1", Resource: "nobody", From: "2026-12-02", To: "2026-12-03"}, "resource:resource.unknown"},
		{WaitRequest{Organisation: "gp-1", Resource: "ivanova", From: "2026-11-30", To: "2026-12-03"}, "from:date.past"},
		{WaitRequest{Organisation: "gp-1", Resource: "ivanova", From: "2026-12-05", To: "2026-12-03"}, "to:date.order"},
		{WaitRequest{Organisation: "gp-1", Resource: "ivanova", From: "2026-12-02", To: "03.12.2026"}, "to:date.format"},
		{WaitRequest{Organisation: "gp-1", Resource: "ivanova", From: "2026-12-02", To: "2027-12-03"}, "to:date.span"},
	}
	for _, c := range cases {
		if _, err := e.waitlist.Join(ctx, citizen(1), c.in); code(err) != c.want {
			t.Errorf("%+v: %v, want %s", c.in, err, c.want)
		}
	}
	for i := range MaxWaiting {
		if _, err := e.waitlist.Join(ctx, citizen(1), WaitRequest{Organisation: "gp-1", Resource: "ivanova", From: addDays("2026-12-02", i),
			To: addDays("2026-12-02", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.waitlist.Join(ctx, citizen(1), WaitRequest{Organisation: "gp-1", Resource: "petrov", From: "2026-12-02", To: "2026-12-02"}); code(err) != "waitlist_limit" {
		t.Errorf("one entry too many = %v", err)
	}
	list, err := e.waitlist.List(ctx, citizen(1))
	if err != nil || len(list) != MaxWaiting {
		t.Errorf("List = %d, %v", len(list), err)
	}
}
