// Package yookassaemu is the local stack's payment provider: an emulator of
// the part of ЮKassa's HTTP API v3 that Kabinet uses, so that the payment
// port's real adapter (shared/payments/yookassa) runs against it unchanged.
// It is not a stub: it refuses what ЮKassa refuses, keeps its promises the
// way ЮKassa does, and fails on demand the ways ЮKassa can fail.
//
// The API (under /v3, HTTP Basic auth with the shop's id and secret key):
//
//	POST /v3/payments               create (amount in RUB, capture, a redirect confirmation, description, metadata,
//	                                save_payment_method), or charge a saved method (payment_method_id, no confirmation)
//	GET  /v3/payments/{id}          read
//	POST /v3/payments/{id}/capture  take held money (waiting_for_capture → succeeded), optionally less of it
//	POST /v3/payments/{id}/cancel   release held money (waiting_for_capture → canceled)
//	POST /v3/refunds                refund a succeeded payment, whole or in part (payment_id, amount, description)
//	GET  /v3/refunds/{id}           read a refund
//
// Every POST needs an Idempotence-Key of at most 64 characters. The same key
// with the same request (the same method, path and JSON, whatever its
// spacing or key order) answers what the first request answered, for 24
// hours; the same key with another request is ЮKassa's 400 invalid_request
// "Idempotence key duplicated". Errors have ЮKassa's shape ({"type":
// "error", "id", "code", "description", "parameter"}), and a request
// parameter the emulator does not implement is refused by name rather than
// ignored.
//
// The payer's side: a payment's confirmation_url is a page of this server
// (/checkout/{id}, in Russian) showing the amount and the description with
// the buttons «Оплатить» and «Отклонить»; a test can POST the same form
// (action=pay or action=decline). The page then redirects to the payment's
// return_url, and every change of status is sent as ЮKassa's HTTP
// notification ({"type": "notification", "event": "payment.<status>",
// "object": <payment>}) to the notification URL, retried until it is
// answered 200, as ЮKassa does, on a shortened schedule. Payments, with every
// notification and every delivery attempt, stay readable: Payments and
// Notifications for Go tests, /_emulator/payments and
// /_emulator/notifications as JSON, and an index page at /.
//
// Refunds (refunds.go) succeed at once unless a fault holds them pending;
// every refund not canceled counts against the payment's amount, checked
// and booked under one lock, so concurrent refunds never return more than
// was paid. Saved payment methods (methods.go) are bank cards the page
// saves when the payment asked for it; charging one needs no page.
//
// Faults (faults.go) are armed by Go methods or POST /_emulator/faults.
package yookassaemu

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kabinet/kabinet/shared/clock"
)

// ЮKassa's statuses, events and limits, as the emulator applies them.
const (
	StatusPending           = "pending"
	StatusWaitingForCapture = "waiting_for_capture"
	StatusSucceeded         = "succeeded"
	StatusCanceled          = "canceled"

	// IdempotenceTTL is how long ЮKassa keeps an idempotence key.
	IdempotenceTTL = 24 * time.Hour
	// HoldTTL is how long a bank card payment may wait for capture.
	HoldTTL = 7 * 24 * time.Hour

	maxKey               = 64
	maxDescription       = 128
	maxRefundDescription = 250
	maxMetadata          = 16
	maxMetaKey           = 32
	maxMetaValue         = 512
	maxReturnURL         = 2048
	maxBody              = 1 << 20
	currency             = "RUB"
	timeLayout           = "2006-01-02T15:04:05.000Z"
)

// Amount is ЮKassa's money object.
type Amount struct {
	Value    string `json:"value"`
	Currency string `json:"currency"`
}

// Confirmation is a pending payment's redirect confirmation.
type Confirmation struct {
	Type            string `json:"type"`
	ReturnURL       string `json:"return_url,omitempty"`
	ConfirmationURL string `json:"confirmation_url,omitempty"`
}

// Recipient is the shop a payment goes to.
type Recipient struct {
	AccountID string `json:"account_id"`
	GatewayID string `json:"gateway_id"`
}

// CancellationDetails say who canceled a payment and why.
type CancellationDetails struct {
	Party  string `json:"party"`
	Reason string `json:"reason"`
}

