package appointments

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/problem"
)

// Statuses of a waitlist entry.
const (
	WaitWaiting  = "waiting"
	WaitOffered  = "offered"
	WaitBooked   = "booked"
	WaitExpired  = "expired"
	WaitDeclined = "declined"
	WaitLeft     = "left"
)

// WaitStatusNames name them in Russian.
var WaitStatusNames = map[string]string{
	WaitWaiting: "Ожидает", WaitOffered: "Предложено время", WaitBooked: "Записаны", WaitExpired: "Время предложения истекло",
	WaitDeclined: "Предложение отклонено", WaitLeft: "Вы вышли из листа ожидания",
}

// HoldFor is how long a freed place is held for the person it is offered
// to; then it is offered to the next.
const HoldFor = 15 * time.Minute

// MaxWaiting is how many entries one person may keep waiting at once.
const MaxWaiting = 5

// MaxWaitDays bounds how far ahead a waitlist entry may reach.
const MaxWaitDays = 92

// WaitRequest is what a person waits for: a resource (a doctor, an exam,
// a window) on the days From to To.
type WaitRequest struct {
	Organisation string `json:"organisation"`
	Resource     string `json:"resource"`
	From         string `json:"from"`
	To           string `json:"to"`
}

// Offer is a place offered to a waiting person and held for them.
type Offer struct {
	SlotID string    `json:"slotId"`
	Start  time.Time `json:"start"`
	// HoldUntil is when the place goes to the next person unless booked.
	HoldUntil time.Time `json:"holdUntil"`
}

// WaitView is a waitlist entry as its person sees it.
type WaitView struct {
	ID            string          `json:"id"`
	Status        string          `json:"status"`
	StatusName    string          `json:"statusName"`
	Organisation  OrganisationRef `json:"organisation"`
	Resource      ResourceRef     `json:"resource"`
	Service       string          `json:"service"`
	ServiceName   string          `json:"serviceName"`
	From          string          `json:"from"`
	To            string          `json:"to"`
	JoinedAt      time.Time       `json:"joinedAt"`
	Offer         *Offer          `json:"offer,omitempty"`
	AppointmentID string          `json:"appointmentId,omitempty"`
}

func (w waitItem) view() WaitView {
	svc, _ := ServiceOf(w.Service)
	v := WaitView{ID: w.ID, Status: w.Status, StatusName: WaitStatusNames[w.Status], Organisation: OrganisationRef{ID: w.Org, Name: w.OrgName},
		Resource: ResourceRef{ID: w.Resource, Name: w.ResourceName}, Service: w.Service, ServiceName: svc.Name, From: w.From, To: w.To,
		JoinedAt: parseStamp(w.JoinedAt), AppointmentID: w.Booking}
	if w.Status == WaitOffered {
		loc := mustZone(w.TimeZone)
		v.Offer = &Offer{SlotID: w.OfferSlot, Start: parseStamp(w.OfferStart).In(loc), HoldUntil: parseStamp(w.OfferExpires).In(loc)}
	}
	return v
}

// Waitlist is "tell me when a place frees": a person waits for a resource
// on a range of days; a freed place is offered to the first one waiting,
// held for them HoldFor, then offered to the next.
type Waitlist struct{ core }

// NewWaitlist needs People, Inbox, Applications and Journal (accepting an
// offer books it).
func NewWaitlist(d Deps) (*Waitlist, error) {
	if err := d.need("Waitlist", "People", "Inbox", "Applications", "Journal"); err != nil {
		return nil, err
	}
	return &Waitlist{newCore(d)}, nil
}

// entries reads a person's waitlist entries, newest first.
func (c core) entries(ctx context.Context, sub string) ([]waitItem, error) {
	items, _, err := dynamo.Collect(ctx, c.d.DB, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.WaitlistPrefix, Consistent: true},
		dynamo.MaxPageSize, func(waitItem) bool { return true })
	return items, err
}

