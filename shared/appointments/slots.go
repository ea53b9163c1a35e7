package appointments

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/problem"
)

// A slot's id names its organisation, resource, local date and time:
// "gp-12.ivanova.20261203.0930".

func formatSlotID(org, resource, date, hhmm string) string {
	return org + "." + resource + "." + strings.ReplaceAll(date, "-", "") + "." + hhmm
}

var hhmmRe = regexp.MustCompile(`^([01][0-9]|2[0-3])[0-5][0-9]$`)

// parseSlotID reads a slot id; ok is false for anything malformed.
func parseSlotID(id string) (org, resource, date, hhmm string, ok bool) {
	parts := strings.Split(id, ".")
	if len(parts) != 4 || !idRe.MatchString(parts[0]) || !idRe.MatchString(parts[1]) || len(parts[2]) != 8 || !hhmmRe.MatchString(parts[3]) {
		return "", "", "", "", false
	}
	d, err := time.Parse("20060102", parts[2])
	if err != nil {
		return "", "", "", "", false
	}
	return parts[0], parts[1], d.Format(time.DateOnly), parts[3], true
}

// OrganisationRef names an organisation in a slot or an appointment.
type OrganisationRef struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Address string `json:"address"`
	Region  string `json:"region"`
	Phone   string `json:"phone,omitempty"`
}

// ResourceRef names a resource.
type ResourceRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Room string `json:"room,omitempty"`
}

// SlotView is a free time as people see it.
type SlotView struct {
	ID           string          `json:"id"`
	Organisation OrganisationRef `json:"organisation"`
	Resource     ResourceRef     `json:"resource"`
	Kind         string          `json:"kind"`
	Service      string          `json:"service"`
	ServiceName  string          `json:"serviceName"`
	// Start and End are in the organisation's time zone.
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Capacity int       `json:"capacity"`
	Free     int       `json:"free"`
}

// viewer names organisations and resources in slot views, reading each
// organisation's partition (the organisation and all its resources) once:
// a page costs one read per organisation on it, whatever the number of
// doctors or windows.
type viewer struct {
	db   store
	orgs map[string]orgItem
	res  map[string]resourceItem
}

func (c core) viewer() *viewer {
	return &viewer{db: c.db, orgs: map[string]orgItem{}, res: map[string]resourceItem{}}
}

func (v *viewer) org(ctx context.Context, id string) (orgItem, error) {
	if o, ok := v.orgs[id]; ok {
		return o, nil
	}
	o, res, _, err := v.db.organisation(ctx, id)
	if err != nil {
		return o, err
	}
	v.orgs[id] = o
	for _, r := range res {
		v.res[id+"#"+r.ID] = r
	}
	return o, nil
}

func (v *viewer) slot(ctx context.Context, s slotItem) (SlotView, error) {
	o, err := v.org(ctx, s.Org)
	if err != nil {
		return SlotView{}, err
	}
	r := v.res[s.Org+"#"+s.Resource]
	svc, _ := ServiceOf(s.Service)
	loc := o.zone()
	return SlotView{ID: s.ID, Organisation: OrganisationRef{ID: o.ID, Name: o.Name, Address: o.Address, Region: o.Region, Phone: o.Phone},
		Resource: ResourceRef{ID: s.Resource, Name: r.Name, Room: r.Room}, Kind: svc.Kind, Service: s.Service, ServiceName: svc.Name,
		Start: s.start().In(loc), End: s.end().In(loc), Capacity: s.Capacity, Free: s.free()}, nil
}

// Slots are the times people book: made ahead by the nightly run, found
// by search.
type Slots struct{ core }

// NewSlots needs DB and Clock.
func NewSlots(d Deps) (*Slots, error) {
	if err := d.need("Slots"); err != nil {
		return nil, err
	}
	return &Slots{newCore(d)}, nil
}

// Made counts what a run of Materialise did.
type Made struct {
	Organisations int `json:"organisations"`
	Resources     int `json:"resources"`
	Days          int `json:"days"`
	Slots         int `json:"slots"`
	// Existing were there already (a run repeated or overlapping).
	Existing int `json:"existing"`
}

