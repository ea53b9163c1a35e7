package payments

// This file is the port to the payment provider: an acquirer with ЮKassa's
// API shape (shared/payments/yookassa is its one real adapter; the local
// stack runs an emulator of the same API, infra/local/yookassaemu). The
// domain calls only this interface, and believes a payment's state only as
// Get returns it: a notification says which payment to look at, never what
// happened to it.

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/problem"
)

// Provider creates and settles payments at the payment provider.
//
// Errors are *problem.Error values and never carry card data, the shop's
// secret or the payment's description and metadata:
//   - KindUnavailable (code "payment_provider_unavailable"): a timeout, a
//     5xx, a 429 or a request still processing after the adapter's bounded
//     retries. The outcome is unknown: retry with the same idempotence key,
//     or Get the payment.
//   - KindConflict (code "payment_idempotence_conflict"): the idempotence key
//     was already used for a different request. Retrying cannot fix it.
//   - KindInvalid (code "payment_refused"): the provider refused the request
//     as it stands (an amount it does not accept; for Capture and Cancel, a
//     payment that is not waiting_for_capture; for Create with a
//     PaymentMethodID, a method the provider does not hold for this shop:
//     field "payment_method_id"). Fields name the provider's parameter when
//     it gave one. Retrying cannot fix it. Code "payment_request_invalid" is
//     the same refused before sending (an amount that is not positive, a
//     missing return URL, an idempotence key that is not 1 to 64 printable
//     ASCII characters, SavePaymentMethod with a PaymentMethodID, a
//     PaymentMethodID that cannot be a provider's id).
//   - KindNotFound (code "payment_not_found"): no such payment at the provider.
//   - KindInternal: anything else (the shop's credentials refused, an answer
//     the adapter cannot read); logged, never shown.
//
// A charge of a saved method that the bank declines, or that finds the
// method expired or its permission revoked, is not an error: Create returns
// the payment canceled, with the reason ("insufficient_funds",
// "card_expired", "permission_revoked", ...).
//
// Refunds are Refunder's; the real adapter implements both (Acquirer).
type Provider interface {
	// Create starts a payment and returns it. Paid on the provider's page, it
	// is normally pending with a ConfirmationURL to send the payer to; paid
	// with a saved method (PaymentMethodID), it needs no page and comes back
	// final (succeeded, or canceled with the reason) or, with Hold,
	// waiting_for_capture. The same IdempotenceKey with the same NewPayment
	// returns the same payment (for 24 hours); the same key with another
	// NewPayment is a Conflict.
	Create(ctx context.Context, p NewPayment) (ProviderPayment, error)
	// Get fetches a payment's current state from the provider: the only
	// state to believe. NotFound when the provider has no such payment.
	Get(ctx context.Context, id string) (ProviderPayment, error)
	// Capture takes the money held by a payment created with Hold (status
	// waiting_for_capture); the payment becomes succeeded. Invalid when the
	// payment is in any other status.
	Capture(ctx context.Context, id, idempotenceKey string) (ProviderPayment, error)
	// Cancel releases the money held by a payment created with Hold (status
	// waiting_for_capture); the payment becomes canceled. Invalid when the
	// payment is in any other status (a pending payment ends by itself when
	// the payer does not confirm it).
	Cancel(ctx context.Context, id, idempotenceKey string) (ProviderPayment, error)
}

// Refunder returns the money of succeeded payments to the payer, whole or
// in parts, through the provider (onto the card or wallet that paid). It is
// a port of its own so that what needs only payments (and the fakes of its
// tests) need not know refunds; the real adapter implements both.
//
// Errors are *problem.Error values as Provider's, and never carry card
// data, the shop's secret or the refund's description:
//   - KindUnavailable (code "payment_provider_unavailable"): the outcome is
//     unknown. Retry with the same idempotence key, or GetRefund the refund
//     if its id is known.
//   - KindConflict (code "payment_idempotence_conflict"): the idempotence
//     key was already used for a different request.
//   - KindInvalid (code "payment_refused"): the provider refused the
//     refund: field "amount" when it is more than is left to refund of the
//     payment (every refund not canceled counts, pending ones included);
//     field "payment_id" when the payment is unknown to the provider or not
//     succeeded. Retrying cannot fix it. Code "payment_request_invalid" is
//     the same refused before sending (an amount that is not positive, a
//     payment id that cannot be a provider's id, a description over 250
//     characters, a bad idempotence key).
//   - KindNotFound (code "payment_refund_not_found"): GetRefund of a refund
//     the provider does not have.
//   - KindInternal: anything else; logged, never shown.
type Refunder interface {
	// Refund returns Amount of a succeeded payment to the payer. The refund
	// comes back succeeded, or pending (it then becomes succeeded, notified
	// as EventRefundSucceeded, or canceled, which the provider does not
	// notify: GetRefund tells), or canceled with the reason. The same
	// IdempotenceKey with the same NewRefund returns the same refund (for
	// 24 hours); the same key with another NewRefund is a Conflict. Once it
	// has succeeded, the payment's RefundedAmount includes it.
	Refund(ctx context.Context, r NewRefund) (ProviderRefund, error)
	// GetRefund fetches a refund's current state from the provider: the
	// only state to believe. NotFound when the provider has no such refund.
	GetRefund(ctx context.Context, id string) (ProviderRefund, error)
}

