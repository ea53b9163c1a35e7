package appointments

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/problem"
)

// Reception is the work of an organisation's staff: their day, who came
// and who did not, and closing a day. Staff act on their own
// organisation only (the organisation of their claim): another's visits
// and resources are not found.
type Reception struct{ core }

// NewReception needs People, Inbox, Applications and Journal.
func NewReception(d Deps) (*Reception, error) {
	if err := d.need("Reception", "Inbox", "Journal"); err != nil {
		return nil, err
	}
	return &Reception{newCore(d)}, nil
}

// A visit's id names its day, time, resource and appointment:
// "20261203.0930.ivanova.20261201T120000-abcdefghij".

var bookingIDRe = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}-[0-9a-z]{10}$`)

func visitID(date, hhmm, resource, id string) string {
	return strings.ReplaceAll(date, "-", "") + "." + hhmm + "." + resource + "." + id
}

func parseVisitID(s string) (date, hhmm, resource, id string, ok bool) {
	parts := strings.Split(s, ".")
	if len(parts) != 4 || len(parts[0]) != 8 || !hhmmRe.MatchString(parts[1]) || !idRe.MatchString(parts[2]) || !bookingIDRe.MatchString(parts[3]) {
		return "", "", "", "", false
	}
	d, err := time.Parse("20060102", parts[0])
	if err != nil {
		return "", "", "", "", false
	}
	return d.Format(time.DateOnly), parts[1], parts[2], parts[3], true
}

// VisitView is an appointment as staff see it.
type VisitView struct {
	ID          string    `json:"id"`
	Number      string    `json:"number"`
	Resource    string    `json:"resource"`
	Service     string    `json:"service"`
	ServiceName string    `json:"serviceName"`
	Start       time.Time `json:"start"`
	Status      string    `json:"status"`
	StatusName  string    `json:"statusName"`
	// Name is whom it is for.
	Name              string    `json:"name"`
	Relation          string    `json:"relation"`
	VisitType         string    `json:"visitType,omitempty"`
	ApplicationNumber string    `json:"applicationNumber,omitempty"`
	MarkedAt          time.Time `json:"markedAt,omitzero"`
}

// DaySlot is a slot of the day as staff see it.
type DaySlot struct {
	ID       string    `json:"id"`
	Resource string    `json:"resource"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Capacity int       `json:"capacity"`
	// Taken counts booked places and places held for the waitlist.
	Taken  int  `json:"taken"`
	Held   int  `json:"held"`
	Closed bool `json:"closed"`
}

// DayView is an organisation's day.
type DayView struct {
	Date         string          `json:"date"`
	Organisation OrganisationRef `json:"organisation"`
	Resources    []ResourceView  `json:"resources"`
	Slots        []DaySlot       `json:"slots"`
	Visits       []VisitView     `json:"visits"`
}

func (v visitItem) view(loc *time.Location, date string) VisitView {
	svc, _ := ServiceOf(v.Service)
	return VisitView{ID: visitID(date, v.HHMM, v.Resource, v.ID), Number: v.Number, Resource: v.Resource, Service: v.Service, ServiceName: svc.Name,
		Start: parseStamp(v.Start).In(loc), Status: v.Status, StatusName: StatusNames[v.Status], Name: v.Name, Relation: v.Relation,
		VisitType: v.VisitType, ApplicationNumber: v.AppNumber, MarkedAt: parseStamp(v.MarkedAt)}
}

// staffOrg reads the staff member's organisation.
func (c core) staffOrg(ctx context.Context, a actor.Actor) (orgItem, []resourceItem, map[string]bool, error) {
	if err := a.RequireStaff(); err != nil {
		return orgItem{}, nil, nil, err
	}
	return c.db.organisation(ctx, a.Organisation)
}

