package payments

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/catalog"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/validate"
)

// A duty or a fine paid into the budget is returned by its administrator,
// not by the card it was paid with: on the payer's application (НК РФ, ст.
// 333.40, п. 3; БК РФ, ст. 40.1), to the payer's bank account, never more
// than the payer paid of it through the portal less what was returned
// already. (Money that never should have been taken goes back through the
// provider instead.)

// RefundReason is a ground for the refund of a duty or a fine, as the
// services' forms offer it.
type RefundReason struct {
	// Code is overpaid, duplicate, withdrawn, refused or cancelled; Label
	// the form's option; Kinds the charges it is a ground for.
	Code, Label string
	Kinds       []string
}

// Codes of refund reasons that name the application the duty was paid for.
const (
	ReasonWithdrawn = "withdrawn"
	ReasonRefused   = "refused"
)

// RefundReasons are the grounds the refund services offer (НК РФ, ст.
// 333.40, п. 1; a fine's: БК РФ, ст. 40.1).
var RefundReasons = []RefundReason{
	{Code: "overpaid", Label: "Госпошлина уплачена в большем размере, чем требуется", Kinds: []string{KindDuty}},
	{Code: "duplicate", Label: "Госпошлина уплачена повторно", Kinds: []string{KindDuty}},
	{Code: ReasonWithdrawn, Label: "Заявление отозвано до рассмотрения", Kinds: []string{KindDuty}},
	{Code: ReasonRefused, Label: "В совершении действия отказано", Kinds: []string{KindDuty}},
	{Code: "overpaid", Label: "Штраф уплачен в большем размере", Kinds: []string{KindFine}},
	{Code: "duplicate", Label: "Штраф уплачен повторно", Kinds: []string{KindFine}},
	{Code: "cancelled", Label: "Постановление отменено", Kinds: []string{KindFine}},
}

// refundReason is the reason whose label the form's answer is, for kind.
func refundReason(label, kind string) (RefundReason, bool) {
	for _, r := range RefundReasons {
		if r.Label == label && slices.Contains(r.Kinds, kind) {
			return r, true
		}
	}
	return RefundReason{}, false
}

// paidBy is what sub paid of the charge through the portal: the lines of
// their payments that succeeded since it was posted.
func (c *Charges) paidBy(ctx context.Context, sub string, ch chargeItem) (int64, error) {
	page := dynamo.Page{Index: dynamo.IndexGSI1, Partition: dynamo.PaymentsPK(sub), From: sortStamp(parseStamp(ch.PostedAt).Add(-time.Second)), To: "9",
		Forward: true}
	var paid int64
	for {
		var items []paymentItem
		next, err := c.d.DB.Query(ctx, page, &items)
		if err != nil {
			return 0, err
		}
		for _, it := range items {
			if it.Status != PaymentSucceeded {
				continue
			}
			for _, l := range it.Lines {
				if l.UIN == ch.UIN {
					// Money found not owed goes back through the
					// provider's refund (refunds.go), not the budget.
					paid += l.Amount - it.Refundable[ch.UIN]
				}
			}
		}
		if next == "" {
			return paid, nil
		}
		page.Cursor = next
	}
}

// sameName compares names as people write them: case, ё and spaces aside.
func sameName(a, b string) bool {
	norm := func(s string) string {
		return strings.ReplaceAll(strings.ToLower(strings.Join(strings.Fields(s), " ")), "ё", "е")
	}
	return norm(a) == norm(b)
}

