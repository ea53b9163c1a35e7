// Package accesslog is a person's access log («Кто смотрел мои данные»,
// DESIGN 14): every read of their personal data by anyone but them — an
// officer opening their application or a change request, a registrar
// checking their identity, a support operator opening their ticket, an
// agency matching a charge to them, an organisation reading under a
// consent — with who (the organisation, and the staff member or the
// organisation's employee where known), when, which categories of data and
// why (the case: an application's number, a ticket, a consent).
//
// # Recording never blocks the read, and nothing is lost
//
// A reader records a read with Record (or RecordTx, in a transaction of its
// own): one write of a pending item under a key of its own — no condition,
// no shared item, nothing to contend for — made before the data leaves the
// service, so no data is ever handed out without its record. Chaining the
// record into the person's tamper-evident log is a separate step (Settle)
// that takes the log's head and may have to wait for other appends: it
// runs after the read, from the table's stream on AWS, from a sweep every
// minute (the local stack's path, and the retry of anything the stream
// missed or failed), and whenever the person opens their log. A pending
// item stays until its entry is written in the same transaction that
// deletes it, so a failed or lost attempt is retried by the next one,
// never dropped. The alternative, a queue (SQS) with retries, would add a
// second store that must agree with the table, and its message could be
// lost between the read and the send; the pending item is written in the
// same store as the log and, where the reader writes anyway, in the same
// transaction as the reader's own writes.
//
// # Chain
//
// Entries are numbered 1, 2, 3, ... per person and hash-chained as the
// activity journal is (shared/journal): each holds the hash of the one
// before it and its own, an HMAC-SHA256 under a key kept apart from the
// table over a length-prefixed encoding of every field the person reads;
// a head item, sealed with the same key, keeps the last number and hash,
// so an edited, removed, reordered or truncated log is named by Verify.
// The numbers give the order the reads were chained in; each entry's At
// is when the read happened, which a late chaining can put after a newer
// read's entry, so a period is a filter on At, not a range of numbers.
//
// # What is not in it
//
// The person's own reads, and the portal's (an export the person asked
// for, a schedule): Record ignores them.
package accesslog

import (
	"context"
	cryptorand "crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/personaldata"
	"github.com/kabinet/kabinet/shared/problem"
)

// Reasons: the kinds of case a read is made for.
const (
	ReasonApplication   = "application"
	ReasonChangeRequest = "change_request"
	ReasonIdentityCheck = "identity_check"
	ReasonConsent       = "consent"
	ReasonCharge        = "charge"
	ReasonTicket        = "ticket"
	ReasonAppointment   = "appointment"
)

var reasonKinds = map[string]bool{ReasonApplication: true, ReasonChangeRequest: true, ReasonIdentityCheck: true,
	ReasonConsent: true, ReasonCharge: true, ReasonTicket: true, ReasonAppointment: true}

// Reason is why someone read the data: the case and its reference.
type Reason struct {
	// Kind is one of the Reason* constants.
	Kind string `json:"kind"`
	// Ref is the case's reference (an application's number, a ticket's,
	// a consent's id, a charge's УИН), when it has one.
	Ref string `json:"ref,omitempty"`
	// Title says it in Russian, as the person reads it.
	Title string `json:"title"`
}

// ForApplication is an officer's work on an application.
func ForApplication(number, service string) Reason {
	return Reason{Kind: ReasonApplication, Ref: number, Title: "Заявление №\u00a0" + number + " («" + service + "»)"}
}

// ForChangeRequest is the decision on a request to change personal data.
func ForChangeRequest(id, field string) Reason {
	return Reason{Kind: ReasonChangeRequest, Ref: id, Title: "Запрос на изменение данных: " + field}
}

// ForIdentityCheck is a registrar's check of the person's identity.
func ForIdentityCheck(level string) Reason {
	return Reason{Kind: ReasonIdentityCheck, Title: "Подтверждение личности (уровень учётной записи «" + level + "»)"}
}

// ForConsent is an organisation's read under the consent id (purpose is
// what the consent is for).
func ForConsent(id, purpose string) Reason {
	return Reason{Kind: ReasonConsent, Ref: id, Title: "Согласие на обработку персональных данных: " + purpose}
}