// Payment is ЮKassa's payment object: its JSON is what the API answers.
type Payment struct {
	ID                  string               `json:"id"`
	Status              string               `json:"status"`
	Paid                bool                 `json:"paid"`
	Amount              Amount               `json:"amount"`
	Description         string               `json:"description,omitempty"`
	Recipient           Recipient            `json:"recipient"`
	CreatedAt           string               `json:"created_at"`
	CapturedAt          string               `json:"captured_at,omitempty"`
	ExpiresAt           string               `json:"expires_at,omitempty"`
	Confirmation        *Confirmation        `json:"confirmation,omitempty"`
	Test                bool                 `json:"test"`
	Refundable          bool                 `json:"refundable"`
	RefundedAmount      *Amount              `json:"refunded_amount,omitempty"`
	PaymentMethod       *PaymentMethod       `json:"payment_method,omitempty"`
	Metadata            map[string]string    `json:"metadata"`
	CancellationDetails *CancellationDetails `json:"cancellation_details,omitempty"`
}

// payment is a payment as the emulator keeps it.
type payment struct {
	Payment
	kopecks   int64
	capture   bool
	returnURL string
	// save: the payer's method is to be saved when the payment is paid.
	save bool
	// refunded is the sum of the succeeded refunds, reserved of the pending
	// ones: what is left to refund is kopecks - refunded - reserved.
	refunded, reserved int64
	// refunds are this payment's refund ids, oldest first.
	refunds []string
	// notifications are this payment's, its refunds' included, oldest
	// first.
	notifications []*Notification
}

// remembered is an answer kept under an idempotence key.
type remembered struct {
	request [32]byte
	status  int
	body    []byte
	at      time.Time
}

// Server is the emulator, an http.Handler. Set ShopID and SecretKey before
// serving; it is safe for concurrent use. Close stops its deliveries.
type Server struct {
	ShopID    string
	SecretKey string
	// Clock stamps payments and ages idempotence keys (the system clock by
	// default).
	Clock clock.Clock
	// RetryDelays are the pauses before each new attempt to deliver a
	// notification not answered 200: ЮKassa keeps trying for a day; the
	// emulator gives up after the last pause.
	RetryDelays []time.Duration
	// HTTPClient delivers notifications.
	HTTPClient *http.Client

	mu        sync.Mutex
	notifyURL string
	payments  map[string]*payment
	order     []string // payment ids, oldest first
	refunds   map[string]*refund
	refundIDs []string // oldest first
	methods   map[string]*method
	methodIDs []string // saved method ids, oldest first
	keys      map[string]*remembered
	faults    Faults
	sent      int // notifications made, for their ids
	// partition, while open, holds every API request (Faults.Partition).
	partition chan struct{}

	closed   chan struct{}
	closing  sync.Once
	delivery sync.WaitGroup
	mux      *http.ServeMux
}

// New returns an emulator of the shop shopID with its secret key.
func New(shopID, secretKey string) *Server {
	s := &Server{ShopID: shopID, SecretKey: secretKey, Clock: clock.System{},
		RetryDelays: []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute, time.Hour},
		HTTPClient:  &http.Client{Timeout: 10 * time.Second},
		payments:    map[string]*payment{}, refunds: map[string]*refund{}, methods: map[string]*method{},
		keys: map[string]*remembered{}, closed: make(chan struct{})}
	m := http.NewServeMux()
	m.HandleFunc("POST /v3/payments", s.api(s.create))
	m.HandleFunc("GET /v3/payments/{id}", s.api(s.get))
	m.HandleFunc("POST /v3/payments/{id}/capture", s.api(s.capture))
	m.HandleFunc("POST /v3/payments/{id}/cancel", s.api(s.cancel))
	m.HandleFunc("POST /v3/refunds", s.api(s.createRefund))
	m.HandleFunc("GET /v3/refunds/{id}", s.api(s.getRefund))
	m.HandleFunc("GET /checkout/{id}", s.checkoutPage)
	m.HandleFunc("POST /checkout/{id}", s.checkoutForm)
	m.HandleFunc("GET /{$}", s.indexPage)
	m.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	s.control(m)
	s.mux = m
	return s
}

// SetNotificationURL is where notifications go ("" sends none, and says so
// in the log); the local stack points it at the portal's public POST
// /payments/notifications.
func (s *Server) SetNotificationURL(u string) {
	s.mu.Lock()
	s.notifyURL = u
	s.mu.Unlock()
}

// NotificationURL is where notifications go.
func (s *Server) NotificationURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.notifyURL
}

// Close stops retrying deliveries and waits for those under way.
func (s *Server) Close() {
	s.closing.Do(func() { close(s.closed) })
	s.delivery.Wait()
}