// checkRefund validates a refund request: the charge paid by the
// applicant through the portal, something left to return, the amount
// within it, a ground for the charge's kind, the bank details by their
// check digits and the recipient the payer. It answers the amount asked
// (all that is left when the form names none) and the reason's code.
func (c *Charges) checkRefund(ctx context.Context, ch chargeItem, r ChargeRequest) (int64, string, error) {
	if ch.Status == StatusPending {
		return 0, "", problem.Conflict("charge_being_paid", "Начисление сейчас оплачивается: дождитесь результата платежа")
	}
	paid, err := c.paidBy(ctx, r.Sub, ch)
	if err != nil {
		return 0, "", err
	}
	if paid == 0 {
		return 0, "", invalidUIN("refund.not_payer", "Вернуть деньги можно только тому, кто уплатил их через портал: этого платежа среди ваших нет")
	}
	left := paid - ch.BudgetRefunded
	if left <= 0 {
		return 0, "", problem.Conflict("refund_nothing_left", "Уплаченная сумма уже возвращена")
	}
	var f []problem.Field
	bad := func(field, code, msg string) {
		f = append(f, problem.Field{Field: "values." + field, Code: code, Message: msg})
	}
	amount, ok := formKopecks(r.Values["amount"])
	switch {
	case !ok:
		bad("amount", "amount.kopecks", "Сумма — целое число копеек больше нуля")
	case amount > left:
		bad("amount", "refund.over_paid", "Вернуть можно не больше уплаченного и ещё не возвращённого: "+rub(left))
	case amount == 0:
		amount = left
	}
	reason, ok := refundReason(formText(r.Values, "reason"), ch.Type)
	if !ok {
		bad("reason", "refund.reason", "Выберите основание возврата из списка")
	}
	bik, err := validate.BIK(formText(r.Values, "bik"))
	if err != nil {
		e, _ := validate.AsError(err)
		bad("bik", e.Code, e.Message)
	} else {
		for _, a := range []struct {
			field string
			check func(string, string) (string, error)
		}{{"corrAccount", validate.CorrespondentAccount}, {"account", validate.BankAccount}} {
			if _, err := a.check(bik, formText(r.Values, a.field)); err != nil {
				e, _ := validate.AsError(err)
				bad(a.field, e.Code, e.Message)
			}
		}
	}
	name, err := c.d.People.FullName(ctx, r.Sub)
	if err != nil {
		return 0, "", err
	}
	for _, p := range []struct{ field, want string }{{"recipientSurname", name.Surname}, {"recipientName", name.Name},
		{"recipientPatronymic", name.Patronymic}} {
		if !sameName(formText(r.Values, p.field), p.want) {
			bad(p.field, "refund.recipient", "Деньги возвращаются только плательщику: укажите свои фамилию, имя и отчество, как в профиле")
		}
	}
	if len(f) > 0 {
		return 0, "", problem.Invalid(f...)
	}
	return amount, reason.Code, nil
}

// RequestCharge is the charge a request is about, as its application
// shows it to the applicant and to the officer deciding it.
type RequestCharge struct {
	UIN         string `json:"uin"`
	Kind        string `json:"kind"`
	KindName    string `json:"kindName"`
	AgencyTitle string `json:"agencyTitle"`
	Purpose     string `json:"purpose"`
	Amount      int64  `json:"amount"`
	PaidAmount  int64  `json:"paidAmount"`
	AmountDue   int64  `json:"amountDue"`
	Due         string `json:"dueDate"`
	Status      string `json:"status"`
	StatusName  string `json:"statusName"`
	Basis       Basis  `json:"basis"`
	// AppealUntil is the last day of the appeal window (appeals).
	AppealUntil string `json:"appealUntil,omitempty"`
	// Debt is what an instalment plan spreads (instalments).
	Debt int64 `json:"debt,omitempty"`
	// Refundable is what may still be returned to the applicant (refunds).
	Refundable *int64 `json:"refundable,omitempty"`
	// Schedule is the plan's parts as they stand (a charge in
	// instalments).
	Schedule []PartView `json:"schedule,omitempty"`
}

// PartView is a part of an instalment plan as it stands.
type PartView struct {
	PlanPart
	Status     string `json:"status"`
	StatusName string `json:"statusName"`
}

// RequestCharge reads the charge a request of sub of type typ is about.
// NotFound when it is gone.
func (c *Charges) RequestCharge(ctx context.Context, sub, typ, uin string) (RequestCharge, error) {
	ch, exists, err := c.charge(ctx, uin)
	if err != nil {
		return RequestCharge{}, err
	}
	if !exists {
		return RequestCharge{}, notFound()
	}
	now := c.d.Clock.Now()
	out := RequestCharge{UIN: ch.UIN, Kind: ch.Type, KindName: kindNames[ch.Type], AgencyTitle: Agencies[ch.Agency].Title, Purpose: ch.Purpose,
		Amount: ch.Amount, PaidAmount: ch.paid(), AmountDue: ch.dueNow(now), Due: ch.Due, Status: ch.Status, StatusName: statusNames[ch.Status],
		Basis: ch.Basis}
	switch typ {
	case catalog.RequestAppeal:
		out.AppealUntil = AppealUntil(ch.Basis)
	case catalog.RequestInstallment:
		out.Debt = ch.debt()
	case catalog.RequestRefund:
		paid, err := c.paidBy(ctx, sub, ch)
		if err != nil {
			return RequestCharge{}, err
		}
		left := max(paid-ch.BudgetRefunded, 0)
		out.Refundable = &left
	}
	if out.Schedule, err = c.schedule(ctx, ch); err != nil {
		return RequestCharge{}, err
	}
	return out, nil
}

// schedule is the plan of a charge in instalments with each part as it
// stands.
func (c *Charges) schedule(ctx context.Context, ch chargeItem) ([]PartView, error) {
	var out []PartView
	for _, p := range ch.Plan {
		part, exists, err := c.charge(ctx, p.UIN)
		if err != nil {
			return nil, err
		}
		v := PartView{PlanPart: p, Status: StatusCancelled}
		if exists {
			v.Status = part.Status
		}
		v.StatusName = statusNames[v.Status]
		out = append(out, v)
	}
	return out, nil
}
