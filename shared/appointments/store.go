package appointments

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
)

// This file holds the items appointments keep, their keys (built by
// shared/dynamo, whose keys.go lists the access patterns) and the
// conditions and updates that count a slot's places.

// The kinds of items appointments keep.
const (
	kindOrganisation = "appointment-organisation"
	kindResource     = "appointment-resource"
	kindClosedDay    = "appointment-closed-day"
	kindSlot         = "appointment-slot"
	kindAppointment  = "appointment"
	kindVisit        = "appointment-visit"
	kindLedger       = "appointment-ledger"
	kindWait         = "waitlist"
	kindQueue        = "waitlist-queue"
	kindHold         = "waitlist-hold"
)

// Rules are an organisation's booking rules.
type Rules struct {
	// CancelBeforeMinutes: an appointment may be cancelled or moved until
	// this long before it starts.
	CancelBeforeMinutes int `json:"cancelBeforeMinutes" dynamodbav:"CancelBeforeMinutes"`
	// BookAheadDays: how many days ahead one may book (today counts as
	// day 0); slots are made that far ahead.
	BookAheadDays int `json:"bookAheadDays" dynamodbav:"BookAheadDays"`
	// MaxActivePerService: how many upcoming appointments one person may
	// hold here for one specialty or service.
	MaxActivePerService int `json:"maxActivePerService" dynamodbav:"MaxActivePerService"`
}

// orgItem is an organisation: PK=ORG#<id>, SK=ORG; in GSI1 under its
// region, in GSI2 among all organisations.
type orgItem struct {
	PK         string   `dynamodbav:"PK"`
	SK         string   `dynamodbav:"SK"`
	Kind       string   `dynamodbav:"Kind"`
	ID         string   `dynamodbav:"ID"`
	OrgKind    string   `dynamodbav:"OrgKind"`
	Name       string   `dynamodbav:"Name"`
	Code       string   `dynamodbav:"Code"`
	Address    string   `dynamodbav:"Address"`
	Region     string   `dynamodbav:"Region"`
	TimeZone   string   `dynamodbav:"TimeZone"`
	Phone      string   `dynamodbav:"Phone,omitempty"`
	Department string   `dynamodbav:"Department,omitempty"`
	Hours      Week     `dynamodbav:"Hours"`
	Rules      Rules    `dynamodbav:"Rules"`
	Services   []string `dynamodbav:"Services"`
	GSI1PK     string   `dynamodbav:"GSI1PK"`
	GSI1SK     string   `dynamodbav:"GSI1SK"`
	GSI2PK     string   `dynamodbav:"GSI2PK"`
	GSI2SK     string   `dynamodbav:"GSI2SK"`
	UpdatedAt  string   `dynamodbav:"UpdatedAt"`
}

func (o orgItem) zone() *time.Location { return mustZone(o.TimeZone) }

// resourceItem is a doctor, an exam or a window: PK=ORG#<org>,
// SK=RES#<id>. Through is the last date its slots were made for.
type resourceItem struct {
	PK        string   `dynamodbav:"PK"`
	SK        string   `dynamodbav:"SK"`
	Kind      string   `dynamodbav:"Kind"`
	ID        string   `dynamodbav:"ID"`
	Org       string   `dynamodbav:"Org"`
	Service   string   `dynamodbav:"Service"`
	Name      string   `dynamodbav:"Name"`
	Room      string   `dynamodbav:"Room,omitempty"`
	Bring     string   `dynamodbav:"Bring,omitempty"`
	Schedule  Schedule `dynamodbav:"Schedule"`
	Through   string   `dynamodbav:"Through,omitempty"`
	UpdatedAt string   `dynamodbav:"UpdatedAt"`
	V         int64    `dynamodbav:"V"`
}

// bring is what to take to the resource.
func (r resourceItem) bring() string {
	if r.Bring != "" {
		return r.Bring
	}
	svc, _ := ServiceOf(r.Service)
	return svc.Bring
}

