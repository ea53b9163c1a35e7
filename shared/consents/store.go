package consents

import (
	"context"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/personaldata"
	"github.com/kabinet/kabinet/shared/problem"
)

// The kinds of the items kept here.
const (
	kindConsent       = "consent"
	kindEvent         = "consent-event"
	kindRequestClaim  = "consent-request"
	kindPartnerPerson = "partner-person"
	kindReference     = "consent-reference"
)

// DueShards spread the consents and requests waiting to lapse over GSI2
// partitions.
const DueShards = 4

// stampLayout has a fixed width, so that stamps compare as times do.
const stampLayout = "2006-01-02T15:04:05.000000000Z"

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(stampLayout)
}

func parseStamp(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

type consentItem struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Kind   string `dynamodbav:"Kind"`
	V      int64  `dynamodbav:"V"`
	GSI1PK string `dynamodbav:"GSI1PK,omitempty"`
	GSI1SK string `dynamodbav:"GSI1SK,omitempty"`
	// GSI2 holds a consent while something lapses: an unanswered request
	// at RequestDue, an active consent at ExpiresAt.
	GSI2PK string `dynamodbav:"GSI2PK,omitempty"`
	GSI2SK string `dynamodbav:"GSI2SK,omitempty"`

	ID      string              `dynamodbav:"ID"`
	Sub     string              `dynamodbav:"Sub"`
	Org     string              `dynamodbav:"Org"`
	OrgName string              `dynamodbav:"OrgName"`
	OrgKind string              `dynamodbav:"OrgKind"`
	Purpose string              `dynamodbav:"Purpose"`
	Levels  map[string][]string `dynamodbav:"Levels"`
	Level   string              `dynamodbav:"Level"`
	// Categories are Levels[Level], kept so a read needs nothing else.
	Categories  []string `dynamodbav:"Categories"`
	ExpiresAt   string   `dynamodbav:"ExpiresAt,omitempty"`
	Status      string   `dynamodbav:"Status"`
	AskedLevel  string   `dynamodbav:"AskedLevel"`
	AskedUntil  string   `dynamodbav:"AskedUntil,omitempty"`
	RequestedAt string   `dynamodbav:"RequestedAt"`
	RequestDue  string   `dynamodbav:"RequestDue,omitempty"`
	GrantedAt   string   `dynamodbav:"GrantedAt,omitempty"`
	EndedAt     string   `dynamodbav:"EndedAt,omitempty"`
	// RequestID is the organisation's own id of its request; PersonRef the
	// person as the organisation knows them; Via how it found them (snils,
	// reference, registration).
	RequestID string `dynamodbav:"RequestID,omitempty"`
	PersonRef string `dynamodbav:"PersonRef,omitempty"`
	Via       string `dynamodbav:"Via"`
	// The registration consent's document.
	DocVersion string `dynamodbav:"DocVersion,omitempty"`
	DocSHA256  string `dynamodbav:"DocSHA256,omitempty"`
	DocFrom    string `dynamodbav:"DocFrom,omitempty"`
	// Events counts the history.
	Events int `dynamodbav:"Events"`
}

type eventItem struct {
	PK         string   `dynamodbav:"PK"`
	SK         string   `dynamodbav:"SK"`
	Kind       string   `dynamodbav:"Kind"`
	ConsentID  string   `dynamodbav:"ConsentID"`
	Seq        int      `dynamodbav:"Seq"`
	At         string   `dynamodbav:"At"`
	Action     string   `dynamodbav:"Action"`
	Level      string   `dynamodbav:"Level,omitempty"`
	Categories []string `dynamodbav:"Categories"`
	ExpiresAt  string   `dynamodbav:"ExpiresAt,omitempty"`
	Actor      string   `dynamodbav:"Actor"`
}

type requestClaim struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Kind      string `dynamodbav:"Kind"`
	Sub       string `dynamodbav:"Sub"`
	ConsentID string `dynamodbav:"ConsentID"`
	// Digest is of the request's content, so that the same id with another
	// content is told apart from a retry.
	Digest string `dynamodbav:"Digest"`
}

type personItem struct {
	PK   string `dynamodbav:"PK"`
	SK   string `dynamodbav:"SK"`
	Kind string `dynamodbav:"Kind"`
	Sub  string `dynamodbav:"Sub"`
}

type referenceItem struct {
	PK      string `dynamodbav:"PK"`
	SK      string `dynamodbav:"SK"`
	Kind    string `dynamodbav:"Kind"`
	Sub     string `dynamodbav:"Sub"`
	Expires string `dynamodbav:"Expires"`
	TTL     int64  `dynamodbav:"TTL"`
}

func categoriesOf(ss []string) []personaldata.Category {
	out := make([]personaldata.Category, 0, len(ss))
	for _, s := range ss {
		out = append(out, personaldata.Category(s))
	}
	return out
}

