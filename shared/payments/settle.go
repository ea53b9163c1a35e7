package payments

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/issued"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/problem"
)

// What the provider says happened is believed only as Provider.Get (or a
// repeated Create) returns it, and applied under the payment's status as a
// condition: whichever of a notification, its duplicate, a late one, the
// payer's return or the reconciliation gets there first settles the
// payment, and the rest find nothing left to do.

// Notify handles a provider's HTTP notification: it names a payment, whose
// state is then fetched from the provider and applied. A malformed body is
// BadRequest; a payment that is not ours is ignored (logged); a failure to
// reach the provider or to record the outcome is returned, so the provider
// sends the notification again.
func (p *Payments) Notify(ctx context.Context, body []byte) error {
	n, err := ParseNotification(body)
	if err != nil {
		return err
	}
	if n.IsRefund() {
		return p.refunds.notified(ctx, n)
	}
	if !n.IsPayment() {
		return nil
	}
	pay, pp, ours, err := notified(ctx, p.d, n.ObjectID, n.Event)
	switch {
	case err != nil:
		return err
	case pp.Metadata["method"] != "":
		return p.methods.linkNotified(ctx, pp)
	case !ours:
		return nil
	}
	_, err = p.apply(ctx, pay, pp)
	return err
}

// notified fetches the provider's payment a notification names (event),
// and the portal's payment it is (by its metadata). ours is false (and
// logged) when the provider does not know it or it is not the portal's.
func notified(ctx context.Context, d Deps, providerID string, event Event) (paymentItem, ProviderPayment, bool, error) {
	pp, err := d.Provider.Get(ctx, providerID)
	if problem.Is(err, problem.KindNotFound) {
		logging.From(ctx).Warn("notification of a payment the provider does not know", "event", string(event))
		return paymentItem{}, pp, false, nil
	}
	if err != nil {
		return paymentItem{}, pp, false, err
	}
	if pp.Metadata["method"] != "" {
		return paymentItem{}, pp, false, nil // a card's verification hold: Methods'
	}
	var pay paymentItem
	err = d.DB.Get(ctx, dynamo.PaymentKey(pp.Metadata["payment"]), "платёж", &pay)
	if problem.Is(err, problem.KindNotFound) || (err == nil && pay.ProviderID != "" && pay.ProviderID != pp.ID) {
		logging.From(ctx).Warn("notification of a payment that is not ours", "event", string(event))
		return paymentItem{}, pp, false, nil
	}
	return pay, pp, err == nil, err
}

// apply brings pay to what the provider reports and returns it as it then
// is.
func (p *Payments) apply(ctx context.Context, pay paymentItem, pp ProviderPayment) (paymentItem, error) {
	if pp.Amount != pay.Amount {
		return pay, p.flag(ctx, pay, "сумма у платёжной системы отличается от суммы платежа")
	}
	if pp.Test && !p.d.TestPayments {
		return pay, p.flag(ctx, pay, "тестовый платёж в рабочей системе")
	}
	switch pp.Status {
	case ProviderSucceeded:
		switch pay.Status {
		case PaymentSucceeded:
			return pay, nil
		case PaymentCanceled, PaymentFailed:
			// The portal ended it, yet the provider took the money.
			return p.refunds.notSettled(ctx, pay, pp)
		}
		return p.complete(ctx, pay, pp)
	case ProviderCanceled:
		if paymentFinal(pay.Status) {
			return pay, nil
		}
		reason := cancelReasons[pp.CancellationReason]
		if reason == "" {
			reason = "Платёж отменён"
		}
		if err := p.release(ctx, pay, PaymentCanceled, reason); err != nil {
			return pay, err
		}
		p.methodEnded(ctx, pay, pp.CancellationReason)
		return p.reread(ctx, pay)
	}
	if pay.Status != PaymentCreated {
		return pay, nil
	}
	upd := expression.Set(expression.Name("Status"), expression.Value(PaymentPending)).
		Set(expression.Name("ProviderID"), expression.Value(pp.ID)).
		Set(expression.Name("ConfirmationURL"), expression.Value(pp.ConfirmationURL)).
		Set(expression.Name("UpdatedAt"), expression.Value(stamp(p.d.Clock.Now())))
	cond := expression.Name("Status").Equal(expression.Value(PaymentCreated))
	if err := p.d.DB.Update(ctx, dynamo.PaymentKey(pay.ID), upd, &cond); err != nil && !problem.Is(err, problem.KindConflict) {
		return pay, err
	}
	return p.reread(ctx, pay)
}

func (p *Payments) reread(ctx context.Context, pay paymentItem) (paymentItem, error) {
	cur, _, err := p.payment(ctx, pay.ID)
	return cur, err
}