// closedItem says a resource does not receive on a date: PK=ORG#<org>,
// SK=CLOSED#<date>#<resource>. The nightly run makes no slots for it.
type closedItem struct {
	PK       string `dynamodbav:"PK"`
	SK       string `dynamodbav:"SK"`
	Kind     string `dynamodbav:"Kind"`
	Date     string `dynamodbav:"Date"`
	Resource string `dynamodbav:"Resource"`
	Reason   string `dynamodbav:"Reason"`
	By       string `dynamodbav:"By"`
	At       string `dynamodbav:"At"`
	TTL      int64  `dynamodbav:"TTL"`
}

// slotItem is one time of a resource on a day with its places:
// PK=DAY#<org>#<date>, SK=SLOT#<hhmm>#<resource>. While it has a free
// place and is open it is in GSI1 (by service and region) and GSI2 (by
// organisation and service); Taken counts booked and held places.
type slotItem struct {
	PK       string `dynamodbav:"PK"`
	SK       string `dynamodbav:"SK"`
	Kind     string `dynamodbav:"Kind"`
	ID       string `dynamodbav:"ID"`
	Org      string `dynamodbav:"Org"`
	Resource string `dynamodbav:"Resource"`
	Service  string `dynamodbav:"Service"`
	Region   string `dynamodbav:"Region"`
	Date     string `dynamodbav:"Date"`
	HHMM     string `dynamodbav:"HHMM"`
	Start    string `dynamodbav:"Start"`
	Minutes  int    `dynamodbav:"Minutes"`
	Capacity int    `dynamodbav:"Capacity"`
	Taken    int    `dynamodbav:"Taken"`
	Closed   bool   `dynamodbav:"Closed,omitempty"`
	GSI1PK   string `dynamodbav:"GSI1PK,omitempty"`
	GSI1SK   string `dynamodbav:"GSI1SK,omitempty"`
	GSI2PK   string `dynamodbav:"GSI2PK,omitempty"`
	GSI2SK   string `dynamodbav:"GSI2SK,omitempty"`
	TTL      int64  `dynamodbav:"TTL"`
}

func (s slotItem) key() dynamo.Key { return dynamo.SlotKey(s.Org, s.Date, s.HHMM, s.Resource) }

func (s slotItem) start() time.Time { return parseStamp(s.Start) }

func (s slotItem) end() time.Time { return s.start().Add(time.Duration(s.Minutes) * time.Minute) }

func (s slotItem) free() int { return max(0, s.Capacity-s.Taken) }

// newSlot is a planned slot of a resource of org, free and indexed.
func newSlot(org orgItem, r resourceItem, date string, p planned, capacity int) slotItem {
	k := dynamo.SlotKey(org.ID, date, p.HHMM, r.ID)
	s := slotItem{PK: k.PK, SK: k.SK, Kind: kindSlot, ID: formatSlotID(org.ID, r.ID, date, p.HHMM), Org: org.ID, Resource: r.ID,
		Service: r.Service, Region: org.Region, Date: date, HHMM: p.HHMM, Start: stamp(p.Start), Minutes: p.Minutes,
		Capacity: capacity, TTL: p.Start.AddDate(0, 0, 60).Unix()}
	s.GSI1PK, s.GSI1SK, s.GSI2PK, s.GSI2SK = s.indexKeys()
	return s
}

// indexKeys are the keys of the free-slot indexes.
func (s slotItem) indexKeys() (gsi1pk, gsi1sk, gsi2pk, gsi2sk string) {
	return dynamo.FreeSlotsPK(s.Service, s.Region), dynamo.FreeSlotsSK(s.Start, s.Org, s.Resource),
		dynamo.FreeOrgSlotsPK(s.Org, s.Service), dynamo.FreeOrgSlotsSK(s.Start, s.Resource)
}

var (
	attrTaken    = expression.Name("Taken")
	attrCapacity = expression.Name("Capacity")
	attrClosed   = expression.Name("Closed")
)

