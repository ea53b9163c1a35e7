// Package recovery is assisted recovery through support: a person who lost
// access to both their phone and their email (and perhaps saw a lock number
// at sign-in) files a request without signing in — the login, passport data
// and a new contact, confirmed by a code, and a passport scan uploaded
// through a presigned URL — and support operators or registrars answer it
// within Deps.Answer (24 hours, the seeds' S4 6.1). Staff compare it with
// the sealed identity data seeing only masked values and match / no match
// (accounts.Recovery holds the claim sealed and does the comparing), then
// lift the lock, replace the lost contact with the new one, or refuse.
//
// The request is read back only with the one-time key its opening answered
// (its hash is kept): the person has no account to sign in with. Whether
// its login names an account changes nothing in the answers. The account
// is told on every channel on file when a request is filed and when it is
// decided (security notices, written in the transaction of the change with
// the journal entry), the new contact when it is decided; every look staff
// take is recorded (support.AccessRecorder).
//
// # Keys
//
// A request is one item (RecoveryKey) written whole under its version; the
// requests staff must decide are a sparse GSI1 (RecoveryQueuePK) ordered by
// due time. Unfinished requests expire (TTL) after a day, decided ones after
// RetainDecided; the scan is deleted at the decision.
package recovery

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/blob"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/personaldata"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/support"
)

// Accounts is what a request needs of the account it names
// (accounts.Recovery): the sealed claim, its contact's code, the
// comparison, and the decision's change with its notice and journal entry.
type Accounts interface {
	// Prepare checks and seals a claim and sends the code to its new
	// contact. Errors: Invalid, TooManyRequests.
	Prepare(ctx context.Context, id string, c accounts.RecoveryClaim, meta accounts.Meta) (accounts.RecoveryPrepared, error)
	// ConfirmContact checks the code. Errors: Invalid, TooManyRequests.
	ConfirmContact(ctx context.Context, id, code, hash string) error
	// Compare is the claim beside the sealed data, masked. Errors: Forbidden.
	Compare(ctx context.Context, a actor.Actor, id, sub, sealed string) (accounts.Comparison, error)
	// Grant lifts the lock (and with replace, replaces the contact), with
	// also. Errors: Forbidden, Conflict.
	Grant(ctx context.Context, a actor.Actor, id, number, sub, sealed string, replace bool, also accounts.Also) error
	// Refused records a refusal, with also. Errors: Forbidden.
	Refused(ctx context.Context, a actor.Actor, number, sub string, also accounts.Also) error
	// Filed records a filed request, with also.
	Filed(ctx context.Context, number, sub string, meta accounts.Meta, also accounts.Also) error
	// Tell sends the person the answer on their new contact.
	Tell(ctx context.Context, id, sealed, subject, text string) error
}

var _ Accounts = (*accounts.Recovery)(nil)

// Scans is where the passport scan waits for the decision (s3blob.Store).
type Scans interface {
	PresignUpload(ctx context.Context, key, contentType string, size int64, ttl time.Duration, now time.Time) (blob.PresignedRequest, error)
	PresignDownload(ctx context.Context, key, fileName string, ttl time.Duration, now time.Time) (blob.PresignedRequest, error)
	// Verify checks the stored object, deleting one that fails (Invalid);
	// Conflict upload_missing when nothing was uploaded.
	Verify(ctx context.Context, key, declared string, maxSize int64, allowed ...string) (blob.Object, error)
	Delete(ctx context.Context, key string) error
}

// Deps are what the requests are built on.
type Deps struct {
	DB       *dynamo.Store
	Clock    clock.Clock
	Accounts Accounts
	Scans    Scans
	// Access records each look staff take at a person's request.
	Access support.AccessRecorder
	// Answer is how soon a submitted request must be decided (24 h).
	Answer time.Duration
}

// Requests are the assisted recovery requests.
type Requests struct{ d Deps }

// New refuses Deps that lack anything.
func New(d Deps) (*Requests, error) {
	var missing []string
	for name, ok := range map[string]bool{"DB": d.DB != nil, "Clock": d.Clock != nil, "Accounts": d.Accounts != nil,
		"Scans": d.Scans != nil, "Access": d.Access != nil, "Answer": d.Answer > 0} {
		if !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("recovery: Requests needs %s", strings.Join(missing, ", "))
	}
	return &Requests{d: d}, nil
}

