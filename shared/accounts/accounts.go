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
	"time"

	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/cognito"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/notify"
	"github.com/kabinet/kabinet/shared/password"
	"github.com/kabinet/kabinet/shared/sessions"
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

// Users is what the service needs of the Cognito user pool.
type Users interface {
	CreateUser(ctx context.Context, u cognito.NewUser) (string, error)
	DeleteUser(ctx context.Context, username string) error
	SignIn(ctx context.Context, username, password string) (cognito.SignInResult, error)
	Refresh(ctx context.Context, refreshToken string) (cognito.Tokens, error)
	Revoke(ctx context.Context, refreshToken string) error
	SetAttributes(ctx context.Context, username string, attrs map[string]string) error
	SetPassword(ctx context.Context, username, password string) error
}

var _ Users = (*cognito.Pool)(nil)

// Sealer encrypts personal data at field level.
type Sealer interface {
	Seal(ctx context.Context, plaintext []byte, context map[string]string) (string, error)
	Open(ctx context.Context, sealed string, context map[string]string) ([]byte, error)
}

// Index computes blind-index hashes of normalized values.
type Index interface {
	Of(kind, normalized string) string
}

// SMS sends a text message.
type SMS interface {
	SMS(ctx context.Context, phone, text string) (string, error)
}

// Mail sends an email.
type Mail interface {
	Send(ctx context.Context, e notify.Email) (string, error)
}

// Service implements the identity flows.
type Service struct {
	DB       *dynamo.Store
	Users    Users
	Sealer   Sealer
	Index    Index
	Policy   password.Profile
	SMS      SMS
	Mail     Mail
	Sessions *sessions.Store
	// Inbox receives security notices, which then go out on every channel
	// whatever the person's preferences.
	Inbox *inbox.Store
	// Journal records the person's actions (nil: not recorded).
	Journal *journal.Journal
	Clock   clock.Clock
	// CodeKey keys the hashes of one-time codes at rest.
	CodeKey []byte
}

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
	// StepUpAge is how recent a sign-in must be for sensitive changes.
	StepUpAge = 15 * time.Minute
)

// Meta describes where a request came from.
type Meta struct {
	IP        string
	UserAgent string
}

// accountItem is the stored account.
type accountItem struct {
	PK          string `dynamodbav:"PK"`
	SK          string `dynamodbav:"SK"`
	Kind        string `dynamodbav:"Kind"`
	V           int64  `dynamodbav:"V"`
	Sub         string `dynamodbav:"Sub"`
	Username    string `dynamodbav:"Username"`
	Level       string `dynamodbav:"Level"`
	LevelMethod string `dynamodbav:"LevelMethod,omitempty"`
	Surname     string `dynamodbav:"Surname"`
	Name        string `dynamodbav:"Name"`
	Patronymic  string `dynamodbav:"Patronymic,omitempty"`
	BirthDate   string `dynamodbav:"BirthDate"`
	Sex         string `dynamodbav:"Sex"`
	Citizenship string `dynamodbav:"Citizenship"`
	// Sealed fields: only ciphertext is stored.
	Passport string `dynamodbav:"Passport"`
	SNILS    string `dynamodbav:"SNILS"`
	INN      string `dynamodbav:"INN,omitempty"`
	// Blind-index hashes of the unique values, to release them later.
	SNILSHash string `dynamodbav:"SNILSHash"`
	PhoneHash string `dynamodbav:"PhoneHash"`
	EmailHash string `dynamodbav:"EmailHash,omitempty"`
	Phone     string `dynamodbav:"Phone"`
	Email     string `dynamodbav:"Email,omitempty"`
	// EmailConfirmed is set once the email code was entered.
	EmailConfirmed bool   `dynamodbav:"EmailConfirmed"`
	MFA            string `dynamodbav:"MFA"`
	// TOTPSecret is sealed; LastTOTPStep stops a code being used twice.
	TOTPSecret   string `dynamodbav:"TOTPSecret,omitempty"`
	LastTOTPStep int64  `dynamodbav:"LastTOTPStep"`
	// Profile fields beyond registration.
	BirthPlace     string   `dynamodbav:"BirthPlace,omitempty"`
	RegAddress     string   `dynamodbav:"RegAddress,omitempty"`
	ActualAddress  string   `dynamodbav:"ActualAddress,omitempty"`
	ExtraPhones    []string `dynamodbav:"ExtraPhones,omitempty"`
	PhoneChangedAt string   `dynamodbav:"PhoneChangedAt,omitempty"`
	// Department is an officer's department.
	Department        string   `dynamodbav:"Department,omitempty"`
	PasswordChangedAt string   `dynamodbav:"PasswordChangedAt"`
	PasswordHistory   []string `dynamodbav:"PasswordHistory"`
	FailedLogins      int      `dynamodbav:"FailedLogins"`
	LockedUntil       string   `dynamodbav:"LockedUntil,omitempty"`
	CreatedAt         string   `dynamodbav:"CreatedAt"`
}

// uniqueItem claims a unique value for its owner.
type uniqueItem struct {
	PK    string `dynamodbav:"PK"`
	SK    string `dynamodbav:"SK"`
	Kind  string `dynamodbav:"Kind"`
	Owner string `dynamodbav:"Owner"`
}

func (s *Service) now() time.Time { return s.Clock.Now().UTC() }

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func parseStamp(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

// journal records an action; a failure is logged, as the action itself has
// already happened.
func (s *Service) journal(ctx context.Context, sub, typ, summary, ip, actor string) {
	if s.Journal == nil {
		return
	}
	if _, err := s.Journal.Append(ctx, sub, journal.Entry{Type: typ, Summary: summary, IP: ip, Actor: actor}); err != nil {
		logging.From(ctx).Error("journal entry not written", "type", typ, "err", err)
	}
}