// indexed sets the free-slot index keys on upd.
func (s slotItem) indexed(upd expression.UpdateBuilder) expression.UpdateBuilder {
	a, b, c, d := s.indexKeys()
	return upd.Set(expression.Name(dynamo.AttrGSI1PK), expression.Value(a)).Set(expression.Name(dynamo.AttrGSI1SK), expression.Value(b)).
		Set(expression.Name(dynamo.AttrGSI2PK), expression.Value(c)).Set(expression.Name(dynamo.AttrGSI2SK), expression.Value(d))
}

func unindexed(upd expression.UpdateBuilder) expression.UpdateBuilder {
	return upd.Remove(expression.Name(dynamo.AttrGSI1PK)).Remove(expression.Name(dynamo.AttrGSI1SK)).
		Remove(expression.Name(dynamo.AttrGSI2PK)).Remove(expression.Name(dynamo.AttrGSI2SK))
}

// takePlace adds to tx taking a place of s as read. While more than one
// place is left, the count goes up on the condition that it still is (a
// commutative write: racing bookings all pass while places last); the last
// place is taken on the condition that exactly one is left, which also
// takes the slot out of the free indexes. A slot closed meanwhile fails
// both. The caller checked s.free() > 0.
func takePlace(tx *dynamo.Tx, s slotItem) {
	open := expression.AttributeNotExists(attrClosed).And(attrCapacity.Equal(expression.Value(s.Capacity)))
	if s.Taken+1 >= s.Capacity {
		cond := attrTaken.Equal(expression.Value(s.Capacity - 1)).And(open)
		tx.Update(s.key(), unindexed(expression.Set(attrTaken, expression.Value(s.Capacity))), &cond)
		return
	}
	cond := attrTaken.LessThan(expression.Value(s.Capacity - 1)).And(open)
	tx.Update(s.key(), expression.Add(attrTaken, expression.Value(1)), &cond)
}

// freePlace adds to tx giving a place of s back to everyone: the count goes
// down and an open slot is free again (its index keys set, whatever they
// were). Whether it is open is a condition too, so a day closed meanwhile
// never comes back into search.
func freePlace(tx *dynamo.Tx, s slotItem) {
	cond := attrTaken.GreaterThanEqual(expression.Value(1))
	upd := expression.Add(attrTaken, expression.Value(-1))
	if s.Closed {
		cond = cond.And(expression.AttributeExists(attrClosed))
	} else {
		cond = cond.And(expression.AttributeNotExists(attrClosed))
		upd = s.indexed(upd)
	}
	tx.Update(s.key(), upd, &cond)
}

// stillOpen adds to tx the condition that s is not closed (a place handed
// from one person to another changes no count).
func stillOpen(tx *dynamo.Tx, s slotItem) {
	tx.Check(s.key(), expression.AttributeNotExists(attrClosed).And(expression.AttributeExists(expression.Name(dynamo.AttrPK))))
}

