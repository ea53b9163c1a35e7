package appointments

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/applications"
	"github.com/kabinet/kabinet/shared/calendar"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/reminders"
)

// Statuses of an appointment.
const (
	StatusBooked    = "booked"
	StatusArrived   = "arrived"
	StatusNoShow    = "no_show"
	StatusCancelled = "cancelled"
	// StatusCancelledByOrganisation: the organisation closed the day.
	StatusCancelledByOrganisation = "cancelled_by_organisation"
)

// StatusNames name the statuses in Russian.
var StatusNames = map[string]string{
	StatusBooked: "Записаны", StatusArrived: "Приём состоялся", StatusNoShow: "Неявка",
	StatusCancelled: "Отменена вами", StatusCancelledByOrganisation: "Отменена организацией",
}

// Whom an appointment is for.
const (
	// ForSelf: the person who books.
	ForSelf = "self"
)

// Attendee is whom an appointment is for.
type Attendee struct {
	// Relation is "self"; a child or a represented person comes with the
	// family feature.
	Relation string `json:"relation"`
	Name     string `json:"name"`
}

// HistoryEntry is one change of an appointment.
type HistoryEntry struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"`
	// Role is who made it: citizen, staff or system.
	Role string `json:"role"`
	Note string `json:"note,omitempty"`
}

// AppointmentView is an appointment as its person sees it: the ticket,
// where and when (in the organisation's time zone), what to bring, until
// when it may be cancelled or moved, and its history.
type AppointmentView struct {
	ID           string          `json:"id"`
	Number       string          `json:"number"`
	Status       string          `json:"status"`
	StatusName   string          `json:"statusName"`
	For          Attendee        `json:"for"`
	Organisation OrganisationRef `json:"organisation"`
	Resource     ResourceRef     `json:"resource"`
	Kind         string          `json:"kind"`
	Service      string          `json:"service"`
	ServiceName  string          `json:"serviceName"`
	SlotID       string          `json:"slotId"`
	Start        time.Time       `json:"start"`
	End          time.Time       `json:"end"`
	TimeZone     string          `json:"timeZone"`
	VisitType    string          `json:"visitType,omitempty"`
	Bring        string          `json:"bring"`
	// ApplicationID is the exam application the traffic police admitted.
	ApplicationID     string `json:"applicationId,omitempty"`
	ApplicationNumber string `json:"applicationNumber,omitempty"`
	// ChangeUntil is the last moment to cancel or move it; Changeable
	// says whether that is still possible now.
	ChangeUntil  time.Time      `json:"changeUntil"`
	Changeable   bool           `json:"changeable"`
	CancelReason string         `json:"cancelReason,omitempty"`
	Alternatives []string       `json:"alternatives,omitempty"`
	CreatedAt    time.Time      `json:"createdAt"`
	History      []HistoryEntry `json:"history"`
}

func (b bookingItem) view(now time.Time) AppointmentView {
	svc, _ := ServiceOf(b.Service)
	v := AppointmentView{ID: b.ID, Number: b.Number, Status: b.Status, StatusName: StatusNames[b.Status],
		For:          Attendee{Relation: b.ForRelation, Name: b.ForName},
		Organisation: OrganisationRef{ID: b.Org, Name: b.OrgName, Address: b.Address, Region: b.Region, Phone: b.Phone},
		Resource:     ResourceRef{ID: b.Resource, Name: b.ResourceName, Room: b.Room}, Kind: b.OrgKind, Service: b.Service, ServiceName: svc.Name,
		SlotID: formatSlotID(b.Org, b.Resource, b.Date, b.HHMM), Start: b.start(), End: b.end(), TimeZone: b.TimeZone, VisitType: b.VisitType,
		Bring: b.Bring, ApplicationID: b.Application, ApplicationNumber: b.AppNumber, ChangeUntil: b.cancelUntil(),
		Changeable: b.Status == StatusBooked && !now.After(b.cancelUntil()), CancelReason: b.CancelReason, Alternatives: b.Alternatives,
		CreatedAt: parseStamp(b.CreatedAt), History: make([]HistoryEntry, 0, len(b.History))}
	for _, h := range b.History {
		v.History = append(v.History, HistoryEntry{At: parseStamp(h.At), Action: h.Action, Role: h.Role, Note: h.Note})
	}
	return v
}

