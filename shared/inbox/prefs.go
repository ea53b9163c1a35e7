package inbox

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
)

// Categories a person can tune. Security notices always go out.
var Categories = []string{"applications", "documents", "payments", "appointments", "reminders", "consents", "support", "news"}

// Security is the category that ignores preferences, quiet hours and caps.
const Security = "security"

// QuietHours is a daily window, in the person's time zone, when non-urgent
// messages wait. Start after End means the window spans midnight.
type QuietHours struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// Preferences are a person's choices about notifications.
type Preferences struct {
	// Channels maps a category to the channels that are on.
	Channels   map[string]map[string]bool `json:"channels"`
	QuietHours *QuietHours                `json:"quietHours,omitempty"`
	// DailyCap limits messages per channel per day; more stay in the inbox only.
	DailyCap map[string]int `json:"dailyCap"`
	Version  int64          `json:"version"`
}

// DefaultPreferences are what a person has before choosing.
func DefaultPreferences() Preferences {
	p := Preferences{Channels: map[string]map[string]bool{}, DailyCap: map[string]int{Email: 20, SMS: 5, Push: 30}}
	for _, c := range Categories {
		p.Channels[c] = map[string]bool{Email: true, SMS: false, Push: true}
	}
	for _, c := range []string{"applications", "appointments", "payments", "reminders"} {
		p.Channels[c][SMS] = true
	}
	p.Channels["news"][Push] = false
	return p
}

// Enabled reports whether a category goes out on a channel.
func (p Preferences) Enabled(category, channel string) bool {
	if category == Security {
		return true
	}
	return p.Channels[category][channel]
}

