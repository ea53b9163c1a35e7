package payments

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
)

// A service with a fee charges its state duty when the application is
// submitted: the portal itself issues the charge, with a УИН of the
// department that administers it, in the transaction of the submission,
// linked to the applicant by the application (no payer identifier is
// needed). Cancelling the application before it is paid cancels the duty
// in the cancellation's transaction.

// Duty is the state duty of an application being submitted.
type Duty struct {
	Sub, ApplicationID, Number, ServiceTitle, Department string
	Amount                                               int64
}

// DutyDays is how long an applicant has to pay a duty.
const DutyDays = 14

// DutyTx adds to tx the duty charge of an application and its link to the
// applicant (with its reminders and calendar entry), and returns its УИН. A department that administers no duties through the portal is an
// error (the catalog and Agencies disagree).
func (c *Charges) DutyTx(ctx context.Context, tx *dynamo.Tx, d Duty, now time.Time) (string, error) {
	a, ok := Agencies[d.Department]
	if !ok || a.UINPrefix == "" {
		return "", fmt.Errorf("payments: %s administers no state duty through the portal", d.Department)
	}
	n, err := c.d.DB.Next(ctx, "duty-uin-"+d.Department)
	if err != nil {
		return "", err
	}
	uin := NewUIN(a.UINPrefix, n)
	today := Today(now)
	due, _ := time.Parse(dateLayout, today)
	k := dynamo.ChargeKey(uin)
	ch := chargeItem{PK: k.PK, SK: k.SK, Kind: kindCharge, UIN: uin, Agency: d.Department, Type: KindDuty,
		Purpose: "Госпошлина: " + d.ServiceTitle + ", заявление № " + d.Number, Amount: d.Amount,
		Basis: Basis{Document: "application", Number: d.Number, Date: today}, Due: due.AddDate(0, 0, DutyDays).Format(dateLayout),
		Payee: a.Payee, Status: StatusUnpaid, Owners: []string{d.Sub}, Application: d.ApplicationID,
		PostedAt: stamp(now), UpdatedAt: stamp(now), V: 1}
	tx.Create(ch)
	tx.Create(newLink(d.Sub, ch, []string{viaApplication}, stamp(now)))
	// No note of its own: the submission's note is in the same
	// transaction (one inbox counter, one write), and the card shows the
	// duty. The reminders and the calendar entry are the duty's.
	if err := c.plan(tx, d.Sub, ch, nil, now); err != nil {
		return "", err
	}
	return uin, nil
}

// DutyState is where an application's duty stands.
type DutyState struct {
	UIN        string `json:"uin"`
	Amount     int64  `json:"amount"`
	Status     string `json:"status"`
	StatusName string `json:"statusName"`
	Due        string `json:"dueDate"`
}

// Duties are the states of duties by УИН (a missing one is left out).
func (c *Charges) Duties(ctx context.Context, uins []string) (map[string]DutyState, error) {
	out := make(map[string]DutyState, len(uins))
	for _, uin := range uins {
		ch, exists, err := c.charge(ctx, uin)
		if err != nil {
			return nil, err
		}
		if exists {
			out[uin] = DutyState{UIN: uin, Amount: ch.Amount, Status: ch.Status, StatusName: statusNames[ch.Status], Due: ch.Due}
		}
	}
	return out, nil
}

// CancelDutyTx adds to tx the cancellation of an application's duty not
// paid yet, with its link, reminders and calendar entry. A paid duty stays
// (it is refunded on request); one being paid is Conflict: the application
// is cancelled once the payment ends.
func (c *Charges) CancelDutyTx(ctx context.Context, tx *dynamo.Tx, sub, uin, reason string, now time.Time) error {
	ch, exists, err := c.charge(ctx, uin)
	if err != nil || !exists {
		return err
	}
	switch {
	case ch.Status == StatusPending:
		return problem.Conflict("duty_being_paid", "Госпошлина по заявлению сейчас оплачивается: отменить заявление можно после завершения платежа")
	case !payable(ch.Status):
		return nil
	}
	var old linkItem
	if err := c.d.DB.Get(ctx, dynamo.ChargeLinkKey(sub, uin), "начисление", &old); err != nil {
		return err
	}
	next := ch
	next.Status, next.CancelReason, next.UpdatedAt, next.V = StatusCancelled, reason, stamp(now), ch.V+1
	putCharge(tx, next, ch.V)
	tx.PutIf(newLink(sub, next, old.Via, old.LinkedAt), expression.Name("ChargeV").Equal(expression.Value(old.ChargeV)))
	return c.plan(tx, sub, next, &old, now)
}
