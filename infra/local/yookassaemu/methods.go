package yookassaemu

import (
	"errors"
	"strconv"
)

// Saved payment methods, as ЮKassa keeps them for autopayments: a payment
// created with save_payment_method true saves the card the payer pays it
// with on the page (its payment_method.saved becomes true, and the method's
// id is the payment's own, as ЮKassa's are), and a later payment of the same
// shop with that payment_method_id and no confirmation is charged at once:
// succeeded (or waiting_for_capture), or canceled with the bank's reason.
// A method id the shop has not saved, another shop's included, is refused
// as an invalid payment_method_id: a shop cannot tell another's method from
// none.

// The states of a saved method.
const (
	MethodActive  = "active"
	MethodExpired = "expired" // the card's term ran out: charges end canceled, card_expired
	MethodRevoked = "revoked" // the payer withdrew the permission: charges end canceled, permission_revoked
)

// PaymentMethod is a payment's payment_method as the API shows it.
type PaymentMethod struct {
	Type  string `json:"type"`
	ID    string `json:"id"`
	Saved bool   `json:"saved"`
	Title string `json:"title,omitempty"`
	Card  *Card  `json:"card,omitempty"`
}

// Card is a bank card as the API shows it: never the whole number.
type Card struct {
	First6        string `json:"first6"`
	Last4         string `json:"last4"`
	ExpiryYear    string `json:"expiry_year"`
	ExpiryMonth   string `json:"expiry_month"`
	CardType      string `json:"card_type"`
	IssuerCountry string `json:"issuer_country,omitempty"`
	IssuerName    string `json:"issuer_name,omitempty"`
}

func (m *PaymentMethod) copy() *PaymentMethod {
	c := *m
	if m.Card != nil {
		card := *m.Card
		c.Card = &card
	}
	return &c
}

// TestCard is one of the cards the payer may pay with on the page.
type TestCard string

// The test cards (the payment systems' well-known test numbers): only their
// first six and last four digits are ever shown.
const (
	CardMasterCard TestCard = "mastercard"
	CardVisa       TestCard = "visa"
	CardMir        TestCard = "mir"
)

// testCards are the cards the page offers, the first the default.
var testCards = []struct {
	name                  TestCard
	cardType, issuer      string
	first6, last4, masked string
}{
	{CardMasterCard, "MasterCard", "Тестовый банк", "555555", "4444", "5555 55•• •••• 4444"},
	{CardVisa, "Visa", "Тестовый банк", "411111", "1111", "4111 11•• •••• 1111"},
	{CardMir, "Mir", "Тестовый банк", "220000", "0004", "2200 00•• •••• 0004"},
}

// knownCard reports whether c is one of the test cards.
func knownCard(c TestCard) bool {
	for _, t := range testCards {
		if t.name == c {
			return true
		}
	}
	return false
}

// cardMethod is the payment_method of a payment paid with card (the caller
// holds s.mu).
func (s *Server) cardMethod(id string, card TestCard, saved bool) *PaymentMethod {
	t := testCards[0]
	for _, c := range testCards {
		if c.name == card {
			t = c
		}
	}
	year := s.Clock.Now().UTC().Year() + 3
	return &PaymentMethod{Type: "bank_card", ID: id, Saved: saved, Title: "Bank card *" + t.last4,
		Card: &Card{First6: t.first6, Last4: t.last4, ExpiryYear: strconv.Itoa(year), ExpiryMonth: "12", CardType: t.cardType,
			IssuerCountry: "RU", IssuerName: t.issuer}}
}

// SavedMethod is a saved payment method as the control API shows it: the
// API's payment_method, and what only the emulator knows of it.
type SavedMethod struct {
	PaymentMethod
	// ShopID is the shop that saved it: only that shop may charge it.
	ShopID string `json:"shopId"`
	// State is MethodActive, MethodExpired or MethodRevoked.
	State string `json:"state"`
	// PaymentID is the payment that saved it ("" for one AddMethod made).
	PaymentID string `json:"paymentId,omitempty"`
	SavedAt   string `json:"savedAt"`
	// Charges are the payments made with it, oldest first.
	Charges []string `json:"charges"`
}

// method is a saved method as the emulator keeps it.
type method struct {
	SavedMethod
}

func (m *method) view() SavedMethod {
	v := m.SavedMethod
	v.PaymentMethod = *m.PaymentMethod.copy()
	v.Charges = append([]string{}, m.Charges...)
	return v
}

