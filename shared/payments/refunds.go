package payments

// Refunds return, through the provider, money that never should have been
// taken: a line of a payment that settled for a charge already paid (here
// or elsewhere), what a payment took beyond what its charge now asks (the
// agency lowered it), everything the portal took for a charge its agency
// cancelled afterwards, and a payment the provider took that the portal
// had already ended. A state duty or fine duly paid is not refunded here:
// that is the administrator's refund, an application to the agency.
//
// The money moves through two counters of the payment, by charge line:
// Refundable (found not owed, it only grows) and RefundLeft (of it, what no
// refund holds yet). Whatever finds money not owed adds it to both, in the
// transaction of its own change (the settlement, the agency's post or
// cancellation, under their conditions, so a repeated or concurrent event
// finds nothing more), and marks the payment as having money due
// (REFUND-DUE). Every refund then takes its lines from RefundLeft under
// the condition that enough is left (RefundLeft.<УИН> >= amount), so
// refunds racing for one payment — the automatic one, the payer's
// requests — can never hold more than was found, and never more than was
// paid. The automatic refund takes all that is left and clears the mark;
// the reconciliation finishes one a failure cut short.
//
// A refund is recorded before the provider is asked, with its own id as
// the provider's idempotence key: a call that fails halfway leaves it
// pending, and asking again (the reconciliation, a notification) returns
// the refund the provider made, never a second one. What the provider
// says is believed only as fetched back: succeeded ends the refund with
// its receipt, note and journal entry; canceled gives the money back to
// RefundLeft, for the payer to ask again.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/issued"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/problem"
)

// Statuses of a refund: pending → succeeded or canceled.
const (
	RefundPending   = "pending"
	RefundSucceeded = "succeeded"
	RefundCanceled  = "canceled"
)

var refundStatusNames = map[string]string{RefundPending: "выполняется", RefundSucceeded: "выполнен", RefundCanceled: "не выполнен"}

// Why money goes back.
const (
	// RefundDuplicate: the charge was already paid (here or elsewhere)
	// when this payment settled, or was reported paid elsewhere after it.
	RefundDuplicate = "duplicate"
	// RefundOverpaid: the payment took more than the charge now asks.
	RefundOverpaid = "overpaid"
	// RefundChargeCancelled: the agency cancelled the charge after it was
	// paid.
	RefundChargeCancelled = "charge_cancelled"
	// RefundNotSettled: the provider took the money of a payment the
	// portal had already ended.
	RefundNotSettled = "not_settled"
	// RefundRequested: the payer asked back money found not owed.
	RefundRequested = "request"
)

var refundCauses = map[string]string{
	RefundDuplicate:       "начисление уже было оплачено, платёж прошёл повторно",
	RefundOverpaid:        "оплачено больше, чем требует начисление",
	RefundChargeCancelled: "ведомство аннулировало оплаченное начисление",
	RefundNotSettled:      "платёж не был зачислен, а деньги списаны",
	RefundRequested:       "по запросу плательщика",
}

// Who started a refund.
const (
	RefundByPortal = "portal"
	RefundByPayer  = "payer"
)

const (
	kindRefund    = "refund"
	kindRefundDue = "refund-due"
	// journalRefund is the activity journal's type of a refund's end.
	journalRefund = "payment.refund"
	// refundAttempts bounds the retries of a refund's write lost to a
	// concurrent one (another refund of the payment, mostly).
	refundAttempts = 8
)

// RefundLine is what a refund returns of one charge a payment paid.
type RefundLine struct {
	UIN    string `json:"uin" dynamodbav:"UIN"`
	Amount int64  `json:"amount" dynamodbav:"Amount"`
}

// RefundView is a refund as the payer sees it.
type RefundView struct {
	ID         string `json:"id"`
	PaymentID  string `json:"paymentId"`
	Status     string `json:"status"`
	StatusName string `json:"statusName"`
	// Amount is in kopecks: the sum of Charges.
	Amount  int64        `json:"amount"`
	Charges []RefundLine `json:"charges"`
	// Cause is why (RefundDuplicate, ...), Reason the same in Russian.
	Cause     string    `json:"cause"`
	Reason    string    `json:"reason"`
	Initiator string    `json:"initiator"`
	CreatedAt time.Time `json:"createdAt"`
	// EndedAt is when the provider ended it (succeeded or canceled).
	EndedAt      time.Time   `json:"endedAt,omitzero"`
	CancelReason string      `json:"cancelReason,omitempty"`
	Receipt      *ReceiptRef `json:"receipt,omitempty"`
}

type refundItem struct {
	PK        string       `dynamodbav:"PK"`
	SK        string       `dynamodbav:"SK"`
	Kind      string       `dynamodbav:"Kind"`
	ID        string       `dynamodbav:"ID"`
	PaymentID string       `dynamodbav:"PaymentID"`
	Sub       string       `dynamodbav:"Sub"`
	Status    string       `dynamodbav:"Status"`
	Amount    int64        `dynamodbav:"Amount"`
	Lines     []RefundLine `dynamodbav:"Lines"`
	Cause     string       `dynamodbav:"Cause"`
	Initiator string       `dynamodbav:"Initiator"`
	// ProviderPaymentID is the refunded payment at the provider,
	// ProviderID the refund there once it answered.
	ProviderPaymentID string `dynamodbav:"ProviderPaymentID"`
	ProviderID        string `dynamodbav:"ProviderID,omitempty"`
	CreatedAt         string `dynamodbav:"CreatedAt"`
	UpdatedAt         string `dynamodbav:"UpdatedAt"`
	EndedAt           string `dynamodbav:"EndedAt,omitempty"`
	CancelReason      string `dynamodbav:"CancelReason,omitempty"`
	ReceiptID         string `dynamodbav:"ReceiptID,omitempty"`
	ReceiptNumber     string `dynamodbav:"ReceiptNumber,omitempty"`
	ReceiptCode       string `dynamodbav:"ReceiptCode,omitempty"`
	GSI2PK            string `dynamodbav:"GSI2PK,omitempty"`
	GSI2SK            string `dynamodbav:"GSI2SK,omitempty"`
}