// Join puts the person on a resource's waitlist for the days From to To.
// Errors: Invalid (every bad field), Conflict (waitlist_duplicate: already
// waiting for it on those days; waitlist_limit: MaxWaiting entries wait).
func (s *Waitlist) Join(ctx context.Context, a actor.Actor, in WaitRequest) (WaitView, error) {
	sub, err := a.RequirePerson()
	if err != nil {
		return WaitView{}, err
	}
	var f []problem.Field
	var org orgItem
	var res resourceItem
	if idRe.MatchString(in.Organisation) {
		var exists bool
		if org, exists, err = s.db.org(ctx, in.Organisation); err != nil {
			return WaitView{}, err
		}
		if !exists {
			f = append(f, invalid("organisation", "organisation.unknown", "Неизвестная организация"))
		} else if idRe.MatchString(in.Resource) {
			if res, exists, err = s.db.resource(ctx, org.ID, in.Resource); err != nil {
				return WaitView{}, err
			}
			if !exists {
				f = append(f, invalid("resource", "resource.unknown", "В организации нет такого специалиста, экзамена или окна"))
			}
		} else {
			f = append(f, invalid("resource", "resource.unknown", "В организации нет такого специалиста, экзамена или окна"))
		}
	} else {
		f = append(f, invalid("organisation", "organisation.unknown", "Неизвестная организация"))
	}
	loc := mustZone(org.TimeZone)
	today := s.d.Clock.Now().In(loc).Format(time.DateOnly)
	fromOK, toOK := validDate(in.From, loc), validDate(in.To, loc)
	if !fromOK {
		f = append(f, invalid("from", "date.format", "Дата в формате ГГГГ-ММ-ДД"))
	} else if in.From < today {
		f = append(f, invalid("from", "date.past", "Начало периода не может быть в прошлом"))
	}
	if !toOK {
		f = append(f, invalid("to", "date.format", "Дата в формате ГГГГ-ММ-ДД"))
	} else if fromOK {
		switch {
		case in.To < in.From:
			f = append(f, invalid("to", "date.order", "Конец периода не может быть раньше начала"))
		case in.To > addDays(today, MaxWaitDays):
			f = append(f, invalid("to", "date.span", fmt.Sprintf("Ждать можно не дальше чем на %d дней вперёд", MaxWaitDays)))
		}
	}
	if len(f) > 0 {
		return WaitView{}, problem.Invalid(f...)
	}
	mine, err := s.entries(ctx, sub)
	if err != nil {
		return WaitView{}, err
	}
	waiting := 0
	for _, w := range mine {
		if w.Status != WaitWaiting && w.Status != WaitOffered {
			continue
		}
		waiting++
		if w.Org == org.ID && w.Resource == res.ID && w.From <= in.To && in.From <= w.To {
			return WaitView{}, problem.Conflict("waitlist_duplicate", "Вы уже ждёте это время в эти дни").With("waitlistId", w.ID)
		}
	}
	if waiting >= MaxWaiting {
		return WaitView{}, problem.Conflict("waitlist_limit", fmt.Sprintf("Ждать можно не больше %d записей сразу", MaxWaiting))
	}
	now := s.d.Clock.Now()
	id := newID(now)
	k := dynamo.WaitlistKey(sub, id)
	w := waitItem{PK: k.PK, SK: k.SK, Kind: kindWait, ID: id, Sub: sub, Org: org.ID, OrgName: org.Name, TimeZone: org.TimeZone, Resource: res.ID,
		ResourceName: res.Name, Service: res.Service, From: in.From, To: in.To, Status: WaitWaiting, JoinedAt: stamp(now), UpdatedAt: stamp(now)}
	tx := &dynamo.Tx{}
	putWait(tx, w)
	tx.Create(queueOf(w))
	if err := s.d.DB.Transact(ctx, "", tx); err != nil {
		return WaitView{}, err
	}
	w.V = 1
	return w.view(), nil
}

func validDate(s string, loc *time.Location) bool {
	d, err := time.ParseInLocation(time.DateOnly, s, loc)
	return err == nil && d.Format(time.DateOnly) == s
}

// List is the person's waitlist entries, newest first.
func (s *Waitlist) List(ctx context.Context, a actor.Actor) ([]WaitView, error) {
	sub, err := a.RequirePerson()
	if err != nil {
		return nil, err
	}
	items, err := s.entries(ctx, sub)
	if err != nil {
		return nil, err
	}
	out := make([]WaitView, 0, len(items))
	for _, w := range items {
		out = append(out, w.view())
	}
	return out, nil
}

