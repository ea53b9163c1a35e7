package payments

import (
	"context"
	"fmt"
	"time"

	"github.com/kabinet/kabinet/shared/calendar"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
)

// An instalment plan spreads a fine or a tax into parts the department
// approves: each part is a charge of its own, with a УИН the portal issues
// in the administrator's range (as it does for state duties), its due
// date, reminders and calendar entries; the charge itself is then in
// instalments, no longer payable, its discount gone, and paid as its parts
// are: each part's payment adds to it in the payment's own transaction.

// MaxParts bounds an instalment plan by the kind of charge: a fine is
// spread over up to three months (КоАП РФ, ст. 31.5, ч. 2), a tax over up
// to a year (НК РФ, ст. 64, п. 1), a part a month.
var MaxParts = map[string]int{KindFine: 3, KindTax: 12}

func checkInstallment(ch chargeItem, debtor bool, values map[string]any) error {
	if !debtor {
		return invalidUIN("request.not_debtor", "Рассрочку может получить только тот, кто должен уплатить начисление")
	}
	if ch.PlanOf != "" {
		return invalidUIN("installment.part", "Это часть рассрочки: её уплачивают в срок по графику")
	}
	if err := installable(ch); err != nil {
		return err
	}
	n, ok := formKopecks(values["parts"])
	if !ok || n < 2 || n > int64(MaxParts[ch.Type]) {
		return problem.Invalid(problem.Field{Field: "values.parts", Code: "installment.parts",
			Message: fmt.Sprintf("Число частей — целое, от 2 до %d", MaxParts[ch.Type])})
	}
	return nil
}

// installable refuses a charge that cannot be spread into parts.
func installable(ch chargeItem) error {
	switch ch.Status {
	case StatusUnpaid, StatusPartly:
		return nil
	case StatusInstallment:
		return problem.Conflict("charge_in_installment", "Начисление уже в рассрочке")
	}
	return notPayable(ch)
}

// Debt is what an instalment plan of the charge spreads: the amount less
// what was paid, with no discount (КоАП РФ, ст. 32.2, ч. 1.3: the discount
// does not apply with a рассрочка).
func (c chargeItem) debt() int64 { return c.Amount - c.paid() }

// ProposedSchedule spreads debt into parts monthly parts from the month
// after now: equal parts, the last taking the kopecks left over (what an
// officer starts from).
func ProposedSchedule(debt int64, parts int, now time.Time) []PlanPart {
	if parts < 1 || debt <= 0 {
		return nil
	}
	today, _ := time.Parse(dateLayout, Today(now))
	each := debt / int64(parts)
	out := make([]PlanPart, parts)
	for i := range out {
		out[i] = PlanPart{Amount: each, Due: today.AddDate(0, i+1, 0).Format(dateLayout)}
	}
	out[parts-1].Amount += debt - each*int64(parts)
	return out
}

// checkSchedule validates an approved schedule against the charge: parts
// within the term of its kind, due after today on increasing dates,
// summing to the debt.
func checkSchedule(ch chargeItem, in []PartInput, now time.Time) ([]PlanPart, error) {
	var f []problem.Field
	maxParts := MaxParts[ch.Type]
	today, _ := time.Parse(dateLayout, Today(now))
	last := today.AddDate(0, maxParts, 0).Format(dateLayout)
	if len(in) < 2 || len(in) > maxParts {
		f = append(f, problem.Field{Field: "decision.schedule", Code: "schedule.parts", Message: fmt.Sprintf("В графике от 2 до %d частей", maxParts)})
	}
	out := make([]PlanPart, len(in))
	var sum int64
	prev := Today(now)
	for i, p := range in {
		amount, _ := p.Amount.value()
		sum += amount
		out[i] = PlanPart{Amount: amount, Due: p.Due}
		field := fmt.Sprintf("decision.schedule[%d].dueDate", i)
		switch {
		case p.Due <= prev:
			f = append(f, problem.Field{Field: field, Code: "schedule.order", Message: "Сроки частей — позже сегодняшнего дня и каждый позже предыдущего"})
		case p.Due > last:
			f = append(f, problem.Field{Field: field, Code: "schedule.term", Message: "Рассрочка этого начисления — не дольше чем до " + last})
		}
		prev = p.Due
	}
	if debt := ch.debt(); sum != debt {
		f = append(f, problem.Field{Field: "decision.schedule", Code: "schedule.sum",
			Message: fmt.Sprintf("Сумма частей %s не равна долгу %s", rub(sum), rub(debt))})
	}
	if len(f) > 0 {
		return nil, problem.Invalid(f...)
	}
	return out, nil
}

