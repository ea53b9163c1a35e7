package sesmail

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const testRegion = "eu-central-1"

var (
	testCreds = aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", SessionToken: "session-token"}
	// signedAt is the clock of the tests' clients.
	signedAt = time.Date(2026, 3, 14, 10, 11, 12, 0, time.UTC)
)

// received is one request as the fake SES saw it.
type received struct {
	req  *http.Request
	body []byte
}

// fakeSES is an httptest server standing in for SES: it records every
// request and answers the n-th (from 0) with answer.
type fakeSES struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	answer func(n int, w http.ResponseWriter, r *http.Request)
}

func newFakeSES(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request)) *fakeSES {
	t.Helper()
	f := &fakeSES{answer: answer}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		n := len(f.got)
		f.got = append(f.got, received{req: r.Clone(context.Background()), body: body})
		f.mu.Unlock()
		f.answer(n, w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeSES) requests() []received {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]received(nil), f.got...)
}

// answerJSON writes an answer of SES.
func answerJSON(w http.ResponseWriter, status int, errorType, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-RequestId", "req-1")
	if errorType != "" {
		w.Header().Set("X-Amzn-ErrorType", errorType)
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func sent(w http.ResponseWriter) { answerJSON(w, 200, "", `{"MessageId":"0100-msg-1"}`) }

// retryLog records the delays a client asked for.
type retryLog struct {
	mu      sync.Mutex
	retries []int
	throttl []bool
}

// testClient returns a client of f with the tests' clock and credentials
// and no delay between attempts.
func testClient(f *fakeSES) (*Client, *retryLog) {
	cfg := aws.Config{Region: testRegion, Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return testCreds, nil
	})}
	c := NewClient(cfg, f.URL)
	log := &retryLog{}
	c.now = func() time.Time { return signedAt }
	c.backoff = func(retry int, throttled bool) time.Duration {
		log.mu.Lock()
		defer log.mu.Unlock()
		log.retries = append(log.retries, retry)
		log.throttl = append(log.throttl, throttled)
		return 0
	}
	return c, log
}

var testInput = &SendEmailInput{
	FromEmailAddress: "no-reply@kabinet.example.ru",
	Destination:      Destination{ToAddresses: []string{"ivan@example.ru"}},
	Content: EmailContent{Simple: Message{
		Subject: Content{Data: "Заявление № 1 принято", Charset: "UTF-8"},
		Body:    Body{Text: &Content{Data: "Здравствуйте!", Charset: "UTF-8"}, HTML: &Content{Data: "<p>Здравствуйте!</p>", Charset: "UTF-8"}},
	}},
	ConfigurationSetName: "kabinet-events",
}

