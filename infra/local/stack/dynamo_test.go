package stack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"

	"github.com/kabinet/kabinet/infra/local/emutest"
)

// warnings keeps what the SDK logs at Warn level.
type warnings struct {
	mu   sync.Mutex
	logs []string
}

func (l *warnings) Logf(c logging.Classification, format string, v ...any) {
	if c == logging.Warn {
		l.mu.Lock()
		l.logs = append(l.logs, fmt.Sprintf(format, v...))
		l.mu.Unlock()
	}
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// TestDynamoAnswersCarryTheirChecksum: a real SDK client against the local
// DynamoDB endpoint logs no warning over successes and errors (the SDK
// checks X-Amz-Crc32 as it closes every answer), and the header is the
// CRC32 of the body sent.
func TestDynamoAnswersCarryTheirChecksum(t *testing.T) {
	ctx := context.Background()
	srv := emutest.Serve(t, newDynamoGuard())
	endpoint, creds := emutest.Endpoint(srv)
	log := &warnings{}
	db := dynamodb.New(dynamodb.Options{BaseEndpoint: endpoint, Credentials: creds, Region: emutest.Region, Logger: log})
	table := aws.String("t")
	if _, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: table, BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("PK"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("SK"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("PK"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("SK"), KeyType: types.KeyTypeRange}}}); err != nil {
		t.Fatal(err)
	}
	item := map[string]types.AttributeValue{"PK": s("USER#1"), "SK": s("A"), "Name": s("Пётр")}
	key := map[string]types.AttributeValue{"PK": s("USER#1"), "SK": s("A")}
	absent := aws.String("attribute_not_exists(PK)")
	calls := []struct {
		name string
		call func() error
		// code is the API error the call fails with ("" for none).
		code string
	}{
		{"PutItem", func() error {
			_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: item})
			return err
		}, ""},
		{"GetItem", func() error {
			out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: key})
			if err == nil && out.Item["Name"].(*types.AttributeValueMemberS).Value != "Пётр" {
				err = fmt.Errorf("item %v", out.Item)
			}
			return err
		}, ""},
		{"Query", func() error {
			out, err := db.Query(ctx, &dynamodb.QueryInput{TableName: table, KeyConditionExpression: aws.String("PK = :pk"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("USER#1")}})
			if err == nil && len(out.Items) != 1 {
				err = fmt.Errorf("%d items", len(out.Items))
			}
			return err
		}, ""},
		{"TransactWriteItems", func() error {
			_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: table, Item: map[string]types.AttributeValue{"PK": s("USER#1"), "SK": s("B")}}},
				{Update: &types.Update{TableName: table, Key: key, UpdateExpression: aws.String("SET #n = :n"),
					ExpressionAttributeNames: map[string]string{"#n": "Name"}, ExpressionAttributeValues: map[string]types.AttributeValue{":n": s("Иван")}}}}})
			return err
		}, ""},
		{"PutItem whose condition fails", func() error {
			_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: item, ConditionExpression: absent})
			return err
		}, "ConditionalCheckFailedException"},
		{"TransactWriteItems cancelled", func() error {
			_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: table, Item: item, ConditionExpression: absent}}}})
			return err
		}, "TransactionCanceledException"},
		{"Scan (refused)", func() error {
			_, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: table}) // allow-scan: the refusal carries its checksum too
			return err
		}, "ValidationException"},
	}
	for _, c := range calls {
		err := c.call()
		var apiErr smithy.APIError
		switch {
		case c.code == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.code != "" && (!errors.As(err, &apiErr) || apiErr.ErrorCode() != c.code):
			t.Errorf("%s: error %v, want %s", c.name, err, c.code)
		}
	}
	if len(log.logs) > 0 {
		t.Errorf("the SDK logged %d warnings, first: %s", len(log.logs), log.logs[0])
	}

	for _, body := range []string{
		`{"TableName":"t","Key":{"PK":{"S":"USER#1"},"SK":{"S":"A"}}}`,
		`{"TableName":"nope","Key":{"PK":{"S":"USER#1"},"SK":{"S":"A"}}}`,
	} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader([]byte(body)))
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.GetItem")
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if want := strconv.FormatUint(uint64(crc32.ChecksumIEEE(got)), 10); res.Header.Get("X-Amz-Crc32") != want {
			t.Errorf("GetItem %s: answered %d with X-Amz-Crc32 %q, want %s (the CRC32 of %s)", body, res.StatusCode, res.Header.Get("X-Amz-Crc32"), want, got)
		}
	}
}
