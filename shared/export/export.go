// Package export builds a complete copy of everything the portal holds about
// a person (152-FZ, art. 14): the profile with sealed fields opened, and
// every item of their partition grouped by kind, with secrets taken out. It
// is a JSON document in a ZIP in S3, downloadable for 24 hours.
package export

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/applications"
	"github.com/kabinet/kabinet/shared/blob"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/consents"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/payments"
	"github.com/kabinet/kabinet/shared/problem"
)

// Section is where an item kind goes in the export and which of its
// attributes leave with it: an allow-list, so an attribute added to an item
// later (a secret, a hash, a key) stays out until someone decides it is the
// person's to take.
type Section struct {
	// Name is the section; empty for kinds that hold nothing about the
	// person (a counter, the journal's head).
	Name string
	// Keep are the attributes exported. None: the section is filled from
	// the opened records instead (the stored form is sealed).
	Keep []string
}

// Sections maps every item kind stored in a person's partition to its
// section. A test holds this equal to the kinds the code writes. Which
// staff member acted on the account (LevelBy, DecidedBy, ActorID) is
// recorded for staff and audit and stays out: the person sees the role,
// and the department where there is one, as everywhere else.
var Sections = map[string]Section{
	"account": {"account", []string{"Sub", "Level", "LevelMethod", "LevelAt", "Surname", "Name", "Patronymic", "BirthDate",
		"Sex", "Citizenship", "Phone", "Email", "EmailConfirmed", "MFA", "BirthPlace", "RegAddress", "ActualAddress", "ExtraPhones",
		"PhoneChangedAt", "Department", "Organisation", "PasswordChangedAt", "FailedLogins", "LockedUntil", "CreatedAt"}},
	"settings":        {"settings", []string{"TimeZone", "Locale", "UpdatedAt"}},
	"session":         {"sessions", []string{"ID", "CreatedAt", "LastSeen", "UserAgent", "IP", "Method", "AuthTime", "Level"}},
	"login":           {"signInHistory", []string{"At", "IP", "UserAgent", "Method", "Result", "Reason"}},
	"device":          {"knownDevices", []string{"At"}},
	"note":            {"notifications", []string{"ID", "Type", "Category", "Title", "Body", "CreatedAt", "Read", "Channels"}},
	"unread":          {"", nil}, // a count of unread notifications
	"prefs":           {"notificationPreferences", []string{"Channels", "QuietHours", "DailyCap", "UpdatedAt"}},
	"push-device":     {"pushDevices", []string{"ID", "Platform", "CreatedAt"}},
	"reminder":        {"reminders", []string{"ID", "At", "Type", "Vars", "State"}},
	"calendar":        {"calendar", []string{"ID", "Type", "Title", "Start", "End", "AllDay", "Link", "Location"}},
	"calendar-feed":   {"calendarSubscriptions", []string{"ID", "Name", "CreatedAt"}},
	"document":        {"documents", []string{"ID", "Type", "FileName", "ContentType", "Size", "State", "CreatedAt", "Number", "Code", "Application", "Title"}},
	"profile-history": {"profileHistory", []string{"At", "Field", "Old", "New", "Actor"}},
	"change-request": {"changeRequests", []string{"ID", "Field", "DocumentID", "Status", "Reason", "CreatedAt", "DecidedAt",
		"Department", "DecidedRole"}},
	"journal":                    {"activityJournal", []string{"Seq", "At", "Type", "Summary", "IP", "Actor", "Hash"}},
	"journal-head":               {"", nil}, // the chain's head holds no personal data
	"contact-change":             {"pendingContactChanges", []string{"Value", "Expires"}},
	"export":                     {"exports", []string{"ID", "CreatedAt", "Size"}},
	"identity-document":          {"identityDocuments", nil}, // the opened list
	"application":                {"applications", nil},      // the opened cards
	"application-log":            {"applicationHistory", []string{"At", "From", "To", "Role", "Comment", "Documents"}},
	"application-template":       {"applicationTemplates", nil},                                   // the opened list
	"application-template-count": {"", nil},                                                       // a number that caps the templates
	"calendar-feed-count":        {"", nil},                                                       // a number that caps the calendar subscriptions
	"signature-code":             {"pendingSignatures", []string{"Version", "SentAt", "Expires"}}, // a code asked for to sign an application
	"charge-link": {"charges", []string{"UIN", "Agency", "Type", "Purpose", "Amount", "PaidAmount", "Due", "DiscountPercent",
		"DiscountUntil", "Status", "PaymentID", "LinkedAt", "RequestType"}},
	"vehicle":         {"vehicles", []string{"ID", "Plate", "CertMask", "Name", "AddedAt"}},
	"payment-limits":  {"paymentLimits", []string{"PerPayment", "PerDay", "PerMonth", "UpdatedAt"}},
	"meter":           {"", nil}, // a meter's last accepted value, which the readings hold
	"meter-reading":   {"meterReadings", []string{"Provider", "Account", "Meter", "Value", "Previous", "At"}},
	"payment-usage":   {"", nil}, // running sums of a day's and a month's payments, which the payments themselves show
	"utility-account": {"utilityAccounts", []string{"ID", "Provider", "Mask", "Name", "AddedAt"}},
	"support-ticket": {"supportTickets", []string{"ID", "Number", "Category", "Topic", "Priority", "Status", "Source", "CreatedAt",
		"Due", "AnsweredAt", "SolvedAt", "ClosedAt", "Reopens", "ReopensNo", "Link"}},
	"support-ticket-message": {"supportTicketMessages", []string{"Ticket", "Seq", "Author", "Text", "Attachments", "At"}},
	"support-ticket-note":    {"", nil}, // operators' internal notes on a ticket, never shown to the person
	"chat-ref":               {"", nil}, // points to a chat conversation (kept outside the partition)
	"ws-connection-ref":      {"", nil}, // an open WebSocket connection, gone within two hours

	// Linked cards and autopay: the provider's id of a card stays sealed and out.
	"payment-method": {"paymentMethods", []string{"ID", "Status", "CardType", "Last4", "ExpiryMonth", "ExpiryYear", "Reason",
		"CreatedAt", "LinkedAt"}},
	"autopay-rule": {"autopayRules", []string{"ID", "Status", "ChargeKind", "Agency", "UtilityAccount", "UtilityMask", "Card",
		"MaxPerCharge", "MaxPerMonth", "CreatedAt", "CancelledAt", "CancelReason"}},
	"autopay-rule-usage": {"", nil}, // a running sum of a rule's month, which the autopays show
	"autopay": {"autopays", []string{"UIN", "Rule", "Card", "ChargeKind", "Agency", "Purpose", "Amount", "Status", "PayAt",
		"PaymentID", "Reason", "CreatedAt", "UpdatedAt"}},
	"appointment": {"appointments", []string{"ID", "Number", "ForRelation", "ForName", "Org", "OrgName", "Address", "Resource", "ResourceName",
		"Room", "Service", "Date", "Start", "Minutes", "Status", "VisitType", "Application", "AppNumber", "CancelReason", "History", "CreatedAt"}},
	"appointment-ledger": {"", nil}, // the ids and times of the upcoming appointments, kept to hold the booking rules
	"waitlist": {"waitlist", []string{"ID", "Org", "OrgName", "Resource", "ResourceName", "Service", "From", "To", "Status", "JoinedAt",
		"OfferSlot", "OfferStart", "OfferExpires", "Booking"}},
	"consent":       {"consents", nil},  // with their history, from consents.History
	"consent-event": {"consents", nil},  // a consent's history, in its consent
	"read-entry":    {"accessLog", nil}, // from the log itself, which chains waiting reads first
	"read-pending":  {"accessLog", nil}, // a read waiting to be chained, chained before the export
	"read-head":     {"", nil},          // the access log's head holds no personal data
	"read-flag":     {"accessLogFlags", []string{"Seq", "FlaggedAt", "Comment", "Status"}},
}

