package health

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// fakeSES answers GetAccount with err.
type fakeSES struct {
	calls int
	err   error
}

func (f *fakeSES) GetAccount(context.Context) error { f.calls++; return f.err }

func sesCheck(t *testing.T, c Clients) Check {
	t.Helper()
	for _, ch := range Standard(c, Names{}) {
		if ch.Name == "ses" {
			return ch
		}
	}
	t.Fatal("Standard has no ses check")
	return Check{}
}

func TestSESProbeCallsGetAccount(t *testing.T) {
	boom := errors.New("boom")
	for _, want := range []error{nil, boom} {
		f := &fakeSES{err: want}
		if err := sesCheck(t, Clients{SES: f}).Ping(context.Background()); !errors.Is(err, want) || f.calls != 1 {
			t.Errorf("ses probe = %v after %d calls, want %v after 1", err, f.calls, want)
		}
	}
}

// NewClients points the SES probe at the endpoint it is given.
func TestNewClientsUsesTheSESEndpoint(t *testing.T) {
	var path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path = r.Method + " " + r.URL.Path
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	c := NewClients(aws.Config{Region: "eu-central-1", BaseEndpoint: aws.String("http://127.0.0.1:1")}, srv.URL)
	if err := sesCheck(t, c).Ping(context.Background()); err != nil || path != "GET /v2/email/account" {
		t.Errorf("ses probe = %v, served %q; want nil, GET /v2/email/account", err, path)
	}
}