// BookRequest is what a person books.
type BookRequest struct {
	SlotID string `json:"slotId"`
	// For is whom it is for: "self" (the default).
	For string `json:"for,omitempty"`
	// VisitType is a clinic's kind of visit: first, repeat or preventive.
	VisitType string `json:"visitType,omitempty"`
	// ApplicationID names the exam application for an exam (default: the
	// newest one admitted).
	ApplicationID string `json:"applicationId,omitempty"`
}

// Bookings are people's appointments: booking, cancelling and moving them,
// their history and calendar event.
type Bookings struct{ core }

// NewBookings needs People, Inbox, Applications and Journal.
func NewBookings(d Deps) (*Bookings, error) {
	if err := d.need("Bookings", "People", "Inbox", "Applications", "Journal"); err != nil {
		return nil, err
	}
	return &Bookings{newCore(d)}, nil
}

// target is a slot a person asks for, with its organisation and resource.
type target struct {
	org orgItem
	res resourceItem
	svc Service
	key dynamo.Key
}

// target reads what a slot id names; an id that is malformed or names no
// slot is Invalid under field.
func (c core) target(ctx context.Context, field, id string) (target, error) {
	unknown := problem.Invalid(invalid(field, "slot.unknown", "Такого времени приёма нет: выберите время из найденных"))
	orgID, resID, date, hhmm, ok := parseSlotID(id)
	if !ok {
		return target{}, unknown
	}
	org, exists, err := c.db.org(ctx, orgID)
	if err != nil || !exists {
		return target{}, orElse(err, unknown)
	}
	res, exists, err := c.db.resource(ctx, orgID, resID)
	if err != nil || !exists {
		return target{}, orElse(err, unknown)
	}
	svc, _ := ServiceOf(res.Service)
	return target{org: org, res: res, svc: svc, key: dynamo.SlotKey(orgID, date, hhmm, resID)}, nil
}

// errors is err, or instead when err is nil.
func orElse(err, instead error) error {
	if err != nil {
		return err
	}
	return instead
}

// bookable refuses a slot one cannot book now: past, beyond the booking
// horizon, on a closed day, full.
func bookable(field string, org orgItem, s slotItem, now time.Time) error {
	today := now.In(org.zone()).Format(time.DateOnly)
	switch {
	case !s.start().After(now):
		return problem.Invalid(invalid(field, "slot.past", "Это время уже прошло"))
	case s.Date > addDays(today, org.Rules.BookAheadDays):
		return problem.Invalid(invalid(field, "slot.beyond_horizon",
			fmt.Sprintf("Запись открыта не дальше чем на %d дн. вперёд", org.Rules.BookAheadDays)))
	case s.Closed:
		return problem.Conflict("day_closed", "В этот день приёма нет: выберите другое время")
	case s.free() == 0:
		return problem.Conflict("slot_full", "На это время мест больше нет: выберите другое время или встаньте в лист ожидания")
	}
	return nil
}

// admit checks the person's upcoming appointments against a new one at s
// (moving: the appointment it replaces) and returns them with it: no two
// may overlap, and the organisation's limit per service holds.
func admit(l ledgerItem, org orgItem, s slotItem, id, moving string, now time.Time) ([]ledgerEntry, error) {
	at, end := s.Start, stamp(s.end())
	var active []ledgerEntry
	same := 0
	for _, e := range l.Active {
		if e.End <= stamp(now) || e.ID == moving {
			continue
		}
		if e.Start < end && at < e.End {
			return nil, problem.Conflict("appointment_overlap", "У вас уже есть запись на это время: сначала отмените или перенесите её").
				With("appointmentId", e.ID)
		}
		if e.Org == org.ID && e.Service == s.Service {
			same++
		}
		active = append(active, e)
	}
	if same >= org.Rules.MaxActivePerService {
		svc, _ := ServiceOf(s.Service)
		return nil, problem.Conflict("appointment_limit",
			fmt.Sprintf("В этой организации можно иметь не больше %d активн. записей по направлению «%s»", org.Rules.MaxActivePerService, svc.Name)).
			With("limit", org.Rules.MaxActivePerService)
	}
	return append(active, ledgerEntry{ID: id, Org: org.ID, Service: s.Service, Start: at, End: end}), nil
}

// without is the ledger's upcoming appointments but id.
func without(l ledgerItem, id string, now time.Time) []ledgerEntry {
	var out []ledgerEntry
	for _, e := range l.Active {
		if e.ID != id && e.End > stamp(now) {
			out = append(out, e)
		}
	}
	return out
}

