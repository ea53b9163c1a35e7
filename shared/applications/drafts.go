package applications

import (
	"context"
	"encoding/json"
	"sort"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/catalog"
	"github.com/kabinet/kabinet/shared/problem"
)

// CreateDraft starts a draft of a service for the actor, autofilled from
// their profile. NotFound for an unknown service; Forbidden level_too_low
// for a service above the account's level.
func (s *Service) CreateDraft(ctx context.Context, a actor.Actor, service string) (App, error) {
	return s.createDraft(ctx, a.Sub, service, nil)
}

// createDraft starts a draft with the given answers (a template's), the
// profile's data over the autofilled fields.
func (s *Service) createDraft(ctx context.Context, sub, code string, base map[string]any) (App, error) {
	svc, ok := catalog.Get(code)
	if !ok {
		return App{}, problem.NotFound("услуга")
	}
	if err := s.requireLevel(ctx, sub, svc); err != nil {
		return App{}, err
	}
	profile, err := s.Profiles.Autofill(ctx, sub)
	if err != nil {
		return App{}, err
	}
	values := map[string]any{}
	for _, f := range svc.Form {
		if v, ok := base[f.Name]; ok {
			values[f.Name] = v
		}
		if v, ok := profile[f.Autofill]; ok && f.Autofill != "" && v != "" && v != nil {
			values[f.Name] = v
		}
	}
	raw, _ := json.Marshal(values)
	it, err := s.newDraft(ctx, sub, code, svc.Department, raw)
	if err != nil {
		return App{}, err
	}
	if err := s.table().create(ctx, it); err != nil {
		return App{}, err
	}
	return s.view(ctx, it, RoleCitizen)
}

// newDraft builds a draft item with its answers (JSON) sealed.
func (s *Service) newDraft(ctx context.Context, sub, code, department string, answers []byte) (appItem, error) {
	now := s.Clock.Now()
	id := newID(now)
	sealed, err := s.Sealer.Seal(ctx, answers, valuesContext(sub, id))
	if err != nil {
		return appItem{}, err
	}
	return draftItem(sub, id, code, department, sealed, now), nil
}

// SaveDraft merges values into one of the actor's drafts read at ifVersion
// (partial saves are fine; the form is checked on submission). Invalid for
// a field the form lacks; Conflict not_a_draft once submitted,
// stale_version when it changed since.
func (s *Service) SaveDraft(ctx context.Context, a actor.Actor, id string, values map[string]any, ifVersion int64) (App, error) {
	it, err := s.table().app(ctx, a.Sub, id)
	if err != nil {
		return App{}, err
	}
	if it.Status != Draft {
		return App{}, problem.Conflict("not_a_draft", "Изменять можно только черновик")
	}
	svc, _ := catalog.Get(it.Service)
	known := map[string]bool{}
	for _, f := range svc.Form {
		known[f.Name] = true
	}
	var unknown []problem.Field
	for k := range values {
		if !known[k] {
			unknown = append(unknown, problem.Field{Field: "values." + k, Code: "field.unknown", Message: "В форме услуги нет такого поля"})
		}
	}
	if len(unknown) > 0 {
		sort.Slice(unknown, func(i, j int) bool { return unknown[i].Field < unknown[j].Field })
		return App{}, problem.Invalid(unknown...)
	}
	raw, err := s.Sealer.Open(ctx, it.Values, valuesContext(it.Sub, id))
	if err != nil {
		return App{}, err
	}
	cur := map[string]any{}
	_ = json.Unmarshal(raw, &cur)
	for k, v := range values {
		if v == nil {
			delete(cur, k)
		} else {
			cur[k] = v
		}
	}
	b, _ := json.Marshal(cur)
	sealed, err := s.Sealer.Seal(ctx, b, valuesContext(it.Sub, id))
	if err != nil {
		return App{}, err
	}
	now := s.Clock.Now()
	if err := s.table().saveValues(ctx, it, sealed, ifVersion, now); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return App{}, problem.Conflict("stale_version", "Черновик изменился после того, как вы его открыли. Обновите страницу")
		}
		return App{}, err
	}
	it.Values, it.V, it.UpdatedAt = sealed, ifVersion+1, stamp(now)
	return s.view(ctx, it, RoleCitizen)
}

// DeleteDraft removes one of the actor's drafts; Conflict not_a_draft once
// submitted.
func (s *Service) DeleteDraft(ctx context.Context, a actor.Actor, id string) error {
	it, err := s.table().app(ctx, a.Sub, id)
	if err != nil {
		return err
	}
	if it.Status != Draft {
		return problem.Conflict("not_a_draft", "Удалить можно только черновик; поданное заявление можно отменить")
	}
	return s.table().deleteDraft(ctx, it.Sub, id)
}

// Resubmit starts a new draft from one of the actor's rejected
// applications, with its answers and a link both ways. It happens once:
// asked again (or twice at once), it returns the same draft and created is
// false. Conflict not_rejected for an application never rejected. (The
// level is not checked again: levels only rise, and it sufficed once.)
func (s *Service) Resubmit(ctx context.Context, a actor.Actor, id string) (_ App, created bool, _ error) {
	old, err := s.table().app(ctx, a.Sub, id)
	if err != nil {
		return App{}, false, err
	}
	if old.ResubmittedAs != "" || old.Status != Rejected {
		app, err := s.resubmitted(ctx, old)
		return app, false, err
	}
	raw, err := s.Sealer.Open(ctx, old.Values, valuesContext(old.Sub, id))
	if err != nil {
		return App{}, false, err
	}
	it, err := s.newDraft(ctx, old.Sub, old.Service, old.Department, raw)
	if err != nil {
		return App{}, false, err
	}
	it.Previous = id
	if err := s.table().resubmit(ctx, it, id); err != nil {
		if !problem.Is(err, problem.KindConflict) {
			return App{}, false, err
		}
		// Another request got there first: answer from what it left.
		if old, err = s.table().app(ctx, old.Sub, id); err != nil {
			return App{}, false, err
		}
		app, err := s.resubmitted(ctx, old)
		return app, false, err
	}
	app, err := s.view(ctx, it, RoleCitizen)
	return app, true, err
}

// resubmitted is the answer to a resubmission that creates nothing: the
// draft made earlier, or a conflict when old was never rejected.
func (s *Service) resubmitted(ctx context.Context, old appItem) (App, error) {
	if old.ResubmittedAs == "" {
		return App{}, problem.Conflict("not_rejected", "Подать повторно можно только отклонённое заявление")
	}
	it, err := s.table().app(ctx, old.Sub, old.ResubmittedAs)
	if err != nil {
		return App{}, err
	}
	return s.card(ctx, it, RoleCitizen, true)
}
