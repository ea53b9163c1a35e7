package journal

import (
	"context"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo/dynamotest"
)

func BenchmarkAppend(b *testing.B) {
	ctx := context.Background()
	db, calls := dynamotest.NewInProcess(b)
	c := clock.NewManual(t0)
	j := &Journal{DB: db, Key: StaticKey(testKey), Clock: c}
	e := login("Вход по паролю")
	calls.Reset()
	b.ReportAllocs()
	for b.Loop() {
		c.Advance(time.Second)
		if _, err := j.Append(ctx, "alice", e); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(calls.Calls())/float64(b.N), "ddb-calls/op")
}

func BenchmarkListPage(b *testing.B) {
	ctx := context.Background()
	db, calls := dynamotest.NewInProcess(b)
	c := clock.NewManual(t0)
	j := &Journal{DB: db, Key: StaticKey(testKey), Clock: c}
	for range 200 {
		c.Advance(time.Second)
		if _, err := j.Append(ctx, "alice", login("Вход по паролю")); err != nil {
			b.Fatal(err)
		}
	}
	calls.Reset()
	b.ReportAllocs()
	for b.Loop() {
		page, next, err := j.List(ctx, "alice", Filter{}, "", 20)
		if err != nil || len(page) != 20 || next == "" {
			b.Fatalf("List = %d entries, %q, %v", len(page), next, err)
		}
	}
	b.ReportMetric(float64(calls.Calls())/float64(b.N), "ddb-calls/op")
}
