package applications

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/catalog"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/payments"
	"github.com/kabinet/kabinet/shared/problem"
)

// A request about a charge (a catalog service with a chargeRequest: an
// appeal against a fine, an instalment plan, the refund of a duty or a
// fine paid into the budget) is an application like any other — a number,
// statuses, the journal, notes — that goes to the department that
// administers the charge, known once the form names it. Its moves carry
// the charge's side (payments.Charges) in their own transaction:
// submitting marks the charge, approving decides it (the refund's amount,
// the plan's schedule), refusing or withdrawing closes it, and a refund is
// completed when it is paid out — by the department's system posting its
// payment order (AgencyPayout) or an officer recording it.

// requestState is what a request about a charge keeps on its application.
type requestState struct {
	// ChargeUIN is the charge the request is about.
	ChargeUIN string `dynamodbav:"ChargeUIN,omitempty"`
	// RequestAmount is the refund asked for, RefundReason its ground.
	RequestAmount int64  `dynamodbav:"RequestAmount,omitempty"`
	RefundReason  string `dynamodbav:"RefundReason,omitempty"`
	// ApprovedAmount is the refund approved, Schedule the plan approved
	// (with each part's УИН), AppealOutcome an appeal's, DecidedOn the day
	// of the decision.
	ApprovedAmount int64               `dynamodbav:"ApprovedAmount,omitempty"`
	Schedule       []payments.PlanPart `dynamodbav:"Schedule,omitempty"`
	AppealOutcome  string              `dynamodbav:"AppealOutcome,omitempty"`
	DecidedOn      string              `dynamodbav:"DecidedOn,omitempty"`
	// Payout is the payment order that paid a refund out.
	Payout *payments.Payout `dynamodbav:"Payout,omitempty"`
	// Decision is what the applicant was told of the last decision.
	Decision string `dynamodbav:"Decision,omitempty"`
}

// requestChange is what a move of a request writes on its application.
type requestChange struct {
	approved      int64
	schedule      []payments.PlanPart
	decidedOn     string
	payout        *payments.Payout
	decision      string
	appealOutcome string
}

func (r *requestChange) update(upd expression.UpdateBuilder) expression.UpdateBuilder {
	set := func(name string, v any) { upd = upd.Set(expression.Name(name), expression.Value(v)) }
	if r.approved > 0 {
		set("ApprovedAmount", r.approved)
	}
	if len(r.schedule) > 0 {
		set("Schedule", r.schedule)
	}
	if r.appealOutcome != "" {
		set("AppealOutcome", r.appealOutcome)
	}
	if r.decidedOn != "" {
		set("DecidedOn", r.decidedOn)
	}
	if r.payout != nil {
		set("Payout", r.payout)
	}
	if r.decision != "" {
		set("Decision", r.decision)
	}
	return upd
}

// ChargeRequestView is a request about a charge as its application shows
// it.
type ChargeRequestView struct {
	// Type is appeal, installment or refund.
	Type string `json:"type"`
	UIN  string `json:"uin"`
	// State is open, approved (a refund to be paid out), paid_out,
	// granted, refused or withdrawn; StateName says it in Russian.
	State     string `json:"state"`
	StateName string `json:"stateName"`
	// RequestedAmount is the refund asked for, Reason its ground
	// (overpaid, duplicate, withdrawn, refused, cancelled).
	RequestedAmount int64  `json:"requestedAmount,omitempty"`
	Reason          string `json:"reason,omitempty"`
	// ApprovedAmount is the refund approved; Schedule the instalment plan
	// approved, each part with its УИН; ProposedSchedule equal monthly
	// parts of the debt in the number asked, for the officer to start from.
	ApprovedAmount   int64               `json:"approvedAmount,omitempty"`
	Schedule         []payments.PlanPart `json:"schedule,omitempty"`
	ProposedSchedule []payments.PlanPart `json:"proposedSchedule,omitempty"`
	AppealOutcome    string              `json:"appealOutcome,omitempty"`
	DecidedOn        string              `json:"decidedOn,omitempty"`
	Payout           *payments.Payout    `json:"payout,omitempty"`
	// Decision is what the applicant was told of the decision.
	Decision string `json:"decision,omitempty"`
	// Charge is the charge as it stands (cards only).
	Charge *payments.RequestCharge `json:"charge,omitempty"`
}