// Materialise makes every resource's slots up to its organisation's
// booking horizon (the portal only: the nightly run, the seeding). Each
// resource remembers the last day made; a day is made once, its slots with
// conditional writes, so two runs at once make each slot once. It reads
// the organisations from their index, never by a scan. Closed days get no
// slots. Errors: Forbidden for anyone but the portal.
func (s *Slots) Materialise(ctx context.Context, a actor.Actor) (Made, error) {
	if err := system(a); err != nil {
		return Made{}, err
	}
	var m Made
	cursor := ""
	for {
		var orgs []orgItem
		next, err := s.d.DB.Query(ctx, dynamo.Page{Index: dynamo.IndexGSI2, Partition: dynamo.AllOrganisationsPK, Forward: true, Cursor: cursor}, &orgs)
		if err != nil {
			return m, err
		}
		for _, o := range orgs {
			if err := s.materialiseOrg(ctx, o.ID, &m); err != nil {
				return m, err
			}
		}
		if next == "" {
			return m, nil
		}
		cursor = next
	}
}

func (s *Slots) materialiseOrg(ctx context.Context, id string, m *Made) error {
	org, res, closed, err := s.db.organisation(ctx, id)
	if err != nil {
		return err
	}
	m.Organisations++
	loc := org.zone()
	now := s.d.Clock.Now()
	today := now.In(loc).Format(time.DateOnly)
	horizon := addDays(today, org.Rules.BookAheadDays)
	for _, r := range res {
		from := today
		if r.Through >= from {
			from = addDays(r.Through, 1)
		}
		if from > horizon {
			continue
		}
		m.Resources++
		for date := from; date <= horizon; date = addDays(date, 1) {
			m.Days++
			if closed[date+"#"+r.ID] {
				continue
			}
			for _, p := range daySlots(r.Schedule, date, loc) {
				if !p.Start.After(now) {
					continue
				}
				switch err := s.d.DB.Create(ctx, newSlot(org, r, date, p, r.Schedule.Capacity)); {
				case err == nil:
					m.Slots++
				case problem.Is(err, problem.KindConflict):
					m.Existing++
				default:
					return err
				}
			}
		}
		upd := expression.Set(expression.Name("Through"), expression.Value(horizon))
		cond := expression.Or(expression.AttributeNotExists(expression.Name("Through")), expression.Name("Through").LessThan(expression.Value(horizon)))
		if err := s.d.DB.Update(ctx, dynamo.ResourceKey(org.ID, r.ID), upd, &cond); err != nil && !problem.Is(err, problem.KindConflict) {
			return err
		}
	}
	return nil
}

// addDays is the date n days after date ("2006-01-02").
func addDays(date string, n int) string {
	d, _ := time.Parse(time.DateOnly, date)
	return d.AddDate(0, 0, n).Format(time.DateOnly)
}

// relay lays r's schedule anew over the days from..to already made.
func (c core) relay(ctx context.Context, org orgItem, r resourceItem, from, to string, closed map[string]bool) (Relaid, error) {
	var st Relaid
	loc := org.zone()
	now := c.d.Clock.Now()
	for date := from; date <= to; date = addDays(date, 1) {
		if closed[date+"#"+r.ID] {
			continue
		}
		st.Days++
		slots, _, _, err := c.db.day(ctx, org.ID, date)
		if err != nil {
			return st, err
		}
		var have []current
		byHHMM := map[string]slotItem{}
		for _, sl := range slots {
			if sl.Resource != r.ID {
				continue
			}
			byHHMM[sl.HHMM] = sl
			have = append(have, current{HHMM: sl.HHMM, Minutes: sl.Minutes, Taken: sl.Taken, Capacity: sl.Capacity, Start: sl.start(), Closed: sl.Closed})
		}
		var want []planned
		for _, p := range daySlots(r.Schedule, date, loc) {
			if p.Start.After(now) {
				want = append(want, p)
			}
		}
		plan := planDay(want, r.Schedule.Capacity, have)
		st.Kept += plan.kept
		for _, p := range plan.create {
			switch err := c.d.DB.Create(ctx, newSlot(org, r, date, p, r.Schedule.Capacity)); {
			case err == nil:
				st.Created++
			case !problem.Is(err, problem.KindConflict):
				return st, err
			}
		}
		for _, h := range plan.remove {
			sl := byHHMM[h.HHMM]
			cond := attrTaken.Equal(expression.Value(0)).And(expression.AttributeNotExists(attrClosed))
			switch err := c.d.DB.Transact(ctx, "", (&dynamo.Tx{}).DeleteIf(sl.key(), cond)); {
			case err == nil:
				st.Removed++
			case problem.Is(err, problem.KindConflict):
				st.Kept++ // booked meanwhile
			default:
				return st, err
			}
		}
		for _, ch := range plan.change {
			sl := byHHMM[ch.was.HHMM]
			moved := sl
			moved.Minutes, moved.Capacity = ch.minutes, ch.capacity
			upd := expression.Set(expression.Name("Minutes"), expression.Value(ch.minutes)).Set(attrCapacity, expression.Value(ch.capacity))
			if moved.free() > 0 {
				upd = moved.indexed(upd)
			} else {
				upd = unindexed(upd)
			}
			cond := attrTaken.Equal(expression.Value(sl.Taken)).And(expression.AttributeNotExists(attrClosed))
			switch err := c.d.DB.Update(ctx, sl.key(), upd, &cond); {
			case err == nil:
				st.Changed++
			case problem.Is(err, problem.KindConflict):
				st.Kept++
			default:
				return st, err
			}
		}
	}
	if st.Kept > 0 {
		logging.From(ctx).Info("schedule laid over booked slots", "organisation", org.ID, "resource", r.ID, "kept", st.Kept)
	}
	return st, nil
}

