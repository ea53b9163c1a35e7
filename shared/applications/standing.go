package applications

import (
	"context"
	"slices"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
)

// Standing is one of a person's applications another domain relies on
// (booking the traffic-police exam needs the person's exam application
// admitted), in a status it accepts.
type Standing struct {
	ID, Number, Service, Status string
	// Hold adds to the relying transaction the condition that the
	// application is still in one of the accepted statuses when it
	// commits: an officer rejecting it at that moment fails the
	// transaction instead of slipping past it.
	Hold func(tx *dynamo.Tx)
}

// InStatus finds the actor's application of a service in one of statuses:
// the application id names, or, with id empty, the newest of the
// service's that is in one of them. Errors: NotFound (no such application
// of the actor's; with id empty, none of the service), Invalid (id names
// an application of another service), Conflict application_status (not in
// one of the statuses; the newest one's status when id is empty).
func (s *Service) InStatus(ctx context.Context, a actor.Actor, service, id string, statuses []string) (Standing, error) {
	if a.Sub == "" || a.IsMachine() {
		return Standing{}, problem.NotFound("заявление")
	}
	st := s.table()
	var it appItem
	if id != "" {
		var err error
		if it, err = st.app(ctx, a.Sub, id); err != nil {
			return Standing{}, err
		}
		if it.Service != service {
			return Standing{}, problem.Invalid(problem.Field{Field: "applicationId", Code: "application.service",
				Message: "Это заявление на другую услугу"})
		}
	} else {
		var newest *appItem
		cursor := ""
		for found := false; !found; {
			page, next, err := st.list(ctx, a.Sub, cursor, dynamo.MaxPageSize, func(it appItem) bool { return it.Service == service })
			if err != nil {
				return Standing{}, err
			}
			for i := range page {
				if newest == nil {
					newest = &page[i]
				}
				if slices.Contains(statuses, page[i].Status) {
					it, found = page[i], true
					break
				}
			}
			if next == "" {
				break
			}
			cursor = next
		}
		switch {
		case it.ID != "":
		case newest == nil:
			return Standing{}, problem.NotFound("заявление")
		default:
			it = *newest
		}
	}
	if !slices.Contains(statuses, it.Status) {
		return Standing{}, problem.Conflict("application_status", "Заявление № "+it.Number+" в статусе «"+StatusNames[it.Status]+"»").
			With("applicationId", it.ID).With("status", it.Status)
	}
	return Standing{ID: it.ID, Number: it.Number, Service: it.Service, Status: it.Status,
		Hold: func(tx *dynamo.Tx) { st.holdStatus(tx, a.Sub, it.ID, statuses) }}, nil
}
