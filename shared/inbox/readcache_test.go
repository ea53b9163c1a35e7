package inbox

import (
	"context"
	"errors"
	"testing"
)

func TestReadCacheSharesReadsWithinOneSweepOnly(t *testing.T) {
	loads := 0
	load := func() (Contacts, error) { loads++; return Contacts{Phone: "+79161234567"}, nil }
	pick := func(c *readCache) map[string]Contacts { return c.contacts }

	// Without a cache every call reads.
	for range 2 {
		if _, err := cached(context.Background(), pick, "u", load); err != nil {
			t.Fatal(err)
		}
	}
	if loads != 2 {
		t.Errorf("without a cache: %d reads, want 2", loads)
	}
	// Within one cache, one read per key; a new cache reads again.
	loads = 0
	ctx := WithReadCache(context.Background())
	if WithReadCache(ctx) != ctx {
		t.Error("WithReadCache replaced an existing cache")
	}
	for _, key := range []string{"u", "u", "v", "u"} {
		if _, err := cached(ctx, pick, key, load); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cached(WithReadCache(context.Background()), pick, "u", load); err != nil {
		t.Fatal(err)
	}
	if loads != 3 {
		t.Errorf("reads = %d, want 3 (u and v once, u again in a new cache)", loads)
	}
	// A forgotten value is read again.
	loads = 0
	forget(ctx, pick, "u")
	forget(context.Background(), pick, "u") // no cache: nothing to do
	if _, err := cached(ctx, pick, "u", load); err != nil || loads != 1 {
		t.Errorf("after forget: %d reads, %v; want 1", loads, err)
	}
	// Failures are not kept.
	fail := func() (Contacts, error) { loads++; return Contacts{}, errors.New("throttled") }
	loads = 0
	for range 2 {
		if _, err := cached(ctx, pick, "w", fail); err == nil {
			t.Fatal("want the error")
		}
	}
	if loads != 2 {
		t.Errorf("a failed read was kept: %d reads, want 2", loads)
	}
}
