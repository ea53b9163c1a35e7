// Package yookassa is the payment port's adapter to ЮKassa's HTTP API v3
// (payments.Acquirer: payments, saved payment methods and refunds): HTTP
// Basic auth with the shop's id and secret key, an
// Idempotence-Key on every POST, amounts as decimal roubles converted
// exactly to integer kopecks, a timeout on every attempt and bounded retries
// of the answers ЮKassa asks to retry (202 processing, 429, 5xx, no answer),
// always with the same idempotence key. It logs nothing: what it returns
// says enough, and carries neither the secret nor the payment's description
// and metadata.
package yookassa

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/payments"
	"github.com/kabinet/kabinet/shared/problem"
)

// DefaultBaseURL is ЮKassa's API endpoint.
const DefaultBaseURL = "https://api.yookassa.ru/v3"

// Defaults of Config.
const (
	DefaultTimeout  = 10 * time.Second
	DefaultAttempts = 3
	DefaultBackoff  = 500 * time.Millisecond
	// maxWait bounds one pause between attempts, whatever a 202 asks for.
	maxWait = 5 * time.Second
	// maxResponse bounds what is read of an answer.
	maxResponse = 1 << 20
	// currency is the only one Kabinet takes.
	currency = "RUB"
	// maxRefundDescription is ЮKassa's limit on a refund's description.
	maxRefundDescription = 250
)

// Config configures a Client. ShopID and Secret are required.
type Config struct {
	// BaseURL is the API's root, DefaultBaseURL when empty; the local stack
	// points it at its emulator.
	BaseURL string
	ShopID  string
	Secret  *SecretKey
	// HTTPClient sends the requests (http.DefaultClient when nil); its own
	// Timeout, if any, applies on top of Timeout.
	HTTPClient *http.Client
	// Timeout bounds each attempt (DefaultTimeout when zero).
	Timeout time.Duration
	// Attempts is how many times one call is sent at most (DefaultAttempts
	// when zero).
	Attempts int
	// Backoff is the pause before the second attempt, doubled before each
	// later one (DefaultBackoff when zero); a 202's retry_after replaces it.
	Backoff time.Duration
}

// Client is ЮKassa's API as a payments.Acquirer. It is safe for concurrent
// use.
type Client struct {
	cfg Config
}

var _ payments.Acquirer = (*Client)(nil)

// New returns a client; it makes no request.
func New(cfg Config) (*Client, error) {
	if cfg.ShopID == "" || cfg.Secret == nil {
		return nil, errors.New("yookassa: the shop id and its secret key are required")
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = DefaultAttempts
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = DefaultBackoff
	}
	return &Client{cfg: cfg}, nil
}

type amountJSON struct {
	Value    string `json:"value"`
	Currency string `json:"currency"`
}

type createRequest struct {
	Amount            amountJSON        `json:"amount"`
	Capture           bool              `json:"capture"`
	Confirmation      *confirmationJSON `json:"confirmation,omitempty"`
	PaymentMethodID   string            `json:"payment_method_id,omitempty"`
	SavePaymentMethod bool              `json:"save_payment_method,omitempty"`
	Description       string            `json:"description,omitempty"`
	Metadata          map[string]string `json:"metadata,omitempty"`
}

type confirmationJSON struct {
	Type            string `json:"type"`
	ReturnURL       string `json:"return_url,omitempty"`
	ConfirmationURL string `json:"confirmation_url,omitempty"`
}

// Create sends POST /payments: with a redirect confirmation (the payer's
// page), or, for a saved method, with its payment_method_id and no
// confirmation (an autopayment, which ЮKassa charges at once).
func (c *Client) Create(ctx context.Context, p payments.NewPayment) (payments.ProviderPayment, error) {
	if err := checkNew(p); err != nil {
		return payments.ProviderPayment{}, err
	}
	in := createRequest{
		Amount:            amountJSON{Value: formatAmount(p.Amount), Currency: currency},
		Capture:           !p.Hold,
		PaymentMethodID:   p.PaymentMethodID,
		SavePaymentMethod: p.SavePaymentMethod,
		Description:       p.Description,
		Metadata:          p.Metadata,
	}
	if p.PaymentMethodID == "" {
		in.Confirmation = &confirmationJSON{Type: "redirect", ReturnURL: p.ReturnURL}
	}
	body, err := json.Marshal(in)
	if err != nil {
		return payments.ProviderPayment{}, problem.Internal(fmt.Errorf("yookassa: encode payment: %w", err))
	}
	got, err := c.payment(ctx, "create payment", http.MethodPost, "/payments", p.IdempotenceKey, body)
	if err != nil {
		return got, err
	}
	if got.Amount != p.Amount {
		return payments.ProviderPayment{}, problem.Internal(fmt.Errorf("yookassa: create payment: answered payment %s of %d kopecks for %d", got.ID, got.Amount, p.Amount))
	}
	if p.PaymentMethodID != "" && got.PaymentMethod.ID != "" && got.PaymentMethod.ID != p.PaymentMethodID {
		return payments.ProviderPayment{}, problem.Internal(fmt.Errorf("yookassa: create payment: answered payment %s by method %s for %s", got.ID, got.PaymentMethod.ID, p.PaymentMethodID))
	}
	return got, nil
}