func (c core) myEntry(ctx context.Context, sub, id string) (waitItem, error) {
	if id == "" || len(id) > 64 {
		return waitItem{}, problem.NotFound("запись в лист ожидания")
	}
	w, exists, err := c.db.wait(ctx, sub, id)
	if err != nil || !exists {
		return waitItem{}, orElse(err, problem.NotFound("запись в лист ожидания"))
	}
	return w, nil
}

// Get is one of the person's waitlist entries. Errors: NotFound.
func (s *Waitlist) Get(ctx context.Context, a actor.Actor, id string) (WaitView, error) {
	sub, err := a.RequirePerson()
	if err != nil {
		return WaitView{}, err
	}
	w, err := s.myEntry(ctx, sub, id)
	if err != nil {
		return WaitView{}, err
	}
	return w.view(), nil
}

// offerable is the first person waiting for sl's resource on its day
// whose upcoming appointments let them take it (except is skipped: the
// person freeing it), or nil; a place too near its start to hold is
// offered to nobody.
func (c core) offerable(ctx context.Context, sl slotItem, except string, now time.Time) (*waitItem, error) {
	if sl.Closed || sl.start().Before(now.Add(HoldFor+5*time.Minute)) {
		return nil, nil
	}
	org, exists, err := c.db.org(ctx, sl.Org)
	if err != nil || !exists {
		return nil, err
	}
	cursor := ""
	for read := 0; read < 200; {
		var page []queueItem
		next, err := c.d.DB.Query(ctx, dynamo.Page{Partition: dynamo.WaitQueuePK(sl.Org, sl.Resource), Forward: true, Cursor: cursor, Limit: 25, Consistent: true}, &page)
		if err != nil {
			return nil, err
		}
		read += len(page)
		for _, q := range page {
			if q.Sub == except || sl.Date < q.From || sl.Date > q.To {
				continue
			}
			w, exists, err := c.db.wait(ctx, q.Sub, q.Entry)
			if err != nil {
				return nil, err
			}
			if !exists || w.Status != WaitWaiting {
				continue
			}
			l, err := c.db.ledger(ctx, q.Sub, ForSelf)
			if err != nil {
				return nil, err
			}
			if _, err := admit(l, org, sl, w.ID, "", now); err != nil {
				continue // they could not take it: the next one may
			}
			return &w, nil
		}
		if next == "" {
			return nil, nil
		}
		cursor = next
	}
	return nil, nil
}

// release adds to tx giving a place of sl back: to the first person
// waiting for it, held for them HoldFor with a note, or to everyone. It
// returns whom it was offered to.
func (c core) release(ctx context.Context, tx *dynamo.Tx, sl slotItem, except string, now time.Time) (*waitItem, error) {
	w, err := c.offerable(ctx, sl, except, now)
	if err != nil {
		return nil, err
	}
	if w == nil {
		freePlace(tx, sl)
		return nil, nil
	}
	return w, c.offer(tx, sl, *w, now)
}

// offer adds to tx offering a place of sl to w and holding it: w leaves
// the queue (it must still be in it: one offer to one person at a time),
// the place is held in the slot's day and the person is told.
func (c core) offer(tx *dynamo.Tx, sl slotItem, w waitItem, now time.Time) error {
	expires := now.Add(HoldFor)
	loc := mustZone(w.TimeZone)
	tx.Delete(w.queueKey(), true)
	next := w
	next.Status, next.OfferSlot, next.OfferStart, next.OfferExpires = WaitOffered, sl.ID, sl.Start, stamp(expires)
	next.Offers, next.UpdatedAt = w.Offers+1, stamp(now)
	putWait(tx, next)
	k := holdKey(sl, w.ID)
	tx.Create(holdItem{PK: k.PK, SK: k.SK, Kind: kindHold, Sub: w.Sub, Entry: w.ID, Expires: stamp(expires), TTL: sl.start().AddDate(0, 0, 7).Unix()})
	stillOpen(tx, sl)
	svc, _ := ServiceOf(w.Service)
	_, err := c.d.Inbox.Add(tx, inbox.Note{Sub: w.Sub, Type: messages.WaitlistOffer, Ref: w.ID + "#" + strconv.Itoa(next.Offers),
		Vars: messages.Vars{"Place": w.OrgName, "At": sl.start().In(loc), "Until": expires.In(loc), "Specialist": svc.Name + ": " + w.ResourceName,
			"Link": "/waitlist/" + w.ID}}, now)
	return err
}