// Statuses of a request.
const (
	// StatusDraft: opened; the new contact's code and the scan are awaited.
	StatusDraft = "draft"
	// StatusSubmitted: waiting for staff, due within Deps.Answer.
	StatusSubmitted = "submitted"
	// StatusReview: a staff member took it.
	StatusReview = "review"
	// Decided: the lock lifted, the contact replaced, or refused.
	StatusUnlocked        = accounts.RecoveryUnlocked
	StatusContactReplaced = accounts.RecoveryContactReplaced
	StatusRejected        = accounts.RecoveryRejected
)

// Decisions staff make.
const (
	DecisionUnlock  = "unlock"
	DecisionReplace = "replace-contact"
	DecisionReject  = "reject"
)

// DefaultAnswer is the seeds' time to decide a request.
const DefaultAnswer = 24 * time.Hour

// Limits.
const (
	// MaxScanBytes bounds the passport scan.
	MaxScanBytes = 5 << 20
	// UploadTTL is how long an upload URL works; DownloadTTL a staff
	// member's view of the scan.
	UploadTTL   = 15 * time.Minute
	DownloadTTL = 5 * time.Minute
	// DraftTTL is how long an unfinished request is kept.
	DraftTTL = 24 * time.Hour
	// RetainDecided is how long a decided request is kept (its number is
	// in the account's journal for good).
	RetainDecided = 180 * 24 * time.Hour
	// MaxReason bounds a refusal's reason.
	MaxReason = 1000
)

const kindRequest = "recovery-request"

const stampLayout = "2006-01-02T15:04:05.000000000Z"

func stamp(t time.Time) string { return t.UTC().Format(stampLayout) }

func parseStamp(s string) time.Time {
	t, _ := time.Parse(stampLayout, s)
	return t
}

func ptime(s string) *time.Time {
	if s == "" {
		return nil
	}
	t := parseStamp(s)
	return &t
}

// requestItem is a request, written whole under its version.
type requestItem struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Kind   string `dynamodbav:"Kind"`
	ID     string `dynamodbav:"ID"`
	Number string `dynamodbav:"Number"`
	// KeyHash is the SHA-256 of the key that reads the request.
	KeyHash string `dynamodbav:"KeyHash"`
	// Sub is the account the login names ("" when none).
	Sub string `dynamodbav:"Sub,omitempty"`
	// Sealed is the claim, sealed by accounts.Recovery.
	Sealed      string `dynamodbav:"Sealed"`
	CodeHash    string `dynamodbav:"CodeHash,omitempty"`
	CodeExpires string `dynamodbav:"CodeExpires,omitempty"`
	SentTo      string `dynamodbav:"SentTo"`
	Confirmed   bool   `dynamodbav:"Confirmed"`
	ScanType    string `dynamodbav:"ScanType"`
	ScanSize    int64  `dynamodbav:"ScanSize"`
	Scan        bool   `dynamodbav:"Scan"`
	Status      string `dynamodbav:"Status"`
	CreatedAt   string `dynamodbav:"CreatedAt"`
	SubmittedAt string `dynamodbav:"SubmittedAt,omitempty"`
	Due         string `dynamodbav:"Due,omitempty"`
	Assignee    string `dynamodbav:"Assignee,omitempty"`
	ClaimedAt   string `dynamodbav:"ClaimedAt,omitempty"`
	DecidedAt   string `dynamodbav:"DecidedAt,omitempty"`
	Reason      string `dynamodbav:"Reason,omitempty"`
	V           int64  `dynamodbav:"V"`
	GSI1PK      string `dynamodbav:"GSI1PK,omitempty"`
	GSI1SK      string `dynamodbav:"GSI1SK,omitempty"`
	TTL         int64  `dynamodbav:"TTL"`
}