// Elsewhere are the kinds kept outside a person's partition, and why they
// are not part of the export (or are covered by another section).
var Elsewhere = map[string]string{
	"access":                 "technical: maps an access token to its session (see sessions)",
	"unique":                 "a keyed hash claiming a SNILS, phone or email; no personal data",
	"registration":           "pending registrations, deleted when confirmed or after an hour",
	"challenge":              "a sign-in waiting for a second factor, five minutes at most",
	"reset":                  "a password reset waiting for its code",
	"lock":                   "a sign-in lock's number pointing to the locked login, for support; kept 30 days",
	"delivery":               "the delivery of a notification (its state is in notifications)",
	"noteref":                "a producer's claim that a notification was made once",
	"reminder-cursor":        "the reminder run's progress; not about a person",
	"application-pointer":    "maps an application id to its owner for officers; no personal data",
	"calendar-feed-token":    "finds a calendar subscription by the keyed hash of its token; the subscription is exported with the calendar subscriptions",
	"verification":           "the public record of an issued document (surname and initials, number, hash, signature); the document itself is exported with the documents",
	"charge":                 "an agency's charge under its УИН (payer identifiers as keyed hashes); what the person owes of it is exported with the charges",
	"charge-payer":           "lists a charge under the keyed hash of a payer identifier; no personal data",
	"payer-holder":           "who holds a payer identifier, by its keyed hash; the vehicles, documents and accounts it comes from are exported",
	"payment":                "a payment under its id; exported with the payments",
	"idempotency":            "a client's use of an Idempotency-Key, kept 24 hours; no personal data",
	"support-ticket-pointer": "maps a support ticket's id to its owner for operators; no personal data",
	"chat":                   "a chat conversation with support under its id; its messages are in the person's tickets when it became one, and in the chat's history (GET /chat/conversations/{id}/messages)",
	"chat-message":           "a chat message, kept with its conversation (see chat)",
	"chat-client-id":         "a sender's client id of a chat message, so a message sent twice is stored once; no personal data",
	"ws-connection":          "an open WebSocket connection, gone within two hours; no personal data",
	"ws-connect-ticket":      "a one-time WebSocket connection ticket, a minute at most; no personal data",
	"operator-presence":      "a support operator's chat presence (online, conversations held)",
	"recovery-request":       "an assisted recovery request under its id, its claim sealed (staff see it masked), kept 180 days; its filing and decision are in the journal",
	"refund":                 "a refund of a payment, beside it; exported with the payments",
	"refund-due":             "marks a payment with money still to refund; no personal data",

	// Linked cards.
	"payment-method-owner":     "maps a linked card's id to its owner for the provider's notification; no personal data (the card is exported with the payment methods)",
	"appointment-organisation": "an organisation taking appointments (a clinic, an exam site, a service centre); no personal data",
	"appointment-resource":     "a doctor, an exam or a window of such an organisation, with its schedule; no personal data of the person",
	"appointment-closed-day":   "that a resource does not receive on a date (who closed it: a staff member); no personal data of the person",
	"appointment-slot":         "a time of a resource with its places; no personal data",
	"appointment-visit":        "the organisation's copy of an appointment for its staff (whom it is for, the ticket); exported with the appointments",
	"waitlist-queue":           "an entry's place in a resource's waitlist; the entry is exported with the waitlist",
	"waitlist-hold":            "a place of a slot held for a waitlist entry's offer; the offer is exported with the waitlist",

	"consent-request":   "an organisation's claim on its own request id; the consent is exported with the consents",
	"consent-pointer":   "finds a consent's person for the organisation that asked for it; the consent is exported",
	"partner-person":    "how one organisation knows a person (a keyed hash); no personal data",
	"consent-reference": "a reference the person made for an organisation, kept as a keyed hash for 24 hours",
}