// ServeHTTP serves the API, the payer's pages and the control API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Payments returns every payment as the API shows it, oldest first.
func (s *Server) Payments() []Payment {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Payment, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.payments[id].view())
	}
	return out
}

// Payment returns one payment as the API shows it.
func (s *Server) Payment(id string) (Payment, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.payments[id]
	if !ok {
		return Payment{}, false
	}
	return p.view(), true
}

// view copies the API object (the caller holds s.mu).
func (p *payment) view() Payment {
	v := p.Payment
	v.Metadata = make(map[string]string, len(p.Metadata))
	for k, val := range p.Metadata {
		v.Metadata[k] = val
	}
	if p.Confirmation != nil {
		c := *p.Confirmation
		v.Confirmation = &c
	}
	if p.CancellationDetails != nil {
		d := *p.CancellationDetails
		v.CancellationDetails = &d
	}
	if p.PaymentMethod != nil {
		v.PaymentMethod = p.PaymentMethod.copy()
	}
	v.Refundable = p.Status == StatusSucceeded && p.refunded+p.reserved < p.kopecks
	if p.refunded > 0 {
		v.RefundedAmount = &Amount{Value: decimal(p.refunded), Currency: currency}
	}
	return v
}

// apiErr is an answer other than 200.
type apiErr struct {
	status            int
	code, description string
	parameter         string
}

func (e *apiErr) body() []byte {
	if e.status == http.StatusAccepted {
		b, _ := json.Marshal(map[string]any{"type": "processing", "id": newID(), "description": e.description, "retry_after": 100})
		return b
	}
	m := map[string]string{"type": "error", "id": newID(), "code": e.code, "description": e.description}
	if e.parameter != "" {
		m["parameter"] = e.parameter
	}
	b, _ := json.Marshal(m)
	return b
}

func invalid(parameter, description string) *apiErr {
	return &apiErr{http.StatusBadRequest, "invalid_request", description, parameter}
}

// op is one API operation: it reads the request body and answers a status
// and a body, and the notifications its change makes (the caller holds
// s.mu for the POSTs).
type op func(r *http.Request, body []byte) (status int, answer []byte, notes batch)

// api wraps an operation in what every API call goes through: Basic auth,
// the body's limits and, for POST, the Idempotence-Key.
func (s *Server) api(o op) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if heal := s.partitioned(); heal != nil {
			select {
			case <-heal:
			case <-r.Context().Done():
				return
			}
		}
		id, secret, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(id), []byte(s.ShopID)) != 1 || subtle.ConstantTimeCompare([]byte(secret), []byte(s.SecretKey)) != 1 {
			writeAPI(w, http.StatusUnauthorized, (&apiErr{http.StatusUnauthorized, "invalid_credentials",
				"Basic authentication failed: check the shop id and the secret key", ""}).body())
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			writeAPI(w, http.StatusBadRequest, invalid("", "The request body is too large or unreadable").body())
			return
		}
		if r.Method != http.MethodPost {
			status, answer, _ := o(r, body)
			writeAPI(w, status, answer)
			return
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			w.WriteHeader(http.StatusUnsupportedMediaType)
			return
		}
		status, answer, notes := s.idempotent(r, body, o)
		s.mu.Lock()
		s.takePartition(r)
		heal := s.partition
		s.mu.Unlock()
		if heal != nil {
			// The payment is made; its answer is lost with the network.
			select {
			case <-heal:
			case <-r.Context().Done():
				return
			}
		}
		if d := s.takeCreateDelay(r); d > 0 {
			// The timeout fault: the answer is decided and kept under the
			// key, but it comes later than the client waits.
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
		writeAPI(w, status, answer)
		s.deliverLater(notes)
	}
}

