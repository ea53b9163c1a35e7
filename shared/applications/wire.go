package applications

import (
	"context"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
)

// This file wires the service to shared/accounts as that package is today;
// it goes once accounts provides Profiles (Autofill and Level) itself.

// ForAccounts is the service over the identity service's sealer, profiles,
// signing codes, inbox and journal (no issuer), as the profile function and
// the demo data wire it.
func ForAccounts(db *dynamo.Store, acc *accounts.Service, c clock.Clock) *Service {
	s := &Service{DB: db, Sealer: acc.Sealer, Profiles: ProfilesOf(acc), Signatures: acc, Clock: c}
	// Typed nils would make non-nil interfaces.
	if acc.Inbox != nil {
		s.Inbox = acc.Inbox
	}
	if acc.Journal != nil {
		s.Journal = acc.Journal
	}
	return s
}

// ProfilesOf adapts the identity service to Profiles: the level is read
// from the account item (accounts.Service.Get), never from a token.
func ProfilesOf(acc *accounts.Service) Profiles { return accountLevels{acc} }

type accountLevels struct{ *accounts.Service }

func (a accountLevels) Level(ctx context.Context, sub string) (accounts.Level, error) {
	acc, err := a.Get(ctx, sub)
	if err != nil {
		return "", err
	}
	return acc.Level, nil
}