// bookingItem is an appointment in its person's partition:
// PK=USER#<sub>, SK=APPT#<id>; in GSI1 under the person, by start.
type bookingItem struct {
	PK           string `dynamodbav:"PK"`
	SK           string `dynamodbav:"SK"`
	Kind         string `dynamodbav:"Kind"`
	ID           string `dynamodbav:"ID"`
	Number       string `dynamodbav:"Number"`
	Sub          string `dynamodbav:"Sub"`
	ForRelation  string `dynamodbav:"ForRelation"`
	ForName      string `dynamodbav:"ForName"`
	Org          string `dynamodbav:"Org"`
	OrgName      string `dynamodbav:"OrgName"`
	OrgKind      string `dynamodbav:"OrgKind"`
	Address      string `dynamodbav:"Address"`
	Phone        string `dynamodbav:"Phone,omitempty"`
	Region       string `dynamodbav:"Region"`
	TimeZone     string `dynamodbav:"TimeZone"`
	Resource     string `dynamodbav:"Resource"`
	ResourceName string `dynamodbav:"ResourceName"`
	Room         string `dynamodbav:"Room,omitempty"`
	Service      string `dynamodbav:"Service"`
	Date         string `dynamodbav:"Date"`
	HHMM         string `dynamodbav:"HHMM"`
	Start        string `dynamodbav:"Start"`
	Minutes      int    `dynamodbav:"Minutes"`
	Status       string `dynamodbav:"Status"`
	VisitType    string `dynamodbav:"VisitType,omitempty"`
	Bring        string `dynamodbav:"Bring"`
	Application  string `dynamodbav:"Application,omitempty"`
	AppNumber    string `dynamodbav:"AppNumber,omitempty"`
	Waitlist     string `dynamodbav:"Waitlist,omitempty"`
	CancelRule   int    `dynamodbav:"CancelRule"`
	CancelReason string `dynamodbav:"CancelReason,omitempty"`
	// Alternatives are the nearest free times offered when the
	// organisation cancelled it.
	Alternatives []string       `dynamodbav:"Alternatives,omitempty"`
	History      []historyEntry `dynamodbav:"History"`
	CreatedAt    string         `dynamodbav:"CreatedAt"`
	UpdatedAt    string         `dynamodbav:"UpdatedAt"`
	GSI1PK       string         `dynamodbav:"GSI1PK"`
	GSI1SK       string         `dynamodbav:"GSI1SK"`
	V            int64          `dynamodbav:"V"`
}

// historyEntry is one change of an appointment.
type historyEntry struct {
	At     string `dynamodbav:"At"`
	Action string `dynamodbav:"Action"`
	Role   string `dynamodbav:"Role"`
	Note   string `dynamodbav:"Note,omitempty"`
}

func (b bookingItem) start() time.Time { return parseStamp(b.Start).In(mustZone(b.TimeZone)) }

func (b bookingItem) end() time.Time { return b.start().Add(time.Duration(b.Minutes) * time.Minute) }

func (b bookingItem) slotKey() dynamo.Key { return dynamo.SlotKey(b.Org, b.Date, b.HHMM, b.Resource) }

func (b bookingItem) visitKey() dynamo.Key {
	return dynamo.VisitKey(b.Org, b.Date, b.HHMM, b.Resource, b.ID)
}

// cancelUntil is the last moment it may be cancelled or moved.
func (b bookingItem) cancelUntil() time.Time {
	return b.start().Add(-time.Duration(b.CancelRule) * time.Minute)
}

// putBooking adds to tx writing b at version b.V, read at b.V-1 (0: new).
func putBooking(tx *dynamo.Tx, b bookingItem) {
	b.GSI1PK, b.GSI1SK = dynamo.AppointmentsPK(b.Sub), dynamo.AppointmentsSK(b.Start, b.ID)
	b.V = max(b.V, 1)
	putAt(tx, b, b.V-1)
}

// putAt adds to tx writing item (at its next version) over the version
// read, was; an item never written (was 0) is created.
func putAt(tx *dynamo.Tx, item any, was int64) {
	if was == 0 {
		tx.Create(item)
		return
	}
	tx.PutIf(item, expression.Name(dynamo.AttrVersion).Equal(expression.Value(was)))
}

// visitItem is an appointment as the organisation's staff see it, in the
// organisation's day: PK=DAY#<org>#<date>, SK=VISIT#<hhmm>#<resource>#<id>.
type visitItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Kind      string `dynamodbav:"Kind"`
	ID        string `dynamodbav:"ID"`
	Number    string `dynamodbav:"Number"`
	Sub       string `dynamodbav:"Sub"`
	Name      string `dynamodbav:"Name"`
	Relation  string `dynamodbav:"Relation"`
	Resource  string `dynamodbav:"Resource"`
	Service   string `dynamodbav:"Service"`
	HHMM      string `dynamodbav:"HHMM"`
	Start     string `dynamodbav:"Start"`
	Status    string `dynamodbav:"Status"`
	VisitType string `dynamodbav:"VisitType,omitempty"`
	AppNumber string `dynamodbav:"AppNumber,omitempty"`
	MarkedBy  string `dynamodbav:"MarkedBy,omitempty"`
	MarkedAt  string `dynamodbav:"MarkedAt,omitempty"`
	TTL       int64  `dynamodbav:"TTL"`
}

