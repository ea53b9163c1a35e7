// Package journal keeps the citizen's activity journal ("Журнал действий"):
// an append-only record of what happened in the account — sign-ins, profile
// changes, uploaded documents, submitted applications, payments, consents —
// that the person can read, filter, export to CSV and check for tampering.
//
// # Chain
//
// Entries are numbered 1, 2, 3, ... per user and hash-chained: each entry
// stores the hash of the one before it (Prev) and its own Hash, an
// HMAC-SHA256 under Journal.Key over a length-prefixed encoding of the user,
// Prev, Seq, At, Type, Summary, IP and Actor. Because the hash is keyed,
// someone who can write the table but does not hold the key can neither edit
// an entry nor rebuild the chain after removing one: Verify names the first
// entry that does not check out. A head item keeps the last Seq and Hash,
// sealed with the same key, so that removing the newest entry — which leaves
// a perfectly consistent shorter chain — is caught too.
//
// What the chain cannot catch: a writer who kept an old copy of the head
// item can delete the entries written after it and put that old head back.
// Catching that needs the head anchored outside the table (a copy of Head
// kept elsewhere, or simply the count the person saw last time).
//
// # Layout
//
// An entry is PK=USER#<sub>, SK=JOURNAL#<seq, 12 digits>; the head is
// PK=USER#<sub>, SK=JOURNAL-HEAD. The sort key is the sequence number, not
// the time, because the chain must be walked in the order it was written.
// Appends to one journal are serialized by a condition on the head, and an
// entry's time is never earlier than its predecessor's (a clock that lags
// behind another instance's is clamped to the previous entry's time), so
// sequence order is also time order and "newest first" is simply the key
// order reversed. A period is therefore a condition on the At attribute,
// stored as fixed-width UTC text (nanoseconds always written) so that
// comparing the strings compares the times, and reading can stop at the
// first entry outside the period. List's cursor is the table's own (see
// dynamo.Query): opaque to the client and bound to the caller's partition
// and to the journal's range of keys, so that a cursor edited, forged or
// taken from another user or another list is refused (400 invalid_cursor)
// as every other list refuses it.
//
// # Cost
//
// Append: one consistent read of the head and one two-item transaction
// (plus the same again per lost race); Commit the same, with the change's
// writes in the transaction. List: one query per page. All and
// Verify: one query per 100 entries, Verify one read more for the head.
//
// # Retention
//
// Entries have no expiry (no TTL): the journal is the person's own record of
// their account and is kept for as long as the account is. Nothing here
// deletes entries.
//
// # Content
//
// Summary is shown to the person and exported as is: callers write it in
// Russian and must never put secrets in it — no passwords, codes, tokens,
// full document numbers or card numbers. The journal cannot tell a secret
// from ordinary text; that is the caller's responsibility.
package journal

import (
	"context"
	cryptorand "crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
)

// Entry types the portal writes. Other types are allowed if they follow the
// same form: lowercase letters, digits, '.', '_' and '-', at most 64 bytes.
const (
	TypeLogin             = "auth.login"
	TypeSecurity          = "auth.security" // password, second factor, recovery
	TypeSession           = "auth.session"  // a session ended by the person
	TypeLevel             = "account.level" // an identity check raised the level
	TypeSettings          = "settings.change"
	TypeProfileChange     = "profile.change"
	TypeDocumentUpload    = "document.upload"
	TypeApplicationSubmit = "application.submit"
	// TypeApplicationStatus: an officer changed the status of an application.
	TypeApplicationStatus = "application.status"
	TypePayment           = "payment"
	TypeConsent           = "consent"
	// TypeAppointment: an appointment booked, moved, cancelled or marked
	// (by the person, or by staff of the organisation).
	TypeAppointment = "appointment"
	// TypeAccessFlag: the person reported a read of their data they do not
	// recognise (shared/accesslog).
	TypeAccessFlag = "access.flag"
)

