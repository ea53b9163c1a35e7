package payments

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/catalog"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/workdays"
)

// Requests about a charge — a complaint against a fine (appeal), an
// instalment plan for a fine or a tax, the refund of a duty or a fine paid
// into the budget — are applications to the charge's administrator
// (shared/applications, catalog services with a chargeRequest). This file
// is the charge's side of them, which applications adds to the
// transactions of its own moves:
//
//   - OpenRequestTx, at submission: only the person the charge is for (a
//     refund: only who paid it through the portal), one open request per
//     charge, the appeal window, the refund within what was paid, the bank
//     details by their check digits; the charge is marked (the list and the
//     card show «обжалуется» and the like).
//   - DecideRequestTx, at approval: an appeal cancels the charge (or, paid,
//     leaves it to a refund), an instalment plan issues its parts as
//     charges of their own and puts the charge in instalments, a refund is
//     counted against what was paid.
//   - PayoutTx, when the refund is paid out (the agency's payment order).
//   - CloseRequestTx, when the request is withdrawn or refused.
//
// Every write is conditioned on the charge's version; applications builds
// the change again when a concurrent writer moved it.

// Outcomes of a request that ends without being granted.
const (
	OutcomeWithdrawn = "withdrawn" // the applicant cancelled it
	OutcomeRejected  = "rejected"  // the department refused it
)

// Outcomes of a decided appeal.
const (
	AppealCancelled = "cancelled" // the resolution is cancelled
	AppealKept      = "kept"      // the resolution stands
)

// requestState is what requests have left on a charge (chargeItem embeds
// it, so an agency's repost keeps it).
type requestState struct {
	// RequestOpen is the application deciding a request about the charge,
	// RequestType its type (catalog.Request*), RequestSub who made it.
	RequestOpen string `dynamodbav:"RequestOpen,omitempty"`
	RequestType string `dynamodbav:"RequestType,omitempty"`
	RequestSub  string `dynamodbav:"RequestSub,omitempty"`
	// AppealOutcome is a decided appeal's outcome (AppealCancelled,
	// AppealKept): a resolution is appealed to the department once.
	AppealOutcome string `dynamodbav:"AppealOutcome,omitempty"`
	// BudgetRefunded is what decided refund requests return of the charge
	// from the budget (kopecks); the provider's refunds of money not owed
	// are chargeItem.Refunded.
	BudgetRefunded int64 `dynamodbav:"BudgetRefunded,omitempty"`
	// Plan is the schedule of a charge in instalments; a part names the
	// charge it is of (PlanOf), and which part of how many it is.
	Plan      []PlanPart `dynamodbav:"Plan,omitempty"`
	PlanOf    string     `dynamodbav:"PlanOf,omitempty"`
	PlanPart  int        `dynamodbav:"PlanPart,omitempty"`
	PlanParts int        `dynamodbav:"PlanParts,omitempty"`
}

// PlanPart is one part of an instalment plan: a charge of its own.
type PlanPart struct {
	UIN    string `json:"uin" dynamodbav:"UIN"`
	Amount int64  `json:"amount" dynamodbav:"Amount"`
	Due    string `json:"dueDate" dynamodbav:"Due"`
}

// requestNames are the marks of an open request, as a person reads them.
var requestNames = map[string]string{catalog.RequestAppeal: "обжалуется",
	catalog.RequestInstallment: "рассматривается заявление о рассрочке", catalog.RequestRefund: "рассматривается заявление о возврате"}

// RequestMark is an open request about a charge, as its list and card
// show it.
type RequestMark struct {
	// Type is appeal, installment or refund; Name reads «обжалуется» for
	// an appeal.
	Type string `json:"type"`
	Name string `json:"name"`
	// ApplicationID is the request's application (to who made it).
	ApplicationID string `json:"applicationId,omitempty"`
}

func requestMark(typ string) *RequestMark {
	if typ == "" {
		return nil
	}
	return &RequestMark{Type: typ, Name: requestNames[typ]}
}

// Kopecks is an amount as sent: any JSON number (or its text), checked by
// the service, so a fraction or a negative is named as a field.
type Kopecks string