var requestStateNames = map[string]string{"open": "На рассмотрении", "approved": "Возврат одобрен, ожидает перечисления",
	"paid_out": "Деньги перечислены", "granted": "Удовлетворено", "refused": "Отказано", "withdrawn": "Отозвано"}

// requestView is the request of an application (nil for any other, and
// for a draft: its charge is only named, not checked).
func requestView(it appItem, svc catalog.Service) *ChargeRequestView {
	if svc.ChargeRequest == nil || it.ChargeUIN == "" {
		return nil
	}
	r := svc.ChargeRequest
	state := "open"
	switch it.Status {
	case Approved:
		state = "granted"
		if r.Type == catalog.RequestRefund {
			state = "approved"
		}
	case Completed:
		state = "granted"
		if r.Type == catalog.RequestRefund {
			state = "paid_out"
		}
	case Rejected:
		state = "refused"
	case Cancelled:
		state = "withdrawn"
	}
	return &ChargeRequestView{Type: r.Type, UIN: it.ChargeUIN, State: state, StateName: requestStateNames[state],
		RequestedAmount: it.RequestAmount, Reason: it.RefundReason, ApprovedAmount: it.ApprovedAmount, Schedule: it.Schedule,
		AppealOutcome: it.AppealOutcome, DecidedOn: it.DecidedOn, Payout: it.Payout, Decision: it.Decision}
}

// withRequest adds the charge as it stands to a card's request, and, for
// an officer deciding an instalment, the schedule proposed by the number of
// parts asked.
func (s *Service) withRequest(ctx context.Context, a App, it appItem, role string) (App, error) {
	if a.ChargeRequest == nil || s.Requests == nil {
		return a, nil
	}
	ch, err := s.Requests.RequestCharge(ctx, it.Sub, a.ChargeRequest.Type, it.ChargeUIN)
	if problem.Is(err, problem.KindNotFound) {
		return a, nil
	}
	if err != nil {
		return App{}, err
	}
	a.ChargeRequest.Charge = &ch
	if n, ok := a.Values["parts"].(float64); ok && role == RoleOfficer && a.ChargeRequest.State == "open" && a.ChargeRequest.Type == catalog.RequestInstallment {
		a.ChargeRequest.ProposedSchedule = payments.ProposedSchedule(ch.Debt, int(n), s.Clock.Now())
	}
	return a, nil
}

// departmentTitle is who decides an application: its service's
// department, or for a request about a charge the charge's.
func departmentTitle(it appItem, svc catalog.Service) string {
	if svc.ChargeRequest == nil {
		return svc.DepartmentTitle
	}
	if t := catalog.DepartmentTitle(it.Department); t != "" {
		return t
	}
	if a, ok := payments.Agencies[it.Department]; ok {
		return a.Title
	}
	return svc.DepartmentTitle
}

// openRequest checks a request about a charge being submitted and adds its
// charge's side to tx; for a duty's refund on the ground that the
// application it was paid for was withdrawn or refused, that application
// must say so.
func (s *Service) openRequest(ctx context.Context, tx *dynamo.Tx, it appItem, svc catalog.Service, values map[string]any, now time.Time) (payments.Opened, error) {
	if s.Requests == nil {
		return payments.Opened{}, problem.Internal(fmt.Errorf("applications: no charge requests configured"))
	}
	r := svc.ChargeRequest
	opened, err := s.Requests.OpenRequestTx(ctx, tx, payments.ChargeRequest{Type: r.Type, Kinds: r.Kinds, Sub: it.Sub, ApplicationID: it.ID, Values: values}, now)
	if err != nil {
		return payments.Opened{}, err
	}
	want := map[string]string{payments.ReasonWithdrawn: Cancelled, payments.ReasonRefused: Rejected}[opened.Reason]
	if want != "" && opened.Application != "" {
		paid, err := s.table().app(ctx, it.Sub, opened.Application)
		if err == nil && paid.Status != want {
			return payments.Opened{}, problem.Invalid(problem.Field{Field: "values.reason", Code: "refund.reason_mismatch",
				Message: fmt.Sprintf("Заявление № %s, за которое уплачена пошлина, сейчас в статусе «%s»", paid.Number, StatusNames[paid.Status])})
		}
		if err != nil && !problem.Is(err, problem.KindNotFound) {
			return payments.Opened{}, err
		}
	}
	return opened, nil
}

