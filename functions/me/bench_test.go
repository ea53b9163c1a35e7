package main

import (
	"context"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/httpapi/httpapitest"
	"github.com/kabinet/kabinet/shared/settings"
)

// Per-request CPU and allocations of the handler alone (no network, no DynamoDB).
func BenchmarkServe(b *testing.B) {
	f := fakeSettings{
		get: func(context.Context, actor.Actor) (settings.Settings, error) { return settings.Defaults(), nil },
		update: func(_ context.Context, _ actor.Actor, s settings.Settings, v int64) (settings.Settings, error) {
			s.Version, s.UpdatedAt = v+1, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
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