func writeAPI(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// idempotent answers a POST as its Idempotence-Key says: what was answered
// to the same request, a refusal for another one, or a new answer, kept.
func (s *Server) idempotent(r *http.Request, body []byte, o op) (int, []byte, batch) {
	key := r.Header.Get("Idempotence-Key")
	if key == "" || len(key) > maxKey {
		return http.StatusBadRequest, invalid("Idempotence-Key", "Idempotence-Key header of 1 to 64 characters is required").body(), nil
	}
	canonical := body
	if len(bytes.TrimSpace(body)) == 0 {
		canonical = []byte("{}")
	}
	var v any
	if err := json.Unmarshal(canonical, &v); err != nil {
		return http.StatusBadRequest, invalid("", "The request body is not JSON").body(), nil
	}
	canonical, _ = json.Marshal(v) // Go sorts object keys
	request := sha256.Sum256([]byte(r.Method + " " + r.URL.Path + "\n" + string(canonical)))

	// Holding the lock through the operation makes a concurrent repeat wait
	// for the first answer instead of making a second payment.
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock.Now()
	if old, ok := s.keys[key]; ok && now.Sub(old.at) < IdempotenceTTL {
		if old.request != request {
			return http.StatusBadRequest, invalid("Idempotence-Key", "Idempotence key duplicated").body(), nil
		}
		return old.status, old.body, nil
	}
	if e := s.takeCreateFailure(r); e != nil {
		// A failure before anything happened: nothing is kept, so a retry
		// with the same key is a fresh request.
		return e.status, e.body(), nil
	}
	status, answer, notes := o(r, body)
	s.keys[key] = &remembered{request: request, status: status, body: answer, at: now}
	for k, old := range s.keys {
		if now.Sub(old.at) >= IdempotenceTTL {
			delete(s.keys, k)
		}
	}
	if status == http.StatusOK && s.takeProcessing(r) {
		// Still processing: the outcome is decided and kept, the client
		// learns it by repeating the request.
		return http.StatusAccepted, (&apiErr{status: http.StatusAccepted, description: "Request accepted, processing"}).body(), notes
	}
	return status, answer, notes
}

// createIn is the body of POST /v3/payments the emulator implements.
type createIn struct {
	Amount            *amountIn       `json:"amount"`
	Capture           *bool           `json:"capture"`
	Confirmation      *confirmationIn `json:"confirmation"`
	Description       *string         `json:"description"`
	Metadata          map[string]any  `json:"metadata"`
	SavePaymentMethod *bool           `json:"save_payment_method"`
	PaymentMethodID   *string         `json:"payment_method_id"`
}

type amountIn struct {
	Value    string `json:"value"`
	Currency string `json:"currency"`
}

type confirmationIn struct {
	Type      string `json:"type"`
	ReturnURL string `json:"return_url"`
	Locale    string `json:"locale"`
}

var unknownField = regexp.MustCompile(`unknown field "([^"]+)"`)

// decodeStrict reads a body that must hold only what v names.
func decodeStrict(body []byte, v any) *apiErr {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		if m := unknownField.FindStringSubmatch(err.Error()); m != nil {
			return invalid(m[1], "The emulator does not implement parameter "+m[1])
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return invalid(te.Field, "Invalid type of parameter "+te.Field)
		}
		return invalid("", "The request body is not valid JSON")
	}
	return nil
}

var amountForm = regexp.MustCompile(`^([0-9]{1,15})(?:\.([0-9]{1,2}))?$`)

// kopecksOf reads ЮKassa's amount: a positive number of roubles, a point,
// at most two decimals. (The adapter has its own conversion; this one is
// written apart so that each checks the other.)
func kopecksOf(a *amountIn, field string) (int64, *apiErr) {
	if a == nil {
		return 0, invalid(field, "Parameter "+field+" is required")
	}
	if a.Currency != currency {
		return 0, invalid(field+".currency", "The shop accepts only RUB")
	}
	m := amountForm.FindStringSubmatch(a.Value)
	if m == nil {
		return 0, invalid(field+".value", "Invalid amount value: roubles with at most two decimals after a point are expected")
	}
	frac := (m[2] + "00")[:2]
	k, err := strconv.ParseInt(m[1]+frac, 10, 64)
	if err != nil || k <= 0 {
		return 0, invalid(field+".value", "The amount must be greater than zero")
	}
	return k, nil
}

func decimal(kopecks int64) string { return fmt.Sprintf("%d.%02d", kopecks/100, kopecks%100) }

