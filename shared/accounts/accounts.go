// Package accounts is the portal's identity: registration with identity
// data, confirmation of the phone, account levels, sign-in with the portal's
// own rules (lockout, password policy and expiry, MFA), sessions, sign-in
// history and new-device alerts. Cognito checks passwords and issues tokens;
// everything the portal adds sits here, so it holds on every path.
//
// Passport, SNILS and INN are stored sealed (envelope encryption), and
// SNILS, phone and email are found and kept unique through a keyed hash (a
// blind index), never through the plain value.
package accounts

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/notify"
	"github.com/kabinet/kabinet/shared/password"
	"github.com/kabinet/kabinet/shared/sendlimit"
	"github.com/kabinet/kabinet/shared/sessions"
	"github.com/kabinet/kabinet/shared/vault"
)

// Level is how far the portal trusts an account's identity.
type Level string

// The account levels.
const (
	// LevelSimplified: the phone is confirmed.
	LevelSimplified Level = "simplified"
	// LevelStandard: SNILS and passport were checked against the registries.
	LevelStandard Level = "standard"
	// LevelConfirmed: identity confirmed in person, by a bank or by e-signature.
	LevelConfirmed Level = "confirmed"
)

// MFA methods.
const (
	MFANone = "none"
	MFASMS  = "sms"
	MFATOTP = "totp"
)

// Users is what the services need of the user pool (shared/cognito is its
// adapter to Cognito). A wrong password and an unknown user are both
// Unauthenticated; an existing username at CreateUser is a Conflict.
type Users interface {
	CreateUser(ctx context.Context, u NewUser) (string, error)
	DeleteUser(ctx context.Context, username string) error
	SignIn(ctx context.Context, username, password string) (SignInResult, error)
	Refresh(ctx context.Context, refreshToken string) (PoolTokens, error)
	Revoke(ctx context.Context, refreshToken string) error
	SetAttributes(ctx context.Context, username string, attrs map[string]string) error
	SetPassword(ctx context.Context, username, password string) error
}

// NewUser is a user to create in the pool, confirmed, with a permanent
// password.
type NewUser struct {
	Username   string
	Password   string
	Attributes map[string]string
}

// PoolTokens are what the pool returns for a completed sign-in.
type PoolTokens struct {
	AccessToken  string `json:"accessToken"`
	IDToken      string `json:"idToken"`
	RefreshToken string `json:"refreshToken,omitempty"`
	ExpiresIn    int32  `json:"expiresIn"`
}

// PoolChallenge is a sign-in the pool did not finish (MFA, new password).
type PoolChallenge struct {
	Name    string
	Session string
}

// SignInResult holds either tokens or a challenge.
type SignInResult struct {
	Tokens    *PoolTokens
	Challenge *PoolChallenge
}

// Sealer encrypts personal data at field level.
type Sealer interface {
	Seal(ctx context.Context, plaintext []byte, context map[string]string) (string, error)
	Open(ctx context.Context, sealed string, context map[string]string) ([]byte, error)
}

// SMS sends a text message.
type SMS interface {
	SMS(ctx context.Context, phone, text string) (string, error)
}

// Mail sends an email.
type Mail interface {
	Send(ctx context.Context, e notify.Email) (string, error)
}

// Limiter bounds the codes and messages sent to an address a caller names
// (sendlimit.Limiter): every send of the account services passes it first.
type Limiter interface {
	Allow(ctx context.Context, s sendlimit.Send) error
}

var _ Limiter = (*sendlimit.Limiter)(nil)

// Deps are what the account services are built on. Each function's main
// builds the clients it uses and fills the fields the services it serves
// need (each constructor names what it is missing); nothing here builds a
// client.
type Deps struct {
	DB *dynamo.Store
	// Users is the Cognito user pool (registration, sign-in, passwords).
	Users Users
	// Sealer seals passport, SNILS, INN, tokens and codes' data at rest.
	Sealer Sealer
	// Keys give the blind index and the one-time codes' key, read from
	// Secrets Manager on first use.
	Keys *vault.Keyring
	// Policy is the password policy (password.Seeds or password.NIST); a
	// zero one, which accepts any password, counts as missing.
	Policy password.Profile
	SMS    SMS
	Mail   Mail
	// Limiter bounds what is sent to each destination, address and account.
	Limiter Limiter
	// Sessions keeps the sign-in sessions.
	Sessions *sessions.Store
	// Inbox receives notices (security notices go out on every channel
	// whatever the person's preferences).
	Inbox *inbox.Store
	// Journal records what is done in the account. Levels and
	// ChangeRequests need it (a staff action commits with its entry); the
	// others record in it when it is set.
	Journal *journal.Journal
	Clock   clock.Clock
	// Payers learn of the identifiers charges are found by (nil: nobody
	// does, and charges reach people only by what payments itself holds).
	Payers PayerHook
	// Consents record the consent to process personal data given at
	// registration, as its own document, with the account.
	Consents ConsentRecorder
	// Reads record staff reads of a person's data in their access log: a
	// registrar's identity check, the change-request queue.
	Reads Reads
}

