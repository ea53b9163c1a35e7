package yookassaemu

import (
	"errors"
	"net/http"
)

// Refunds, as ЮKassa makes them: only of a succeeded payment, whole or in
// parts, never more in all than the payment took. A refund that is not
// canceled counts against what is left the moment it is made, pending or
// not; the check and the booking happen under the lock every POST holds
// (idempotent), so refunds racing for one payment cannot overdraw it. A
// refund succeeds at once unless a fault holds it pending (then
// SettleRefund ends it) or cancels it. ЮKassa notifies refund.succeeded
// only: a canceled refund is learned by reading it.

// Refund is ЮKassa's refund object: its JSON is what the API answers.
type Refund struct {
	ID                  string               `json:"id"`
	PaymentID           string               `json:"payment_id"`
	Status              string               `json:"status"`
	Amount              Amount               `json:"amount"`
	Description         string               `json:"description,omitempty"`
	CreatedAt           string               `json:"created_at"`
	CancellationDetails *CancellationDetails `json:"cancellation_details,omitempty"`
}

// refund is a refund as the emulator keeps it.
type refund struct {
	Refund
	kopecks int64
}

func (r *refund) view() Refund {
	v := r.Refund
	if r.CancellationDetails != nil {
		d := *r.CancellationDetails
		v.CancellationDetails = &d
	}
	return v
}

// refundIn is the body of POST /v3/refunds the emulator implements.
type refundIn struct {
	PaymentID   *string   `json:"payment_id"`
	Amount      *amountIn `json:"amount"`
	Description *string   `json:"description"`
}

func (s *Server) createRefund(_ *http.Request, body []byte) (int, []byte, batch) {
	var in refundIn
	if e := decodeStrict(body, &in); e != nil {
		return e.status, e.body(), nil
	}
	if in.PaymentID == nil || *in.PaymentID == "" {
		e := invalid("payment_id", "Parameter payment_id is required")
		return e.status, e.body(), nil
	}
	kopecks, e := kopecksOf(in.Amount, "amount")
	if e != nil {
		return e.status, e.body(), nil
	}
	if in.Description != nil && len([]rune(*in.Description)) > maxRefundDescription {
		e := invalid("description", "description must be at most 250 characters")
		return e.status, e.body(), nil
	}
	p, ok := s.payments[*in.PaymentID]
	switch {
	case !ok:
		e = invalid("payment_id", "Payment with this payment_id is not found")
	case p.Status != StatusSucceeded:
		e = invalid("payment_id", "Payment "+p.ID+" is "+p.Status+": only a succeeded payment can be refunded")
	case kopecks > p.kopecks-p.refunded-p.reserved:
		e = invalid("amount", "The refund amount exceeds what is left to refund of the payment: "+decimal(p.kopecks-p.refunded-p.reserved)+" RUB")
	}
	if e != nil {
		return e.status, e.body(), nil
	}
	rf := &refund{kopecks: kopecks, Refund: Refund{ID: newObjectID("0016"), PaymentID: p.ID, Status: StatusPending,
		Amount: Amount{Value: decimal(kopecks), Currency: currency}, CreatedAt: s.Clock.Now().UTC().Format(timeLayout)}}
	if in.Description != nil {
		rf.Description = *in.Description
	}
	s.refunds[rf.ID] = rf
	s.refundIDs = append(s.refundIDs, rf.ID)
	p.refunds = append(p.refunds, rf.ID)
	p.reserved += kopecks
	var notes batch
	switch {
	case s.faults.DeclineRefund != "":
		s.endRefundLocked(p, rf, StatusCanceled, s.faults.DeclineRefund)
		s.faults.DeclineRefund = ""
	case s.faults.HoldRefunds > 0:
		s.faults.HoldRefunds--
	default:
		notes = s.endRefundLocked(p, rf, StatusSucceeded, "")
	}
	return http.StatusOK, mustJSON(rf.view()), notes
}

// endRefundLocked makes a pending refund succeeded or canceled (with the
// reason) and returns the notifications of the change (the caller holds
// s.mu).
func (s *Server) endRefundLocked(p *payment, rf *refund, status, reason string) batch {
	p.reserved -= rf.kopecks
	rf.Status = status
	if status == StatusCanceled {
		rf.CancellationDetails = &CancellationDetails{Party: refundParty(reason), Reason: reason}
		return nil
	}
	p.refunded += rf.kopecks
	return s.notifyRefundLocked(p, rf)
}

// refundParty is who cancels a refund for a reason: the bank that issued
// the card when it refuses the money, ЮKassa otherwise.
func refundParty(reason string) string {
	if reason == "rejected_by_payee" {
		return "payment_network"
	}
	return "yoo_money"
}

func (s *Server) getRefund(r *http.Request, _ []byte) (int, []byte, batch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rf, ok := s.refunds[r.PathValue("id")]
	if !ok {
		e := refundNotFound()
		return e.status, e.body(), nil
	}
	return http.StatusOK, mustJSON(rf.view()), nil
}

var (
	errNoRefund         = errors.New("no such refund")
	errRefundNotPending = errors.New("the refund is no longer pending")
	errRefundStatus     = errors.New(`a refund ends "succeeded" or "canceled"`)
)

// SettleRefund ends a pending refund (one the HoldRefunds fault held):
// StatusSucceeded returns the money and notifies refund.succeeded;
// StatusCanceled, with a reason (general_decline when empty;
// insufficient_funds, rejected_by_payee, ...), gives what it held back to
// what is left to refund, and notifies nothing, as ЮKassa does not.
func (s *Server) SettleRefund(id, status, reason string) error {
	if status != StatusSucceeded && status != StatusCanceled {
		return errRefundStatus
	}
	if reason == "" {
		reason = "general_decline"
	}
	s.mu.Lock()
	rf, ok := s.refunds[id]
	switch {
	case !ok:
		s.mu.Unlock()
		return errNoRefund
	case rf.Status != StatusPending:
		s.mu.Unlock()
		return errRefundNotPending
	}
	notes := s.endRefundLocked(s.payments[rf.PaymentID], rf, status, reason)
	s.mu.Unlock()
	s.deliverLater(notes)
	return nil
}

// Refunds returns every refund as the API shows it, oldest first.
func (s *Server) Refunds() []Refund {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Refund, 0, len(s.refundIDs))
	for _, id := range s.refundIDs {
		out = append(out, s.refunds[id].view())
	}
	return out
}

// RefundByID returns one refund as the API shows it.
func (s *Server) RefundByID(id string) (Refund, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rf, ok := s.refunds[id]
	if !ok {
		return Refund{}, false
	}
	return rf.view(), true
}

// refundsLocked copies a payment's refunds (the caller holds s.mu).
func (s *Server) refundsLocked(p *payment) []Refund {
	out := make([]Refund, 0, len(p.refunds))
	for _, id := range p.refunds {
		out = append(out, s.refunds[id].view())
	}
	return out
}