// Acquirer is the whole port: payments and their refunds.
type Acquirer interface {
	Provider
	Refunder
}

// NewPayment is a payment to create.
type NewPayment struct {
	// IdempotenceKey makes Create safe to retry: at most 64 characters,
	// unique per payment (a UUID), reused only to retry the same request.
	IdempotenceKey string
	// Amount is in kopecks; roubles only.
	Amount int64
	// Description is shown to the payer on the provider's page (at most 128
	// characters); keep personal data out of it.
	Description string
	// ReturnURL is where the provider sends the payer back after the page.
	ReturnURL string
	// Metadata travels with the payment and comes back on every Get (at most
	// 16 keys of up to 32 characters, values of up to 512): the domain's own
	// references, never personal data.
	Metadata map[string]string
	// Hold makes a two-stage payment: the payer's money is held
	// (waiting_for_capture) until Capture or Cancel. Without it the money is
	// taken as soon as the payer confirms (pending → succeeded).
	Hold bool
	// SavePaymentMethod asks the provider to keep the method the payer pays
	// with for later payments without the page (an autopayment): once the
	// payment is paid, its PaymentMethod is Saved and its ID is what
	// PaymentMethodID takes. The payer is told so on the provider's page.
	SavePaymentMethod bool
	// PaymentMethodID charges a method saved by an earlier payment of this
	// shop, with no page and no payer at hand: ReturnURL is not used. Never
	// together with SavePaymentMethod.
	PaymentMethodID string
}

// ProviderStatus is a payment's status at the provider.
type ProviderStatus string

// The statuses of a provider payment: pending → succeeded or canceled, or,
// with Hold, pending → waiting_for_capture → succeeded or canceled.
// succeeded and canceled are final.
const (
	ProviderPending           ProviderStatus = "pending"
	ProviderWaitingForCapture ProviderStatus = "waiting_for_capture"
	ProviderSucceeded         ProviderStatus = "succeeded"
	ProviderCanceled          ProviderStatus = "canceled"
)

// Final reports whether no further change can happen to the payment.
func (s ProviderStatus) Final() bool { return s == ProviderSucceeded || s == ProviderCanceled }

// ProviderPayment is a payment as the provider reports it.
type ProviderPayment struct {
	ID     string
	Status ProviderStatus
	// Amount is in kopecks.
	Amount int64
	// Paid is true once the payer has confirmed the payment (succeeded, or
	// waiting_for_capture).
	Paid bool
	// Test is true for a payment of a test shop: no money moved.
	Test bool
	// ConfirmationURL is the provider's page where the payer confirms a
	// pending payment.
	ConfirmationURL string
	// CancellationParty and CancellationReason say who canceled the payment
	// and why (ЮKassa's codes: "merchant" "canceled_by_merchant",
	// "payment_network" "insufficient_funds", "yoo_money"
	// "expired_on_confirmation", ...); set only when canceled.
	CancellationParty  string
	CancellationReason string
	CreatedAt          time.Time
	// CapturedAt is set once succeeded.
	CapturedAt time.Time
	// ExpiresAt is when a held payment (waiting_for_capture) is canceled by
	// the provider unless captured.
	ExpiresAt time.Time
	Metadata  map[string]string
	// PaymentMethod is what the payer paid with; zero until the payer has
	// chosen it on the page.
	PaymentMethod ProviderPaymentMethod
	// RefundedAmount is the sum of the payment's succeeded refunds, in
	// kopecks.
	RefundedAmount int64
}

// ProviderPaymentMethod is the method a payment was paid with, as the
// provider shows it: never a full card number.
type ProviderPaymentMethod struct {
	// ID is the method's id at the provider: what NewPayment.PaymentMethodID
	// takes once Saved.
	ID string
	// Saved is true when the provider keeps the method for payments without
	// the page (asked by NewPayment.SavePaymentMethod, and paid).
	Saved bool
	// Type is the provider's name of the kind of method: "bank_card",
	// "yoo_money", "sbp", ...
	Type string
	// Title is the provider's name of the method for the payer, such as
	// "Bank card *4444".
	Title string
	// Card is set for a bank card.
	Card ProviderCard
}

