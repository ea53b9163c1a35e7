// Package emutest holds what the tests of the local stack's AWS emulators
// share: serving an emulator to a real SDK client, and checking the error
// code an SDK call failed with.
package emutest

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"
)

// Region is the region the clients of emulator tests use.
const Region = "eu-central-1"

// Serve serves h for the test's duration and returns the server.
func Serve(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// Endpoint is what an SDK client's Options need to reach srv: the base
// endpoint, static credentials, and no retries (a test sees every answer).
func Endpoint(srv *httptest.Server) (endpoint *string, creds aws.CredentialsProvider) {
	return aws.String(srv.URL), credentials.NewStaticCredentialsProvider("test", "test", "")
}

// WantCode fails the test unless err is an AWS API error with code.
func WantCode(t testing.TB, err error, code string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error = %v, want API error %s", err, code)
	}
	if apiErr.ErrorCode() != code {
		t.Fatalf("error code = %s (%v), want %s", apiErr.ErrorCode(), err, code)
	}
}