// portalUIN is a new УИН the portal issues in the range of the charge's
// administrator: the sequence its state duties are numbered by, so the two
// never meet.
func (c *Charges) portalUIN(ctx context.Context, agency string) (string, error) {
	a, ok := Agencies[agency]
	if !ok || a.UINPrefix == "" {
		return "", problem.Conflict("agency_issues_no_uin", "Ведомство не выставляет начисления через портал")
	}
	n, err := c.d.DB.Next(ctx, "duty-uin-"+agency)
	if err != nil {
		return "", err
	}
	return NewUIN(a.UINPrefix, n), nil
}

// grantInstallmentTx issues the parts of the plan as the applicant's
// charges (each with its УИН, due date, reminders and calendar entries)
// and puts the charge in instalments: not payable itself, its discount
// gone, paid as its parts are.
func (c *Charges) grantInstallmentTx(ctx context.Context, tx *dynamo.Tx, ref RequestRef, ch chargeItem, in []PartInput, now time.Time) (Decided, error) {
	if err := installable(ch); err != nil {
		return Decided{}, err
	}
	plan, err := checkSchedule(ch, in, now)
	if err != nil {
		return Decided{}, err
	}
	today := Today(now)
	for i := range plan {
		uin, err := c.portalUIN(ctx, ch.Agency)
		if err != nil {
			return Decided{}, err
		}
		plan[i].UIN = uin
		k := dynamo.ChargeKey(uin)
		purpose := fmt.Sprintf("Рассрочка, часть %d из %d: %s", i+1, len(plan), ch.Purpose)
		if r := []rune(purpose); len(r) > 210 {
			purpose = string(r[:209]) + "…"
		}
		part := chargeItem{PK: k.PK, SK: k.SK, Kind: kindCharge, UIN: uin, Agency: ch.Agency, Type: ch.Type, Purpose: purpose,
			Amount: plan[i].Amount, Basis: Basis{Document: "decision", Number: ref.Number, Date: today}, Due: plan[i].Due,
			Payee: ch.Payee, Status: StatusUnpaid, Owners: []string{ref.Sub}, Application: ref.ApplicationID,
			PostedAt: stamp(now), UpdatedAt: stamp(now), V: 1}
		part.PlanOf, part.PlanPart, part.PlanParts = ch.UIN, i+1, len(plan)
		tx.Create(part)
		tx.Create(newLink(ref.Sub, part, []string{viaApplication}, stamp(now)))
		if err := planPart(tx, ref.Sub, part, now); err != nil {
			return Decided{}, err
		}
	}
	next := closeRequest(ch, now)
	next.Status, next.Discount, next.Plan = StatusInstallment, nil, plan
	putCharge(tx, next, ch.V)
	if err := c.putOwnLink(ctx, tx, ref.Sub, next, now); err != nil {
		return Decided{}, err
	}
	first, _ := time.Parse(dateLayout, plan[0].Due)
	return Decided{Schedule: plan, Summary: fmt.Sprintf("Рассрочка предоставлена: %d платежей, первый — %s до %s. Скидка при рассрочке не применяется",
		len(plan), rub(plan[0].Amount), first.Format("02.01.2006"))}, nil
}

// planPayments are what one payment pays of the parts of each plan: by
// the charge the parts are of, the kopecks paid.
type planPayments map[string]int64

// add counts the payment of a part (was before, paid after).
func (pp planPayments) add(was, paid chargeItem) {
	if was.PlanOf != "" && paid.paid() > was.paid() {
		pp[was.PlanOf] += paid.paid() - was.paid()
	}
}

// plansPaidTx adds to tx what paying parts of plans does to the charges
// they are of: what the parts were paid counts as paid of them, and the
// last part paid makes one paid; sub's link of it follows. The charge's
// version is a condition, so payments of two parts at once are counted one
// after the other.
func (c *Charges) plansPaidTx(ctx context.Context, tx *dynamo.Tx, sub string, pp planPayments, now time.Time) error {
	for uin, amount := range pp {
		parent, exists, err := c.charge(ctx, uin)
		if err != nil {
			return err
		}
		if !exists {
			continue
		}
		next := parent
		next.PortalPaid += amount
		if next.Status == StatusInstallment && next.paid() >= next.Amount {
			next.Status, next.PaidAt = StatusPaid, stamp(now)
		}
		next.UpdatedAt, next.V = stamp(now), parent.V+1
		putCharge(tx, next, parent.V)
		if err := c.putOwnLink(ctx, tx, sub, next, now); err != nil {
			return err
		}
	}
	return nil
}

// planPart puts a new part's due date in sub's calendar and its reminders
// in the plan: what plan gives a payable charge, without the removals of
// entries a new charge with no discount cannot have, so that a plan of
// twelve parts fits one transaction with the decision.
func planPart(tx *dynamo.Tx, sub string, part chargeItem, now time.Time) error {
	calendar.Add(tx, sub, dueEntryOf(part))
	return remindDue(tx, sub, part, now)
}