// Export is one export.
type Export struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	Size      int64     `json:"size"`
}

// kindExport is the Kind of an export's record.
const kindExport = "export"

type item struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Kind      string `dynamodbav:"Kind"`
	ID        string `dynamodbav:"ID"`
	CreatedAt string `dynamodbav:"CreatedAt"`
	Size      int64  `dynamodbav:"Size"`
	TTL       int64  `dynamodbav:"TTL"`
}

// Objects is what export needs of the bucket.
type Objects interface {
	Put(ctx context.Context, key, contentType string, body []byte) error
	PresignDownload(ctx context.Context, key, fileName string, ttl time.Duration, now time.Time) (blob.PresignedRequest, error)
}

// Passwords checks the person's password again (accounts.SignIn).
type Passwords interface {
	Reauthenticate(ctx context.Context, a actor.Actor, pw string) error
}

// Profiles gives the personal data with its sealed fields opened
// (accounts.Profiles).
type Profiles interface {
	Profile(ctx context.Context, a actor.Actor) (accounts.Profile, error)
}

// IdentityDocs gives the document records with their numbers opened
// (accounts.IdentityDocs).
type IdentityDocs interface {
	List(ctx context.Context, a actor.Actor) ([]accounts.IdentityDoc, error)
}

// Applications opens the person's applications and templates
// (applications.Service).
type Applications interface {
	Cards(ctx context.Context, raw []map[string]types.AttributeValue) ([]applications.App, error)
	OpenTemplates(ctx context.Context, sub string) ([]applications.Template, error)
}