// SlotQuery narrows a search of free slots. Service is required, and a
// region or an organisation.
type SlotQuery struct {
	Kind, Service, Organisation, Region, Resource string
	// From and To are local dates, "2006-01-02" (default: today, and the
	// booking horizon).
	From, To string
}

// MaxSearchDays bounds a search's period.
const MaxSearchDays = 92

// scope is where a query searches: an index partition and its range.
type scope struct {
	page dynamo.Page
	loc  *time.Location
	org  *orgItem
}

// scope checks q and says where to search, naming every bad field.
func (s *Slots) scope(ctx context.Context, q SlotQuery) (scope, error) {
	var f []problem.Field
	svc, ok := ServiceOf(q.Service)
	if !ok {
		f = append(f, invalid("service", "service.unknown", "Укажите специальность или услугу из списка"))
	}
	if q.Kind != "" {
		if _, known := KindNames[q.Kind]; !known {
			f = append(f, invalid("kind", "organisation.kind", "Вид организации: clinic, exam, mfc или pension"))
		} else if ok && svc.Kind != q.Kind {
			f = append(f, invalid("kind", "service.kind", "Эта специальность или услуга — у организаций другого вида"))
		}
	}
	region, regionOK := Regions[q.Region]
	if q.Region != "" && !regionOK {
		f = append(f, invalid("region", "region.unknown", "Неизвестный регион"))
	}
	var org *orgItem
	switch {
	case q.Organisation != "":
		o, exists, err := s.db.org(ctx, q.Organisation)
		switch {
		case err != nil && !problem.Is(err, problem.KindNotFound):
			return scope{}, err
		case !idRe.MatchString(q.Organisation) || !exists:
			f = append(f, invalid("organisation", "organisation.unknown", "Неизвестная организация"))
		case q.Region != "" && o.Region != q.Region:
			f = append(f, invalid("organisation", "organisation.region", "Организация в другом регионе"))
		case ok && o.OrgKind != svc.Kind:
			f = append(f, invalid("organisation", "organisation.service", "Организация не ведёт приём по этой специальности или услуге"))
		default:
			org = &o
		}
	case q.Region == "":
		f = append(f, invalid("region", "region.required", "Укажите регион или организацию"))
	}
	if q.Resource != "" && (q.Organisation == "" || !idRe.MatchString(q.Resource)) {
		f = append(f, invalid("resource", "resource.organisation", "Ресурс указывается вместе с организацией"))
	}
	loc := mustZone(region.Zone)
	horizon := 90
	if org != nil {
		loc, horizon = org.zone(), org.Rules.BookAheadDays
	}
	today := s.d.Clock.Now().In(loc).Format(time.DateOnly)
	from, to := q.From, q.To
	if from == "" {
		from = today
	}
	if to == "" {
		to = addDays(from, min(horizon, MaxSearchDays-1))
	}
	fromDay, err1 := time.ParseInLocation(time.DateOnly, from, loc)
	toDay, err2 := time.ParseInLocation(time.DateOnly, to, loc)
	if err1 != nil || fromDay.Format(time.DateOnly) != from {
		f = append(f, invalid("from", "date.format", "Дата в формате ГГГГ-ММ-ДД"))
	}
	if err2 != nil || toDay.Format(time.DateOnly) != to {
		f = append(f, invalid("to", "date.format", "Дата в формате ГГГГ-ММ-ДД"))
	}
	if err1 == nil && err2 == nil {
		switch {
		case to < from:
			f = append(f, invalid("to", "date.order", "Конец периода не может быть раньше начала"))
		case toDay.Sub(fromDay) > (MaxSearchDays-1)*24*time.Hour:
			f = append(f, invalid("to", "date.span", "Период поиска — не больше 92 дней"))
		case to < today:
			f = append(f, invalid("to", "date.past", "Период поиска уже прошёл"))
		}
	}
	if len(f) > 0 {
		return scope{}, problem.Invalid(f...)
	}
	lo := stamp(fromDay)
	hi := stamp(toDay.AddDate(0, 0, 1).Add(-time.Second)) + "~"
	p := dynamo.Page{Index: dynamo.IndexGSI1, Partition: dynamo.FreeSlotsPK(q.Service, q.Region), From: lo, To: hi, Forward: true}
	if org != nil {
		p = dynamo.Page{Index: dynamo.IndexGSI2, Partition: dynamo.FreeOrgSlotsPK(org.ID, q.Service), From: lo, To: hi, Forward: true}
	}
	return scope{page: p, loc: loc, org: org}, nil
}

