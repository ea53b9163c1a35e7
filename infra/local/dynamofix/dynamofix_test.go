package dynamofix

import (
	"context"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	miniserver "github.com/truora/minidyn/server"
)

func TestRemoved(t *testing.T) {
	cases := []struct {
		expr  string
		names map[string]string
		want  []string
	}{
		{"REMOVE #0, #1\nSET #2 = :0", map[string]string{"#0": "GSI1PK", "#1": "GSI1SK", "#2": "Status"}, []string{"GSI1PK", "GSI1SK"}},
		{"SET #a = :a REMOVE Lease", map[string]string{"#a": "A"}, []string{"Lease"}},
		{"set a = :a remove b, c.d, e[0] add n :one", nil, []string{"b"}},
		{"SET a = :a", nil, nil},
	}
	for _, c := range cases {
		if got := Removed(c.expr, c.names); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Removed(%q) = %v, want %v", c.expr, got, c.want)
		}
	}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

// TestRemoveLeavesTheItemAndTheIndex: with the front, REMOVE takes the
// attribute away, in an UpdateItem and in a transaction, and an item whose
// index key is removed leaves the sparse index.
func TestRemoveLeavesTheItemAndTheIndex(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(&Handler{Inner: miniserver.NewServer()})
	t.Cleanup(srv.Close)
	db := dynamodb.New(dynamodb.Options{BaseEndpoint: aws.String(srv.URL), Region: "eu-central-1",
		Credentials: credentials.NewStaticCredentialsProvider("t", "t", "")})
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("t"), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("PK"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("GPK"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("PK"), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("G"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("GPK"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, pk := range []string{"a", "b", "c", "d", "e"} {
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"),
			Item: map[string]types.AttributeValue{"PK": str(pk), "GPK": str("queue"), "Lease": str("x"), "N": str("1")}}); err != nil {
			t.Fatal(err)
		}
	}
	key := func(pk string) map[string]types.AttributeValue { return map[string]types.AttributeValue{"PK": str(pk)} }
	if _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("t"), Key: key("a"),
		UpdateExpression: aws.String("SET #n = :n REMOVE #l, #g"), ExpressionAttributeNames: map[string]string{"#n": "N", "#l": "Lease", "#g": "GPK"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": str("2")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{Update: &types.Update{
		TableName: aws.String("t"), Key: key("b"), UpdateExpression: aws.String("REMOVE #l"), ExpressionAttributeNames: map[string]string{"#l": "Lease"}}}}}); err != nil {
		t.Fatal(err)
	}
	for pk, want := range map[string][]string{"a": {"N", "PK"}, "b": {"GPK", "N", "PK"}} {
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: key(pk), ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, k := range []string{"GPK", "Lease", "N", "PK"} {
			if _, ok := out.Item[k]; ok {
				got = append(got, k)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("item %s has %v, want %v", pk, got, want)
		}
	}
	out, err := db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("t"), IndexName: aws.String("G"),
		KeyConditionExpression: aws.String("GPK = :q"), ExpressionAttributeValues: map[string]types.AttributeValue{":q": str("queue")}})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, it := range out.Items {
		left = append(left, it["PK"].(*types.AttributeValueMemberS).Value)
	}
	if !reflect.DeepEqual(left, []string{"b", "c", "d", "e"}) {
		t.Errorf("the index holds %v, want b to e (a left it, the others stay)", left)
	}
}
