package calendar

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/dynamo/dynamotest"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/problem"
)

type staticKey []byte

func (k staticKey) FeedKey(context.Context) ([]byte, error) { return k, nil }

func newFeeds(t *testing.T) (*Feeds, *Service, *journal.Journal, *dynamo.Store) {
	t.Helper()
	db := dynamotest.NewStore(t)
	c := clock.NewManual(now)
	j := &journal.Journal{DB: db, Key: journal.StaticKey(bytes.Repeat([]byte{7}, 32)), Clock: c}
	d := Deps{DB: db, Keys: staticKey(bytes.Repeat([]byte{5}, 32)), Journal: j, Clock: c}
	f, err := NewFeeds(d)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewService(d)
	if err != nil {
		t.Fatal(err)
	}
	return f, s, j, db
}

// attributes are every string stored for a person and for a token hash.
func attributes(t *testing.T, db *dynamo.Store, sub string, extra ...dynamo.Key) string {
	t.Helper()
	var items []map[string]types.AttributeValue
	if err := db.Everything(context.Background(), sub, &items); err != nil {
		t.Fatal(err)
	}
	for _, k := range extra {
		var it map[string]any
		if err := db.Get(context.Background(), k, "x", &it); err == nil {
			items = append(items, map[string]types.AttributeValue{"": &types.AttributeValueMemberS{Value: strings.Join(stringsOf(it), " ")}})
		}
	}
	var b strings.Builder
	for _, it := range items {
		for k, v := range it {
			if s, ok := v.(*types.AttributeValueMemberS); ok {
				b.WriteString(k + "=" + s.Value + "\n")
			}
		}
	}
	return b.String()
}

func stringsOf(m map[string]any) []string {
	var out []string
	for k, v := range m {
		if s, ok := v.(string); ok {
			out = append(out, k+"="+s)
		}
	}
	return out
}

