package yookassaemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Faults are the failures armed for what comes next. Each is used once (a
// count, once per request): Arm them before the request or the payer's
// answer they are meant for.
type Faults struct {
	// FailCreates: the next n creates answer 500 internal_server_error
	// before anything happens (nothing is kept under the key, so a retry
	// makes the payment).
	FailCreates int `json:"failCreates,omitempty"`
	// ThrottleCreates: the next n creates answer 429 too_many_requests
	// before anything happens.
	ThrottleCreates int `json:"throttleCreates,omitempty"`
	// ProcessCreates: the next n creates make their payment and keep it
	// under the key, but answer 202 processing; a repeat gets the payment.
	ProcessCreates int `json:"processCreates,omitempty"`
	// CreateDelay: the next create makes its payment and keeps its answer
	// under the key, then answers only after this long (or never, if the
	// client hangs up first): a client's timeout when the payment exists.
	CreateDelay Duration `json:"createDelay,omitempty"`
	// Partition: the next create makes its payment, and from then on the
	// API answers nothing (every request hangs until its client gives up)
	// until Reset or DELETE /_emulator/faults heals it: the shop cannot
	// learn of a payment that exists, however often it retries.
	Partition bool `json:"partition,omitempty"`
	// Decline: the payer's next answer on the page is declined by the bank
	// with this reason (insufficient_funds, card_expired, fraud_suspected,
	// ...), whichever button was pressed.
	Decline string `json:"decline,omitempty"`
	// DeclineCharge: the next charge of a saved method (payment_method_id)
	// is declined by the bank with this reason (insufficient_funds, ...):
	// the payment is made, canceled.
	DeclineCharge string `json:"declineCharge,omitempty"`

	// FailRefunds, ThrottleRefunds, ProcessRefunds and RefundDelay are the
	// create faults above, for the next refunds (POST /v3/refunds): 500 or
	// 429 before anything happens; the refund made and kept under the key
	// but answered 202; the refund made, answered late.
	FailRefunds     int      `json:"failRefunds,omitempty"`
	ThrottleRefunds int      `json:"throttleRefunds,omitempty"`
	ProcessRefunds  int      `json:"processRefunds,omitempty"`
	RefundDelay     Duration `json:"refundDelay,omitempty"`
	// HoldRefunds: the next n refunds stay pending (what they return
	// counts against the payment all the same) until SettleRefund or POST
	// /_emulator/refunds/{id}/settle ends them.
	HoldRefunds int `json:"holdRefunds,omitempty"`
	// DeclineRefund: the next refund is made canceled with this reason
	// (general_decline, insufficient_funds, rejected_by_payee, ...); what it
	// asked for stays refundable.
	DeclineRefund string `json:"declineRefund,omitempty"`

	// Notify spoils the notifications of the next change of status.
	Notify NotifyFaults `json:"notify"`
}

// NotifyFaults are what can go wrong with notifications. They combine
// (twice and stale: the true one, its copy, then the stale one).
type NotifyFaults struct {
	// Twice sends the notification a second time, the same body.
	Twice bool `json:"twice,omitempty"`
	// Stale, after the true notification, sends one that contradicts it:
	// "canceled" (a payment.canceled for a payment that is not) or
	// "waiting_for_capture" (the earlier status arriving late).
	Stale string `json:"stale,omitempty"`
	// BeforeRedirect delivers the notifications of the payer's answer
	// before the page redirects the payer back (by default they go just
	// after).
	BeforeRedirect bool `json:"beforeRedirect,omitempty"`
	// Never drops the notifications: they are logged, never sent.
	Never bool `json:"never,omitempty"`
}

// Duration is a time.Duration written as Go writes it in JSON ("3s").
type Duration time.Duration

// MarshalJSON writes "3s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "3s".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	*d = Duration(v)
	return err
}