// ref names an application's request for the charge's side.
func ref(it appItem, svc catalog.Service) payments.RequestRef {
	return payments.RequestRef{Type: svc.ChargeRequest.Type, UIN: it.ChargeUIN, ApplicationID: it.ID, Sub: it.Sub, Number: it.Number,
		Amount: it.RequestAmount, Approved: it.ApprovedAmount}
}

// checkRequestMove refuses, before anything is written, what a move may not
// carry: a decision but in an officer's approval of a request, a payout
// but in completing a refund (which needs one); and checks both.
func checkRequestMove(role string, it appItem, svc catalog.Service, m Move, now time.Time) (*payments.Payout, error) {
	request := svc.ChargeRequest != nil && it.ChargeUIN != ""
	refund := request && svc.ChargeRequest.Type == catalog.RequestRefund
	switch {
	case m.Decision != nil && !(request && role == RoleOfficer && m.To == Approved):
		return nil, problem.Invalid(problem.Field{Field: "decision", Code: "decision.unexpected", Message: "Решение с суммой или графиком принимается только при одобрении заявления по начислению"})
	case m.Payout != nil && !(refund && role != RoleCitizen && m.To == Completed):
		return nil, problem.Invalid(problem.Field{Field: "payout", Code: "payout.unexpected", Message: "Платёжное поручение указывается только при завершении возврата"})
	case request && role == RoleOfficer && m.To == Approved:
		return nil, payments.CheckDecision(svc.ChargeRequest.Type, m.Decision)
	case refund && m.To == Completed && m.Payout == nil:
		return nil, problem.Invalid(problem.Field{Field: "payout", Code: "payout.required", Message: "Возврат завершается платёжным поручением: укажите его номер, дату и сумму"})
	case refund && m.To == Completed:
		p, err := payments.CheckPayout("payout.", *m.Payout, it.ApprovedAmount, it.DecidedOn, now)
		return &p, err
	}
	return nil, nil
}

// requestTx adds the charge's side of a move of a request to tx, and
// returns what its application keeps of it and what the applicant is told
// ("" when nothing).
func (s *Service) requestTx(ctx context.Context, tx *dynamo.Tx, it appItem, svc catalog.Service, m Move, payout *payments.Payout, now time.Time) (*requestChange, string, error) {
	if s.Requests == nil {
		return nil, "", problem.Internal(fmt.Errorf("applications: no charge requests configured"))
	}
	r := ref(it, svc)
	switch m.To {
	case Approved:
		d, err := s.Requests.DecideRequestTx(ctx, tx, r, m.Decision, now)
		if err != nil {
			return nil, "", err
		}
		return &requestChange{approved: d.Approved, schedule: d.Schedule, appealOutcome: d.Outcome, decidedOn: payments.Today(now),
			decision: d.Summary}, d.Summary, nil
	case Completed:
		if payout == nil {
			return nil, "", nil
		}
		if err := s.Requests.PayoutTx(ctx, tx, r, now); err != nil {
			return nil, "", err
		}
		return &requestChange{payout: payout, decision: payout.Summary()}, payout.Summary(), nil
	case Rejected, Cancelled:
		outcome := payments.OutcomeRejected
		if m.To == Cancelled {
			outcome = payments.OutcomeWithdrawn
		}
		summary, err := s.Requests.CloseRequestTx(ctx, tx, r, outcome, now)
		if err != nil {
			return nil, "", err
		}
		c := &requestChange{decision: summary}
		if svc.ChargeRequest.Type == catalog.RequestAppeal && outcome == payments.OutcomeRejected {
			c.appealOutcome = payments.AppealKept
		}
		return c, summary, nil
	}
	return nil, "", nil
}

// refundDecision is what a refund's result document says of its payout.
func refundDecision(it appItem, p *payments.Payout, values map[string]any) string {
	account, _ := values["account"].(string)
	account = strings.ReplaceAll(strings.TrimSpace(account), " ", "")
	if len(account) > 4 {
		account = "…" + account[len(account)-4:]
	}
	bik, _ := values["bik"].(string)
	return fmt.Sprintf("%s. Получатель — заявитель, счёт %s в банке с БИК %s. Начисление УИН %s.", p.Summary(), account, strings.TrimSpace(bik), it.ChargeUIN)
}

