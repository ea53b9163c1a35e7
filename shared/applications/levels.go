package applications

import (
	"context"

	"github.com/kabinet/kabinet/shared/catalog"
	"github.com/kabinet/kabinet/shared/problem"
)

// levelRank orders the account levels, from the weakest.
var levelRank = map[string]int{catalog.LevelSimplified: 1, catalog.LevelStandard: 2, catalog.LevelConfirmed: 3}

// levelNames are the levels as a citizen reads them (feminine: "учётная
// запись").
var levelNames = map[string]string{
	catalog.LevelSimplified: "упрощённая", catalog.LevelStandard: "стандартная", catalog.LevelConfirmed: "подтверждённая",
}

// requireLevel refuses a service above the level sub's account has now:
// 403 level_too_low, with the level needed in requiredLevel. The level is
// the account's, so that a level raised a minute ago counts although the
// person's token still says the old one.
func (s *Service) requireLevel(ctx context.Context, sub string, svc catalog.Service) error {
	got, err := s.Profiles.Level(ctx, sub)
	if err != nil {
		return err
	}
	level := string(got)
	if levelRank[level] >= levelRank[svc.Level] {
		return nil
	}
	detail := "Для этой услуги нужна " + levelNames[svc.Level] + " учётная запись"
	if name, ok := levelNames[level]; ok {
		detail += ", а ваша — " + name
	}
	return problem.New(problem.KindForbidden, "level_too_low", detail).With("requiredLevel", svc.Level)
}