// UnmarshalJSON keeps the number as written.
func (k *Kopecks) UnmarshalJSON(b []byte) error {
	*k = Kopecks(strings.Trim(string(b), `"`))
	return nil
}

var kopecksPattern = regexp.MustCompile(`^[0-9]{1,10}$`)

// value is the amount, ok only for a whole number of kopecks above zero.
func (k Kopecks) value() (int64, bool) {
	if !kopecksPattern.MatchString(string(k)) {
		return 0, false
	}
	v, err := strconv.ParseInt(string(k), 10, 64)
	return v, err == nil && v > 0 && v <= maxAmount
}

// formKopecks reads an amount of a form (a JSON number decoded as float64,
// or its text): a whole number of kopecks above zero; absent is 0, true.
func formKopecks(v any) (int64, bool) {
	switch n := v.(type) {
	case nil:
		return 0, true
	case float64:
		if n != math.Trunc(n) || n <= 0 || n > maxAmount {
			return 0, false
		}
		return int64(n), true
	case string:
		if strings.TrimSpace(n) == "" {
			return 0, true
		}
		return Kopecks(strings.TrimSpace(n)).value()
	}
	return 0, false
}

// formText is a form's answer as text.
func formText(values map[string]any, name string) string {
	s, _ := values[name].(string)
	return strings.TrimSpace(s)
}

// ChargeRequest is a request about a charge being submitted.
type ChargeRequest struct {
	// Type is catalog.RequestAppeal, RequestInstallment or RequestRefund;
	// Kinds the kinds of charge its service may name.
	Type  string
	Kinds []string
	// Sub is the applicant, ApplicationID the application.
	Sub, ApplicationID string
	// Values are the form's answers (uin, and the type's own).
	Values map[string]any
}

// Opened is what the charge's side of a submitted request tells the
// application.
type Opened struct {
	UIN string
	// Department is the charge's administrator: the department that
	// decides the request.
	Department string
	// Amount is the refund asked for (refunds).
	Amount int64
	// Reason is a refund's reason (RefundReasons' code).
	Reason string
	// Application is the application whose duty the charge is ("" for a
	// charge an agency posted).
	Application string
}

// RequestRef names a request the charge's side acts on.
type RequestRef struct {
	Type, UIN, ApplicationID, Sub, Number string
	// Amount is the refund asked for, Approved the one approved.
	Amount, Approved int64
}

// invalidUIN is a refusal about the charge a request names.
func invalidUIN(code, msg string) error {
	return problem.Invalid(problem.Field{Field: "values.uin", Code: code, Message: msg})
}

// OpenRequestTx checks a request about one of the applicant's charges and
// adds to tx the mark it leaves on the charge (with the applicant's link).
// Errors: Invalid naming the form's field (values.uin, values.amount,
// values.bik, ...), Conflict request_open while another request about the
// charge is decided, and the charge's own conflicts (paid, cancelled,
// being paid, appealed already).
func (c *Charges) OpenRequestTx(ctx context.Context, tx *dynamo.Tx, r ChargeRequest, now time.Time) (Opened, error) {
	uin, err := ValidUIN("values.uin", formText(r.Values, "uin"))
	if err != nil {
		return Opened{}, err
	}
	var link linkItem
	if err := c.d.DB.Get(ctx, dynamo.ChargeLinkKey(r.Sub, uin), "начисление", &link); problem.Is(err, problem.KindNotFound) {
		return Opened{}, invalidUIN("charge.not_found", "Начисление с таким УИН не найдено среди ваших начислений")
	} else if err != nil {
		return Opened{}, err
	}
	ch, exists, err := c.charge(ctx, uin)
	if err != nil {
		return Opened{}, err
	}
	if !exists {
		return Opened{}, invalidUIN("charge.not_found", "Начисление с таким УИН не найдено среди ваших начислений")
	}
	if !slices.Contains(r.Kinds, ch.Type) {
		names := make([]string, len(r.Kinds))
		for i, k := range r.Kinds {
			names[i] = kindNames[k]
		}
		return Opened{}, invalidUIN("request.kind", "Это заявление подаётся только по начислению вида: "+strings.Join(names, ", "))
	}
	if ch.RequestOpen != "" {
		return Opened{}, problem.Conflict("request_open", "По этому начислению уже подано заявление, оно ещё рассматривается: дождитесь решения")
	}
	out := Opened{UIN: uin, Department: ch.Agency, Application: ch.Application}
	// Appeals and instalments are the debtor's: the person the charge was
	// posted for (by an identifier they hold), not someone who found it by
	// its УИН to pay it for them.
	debtor := len(payerVia(link.Via)) > 0 || slices.Contains(link.Via, viaApplication)
	switch r.Type {
	case catalog.RequestAppeal:
		err = c.checkAppeal(ch, debtor, now)
	case catalog.RequestInstallment:
		err = checkInstallment(ch, debtor, r.Values)
	case catalog.RequestRefund:
		out.Amount, out.Reason, err = c.checkRefund(ctx, ch, r)
	default:
		err = fmt.Errorf("payments: unknown request type %q", r.Type)
	}
	if err != nil {
		return Opened{}, err
	}
	next := ch
	next.RequestOpen, next.RequestType, next.RequestSub = r.ApplicationID, r.Type, r.Sub
	next.UpdatedAt, next.V = stamp(now), ch.V+1
	putCharge(tx, next, ch.V)
	tx.PutIf(newLink(r.Sub, next, link.Via, link.LinkedAt), expression.Name("ChargeV").Equal(expression.Value(link.ChargeV)))
	return out, nil
}

