package settings

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo/dynamotest"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/problem"
)

func newService(t *testing.T) (*Service, *journal.Journal) {
	t.Helper()
	db := dynamotest.NewStore(t)
	c := clock.NewManual(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	j := &journal.Journal{DB: db, Key: journal.StaticKey(bytes.Repeat([]byte("k"), 32)), Clock: c}
	s, err := NewService(db, j, c)
	if err != nil {
		t.Fatal(err)
	}
	return s, j
}

// Every change of the settings is in the person's activity journal, written
// with it; a stale or invalid save changes nothing and journals nothing.
func TestUpdateJournalsEveryChange(t *testing.T) {
	ctx := context.Background()
	s, j := newService(t)
	me := actor.Actor{Sub: "alice", IP: "203.0.113.9"}
	got, err := s.Update(ctx, me, Settings{TimeZone: "Asia/Yekaterinburg", Locale: "ru"}, 0)
	if err != nil || got.Version != 1 || got.TimeZone != "Asia/Yekaterinburg" {
		t.Fatalf("first save = %+v, %v; want version 1 in Asia/Yekaterinburg", got, err)
	}
	if got, err = s.Update(ctx, me, Settings{TimeZone: "Europe/Moscow", Locale: "en"}, 1); err != nil || got.Version != 2 {
		t.Fatalf("second save = %+v, %v; want version 2", got, err)
	}
	if _, err := s.Update(ctx, me, Settings{TimeZone: "Asia/Omsk", Locale: "ru"}, 1); problem.CodeOf(err) != "stale_version" {
		t.Errorf("a save at version 1 after version 2 = %v, want 409 stale_version", err)
	}
	if _, err := s.Update(ctx, me, Settings{TimeZone: "Mars/Olympus", Locale: "ru"}, 2); !problem.Is(err, problem.KindInvalid) {
		t.Errorf("an unknown zone = %v, want 422", err)
	}
	// The same settings again: a new version, nothing to journal.
	if got, err = s.Update(ctx, me, Settings{TimeZone: "Europe/Moscow", Locale: "en"}, 2); err != nil || got.Version != 3 {
		t.Errorf("an unchanged save = %+v, %v; want version 3", got, err)
	}
	if stored, err := s.Get(ctx, me); err != nil || stored.Version != 3 || stored.Locale != "en" {
		t.Errorf("stored = %+v, %v; want version 3 in English", stored, err)
	}
	entries, err := j.All(ctx, "alice", journal.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Изменены настройки: часовой пояс Europe/Moscow → Asia/Yekaterinburg",
		"Изменены настройки: часовой пояс Asia/Yekaterinburg → Europe/Moscow; язык интерфейса русский → английский",
	}
	if len(entries) != len(want) {
		t.Fatalf("journal = %+v, want %d entries", entries, len(want))
	}
	for i, w := range want {
		if e := entries[i]; e.Type != "settings.change" || e.Summary != w || e.Actor != "citizen" || e.ActorID != "" || e.IP != "203.0.113.9" {
			t.Errorf("entry %d = %+v, want %q by the citizen from 203.0.113.9", i+1, e, w)
		}
	}
}

// Settings are a person's own: nobody without an account of their own has
// any, and an officer's are theirs as a citizen's are.
func TestSettingsAreTheActorsOwn(t *testing.T) {
	ctx := context.Background()
	s, j := newService(t)
	for name, a := range map[string]actor.Actor{"the portal": actor.System(), "an agency's system": actor.Agency("gibdd", "client-1")} {
		if _, err := s.Get(ctx, a); !problem.Is(err, problem.KindUnauthenticated) {
			t.Errorf("Get by %s = %v, want 401", name, err)
		}
		if _, err := s.Update(ctx, a, Defaults(), 0); !problem.Is(err, problem.KindUnauthenticated) {
			t.Errorf("Update by %s = %v, want 401", name, err)
		}
	}
	officer := actor.Actor{Sub: "officer-1", Groups: []string{actor.GroupOfficers}, Department: "mvd"}
	if _, err := s.Update(ctx, officer, Settings{TimeZone: "Asia/Omsk", Locale: "ru"}, 0); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, actor.Citizen("someone-else")); got.Version != 0 {
		t.Errorf("another person's settings = %+v, want the defaults", got)
	}
	if entries, _ := j.All(ctx, "officer-1", journal.Filter{}); len(entries) != 1 || entries[0].Actor != "citizen" {
		t.Errorf("the officer's journal = %+v, want their own change as the citizen", entries)
	}
}

func TestNewServiceNamesWhatIsMissing(t *testing.T) {
	if _, err := NewService(nil, nil, clock.System{}); err == nil || err.Error() != "settings: Service needs DB, Journal" {
		t.Errorf("NewService without a table and a journal = %v, want an error naming them", err)
	}
}