// Get sends GET /payments/{id}.
func (c *Client) Get(ctx context.Context, id string) (payments.ProviderPayment, error) {
	if !payments.ValidProviderID(id) {
		return payments.ProviderPayment{}, paymentNotFound.error(nil)
	}
	got, err := c.payment(ctx, "get payment", http.MethodGet, "/payments/"+id, "", nil)
	if err == nil && got.ID != id {
		return payments.ProviderPayment{}, problem.Internal(fmt.Errorf("yookassa: get payment: answered payment %s", got.ID))
	}
	return got, err
}

// Capture sends POST /payments/{id}/capture for the whole held amount.
func (c *Client) Capture(ctx context.Context, id, idempotenceKey string) (payments.ProviderPayment, error) {
	return c.settle(ctx, "capture", id, idempotenceKey)
}

// Cancel sends POST /payments/{id}/cancel.
func (c *Client) Cancel(ctx context.Context, id, idempotenceKey string) (payments.ProviderPayment, error) {
	return c.settle(ctx, "cancel", id, idempotenceKey)
}

func (c *Client) settle(ctx context.Context, action, id, key string) (payments.ProviderPayment, error) {
	if !payments.ValidProviderID(id) {
		return payments.ProviderPayment{}, paymentNotFound.error(nil)
	}
	if err := checkKey(key); err != nil {
		return payments.ProviderPayment{}, err
	}
	return c.payment(ctx, action+" payment "+id, http.MethodPost, "/payments/"+id+"/"+action, key, []byte("{}"))
}

// payment makes one call that answers a payment and reads it.
func (c *Client) payment(ctx context.Context, op, method, path, key string, body []byte) (payments.ProviderPayment, error) {
	raw, err := c.call(ctx, op, method, path, key, body, paymentNotFound)
	if err != nil {
		return payments.ProviderPayment{}, err
	}
	p, err := decodePayment(raw)
	if err != nil {
		return payments.ProviderPayment{}, problem.Internal(fmt.Errorf("yookassa: %s: %w", op, err))
	}
	return p, nil
}

type refundRequest struct {
	PaymentID   string     `json:"payment_id"`
	Amount      amountJSON `json:"amount"`
	Description string     `json:"description,omitempty"`
}

// Refund sends POST /refunds.
func (c *Client) Refund(ctx context.Context, r payments.NewRefund) (payments.ProviderRefund, error) {
	if err := checkRefund(r); err != nil {
		return payments.ProviderRefund{}, err
	}
	body, err := json.Marshal(refundRequest{PaymentID: r.PaymentID, Amount: amountJSON{Value: formatAmount(r.Amount), Currency: currency},
		Description: r.Description})
	if err != nil {
		return payments.ProviderRefund{}, problem.Internal(fmt.Errorf("yookassa: encode refund: %w", err))
	}
	const op = "refund payment"
	got, err := c.refund(ctx, op, http.MethodPost, "/refunds", r.IdempotenceKey, body)
	if err != nil {
		return got, err
	}
	if got.PaymentID != r.PaymentID || got.Amount != r.Amount {
		return payments.ProviderRefund{}, problem.Internal(fmt.Errorf("yookassa: %s %s: answered refund %s of %d kopecks of payment %s for %d",
			op, r.PaymentID, got.ID, got.Amount, got.PaymentID, r.Amount))
	}
	return got, nil
}