// RefundOrder is an approved refund its department's system is to pay out:
// the applicant's bank details, as the application gives them.
type RefundOrder struct {
	ApplicationID string `json:"applicationId"`
	Number        string `json:"number"`
	UIN           string `json:"uin"`
	// Amount is the refund approved, in kopecks.
	Amount    int64  `json:"amount"`
	Reason    string `json:"reason,omitempty"`
	DecidedOn string `json:"decidedOn"`
	Recipient struct {
		Surname    string `json:"surname"`
		Name       string `json:"name"`
		Patronymic string `json:"patronymic,omitempty"`
	} `json:"recipient"`
	BIK         string `json:"bik"`
	CorrAccount string `json:"corrAccount"`
	Account     string `json:"account"`
}

// isRefund is whether an application is a request for a refund.
func isRefund(it appItem) bool {
	svc, _ := catalog.Get(it.Service)
	return svc.ChargeRequest != nil && svc.ChargeRequest.Type == catalog.RequestRefund && it.ChargeUIN != ""
}

// agencyCode is the department whose system acts: Forbidden for anyone
// but an agency's system.
func agencyCode(a actor.Actor) (string, error) {
	if err := a.RequireAnyAgency(); err != nil {
		return "", err
	}
	return a.Agency(), nil
}

// AgencyRefunds is a page of the approved refunds the calling agency's
// system is to pay out, oldest first, each with the applicant's bank
// details. Forbidden for anyone but an agency's system; another agency's
// refunds are never listed.
func (s *Service) AgencyRefunds(ctx context.Context, a actor.Actor, cursor string, limit int32) ([]RefundOrder, string, error) {
	agency, err := agencyCode(a)
	if err != nil {
		return nil, "", err
	}
	items, next, err := s.table().queue(ctx, agency, Approved, cursor, limit, isRefund)
	if err != nil {
		return nil, "", err
	}
	out := make([]RefundOrder, 0, len(items))
	for _, it := range items {
		raw, err := s.Sealer.Open(ctx, it.Values, valuesContext(it.Sub, it.ID))
		if err != nil {
			return nil, "", err
		}
		values := map[string]string{}
		var v map[string]any
		_ = json.Unmarshal(raw, &v)
		for k, x := range v {
			if str, ok := x.(string); ok {
				values[k] = strings.ReplaceAll(strings.TrimSpace(str), " ", "")
			}
		}
		o := RefundOrder{ApplicationID: it.ID, Number: it.Number, UIN: it.ChargeUIN, Amount: it.ApprovedAmount, Reason: it.RefundReason,
			DecidedOn: it.DecidedOn, BIK: values["bik"], CorrAccount: values["corrAccount"], Account: values["account"]}
		o.Recipient.Surname, o.Recipient.Name, o.Recipient.Patronymic = values["recipientSurname"], values["recipientName"], values["recipientPatronymic"]
		out = append(out, o)
	}
	return out, next, nil
}

// AgencyPayout records that the calling agency's system paid out an
// approved refund of its department by the payment order in: the
// application is completed with its result document (the refund's
// receipt) and the applicant told. The same payout again answers the
// application as it is. Forbidden for anyone but an agency's system;
// NotFound for another department's application or one that is no refund;
// Invalid for a bad order (its number, date, an amount other than the one
// approved); Conflict illegal_transition for a refund not approved,
// payout_recorded for another payout of one paid out.
func (s *Service) AgencyPayout(ctx context.Context, a actor.Actor, id string, in payments.PayoutInput) (App, error) {
	agency, err := agencyCode(a)
	if err != nil {
		return App{}, err
	}
	it, err := s.table().byID(ctx, id)
	if err != nil {
		return App{}, err
	}
	if it.Department != agency || !isRefund(it) {
		return App{}, problem.NotFound("заявление о возврате")
	}
	if it.Status == Completed && it.Payout != nil {
		p, err := payments.CheckPayout("", in, it.ApprovedAmount, it.DecidedOn, s.Clock.Now())
		if err == nil && p == *it.Payout {
			return s.card(ctx, it, RoleAgency, false)
		}
		return App{}, problem.Conflict("payout_recorded", "Возврат уже перечислен: "+it.Payout.Summary())
	}
	return s.move(ctx, a, RoleAgency, it, Move{To: Completed, Payout: &in})
}