// cancelReasons are the provider's cancellation reasons as the payer
// reads them.
var cancelReasons = map[string]string{
	"expired_on_confirmation":   "Время на оплату истекло",
	"insufficient_funds":        "Недостаточно средств",
	"general_decline":           "Банк отклонил платёж",
	"card_expired":              "Истёк срок действия карты",
	"canceled_by_merchant":      "Платёж отменён порталом",
	"3d_secure_failed":          "Не пройдено подтверждение платежа в банке",
	"call_issuer":               "Банк отклонил платёж: обратитесь в банк",
	"fraud_suspected":           "Платёж заблокирован банком",
	"payment_method_restricted": "Этот способ оплаты недоступен",
	"permission_revoked":        "Разрешение на списание с карты отозвано в банке",
}

// release ends an unpaid payment (canceled by the provider, or refused when
// it was made): its charges are free to pay again.
func (p *Payments) release(ctx context.Context, pay paymentItem, status, reason string) error {
	for attempt := 0; ; attempt++ {
		chs, links, err := p.held(ctx, pay.Sub, uinsOf(pay))
		if err != nil {
			return err
		}
		now := stamp(p.d.Clock.Now())
		tx := &dynamo.Tx{}
		cond := expression.Name("Status").In(expression.Value(PaymentCreated), expression.Value(PaymentPending))
		tx.Update(dynamo.PaymentKey(pay.ID), expression.Set(expression.Name("Status"), expression.Value(status)).
			Set(expression.Name("CancelReason"), expression.Value(reason)).Set(expression.Name("UpdatedAt"), expression.Value(now)).
			Remove(expression.Name(dynamo.AttrGSI2PK)).Remove(expression.Name(dynamo.AttrGSI2SK)), &cond)
		// What did not go through counts against no limit.
		uncountUsage(tx, pay.Sub, pay.Amount, parseStamp(pay.CreatedAt))
		if err := p.autopayReleasedTx(ctx, tx, pay, reason); err != nil {
			return err
		}
		for i, ch := range chs {
			if ch.PaymentID != pay.ID {
				continue
			}
			free := ch
			free.Status, free.PaymentID, free.UpdatedAt, free.V = statusFor(ch.paid(), ch.Amount), "", now, ch.V+1
			putCharge(tx, free, ch.V)
			p.putLink(tx, pay.Sub, free, links[i])
		}
		err = p.d.DB.Transact(ctx, "", tx)
		if err == nil {
			p.syncOthers(ctx, pay.Sub, uinsOf(pay))
			return nil
		}
		if !retryable(err) || attempt == maxAttempts-1 {
			return err
		}
		cur, _, rerr := p.payment(ctx, pay.ID)
		if rerr != nil {
			return rerr
		}
		if paymentFinal(cur.Status) {
			return nil
		}
	}
}

func uinsOf(pay paymentItem) []string {
	out := make([]string, len(pay.Lines))
	for i, l := range pay.Lines {
		out[i] = l.UIN
	}
	return out
}

// receiptNumber is a payment's receipt number: one receipt per payment.
func receiptNumber(pay paymentItem) string {
	return "КВ-" + strings.ToUpper(strings.ReplaceAll(pay.ID, "_", ""))
}

// complete records a succeeded payment, once: the payment, its charges
// paid, the payer's links with their reminders and calendar entries gone,
// the receipt among the payer's documents, the inbox note and the journal
// entry, in one transaction conditioned on the payment not yet settled.
func (p *Payments) complete(ctx context.Context, pay paymentItem, pp ProviderPayment) (paymentItem, error) {
	name, err := p.d.People.FullName(ctx, pay.Sub)
	if err != nil {
		return pay, err
	}
	paidAt := pp.CapturedAt
	if paidAt.IsZero() {
		paidAt = p.d.Clock.Now()
	}
	for attempt := 0; ; attempt++ {
		chs, links, err := p.held(ctx, pay.Sub, uinsOf(pay))
		if err != nil {
			return pay, err
		}
		rec, err := p.d.Receipts.Issue(ctx, p.receiptRequest(pay, pp, name, paidAt))
		if err != nil {
			return pay, err
		}
		tx, stray, back, err := p.completeTx(ctx, pay, pp, chs, links, rec, paidAt)
		if err == nil {
			err = p.d.DB.Transact(ctx, "", tx)
		}
		if err == nil {
			p.syncOthers(ctx, pay.Sub, uinsOf(pay))
			p.refunds.refundAllDue(ctx, back)
			if len(stray) > 0 {
				if ferr := p.flag(ctx, pay, "платёж прошёл, но не все его начисления были за ним закреплены: "+strings.Join(stray, ", ")); ferr != nil {
					logging.From(ctx).Error("payment not flagged", "payment", pay.ID, "err", ferr)
				}
			}
			return p.reread(ctx, pay)
		}
		if derr := p.d.Receipts.Discard(ctx, rec); derr != nil {
			logging.From(ctx).Error("receipt of a failed settlement not deleted", "payment", pay.ID, "err", derr)
		}
		cur, _, rerr := p.payment(ctx, pay.ID)
		if rerr != nil {
			return pay, errors.Join(err, rerr)
		}
		if cur.Status == PaymentSucceeded {
			return cur, nil
		}
		if !retryable(err) || attempt == maxAttempts-1 {
			return pay, err
		}
		pay = cur
	}
}