// AppealDays is how long a resolution may be appealed: ten days from the
// day its copy was delivered or received (КоАП РФ, ст. 30.3, ч. 1).
const AppealDays = 10

// AppealUntil is the last day (YYYY-MM-DD) a complaint against the
// resolution of a fine may be filed: AppealDays after the day its copy
// was delivered (Basis.Delivered, as the agency posts it) or, when the
// agency posted no delivery, after the resolution's own date; a last day
// that is not a working day moves to the next working day (КоАП РФ, ст.
// 4.8, ч. 3). "" for a charge that is no resolution.
func AppealUntil(b Basis) string {
	if b.Document != "resolution" {
		return ""
	}
	from := b.Delivered
	if from == "" {
		from = b.Date
	}
	d, err := time.ParseInLocation(dateLayout, from, workdays.Moscow)
	if err != nil {
		return ""
	}
	last := d.AddDate(0, 0, AppealDays)
	for !workdays.IsWorking(last) {
		last = last.AddDate(0, 0, 1)
	}
	return last.Format(dateLayout)
}

func (c *Charges) checkAppeal(ch chargeItem, debtor bool, now time.Time) error {
	until := AppealUntil(ch.Basis)
	switch {
	case until == "":
		return invalidUIN("appeal.not_resolution", "Обжаловать можно штраф, назначенный постановлением")
	case !debtor:
		return invalidUIN("request.not_debtor", "Обжаловать постановление может только тот, в отношении кого оно вынесено")
	case ch.AppealOutcome != "":
		return problem.Conflict("appeal_decided", "Жалоба на это постановление уже рассмотрена: решение по ней обжалуется в суде")
	case ch.Status == StatusCancelled:
		return problem.Conflict("charge_cancelled", "Начисление аннулировано: обжаловать нечего")
	case Today(now) > until:
		day, _ := time.Parse(dateLayout, until)
		return invalidUIN("appeal.window", fmt.Sprintf("Срок обжалования истёк %s: жалоба подаётся в течение %d суток со дня получения копии постановления (КоАП РФ, ст. 30.3). "+
			"Пропущенный срок может восстановить суд или должностное лицо по ходатайству", day.Format("02.01.2006"), AppealDays))
	}
	return nil
}

// Decision is what an officer decides on approving a request.
type Decision struct {
	// Amount is the refund approved, in kopecks (refunds; absent: the
	// amount asked for, never more).
	Amount *Kopecks `json:"amount,omitempty"`
	// Schedule is the instalment plan approved (instalments): parts
	// summing to the debt, due on increasing dates.
	Schedule []PartInput `json:"schedule,omitempty"`
}

// PartInput is one part of a schedule as an officer sends it.
type PartInput struct {
	Amount Kopecks `json:"amount"`
	Due    string  `json:"dueDate"`
}