// Day is the staff member's organisation's day (default today), one
// resource's when named: every slot with its places, every visit with whom
// it is for. Errors: Forbidden for anyone but staff, Invalid (date),
// NotFound (another organisation's resource).
func (s *Reception) Day(ctx context.Context, a actor.Actor, date, resource string) (DayView, error) {
	org, res, _, err := s.staffOrg(ctx, a)
	if err != nil {
		return DayView{}, err
	}
	loc := org.zone()
	if date == "" {
		date = s.d.Clock.Now().In(loc).Format(time.DateOnly)
	}
	if !validDate(date, loc) {
		return DayView{}, problem.Invalid(invalid("date", "date.format", "Дата в формате ГГГГ-ММ-ДД"))
	}
	if resource != "" && !slices.ContainsFunc(res, func(r resourceItem) bool { return r.ID == resource }) {
		return DayView{}, problem.NotFound("ресурс")
	}
	slots, visits, holds, err := s.db.day(ctx, org.ID, date)
	if err != nil {
		return DayView{}, err
	}
	out := DayView{Date: date, Organisation: OrganisationRef{ID: org.ID, Name: org.Name, Address: org.Address, Region: org.Region, Phone: org.Phone},
		Resources: []ResourceView{}, Slots: []DaySlot{}, Visits: []VisitView{}}
	for _, r := range res {
		if resource == "" || r.ID == resource {
			out.Resources = append(out.Resources, r.view(false))
		}
	}
	held := map[string]int{}
	for _, h := range holds {
		held[strings.Join(strings.SplitN(strings.TrimPrefix(h.SK, dynamo.HoldPrefix), "#", 3)[:2], "#")]++
	}
	for _, sl := range slots {
		if resource != "" && sl.Resource != resource {
			continue
		}
		out.Slots = append(out.Slots, DaySlot{ID: sl.ID, Resource: sl.Resource, Start: sl.start().In(loc), End: sl.end().In(loc), Capacity: sl.Capacity,
			Taken: sl.Taken, Held: held[sl.HHMM+"#"+sl.Resource], Closed: sl.Closed})
	}
	for _, v := range visits {
		if resource == "" || v.Resource == resource {
			out.Visits = append(out.Visits, v.view(loc, date))
		}
	}
	return out, nil
}

// Mark records that the person came (StatusArrived) or did not
// (StatusNoShow) to a visit of the staff member's organisation: arrived on
// its day, no-show once it has begun; the person's history and activity
// journal show who marked it. Nobody marks their own. Errors: Forbidden
// (not staff; self_action), NotFound (another organisation's visit),
// Invalid (status), Conflict (visit_not_active; visit_not_today,
// visit_not_started).
func (s *Reception) Mark(ctx context.Context, a actor.Actor, visit, status string) (VisitView, error) {
	if err := a.RequireStaff(); err != nil {
		return VisitView{}, err
	}
	if status != StatusArrived && status != StatusNoShow {
		return VisitView{}, problem.Invalid(invalid("status", "visit.status", "Отметка: arrived или no_show"))
	}
	date, hhmm, resource, id, ok := parseVisitID(visit)
	if !ok {
		return VisitView{}, problem.NotFound("визит")
	}
	org, exists, err := s.db.org(ctx, a.Organisation)
	if err != nil || !exists {
		return VisitView{}, orElse(err, problem.NotFound("визит"))
	}
	loc := org.zone()
	var out visitItem
	err = transact(ctx, s.d.DB, func(int) (*dynamo.Tx, error) {
		now := s.d.Clock.Now()
		v, exists, err := get[visitItem](ctx, s.d.DB, dynamo.VisitKey(org.ID, date, hhmm, resource, id), "визит")
		if err != nil || !exists {
			return nil, orElse(err, problem.NotFound("визит"))
		}
		if err := a.NotSelf(v.Sub); err != nil {
			return nil, err
		}
		b, err := s.mine(ctx, v.Sub, v.ID)
		if err != nil {
			return nil, err
		}
		switch {
		case b.Status != StatusBooked:
			return nil, problem.Conflict("visit_not_active", "Запись уже не действует: «"+StatusNames[b.Status]+"»")
		case status == StatusArrived && now.In(loc).Format(time.DateOnly) != date:
			return nil, problem.Conflict("visit_not_today", "Отметить явку можно в день приёма")
		case status == StatusNoShow && now.Before(b.start()):
			return nil, problem.Conflict("visit_not_started", "Отметить неявку можно после начала приёма")
		}
		l, err := s.db.ledger(ctx, b.Sub, b.ForRelation)
		if err != nil {
			return nil, err
		}
		action := map[string]string{StatusArrived: "arrived", StatusNoShow: "no_show"}[status]
		next := b.with(now, action, string(actor.RoleStaff), "")
		next.Status, next.V = status, b.V+1
		nv := visitOf(next)
		nv.MarkedBy, nv.MarkedAt = a.Sub, stamp(now)
		tx := &dynamo.Tx{}
		putBooking(tx, next)
		tx.Put(nv)
		putLedger(tx, l, without(l, b.ID, now))
		if status == StatusNoShow {
			unplanReminder(tx, next)
		}
		what := map[string]string{StatusArrived: "Отмечена явка на приём", StatusNoShow: "Отмечена неявка на приём"}[status]
		if err := journalTx(ctx, s.d.Journal, tx, a, b.Sub, what+": "+b.specialist()+" ("+b.OrgName+"), "+b.when()); err != nil {
			return nil, err
		}
		out = nv
		return tx, nil
	})
	if err != nil {
		return VisitView{}, err
	}
	return out.view(loc, date), nil
}