// saveLocked saves the method a payment was just paid with (the caller
// holds s.mu).
func (s *Server) saveLocked(p *payment) {
	p.PaymentMethod.Saved = true
	m := &method{SavedMethod{PaymentMethod: *p.PaymentMethod.copy(), ShopID: s.ShopID, State: MethodActive, PaymentID: p.ID,
		SavedAt: s.Clock.Now().UTC().Format(timeLayout), Charges: []string{}}}
	s.methods[m.ID] = m
	s.methodIDs = append(s.methodIDs, m.ID)
}

// savedLocked finds the method a payment_method_id names, for this shop
// (the caller holds s.mu).
func (s *Server) savedLocked(id string) (*method, *apiErr) {
	m, ok := s.methods[id]
	if !ok || m.ShopID != s.ShopID {
		return nil, invalid("payment_method_id", "Payment method with this payment_method_id is not saved for the shop")
	}
	return m, nil
}

// chargeLocked settles an autopayment at once: the bank charges the saved
// method, or declines (the caller holds s.mu). It returns the
// notifications of the change.
func (s *Server) chargeLocked(p *payment, m *method) batch {
	m.Charges = append(m.Charges, p.ID)
	p.PaymentMethod = m.PaymentMethod.copy()
	decline := s.faults.DeclineCharge
	s.faults.DeclineCharge = ""
	switch {
	case m.State == MethodRevoked:
		p.PaymentMethod.Saved = false
		s.cancelLocked(p, "yoo_money", "permission_revoked")
	case m.State == MethodExpired:
		s.cancelLocked(p, "payment_network", "card_expired")
	case decline != "":
		s.cancelLocked(p, "payment_network", decline)
	default:
		s.paidLocked(p)
	}
	return s.notifyLocked(p)
}

// NewMethod is a saved method to make without a payment (AddMethod).
type NewMethod struct {
	// ShopID is the shop it is saved for: the emulator's own when empty;
	// another makes a method this shop must not charge.
	ShopID string `json:"shopId,omitempty"`
	// Card is the test card, CardMasterCard when empty.
	Card TestCard `json:"card,omitempty"`
}

// AddMethod saves a card without a payment, as if a shop (this one, or
// another) had saved it earlier.
func (s *Server) AddMethod(n NewMethod) (SavedMethod, error) {
	if n.Card == "" {
		n.Card = CardMasterCard
	}
	if !knownCard(n.Card) {
		return SavedMethod{}, errNoMethodCard
	}
	if n.ShopID == "" {
		n.ShopID = s.ShopID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := newPaymentID()
	m := &method{SavedMethod{PaymentMethod: *s.cardMethod(id, n.Card, true), ShopID: n.ShopID, State: MethodActive,
		SavedAt: s.Clock.Now().UTC().Format(timeLayout), Charges: []string{}}}
	s.methods[id] = m
	s.methodIDs = append(s.methodIDs, id)
	return m.view(), nil
}

var (
	errNoMethod     = errors.New("no such saved payment method")
	errMethodEnded  = errors.New("the saved payment method is no longer active")
	errNoMethodCard = errors.New("card must be mastercard, visa or mir")
)

// ExpireMethod ends a saved card's term: its later charges are canceled
// with card_expired.
func (s *Server) ExpireMethod(id string) error { return s.endMethod(id, MethodExpired) }

// RevokeMethod withdraws the payer's permission for autopayments (as a
// payer does through the bank or ЮMoney): later charges are canceled with
// permission_revoked and the method shows as no longer saved.
func (s *Server) RevokeMethod(id string) error { return s.endMethod(id, MethodRevoked) }

func (s *Server) endMethod(id, state string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.methods[id]
	switch {
	case !ok:
		return errNoMethod
	case m.State != MethodActive:
		return errMethodEnded
	}
	m.State = state
	if state == MethodRevoked {
		m.Saved = false
	}
	return nil
}

// Methods returns every saved method, of every shop, oldest first.
func (s *Server) Methods() []SavedMethod {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SavedMethod, 0, len(s.methodIDs))
	for _, id := range s.methodIDs {
		out = append(out, s.methods[id].view())
	}
	return out
}

// Method returns one saved method.
func (s *Server) Method(id string) (SavedMethod, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.methods[id]
	if !ok {
		return SavedMethod{}, false
	}
	return m.view(), true
}