func TestFeedCreateListOpenRevoke(t *testing.T) {
	f, s, j, db := newFeeds(t)
	ctx, me := context.Background(), actor.Actor{Sub: "u1", IP: "198.51.100.7"}
	item, err := s.Add(ctx, me, Item{Title: "Приём в МФЦ", Start: now.Add(72 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	nf, err := f.Create(ctx, me, "  Телефон ")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(nf.Token, TokenPrefix) || len(nf.Token) != len(TokenPrefix)+43 || nf.Name != "Телефон" || nf.ID == "" {
		t.Errorf("Create = %+v", nf)
	}

	// Only a keyed hash is stored: the token is nowhere in the table.
	hash, _ := f.hash(ctx, nf.Token)
	if stored := attributes(t, db, "u1", dynamo.CalendarFeedTokenKey(hash)); strings.Contains(stored, nf.Token) ||
		strings.Contains(stored, strings.TrimPrefix(nf.Token, TokenPrefix)) || !strings.Contains(stored, hash) {
		t.Errorf("stored attributes carry the token (or not its hash):\n%s", stored)
	}

	list, err := f.List(ctx, me)
	if err != nil || len(list) != 1 || list[0].ID != nf.ID || list[0].Name != "Телефон" {
		t.Errorf("List = %+v, %v", list, err)
	}
	if list, _ := f.List(ctx, actor.Citizen("u2")); len(list) != 0 {
		t.Errorf("another person lists %+v", list)
	}

	anon := actor.Actor{IP: "203.0.113.9"}
	doc, err := f.Open(ctx, anon, nf.Token+".ics")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc, "BEGIN:VCALENDAR\r\n") || !strings.Contains(doc, "UID:"+item.ID+"@") || !strings.Contains(doc, "SUMMARY:Приём в МФЦ") {
		t.Errorf("Open = %s", doc)
	}

	if err := f.Revoke(ctx, actor.Citizen("u2"), nf.ID); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("another person's Revoke = %v, want NotFound", err)
	}
	if err := f.Revoke(ctx, me, nf.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.Revoke(ctx, me, nf.ID); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("a second Revoke = %v, want NotFound", err)
	}
	revoked, err := f.Open(ctx, anon, nf.Token+".ics")
	pe, _ := problem.As(err)
	if !problem.Is(err, problem.KindNotFound) || revoked != "" {
		t.Fatalf("Open after Revoke = %q, %v; want NotFound", revoked, err)
	}
	if stored := attributes(t, db, "u1", dynamo.CalendarFeedTokenKey(hash)); strings.Contains(stored, hash) {
		t.Errorf("a revoked subscription left its hash:\n%s", stored)
	}

	// An unknown and a malformed token get the same answer as a revoked one.
	other, _ := f.Create(ctx, actor.Citizen("u3"), "")
	unknown := TokenPrefix + strings.Repeat("A", 43)
	for _, tok := range []string{unknown, unknown + ".ics", "garbage", "", other.Token[:len(other.Token)-1], strings.ToUpper(other.Token)} {
		_, err := f.Open(ctx, anon, tok)
		got, _ := problem.As(err)
		if !problem.Is(err, problem.KindNotFound) || got.Detail != pe.Detail || got.Code != pe.Code {
			t.Errorf("Open(%q) = %v, want the revoked token's %v", tok, err, pe)
		}
	}

	entries, err := j.All(ctx, "u1", journal.Filter{Types: []string{journal.TypeSettings}})
	if err != nil || len(entries) != 2 {
		t.Fatalf("journal = %+v, %v; want the creation and the revocation", entries, err)
	}
	for _, e := range entries {
		if strings.Contains(e.Summary, "Телефон") || strings.Contains(e.Summary, nf.Token) || e.IP != "198.51.100.7" {
			t.Errorf("journal entry %+v", e)
		}
	}
}

func TestFeedNameAndCount(t *testing.T) {
	f, _, _, _ := newFeeds(t)
	ctx, me := context.Background(), actor.Citizen("u1")
	if _, err := f.Create(ctx, me, strings.Repeat("я", MaxFeedName+1)); !problem.Is(err, problem.KindInvalid) {
		t.Errorf("a long name = %v, want Invalid", err)
	}
	if _, err := f.Create(ctx, me, "a\x00b"); !problem.Is(err, problem.KindInvalid) {
		t.Errorf("a control character = %v, want Invalid", err)
	}
	defer func(n int) { MaxFeeds = n }(MaxFeeds)
	MaxFeeds = 2
	for range MaxFeeds {
		if _, err := f.Create(ctx, me, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.Create(ctx, me, ""); !problem.Is(err, problem.KindConflict) {
		t.Errorf("one subscription too many = %v, want Conflict", err)
	}
	if _, err := f.Create(ctx, actor.Actor{}, ""); !problem.Is(err, problem.KindUnauthenticated) {
		t.Errorf("Create without a person = %v", err)
	}
}

// Parallel creates cannot pass the cap: the count is kept in the
// transaction that makes each subscription, and revoking gives a place
// back.
func TestFeedCapHoldsUnderConcurrency(t *testing.T) {
	f, _, _, _ := newFeeds(t)
	ctx, me := context.Background(), actor.Citizen("u1")
	create := func(n int) (made []NewFeed) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				nf, err := f.Create(ctx, me, "")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					made = append(made, nf)
				case problem.CodeOf(err) != "too_many_feeds":
					t.Errorf("Create = %v, want too_many_feeds past the cap", err)
				}
			}()
		}
		wg.Wait()
		return made
	}
	made := create(40)
	list, err := f.List(ctx, me)
	if err != nil {
		t.Fatal(err)
	}
	if len(made) != MaxFeeds || len(list) != MaxFeeds {
		t.Fatalf("40 parallel creates made %d and keep %d subscriptions, want %d", len(made), len(list), MaxFeeds)
	}
	var wg sync.WaitGroup
	for _, nf := range made[:3] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f.Revoke(ctx, me, nf.ID); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if again := create(10); len(again) != 3 {
		t.Errorf("after 3 revocations %d more were made, want 3", len(again))
	}
}

