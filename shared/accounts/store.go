package accounts

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/dynamo"
)

// The kinds of the items the account services keep (the Kind attribute;
// the export and the key table in shared/dynamo name them too).
const (
	kindAccount        = "account"
	kindUnique         = "unique"
	kindRegistration   = "registration"
	kindChallenge      = "challenge"
	kindReset          = "reset"
	kindLogin          = "login"
	kindDevice         = "device"
	kindProfileHistory = "profile-history"
	kindContactChange  = "contact-change"
	kindChangeRequest  = "change-request"
	kindIdentityDoc    = "identity-document"
	kindSignatureCode  = "signature-code"
	kindLock           = "lock"
)

// The kinds of unique values claimed by their blind-index hash.
const (
	uniqueSNILS = "snils"
	uniqueINN   = "inn"
	uniquePhone = "phone"
	uniqueEmail = "email"
)

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
	// LevelBy is the registrar who last raised the level, LevelAt when.
	LevelBy     string `dynamodbav:"LevelBy,omitempty"`
	LevelAt     string `dynamodbav:"LevelAt,omitempty"`
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
	INNHash   string `dynamodbav:"INNHash,omitempty"`
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
	Department string `dynamodbav:"Department,omitempty"`
	// Organisation is a staff member's organisation (appointments).
	Organisation      string   `dynamodbav:"Organisation,omitempty"`
	PasswordChangedAt string   `dynamodbav:"PasswordChangedAt"`
	PasswordHistory   []string `dynamodbav:"PasswordHistory"`
	FailedLogins      int      `dynamodbav:"FailedLogins"`
	LockedUntil       string   `dynamodbav:"LockedUntil,omitempty"`
	// LockNumber is the number of the current lock, quoted to support.
	LockNumber string `dynamodbav:"LockNumber,omitempty"`
	CreatedAt  string `dynamodbav:"CreatedAt"`
}

// uniqueItem claims a unique value for its owner.
type uniqueItem struct {
	PK    string `dynamodbav:"PK"`
	SK    string `dynamodbav:"SK"`
	Kind  string `dynamodbav:"Kind"`
	Owner string `dynamodbav:"Owner"`
}

// regItem is a pending registration: the data waits, sealed, until the
// phone is confirmed; only then are SNILS, phone and email claimed.
type regItem struct {
	PK          string `dynamodbav:"PK"`
	SK          string `dynamodbav:"SK"`
	Kind        string `dynamodbav:"Kind"`
	Data        string `dynamodbav:"Data"`
	Phone       string `dynamodbav:"Phone"`
	Email       string `dynamodbav:"Email,omitempty"`
	PhoneCode   string `dynamodbav:"PhoneCode"`
	EmailCode   string `dynamodbav:"EmailCode,omitempty"`
	CodeExpires string `dynamodbav:"CodeExpires"`
	SentAt      string `dynamodbav:"SentAt"`
	Sends       int    `dynamodbav:"Sends"`
	TTL         int64  `dynamodbav:"TTL"`
}

// challengeItem holds the tokens of a sign-in that still needs a second
// factor (or a new password), sealed, for a few minutes.
type challengeItem struct {
	PK      string `dynamodbav:"PK"`
	SK      string `dynamodbav:"SK"`
	Kind    string `dynamodbav:"Kind"`
	Sub     string `dynamodbav:"Sub"`
	Type    string `dynamodbav:"Type"`
	Method  string `dynamodbav:"Method"`
	Tokens  string `dynamodbav:"Tokens"`
	Code    string `dynamodbav:"Code,omitempty"`
	Expires string `dynamodbav:"Expires"`
	TTL     int64  `dynamodbav:"TTL"`
}

// loginItem is one sign-in attempt in a user's history.
type loginItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Kind      string `dynamodbav:"Kind"`
	At        string `dynamodbav:"At"`
	IP        string `dynamodbav:"IP"`
	UserAgent string `dynamodbav:"UserAgent"`
	Method    string `dynamodbav:"Method"`
	Result    string `dynamodbav:"Result"`
	Reason    string `dynamodbav:"Reason,omitempty"`
	TTL       int64  `dynamodbav:"TTL"`
}

type deviceItem struct {
	PK   string `dynamodbav:"PK"`
	SK   string `dynamodbav:"SK"`
	Kind string `dynamodbav:"Kind"`
	At   string `dynamodbav:"At"`
}

