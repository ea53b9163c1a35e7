package applications

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/catalog"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/issued"
	"github.com/kabinet/kabinet/shared/issued/issuedtest"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/payments"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/vault"
)

// payer is accounts as payments sees them: nobody holds a SNILS or an INN
// here, and everyone is named as the profile's fake.
type payer struct{ nobody }

func (payer) FullName(context.Context, string) (accounts.FullName, error) {
	return accounts.FullName{Surname: profile["surname"].(string), Name: profile["name"].(string), Patronymic: profile["patronymic"].(string)}, nil
}

// paidProvider is an acquirer whose every payment succeeds once asked
// about: enough to pay a charge before asking for it back.
type paidProvider struct {
	mu   sync.Mutex
	pays map[string]payments.ProviderPayment
}

func (p *paidProvider) Create(_ context.Context, n payments.NewPayment) (payments.ProviderPayment, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pp, ok := p.pays[n.IdempotenceKey]; ok {
		return pp, nil
	}
	pp := payments.ProviderPayment{ID: "pp-" + n.IdempotenceKey, Status: payments.ProviderPending, Amount: n.Amount, Test: true,
		ConfirmationURL: "https://pay.example/" + n.IdempotenceKey, Metadata: n.Metadata}
	p.pays[n.IdempotenceKey] = pp
	return pp, nil
}

func (p *paidProvider) Get(_ context.Context, id string) (payments.ProviderPayment, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pp, ok := p.pays[strings.TrimPrefix(id, "pp-")]
	if !ok {
		return payments.ProviderPayment{}, problem.NotFound("платёж")
	}
	pp.Status, pp.Paid = payments.ProviderSucceeded, true
	return pp, nil
}

func (p *paidProvider) Capture(context.Context, string, string) (payments.ProviderPayment, error) {
	return payments.ProviderPayment{}, problem.Invalid()
}

func (p *paidProvider) Cancel(context.Context, string, string) (payments.ProviderPayment, error) {
	return payments.ProviderPayment{}, problem.Invalid()
}

// requestsEnv is env with the charges' side of requests and payments.
type requestsEnv struct {
	*env
	charges *payments.Charges
	pays    *payments.Payments
}

func withRequests(t *testing.T) *requestsEnv {
	t.Helper()
	e := newEnv(t)
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	keys, err := vault.DeriveKeys(secret)
	if err != nil {
		t.Fatal(err)
	}
	d := payments.Deps{DB: e.db, Clock: e.svc.Clock, Keys: vault.FixedKeyring(keys), People: payer{}, Inbox: &inbox.Store{DB: e.db},
		Journal: e.journal.Journal, Provider: &paidProvider{pays: map[string]payments.ProviderPayment{}},
		Receipts: &issued.Service{DB: e.db, Objects: issuedtest.NewObjects(), Signer: issuedtest.NewSigner(t), Renderer: e.issuer.real.Renderer,
			PortalURL: "https://kabinet.example.ru"}, PortalURL: "https://kabinet.example.ru", TestPayments: true}
	r := &requestsEnv{env: e}
	if r.charges, err = payments.NewCharges(d); err != nil {
		t.Fatal(err)
	}
	if r.pays, err = payments.NewPayments(d); err != nil {
		t.Fatal(err)
	}
	e.svc.Duties, e.svc.Requests = r.charges, r.charges
	return r
}

// fine posts a fine of agency for a vehicle of a's and returns its УИН.
func (r *requestsEnv) fine(t *testing.T, a actor.Actor, agency string, amount int64, resolution string) string {
	t.Helper()
	ctx := context.Background()
	r.seq++
	cert := fmt.Sprintf("77УЕ%06d", r.seq)
	if _, err := r.charges.AddVehicle(ctx, a, payments.VehicleInput{Plate: "А123ВС77", Certificate: cert}); err != nil {
		t.Fatal(err)
	}
	uin := payments.NewUIN("18810177", int64(r.seq))
	in := payments.ChargeInput{Kind: payments.KindFine, Purpose: "Штраф по постановлению " + uin, Amount: amount,
		Basis: payments.Basis{Document: "resolution", Number: uin, Date: resolution, Article: "12.9 ч.2"}, Due: "2027-02-28",
		Payer: payments.Payer{VehicleCert: cert}}
	if _, _, err := r.charges.Post(ctx, actor.Agency(agency, "client-"+agency), uin, in); err != nil {
		t.Fatal(err)
	}
	return uin
}