// Decided is what approving a request did.
type Decided struct {
	// Summary is what the applicant is told.
	Summary string
	// Approved is the refund approved (refunds).
	Approved int64
	// Schedule are the parts issued (instalments), each with its УИН.
	Schedule []PlanPart
	// Outcome is an appeal's (AppealCancelled).
	Outcome string
}

// CheckDecision validates an officer's decision for a request of typ
// without reading anything, naming every bad field (decision.amount,
// decision.schedule[i].amount, ...).
func CheckDecision(typ string, d *Decision) error {
	var f []problem.Field
	if d == nil {
		d = &Decision{}
	}
	if d.Amount != nil {
		if typ != catalog.RequestRefund {
			f = append(f, problem.Field{Field: "decision.amount", Code: "decision.amount", Message: "Сумма указывается только в решении о возврате"})
		} else if _, ok := d.Amount.value(); !ok {
			f = append(f, problem.Field{Field: "decision.amount", Code: "amount.kopecks", Message: "Сумма — целое число копеек больше нуля"})
		}
	}
	switch {
	case typ == catalog.RequestInstallment && len(d.Schedule) == 0:
		f = append(f, problem.Field{Field: "decision.schedule", Code: "schedule.required", Message: "Утвердите график рассрочки: части с суммами и сроками"})
	case typ != catalog.RequestInstallment && len(d.Schedule) > 0:
		f = append(f, problem.Field{Field: "decision.schedule", Code: "decision.schedule", Message: "График утверждается только в решении о рассрочке"})
	}
	for i, p := range d.Schedule {
		if _, ok := p.Amount.value(); !ok {
			f = append(f, problem.Field{Field: fmt.Sprintf("decision.schedule[%d].amount", i), Code: "amount.kopecks", Message: "Сумма — целое число копеек больше нуля"})
		}
		if _, err := time.Parse(dateLayout, p.Due); err != nil {
			f = append(f, problem.Field{Field: fmt.Sprintf("decision.schedule[%d].dueDate", i), Code: "date.format", Message: "Срок в формате ГГГГ-ММ-ДД"})
		}
	}
	if len(f) > 0 {
		return problem.Invalid(f...)
	}
	return nil
}

// requestCharge reads the charge a request is about, which it must still
// hold open (Conflict request_not_open otherwise).
func (c *Charges) requestCharge(ctx context.Context, ref RequestRef) (chargeItem, error) {
	ch, exists, err := c.charge(ctx, ref.UIN)
	if err != nil {
		return chargeItem{}, err
	}
	if !exists || ch.RequestOpen != ref.ApplicationID {
		return chargeItem{}, problem.Conflict("request_not_open", "Заявление по начислению уже не рассматривается")
	}
	return ch, nil
}

// DecideRequestTx adds to tx what approving a request does to its charge
// (see the file comment) and says what it did. Errors: Invalid for a bad
// decision (CheckDecision; a schedule that does not sum to the debt, dates
// out of the term), Conflict when the charge no longer allows it.
func (c *Charges) DecideRequestTx(ctx context.Context, tx *dynamo.Tx, ref RequestRef, d *Decision, now time.Time) (Decided, error) {
	if err := CheckDecision(ref.Type, d); err != nil {
		return Decided{}, err
	}
	if d == nil {
		d = &Decision{}
	}
	ch, err := c.requestCharge(ctx, ref)
	if err != nil {
		return Decided{}, err
	}
	switch ref.Type {
	case catalog.RequestAppeal:
		return c.grantAppealTx(ctx, tx, ref, ch, now)
	case catalog.RequestInstallment:
		return c.grantInstallmentTx(ctx, tx, ref, ch, d.Schedule, now)
	case catalog.RequestRefund:
		return c.grantRefundTx(ctx, tx, ref, ch, d.Amount, now)
	}
	return Decided{}, fmt.Errorf("payments: unknown request type %q", ref.Type)
}

// closeRequest is ch with no request open.
func closeRequest(ch chargeItem, now time.Time) chargeItem {
	next := ch
	next.RequestOpen, next.RequestType, next.RequestSub = "", "", ""
	next.UpdatedAt, next.V = stamp(now), ch.V+1
	return next
}