func (s *Server) create(r *http.Request, body []byte) (int, []byte, batch) {
	var in createIn
	if e := decodeStrict(body, &in); e != nil {
		return e.status, e.body(), nil
	}
	kopecks, e := kopecksOf(in.Amount, "amount")
	if e == nil {
		e = checkCreate(in)
	}
	var saved *method
	if e == nil && in.PaymentMethodID != nil {
		saved, e = s.savedLocked(*in.PaymentMethodID)
	}
	if e != nil {
		return e.status, e.body(), nil
	}
	now := s.Clock.Now().UTC()
	id := newPaymentID()
	p := &payment{kopecks: kopecks, capture: in.Capture != nil && *in.Capture, save: in.SavePaymentMethod != nil && *in.SavePaymentMethod,
		Payment: Payment{ID: id, Status: StatusPending, Amount: Amount{Value: decimal(kopecks), Currency: currency},
			Recipient: Recipient{AccountID: s.ShopID, GatewayID: s.ShopID + "01"}, CreatedAt: now.Format(timeLayout),
			Test: true, Metadata: map[string]string{}}}
	if in.Description != nil {
		p.Description = *in.Description
	}
	for k, v := range in.Metadata {
		p.Metadata[k] = v.(string) // checkCreate took only strings
	}
	s.payments[id] = p
	s.order = append(s.order, id)
	if saved != nil {
		// An autopayment: no page, no payer; the bank answers at once.
		notes := s.chargeLocked(p, saved)
		return http.StatusOK, mustJSON(p.view()), notes
	}
	p.returnURL = in.Confirmation.ReturnURL
	p.Confirmation = &Confirmation{Type: "redirect", ReturnURL: p.returnURL, ConfirmationURL: "http://" + r.Host + "/checkout/" + id}
	return http.StatusOK, mustJSON(p.view()), nil
}

// checkCreate refuses what ЮKassa refuses in a new payment, and what the
// emulator does not do.
func checkCreate(in createIn) *apiErr {
	c := in.Confirmation
	switch {
	case in.PaymentMethodID != nil && in.SavePaymentMethod != nil && *in.SavePaymentMethod:
		return invalid("save_payment_method", "A saved payment method (payment_method_id) cannot be saved again")
	case in.PaymentMethodID != nil && c != nil:
		return invalid("confirmation", "The emulator charges saved payment methods without confirmation only")
	case in.PaymentMethodID != nil:
		// The method is looked up under the lock (savedLocked).
	case c == nil:
		return invalid("confirmation", "The emulator implements only payments with a redirect confirmation")
	case c.Type != "redirect":
		return invalid("confirmation.type", "The emulator implements only the redirect confirmation")
	case len(c.ReturnURL) > maxReturnURL || !absoluteURL(c.ReturnURL):
		return invalid("confirmation.return_url", "return_url must be an absolute http or https URL of at most 2048 characters")
	case in.Description != nil && len([]rune(*in.Description)) > maxDescription:
		return invalid("description", "description must be at most 128 characters")
	case len(in.Metadata) > maxMetadata:
		return invalid("metadata", "metadata may hold at most 16 keys")
	}
	for k, v := range in.Metadata {
		str, ok := v.(string)
		if !ok || k == "" || len([]rune(k)) > maxMetaKey || len([]rune(str)) > maxMetaValue {
			return invalid("metadata", "metadata keys are 1 to 32 characters, values strings of at most 512")
		}
	}
	return nil
}

func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func notFound() *apiErr {
	return &apiErr{http.StatusNotFound, "not_found", "Payment not found or deleted", ""}
}

func refundNotFound() *apiErr {
	return &apiErr{http.StatusNotFound, "not_found", "Refund not found", ""}
}

func (s *Server) get(r *http.Request, _ []byte) (int, []byte, batch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.payments[r.PathValue("id")]
	if !ok {
		e := notFound()
		return e.status, e.body(), nil
	}
	return http.StatusOK, mustJSON(p.view()), nil
}

// held finds a payment that capture or cancel may settle (the caller holds
// s.mu).
func (s *Server) held(id, action string) (*payment, *apiErr) {
	p, ok := s.payments[id]
	if !ok {
		return nil, notFound()
	}
	if p.Status != StatusWaitingForCapture {
		return nil, invalid("", "Payment "+id+" is "+p.Status+": only a payment waiting_for_capture can be "+action)
	}
	return p, nil
}

func (s *Server) capture(r *http.Request, body []byte) (int, []byte, batch) {
	var in struct {
		Amount *amountIn `json:"amount"`
	}
	if e := decodeStrict(body, &in); e != nil {
		return e.status, e.body(), nil
	}
	p, e := s.held(r.PathValue("id"), "captured")
	if e != nil {
		return e.status, e.body(), nil
	}
	kopecks := p.kopecks
	if in.Amount != nil {
		if kopecks, e = kopecksOf(in.Amount, "amount"); e != nil {
			return e.status, e.body(), nil
		}
		if kopecks > p.kopecks {
			e = invalid("amount.value", "The capture amount exceeds the amount held")
			return e.status, e.body(), nil
		}
	}
	p.kopecks, p.Amount.Value = kopecks, decimal(kopecks)
	p.Status, p.ExpiresAt, p.CapturedAt = StatusSucceeded, "", s.Clock.Now().UTC().Format(timeLayout)
	return http.StatusOK, mustJSON(p.view()), s.notifyLocked(p)
}

