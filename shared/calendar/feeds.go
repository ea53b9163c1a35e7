package calendar

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/problem"
)

// Feeds are calendar subscriptions: calendar apps cannot send a bearer
// token, so a person makes an address with a secret token in it, which
// any calendar app can poll, and revokes it when they no longer want it.
//
// Only a keyed hash of a token is stored (HMAC-SHA256 under a key derived
// from the index secret), so the table alone cannot be turned into working
// addresses; the token is shown once, when the subscription is made. The
// public address is read-only, rate-limited per token and per client
// address, and answers an unknown, revoked or malformed token with the same
// 404.
type Feeds struct {
	d     Deps
	store *Store
}

// NewFeeds needs DB, Clock and Keys.
func NewFeeds(d Deps) (*Feeds, error) {
	if err := d.need("Feeds", "Keys"); err != nil {
		return nil, err
	}
	return &Feeds{d: d, store: &Store{DB: d.DB}}, nil
}

// Feed is a subscription as its owner lists it: never its token.
type Feed struct {
	ID        string    `json:"id"`
	Name      string    `json:"name,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// NewFeed is a subscription just made, with the one sight of its token.
type NewFeed struct {
	Feed
	Token string
}

// TokenPrefix starts every subscription token, so that the log redaction
// (shared/logging) and secret scanners know one when they see it.
const TokenPrefix = "kcf_"

// tokenBytes is the token's entropy.
const tokenBytes = 32

// FeedPath is the public path of a subscription token (the route
// GET /calendar/feed/{token}, with the .ics ending calendar apps like).
func FeedPath(token string) string { return "/calendar/feed/" + token + ".ics" }

// The limits of subscriptions; variables so tests can tighten them.
var (
	// MaxFeeds is how many subscriptions one person may keep.
	MaxFeeds = 10
	// FeedWindow is the rate window of the public address.
	FeedWindow = 10 * time.Minute
	// FetchesPerToken is how often one subscription may be read per window
	// (calendar apps poll every 15 minutes to a day; a person may have a
	// few devices on one address).
	FetchesPerToken = 30
	// FetchesPerAddress is how many reads one client address may make per
	// window, whichever tokens it tries.
	FetchesPerAddress = 120
	// FeedPast is how far back the subscription reaches; it reaches
	// MaxSpan in all.
	FeedPast = 30 * 24 * time.Hour
)

// MaxFeedName is the longest name of a subscription, in characters.
const MaxFeedName = 100

// Create makes a subscription for the actor with an optional name (which
// app or device it is for) and returns it with its token, which is shown
// this once. Errors: Invalid (the name), Conflict too_many_feeds,
// Unauthenticated.
func (f *Feeds) Create(ctx context.Context, a actor.Actor, name string) (NewFeed, error) {
	sub, err := owner(a)
	if err != nil {
		return NewFeed{}, err
	}
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > MaxFeedName || !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl) {
		return NewFeed{}, problem.Invalid(problem.Field{Field: "name", Code: "name.invalid",
			Message: fmt.Sprintf("Название подписки — не длиннее %d символов, без управляющих символов", MaxFeedName)})
	}
	tooMany := problem.Conflict("too_many_feeds",
		fmt.Sprintf("Можно завести не больше %d подписок на календарь: отзовите ненужную", MaxFeeds))
	// The list refuses at once what is plainly over the cap; the count in
	// the transaction holds it against parallel creates.
	have, err := f.store.feeds(ctx, sub)
	if err != nil {
		return NewFeed{}, fmt.Errorf("create calendar feed: %w", err)
	}
	if len(have) >= MaxFeeds {
		return NewFeed{}, tooMany
	}
	token := TokenPrefix + randomID(tokenBytes)
	hash, err := f.hash(ctx, token)
	if err != nil {
		return NewFeed{}, err
	}
	feed := Feed{ID: randomID(9), Name: name, CreatedAt: f.d.Clock.Now().UTC().Truncate(time.Second)}
	tx := &dynamo.Tx{}
	createFeed(tx, sub, feed, hash, MaxFeeds)
	if err := f.d.DB.Transact(ctx, "", tx); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return NewFeed{}, tooMany
		}
		return NewFeed{}, fmt.Errorf("create calendar feed: %w", err)
	}
	f.journal(ctx, a, sub, "Создан адрес подписки на календарь для приложений-календарей")
	return NewFeed{Feed: feed, Token: token}, nil
}

// List returns the actor's subscriptions, oldest first, without tokens.
func (f *Feeds) List(ctx context.Context, a actor.Actor) ([]Feed, error) {
	sub, err := owner(a)
	if err != nil {
		return nil, err
	}
	items, err := f.store.feeds(ctx, sub)
	if err != nil {
		return nil, fmt.Errorf("list calendar feeds: %w", err)
	}
	out := make([]Feed, 0, len(items))
	for _, it := range items {
		out = append(out, it.feed())
	}
	return out, nil
}

// Revoke ends one of the actor's subscriptions: its address answers 404
// from then on. Another person's or an unknown id is NotFound.
func (f *Feeds) Revoke(ctx context.Context, a actor.Actor, id string) error {
	sub, err := owner(a)
	if err != nil {
		return err
	}
	it, err := f.store.feed(ctx, sub, id)
	if err != nil {
		return err
	}
	tx := &dynamo.Tx{}
	deleteFeed(tx, sub, id, it.TokenHash)
	if err := f.d.DB.Transact(ctx, "", tx); err != nil {
		if problem.Is(err, problem.KindConflict) {
			// Revoked at the same moment by another request.
			return problem.NotFound("подписка на календарь")
		}
		return fmt.Errorf("revoke calendar feed: %w", err)
	}
	f.journal(ctx, a, sub, "Отозван адрес подписки на календарь")
	return nil
}

// Open is the public address: the calendar of the subscription a token
// belongs to, as iCalendar, from FeedPast ago for MaxSpan. The caller is
// anonymous (the actor carries only the client's address). Errors:
// TooManyRequests (with RetryAfter) over the limits of the address or the
// token; NotFound, the same for a malformed, unknown or revoked token.
func (f *Feeds) Open(ctx context.Context, a actor.Actor, token string) (string, error) {
	now := f.d.Clock.Now()
	if a.IP != "" {
		key, err := f.addressKey(ctx, a.IP)
		if err != nil {
			return "", err
		}
		if err := f.limit(ctx, "feed-ip", key, FetchesPerAddress, now); err != nil {
			return "", err
		}
	}
	token = strings.TrimSuffix(token, ".ics")
	if !wellFormed(token) {
		return "", notFound()
	}
	hash, err := f.hash(ctx, token)
	if err != nil {
		return "", err
	}
	// Counted before the look-up, so that a known token and an unknown one
	// are refused alike.
	if err := f.limit(ctx, "feed-token", hash, FetchesPerToken, now); err != nil {
		return "", err
	}
	it, err := f.store.feedByHash(ctx, hash)
	if problem.Is(err, problem.KindNotFound) {
		return "", notFound()
	}
	if err != nil {
		return "", fmt.Errorf("open calendar feed: %w", err)
	}
	from := now.UTC().Truncate(24 * time.Hour).Add(-FeedPast)
	entries, err := f.store.List(ctx, it.Sub, from, from.Add(MaxSpan))
	if err != nil {
		return "", fmt.Errorf("open calendar feed: %w", err)
	}
	return ICS(entries, now, Host), nil
}

// notFound is the one answer for a token that opens nothing.
func notFound() error { return problem.NotFound("календарь") }

func wellFormed(token string) bool {
	body, ok := strings.CutPrefix(token, TokenPrefix)
	if !ok || len(body) != base64.RawURLEncoding.EncodedLen(tokenBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(body)
	return err == nil
}

// hash is the keyed hash a token is stored and counted under (and, through
// addressKey, a client address).
func (f *Feeds) hash(ctx context.Context, token string) (string, error) {
	key, err := f.d.Keys.FeedKey(ctx)
	if err != nil {
		return "", fmt.Errorf("calendar feed key: %w", err)
	}
	if len(key) < 32 {
		return "", fmt.Errorf("calendar feed key has %d bytes, want at least 32", len(key))
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(token))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)), nil
}

// addressKey is the keyed hash a client address is counted under, so that
// the table never holds the address (as sendlimit keeps it); the prefix
// keeps it apart from any token's hash.
func (f *Feeds) addressKey(ctx context.Context, ip string) (string, error) {
	return f.hash(ctx, "client-address\x00"+ip)
}

// limit takes one request of a scope's window for key; over limit it
// answers 429 with the window's end. Every request takes its own count, so
// parallel requests over the limit cannot all pass.
func (f *Feeds) limit(ctx context.Context, scope, key string, limit int, now time.Time) error {
	window := now.UTC().Truncate(FeedWindow)
	n, err := f.d.DB.Increment(ctx, dynamo.RateKey(scope, key, window.Format(time.RFC3339)), "N", 1, window.Add(2*FeedWindow))
	if err != nil {
		return fmt.Errorf("calendar feed rate: %w", err)
	}
	if int(n) > limit {
		e := problem.New(problem.KindTooManyRequests, "too_many_requests", "Слишком частые запросы календаря. Повторите позже")
		e.RetryAfter = window.Add(FeedWindow).Sub(now)
		return e
	}
	return nil
}

func (f *Feeds) journal(ctx context.Context, a actor.Actor, sub, summary string) {
	if f.d.Journal == nil {
		return
	}
	role, id := journal.By(a, sub)
	if _, err := f.d.Journal.Append(ctx, sub, journal.Entry{Type: journal.TypeSettings, Summary: summary, IP: a.IP, Actor: role, ActorID: id}); err != nil {
		logging.From(ctx).Error("journal entry not written", "type", journal.TypeSettings, "err", err)
	}
}
