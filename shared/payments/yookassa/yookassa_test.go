package yookassa

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/kabinet/kabinet/shared/payments"
	"github.com/kabinet/kabinet/shared/problem"
)

const (
	shopID    = "123456"
	secret    = "test_Fh8hUAVVBGUGbjmlzba6TB0iyUbos_lueTHE-axOwM0"
	paymentID = "2f3b588d-000f-5000-8000-1d6e87c7fbde"
)

// seen is one request the fake ЮKassa received.
type seen struct {
	Method, Path string
	Header       http.Header
	Body         string
}

// reply is one answer of the fake; a delay longer than the client's timeout
// makes an attempt time out.
type reply struct {
	status int
	body   string
	delay  time.Duration
}

// fake is ЮKassa answering from a script, one reply a request (the last
// reply repeats), and recording every request.
type fake struct {
	t       *testing.T
	mu      sync.Mutex
	replies []reply
	got     []seen
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.got = append(f.got, seen{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: string(b)})
	rep := f.replies[0]
	if len(f.replies) > 1 {
		f.replies = f.replies[1:]
	}
	f.mu.Unlock()
	if rep.delay > 0 {
		select {
		case <-time.After(rep.delay):
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.status)
	_, _ = io.WriteString(w, rep.body)
}

func (f *fake) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.got...)
}