// put adds the request to tx whole under the version it was read at (0:
// it must not exist), in the queue while staff must act on it.
func (it requestItem) put(tx *dynamo.Tx) {
	read := it.V
	it.V++
	it.GSI1PK, it.GSI1SK = "", ""
	if it.Status == StatusSubmitted || it.Status == StatusReview {
		it.GSI1PK, it.GSI1SK = dynamo.RecoveryQueuePK, it.Due+"#"+it.ID
	}
	if read == 0 {
		tx.Create(it)
		return
	}
	tx.PutIf(it, expression.Name(dynamo.AttrVersion).Equal(expression.Value(read)))
}

func decided(status string) bool {
	return status == StatusUnlocked || status == StatusContactReplaced || status == StatusRejected
}

// Request is a request as the person (with their key) or staff see it.
type Request struct {
	ID     string `json:"id"`
	Number string `json:"number"`
	Status string `json:"status"`
	// SentTo is the new contact the code went to, masked.
	SentTo           string     `json:"sentTo"`
	ContactConfirmed bool       `json:"contactConfirmed"`
	ScanReceived     bool       `json:"scanReceived"`
	CreatedAt        time.Time  `json:"createdAt"`
	CodeExpiresAt    *time.Time `json:"codeExpiresAt,omitempty"`
	SubmittedAt      *time.Time `json:"submittedAt,omitempty"`
	// Due is when the answer is due; Breached that it is past.
	Due       *time.Time `json:"due,omitempty"`
	Breached  bool       `json:"breached"`
	DecidedAt *time.Time `json:"decidedAt,omitempty"`
	// Reason is why it was refused.
	Reason string `json:"reason,omitempty"`
	// Upload is where a draft's scan goes (the person's view).
	Upload *blob.PresignedRequest `json:"upload,omitempty"`
	// Assignee is the staff member deciding it (staff's view).
	Assignee string `json:"assignee,omitempty"`
}

func (it requestItem) view(now time.Time, staff bool) Request {
	r := Request{ID: it.ID, Number: it.Number, Status: it.Status, SentTo: it.SentTo, ContactConfirmed: it.Confirmed, ScanReceived: it.Scan,
		CreatedAt: parseStamp(it.CreatedAt), SubmittedAt: ptime(it.SubmittedAt), Due: ptime(it.Due), DecidedAt: ptime(it.DecidedAt), Reason: it.Reason}
	if it.Status == StatusDraft && !it.Confirmed {
		r.CodeExpiresAt = ptime(it.CodeExpires)
	}
	if r.Due != nil && !decided(it.Status) {
		r.Breached = now.After(*r.Due)
	}
	if staff {
		r.Assignee = it.Assignee
	}
	return r
}

func (s *Requests) now() time.Time { return s.d.Clock.Now().UTC() }

func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func errNotFound() error {
	return problem.NotFound("запрос на восстановление доступа")
}

// ScanInput declares the scan the person will upload.
type ScanInput struct {
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
}

// OpenInput is the recovery form.
type OpenInput struct {
	accounts.RecoveryClaim
	Scan ScanInput `json:"scan"`
}

// Opened is the answer to a new request: the request (with the scan's
// upload) and the key that reads it, shown once.
type Opened struct {
	Request Request `json:"request"`
	Key     string  `json:"key"`
}

var scanTypes = []string{blob.TypePDF, blob.TypeJPEG, blob.TypePNG}