func (s *Server) cancel(r *http.Request, body []byte) (int, []byte, batch) {
	var in struct{}
	if e := decodeStrict(body, &in); e != nil {
		return e.status, e.body(), nil
	}
	p, e := s.held(r.PathValue("id"), "canceled")
	if e != nil {
		return e.status, e.body(), nil
	}
	s.cancelLocked(p, "merchant", "canceled_by_merchant")
	return http.StatusOK, mustJSON(p.view()), s.notifyLocked(p)
}

// paidLocked takes the money of a payment the payer (or a saved method)
// confirmed, or holds it (the caller holds s.mu).
func (s *Server) paidLocked(p *payment) {
	p.Paid, p.Confirmation = true, nil
	if p.capture {
		p.Status, p.CapturedAt = StatusSucceeded, s.Clock.Now().UTC().Format(timeLayout)
		return
	}
	p.Status, p.ExpiresAt = StatusWaitingForCapture, s.Clock.Now().UTC().Add(HoldTTL).Format(timeLayout)
}

// cancelLocked ends a payment as canceled (the caller holds s.mu).
func (s *Server) cancelLocked(p *payment, party, reason string) {
	p.Status, p.Paid, p.ExpiresAt, p.Confirmation = StatusCanceled, false, "", nil
	p.CancellationDetails = &CancellationDetails{Party: party, Reason: reason}
}

// confirm is the payer's answer on the page: the money is taken (or held)
// from the card, or the payment is declined. A payment that asked for it
// saves the card once paid. It returns the return URL, the notifications
// to deliver and whether to deliver them before the payer is sent back.
func (s *Server) confirm(id string, pay bool, card TestCard) (returnURL string, notes batch, beforeRedirect bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, found := s.payments[id]
	if !found {
		return "", nil, false, errNoPayment
	}
	if p.Status != StatusPending {
		return p.returnURL, nil, false, errNotPending
	}
	decline := s.faults.Decline
	s.faults.Decline = ""
	if pay {
		// The payer entered the card: the payment shows it, saved or not.
		p.PaymentMethod = s.cardMethod(p.ID, card, false)
	}
	switch {
	case !pay:
		s.cancelLocked(p, "payment_network", "general_decline")
	case decline != "":
		s.cancelLocked(p, "payment_network", decline)
	default:
		s.paidLocked(p)
		if p.save {
			s.saveLocked(p)
		}
	}
	before := s.faults.Notify.BeforeRedirect
	return p.returnURL, s.notifyLocked(p), before, nil
}

// Expire ends a payment as ЮKassa does when its time runs out: a pending one
// the payer never confirmed (expired_on_confirmation), a held one nobody
// captured (expired_on_capture). It notifies like any change.
func (s *Server) Expire(id string) error {
	s.mu.Lock()
	p, ok := s.payments[id]
	switch {
	case !ok:
		s.mu.Unlock()
		return errNoPayment
	case p.Status == StatusPending:
		s.cancelLocked(p, "yoo_money", "expired_on_confirmation")
	case p.Status == StatusWaitingForCapture:
		s.cancelLocked(p, "yoo_money", "expired_on_capture")
	default:
		s.mu.Unlock()
		return errNotPending
	}
	notes := s.notifyLocked(p)
	s.mu.Unlock()
	s.deliverLater(notes)
	return nil
}

var (
	errNoPayment  = errors.New("no such payment")
	errNotPending = errors.New("the payment is no longer awaiting the payer")
)

// newObjectID makes an id for a refund, shaped like ЮKassa's
// ("216749f7-0016-50be-b000-078d43a63ae4").
func newObjectID(kind string) string {
	return randomHex(8) + "-" + kind + "-50be-" + randomHex(4) + "-" + randomHex(12)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only the emulator's own types are marshalled
	}
	return b
}

func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

// newPaymentID makes an id shaped like ЮKassa's
// ("2f3b588d-000f-5000-8000-1d6e87c7fbde").
func newPaymentID() string {
	return randomHex(8) + "-000f-5000-" + randomHex(4) + "-" + randomHex(12)
}

func newID() string {
	return randomHex(8) + "-" + randomHex(4) + "-" + randomHex(4) + "-" + randomHex(4) + "-" + randomHex(12)
}