// authorization is SigV4's header: the credential scope names the day,
// the region and "ses".
var authorization = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260314/eu-central-1/ses/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=[0-9a-f]{64}$`)

// checkSigned checks the SigV4 headers of a request, and that signing
// what the server received again gives the same signature: nothing was
// changed after signing.
func checkSigned(t *testing.T, got received) {
	t.Helper()
	r := got.req
	m := authorization.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		t.Fatalf("Authorization = %q, want SigV4 with the scope 20260314/eu-central-1/ses", r.Header.Get("Authorization"))
	}
	signed := strings.Split(m[1], ";")
	want := []string{"host", "x-amz-date", "x-amz-security-token"}
	if len(got.body) > 0 {
		want = append(want, "content-type", "content-length")
	}
	for _, h := range want {
		if !slices.Contains(signed, h) {
			t.Errorf("SignedHeaders = %s, want %s among them", m[1], h)
		}
	}
	if d := r.Header.Get("X-Amz-Date"); d != "20260314T101112Z" {
		t.Errorf("X-Amz-Date = %q, want 20260314T101112Z", d)
	}
	if tok := r.Header.Get("X-Amz-Security-Token"); tok != testCreds.SessionToken {
		t.Errorf("X-Amz-Security-Token = %q, want the session token", tok)
	}
	again := &http.Request{Method: r.Method, URL: r.URL, Host: r.Host, Header: http.Header{}, ContentLength: int64(len(got.body))}
	for _, h := range signed {
		if h != "host" && h != "content-length" {
			again.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	sum := sha256.Sum256(got.body)
	if err := v4.NewSigner().SignHTTP(context.Background(), testCreds, again, hex.EncodeToString(sum[:]), "ses", testRegion, signedAt); err != nil {
		t.Fatal(err)
	}
	if a, b := again.Header.Get("Authorization"), r.Header.Get("Authorization"); a != b {
		t.Errorf("the request as received signs as\n%s\nnot\n%s", a, b)
	}
}

func TestSendEmailRequest(t *testing.T) {
	f := newFakeSES(t, func(_ int, w http.ResponseWriter, _ *http.Request) { sent(w) })
	c, _ := testClient(f)
	id, err := c.SendEmail(context.Background(), testInput)
	if err != nil || id != "0100-msg-1" {
		t.Fatalf("SendEmail = %q, %v; want 0100-msg-1", id, err)
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.req.Method != http.MethodPost || r.req.URL.Path != "/v2/email/outbound-emails" || r.req.URL.RawQuery != "" {
		t.Errorf("request = %s %s, want POST /v2/email/outbound-emails", r.req.Method, r.req.URL)
	}
	if ct := r.req.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	want := `{"FromEmailAddress":"no-reply@kabinet.example.ru","Destination":{"ToAddresses":["ivan@example.ru"]},
		"Content":{"Simple":{"Subject":{"Data":"Заявление № 1 принято","Charset":"UTF-8"},
		"Body":{"Text":{"Data":"Здравствуйте!","Charset":"UTF-8"},"Html":{"Data":"<p>Здравствуйте!</p>","Charset":"UTF-8"}}}},
		"ConfigurationSetName":"kabinet-events"}`
	if !sameJSON(t, r.body, want) {
		t.Errorf("body = %s\nwant %s", r.body, want)
	}
	checkSigned(t, r)
}

func TestSendEmailBodyLeavesOutWhatIsUnset(t *testing.T) {
	f := newFakeSES(t, func(_ int, w http.ResponseWriter, _ *http.Request) { sent(w) })
	c, _ := testClient(f)
	in := &SendEmailInput{FromEmailAddress: "f@example.ru", Destination: Destination{ToAddresses: []string{"a@example.ru"}},
		Content: EmailContent{Simple: Message{Subject: Content{Data: "s", Charset: "UTF-8"}, Body: Body{Text: &Content{Data: "t", Charset: "UTF-8"}}}}}
	if _, err := c.SendEmail(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	want := `{"FromEmailAddress":"f@example.ru","Destination":{"ToAddresses":["a@example.ru"]},
		"Content":{"Simple":{"Subject":{"Data":"s","Charset":"UTF-8"},"Body":{"Text":{"Data":"t","Charset":"UTF-8"}}}}}`
	if body := f.requests()[0].body; !sameJSON(t, body, want) {
		t.Errorf("body = %s\nwant %s (no Html, no ConfigurationSetName)", body, want)
	}
}

func sameJSON(t *testing.T, got []byte, want string) bool {
	t.Helper()
	var a, b any
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	if err := json.Unmarshal([]byte(want), &b); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(a, b)
}

func TestGetAccountRequest(t *testing.T) {
	f := newFakeSES(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		answerJSON(w, 200, "", `{"SendingEnabled":true,"ProductionAccessEnabled":true}`)
	})
	c, _ := testClient(f)
	if err := c.GetAccount(context.Background()); err != nil {
		t.Fatalf("GetAccount = %v", err)
	}
	r := f.requests()[0]
	if r.req.Method != http.MethodGet || r.req.URL.Path != "/v2/email/account" || len(r.body) != 0 {
		t.Errorf("request = %s %s with %d bytes, want GET /v2/email/account with none", r.req.Method, r.req.URL, len(r.body))
	}
	checkSigned(t, r)
}

func TestAnonymousRequestsAreNotSigned(t *testing.T) {
	f := newFakeSES(t, func(_ int, w http.ResponseWriter, _ *http.Request) { answerJSON(w, 200, "", `{}`) })
	for name, creds := range map[string]aws.CredentialsProvider{"none": nil, "anonymous": aws.AnonymousCredentials{}} {
		if err := NewClient(aws.Config{Region: testRegion, Credentials: creds}, f.URL).GetAccount(context.Background()); err != nil {
			t.Errorf("%s: GetAccount = %v", name, err)
		}
	}
	for _, r := range f.requests() {
		if a := r.req.Header.Get("Authorization"); a != "" {
			t.Errorf("Authorization = %q, want none", a)
		}
	}
}

func TestEndpointResolution(t *testing.T) {
	tests := []struct {
		name, service, global, region string
		want                          string
		wantErr                       bool
	}{
		{"the service's setting first", "http://127.0.0.1:8005", "http://127.0.0.1:4566", testRegion, "http://127.0.0.1:8005", false},
		{"then the global one", "", "http://127.0.0.1:4566", testRegion, "http://127.0.0.1:4566", false},
		{"else the region's", "", "", testRegion, "https://email.eu-central-1.amazonaws.com", false},
		{"another region", "", "", "us-gov-west-1", "https://email.us-gov-west-1.amazonaws.com", false},
		{"a path is kept, a trailing slash dropped", "http://127.0.0.1:4566/ses/", "", testRegion, "http://127.0.0.1:4566/ses", false},
		{"no region, no endpoint", "", "", "", "", true},
		{"not a URL", "127.0.0.1:8005", "", testRegion, "", true},
		{"another scheme", "ftp://127.0.0.1", "", testRegion, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := aws.Config{Region: tt.region}
			if tt.global != "" {
				cfg.BaseEndpoint = aws.String(tt.global)
			}
			c := NewClient(cfg, tt.service)
			if tt.wantErr {
				if c.endpointErr == nil {
					t.Errorf("endpoint = %q, want an error", c.endpoint)
				}
				if err := c.GetAccount(context.Background()); err == nil {
					t.Error("GetAccount = nil, want the endpoint's error")
				}
				return
			}
			if c.endpointErr != nil || c.endpoint != tt.want {
				t.Errorf("endpoint = %q, %v; want %q", c.endpoint, c.endpointErr, tt.want)
			}
		})
	}
}

// The resolved endpoint is the one called: the service's setting over the
// global one.
func TestEndpointIsCalled(t *testing.T) {
	service := newFakeSES(t, func(_ int, w http.ResponseWriter, _ *http.Request) { answerJSON(w, 200, "", `{}`) })
	global := newFakeSES(t, func(_ int, w http.ResponseWriter, _ *http.Request) { answerJSON(w, 200, "", `{}`) })
	cfg := aws.Config{Region: testRegion, BaseEndpoint: aws.String(global.URL)}
	if err := NewClient(cfg, service.URL).GetAccount(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s, g := len(service.requests()), len(global.requests()); s != 1 || g != 0 {
		t.Errorf("with both settings: %d requests to the service's endpoint, %d to the global one; want 1, 0", s, g)
	}
	if err := NewClient(cfg, "").GetAccount(context.Background()); err != nil {
		t.Fatal(err)
	}
	if g := len(global.requests()); g != 1 {
		t.Errorf("with the global setting alone: %d requests to it, want 1", g)
	}
}

func TestNoRegion(t *testing.T) {
	f := newFakeSES(t, func(_ int, w http.ResponseWriter, _ *http.Request) { sent(w) })
	if _, err := NewClient(aws.Config{}, f.URL).SendEmail(context.Background(), testInput); err == nil || len(f.requests()) != 0 {
		t.Errorf("SendEmail without a region = %v after %d requests, want an error before any", err, len(f.requests()))
	}
}

func TestErrorClassification(t *testing.T) {
	tests := []struct {
		name                string
		status              int
		header, body        string
		wantCode            string
		wantPermanent       bool
		wantThrottled       bool
		wantAttempts        int
		wantMessage         string
		wantRequestIDInText bool
	}{
		{"message rejected", 400, "MessageRejected", `{"message":"Email address is not verified: ivan@example.ru"}`,
			"MessageRejected", true, false, 1, "Email address is not verified: ivan@example.ru", true},
		{"the type with the header's suffix", 400, "MessageRejected:http://internal.amazon.com/coral/com.amazon.coral.validate/", `{"message":"rejected for a reason"}`,
			"MessageRejected", true, false, 1, "rejected for a reason", true},
		{"the type in the body's __type", 400, "", `{"__type":"com.amazonaws.sesv2#BadRequestException","Message":"Missing 'To'"}`,
			"BadRequestException", true, false, 1, "Missing 'To'", true},
		{"the type in the body's code", 400, "", `{"code":"AccountSuspendedException","message":"permanently restricted"}`,
			"AccountSuspendedException", true, false, 1, "permanently restricted", true},
		{"configuration set not found", 404, "NotFoundException", `{"message":"Configuration set <x> does not exist."}`,
			"NotFoundException", true, false, 1, "Configuration set <x> does not exist.", true},
		{"a 400 naming no type (the emulator's)", 400, "", `{"message":"Bad Request Exception"}`,
			"", true, false, 1, "Bad Request Exception", true},
		{"a 413 that is not JSON", 413, "", `<html>too large</html>`, "", true, false, 1, "", true},
		{"sending paused", 400, "SendingPausedException", `{"message":"paused"}`, "SendingPausedException", false, false, 1, "paused", true},
		{"MAIL FROM domain not verified", 400, "MailFromDomainNotVerifiedException", `{}`, "MailFromDomainNotVerifiedException", false, false, 1, "", true},
		{"access denied", 403, "AccessDeniedException", `{"Message":"not authorized"}`, "AccessDeniedException", false, false, 1, "not authorized", true},
		{"expired token", 403, "ExpiredTokenException", `{}`, "ExpiredTokenException", false, false, 1, "", true},
		{"throttled", 429, "TooManyRequestsException", `{"message":"Maximum sending rate exceeded."}`,
			"TooManyRequestsException", false, true, 3, "Maximum sending rate exceeded.", true},
		{"a 429 naming no type", 429, "", ``, "", false, true, 3, "", true},
		{"limit exceeded", 400, "LimitExceededException", `{}`, "LimitExceededException", false, true, 3, "", true},
		{"internal failure", 500, "InternalFailure", `{"message":"x"}`, "InternalFailure", false, false, 3, "x", true},
		{"unavailable with no body", 503, "", ``, "", false, false, 3, "", true},
		{"bad gateway", 502, "", `oops`, "", false, false, 3, "", true},
		{"not implemented", 501, "", ``, "", false, false, 1, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSES(t, func(_ int, w http.ResponseWriter, _ *http.Request) { answerJSON(w, tt.status, tt.header, tt.body) })
			c, log := testClient(f)
			_, err := c.SendEmail(context.Background(), testInput)
			var api *APIError
			if !errors.As(err, &api) {
				t.Fatalf("SendEmail = %v, want an *APIError", err)
			}
			if api.Operation != "SendEmail" || api.StatusCode != tt.status || api.Code != tt.wantCode || api.Message != tt.wantMessage || api.RequestID != "req-1" {
				t.Errorf("APIError = %+v, want status %d, code %q, message %q, request id req-1", api, tt.status, tt.wantCode, tt.wantMessage)
			}
			if api.Permanent() != tt.wantPermanent || api.Throttled() != tt.wantThrottled {
				t.Errorf("Permanent, Throttled = %v, %v; want %v, %v", api.Permanent(), api.Throttled(), tt.wantPermanent, tt.wantThrottled)
			}
			if n := len(f.requests()); n != tt.wantAttempts {
				t.Errorf("%d attempts, want %d", n, tt.wantAttempts)
			}
			for i, th := range log.throttl {
				if th != tt.wantThrottled || log.retries[i] != i+1 {
					t.Errorf("delay %d asked for retry %d, throttled %v; want retry %d, throttled %v", i, log.retries[i], th, i+1, tt.wantThrottled)
				}
			}
			text := err.Error()
			if tt.wantMessage != "" && strings.Contains(text, tt.wantMessage) || strings.Contains(text, "@") {
				t.Errorf("error text %q echoes SES's message", text)
			}
			if !strings.Contains(text, "req-1") || !strings.Contains(text, tt.wantCode) {
				t.Errorf("error text %q, want the code %q and the request id", text, tt.wantCode)
			}
		})
	}
}

func TestTransientFailureIsRetried(t *testing.T) {
	f := newFakeSES(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n < 2 {
			answerJSON(w, 500, "InternalFailure", `{}`)
			return
		}
		sent(w)
	})
	c, log := testClient(f)
	id, err := c.SendEmail(context.Background(), testInput)
	if err != nil || id != "0100-msg-1" {
		t.Fatalf("SendEmail = %q, %v; want the third attempt's id", id, err)
	}
	reqs := f.requests()
	if len(reqs) != 3 || !reflect.DeepEqual(log.retries, []int{1, 2}) {
		t.Fatalf("%d attempts, delays before retries %v; want 3, [1 2]", len(reqs), log.retries)
	}
	for _, r := range reqs {
		if !sameJSON(t, r.body, string(reqs[0].body)) || len(r.body) == 0 {
			t.Errorf("a retry sent %q, want the same body as the first attempt", r.body)
		}
		checkSigned(t, r)
	}
}

func TestThrottledThenSent(t *testing.T) {
	f := newFakeSES(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 0 {
			answerJSON(w, 429, "TooManyRequestsException", `{}`)
			return
		}
		sent(w)
	})
	c, log := testClient(f)
	if _, err := c.SendEmail(context.Background(), testInput); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(log.throttl, []bool{true}) {
		t.Errorf("delays asked for throttling %v, want [true]", log.throttl)
	}
}

// countingClient counts the requests an HTTP client is asked to send.
type countingClient struct {
	mu sync.Mutex
	n  int
	do func(*http.Request) (*http.Response, error)
}

func (c *countingClient) Do(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.do(r)
}

func TestNetworkFailuresAreRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now

	hangUp := newFakeSES(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	for name, endpoint := range map[string]string{"connection refused": refused, "connection closed without an answer": hangUp.URL} {
		t.Run(name, func(t *testing.T) {
			counter := &countingClient{do: http.DefaultClient.Do}
			c := NewClient(aws.Config{Region: testRegion, HTTPClient: counter}, endpoint)
			c.backoff = func(int, bool) time.Duration { return 0 }
			_, err := c.SendEmail(context.Background(), testInput)
			var se *sendError
			if !errors.As(err, &se) {
				t.Fatalf("SendEmail = %v, want a send error", err)
			}
			if counter.n != 3 {
				t.Errorf("%d attempts, want 3", counter.n)
			}
		})
	}
}

func TestTheConfiguredHTTPClientIsUsed(t *testing.T) {
	f := newFakeSES(t, func(_ int, w http.ResponseWriter, _ *http.Request) { sent(w) })
	counter := &countingClient{do: http.DefaultClient.Do}
	c := NewClient(aws.Config{Region: testRegion, HTTPClient: counter}, f.URL)
	if _, err := c.SendEmail(context.Background(), testInput); err != nil || counter.n != 1 {
		t.Errorf("SendEmail = %v with %d requests through cfg.HTTPClient, want 1", err, counter.n)
	}
	if NewClient(aws.Config{Region: testRegion}, f.URL).http == nil {
		t.Error("without cfg.HTTPClient the client has none, want the SDK's default")
	}
}

func TestCancelledDuringBackoff(t *testing.T) {
	f := newFakeSES(t, func(_ int, w http.ResponseWriter, _ *http.Request) { answerJSON(w, 503, "", ``) })
	c, _ := testClient(f)
	ctx, cancel := context.WithCancel(context.Background())
	c.backoff = func(int, bool) time.Duration { cancel(); return time.Hour }
	began := time.Now()
	_, err := c.SendEmail(ctx, testInput)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("SendEmail = %v, want context.Canceled", err)
	}
	var api *APIError
	if !errors.As(err, &api) || api.StatusCode != 503 {
		t.Errorf("SendEmail = %v, want it to keep the last answer", err)
	}
	if n := len(f.requests()); n != 1 || time.Since(began) > 10*time.Second {
		t.Errorf("%d attempts in %s, want 1 and no wait for the backoff", n, time.Since(began))
	}
}

func TestCancelledInFlight(t *testing.T) {
	release := make(chan struct{})
	f := newFakeSES(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	c, log := testClient(f)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.SendEmail(ctx, testInput)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("SendEmail = %v, want context.DeadlineExceeded", err)
	}
	if n := len(f.requests()); n != 1 || len(log.retries) != 0 {
		t.Errorf("%d attempts, %d retries after the deadline; want 1, 0", n, len(log.retries))
	}
}

func TestJitter(t *testing.T) {
	for _, tt := range []struct {
		retry     int
		throttled bool
		ceiling   time.Duration
	}{
		{1, false, 50 * time.Millisecond},
		{2, false, 100 * time.Millisecond},
		{1, true, time.Second},
		{2, true, 2 * time.Second},
		{6, true, 20 * time.Second},
		{64, true, 20 * time.Second},
	} {
		var most time.Duration
		for range 2000 {
			d := jitter(tt.retry, tt.throttled)
			if d < 0 || d >= tt.ceiling {
				t.Fatalf("jitter(%d, %v) = %s, want in [0, %s)", tt.retry, tt.throttled, d, tt.ceiling)
			}
			most = max(most, d)
		}
		if most < tt.ceiling/2 {
			t.Errorf("jitter(%d, %v) stayed below %s in 2000 draws, want it spread up to %s", tt.retry, tt.throttled, most, tt.ceiling)
		}
	}
}
