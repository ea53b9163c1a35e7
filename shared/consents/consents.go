// Package consents is a person's consents to share their personal data
// («Управление согласиями», S4 3.4.2): an organisation — a bank, an
// insurer, an employer, a school, the portal's operator itself — asks for a
// consent for a purpose, naming the levels it offers (full, partial,
// limited: each a set of data categories, each narrower than the one
// above) and the term; the person grants it with a one-time code, at the
// level asked or a narrower one and for the term asked or a shorter one, or
// refuses; later changes the level or the term (a wider one again with a
// code), or withdraws it, which takes effect at once. An organisation reads
// a person's data only through an active consent, only the categories it
// allows, and each read goes to the person's access log
// (shared/accesslog). Every change is in the consent's history, the
// person's activity journal and their inbox; the person is reminded 14
// days before a consent expires. The consent to process personal data
// given at registration is recorded as a document of its own (152-FZ,
// art. 9 part 4.1, in force since 1 September 2025).
//
// # Who sees what
//
// A person sees their own consents; an organisation's system (a partner,
// DESIGN 11) sees only the consents asked by its own organisation and
// finds a person only by the reference the portal gave it for that person
// (a keyed hash of the organisation and the account: each organisation
// knows the person by another one, and none is a personal identifier).
//
// # Statuses
//
//	requested ─┬─ grant ──▶ active ─┬─ change ──▶ active
//	           ├─ refuse ─▶ refused  ├─ withdraw ─▶ withdrawn
//	           └─ 30 days ▶ expired  └─ its term ─▶ expired
//
// A consent past its term is expired the moment the term ends (every read
// compares the term with the clock); the schedule then records the change
// (history, journal, inbox) once.
package consents

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/personaldata"
	"github.com/kabinet/kabinet/shared/sendlimit"
	"github.com/kabinet/kabinet/shared/vault"
)

// Status is where a consent is in its life.
type Status string

// The statuses.
const (
	StatusRequested Status = "requested"
	StatusActive    Status = "active"
	StatusExpired   Status = "expired"
	StatusWithdrawn Status = "withdrawn"
	StatusRefused   Status = "refused"
)

// statusNames are the statuses as a person reads them.
var statusNames = map[Status]string{StatusRequested: "Запрошено", StatusActive: "Действует", StatusExpired: "Истёк срок",
	StatusWithdrawn: "Отозвано", StatusRefused: "Отклонено"}

// Level is how much of what an organisation asks a consent gives.
type Level string

// The levels, from the widest.
const (
	LevelFull    Level = "full"
	LevelPartial Level = "partial"
	LevelLimited Level = "limited"
)

// levels in order, widest first.
var levels = []Level{LevelFull, LevelPartial, LevelLimited}

var levelNames = map[Level]string{LevelFull: "полный", LevelPartial: "частичный", LevelLimited: "ограниченный"}

// rank orders levels: 0 the widest.
func rank(l Level) int {
	for i, x := range levels {
		if x == l {
			return i
		}
	}
	return -1
}

// Actions are what a history event records.
const (
	ActionRequested  = "requested"
	ActionGranted    = "granted"
	ActionRefused    = "refused"
	ActionChanged    = "changed"
	ActionWithdrawn  = "withdrawn"
	ActionExpired    = "expired"
	ActionRegistered = "registered"
)

var actionNames = map[string]string{ActionRequested: "Запрошено", ActionGranted: "Дано", ActionRefused: "Отклонено",
	ActionChanged: "Изменено", ActionWithdrawn: "Отозвано", ActionExpired: "Истёк срок", ActionRegistered: "Дано при регистрации"}

// Terms.
const (
	// RequestLifetime is how long a request waits for the person's answer.
	RequestLifetime = 30 * 24 * time.Hour
	// MaxTerm is the longest term a consent may run for, from now.
	MaxTerm = 5 * 365 * 24 * time.Hour
	// MinTerm is the shortest: a term must end at least a day from now.
	MinTerm = 24 * time.Hour
	// ReminderBefore is how long before its end a consent is reminded of.
	ReminderBefore = 14 * 24 * time.Hour
)