func clockMinutes(s string) (int, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// QuietUntil returns when the quiet window containing now (in loc) ends, or
// the zero time when now is outside it.
func (p Preferences) QuietUntil(now time.Time, loc *time.Location) time.Time {
	if p.QuietHours == nil {
		return time.Time{}
	}
	start, ok1 := clockMinutes(p.QuietHours.Start)
	end, ok2 := clockMinutes(p.QuietHours.End)
	if !ok1 || !ok2 || start == end {
		return time.Time{}
	}
	local := now.In(loc)
	m := local.Hour()*60 + local.Minute()
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	at := func(day time.Time, minutes int) time.Time { return day.Add(time.Duration(minutes) * time.Minute) }
	switch {
	case start < end && m >= start && m < end:
		return at(midnight, end)
	case start > end && m >= start:
		return at(midnight.AddDate(0, 0, 1), end)
	case start > end && m < end:
		return at(midnight, end)
	}
	return time.Time{}
}

// Validate names every invalid choice.
func (p Preferences) Validate() error {
	var fields []problem.Field
	known := map[string]bool{}
	for _, c := range Categories {
		known[c] = true
	}
	cats := make([]string, 0, len(p.Channels))
	for c := range p.Channels {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	for _, c := range cats {
		switch {
		case c == Security:
			fields = append(fields, problem.Field{Field: "channels." + c, Code: "category.locked", Message: "Уведомления о безопасности отключить нельзя"})
		case !known[c]:
			fields = append(fields, problem.Field{Field: "channels." + c, Code: "category.unknown", Message: "Неизвестная категория уведомлений"})
		default:
			for ch := range p.Channels[c] {
				if ch != Email && ch != SMS && ch != Push {
					fields = append(fields, problem.Field{Field: "channels." + c + "." + ch, Code: "channel.unknown", Message: "Канал: email, sms или push"})
				}
			}
		}
	}
	if q := p.QuietHours; q != nil {
		if _, ok := clockMinutes(q.Start); !ok {
			fields = append(fields, problem.Field{Field: "quietHours.start", Code: "time.format", Message: "Время в формате ЧЧ:ММ, например 22:00"})
		}
		if _, ok := clockMinutes(q.End); !ok {
			fields = append(fields, problem.Field{Field: "quietHours.end", Code: "time.format", Message: "Время в формате ЧЧ:ММ, например 08:00"})
		}
		if q.Start == q.End && q.Start != "" {
			fields = append(fields, problem.Field{Field: "quietHours", Code: "quiet.empty", Message: "Начало и конец тихих часов совпадают"})
		}
	}
	for ch, n := range p.DailyCap {
		if ch != Email && ch != SMS && ch != Push {
			fields = append(fields, problem.Field{Field: "dailyCap." + ch, Code: "channel.unknown", Message: "Канал: email, sms или push"})
		} else if n < 1 || n > 100 {
			fields = append(fields, problem.Field{Field: "dailyCap." + ch, Code: "cap.range", Message: "Дневной лимит — от 1 до 100 сообщений"})
		}
	}
	if len(fields) > 0 {
		return problem.Invalid(fields...)
	}
	return nil
}

// kindPrefs is the Kind of the preferences item.
const kindPrefs = "prefs"

type prefsItem struct {
	PK         string                     `dynamodbav:"PK"`
	SK         string                     `dynamodbav:"SK"`
	Kind       string                     `dynamodbav:"Kind"`
	Channels   map[string]map[string]bool `dynamodbav:"Channels"`
	QuietHours *QuietHours                `dynamodbav:"QuietHours,omitempty"`
	DailyCap   map[string]int             `dynamodbav:"DailyCap"`
	V          int64                      `dynamodbav:"V"`
	UpdatedAt  string                     `dynamodbav:"UpdatedAt"`
}

// Preferences returns a person's preferences, filled from the defaults.
func (s *Store) Preferences(ctx context.Context, sub string) (Preferences, error) {
	var it prefsItem
	err := s.DB.Get(ctx, dynamo.PrefsKey(sub), "настройки уведомлений", &it)
	p := DefaultPreferences()
	if problem.Is(err, problem.KindNotFound) {
		return p, nil
	}
	if err != nil {
		return p, err
	}
	for c, chans := range it.Channels {
		p.Channels[c] = chans
	}
	for ch, n := range it.DailyCap {
		p.DailyCap[ch] = n
	}
	p.QuietHours, p.Version = it.QuietHours, it.V
	return p, nil
}

// SetPreferences saves preferences read at version ifVersion; a stale write
// is refused with 409 stale_version and changes nothing. The preferences
// service also journals the change; this is the bare write (seeding, tests).
func (s *Store) SetPreferences(ctx context.Context, sub string, p Preferences, ifVersion int64, now time.Time) (Preferences, error) {
	tx := &dynamo.Tx{}
	if err := putPreferences(tx, sub, p, ifVersion, now); err != nil {
		return Preferences{}, err
	}
	if err := s.DB.Transact(ctx, "", tx); err != nil {
		return Preferences{}, fmt.Errorf("save preferences: %w", staleVersion(err))
	}
	return s.Preferences(ctx, sub)
}

// putPreferences adds to tx the write of preferences read at version
// ifVersion (0: never saved): the item must still be at that version, the
// If-Match condition of PUT /notifications/preferences.
func putPreferences(tx *dynamo.Tx, sub string, p Preferences, ifVersion int64, now time.Time) error {
	if err := p.Validate(); err != nil {
		return err
	}
	cond := expression.AttributeNotExists(expression.Name(dynamo.AttrPK))
	if ifVersion > 0 {
		cond = expression.Name(dynamo.AttrVersion).Equal(expression.Value(ifVersion))
	}
	upd := expression.Set(expression.Name(dynamo.AttrKind), expression.Value(kindPrefs)).
		Set(expression.Name("Channels"), expression.Value(p.Channels)).
		Set(expression.Name("DailyCap"), expression.Value(p.DailyCap)).
		Set(expression.Name(dynamo.AttrVersion), expression.Value(ifVersion+1)).
		Set(expression.Name("UpdatedAt"), expression.Value(now.UTC().Format(time.RFC3339)))
	if p.QuietHours != nil {
		upd = upd.Set(expression.Name("QuietHours"), expression.Value(p.QuietHours))
	} else {
		upd = upd.Remove(expression.Name("QuietHours"))
	}
	tx.Update(dynamo.PrefsKey(sub), upd, &cond)
	return nil
}

// staleVersion names a failed version condition as such.
func staleVersion(err error) error {
	if pe, ok := problem.As(err); ok && pe.Kind == problem.KindConflict {
		return problem.Wrap(err, problem.KindConflict, "stale_version",
			"Данные изменились после того, как вы их открыли. Обновите страницу и повторите")
	}
	return err
}
