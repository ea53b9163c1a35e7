package calendar

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/dynamo"
)

// The kinds of the items the calendar keeps (the Kind attribute; the export
// names them too).
const (
	kindEntry = "calendar"
	// kindFeed is a subscription address as its owner lists it.
	kindFeed = "calendar-feed"
	// kindFeedToken finds a subscription by the keyed hash of its token.
	kindFeedToken = "calendar-feed-token"
	// kindFeedCount counts a person's subscriptions, to hold them to MaxFeeds.
	kindFeedCount = "calendar-feed-count"
)

type item struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Kind   string `dynamodbav:"Kind"`
	ID     string `dynamodbav:"ID"`
	Type   string `dynamodbav:"Type"`
	Title  string `dynamodbav:"Title"`
	Start  string `dynamodbav:"Start"`
	End    string `dynamodbav:"End,omitempty"`
	AllDay bool   `dynamodbav:"AllDay"`
	Link   string `dynamodbav:"Link,omitempty"`
	// Location is where it happens, when it happens somewhere.
	Location string `dynamodbav:"Location,omitempty"`
	TTL      int64  `dynamodbav:"TTL"`
}

const stamp = "2006-01-02T15:04:05Z"

func (it item) entry() Entry {
	s, _ := time.Parse(stamp, it.Start)
	e, _ := time.Parse(stamp, it.End)
	return Entry{ID: it.ID, Kind: it.Type, Title: it.Title, Start: s, End: e, AllDay: it.AllDay, Link: it.Link, Location: it.Location}
}

// Key is where an entry is stored; callers keep it to remove the entry.
func Key(sub string, e Entry) dynamo.Key {
	return dynamo.CalendarKey(sub, e.Start.UTC().Format(stamp), e.ID)
}

// Add puts an entry into tx (with the change that makes it).
func Add(tx *dynamo.Tx, sub string, e Entry) {
	k := Key(sub, e)
	it := item{PK: k.PK, SK: k.SK, Kind: kindEntry, ID: e.ID, Type: e.Kind, Title: e.Title, Start: e.Start.UTC().Format(stamp),
		AllDay: e.AllDay, Link: e.Link, Location: e.Location, TTL: e.Start.Add(400 * 24 * time.Hour).Unix()}
	if !e.End.IsZero() {
		it.End = e.End.UTC().Format(stamp)
	}
	tx.Put(it)
}

// Store reads the calendar.
type Store struct{ DB *dynamo.Store }

// MaxSpan is the longest period one request may list.
const MaxSpan = 400 * 24 * time.Hour

// List returns the entries starting in [from, to), in order.
func (s *Store) List(ctx context.Context, sub string, from, to time.Time) ([]Entry, error) {
	var out []Entry
	cursor := ""
	for {
		var items []item
		next, err := s.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(sub), From: dynamo.CalendarPrefix + from.UTC().Format(stamp),
			To: dynamo.CalendarPrefix + to.UTC().Add(-time.Second).Format(stamp) + "~", Forward: true, Cursor: cursor}, &items)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			out = append(out, it.entry())
		}
		if next == "" {
			return out, nil
		}
		cursor = next
	}
}

// Get returns one of the user's entries by its key; another user's is NotFound.
func (s *Store) Get(ctx context.Context, k dynamo.Key) (Entry, error) {
	var it item
	if err := s.DB.Get(ctx, k, "событие календаря", &it); err != nil {
		return Entry{}, err
	}
	return it.entry(), nil
}

// feedItem is a subscription in its owner's partition: what the owner
// lists, and the hash that finds its token item when it is revoked.
type feedItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Kind      string `dynamodbav:"Kind"`
	ID        string `dynamodbav:"ID"`
	Name      string `dynamodbav:"Name,omitempty"`
	CreatedAt string `dynamodbav:"CreatedAt"`
	// TokenHash is the keyed hash of the token, never the token.
	TokenHash string `dynamodbav:"TokenHash"`
}

// feedTokenItem finds a subscription's owner from the hash of its token.
type feedTokenItem struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Kind   string `dynamodbav:"Kind"`
	Sub    string `dynamodbav:"Sub"`
	FeedID string `dynamodbav:"FeedID"`
}

func (it feedItem) feed() Feed {
	t, _ := time.Parse(time.RFC3339, it.CreatedAt)
	return Feed{ID: it.ID, Name: it.Name, CreatedAt: t}
}

// createFeed puts a subscription and its token item into tx; both must be
// new, and the person's count must stay within max, or tx fails with a
// Conflict: parallel creates cannot pass the cap.
func createFeed(tx *dynamo.Tx, sub string, f Feed, hash string, max int) {
	k, tk := dynamo.CalendarFeedKey(sub, f.ID), dynamo.CalendarFeedTokenKey(hash)
	tx.Create(feedItem{PK: k.PK, SK: k.SK, Kind: kindFeed, ID: f.ID, Name: f.Name,
		CreatedAt: f.CreatedAt.UTC().Format(time.RFC3339), TokenHash: hash})
	tx.Create(feedTokenItem{PK: tk.PK, SK: tk.SK, Kind: kindFeedToken, Sub: sub, FeedID: f.ID})
	n := expression.Name("N")
	within := expression.Or(expression.AttributeNotExists(n), n.LessThan(expression.Value(max)))
	tx.Update(dynamo.CalendarFeedCountKey(sub), expression.Add(n, expression.Value(1)).
		Set(expression.Name(dynamo.AttrKind), expression.Value(kindFeedCount)), &within)
}

// deleteFeed removes a subscription (which must still be there, so two
// revocations do not both succeed) and its token item, and gives its place
// in the count back.
func deleteFeed(tx *dynamo.Tx, sub, id, hash string) {
	tx.Delete(dynamo.CalendarFeedKey(sub, id), true)
	tx.Delete(dynamo.CalendarFeedTokenKey(hash), false)
	tx.Update(dynamo.CalendarFeedCountKey(sub), expression.Add(expression.Name("N"), expression.Value(-1)), nil)
}

// feeds lists a person's subscriptions, oldest first.
func (s *Store) feeds(ctx context.Context, sub string) ([]feedItem, error) {
	var out []feedItem
	cursor := ""
	for {
		var page []feedItem
		next, err := s.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.CalendarFeedPrefix, Forward: true, Cursor: cursor}, &page)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == "" {
			return out, nil
		}
		cursor = next
	}
}

// feed reads one of a person's subscriptions; another person's is NotFound.
func (s *Store) feed(ctx context.Context, sub, id string) (feedItem, error) {
	var it feedItem
	err := s.DB.Get(ctx, dynamo.CalendarFeedKey(sub, id), "подписка на календарь", &it)
	return it, err
}

// feedByHash finds the subscription a token hash belongs to; an unknown
// or revoked one is NotFound.
func (s *Store) feedByHash(ctx context.Context, hash string) (feedTokenItem, error) {
	var it feedTokenItem
	err := s.DB.Get(ctx, dynamo.CalendarFeedTokenKey(hash), "календарь", &it)
	return it, err
}
