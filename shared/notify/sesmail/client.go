package sesmail

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// signingName is the service name in SES v2's SigV4 credential scope.
const signingName = "ses"

// The SES v2 REST paths of the two operations Kabinet calls.
const (
	sendEmailPath  = "/v2/email/outbound-emails"
	getAccountPath = "/v2/email/account"
)

// Retries follow the SDK's standard retryer: three attempts in all, a
// delay drawn uniformly below base·2^(retry-1) ("full jitter"), with a
// base of 50 ms after a failure and of one second after throttling, never
// above 20 s.
const (
	maxAttempts   = 3
	transientBase = 50 * time.Millisecond
	throttleBase  = time.Second
	maxBackoff    = 20 * time.Second
)

// maxBody bounds what is read of an answer; SES's are a few hundred bytes.
const maxBody = 1 << 20

// Client calls SES v2's REST API: SendEmail with simple content and
// GetAccount. It stands in for the SDK's sesv2 client, whose package
// builds the schemas of every SES operation when a function starts.
type Client struct {
	endpoint    string // base URL, no trailing slash
	endpointErr error
	region      string
	creds       aws.CredentialsProvider
	http        aws.HTTPClient
	signer      *v4.Signer

	// The retry policy and the clock; tests change them.
	maxAttempts int
	backoff     func(retry int, throttled bool) time.Duration
	now         func() time.Time
}

// NewClient returns a client using cfg's region, credentials and HTTP
// client. Its endpoint is resolved as the SDK resolves SES v2's: endpoint
// (the service-specific AWS_ENDPOINT_URL_SESV2, as config.Env.Endpoint
// reads it) when set, else cfg.BaseEndpoint (the global AWS_ENDPOINT_URL),
// else https://email.<region>.amazonaws.com. A bad endpoint or a missing
// region is reported by every call.
func NewClient(cfg aws.Config, endpoint string) *Client {
	c := &Client{region: cfg.Region, creds: cfg.Credentials, http: cfg.HTTPClient, signer: v4.NewSigner(),
		maxAttempts: maxAttempts, backoff: jitter, now: time.Now}
	if c.http == nil {
		c.http = awshttp.NewBuildableClient()
	}
	c.endpoint, c.endpointErr = resolveEndpoint(endpoint, aws.ToString(cfg.BaseEndpoint), cfg.Region)
	return c
}

// resolveEndpoint picks the first of the service's endpoint, the global
// one and the regional default, and checks that it is an absolute URL.
func resolveEndpoint(service, global, region string) (string, error) {
	raw := service
	if raw == "" {
		raw = global
	}
	if raw == "" {
		if region == "" {
			return "", errors.New("ses: no region configured")
		}
		raw = "https://email." + region + ".amazonaws.com"
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("ses: endpoint %q is not an http(s) URL", raw)
	}
	return strings.TrimRight(raw, "/"), nil
}

// SendEmailInput is the JSON body of SendEmail, limited to what Kabinet
// sends: one simple message.
type SendEmailInput struct {
	FromEmailAddress     string       `json:"FromEmailAddress"`
	Destination          Destination  `json:"Destination"`
	Content              EmailContent `json:"Content"`
	ConfigurationSetName string       `json:"ConfigurationSetName,omitempty"`
}

// Destination lists the recipients.
type Destination struct {
	ToAddresses []string `json:"ToAddresses"`
}

// EmailContent holds a simple message (SES assembles the MIME itself).
type EmailContent struct {
	Simple Message `json:"Simple"`
}

// Message is a subject and a body.
type Message struct {
	Subject Content `json:"Subject"`
	Body    Body    `json:"Body"`
}

// Body has a text part, an HTML part or both.
type Body struct {
	Text *Content `json:"Text,omitempty"`
	HTML *Content `json:"Html,omitempty"`
}

// Content is text with its character set.
type Content struct {
	Data    string `json:"Data"`
	Charset string `json:"Charset,omitempty"`
}

