package consents

import (
	"context"
	"fmt"
	"testing"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/dynamo/dynamotest"
)

// The DynamoDB round trips and CPU of the consents paths, in process.

// An organisation's read of a person's data under its consent: the
// person's reference, the consent before and after the data, the record.
func BenchmarkPartnerRead(b *testing.B) {
	db, calls := dynamotest.NewInProcess(b)
	f := newFixtureOn(b, db)
	ctx := context.Background()
	f.person("alice", aliceSNILS, accounts.LevelStandard)
	req, _, err := f.partners.Request(ctx, bank, loanRequest("Z-bench"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := f.consents.StartConfirmation(ctx, alice, req.ID, Terms{}); err != nil {
		b.Fatal(err)
	}
	if _, err := f.consents.Grant(ctx, alice, req.ID, Terms{}, testCode); err != nil {
		b.Fatal(err)
	}
	calls.Reset()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.partners.Data(ctx, bank, req.PersonRef, DataRequest{Consent: req.ID}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(calls.Calls())/float64(b.N), "ddb-calls/op")
}

// An organisation's request: the claim, the person, the consent with its
// event, note and journal entry.
func BenchmarkRequest(b *testing.B) {
	db, calls := dynamotest.NewInProcess(b)
	f := newFixtureOn(b, db)
	ctx := context.Background()
	f.person("alice", aliceSNILS, accounts.LevelStandard)
	calls.Reset()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, _, err := f.partners.Request(ctx, bank, loanRequest(fmt.Sprint("Z-", i))); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(calls.Calls())/float64(b.N), "ddb-calls/op")
}