// Actors: who did what an entry records (the roles of shared/actor).
const (
	ActorCitizen   = string(actor.RoleCitizen)
	ActorOfficer   = string(actor.RoleOfficer)
	ActorRegistrar = string(actor.RoleRegistrar)
	ActorSupport   = string(actor.RoleSupport)
	ActorStaff     = string(actor.RoleStaff)
	ActorSystem    = string(actor.RoleSystem)
	ActorAgency    = string(actor.RoleAgency)
	ActorPartner   = string(actor.RolePartner)
)

// By is an entry's Actor and ActorID for an action taken by a on owner's
// account. A person acting on their own account is the citizen, whatever
// staff groups they are in (an officer changing their own password is not
// acting as an officer). Staff on someone else's account are their role
// and their subject; an agency's or a partner's system is its role and
// "<organisation>/<app client>", so that what a system wrote names who
// wrote it.
func By(a actor.Actor, owner string) (role, id string) {
	switch {
	case a.IsMachine():
		org := a.Agency()
		if org == "" {
			org = a.Partner()
		}
		return string(a.Role()), org + "/" + a.ClientID()
	case a.Sub != "" && a.Sub == owner:
		return ActorCitizen, ""
	case a.Sub != "":
		return string(a.Role()), a.Sub
	}
	return string(a.Role()), ""
}

// MaxSummary is the longest Summary, in characters.
const MaxSummary = 1000

// MaxTypes is the most types one Filter may name.
const MaxTypes = 50

// ExportLimit caps All: an export that would hold more entries is refused
// with TooLarge and the person asked for a shorter period.
var ExportLimit = 10000

// Entry is one journal record.
type Entry struct {
	// Seq numbers the user's entries from 1 without gaps; Append sets it.
	Seq int64 `json:"seq"`
	// At is when the entry was written (UTC); Append sets it from the clock.
	At time.Time `json:"at"`
	// Type classifies the entry, e.g. TypeLogin.
	Type string `json:"type"`
	// Summary is a Russian sentence for the person. It must never contain
	// secrets: the journal shows and exports it as is.
	Summary string `json:"summary"`
	// IP is the address the action came from, when there was one.
	IP string `json:"ip,omitempty"`
	// Actor is the role the action was taken in (ActorCitizen,
	// ActorOfficer, ActorRegistrar, ActorSupport, ActorStaff, ActorSystem,
	// ActorAgency or ActorPartner).
	Actor string `json:"actor"`
	// ActorID is who acted on the account (By): the staff person (an
	// officer, a registrar, an operator), or the organisation and app
	// client of a system. Empty when the person acted themselves or the
	// portal did. It is recorded (and hashed) for staff and audit and never
	// shown to the person: their journal names the role, and Organisation.
	ActorID string `json:"-"`
	// Organisation is the agency or partner organisation whose system
	// acted (the part of ActorID before the client), empty for people.
	Organisation string `json:"organisation,omitempty"`
	// Hash is the entry's link in the chain; Append sets it.
	Hash string `json:"hash"`
}

// Filter narrows List and All. Zero fields do not filter.
type Filter struct {
	// From and To bound the period: From <= At < To.
	From, To time.Time
	// Types keeps only entries of these types.
	Types []string
}

// Head is the end of a user's chain, as AppendTx needs it.
type Head struct {
	// Seq is the last entry's number, 0 for an empty journal.
	Seq int64
	// Hash is the last entry's hash, or the genesis value.
	Hash string
	// At is the last entry's time.
	At time.Time
}

// Journal writes and reads activity journals.
type Journal struct {
	// DB is the single table.
	DB *dynamo.Store
	// Key gives the HMAC key of the chain (at least 32 bytes), kept apart
	// from the table, so that a writer with table access but without the
	// key cannot rebuild the chain. Every entry ever written is checked with
	// it: a new key makes existing journals fail Verify at entry 1.
	Key KeySource
	// Clock gives entry times; nil means the system clock.
	Clock clock.Clock
}

// KeySource gives the chain's key: vault.Keyring derives it from the index
// secret, read on first use; StaticKey is a fixed one.
type KeySource interface {
	JournalKey(ctx context.Context) ([]byte, error)
}

