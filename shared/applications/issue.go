package applications

import (
	"context"
	"fmt"
	"time"

	"github.com/kabinet/kabinet/shared/catalog"
	"github.com/kabinet/kabinet/shared/issued"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/problem"
)

// issue makes the result document of an application being completed.
func (s *Service) issue(ctx context.Context, it appItem, comment string, now time.Time) (*issued.Result, error) {
	if s.Issuer == nil {
		return nil, problem.Internal(fmt.Errorf("applications: no issuer configured"))
	}
	p, err := s.Profiles.Autofill(ctx, it.Sub)
	if err != nil {
		return nil, err
	}
	field := func(name string) string { v, _ := p[name].(string); return v }
	svc, _ := catalog.Get(it.Service)
	return s.Issuer.Issue(ctx, issued.Request{
		Sub: it.Sub, ApplicationID: it.ID, ApplicationNumber: it.Number, SubmittedAt: parse(it.SubmittedAt),
		Service: it.Service, ServiceTitle: svc.Title, DepartmentTitle: departmentTitle(it, svc),
		Applicant: issued.Applicant{Surname: field("surname"), Name: field("name"), Patronymic: field("patronymic"),
			BirthDate: field("birthDate"), SNILS: field("snils")},
		Decision: comment, IssuedAt: now,
	})
}

// discard deletes the file of a result whose completion did not commit. An
// error from the transaction does not prove that: a timeout may come after
// DynamoDB committed, so a file the application now points to stays.
func (s *Service) discard(ctx context.Context, it appItem, r *issued.Result) {
	now, err := s.table().app(ctx, it.Sub, it.ID)
	if err != nil {
		// Unknown: an unlisted file is harmless, a listed one without its
		// file is not. Keep it.
		logging.From(ctx).Error("result file kept: cannot tell whether it was recorded", "application", it.ID, "err", err)
		return
	}
	if now.ResultDoc == r.DocumentID {
		return
	}
	if err := s.Issuer.Discard(ctx, r); err != nil {
		logging.From(ctx).Error("unrecorded result file not deleted", "application", it.ID, "err", err)
	}
}

// Verify tells anyone whether an issued document is genuine, by the code
// printed on it; with the file, also whether the file is the one issued.
// NotFound for an unknown code, Invalid for a malformed one.
func (s *Service) Verify(ctx context.Context, code string, file []byte) (issued.Verification, error) {
	if s.Issuer == nil {
		return issued.Verification{}, problem.Internal(fmt.Errorf("applications: no issuer configured"))
	}
	return s.Issuer.Verify(ctx, code, file)
}
