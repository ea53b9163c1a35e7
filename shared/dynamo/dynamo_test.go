package dynamo

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	miniserver "github.com/truora/minidyn/server"
)

const testTable = "kabinet-test"

// newTestClient starts the minidyn emulator in-process and returns a real
// DynamoDB client pointed at it; the server stops with the test.
func newTestClient(t testing.TB) *dynamodb.Client {
	t.Helper()
	srv := httptest.NewServer(miniserver.NewServer())
	t.Cleanup(srv.Close)
	return dynamodb.New(dynamodb.Options{
		BaseEndpoint: aws.String(srv.URL),
		Region:       "eu-central-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		// The emulator answers fast; retries only hide contract failures.
		RetryMaxAttempts: 1,
	})
}

// createTable creates the single table as template.yaml declares it: PK/SK,
// GSI1 (GSI1PK/GSI1SK) and GSI2 (GSI2PK/GSI2SK), on demand, projection ALL.
func createTable(t testing.TB, api *dynamodb.Client, name string) {
	t.Helper()
	str := func(n string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: types.ScalarAttributeTypeS}
	}
	keys := func(pk, sk string) []types.KeySchemaElement {
		return []types.KeySchemaElement{
			{AttributeName: aws.String(pk), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(sk), KeyType: types.KeyTypeRange},
		}
	}
	gsi := func(index, pk, sk string) types.GlobalSecondaryIndex {
		return types.GlobalSecondaryIndex{IndexName: aws.String(index), KeySchema: keys(pk, sk),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}
	}
	_, err := api.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			str(AttrPK), str(AttrSK), str(AttrGSI1PK), str(AttrGSI1SK), str(AttrGSI2PK), str(AttrGSI2SK),
		},
		KeySchema: keys(AttrPK, AttrSK),
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			gsi(IndexGSI1, AttrGSI1PK, AttrGSI1SK),
			gsi(IndexGSI2, AttrGSI2PK, AttrGSI2SK),
		},
	})
	if err != nil {
		t.Fatalf("create table %s: %v", name, err)
	}
}

// newTestStore returns a Store over a fresh table in a fresh emulator.
func newTestStore(t testing.TB) *Store {
	t.Helper()
	api := newTestClient(t)
	createTable(t, api, testTable)
	return New(api, testTable)
}
