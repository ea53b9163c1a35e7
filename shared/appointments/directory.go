package appointments

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
)

// Organisation is an organisation taking appointments as an operator
// describes it (Directory.Put).
type Organisation struct {
	// ID is its code in addresses: 2 to 40 lowercase latin letters, digits
	// and hyphens.
	ID   string `json:"id"`
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Code begins its ticket numbers: 2 to 6 latin capitals and digits.
	Code    string `json:"code"`
	Address string `json:"address"`
	Region  string `json:"region"`
	// TimeZone is where its clock is (a Russian zone; the region's if
	// empty): schedules, slots and tickets are in its local time.
	TimeZone string `json:"timeZone"`
	Phone    string `json:"phone,omitempty"`
	// Department is the catalog department it belongs to (gibdd for an
	// exam site, sfr for a pension-fund office), if any.
	Department string `json:"department,omitempty"`
	// Hours are its opening hours; resources receive within them.
	Hours Week  `json:"hours"`
	Rules Rules `json:"rules"`
}

// Resource is what one books a time of: a doctor, an exam, a window.
type Resource struct {
	ID      string `json:"id"`
	Service string `json:"service"`
	// Name is the doctor's name, "Теоретический экзамен, класс 1",
	// "Окно 3".
	Name string `json:"name"`
	Room string `json:"room,omitempty"`
	// Bring overrides the service's list of what to take along.
	Bring    string   `json:"bring,omitempty"`
	Schedule Schedule `json:"schedule"`
}