// Organisation is who a consent is given to.
type Organisation struct {
	// Code is the organisation's code: its scope is kabinet/partner.<Code>.
	Code string `json:"code"`
	Name string `json:"name"`
	// Sector is bank, insurer, employer, school or operator.
	Sector string `json:"kind"`
}

// OperatorCode is the portal's operator, to whom the registration consent
// is given; it has no system of its own calling the API.
const OperatorCode = "portal"

// Organisations are the organisations the portal knows. The partners are
// the demonstration deployment's (each has an app client in template.yaml);
// a real deployment registers its partners' agreements here.
var Organisations = map[string]Organisation{
	OperatorCode:   {Code: OperatorCode, Name: "Оператор портала «Кабинет»", Sector: "operator"},
	"demobank":     {Code: "demobank", Name: "АО «Демо Банк»", Sector: "bank"},
	"demoinsurer":  {Code: "demoinsurer", Name: "АО «Демо Страхование»", Sector: "insurer"},
	"demoemployer": {Code: "demoemployer", Name: "ООО «Демо Работодатель»", Sector: "employer"},
	"demoschool":   {Code: "demoschool", Name: "ГБОУ «Демо Школа № 1»", Sector: "school"},
}

// Event is one change in a consent's history.
type Event struct {
	At time.Time `json:"at"`
	// Action is one of the Action* constants, ActionName it in Russian.
	Action     string `json:"action"`
	ActionName string `json:"actionName"`
	// Level, Categories and ExpiresAt are the consent's after the change.
	Level      Level                   `json:"level,omitempty"`
	Categories []personaldata.Category `json:"categories"`
	ExpiresAt  time.Time               `json:"expiresAt,omitzero"`
	// Actor is the role that made the change (citizen, partner, system).
	Actor string `json:"actor"`
}

// Document is the text a consent was given on, when it is a document of
// its own (the registration consent).
type Document struct {
	Version string `json:"version"`
	Title   string `json:"title"`
	Text    string `json:"text"`
	// SHA256 is the digest of the text (hex), so that the text given on can
	// be told from any later edition.
	SHA256 string `json:"sha256"`
	// From is the address the consent was given from.
	From string `json:"from,omitempty"`
}

// Consent is a consent as its person sees it.
type Consent struct {
	ID           string       `json:"id"`
	Organisation Organisation `json:"organisation"`
	Purpose      string       `json:"purpose"`
	// Status is the consent's now (a term that has ended is expired, even
	// before the schedule records it), StatusName it in Russian.
	Status     Status `json:"status"`
	StatusName string `json:"statusName"`
	// Levels are those the organisation offered, each a set of categories.
	Levels map[Level][]personaldata.Category `json:"levels"`
	// Level and Categories are what the consent gives (while requested:
	// what is asked), ExpiresAt until when ("" for a consent without a
	// term: the registration consent, while the account lives).
	Level      Level                   `json:"level"`
	Categories []personaldata.Category `json:"categories"`
	Data       string                  `json:"data"`
	ExpiresAt  time.Time               `json:"expiresAt,omitzero"`
	// Requested is what the organisation asked for.
	RequestedLevel Level     `json:"requestedLevel"`
	RequestedUntil time.Time `json:"requestedUntil,omitzero"`
	RequestedAt    time.Time `json:"requestedAt"`
	// AnswerBy is when an unanswered request lapses.
	AnswerBy  time.Time `json:"answerBy,omitzero"`
	GrantedAt time.Time `json:"grantedAt,omitzero"`
	EndedAt   time.Time `json:"endedAt,omitzero"`
	Version   int64     `json:"version"`
	Document  *Document `json:"document,omitempty"`
	History   []Event   `json:"history,omitempty"`
	// Unavailable are categories the consent names that the portal holds
	// no records of yet (nothing of them reaches the organisation).
	Unavailable []personaldata.Category `json:"unavailable,omitempty"`
	// RequestID is the organisation's own id of its request.
	RequestID string `json:"requestId,omitempty"`
	// PersonRef is how the organisation knows the person (its view only).
	PersonRef string `json:"personRef,omitempty"`
}