// newClient serves the script and returns a client of it with short
// timeouts and pauses.
func newClient(t *testing.T, replies ...reply) (*Client, *fake) {
	t.Helper()
	f := &fake{t: t, replies: replies}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := New(Config{BaseURL: srv.URL + "/v3/", ShopID: shopID, Secret: StaticSecretKey(secret),
		Timeout: 200 * time.Millisecond, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c, f
}

func paymentBody(status string, extra string) string {
	return `{"id":"` + paymentID + `","status":"` + status + `","paid":false,"amount":{"value":"123.45","currency":"RUB"},` +
		`"confirmation":{"type":"redirect","confirmation_url":"https://yoomoney.ru/checkout/payments/v2/contract?orderId=` + paymentID + `"},` +
		`"created_at":"2026-03-01T10:15:30.129Z","description":"Штраф","metadata":{"charge":"c-1"},"recipient":{"account_id":"123456","gateway_id":"1"},` +
		`"refundable":false,"test":true` + extra + `}`
}

var newPayment = payments.NewPayment{IdempotenceKey: "7d8f1c2e-5b1a-4c3e-9f0a-1b2c3d4e5f60", Amount: 12345,
	Description: "Штраф ГИБДД 18810177260301000001", ReturnURL: "https://kabinet.example/payments/return?p=1",
	Metadata: map[string]string{"charge": "c-1"}}

func TestCreateSendsTheRequestYooKassaExpects(t *testing.T) {
	c, f := newClient(t, reply{status: 200, body: paymentBody("pending", "")})
	got, err := c.Create(context.Background(), newPayment)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	want := payments.ProviderPayment{ID: paymentID, Status: payments.ProviderPending, Amount: 12345, Test: true,
		ConfirmationURL: "https://yoomoney.ru/checkout/payments/v2/contract?orderId=" + paymentID,
		CreatedAt:       time.Date(2026, 3, 1, 10, 15, 30, 129e6, time.UTC), Metadata: map[string]string{"charge": "c-1"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Create = %+v\nwant     %+v", got, want)
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Path != "/v3/payments" {
		t.Errorf("request = %s %s, want POST /v3/payments", r.Method, r.Path)
	}
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte(shopID+":"+secret))
	for h, want := range map[string]string{"Authorization": wantAuth, "Idempotence-Key": newPayment.IdempotenceKey,
		"Content-Type": "application/json", "Accept": "application/json"} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}
	var body, wantBody any
	_ = json.Unmarshal([]byte(r.Body), &body)
	_ = json.Unmarshal([]byte(`{"amount":{"value":"123.45","currency":"RUB"},"capture":true,
		"confirmation":{"type":"redirect","return_url":"https://kabinet.example/payments/return?p=1"},
		"description":"Штраф ГИБДД 18810177260301000001","metadata":{"charge":"c-1"}}`), &wantBody)
	if !reflect.DeepEqual(body, wantBody) {
		t.Errorf("body = %s\nwant %v", r.Body, wantBody)
	}
}

func TestCreateWithHoldDoesNotCapture(t *testing.T) {
	c, f := newClient(t, reply{status: 200, body: paymentBody("pending", "")})
	p := newPayment
	p.Hold, p.Description, p.Metadata = true, "", nil
	if _, err := c.Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	_ = json.Unmarshal([]byte(f.requests()[0].Body), &body)
	if body["capture"] != false {
		t.Errorf("capture = %v, want false", body["capture"])
	}
	for _, absent := range []string{"description", "metadata"} {
		if _, ok := body[absent]; ok {
			t.Errorf("body has %s though the payment has none: %v", absent, body)
		}
	}
}

func TestGetCaptureCancel(t *testing.T) {
	ctx := context.Background()
	captured := paymentBody("succeeded", `,"captured_at":"2026-03-01T10:20:00Z"`)
	canceled := paymentBody("canceled", `,"cancellation_details":{"party":"merchant","reason":"canceled_by_merchant"}`)
	for _, c := range []struct {
		name       string
		call       func(*Client) (payments.ProviderPayment, error)
		reply      string
		method     string
		path, key  string
		wantStatus payments.ProviderStatus
	}{
		{"get", func(c *Client) (payments.ProviderPayment, error) { return c.Get(ctx, paymentID) }, paymentBody("waiting_for_capture",
			`,"expires_at":"2026-03-08T10:16:00.000Z"`), http.MethodGet, "/v3/payments/" + paymentID, "", payments.ProviderWaitingForCapture},
		{"capture", func(c *Client) (payments.ProviderPayment, error) { return c.Capture(ctx, paymentID, "capture-1") }, captured,
			http.MethodPost, "/v3/payments/" + paymentID + "/capture", "capture-1", payments.ProviderSucceeded},
		{"cancel", func(c *Client) (payments.ProviderPayment, error) { return c.Cancel(ctx, paymentID, "cancel-1") }, canceled,
			http.MethodPost, "/v3/payments/" + paymentID + "/cancel", "cancel-1", payments.ProviderCanceled},
	} {
		t.Run(c.name, func(t *testing.T) {
			client, f := newClient(t, reply{status: 200, body: c.reply})
			got, err := c.call(client)
			if err != nil || got.Status != c.wantStatus {
				t.Fatalf("= %+v, %v; want status %s", got, err, c.wantStatus)
			}
			r := f.requests()[0]
			if r.Method != c.method || r.Path != c.path || r.Header.Get("Idempotence-Key") != c.key {
				t.Errorf("request = %s %s key %q, want %s %s key %q", r.Method, r.Path, r.Header.Get("Idempotence-Key"), c.method, c.path, c.key)
			}
			if c.method == http.MethodPost && (r.Body != "{}" || r.Header.Get("Content-Type") != "application/json") {
				t.Errorf("body = %q (%s), want {} as JSON", r.Body, r.Header.Get("Content-Type"))
			}
			if c.method == http.MethodGet && (r.Body != "" || r.Header.Get("Content-Type") != "") {
				t.Errorf("GET has a body %q (%s)", r.Body, r.Header.Get("Content-Type"))
			}
			switch c.name {
			case "get":
				if got.ExpiresAt != time.Date(2026, 3, 8, 10, 16, 0, 0, time.UTC) {
					t.Errorf("ExpiresAt = %v", got.ExpiresAt)
				}
			case "capture":
				if got.CapturedAt != time.Date(2026, 3, 1, 10, 20, 0, 0, time.UTC) {
					t.Errorf("CapturedAt = %v", got.CapturedAt)
				}
			case "cancel":
				if got.CancellationParty != "merchant" || got.CancellationReason != "canceled_by_merchant" {
					t.Errorf("cancellation = %q %q", got.CancellationParty, got.CancellationReason)
				}
			}
		})
	}
}

// Every retry sends the very same request: the same idempotence key and body.
func TestRetriesResendTheSameRequest(t *testing.T) {
	ok := reply{status: 200, body: paymentBody("pending", "")}
	for _, c := range []struct {
		name  string
		first reply
	}{
		{"500", reply{status: 500, body: `{"type":"error","id":"e1","code":"internal_server_error","description":"Internal server error"}`}},
		{"503 without a body", reply{status: 503}},
		{"429", reply{status: 429, body: `{"type":"error","id":"e2","code":"too_many_requests","description":"Too many requests"}`}},
		{"202 processing", reply{status: 202, body: `{"type":"processing","description":"Request accepted","retry_after":1}`}},
		{"timeout", reply{status: 200, body: paymentBody("pending", ""), delay: time.Second}},
	} {
		t.Run(c.name, func(t *testing.T) {
			client, f := newClient(t, c.first, ok)
			got, err := client.Create(context.Background(), newPayment)
			if err != nil || got.ID != paymentID {
				t.Fatalf("Create = %+v, %v; want the payment after a retry", got, err)
			}
			reqs := f.requests()
			if len(reqs) != 2 {
				t.Fatalf("%d requests, want 2", len(reqs))
			}
			if reqs[0].Header.Get("Idempotence-Key") != newPayment.IdempotenceKey || reqs[1].Header.Get("Idempotence-Key") != newPayment.IdempotenceKey {
				t.Errorf("keys %q then %q, want %q both times", reqs[0].Header.Get("Idempotence-Key"), reqs[1].Header.Get("Idempotence-Key"), newPayment.IdempotenceKey)
			}
			if reqs[0].Body != reqs[1].Body || reqs[0].Path != reqs[1].Path {
				t.Errorf("retry differs:\n%s %s\n%s %s", reqs[0].Path, reqs[0].Body, reqs[1].Path, reqs[1].Body)
			}
		})
	}
}

func TestErrorKinds(t *testing.T) {
	for _, c := range []struct {
		name     string
		reply    reply
		kind     problem.Kind
		code     string
		requests int
	}{
		{"500 every time", reply{status: 500, body: `{"type":"error","id":"e","code":"internal_server_error"}`}, problem.KindUnavailable, "payment_provider_unavailable", DefaultAttempts},
		{"502 from a proxy", reply{status: 502, body: `<html>Bad Gateway</html>`}, problem.KindUnavailable, "payment_provider_unavailable", DefaultAttempts},
		{"429 every time", reply{status: 429, body: `{"type":"error","id":"e","code":"too_many_requests"}`}, problem.KindUnavailable, "payment_provider_unavailable", DefaultAttempts},
		{"processing every time", reply{status: 202, body: `{"type":"processing","retry_after":1}`}, problem.KindUnavailable, "payment_provider_unavailable", DefaultAttempts},
		{"timeout every time", reply{status: 200, delay: time.Second}, problem.KindUnavailable, "payment_provider_unavailable", DefaultAttempts},
		{"idempotence key duplicated", reply{status: 400, body: `{"type":"error","id":"e","code":"invalid_request","description":"Idempotence key duplicated","parameter":"Idempotence-Key"}`},
			problem.KindConflict, "payment_idempotence_conflict", 1},
		{"amount refused", reply{status: 400, body: `{"type":"error","id":"e","code":"invalid_request","description":"Invalid amount","parameter":"amount.value"}`},
			problem.KindInvalid, "payment_refused", 1},
		{"credentials refused", reply{status: 401, body: `{"type":"error","id":"e","code":"invalid_credentials"}`}, problem.KindInternal, "internal", 1},
		{"forbidden", reply{status: 403, body: `{"type":"error","id":"e","code":"forbidden"}`}, problem.KindInternal, "internal", 1},
		{"not found", reply{status: 404, body: `{"type":"error","id":"e","code":"not_found"}`}, problem.KindNotFound, "payment_not_found", 1},
		{"415", reply{status: 415}, problem.KindInternal, "internal", 1},
		{"200 that is not JSON", reply{status: 200, body: `<html>`}, problem.KindInternal, "internal", 1},
		{"200 with an unknown status", reply{status: 200, body: paymentBody("refunded", "")}, problem.KindInternal, "internal", 1},
		{"200 with a float amount", reply{status: 200, body: strings.Replace(paymentBody("pending", ""), `"123.45"`, `123.45`, 1)}, problem.KindInternal, "internal", 1},
		{"200 with three decimals", reply{status: 200, body: strings.Replace(paymentBody("pending", ""), `"123.45"`, `"123.451"`, 1)}, problem.KindInternal, "internal", 1},
		{"200 in another currency", reply{status: 200, body: strings.Replace(paymentBody("pending", ""), `"RUB"`, `"USD"`, 1)}, problem.KindInternal, "internal", 1},
		{"200 for another amount", reply{status: 200, body: strings.Replace(paymentBody("pending", ""), `"123.45"`, `"1.00"`, 1)}, problem.KindInternal, "internal", 1},
		{"200 with a bad id", reply{status: 200, body: strings.Replace(paymentBody("pending", ""), paymentID, "../x", 1)}, problem.KindInternal, "internal", 1},
		{"200 without created_at", reply{status: 200, body: strings.Replace(paymentBody("pending", ""), `"created_at"`, `"made_at"`, 1)}, problem.KindInternal, "internal", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			client, f := newClient(t, c.reply)
			_, err := client.Create(context.Background(), newPayment)
			pe, ok := problem.As(err)
			if !ok || pe.Kind != c.kind || pe.Code != c.code {
				t.Fatalf("Create = %v, want kind %d code %s", err, c.kind, c.code)
			}
			if n := len(f.requests()); n != c.requests {
				t.Errorf("%d requests, want %d", n, c.requests)
			}
			// Nothing the citizen or the logs see repeats the secret or what
			// the payment says about the payer.
			for _, leak := range []string{secret, newPayment.Description, "c-1", "Idempotence key duplicated", "Invalid amount"} {
				if strings.Contains(err.Error(), leak) || strings.Contains(pe.Detail, leak) {
					t.Errorf("error %q repeats %q", err, leak)
				}
			}
		})
	}
}

func TestRefusedParameterIsNamed(t *testing.T) {
	client, _ := newClient(t, reply{status: 400, body: `{"type":"error","id":"e","code":"invalid_request","parameter":"confirmation.return_url"}`})
	_, err := client.Create(context.Background(), newPayment)
	if got := problem.FieldNames(err); len(got) != 1 || got[0] != "confirmation.return_url" {
		t.Errorf("fields = %v, want confirmation.return_url", got)
	}
}

func TestProcessingKeepsRetryAfter(t *testing.T) {
	client, _ := newClient(t, reply{status: 202, body: `{"type":"processing","retry_after":3}`})
	_, err := client.Get(context.Background(), paymentID)
	if pe, ok := problem.As(err); !ok || pe.Kind != problem.KindUnavailable || pe.RetryAfter != 3*time.Millisecond {
		t.Errorf("Get = %v, want Unavailable with RetryAfter 3ms", err)
	}
}

func TestNoAnswerIsUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	client, err := New(Config{BaseURL: srv.URL, ShopID: shopID, Secret: StaticSecretKey(secret), Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Get(context.Background(), paymentID); !problem.Is(err, problem.KindUnavailable) {
		t.Errorf("Get from a closed server = %v, want Unavailable", err)
	}
}

// The attempts stop when the caller's context does.
func TestRetriesStopAtTheCallersDeadline(t *testing.T) {
	client, f := newClient(t, reply{status: 500})
	client.cfg.Backoff = time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	began := time.Now()
	if _, err := client.Get(ctx, paymentID); !problem.Is(err, problem.KindUnavailable) {
		t.Errorf("Get = %v, want Unavailable", err)
	}
	if d := time.Since(began); d > 250*time.Millisecond {
		t.Errorf("Get took %v: it waited for a retry past the caller's deadline", d)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestRefusedBeforeSending(t *testing.T) {
	ctx := context.Background()
	long := strings.Repeat("д", 129)
	for _, c := range []struct {
		name   string
		change func(*payments.NewPayment)
		field  string
	}{
		{"no key", func(p *payments.NewPayment) { p.IdempotenceKey = "" }, "idempotenceKey"},
		{"key too long", func(p *payments.NewPayment) { p.IdempotenceKey = strings.Repeat("k", 65) }, "idempotenceKey"},
		{"key with a space", func(p *payments.NewPayment) { p.IdempotenceKey = "a b" }, "idempotenceKey"},
		{"key with a newline", func(p *payments.NewPayment) { p.IdempotenceKey = "a\r\nX-Evil: 1" }, "idempotenceKey"},
		{"zero amount", func(p *payments.NewPayment) { p.Amount = 0 }, "amount"},
		{"negative amount", func(p *payments.NewPayment) { p.Amount = -100 }, "amount"},
		{"no return URL", func(p *payments.NewPayment) { p.ReturnURL = "" }, "returnUrl"},
		{"description too long", func(p *payments.NewPayment) { p.Description = long }, "description"},
		{"metadata value too long", func(p *payments.NewPayment) { p.Metadata = map[string]string{"k": strings.Repeat("v", 513)} }, "metadata"},
	} {
		t.Run(c.name, func(t *testing.T) {
			client, f := newClient(t, reply{status: 200, body: paymentBody("pending", "")})
			p := newPayment
			c.change(&p)
			_, err := client.Create(ctx, p)
			pe, ok := problem.As(err)
			if !ok || pe.Kind != problem.KindInvalid || pe.Code != "payment_request_invalid" || len(pe.Fields) == 0 || pe.Fields[0].Field != c.field {
				t.Errorf("Create = %v, want Invalid payment_request_invalid naming %s", err, c.field)
			}
			if n := len(f.requests()); n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
		})
	}
	client, f := newClient(t, reply{status: 200, body: paymentBody("pending", "")})
	for _, id := range []string{"", "../refunds", "a/b", "a?b", strings.Repeat("a", 65)} {
		if _, err := client.Get(ctx, id); !problem.Is(err, problem.KindNotFound) {
			t.Errorf("Get(%q) = %v, want NotFound", id, err)
		}
		if _, err := client.Cancel(ctx, id, "k"); !problem.Is(err, problem.KindNotFound) {
			t.Errorf("Cancel(%q) = %v, want NotFound", id, err)
		}
	}
	if _, err := client.Capture(ctx, paymentID, ""); !problem.Is(err, problem.KindInvalid) {
		t.Errorf("Capture without a key = %v, want Invalid", err)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

func TestGetRefusesAnotherPayment(t *testing.T) {
	client, _ := newClient(t, reply{status: 200, body: paymentBody("succeeded", "")})
	if _, err := client.Get(context.Background(), "3a1b2c3d-000f-5000-8000-000000000000"); !problem.Is(err, problem.KindInternal) {
		t.Errorf("Get answered with another payment = %v, want Internal", err)
	}
}

func TestNewNeedsTheShop(t *testing.T) {
	if _, err := New(Config{ShopID: shopID}); err == nil {
		t.Error("New without a secret key succeeded")
	}
	if _, err := New(Config{Secret: StaticSecretKey(secret)}); err == nil {
		t.Error("New without a shop id succeeded")
	}
	c, err := New(Config{ShopID: shopID, Secret: StaticSecretKey(secret)})
	if err != nil || c.cfg.BaseURL != DefaultBaseURL {
		t.Errorf("New = %+v, %v; want the default base URL %s", c, err, DefaultBaseURL)
	}
}

// secrets is Secrets Manager answering from a list, counting reads.
type secrets struct {
	mu     sync.Mutex
	values []string
	err    error
	reads  int
}

func (s *secrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	if s.err != nil {
		return nil, s.err
	}
	v := s.values[0]
	if len(s.values) > 1 {
		s.values = s.values[1:]
	}
	return &secretsmanager.GetSecretValueOutput{Name: in.SecretId, SecretString: aws.String(v)}, nil
}

func (s *secrets) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads
}

func TestManagedSecretIsReadOnFirstUseAndAgainWhenRefused(t *testing.T) {
	sm := &secrets{values: []string{"old-key\n", secret}}
	var auths []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auths = append(auths, r.Header.Get("Authorization"))
		mu.Unlock()
		if r.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(shopID+":"+secret)) {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"type":"error","id":"e","code":"invalid_credentials"}`)
			return
		}
		_, _ = io.WriteString(w, paymentBody("pending", ""))
	}))
	t.Cleanup(srv.Close)
	client, err := New(Config{BaseURL: srv.URL, ShopID: shopID, Secret: ManagedSecretKey(sm, "kabinet/yookassa"), Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if n := sm.count(); n != 0 {
		t.Fatalf("New read the secret %d times; it must wait for the first request", n)
	}
	ctx := context.Background()
	if _, err := client.Get(ctx, paymentID); !problem.Is(err, problem.KindInternal) {
		t.Fatalf("Get with the old key = %v, want Internal", err)
	}
	if _, err := client.Get(ctx, paymentID); err != nil {
		t.Fatalf("Get after the key was rotated = %v", err)
	}
	if _, err := client.Get(ctx, paymentID); err != nil {
		t.Fatal(err)
	}
	if n := sm.count(); n != 2 {
		t.Errorf("the secret was read %d times, want 2 (first use, after the refusal)", n)
	}
	if len(auths) != 3 || !strings.HasPrefix(auths[0], "Basic ") || auths[0] == auths[1] {
		t.Errorf("Authorization headers %q", auths)
	}
}

func TestFailedSecretReadIsNotKept(t *testing.T) {
	sm := &secrets{err: errors.New("AccessDeniedException")}
	client, err := New(Config{BaseURL: "http://127.0.0.1:1", ShopID: shopID, Secret: ManagedSecretKey(sm, "s"), Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Get(context.Background(), paymentID); !problem.Is(err, problem.KindUnavailable) {
		t.Errorf("Get without a readable secret = %v, want Unavailable", err)
	}
	if _, err := client.Get(context.Background(), paymentID); err == nil || sm.count() != 2 {
		t.Errorf("second Get read the secret %d times in all, want 2", sm.count())
	}
}