var (
	idRe   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,39}$`)
	codeRe = regexp.MustCompile(`^[A-Z0-9]{2,6}$`)
)

func textBad(s string, min, max int) bool {
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	return n < min || n > max || strings.ContainsAny(s, "\n\r\t")
}

// check names every bad field of o.
func (o *Organisation) check() []problem.Field {
	var f []problem.Field
	if !idRe.MatchString(o.ID) {
		f = append(f, invalid("id", "organisation.id", "Код организации: от 2 до 40 строчных латинских букв, цифр и дефисов"))
	}
	if _, ok := KindNames[o.Kind]; !ok {
		f = append(f, invalid("kind", "organisation.kind", "Вид организации: clinic, exam, mfc или pension"))
	}
	if textBad(o.Name, 3, 200) {
		f = append(f, invalid("name", "organisation.name", "Название — от 3 до 200 символов"))
	}
	if !codeRe.MatchString(o.Code) {
		f = append(f, invalid("code", "organisation.code", "Код талонов: от 2 до 6 латинских заглавных букв и цифр"))
	}
	if textBad(o.Address, 5, 300) {
		f = append(f, invalid("address", "organisation.address", "Адрес — от 5 до 300 символов"))
	}
	region, ok := Regions[o.Region]
	if !ok {
		f = append(f, invalid("region", "region.unknown", "Неизвестный регион"))
	}
	if o.TimeZone == "" {
		o.TimeZone = region.Zone
	}
	if _, ok := Zone(o.TimeZone); !ok {
		f = append(f, invalid("timeZone", "organisation.time_zone", "Часовой пояс одного из регионов России, например Europe/Moscow"))
	}
	if o.Phone != "" && textBad(o.Phone, 5, 40) {
		f = append(f, invalid("phone", "organisation.phone", "Телефон — от 5 до 40 символов"))
	}
	if len(o.Hours) == 0 {
		f = append(f, invalid("hours", "organisation.hours", "Укажите часы работы"))
	}
	f = append(f, o.Hours.check("hours", nil)...)
	r := o.Rules
	if r.CancelBeforeMinutes < 0 || r.CancelBeforeMinutes > 7*24*60 {
		f = append(f, invalid("rules.cancelBeforeMinutes", "rules.cancel_before", "Срок отмены — от 0 минут до недели до приёма"))
	}
	if r.BookAheadDays < 1 || r.BookAheadDays > 90 {
		f = append(f, invalid("rules.bookAheadDays", "rules.book_ahead", "Запись открыта на срок от 1 до 90 дней"))
	}
	if r.MaxActivePerService < 1 || r.MaxActivePerService > 10 {
		f = append(f, invalid("rules.maxActivePerService", "rules.max_active", "Активных записей к одному специалисту — от 1 до 10"))
	}
	return f
}

// check names every bad field of r, a resource of org.
func (r Resource) check(field string, org Organisation) []problem.Field {
	var f []problem.Field
	if !idRe.MatchString(r.ID) {
		f = append(f, invalid(field+"id", "resource.id", "Код ресурса: от 2 до 40 строчных латинских букв, цифр и дефисов"))
	}
	if svc, ok := ServiceOf(r.Service); !ok || svc.Kind != org.Kind {
		f = append(f, invalid(field+"service", "resource.service", "Специальность или услуга организации этого вида"))
	}
	if textBad(r.Name, 2, 200) {
		f = append(f, invalid(field+"name", "resource.name", "Название — от 2 до 200 символов"))
	}
	if r.Room != "" && textBad(r.Room, 1, 60) {
		f = append(f, invalid(field+"room", "resource.room", "Кабинет — до 60 символов"))
	}
	if r.Bring != "" && textBad(r.Bring, 3, 500) {
		f = append(f, invalid(field+"bring", "resource.bring", "Что взять с собой — до 500 символов"))
	}
	return append(f, r.Schedule.check(field+"schedule.", org.Hours)...)
}

// ServiceRef names a service.
type ServiceRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// OrganisationView is an organisation as people see it.
type OrganisationView struct {
	ID         string       `json:"id"`
	Kind       string       `json:"kind"`
	KindName   string       `json:"kindName"`
	Name       string       `json:"name"`
	Address    string       `json:"address"`
	Region     string       `json:"region"`
	RegionName string       `json:"regionName"`
	TimeZone   string       `json:"timeZone"`
	Phone      string       `json:"phone,omitempty"`
	Hours      Week         `json:"hours"`
	Rules      Rules        `json:"rules"`
	Services   []ServiceRef `json:"services"`
	// Resources are listed on the card.
	Resources []ResourceView `json:"resources,omitempty"`
}

// ResourceView is a resource as people see it; staff see its schedule.
type ResourceView struct {
	ID          string `json:"id"`
	Service     string `json:"service"`
	ServiceName string `json:"serviceName"`
	Name        string `json:"name"`
	Room        string `json:"room,omitempty"`
	SlotMinutes int    `json:"slotMinutes"`
	Capacity    int    `json:"capacity"`
	// Schedule and SlotsThrough (the last day with slots) are for staff.
	Schedule     *Schedule `json:"schedule,omitempty"`
	SlotsThrough string    `json:"slotsThrough,omitempty"`
	Version      int64     `json:"version,omitempty"`
}

func refs(codes []string) []ServiceRef {
	out := make([]ServiceRef, 0, len(codes))
	for _, c := range codes {
		svc, _ := ServiceOf(c)
		out = append(out, ServiceRef{Code: c, Name: svc.Name})
	}
	return out
}

func (o orgItem) view() OrganisationView {
	hours := o.Hours
	if hours == nil {
		hours = Week{}
	}
	return OrganisationView{ID: o.ID, Kind: o.OrgKind, KindName: KindNames[o.OrgKind], Name: o.Name, Address: o.Address, Region: o.Region,
		RegionName: Regions[o.Region].Name, TimeZone: o.TimeZone, Phone: o.Phone, Hours: hours, Rules: o.Rules, Services: refs(o.Services)}
}

func (r resourceItem) view(staff bool) ResourceView {
	svc, _ := ServiceOf(r.Service)
	v := ResourceView{ID: r.ID, Service: r.Service, ServiceName: svc.Name, Name: r.Name, Room: r.Room, SlotMinutes: r.Schedule.SlotMinutes,
		Capacity: r.Schedule.Capacity}
	if staff {
		sch := r.Schedule
		v.Schedule, v.SlotsThrough, v.Version = &sch, r.Through, r.V
	}
	return v
}

// core is what the services share: the table and the rules that count
// places, lay slots and hand freed places to the waitlist.
type core struct {
	d  Deps
	db store
}

func newCore(d Deps) core { return core{d: d, db: store{d.DB}} }

// Directory is the organisations taking appointments and their
// resources: operators (the portal) describe them, people look them up,
// staff change their organisation's schedules.
type Directory struct{ core }

// NewDirectory needs DB and Clock.
func NewDirectory(d Deps) (*Directory, error) {
	if err := d.need("Directory"); err != nil {
		return nil, err
	}
	return &Directory{newCore(d)}, nil
}

// Put creates or updates an organisation and its resources (the portal
// only: the seeding, an operator's tool). A resource kept keeps the days
// its slots were made for; the nightly run makes the rest. Errors:
// Forbidden for anyone else, Invalid naming every bad field.
func (s *Directory) Put(ctx context.Context, a actor.Actor, o Organisation, resources []Resource) error {
	if err := system(a); err != nil {
		return err
	}
	f := o.check()
	seen := map[string]bool{}
	for i, r := range resources {
		field := fmt.Sprintf("resources[%d].", i)
		f = append(f, r.check(field, o)...)
		if seen[r.ID] {
			f = append(f, invalid(field+"id", "resource.duplicate", "Ресурс указан дважды"))
		}
		seen[r.ID] = true
	}
	if len(resources) == 0 {
		f = append(f, invalid("resources", "organisation.resources", "Укажите хотя бы один ресурс"))
	}
	if len(f) > 0 {
		return problem.Invalid(f...)
	}
	now := stamp(s.d.Clock.Now())
	var services []string
	for _, r := range resources {
		if !slices.Contains(services, r.Service) {
			services = append(services, r.Service)
		}
	}
	k := dynamo.OrganisationKey(o.ID)
	it := orgItem{PK: k.PK, SK: k.SK, Kind: kindOrganisation, ID: o.ID, OrgKind: o.Kind, Name: strings.TrimSpace(o.Name), Code: o.Code,
		Address: strings.TrimSpace(o.Address), Region: o.Region, TimeZone: o.TimeZone, Phone: o.Phone, Department: o.Department,
		Hours: o.Hours.compact(), Rules: o.Rules, Services: services, GSI1PK: dynamo.OrganisationsPK(o.Region), GSI1SK: dynamo.OrganisationsSK(o.Kind, o.ID),
		GSI2PK: dynamo.AllOrganisationsPK, GSI2SK: o.ID, UpdatedAt: now}
	if err := s.d.DB.Put(ctx, it); err != nil {
		return err
	}
	for _, r := range resources {
		cur, exists, err := s.db.resource(ctx, o.ID, r.ID)
		if err != nil {
			return err
		}
		rk := dynamo.ResourceKey(o.ID, r.ID)
		next := resourceItem{PK: rk.PK, SK: rk.SK, Kind: kindResource, ID: r.ID, Org: o.ID, Service: r.Service, Name: strings.TrimSpace(r.Name),
			Room: r.Room, Bring: r.Bring, Schedule: r.Schedule.compacted(), UpdatedAt: now, V: 1}
		if exists {
			next.Through, next.V = cur.Through, cur.V+1
		}
		if err := s.d.DB.Put(ctx, next); err != nil {
			return err
		}
	}
	return nil
}

// Organisations lists a region's organisations, of a kind and with a
// service when named, by kind then code. Errors: Invalid (an unknown
// region, kind or service), BadRequest (a cursor of another list).
func (s *Directory) Organisations(ctx context.Context, a actor.Actor, region, kind, service, cursor string, limit int32) ([]OrganisationView, string, error) {
	if _, err := a.RequirePerson(); err != nil {
		return nil, "", err
	}
	var f []problem.Field
	if _, ok := Regions[region]; !ok {
		f = append(f, invalid("region", "region.unknown", "Укажите регион из списка"))
	}
	if _, ok := KindNames[kind]; kind != "" && !ok {
		f = append(f, invalid("kind", "organisation.kind", "Вид организации: clinic, exam, mfc или pension"))
	}
	if svc, ok := ServiceOf(service); service != "" && (!ok || (kind != "" && svc.Kind != kind)) {
		f = append(f, invalid("service", "service.unknown", "Неизвестная специальность или услуга этого вида организаций"))
	}
	if len(f) > 0 {
		return nil, "", problem.Invalid(f...)
	}
	p := dynamo.Page{Index: dynamo.IndexGSI1, Partition: dynamo.OrganisationsPK(region), Forward: true, Cursor: cursor}
	if kind != "" {
		p.Prefix = kind + "#"
	}
	items, next, err := dynamo.Collect(ctx, s.d.DB, p, int(limit), func(o orgItem) bool {
		return service == "" || slices.Contains(o.Services, service)
	})
	if err != nil {
		return nil, "", err
	}
	out := make([]OrganisationView, 0, len(items))
	for _, o := range items {
		out = append(out, o.view())
	}
	return out, next, nil
}

// Organisation is one organisation's card with its resources. Errors:
// NotFound.
func (s *Directory) Organisation(ctx context.Context, a actor.Actor, id string) (OrganisationView, error) {
	if _, err := a.RequirePerson(); err != nil {
		return OrganisationView{}, err
	}
	if !idRe.MatchString(id) {
		return OrganisationView{}, problem.NotFound("организация")
	}
	org, res, _, err := s.db.organisation(ctx, id)
	if err != nil {
		return OrganisationView{}, err
	}
	v := org.view()
	v.Resources = make([]ResourceView, 0, len(res))
	for _, r := range res {
		v.Resources = append(v.Resources, r.view(false))
	}
	return v, nil
}

// StaffOrganisation is the staff member's own organisation with its
// resources' schedules. Errors: Forbidden for anyone but staff.
func (s *Directory) StaffOrganisation(ctx context.Context, a actor.Actor) (OrganisationView, error) {
	if err := a.RequireStaff(); err != nil {
		return OrganisationView{}, err
	}
	org, res, _, err := s.db.organisation(ctx, a.Organisation)
	if err != nil {
		return OrganisationView{}, err
	}
	v := org.view()
	v.Resources = make([]ResourceView, 0, len(res))
	for _, r := range res {
		v.Resources = append(v.Resources, r.view(true))
	}
	return v, nil
}

// ScheduleChange is a new schedule of a resource and the first day it
// holds from.
type ScheduleChange struct {
	Schedule
	// From is the first local date the schedule holds (empty: tomorrow);
	// the days from it on whose slots were already made are laid anew.
	From string `json:"from,omitempty"`
	// Version is the resource's version as read (optional): a change made
	// meanwhile by someone else is then a Conflict.
	Version int64 `json:"version,omitempty"`
}

// Relaid says what laying a schedule over days already made changed.
type Relaid struct {
	Days    int `json:"days"`
	Created int `json:"created"`
	Removed int `json:"removed"`
	Changed int `json:"changed"`
	// Kept are slots somebody holds a place in that the new schedule no
	// longer has: they stay (close the day to cancel them).
	Kept int `json:"kept"`
}

// SetSchedule changes a resource's schedule (staff of its organisation
// only): from the change's first day on, slots the new schedule has are
// made, free ones it no longer has go, and booked ones stay. Errors:
// Forbidden for anyone but staff, NotFound (another organisation's
// resource), Invalid (every bad field; hours outside the organisation's),
// Conflict (the version as read is stale).
func (s *Directory) SetSchedule(ctx context.Context, a actor.Actor, resourceID string, c ScheduleChange) (ResourceView, Relaid, error) {
	if err := a.RequireStaff(); err != nil {
		return ResourceView{}, Relaid{}, err
	}
	if !idRe.MatchString(resourceID) {
		return ResourceView{}, Relaid{}, problem.NotFound("ресурс")
	}
	org, res, closed, err := s.db.organisation(ctx, a.Organisation)
	if err != nil {
		return ResourceView{}, Relaid{}, err
	}
	i := slices.IndexFunc(res, func(r resourceItem) bool { return r.ID == resourceID })
	if i < 0 {
		return ResourceView{}, Relaid{}, problem.NotFound("ресурс")
	}
	r := res[i]
	loc := org.zone()
	now := s.d.Clock.Now().In(loc)
	today := now.Format(time.DateOnly)
	f := c.Schedule.check("", org.Hours)
	from := c.From
	if from == "" {
		from = now.AddDate(0, 0, 1).Format(time.DateOnly)
	}
	if d, err := time.ParseInLocation(time.DateOnly, from, loc); err != nil || d.Format(time.DateOnly) != from {
		f = append(f, invalid("from", "date.format", "Дата в формате ГГГГ-ММ-ДД"))
	} else if from < today {
		f = append(f, invalid("from", "date.past", "Расписание можно изменить с сегодняшнего дня"))
	}
	if len(f) > 0 {
		return ResourceView{}, Relaid{}, problem.Invalid(f...)
	}
	if c.Version != 0 && c.Version != r.V {
		return ResourceView{}, Relaid{}, problem.Conflict("stale_version", "Расписание изменилось после того, как вы его открыли. Обновите страницу и повторите")
	}
	next := r
	next.Schedule, next.UpdatedAt, next.V = c.Schedule.compacted(), stamp(now), r.V+1
	cond := expression.Name(dynamo.AttrVersion).Equal(expression.Value(r.V))
	if err := s.d.DB.Transact(ctx, "", (&dynamo.Tx{}).PutIf(next, cond)); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return ResourceView{}, Relaid{}, problem.Conflict("stale_version", "Расписание изменилось после того, как вы его открыли. Обновите страницу и повторите")
		}
		return ResourceView{}, Relaid{}, err
	}
	var st Relaid
	if next.Through != "" && from <= next.Through {
		if st, err = s.relay(ctx, org, next, from, next.Through, closed); err != nil {
			return ResourceView{}, Relaid{}, err
		}
	}
	return next.view(true), st, nil
}

// KindRef names a kind of organisation.
type KindRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Catalog is what one can book where: the kinds of organisations, the
// specialties and services of each, the regions and a clinic's visit types.
type Catalog struct {
	Kinds      []KindRef    `json:"kinds"`
	Services   []Service    `json:"services"`
	Regions    []Region     `json:"regions"`
	VisitTypes []ServiceRef `json:"visitTypes"`
}

// Catalog lists the kinds, services (of one kind when named), regions and
// visit types. Errors: Invalid (an unknown kind).
func (s *Directory) Catalog(_ context.Context, a actor.Actor, kind string) (Catalog, error) {
	if _, err := a.RequirePerson(); err != nil {
		return Catalog{}, err
	}
	if _, ok := KindNames[kind]; kind != "" && !ok {
		return Catalog{}, problem.Invalid(invalid("kind", "organisation.kind", "Вид организации: clinic, exam, mfc или pension"))
	}
	var c Catalog
	for _, k := range []string{KindClinic, KindExam, KindMFC, KindPension} {
		c.Kinds = append(c.Kinds, KindRef{Code: k, Name: KindNames[k]})
	}
	for _, svc := range Services {
		if kind == "" || svc.Kind == kind {
			c.Services = append(c.Services, svc)
		}
	}
	for _, code := range slices.Sorted(maps.Keys(Regions)) {
		c.Regions = append(c.Regions, Regions[code])
	}
	for _, v := range []string{VisitFirst, VisitRepeat, VisitPreventive} {
		c.VisitTypes = append(c.VisitTypes, ServiceRef{Code: v, Name: VisitTypeNames[v]})
	}
	return c, nil
}