// KeySource gives the blind index (vault.Keyring): SNILS look-ups,
// references, the organisations' references of people.
type KeySource interface {
	Keys(ctx context.Context) (vault.Keys, error)
}

// People is what consents need of accounts.
type People interface {
	// HolderOf is the account that claimed a SNILS (kind "snils", by its
	// blind-index hash), with its level. NotFound when nobody did.
	HolderOf(ctx context.Context, kind, hash string) (string, accounts.Level, error)
	// ProfileOf is a person's data with sealed fields opened.
	ProfileOf(ctx context.Context, sub string) (accounts.Profile, error)
}

// Signatures confirm a grant, and a change that gives more, by a one-time
// code (the authenticator's, or one sent by SMS).
type Signatures interface {
	StartConfirmation(ctx context.Context, sub, docID string, version int64, content, what string, flow sendlimit.Flow) (accounts.SignaturePending, error)
	CheckSignature(ctx context.Context, sub, docID string, version int64, content, code string) (func(*dynamo.Tx), error)
}

// Inbox puts notes in a person's inbox, in the transaction of the change.
type Inbox interface {
	Add(tx *dynamo.Tx, n inbox.Note, now time.Time) (string, error)
}

// Reads record the reads of a person's data (accesslog.Log).
type Reads interface {
	Record(ctx context.Context, r accesslog.Read) error
}

var (
	_ KeySource  = (*vault.Keyring)(nil)
	_ People     = (*accounts.Profiles)(nil)
	_ Signatures = (*accounts.Signatures)(nil)
	_ Inbox      = (*inbox.Store)(nil)
	_ Reads      = (*accesslog.Log)(nil)
)

// Deps are what the consents services are built on; each constructor
// names what it lacks.
type Deps struct {
	DB         *dynamo.Store
	Keys       KeySource
	People     People
	Signatures Signatures
	Inbox      Inbox
	// Journal records every change in the person's activity journal, in
	// the change's transaction.
	Journal *journal.Journal
	// Reads record the organisations' reads in the access log.
	Reads Reads
	Clock clock.Clock
}

func (d Deps) need(service string, names ...string) error {
	set := map[string]bool{"DB": d.DB != nil, "Clock": d.Clock != nil, "Keys": d.Keys != nil, "People": d.People != nil,
		"Signatures": d.Signatures != nil, "Inbox": d.Inbox != nil, "Journal": d.Journal != nil, "Reads": d.Reads != nil}
	var missing []string
	for _, n := range append([]string{"DB", "Clock"}, names...) {
		if !set[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("consents: %s needs %s", service, strings.Join(missing, ", "))
	}
	return nil
}

func (d Deps) now() time.Time { return d.Clock.Now().UTC() }

func (d Deps) index(ctx context.Context) (*vault.Index, error) {
	k, err := d.Keys.Keys(ctx)
	if err != nil {
		return nil, err
	}
	return k.Index, nil
}

// Consents are the person's side: their consents, grants, refusals,
// changes and withdrawals, the references they give organisations.
type Consents struct{ d Deps }

// NewConsents needs Keys, Signatures, Inbox and Journal.
func NewConsents(d Deps) (*Consents, error) {
	if err := d.need("Consents", "Keys", "Signatures", "Inbox", "Journal"); err != nil {
		return nil, err
	}
	return &Consents{d}, nil
}

// Partners are the organisations' side: requests, their own consents, and
// the person's data through an active consent.
type Partners struct{ d Deps }

// NewPartners needs Keys, People, Inbox, Journal and Reads.
func NewPartners(d Deps) (*Partners, error) {
	if err := d.need("Partners", "Keys", "People", "Inbox", "Journal", "Reads"); err != nil {
		return nil, err
	}
	return &Partners{d}, nil
}

// Expiry is the schedule: it records consents whose term ended and
// requests nobody answered.
type Expiry struct{ d Deps }

// NewExpiry needs Inbox and Journal.
func NewExpiry(d Deps) (*Expiry, error) {
	if err := d.need("Expiry", "Inbox", "Journal"); err != nil {
		return nil, err
	}
	return &Expiry{d}, nil
}