// ProviderCard is the part of a bank card the provider shows.
type ProviderCard struct {
	// First6 is the card's BIN, Last4 its last four digits.
	First6, Last4 string
	// ExpiryMonth (1 to 12) and ExpiryYear (such as 2030): zero when the
	// provider did not say.
	ExpiryMonth, ExpiryYear int
	// CardType is the payment system: "MasterCard", "Visa", "Mir", ...
	CardType string
}

// NewRefund is a refund to make.
type NewRefund struct {
	// IdempotenceKey makes Refund safe to retry: at most 64 characters,
	// unique per refund, reused only to retry the same request.
	IdempotenceKey string
	// PaymentID is the succeeded payment to refund.
	PaymentID string
	// Amount is in kopecks: at most what is left to refund of the payment.
	Amount int64
	// Description is the refund's reason as the shop keeps it (at most 250
	// characters); keep personal data out of it.
	Description string
}

// ProviderRefundStatus is a refund's status at the provider.
type ProviderRefundStatus string

// The statuses of a refund: pending → succeeded or canceled, or final at
// once. succeeded and canceled are final.
const (
	ProviderRefundPending   ProviderRefundStatus = "pending"
	ProviderRefundSucceeded ProviderRefundStatus = "succeeded"
	ProviderRefundCanceled  ProviderRefundStatus = "canceled"
)

// Final reports whether no further change can happen to the refund.
func (s ProviderRefundStatus) Final() bool {
	return s == ProviderRefundSucceeded || s == ProviderRefundCanceled
}

// ProviderRefund is a refund as the provider reports it.
type ProviderRefund struct {
	ID        string
	PaymentID string
	Status    ProviderRefundStatus
	// Amount is in kopecks.
	Amount    int64
	CreatedAt time.Time
	// CancellationParty and CancellationReason say who canceled the refund
	// and why (ЮKassa's codes: "yoo_money" or "payment_network";
	// "general_decline", "insufficient_funds", "rejected_by_payee", ...);
	// set only when canceled.
	CancellationParty  string
	CancellationReason string
}

// Event names what a notification is about: "<object>.<status>".
type Event string

// The events the provider notifies.
const (
	EventPaymentWaitingForCapture Event = "payment.waiting_for_capture"
	EventPaymentSucceeded         Event = "payment.succeeded"
	EventPaymentCanceled          Event = "payment.canceled"
	EventRefundSucceeded          Event = "refund.succeeded"
)

// Notification is what an HTTP notification from the provider is about. It
// carries no status on purpose: notifications are not signed, so anyone can
// send one; the domain fetches the object (Provider.Get) and believes that.
type Notification struct {
	Event Event
	// ObjectID is the payment's id for payment events, the refund's for
	// refund events.
	ObjectID string
	// PaymentID is the refunded payment of a refund event.
	PaymentID string
}

// IsPayment reports whether the notification is about a payment (an event
// "payment.*" this port does not know yet included).
func (n Notification) IsPayment() bool { return strings.HasPrefix(string(n.Event), "payment.") }

// MaxNotificationBytes bounds a notification body; a payment object is a
// few kilobytes.
const MaxNotificationBytes = 64 << 10

// ParseNotification reads the body of an HTTP notification:
//
//	{"type": "notification", "event": "payment.succeeded", "object": {"id": "...", ...}}
//
// It accepts any well-formed event, known or not (the provider adds events;
// refusing one would only make it retry for a day), and reads nothing from
// the object but its id (and a refund's payment_id). A body that is not such
// a notification is a BadRequest ("payment_notification_malformed").
func ParseNotification(body []byte) (Notification, error) {
	if len(body) > MaxNotificationBytes {
		return Notification{}, malformedNotification()
	}
	var in struct {
		Type   string `json:"type"`
		Event  string `json:"event"`
		Object *struct {
			ID        string `json:"id"`
			PaymentID string `json:"payment_id"`
		} `json:"object"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Type != "notification" || in.Object == nil {
		return Notification{}, malformedNotification()
	}
	object, status, ok := strings.Cut(in.Event, ".")
	if !ok || !isName(object) || !isName(status) || !ValidProviderID(in.Object.ID) {
		return Notification{}, malformedNotification()
	}
	n := Notification{Event: Event(in.Event), ObjectID: in.Object.ID}
	if object == "refund" {
		if !ValidProviderID(in.Object.PaymentID) {
			return Notification{}, malformedNotification()
		}
		n.PaymentID = in.Object.PaymentID
	}
	return n, nil
}

func malformedNotification() error {
	return problem.BadRequest("payment_notification_malformed", "Уведомление о платеже не распознано")
}

// isName reports whether s is a lower-case event part such as
// "waiting_for_capture".
func isName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '_' {
			return false
		}
	}
	return true
}

// ValidProviderID reports whether id can be a provider's object id: 1 to 64
// letters, digits, '-' or '_' (ЮKassa's ids are UUID-shaped). Anything else
// never reaches the provider's URL paths.
func ValidProviderID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '-' && r != '_' {
			return false
		}
	}
	return true
}
