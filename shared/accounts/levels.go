package accounts

import (
	"context"
	"fmt"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/personaldata"
	"github.com/kabinet/kabinet/shared/problem"
)

// LevelChange is a registrar's record of an identity check.
type LevelChange struct {
	Level  Level  `json:"level"`
	Method string `json:"method"`
}

// LevelMethods are the ways a level is reached.
var LevelMethods = map[Level][]string{
	LevelStandard:  {"registry_check"},
	LevelConfirmed: {"in_person", "bank", "esignature"},
}

var levelNames = map[Level]string{LevelSimplified: "упрощённая", LevelStandard: "стандартная", LevelConfirmed: "подтверждённая"}

var levelRank = map[Level]int{LevelSimplified: 1, LevelStandard: 2, LevelConfirmed: 3}

// AtLeast reports whether l is level want or higher.
func (l Level) AtLeast(want Level) bool { return levelRank[l] >= levelRank[want] }

// Name is the level as a person reads it ("подтверждённая").
func (l Level) Name() string { return levelNames[l] }

// SetLevel records that a registrar checked an account's identity. Only
// registrars may, never on their own account; levels only rise. The level
// and the journal entry saying which registrar raised it are one write;
// the user pool's copy of the level (custom:level) follows, and a failure
// there is logged, not returned: the portal reads the level from the
// account.
func (s *Levels) SetLevel(ctx context.Context, a actor.Actor, sub string, c LevelChange) error {
	if err := a.RequireRegistrar(); err != nil {
		return err
	}
	if err := a.NotSelf(sub); err != nil {
		return err
	}
	methods, known := LevelMethods[c.Level]
	if !known {
		return problem.Invalid(problem.Field{Field: "level", Code: "level.unknown", Message: "Уровень: standard или confirmed"})
	}
	ok := false
	for _, m := range methods {
		ok = ok || m == c.Method
	}
	if !ok {
		return problem.Invalid(problem.Field{Field: "method", Code: "level.method",
			Message: "Уровень standard подтверждается проверкой в реестрах (registry_check), confirmed — лично, через банк или электронной подписью (in_person, bank, esignature)"})
	}
	var username string
	_, err := s.Journal.Commit(ctx, sub, func(ctx context.Context, tx *dynamo.Tx) (journal.Entry, error) {
		// Read on every attempt: a level raised meanwhile is the answer.
		acc, err := s.account(ctx, sub)
		if err != nil {
			return journal.Entry{}, err
		}
		if Level(acc.Level).AtLeast(c.Level) {
			return journal.Entry{}, problem.Conflict("level_not_higher", "Учётная запись уже имеет этот или более высокий уровень")
		}
		username = acc.Username
		upd, cond := levelUpdate(acc.Level, c, a.Sub, s.now())
		tx.Update(dynamo.AccountKey(sub), upd, &cond)
		// The check reads the person's identity data: in their access log,
		// with the change.
		if err := s.Reads.RecordTx(tx, accesslog.Read{Owner: sub, By: a, Categories: []personaldata.Category{personaldata.Personal,
			personaldata.Passport, personaldata.SNILS}, Reason: accesslog.ForIdentityCheck(c.Level.Name())}); err != nil {
			return journal.Entry{}, err
		}
		return entry(a, sub, journal.TypeLevel, "Личность подтверждена сотрудником центра обслуживания: уровень учётной записи — "+c.Level.Name()), nil
	})
	if err != nil {
		return err
	}
	if err := s.Users.SetAttributes(ctx, username, map[string]string{"custom:level": string(c.Level)}); err != nil {
		logging.From(ctx).Error("user pool level attribute not set", "err", err)
	}
	s.payers(ctx, func(h PayerHook) error { return h.IdentityChecked(ctx, sub) })
	return nil
}

// Level is an account's level as it is now (not as a token issued earlier
// says).
func (s *Profiles) Level(ctx context.Context, sub string) (Level, error) {
	acc, err := s.account(ctx, sub)
	if err != nil {
		return "", err
	}
	return Level(acc.Level), nil
}

// PayerKeys are what finds the charges posted for a person by their SNILS
// and INN: the blind-index hashes of each ("" when the account has none)
// and the account's level, since a SNILS or an INN typed at registration
// is only the person's once the level is standard.
type PayerKeys struct {
	Level     Level
	SNILSHash string
	INNHash   string
}

// PayerKeys reads a person's payer keys. NotFound without an account.
func (s *Profiles) PayerKeys(ctx context.Context, sub string) (PayerKeys, error) {
	acc, err := s.account(ctx, sub)
	if err != nil {
		return PayerKeys{}, err
	}
	return PayerKeys{Level: Level(acc.Level), SNILSHash: acc.SNILSHash, INNHash: acc.INNHash}, nil
}

// HolderOf is the account that claimed a SNILS or an INN (kind "snils" or
// "inn", by its blind-index hash), with its level. NotFound when nobody
// did.
func (s *Profiles) HolderOf(ctx context.Context, kind, hash string) (string, Level, error) {
	if kind != uniqueSNILS && kind != uniqueINN {
		return "", "", fmt.Errorf("accounts: HolderOf %q", kind)
	}
	var u uniqueItem
	if err := s.DB.Get(ctx, dynamo.UniqueKey(kind, hash), "учётная запись", &u); err != nil {
		return "", "", err
	}
	acc, err := s.account(ctx, u.Owner)
	if err != nil {
		return "", "", err
	}
	return acc.Sub, Level(acc.Level), nil
}

// FullName is a person's name as their account holds it.
type FullName struct {
	Surname, Name, Patronymic string
}

// FullName reads a person's name (no sealed field is opened). NotFound
// without an account.
func (s *Profiles) FullName(ctx context.Context, sub string) (FullName, error) {
	acc, err := s.account(ctx, sub)
	if err != nil {
		return FullName{}, err
	}
	return FullName{Surname: acc.Surname, Name: acc.Name, Patronymic: acc.Patronymic}, nil
}