// request is a draft of a request service filled with values.
func (r *requestsEnv) request(t *testing.T, a actor.Actor, code string, values map[string]any) App {
	t.Helper()
	ctx := context.Background()
	d, err := r.svc.CreateDraft(ctx, a, code)
	if err != nil {
		t.Fatal(err)
	}
	if d, err = r.svc.SaveDraft(ctx, a, d.ID, values, d.Version); err != nil {
		t.Fatal(err)
	}
	return d
}

func (r *requestsEnv) submit(t *testing.T, a actor.Actor, d App) (App, error) {
	t.Helper()
	return r.svc.Submit(context.Background(), a, d.ID, nil, "123456", d.Version)
}

// walk moves an application through the officer's statuses.
func (r *requestsEnv) walk(t *testing.T, officer actor.Actor, id string, to ...string) {
	t.Helper()
	for _, s := range to {
		if _, err := r.svc.OfficerTransition(context.Background(), officer, id, Move{To: s}); err != nil {
			t.Fatalf("to %s: %v", s, err)
		}
	}
}

func TestAnAppealGoesToTheChargesDepartmentAndCancelsTheFine(t *testing.T) {
	r := withRequests(t)
	ctx := context.Background()
	a := r.citizen("standard")
	uin := r.fine(t, a, "mvd", 50000, "2026-11-20")
	d := r.request(t, a, "fine-appeal", map[string]any{"uin": uin, "text": "Я не управлял автомобилем в это время"})
	if d.Department != "" || d.ChargeRequest != nil {
		t.Fatalf("a draft names no department and no request yet: %+v", d)
	}
	app, err := r.submit(t, a, d)
	if err != nil {
		t.Fatal(err)
	}
	if app.Department != "mvd" || app.ChargeRequest == nil || app.ChargeRequest.State != "open" || app.ChargeRequest.Charge == nil ||
		app.ChargeRequest.Charge.AppealUntil != "2026-11-30" {
		t.Fatalf("the submitted appeal: %+v %+v", app, app.ChargeRequest)
	}
	card, _ := r.charges.Card(ctx, a, uin)
	if card.Request == nil || card.Request.Name != "обжалуется" || card.Request.ApplicationID != app.ID {
		t.Fatalf("the fine while appealed: %+v", card.Request)
	}
	// Another department's officer does not see it; the fine's does.
	if _, err := r.svc.OfficerCard(ctx, r.officer("gibdd"), app.ID); !problem.Is(err, problem.KindNotFound) {
		t.Fatalf("another department's officer: %v", err)
	}
	officer := r.officer("mvd")
	if r.queued(t, officer, app.ID) != Submitted {
		t.Fatal("the appeal is not in the department's queue")
	}
	r.walk(t, officer, app.ID, Registered, InProgress)
	if _, err := r.svc.OfficerTransition(ctx, officer, app.ID, Move{To: Approved, Decision: &payments.Decision{Schedule: []payments.PartInput{{Amount: "1", Due: "2027-01-01"}}}}); !problem.Is(err, problem.KindInvalid) {
		t.Fatalf("an appeal approved with a schedule: %v", err)
	}
	app, err = r.svc.OfficerTransition(ctx, officer, app.ID, Move{To: Approved, Comment: "Доводы подтверждены"})
	if err != nil {
		t.Fatal(err)
	}
	if app.ChargeRequest.AppealOutcome != payments.AppealCancelled || app.ChargeRequest.State != "granted" || app.ChargeRequest.Decision == "" {
		t.Fatalf("the decided appeal: %+v", app.ChargeRequest)
	}
	if card, _ = r.charges.Card(ctx, a, uin); card.Status != payments.StatusCancelled || card.Request != nil {
		t.Fatalf("the fine after the appeal: %+v", card)
	}
	last := r.notes(t, a.Sub)[0]
	if !strings.Contains(last.Body, "Постановление отменено") {
		t.Fatalf("the applicant is not told: %+v", last)
	}
	found := false
	for _, e := range r.journal.of(t, a.Sub) {
		found = found || strings.Contains(e.Summary, "МВД России") && e.Type == journal.TypeApplicationStatus
	}
	if !found {
		t.Fatal("the activity journal does not name the department")
	}
	// Completing it issues the decision as a document.
	if app, err = r.svc.OfficerTransition(ctx, officer, app.ID, Move{To: Completed}); err != nil || app.Result == nil {
		t.Fatalf("completing: %+v %v", app, err)
	}
}