// ForCharge is an agency's charge matched to the person.
func ForCharge(uin string) Reason {
	return Reason{Kind: ReasonCharge, Ref: uin, Title: "Начисление УИН " + uin}
}

// ForTicket is a support operator opening the person's ticket.
func ForTicket(number string) Reason {
	return Reason{Kind: ReasonTicket, Ref: number, Title: "Обращение в службу поддержки №\u00a0" + number}
}

// ForAppointment is an organisation's staff seeing the person's
// appointment (its ticket's number) on their day.
func ForAppointment(number string) Reason {
	return Reason{Kind: ReasonAppointment, Ref: number, Title: "Запись на приём №\u00a0" + number}
}

// Read is one read of a person's data by someone else.
type Read struct {
	// Owner is whose data was read: the person's subject.
	Owner string
	// By is who read it: a staff member (an officer, a registrar, a
	// support operator, an appointment organisation's staff) or a system
	// (an agency's, an organisation's).
	By actor.Actor
	// Organisation is the reader's organisation as the person reads it
	// ("МВД России", "АО «Демо Банк»"). Registrars and support have their
	// own by default; everyone else must name it.
	Organisation string
	// Person is who in a system's organisation read it, when the system
	// says (an employee's name). A staff member's name is found from By.
	Person string
	// Categories are which data was read (at least one).
	Categories []personaldata.Category
	// Reason is why.
	Reason Reason
}

// Entry is one read as the person's log shows it.
type Entry struct {
	// Seq numbers the entries from 1 in the order they were chained.
	Seq int64 `json:"seq"`
	// At is when the data was read.
	At time.Time `json:"at"`
	// Role is the reader's (officer, registrar, support, agency, partner),
	// RoleTitle it in Russian.
	Role      string `json:"role"`
	RoleTitle string `json:"roleTitle"`
	// Organisation names the reader's organisation, OrganisationCode its
	// code (a department's, an agency's, an organisation's; registrars,
	// support).
	Organisation     string `json:"organisation"`
	OrganisationCode string `json:"organisationCode"`
	// Person is who read it within the organisation, when known: a staff
	// member's surname and initials, an organisation's employee.
	Person string `json:"person,omitempty"`
	// Categories are the data read, Data them in Russian.
	Categories []personaldata.Category `json:"categories"`
	Data       string                  `json:"data"`
	Reason     Reason                  `json:"reason"`
	// Flagged is set once the person reported the read as one they did not
	// expect.
	Flagged bool `json:"flagged"`
	// Hash is the entry's link in the chain.
	Hash string `json:"hash"`
	// ReaderID is the staff member's subject or the system's
	// "<organisation>/<client>", recorded and hashed for audit and never
	// shown to the person.
	ReaderID string `json:"-"`
}

// KeySource gives the chain's key: vault.Keyring derives it from the index
// secret; journal.StaticKey-like fixed keys serve tests.
type KeySource interface {
	AccessLogKey(ctx context.Context) ([]byte, error)
}

// StaticKey is a key held in memory (tests, the seeding).
type StaticKey []byte

// AccessLogKey implements KeySource.
func (k StaticKey) AccessLogKey(context.Context) ([]byte, error) { return k, nil }

// Names finds a staff member's name as the log shows it: surname and
// initials (accounts.Profiles). NotFound for an account no longer there.
type Names interface {
	StaffName(ctx context.Context, sub string) (string, error)
}

// Log records reads and keeps the logs.
type Log struct {
	DB *dynamo.Store
	// Key gives the chain's HMAC key (at least 32 bytes). Record does not
	// need it; chaining, reading and verifying do.
	Key KeySource
	// Names give staff members' names when entries are chained (nil: the
	// log names the role and the organisation only).
	Names Names
	// Journal records the person's flags in their activity journal (nil:
	// flags are not journaled).
	Journal *journal.Journal
	Clock   clock.Clock
}

// The kinds of the items kept here.
const (
	kindPending = "read-pending"
	kindEntry   = "read-entry"
	kindHead    = "read-head"
	kindFlag    = "read-flag"
)

// PendingShards spread the reads waiting for the log over GSI2 partitions.
const PendingShards = 8

// stampLayout has a fixed width, so that stamps compare as times do.
const stampLayout = "2006-01-02T15:04:05.000000000Z"