func visitOf(b bookingItem) visitItem {
	k := b.visitKey()
	return visitItem{PK: k.PK, SK: k.SK, Kind: kindVisit, ID: b.ID, Number: b.Number, Sub: b.Sub, Name: b.ForName, Relation: b.ForRelation,
		Resource: b.Resource, Service: b.Service, HHMM: b.HHMM, Start: b.Start, Status: b.Status, VisitType: b.VisitType,
		AppNumber: b.AppNumber, TTL: parseStamp(b.Start).AddDate(1, 0, 0).Unix()}
}

// ledgerItem holds the upcoming appointments of the person one is for:
// PK=USER#<sub>, SK=APPTLEDGER#<attendee>, written at its version with
// every change, so the person's rules hold under concurrency.
type ledgerItem struct {
	PK     string        `dynamodbav:"PK"`
	SK     string        `dynamodbav:"SK"`
	Kind   string        `dynamodbav:"Kind"`
	Active []ledgerEntry `dynamodbav:"Active,omitempty"`
	V      int64         `dynamodbav:"V"`
}

type ledgerEntry struct {
	ID      string `dynamodbav:"ID"`
	Org     string `dynamodbav:"Org"`
	Service string `dynamodbav:"Service"`
	Start   string `dynamodbav:"Start"`
	End     string `dynamodbav:"End"`
}

func (db store) ledger(ctx context.Context, sub, attendee string) (ledgerItem, error) {
	var l ledgerItem
	err := db.Get(ctx, dynamo.AppointmentLedgerKey(sub, attendee), "записи", &l)
	if problem.Is(err, problem.KindNotFound) {
		k := dynamo.AppointmentLedgerKey(sub, attendee)
		return ledgerItem{PK: k.PK, SK: k.SK, Kind: kindLedger}, nil
	}
	return l, err
}

// putLedger adds to tx writing l with active, at the version read.
func putLedger(tx *dynamo.Tx, l ledgerItem, active []ledgerEntry) {
	was := l.V
	l.Active, l.V = active, was+1
	putAt(tx, l, was)
}

// waitItem is a person's waitlist entry: PK=USER#<sub>, SK=WAIT#<id>. While
// a place is offered and held for it, it is in GSI2 by the hold's end.
type waitItem struct {
	PK           string `dynamodbav:"PK"`
	SK           string `dynamodbav:"SK"`
	Kind         string `dynamodbav:"Kind"`
	ID           string `dynamodbav:"ID"`
	Sub          string `dynamodbav:"Sub"`
	Org          string `dynamodbav:"Org"`
	OrgName      string `dynamodbav:"OrgName"`
	TimeZone     string `dynamodbav:"TimeZone"`
	Resource     string `dynamodbav:"Resource"`
	ResourceName string `dynamodbav:"ResourceName"`
	Service      string `dynamodbav:"Service"`
	From         string `dynamodbav:"From"`
	To           string `dynamodbav:"To"`
	Status       string `dynamodbav:"Status"`
	JoinedAt     string `dynamodbav:"JoinedAt"`
	// The place offered: its slot, start and the end of the hold.
	OfferSlot    string `dynamodbav:"OfferSlot,omitempty"`
	OfferStart   string `dynamodbav:"OfferStart,omitempty"`
	OfferExpires string `dynamodbav:"OfferExpires,omitempty"`
	Offers       int    `dynamodbav:"Offers"`
	Booking      string `dynamodbav:"Booking,omitempty"`
	UpdatedAt    string `dynamodbav:"UpdatedAt"`
	GSI2PK       string `dynamodbav:"GSI2PK,omitempty"`
	GSI2SK       string `dynamodbav:"GSI2SK,omitempty"`
	V            int64  `dynamodbav:"V"`
}