func unplanReminder(tx *dynamo.Tx, b bookingItem) {
	tx.Delete(dynamo.ReminderKey(b.Sub, "appointment-"+b.ID), false)
}

// ClosedDay is what closing a day did.
type ClosedDay struct {
	Date     string `json:"date"`
	Resource string `json:"resource"`
	// Slots were closed, Cancelled appointments cancelled (each person
	// told once), Requeued waitlist offers put back in the queue.
	Slots     int `json:"slots"`
	Cancelled int `json:"cancelled"`
	Requeued  int `json:"requeued"`
	// Alternatives are the nearest free times offered to the people.
	Alternatives []SlotView `json:"alternatives"`
}

// CloseDay closes a resource's day (a doctor fell ill): its slots leave
// search, no new slots are made for it, every appointment on it is
// cancelled with a note to its person (once, however often the day is
// closed) naming the nearest free times of the same service, and places
// held for the waitlist go back to the queue. Errors: Forbidden (not
// staff), NotFound (another organisation's resource), Invalid (a past or
// malformed date, the reason).
func (s *Reception) CloseDay(ctx context.Context, a actor.Actor, resource, date, reason string) (ClosedDay, error) {
	org, res, _, err := s.staffOrg(ctx, a)
	if err != nil {
		return ClosedDay{}, err
	}
	i := slices.IndexFunc(res, func(r resourceItem) bool { return r.ID == resource })
	if i < 0 {
		return ClosedDay{}, problem.NotFound("ресурс")
	}
	r := res[i]
	loc := org.zone()
	now := s.d.Clock.Now()
	var f []problem.Field
	if !validDate(date, loc) {
		f = append(f, invalid("date", "date.format", "Дата в формате ГГГГ-ММ-ДД"))
	} else if date < now.In(loc).Format(time.DateOnly) {
		f = append(f, invalid("date", "date.past", "Этот день уже прошёл"))
	}
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n < 3 || n > 300 {
		f = append(f, invalid("reason", "close.reason", "Причина — от 3 до 300 символов: её прочтут записанные люди"))
	}
	if len(f) > 0 {
		return ClosedDay{}, problem.Invalid(f...)
	}
	out := ClosedDay{Date: date, Resource: r.ID, Alternatives: []SlotView{}}
	ck := dynamo.ClosedDayKey(org.ID, date, r.ID)
	if err := s.d.DB.Put(ctx, closedItem{PK: ck.PK, SK: ck.SK, Kind: kindClosedDay, Date: date, Resource: r.ID, Reason: reason, By: a.Sub,
		At: stamp(now), TTL: now.AddDate(0, 2, 0).Unix()}); err != nil {
		return out, err
	}
	// First the slots, so nothing more is booked or offered in them; then
	// what was booked and held, read strongly consistently after that.
	slots, _, _, err := s.db.day(ctx, org.ID, date)
	if err != nil {
		return out, err
	}
	for _, sl := range slots {
		if sl.Resource != r.ID || sl.Closed {
			continue
		}
		cond := expression.AttributeExists(expression.Name(dynamo.AttrPK))
		if err := s.d.DB.Update(ctx, sl.key(), unindexed(expression.Set(attrClosed, expression.Value(true))), &cond); err != nil {
			return out, err
		}
		out.Slots++
	}
	_, visits, holds, err := s.db.day(ctx, org.ID, date)
	if err != nil {
		return out, err
	}
	var alternatives []string
	names := s.viewer()
	for _, sl := range s.nearest(ctx, org, r.Service, 3) {
		v, err := names.slot(ctx, sl)
		if err != nil {
			return out, err
		}
		out.Alternatives = append(out.Alternatives, v)
		alternatives = append(alternatives, v.Start.Format("02.01.2006 в 15:04")+" ("+v.Resource.Name+", "+v.Organisation.Name+")")
	}
	var failed []error
	for _, v := range visits {
		if v.Resource != r.ID || v.Status != StatusBooked {
			continue
		}
		cancelled, err := s.cancelByOrganisation(ctx, a, v, reason, alternatives)
		if err != nil {
			failed = append(failed, err)
			continue
		}
		if cancelled {
			out.Cancelled++
		}
	}
	for _, h := range holds {
		if !strings.Contains(h.SK, "#"+r.ID+"#") {
			continue
		}
		if requeued, err := s.requeue(ctx, h); err != nil {
			failed = append(failed, err)
		} else if requeued {
			out.Requeued++
		}
	}
	if len(failed) > 0 {
		logging.From(ctx).Error("closed day not fully cancelled", "organisation", org.ID, "resource", r.ID, "date", date, "failed", len(failed))
		return out, problem.Wrap(failed[0], problem.KindUnavailable, "close_incomplete",
			"День закрыт, но не все записи пока отменены: повторите закрытие, уже отменённые записи не затронет")
	}
	return out, nil
}

