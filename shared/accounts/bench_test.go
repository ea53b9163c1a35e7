package accounts

import (
	"context"
	"testing"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo/dynamotest"
)

// BenchmarkLogin measures one password sign-in without I/O: DynamoDB is
// minidyn's in-process client, Cognito and the senders are fakes (KMS is
// reached once, then its data key is cached). It reports DynamoDB calls per
// sign-in.
func BenchmarkLogin(b *testing.B) {
	db, calls := dynamotest.NewInProcess(b)
	f := newFixtureOn(b, db)
	f.provision(b, "bench", "+79161119999", "11223344595")
	ctx := context.Background()
	if _, err := f.svc.Login(ctx, "+79161119999", "Зелёный-Чай-42", meta); err != nil {
		b.Fatal(err)
	}
	calls.Reset()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := f.svc.Login(ctx, "+79161119999", "Зелёный-Чай-42", meta)
		if err != nil || res.Tokens == nil {
			b.Fatalf("login: %v", err)
		}
	}
	b.ReportMetric(float64(calls.Calls())/float64(b.N), "ddb-calls/op")
}

// BenchmarkProfile measures GET /profile's work without I/O (minidyn in
// process; the KMS data key cached after the first open) and its DynamoDB
// calls.
func BenchmarkProfile(b *testing.B) {
	db, calls := dynamotest.NewInProcess(b)
	f := newFixtureOn(b, db)
	sub := f.provision(b, "bench", "+79161119998", "11223344595")
	ctx := context.Background()
	if _, err := f.svc.Profile(ctx, actor.Citizen(sub)); err != nil {
		b.Fatal(err)
	}
	calls.Reset()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := f.svc.Profile(ctx, actor.Citizen(sub)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(calls.Calls())/float64(b.N), "ddb-calls/op")
}
