// Package settings keeps a user's own account settings: the time zone in
// which reminders, quiet hours and dates are shown, and the interface
// language. Writes are versioned so a stale edit is refused, never lost;
// the Service records every change in the person's activity journal.
package settings

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
)

// Settings are one user's settings.
type Settings struct {
	TimeZone  string    `json:"timeZone"`
	Locale    string    `json:"locale"`
	Version   int64     `json:"version"`
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
}

// Defaults are what a user has before changing anything.
func Defaults() Settings { return Settings{TimeZone: "Europe/Moscow", Locale: "ru"} }

// Locales the portal speaks.
var Locales = map[string]bool{"ru": true, "en": true}

// Validate names every invalid field.
func (s Settings) Validate() error {
	var fields []problem.Field
	if s.TimeZone == "" {
		fields = append(fields, problem.Field{Field: "timeZone", Code: "required", Message: "Укажите часовой пояс"})
	} else if _, err := time.LoadLocation(s.TimeZone); err != nil || s.TimeZone == "Local" {
		fields = append(fields, problem.Field{Field: "timeZone", Code: "time_zone.unknown", Message: "Неизвестный часовой пояс: используйте имя из базы IANA, например Europe/Moscow"})
	}
	if !Locales[s.Locale] {
		fields = append(fields, problem.Field{Field: "locale", Code: "locale.unsupported", Message: "Язык интерфейса: ru или en"})
	}
	if len(fields) > 0 {
		return problem.Invalid(fields...)
	}
	return nil
}

// item is the stored form.
type item struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Kind      string `dynamodbav:"Kind"`
	V         int64  `dynamodbav:"V"`
	TimeZone  string `dynamodbav:"TimeZone"`
	Locale    string `dynamodbav:"Locale"`
	UpdatedAt string `dynamodbav:"UpdatedAt"`
}

func toItem(sub string, s Settings) item {
	k := dynamo.SettingsKey(sub)
	return item{PK: k.PK, SK: k.SK, Kind: kindSettings, V: s.Version, TimeZone: s.TimeZone, Locale: s.Locale,
		UpdatedAt: s.UpdatedAt.UTC().Format(time.RFC3339)}
}

func fromItem(it item) Settings {
	t, _ := time.Parse(time.RFC3339, it.UpdatedAt)
	return Settings{TimeZone: it.TimeZone, Locale: it.Locale, Version: it.V, UpdatedAt: t}
}

// Store reads and writes settings.
type Store struct{ db *dynamo.Store }

// NewStore returns a settings store over the table.
func NewStore(db *dynamo.Store) *Store { return &Store{db: db} }

// Get returns the user's settings, or the defaults (version 0) if never saved.
func (st *Store) Get(ctx context.Context, sub string) (Settings, error) {
	var it item
	err := st.db.Get(ctx, dynamo.SettingsKey(sub), "настройки", &it)
	if problem.Is(err, problem.KindNotFound) {
		return Defaults(), nil
	}
	if err != nil {
		return Settings{}, fmt.Errorf("get settings: %w", err)
	}
	return fromItem(it), nil
}

// Put saves settings that were read at version ifVersion; if someone saved
// in between, it fails with 409 stale_version and changes nothing.
func (st *Store) Put(ctx context.Context, sub string, s Settings, ifVersion int64, now time.Time) (Settings, error) {
	if err := s.Validate(); err != nil {
		return Settings{}, err
	}
	s.Version = ifVersion + 1
	s.UpdatedAt = now.UTC().Truncate(time.Second)
	if err := st.db.PutVersioned(ctx, toItem(sub, s), s.Version); err != nil {
		return Settings{}, fmt.Errorf("put settings: %w", err)
	}
	return s, nil
}

// put adds to tx the settings s of sub, written at s.Version on the
// condition that the stored ones are still at the version before (none
// stored for the first version).
func put(tx *dynamo.Tx, sub string, s Settings) {
	cond := expression.AttributeNotExists(expression.Name(dynamo.AttrPK))
	if s.Version > 1 {
		cond = expression.Name(dynamo.AttrVersion).Equal(expression.Value(s.Version - 1))
	}
	tx.PutIf(toItem(sub, s), cond)
}

// stale is the answer to a save of settings someone saved since they were
// read.
func stale() error {
	return problem.Conflict("stale_version", "Данные изменились после того, как вы их открыли. Обновите страницу и повторите")
}

// kindSettings is the Kind of a person's settings item.
const kindSettings = "settings"

// Seed writes settings unconditionally; for demo data.
func Seed(sub string, s Settings) any { return toItem(sub, s) }

// Zone returns the person's time zone (Moscow when unset or unknown).
func (st *Store) Zone(ctx context.Context, sub string) (*time.Location, error) {
	s, err := st.Get(ctx, sub)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		return time.LoadLocation(Defaults().TimeZone)
	}
	return loc, nil
}