// StaticKey is a key held in memory (tests, tools that already hold it).
type StaticKey []byte

// JournalKey implements KeySource.
func (k StaticKey) JournalKey(context.Context) ([]byte, error) { return k, nil }

// MinKeySize is the shortest accepted Key.
const MinKeySize = 32

// kind is the Kind attribute of journal items.
const (
	kindEntry = "journal"
	kindHead  = "journal-head"
)

// genesis is the Prev of entry 1.
var genesis = strings.Repeat("0", 64)

// stampLayout has a fixed width, so that stamps compare as times do.
const stampLayout = "2006-01-02T15:04:05.000000000Z"

func stamp(t time.Time) string { return t.UTC().Format(stampLayout) }

func parseStamp(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

type entryItem struct {
	PK      string `dynamodbav:"PK"`
	SK      string `dynamodbav:"SK"`
	Kind    string `dynamodbav:"Kind"`
	Seq     int64  `dynamodbav:"Seq"`
	At      string `dynamodbav:"At"`
	Type    string `dynamodbav:"Type"`
	Summary string `dynamodbav:"Summary"`
	IP      string `dynamodbav:"IP,omitempty"`
	Actor   string `dynamodbav:"Actor"`
	ActorID string `dynamodbav:"ActorID,omitempty"`
	Prev    string `dynamodbav:"Prev"`
	Hash    string `dynamodbav:"Hash"`
}

func (it entryItem) entry() Entry {
	e := Entry{Seq: it.Seq, At: parseStamp(it.At), Type: it.Type, Summary: it.Summary, IP: it.IP, Actor: it.Actor, ActorID: it.ActorID, Hash: it.Hash}
	if it.Actor == ActorAgency || it.Actor == ActorPartner {
		e.Organisation, _, _ = strings.Cut(it.ActorID, "/")
	}
	return e
}

type headItem struct {
	PK   string `dynamodbav:"PK"`
	SK   string `dynamodbav:"SK"`
	Kind string `dynamodbav:"Kind"`
	Seq  int64  `dynamodbav:"Seq"`
	Hash string `dynamodbav:"Hash"`
	At   string `dynamodbav:"At"`
	// Seal is an HMAC over the head's fields: a head rewritten without the
	// key does not check out.
	Seal string `dynamodbav:"Seal"`
}

// ready checks the journal's set-up and returns the chain's key.
func (j *Journal) ready(ctx context.Context) ([]byte, error) {
	if j.DB == nil {
		return nil, errors.New("journal: no store")
	}
	if j.Key == nil {
		return nil, errors.New("journal: no key")
	}
	key, err := j.Key.JournalKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("journal key: %w", err)
	}
	if len(key) < MinKeySize {
		return nil, fmt.Errorf("journal: the HMAC key has %d bytes, want at least %d", len(key), MinKeySize)
	}
	return key, nil
}

func (j *Journal) now() time.Time {
	if j.Clock == nil {
		return time.Now()
	}
	return j.Clock.Now()
}

func invalid(field, code, msg string) error {
	return problem.Invalid(problem.Field{Field: field, Code: code, Message: msg})
}

