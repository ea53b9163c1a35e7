package payments

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/problem"
)

// Saved payment methods: a person links a bank card through the provider
// and pays with it later without the provider's page (by hand, or by an
// autopay rule). The card's number never reaches Kabinet. Linking is a
// verification payment of 1 ₽ created with SavePaymentMethod and Hold: the
// payer enters the card on the provider's page, the provider saves it and
// holds the rouble, Kabinet records the method (its provider id sealed, a
// mask, the card type and expiry) and cancels the hold, so nothing is
// charged. The card is usable only after a one-time code (SMS, or the
// authenticator) confirms it is the person's own doing. Only Kabinet's id
// of a method ever leaves the server; the provider's id is sealed at rest
// and opened only to charge the card.

// Statuses of a saved payment method.
const (
	MethodAwaitingCard = "awaiting_card" // the payer is on the provider's page
	MethodAwaitingCode = "awaiting_code" // the provider saved the card; a code confirms it
	MethodActive       = "active"
	MethodFailed       = "failed"   // the card was not saved (declined, not saved, the provider refused)
	MethodUnlinked     = "unlinked" // the person unlinked it
	MethodExpired      = "expired"  // the card's term ran out
	MethodRevoked      = "revoked"  // the payer withdrew the permission at the bank
)

var methodStatusNames = map[string]string{MethodAwaitingCard: "ожидает ввода карты", MethodAwaitingCode: "ожидает подтверждения кодом",
	MethodActive: "привязана", MethodFailed: "не привязана", MethodUnlinked: "отвязана", MethodExpired: "срок действия истёк",
	MethodRevoked: "разрешение на списание отозвано"}

const (
	// MaxMethods bounds the cards a person keeps linked or being linked.
	MaxMethods = 5
	// verifyAmount is what the verification payment holds (and releases).
	verifyAmount = 100
	// methodAttemptTTL is how long an unfinished link is kept.
	methodAttemptTTL = 24 * time.Hour
	// methodEndedTTL is how long an unlinked card is kept, so that a
	// payment naming it is told it was unlinked.
	methodEndedTTL = 90 * 24 * time.Hour

	kindMethod      = "payment-method"
	kindMethodOwner = "payment-method-owner"
)