// Search is a page of the free slots of a query, soonest first. Only slots
// with a free place are in the indexes it reads; a cursor is accepted only
// for the same query. Errors: Invalid (every bad field), BadRequest (a
// cursor of another query).
func (s *Slots) Search(ctx context.Context, a actor.Actor, q SlotQuery, cursor string, limit int32) ([]SlotView, string, error) {
	if _, err := a.RequirePerson(); err != nil {
		return nil, "", err
	}
	sc, err := s.scope(ctx, q)
	if err != nil {
		return nil, "", err
	}
	sc.page.Cursor = cursor
	now := stamp(s.d.Clock.Now())
	items, next, err := dynamo.Collect(ctx, s.d.DB, sc.page, int(limit), func(sl slotItem) bool {
		return sl.Start > now && sl.free() > 0 && !sl.Closed && (q.Resource == "" || sl.Resource == q.Resource)
	})
	if err != nil {
		return nil, "", err
	}
	v := s.viewer()
	out := make([]SlotView, 0, len(items))
	for _, it := range items {
		sv, err := v.slot(ctx, it)
		if err != nil {
			return nil, "", err
		}
		out = append(out, sv)
	}
	return out, next, nil
}

// Earliest is the soonest free slot of a service across a region's
// organisations (or at one). Errors: Invalid, NotFound (none free).
func (s *Slots) Earliest(ctx context.Context, a actor.Actor, q SlotQuery) (SlotView, error) {
	items, _, err := s.Search(ctx, a, q, "", 1)
	if err != nil {
		return SlotView{}, err
	}
	if len(items) == 0 {
		return SlotView{}, problem.New(problem.KindNotFound, "no_free_slots", "Свободного времени в этот период нет: выберите другой период или встаньте в лист ожидания")
	}
	return items[0], nil
}

// nearest are up to n free slots of a service soonest from now: at the
// organisation, then in its region.
func (c core) nearest(ctx context.Context, org orgItem, service string, n int) []slotItem {
	now := c.d.Clock.Now()
	lo, hi := stamp(now), stamp(now.AddDate(0, 0, MaxSearchDays))+"~"
	keep := func(sl slotItem) bool { return sl.Start > lo && sl.free() > 0 && !sl.Closed }
	pages := []dynamo.Page{
		{Index: dynamo.IndexGSI2, Partition: dynamo.FreeOrgSlotsPK(org.ID, service), From: lo, To: hi, Forward: true},
		{Index: dynamo.IndexGSI1, Partition: dynamo.FreeSlotsPK(service, org.Region), From: lo, To: hi, Forward: true},
	}
	for _, p := range pages {
		items, _, err := dynamo.Collect(ctx, c.d.DB, p, n, keep)
		if err != nil {
			logging.From(ctx).Warn("nearest free slots not read", "err", err)
			continue
		}
		if len(items) > 0 {
			return items
		}
	}
	return nil
}
