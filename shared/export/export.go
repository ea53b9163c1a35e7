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
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/applications"
	"github.com/kabinet/kabinet/shared/blob"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/problem"
)

// Sections maps every item kind stored in a person's partition to the
// section of the export it goes to, with the attributes that must not leave
// (secrets, hashes, keys). A test holds this equal to the kinds the code
// writes.
var Sections = map[string]struct {
	Section string
	Drop    []string
}{
	"account":                    {"account", []string{"Passport", "SNILS", "INN", "SNILSHash", "PhoneHash", "EmailHash", "TOTPSecret", "PendingTOTP", "PasswordHistory", "Username"}},
	"settings":                   {"settings", nil},
	"session":                    {"sessions", []string{"Refresh", "AccessJTI"}},
	"login":                      {"signInHistory", nil},
	"device":                     {"knownDevices", nil},
	"note":                       {"notifications", []string{"Vars"}},
	"prefs":                      {"notificationPreferences", nil},
	"push-device":                {"pushDevices", []string{"EndpointARN"}},
	"reminder":                   {"reminders", []string{"GSI1PK", "GSI1SK"}},
	"calendar":                   {"calendar", nil},
	"document":                   {"documents", nil},
	"profile-history":            {"profileHistory", nil},
	"change-request":             {"changeRequests", []string{"Value", "GSI1PK", "GSI1SK"}},
	"journal":                    {"activityJournal", []string{"Prev"}},
	"journal-head":               {"", nil}, // the chain's head holds no personal data
	"contact-change":             {"pendingContactChanges", []string{"Code"}},
	"export":                     {"exports", nil},
	"identity-document":          {"identityDocuments", []string{"Numbers"}},               // replaced by the opened list
	"application":                {"applications", []string{"Values", "GSI1PK", "GSI1SK"}}, // replaced by the opened list
	"application-log":            {"applicationHistory", nil},
	"application-template":       {"applicationTemplates", []string{"Values"}}, // replaced by the opened list
	"application-template-count": {"", nil},                                    // a number that caps the templates
	"signature-code":             {"pendingSignatures", []string{"Code"}},      // a code asked for to sign an application
}

// Elsewhere are the kinds kept outside a person's partition, and why they
// are not part of the export (or are covered by another section).
var Elsewhere = map[string]string{
	"access":              "technical: maps an access token to its session (see sessions)",
	"unique":              "a keyed hash claiming a SNILS, phone or email; no personal data",
	"registration":        "pending registrations, deleted when confirmed or after an hour",
	"challenge":           "a sign-in waiting for a second factor, five minutes at most",
	"reset":               "a password reset waiting for its code",
	"delivery":            "the delivery of a notification (its state is in notifications)",
	"noteref":             "a producer's claim that a notification was made once",
	"reminder-cursor":     "the reminder run's progress; not about a person",
	"application-pointer": "maps an application id to its owner for officers; no personal data",
	"verification":        "the public record of an issued document (surname and initials, number, hash, signature); the document itself is exported with the documents",
}

// Export is one export.
type Export struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	Size      int64     `json:"size"`
}

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

// Service builds and serves exports.
type Service struct {
	DB       *dynamo.Store
	Accounts *accounts.Service
	// Applications opens the sealed answers of the person's applications.
	Applications *applications.Service
	Objects      Objects
	Clock        clock.Clock
}

// Lifetime is how long an export can be downloaded.
var Lifetime = 24 * time.Hour

func objectKey(sub, id string) string { return "exports/" + sub + "/" + id + ".zip" }

// Build collects everything about the person into a ZIP in S3.
func (s *Service) Build(ctx context.Context, sub string) (Export, error) {
	now := s.Clock.Now().UTC()
	profile, err := s.Accounts.Profile(ctx, sub)
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
	sections := map[string][]map[string]any{}
	for _, av := range raw {
		var m map[string]any
		if err := attributevalue.UnmarshalMap(av, &m); err != nil {
			return Export{}, err
		}
		kind, _ := m["Kind"].(string)
		spec, ok := Sections[kind]
		if !ok {
			return Export{}, fmt.Errorf("export: item kind %q has no section", kind)
		}
		if spec.Section == "" {
			continue
		}
		for _, d := range append([]string{"PK", "SK", "Kind", "TTL", "V", "GSI2PK", "GSI2SK"}, spec.Drop...) {
			delete(m, d)
		}
		sections[spec.Section] = append(sections[spec.Section], m)
	}
	// Every section appears, empty or not, with the ones later features add.
	for _, spec := range Sections {
		if spec.Section != "" && sections[spec.Section] == nil {
			sections[spec.Section] = []map[string]any{}
		}
	}
	// Identity documents with their numbers opened, and the profile's own.
	docs, err := s.Accounts.IdentityDocs(ctx, sub)
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
	for _, later := range []string{"applications", "payments", "consents"} {
		if sections[later] == nil {
			sections[later] = []map[string]any{}
		}
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
	if s.Accounts.Journal != nil {
		if entries, err = s.Accounts.Journal.All(ctx, sub, journal.Filter{}); err != nil && !problem.Is(err, problem.KindTooLarge) {
			return Export{}, err
		}
	}
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for name, content := range map[string][]byte{"export.json": body, "activity.csv": journal.CSV(entries)} {
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
	if err := s.DB.Create(ctx, item{PK: k.PK, SK: k.SK, Kind: "export", ID: id, CreatedAt: now.Format(time.RFC3339),
		Size: int64(zbuf.Len()), TTL: now.Add(Lifetime).Unix()}); err != nil {
		return Export{}, err
	}
	return Export{ID: id, CreatedAt: now, ExpiresAt: now.Add(Lifetime), Size: int64(zbuf.Len())}, nil
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