type resetItem struct {
	PK      string `dynamodbav:"PK"`
	SK      string `dynamodbav:"SK"`
	Kind    string `dynamodbav:"Kind"`
	Sub     string `dynamodbav:"Sub,omitempty"`
	Code    string `dynamodbav:"Code"`
	Expires string `dynamodbav:"Expires"`
	TTL     int64  `dynamodbav:"TTL"`
}

type historyItem struct {
	PK    string `dynamodbav:"PK"`
	SK    string `dynamodbav:"SK"`
	Kind  string `dynamodbav:"Kind"`
	At    string `dynamodbav:"At"`
	Field string `dynamodbav:"Field"`
	Old   string `dynamodbav:"Old"`
	New   string `dynamodbav:"New"`
	Actor string `dynamodbav:"Actor"`
	// ActorID is the staff person who made the change, kept for staff and
	// audit (the person's history shows the role only).
	ActorID string `dynamodbav:"ActorID,omitempty"`
}

type contactItem struct {
	PK      string `dynamodbav:"PK"`
	SK      string `dynamodbav:"SK"`
	Kind    string `dynamodbav:"Kind"`
	Value   string `dynamodbav:"Value"`
	Code    string `dynamodbav:"Code"`
	Expires string `dynamodbav:"Expires"`
	TTL     int64  `dynamodbav:"TTL"`
}

type requestItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	Kind       string `dynamodbav:"Kind"`
	ID         string `dynamodbav:"ID"`
	Sub        string `dynamodbav:"Sub"`
	Field      string `dynamodbav:"Field"`
	Value      string `dynamodbav:"Value"`
	DocumentID string `dynamodbav:"DocumentID"`
	Status     string `dynamodbav:"Status"`
	Reason     string `dynamodbav:"Reason,omitempty"`
	CreatedAt  string `dynamodbav:"CreatedAt"`
	DecidedAt  string `dynamodbav:"DecidedAt,omitempty"`
	// Department decides the request (the field's owner).
	Department string `dynamodbav:"Department"`
	// DecidedBy is the staff person who decided, DecidedRole their role.
	DecidedBy   string `dynamodbav:"DecidedBy,omitempty"`
	DecidedRole string `dynamodbav:"DecidedRole,omitempty"`
	// In the department's queue (GSI1) and the registrars' (GSI2) while
	// pending.
	GSI1PK string `dynamodbav:"GSI1PK,omitempty"`
	GSI1SK string `dynamodbav:"GSI1SK,omitempty"`
	GSI2PK string `dynamodbav:"GSI2PK,omitempty"`
	GSI2SK string `dynamodbav:"GSI2SK,omitempty"`
}

type idDocItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Kind      string `dynamodbav:"Kind"`
	ID        string `dynamodbav:"ID"`
	Type      string `dynamodbav:"Type"`
	Numbers   string `dynamodbav:"Numbers"` // sealed {series, number}
	IssueDate string `dynamodbav:"IssueDate"`
	Issuer    string `dynamodbav:"Issuer"`
	ExpiresAt string `dynamodbav:"ExpiresAt,omitempty"`
	Holder    string `dynamodbav:"Holder,omitempty"`
}

type signatureItem struct {
	PK      string `dynamodbav:"PK"`
	SK      string `dynamodbav:"SK"`
	Kind    string `dynamodbav:"Kind"`
	Version int64  `dynamodbav:"Version"`
	Content string `dynamodbav:"Content"`
	Code    string `dynamodbav:"Code"`
	SentAt  string `dynamodbav:"SentAt"`
	Expires string `dynamodbav:"Expires"`
	TTL     int64  `dynamodbav:"TTL"`
}

func unique(kind, hash, owner string) uniqueItem {
	k := dynamo.UniqueKey(kind, hash)
	return uniqueItem{PK: k.PK, SK: k.SK, Kind: kindUnique, Owner: owner}
}

// createAccount adds a new account to tx with the claims of its unique
// values (SNILS, INN, phone, email), each of which is also a login: of two
// accounts with one of them, one is created.
func createAccount(tx *dynamo.Tx, acc accountItem) *dynamo.Tx {
	tx.Create(acc).Create(unique(uniqueSNILS, acc.SNILSHash, acc.Sub)).Create(unique(uniquePhone, acc.PhoneHash, acc.Sub))
	if acc.INNHash != "" {
		tx.Create(unique(uniqueINN, acc.INNHash, acc.Sub))
	}
	if acc.EmailHash != "" {
		tx.Create(unique(uniqueEmail, acc.EmailHash, acc.Sub))
	}
	return tx
}