// putOwnLink adds to tx sub's link of the charge as it now is (if sub has
// one), with its reminders and calendar entries.
func (c *Charges) putOwnLink(ctx context.Context, tx *dynamo.Tx, sub string, ch chargeItem, now time.Time) error {
	var old linkItem
	switch err := c.d.DB.Get(ctx, dynamo.ChargeLinkKey(sub, ch.UIN), "начисление", &old); {
	case problem.Is(err, problem.KindNotFound):
		return nil
	case err != nil:
		return err
	}
	tx.PutIf(newLink(sub, ch, old.Via, old.LinkedAt), expression.Name("ChargeV").Equal(expression.Value(old.ChargeV)))
	return c.plan(tx, sub, ch, &old, now)
}

func (c *Charges) grantAppealTx(ctx context.Context, tx *dynamo.Tx, ref RequestRef, ch chargeItem, now time.Time) (Decided, error) {
	next := closeRequest(ch, now)
	next.AppealOutcome = AppealCancelled
	out := Decided{Outcome: AppealCancelled}
	switch {
	case ch.Status == StatusPending:
		return Decided{}, problem.Conflict("charge_being_paid", "Штраф сейчас оплачивается: решение можно принять после завершения платежа")
	case ch.Status == StatusPaid || ch.Status == StatusPartly:
		// What was paid goes back on the payer's request, never by itself.
		out.Summary = "Постановление отменено. Уплаченный штраф можно вернуть: подайте заявление «Возврат излишне уплаченного штрафа»"
		if ch.Status == StatusPartly {
			next.Status, next.CancelReason = StatusCancelled, "Постановление отменено по жалобе (заявление № "+ref.Number+")"
		}
	case ch.Status == StatusCancelled:
		out.Summary = "Постановление отменено. Начисление уже аннулировано"
	default:
		next.Status, next.CancelReason = StatusCancelled, "Постановление отменено по жалобе (заявление № "+ref.Number+")"
		out.Summary = "Постановление отменено, начисление аннулировано: штраф платить не нужно"
	}
	putCharge(tx, next, ch.V)
	return out, c.putOwnLink(ctx, tx, ref.Sub, next, now)
}

func (c *Charges) grantRefundTx(ctx context.Context, tx *dynamo.Tx, ref RequestRef, ch chargeItem, amount *Kopecks, now time.Time) (Decided, error) {
	approved := ref.Amount
	if amount != nil {
		approved, _ = amount.value()
	}
	if approved > ref.Amount {
		return Decided{}, problem.Invalid(problem.Field{Field: "decision.amount", Code: "refund.over_asked",
			Message: "Одобрить можно не больше, чем просит заявитель: " + rub(ref.Amount)})
	}
	paid, err := c.paidBy(ctx, ref.Sub, ch)
	if err != nil {
		return Decided{}, err
	}
	if left := paid - ch.BudgetRefunded; approved > left {
		return Decided{}, problem.Invalid(problem.Field{Field: "decision.amount", Code: "refund.over_paid",
			Message: "Вернуть можно не больше уплаченного и ещё не возвращённого: " + rub(max(left, 0))})
	}
	next := ch
	next.BudgetRefunded += approved
	next.UpdatedAt, next.V = stamp(now), ch.V+1
	putCharge(tx, next, ch.V)
	return Decided{Approved: approved, Summary: "Возврат " + rub(approved) + " одобрен: деньги перечислят на указанный в заявлении счёт"}, nil
}

// Payout is the payment order that paid a refund out, as the department's
// system (or its officer) reports it.
type Payout struct {
	OrderNumber string `json:"orderNumber" dynamodbav:"OrderNumber"`
	// OrderDate is YYYY-MM-DD.
	OrderDate string `json:"orderDate" dynamodbav:"OrderDate"`
	// Amount is what was paid out: the refund approved, in kopecks.
	Amount int64 `json:"amount" dynamodbav:"Amount"`
}

// PayoutInput is a payout as sent.
type PayoutInput struct {
	OrderNumber string  `json:"orderNumber"`
	OrderDate   string  `json:"orderDate"`
	Amount      Kopecks `json:"amount"`
}

var orderNumberPattern = regexp.MustCompile(`^[0-9]{1,10}$`)