func stamp(t time.Time) string { return t.UTC().Format(stampLayout) }

func parseStamp(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func (l *Log) now() time.Time {
	if l.Clock == nil {
		return time.Now().UTC()
	}
	return l.Clock.Now().UTC()
}

// record is what a pending item and an entry both carry.
type record struct {
	Owner        string   `dynamodbav:"Owner"`
	At           string   `dynamodbav:"At"`
	Role         string   `dynamodbav:"Role"`
	ReaderID     string   `dynamodbav:"ReaderID"`
	OrgCode      string   `dynamodbav:"OrgCode"`
	Organisation string   `dynamodbav:"Organisation"`
	Person       string   `dynamodbav:"Person,omitempty"`
	Categories   []string `dynamodbav:"Categories"`
	ReasonKind   string   `dynamodbav:"ReasonKind"`
	ReasonRef    string   `dynamodbav:"ReasonRef,omitempty"`
	ReasonTitle  string   `dynamodbav:"ReasonTitle"`
}

type pendingItem struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Kind   string `dynamodbav:"Kind"`
	GSI2PK string `dynamodbav:"GSI2PK"`
	GSI2SK string `dynamodbav:"GSI2SK"`
	ID     string `dynamodbav:"ID"`
	record
}

// ignored reports whether a read is not one the log holds: the person's
// own, or the portal's.
func ignored(r Read) bool {
	return r.By.IsSystem() || (r.By.Sub != "" && r.By.Sub == r.Owner)
}

func badRead(format string, args ...any) error {
	return fmt.Errorf("accesslog: "+format, args...)
}

// clean makes text fit for a field the person reads: one line, no control
// characters, at most n characters.
func clean(s string, n int) string {
	s = strings.Join(strings.FieldsFunc(strings.ToValidUTF8(s, ""), func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n])
	}
	return s
}

// toRecord checks a read (a mistake is the caller's bug, not the reader's:
// a plain error) and names its reader.
func toRecord(r Read, at time.Time) (record, error) {
	if r.Owner == "" {
		return record{}, badRead("a read names no owner")
	}
	role := r.By.Role()
	rec := record{Owner: r.Owner, At: stamp(at), Role: string(role), Organisation: clean(r.Organisation, 200),
		Person: clean(r.Person, 100), ReasonKind: r.Reason.Kind, ReasonRef: clean(r.Reason.Ref, 64), ReasonTitle: clean(r.Reason.Title, 300)}
	_, rec.ReaderID = journal.By(r.By, r.Owner)
	switch role {
	case actor.RoleOfficer:
		rec.OrgCode = r.By.Department
	case actor.RoleRegistrar:
		rec.OrgCode = "registrars"
		if rec.Organisation == "" {
			rec.Organisation = "Центр обслуживания (подтверждение личности)"
		}
	case actor.RoleSupport:
		rec.OrgCode = "support"
		if rec.Organisation == "" {
			rec.Organisation = "Служба поддержки портала"
		}
	case actor.RoleStaff:
		rec.OrgCode = r.By.Organisation
	case actor.RoleAgency:
		rec.OrgCode = r.By.Agency()
	case actor.RolePartner:
		rec.OrgCode = r.By.Partner()
	default:
		return record{}, badRead("a read by a %s is not one the log holds", role)
	}
	if rec.ReaderID == "" || rec.OrgCode == "" || rec.Organisation == "" {
		return record{}, badRead("a read by a %s names no reader or organisation", role)
	}
	if !reasonKinds[r.Reason.Kind] || rec.ReasonTitle == "" {
		return record{}, badRead("unknown reason %q", r.Reason.Kind)
	}
	if len(r.Categories) == 0 {
		return record{}, badRead("a read of no data")
	}
	for _, c := range personaldata.Sorted(r.Categories) {
		if !personaldata.Known(c) {
			return record{}, badRead("unknown category %q", c)
		}
		rec.Categories = append(rec.Categories, string(c))
	}
	return rec, nil
}

