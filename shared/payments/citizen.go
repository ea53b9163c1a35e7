package payments

import (
	"context"
	"slices"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
)

// ChargeView is a charge as the person who owes it sees it.
type ChargeView struct {
	// ID is the charge's УИН.
	ID          string `json:"id"`
	Kind        string `json:"kind"`
	KindName    string `json:"kindName"`
	Agency      string `json:"agency"`
	AgencyTitle string `json:"agencyTitle"`
	Purpose     string `json:"purpose"`
	// Amount is as charged, PaidAmount what was paid of it outside a
	// pending or completed portal payment, AmountDue what is to pay today
	// (kopecks).
	Amount     int64         `json:"amount"`
	PaidAmount int64         `json:"paidAmount"`
	AmountDue  int64         `json:"amountDue"`
	Due        string        `json:"dueDate"`
	Overdue    bool          `json:"overdue"`
	Status     string        `json:"status"`
	StatusName string        `json:"statusName"`
	Discount   *DiscountView `json:"discount,omitempty"`
	PaymentID  string        `json:"paymentId,omitempty"`
	// Request is a request about the charge being decided: an appeal
	// shows «обжалуется» (the charge may still be paid meanwhile).
	Request *RequestMark `json:"request,omitempty"`

	// The card adds these.
	Basis        *Basis    `json:"basis,omitempty"`
	Payee        *Payee    `json:"payee,omitempty"`
	Payers       []string  `json:"payers,omitempty"`
	Consequence  string    `json:"consequence,omitempty"`
	PaidAt       time.Time `json:"paidAt,omitzero"`
	CancelReason string    `json:"cancelReason,omitempty"`
	Application  string    `json:"applicationId,omitempty"`
	// AppealOutcome is a decided appeal's: cancelled or kept.
	AppealOutcome string `json:"appealOutcome,omitempty"`
	// RefundedAmount is what the portal sends back to the payer of it as
	// not owed (the payment's refunds say whether it has arrived);
	// BudgetRefundedAmount what decided refund requests return of it.
	RefundedAmount       int64 `json:"refundedAmount,omitempty"`
	BudgetRefundedAmount int64 `json:"budgetRefundedAmount,omitempty"`
	// Installment is the plan of a charge in instalments, or which part
	// of whose plan a charge is.
	Installment *InstallmentView `json:"installment,omitempty"`
}

// InstallmentView is an instalment plan as a card shows it: a charge in
// instalments lists its parts as they stand; a part names the charge it
// is of.
type InstallmentView struct {
	Schedule []PartView `json:"schedule,omitempty"`
	PlanOf   string     `json:"planOf,omitempty"`
	Part     int        `json:"part,omitempty"`
	Parts    int        `json:"parts,omitempty"`
}

// DiscountView is a fine's discount as the card shows it.
type DiscountView struct {
	Percent int `json:"percent"`
	// Until is the discount's last day; Amount what is paid with it.
	Until  string `json:"until"`
	Amount int64  `json:"amount"`
	// Active is whether paying today gets it.
	Active bool   `json:"active"`
	Basis  string `json:"basis,omitempty"`
}

func (c chargeItem) view(now time.Time, card bool) ChargeView {
	v := ChargeView{ID: c.UIN, Kind: c.Type, KindName: kindNames[c.Type], Agency: c.Agency, AgencyTitle: Agencies[c.Agency].Title,
		Purpose: c.Purpose, Amount: c.Amount, PaidAmount: c.paid(), AmountDue: c.dueNow(now), Due: c.Due,
		Overdue: payable(c.Status) && Today(now) > c.Due, Status: c.Status, StatusName: statusNames[c.Status], PaymentID: c.PaymentID,
		Request: requestMark(c.RequestType)}
	if c.Discount != nil && payable(c.Status) {
		v.Discount = &DiscountView{Percent: c.Discount.Percent, Until: c.Discount.Until, Amount: Discounted(c.Amount, c.Discount.Percent),
			Active: c.discountActive(now)}
	}
	if !card {
		return v
	}
	basis, payee := c.Basis, c.Payee
	v.Basis, v.Payee, v.Payers = &basis, &payee, c.Masks
	v.Consequence = Consequences[c.Type]
	v.PaidAt, v.CancelReason, v.Application = parseStamp(c.PaidAt), c.CancelReason, c.Application
	v.AppealOutcome, v.RefundedAmount, v.BudgetRefundedAmount = c.AppealOutcome, c.Refunded, c.BudgetRefunded
	if c.PlanOf != "" {
		v.Installment = &InstallmentView{PlanOf: c.PlanOf, Part: c.PlanPart, Parts: c.PlanParts}
	}
	if v.Discount != nil {
		v.Discount.Basis = c.Discount.Basis
	}
	return v
}

// asCharge is what a link copies of its charge, for the list.
func (l linkItem) asCharge() chargeItem {
	c := chargeItem{UIN: l.UIN, Agency: l.Agency, Type: l.Type, Purpose: l.Purpose, Amount: l.Amount, PaidAmount: l.PaidAmount,
		Due: l.Due, Status: l.Status, PaymentID: l.PaymentID}
	c.RequestType = l.RequestType
	if l.DiscountPercent > 0 {
		c.Discount = &Discount{Percent: l.DiscountPercent, Until: l.DiscountUntil}
	}
	return c
}