// CheckPayout validates a payout of a refund approved at approved (kopecks)
// on the day decided (YYYY-MM-DD): the order's number (up to 10 digits),
// its date (from the decision to today), and the amount, which must be the
// approved one. It names every bad field under prefix.
func CheckPayout(prefix string, in PayoutInput, approved int64, decided string, now time.Time) (Payout, error) {
	var f []problem.Field
	out := Payout{OrderNumber: strings.TrimSpace(in.OrderNumber), OrderDate: strings.TrimSpace(in.OrderDate)}
	if !orderNumberPattern.MatchString(out.OrderNumber) {
		f = append(f, problem.Field{Field: prefix + "orderNumber", Code: "payout.order_number", Message: "Номер платёжного поручения — до 10 цифр"})
	}
	if _, err := time.Parse(dateLayout, out.OrderDate); err != nil {
		f = append(f, problem.Field{Field: prefix + "orderDate", Code: "date.format", Message: "Дата платёжного поручения в формате ГГГГ-ММ-ДД"})
	} else if out.OrderDate > Today(now) || out.OrderDate < decided {
		f = append(f, problem.Field{Field: prefix + "orderDate", Code: "payout.date", Message: "Дата платёжного поручения — не раньше решения о возврате и не позже сегодняшнего дня"})
	}
	v, ok := in.Amount.value()
	switch {
	case !ok:
		f = append(f, problem.Field{Field: prefix + "amount", Code: "amount.kopecks", Message: "Сумма — целое число копеек больше нуля"})
	case v != approved:
		f = append(f, problem.Field{Field: prefix + "amount", Code: "payout.amount", Message: "Перечисляется одобренная сумма: " + rub(approved)})
	}
	out.Amount = v
	if len(f) > 0 {
		return Payout{}, problem.Invalid(f...)
	}
	return out, nil
}

// Summary is what a refund's payout tells the applicant.
func (p Payout) Summary() string {
	day, _ := time.Parse(dateLayout, p.OrderDate)
	return fmt.Sprintf("Возврат %s перечислен: платёжное поручение № %s от %s", rub(p.Amount), p.OrderNumber, day.Format("02.01.2006"))
}

// PayoutTx adds to tx the end of a refund paid out: the charge is free for
// another request. Conflict request_not_open when it was not open.
func (c *Charges) PayoutTx(ctx context.Context, tx *dynamo.Tx, ref RequestRef, now time.Time) error {
	ch, err := c.requestCharge(ctx, ref)
	if err != nil {
		return err
	}
	putCharge(tx, closeRequest(ch, now), ch.V)
	return nil
}

// CloseRequestTx adds to tx the end of a request withdrawn or refused
// (outcome): the mark goes; a refused appeal leaves the resolution in
// force. It says what the applicant is told ("" when nothing is to tell).
// A request no longer open adds nothing.
func (c *Charges) CloseRequestTx(ctx context.Context, tx *dynamo.Tx, ref RequestRef, outcome string, now time.Time) (string, error) {
	ch, exists, err := c.charge(ctx, ref.UIN)
	if err != nil || !exists || ch.RequestOpen != ref.ApplicationID {
		return "", err
	}
	next := closeRequest(ch, now)
	summary := ""
	if ref.Type == catalog.RequestAppeal && outcome == OutcomeRejected {
		next.AppealOutcome = AppealKept
		summary = "Постановление оставлено в силе"
		if payable(ch.Status) {
			day, _ := time.Parse(dateLayout, ch.Due)
			summary += fmt.Sprintf(": штраф нужно оплатить до %s, к оплате %s", day.Format("02.01.2006"), rub(ch.dueNow(now)))
		}
	}
	putCharge(tx, next, ch.V)
	return summary, c.putOwnLink(ctx, tx, ref.Sub, next, now)
}

// SyncCharge brings the links of every holder of a charge up to date after
// a request changed it (the applicant's link changed with it); a failure is
// logged and waits for the next change.
func (c *Charges) SyncCharge(ctx context.Context, uin string) {
	ch, exists, err := c.charge(ctx, uin)
	if err != nil || !exists || len(ch.Owners) < 2 {
		return
	}
	if _, err := c.syncOwners(ctx, ch); err != nil {
		logging.From(ctx).Warn("charge links left for later", "uin", uin, "err", err)
	}
}