// Payments gives the person's payments (payments.History).
type Payments interface {
	All(ctx context.Context, sub string) ([]payments.PaymentView, error)
}

// Journal gives the whole activity journal.
type Journal interface {
	All(ctx context.Context, sub string, f journal.Filter) ([]journal.Entry, error)
}

// Consents give the person's consents with their history (consents.History).
type Consents interface {
	All(ctx context.Context, sub string) ([]consents.Consent, error)
}

// AccessLog gives the whole access log, reads just recorded chained first
// (accesslog.Log).
type AccessLog interface {
	All(ctx context.Context, sub string, f accesslog.Filter) ([]accesslog.Entry, error)
}

// Service builds and serves exports.
type Service struct {
	DB           *dynamo.Store
	Passwords    Passwords
	Profiles     Profiles
	IdentityDocs IdentityDocs
	// Applications opens the sealed answers (nil: none are exported).
	Applications Applications
	// Journal gives activity.csv (nil: empty).
	Journal Journal
	// Payments gives the payments section (nil: empty).
	Payments Payments
	// Consents give the consents section, AccessLog the access log's
	// section and accesslog.csv.
	Consents  Consents
	AccessLog AccessLog
	Objects   Objects
	Clock     clock.Clock
}

// Lifetime is how long an export can be downloaded.
var Lifetime = 24 * time.Hour

func objectKey(sub, id string) string { return "exports/" + sub + "/" + id + ".zip" }

// Build collects everything about the person into a ZIP in S3, after the
// person entered their password again (a wrong one is 403 and counts
// towards the lockout). Nothing of the person's own data makes it fail: an
// item of a kind without a section is left out and logged.
func (s *Service) Build(ctx context.Context, a actor.Actor, password string) (Export, error) {
	if strings.TrimSpace(password) == "" {
		return Export{}, problem.Invalid(problem.Field{Field: "password", Code: "required", Message: "Для выгрузки введите пароль ещё раз"})
	}
	if err := s.Passwords.Reauthenticate(ctx, a, password); err != nil {
		return Export{}, err
	}
	sub := a.Sub
	now := s.Clock.Now().UTC()
	profile, err := s.Profiles.Profile(ctx, a)
	if err != nil {
		return Export{}, err
	}
	var raw []map[string]types.AttributeValue
	if err := s.DB.Everything(ctx, sub, &raw); err != nil {
		return Export{}, err
	}
	doc := map[string]any{
		"generatedAt": now,
		"about":       "Все сведения о вас, которые хранит личный кабинет (ст. 14 Федерального закона № 152-ФЗ).",
		"profile":     profile,
	}
	sections, err := sectionsOf(ctx, raw)
	if err != nil {
		return Export{}, err
	}
	// Identity documents with their numbers opened, and the profile's own.
	docs, err := s.IdentityDocs.List(ctx, a)
	if err != nil {
		return Export{}, err
	}
	sections["identityDocuments"] = asMaps(docs)
	if s.Applications != nil {
		// The cards, answers opened and with their history, from the items
		// already read.
		apps, err := s.Applications.Cards(ctx, raw)
		if err != nil {
			return Export{}, err
		}
		sections["applications"] = asMaps(apps)
		templates, err := s.Applications.OpenTemplates(ctx, sub)
		if err != nil {
			return Export{}, err
		}
		sections["applicationTemplates"] = asMaps(templates)
	}
	if s.Payments != nil {
		pays, err := s.Payments.All(ctx, sub)
		if err != nil {
			return Export{}, err
		}
		sections["payments"] = asMaps(pays)
	}
	if s.Consents == nil || s.AccessLog == nil {
		return Export{}, errors.New("export: no consents or access log")
	}
	given, err := s.Consents.All(ctx, sub)
	if err != nil {
		return Export{}, err
	}
	sections["consents"] = asMaps(given)
	reads, err := s.AccessLog.All(ctx, sub, accesslog.Filter{})
	if err != nil && !problem.Is(err, problem.KindTooLarge) {
		return Export{}, err
	}
	sections["accessLog"] = asMaps(reads)
	if sections["payments"] == nil {
		sections["payments"] = []map[string]any{}
	}
	names := make([]string, 0, len(sections))
	for n := range sections {
		names = append(names, n)
	}
	sort.Strings(names)
	doc["sections"] = names
	for n, v := range sections {
		doc[n] = v
	}
	body, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return Export{}, err
	}
	var entries []journal.Entry
	if s.Journal != nil {
		if entries, err = s.Journal.All(ctx, sub, journal.Filter{}); err != nil && !problem.Is(err, problem.KindTooLarge) {
			return Export{}, err
		}
	}
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for name, content := range map[string][]byte{"export.json": body, "activity.csv": journal.CSV(entries), "accesslog.csv": accesslog.CSV(reads)} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: now})
		if err != nil {
			return Export{}, err
		}
		if _, err := w.Write(content); err != nil {
			return Export{}, err
		}
	}
	if err := zw.Close(); err != nil {
		return Export{}, err
	}
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	id := now.Format("20060102150405") + "-" + base64.RawURLEncoding.EncodeToString(b)
	if err := s.Objects.Put(ctx, objectKey(sub, id), "application/zip", zbuf.Bytes()); err != nil {
		return Export{}, err
	}
	k := dynamo.ExportKey(sub, id)
	if err := s.DB.Create(ctx, item{PK: k.PK, SK: k.SK, Kind: kindExport, ID: id, CreatedAt: now.Format(time.RFC3339),
		Size: int64(zbuf.Len()), TTL: now.Add(Lifetime).Unix()}); err != nil {
		return Export{}, err
	}
	return Export{ID: id, CreatedAt: now, ExpiresAt: now.Add(Lifetime), Size: int64(zbuf.Len())}, nil
}