// Open files a request without signing in: the claim is checked and sealed
// and a code sent to its new contact (accounts.Recovery.Prepare, throttled
// like sign-in), the scan's upload signed, and the request written as a
// draft with a number. Errors: Invalid naming every bad field;
// TooManyRequests.
func (s *Requests) Open(ctx context.Context, in OpenInput, meta accounts.Meta) (Opened, error) {
	var fields []problem.Field
	switch {
	case !containsType(in.Scan.ContentType):
		fields = append(fields, problem.Field{Field: "scan.contentType", Code: "file.type", Message: "Скан паспорта — файл PDF, JPEG или PNG"})
	case in.Scan.Size < 1 || in.Scan.Size > MaxScanBytes:
		fields = append(fields, problem.Field{Field: "scan.size", Code: "file.too_large", Message: "Скан паспорта — не больше 5 МБ"})
	}
	now := s.now()
	id := support.NewID(now)
	prepared, err := s.d.Accounts.Prepare(ctx, id, in.RecoveryClaim, meta)
	if pe, ok := problem.As(err); ok && pe.Kind == problem.KindInvalid {
		return Opened{}, problem.Invalid(append(pe.Fields, fields...)...)
	}
	if err != nil {
		return Opened{}, err
	}
	if len(fields) > 0 {
		return Opened{}, problem.Invalid(fields...)
	}
	seq, err := s.d.DB.Next(ctx, dynamo.RecoveryNumberCounter(now.Format("2006")))
	if err != nil {
		return Opened{}, fmt.Errorf("recovery number: %w", err)
	}
	var kb [32]byte
	_, _ = rand.Read(kb[:])
	key := base64.RawURLEncoding.EncodeToString(kb[:])
	k := dynamo.RecoveryKey(id)
	it := requestItem{PK: k.PK, SK: k.SK, Kind: kindRequest, ID: id, Number: fmt.Sprintf("ВС-%s-%06d", now.Format("2006"), seq),
		KeyHash: hashKey(key), Sub: prepared.Sub, Sealed: prepared.Sealed, CodeHash: prepared.CodeHash, CodeExpires: stamp(prepared.CodeExpires),
		SentTo: prepared.SentTo, ScanType: in.Scan.ContentType, ScanSize: in.Scan.Size, Status: StatusDraft, CreatedAt: stamp(now),
		TTL: now.Add(DraftTTL).Unix()}
	tx := &dynamo.Tx{}
	it.put(tx)
	if err := s.d.DB.Transact(ctx, "", tx); err != nil {
		return Opened{}, err
	}
	it.V = 1
	out := Opened{Request: it.view(now, false), Key: key}
	if out.Request.Upload, err = s.upload(ctx, it, now); err != nil {
		return Opened{}, err
	}
	return out, nil
}

func containsType(t string) bool {
	for _, a := range scanTypes {
		if a == t {
			return true
		}
	}
	return false
}

func (s *Requests) upload(ctx context.Context, it requestItem, now time.Time) (*blob.PresignedRequest, error) {
	key, err := blob.RecoveryKey(it.ID)
	if err != nil {
		return nil, err
	}
	up, err := s.d.Scans.PresignUpload(ctx, key, it.ScanType, it.ScanSize, UploadTTL, now)
	if err != nil {
		return nil, err
	}
	return &up, nil
}

// read is a request for whoever holds its key: an unknown id and a wrong
// key are the same NotFound.
func (s *Requests) read(ctx context.Context, id, key string) (requestItem, error) {
	var it requestItem
	if !support.ValidID(id) || key == "" || len(key) > 128 {
		return it, errNotFound()
	}
	if err := s.d.DB.Get(ctx, dynamo.RecoveryKey(id), "запрос", &it); err != nil {
		if problem.Is(err, problem.KindNotFound) {
			return it, errNotFound()
		}
		return it, err
	}
	if subtle.ConstantTimeCompare([]byte(hashKey(key)), []byte(it.KeyHash)) != 1 {
		return requestItem{}, errNotFound()
	}
	return it, nil
}

// Status is the request for whoever holds its key; a draft's answer carries
// a fresh upload for its scan. Errors: NotFound.
func (s *Requests) Status(ctx context.Context, id, key string) (Request, error) {
	it, err := s.read(ctx, id, key)
	if err != nil {
		return Request{}, err
	}
	now := s.now()
	r := it.view(now, false)
	if it.Status == StatusDraft {
		if r.Upload, err = s.upload(ctx, it, now); err != nil {
			return Request{}, err
		}
	}
	return r, nil
}

// change rewrites a request read with its key under its version.
func (s *Requests) change(ctx context.Context, it requestItem, now time.Time) (Request, error) {
	tx := &dynamo.Tx{}
	it.put(tx)
	if err := s.d.DB.Transact(ctx, "", tx); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return Request{}, problem.Conflict("request_changed", "Запрос изменился. Обновите страницу")
		}
		return Request{}, err
	}
	it.V++
	return it.view(now, false), nil
}

