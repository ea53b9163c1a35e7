package dynamofix

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

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
	db := newTable(t, []string{"PK"}, "G", []string{"GPK"})
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
	if left := indexed(t, db, "G", "GPK", "queue"); !reflect.DeepEqual(left, []string{"b", "c", "d", "e"}) {
		t.Errorf("the index holds %v, want b to e (a left it, the others stay)", left)
	}
}

// newTable serves the front (with checksums, as the stack does) over a
// fresh emulator and creates table "t": primary key attributes and one
// index, string attributes, HASH then RANGE.
func newTable(t *testing.T, primary []string, index string, indexKeys []string) *dynamodb.Client {
	t.Helper()
	srv := httptest.NewServer(Checksum{Inner: &Handler{Inner: miniserver.NewServer()}})
	t.Cleanup(srv.Close)
	db := dynamodb.New(dynamodb.Options{BaseEndpoint: aws.String(srv.URL), Region: "eu-central-1",
		Credentials: credentials.NewStaticCredentialsProvider("t", "t", "")})
	var defs []types.AttributeDefinition
	schema := func(names []string) []types.KeySchemaElement {
		var out []types.KeySchemaElement
		for i, n := range names {
			defs = append(defs, types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: types.ScalarAttributeTypeS})
			kind := types.KeyTypeHash
			if i > 0 {
				kind = types.KeyTypeRange
			}
			out = append(out, types.KeySchemaElement{AttributeName: aws.String(n), KeyType: kind})
		}
		return out
	}
	in := &dynamodb.CreateTableInput{TableName: aws.String("t"), BillingMode: types.BillingModePayPerRequest, KeySchema: schema(primary),
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String(index), KeySchema: schema(indexKeys),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}}
	in.AttributeDefinitions = defs
	if _, err := db.CreateTable(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	return db
}