func (it refundItem) view() RefundView {
	v := RefundView{ID: it.ID, PaymentID: it.PaymentID, Status: it.Status, StatusName: refundStatusNames[it.Status], Amount: it.Amount,
		Charges: it.Lines, Cause: it.Cause, Reason: refundCauses[it.Cause], Initiator: it.Initiator, CreatedAt: parseStamp(it.CreatedAt),
		EndedAt: parseStamp(it.EndedAt), CancelReason: it.CancelReason}
	if it.ReceiptID != "" {
		v.Receipt = &ReceiptRef{DocumentID: it.ReceiptID, Number: it.ReceiptNumber, VerificationCode: it.ReceiptCode}
	}
	return v
}

// refundDueItem marks a payment with money found not owed that no refund
// holds yet; Cause is why, as last found.
type refundDueItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Kind      string `dynamodbav:"Kind"`
	PaymentID string `dynamodbav:"PaymentID"`
	Cause     string `dynamodbav:"Cause"`
	GSI2PK    string `dynamodbav:"GSI2PK"`
	GSI2SK    string `dynamodbav:"GSI2SK"`
}

// portalPart is one portal payment of a charge: the money it took and the
// amount of the charge it credited (less than the money only when a
// discount's whole payment paid the charge off; what refunds take back of
// it is gone from both).
type portalPart struct {
	Payment string `dynamodbav:"Payment"`
	Money   int64  `dynamodbav:"Money"`
	Credit  int64  `dynamodbav:"Credit"`
}

// lineCredit is what a payment's line credits its charge (paid: the
// charge as it is before the line) and what of the line's money the
// charge no longer asked: a whole payment pays off all that is left (a
// fine's discount included); a part at most what is left.
func lineCredit(ch chargeItem, line PaymentLine) (credit, over int64) {
	room := ch.Amount - ch.paid()
	switch {
	case room <= 0:
		return 0, line.Amount
	case line.Full:
		return room, max(0, line.Amount-room)
	}
	credit = min(line.Amount, room)
	return credit, line.Amount - credit
}

// refundLeft is what the payer may still ask back of a payment.
func (it paymentItem) refundLeft() int64 {
	var n int64
	for _, a := range it.RefundLeft {
		n += a
	}
	return n
}

// IsRefund reports whether the notification is about a refund.
func (n Notification) IsRefund() bool { return strings.HasPrefix(string(n.Event), "refund.") }

// Refunds return money not owed: the payer's requests, the automatic
// refunds, the provider's word on them, their reconciliation.
type Refunds struct{ d Deps }

// NewRefunds needs Refunder, Provider, People, Inbox, Journal, Receipts and
// PortalURL.
func NewRefunds(d Deps) (*Refunds, error) {
	if err := d.need("Refunds", "Refunder", "Provider", "People", "Inbox", "Journal", "Receipts", "PortalURL"); err != nil {
		return nil, err
	}
	return &Refunds{d}, nil
}

func (c *Charges) refunds() *Refunds { return &Refunds{c.d} }

// canRefund is whether the provider can be asked now; without it what is
// found is recorded and left to the reconciliation.
func (r *Refunds) canRefund() bool {
	return r.d.Refunder != nil && r.d.People != nil && r.d.Journal != nil && r.d.Receipts != nil
}

func (r *Refunds) paymentLink(paymentID string) string {
	return strings.TrimRight(r.d.PortalURL, "/") + "/payments/" + paymentID
}

func (r *Refunds) payment(ctx context.Context, id string) (paymentItem, bool, error) {
	var it paymentItem
	err := r.d.DB.Get(ctx, dynamo.PaymentKey(id), "платёж", &it)
	if problem.Is(err, problem.KindNotFound) {
		return paymentItem{}, false, nil
	}
	return it, err == nil, err
}

func (r *Refunds) refund(ctx context.Context, paymentID, id string) (refundItem, bool, error) {
	var it refundItem
	err := r.d.DB.Get(ctx, dynamo.RefundKey(paymentID, id), "возврат", &it)
	if problem.Is(err, problem.KindNotFound) {
		return refundItem{}, false, nil
	}
	return it, err == nil, err
}

// Finding money not owed.

