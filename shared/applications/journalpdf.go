package applications

import (
	"context"
	"fmt"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/problem"
)

// Printer renders an application's status journal as a file
// (applications/journalpdf prints it as a PDF), so a function that only
// reads applications does not link the PDF library.
type Printer interface {
	// Journal returns the file's name and content for a card with its
	// journal, printed at now.
	Journal(a App, now time.Time) (name string, file []byte, err error)
}

// JournalPDF renders the status journal of one of the actor's applications
// as a PDF in Russian, times in Moscow time. Another user's application is
// NotFound.
func (s *Service) JournalPDF(ctx context.Context, ac actor.Actor, id string) (name string, pdf []byte, err error) {
	it, err := s.table().app(ctx, ac.Sub, id)
	if err != nil {
		return "", nil, err
	}
	a, err := s.card(ctx, it, RoleCitizen, false)
	if err != nil {
		return "", nil, err
	}
	if s.Printer == nil {
		return "", nil, problem.Internal(fmt.Errorf("applications: no printer configured"))
	}
	return s.Printer.Journal(a, s.Clock.Now())
}