// person is the citizen an actor acts as: systems and the portal itself
// have no charges to pay.
func person(a actor.Actor) (string, error) { return a.RequirePerson() }

// ChargeFilter narrows a person's list.
type ChargeFilter struct {
	Kind, Status, Agency string
}

func (f ChargeFilter) check() error {
	var fields []problem.Field
	if f.Kind != "" && kindNames[f.Kind] == "" {
		fields = append(fields, problem.Field{Field: "kind", Code: "charge.kind", Message: "Вид: fine, tax, duty, utility или enforcement"})
	}
	if f.Status != "" && statusNames[f.Status] == "" {
		fields = append(fields, problem.Field{Field: "status", Code: "charge.status",
			Message: "Статус: unpaid, pending, paid, cancelled, partly_paid или installment"})
	}
	if _, ok := Agencies[f.Agency]; f.Agency != "" && !ok {
		fields = append(fields, problem.Field{Field: "agency", Code: "charge.agency", Message: "Неизвестное ведомство"})
	}
	if len(fields) > 0 {
		return problem.Invalid(fields...)
	}
	return nil
}

// List is a page of the person's charges: what is still to pay first, by
// due date, then what is being paid, paid and cancelled.
func (c *Charges) List(ctx context.Context, a actor.Actor, f ChargeFilter, cursor string, limit int32) ([]ChargeView, string, error) {
	sub, err := person(a)
	if err != nil {
		return nil, "", err
	}
	if err := f.check(); err != nil {
		return nil, "", err
	}
	links, next, err := dynamo.Collect(ctx, c.d.DB, dynamo.Page{Index: dynamo.IndexGSI1, Partition: dynamo.ChargesPK(sub), Forward: true, Cursor: cursor},
		int(limit), func(l linkItem) bool {
			return (f.Kind == "" || l.Type == f.Kind) && (f.Status == "" || l.Status == f.Status) && (f.Agency == "" || l.Agency == f.Agency)
		})
	if err != nil {
		return nil, "", err
	}
	now := c.d.Clock.Now()
	out := make([]ChargeView, 0, len(links))
	for _, l := range links {
		out = append(out, l.asCharge().view(now, false))
	}
	return out, next, nil
}

// Card is one of the person's charges in full, read from the charge
// itself. Another person's charge, or one never linked to them, is
// NotFound.
func (c *Charges) Card(ctx context.Context, a actor.Actor, uin string) (ChargeView, error) {
	sub, err := person(a)
	if err != nil {
		return ChargeView{}, err
	}
	if uin, err = ValidUIN("id", uin); err != nil {
		return ChargeView{}, err
	}
	var l linkItem
	if err := c.d.DB.Get(ctx, dynamo.ChargeLinkKey(sub, uin), "начисление", &l); err != nil {
		return ChargeView{}, err
	}
	ch, exists, err := c.charge(ctx, uin)
	if err != nil {
		return ChargeView{}, err
	}
	if !exists {
		return ChargeView{}, notFound()
	}
	return c.card(ctx, ch, sub)
}

// card is the charge in full as sub sees it: the plan's parts as they
// stand, and the request's application to who made it.
func (c *Charges) card(ctx context.Context, ch chargeItem, sub string) (ChargeView, error) {
	v := ch.view(c.d.Clock.Now(), true)
	if v.Request != nil && ch.RequestSub == sub {
		v.Request.ApplicationID = ch.RequestOpen
	}
	if len(ch.Plan) > 0 {
		parts, err := c.schedule(ctx, ch)
		if err != nil {
			return ChargeView{}, err
		}
		v.Installment = &InstallmentView{Schedule: parts}
	}
	return v, nil
}

// Lookup finds a charge by its УИН, as printed on a resolution or a bill,
// for anyone to pay (a fine of a relative, a bill of a flat): it joins the
// person's charges, quietly, and the card shows only masks of who it was
// posted for. Errors: Invalid (the УИН), NotFound.
func (c *Charges) Lookup(ctx context.Context, a actor.Actor, uin string) (ChargeView, error) {
	sub, err := person(a)
	if err != nil {
		return ChargeView{}, err
	}
	if uin, err = ValidUIN("uin", uin); err != nil {
		return ChargeView{}, err
	}
	ch, exists, err := c.charge(ctx, uin)
	if err != nil {
		return ChargeView{}, err
	}
	if !exists {
		return ChargeView{}, notFound()
	}
	if !slices.Contains(ch.Owners, sub) {
		if ch, err = c.syncLink(ctx, ch, sub, nil, viaUIN, true); err != nil {
			return ChargeView{}, err
		}
	} else if ch, err = c.syncLink(ctx, ch, sub, c.heldVia(ctx, ch, sub), viaUIN, true); err != nil {
		return ChargeView{}, err
	}
	return c.card(ctx, ch, sub)
}

// heldVia are the payer identifiers of ch that sub holds now, as a link
// keeps them (an error reading them keeps what the link has).
func (c *Charges) heldVia(ctx context.Context, ch chargeItem, sub string) []string {
	var l linkItem
	if err := c.d.DB.Get(ctx, dynamo.ChargeLinkKey(sub, ch.UIN), "начисление", &l); err != nil {
		return nil
	}
	return payerVia(l.Via)
}