// sectionsOf sorts the items of a person's partition into the sections,
// each with only the attributes its kind keeps. Every section appears,
// empty or not.
func sectionsOf(ctx context.Context, raw []map[string]types.AttributeValue) (map[string][]map[string]any, error) {
	sections := map[string][]map[string]any{}
	for _, spec := range Sections {
		if spec.Name != "" {
			sections[spec.Name] = []map[string]any{}
		}
	}
	for _, av := range raw {
		var kind string
		if k, ok := av[dynamo.AttrKind].(*types.AttributeValueMemberS); ok {
			kind = k.Value
		}
		spec, ok := Sections[kind]
		if !ok {
			// Said in the logs (a test keeps Sections complete); the
			// person still gets everything else.
			logging.From(ctx).Error("export: an item kind has no section", "kind", kind)
			continue
		}
		if spec.Name == "" || spec.Keep == nil {
			continue
		}
		kept := make(map[string]types.AttributeValue, len(spec.Keep))
		for _, name := range spec.Keep {
			if v, ok := av[name]; ok {
				kept[name] = v
			}
		}
		var m map[string]any
		if err := attributevalue.UnmarshalMap(kept, &m); err != nil {
			return nil, err
		}
		sections[spec.Name] = append(sections[spec.Name], m)
	}
	return sections, nil
}

// Download is an export with a fresh short link.
type Download struct {
	Export   Export                `json:"export"`
	Download blob.PresignedRequest `json:"download"`
}

// Get returns one of the user's exports with a fresh link, while it lives;
// another user's is NotFound, an expired one Gone.
func (s *Service) Get(ctx context.Context, sub, id string) (Download, error) {
	var it item
	if err := s.DB.Get(ctx, dynamo.ExportKey(sub, id), "выгрузка", &it); err != nil {
		return Download{}, err
	}
	created, _ := time.Parse(time.RFC3339, it.CreatedAt)
	now := s.Clock.Now()
	if now.After(created.Add(Lifetime)) {
		return Download{}, problem.New(problem.KindGone, "export_expired", "Срок хранения выгрузки истёк. Сформируйте новую")
	}
	// Short links, made fresh each time: a link signed by a function's
	// temporary credentials cannot outlive them anyway.
	dl, err := s.Objects.PresignDownload(ctx, objectKey(sub, id), "kabinet-export.zip", 15*time.Minute, now)
	if err != nil {
		return Download{}, err
	}
	return Download{Export: Export{ID: it.ID, CreatedAt: created, ExpiresAt: created.Add(Lifetime), Size: it.Size}, Download: dl}, nil
}

// asMaps turns records into the export's JSON objects, by their JSON tags.
func asMaps[T any](records []T) []map[string]any {
	out := make([]map[string]any, 0, len(records))
	for _, r := range records {
		b, _ := json.Marshal(r)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		out = append(out, m)
	}
	return out
}