// GetRefund sends GET /refunds/{id}.
func (c *Client) GetRefund(ctx context.Context, id string) (payments.ProviderRefund, error) {
	if !payments.ValidProviderID(id) {
		return payments.ProviderRefund{}, refundNotFound.error(nil)
	}
	got, err := c.refund(ctx, "get refund", http.MethodGet, "/refunds/"+id, "", nil)
	if err == nil && got.ID != id {
		return payments.ProviderRefund{}, problem.Internal(fmt.Errorf("yookassa: get refund: answered refund %s", got.ID))
	}
	return got, err
}

// refund makes one call that answers a refund and reads it.
func (c *Client) refund(ctx context.Context, op, method, path, key string, body []byte) (payments.ProviderRefund, error) {
	raw, err := c.call(ctx, op, method, path, key, body, refundNotFound)
	if err != nil {
		return payments.ProviderRefund{}, err
	}
	r, err := decodeRefund(raw)
	if err != nil {
		return payments.ProviderRefund{}, problem.Internal(fmt.Errorf("yookassa: %s: %w", op, err))
	}
	return r, nil
}

// answer is one attempt's outcome.
type answer struct {
	status int
	body   []byte
	err    error // no answer: a transport error or the attempt's timeout
}

// call sends a request up to Attempts times, the same each time, until an
// answer is final, and returns a 200's body or the classified error (a 404
// as missing says).
func (c *Client) call(ctx context.Context, op, method, path, key string, body []byte, missing notFound) ([]byte, error) {
	wait := c.cfg.Backoff
	var last answer
	for attempt := 1; ; attempt++ {
		last = c.attempt(ctx, method, path, key, body)
		if last.err == nil && last.status == http.StatusUnauthorized {
			// A rotated key: the next call reads the secret again.
			c.cfg.Secret.forget()
		}
		pause, retry := retryable(last, wait)
		if !retry || attempt >= c.cfg.Attempts || !sleep(ctx, pause) {
			break
		}
		wait *= 2
	}
	if last.err == nil && last.status == http.StatusOK {
		return last.body, nil
	}
	return nil, classify(op, last, missing)
}

// attempt sends the request once, within Timeout.
func (c *Client) attempt(ctx context.Context, method, path, key string, body []byte) answer {
	secret, err := c.cfg.Secret.get(ctx)
	if err != nil {
		return answer{err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.BaseURL+path, reader)
	if err != nil {
		return answer{err: err}
	}
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(c.cfg.ShopID+":"+secret)))
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotence-Key", key)
	}
	res, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxResponse))
	if err != nil {
		return answer{err: err}
	}
	return answer{status: res.StatusCode, body: b}
}

// retryable says whether an answer is worth sending the request again, and
// after what pause: no answer, 202 (still processing: after its
// retry_after), 429 and 5xx, which ЮKassa asks to repeat with the same
// idempotence key.
func retryable(a answer, wait time.Duration) (time.Duration, bool) {
	switch {
	case a.err != nil, a.status == http.StatusTooManyRequests, a.status >= 500:
		return wait, true
	case a.status == http.StatusAccepted:
		var p struct {
			RetryAfter int64 `json:"retry_after"` // milliseconds
		}
		if json.Unmarshal(a.body, &p) == nil && p.RetryAfter > 0 {
			wait = time.Duration(p.RetryAfter) * time.Millisecond
		}
		return min(wait, maxWait), true
	}
	return 0, false
}

// sleep pauses for d unless ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// apiError is ЮKassa's error body. Its description is not kept: it may
// quote the request.
type apiError struct {
	Type       string `json:"type"`
	ID         string `json:"id"`
	Code       string `json:"code"`
	Parameter  string `json:"parameter"`
	RetryAfter int64  `json:"retry_after"`
}