// normalize checks what the caller gives and drops what Append sets.
func normalize(e Entry) (Entry, error) {
	if e.Type == "" || len(e.Type) > 64 || strings.ContainsFunc(e.Type, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')
	}) {
		return Entry{}, invalid("type", "invalid_type", "Тип записи: строчные латинские буквы, цифры, точка, дефис и подчёркивание, не длиннее 64 символов")
	}
	switch {
	case strings.TrimSpace(e.Summary) == "":
		return Entry{}, invalid("summary", "required", "Описание обязательно")
	case !utf8.ValidString(e.Summary):
		return Entry{}, invalid("summary", "invalid_encoding", "Описание должно быть в UTF-8")
	case utf8.RuneCountInString(e.Summary) > MaxSummary:
		return Entry{}, invalid("summary", "too_long", fmt.Sprintf("Описание не длиннее %d символов", MaxSummary))
	case strings.ContainsFunc(e.Summary, func(r rune) bool { return r != '\n' && unicode.IsControl(r) }):
		return Entry{}, invalid("summary", "control_characters", "Описание не должно содержать управляющих символов")
	}
	switch e.Actor {
	case ActorCitizen, ActorOfficer, ActorRegistrar, ActorSupport, ActorStaff, ActorSystem, ActorAgency, ActorPartner:
	default:
		return Entry{}, invalid("actor", "invalid_actor", "Кто: citizen, officer, registrar, support, staff, system, agency или partner")
	}
	if len(e.ActorID) > 128 || strings.ContainsFunc(e.ActorID, func(r rune) bool { return r <= ' ' || r > '~' }) {
		return Entry{}, invalid("actorId", "invalid_actor_id", "Некорректный идентификатор сотрудника")
	}
	if e.IP != "" {
		addr, err := netip.ParseAddr(e.IP)
		if err != nil {
			return Entry{}, invalid("ip", "invalid_ip", "Некорректный IP-адрес")
		}
		e.IP = addr.Unmap().String()
	}
	e.Seq, e.At, e.Hash, e.Organisation = 0, time.Time{}, "", ""
	return e, nil
}

// Head reads the end of a user's chain; an empty journal has Seq 0.
func (j *Journal) Head(ctx context.Context, sub string) (Head, error) {
	it, found, err := j.readHead(ctx, sub)
	if err != nil {
		return Head{}, err
	}
	if !found {
		return Head{Hash: genesis}, nil
	}
	return Head{Seq: it.Seq, Hash: it.Hash, At: parseStamp(it.At)}, nil
}

func (j *Journal) readHead(ctx context.Context, sub string) (headItem, bool, error) {
	var it headItem
	err := j.DB.Get(ctx, dynamo.JournalHeadKey(sub), "журнал", &it)
	if problem.Is(err, problem.KindNotFound) {
		return headItem{}, false, nil
	}
	if err != nil {
		return headItem{}, false, fmt.Errorf("read journal head: %w", err)
	}
	return it, true, nil
}

// AppendTx adds the next entry after head to tx: the entry itself (which
// must not exist) and the new head (which must still be head). It returns
// the entry as it will be stored once tx commits. Use it to journal a change
// in the same transaction as the change; if the transaction fails with
// Conflict, another append moved the head: read Head again and retry.
func (j *Journal) AppendTx(ctx context.Context, tx *dynamo.Tx, head Head, sub string, e Entry) (Entry, error) {
	key, err := j.ready(ctx)
	if err != nil {
		return Entry{}, err
	}
	if e, err = normalize(e); err != nil {
		return Entry{}, err
	}
	if head.Seq == 0 {
		head.Hash = genesis
	}
	at := j.now().UTC()
	if at.Before(head.At) {
		at = head.At.UTC()
	}
	k := dynamo.JournalKey(sub, head.Seq+1)
	it := entryItem{PK: k.PK, SK: k.SK, Kind: kindEntry, Seq: head.Seq + 1, At: stamp(at), Type: e.Type,
		Summary: e.Summary, IP: e.IP, Actor: e.Actor, ActorID: e.ActorID, Prev: head.Hash}
	it.Hash = entryHash(key, sub, it)

	cond := expression.AttributeNotExists(expression.Name(dynamo.AttrPK))
	if head.Seq > 0 {
		cond = expression.Name("Seq").Equal(expression.Value(head.Seq))
	}
	upd := expression.Set(expression.Name(dynamo.AttrKind), expression.Value(kindHead)).
		Set(expression.Name("Seq"), expression.Value(it.Seq)).
		Set(expression.Name("Hash"), expression.Value(it.Hash)).
		Set(expression.Name("At"), expression.Value(it.At)).
		Set(expression.Name("Seal"), expression.Value(headSeal(key, sub, it.Seq, it.Hash, it.At)))
	tx.Create(it).Update(dynamo.JournalHeadKey(sub), upd, &cond)
	return it.entry(), nil
}

// maxAttempts bounds the retries of Append and Commit when other appends
// to the same journal win the race.
const maxAttempts = 12

