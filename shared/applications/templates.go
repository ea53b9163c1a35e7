package applications

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/catalog"
	"github.com/kabinet/kabinet/shared/problem"
)

// MaxTemplates caps a person's saved templates.
const MaxTemplates = 20

// Template is a filled form a person keeps to start new drafts from.
type Template struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Service   string         `json:"service"`
	Title     string         `json:"title"`
	Values    map[string]any `json:"values,omitempty"`
	CreatedAt time.Time      `json:"createdAt"`
}

func templateContext(sub, id string) map[string]string {
	return map[string]string{"user": sub, "field": "template-" + id}
}

// SaveTemplate keeps the answers of one of the actor's applications (any
// status) under a name. Invalid for a bad name; Conflict templates_limit
// beyond MaxTemplates.
func (s *Service) SaveTemplate(ctx context.Context, a actor.Actor, applicationID, name string) (Template, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 || strings.ContainsAny(name, "\r\n\t") {
		return Template{}, problem.Invalid(problem.Field{Field: "name", Code: "name.invalid", Message: "Укажите название шаблона: одна строка, не длиннее 100 символов"})
	}
	app, err := s.table().app(ctx, a.Sub, applicationID)
	if err != nil {
		return Template{}, err
	}
	raw, err := s.Sealer.Open(ctx, app.Values, valuesContext(app.Sub, app.ID))
	if err != nil {
		return Template{}, err
	}
	now := s.Clock.Now()
	id := newID(now)
	sealed, err := s.Sealer.Seal(ctx, raw, templateContext(app.Sub, id))
	if err != nil {
		return Template{}, err
	}
	it := newTemplateItem(app.Sub, id, name, app.Service, sealed, now)
	if err := s.table().addTemplate(ctx, app.Sub, it); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return Template{}, problem.Conflict("templates_limit", "Можно сохранить не больше 20 шаблонов. Удалите ненужный")
		}
		return Template{}, err
	}
	return s.openTemplate(ctx, app.Sub, it)
}

func (s *Service) openTemplate(ctx context.Context, sub string, it templateItem) (Template, error) {
	raw, err := s.Sealer.Open(ctx, it.Values, templateContext(sub, it.ID))
	if err != nil {
		return Template{}, err
	}
	var values map[string]any
	_ = json.Unmarshal(raw, &values)
	svc, _ := catalog.Get(it.Service)
	return Template{ID: it.ID, Name: it.Name, Service: it.Service, Title: svc.Title, Values: values, CreatedAt: parse(it.CreatedAt)}, nil
}

// Templates lists the actor's templates, newest first, without answers.
func (s *Service) Templates(ctx context.Context, a actor.Actor) ([]Template, error) {
	items, err := s.table().templates(ctx, a.Sub)
	if err != nil {
		return nil, err
	}
	out := make([]Template, 0, len(items))
	for _, it := range items {
		svc, _ := catalog.Get(it.Service)
		out = append(out, Template{ID: it.ID, Name: it.Name, Service: it.Service, Title: svc.Title, CreatedAt: parse(it.CreatedAt)})
	}
	return out, nil
}

// DeleteTemplate removes one of the actor's templates (NotFound for
// another user's).
func (s *Service) DeleteTemplate(ctx context.Context, a actor.Actor, id string) error {
	return s.table().deleteTemplate(ctx, a.Sub, id)
}

// DraftFromTemplate starts a draft from one of the actor's templates: its
// answers, with the profile's current data over the autofilled fields.
// Errors as CreateDraft; NotFound for another user's template.
func (s *Service) DraftFromTemplate(ctx context.Context, a actor.Actor, templateID string) (App, error) {
	it, err := s.table().template(ctx, a.Sub, templateID)
	if err != nil {
		return App{}, err
	}
	t, err := s.openTemplate(ctx, a.Sub, it)
	if err != nil {
		return App{}, err
	}
	return s.createDraft(ctx, a.Sub, t.Service, t.Values)
}

// OpenTemplates lists a person's templates with their answers (for the
// export of everything kept about them).
func (s *Service) OpenTemplates(ctx context.Context, sub string) ([]Template, error) {
	items, err := s.table().templates(ctx, sub)
	if err != nil {
		return nil, err
	}
	out := make([]Template, 0, len(items))
	for _, it := range items {
		t, err := s.openTemplate(ctx, sub, it)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}