// ticket is a ticket's number: the organisation's code, the day and
// month, and the day's sequence.
func ticket(code, date string, n int64) string {
	return fmt.Sprintf("%s-%s%s-%03d", code, date[8:10], date[5:7], n)
}

func (c core) nextTicket(ctx context.Context, org orgItem, date string) (string, error) {
	n, err := c.d.DB.Next(ctx, dynamo.TicketCounter(org.ID, date))
	if err != nil {
		return "", err
	}
	return ticket(org.Code, date, n), nil
}

// fill sets what b copies of its slot, organisation and resource.
func (b *bookingItem) fill(t target, s slotItem, number string) {
	b.Org, b.OrgName, b.OrgKind, b.Address, b.Phone, b.Region, b.TimeZone = t.org.ID, t.org.Name, t.org.OrgKind, t.org.Address, t.org.Phone,
		t.org.Region, t.org.TimeZone
	b.Resource, b.ResourceName, b.Room, b.Service, b.Bring = t.res.ID, t.res.Name, t.res.Room, t.res.Service, t.res.bring()
	b.Date, b.HHMM, b.Start, b.Minutes, b.Number, b.CancelRule = s.Date, s.HHMM, s.Start, s.Minutes, number, t.org.Rules.CancelBeforeMinutes
}

func (b bookingItem) specialist() string {
	svc, _ := ServiceOf(b.Service)
	if b.OrgKind == KindClinic {
		return svc.Name + " " + b.ResourceName
	}
	return b.ResourceName
}

func (b bookingItem) place() string {
	if b.Room != "" {
		return b.Address + ", " + b.Room
	}
	return b.Address
}

func (b bookingItem) link() string { return "/appointments/" + b.ID }

func (b bookingItem) entry() calendar.Entry {
	svc, _ := ServiceOf(b.Service)
	title := svc.Name + ": " + b.OrgName
	switch b.OrgKind {
	case KindClinic:
		title = "Приём у врача: " + svc.Name + ", " + b.ResourceName
	case KindExam:
		title = svc.Name + " в Госавтоинспекции"
	}
	return calendar.Entry{ID: "appointment-" + b.ID, Kind: calendar.KindAppointment, Title: title, Start: b.start(), End: b.end(),
		Link: b.link(), Location: b.OrgName + ", " + b.place()}
}

// plan puts b's calendar entry and its reminder a day before into tx; an
// appointment less than a day ahead is reminded of by its booking note.
func plan(tx *dynamo.Tx, b bookingItem, now time.Time) error {
	calendar.Add(tx, b.Sub, b.entry())
	if b.start().Add(-24 * time.Hour).After(now) {
		return reminders.Appointment(tx, b.Sub, b.ID, b.start(), messages.Vars{"Place": b.OrgName, "Address": b.place(), "At": b.start()})
	}
	reminders.Cancel(tx, b.Sub, "appointment-"+b.ID)
	return nil
}

// unplan takes b's calendar entry and reminder out.
func unplan(tx *dynamo.Tx, b bookingItem) {
	tx.Delete(calendar.Key(b.Sub, b.entry()), false)
	reminders.Cancel(tx, b.Sub, "appointment-"+b.ID)
}

func (b bookingItem) with(now time.Time, action, role, note string) bookingItem {
	b.History = append(slices.Clone(b.History), historyEntry{At: stamp(now), Action: action, Role: role, Note: note})
	b.UpdatedAt = stamp(now)
	return b
}

func (b bookingItem) when() string {
	return b.start().Format("02.01.2006 в 15:04")
}

// exam is the exam application a booking of svc relies on: none for a
// service that is no exam. The traffic police's refusals are Conflicts
// that name what is missing.
func (c core) exam(ctx context.Context, a actor.Actor, svc Service, id string) (*applications.Standing, error) {
	if !svc.Exam {
		return nil, nil
	}
	st, err := c.d.Applications.InStatus(ctx, a, ExamApplication, id, ExamAdmitted)
	switch {
	case err == nil:
		return &st, nil
	case problem.Is(err, problem.KindNotFound) && id == "":
		return nil, problem.Conflict("exam_application_required",
			"Для записи на экзамен нужно заявление «Запись на экзамен в ГИБДД на получение водительского удостоверения», принятое Госавтоинспекцией").
			With("service", ExamApplication)
	case problem.Is(err, problem.KindNotFound):
		return nil, problem.Invalid(invalid("applicationId", "application.unknown", "Такого заявления нет"))
	case problem.Is(err, problem.KindConflict):
		pe, _ := problem.As(err)
		return nil, problem.Conflict("exam_application_status",
			pe.Detail+": записаться на экзамен можно, когда Госавтоинспекция примет заявление (зарегистрировано, в работе или одобрено)").
			With("applicationId", pe.Extensions["applicationId"]).With("status", pe.Extensions["status"])
	}
	return nil, err
}