// indexed lists the PK of every item a query of one index partition finds.
func indexed(t *testing.T, db *dynamodb.Client, index, attr, partition string) []string {
	t.Helper()
	out, err := db.Query(context.Background(), &dynamodb.QueryInput{TableName: aws.String("t"), IndexName: aws.String(index),
		KeyConditionExpression: aws.String("#k = :k"), ExpressionAttributeNames: map[string]string{"#k": attr},
		ExpressionAttributeValues: map[string]types.AttributeValue{":k": str(partition)}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range out.Items {
		got = append(got, it["PK"].(*types.AttributeValueMemberS).Value)
	}
	return got
}

func TestAssigned(t *testing.T) {
	cases := []struct {
		expr  string
		names map[string]string
		want  []string
	}{
		{"SET #0 = :0, #1 = :1", map[string]string{"#0": "GSI1PK", "#1": "GSI1SK"}, []string{"GSI1PK", "GSI1SK"}},
		{"SET #v = if_not_exists(#v, :zero) + :one, #s=:s REMOVE #l", map[string]string{"#v": "V", "#s": "Status", "#l": "Lease"}, []string{"V", "Status"}},
		{"SET #l = list_append(#l, :x), a.b = :c ADD n :one", map[string]string{"#l": "Log"}, []string{"Log"}},
		{"REMOVE a", nil, nil},
	}
	for _, c := range cases {
		if got := Assigned(c.expr, c.names); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Assigned(%q) = %v, want %v", c.expr, got, c.want)
		}
	}
}

// TestIndexFollowsKeysAnUpdateSets: an item with no GSI1 keys that an
// UpdateItem, or an Update in a transaction, gives them is found on GSI1,
// and the items already there stay found (minidyn alone overwrote one of
// them and lost the rest); changing the keys moves the item; a failed
// condition changes nothing.
func TestIndexFollowsKeysAnUpdateSets(t *testing.T) {
	ctx := context.Background()
	db := newTable(t, []string{"PK", "SK"}, "GSI1", []string{"GSI1PK", "GSI1SK"})
	put := func(pk string, attrs ...string) {
		t.Helper()
		item := map[string]types.AttributeValue{"PK": str(pk), "SK": str("APPL"), "Status": str("draft")}
		for i := 0; i+1 < len(attrs); i += 2 {
			item[attrs[i]] = str(attrs[i+1])
		}
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	put("a", "GSI1PK", "CHANGEREQ#pending", "GSI1SK", "a")
	put("q1", "GSI1PK", "QUEUE#mvd", "GSI1SK", "submitted#1")
	put("q2", "GSI1PK", "QUEUE#mvd", "GSI1SK", "submitted#2")
	for _, pk := range []string{"d1", "d2", "d3"} {
		put(pk)
	}
	key := func(pk string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"PK": str(pk), "SK": str("APPL")}
	}
	submit := func(pk, dept, sk string) *types.Update {
		return &types.Update{TableName: aws.String("t"), Key: key(pk),
			UpdateExpression:         aws.String("SET #s = :s, #gpk = :gpk, #gsk = :gsk"),
			ConditionExpression:      aws.String("#s = :draft"),
			ExpressionAttributeNames: map[string]string{"#s": "Status", "#gpk": "GSI1PK", "#gsk": "GSI1SK"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":s": str("submitted"), ":draft": str("draft"),
				":gpk": str("QUEUE#" + dept), ":gsk": str(sk)}}
	}
	u := submit("d1", "mvd", "submitted#3")
	out, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression,
		ConditionExpression: u.ConditionExpression, ExpressionAttributeNames: u.ExpressionAttributeNames,
		ExpressionAttributeValues: u.ExpressionAttributeValues, ReturnValues: types.ReturnValueUpdatedNew})
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := out.Attributes["GSI1PK"].(*types.AttributeValueMemberS); !ok || got.Value != "QUEUE#mvd" {
		t.Errorf("UpdateItem answered %v, want the updated GSI1PK", out.Attributes)
	}
	if _, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: submit("d2", "fns", "submitted#4")},
		{Put: &types.Put{TableName: aws.String("t"), Item: map[string]types.AttributeValue{"PK": str("COUNTER"), "SK": str("APPL")}}},
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String("t"), Key: key("q1"), ConditionExpression: aws.String("attribute_exists(PK)")}},
	}}); err != nil {
		t.Fatal(err)
	}
	check := func(when string, want map[string][]string) {
		t.Helper()
		for partition, items := range want {
			if got := indexed(t, db, "GSI1", "GSI1PK", partition); !reflect.DeepEqual(got, items) {
				t.Errorf("%s: GSI1 %s holds %v, want %v", when, partition, got, items)
			}
		}
	}
	check("after the submissions", map[string][]string{"CHANGEREQ#pending": {"a"}, "QUEUE#mvd": {"q1", "q2", "d1"}, "QUEUE#fns": {"d2"}})

	// Changing the keys moves the item, in an UpdateItem and in a transaction.
	if _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("t"), Key: key("d1"),
		UpdateExpression: aws.String("SET GSI1PK = :p"), ExpressionAttributeValues: map[string]types.AttributeValue{":p": str("QUEUE#fns")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{Update: &types.Update{
		TableName: aws.String("t"), Key: key("q1"), UpdateExpression: aws.String("SET GSI1SK = :k"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":k": str("inprogress#1")}}}}}); err != nil {
		t.Fatal(err)
	}
	check("after the moves", map[string][]string{"CHANGEREQ#pending": {"a"}, "QUEUE#mvd": {"q1", "q2"}, "QUEUE#fns": {"d1", "d2"}})

	// A submission whose condition fails changes nothing.
	u = submit("d1", "mvd", "submitted#5")
	_, err = db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression,
		ConditionExpression: u.ConditionExpression, ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues})
	var failed *types.ConditionalCheckFailedException
	if !errors.As(err, &failed) {
		t.Errorf("a second submission = %v, want ConditionalCheckFailedException", err)
	}
	_, err = db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: submit("d3", "mvd", "submitted#6")},
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String("t"), Key: key("q1"), ConditionExpression: aws.String("attribute_not_exists(PK)")}},
	}})
	var cancelled *types.TransactionCanceledException
	if !errors.As(err, &cancelled) {
		t.Errorf("a transaction whose check fails = %v, want TransactionCanceledException", err)
	}
	check("after the failed submissions", map[string][]string{"CHANGEREQ#pending": {"a"}, "QUEUE#mvd": {"q1", "q2"}, "QUEUE#fns": {"d1", "d2"}})
	got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: key("d3"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Item["GSI1PK"]; ok || got.Item["Status"].(*types.AttributeValueMemberS).Value != "draft" {
		t.Errorf("the draft of the cancelled transaction became %v", got.Item)
	}
}

