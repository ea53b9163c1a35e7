package stack

import (
	"context"
	"fmt"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/applications"
	"github.com/kabinet/kabinet/shared/payments"
)

// The demo citizen's requests about their charges, made through the same
// services as the functions': an appeal of the traffic fine waiting for the
// traffic police's officer (the fine shows «обжалуется»), the property tax
// in instalments by a plan the tax service's officer approved (three parts,
// each a charge with its reminders), and a refund request of the paid
// traffic-police duty left as a filled draft: it is signed by a code sent
// by SMS, which the citizen asks for (POST /applications/{id}/signature),
// so that the seeding spends none of the demo phone's sends.

func (s *Stack) seedRequests(ctx context.Context, apps *applications.Service, charges *payments.Charges) error {
	people := map[string]DemoAccount{}
	for _, d := range s.Demo {
		people[d.Username] = d
	}
	citizen, fns := people["citizen"], people["officer-fns"]
	if citizen.Sub == "" || fns.Sub == "" {
		return nil
	}
	me := actor.Citizen(citizen.Sub)
	list, _, err := charges.List(ctx, me, payments.ChargeFilter{}, "", 50)
	if err != nil {
		return err
	}
	uins := map[string]string{}
	for _, c := range list {
		uins[c.Agency+"/"+c.Kind+"/"+c.Status] = c.ID
	}
	fine, tax, duty := uins["gibdd/fine/unpaid"], uins["fns/tax/unpaid"], uins["gibdd/duty/paid"]
	if fine == "" || tax == "" || duty == "" {
		return fmt.Errorf("demo requests: the demo charges are not all there: %v", uins)
	}
	draft := func(code string, values map[string]any) (applications.App, error) {
		a, err := apps.CreateDraft(ctx, me, code)
		if err != nil {
			return a, err
		}
		return apps.SaveDraft(ctx, me, a.ID, values, a.Version)
	}
	submit := func(code string, values map[string]any) (applications.App, error) {
		a, err := draft(code, values)
		if err != nil {
			return a, err
		}
		return apps.Submit(ctx, me, a.ID, []string{}, "", a.Version)
	}
	if _, err := submit("fine-appeal", map[string]any{"uin": fine,
		"text": "В момент фиксации нарушения автомобилем управлял другой человек, вписанный в полис ОСАГО; прошу отменить постановление."}); err != nil {
		return fmt.Errorf("demo appeal: %w", err)
	}
	plan, err := submit("tax-installment", map[string]any{"uin": tax, "parts": 3,
		"reason": "Временная нетрудоспособность: доход снизился, уплатить налог сразу невозможно."})
	if err != nil {
		return fmt.Errorf("demo instalment plan: %w", err)
	}
	officer := actor.Actor{Sub: fns.Sub, Groups: []string{actor.GroupOfficers}, Department: fns.Department}
	for _, to := range []string{applications.Registered, applications.InProgress} {
		if plan, err = apps.OfficerTransition(ctx, officer, plan.ID, applications.Move{To: to}); err != nil {
			return fmt.Errorf("demo instalment plan: %w", err)
		}
	}
	card, err := apps.OfficerCard(ctx, officer, plan.ID)
	if err != nil {
		return err
	}
	var schedule []payments.PartInput
	for _, p := range card.ChargeRequest.ProposedSchedule {
		schedule = append(schedule, payments.PartInput{Amount: payments.Kopecks(fmt.Sprint(p.Amount)), Due: p.Due})
	}
	if _, err := apps.OfficerTransition(ctx, officer, plan.ID, applications.Move{To: applications.Approved,
		Comment: "Рассрочка предоставлена на три месяца", Decision: &payments.Decision{Schedule: schedule}}); err != nil {
		return fmt.Errorf("demo instalment plan: %w", err)
	}
	if _, err := draft("duty-refund", map[string]any{"uin": duty, "reason": "Госпошлина уплачена повторно",
		"bik": "044525225", "corrAccount": "30101810400000000225", "account": "40817810438000000001"}); err != nil {
		return fmt.Errorf("demo refund request: %w", err)
	}
	return nil
}