// Append writes the next entry of a user's journal and returns it with
// Seq, At and Hash set. Concurrent appends to one journal are serialized:
// the loser of a race re-reads the head and tries again. Errors: Invalid for
// a malformed entry; Unavailable when the journal stays contended.
func (j *Journal) Append(ctx context.Context, sub string, e Entry) (Entry, error) {
	if _, err := normalize(e); err != nil {
		return Entry{}, err
	}
	return j.Commit(ctx, sub, func(context.Context, *dynamo.Tx) (Entry, error) { return e, nil })
}

// Commit writes a change and the entry that records it in one
// transaction, so that neither is ever written without the other. change
// adds the change's writes to a fresh tx and returns its entry. When the
// transaction fails with Conflict or Unavailable — another append moved
// the head, or a condition of the change failed — Commit calls change
// again with a fresh tx: change must read again what its writes depend on
// and return its own error (a real conflict) when that changed. It returns
// the entry as stored. Errors: change's; Invalid for a malformed entry;
// Unavailable when the journal stays contended.
func (j *Journal) Commit(ctx context.Context, sub string, change func(ctx context.Context, tx *dynamo.Tx) (Entry, error)) (Entry, error) {
	if _, err := j.ready(ctx); err != nil {
		return Entry{}, err
	}
	var last error
	for attempt := range maxAttempts {
		if attempt > 0 {
			if err := Backoff(ctx, attempt); err != nil {
				return Entry{}, fmt.Errorf("journal commit: %w", err)
			}
		}
		tx := &dynamo.Tx{}
		e, err := change(ctx, tx)
		if err != nil {
			return Entry{}, err
		}
		head, err := j.Head(ctx, sub)
		if err != nil {
			return Entry{}, fmt.Errorf("journal commit: %w", err)
		}
		out, err := j.AppendTx(ctx, tx, head, sub, e)
		if err != nil {
			return Entry{}, err
		}
		// A token of its own for each attempt: if the SDK resends a
		// transaction that in fact committed, DynamoDB answers success
		// instead of failing the condition, which would make this loop
		// write the change and its entry a second time.
		err = j.DB.Transact(ctx, token(), tx)
		if err == nil {
			return out, nil
		}
		if !problem.Is(err, problem.KindConflict) && !problem.Is(err, problem.KindUnavailable) {
			return Entry{}, fmt.Errorf("journal commit: %w", err)
		}
		last = err
	}
	return Entry{}, problem.Wrap(fmt.Errorf("journal commit after %d attempts: %w", maxAttempts, last),
		problem.KindUnavailable, "busy", "Данные сейчас изменяются, повторите попытку")
}