// TestIndexLetsGoOfAnItemPutAgainWithoutItsKeys: an item written whole
// again without its index keys (a ticket leaving the operators' queue,
// under its version's condition, in a transaction or alone) leaves the
// index, and a begins_with query of another partition still works (minidyn
// alone kept the item in the index with its keys gone, and every such
// query of the index then failed: "invalid type NULL").
func TestIndexLetsGoOfAnItemPutAgainWithoutItsKeys(t *testing.T) {
	ctx := context.Background()
	db := newTable(t, []string{"PK", "SK"}, "GSI1", []string{"GSI1PK", "GSI1SK"})
	item := func(pk, v string, keys ...string) map[string]types.AttributeValue {
		it := map[string]types.AttributeValue{"PK": str(pk), "SK": str("T"), "V": &types.AttributeValueMemberN{Value: v}}
		if len(keys) == 2 {
			it["GSI1PK"], it["GSI1SK"] = str(keys[0]), str(keys[1])
		}
		return it
	}
	for _, it := range []map[string]types.AttributeValue{item("t1", "1", "SUPPORT-QUEUE", "due#1"), item("t2", "1", "SUPPORT-QUEUE", "due#2"),
		item("a1", "1", "QUEUE#mvd", "submitted#1")} {
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: it}); err != nil {
			t.Fatal(err)
		}
	}
	versioned := func(v string) (*string, map[string]types.AttributeValue) {
		return aws.String("V = :v"), map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: v}}
	}
	cond, vals := versioned("1")
	if _, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("t"), Item: item("t1", "2"), ConditionExpression: cond, ExpressionAttributeValues: vals}},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: item("t2", "2"), ConditionExpression: cond,
		ExpressionAttributeValues: vals}); err != nil {
		t.Fatal(err)
	}
	// A failed condition changes nothing.
	_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: item("a1", "2"), ConditionExpression: cond,
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: "7"}}})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Errorf("a put under a failed condition = %v, want ConditionalCheckFailed", err)
	}
	if got := indexed(t, db, "GSI1", "GSI1PK", "SUPPORT-QUEUE"); len(got) != 0 {
		t.Errorf("the queue holds %v, want nothing", got)
	}
	out, err := db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("t"), IndexName: aws.String("GSI1"),
		KeyConditionExpression:    aws.String("GSI1PK = :p AND begins_with(GSI1SK, :s)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": str("QUEUE#mvd"), ":s": str("submitted#")}})
	if err != nil || len(out.Items) != 1 {
		t.Errorf("begins_with on another partition = %v %v, want a1", out, err)
	}
}

// A transaction of more than 100 actions is refused, as DynamoDB refuses
// it, and writes nothing; 100 pass.
func TestTransactionOfMoreThanAHundredIsRefused(t *testing.T) {
	ctx := context.Background()
	db := newTable(t, []string{"PK"}, "G", []string{"GPK"})
	puts := func(n int, prefix string) []types.TransactWriteItem {
		var out []types.TransactWriteItem
		for i := range n {
			out = append(out, types.TransactWriteItem{Put: &types.Put{TableName: aws.String("t"),
				Item: map[string]types.AttributeValue{"PK": str(fmt.Sprintf("%s%03d", prefix, i))}}})
		}
		return out
	}
	_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: puts(101, "a")})
	var apiErr interface{ ErrorCode() string }
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ValidationException" {
		t.Fatalf("101 actions: %v", err)
	}
	if out, _ := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: map[string]types.AttributeValue{"PK": str("a000")}}); len(out.Item) != 0 {
		t.Fatal("a refused transaction wrote")
	}
	if _, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: puts(100, "b")}); err != nil {
		t.Fatalf("100 actions: %v", err)
	}
}

// TestPlainTransactionsRunOnTheShadow: a transaction that neither removes
// nor sets index keys commits, fails and rolls back as minidyn's own does,
// and its time does not grow with the table (minidyn alone snapshots the
// whole table for each one).
func TestPlainTransactionsRunOnTheShadow(t *testing.T) {
	ctx := context.Background()
	db := newTable(t, []string{"PK"}, "G", []string{"GPK"})
	key := func(pk string) map[string]types.AttributeValue { return map[string]types.AttributeValue{"PK": str(pk)} }
	add := func(pk string) types.TransactWriteItem {
		return types.TransactWriteItem{Update: &types.Update{TableName: aws.String("t"), Key: key(pk),
			UpdateExpression: aws.String("ADD N :one"), ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}}}}
	}
	create := func(pk string) types.TransactWriteItem {
		return types.TransactWriteItem{Put: &types.Put{TableName: aws.String("t"), Item: map[string]types.AttributeValue{"PK": str(pk), "GPK": str("q")},
			ConditionExpression: aws.String("attribute_not_exists(PK)")}}
	}
	timed := func() time.Duration {
		start := time.Now()
		for i := range 20 {
			if _, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				add("counter"), create(fmt.Sprintf("new-%d-%d", time.Now().UnixNano(), i))}}); err != nil {
				t.Fatal(err)
			}
		}
		return time.Since(start)
	}
	small := timed()
	for i := range 3000 {
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"),
			Item: map[string]types.AttributeValue{"PK": str(fmt.Sprint("bulk-", i)), "A": str("some attribute"), "B": str("another one")}}); err != nil {
			t.Fatal(err)
		}
	}
	if large := timed(); large > 4*small+50*time.Millisecond {
		t.Errorf("20 transactions took %v on a small table and %v with 3000 more items: their time grows with the table", small, large)
	}
	// A failed condition rolls back every write of the transaction.
	_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{add("counter"), create("bulk-7")}})
	var cancelled *types.TransactionCanceledException
	if !errors.As(err, &cancelled) {
		t.Fatalf("a transaction creating an existing item = %v, want TransactionCanceledException", err)
	}
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: key("counter"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if n := out.Item["N"].(*types.AttributeValueMemberN).Value; n != "40" {
		t.Errorf("the counter is %s after 40 committed increments and a failed one, want 40", n)
	}
	if got := len(indexed(t, db, "G", "GPK", "q")); got != 40 {
		t.Errorf("the index holds %d created items, want 40", got)
	}
}