// account reads an account; a missing one is NotFound.
func (s *core) account(ctx context.Context, sub string) (accountItem, error) {
	var acc accountItem
	err := s.DB.Get(ctx, dynamo.AccountKey(sub), "учётная запись", &acc)
	return acc, err
}

// pendingTOTPItem is an account with the authenticator secret waiting for
// its first code.
type pendingTOTPItem struct {
	accountItem
	PendingTOTP string `dynamodbav:"PendingTOTP"`
}

// The account's updates, by what they change.

func pendingTOTPUpdate(sealed string) expression.UpdateBuilder {
	return expression.Set(expression.Name("PendingTOTP"), expression.Value(sealed))
}

// totpOnUpdate makes the authenticator the second factor, with its first
// used step.
func totpOnUpdate(sealedSecret string, step int64) expression.UpdateBuilder {
	return expression.Set(expression.Name("TOTPSecret"), expression.Value(sealedSecret)).
		Set(expression.Name("MFA"), expression.Value(MFATOTP)).
		Set(expression.Name("LastTOTPStep"), expression.Value(step)).
		Remove(expression.Name("PendingTOTP"))
}

func mfaUpdate(method string) expression.UpdateBuilder {
	return expression.Set(expression.Name("MFA"), expression.Value(method))
}

// totpStepUpdate uses up an authenticator step: it must move forward, so a
// code works once.
func totpStepUpdate(step int64) (expression.UpdateBuilder, expression.ConditionBuilder) {
	return expression.Set(expression.Name("LastTOTPStep"), expression.Value(step)),
		expression.Name("LastTOTPStep").LessThan(expression.Value(step))
}

// levelUpdate raises the level from the one read (the condition), recording
// how and by whom.
func levelUpdate(from string, c LevelChange, by string, at time.Time) (expression.UpdateBuilder, expression.ConditionBuilder) {
	return expression.Set(expression.Name("Level"), expression.Value(string(c.Level))).
			Set(expression.Name("LevelMethod"), expression.Value(c.Method)).
			Set(expression.Name("LevelBy"), expression.Value(by)).
			Set(expression.Name("LevelAt"), expression.Value(stamp(at))),
		expression.Name("Level").Equal(expression.Value(from))
}

// passwordUpdate stores a new password's place in the history, clears the
// lock and starts the expiry clock again.
func passwordUpdate(history []string, at time.Time) expression.UpdateBuilder {
	return expression.Set(expression.Name("PasswordHistory"), expression.Value(history)).
		Set(expression.Name("PasswordChangedAt"), expression.Value(stamp(at))).
		Set(expression.Name("FailedLogins"), expression.Value(0)).
		Remove(expression.Name("LockedUntil")).Remove(expression.Name("LockNumber"))
}

// lockUpdate locks a login (an account or a counter of an unknown login)
// until a time, under a lock number, starting its count again, on the
// condition that no lock holds at now: a login is locked once, under one
// number.
func lockUpdate(until time.Time, number string, now time.Time) (expression.UpdateBuilder, expression.ConditionBuilder) {
	return expression.Set(expression.Name("LockedUntil"), expression.Value(stamp(until))).
			Set(expression.Name("LockNumber"), expression.Value(number)).
			Set(expression.Name("FailedLogins"), expression.Value(0)),
		expression.AttributeNotExists(expression.Name("LockedUntil")).
			Or(expression.Name("LockedUntil").LessThanEqual(expression.Value(stamp(now))))
}

// lockRecord points a lock's number at the login it locks, so support can
// find it when the person quotes it: an account's sub, or "unknown:<key>"
// for a login that names no account. It is kept 30 days past the lock.
type lockRecord struct {
	PK    string `dynamodbav:"PK"`
	SK    string `dynamodbav:"SK"`
	Kind  string `dynamodbav:"Kind"`
	Owner string `dynamodbav:"Owner"`
	Until string `dynamodbav:"Until"`
	TTL   int64  `dynamodbav:"TTL"`
}

func lockItem(number, owner string, until time.Time) lockRecord {
	k := dynamo.LockKey(number)
	return lockRecord{PK: k.PK, SK: k.SK, Kind: kindLock, Owner: owner, Until: stamp(until), TTL: until.Add(30 * 24 * time.Hour).Unix()}
}

// forgivenUpdate clears the failed sign-ins after one completed.
func forgivenUpdate() expression.UpdateBuilder {
	return expression.Set(expression.Name("FailedLogins"), expression.Value(0))
}