// Arm adds faults to those armed: counts add up, a duration, a reason or a
// notification fault that is set replaces the armed one.
func (s *Server) Arm(f Faults) error {
	if f.Notify.Stale != "" && f.Notify.Stale != StatusCanceled && f.Notify.Stale != StatusWaitingForCapture {
		return fmt.Errorf("stale must be %q or %q, not %q", StatusCanceled, StatusWaitingForCapture, f.Notify.Stale)
	}
	if f.FailCreates < 0 || f.ThrottleCreates < 0 || f.ProcessCreates < 0 || f.CreateDelay < 0 ||
		f.FailRefunds < 0 || f.ThrottleRefunds < 0 || f.ProcessRefunds < 0 || f.RefundDelay < 0 || f.HoldRefunds < 0 {
		return fmt.Errorf("fault counts and delays cannot be negative")
	}
	for _, reason := range []string{f.Decline, f.DeclineCharge, f.DeclineRefund} {
		if reason != "" && !reasonCode(reason) {
			return fmt.Errorf("a reason is a code of lower-case letters, digits and '_', not %q", reason)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := &s.faults
	a.FailCreates += f.FailCreates
	a.ThrottleCreates += f.ThrottleCreates
	a.ProcessCreates += f.ProcessCreates
	a.FailRefunds += f.FailRefunds
	a.ThrottleRefunds += f.ThrottleRefunds
	a.ProcessRefunds += f.ProcessRefunds
	a.HoldRefunds += f.HoldRefunds
	if f.CreateDelay > 0 {
		a.CreateDelay = f.CreateDelay
	}
	if f.RefundDelay > 0 {
		a.RefundDelay = f.RefundDelay
	}
	for _, r := range []struct{ from, to *string }{{&f.Decline, &a.Decline}, {&f.DeclineCharge, &a.DeclineCharge}, {&f.DeclineRefund, &a.DeclineRefund}} {
		if *r.from != "" {
			*r.to = *r.from
		}
	}
	a.Partition = a.Partition || f.Partition
	n := f.Notify
	a.Notify.Twice = a.Notify.Twice || n.Twice
	a.Notify.BeforeRedirect = a.Notify.BeforeRedirect || n.BeforeRedirect
	a.Notify.Never = a.Notify.Never || n.Never
	if n.Stale != "" {
		a.Notify.Stale = n.Stale
	}
	return nil
}

// Armed returns the faults not used yet.
func (s *Server) Armed() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// Reset disarms every fault and heals a partition.
func (s *Server) Reset() {
	s.mu.Lock()
	s.faults = Faults{}
	if s.partition != nil {
		close(s.partition)
		s.partition = nil
	}
	s.mu.Unlock()
}

// reasonCode reports whether s can be one of ЮKassa's reason codes
// ("insufficient_funds", "3d_secure_failed").
func reasonCode(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}

// takePartition starts the partition armed for a create (the caller holds
// s.mu).
func (s *Server) takePartition(r *http.Request) {
	if opOf(r) == opCreate && s.faults.Partition && s.partition == nil {
		s.faults.Partition = false
		s.partition = make(chan struct{})
	}
}

// partitioned is closed when the partition heals (nil: none).
func (s *Server) partitioned() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.partition
}

// The operations faults aim at.
const (
	opOther = iota
	opCreate
	opRefund
)

// opOf says which operation faults see in a request.
func opOf(r *http.Request) int {
	switch {
	case r.Method != http.MethodPost:
		return opOther
	case r.URL.Path == "/v3/payments":
		return opCreate
	case r.URL.Path == "/v3/refunds":
		return opRefund
	}
	return opOther
}

// counters are the faults armed for the operation of r (nil for none).
func (s *Server) counters(r *http.Request) (fail, throttle, process *int, delay *Duration) {
	switch opOf(r) {
	case opCreate:
		return &s.faults.FailCreates, &s.faults.ThrottleCreates, &s.faults.ProcessCreates, &s.faults.CreateDelay
	case opRefund:
		return &s.faults.FailRefunds, &s.faults.ThrottleRefunds, &s.faults.ProcessRefunds, &s.faults.RefundDelay
	}
	return nil, nil, nil, nil
}

// takeCreateFailure uses a 500 or 429 armed for a create or a refund (the
// caller holds s.mu).
func (s *Server) takeCreateFailure(r *http.Request) *apiErr {
	fail, throttle, _, _ := s.counters(r)
	switch {
	case fail == nil:
		return nil
	case *fail > 0:
		*fail--
		return &apiErr{http.StatusInternalServerError, "internal_server_error", "Internal server error (injected)", ""}
	case *throttle > 0:
		*throttle--
		return &apiErr{http.StatusTooManyRequests, "too_many_requests", "Too many requests (injected)", ""}
	}
	return nil
}

// takeProcessing uses a 202 armed for a create or a refund (the caller
// holds s.mu).
func (s *Server) takeProcessing(r *http.Request) bool {
	_, _, process, _ := s.counters(r)
	if process == nil || *process == 0 {
		return false
	}
	*process--
	return true
}

// takeCreateDelay uses a delay armed for a create or a refund.
func (s *Server) takeCreateDelay(r *http.Request) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _, _, delay := s.counters(r)
	if delay == nil {
		return 0
	}
	d := time.Duration(*delay)
	*delay = 0
	return d
}

// takeNotifyFaults uses the notification faults (the caller holds s.mu).
func (s *Server) takeNotifyFaults() NotifyFaults {
	n := s.faults.Notify
	s.faults.Notify = NotifyFaults{}
	return n
}

// Record is a payment with its refunds and notifications, as
// /_emulator/payments shows it.
type Record struct {
	Payment
	Refunds       []Refund       `json:"refunds"`
	Notifications []Notification `json:"notifications"`
}

