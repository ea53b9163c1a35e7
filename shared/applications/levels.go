package applications

import (
	"context"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/catalog"
	"github.com/kabinet/kabinet/shared/problem"
)

// requireLevel refuses a service above the level sub's account has now:
// 403 level_too_low, with the level needed in requiredLevel. The level is
// the account's, so that a level raised a minute ago counts although the
// person's token still says the old one.
func (s *Service) requireLevel(ctx context.Context, sub string, svc catalog.Service) error {
	got, err := s.Profiles.Level(ctx, sub)
	if err != nil {
		return err
	}
	need := accounts.Level(svc.Level)
	if got.AtLeast(need) {
		return nil
	}
	detail := "Для этой услуги нужна " + need.Name() + " учётная запись"
	if name := got.Name(); name != "" {
		detail += ", а ваша — " + name
	}
	return problem.New(problem.KindForbidden, "level_too_low", detail).With("requiredLevel", svc.Level)
}
