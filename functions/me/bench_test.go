package main

import (
	"context"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/httpapi/httpapitest"
	"github.com/kabinet/kabinet/shared/settings"
)

// Per-request CPU and allocations of the handler alone (no network, no DynamoDB).
func BenchmarkServe(b *testing.B) {
	f := fakeSettings{
		get: func(context.Context, string) (settings.Settings, error) { return settings.Defaults(), nil },
		put: func(_ context.Context, _ string, s settings.Settings, v int64, now time.Time) (settings.Settings, error) {
			s.Version, s.UpdatedAt = v+1, now
			return s, nil
		},
	}
	r := newHandler(f).router().Guard(httpapitest.AdmitAll{})
	for _, name := range []string{"me-get.json", "me-settings-get.json", "me-settings-put.json"} {
		req := event(b, name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if res, _ := r.Serve(context.Background(), req); res.StatusCode != 200 {
					b.Fatalf("status %d: %s", res.StatusCode, res.Body)
				}
			}
		})
	}
}