func strs(cs []personaldata.Category) []string {
	out := make([]string, 0, len(cs))
	for _, c := range personaldata.Sorted(cs) {
		out = append(out, string(c))
	}
	return out
}

func dueShard(sub, id string) int {
	h := fnv.New32a()
	h.Write([]byte(sub + "#" + id))
	return int(h.Sum32() % DueShards)
}

// setDue puts the consent in the lapse index at at ("" takes it out).
func (it *consentItem) setDue(at string) {
	if at == "" {
		it.GSI2PK, it.GSI2SK = "", ""
		return
	}
	it.GSI2PK, it.GSI2SK = dynamo.ConsentDuePK(dueShard(it.Sub, it.ID)), at+"#"+it.Sub+"#"+it.ID
}

// status is the consent's status now: a term or a request's time that has
// passed makes it expired before the schedule records it.
func (it consentItem) status(now time.Time) Status {
	s := Status(it.Status)
	switch {
	case s == StatusActive && it.ExpiresAt != "" && !now.Before(parseStamp(it.ExpiresAt)):
		return StatusExpired
	case s == StatusRequested && it.RequestDue != "" && !now.Before(parseStamp(it.RequestDue)):
		return StatusExpired
	}
	return s
}

func (it consentItem) view(now time.Time) Consent {
	c := Consent{ID: it.ID, Organisation: Organisation{Code: it.Org, Name: it.OrgName, Sector: it.OrgKind}, Purpose: it.Purpose,
		Status: it.status(now), Levels: map[Level][]personaldata.Category{}, Level: Level(it.Level), Categories: categoriesOf(it.Categories),
		ExpiresAt: parseStamp(it.ExpiresAt), RequestedLevel: Level(it.AskedLevel), RequestedUntil: parseStamp(it.AskedUntil),
		RequestedAt: parseStamp(it.RequestedAt), GrantedAt: parseStamp(it.GrantedAt), EndedAt: parseStamp(it.EndedAt), Version: it.V}
	c.StatusName = statusNames[c.Status]
	c.Data = personaldata.Titles(c.Categories)
	if c.Status == StatusRequested {
		c.AnswerBy = parseStamp(it.RequestDue)
	}
	for l, cs := range it.Levels {
		c.Levels[Level(l)] = categoriesOf(cs)
	}
	for _, cat := range c.Categories {
		if !personaldata.Held(cat) {
			c.Unavailable = append(c.Unavailable, cat)
		}
	}
	if it.DocVersion != "" {
		c.Document = registrationDocument(it.DocVersion)
		c.Document.From = it.DocFrom
	}
	return c
}

func (it eventItem) event() Event {
	return Event{At: parseStamp(it.At), Action: it.Action, ActionName: actionNames[it.Action], Level: Level(it.Level),
		Categories: categoriesOf(it.Categories), ExpiresAt: parseStamp(it.ExpiresAt), Actor: it.Actor}
}

// getConsent reads a consent, strongly consistent. NotFound when the person
// has no such consent.
func (d Deps) getConsent(ctx context.Context, sub, id string) (consentItem, error) {
	var it consentItem
	if sub == "" || id == "" {
		return it, problem.NotFound("согласие")
	}
	if err := d.DB.Get(ctx, dynamo.ConsentKey(sub, id), "согласие", &it); err != nil {
		return it, err
	}
	return it, nil
}

// history reads a consent's events, oldest first.
func (d Deps) history(ctx context.Context, sub, id string) ([]Event, error) {
	var items []eventItem
	if _, err := d.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.ConsentLogPrefix(id), Forward: true,
		Consistent: true}, &items); err != nil {
		return nil, fmt.Errorf("consent history: %w", err)
	}
	out := make([]Event, 0, len(items))
	for _, it := range items {
		out = append(out, it.event())
	}
	return out, nil
}

// putChange adds a change of a consent to tx: the item as it becomes,
// written only over the version read, and its history event.
func putChange(tx *dynamo.Tx, before, after consentItem, action, actorRole string, at time.Time) {
	after.V = before.V + 1
	after.Events = before.Events + 1
	tx.PutIf(after, expression.Name(dynamo.AttrVersion).Equal(expression.Value(before.V)))
	addEvent(tx, after, action, actorRole, at)
}

func addEvent(tx *dynamo.Tx, it consentItem, action, actorRole string, at time.Time) {
	k := dynamo.ConsentLogKey(it.Sub, it.ID, it.Events)
	tx.Create(eventItem{PK: k.PK, SK: k.SK, Kind: kindEvent, ConsentID: it.ID, Seq: it.Events, At: stamp(at), Action: action,
		Level: it.Level, Categories: it.Categories, ExpiresAt: it.ExpiresAt, Actor: actorRole})
}