// bookExcess adds to a payment's update the money of its lines found not
// owed (by УИН), to Refundable and RefundLeft; the condition keeps two
// first findings from overwriting each other's counters.
func bookExcess(upd expression.UpdateBuilder, pay paymentItem, excess map[string]int64) (expression.UpdateBuilder, expression.ConditionBuilder) {
	if pay.Refundable == nil {
		found, left := map[string]int64{}, map[string]int64{}
		for u, a := range excess {
			found[u], left[u] = a, a
		}
		return upd.Set(expression.Name("Refundable"), expression.Value(found)).Set(expression.Name("RefundLeft"), expression.Value(left)),
			expression.AttributeNotExists(expression.Name("Refundable"))
	}
	for _, u := range sortedKeys(excess) {
		for _, attr := range []string{"Refundable.", "RefundLeft."} {
			name := expression.Name(attr + u)
			upd = upd.Set(name, expression.Plus(expression.IfNotExists(name, expression.Value(0)), expression.Value(excess[u])))
		}
	}
	return upd, expression.AttributeExists(expression.Name("Refundable"))
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// markDue adds to tx the mark that the payment has money to refund.
func markDue(tx *dynamo.Tx, paymentID, cause string, now time.Time) {
	k := dynamo.RefundDueKey(paymentID)
	tx.Put(refundDueItem{PK: k.PK, SK: k.SK, Kind: kindRefundDue, PaymentID: paymentID, Cause: cause,
		GSI2PK: dynamo.DueRefundsPK, GSI2SK: sortStamp(now) + "#" + paymentID})
}

// settledTx adds to the update of a payment being settled (upd, under
// cond) the money its lines took that their charges did not ask (excess,
// by УИН), and the mark that it is due back. It returns the payments to
// refund once the transaction commits.
func (r *Refunds) settledTx(tx *dynamo.Tx, upd *expression.UpdateBuilder, cond *expression.ConditionBuilder, pay paymentItem,
	excess map[string]int64, now time.Time) []string {
	if len(excess) == 0 {
		return nil
	}
	cause := RefundDuplicate
	for _, l := range pay.Lines {
		if a, ok := excess[l.UIN]; ok && a < l.Amount {
			cause = RefundOverpaid
		}
	}
	var c expression.ConditionBuilder
	*upd, c = bookExcess(*upd, pay, excess)
	*cond = cond.And(c)
	markDue(tx, pay.ID, cause, now)
	return []string{pay.ID}
}

// notSettled returns a payment the provider took that the portal had
// already ended (canceled or refused): none of it is owed. Once, whatever
// reports it again.
func (r *Refunds) notSettled(ctx context.Context, pay paymentItem, pp ProviderPayment) (paymentItem, error) {
	if pay.Refundable != nil {
		return pay, nil
	}
	logging.From(ctx).Error("the provider took a payment the portal had ended: it is refunded", "payment", pay.ID)
	now := r.d.Clock.Now()
	excess := map[string]int64{}
	for _, l := range pay.Lines {
		excess[l.UIN] += l.Amount
	}
	upd, c := bookExcess(expression.Set(expression.Name("ProviderID"), expression.Value(pp.ID)).
		Set(expression.Name("UpdatedAt"), expression.Value(stamp(now))), pay, excess)
	cond := expression.Name("Status").In(expression.Value(PaymentCanceled), expression.Value(PaymentFailed)).And(c)
	tx := (&dynamo.Tx{}).Update(dynamo.PaymentKey(pay.ID), upd, &cond)
	markDue(tx, pay.ID, RefundNotSettled, now)
	if err := r.d.DB.Transact(ctx, "", tx); err != nil && !problem.Is(err, problem.KindConflict) {
		return pay, err
	}
	r.refundAllDue(ctx, []string{pay.ID})
	cur, _, err := r.payment(ctx, pay.ID)
	return cur, err
}

// excessTx adds to tx (which writes ch) the return of over of the credit
// the portal's payments gave ch, oldest payment first: their credit and
// money are taken back from ch, and the money is booked as not owed on
// each payment. It returns the payments to refund once tx commits.
func (r *Refunds) excessTx(ctx context.Context, tx *dynamo.Tx, ch *chargeItem, over int64, cause string, now time.Time) ([]string, error) {
	if over <= 0 {
		return nil, nil
	}
	parts := slices.Clone(ch.Portal)
	if len(parts) == 0 && ch.PaymentID != "" {
		// A charge paid before the portal kept its parts: its one payment.
		pay, exists, err := r.payment(ctx, ch.PaymentID)
		if err != nil {
			return nil, err
		}
		for _, l := range pay.Lines {
			if exists && l.UIN == ch.UIN {
				parts = []portalPart{{Payment: pay.ID, Money: l.Amount, Credit: ch.PortalPaid}}
			}
		}
	}
	back := map[string]int64{}
	var order []string
	left := over
	for i := range parts {
		c := min(left, parts[i].Credit)
		if c <= 0 {
			continue
		}
		money := parts[i].Money
		if c < parts[i].Credit {
			money = c * parts[i].Money / parts[i].Credit
		}
		parts[i].Credit, parts[i].Money, left = parts[i].Credit-c, parts[i].Money-money, left-c
		if money > 0 {
			if back[parts[i].Payment] == 0 {
				order = append(order, parts[i].Payment)
			}
			back[parts[i].Payment] += money
		}
	}
	if left > 0 {
		logging.From(ctx).Error("credit of a charge not found among its payments", "uin", ch.UIN, "credit", left)
	}
	ch.Portal, ch.PortalPaid = parts, ch.PortalPaid-(over-left)
	for _, id := range order {
		pay, exists, err := r.payment(ctx, id)
		if err != nil {
			return nil, err
		}
		if !exists || pay.ProviderID == "" {
			return nil, problem.Internal(fmt.Errorf("payments: charge %s names payment %s, which is not a settled payment", ch.UIN, id))
		}
		ch.Refunded += back[id]
		upd, cond := bookExcess(expression.Set(expression.Name("UpdatedAt"), expression.Value(stamp(now))), pay, map[string]int64{ch.UIN: back[id]})
		tx.Update(dynamo.PaymentKey(id), upd, &cond)
		markDue(tx, id, cause, now)
	}
	return order, nil
}

// overpaidTx adds to tx (which writes ch, an agency's post of it) the
// return of what the portal took beyond what ch now asks: the agency
// lowered it, or reports it paid elsewhere too (PaidAmount above
// paidElsewhere, what it said before). A charge being paid is left to its
// payment's settlement, which returns the same.
func (r *Refunds) overpaidTx(ctx context.Context, tx *dynamo.Tx, ch *chargeItem, paidElsewhere int64, now time.Time) ([]string, error) {
	if ch.Status == StatusPending || ch.Status == StatusCancelled {
		return nil, nil
	}
	over := min(ch.paid()-ch.Amount, ch.PortalPaid)
	if over <= 0 {
		return nil, nil
	}
	cause := RefundOverpaid
	if ch.PaidAmount > paidElsewhere {
		cause = RefundDuplicate
	}
	due, err := r.excessTx(ctx, tx, ch, over, cause, now)
	ch.Status = statusFor(ch.paid(), ch.Amount)
	return due, err
}

// Making refunds.

func newRefund(pay paymentItem, id string, lines []RefundLine, cause, initiator string, now time.Time) refundItem {
	k := dynamo.RefundKey(pay.ID, id)
	var total int64
	for _, l := range lines {
		total += l.Amount
	}
	return refundItem{PK: k.PK, SK: k.SK, Kind: kindRefund, ID: id, PaymentID: pay.ID, Sub: pay.Sub, Status: RefundPending, Amount: total,
		Lines: lines, Cause: cause, Initiator: initiator, ProviderPaymentID: pay.ProviderID, CreatedAt: stamp(now), UpdatedAt: stamp(now),
		GSI2PK: dynamo.OpenRefundsPK, GSI2SK: sortStamp(now) + "#" + pay.ID + "#" + id}
}

// errNothingDue says a refund would return nothing.
var errNothingDue = errors.New("payments: nothing left to refund")

// reserve makes refund id of pay: the lines pick chooses of the payment as
// read, taken from RefundLeft under the condition that enough is left,
// with the payer's note, in one transaction. A race lost to another refund
// re-reads the payment and picks again; pick's error (or errNothingDue)
// ends it. A refund of the id already made (an earlier attempt that
// committed) is returned.
func (r *Refunds) reserve(ctx context.Context, pay paymentItem, id string, pick func(paymentItem) ([]RefundLine, error),
	cause, initiator string) (refundItem, error) {
	for attempt := 0; ; attempt++ {
		lines, err := pick(pay)
		if err != nil {
			return refundItem{}, err
		}
		if len(lines) == 0 {
			return refundItem{}, errNothingDue
		}
		now := r.d.Clock.Now()
		rf := newRefund(pay, id, lines, cause, initiator, now)
		upd := expression.Set(expression.Name("UpdatedAt"), expression.Value(stamp(now)))
		cond := expression.AttributeExists(expression.Name("ProviderID"))
		for _, l := range lines {
			name := expression.Name("RefundLeft." + l.UIN)
			upd = upd.Set(name, expression.Minus(name, expression.Value(l.Amount)))
			cond = cond.And(name.GreaterThanEqual(expression.Value(l.Amount)))
		}
		tx := (&dynamo.Tx{}).Create(rf).Update(dynamo.PaymentKey(pay.ID), upd, &cond)
		if _, err := r.d.Inbox.Add(tx, inbox.Note{Sub: pay.Sub, Type: messages.RefundStarted, Vars: messages.Vars{"Amount": rf.Amount,
			"Reason": refundCauses[cause], "Link": r.paymentLink(pay.ID)}}, now); err != nil {
			return refundItem{}, err
		}
		err = r.d.DB.Transact(ctx, "", tx)
		if err == nil {
			return rf, nil
		}
		if !retryable(err) || attempt == refundAttempts-1 {
			return refundItem{}, err
		}
		if made, exists, rerr := r.refund(ctx, pay.ID, id); rerr != nil || exists {
			return made, rerr
		}
		cur, _, rerr := r.payment(ctx, pay.ID)
		if rerr != nil {
			return refundItem{}, rerr
		}
		pay = cur
	}
}

// allDue picks every line with money left to refund.
func allDue(pay paymentItem) ([]RefundLine, error) {
	var out []RefundLine
	for _, l := range pay.Lines {
		if a := pay.RefundLeft[l.UIN]; a > 0 && !slices.ContainsFunc(out, func(o RefundLine) bool { return o.UIN == l.UIN }) {
			out = append(out, RefundLine{UIN: l.UIN, Amount: a})
		}
	}
	return out, nil
}

// refundDue makes the automatic refund of what is left to refund of a
// payment marked due, and asks the provider. Done already (the mark gone),
// it does nothing.
func (r *Refunds) refundDue(ctx context.Context, paymentID string) error {
	var due refundDueItem
	if err := r.d.DB.Get(ctx, dynamo.RefundDueKey(paymentID), "возврат", &due); err != nil {
		if problem.Is(err, problem.KindNotFound) {
			return nil
		}
		return err
	}
	pay, exists, err := r.payment(ctx, paymentID)
	if err != nil {
		return err
	}
	if !exists || pay.ProviderID == "" {
		return problem.Internal(fmt.Errorf("payments: money due back of payment %s, which the provider did not take", paymentID))
	}
	rf, err := r.reserve(ctx, pay, newPaymentID(r.d.Clock.Now()), allDue, due.Cause, RefundByPortal)
	if err != nil && !errors.Is(err, errNothingDue) { // nothing: the payer asked for it all first
		return err
	}
	// The mark goes unless money was found again since it was read: the
	// next run refunds that.
	cond := expression.Name(dynamo.AttrGSI2SK).Equal(expression.Value(due.GSI2SK))
	if derr := r.d.DB.Transact(ctx, "", (&dynamo.Tx{}).DeleteIf(dynamo.RefundDueKey(paymentID), cond)); derr != nil && !problem.Is(derr, problem.KindConflict) {
		logging.From(ctx).Warn("mark of a refund due not cleared", "payment", paymentID, "err", derr)
	}
	if errors.Is(err, errNothingDue) {
		return nil
	}
	_, err = r.send(ctx, rf)
	return err
}

// refundAllDue refunds what is due of the payments after the change that
// found it committed; what fails is logged and left to the
// reconciliation.
func (r *Refunds) refundAllDue(ctx context.Context, paymentIDs []string) {
	for _, id := range paymentIDs {
		if err := r.refundDue(ctx, id); err != nil {
			logging.From(ctx).Warn("refund left to the reconciliation", "payment", id, "err", err)
		}
	}
}

// The provider's side.

// send asks the provider for a pending refund (again, under its own id as
// the key, which returns the refund the provider made) and applies what it
// answers. An answer that does not come leaves the refund pending for the
// reconciliation; a refusal cancels it.
func (r *Refunds) send(ctx context.Context, rf refundItem) (refundItem, error) {
	if !r.canRefund() || rf.Status != RefundPending {
		return rf, nil
	}
	pr, err := r.d.Refunder.Refund(ctx, NewRefund{IdempotenceKey: rf.ID, PaymentID: rf.ProviderPaymentID, Amount: rf.Amount,
		Description: fmt.Sprintf("Возврат по платежу %s: %s", rf.PaymentID, refundCauses[rf.Cause])})
	switch {
	case problem.Is(err, problem.KindUnavailable):
		logging.From(ctx).Warn("refund not answered: left to the reconciliation", "refund", rf.ID, "err", err)
		return rf, nil
	case problem.Is(err, problem.KindInvalid), problem.Is(err, problem.KindConflict):
		logging.From(ctx).Error("provider refused a refund", "refund", rf.ID, "err", err)
		return r.cancel(ctx, rf, "Платёжная система отклонила возврат")
	case err != nil:
		logging.From(ctx).Error("refund not made: left to the reconciliation", "refund", rf.ID, "err", err)
		return rf, nil
	}
	return r.apply(ctx, rf, pr)
}

// refundCancelReasons are the provider's reasons for a canceled refund, as
// the payer reads them.
var refundCancelReasons = map[string]string{
	"general_decline":          "Банк отклонил возврат",
	"insufficient_funds":       "Платёжная система не смогла провести возврат: повторите позже",
	"rejected_by_payee":        "Банк, выпустивший карту, отклонил возврат",
	"yoo_money_account_closed": "Счёт, с которого был оплачен платёж, закрыт",
}

// apply brings a refund to what the provider reports of it.
func (r *Refunds) apply(ctx context.Context, rf refundItem, pr ProviderRefund) (refundItem, error) {
	if pr.Amount != rf.Amount || pr.PaymentID != rf.ProviderPaymentID {
		logging.From(ctx).Error("the provider reports another refund: left pending for an operator", "refund", rf.ID)
		return rf, nil
	}
	switch pr.Status {
	case ProviderRefundSucceeded:
		return r.finish(ctx, rf, pr)
	case ProviderRefundCanceled:
		reason := refundCancelReasons[pr.CancellationReason]
		if reason == "" {
			reason = "Платёжная система отменила возврат"
		}
		return r.cancel(ctx, rf, reason)
	}
	if rf.ProviderID == pr.ID {
		return rf, nil
	}
	cond := expression.Name("Status").Equal(expression.Value(RefundPending))
	upd := expression.Set(expression.Name("ProviderID"), expression.Value(pr.ID)).Set(expression.Name("UpdatedAt"), expression.Value(stamp(r.d.Clock.Now())))
	if err := r.d.DB.Update(ctx, dynamo.RefundKey(rf.PaymentID, rf.ID), upd, &cond); err != nil && !problem.Is(err, problem.KindConflict) {
		return rf, err
	}
	cur, _, err := r.refund(ctx, rf.PaymentID, rf.ID)
	return cur, err
}

// ended runs the end of a refund once: change builds its transaction
// from the refund and the payment as they are; a refund no longer pending
// is returned as it is.
func (r *Refunds) ended(ctx context.Context, rf refundItem, change func(rf refundItem, pay paymentItem) (*dynamo.Tx, error)) (refundItem, error) {
	for attempt := 0; ; attempt++ {
		cur, exists, err := r.refund(ctx, rf.PaymentID, rf.ID)
		if err != nil {
			return rf, err
		}
		if !exists {
			return rf, problem.Internal(fmt.Errorf("payments: refund %s is gone", rf.ID))
		}
		if cur.Status != RefundPending {
			return cur, nil
		}
		pay, _, err := r.payment(ctx, rf.PaymentID)
		if err != nil {
			return cur, err
		}
		tx, err := change(cur, pay)
		if err == nil {
			err = r.d.DB.Transact(ctx, "", tx)
		}
		if err == nil {
			cur, _, err = r.refund(ctx, rf.PaymentID, rf.ID)
			return cur, err
		}
		if !retryable(err) || attempt == refundAttempts-1 {
			return cur, err
		}
	}
}

// journalTx adds the refund's journal entry to tx.
func (r *Refunds) journalTx(ctx context.Context, tx *dynamo.Tx, rf refundItem, summary string) error {
	head, err := r.d.Journal.Head(ctx, rf.Sub)
	if err != nil {
		return err
	}
	a := journal.ActorSystem
	if rf.Initiator == RefundByPayer {
		a = journal.ActorCitizen
	}
	_, err = r.d.Journal.AppendTx(ctx, tx, head, rf.Sub, journal.Entry{Type: journalRefund, Summary: summary, Actor: a})
	return err
}

func refundEnd(upd expression.UpdateBuilder, status string, now time.Time) expression.UpdateBuilder {
	return upd.Set(expression.Name("Status"), expression.Value(status)).Set(expression.Name("EndedAt"), expression.Value(stamp(now))).
		Set(expression.Name("UpdatedAt"), expression.Value(stamp(now))).
		Remove(expression.Name(dynamo.AttrGSI2PK)).Remove(expression.Name(dynamo.AttrGSI2SK))
}

// finish records a refund the provider made, once: the refund with its
// receipt among the payer's documents, the payment's refunded sum, the
// note and the journal entry, in one transaction.
func (r *Refunds) finish(ctx context.Context, rf refundItem, pr ProviderRefund) (refundItem, error) {
	name, err := r.d.People.FullName(ctx, rf.Sub)
	if err != nil {
		return rf, err
	}
	// The receipt is issued once, for every attempt; it stays only if the
	// refund ended with it.
	var rec *issued.Result
	defer func() {
		if rec == nil {
			return
		}
		if cur, _, err := r.refund(ctx, rf.PaymentID, rf.ID); err == nil && cur.ReceiptID != rec.DocumentID {
			if derr := r.d.Receipts.Discard(ctx, rec); derr != nil {
				logging.From(ctx).Error("receipt of a failed refund's end not deleted", "refund", rf.ID, "err", derr)
			}
		}
	}()
	return r.ended(ctx, rf, func(rf refundItem, pay paymentItem) (*dynamo.Tx, error) {
		now := r.d.Clock.Now()
		if rec == nil {
			issuedRec, err := r.d.Receipts.Issue(ctx, refundReceiptRequest(rf, pay, pr, name, now))
			if err != nil {
				return nil, err
			}
			rec = issuedRec
		}
		cond := expression.Name("Status").Equal(expression.Value(RefundPending))
		upd := refundEnd(expression.Set(expression.Name("ProviderID"), expression.Value(pr.ID)), RefundSucceeded, now).
			Set(expression.Name("ReceiptID"), expression.Value(rec.DocumentID)).Set(expression.Name("ReceiptNumber"), expression.Value(rec.Number)).
			Set(expression.Name("ReceiptCode"), expression.Value(rec.Code))
		tx := (&dynamo.Tx{}).Update(dynamo.RefundKey(rf.PaymentID, rf.ID), upd, &cond)
		refunded := expression.Name("Refunded")
		tx.Update(dynamo.PaymentKey(rf.PaymentID), expression.Set(refunded,
			expression.Plus(expression.IfNotExists(refunded, expression.Value(0)), expression.Value(rf.Amount))), nil)
		if _, err := r.d.Inbox.Add(tx, inbox.Note{Sub: rf.Sub, Type: messages.RefundDone, Vars: messages.Vars{"Amount": rf.Amount,
			"Link": r.paymentLink(rf.PaymentID)}}, now); err != nil {
			return nil, err
		}
		summary := fmt.Sprintf("Возврат %s по платежу %s: %s", rub(rf.Amount), rf.PaymentID, refundCauses[rf.Cause])
		if err := r.journalTx(ctx, tx, rf, summary); err != nil {
			return nil, err
		}
		rec.Record(tx, rf.Sub)
		return tx, nil
	})
}

// cancel ends a refund the provider did not make: its money is left to
// refund again, on the payer's request.
func (r *Refunds) cancel(ctx context.Context, rf refundItem, reason string) (refundItem, error) {
	return r.ended(ctx, rf, func(rf refundItem, _ paymentItem) (*dynamo.Tx, error) {
		now := r.d.Clock.Now()
		cond := expression.Name("Status").Equal(expression.Value(RefundPending))
		upd := refundEnd(expression.Set(expression.Name("CancelReason"), expression.Value(reason)), RefundCanceled, now)
		tx := (&dynamo.Tx{}).Update(dynamo.RefundKey(rf.PaymentID, rf.ID), upd, &cond)
		back := expression.Set(expression.Name("UpdatedAt"), expression.Value(stamp(now)))
		for _, l := range rf.Lines {
			name := expression.Name("RefundLeft." + l.UIN)
			back = back.Set(name, expression.Plus(name, expression.Value(l.Amount)))
		}
		tx.Update(dynamo.PaymentKey(rf.PaymentID), back, nil)
		if _, err := r.d.Inbox.Add(tx, inbox.Note{Sub: rf.Sub, Type: messages.RefundCanceled, Vars: messages.Vars{"Amount": rf.Amount,
			"Reason": reason, "Link": r.paymentLink(rf.PaymentID)}}, now); err != nil {
			return nil, err
		}
		summary := fmt.Sprintf("Возврат %s по платежу %s не выполнен: %s", rub(rf.Amount), rf.PaymentID, reason)
		if err := r.journalTx(ctx, tx, rf, summary); err != nil {
			return nil, err
		}
		return tx, nil
	})
}

// sync asks the provider about a pending refund: again under its key when
// its first answer never came, by its id otherwise.
func (r *Refunds) sync(ctx context.Context, rf refundItem) (refundItem, error) {
	if rf.ProviderID == "" {
		return r.send(ctx, rf)
	}
	pr, err := r.d.Refunder.GetRefund(ctx, rf.ProviderID)
	if err != nil {
		return rf, err
	}
	return r.apply(ctx, rf, pr)
}

// notified handles the provider's notification of a refund: it names a
// refund, which is fetched from the provider; the payment it refunds (ours
// by its metadata) then has every pending refund brought to what the
// provider says. A refund or payment the provider does not know, or not
// ours, is ignored.
func (r *Refunds) notified(ctx context.Context, n Notification) error {
	if !r.canRefund() {
		return nil
	}
	pr, err := r.d.Refunder.GetRefund(ctx, n.ObjectID)
	if problem.Is(err, problem.KindNotFound) {
		logging.From(ctx).Warn("notification of a refund the provider does not know", "event", string(n.Event))
		return nil
	}
	if err != nil {
		return err
	}
	pay, _, ours, err := notified(ctx, r.d, pr.PaymentID, n.Event)
	if err != nil || !ours {
		return err
	}
	return r.syncPayment(ctx, pay.ID)
}

// syncPayment brings every pending refund of a payment to what the
// provider says.
func (r *Refunds) syncPayment(ctx context.Context, paymentID string) error {
	var failed []error
	page := dynamo.Page{Partition: dynamo.PaymentPK(paymentID), Prefix: dynamo.RefundPrefix, Forward: true, Consistent: true}
	err := eachItem(ctx, r.d.DB, page, func(rf refundItem) {
		if rf.Status != RefundPending {
			return
		}
		if _, err := r.sync(ctx, rf); err != nil {
			failed = append(failed, err)
		}
	})
	return errors.Join(append(failed, err)...)
}

// eachItem calls fn with every item of the pages from page on.
func eachItem[T any](ctx context.Context, db *dynamo.Store, page dynamo.Page, fn func(T)) error {
	for {
		var items []T
		next, err := db.Query(ctx, page, &items)
		if err != nil {
			return err
		}
		for _, it := range items {
			fn(it)
		}
		if next == "" {
			return nil
		}
		page.Cursor = next
	}
}

// RefundStats is what a run of Reconcile did.
type RefundStats struct {
	// Due are payments whose money found not owed was refunded now.
	Due int
	// Checked are pending refunds asked of the provider, Ended those it
	// had ended.
	Checked, Ended, Failed int
}

// Reconcile finishes what failures left: money found not owed of
// payments marked due for longer than after is refunded, and refunds
// pending longer than after are asked of the provider (again under their
// key when their first answer never came).
func (r *Refunds) Reconcile(ctx context.Context, after time.Duration) (RefundStats, error) {
	var st RefundStats
	before := sortStamp(r.d.Clock.Now().Add(-after))
	due := dynamo.Page{Index: dynamo.IndexGSI2, Partition: dynamo.DueRefundsPK, From: "0", To: before, Forward: true}
	if err := eachItem(ctx, r.d.DB, due, func(it refundDueItem) {
		if err := r.refundDue(ctx, it.PaymentID); err != nil {
			st.Failed++
			logging.From(ctx).Error("refund due not made", "payment", it.PaymentID, "err", err)
			return
		}
		st.Due++
	}); err != nil {
		return st, err
	}
	open := dynamo.Page{Index: dynamo.IndexGSI2, Partition: dynamo.OpenRefundsPK, From: "0", To: before, Forward: true}
	err := eachItem(ctx, r.d.DB, open, func(it refundItem) {
		rf, exists, err := r.refund(ctx, it.PaymentID, it.ID)
		if err != nil || !exists || rf.Status != RefundPending {
			return
		}
		st.Checked++
		switch rf, err = r.sync(ctx, rf); {
		case err != nil:
			st.Failed++
			logging.From(ctx).Error("refund not reconciled", "refund", rf.ID, "err", err)
		case rf.Status != RefundPending:
			st.Ended++
		}
	})
	return st, err
}

// The payer's side.

// RefundRequest is what the payer asks back of a payment.
type RefundRequest struct {
	// Amount is in kopecks (a JSON integer); absent: all that may be
	// asked back.
	Amount json.RawMessage `json:"amount,omitempty"`
	// UIN keeps the refund to one charge of the payment.
	UIN string `json:"uin,omitempty"`
}

// check reads the request: the amount (0 when absent) and the УИН.
func (in RefundRequest) check() (int64, string, error) {
	var f []problem.Field
	var amount int64
	if raw := strings.TrimSpace(string(in.Amount)); raw != "" && raw != "null" {
		if len(raw) > 12 || strings.Trim(raw, "0123456789") != "" || raw[0] == '0' {
			f = append(f, problem.Field{Field: "amount", Code: "refund.amount", Message: "Сумма возврата — целое число копеек больше нуля"})
		} else {
			for _, d := range raw {
				amount = amount*10 + int64(d-'0')
			}
		}
	}
	uin := in.UIN
	if uin != "" {
		var err error
		if uin, err = ValidUIN("uin", uin); err != nil {
			pe, _ := problem.As(err)
			f = append(f, pe.Fields...)
		}
	}
	if len(f) > 0 {
		return 0, "", problem.Invalid(f...)
	}
	return amount, uin, nil
}

// asked picks the lines of a payer's request: amount (0: all there is)
// of the one charge uin, or of the payment's charges in their order.
func asked(amount int64, uin string) func(paymentItem) ([]RefundLine, error) {
	return func(pay paymentItem) ([]RefundLine, error) {
		var avail int64
		for _, l := range pay.Lines {
			if uin == "" || l.UIN == uin {
				avail += pay.RefundLeft[l.UIN]
			}
		}
		if uin != "" && !slices.ContainsFunc(pay.Lines, func(l PaymentLine) bool { return l.UIN == uin }) {
			return nil, problem.Invalid(problem.Field{Field: "uin", Code: "refund.uin", Message: "Этого начисления нет в платеже"})
		}
		if avail == 0 {
			return nil, problem.Conflict("nothing_to_refund",
				"По этому платежу возвращать нечего: возвращаются только деньги, списанные повторно, сверх начисления или за аннулированное начисление").
				With("refundable", int64(0))
		}
		if amount == 0 {
			amount = avail
		}
		if amount > avail {
			return nil, problem.Invalid(problem.Field{Field: "amount", Code: "refund.amount_above_refundable",
				Message: "Вернуть можно не больше " + rub(avail)})
		}
		var out []RefundLine
		left := amount
		for _, l := range pay.Lines {
			if left == 0 || (uin != "" && l.UIN != uin) || slices.ContainsFunc(out, func(o RefundLine) bool { return o.UIN == l.UIN }) {
				continue
			}
			if a := min(left, pay.RefundLeft[l.UIN]); a > 0 {
				out = append(out, RefundLine{UIN: l.UIN, Amount: a})
				left -= a
			}
		}
		return out, nil
	}
}

var refundClaim = claimWords{
	reused:   "Этот Idempotency-Key уже использован для другого возврата: для нового возврата нужен новый ключ",
	inFlight: "Этот возврат уже обрабатывается: дождитесь ответа на первый запрос",
}

// Request returns to the payer money of their payment found not owed
// (the part a failed refund gave back, or that no automatic refund took
// yet), once per Idempotency-Key, as Pay is. Errors: BadRequest (the key),
// Invalid (amount, uin, a reused key; amount above what may be asked back),
// NotFound (not the person's payment), Conflict (nothing to ask back, the
// key in flight).
func (r *Refunds) Request(ctx context.Context, a actor.Actor, paymentID, key string, in RefundRequest) (RefundView, error) {
	sub, err := person(a)
	if err != nil {
		return RefundView{}, err
	}
	if err := CheckKey(key); err != nil {
		return RefundView{}, err
	}
	amount, uin, err := in.check()
	if err != nil {
		return RefundView{}, err
	}
	pay, exists, err := r.payment(ctx, paymentID)
	if err != nil {
		return RefundView{}, err
	}
	if !exists || pay.Sub != sub {
		return RefundView{}, problem.NotFound("платёж")
	}
	now := r.d.Clock.Now()
	k := dynamo.IdempotencyKey(sub, "R"+keyHash(key))
	sum := sha256.Sum256(fmt.Appendf(nil, "%s|%d|%s", pay.ID, amount, uin))
	c, first, err := claim(ctx, r.d.DB, k, hex.EncodeToString(sum[:]), now, refundClaim)
	if err != nil {
		return RefundView{}, err
	}
	if first != "" {
		var v RefundView
		if err := json.Unmarshal([]byte(first), &v); err != nil {
			return RefundView{}, fmt.Errorf("payments: stored refund answer: %w", err)
		}
		return v, nil
	}
	rf, exists, err := r.refund(ctx, pay.ID, c.PaymentID)
	if err == nil && !exists {
		rf, err = r.reserve(ctx, pay, c.PaymentID, asked(amount, uin), RefundRequested, RefundByPayer)
	}
	if err != nil {
		// Refused as it stands, nothing was made; otherwise the refund
		// may exist, and a repeat finds it.
		releaseClaim(ctx, r.d.DB, k, !problem.Is(err, problem.KindInvalid) && !problem.Is(err, problem.KindConflict), now)
		return RefundView{}, err
	}
	if rf, err = r.send(ctx, rf); err != nil {
		logging.From(ctx).Error("refund left pending", "refund", rf.ID, "err", err)
	}
	v := rf.view()
	answerClaim(ctx, r.d.DB, k, v)
	return v, nil
}

// List is a page of the refunds of one of the person's payments, oldest
// first. Another person's payment is NotFound.
func (r *Refunds) List(ctx context.Context, a actor.Actor, paymentID, cursor string, limit int32) ([]RefundView, string, error) {
	sub, err := person(a)
	if err != nil {
		return nil, "", err
	}
	pay, exists, err := r.payment(ctx, paymentID)
	if err != nil {
		return nil, "", err
	}
	if !exists || pay.Sub != sub {
		return nil, "", problem.NotFound("платёж")
	}
	return r.list(ctx, pay.ID, cursor, int(limit))
}

func (r *Refunds) list(ctx context.Context, paymentID, cursor string, limit int) ([]RefundView, string, error) {
	items, next, err := dynamo.Collect(ctx, r.d.DB, dynamo.Page{Partition: dynamo.PaymentPK(paymentID), Prefix: dynamo.RefundPrefix, Forward: true,
		Cursor: cursor}, limit, func(refundItem) bool { return true })
	if err != nil {
		return nil, "", err
	}
	out := make([]RefundView, 0, len(items))
	for _, it := range items {
		out = append(out, it.view())
	}
	return out, next, nil
}

// The receipt.

// RefundReceipt is what a refund's receipt prints (issued.Request.Content):
// receiptpdf renders it.
type RefundReceipt struct {
	RefundID  string
	PaymentID string
	// PaymentReceipt is the number of the refunded payment's receipt.
	PaymentReceipt string
	// ProviderID is the provider's refund, ProviderPaymentID its payment.
	ProviderID, ProviderPaymentID string
	RefundedAt                    time.Time
	PaidAt                        time.Time
	Payer                         string
	Reason                        string
	Total                         int64
	Lines                         []ReceiptLine
}

// RefundReceiptTitle is what a refund's receipt is called among the
// person's documents.
const RefundReceiptTitle = "Чек возврата"

func refundReceiptNumber(rf refundItem) string {
	return "ВЗ-" + strings.ToUpper(strings.ReplaceAll(rf.ID, "_", ""))
}

func refundReceiptRequest(rf refundItem, pay paymentItem, pr ProviderRefund, name accounts.FullName, at time.Time) issued.Request {
	rc := RefundReceipt{RefundID: rf.ID, PaymentID: pay.ID, PaymentReceipt: pay.ReceiptNumber, ProviderID: pr.ID, ProviderPaymentID: pr.PaymentID,
		RefundedAt: at, PaidAt: parseStamp(pay.PaidAt), Payer: strings.Join(strings.Fields(name.Surname+" "+name.Name+" "+name.Patronymic), " "),
		Reason: refundCauses[rf.Cause], Total: rf.Amount}
	var payees []string
	for _, rl := range rf.Lines {
		for _, l := range pay.Lines {
			if l.UIN != rl.UIN {
				continue
			}
			title := Agencies[l.Agency].Title
			rc.Lines = append(rc.Lines, ReceiptLine{UIN: l.UIN, Kind: kindNames[l.Kind], Purpose: l.Purpose, Agency: title, Payee: l.Payee, Amount: rl.Amount})
			if !slices.Contains(payees, title) {
				payees = append(payees, title)
			}
			break
		}
	}
	number := refundReceiptNumber(rf)
	return issued.Request{Sub: rf.Sub, Number: number, FileName: RefundReceiptTitle + " " + number + ".pdf", ServiceTitle: RefundReceiptTitle,
		DepartmentTitle: strings.Join(payees, ", "), IssuedAt: at, Content: rc,
		Applicant: issued.Applicant{Surname: name.Surname, Name: name.Name, Patronymic: name.Patronymic}}
}