func newID() string {
	b := make([]byte, 12)
	_, _ = cryptorand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func shard(sub, id string) int {
	h := fnv.New32a()
	h.Write([]byte(sub + "#" + id))
	return int(h.Sum32() % PendingShards)
}

func (l *Log) pending(r Read) (pendingItem, bool, error) {
	if ignored(r) {
		return pendingItem{}, false, nil
	}
	at := l.now()
	rec, err := toRecord(r, at)
	if err != nil {
		return pendingItem{}, false, err
	}
	id := newID()
	k := dynamo.ReadPendingKey(r.Owner, rec.At, id)
	return pendingItem{PK: k.PK, SK: k.SK, Kind: kindPending, GSI2PK: dynamo.ReadPendingPK(shard(r.Owner, id)),
		GSI2SK: rec.At + "#" + r.Owner + "#" + id, ID: id, record: rec}, true, nil
}

// Record writes a read before the data leaves the service: one write of
// an item of its own, which never waits for another. Callers hand the
// data out only when it succeeded. The person's own reads and the
// portal's are not recorded (nil).
func (l *Log) Record(ctx context.Context, r Read) error {
	if l.DB == nil {
		return errors.New("accesslog: no store")
	}
	it, ok, err := l.pending(r)
	if err != nil || !ok {
		return err
	}
	if err := l.DB.Put(ctx, it); err != nil {
		return fmt.Errorf("record a read of %s's data: %w", r.Owner, err)
	}
	return nil
}

// RecordTx adds the read's record to tx, for a reader that writes anyway:
// the record then commits with the reader's own change.
func (l *Log) RecordTx(tx *dynamo.Tx, r Read) error {
	it, ok, err := l.pending(r)
	if err != nil || !ok {
		return err
	}
	tx.Put(it)
	return nil
}

// RecordAll records several reads (a page of a queue that shows several
// people's data) in as few writes as a transaction allows.
func (l *Log) RecordAll(ctx context.Context, rs []Read) error {
	if l.DB == nil {
		return errors.New("accesslog: no store")
	}
	tx := &dynamo.Tx{}
	for _, r := range rs {
		if err := l.RecordTx(tx, r); err != nil {
			return err
		}
		if tx.Len() == dynamo.MaxTxItems {
			if err := l.DB.Transact(ctx, "", tx); err != nil {
				return fmt.Errorf("record reads: %w", err)
			}
			tx = &dynamo.Tx{}
		}
	}
	if tx.Len() == 0 {
		return nil
	}
	if err := l.DB.Transact(ctx, "", tx); err != nil {
		return fmt.Errorf("record reads: %w", err)
	}
	return nil
}

// entryOf is a stored entry as the person reads it.
func entryOf(it entryItem) Entry {
	cats := make([]personaldata.Category, 0, len(it.Categories))
	for _, c := range it.Categories {
		cats = append(cats, personaldata.Category(c))
	}
	return Entry{Seq: it.Seq, At: parseStamp(it.At), Role: it.Role, RoleTitle: journal.ActorLabel(it.Role),
		Organisation: it.Organisation, OrganisationCode: it.OrgCode, Person: it.Person, Categories: cats,
		Data: personaldata.Titles(cats), Reason: Reason{Kind: it.ReasonKind, Ref: it.ReasonRef, Title: it.ReasonTitle},
		Hash: it.Hash, ReaderID: it.ReaderID}
}

// ready checks the set-up for chaining and reading, and returns the key.
func (l *Log) ready(ctx context.Context) ([]byte, error) {
	if l.DB == nil {
		return nil, errors.New("accesslog: no store")
	}
	if l.Key == nil {
		return nil, errors.New("accesslog: no key")
	}
	key, err := l.Key.AccessLogKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("access log key: %w", err)
	}
	if len(key) < journal.MinKeySize {
		return nil, fmt.Errorf("accesslog: the HMAC key has %d bytes, want at least %d", len(key), journal.MinKeySize)
	}
	return key, nil
}

func invalid(field, code, msg string) error {
	return problem.Invalid(problem.Field{Field: field, Code: code, Message: msg})
}

// ForChat is a support operator reading a conversation of the online chat.
func ForChat(conversation string) Reason {
	return Reason{Kind: ReasonTicket, Ref: conversation, Title: "Онлайн-чат со службой поддержки"}
}

// ForRecovery is support or a registrar reviewing a request to restore
// access to the account (its number).
func ForRecovery(number string) Reason {
	return Reason{Kind: ReasonIdentityCheck, Ref: number, Title: "Запрос на восстановление доступа №\u00a0" + number}
}