// pass adds to tx passing the place held for w's offer on: to the next
// person waiting, or to everyone.
func (c core) pass(ctx context.Context, tx *dynamo.Tx, w waitItem, now time.Time) error {
	orgID, resID, date, hhmm, ok := parseSlotID(w.OfferSlot)
	if !ok {
		return fmt.Errorf("appointments: entry %s offers a malformed slot %q", w.ID, w.OfferSlot)
	}
	sl, exists, err := c.db.slot(ctx, dynamo.SlotKey(orgID, date, hhmm, resID))
	if err != nil {
		return err
	}
	tx.Delete(dynamo.HoldKey(orgID, date, hhmm, resID, w.ID), true)
	if !exists {
		return nil
	}
	_, err = c.release(ctx, tx, sl, w.Sub, now)
	return err
}

// held reads one of the person's entries with a live offer.
func (c core) held(ctx context.Context, sub, id string, now time.Time) (waitItem, error) {
	w, err := c.myEntry(ctx, sub, id)
	if err != nil {
		return waitItem{}, err
	}
	switch {
	case w.Status != WaitOffered:
		return waitItem{}, problem.Conflict("offer_not_active", "Сейчас вам ничего не предложено: «"+WaitStatusNames[w.Status]+"»")
	case w.OfferExpires <= stamp(now):
		return waitItem{}, problem.Conflict("offer_expired", "Время, отведённое на ответ, истекло: место предложено следующему")
	}
	return w, nil
}

// Accept books the place offered to the person while it is held for them.
// Errors: NotFound, Conflict (offer_not_active, offer_expired, and as
// Book: appointment_overlap, appointment_limit, exam applications,
// day_closed), Unavailable.
func (s *Waitlist) Accept(ctx context.Context, a actor.Actor, id string, in BookRequest) (AppointmentView, error) {
	sub, err := a.RequirePerson()
	if err != nil {
		return AppointmentView{}, err
	}
	w, err := s.held(ctx, sub, id, s.d.Clock.Now())
	if err != nil {
		return AppointmentView{}, err
	}
	in.SlotID = w.OfferSlot
	p, err := s.prepare(ctx, a, in)
	if err != nil {
		return AppointmentView{}, err
	}
	var out bookingItem
	err = transact(ctx, s.d.DB, func(int) (*dynamo.Tx, error) {
		now := s.d.Clock.Now()
		w, err := s.held(ctx, sub, id, now)
		if err != nil {
			return nil, err
		}
		sl, exists, err := s.db.slot(ctx, p.t.key)
		if err != nil || !exists {
			return nil, orElse(err, problem.Conflict("day_closed", "Этого времени больше нет"))
		}
		if sl.Closed {
			return nil, problem.Conflict("day_closed", "В этот день приёма нет")
		}
		tx := &dynamo.Tx{}
		tx.Delete(holdKey(sl, w.ID), true)
		stillOpen(tx, sl)
		next := w
		next.Status, next.Booking, next.UpdatedAt = WaitBooked, p.id, stamp(now)
		putWait(tx, next)
		out, err = s.add(ctx, tx, a, &p, sl, now, w.ID, "из листа ожидания")
		return tx, err
	})
	if err != nil {
		return AppointmentView{}, err
	}
	return out.view(s.d.Clock.Now()), nil
}

// Decline gives the offered place up: it goes to the next person waiting,
// and the entry ends. Errors: NotFound, Conflict (offer_not_active,
// offer_expired).
func (s *Waitlist) Decline(ctx context.Context, a actor.Actor, id string) (WaitView, error) {
	return s.end(ctx, a, id, WaitDeclined)
}

// Leave takes the person off the waitlist; a place offered to them goes
// to the next. Errors: NotFound, Conflict (waitlist_not_active).
func (s *Waitlist) Leave(ctx context.Context, a actor.Actor, id string) (WaitView, error) {
	return s.end(ctx, a, id, WaitLeft)
}