// ConfirmContact checks the code sent to the request's new contact.
// Errors: NotFound; Invalid (a wrong code); Gone (expired: open a new
// request); Conflict (not a draft); TooManyRequests.
func (s *Requests) ConfirmContact(ctx context.Context, id, key, code string) (Request, error) {
	it, err := s.read(ctx, id, key)
	if err != nil {
		return Request{}, err
	}
	now := s.now()
	if it.Status != StatusDraft {
		return Request{}, problem.Conflict("not_draft", "Запрос уже отправлен")
	}
	if it.Confirmed {
		return it.view(now, false), nil
	}
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return Request{}, problem.Invalid(problem.Field{Field: "code", Code: "code.format", Message: "Код — шесть цифр"})
	}
	if now.After(parseStamp(it.CodeExpires)) {
		return Request{}, problem.New(problem.KindGone, "code_expired", "Срок действия кода истёк. Подайте запрос заново")
	}
	if err := s.d.Accounts.ConfirmContact(ctx, it.ID, code, it.CodeHash); err != nil {
		return Request{}, err
	}
	it.Confirmed, it.CodeHash = true, ""
	return s.change(ctx, it, now)
}

// Submit sends a draft to staff: the new contact must be confirmed and the
// scan uploaded and well-formed (one that fails is deleted and the answer
// names it: upload it again). The account the login names (if any) is
// told at once on every channel on file, in the transaction of the change.
// Errors: NotFound; Conflict contact_unconfirmed, upload_missing, not_draft;
// Invalid for a bad scan.
func (s *Requests) Submit(ctx context.Context, id, key string, meta accounts.Meta) (Request, error) {
	it, err := s.read(ctx, id, key)
	if err != nil {
		return Request{}, err
	}
	now := s.now()
	switch {
	case it.Status == StatusSubmitted || it.Status == StatusReview:
		return it.view(now, false), nil // submitted already
	case it.Status != StatusDraft:
		return Request{}, problem.Conflict("not_draft", "Запрос уже рассмотрен")
	case !it.Confirmed:
		return Request{}, problem.Conflict("contact_unconfirmed", "Сначала подтвердите новый контакт кодом")
	}
	scan, err := blob.RecoveryKey(it.ID)
	if err != nil {
		return Request{}, err
	}
	if _, err := s.d.Scans.Verify(ctx, scan, it.ScanType, MaxScanBytes, scanTypes...); err != nil {
		return Request{}, err
	}
	read := it
	it.Scan, it.Status, it.SubmittedAt, it.Due = true, StatusSubmitted, stamp(now), stamp(now.Add(s.d.Answer))
	it.TTL = now.Add(RetainDecided).Unix()
	err = s.d.Accounts.Filed(ctx, it.Number, it.Sub, meta, s.rewrite(read, it))
	if err != nil {
		return Request{}, err
	}
	it.V++
	return it.view(now, false), nil
}

// rewrite is the request's new state it, written into the account's
// transaction while the request is still at the version read: read again
// on every attempt of the commit, it stops the commit (request_changed)
// once someone else changed the request.
func (s *Requests) rewrite(read, it requestItem) accounts.Also {
	return func(ctx context.Context, tx *dynamo.Tx) error {
		var fresh requestItem
		if err := s.d.DB.Get(ctx, dynamo.RecoveryKey(read.ID), "запрос", &fresh); err != nil {
			return err
		}
		if fresh.V != read.V {
			return problem.Conflict("request_changed", "Запрос изменился. Обновите страницу")
		}
		it.put(tx)
		return nil
	}
}

// staffRead is a request for staff: only one that was submitted, never one
// that names the staff member's own account.
func (s *Requests) staffRead(ctx context.Context, a actor.Actor, id string) (requestItem, error) {
	var it requestItem
	if err := a.RequireSupportOrRegistrar(); err != nil {
		return it, err
	}
	if !support.ValidID(id) {
		return it, errNotFound()
	}
	if err := s.d.DB.Get(ctx, dynamo.RecoveryKey(id), "запрос", &it); err != nil {
		if problem.Is(err, problem.KindNotFound) {
			return it, errNotFound()
		}
		return it, err
	}
	if it.Status == StatusDraft {
		return requestItem{}, errNotFound()
	}
	if err := a.NotSelf(it.Sub); err != nil {
		return requestItem{}, err
	}
	return it, nil
}