// Backoff waits a random time that grows with the attempt, so that racing
// appenders (of this journal, or of any chain kept the same way) spread out
// instead of colliding again.
func Backoff(ctx context.Context, attempt int) error {
	ceiling := min(time.Millisecond<<attempt, 50*time.Millisecond)
	t := time.NewTimer(rand.N(ceiling) + time.Millisecond/4)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func token() string {
	b := make([]byte, 18)
	_, _ = cryptorand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// matcher is a checked Filter.
type matcher struct {
	from, to string // fixed-width stamps, "" when unbounded
	types    map[string]bool
}

func (f Filter) matcher() (matcher, error) {
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return matcher{}, invalid("to", "invalid_period", "Конец периода должен быть позже начала")
	}
	if len(f.Types) > MaxTypes {
		return matcher{}, invalid("types", "too_many", fmt.Sprintf("Не больше %d типов", MaxTypes))
	}
	var m matcher
	if !f.From.IsZero() {
		m.from = stamp(f.From)
	}
	if !f.To.IsZero() {
		m.to = stamp(f.To)
	}
	if len(f.Types) > 0 {
		m.types = make(map[string]bool, len(f.Types))
		for _, t := range f.Types {
			m.types[t] = true
		}
	}
	return m, nil
}

func (m matcher) filters() bool { return m.from != "" || m.to != "" || m.types != nil }

// before: the entry is older than the period; so is every entry before it.
func (m matcher) before(it entryItem) bool { return m.from != "" && it.At < m.from }

// after: the entry is newer than the period; so is every entry after it.
func (m matcher) after(it entryItem) bool { return m.to != "" && it.At >= m.to }

func (m matcher) keeps(it entryItem) bool {
	return !m.before(it) && !m.after(it) && (m.types == nil || m.types[it.Type])
}

// maxSeq is the largest number a 12-digit sort key holds.
const maxSeq = 999_999_999_999

// listRounds bounds the reads of one filtered List call: a sparse filter
// over a long journal returns a short page with a cursor rather than
// reading on.
var listRounds = 5

// List returns one page of a user's journal, newest first, and the cursor of
// the next page ("" at the end). Errors: Invalid for a bad filter,
// BadRequest for a bad cursor.
//
// Filters are applied here rather than by a DynamoDB filter expression: a
// filter expression saves no read capacity (DynamoDB charges for every item
// it evaluates), whereas reading the entries here lets the page stop exactly
// at limit with a cursor right after the last entry returned, and lets a
// period stop the reading at its start, since entry times only grow with
// their numbers. A sparse filter may still return a short page (at most
// listRounds reads per call); keep going while the cursor is not empty.
func (j *Journal) List(ctx context.Context, sub string, f Filter, cursor string, limit int32) ([]Entry, string, error) {
	m, err := f.matcher()
	if err != nil {
		return nil, "", err
	}
	if limit <= 0 || limit > dynamo.MaxPageSize {
		limit = dynamo.MaxPageSize
	}
	// The whole journal's range: Query refuses a cursor outside it.
	page := dynamo.Page{Partition: dynamo.UserPK(sub), From: dynamo.JournalKey(sub, 1).SK,
		To: dynamo.JournalKey(sub, maxSeq).SK, Cursor: cursor}
	out := make([]Entry, 0, limit)
	for range listRounds {
		page.Limit = limit - int32(len(out))
		if m.filters() {
			page.Limit = dynamo.MaxPageSize
		}
		var items []entryItem
		more, err := j.DB.Query(ctx, page, &items)
		if err != nil {
			return nil, "", fmt.Errorf("list journal: %w", err)
		}
		lowest := int64(0)
		for i, it := range items {
			seq, ok := seqOf(it.SK)
			if !ok {
				continue // not an entry: Verify reports it
			}
			lowest = seq
			if m.before(it) {
				return out, "", nil
			}
			if m.keeps(it) {
				out = append(out, it.entry())
			}
			if int32(len(out)) == limit {
				if seq <= 1 || (i == len(items)-1 && more == "") {
					return out, "", nil
				}
				// The next page starts after this entry, even when the
				// read went further.
				next, err := dynamo.CursorAt(dynamo.Key{PK: it.PK, SK: it.SK})
				return out, next, err
			}
		}
		if more == "" || lowest == 1 {
			return out, "", nil
		}
		page.Cursor = more
	}
	return out, page.Cursor, nil
}

// All returns every entry of a user's journal that passes f, oldest first,
// for export. Errors: Invalid for a bad filter; TooLarge past ExportLimit.
func (j *Journal) All(ctx context.Context, sub string, f Filter) ([]Entry, error) {
	m, err := f.matcher()
	if err != nil {
		return nil, err
	}
	var out []Entry
	cursor := ""
	for {
		var items []entryItem
		next, err := j.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.JournalPrefix,
			Limit: dynamo.MaxPageSize, Forward: true, Cursor: cursor}, &items)
		if err != nil {
			return nil, fmt.Errorf("export journal: %w", err)
		}
		for _, it := range items {
			if m.after(it) {
				return out, nil
			}
			if m.keeps(it) {
				out = append(out, it.entry())
			}
		}
		if len(out) > ExportLimit {
			return nil, problem.New(problem.KindTooLarge, "journal_too_large",
				fmt.Sprintf("В выгрузку попадает больше %d записей. Выберите период короче", ExportLimit))
		}
		if next == "" {
			return out, nil
		}
		cursor = next
	}
}