// classify turns a final answer that is not a 200 into the port's error; a
// 404 is missing's.
func classify(op string, a answer, missing notFound) error {
	if a.err != nil {
		return unavailable(fmt.Errorf("yookassa: %s: no answer: %w", op, a.err), 0)
	}
	var e apiError
	_ = json.Unmarshal(a.body, &e)
	cause := fmt.Errorf("yookassa: %s: HTTP %d %s (parameter %q, error id %q)", op, a.status, e.Code, e.Parameter, e.ID)
	switch {
	case a.status == http.StatusAccepted:
		return unavailable(fmt.Errorf("yookassa: %s: still processing after every attempt", op), time.Duration(e.RetryAfter)*time.Millisecond)
	case a.status == http.StatusTooManyRequests, a.status >= 500:
		return unavailable(cause, 0)
	case a.status == http.StatusBadRequest && e.Parameter == "Idempotence-Key":
		// The key was used for another request: ЮKassa says "Idempotence
		// key duplicated". The key is checked before sending, so nothing
		// else about it can be wrong.
		return problem.Wrap(cause, problem.KindConflict, "payment_idempotence_conflict",
			"Запрос к платёжному сервису повторён с другими данными")
	case a.status == http.StatusBadRequest:
		pe := problem.Wrap(cause, problem.KindInvalid, "payment_refused", "Платёжный сервис отклонил запрос")
		if e.Parameter != "" {
			pe.Fields = []problem.Field{{Field: e.Parameter, Code: e.Code, Message: "Значение не принято платёжным сервисом"}}
		}
		return pe
	case a.status == http.StatusNotFound:
		return missing.error(cause)
	case a.status == http.StatusUnauthorized:
		return problem.Internal(fmt.Errorf("%w: the shop id or secret key is refused", cause))
	default:
		// 403 (the shop may not do this), 405, 415 and whatever else:
		// Kabinet's setup or code is wrong, and retrying will not help.
		return problem.Internal(cause)
	}
}

func unavailable(cause error, retryAfter time.Duration) error {
	pe := problem.Wrap(cause, problem.KindUnavailable, "payment_provider_unavailable",
		"Платёжный сервис временно недоступен, повторите попытку позже")
	pe.RetryAfter = retryAfter
	return pe
}

// notFound is the port's NotFound for one kind of object.
type notFound struct{ code, detail string }

var (
	paymentNotFound = notFound{"payment_not_found", "Платёж не найден"}
	refundNotFound  = notFound{"payment_refund_not_found", "Возврат платежа не найден"}
)

// error is the NotFound, wrapping cause when there is one.
func (n notFound) error(cause error) error {
	if cause == nil {
		return problem.New(problem.KindNotFound, n.code, n.detail)
	}
	return problem.Wrap(cause, problem.KindNotFound, n.code, n.detail)
}

// checkNew refuses what ЮKassa would refuse, before sending it.
func checkNew(p payments.NewPayment) error {
	if err := checkKey(p.IdempotenceKey); err != nil {
		return err
	}
	var fields []problem.Field
	if p.Amount <= 0 {
		fields = append(fields, problem.Field{Field: "amount", Code: "invalid", Message: "Сумма должна быть больше нуля"})
	}
	switch {
	case p.PaymentMethodID != "" && !payments.ValidProviderID(p.PaymentMethodID):
		fields = append(fields, problem.Field{Field: "paymentMethodId", Code: "invalid", Message: "Это не идентификатор сохранённого способа оплаты"})
	case p.PaymentMethodID != "" && p.SavePaymentMethod:
		// A saved method is saved already; ЮKassa would refuse the pair.
		fields = append(fields, problem.Field{Field: "savePaymentMethod", Code: "invalid", Message: "Сохранённый способ оплаты сохранять не нужно"})
	case p.PaymentMethodID == "" && p.ReturnURL == "":
		fields = append(fields, problem.Field{Field: "returnUrl", Code: "required", Message: "Нужен адрес возврата"})
	}
	if len([]rune(p.Description)) > 128 {
		fields = append(fields, problem.Field{Field: "description", Code: "too_long", Message: "Не длиннее 128 символов"})
	}
	if len(p.Metadata) > 16 {
		fields = append(fields, problem.Field{Field: "metadata", Code: "too_many", Message: "Не больше 16 ключей"})
	}
	for k, v := range p.Metadata {
		if k == "" || len([]rune(k)) > 32 || len([]rune(v)) > 512 {
			fields = append(fields, problem.Field{Field: "metadata", Code: "invalid", Message: "Ключи до 32 символов, значения до 512"})
			break
		}
	}
	if len(fields) > 0 {
		return &problem.Error{Kind: problem.KindInvalid, Code: "payment_request_invalid", Detail: "Платёж не может быть создан с такими данными", Fields: fields}
	}
	return nil
}

