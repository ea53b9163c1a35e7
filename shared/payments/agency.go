package payments

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
)

// AgencyCharge is a charge as its agency reads it back. Payer identifiers
// are not kept in the clear: the agency sees their masks.
type AgencyCharge struct {
	UIN     string `json:"uin"`
	Kind    string `json:"kind"`
	Purpose string `json:"purpose"`
	Amount  int64  `json:"amount"`
	// PaidAmount is what was paid, outside the portal and through it.
	PaidAmount int64     `json:"paidAmount"`
	Basis      Basis     `json:"basis"`
	Due        string    `json:"dueDate"`
	Payee      Payee     `json:"payee"`
	Payers     []string  `json:"payers"`
	Discount   *Discount `json:"discount,omitempty"`
	Status     string    `json:"status"`
	PaidAt     time.Time `json:"paidAt,omitzero"`
	// CancelReason is the agency's reason, for a cancelled charge.
	CancelReason string    `json:"cancelReason,omitempty"`
	PostedAt     time.Time `json:"postedAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
	Version      int64     `json:"version"`
	// Linked is how many accounts the charge was found for.
	Linked int `json:"linkedAccounts"`

	// RefundedAmount is what the portal sends back to the payer as not
	// owed (a charge paid twice, overpaid or cancelled after it was paid);
	// PaidAmount no longer counts it. BudgetRefundedAmount is what decided
	// refund requests return of it from the budget.
	RefundedAmount       int64 `json:"refundedAmount,omitempty"`
	BudgetRefundedAmount int64 `json:"budgetRefundedAmount,omitempty"`
	// Request is the type of the request about the charge being decided
	// (appeal, installment, refund); AppealOutcome a decided appeal's.
	Request       string `json:"request,omitempty"`
	AppealOutcome string `json:"appealOutcome,omitempty"`
	// Installment is the plan of a charge in instalments; PlanOf names the
	// charge a part is of.
	Installment []PlanPart `json:"installment,omitempty"`
	PlanOf      string     `json:"planOf,omitempty"`
}

func (c chargeItem) agencyView() AgencyCharge {
	masks := c.Masks
	if masks == nil {
		masks = []string{} // a duty the portal charged names nobody by an identifier
	}
	return AgencyCharge{UIN: c.UIN, Kind: c.Type, Purpose: c.Purpose, Amount: c.Amount, PaidAmount: c.paid(), Basis: c.Basis,
		Due: c.Due, Payee: c.Payee, Payers: masks, Discount: c.Discount, Status: c.Status, PaidAt: parseStamp(c.PaidAt),
		CancelReason: c.CancelReason, PostedAt: parseStamp(c.PostedAt), UpdatedAt: parseStamp(c.UpdatedAt), Version: c.V, Linked: len(c.Owners),
		Request: c.RequestType, AppealOutcome: c.AppealOutcome, RefundedAmount: c.Refunded, BudgetRefundedAmount: c.BudgetRefunded, Installment: c.Plan, PlanOf: c.PlanOf}
}

// agencyOf is the agency a system acts for; anyone else is refused.
func agencyOf(a actor.Actor) (string, error) {
	if err := a.RequireAnyAgency(); err != nil {
		return "", err
	}
	if _, ok := Agencies[a.Agency()]; !ok {
		return "", problem.New(problem.KindForbidden, "unknown_agency", "Ведомство не подключено к приёму начислений")
	}
	return a.Agency(), nil
}

// notFound hides whether another agency's charge exists.
func notFound() error { return problem.NotFound("начисление") }

// maxAttempts bounds the retries of a read-modify-write lost to a
// concurrent writer.
const maxAttempts = 4

// Post creates or updates the agency's charge uin: the same charge posted
// again is the same charge (created false, nothing changes); a change of
// amount, due date or payer updates it and tells the people it is linked
// to. Errors: Invalid (the УИН, any field), NotFound (another agency's
// УИН), Conflict (cancelled, paid or being paid), Unavailable (the people
// could not all be told: post again, nothing is repeated).
func (c *Charges) Post(ctx context.Context, a actor.Actor, uin string, in ChargeInput) (AgencyCharge, bool, error) {
	agency, err := agencyOf(a)
	if err != nil {
		return AgencyCharge{}, false, err
	}
	if uin, err = ValidUIN("uin", uin); err != nil {
		return AgencyCharge{}, false, err
	}
	now := c.d.Clock.Now()
	ids, err := in.checked(agency, now)
	if err != nil {
		return AgencyCharge{}, false, err
	}
	ix, err := c.index(ctx)
	if err != nil {
		return AgencyCharge{}, false, err
	}
	hashes := make([]string, len(ids))
	for i, id := range ids {
		hashes[i] = ix.Of(id.kind, id.value)
	}
	var next chargeItem
	var created bool
	var back []string
	for attempt := 0; ; attempt++ {
		cur, exists, err := c.charge(ctx, uin)
		if err != nil {
			return AgencyCharge{}, false, err
		}
		if exists && cur.Agency != agency {
			return AgencyCharge{}, false, notFound()
		}
		next = newChargeItem(uin, agency, in, ids, hashes, now)
		if exists {
			if err := postable(cur, next); err != nil {
				return AgencyCharge{}, false, err
			}
			if cur.sameContent(next) {
				next = cur
				break
			}
			next.PostedAt, next.Owners, next.Application, next.V = cur.PostedAt, cur.Owners, cur.Application, cur.V+1
			next.requestState = cur.requestState
			next.PortalPaid, next.Status = cur.PortalPaid, statusFor(next.PaidAmount+cur.PortalPaid, next.Amount)
			next.Portal, next.Refunded, next.PaymentID, next.PaidAt = cur.Portal, cur.Refunded, cur.PaymentID, cur.PaidAt
			if cur.Status == StatusPending {
				next.Status = StatusPending // held by its payment, which settles what it paid
			}
		} else {
			next.V = 1
		}
		tx := &dynamo.Tx{}
		// What the portal took beyond what the charge now asks (the
		// agency lowered it, or it was paid elsewhere too) goes back.
		if back, err = c.refunds().overpaidTx(ctx, tx, &next, cur.PaidAmount, now); err != nil {
			return AgencyCharge{}, false, err
		}
		putCharge(tx, next, cur.V)
		indexPayers(tx, uin, cur.Payers, next.Payers)
		err = c.d.DB.Transact(ctx, "", tx)
		if err == nil {
			created = !exists
			break
		}
		if !retryable(err) || attempt == maxAttempts-1 {
			return AgencyCharge{}, false, err
		}
	}
	next, err = c.syncOwners(ctx, next)
	c.refunds().refundAllDue(ctx, back)
	if err != nil {
		return AgencyCharge{}, false, err
	}
	return next.agencyView(), created, nil
}

// postable refuses a change of a charge that can no longer change. A
// charge being paid may still learn that it was paid elsewhere (a higher
// paidAmount), and a paid one also that it asks less (a lower amount):
// what the portal took beyond it is refunded.
func postable(cur, next chargeItem) error {
	settled := next
	settled.Amount, settled.PaidAmount = cur.Amount, cur.PaidAmount
	paidElsewhere := cur.sameContent(settled) && next.PaidAmount >= cur.PaidAmount
	switch cur.Status {
	case StatusCancelled:
		return problem.Conflict("charge_cancelled", "Начисление аннулировано: изменить его нельзя, выставьте новое с другим УИН")
	case StatusPending:
		if !cur.sameContent(next) && !(paidElsewhere && next.Amount == cur.Amount) {
			return problem.Conflict("charge_being_paid", "Начисление сейчас оплачивается: изменить его можно после подтверждения платежа")
		}
	case StatusPaid:
		if !cur.sameContent(next) && !(paidElsewhere && next.Amount <= cur.Amount) {
			return problem.Conflict("charge_paid", "Начисление уже оплачено: изменить можно только уменьшить сумму или указать оплату вне портала")
		}
	case StatusInstallment:
		if !cur.sameContent(next) {
			return problem.Conflict("charge_in_installment", "Начисление в рассрочке: его части — отдельные начисления, изменяйте их")
		}
	}
	return nil
}

func retryable(err error) bool {
	return problem.Is(err, problem.KindConflict) || problem.Is(err, problem.KindUnavailable)
}

// charge reads a charge; exists is false when there is none.
func (c *Charges) charge(ctx context.Context, uin string) (chargeItem, bool, error) {
	var it chargeItem
	err := c.d.DB.Get(ctx, dynamo.ChargeKey(uin), "начисление", &it)
	if problem.Is(err, problem.KindNotFound) {
		return chargeItem{}, false, nil
	}
	return it, err == nil, err
}

// putCharge writes the charge in tx if it is still at version was (0: new).
func putCharge(tx *dynamo.Tx, it chargeItem, was int64) {
	cond := expression.AttributeNotExists(expression.Name(dynamo.AttrPK))
	if was > 0 {
		cond = expression.Name(dynamo.AttrVersion).Equal(expression.Value(was))
	}
	tx.PutIf(it, cond)
}

type payerIndexItem struct {
	PK   string `dynamodbav:"PK"`
	SK   string `dynamodbav:"SK"`
	Kind string `dynamodbav:"Kind"`
	UIN  string `dynamodbav:"UIN"`
}

// indexPayers lists the charge under the payer identifiers it gained and
// takes it off those it lost.
func indexPayers(tx *dynamo.Tx, uin string, was, now []string) {
	for _, p := range now {
		if !slices.Contains(was, p) {
			kind, hash, _ := strings.Cut(p, "#")
			k := dynamo.PayerChargeKey(kind, hash, uin)
			tx.Put(payerIndexItem{PK: k.PK, SK: k.SK, Kind: kindPayerIndex, UIN: uin})
		}
	}
	for _, p := range was {
		if !slices.Contains(now, p) {
			kind, hash, _ := strings.Cut(p, "#")
			tx.Delete(dynamo.PayerChargeKey(kind, hash, uin), false)
		}
	}
}

// Cancel cancels the agency's charge: it is no longer to pay, its
// reminders and calendar entries go, and the people it was linked to are
// told; what the portal took for it, if it was paid, is refunded to the
// payer. Cancelling again is no change. Errors: Invalid (the УИН, a reason
// of 3–500 characters), NotFound, Conflict (being paid: cancel it once the
// payment ends).
func (c *Charges) Cancel(ctx context.Context, a actor.Actor, uin, reason string) (AgencyCharge, error) {
	agency, err := agencyOf(a)
	if err != nil {
		return AgencyCharge{}, err
	}
	if uin, err = ValidUIN("uin", uin); err != nil {
		return AgencyCharge{}, err
	}
	reason = strings.Join(strings.Fields(reason), " ")
	if n := utf8.RuneCountInString(reason); n < 3 || n > 500 {
		return AgencyCharge{}, problem.Invalid(problem.Field{Field: "reason", Code: "cancel.reason", Message: "Причина аннулирования — от 3 до 500 символов"})
	}
	for attempt := 0; ; attempt++ {
		cur, exists, err := c.charge(ctx, uin)
		if err != nil {
			return AgencyCharge{}, err
		}
		if !exists || cur.Agency != agency {
			return AgencyCharge{}, notFound()
		}
		switch cur.Status {
		case StatusCancelled:
			cur, err = c.syncOwners(ctx, cur)
			return cur.agencyView(), err
		case StatusPending:
			return AgencyCharge{}, problem.Conflict("charge_being_paid", "Начисление сейчас оплачивается: аннулировать его можно после подтверждения платежа")
		case StatusInstallment:
			return AgencyCharge{}, problem.Conflict("charge_in_installment", "Начисление в рассрочке: аннулируйте его неоплаченные части")
		}
		now := c.d.Clock.Now()
		next := cur
		next.Status, next.CancelReason, next.UpdatedAt, next.V = StatusCancelled, reason, stamp(now), cur.V+1
		tx := &dynamo.Tx{}
		// Paid (wholly or in part) through the portal: that money is not
		// owed any more.
		back, err := c.refunds().excessTx(ctx, tx, &next, next.PortalPaid, RefundChargeCancelled, now)
		if err != nil {
			return AgencyCharge{}, err
		}
		putCharge(tx, next, cur.V)
		err = c.d.DB.Transact(ctx, "", tx)
		if err == nil {
			next, err = c.syncOwners(ctx, next)
			c.refunds().refundAllDue(ctx, back)
			return next.agencyView(), err
		}
		if !retryable(err) || attempt == maxAttempts-1 {
			return AgencyCharge{}, err
		}
	}
}

// AgencyGet is the agency's own charge. NotFound for another agency's.
func (c *Charges) AgencyGet(ctx context.Context, a actor.Actor, uin string) (AgencyCharge, error) {
	agency, err := agencyOf(a)
	if err != nil {
		return AgencyCharge{}, err
	}
	if uin, err = ValidUIN("uin", uin); err != nil {
		return AgencyCharge{}, err
	}
	cur, exists, err := c.charge(ctx, uin)
	if err != nil {
		return AgencyCharge{}, err
	}
	if !exists || cur.Agency != agency {
		return AgencyCharge{}, notFound()
	}
	return cur.agencyView(), nil
}