// checkRequest names every bad field of a booking request.
func (in BookRequest) check(svc Service, known bool) error {
	var f []problem.Field
	if in.For != "" && in.For != ForSelf {
		f = append(f, invalid("for", "for.unsupported", "Пока можно записаться только самому себе: запись детей и представляемых появится вместе с разделом «Семья»"))
	}
	if in.VisitType != "" && (VisitTypeNames[in.VisitType] == "" || (known && svc.Kind != KindClinic)) {
		f = append(f, invalid("visitType", "visit_type", "Тип обращения (только для поликлиник): first, repeat или preventive"))
	}
	if len(in.ApplicationID) > 64 || strings.ContainsFunc(in.ApplicationID, func(r rune) bool { return r <= ' ' || r > '~' }) ||
		(in.ApplicationID != "" && known && !svc.Exam) {
		f = append(f, invalid("applicationId", "application.format", "Заявление указывается только для экзамена"))
	}
	if len(f) > 0 {
		return problem.Invalid(f...)
	}
	return nil
}

// Book books a slot for the person: a ticket with a number, taken once
// whatever the race, with a note and SMS, a calendar entry and a reminder
// a day before, in one transaction. An exam needs the person's exam
// application admitted. Errors: Invalid (every bad field; a past, unknown
// or not yet open slot), Conflict (slot_full, day_closed,
// appointment_overlap, appointment_limit, exam_application_required,
// exam_application_status), Unavailable (contended: repeat).
func (s *Bookings) Book(ctx context.Context, a actor.Actor, in BookRequest) (AppointmentView, error) {
	p, err := s.prepare(ctx, a, in)
	if err != nil {
		return AppointmentView{}, err
	}
	var out bookingItem
	err = transact(ctx, s.d.DB, func(int) (*dynamo.Tx, error) {
		now := s.d.Clock.Now()
		sl, exists, err := s.db.slot(ctx, p.t.key)
		if err != nil || !exists {
			return nil, orElse(err, problem.Invalid(invalid("slotId", "slot.unknown", "Такого времени приёма нет: выберите время из найденных")))
		}
		if err := bookable("slotId", p.t.org, sl, now); err != nil {
			return nil, err
		}
		tx := &dynamo.Tx{}
		takePlace(tx, sl)
		out, err = s.add(ctx, tx, a, &p, sl, now, "", "")
		return tx, err
	})
	if err != nil {
		return AppointmentView{}, err
	}
	return out.view(s.d.Clock.Now()), nil
}

// booking is what a new appointment rests on, read before its
// transaction: the person, the slot's organisation and resource, the exam
// application and the name it is for; its id and ticket number stay the
// same however often the transaction is tried.
type booking struct {
	in       BookRequest
	sub, id  string
	t        target
	standing *applications.Standing
	name     string
	number   string
}

// prepare checks a booking request and reads what it rests on.
func (c core) prepare(ctx context.Context, a actor.Actor, in BookRequest) (booking, error) {
	sub, err := a.RequirePerson()
	if err != nil {
		return booking{}, err
	}
	if err := in.check(Service{}, false); err != nil {
		return booking{}, err
	}
	t, err := c.target(ctx, "slotId", in.SlotID)
	if err != nil {
		return booking{}, err
	}
	if err := in.check(t.svc, true); err != nil {
		return booking{}, err
	}
	standing, err := c.exam(ctx, a, t.svc, in.ApplicationID)
	if err != nil {
		return booking{}, err
	}
	name, err := c.d.People.FullName(ctx, sub)
	if err != nil {
		return booking{}, err
	}
	return booking{in: in, sub: sub, id: newID(c.d.Clock.Now()), t: t, standing: standing, name: fullName(name)}, nil
}