// Reads record the reads of a person's data by others (accesslog.Log).
type Reads interface {
	// RecordTx adds the read's record to a transaction of the reader's.
	RecordTx(tx *dynamo.Tx, r accesslog.Read) error
	// RecordAll records several reads before their data leaves.
	RecordAll(ctx context.Context, rs []accesslog.Read) error
}

var _ Reads = (*accesslog.Log)(nil)

// RegistrationConsent is the consent to process personal data a person
// gave on the registration form: the edition of its text, when and from
// where.
type RegistrationConsent struct {
	Version string
	At      time.Time
	IP      string
}

// ConsentRecorder records the registration consent (consents.Registration
// implements it; accounts does not depend on consents).
type ConsentRecorder interface {
	// CurrentVersion is the edition of the text a registration must agree to.
	CurrentVersion() string
	// RegistrationConsentTx adds the consent to the transaction that opens
	// the account.
	RegistrationConsentTx(tx *dynamo.Tx, sub string, c RegistrationConsent) error
}

// PayerHook is told, after the change commits, of what finds the charges
// posted for a person: a driver licence or a vehicle registration
// certificate recorded among their documents, and an identity checked (a
// SNILS and an INN count from the standard level). payments.Charges
// implements it; a failure is logged, the change stays.
type PayerHook interface {
	DocumentAdded(ctx context.Context, sub, docType, docID, number string) error
	DocumentRemoved(ctx context.Context, sub, docType, docID, number string) error
	IdentityChecked(ctx context.Context, sub string) error
}

// payers tells the hook with call, logging a failure.
func (s *core) payers(ctx context.Context, call func(PayerHook) error) {
	if s.Payers == nil {
		return
	}
	if err := call(s.Payers); err != nil {
		logging.From(ctx).Error("charges not relinked", "err", err)
	}
}

// need returns an error naming the dependencies a service lacks.
func (d Deps) need(service string, names ...string) error {
	set := map[string]bool{"DB": d.DB != nil, "Users": d.Users != nil, "Sealer": d.Sealer != nil, "Keys": d.Keys != nil,
		"SMS": d.SMS != nil, "Mail": d.Mail != nil, "Limiter": d.Limiter != nil, "Sessions": d.Sessions != nil, "Inbox": d.Inbox != nil, "Clock": d.Clock != nil,
		"Journal": d.Journal != nil, "Policy": d.Policy.MinLength > 0, "Consents": d.Consents != nil, "Reads": d.Reads != nil}
	var missing []string
	for _, n := range append([]string{"DB", "Clock"}, names...) {
		if !set[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("accounts: %s needs %s", service, strings.Join(missing, ", "))
	}
	return nil
}

// core is what every account service shares: the dependencies and the
// rules more than one of them applies (the lockout, code attempts, TOTP,
// the journal and notices).
type core struct{ Deps }

// Tunables from the seeds; variables so tests can read them.
var (
	LockAfter         = 5
	LockFor           = 30 * time.Minute
	CodeAttempts      = 3
	CodeAttemptWindow = time.Hour
	CodeTTL           = 10 * time.Minute
	ResendCooldown    = time.Minute
	MaxSends          = 5
	RegistrationTTL   = time.Hour
	ChallengeTTL      = 5 * time.Minute
	HistoryTTL        = 365 * 24 * time.Hour
	// IPFailureLimit failed sign-ins from one address per IPWindow stop that
	// address, whatever accounts it tries.
	IPFailureLimit = 30
	IPWindow       = 15 * time.Minute
)

// Meta describes where an anonymous request came from (registration,
// sign-in, recovery); a signed-in person's requests carry it in their
// actor.Actor.
type Meta struct {
	IP        string
	UserAgent string
}

// actor is the actor of a request nobody is signed in to.
func (m Meta) actor() actor.Actor { return actor.Actor{IP: m.IP, UserAgent: m.UserAgent} }

func (s *core) now() time.Time { return s.Clock.Now().UTC() }

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func parseStamp(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

// journal records an action on sub's account taken by a; a failure is
// logged, as the action itself has already happened.
func (s *core) journal(ctx context.Context, a actor.Actor, sub, typ, summary string) {
	if s.Journal == nil {
		return
	}
	if _, err := s.Journal.Append(ctx, sub, entry(a, sub, typ, summary)); err != nil {
		logging.From(ctx).Error("journal entry not written", "type", typ, "err", err)
	}
}

// entry is the journal entry of an action on sub's account taken by a.
func entry(a actor.Actor, sub, typ, summary string) journal.Entry {
	role, id := journal.By(a, sub)
	return journal.Entry{Type: typ, Summary: summary, IP: a.IP, Actor: role, ActorID: id}
}

// index gives the blind index (the first call reads its secret).
func (s *core) index(ctx context.Context) (*vault.Index, error) {
	k, err := s.Keys.Keys(ctx)
	return k.Index, err
}
