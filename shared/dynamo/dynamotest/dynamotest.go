// Package dynamotest gives tests a real table: the minidyn emulator in
// process (fronted by dynamofix, so REMOVE works as on AWS), with the single
// table created from template.yaml's definition.
package dynamotest

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	miniclient "github.com/truora/minidyn/aws-v2/client"
	miniserver "github.com/truora/minidyn/server"
	"gopkg.in/yaml.v3"

	"github.com/kabinet/kabinet/infra/local/dynamofix"
	"github.com/kabinet/kabinet/infra/local/template"
	"github.com/kabinet/kabinet/shared/dynamo"
)

// NewStore returns a store over a fresh table in a fresh emulator; both go
// away with the test.
func NewStore(t testing.TB) *dynamo.Store {
	t.Helper()
	db, _ := NewFaultyStore(t)
	return db
}

// Faults switches failure injection of one emulator on and off: while on,
// every call fails as DynamoDB's InternalServerError (the SDK retries it,
// then gives up), the failing store of failure and compensation tests.
type Faults struct{ srv *miniserver.Server }

// Fail turns the failures on or off.
func (f Faults) Fail(on bool) {
	if on {
		f.srv.EmulateFailure(miniserver.FailureConditionInternalServerError)
	} else {
		f.srv.EmulateFailure(miniserver.FailureConditionNone)
	}
}

// NewFaultyStore is NewStore with the emulator's failure switch.
func NewFaultyStore(t testing.TB) (*dynamo.Store, Faults) {
	t.Helper()
	mini := miniserver.NewServer()
	srv := httptest.NewServer(&dynamofix.Handler{Inner: mini})
	t.Cleanup(srv.Close)
	// Three attempts, as the SDK's default: under load a kept-alive
	// connection to the test server is sometimes closed under a request,
	// which the SDK retries (conditional failures are never retried).
	api := dynamodb.New(dynamodb.Options{BaseEndpoint: aws.String(srv.URL), Region: "eu-central-1",
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), RetryMaxAttempts: 3})
	if _, err := api.CreateTable(context.Background(), template.TableInput("kabinet-test", tableProps(t))); err != nil {
		t.Fatal(err)
	}
	return dynamo.New(api, "kabinet-test"), Faults{srv: mini}
}

// tableProps reads the table's definition from template.yaml.
func tableProps(t testing.TB) *yaml.Node {
	t.Helper()
	root, err := template.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := template.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ids := tpl.OfType("AWS::DynamoDB::Table")
	if len(ids) != 1 {
		t.Fatalf("template.yaml declares %d tables, want 1", len(ids))
	}
	return tpl.Resources[ids[0]].Properties
}

// NewInProcess returns a store over minidyn's in-process client (no HTTP at
// all) wrapped in a call counter: for benchmarks of CPU and DynamoDB calls.
func NewInProcess(t testing.TB) (*dynamo.Store, *dynamo.Counting) {
	t.Helper()
	api := miniclient.NewClient()
	if _, err := api.CreateTable(context.Background(), template.TableInput("kabinet-test", tableProps(t))); err != nil {
		t.Fatal(err)
	}
	c := &dynamo.Counting{API: api}
	return dynamo.New(c, "kabinet-test"), c
}