// openInParallel opens n times at once and counts the answers.
func openInParallel(t *testing.T, f *Feeds, n int, token func(i int) string, ip func(i int) string) (ok, limited int) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.Open(context.Background(), actor.Actor{IP: ip(i)}, token(i))
			mu.Lock()
			defer mu.Unlock()
			var pe *problem.Error
			switch {
			case err == nil:
				ok++
			case errors.As(err, &pe) && pe.Kind == problem.KindTooManyRequests && pe.RetryAfter > 0 && pe.RetryAfter <= FeedWindow:
				limited++
			default:
				t.Errorf("Open = %v", err)
			}
		}()
	}
	wg.Wait()
	return ok, limited
}

// Parallel requests over a limit cannot all pass: each takes its own count.
func TestFeedRateLimitsHoldUnderConcurrency(t *testing.T) {
	f, _, _, _ := newFeeds(t)
	nf, err := f.Create(context.Background(), actor.Citizen("u1"), "")
	if err != nil {
		t.Fatal(err)
	}
	defer func(tok, addr int) { FetchesPerToken, FetchesPerAddress = tok, addr }(FetchesPerToken, FetchesPerAddress)
	FetchesPerToken, FetchesPerAddress = 5, 1000

	// One token from many addresses.
	ok, limited := openInParallel(t, f, 20, func(int) string { return nf.Token }, func(i int) string { return "203.0.113." + string(rune('1'+i%9)) })
	if ok != FetchesPerToken || limited != 20-FetchesPerToken {
		t.Errorf("per token: %d passed and %d limited, want %d and %d", ok, limited, FetchesPerToken, 20-FetchesPerToken)
	}

	// One address trying many tokens: unknown ones count too.
	FetchesPerToken, FetchesPerAddress = 1000, 4
	other, _ := f.Create(context.Background(), actor.Citizen("u2"), "")
	ok, limited = openInParallel(t, f, 12, func(int) string { return other.Token }, func(int) string { return "198.51.100.200" })
	if ok != FetchesPerAddress || limited != 12-FetchesPerAddress {
		t.Errorf("per address: %d passed and %d limited, want %d and %d", ok, limited, FetchesPerAddress, 12-FetchesPerAddress)
	}
	if _, err := f.Open(context.Background(), actor.Actor{IP: "198.51.100.200"}, "garbage"); !problem.Is(err, problem.KindTooManyRequests) {
		t.Errorf("a limited address trying garbage = %v, want TooManyRequests", err)
	}
}

// The public address counts a client address under a keyed hash: the
// table never holds the address itself.
func TestFeedCountsAClientAddressUnderAKeyedHash(t *testing.T) {
	f, _, _, db := newFeeds(t)
	ctx, ip := context.Background(), "203.0.113.77"
	if _, err := f.Open(ctx, actor.Actor{IP: ip}, "garbage"); !problem.Is(err, problem.KindNotFound) {
		t.Fatalf("Open = %v, want NotFound", err)
	}
	window := now.UTC().Truncate(FeedWindow).Format(time.RFC3339)
	var it map[string]any
	if err := db.Get(ctx, dynamo.RateKey("feed-ip", ip, window), "x", &it); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("a rate item keyed by the raw address: %v %v", it, err)
	}
	key, err := f.addressKey(ctx, ip)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(key, ip) {
		t.Errorf("address key %q holds the address", key)
	}
	if err := db.Get(ctx, dynamo.RateKey("feed-ip", key, window), "x", &it); err != nil {
		t.Errorf("the address's count under its keyed hash: %v", err)
	}
}

func TestOwnItemsCarryTheirReminder(t *testing.T) {
	_, s, _, db := newFeeds(t)
	ctx, me := context.Background(), actor.Citizen("u1")
	e, err := s.Add(ctx, me, Item{Title: "Сдать отчёт", Start: now.Add(72 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if stored := attributes(t, db, "u1"); !strings.Contains(stored, "SK=REMINDER#cal-"+e.ID) {
		t.Errorf("no reminder stored:\n%s", stored)
	}
	if err := s.Remove(ctx, me, e.ID); err != nil {
		t.Fatal(err)
	}
	if stored := attributes(t, db, "u1"); strings.Contains(stored, "REMINDER#") || strings.Contains(stored, "CAL#") {
		t.Errorf("Remove left:\n%s", stored)
	}
}