func (p *Payments) completeTx(ctx context.Context, pay paymentItem, pp ProviderPayment, chs []chargeItem, links []linkItem,
	rec *issued.Result, paidAt time.Time) (*dynamo.Tx, []string, []string, error) {
	now := p.d.Clock.Now()
	at := stamp(paidAt)
	tx := &dynamo.Tx{}
	cond := expression.Name("Status").In(expression.Value(PaymentCreated), expression.Value(PaymentPending))
	upd := expression.Set(expression.Name("Status"), expression.Value(PaymentSucceeded)).
		Set(expression.Name("ProviderID"), expression.Value(pp.ID)).Set(expression.Name("PaidAt"), expression.Value(at)).
		Set(expression.Name("UpdatedAt"), expression.Value(stamp(now))).
		Set(expression.Name("ReceiptID"), expression.Value(rec.DocumentID)).Set(expression.Name("ReceiptNumber"), expression.Value(rec.Number)).
		Set(expression.Name("ReceiptCode"), expression.Value(rec.Code)).
		Remove(expression.Name(dynamo.AttrGSI2PK)).Remove(expression.Name(dynamo.AttrGSI2SK))
	// stray are charges the payment did not hold when it succeeded and
	// are still to pay (it cannot happen while holds are kept, but money
	// came): each is paid all the same, and an operator looks at them.
	// What a line paid beyond what its charge still asked (a charge paid
	// meanwhile, here or elsewhere) is not owed: it goes back (excess).
	var stray []string
	excess := map[string]int64{}
	// Parts of instalment plans pay the charges they are of.
	plans := planPayments{}
	for i, ch := range chs {
		line := pay.Lines[i]
		if ch.PaymentID != pay.ID {
			if !payable(ch.Status) {
				excess[ch.UIN] = line.Amount
				continue
			}
			stray = append(stray, ch.UIN)
		}
		paid := ch
		credit, over := lineCredit(ch, line)
		paid.PortalPaid += credit
		if credit > 0 {
			paid.Portal = append(paid.Portal, portalPart{Payment: pay.ID, Money: line.Amount - over, Credit: credit})
		}
		if over > 0 {
			excess[ch.UIN] = over
		}
		paid.Status, paid.PaymentID, paid.PaidAt, paid.UpdatedAt, paid.V = statusFor(paid.paid(), ch.Amount), pay.ID, at, stamp(now), ch.V+1
		if paid.Status != StatusPaid {
			// Paid in part: the rest is to pay, by another payment.
			paid.PaymentID = ""
		}
		putCharge(tx, paid, ch.V)
		plans.add(ch, paid)
		p.putLink(tx, pay.Sub, paid, links[i])
		old := links[i]
		if err := p.charges.plan(tx, pay.Sub, paid, &old, now); err != nil {
			return nil, nil, nil, err
		}
	}
	if err := p.charges.plansPaidTx(ctx, tx, pay.Sub, plans, now); err != nil {
		return nil, nil, nil, err
	}
	pay.ProviderID = pp.ID
	back := p.refunds.settledTx(tx, &upd, &cond, pay, excess, now)
	tx.Update(dynamo.PaymentKey(pay.ID), upd, &cond)
	purposes := make([]string, len(pay.Lines))
	for i, l := range pay.Lines {
		purposes[i] = l.Purpose
	}
	if _, err := p.d.Inbox.Add(tx, inbox.Note{Sub: pay.Sub, Type: messages.PaymentDone, Vars: messages.Vars{"Amount": pay.Amount,
		// The payment's page of the web client, where the receipt is: an
		// absolute address, so the email carries it too.
		"Purpose": strings.Join(purposes, "; "), "ReceiptLink": strings.TrimRight(p.d.PortalURL, "/") + "/payments/" + pay.ID}}, now); err != nil {
		return nil, nil, nil, err
	}
	head, err := p.d.Journal.Head(ctx, pay.Sub)
	if err != nil {
		return nil, nil, nil, err
	}
	summary, role := fmt.Sprintf("Оплата %s: %s", rub(pay.Amount), strings.Join(uinsOf(pay), ", ")), journal.ActorCitizen
	if pay.Autopay != "" {
		summary, role = "Автоплатёж: "+strings.TrimPrefix(summary, "Оплата "), journal.ActorSystem
	}
	if pay.Card != "" {
		summary += ", карта " + pay.Card
	}
	if _, err := p.d.Journal.AppendTx(ctx, tx, head, pay.Sub, journal.Entry{Type: journal.TypePayment, Summary: summary,
		Actor: role}); err != nil {
		return nil, nil, nil, err
	}
	autopaySettledTx(tx, pay, now)
	rec.Record(tx, pay.Sub)
	return tx, stray, back, nil
}