func (w waitItem) queueKey() dynamo.Key {
	return dynamo.WaitQueueKey(w.Org, w.Resource, w.JoinedAt, w.Sub, w.ID)
}

// putWait adds to tx writing w at its next version.
func putWait(tx *dynamo.Tx, w waitItem) {
	was := w.V
	w.V = was + 1
	if w.Status == WaitOffered {
		w.GSI2PK, w.GSI2SK = dynamo.WaitOffersPK, dynamo.WaitOffersSK(w.OfferExpires, w.Sub, w.ID)
	} else {
		w.GSI2PK, w.GSI2SK = "", ""
	}
	putAt(tx, w, was)
}

// queueItem is a waiting entry's place in its resource's waitlist:
// PK=WAITQ#<org>#<resource>, SK=<joined>#<sub>#<id>, there only while the
// entry waits.
type queueItem struct {
	PK    string `dynamodbav:"PK"`
	SK    string `dynamodbav:"SK"`
	Kind  string `dynamodbav:"Kind"`
	Sub   string `dynamodbav:"Sub"`
	Entry string `dynamodbav:"Entry"`
	From  string `dynamodbav:"From"`
	To    string `dynamodbav:"To"`
}

func queueOf(w waitItem) queueItem {
	k := w.queueKey()
	return queueItem{PK: k.PK, SK: k.SK, Kind: kindQueue, Sub: w.Sub, Entry: w.ID, From: w.From, To: w.To}
}

// holdItem is a place of a slot held for an offer, in the organisation's
// day: PK=DAY#<org>#<date>, SK=HOLD#<hhmm>#<resource>#<entry>.
type holdItem struct {
	PK      string `dynamodbav:"PK"`
	SK      string `dynamodbav:"SK"`
	Kind    string `dynamodbav:"Kind"`
	Sub     string `dynamodbav:"Sub"`
	Entry   string `dynamodbav:"Entry"`
	Expires string `dynamodbav:"Expires"`
	TTL     int64  `dynamodbav:"TTL"`
}

func holdKey(s slotItem, entry string) dynamo.Key {
	return dynamo.HoldKey(s.Org, s.Date, s.HHMM, s.Resource, entry)
}

// store reads the items.
type store struct{ *dynamo.Store }

func get[T any](ctx context.Context, db *dynamo.Store, k dynamo.Key, what string) (T, bool, error) {
	var it T
	err := db.Get(ctx, k, what, &it)
	if problem.Is(err, problem.KindNotFound) {
		return it, false, nil
	}
	return it, err == nil, err
}

func (db store) org(ctx context.Context, id string) (orgItem, bool, error) {
	return get[orgItem](ctx, db.Store, dynamo.OrganisationKey(id), "организация")
}

func (db store) resource(ctx context.Context, org, id string) (resourceItem, bool, error) {
	return get[resourceItem](ctx, db.Store, dynamo.ResourceKey(org, id), "ресурс")
}

func (db store) slot(ctx context.Context, k dynamo.Key) (slotItem, bool, error) {
	return get[slotItem](ctx, db.Store, k, "время приёма")
}

func (db store) booking(ctx context.Context, sub, id string) (bookingItem, bool, error) {
	return get[bookingItem](ctx, db.Store, dynamo.AppointmentKey(sub, id), "запись")
}

func (db store) wait(ctx context.Context, sub, id string) (waitItem, bool, error) {
	return get[waitItem](ctx, db.Store, dynamo.WaitlistKey(sub, id), "запись в лист ожидания")
}