// checkRefund refuses what ЮKassa would refuse in a refund, before sending
// it.
func checkRefund(r payments.NewRefund) error {
	if err := checkKey(r.IdempotenceKey); err != nil {
		return err
	}
	var fields []problem.Field
	if !payments.ValidProviderID(r.PaymentID) {
		fields = append(fields, problem.Field{Field: "paymentId", Code: "invalid", Message: "Это не идентификатор платежа"})
	}
	if r.Amount <= 0 {
		fields = append(fields, problem.Field{Field: "amount", Code: "invalid", Message: "Сумма должна быть больше нуля"})
	}
	if len([]rune(r.Description)) > maxRefundDescription {
		fields = append(fields, problem.Field{Field: "description", Code: "too_long", Message: "Не длиннее 250 символов"})
	}
	if len(fields) > 0 {
		return &problem.Error{Kind: problem.KindInvalid, Code: "payment_request_invalid", Detail: "Возврат не может быть создан с такими данными", Fields: fields}
	}
	return nil
}

// checkKey accepts what ЮKassa takes as an Idempotence-Key: 1 to 64
// printable ASCII characters.
func checkKey(key string) error {
	ok := key != "" && len(key) <= 64
	for i := 0; ok && i < len(key); i++ {
		ok = key[i] > ' ' && key[i] < 0x7f
	}
	if !ok {
		return &problem.Error{Kind: problem.KindInvalid, Code: "payment_request_invalid", Detail: "Платёж не может быть создан с такими данными",
			Fields: []problem.Field{{Field: "idempotenceKey", Code: "invalid", Message: "От 1 до 64 печатных символов ASCII"}}}
	}
	return nil
}

// paymentJSON is the part of ЮKassa's payment object Kabinet reads.
type paymentJSON struct {
	ID                  string            `json:"id"`
	Status              string            `json:"status"`
	Paid                bool              `json:"paid"`
	Test                bool              `json:"test"`
	Amount              *amountJSON       `json:"amount"`
	Confirmation        *confirmationJSON `json:"confirmation"`
	CancellationDetails *struct {
		Party  string `json:"party"`
		Reason string `json:"reason"`
	} `json:"cancellation_details"`
	CreatedAt      string             `json:"created_at"`
	CapturedAt     string             `json:"captured_at"`
	ExpiresAt      string             `json:"expires_at"`
	Metadata       map[string]string  `json:"metadata"`
	PaymentMethod  *paymentMethodJSON `json:"payment_method"`
	RefundedAmount *amountJSON        `json:"refunded_amount"`
}

// paymentMethodJSON is the part of a payment's payment_method Kabinet
// reads: a card's full number is never in it.
type paymentMethodJSON struct {
	Type  string `json:"type"`
	ID    string `json:"id"`
	Saved bool   `json:"saved"`
	Title string `json:"title"`
	Card  *struct {
		First6      string `json:"first6"`
		Last4       string `json:"last4"`
		ExpiryMonth string `json:"expiry_month"`
		ExpiryYear  string `json:"expiry_year"`
		CardType    string `json:"card_type"`
	} `json:"card"`
}