// Queue is the requests staff must decide, the one due soonest first, each
// flagged when past due; a staff member's own account's are left out.
// Errors: Forbidden for anyone but support operators and registrars.
func (s *Requests) Queue(ctx context.Context, a actor.Actor, cursor string, limit int32) ([]Request, string, error) {
	if err := a.RequireSupportOrRegistrar(); err != nil {
		return nil, "", err
	}
	items, next, err := dynamo.Collect(ctx, s.d.DB, dynamo.Page{Index: dynamo.IndexGSI1, Partition: dynamo.RecoveryQueuePK, Forward: true, Cursor: cursor},
		int(limit), func(it requestItem) bool { return it.Sub == "" || it.Sub != a.Sub })
	if err != nil {
		return nil, "", err
	}
	now := s.now()
	out := make([]Request, 0, len(items))
	for _, it := range items {
		out = append(out, it.view(now, true))
	}
	return out, next, nil
}

// Review is what staff see of a request: it, the claim beside the sealed
// data (masked, match / no match), and the scan to look at while it is
// undecided.
type Review struct {
	Request    Request                `json:"request"`
	Comparison accounts.Comparison    `json:"comparison"`
	Scan       *blob.PresignedRequest `json:"scan,omitempty"`
}

// Look is a staff member's review of a request; the look is recorded in
// the person's access log before anything is shown. Errors: Forbidden,
// NotFound.
func (s *Requests) Look(ctx context.Context, a actor.Actor, id string) (Review, error) {
	it, err := s.staffRead(ctx, a, id)
	if err != nil {
		return Review{}, err
	}
	if it.Sub != "" {
		if err := s.d.Access.Record(ctx, support.Access{Operator: a, Owner: it.Sub, What: "запрос на восстановление доступа № " + it.Number,
			Data: []string{"сверка паспортных данных (маскированно)", "скан паспорта"}, Purpose: "рассмотрение запроса на восстановление доступа",
			Categories: []personaldata.Category{personaldata.Personal, personaldata.Passport, personaldata.Contacts}, Reason: accesslog.ForRecovery(it.Number)}); err != nil {
			return Review{}, err
		}
	}
	cmp, err := s.d.Accounts.Compare(ctx, a, it.ID, it.Sub, it.Sealed)
	if err != nil {
		return Review{}, err
	}
	now := s.now()
	out := Review{Request: it.view(now, true), Comparison: cmp}
	if it.Scan && !decided(it.Status) {
		key, err := blob.RecoveryKey(it.ID)
		if err != nil {
			return Review{}, err
		}
		dl, err := s.d.Scans.PresignDownload(ctx, key, "скан-"+it.Number+extension(it.ScanType), DownloadTTL, now)
		if err != nil {
			return Review{}, err
		}
		out.Scan = &dl
	}
	return out, nil
}

func extension(contentType string) string {
	switch contentType {
	case blob.TypeJPEG:
		return ".jpg"
	case blob.TypePNG:
		return ".png"
	}
	return ".pdf"
}

// Claim takes a submitted request: of staff claiming at once one gets it,
// the others Conflict already_claimed; the holder claiming again gets it as
// it is. Errors: Forbidden, NotFound, Conflict.
func (s *Requests) Claim(ctx context.Context, a actor.Actor, id string) (Request, error) {
	it, err := s.staffRead(ctx, a, id)
	if err != nil {
		return Request{}, err
	}
	now := s.now()
	switch {
	case it.Status == StatusReview && it.Assignee == a.Sub:
		return it.view(now, true), nil
	case it.Status == StatusReview:
		return Request{}, problem.Conflict("already_claimed", "Запрос уже рассматривает другой сотрудник")
	case it.Status != StatusSubmitted:
		return Request{}, problem.Conflict("not_claimable", "Запрос уже рассмотрен")
	}
	it.Status, it.Assignee, it.ClaimedAt = StatusReview, a.Sub, stamp(now)
	tx := &dynamo.Tx{}
	it.put(tx)
	if err := s.d.DB.Transact(ctx, "", tx); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return Request{}, problem.Conflict("already_claimed", "Запрос уже рассматривает другой сотрудник")
		}
		return Request{}, err
	}
	it.V++
	return it.view(now, true), nil
}

