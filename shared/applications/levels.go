package applications

import (
	"context"

	"github.com/kabinet/kabinet/shared/catalog"
	"github.com/kabinet/kabinet/shared/problem"
)

// levelRank orders the account levels, from the weakest.
var levelRank = map[string]int{catalog.LevelSimplified: 1, catalog.LevelStandard: 2, catalog.LevelConfirmed: 3}

// requireLevel refuses a service above the level sub's account has now.
// The level is the account's: an actor carries none.
func (s *Service) requireLevel(ctx context.Context, sub string, svc catalog.Service) error {
	level, err := s.Accounts.Level(ctx, sub)
	if err != nil {
		return err
	}
	if levelRank[level] < levelRank[svc.Level] {
		return problem.Forbidden("Для этой услуги нужна " + map[string]string{"standard": "стандартная", "confirmed": "подтверждённая"}[svc.Level] + " учётная запись")
	}
	return nil
}