// SendEmail sends one message and returns the id SES gives it. Errors are
// *APIError for an answer of SES (see its Permanent), or a failure to
// reach SES; transient ones have been retried.
func (c *Client) SendEmail(ctx context.Context, in *SendEmailInput) (string, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return "", fmt.Errorf("ses SendEmail: encode: %w", err)
	}
	res, err := c.call(ctx, "SendEmail", http.MethodPost, sendEmailPath, body)
	if err != nil {
		return "", err
	}
	var out struct {
		MessageID string `json:"MessageId"`
	}
	if err := json.Unmarshal(res, &out); err != nil {
		return "", fmt.Errorf("ses SendEmail: decode answer: %w", err)
	}
	return out.MessageID, nil
}

// GetAccount asks SES for the account's sending status; it is the health
// probe, so only whether SES answers matters.
func (c *Client) GetAccount(ctx context.Context) error {
	_, err := c.call(ctx, "GetAccount", http.MethodGet, getAccountPath, nil)
	return err
}

// call makes up to maxAttempts attempts of one operation, sleeping between
// them, and stops early on an error a new attempt cannot get past or when
// ctx ends.
func (c *Client) call(ctx context.Context, op, method, path string, body []byte) ([]byte, error) {
	if c.endpointErr != nil {
		return nil, c.endpointErr
	}
	if c.region == "" {
		return nil, errors.New("ses: no region configured")
	}
	for attempt := 1; ; attempt++ {
		res, err := c.attempt(ctx, op, method, path, body)
		if err == nil {
			return res, nil
		}
		if attempt >= c.maxAttempts || !retryable(ctx, err) {
			return nil, err
		}
		t := time.NewTimer(c.backoff(attempt, throttled(err)))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("ses %s: %w after %d attempts; the last: %w", op, ctx.Err(), attempt, err)
		case <-t.C:
		}
	}
}

// attempt signs and sends one request and reads its answer.
func (c *Client) attempt(ctx context.Context, op, method, path string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.endpoint+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("ses %s: %w", op, err)
	}
	if body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	} else {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "kabinet-sesmail")
	if err := c.sign(ctx, req, body); err != nil {
		return nil, fmt.Errorf("ses %s: %w", op, err)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, &sendError{op: op, err: err}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return nil, &sendError{op: op, err: err}
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return nil, parseError(op, res, data)
	}
	return data, nil
}

// sign adds SigV4's X-Amz-Date and Authorization (and the session token)
// for the current time; no credentials, or anonymous ones, send unsigned.
func (c *Client) sign(ctx context.Context, req *http.Request, body []byte) error {
	if c.creds == nil || aws.IsCredentialsProvider(c.creds, (*aws.AnonymousCredentials)(nil)) {
		return nil
	}
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("retrieve credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	return c.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), signingName, c.region, c.now().UTC())
}

// sendError is a request that got no answer from SES: the connection
// failed, or the answer broke off.
type sendError struct {
	op  string
	err error
}

func (e *sendError) Error() string { return fmt.Sprintf("ses %s: send request: %v", e.op, e.err) }
func (e *sendError) Unwrap() error { return e.err }

// retryable reports whether another attempt may succeed where err failed:
// an answer the SDK would retry, or no answer at all, unless ctx has ended
// or the host does not exist.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var api *APIError
	if errors.As(err, &api) {
		return api.retryable()
	}
	var se *sendError
	if !errors.As(err, &se) {
		return false
	}
	var dns *net.DNSError
	return !errors.As(err, &dns) || !dns.IsNotFound
}

func throttled(err error) bool {
	var api *APIError
	return errors.As(err, &api) && api.Throttled()
}

// jitter is the delay before retry number retry (1 for the first).
func jitter(retry int, throttled bool) time.Duration {
	base := transientBase
	if throttled {
		base = throttleBase
	}
	ceiling := maxBackoff
	if retry <= 10 {
		ceiling = min(base<<(retry-1), maxBackoff)
	}
	return time.Duration(rand.Float64() * float64(ceiling))
}