// control serves the control API:
//
//	GET    /_emulator/payments                     every payment with its refunds and notifications (JSON)
//	GET    /_emulator/notifications                every notification with its attempts (JSON)
//	POST   /_emulator/payments/{id}/expire         end a pending or held payment as its time running out would
//	GET    /_emulator/refunds                      every refund (JSON)
//	POST   /_emulator/refunds/{id}/settle          {"status": "succeeded"} or {"status": "canceled", "reason": "..."}: end a pending refund
//	GET    /_emulator/payment-methods              every saved payment method, of every shop (JSON)
//	POST   /_emulator/payment-methods              {"shopId": "...", "card": "visa"}: save a card without a payment (another shop's too)
//	POST   /_emulator/payment-methods/{id}/expire  the card's term runs out (later charges: card_expired)
//	POST   /_emulator/payment-methods/{id}/revoke  the payer withdraws the permission (later charges: permission_revoked)
//	GET    /_emulator/faults                       the faults armed
//	POST   /_emulator/faults                       arm faults (a Faults object)
//	DELETE /_emulator/faults                       disarm every fault
//	PUT    /_emulator/notification-url             {"url": "..."}: where notifications go
func (s *Server) control(m *http.ServeMux) {
	m.HandleFunc("GET /_emulator/payments", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, s.Records()) })
	m.HandleFunc("GET /_emulator/notifications", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, s.Notifications())
	})
	m.HandleFunc("POST /_emulator/payments/{id}/expire", func(w http.ResponseWriter, r *http.Request) {
		switch err := s.Expire(r.PathValue("id")); err {
		case nil:
			p, _ := s.Payment(r.PathValue("id"))
			writeJSON(w, http.StatusOK, p)
		case errNoPayment:
			writeJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
		default:
			writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
		}
	})
	m.HandleFunc("GET /_emulator/refunds", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, s.Refunds()) })
	m.HandleFunc("POST /_emulator/refunds/{id}/settle", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Status string `json:"status"`
			Reason string `json:"reason"`
		}
		if !readControl(w, r, &in) {
			return
		}
		if in.Reason != "" && !reasonCode(in.Reason) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "a reason is a code of lower-case letters, digits and '_'"})
			return
		}
		id := r.PathValue("id")
		if err := s.SettleRefund(id, in.Status, in.Reason); err != nil {
			writeJSON(w, controlStatus(err), map[string]string{"error": err.Error()})
			return
		}
		rf, _ := s.RefundByID(id)
		writeJSON(w, http.StatusOK, rf)
	})
	m.HandleFunc("GET /_emulator/payment-methods", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, s.Methods()) })
	m.HandleFunc("POST /_emulator/payment-methods", func(w http.ResponseWriter, r *http.Request) {
		var in NewMethod
		if !readControl(w, r, &in) {
			return
		}
		sm, err := s.AddMethod(in)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusCreated, sm)
	})
	for action, end := range map[string]func(string) error{"expire": s.ExpireMethod, "revoke": s.RevokeMethod} {
		m.HandleFunc("POST /_emulator/payment-methods/{id}/"+action, func(w http.ResponseWriter, r *http.Request) {
			id := r.PathValue("id")
			if err := end(id); err != nil {
				writeJSON(w, controlStatus(err), map[string]string{"error": err.Error()})
				return
			}
			sm, _ := s.Method(id)
			writeJSON(w, http.StatusOK, sm)
		})
	}
	m.HandleFunc("GET /_emulator/faults", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, s.Armed()) })
	m.HandleFunc("POST /_emulator/faults", func(w http.ResponseWriter, r *http.Request) {
		var f Faults
		d := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
		d.DisallowUnknownFields()
		if err := d.Decode(&f); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "not a faults object: " + err.Error()})
			return
		}
		if err := s.Arm(f); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, s.Armed())
	})
	m.HandleFunc("DELETE /_emulator/faults", func(w http.ResponseWriter, _ *http.Request) {
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("PUT /_emulator/notification-url", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			URL string `json:"url"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&in); err != nil || (in.URL != "" && !absoluteURL(in.URL)) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": `want {"url": "<absolute http(s) URL>"}`})
			return
		}
		s.SetNotificationURL(strings.TrimSpace(in.URL))
		w.WriteHeader(http.StatusNoContent)
	})
}

// readControl reads a control call's JSON body into v, which must name all
// it holds, or answers 400.
func readControl(w http.ResponseWriter, r *http.Request, v any) bool {
	d := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "not the expected JSON object: " + err.Error()})
		return false
	}
	return true
}

// controlStatus is the status of a control call's refusal.
func controlStatus(err error) int {
	switch err {
	case errNoRefund, errNoMethod, errNoPayment:
		return http.StatusNotFound
	case errRefundStatus:
		return http.StatusBadRequest
	}
	return http.StatusConflict
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
