package yookassaemu

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// The states of a notification.
const (
	NotePending   = "pending"   // being delivered or waiting for a retry
	NoteDelivered = "delivered" // answered 200
	NoteFailed    = "failed"    // never answered 200; the emulator gave up
	NoteDropped   = "dropped"   // never sent (the Never fault, or no notification URL)
)

// Notification is one HTTP notification the emulator made, with every
// attempt to deliver it.
type Notification struct {
	ID        string `json:"id"`
	PaymentID string `json:"paymentId"`
	// RefundID is the refund a refund event is about.
	RefundID string `json:"refundId,omitempty"`
	Event    string `json:"event"`
	// Fault says how the notification was spoilt: "duplicate", "stale" or
	// "never"; empty for a true one.
	Fault    string          `json:"fault,omitempty"`
	Body     json.RawMessage `json:"body"`
	URL      string          `json:"url,omitempty"`
	State    string          `json:"state"`
	Attempts []Attempt       `json:"attempts"`
}

// Attempt is one delivery of a notification: the status it was answered
// with, or why there was no answer.
type Attempt struct {
	At     time.Time `json:"at"`
	Status int       `json:"status,omitempty"`
	Error  string    `json:"error,omitempty"`
}

// Notifications returns every notification, oldest first.
func (s *Server) Notifications() []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.notificationsLocked("")
}

// notificationsLocked copies the notifications of one payment, or all of
// them (the caller holds s.mu).
func (s *Server) notificationsLocked(paymentID string) []Notification {
	out := []Notification{}
	for _, id := range s.order {
		if paymentID != "" && id != paymentID {
			continue
		}
		for _, n := range s.payments[id].notifications {
			c := *n
			c.Attempts = append([]Attempt(nil), n.Attempts...)
			out = append(out, c)
		}
	}
	return out
}

// Records returns every payment with its refunds and notifications, oldest
// first.
func (s *Server) Records() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Record, 0, len(s.order))
	for _, id := range s.order {
		p := s.payments[id]
		out = append(out, Record{Payment: p.view(), Refunds: s.refundsLocked(p), Notifications: s.notificationsLocked(id)})
	}
	return out
}

// batch is the notifications of one change, delivered in order.
type batch []*Notification

// notifyLocked makes the notifications of p's new status, spoilt as the
// armed faults say, and returns what is to be delivered (the caller holds
// s.mu, and delivers after letting it go).
func (s *Server) notifyLocked(p *payment) batch {
	faults := s.takeNotifyFaults()
	add := func(v Payment, fault string) *Notification {
		return s.noteLocked(p, "", "payment."+v.Status, v, fault)
	}
	now := p.view()
	if faults.Never {
		n := add(now, "never")
		n.State, n.URL = NoteDropped, ""
		return nil
	}
	b := batch{add(now, "")}
	if faults.Twice {
		b = append(b, add(now, "duplicate"))
	}
	if faults.Stale != "" {
		b = append(b, add(s.stale(now, faults.Stale), "stale"))
	}
	return s.sendableLocked(b)
}

// notifyRefundLocked makes the notification of a refund that succeeded
// (ЮKassa notifies no other refund event), sent twice or never as the
// armed faults say; a stale payment notification or one before the
// redirect stays armed for the next change of a payment (the caller holds
// s.mu).
func (s *Server) notifyRefundLocked(p *payment, rf *refund) batch {
	faults := s.faults.Notify
	s.faults.Notify.Twice, s.faults.Notify.Never = false, false
	v := rf.view()
	if faults.Never {
		n := s.noteLocked(p, rf.ID, "refund."+v.Status, v, "never")
		n.State, n.URL = NoteDropped, ""
		return nil
	}
	b := batch{s.noteLocked(p, rf.ID, "refund."+v.Status, v, "")}
	if faults.Twice {
		b = append(b, s.noteLocked(p, rf.ID, "refund."+v.Status, v, "duplicate"))
	}
	return s.sendableLocked(b)
}

// noteLocked records one notification of p's (the caller holds s.mu).
func (s *Server) noteLocked(p *payment, refundID, event string, object any, fault string) *Notification {
	s.sent++
	body := mustJSON(map[string]any{"type": "notification", "event": event, "object": object})
	n := &Notification{ID: fmt.Sprintf("n%d", s.sent), PaymentID: p.ID, RefundID: refundID, Event: event,
		Fault: fault, Body: body, URL: s.notifyURL, State: NotePending, Attempts: []Attempt{}}
	p.notifications = append(p.notifications, n)
	return n
}

// sendableLocked returns b to deliver, or, with no notification URL, marks
// it dropped and returns nothing (the caller holds s.mu).
func (s *Server) sendableLocked(b batch) batch {
	if s.notifyURL == "" {
		for _, n := range b {
			n.State = NoteDropped
			n.Attempts = append(n.Attempts, Attempt{At: s.Clock.Now().UTC(), Error: "no notification URL is set"})
		}
		return nil
	}
	return b
}

// stale is a payment as a notification that contradicts it shows it.
func (s *Server) stale(v Payment, status string) Payment {
	v.Status, v.CapturedAt, v.Confirmation = status, "", nil
	switch status {
	case StatusCanceled:
		v.Paid, v.ExpiresAt = false, ""
		v.CancellationDetails = &CancellationDetails{Party: "payment_network", Reason: "general_decline"}
	case StatusWaitingForCapture:
		v.Paid, v.CancellationDetails = true, nil
		v.ExpiresAt = s.Clock.Now().UTC().Add(HoldTTL).Format(timeLayout)
	}
	return v
}

// deliver makes the first attempt of each notification of b, in order, and
// leaves those not answered 200 to be retried in the background.
func (s *Server) deliver(b batch) {
	for _, n := range b {
		if s.attempt(n) {
			continue
		}
		s.delivery.Add(1)
		go func() {
			defer s.delivery.Done()
			s.retry(n)
		}()
	}
}

// deliverLater delivers b in the background.
func (s *Server) deliverLater(b batch) {
	if len(b) == 0 {
		return
	}
	s.delivery.Add(1)
	go func() {
		defer s.delivery.Done()
		s.deliver(b)
	}()
}

// retry tries again after each of RetryDelays until one attempt is
// answered 200, then gives up.
func (s *Server) retry(n *Notification) {
	for _, d := range s.RetryDelays {
		select {
		case <-time.After(d):
		case <-s.closed:
			return
		}
		if s.attempt(n) {
			return
		}
	}
	s.mu.Lock()
	n.State = NoteFailed
	s.mu.Unlock()
}

// attempt POSTs a notification once and records how it went.
func (s *Server) attempt(n *Notification) bool {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-s.closed:
			cancel()
		case <-ctx.Done():
		}
	}()
	a := Attempt{At: s.Clock.Now().UTC()}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.URL, bytes.NewReader(n.Body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		var res *http.Response
		if res, err = s.HTTPClient.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<16))
			res.Body.Close()
			a.Status = res.StatusCode
		}
	}
	if err != nil {
		a.Error = err.Error()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n.Attempts = append(n.Attempts, a)
	if a.Status == http.StatusOK {
		n.State = NoteDelivered
		return true
	}
	return false
}
