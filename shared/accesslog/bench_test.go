package accesslog

import (
	"context"
	"testing"

	"github.com/kabinet/kabinet/shared/dynamo/dynamotest"
)

// Recording a read (what the reader waits for) and chaining it later.
func BenchmarkRecordThenSettle(b *testing.B) {
	db, calls := dynamotest.NewInProcess(b)
	l, _ := newLog(b, db)
	ctx := context.Background()
	var record, settle int64
	b.ReportAllocs()
	for b.Loop() {
		calls.Reset()
		if err := l.Record(ctx, bankRead("alice")); err != nil {
			b.Fatal(err)
		}
		record += calls.Calls()
		calls.Reset()
		if _, err := l.Settle(ctx, "alice"); err != nil {
			b.Fatal(err)
		}
		settle += calls.Calls()
	}
	n := float64(b.N)
	b.ReportMetric(float64(record)/n, "record-ddb-calls/op")
	b.ReportMetric(float64(settle)/n, "settle-ddb-calls/op")
}
