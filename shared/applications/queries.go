package applications

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/catalog"
	"github.com/kabinet/kabinet/shared/personaldata"
	"github.com/kabinet/kabinet/shared/problem"
)

// Filter narrows a citizen's list.
type Filter struct {
	Status, Service, Number string
	From, To                time.Time
}

// List returns a page of the actor's applications, newest first.
func (s *Service) List(ctx context.Context, a actor.Actor, f Filter, cursor string, limit int32) ([]App, string, error) {
	items, next, err := s.table().list(ctx, a.Sub, cursor, limit, func(it appItem) bool {
		created := parse(it.CreatedAt)
		return (f.Status == "" || it.Status == f.Status) && (f.Service == "" || it.Service == f.Service) &&
			(f.Number == "" || strings.Contains(it.Number, f.Number)) &&
			(f.From.IsZero() || !created.Before(f.From)) && (f.To.IsZero() || created.Before(f.To))
	})
	if err != nil {
		return nil, "", err
	}
	out, err := s.withDuties(ctx, s.summaries(items, RoleCitizen), items)
	return out, next, err
}

func (s *Service) summaries(items []appItem, role string) []App {
	out := make([]App, 0, len(items))
	for _, it := range items {
		out = append(out, s.summary(it, role))
	}
	return out
}

// Card returns one of the actor's applications with its journal; another
// user's is NotFound.
func (s *Service) Card(ctx context.Context, a actor.Actor, id string) (App, error) {
	it, err := s.table().app(ctx, a.Sub, id)
	if err != nil {
		return App{}, err
	}
	return s.card(ctx, it, RoleCitizen, true)
}

// card is the application with its journal as role sees it, and with its
// answers opened when withValues (the journal PDF needs none).
func (s *Service) card(ctx context.Context, it appItem, role string, withValues bool) (App, error) {
	a := s.summary(it, role)
	if withValues {
		var err error
		if a, err = s.view(ctx, it, role); err != nil {
			return App{}, err
		}
	}
	logs, err := s.table().logs(ctx, it.Sub, it.ID)
	if err != nil {
		return App{}, err
	}
	a.Journal = journalFor(logs, role)
	if a, err = s.withRequest(ctx, a, it, role); err != nil {
		return App{}, err
	}
	return s.withDuty(ctx, a, it)
}

// Cards builds every card of a user (answers opened, journal, as the
// citizen sees them) from the items of their partition read at once, as
// the export reads them: no read per application.
func (s *Service) Cards(ctx context.Context, raw []map[string]types.AttributeValue) ([]App, error) {
	apps, logs, err := decodePartition(raw)
	if err != nil {
		return nil, err
	}
	out := make([]App, 0, len(apps))
	for _, it := range apps {
		a, err := s.view(ctx, it, RoleCitizen)
		if err != nil {
			return nil, err
		}
		a.Journal = journalFor(logs[it.ID], RoleCitizen)
		sort.Slice(a.Journal, func(i, j int) bool { return a.Journal[i].At.Before(a.Journal[j].At) })
		out = append(out, a)
	}
	// Newest first, as the list shows them.
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out, nil
}

// officerApp finds an application for an officer through its pointer:
// Forbidden for anyone but an officer with a department; NotFound for a
// draft and for another department's; Forbidden self_action for the
// officer's own (officers apply as citizens too, and nobody processes
// their own application).
func (s *Service) officerApp(ctx context.Context, a actor.Actor, id string) (appItem, error) {
	if err := a.RequireOfficer(); err != nil {
		return appItem{}, err
	}
	it, err := s.table().byID(ctx, id)
	if err != nil {
		return appItem{}, err
	}
	if it.Department != a.Department {
		return appItem{}, problem.NotFound("заявление")
	}
	if err := a.NotSelf(it.Sub); err != nil {
		return appItem{}, err
	}
	return it, nil
}

// OfficerCard returns an application of the officer's department with its
// answers and journal (with who made each change), recorded first in the
// applicant's access log. Errors as officerApp; Unavailable when the read
// cannot be recorded.
func (s *Service) OfficerCard(ctx context.Context, a actor.Actor, id string) (App, error) {
	it, err := s.officerApp(ctx, a, id)
	if err != nil {
		return App{}, err
	}
	card, err := s.card(ctx, it, RoleOfficer, true)
	if err != nil {
		return App{}, err
	}
	if err := s.recordRead(ctx, a, it); err != nil {
		return App{}, err
	}
	return card, nil
}

// readCategories are what an application shows of its applicant: what
// they wrote and attached, their name, and the identifiers its form asks.
func readCategories(svc catalog.Service) []personaldata.Category {
	cats := []personaldata.Category{personaldata.Application, personaldata.Personal}
	byType := map[string]personaldata.Category{"snils": personaldata.SNILS, "inn": personaldata.INN, "passport_series": personaldata.Passport,
		"passport_number": personaldata.Passport, "phone": personaldata.Contacts, "email": personaldata.Contacts, "address": personaldata.Address}
	for _, f := range svc.Form {
		if c, ok := byType[f.Type]; ok && !slices.Contains(cats, c) {
			cats = append(cats, c)
		}
	}
	return cats
}

// recordRead writes an officer's opening of an application in the
// applicant's access log.
func (s *Service) recordRead(ctx context.Context, a actor.Actor, it appItem) error {
	if s.Reads == nil {
		return errors.New("applications: no access log to record an officer's read in")
	}
	svc, _ := catalog.Get(it.Service)
	org := svc.DepartmentTitle
	if org == "" {
		org = it.Department
	}
	number := it.Number
	if number == "" {
		number = it.ID
	}
	err := s.Reads.Record(ctx, accesslog.Read{Owner: it.Sub, By: a, Organisation: org, Categories: readCategories(svc),
		Reason: accesslog.ForApplication(number, svc.Title)})
	if err != nil {
		return problem.Wrap(err, problem.KindUnavailable, "access_not_recorded",
			"Не удалось записать обращение к данным заявителя в журнал доступа. Повторите")
	}
	return nil
}

// Queue returns a page of the officer's department's open applications (in
// one status when status is set), oldest first, without their answers and
// without the officer's own. Forbidden for anyone but an officer with a
// department; Invalid for an unknown status.
func (s *Service) Queue(ctx context.Context, a actor.Actor, status, cursor string, limit int32) ([]App, string, error) {
	if err := a.RequireOfficer(); err != nil {
		return nil, "", err
	}
	if _, ok := StatusNames[status]; status != "" && !ok {
		return nil, "", problem.Invalid(problem.Field{Field: "status", Code: "status.unknown", Message: "Неизвестный статус"})
	}
	items, next, err := s.table().queue(ctx, a.Department, status, cursor, limit, func(it appItem) bool { return it.Sub != a.Sub })
	if err != nil {
		return nil, "", err
	}
	out, err := s.withDuties(ctx, s.summaries(items, RoleOfficer), items)
	return out, next, err
}