// cancelByOrganisation cancels one appointment of a closed day and tells
// its person, once (a repeated close finds it cancelled, and the note has a
// reference).
func (s *Reception) cancelByOrganisation(ctx context.Context, a actor.Actor, v visitItem, reason string, alternatives []string) (bool, error) {
	done := false
	err := transact(ctx, s.d.DB, func(int) (*dynamo.Tx, error) {
		now := s.d.Clock.Now()
		b, exists, err := s.db.booking(ctx, v.Sub, v.ID)
		if err != nil || !exists || b.Status != StatusBooked {
			return nil, err
		}
		l, err := s.db.ledger(ctx, b.Sub, b.ForRelation)
		if err != nil {
			return nil, err
		}
		next := b.with(now, "cancelled_by_organisation", string(actor.RoleStaff), reason)
		next.Status, next.CancelReason, next.Alternatives, next.V = StatusCancelledByOrganisation, reason, alternatives, b.V+1
		tx := &dynamo.Tx{}
		putBooking(tx, next)
		tx.Put(visitOf(next))
		putLedger(tx, l, without(l, b.ID, now))
		unplan(tx, next)
		vars := messages.Vars{"Place": b.OrgName, "At": b.start(), "Reason": reason, "Link": b.link()}
		if len(alternatives) > 0 {
			vars["Alternatives"] = alternatives
		}
		if _, err := s.d.Inbox.Add(tx, inbox.Note{Sub: b.Sub, Type: messages.AppointmentCancelledByOrganisation, Ref: b.ID, Vars: vars}, now); err != nil {
			return nil, err
		}
		if err := journalTx(ctx, s.d.Journal, tx, a, b.Sub, fmt.Sprintf("Организация отменила запись на приём: %s (%s), %s. Причина: %s",
			b.specialist(), b.OrgName, b.when(), reason)); err != nil {
			return nil, err
		}
		done = true
		return tx, nil
	})
	if problem.Is(err, problem.KindConflict) {
		// The note's reference exists: this appointment was cancelled and
		// told of already.
		return false, nil
	}
	return done && err == nil, err
}

// requeue puts a waitlist entry whose held place was on a closed day back
// in its queue at its old place.
func (s *Reception) requeue(ctx context.Context, h holdItem) (bool, error) {
	done := false
	err := transact(ctx, s.d.DB, func(int) (*dynamo.Tx, error) {
		w, exists, err := s.db.wait(ctx, h.Sub, h.Entry)
		if err != nil {
			return nil, err
		}
		tx := &dynamo.Tx{}
		tx.Delete(dynamo.Key{PK: h.PK, SK: h.SK}, true)
		if exists && w.Status == WaitOffered {
			next := w
			next.Status, next.OfferSlot, next.OfferStart, next.OfferExpires, next.UpdatedAt = WaitWaiting, "", "", "", stamp(s.d.Clock.Now())
			putWait(tx, next)
			tx.Create(queueOf(next))
		}
		done = true
		return tx, nil
	})
	return done && err == nil, err
}