// DecisionInput is a staff member's decision.
type DecisionInput struct {
	// Decision is unlock, replace-contact or reject.
	Decision string `json:"decision"`
	// Reason says why a request is refused (required then).
	Reason string `json:"reason"`
}

// Decide decides the request the staff member took: unlock lifts the
// sign-in lock, replace-contact also replaces the lost contact with the
// request's confirmed new one (both only when every field of the claim
// matches the sealed data), reject refuses with a reason. The request's
// new state, the account's change, its security notice and its journal
// entry commit together; then the scan is deleted and the person told on
// their new contact. Errors: Forbidden, NotFound; Invalid; Conflict
// not_assigned, identity_mismatch, no_account, contact_unavailable.
func (s *Requests) Decide(ctx context.Context, a actor.Actor, id string, in DecisionInput) (Request, error) {
	if err := a.RequireSupportOrRegistrar(); err != nil {
		return Request{}, err // the role first: a stranger learns nothing of the form
	}
	reason := strings.TrimSpace(in.Reason)
	switch {
	case in.Decision != DecisionUnlock && in.Decision != DecisionReplace && in.Decision != DecisionReject:
		return Request{}, problem.Invalid(problem.Field{Field: "decision", Code: "decision.unknown", Message: "Решение — unlock, replace-contact или reject"})
	case in.Decision == DecisionReject && reason == "":
		return Request{}, problem.Invalid(problem.Field{Field: "reason", Code: "required", Message: "Укажите причину отказа: её получит заявитель"})
	case utf8.RuneCountInString(reason) > MaxReason || !utf8.ValidString(reason) ||
		strings.ContainsFunc(reason, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }):
		return Request{}, problem.Invalid(problem.Field{Field: "reason", Code: "text.length", Message: fmt.Sprintf("Причина — текст не длиннее %d символов", MaxReason)})
	}
	it, err := s.staffRead(ctx, a, id)
	if err != nil {
		return Request{}, err
	}
	if decided(it.Status) {
		return Request{}, problem.Conflict("already_decided", "Запрос уже рассмотрен")
	}
	if it.Status != StatusReview || it.Assignee != a.Sub {
		return Request{}, problem.Conflict("not_assigned", "Сначала возьмите запрос в работу")
	}
	now := s.now()
	read := it
	it.Status = map[string]string{DecisionUnlock: StatusUnlocked, DecisionReplace: StatusContactReplaced, DecisionReject: StatusRejected}[in.Decision]
	it.DecidedAt, it.Reason, it.TTL = stamp(now), reason, now.Add(RetainDecided).Unix()
	also := s.rewrite(read, it)
	if in.Decision == DecisionReject {
		err = s.d.Accounts.Refused(ctx, a, it.Number, it.Sub, also)
	} else {
		err = s.d.Accounts.Grant(ctx, a, it.ID, it.Number, it.Sub, it.Sealed, in.Decision == DecisionReplace, also)
	}
	if err != nil {
		return Request{}, err
	}
	it.V++
	if key, err := blob.RecoveryKey(it.ID); err == nil {
		if err := s.d.Scans.Delete(ctx, key); err != nil {
			logging.From(ctx).Warn("recovery scan not deleted (the bucket's lifecycle will)", "err", err)
		}
	}
	subject, text := answer(it)
	if err := s.d.Accounts.Tell(ctx, it.ID, it.Sealed, subject, text); err != nil {
		logging.From(ctx).Warn("recovery answer not sent to the new contact", "err", err)
	}
	return it.view(now, true), nil
}

// answer is what the person is told on their new contact.
func answer(it requestItem) (string, string) {
	subject := "Запрос на восстановление доступа № " + it.Number
	switch it.Status {
	case StatusUnlocked:
		return subject, "Запрос № " + it.Number + " рассмотрен: вход в учётную запись разблокирован. Войдите со своим паролем или восстановите пароль."
	case StatusContactReplaced:
		return subject, "Запрос № " + it.Number + " рассмотрен: этот контакт привязан к вашей учётной записи, вход разблокирован. " +
			"Восстановите пароль: код придёт сюда."
	}
	return subject, "Запрос № " + it.Number + " отклонён: " + it.Reason + ". Вы можете подать новый запрос или обратиться в центр обслуживания с паспортом."
}