// newRequestItem is a pending change request, in its department's queue and
// the registrars'.
func newRequestItem(sub, id, field, department, sealedValue, documentID string, at time.Time) requestItem {
	k := dynamo.ChangeRequestKey(sub, id)
	queued := dynamo.ChangeRequestQueueSK(stamp(at), sub, id)
	return requestItem{PK: k.PK, SK: k.SK, Kind: kindChangeRequest, ID: id, Sub: sub, Field: field, Value: sealedValue,
		DocumentID: documentID, Status: RequestPending, CreatedAt: stamp(at), Department: department,
		GSI1PK: dynamo.PendingChangeRequestsPK(department), GSI1SK: queued, GSI2PK: dynamo.AllPendingChangeRequestsPK, GSI2SK: queued}
}

// decisionUpdate decides a request still pending (the condition) and takes
// it out of both queues.
func decisionUpdate(status, reason, by, role string, at time.Time) (expression.UpdateBuilder, expression.ConditionBuilder) {
	upd := expression.Set(expression.Name("Status"), expression.Value(status)).Set(expression.Name("DecidedAt"), expression.Value(stamp(at))).
		Set(expression.Name("DecidedBy"), expression.Value(by)).Set(expression.Name("DecidedRole"), expression.Value(role)).
		Remove(expression.Name(dynamo.AttrGSI1PK)).Remove(expression.Name(dynamo.AttrGSI1SK)).
		Remove(expression.Name(dynamo.AttrGSI2PK)).Remove(expression.Name(dynamo.AttrGSI2SK))
	if status == RequestRejected {
		upd = upd.Set(expression.Name("Reason"), expression.Value(reason))
	}
	return upd, expression.Name("Status").Equal(expression.Value(RequestPending))
}

// versioned adds the version bump of a read-modify-write to upd, on the
// condition that the item is still at the version read.
func versioned(upd expression.UpdateBuilder, read int64) (expression.UpdateBuilder, expression.ConditionBuilder) {
	return upd.Set(expression.Name(dynamo.AttrVersion), expression.Value(read+1)),
		expression.Name(dynamo.AttrVersion).Equal(expression.Value(read))
}

// fieldUpdate sets one attribute of an account read at version read (an
// approved change request), moving the version on under the condition that
// it is still the one read: an edit committed meanwhile makes the approval
// read the account again rather than both taking the same version.
func fieldUpdate(attr string, value any, read int64) (expression.UpdateBuilder, expression.ConditionBuilder) {
	return versioned(expression.Set(expression.Name(attr), expression.Value(value)), read)
}

// editUpdate applies a direct edit of editable fields to a profile read at
// ifVersion.
func editUpdate(e Edit, ifVersion int64) (expression.UpdateBuilder, expression.ConditionBuilder) {
	var upd expression.UpdateBuilder
	if e.ActualAddress != nil {
		upd = upd.Set(expression.Name("ActualAddress"), expression.Value(*e.ActualAddress))
	}
	if e.ExtraPhones != nil {
		upd = upd.Set(expression.Name("ExtraPhones"), expression.Value(*e.ExtraPhones))
	}
	return versioned(upd, ifVersion)
}

func phoneUpdate(phone, hash string, at time.Time) expression.UpdateBuilder {
	return expression.Set(expression.Name("Phone"), expression.Value(phone)).Set(expression.Name("PhoneHash"), expression.Value(hash)).
		Set(expression.Name("PhoneChangedAt"), expression.Value(stamp(at)))
}

func emailUpdate(email, hash string) expression.UpdateBuilder {
	return expression.Set(expression.Name("Email"), expression.Value(email)).Set(expression.Name("EmailHash"), expression.Value(hash)).
		Set(expression.Name("EmailConfirmed"), expression.Value(true))
}

// resendUpdate replaces a pending registration's phone code, once per code
// sent (the condition: nobody resent meanwhile).
func resendUpdate(hash, sentAt string, now time.Time) (expression.UpdateBuilder, expression.ConditionBuilder) {
	return expression.Set(expression.Name("PhoneCode"), expression.Value(hash)).
			Set(expression.Name("CodeExpires"), expression.Value(stamp(now.Add(CodeTTL)))).
			Set(expression.Name("SentAt"), expression.Value(stamp(now))).
			Add(expression.Name("Sends"), expression.Value(1)),
		expression.Name("SentAt").Equal(expression.Value(sentAt))
}

// codeIs holds while a pending code is still the one given.
func codeIs(hash string) expression.ConditionBuilder {
	return expression.Name("Code").Equal(expression.Value(hash))
}