// add adds to tx the new appointment of p at sl as read, the person's
// rules checked against their ledger, with everything that goes with it
// (write) and the hold on the exam application. waitlist names the entry
// whose offer it takes, note the history's note.
func (c core) add(ctx context.Context, tx *dynamo.Tx, a actor.Actor, p *booking, sl slotItem, now time.Time, waitlist, note string) (bookingItem, error) {
	l, err := c.db.ledger(ctx, p.sub, ForSelf)
	if err != nil {
		return bookingItem{}, err
	}
	active, err := admit(l, p.t.org, sl, p.id, "", now)
	if err != nil {
		return bookingItem{}, err
	}
	if p.number == "" {
		if p.number, err = c.nextTicket(ctx, p.t.org, sl.Date); err != nil {
			return bookingItem{}, err
		}
	}
	k := dynamo.AppointmentKey(p.sub, p.id)
	b := bookingItem{PK: k.PK, SK: k.SK, Kind: kindAppointment, ID: p.id, Sub: p.sub, ForRelation: ForSelf, ForName: p.name, Status: StatusBooked,
		VisitType: p.in.VisitType, Waitlist: waitlist, CreatedAt: stamp(now)}
	b.fill(p.t, sl, p.number)
	if p.standing != nil {
		b.Application, b.AppNumber = p.standing.ID, p.standing.Number
		p.standing.Hold(tx)
	}
	b = b.with(now, "booked", string(actor.RoleCitizen), note)
	return b, c.write(ctx, tx, a, b, l, active, now)
}

// write adds to tx a new booking b with everything that goes with it: its
// visit for the staff, the person's ledger, calendar entry, reminder, note
// and journal entry.
func (c core) write(ctx context.Context, tx *dynamo.Tx, a actor.Actor, b bookingItem, l ledgerItem, active []ledgerEntry, now time.Time) error {
	b.V = 1
	putBooking(tx, b)
	tx.Create(visitOf(b))
	putLedger(tx, l, active)
	if err := plan(tx, b, now); err != nil {
		return err
	}
	if _, err := c.d.Inbox.Add(tx, inbox.Note{Sub: b.Sub, Type: messages.AppointmentBooked, Vars: messages.Vars{"Place": b.OrgName,
		"Address": b.place(), "At": b.start(), "Specialist": b.specialist(), "Number": b.Number, "Bring": b.Bring, "Link": b.link()}}, now); err != nil {
		return err
	}
	return journalTx(ctx, c.d.Journal, tx, a, b.Sub, "Запись на приём: "+b.specialist()+" ("+b.OrgName+"), "+b.when()+", талон "+b.Number)
}

// mine reads one of the person's appointments; another person's is
// NotFound.
func (c core) mine(ctx context.Context, sub, id string) (bookingItem, error) {
	if id == "" || len(id) > 64 {
		return bookingItem{}, problem.NotFound("запись")
	}
	b, exists, err := c.db.booking(ctx, sub, id)
	if err != nil || !exists {
		return bookingItem{}, orElse(err, problem.NotFound("запись"))
	}
	return b, nil
}

// changeable reads one of the person's appointments that may still be
// cancelled or moved now.
func (c core) changeable(ctx context.Context, sub, id string, now time.Time) (bookingItem, error) {
	b, err := c.mine(ctx, sub, id)
	switch {
	case err != nil:
		return bookingItem{}, err
	case b.Status != StatusBooked:
		return bookingItem{}, problem.Conflict("appointment_not_active", "Запись уже не действует: «"+StatusNames[b.Status]+"»")
	case now.After(b.cancelUntil()):
		return bookingItem{}, problem.Conflict("change_deadline",
			fmt.Sprintf("Отменить или перенести запись можно не позднее чем за %s до приёма", duration(b.CancelRule))).With("changeUntil", b.cancelUntil())
	}
	return b, nil
}

func duration(minutes int) string {
	switch {
	case minutes%(24*60) == 0 && minutes > 0:
		return fmt.Sprintf("%d сут.", minutes/(24*60))
	case minutes%60 == 0 && minutes > 0:
		return fmt.Sprintf("%d ч", minutes/60)
	}
	return fmt.Sprintf("%d мин", minutes)
}

// Get is one of the person's appointments. Errors: NotFound.
func (s *Bookings) Get(ctx context.Context, a actor.Actor, id string) (AppointmentView, error) {
	sub, err := a.RequirePerson()
	if err != nil {
		return AppointmentView{}, err
	}
	b, err := s.mine(ctx, sub, id)
	if err != nil {
		return AppointmentView{}, err
	}
	return b.view(s.d.Clock.Now()), nil
}