// decodePayment reads a payment object, refusing one that is not whole.
func decodePayment(b []byte) (payments.ProviderPayment, error) {
	var in paymentJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return payments.ProviderPayment{}, fmt.Errorf("the answer is not a payment object: %w", err)
	}
	status := payments.ProviderStatus(in.Status)
	switch status {
	case payments.ProviderPending, payments.ProviderWaitingForCapture, payments.ProviderSucceeded, payments.ProviderCanceled:
	default:
		return payments.ProviderPayment{}, fmt.Errorf("payment status %q is unknown", in.Status)
	}
	if !payments.ValidProviderID(in.ID) {
		return payments.ProviderPayment{}, errors.New("the payment has no valid id")
	}
	if in.Amount == nil || in.Amount.Currency != currency {
		return payments.ProviderPayment{}, fmt.Errorf("payment %s is not in %s", in.ID, currency)
	}
	amount, err := parseAmount(in.Amount.Value)
	if err != nil {
		return payments.ProviderPayment{}, fmt.Errorf("payment %s amount: %w", in.ID, err)
	}
	out := payments.ProviderPayment{ID: in.ID, Status: status, Amount: amount, Paid: in.Paid, Test: in.Test, Metadata: in.Metadata}
	if in.Confirmation != nil {
		out.ConfirmationURL = in.Confirmation.ConfirmationURL
	}
	if in.CancellationDetails != nil {
		out.CancellationParty, out.CancellationReason = in.CancellationDetails.Party, in.CancellationDetails.Reason
	}
	for _, t := range []struct {
		name string
		in   string
		out  *time.Time
	}{{"created_at", in.CreatedAt, &out.CreatedAt}, {"captured_at", in.CapturedAt, &out.CapturedAt}, {"expires_at", in.ExpiresAt, &out.ExpiresAt}} {
		if t.in == "" {
			continue
		}
		if *t.out, err = time.Parse(time.RFC3339Nano, t.in); err != nil {
			return payments.ProviderPayment{}, fmt.Errorf("payment %s %s is not a time", in.ID, t.name)
		}
	}
	if out.CreatedAt.IsZero() {
		return payments.ProviderPayment{}, fmt.Errorf("payment %s has no created_at", in.ID)
	}
	if in.RefundedAmount != nil {
		if in.RefundedAmount.Currency != currency {
			return payments.ProviderPayment{}, fmt.Errorf("payment %s refunded_amount is not in %s", in.ID, currency)
		}
		if out.RefundedAmount, err = parseAmount(in.RefundedAmount.Value); err != nil {
			return payments.ProviderPayment{}, fmt.Errorf("payment %s refunded_amount: %w", in.ID, err)
		}
	}
	if m := in.PaymentMethod; m != nil {
		if !payments.ValidProviderID(m.ID) {
			return payments.ProviderPayment{}, fmt.Errorf("payment %s has a payment method without a valid id", in.ID)
		}
		out.PaymentMethod = payments.ProviderPaymentMethod{ID: m.ID, Saved: m.Saved, Type: m.Type, Title: m.Title}
		if m.Card != nil {
			// The expiry is for showing: one the adapter cannot read is
			// left unknown rather than failing the payment's state.
			out.PaymentMethod.Card = payments.ProviderCard{First6: m.Card.First6, Last4: m.Card.Last4,
				ExpiryMonth: number(m.Card.ExpiryMonth, 1, 12), ExpiryYear: number(m.Card.ExpiryYear, 2000, 9999), CardType: m.Card.CardType}
		}
	}
	return out, nil
}

// number reads s as a number between lo and hi, or 0.
func number(s string, lo, hi int) int {
	if !digits(s) || len(s) > 4 {
		return 0
	}
	n, _ := strconv.Atoi(s)
	if n < lo || n > hi {
		return 0
	}
	return n
}

// refundJSON is the part of ЮKassa's refund object Kabinet reads.
type refundJSON struct {
	ID                  string      `json:"id"`
	PaymentID           string      `json:"payment_id"`
	Status              string      `json:"status"`
	Amount              *amountJSON `json:"amount"`
	CreatedAt           string      `json:"created_at"`
	CancellationDetails *struct {
		Party  string `json:"party"`
		Reason string `json:"reason"`
	} `json:"cancellation_details"`
}

// decodeRefund reads a refund object, refusing one that is not whole.
func decodeRefund(b []byte) (payments.ProviderRefund, error) {
	var in refundJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return payments.ProviderRefund{}, fmt.Errorf("the answer is not a refund object: %w", err)
	}
	status := payments.ProviderRefundStatus(in.Status)
	switch status {
	case payments.ProviderRefundPending, payments.ProviderRefundSucceeded, payments.ProviderRefundCanceled:
	default:
		return payments.ProviderRefund{}, fmt.Errorf("refund status %q is unknown", in.Status)
	}
	if !payments.ValidProviderID(in.ID) || !payments.ValidProviderID(in.PaymentID) {
		return payments.ProviderRefund{}, errors.New("the refund has no valid id or payment_id")
	}
	if in.Amount == nil || in.Amount.Currency != currency {
		return payments.ProviderRefund{}, fmt.Errorf("refund %s is not in %s", in.ID, currency)
	}
	amount, err := parseAmount(in.Amount.Value)
	if err != nil {
		return payments.ProviderRefund{}, fmt.Errorf("refund %s amount: %w", in.ID, err)
	}
	out := payments.ProviderRefund{ID: in.ID, PaymentID: in.PaymentID, Status: status, Amount: amount}
	if out.CreatedAt, err = time.Parse(time.RFC3339Nano, in.CreatedAt); err != nil {
		return payments.ProviderRefund{}, fmt.Errorf("refund %s has no created_at", in.ID)
	}
	if in.CancellationDetails != nil {
		out.CancellationParty, out.CancellationReason = in.CancellationDetails.Party, in.CancellationDetails.Reason
	}
	return out, nil
}
