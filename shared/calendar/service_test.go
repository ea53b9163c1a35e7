package calendar

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/dynamo/dynamotest"
	"github.com/kabinet/kabinet/shared/problem"
)

var now = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func newService(t *testing.T) (*Service, *dynamo.Store) {
	t.Helper()
	db := dynamotest.NewStore(t)
	s, err := NewService(Deps{DB: db, Clock: clock.NewManual(now)})
	if err != nil {
		t.Fatal(err)
	}
	return s, db
}

func TestConstructorsNameWhatIsMissing(t *testing.T) {
	if _, err := NewService(Deps{}); err == nil || err.Error() != "calendar: Service needs DB, Clock" {
		t.Errorf("NewService(Deps{}) = %v", err)
	}
	if _, err := NewFeeds(Deps{DB: &dynamo.Store{}, Clock: clock.System{}}); err == nil || err.Error() != "calendar: Feeds needs Keys" {
		t.Errorf("NewFeeds without keys = %v", err)
	}
}

func TestAddListRemoveOwnItems(t *testing.T) {
	s, _ := newService(t)
	ctx, me, other := context.Background(), actor.Citizen("u1"), actor.Citizen("u2")
	e, err := s.Add(ctx, me, Item{Title: "  Забрать паспорт  ", Start: now.Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if e.Kind != KindOwn || e.Title != "Забрать паспорт" || e.ID == "" {
		t.Errorf("Add = %+v", e)
	}
	l, err := s.List(ctx, me, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if !l.From.Equal(now.Truncate(24*time.Hour)) || !l.To.Equal(l.From.Add(DefaultSpan)) || len(l.Items) != 1 || l.Items[0].ID != e.ID {
		t.Errorf("List = %+v", l)
	}
	if l, _ := s.List(ctx, other, time.Time{}, time.Time{}); len(l.Items) != 0 {
		t.Errorf("another person sees %+v", l.Items)
	}
	if err := s.Remove(ctx, other, e.ID); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("another person's Remove = %v, want NotFound", err)
	}
	if err := s.Remove(ctx, me, "garbage"); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("Remove(garbage) = %v, want NotFound", err)
	}
	if err := s.Remove(ctx, me, e.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(ctx, me, e.ID); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("a second Remove = %v, want NotFound", err)
	}
	if _, err := s.List(ctx, actor.Actor{}, time.Time{}, time.Time{}); !problem.Is(err, problem.KindUnauthenticated) {
		t.Errorf("List without a person = %v", err)
	}
}

func TestADepartmentsEntryIsNotRemovable(t *testing.T) {
	s, db := newService(t)
	e := Entry{ID: "1796112000-doc", Kind: KindExpiry, Title: "Истекает паспорт", Start: time.Unix(1796112000, 0), AllDay: true}
	tx := &dynamo.Tx{}
	Add(tx, "u1", e)
	if err := db.Transact(context.Background(), "", tx); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(context.Background(), actor.Citizen("u1"), e.ID); !problem.Is(err, problem.KindForbidden) {
		t.Errorf("Remove of an expiry = %v, want Forbidden", err)
	}
}

func TestAddNamesEveryBadField(t *testing.T) {
	s, _ := newService(t)
	neg, far := -1, 31*24*60
	cases := []struct {
		name string
		in   Item
		want []string
	}{
		{"empty title, no start", Item{}, []string{"title", "start"}},
		{"end before start", Item{Title: "x", Start: now.Add(time.Hour), End: now}, []string{"end"}},
		{"too far ahead", Item{Title: "x", Start: now.AddDate(6, 0, 0)}, []string{"start"}},
		{"in the past", Item{Title: "x", Start: now.AddDate(0, 0, -2)}, []string{"start"}},
		{"negative reminder", Item{Title: "x", Start: now.Add(time.Hour), RemindMinutesBefore: &neg}, []string{"remindMinutesBefore"}},
		{"reminder too early", Item{Title: "x", Start: now.Add(time.Hour), RemindMinutesBefore: &far}, []string{"remindMinutesBefore"}},
	}
	for _, c := range cases {
		_, err := s.Add(context.Background(), actor.Citizen("u1"), c.in)
		if got := problem.FieldNames(err); !slices.Equal(got, c.want) {
			t.Errorf("%s: fields %v (%v), want %v", c.name, got, err, c.want)
		}
	}
}

func TestPeriodDefaultsAndLimits(t *testing.T) {
	s, _ := newService(t)
	day := now.Truncate(24 * time.Hour)
	cases := []struct {
		name     string
		from, to time.Time
		want     []string
	}{
		{"defaults", time.Time{}, time.Time{}, nil},
		{"end before start", day.AddDate(0, 1, 0), day, []string{"to"}},
		{"from after the default end", day.AddDate(0, 4, 0), time.Time{}, []string{"to"}},
		{"longer than 400 days", day, day.AddDate(2, 0, 0), []string{"to"}},
	}
	for _, c := range cases {
		_, _, err := s.Period(c.from, c.to)
		if got := problem.FieldNames(err); !slices.Equal(got, c.want) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.want)
		}
	}
}