// ICS is one of the person's appointments as an iCalendar event. Errors:
// NotFound.
func (s *Bookings) ICS(ctx context.Context, a actor.Actor, id string) (string, error) {
	sub, err := a.RequirePerson()
	if err != nil {
		return "", err
	}
	b, err := s.mine(ctx, sub, id)
	if err != nil {
		return "", err
	}
	return calendar.ICS([]calendar.Entry{b.entry()}, s.d.Clock.Now(), calendar.Host), nil
}

// Filter narrows the history: a status, and upcoming or past ("" both).
type Filter struct {
	Status, When string
}

func (f Filter) check() error {
	var fields []problem.Field
	if f.Status != "" && StatusNames[f.Status] == "" {
		fields = append(fields, invalid("status", "appointment.status", "Статус: booked, arrived, no_show, cancelled или cancelled_by_organisation"))
	}
	if f.When != "" && f.When != "upcoming" && f.When != "past" {
		fields = append(fields, invalid("when", "appointment.when", "upcoming или past"))
	}
	if len(fields) > 0 {
		return problem.Invalid(fields...)
	}
	return nil
}

// List is a page of the person's appointments, the latest first: visits
// made, missed and cancelled as well as those ahead. Errors: Invalid,
// BadRequest (a cursor of another list).
func (s *Bookings) List(ctx context.Context, a actor.Actor, f Filter, cursor string, limit int32) ([]AppointmentView, string, error) {
	sub, err := a.RequirePerson()
	if err != nil {
		return nil, "", err
	}
	if err := f.check(); err != nil {
		return nil, "", err
	}
	now := s.d.Clock.Now()
	items, next, err := dynamo.Collect(ctx, s.d.DB, dynamo.Page{Index: dynamo.IndexGSI1, Partition: dynamo.AppointmentsPK(sub), Cursor: cursor},
		int(limit), func(b bookingItem) bool {
			ahead := b.end().After(now)
			return (f.Status == "" || b.Status == f.Status) && (f.When == "" || (f.When == "upcoming") == ahead)
		})
	if err != nil {
		return nil, "", err
	}
	out := make([]AppointmentView, 0, len(items))
	for _, b := range items {
		out = append(out, b.view(now))
	}
	return out, next, nil
}

// Cancel cancels one of the person's appointments until the
// organisation's deadline; its place goes to the first person waiting for
// it, or back to everyone. Errors: NotFound, Conflict
// (appointment_not_active, change_deadline), Unavailable.
func (s *Bookings) Cancel(ctx context.Context, a actor.Actor, id string) (AppointmentView, error) {
	sub, err := a.RequirePerson()
	if err != nil {
		return AppointmentView{}, err
	}
	var out bookingItem
	err = transact(ctx, s.d.DB, func(int) (*dynamo.Tx, error) {
		now := s.d.Clock.Now()
		b, err := s.changeable(ctx, sub, id, now)
		if err != nil {
			return nil, err
		}
		l, err := s.db.ledger(ctx, sub, b.ForRelation)
		if err != nil {
			return nil, err
		}
		next := b.with(now, "cancelled", string(actor.RoleCitizen), "")
		next.Status, next.V = StatusCancelled, b.V+1
		tx := &dynamo.Tx{}
		putBooking(tx, next)
		tx.Put(visitOf(next))
		putLedger(tx, l, without(l, b.ID, now))
		unplan(tx, next)
		if err := s.releaseOf(ctx, tx, next, sub, now); err != nil {
			return nil, err
		}
		if _, err := s.d.Inbox.Add(tx, inbox.Note{Sub: sub, Type: messages.AppointmentCancelled, Vars: messages.Vars{"Place": b.OrgName,
			"At": b.start(), "Link": b.link()}}, now); err != nil {
			return nil, err
		}
		if err := journalTx(ctx, s.d.Journal, tx, a, sub, "Запись на приём отменена: "+b.specialist()+" ("+b.OrgName+"), "+b.when()); err != nil {
			return nil, err
		}
		out = next
		return tx, nil
	})
	if err != nil {
		return AppointmentView{}, err
	}
	return out.view(s.d.Clock.Now()), nil
}