// organisation reads an organisation's partition: the organisation, its
// resources and its closed days.
func (db store) organisation(ctx context.Context, id string) (orgItem, []resourceItem, map[string]bool, error) {
	var org orgItem
	var res []resourceItem
	closed := map[string]bool{}
	found := false
	cursor := ""
	for {
		var raw []orgPartItem
		next, err := db.Query(ctx, dynamo.Page{Partition: dynamo.OrganisationPK(id), Forward: true, Cursor: cursor, Consistent: true}, &raw)
		if err != nil {
			return org, nil, nil, err
		}
		for _, it := range raw {
			switch it.Kind {
			case kindOrganisation:
				org, found = it.orgItem, true
			case kindResource:
				res = append(res, it.resource())
			case kindClosedDay:
				closed[it.Date+"#"+it.ClosedResource] = true
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if !found {
		return org, nil, nil, problem.NotFound("организация")
	}
	return org, res, closed, nil
}

// orgPartItem decodes any item of an organisation's partition.
type orgPartItem struct {
	orgItem
	Org            string   `dynamodbav:"Org"`
	Service        string   `dynamodbav:"Service"`
	Room           string   `dynamodbav:"Room"`
	Bring          string   `dynamodbav:"Bring"`
	Schedule       Schedule `dynamodbav:"Schedule"`
	Through        string   `dynamodbav:"Through"`
	V              int64    `dynamodbav:"V"`
	Date           string   `dynamodbav:"Date"`
	ClosedResource string   `dynamodbav:"Resource"`
}

func (it orgPartItem) resource() resourceItem {
	return resourceItem{PK: it.PK, SK: it.SK, Kind: it.Kind, ID: it.ID, Org: it.Org, Service: it.Service, Name: it.Name, Room: it.Room,
		Bring: it.Bring, Schedule: it.Schedule, Through: it.Through, UpdatedAt: it.UpdatedAt, V: it.V}
}

// dayItem decodes any item of an organisation's day.
type dayItem struct {
	slotItem
	Number    string `dynamodbav:"Number"`
	Sub       string `dynamodbav:"Sub"`
	Name      string `dynamodbav:"Name"`
	Relation  string `dynamodbav:"Relation"`
	Status    string `dynamodbav:"Status"`
	VisitType string `dynamodbav:"VisitType"`
	AppNumber string `dynamodbav:"AppNumber"`
	MarkedBy  string `dynamodbav:"MarkedBy"`
	MarkedAt  string `dynamodbav:"MarkedAt"`
	Entry     string `dynamodbav:"Entry"`
	Expires   string `dynamodbav:"Expires"`
}

func (it dayItem) visit() visitItem {
	return visitItem{PK: it.PK, SK: it.SK, Kind: it.Kind, ID: it.ID, Number: it.Number, Sub: it.Sub, Name: it.Name, Relation: it.Relation,
		Resource: it.Resource, Service: it.Service, HHMM: it.HHMM, Start: it.Start, Status: it.Status, VisitType: it.VisitType,
		AppNumber: it.AppNumber, MarkedBy: it.MarkedBy, MarkedAt: it.MarkedAt, TTL: it.TTL}
}

func (it dayItem) hold() holdItem {
	return holdItem{PK: it.PK, SK: it.SK, Kind: it.Kind, Sub: it.Sub, Entry: it.Entry, Expires: it.Expires, TTL: it.TTL}
}

// day reads an organisation's day strongly consistently: its slots, visits
// and held places.
func (db store) day(ctx context.Context, org, date string) (slots []slotItem, visits []visitItem, holds []holdItem, err error) {
	cursor := ""
	for {
		var page []dayItem
		next, err := db.Query(ctx, dynamo.Page{Partition: dynamo.DayPK(org, date), Forward: true, Cursor: cursor, Consistent: true}, &page)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, it := range page {
			switch it.Kind {
			case kindSlot:
				slots = append(slots, it.slotItem)
			case kindVisit:
				visits = append(visits, it.visit())
			case kindHold:
				holds = append(holds, it.hold())
			}
		}
		if next == "" {
			return slots, visits, holds, nil
		}
		cursor = next
	}
}