func TestARefusedAppealKeepsTheFineAndSaysSo(t *testing.T) {
	r := withRequests(t)
	ctx := context.Background()
	a := r.citizen("standard")
	uin := r.fine(t, a, "mvd", 50000, "2026-11-20")
	app, err := r.submit(t, a, r.request(t, a, "fine-appeal", map[string]any{"uin": uin, "text": "Не согласен"}))
	if err != nil {
		t.Fatal(err)
	}
	officer := r.officer("mvd")
	r.walk(t, officer, app.ID, Registered, InProgress)
	if app, err = r.svc.OfficerTransition(ctx, officer, app.ID, Move{To: Rejected, Comment: "Нарушение зафиксировано камерой"}); err != nil {
		t.Fatal(err)
	}
	if app.ChargeRequest.AppealOutcome != payments.AppealKept || !strings.Contains(app.ChargeRequest.Decision, "оставлено в силе") {
		t.Fatalf("the refused appeal: %+v", app.ChargeRequest)
	}
	if card, _ := r.charges.Card(ctx, a, uin); card.Status != payments.StatusUnpaid || card.AppealOutcome != payments.AppealKept || card.Request != nil {
		t.Fatalf("the fine: %+v", card)
	}
	// The resubmission is refused: the department decided already.
	again, _, err := r.svc.Resubmit(ctx, a, app.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.submit(t, a, again); problem.CodeOf(err) != "appeal_decided" {
		t.Fatalf("appealing again: %v", err)
	}
}

func TestAppealOutsideItsWindowOrOfAnotherKindChangesNothing(t *testing.T) {
	r := withRequests(t)
	a := r.citizen("standard")
	late := r.fine(t, a, "mvd", 50000, "2026-11-01")
	d := r.request(t, a, "fine-appeal", map[string]any{"uin": late, "text": "Не согласен"})
	if _, err := r.submit(t, a, d); fieldOf(err) != "values.uin" || codeOf(err) != "appeal.window" {
		t.Fatalf("a late appeal: %v", err)
	}
	if it := r.item(t, a.Sub, d.ID); it.Status != Draft || it.Number != "" {
		t.Fatalf("the refused appeal was submitted: %+v", it)
	}
	d = r.request(t, a, "fine-appeal", map[string]any{"uin": "18810177200000123454", "text": "Не согласен"})
	if _, err := r.submit(t, a, d); codeOf(err) != "uin.checksum" {
		t.Fatalf("a УИН with a wrong check digit: %v", err)
	}
	other := r.citizen("standard")
	mine := r.fine(t, a, "mvd", 50000, "2026-11-20")
	d = r.request(t, other, "fine-appeal", map[string]any{"uin": mine, "text": "Не согласен"})
	if _, err := r.submit(t, other, d); codeOf(err) != "charge.not_found" {
		t.Fatalf("another person's fine: %v", err)
	}
}

func fieldOf(err error) string {
	if pe, ok := problem.As(err); ok && len(pe.Fields) > 0 {
		return pe.Fields[0].Field
	}
	return ""
}

func codeOf(err error) string {
	if pe, ok := problem.As(err); ok && len(pe.Fields) > 0 {
		return pe.Fields[0].Code
	}
	return problem.CodeOf(err)
}

func TestAnInstallmentPlanApprovedWithItsSchedule(t *testing.T) {
	r := withRequests(t)
	ctx := context.Background()
	a := r.citizen("standard")
	uin := r.fine(t, a, "mvd", 90000, "2026-11-20")
	app, err := r.submit(t, a, r.request(t, a, "fine-installment", map[string]any{"uin": uin, "parts": 3, "reason": "Потерял работу"}))
	if err != nil {
		t.Fatal(err)
	}
	// A citizen cannot decide, and a decision never rides another move.
	if _, err := r.svc.Transition(ctx, a, app.ID, Move{To: Cancelled, Decision: &payments.Decision{}}); codeOf(err) != "decision.unexpected" {
		t.Fatalf("a citizen's decision: %v", err)
	}
	officer := r.officer("mvd")
	if _, err := r.svc.OfficerTransition(ctx, officer, app.ID, Move{To: Registered, Decision: &payments.Decision{}}); codeOf(err) != "decision.unexpected" {
		t.Fatalf("a decision on registering: %v", err)
	}
	r.walk(t, officer, app.ID, Registered, InProgress)
	card, err := r.svc.OfficerCard(ctx, officer, app.ID)
	if err != nil || len(card.ChargeRequest.ProposedSchedule) != 3 || card.ChargeRequest.Charge.Debt != 90000 {
		t.Fatalf("the officer's card: %+v %v", card.ChargeRequest, err)
	}
	var proposed []payments.PartInput
	for _, p := range card.ChargeRequest.ProposedSchedule {
		proposed = append(proposed, payments.PartInput{Amount: payments.Kopecks(fmt.Sprint(p.Amount)), Due: p.Due})
	}
	short := append([]payments.PartInput{}, proposed...)
	short[2].Amount = "29999"
	if _, err := r.svc.OfficerTransition(ctx, officer, app.ID, Move{To: Approved, Decision: &payments.Decision{Schedule: short}}); codeOf(err) != "schedule.sum" {
		t.Fatalf("a schedule short of the debt: %v", err)
	}
	if _, err := r.svc.OfficerTransition(ctx, officer, app.ID, Move{To: Approved}); codeOf(err) != "schedule.required" {
		t.Fatalf("an instalment approved without a schedule: %v", err)
	}
	if it := r.item(t, a.Sub, app.ID); it.Status != InProgress {
		t.Fatalf("a refused decision moved the application: %s", it.Status)
	}
	app, err = r.svc.OfficerTransition(ctx, officer, app.ID, Move{To: Approved, Decision: &payments.Decision{Schedule: proposed}})
	if err != nil {
		t.Fatal(err)
	}
	if len(app.ChargeRequest.Schedule) != 3 || app.ChargeRequest.Schedule[0].UIN == "" {
		t.Fatalf("the approved plan: %+v", app.ChargeRequest)
	}
	list, _, _ := r.charges.List(ctx, a, payments.ChargeFilter{Status: payments.StatusUnpaid}, "", 10)
	if len(list) != 3 {
		t.Fatalf("the parts among the charges: %+v", list)
	}
	if c, _ := r.charges.Card(ctx, a, uin); c.Status != payments.StatusInstallment || c.Discount != nil {
		t.Fatalf("the fine in instalments: %+v", c)
	}
}

// A duty paid for an application then withdrawn goes back on the payer's
// request: the officer approves it, the department's system pays it out,
// and the applicant gets the refund's document and a note.
func TestADutyRefundIsDecidedAndPaidOut(t *testing.T) {
	r := withRequests(t)
	ctx := context.Background()
	a := r.citizen("standard")
	svc, _ := catalog.Get("egrn-extract")
	d := r.draftOf(t, a, svc.Code)
	paid, err := r.svc.Submit(ctx, a, d.ID, []string{r.scan(t, a.Sub, svc.Documents[0].Type)}, "", d.Version)
	if err != nil {
		t.Fatal(err)
	}
	ans, err := r.pays.Pay(ctx, a, "duty", payments.PayRequest{Charges: []string{paid.Duty.UIN}})
	if err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"type":"notification","event":"payment.succeeded","object":{"id":"pp-%s"}}`, ans.Payment.ID)
	if err := r.pays.Notify(ctx, []byte(body)); err != nil {
		t.Fatal(err)
	}
	values := map[string]any{"uin": paid.Duty.UIN, "reason": "В совершении действия отказано", "bik": "044525225", "corrAccount": "30101810400000000225",
		"account": "40817810438000000001", "recipientSurname": "Ёлкина", "recipientName": "Анна", "recipientPatronymic": "Сергеевна"}
	if _, err := r.submit(t, a, r.request(t, a, "duty-refund", values)); codeOf(err) != "refund.reason_mismatch" {
		t.Fatalf("a refusal while the application is open: %v", err)
	}
	if _, err := r.svc.Transition(ctx, a, paid.ID, Move{To: Cancelled}); err != nil {
		t.Fatal(err)
	}
	values["reason"] = "Заявление отозвано до рассмотрения"
	app, err := r.submit(t, a, r.request(t, a, "duty-refund", values))
	if err != nil {
		t.Fatal(err)
	}
	if app.Department != "rosreestr" || app.ChargeRequest.RequestedAmount != svc.FeeKopecks || app.ChargeRequest.Reason != payments.ReasonWithdrawn {
		t.Fatalf("the refund request: %+v", app.ChargeRequest)
	}
	if _, err := r.submit(t, a, r.request(t, a, "duty-refund", values)); problem.CodeOf(err) != "request_open" {
		t.Fatalf("a second refund while one is open: %v", err)
	}
	officer := r.officer("rosreestr")
	r.walk(t, officer, app.ID, Registered, InProgress, Approved)
	// The department's system lists it with the bank details; another's does not.
	system := actor.Agency("rosreestr", "client-rosreestr")
	orders, _, err := r.svc.AgencyRefunds(ctx, system, "", 10)
	if err != nil || len(orders) != 1 || orders[0].Account != "40817810438000000001" || orders[0].Amount != svc.FeeKopecks || orders[0].Recipient.Surname != "Ёлкина" {
		t.Fatalf("the refunds to pay: %+v %v", orders, err)
	}
	if others, _, _ := r.svc.AgencyRefunds(ctx, actor.Agency("mvd", "client-mvd"), "", 10); len(others) != 0 {
		t.Fatalf("another agency sees %d", len(others))
	}
	today := payments.Today(r.svc.Clock.Now())
	if _, err := r.svc.AgencyPayout(ctx, actor.Agency("mvd", "client-mvd"), app.ID, payments.PayoutInput{OrderNumber: "1", OrderDate: today, Amount: "35000"}); !problem.Is(err, problem.KindNotFound) {
		t.Fatalf("another agency's payout: %v", err)
	}
	if _, err := r.svc.AgencyPayout(ctx, a, app.ID, payments.PayoutInput{}); !problem.Is(err, problem.KindForbidden) {
		t.Fatalf("a citizen's payout: %v", err)
	}
	if _, err := r.svc.OfficerTransition(ctx, officer, app.ID, Move{To: Completed}); codeOf(err) != "payout.required" {
		t.Fatalf("completing a refund without its payout: %v", err)
	}
	if _, err := r.svc.AgencyPayout(ctx, system, app.ID, payments.PayoutInput{OrderNumber: "77", OrderDate: today, Amount: "35000.5"}); codeOf(err) != "amount.kopecks" {
		t.Fatalf("a payout of a fraction: %v", err)
	}
	payout := payments.PayoutInput{OrderNumber: "77", OrderDate: today, Amount: "35000"}
	done, err := r.svc.AgencyPayout(ctx, system, app.ID, payout)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != Completed || done.Result == nil || done.ChargeRequest.State != "paid_out" || done.ChargeRequest.Payout.OrderNumber != "77" {
		t.Fatalf("the paid-out refund: %+v %+v", done, done.ChargeRequest)
	}
	if again, err := r.svc.AgencyPayout(ctx, system, app.ID, payout); err != nil || again.Status != Completed {
		t.Fatalf("the same payout again: %v", err)
	}
	if _, err := r.svc.AgencyPayout(ctx, system, app.ID, payments.PayoutInput{OrderNumber: "78", OrderDate: today, Amount: "35000"}); problem.CodeOf(err) != "payout_recorded" {
		t.Fatalf("another payout: %v", err)
	}
	req := r.issuer.requests[len(r.issuer.requests)-1]
	if req.DepartmentTitle != "Росреестр" || !strings.Contains(req.Decision, "платёжное поручение № 77") || !strings.Contains(req.Decision, "…0001") {
		t.Fatalf("the refund's document: %+v", req)
	}
	if c, _ := r.charges.Card(ctx, a, paid.Duty.UIN); c.BudgetRefundedAmount != svc.FeeKopecks || c.Request != nil {
		t.Fatalf("the duty after the refund: %+v", c)
	}
	if _, err := r.submit(t, a, r.request(t, a, "duty-refund", values)); problem.CodeOf(err) != "refund_nothing_left" {
		t.Fatalf("a refund of what was returned: %v", err)
	}
	logs := r.logs(t, a.Sub, app.ID)
	if l := logs[len(logs)-1]; l.Role != RoleAgency || l.Department != "rosreestr" || l.ActorID != "rosreestr/client-rosreestr" {
		t.Fatalf("the payout's journal entry: %+v", l)
	}
}

// Of refund requests for one charge submitted at once, one is submitted;
// of the department's system posting the payout several times at once, one
// completes the application and issues one document.
func TestARefundIsRequestedAndPaidOutOnceUnderConcurrency(t *testing.T) {
	r := withRequests(t)
	ctx := context.Background()
	a := r.citizen("standard")
	uin := r.fine(t, a, "mvd", 50000, "2026-11-20")
	ans, err := r.pays.Pay(ctx, a, "fine", payments.PayRequest{Charges: []string{uin}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.pays.Notify(ctx, []byte(`{"type":"notification","event":"payment.succeeded","object":{"id":"pp-`+ans.Payment.ID+`"}}`)); err != nil {
		t.Fatal(err)
	}
	values := map[string]any{"uin": uin, "reason": "Штраф уплачен повторно", "bik": "044525225", "corrAccount": "30101810400000000225",
		"account": "40817810438000000001", "recipientSurname": "Ёлкина", "recipientName": "Анна", "recipientPatronymic": "Сергеевна"}
	const n = 8
	drafts := make([]App, n)
	for i := range drafts {
		drafts[i] = r.request(t, a, "fine-refund", values)
	}
	var wg sync.WaitGroup
	apps, errs := make([]App, n), make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			apps[i], errs[i] = r.submit(t, a, drafts[i])
		}()
	}
	wg.Wait()
	var app App
	for i, err := range errs {
		switch {
		case err == nil && app.ID == "":
			app = apps[i]
		case err == nil:
			t.Fatalf("two refunds of one charge submitted: %s and %s", app.ID, apps[i].ID)
		case problem.CodeOf(err) != "request_open":
			t.Errorf("a concurrent refund: %v", err)
		}
	}
	if app.ID == "" || app.ChargeRequest.RequestedAmount != 25000 {
		t.Fatalf("no refund submitted: %+v", errs)
	}
	r.walk(t, r.officer("mvd"), app.ID, Registered, InProgress, Approved)
	issuedBefore := len(r.issuer.requests)
	system := actor.Agency("mvd", "client-mvd")
	payout := payments.PayoutInput{OrderNumber: "9", OrderDate: payments.Today(r.svc.Clock.Now()), Amount: "25000"}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			apps[i], errs[i] = r.svc.AgencyPayout(ctx, system, app.ID, payout)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && !problem.Is(err, problem.KindConflict) {
			t.Errorf("a concurrent payout: %v", err)
		}
	}
	it := r.item(t, a.Sub, app.ID)
	completed := 0
	for _, l := range r.logs(t, a.Sub, app.ID) {
		if l.To == Completed {
			completed++
		}
	}
	if it.Status != Completed || it.Payout == nil || completed != 1 {
		t.Fatalf("after the payouts: %s, %d completions", it.Status, completed)
	}
	// Documents made by a payout that lost the race are discarded.
	if kept := len(r.issuer.requests) - issuedBefore - len(r.issuer.discarded); kept != 1 {
		t.Fatalf("%d refund documents kept", kept)
	}
	if c, _ := r.charges.Card(ctx, a, uin); c.BudgetRefundedAmount != 25000 {
		t.Fatalf("refunded %d", c.BudgetRefundedAmount)
	}
}

// A tax spread over the most parts there are is decided in one
// transaction with its application's move.
func TestATwelvePartTaxPlanFitsOneDecision(t *testing.T) {
	r := withRequests(t)
	ctx := context.Background()
	a := r.citizen("standard")
	r.seq++
	cert := fmt.Sprintf("77УЕ%06d", r.seq)
	if _, err := r.charges.AddVehicle(ctx, a, payments.VehicleInput{Plate: "А123ВС77", Certificate: cert}); err != nil {
		t.Fatal(err)
	}
	uin := payments.NewUIN("18206010", int64(r.seq))
	if _, _, err := r.charges.Post(ctx, actor.Agency("fns", "client-fns"), uin, payments.ChargeInput{Kind: payments.KindTax,
		Purpose: "Транспортный налог за 2025 год", Amount: 1_200_001, Basis: payments.Basis{Document: "notice", Number: "№ 1", Date: "2026-10-01"},
		Due: "2026-12-01", Payer: payments.Payer{VehicleCert: cert}}); err != nil {
		t.Fatal(err)
	}
	app, err := r.submit(t, a, r.request(t, a, "tax-installment", map[string]any{"uin": uin, "parts": 12, "reason": "Болезнь"}))
	if err != nil {
		t.Fatal(err)
	}
	officer := r.officer("fns")
	r.walk(t, officer, app.ID, Registered, InProgress)
	card, err := r.svc.OfficerCard(ctx, officer, app.ID)
	if err != nil {
		t.Fatal(err)
	}
	var schedule []payments.PartInput
	for _, p := range card.ChargeRequest.ProposedSchedule {
		schedule = append(schedule, payments.PartInput{Amount: payments.Kopecks(fmt.Sprint(p.Amount)), Due: p.Due})
	}
	if len(schedule) != 12 || card.ChargeRequest.ProposedSchedule[11].Amount != 100_001 {
		t.Fatalf("the proposed schedule: %+v", card.ChargeRequest.ProposedSchedule)
	}
	if app, err = r.svc.OfficerTransition(ctx, officer, app.ID, Move{To: Approved, Decision: &payments.Decision{Schedule: schedule}}); err != nil {
		t.Fatal(err)
	}
	list, _, _ := r.charges.List(ctx, a, payments.ChargeFilter{Status: payments.StatusUnpaid}, "", 50)
	if len(app.ChargeRequest.Schedule) != 12 || len(list) != 12 {
		t.Fatalf("%d parts approved, %d to pay", len(app.ChargeRequest.Schedule), len(list))
	}
}