// releaseOf adds to tx the release of b's place in its slot (if the slot
// is still there), skipping except on the waitlist.
func (c core) releaseOf(ctx context.Context, tx *dynamo.Tx, b bookingItem, except string, now time.Time) error {
	sl, exists, err := c.db.slot(ctx, b.slotKey())
	if err != nil || !exists {
		return err
	}
	_, err = c.release(ctx, tx, sl, except, now)
	return err
}

// Reschedule moves one of the person's appointments to another slot of the
// same organisation and service, atomically: the new place is taken and
// the old one freed (or offered to the waitlist) in one transaction, or
// nothing changes. Errors: NotFound, Invalid (slotId: unknown, past, of
// another organisation or service, the same), Conflict (as Book, and
// appointment_not_active, change_deadline), Unavailable.
func (s *Bookings) Reschedule(ctx context.Context, a actor.Actor, id, slotID string) (AppointmentView, error) {
	sub, err := a.RequirePerson()
	if err != nil {
		return AppointmentView{}, err
	}
	b, err := s.changeable(ctx, sub, id, s.d.Clock.Now())
	if err != nil {
		return AppointmentView{}, err
	}
	t, err := s.target(ctx, "slotId", slotID)
	if err != nil {
		return AppointmentView{}, err
	}
	switch {
	case t.org.ID != b.Org:
		return AppointmentView{}, problem.Invalid(invalid("slotId", "slot.other_organisation", "Перенести запись можно только на время в той же организации"))
	case t.res.Service != b.Service:
		return AppointmentView{}, problem.Invalid(invalid("slotId", "slot.other_service", "Перенести запись можно только к специалисту того же профиля"))
	case t.key == b.slotKey():
		return AppointmentView{}, problem.Invalid(invalid("slotId", "slot.same", "Запись уже на это время"))
	}
	standing, err := s.exam(ctx, a, t.svc, b.Application)
	if err != nil {
		return AppointmentView{}, err
	}
	var number string
	var out bookingItem
	err = transact(ctx, s.d.DB, func(int) (*dynamo.Tx, error) {
		now := s.d.Clock.Now()
		b, err := s.changeable(ctx, sub, id, now)
		if err != nil {
			return nil, err
		}
		sl, exists, err := s.db.slot(ctx, t.key)
		if err != nil || !exists {
			return nil, orElse(err, problem.Invalid(invalid("slotId", "slot.unknown", "Такого времени приёма нет: выберите время из найденных")))
		}
		if err := bookable("slotId", t.org, sl, now); err != nil {
			return nil, err
		}
		l, err := s.db.ledger(ctx, sub, b.ForRelation)
		if err != nil {
			return nil, err
		}
		active, err := admit(l, t.org, sl, b.ID, b.ID, now)
		if err != nil {
			return nil, err
		}
		if number == "" {
			if number, err = s.nextTicket(ctx, t.org, sl.Date); err != nil {
				return nil, err
			}
		}
		next := b.with(now, "moved", string(actor.RoleCitizen), "с "+b.when())
		next.fill(t, sl, number)
		next.V = b.V + 1
		tx := &dynamo.Tx{}
		takePlace(tx, sl)
		if err := s.releaseOf(ctx, tx, b, sub, now); err != nil {
			return nil, err
		}
		putBooking(tx, next)
		tx.Delete(b.visitKey(), false)
		tx.Create(visitOf(next))
		putLedger(tx, l, active)
		if !next.start().Equal(b.start()) {
			tx.Delete(calendar.Key(sub, b.entry()), false)
		}
		if err := plan(tx, next, now); err != nil {
			return nil, err
		}
		if standing != nil {
			standing.Hold(tx)
		}
		if _, err := s.d.Inbox.Add(tx, inbox.Note{Sub: sub, Type: messages.AppointmentMoved, Vars: messages.Vars{"Place": next.OrgName,
			"Address": next.place(), "At": next.start(), "Was": b.start(), "Specialist": next.specialist(), "Number": next.Number,
			"Link": next.link()}}, now); err != nil {
			return nil, err
		}
		if err := journalTx(ctx, s.d.Journal, tx, a, sub, "Запись на приём перенесена с "+b.when()+" на "+next.when()+": "+next.specialist()+
			" ("+next.OrgName+"), талон "+next.Number); err != nil {
			return nil, err
		}
		out = next
		return tx, nil
	})
	if err != nil {
		return AppointmentView{}, err
	}
	return out.view(s.d.Clock.Now()), nil
}
