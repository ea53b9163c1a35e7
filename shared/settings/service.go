package settings

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/journal"
)

// Service is a person's own settings: reading them, and replacing them at
// the version the person read, each change recorded in their activity
// journal in the same write.
type Service struct {
	store   *Store
	journal *journal.Journal
	clock   clock.Clock
}

// NewService needs the table, the activity journal and a clock.
func NewService(db *dynamo.Store, j *journal.Journal, c clock.Clock) (*Service, error) {
	var missing []string
	for _, d := range []struct {
		name string
		ok   bool
	}{{"DB", db != nil}, {"Journal", j != nil}, {"Clock", c != nil}} {
		if !d.ok {
			missing = append(missing, d.name)
		}
	}
	if len(missing) > 0 {
		return nil, errors.New("settings: Service needs " + strings.Join(missing, ", "))
	}
	return &Service{store: NewStore(db), journal: j, clock: c}, nil
}

// Get returns the actor's settings, the defaults (version 0) if never
// saved. Unauthenticated for anyone without an account of their own.
func (s *Service) Get(ctx context.Context, a actor.Actor) (Settings, error) {
	sub, err := a.OwnAccount()
	if err != nil {
		return Settings{}, err
	}
	return s.store.Get(ctx, sub)
}

// Update replaces the actor's settings read at version ifVersion with
// next (its TimeZone and Locale). A change is journaled with the write; the
// same settings saved again change only the version. Errors: Invalid naming
// every bad field; Conflict stale_version when someone saved since the
// person read them (nothing changes); Unauthenticated for anyone without an
// account of their own.
func (s *Service) Update(ctx context.Context, a actor.Actor, next Settings, ifVersion int64) (Settings, error) {
	sub, err := a.OwnAccount()
	if err != nil {
		return Settings{}, err
	}
	if err := next.Validate(); err != nil {
		return Settings{}, err
	}
	saved := Settings{TimeZone: next.TimeZone, Locale: next.Locale, Version: ifVersion + 1,
		UpdatedAt: s.clock.Now().UTC().Truncate(time.Second)}
	_, err = s.journal.Commit(ctx, sub, func(ctx context.Context, tx *dynamo.Tx) (journal.Entry, error) {
		// Read on every attempt: a save made meanwhile makes this one stale.
		cur, err := s.store.Get(ctx, sub)
		if err != nil {
			return journal.Entry{}, err
		}
		if cur.Version != ifVersion {
			return journal.Entry{}, stale()
		}
		changes := describe(cur, saved)
		if len(changes) == 0 {
			// Nothing to journal: saved as it was, at the next version.
			return journal.Entry{}, errUnchanged
		}
		put(tx, sub, saved)
		role, id := journal.By(a, sub)
		return journal.Entry{Type: journal.TypeSettings, Summary: "Изменены настройки: " + strings.Join(changes, "; "),
			IP: a.IP, Actor: role, ActorID: id}, nil
	})
	if errors.Is(err, errUnchanged) {
		return s.store.Put(ctx, sub, saved, ifVersion, saved.UpdatedAt)
	}
	if err != nil {
		return Settings{}, fmt.Errorf("save settings: %w", err)
	}
	return saved, nil
}

// errUnchanged stops a commit that would journal nothing.
var errUnchanged = errors.New("settings unchanged")

// localeNames are the interface languages as the journal names them.
var localeNames = map[string]string{"ru": "русский", "en": "английский"}

// describe says, in Russian, what differs between two settings.
func describe(was, now Settings) []string {
	var out []string
	if was.TimeZone != now.TimeZone {
		out = append(out, "часовой пояс "+was.TimeZone+" → "+now.TimeZone)
	}
	if was.Locale != now.Locale {
		out = append(out, "язык интерфейса "+localeNames[was.Locale]+" → "+localeNames[now.Locale])
	}
	return out
}
