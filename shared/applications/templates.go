package applications

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/kabinet/kabinet/shared/catalog"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
)

// MaxTemplates caps a person's saved templates.
const MaxTemplates = 20

const (
	kindTemplate      = "application-template"
	kindTemplateCount = "application-template-count"
)

// Template is a filled form a person keeps to start new drafts from.
type Template struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Service   string         `json:"service"`
	Title     string         `json:"title"`
	Values    map[string]any `json:"values,omitempty"`
	CreatedAt time.Time      `json:"createdAt"`
}

type templateItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Kind      string `dynamodbav:"Kind"`
	ID        string `dynamodbav:"ID"`
	Name      string `dynamodbav:"Name"`
	Service   string `dynamodbav:"Service"`
	Values    string `dynamodbav:"Values"`
	CreatedAt string `dynamodbav:"CreatedAt"`
}

func templateContext(sub, id string) map[string]string {
	return map[string]string{"user": sub, "field": "template-" + id}
}

// SaveTemplate keeps the answers of one of the person's applications (any
// status) under a name.
func (s *Service) SaveTemplate(ctx context.Context, sub, applicationID, name string) (Template, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 || strings.ContainsAny(name, "\r\n\t") {
		return Template{}, problem.Invalid(problem.Field{Field: "name", Code: "name.invalid", Message: "Укажите название шаблона: одна строка, не длиннее 100 символов"})
	}
	app, err := s.own(ctx, sub, applicationID)
	if err != nil {
		return Template{}, err
	}
	raw, err := s.Sealer.Open(ctx, app.Values, valuesContext(sub, app.ID))
	if err != nil {
		return Template{}, err
	}
	now := s.Clock.Now()
	id := newID(now)
	sealed, err := s.Sealer.Seal(ctx, raw, templateContext(sub, id))
	if err != nil {
		return Template{}, err
	}
	k := dynamo.TemplateKey(sub, id)
	it := templateItem{PK: k.PK, SK: k.SK, Kind: kindTemplate, ID: id, Name: name, Service: app.Service, Values: sealed, CreatedAt: stamp(now)}
	capCond := expression.Or(expression.AttributeNotExists(expression.Name("N")), expression.Name("N").LessThan(expression.Value(MaxTemplates)))
	tx := (&dynamo.Tx{}).Create(it).
		Update(dynamo.TemplateCountKey(sub), expression.Add(expression.Name("N"), expression.Value(1)).Set(expression.Name("Kind"), expression.Value(kindTemplateCount)), &capCond)
	if err := s.DB.Transact(ctx, "", tx); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return Template{}, problem.Conflict("templates_limit", "Можно сохранить не больше 20 шаблонов. Удалите ненужный")
		}
		return Template{}, err
	}
	return s.openTemplate(ctx, sub, it)
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

// Templates lists the person's templates, newest first, without answers.
func (s *Service) Templates(ctx context.Context, sub string) ([]Template, error) {
	items, err := s.templateItems(ctx, sub)
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

// DeleteTemplate removes one of the person's templates.
func (s *Service) DeleteTemplate(ctx context.Context, sub, id string) error {
	exists := expression.AttributeExists(expression.Name("PK"))
	tx := (&dynamo.Tx{}).DeleteIf(dynamo.TemplateKey(sub, id), exists).
		Update(dynamo.TemplateCountKey(sub), expression.Add(expression.Name("N"), expression.Value(-1)), nil)
	if err := s.DB.Transact(ctx, "", tx); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return problem.NotFound("шаблон")
		}
		return err
	}
	return nil
}

// DraftFromTemplate starts a draft from a template: its answers, with the
// profile's current data over the autofilled fields.
func (s *Service) DraftFromTemplate(ctx context.Context, sub, templateID string) (App, error) {
	var it templateItem
	if err := s.DB.Get(ctx, dynamo.TemplateKey(sub, templateID), "шаблон", &it); err != nil {
		return App{}, err
	}
	t, err := s.openTemplate(ctx, sub, it)
	if err != nil {
		return App{}, err
	}
	return s.createDraft(ctx, sub, t.Service, t.Values)
}

// OpenTemplates lists the person's templates with their answers (for the
// export of everything kept about them).
func (s *Service) OpenTemplates(ctx context.Context, sub string) ([]Template, error) {
	items, err := s.templateItems(ctx, sub)
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

func (s *Service) templateItems(ctx context.Context, sub string) ([]templateItem, error) {
	items, _, err := dynamo.Collect(ctx, s.DB, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.TemplatePrefix}, MaxTemplates,
		func(it templateItem) bool { return it.Kind == kindTemplate })
	return items, err
}
