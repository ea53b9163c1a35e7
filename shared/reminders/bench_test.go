package reminders

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
)

// latencyAPI models DynamoDB for the throughput benchmark: every call takes
// a fixed latency, queries of the due index return prepared reminders, and
// writes succeed. minidyn copies its whole table for each transaction, so it
// cannot show DynamoDB's rate.
type latencyAPI struct {
	dynamo.API
	latency time.Duration
	due     []map[string]types.AttributeValue
	writes  atomic.Int64
}

func (f *latencyAPI) wait() { time.Sleep(f.latency) }

func (f *latencyAPI) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	f.wait()
	for _, v := range in.ExpressionAttributeValues {
		if s, ok := v.(*types.AttributeValueMemberS); ok && strings.HasPrefix(s.Value, "REMIND#") && strings.HasSuffix(s.Value, "#0") {
			return &dynamodb.QueryOutput{Items: f.due}, nil
		}
	}
	return &dynamodb.QueryOutput{}, nil
}

func (f *latencyAPI) TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	f.wait()
	f.writes.Add(1)
	return &dynamodb.TransactWriteItemsOutput{}, nil
}

func (f *latencyAPI) GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	f.wait()
	return &dynamodb.GetItemOutput{}, nil
}

func (f *latencyAPI) UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	f.wait()
	return &dynamodb.UpdateItemOutput{}, nil
}

func (f *latencyAPI) PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	f.wait()
	return &dynamodb.PutItemOutput{}, nil
}

// BenchmarkRunAtDynamoDBLatency runs b.N due reminders through the runner
// (32 workers) against a table that answers every call in 8 ms, DynamoDB's
// typical transaction latency, and reports reminders per second and the time
// a run of 100,000 would take (the function's timeout is 900 s).
func BenchmarkRunAtDynamoDBLatency(b *testing.B) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	api := &latencyAPI{latency: 8 * time.Millisecond}
	for i := 0; i < b.N; i++ {
		r := due(fmt.Sprintf("user-%d", i), "r", now)
		tx := &dynamo.Tx{}
		if err := Schedule(tx, r); err != nil {
			b.Fatal(err)
		}
		k := dynamo.ReminderKey(r.Sub, r.ID)
		av, err := attributevalue.MarshalMap(item{PK: k.PK, SK: k.SK, Kind: "reminder", Sub: r.Sub, ID: r.ID, At: now.Format(time.RFC3339),
			Type: r.Type, Vars: `{"Title":"Приём у врача","At":"2026-11-23T10:00:00Z"}`, State: "scheduled"})
		if err != nil {
			b.Fatal(err)
		}
		api.due = append(api.due, av)
	}
	db := dynamo.New(api, "t")
	run := &Runner{DB: db, Inbox: &inbox.Store{DB: db}, Clock: clock.NewManual(now), CatchUp: time.Minute}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	st, err := run.RunMinute(context.Background(), now)
	elapsed := time.Since(start)
	b.StopTimer()
	if err != nil || st.Sent != b.N {
		b.Fatalf("run = %+v, %v", st, err)
	}
	rate := float64(b.N) / elapsed.Seconds()
	b.ReportMetric(rate, "reminders/s")
	b.ReportMetric(100000/rate, "s-per-100k")
}