func (s *Waitlist) end(ctx context.Context, a actor.Actor, id, status string) (WaitView, error) {
	sub, err := a.RequirePerson()
	if err != nil {
		return WaitView{}, err
	}
	var out waitItem
	err = transact(ctx, s.d.DB, func(int) (*dynamo.Tx, error) {
		now := s.d.Clock.Now()
		var w waitItem
		var err error
		if status == WaitDeclined {
			w, err = s.held(ctx, sub, id, now)
		} else {
			w, err = s.myEntry(ctx, sub, id)
			if err == nil && w.Status != WaitWaiting && w.Status != WaitOffered {
				err = problem.Conflict("waitlist_not_active", "Запись в листе ожидания уже не действует: «"+WaitStatusNames[w.Status]+"»")
			}
		}
		if err != nil {
			return nil, err
		}
		tx := &dynamo.Tx{}
		if w.Status == WaitOffered {
			if err := s.pass(ctx, tx, w, now); err != nil {
				return nil, err
			}
		} else {
			tx.Delete(w.queueKey(), true)
		}
		next := w
		next.Status, next.UpdatedAt = status, stamp(now)
		putWait(tx, next)
		out = next
		return tx, nil
	})
	if err != nil {
		return WaitView{}, err
	}
	return out.view(), nil
}

// Expired counts what a run of ExpireOffers did.
type Expired struct {
	Expired int `json:"expired"`
	// Passed are places offered to the next person, Freed places given
	// back to everyone.
	Passed int `json:"passed"`
	Freed  int `json:"freed"`
	Errors int `json:"errors"`
}

// Offers are the places held for the waitlist, passed on when their hold
// ends.
type Offers struct{ core }

// NewOffers needs Inbox (the next person is told).
func NewOffers(d Deps) (*Offers, error) {
	if err := d.need("Offers", "Inbox"); err != nil {
		return nil, err
	}
	return &Offers{newCore(d)}, nil
}

// ExpireOffers ends every offer whose hold is over and passes its place
// on: to the next person waiting, or back to everyone (the portal only: a
// schedule every minute). Overlapping runs pass each place once: each end
// is conditional on the entry as read.
func (s *Offers) ExpireOffers(ctx context.Context, a actor.Actor) (Expired, error) {
	if err := system(a); err != nil {
		return Expired{}, err
	}
	var st Expired
	now := s.d.Clock.Now()
	cursor := ""
	for {
		var page []waitItem
		next, err := s.d.DB.Query(ctx, dynamo.Page{Index: dynamo.IndexGSI2, Partition: dynamo.WaitOffersPK, From: "0",
			To: stamp(now) + "#~", Forward: true, Cursor: cursor}, &page)
		if err != nil {
			return st, err
		}
		for _, due := range page {
			if err := s.expire(ctx, due, now, &st); err != nil {
				st.Errors++
				logging.From(ctx).Error("offer not expired", "entry", due.ID, "err", err)
			}
		}
		if next == "" {
			return st, nil
		}
		cursor = next
	}
}

func (s *Offers) expire(ctx context.Context, due waitItem, now time.Time, st *Expired) error {
	var offeredTo *waitItem
	freed, skipped := false, false
	err := transact(ctx, s.d.DB, func(int) (*dynamo.Tx, error) {
		w, exists, err := s.db.wait(ctx, due.Sub, due.ID)
		if err != nil {
			return nil, err
		}
		if !exists || w.Status != WaitOffered || w.OfferExpires > stamp(now) {
			skipped = true // accepted, declined or expired meanwhile
			return nil, nil
		}
		orgID, resID, date, hhmm, ok := parseSlotID(w.OfferSlot)
		if !ok {
			return nil, fmt.Errorf("appointments: entry %s offers a malformed slot %q", w.ID, w.OfferSlot)
		}
		sl, slotExists, err := s.db.slot(ctx, dynamo.SlotKey(orgID, date, hhmm, resID))
		if err != nil {
			return nil, err
		}
		tx := &dynamo.Tx{}
		tx.Delete(dynamo.HoldKey(orgID, date, hhmm, resID, w.ID), true)
		offeredTo, freed = nil, false
		if slotExists {
			if offeredTo, err = s.release(ctx, tx, sl, w.Sub, now); err != nil {
				return nil, err
			}
			freed = offeredTo == nil
		}
		next := w
		next.Status, next.UpdatedAt = WaitExpired, stamp(now)
		putWait(tx, next)
		return tx, nil
	})
	if err != nil || skipped {
		return err
	}
	st.Expired++
	switch {
	case offeredTo != nil:
		st.Passed++
	case freed:
		st.Freed++
	}
	return nil
}

func fullName(n accounts.FullName) string {
	return strings.Join(strings.Fields(n.Surname+" "+n.Name+" "+n.Patronymic), " ")
}
