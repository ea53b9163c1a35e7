package applications

import (
	"context"
	"time"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/issued"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/payments"
)

// Sealer seals form answers at rest; the context is bound to the sealed
// text (Open with another context fails).
type Sealer interface {
	Seal(ctx context.Context, plaintext []byte, context map[string]string) (string, error)
	Open(ctx context.Context, sealed string, context map[string]string) ([]byte, error)
}

// Profiles is what applications need of a person's account.
type Profiles interface {
	// Autofill returns the profile's values under the names service forms
	// autofill from (surname, passport.series, ...). NotFound without an
	// account.
	Autofill(ctx context.Context, sub string) (map[string]any, error)
	// Level returns the account's level as it is now (simplified, standard
	// or confirmed) — read from the account, not from a token, which keeps
	// the level it was issued with until its refresh. NotFound without an
	// account.
	Level(ctx context.Context, sub string) (accounts.Level, error)
}

// Signatures confirm a submission by a one-time code (SMS or authenticator)
// where the service asks for a signature.
type Signatures interface {
	// StartSignature sends (or, for an authenticator, announces) a code that
	// signs content of the document docID at version. TooManyRequests
	// within the resend cooldown.
	StartSignature(ctx context.Context, sub, docID string, version int64, content string) (accounts.SignaturePending, error)
	// CheckSignature checks a code and returns what uses it up, to be added
	// to the transaction that acts on the signature. Invalid for a missing
	// or wrong code (attemptsLeft), Conflict signature_stale when the code
	// signed another version or content.
	CheckSignature(ctx context.Context, sub, docID string, version int64, content, code string) (func(*dynamo.Tx), error)
}

// Inbox puts notes in a person's inbox, in the transaction of the change
// they report.
type Inbox interface {
	// Add adds the note and its deliveries to tx; it fails only for an
	// unknown note type or unrenderable variables.
	Add(tx *dynamo.Tx, n inbox.Note, now time.Time) (string, error)
}

// Journal appends to a person's activity journal.
type Journal interface {
	// Append writes the next entry. Invalid for a malformed entry,
	// Unavailable when the journal stays contended.
	Append(ctx context.Context, sub string, e journal.Entry) (journal.Entry, error)
	// Commit writes the change change adds to a transaction together with
	// the entry it returns, calling it again (to read again) when the
	// transaction fails on a condition or a moved head. change's errors;
	// Invalid for a malformed entry, Unavailable when contended.
	Commit(ctx context.Context, sub string, change func(ctx context.Context, tx *dynamo.Tx) (journal.Entry, error)) (journal.Entry, error)
}

// Issuer makes the result document of a completed application and checks
// issued documents for anyone.
type Issuer interface {
	// Issue renders, stores and signs the document; nothing is recorded
	// until the caller adds Result.Record to its transaction.
	Issue(ctx context.Context, r issued.Request) (*issued.Result, error)
	// Discard deletes the file of a result whose transaction failed.
	Discard(ctx context.Context, r *issued.Result) error
	// Verify looks a document up by its code (NotFound; Invalid for a
	// malformed code) and, with the file, checks that it is unaltered.
	Verify(ctx context.Context, code string, file []byte) (issued.Verification, error)
}

// Reads record the reads of a person's data by others in their access log
// (accesslog.Log).
type Reads interface {
	// Record writes the read before the data leaves the service; an error
	// means it could not, and the data must not leave.
	Record(ctx context.Context, r accesslog.Read) error
}

// Duties charge the state duty of a service with a fee (payments.Charges).
type Duties interface {
	// DutyTx adds the duty's charge to the submission's transaction and
	// returns its УИН.
	DutyTx(ctx context.Context, tx *dynamo.Tx, d payments.Duty, now time.Time) (string, error)
	// CancelDutyTx adds the cancellation of an unpaid duty to tx; Conflict
	// while it is being paid.
	CancelDutyTx(ctx context.Context, tx *dynamo.Tx, sub, uin, reason string, now time.Time) error
	// Duties are the states of duties by УИН.
	Duties(ctx context.Context, uins []string) (map[string]payments.DutyState, error)
}

// ChargeRequests are the charge's side of requests about a charge
// (payments.Charges; requests.go there): each adds its writes to the
// transaction of the application's own move.
type ChargeRequests interface {
	// OpenRequestTx checks a submitted request and marks its charge.
	// Invalid naming the form's fields, Conflict request_open and the
	// charge's conflicts.
	OpenRequestTx(ctx context.Context, tx *dynamo.Tx, r payments.ChargeRequest, now time.Time) (payments.Opened, error)
	// DecideRequestTx adds what approving it does. Invalid for a bad
	// decision, Conflict when the charge no longer allows it.
	DecideRequestTx(ctx context.Context, tx *dynamo.Tx, ref payments.RequestRef, d *payments.Decision, now time.Time) (payments.Decided, error)
	// PayoutTx ends a refund paid out. Conflict request_not_open.
	PayoutTx(ctx context.Context, tx *dynamo.Tx, ref payments.RequestRef, now time.Time) error
	// CloseRequestTx ends a request withdrawn or refused, and says what
	// the applicant is told.
	CloseRequestTx(ctx context.Context, tx *dynamo.Tx, ref payments.RequestRef, outcome string, now time.Time) (string, error)
	// RequestCharge is the charge as the application shows it. NotFound.
	RequestCharge(ctx context.Context, sub, typ, uin string) (payments.RequestCharge, error)
	// SyncCharge brings the other holders' links of the charge up to date
	// after a move committed.
	SyncCharge(ctx context.Context, uin string)
}

var (
	_ Duties         = (*payments.Charges)(nil)
	_ ChargeRequests = (*payments.Charges)(nil)
	_ Sealer         = accounts.Sealer(nil)
	_ Signatures     = (*accounts.Signatures)(nil)
	_ Profiles       = (*accounts.Profiles)(nil)
	_ Inbox          = (*inbox.Store)(nil)
	_ Journal        = (*journal.Journal)(nil)
	_ Issuer         = (*issued.Service)(nil)
	_ Reads          = (*accesslog.Log)(nil)
)

// Service runs applications: a citizen's drafts, submissions and moves on
// their own applications, and the officers' queue and moves on their
// department's. Every method takes the acting identity and enforces its
// rules itself.
type Service struct {
	DB       *dynamo.Store
	Sealer   Sealer
	Profiles Profiles
	// Signatures sign submissions of services that need it.
	Signatures Signatures
	Inbox      Inbox
	// Journal records the citizen's submissions and, with the change
	// itself, the officers' status changes in the activity journal (nil:
	// not recorded).
	Journal Journal
	Clock   clock.Clock
	// Issuer makes the result document when an officer completes an
	// application (nil: completing is refused).
	Issuer Issuer
	// Printer prints the journal PDF (nil: refused).
	Printer Printer
	// Duties charge the state duty of services with a fee (nil: none is
	// charged).
	Duties Duties
	// Requests are the charge's side of requests about a charge (nil:
	// such services are refused at submission).
	Requests ChargeRequests
	// Reads record an officer's opening of an application in the
	// applicant's access log (nil: officers cannot open applications).
	Reads Reads
}

// journal appends to sub's activity journal. A failure is logged, not
// returned: the change it records has committed.
func (s *Service) journal(ctx context.Context, sub string, e journal.Entry) {
	if s.Journal == nil {
		return
	}
	if _, err := s.Journal.Append(ctx, sub, e); err != nil {
		logging.From(ctx).Error("journal entry not written", "type", e.Type, "err", err)
	}
}