// flag leaves a payment to an operator: it is listed among the flagged and
// no longer reconciled by itself.
func (p *Payments) flag(ctx context.Context, pay paymentItem, reason string) error {
	logging.From(ctx).Error("payment flagged for an operator", "payment", pay.ID, "reason", reason)
	upd := expression.Set(expression.Name("Flag"), expression.Value(reason)).
		Set(expression.Name(dynamo.AttrGSI2PK), expression.Value(dynamo.FlaggedPaymentsPK)).
		Set(expression.Name(dynamo.AttrGSI2SK), expression.Value(sortStamp(p.d.Clock.Now())+"#"+pay.ID))
	return p.d.DB.Update(ctx, dynamo.PaymentKey(pay.ID), upd, nil)
}

// Reconciliation.

// ReconcileStats is what a run of Reconcile did.
type ReconcileStats struct {
	Checked, Settled, Flagged, Failed int
}

// Reconcile settles the payments left open longer than after by asking the
// provider (a payment whose creation got no answer is created again under
// the same key, which returns the one the provider made); those still open
// after flagAfter are flagged for an operator.
func (p *Payments) Reconcile(ctx context.Context, after, flagAfter time.Duration) (ReconcileStats, error) {
	now := p.d.Clock.Now()
	var st ReconcileStats
	page := dynamo.Page{Index: dynamo.IndexGSI2, Partition: dynamo.OpenPaymentsPK, From: "0", To: sortStamp(now.Add(-after)), Forward: true}
	for {
		var items []paymentItem
		next, err := p.d.DB.Query(ctx, page, &items)
		if err != nil {
			return st, err
		}
		for _, it := range items {
			st.Checked++
			pay, exists, err := p.payment(ctx, it.ID)
			if err != nil || !exists || paymentFinal(pay.Status) {
				continue
			}
			var pp ProviderPayment
			if pay.Status == PaymentCreated {
				var np NewPayment
				if np, err = p.providerPayment(ctx, pay); err == nil {
					pp, err = p.d.Provider.Create(ctx, np)
				}
			} else {
				pp, err = p.d.Provider.Get(ctx, pay.ProviderID)
			}
			if err == nil {
				pay, err = p.apply(ctx, pay, pp)
			} else if !problem.Is(err, problem.KindUnavailable) && pay.Status == PaymentCreated {
				err = p.release(ctx, pay, PaymentFailed, "Платёжная система отклонила платёж")
			}
			switch {
			case err != nil:
				st.Failed++
				logging.From(ctx).Error("payment not reconciled", "payment", pay.ID, "err", err)
			case pay.Flag != "":
				st.Flagged++
				continue
			case paymentFinal(pay.Status):
				st.Settled++
				continue
			}
			if now.Sub(parseStamp(pay.CreatedAt)) > flagAfter {
				if err := p.flag(ctx, pay, "платёж не завершён за отведённое время"); err == nil {
					st.Flagged++
				}
			}
		}
		if next == "" {
			return st, nil
		}
		page.Cursor = next
	}
}

// FlaggedPayment is a payment left to an operator.
type FlaggedPayment struct {
	PaymentView
	// Flag says why it was left.
	Flag string `json:"flag"`
	// Payer is the account whose payment it is (its id, for the
	// operator's tools; no personal data).
	Payer string `json:"payer"`
}

// Flagged is a page of the payments left to an operator, oldest first.
// Forbidden for anyone but a support operator.
func (p *Payments) Flagged(ctx context.Context, a actor.Actor, cursor string, limit int32) ([]FlaggedPayment, string, error) {
	if a.IsMachine() || !a.In(actor.GroupSupport) {
		return nil, "", problem.New(problem.KindForbidden, "not_support", "Раздел доступен только операторам поддержки")
	}
	items, next, err := dynamo.Collect(ctx, p.d.DB, dynamo.Page{Index: dynamo.IndexGSI2, Partition: dynamo.FlaggedPaymentsPK, Forward: true, Cursor: cursor},
		int(limit), func(paymentItem) bool { return true })
	if err != nil {
		return nil, "", err
	}
	out := make([]FlaggedPayment, 0, len(items))
	for _, it := range items {
		out = append(out, FlaggedPayment{PaymentView: it.view(), Flag: it.Flag, Payer: it.Sub})
	}
	return out, next, nil
}
