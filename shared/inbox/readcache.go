package inbox

import (
	"context"
	"sync"
	"time"
)

// readCache keeps what deliveries read about a note and its person for
// the length of one sweep or one stream batch, so the channels of one note
// (email, SMS, push) share one read of the note, the preferences, the time
// zone and the contacts. Nothing is kept longer: a change of preferences
// reaches the next sweep.
type readCache struct {
	mu       sync.Mutex
	notes    map[string]noteItem
	prefs    map[string]Preferences
	zones    map[string]*time.Location
	contacts map[string]Contacts
	devices  map[string][]Device
}

type readCacheKey struct{}

// WithReadCache gives deliveries made with the returned context a shared
// read cache. Sweep makes its own; the stream handler makes one per batch.
func WithReadCache(ctx context.Context) context.Context {
	if _, ok := ctx.Value(readCacheKey{}).(*readCache); ok {
		return ctx
	}
	return context.WithValue(ctx, readCacheKey{}, &readCache{notes: map[string]noteItem{}, prefs: map[string]Preferences{},
		zones: map[string]*time.Location{}, contacts: map[string]Contacts{}, devices: map[string][]Device{}})
}

// cached loads a value once per cache (always, without a cache). Errors are
// not kept.
func cached[T any](ctx context.Context, pick func(*readCache) map[string]T, key string, load func() (T, error)) (T, error) {
	c, ok := ctx.Value(readCacheKey{}).(*readCache)
	if !ok {
		return load()
	}
	c.mu.Lock()
	v, hit := pick(c)[key]
	c.mu.Unlock()
	if hit {
		return v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	pick(c)[key] = v
	c.mu.Unlock()
	return v, nil
}

// forget drops a cached value, after the caller changed what it was read
// from.
func forget[T any](ctx context.Context, pick func(*readCache) map[string]T, key string) {
	if c, ok := ctx.Value(readCacheKey{}).(*readCache); ok {
		c.mu.Lock()
		delete(pick(c), key)
		c.mu.Unlock()
	}
}