// MethodView is a saved payment method as its owner sees it: masked.
type MethodView struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	StatusName string `json:"statusName"`
	// Card is the mask, "MasterCard •••• 4444"; CardType the payment system.
	Card     string `json:"card,omitempty"`
	CardType string `json:"cardType,omitempty"`
	Last4    string `json:"last4,omitempty"`
	// Expiry is "MM/YYYY".
	Expiry string `json:"expiry,omitempty"`
	// ConfirmationURL is the provider's page, while the card is awaited.
	ConfirmationURL string `json:"confirmationUrl,omitempty"`
	// Reason says why a card was not linked or is no longer usable.
	Reason    string    `json:"reason,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	LinkedAt  time.Time `json:"linkedAt,omitzero"`
}

type methodItem struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Kind   string `dynamodbav:"Kind"`
	ID     string `dynamodbav:"ID"`
	Sub    string `dynamodbav:"Sub"`
	Status string `dynamodbav:"Status"`
	// SealedPayment is the verification payment's provider id, SealedToken
	// the saved method's: both sealed, never in the clear (at ЮKassa the
	// one is often the other).
	SealedPayment   string `dynamodbav:"SealedPayment,omitempty"`
	SealedToken     string `dynamodbav:"SealedToken,omitempty"`
	ConfirmationURL string `dynamodbav:"ConfirmationURL,omitempty"`
	CardType        string `dynamodbav:"CardType,omitempty"`
	Last4           string `dynamodbav:"Last4,omitempty"`
	ExpiryMonth     int    `dynamodbav:"ExpiryMonth,omitempty"`
	ExpiryYear      int    `dynamodbav:"ExpiryYear,omitempty"`
	// HoldOpen says the verification rouble may still be held.
	HoldOpen  bool   `dynamodbav:"HoldOpen,omitempty"`
	Reason    string `dynamodbav:"Reason,omitempty"`
	CreatedAt string `dynamodbav:"CreatedAt"`
	UpdatedAt string `dynamodbav:"UpdatedAt"`
	LinkedAt  string `dynamodbav:"LinkedAt,omitempty"`
	LastUsed  string `dynamodbav:"LastUsed,omitempty"`
	TTL       int64  `dynamodbav:"TTL,omitempty"`
	V         int64  `dynamodbav:"V"`
}

type methodOwnerItem struct {
	PK   string `dynamodbav:"PK"`
	SK   string `dynamodbav:"SK"`
	Kind string `dynamodbav:"Kind"`
	Sub  string `dynamodbav:"Sub"`
	TTL  int64  `dynamodbav:"TTL,omitempty"`
}

// mask is how a card is shown: "MasterCard •••• 4444".
func (it methodItem) mask() string {
	if it.Last4 == "" {
		return ""
	}
	name := it.CardType
	if name == "" {
		name = "Карта"
	}
	return name + " •••• " + it.Last4
}

// expired reports whether the card's term (the end of its expiry month)
// has passed.
func (it methodItem) expired(now time.Time) bool {
	if it.ExpiryYear == 0 || it.ExpiryMonth < 1 || it.ExpiryMonth > 12 {
		return false
	}
	end := time.Date(it.ExpiryYear, time.Month(it.ExpiryMonth)+1, 1, 0, 0, 0, 0, moscow)
	return !now.Before(end)
}

func (it methodItem) view(now time.Time) MethodView {
	v := MethodView{ID: it.ID, Status: it.Status, Card: it.mask(), CardType: it.CardType, Last4: it.Last4, Reason: it.Reason,
		CreatedAt: parseStamp(it.CreatedAt), LinkedAt: parseStamp(it.LinkedAt)}
	if it.Status == MethodActive && it.expired(now) {
		v.Status, v.Reason = MethodExpired, "Срок действия карты истёк"
	}
	v.StatusName = methodStatusNames[v.Status]
	if it.ExpiryYear > 0 {
		v.Expiry = fmt.Sprintf("%02d/%d", it.ExpiryMonth, it.ExpiryYear)
	}
	if it.Status == MethodAwaitingCard {
		v.ConfirmationURL = it.ConfirmationURL
	}
	return v
}

// methodContext binds a sealed provider id to its owner and method.
func methodContext(sub, id string) map[string]string {
	return map[string]string{"user": sub, "field": "payment-method." + id}
}

// ValidMethodID reports whether id can be a Kabinet payment method's id
// (newID's form), so nothing else reaches a key.
func ValidMethodID(id string) bool {
	if len(id) != 12 {
		return false
	}
	for _, r := range id {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '-' && r != '_' {
			return false
		}
	}
	return true
}

// Methods are a person's saved payment methods: linking a card through the
// provider, its confirmation by a code, the list, unlinking.
type Methods struct{ d Deps }

// NewMethods needs Sealer, Provider, Signatures, Inbox, Journal and
// PortalURL.
func NewMethods(d Deps) (*Methods, error) {
	if err := d.need("Methods", "Sealer", "Provider", "Signatures", "Inbox", "Journal", "PortalURL"); err != nil {
		return nil, err
	}
	return &Methods{d}, nil
}

func (m *Methods) get(ctx context.Context, sub, id string) (methodItem, error) {
	var it methodItem
	if !ValidMethodID(id) {
		return it, problem.NotFound("карта")
	}
	err := m.d.DB.Get(ctx, dynamo.PaymentMethodKey(sub, id), "карта", &it)
	return it, err
}

func (m *Methods) all(ctx context.Context, sub string) ([]methodItem, error) {
	return every[methodItem](ctx, m.d.DB, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.PaymentMethodPrefix, Forward: true, Consistent: true})
}

// live are the methods a person sees: not unlinked, not an attempt past
// its time.
func live(items []methodItem, now time.Time) []methodItem {
	return slices.DeleteFunc(items, func(it methodItem) bool {
		return it.Status == MethodUnlinked || (it.TTL > 0 && it.TTL <= now.Unix() && it.Status != MethodActive)
	})
}

// Link starts linking a card: a verification payment at the provider whose
// page (ConfirmationURL) the payer opens to enter the card. Errors:
// Conflict (MaxMethods linked or being linked), Unavailable (the provider
// did not answer: try again).
func (m *Methods) Link(ctx context.Context, a actor.Actor) (MethodView, error) {
	sub, err := person(a)
	if err != nil {
		return MethodView{}, err
	}
	now := m.d.Clock.Now()
	have, err := m.all(ctx, sub)
	if err != nil {
		return MethodView{}, err
	}
	n := 0
	for _, it := range live(have, now) {
		if it.Status == MethodActive || it.Status == MethodAwaitingCard || it.Status == MethodAwaitingCode {
			n++
		}
	}
	if n >= MaxMethods {
		return MethodView{}, problem.Conflict("too_many_payment_methods", fmt.Sprintf("Можно привязать не больше %d карт: отвяжите ненужную", MaxMethods))
	}
	id := newID()
	k, ok := dynamo.PaymentMethodKey(sub, id), dynamo.PaymentMethodOwnerKey(id)
	ttl := now.Add(methodAttemptTTL).Unix()
	it := methodItem{PK: k.PK, SK: k.SK, Kind: kindMethod, ID: id, Sub: sub, Status: MethodAwaitingCard, CreatedAt: stamp(now),
		UpdatedAt: stamp(now), TTL: ttl, V: 1}
	tx := (&dynamo.Tx{}).Create(it).Create(methodOwnerItem{PK: ok.PK, SK: ok.SK, Kind: kindMethodOwner, Sub: sub, TTL: ttl})
	if err := m.d.DB.Transact(ctx, "", tx); err != nil {
		return MethodView{}, err
	}
	pp, err := m.d.Provider.Create(ctx, NewPayment{IdempotenceKey: "card-" + id, Amount: verifyAmount,
		Description: "Привязка карты к личному кабинету: 1 ₽ не списывается",
		ReturnURL:   strings.TrimRight(m.d.PortalURL, "/") + "/payment-methods/" + id,
		Metadata:    map[string]string{"method": id}, Hold: true, SavePaymentMethod: true})
	if err != nil {
		logging.From(ctx).Error("card verification not started", "method", id, "err", err)
		if ferr := m.fail(ctx, it, "Платёжная система не начала привязку карты"); ferr != nil {
			logging.From(ctx).Error("card link attempt not ended", "method", id, "err", ferr)
		}
		if problem.Is(err, problem.KindUnavailable) {
			return MethodView{}, problem.Wrap(err, problem.KindUnavailable, "payment_provider_unavailable",
				"Платёжная система не ответила. Попробуйте привязать карту ещё раз")
		}
		return MethodView{}, problem.Wrap(err, problem.KindUnavailable, "payment_provider_unavailable",
			"Платёжная система не начала привязку карты. Попробуйте позже")
	}
	sealed, err := m.d.Sealer.Seal(ctx, []byte(pp.ID), methodContext(sub, id))
	if err != nil {
		return MethodView{}, err
	}
	upd := expression.Set(expression.Name("SealedPayment"), expression.Value(sealed)).
		Set(expression.Name("ConfirmationURL"), expression.Value(pp.ConfirmationURL)).
		Set(expression.Name(dynamo.AttrVersion), expression.Value(it.V+1))
	cond := expression.Name(dynamo.AttrVersion).Equal(expression.Value(it.V))
	if err := m.d.DB.Update(ctx, k, upd, &cond); err != nil {
		return MethodView{}, err
	}
	it.SealedPayment, it.ConfirmationURL, it.V = sealed, pp.ConfirmationURL, it.V+1
	return it.view(now), nil
}

// fail ends a link attempt that did not save a card.
func (m *Methods) fail(ctx context.Context, it methodItem, reason string) error {
	upd := expression.Set(expression.Name("Status"), expression.Value(MethodFailed)).
		Set(expression.Name("Reason"), expression.Value(reason)).
		Set(expression.Name("UpdatedAt"), expression.Value(stamp(m.d.Clock.Now()))).
		Remove(expression.Name("ConfirmationURL")).
		Set(expression.Name(dynamo.AttrVersion), expression.Value(it.V+1))
	cond := expression.Name(dynamo.AttrVersion).Equal(expression.Value(it.V))
	err := m.d.DB.Update(ctx, dynamo.PaymentMethodKey(it.Sub, it.ID), upd, &cond)
	if problem.Is(err, problem.KindConflict) {
		return nil // someone else moved it on
	}
	return err
}

// linkNotified applies what the provider says of a verification payment:
// the card saved (the method awaits its code; the hold is released), or
// not (the attempt fails). Anything else waits for the next word.
func (m *Methods) linkNotified(ctx context.Context, pp ProviderPayment) error {
	id := pp.Metadata["method"]
	var owner methodOwnerItem
	if !ValidMethodID(id) {
		logging.From(ctx).Warn("notification of a card verification that is not ours")
		return nil
	}
	switch err := m.d.DB.Get(ctx, dynamo.PaymentMethodOwnerKey(id), "карта", &owner); {
	case problem.Is(err, problem.KindNotFound):
		logging.From(ctx).Warn("notification of a card verification that is not ours")
		return nil
	case err != nil:
		return err
	}
	it, err := m.get(ctx, owner.Sub, id)
	if err != nil {
		return err
	}
	return m.apply(ctx, it, pp)
}

func (m *Methods) apply(ctx context.Context, it methodItem, pp ProviderPayment) error {
	if m.d.Sealer == nil {
		return problem.Internal(fmt.Errorf("payments: a card verification needs a Sealer"))
	}
	if it.Status != MethodAwaitingCard {
		if it.HoldOpen && pp.Status == ProviderWaitingForCapture {
			m.releaseHold(ctx, it, pp.ID)
		}
		return nil
	}
	switch pp.Status {
	case ProviderCanceled:
		reason := cancelReasons[pp.CancellationReason]
		if reason == "" {
			reason = "Карта не привязана"
		}
		return m.fail(ctx, it, reason)
	case ProviderPending:
		return nil
	}
	pm := pp.PaymentMethod
	if !pm.Saved || pm.ID == "" || pm.Type != "bank_card" {
		if err := m.fail(ctx, it, "Платёжная система не сохранила карту: привяжите банковскую карту"); err != nil {
			return err
		}
		if pp.Status == ProviderWaitingForCapture {
			m.releaseHold(ctx, it, pp.ID)
		}
		return nil
	}
	token, err := m.d.Sealer.Seal(ctx, []byte(pm.ID), methodContext(it.Sub, it.ID))
	if err != nil {
		return err
	}
	now := m.d.Clock.Now()
	held := pp.Status == ProviderWaitingForCapture
	upd := expression.Set(expression.Name("Status"), expression.Value(MethodAwaitingCode)).
		Set(expression.Name("SealedToken"), expression.Value(token)).
		Set(expression.Name("CardType"), expression.Value(pm.Card.CardType)).
		Set(expression.Name("Last4"), expression.Value(pm.Card.Last4)).
		Set(expression.Name("ExpiryMonth"), expression.Value(pm.Card.ExpiryMonth)).
		Set(expression.Name("ExpiryYear"), expression.Value(pm.Card.ExpiryYear)).
		Set(expression.Name("HoldOpen"), expression.Value(held)).
		Set(expression.Name("UpdatedAt"), expression.Value(stamp(now))).
		Set(expression.Name(dynamo.AttrTTL), expression.Value(now.Add(methodAttemptTTL).Unix())).
		Remove(expression.Name("ConfirmationURL")).
		Set(expression.Name(dynamo.AttrVersion), expression.Value(it.V+1))
	cond := expression.Name(dynamo.AttrVersion).Equal(expression.Value(it.V)).And(expression.Name("Status").Equal(expression.Value(MethodAwaitingCard)))
	if err := m.d.DB.Update(ctx, dynamo.PaymentMethodKey(it.Sub, it.ID), upd, &cond); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return nil // another notification, or the payer's return, got there first
		}
		return err
	}
	if held {
		it.V++
		it.HoldOpen = true
		m.releaseHold(ctx, it, pp.ID)
	} else if pp.Status == ProviderSucceeded {
		// A provider that took the rouble despite the hold: an operator
		// returns it.
		logging.From(ctx).Error("card verification payment was captured", "method", it.ID)
	}
	return nil
}

// releaseHold cancels the verification payment's hold; a failure leaves it
// to the next notification or the confirmation (and the provider ends an
// uncaptured hold by itself).
func (m *Methods) releaseHold(ctx context.Context, it methodItem, providerID string) {
	if _, err := m.d.Provider.Cancel(ctx, providerID, "card-release-"+it.ID); err != nil && !problem.Is(err, problem.KindInvalid) {
		logging.From(ctx).Warn("card verification hold not released yet", "method", it.ID, "err", err)
		return
	}
	upd := expression.Set(expression.Name("HoldOpen"), expression.Value(false))
	if err := m.d.DB.Update(ctx, dynamo.PaymentMethodKey(it.Sub, it.ID), upd, nil); err != nil {
		logging.From(ctx).Warn("card verification hold not marked released", "method", it.ID, "err", err)
	}
}

// refresh asks the provider about a link still awaiting the card (the
// payer came back before the notification).
func (m *Methods) refresh(ctx context.Context, it methodItem) (methodItem, error) {
	if (it.Status != MethodAwaitingCard && !it.HoldOpen) || it.SealedPayment == "" {
		return it, nil
	}
	raw, err := m.d.Sealer.Open(ctx, it.SealedPayment, methodContext(it.Sub, it.ID))
	if err != nil {
		return it, err
	}
	pp, err := m.d.Provider.Get(ctx, string(raw))
	if err != nil {
		logging.From(ctx).Warn("card verification not read back", "method", it.ID, "err", err)
		return it, nil
	}
	if err := m.apply(ctx, it, pp); err != nil {
		return it, err
	}
	return m.get(ctx, it.Sub, it.ID)
}

// List is the person's cards, linked and being linked (unlinked ones are
// not shown).
func (m *Methods) List(ctx context.Context, a actor.Actor) ([]MethodView, error) {
	sub, err := person(a)
	if err != nil {
		return nil, err
	}
	items, err := m.all(ctx, sub)
	if err != nil {
		return nil, err
	}
	now := m.d.Clock.Now()
	items = live(items, now)
	slices.SortFunc(items, func(a, b methodItem) int { return strings.Compare(a.CreatedAt+a.ID, b.CreatedAt+b.ID) })
	out := make([]MethodView, 0, len(items))
	for _, it := range items {
		out = append(out, it.view(now))
	}
	return out, nil
}

// Get is one of the person's cards; a card still awaited is asked of the
// provider first. NotFound for another person's.
func (m *Methods) Get(ctx context.Context, a actor.Actor, id string) (MethodView, error) {
	sub, err := person(a)
	if err != nil {
		return MethodView{}, err
	}
	it, err := m.get(ctx, sub, id)
	if err == nil && it.Status == MethodUnlinked {
		err = problem.NotFound("карта")
	}
	if err != nil {
		return MethodView{}, err
	}
	if it, err = m.refresh(ctx, it); err != nil {
		return MethodView{}, err
	}
	return it.view(m.d.Clock.Now()), nil
}

// confirmDocOf and its content bind a confirmation code to one card.
func confirmDocOf(it methodItem) string { return "card-" + it.ID }

func confirmContentOf(it methodItem) string { return it.CardType + ":" + it.Last4 }

// awaitingCode is the card to confirm, or why it is not.
func (m *Methods) awaitingCode(ctx context.Context, sub, id string) (methodItem, error) {
	it, err := m.get(ctx, sub, id)
	if err == nil && it.Status == MethodUnlinked {
		err = problem.NotFound("карта")
	}
	if err != nil {
		return it, err
	}
	if it, err = m.refresh(ctx, it); err != nil {
		return it, err
	}
	switch it.Status {
	case MethodAwaitingCode:
		return it, nil
	case MethodAwaitingCard:
		return it, problem.Conflict("payment_method_awaiting_card", "Сначала введите данные карты на странице платёжной системы")
	case MethodActive:
		return it, problem.Conflict("payment_method_confirmed", "Карта уже привязана")
	}
	return it, problem.Conflict("payment_method_not_linkable", "Эту карту подтвердить нельзя: "+methodStatusNames[it.Status])
}

// StartConfirmation sends the code that confirms a card the provider
// saved (or, with an authenticator, says to use it). Errors: NotFound,
// Conflict (the card not awaiting its code), TooManyRequests.
func (m *Methods) StartConfirmation(ctx context.Context, a actor.Actor, id string) (accounts.SignaturePending, error) {
	sub, err := person(a)
	if err != nil {
		return accounts.SignaturePending{}, err
	}
	it, err := m.awaitingCode(ctx, sub, id)
	if err != nil {
		return accounts.SignaturePending{}, err
	}
	return m.d.Signatures.StartSignature(ctx, sub, confirmDocOf(it), 1, confirmContentOf(it))
}

// Confirm makes a saved card usable with the code sent for it: the card,
// the note and the journal entry in one transaction. Errors: Invalid (the
// code), NotFound, Conflict, Gone (the code expired).
func (m *Methods) Confirm(ctx context.Context, a actor.Actor, id, code string) (MethodView, error) {
	sub, err := person(a)
	if err != nil {
		return MethodView{}, err
	}
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return MethodView{}, problem.Invalid(problem.Field{Field: "code", Code: "code.format", Message: "Код подтверждения — 6 цифр"})
	}
	it, err := m.awaitingCode(ctx, sub, id)
	if err != nil {
		return MethodView{}, err
	}
	use, err := m.d.Signatures.CheckSignature(ctx, sub, confirmDocOf(it), 1, confirmContentOf(it), code)
	if err != nil {
		return MethodView{}, confirmationError(err)
	}
	now := m.d.Clock.Now()
	tx := &dynamo.Tx{}
	use(tx)
	upd := expression.Set(expression.Name("Status"), expression.Value(MethodActive)).
		Set(expression.Name("LinkedAt"), expression.Value(stamp(now))).
		Set(expression.Name("UpdatedAt"), expression.Value(stamp(now))).
		Remove(expression.Name(dynamo.AttrTTL)).
		Set(expression.Name(dynamo.AttrVersion), expression.Value(it.V+1))
	cond := expression.Name(dynamo.AttrVersion).Equal(expression.Value(it.V))
	tx.Update(dynamo.PaymentMethodKey(sub, it.ID), upd, &cond)
	ok := dynamo.PaymentMethodOwnerKey(it.ID)
	tx.Update(ok, expression.Remove(expression.Name(dynamo.AttrTTL)), nil)
	if _, err := m.d.Inbox.Add(tx, inbox.Note{Sub: sub, Type: messages.CardLinked, Vars: messages.Vars{"Card": it.mask(), "At": now}}, now); err != nil {
		return MethodView{}, err
	}
	if err := m.journal(ctx, tx, sub, "Привязана карта "+it.mask()); err != nil {
		return MethodView{}, err
	}
	if err := m.d.DB.Transact(ctx, "", tx); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return MethodView{}, problem.Conflict("payment_method_changed", "Карта изменилась, пока вводился код: откройте её ещё раз")
		}
		return MethodView{}, err
	}
	if it.HoldOpen {
		it.V++
		if raw, err := m.d.Sealer.Open(ctx, it.SealedPayment, methodContext(sub, it.ID)); err == nil {
			m.releaseHold(ctx, it, string(raw))
		}
	}
	it.Status, it.LinkedAt = MethodActive, stamp(now)
	return it.view(now), nil
}

func (m *Methods) journal(ctx context.Context, tx *dynamo.Tx, sub, summary string) error {
	return journalTx(ctx, m.d.Journal, tx, sub, summary, journal.ActorCitizen)
}

// Unlink unlinks a card: it can pay nothing more (its provider id is
// deleted), and the autopay rules paying with it are cancelled, with their
// scheduled autopays. Errors: NotFound (another person's, or unlinked
// already).
func (m *Methods) Unlink(ctx context.Context, a actor.Actor, id string) error {
	sub, err := person(a)
	if err != nil {
		return err
	}
	it, err := m.get(ctx, sub, id)
	if err == nil && it.Status == MethodUnlinked {
		err = problem.NotFound("карта")
	}
	if err != nil {
		return err
	}
	rules, err := rulesOf(ctx, m.d.DB, sub)
	if err != nil {
		return err
	}
	now := m.d.Clock.Now()
	tx := &dynamo.Tx{}
	upd := expression.Set(expression.Name("Status"), expression.Value(MethodUnlinked)).
		Set(expression.Name("UpdatedAt"), expression.Value(stamp(now))).
		Set(expression.Name(dynamo.AttrTTL), expression.Value(now.Add(methodEndedTTL).Unix())).
		Remove(expression.Name("SealedToken")).Remove(expression.Name("ConfirmationURL")).
		Set(expression.Name(dynamo.AttrVersion), expression.Value(it.V+1))
	cond := expression.Name(dynamo.AttrVersion).Equal(expression.Value(it.V))
	tx.Update(dynamo.PaymentMethodKey(sub, id), upd, &cond)
	tx.Update(dynamo.PaymentMethodOwnerKey(id), expression.Set(expression.Name(dynamo.AttrTTL), expression.Value(now.Add(methodEndedTTL).Unix())), nil)
	var cancelled []string
	for _, r := range rules {
		if r.Status == RuleActive && r.Method == id {
			cancelRuleTx(tx, r, "Карта отвязана", now)
			cancelled = append(cancelled, r.ID)
		}
	}
	if it.Status == MethodActive {
		if _, err := m.d.Inbox.Add(tx, inbox.Note{Sub: sub, Type: messages.CardUnlinked, Vars: messages.Vars{"Card": it.mask(), "At": now}}, now); err != nil {
			return err
		}
		if err := m.journal(ctx, tx, sub, "Отвязана карта "+it.mask()); err != nil {
			return err
		}
	}
	if err := m.d.DB.Transact(ctx, "", tx); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return problem.Conflict("payment_method_changed", "Карта изменилась: повторите запрос")
		}
		return err
	}
	cancelScheduled(ctx, m.d.DB, sub, cancelled, "Карта отвязана", now)
	return nil
}

// usable is the person's card a payment may charge now, or a field-level
// refusal saying why not: another person's id and a made-up one read the
// same.
func (m *Methods) usable(ctx context.Context, sub, id, field string, now time.Time) (methodItem, error) {
	bad := func(code, msg string) error {
		return problem.Invalid(problem.Field{Field: field, Code: code, Message: msg})
	}
	it, err := m.get(ctx, sub, id)
	switch {
	case problem.Is(err, problem.KindNotFound):
		return it, bad("payment_method.unknown", "Такой привязанной карты нет")
	case err != nil:
		return it, err
	}
	switch {
	case it.Status == MethodUnlinked:
		return it, bad("payment_method.unlinked", "Эта карта отвязана")
	case it.Status == MethodExpired || (it.Status == MethodActive && it.expired(now)):
		return it, bad("payment_method.expired", "Срок действия карты истёк: привяжите новую")
	case it.Status == MethodRevoked:
		return it, bad("payment_method.revoked", "Разрешение на списание с карты отозвано в банке: привяжите карту заново")
	case it.Status == MethodAwaitingCard || it.Status == MethodAwaitingCode:
		return it, bad("payment_method.not_confirmed", "Привязка карты не завершена: подтвердите её кодом")
	case it.Status != MethodActive || it.SealedToken == "":
		return it, bad("payment_method.unknown", "Такой привязанной карты нет")
	}
	return it, nil
}

// touchTx records the card's use in tx, under the condition that it is
// still linked: a card unlinked meanwhile fails the transaction.
func touchMethodTx(tx *dynamo.Tx, it methodItem, now time.Time) {
	cond := expression.Name("Status").Equal(expression.Value(MethodActive)).And(expression.AttributeExists(expression.Name("SealedToken")))
	tx.Update(dynamo.PaymentMethodKey(it.Sub, it.ID), expression.Set(expression.Name("LastUsed"), expression.Value(stamp(now))), &cond)
}

// providerPayment is what to ask the provider for pay: with its saved
// card's provider id when it names one.
func (p *Payments) providerPayment(ctx context.Context, pay paymentItem) (NewPayment, error) {
	np := p.newPayment(pay)
	if pay.Method == "" {
		return np, nil
	}
	if p.d.Sealer == nil {
		return np, problem.Internal(fmt.Errorf("payments: a payment with a saved card needs a Sealer"))
	}
	it, err := p.methods.get(ctx, pay.Sub, pay.Method)
	if err != nil {
		return np, err
	}
	if it.SealedToken == "" {
		return np, problem.Invalid(problem.Field{Field: "paymentMethod", Code: "payment_method.unlinked", Message: "Эта карта отвязана"})
	}
	raw, err := p.d.Sealer.Open(ctx, it.SealedToken, methodContext(pay.Sub, it.ID))
	if err != nil {
		return np, err
	}
	np.PaymentMethodID = string(raw)
	return np, nil
}

// methodEnded records what a charge of a saved card learned: the card
// expired, or the payer withdrew the permission at the bank. A failure is
// logged: the next charge learns it again.
func (p *Payments) methodEnded(ctx context.Context, pay paymentItem, reason string) {
	status := map[string]string{"card_expired": MethodExpired, "permission_revoked": MethodRevoked}[reason]
	if pay.Method == "" || status == "" {
		return
	}
	upd := expression.Set(expression.Name("Status"), expression.Value(status)).
		Set(expression.Name("Reason"), expression.Value(cancelReasons[reason])).
		Set(expression.Name("UpdatedAt"), expression.Value(stamp(p.d.Clock.Now())))
	cond := expression.Name("Status").Equal(expression.Value(MethodActive))
	if err := p.d.DB.Update(ctx, dynamo.PaymentMethodKey(pay.Sub, pay.Method), upd, &cond); err != nil && !problem.Is(err, problem.KindConflict) {
		logging.From(ctx).Warn("card's end not recorded", "err", err)
	}
}
