package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/payments"
)

// Requests about a charge — a refund of a duty paid into the budget, an
// instalment plan of a fine, an appeal against one — are applications to
// the charge's department, decided by its officer; a refund is paid out by
// the department's system.

// requestDoc is an application that is a request about a charge.
type requestDoc struct {
	ID, Number, Status, Department string
	Version                        int64
	Result                         *struct{ DocumentID, VerificationCode string }
	ChargeRequest                  *struct {
		Type, UIN, State, Reason, Decision, AppealOutcome string
		RequestedAmount, ApprovedAmount                   int64
		Schedule, ProposedSchedule                        []payments.PlanPart
		Payout                                            *payments.Payout
		Charge                                            *struct {
			Status      string
			Debt        int64
			Refundable  *int64
			AppealUntil string
		}
	}
	Journal []struct{ From, To, Role, Department, Comment string }
}

// standardCitizen is a new person whose identity a registrar checked, so
// that charges posted for their INN reach them.
func standardCitizen(t *testing.T) (s session, sub, phone string) {
	t.Helper()
	s, sub, phone, _ = newCitizen(t)
	if r := post(t, "/registrar/accounts/"+sub+"/level", login(t, "registrar").AccessToken, map[string]string{"level": "standard", "method": "registry_check"}); r.Status != 204 {
		t.Fatalf("level = %d %s", r.Status, r.Body)
	}
	return s, sub, phone
}

// requestDraft is a draft of a request service with the answers given (the
// profile fills the recipient's name).
func requestDraft(t *testing.T, token, code string, values map[string]any) appDoc {
	t.Helper()
	r := post(t, "/applications", token, map[string]string{"service": code})
	if r.Status != 201 {
		t.Fatalf("create draft = %d %s", r.Status, r.Body)
	}
	var a appDoc
	r.JSON(t, &a)
	b, _ := json.Marshal(map[string]any{"values": values})
	r = call(t, "PUT", "/applications/"+a.ID, token, b, map[string]string{"Content-Type": "application/json", "If-Match": r.Header.Get("ETag")})
	if r.Status != 200 {
		t.Fatalf("save draft = %d %s", r.Status, r.Body)
	}
	r.JSON(t, &a)
	return a
}

// fieldError is whether a problem names field with code.
func fieldError(t *testing.T, r response, status int, field, code string) bool {
	t.Helper()
	var p struct {
		Code   string
		Errors []struct{ Field, Code string }
	}
	_ = json.Unmarshal(r.Body, &p)
	if r.Status != status {
		return false
	}
	for _, e := range p.Errors {
		if e.Field == field && e.Code == code {
			return true
		}
	}
	return field == "" && p.Code == code
}

func today() string { return time.Now().In(clock.Moscow()).Format(time.DateOnly) }

func bankDetails(uin string) map[string]any {
	return map[string]any{"uin": uin, "reason": "Госпошлина уплачена повторно", "bik": "044525225", "corrAccount": "30101810400000000225",
		"account": "40817810438000000001"}
}

// The acceptance path: a duty paid into the budget goes back on
// the payer's request, through the department's officer's decision, and
// ends paid out by the department's system, with the refund's document
// among the payer's documents. Bad input changes nothing; every role on
// the new routes is refused as it should be.
func TestDutyRefundIsDecidedAndPaidOut(t *testing.T) {
	s, _, phone := standardCitizen(t)
	mvdSystem, gibddSystem := agencyToken(t, "AgencyMvdClient"), agencyToken(t, "AgencyGibddClient")
	uin := payments.NewUIN(payments.Agencies["mvd"].UINPrefix, time.Now().UnixNano()%100_000_000_000)
	duty := map[string]any{"kind": "duty", "purpose": "Госпошлина за выдачу паспорта", "amount": 150000,
		"basis":   map[string]any{"document": "application", "number": "МФЦ-1", "date": today()},
		"dueDate": time.Now().AddDate(0, 0, 14).Format(time.DateOnly), "payer": map[string]any{"inn": innFor(phone)}}
	if r := putCharge(t, mvdSystem, uin, duty); r.Status != 201 || !strings.Contains(string(r.Body), `"linkedAccounts":1`) {
		t.Fatalf("post the duty = %d %s", r.Status, r.Body)
	}
	// Before it is paid, there is nothing to return.
	early := requestDraft(t, s.AccessToken, "duty-refund", bankDetails(uin))
	if r := submit(t, s.AccessToken, early, nil); !fieldError(t, r, 422, "values.uin", "refund.not_payer") {
		t.Fatalf("a refund of an unpaid duty = %d %s", r.Status, r.Body)
	}
	var p paymentDoc
	pay(t, s.AccessToken, "refund-duty-"+uin, uin).JSON(t, &p)
	answerPage(t, p.ConfirmationURL, "pay")
	waitPayment(t, s.AccessToken, p.ID, payments.PaymentSucceeded)

	// Bad input: a field-level 422 each, and nothing is submitted.
	bad := []struct {
		name, field, code string
		edit              func(map[string]any)
	}{
		{"an account that does not match the BIK", "values.account", "account.checksum", func(v map[string]any) { v["account"] = "40817810438000000002" }},
		{"a correspondent account of another bank", "values.corrAccount", "corr_account.format", func(v map[string]any) { v["corrAccount"] = "30101810145250000974" }},
		{"a fraction of a kopeck", "values.amount", "amount.kopecks", func(v map[string]any) { v["amount"] = 100.5 }},
		{"a negative amount", "values.amount", "amount.kopecks", func(v map[string]any) { v["amount"] = -100 }},
		{"more than was paid", "values.amount", "refund.over_paid", func(v map[string]any) { v["amount"] = 150001 }},
		{"to someone else", "values.recipientSurname", "refund.recipient", func(v map[string]any) { v["recipientSurname"] = "Петрова" }},
	}
	for _, b := range bad {
		v := bankDetails(uin)
		b.edit(v)
		d := requestDraft(t, s.AccessToken, "duty-refund", v)
		if r := submit(t, s.AccessToken, d, nil); !fieldError(t, r, 422, b.field, b.code) {
			t.Errorf("%s = %d %s, want 422 %s on %s", b.name, r.Status, r.Body, b.code, b.field)
		}
		var card requestDoc
		if call(t, "GET", "/applications/"+d.ID, s.AccessToken, nil, nil).JSON(t, &card); card.Status != "draft" || card.Number != "" {
			t.Errorf("%s: the draft moved: %+v", b.name, card)
		}
	}
	// The payer asks for 1 000 ₽ of the 1 500 ₽ paid, signed by an SMS code.
	v := bankDetails(uin)
	v["amount"] = 100000
	r := submitSigned(t, s.AccessToken, phone, requestDraft(t, s.AccessToken, "duty-refund", v), nil)
	if r.Status != 200 {
		t.Fatalf("submit the refund = %d %s", r.Status, r.Body)
	}
	var app requestDoc
	r.JSON(t, &app)
	if app.Department != "mvd" || app.ChargeRequest == nil || app.ChargeRequest.State != "open" || app.ChargeRequest.RequestedAmount != 100000 ||
		app.ChargeRequest.Reason != "duplicate" || app.ChargeRequest.Charge == nil || *app.ChargeRequest.Charge.Refundable != 150000 {
		t.Fatalf("the refund request: %s", r.Body)
	}
	var charge struct {
		Status  string
		Request *struct{ Type, ApplicationID string }
	}
	call(t, "GET", "/charges/"+uin, s.AccessToken, nil, nil).JSON(t, &charge)
	if charge.Status != "paid" || charge.Request == nil || charge.Request.Type != "refund" || charge.Request.ApplicationID != app.ID {
		t.Fatalf("the duty while its refund is decided: %+v", charge)
	}
	// Only once per charge while one is open.
	if r := submit(t, s.AccessToken, requestDraft(t, s.AccessToken, "duty-refund", bankDetails(uin)), nil); r.Status != 409 || problemCode(t, r) != "request_open" {
		t.Fatalf("a second refund = %d %s", r.Status, r.Body)
	}

	// The department's officer decides; another department's sees nothing.
	other, _, _, _ := newCitizen(t)
	mvd, fns := login(t, "officer"), login(t, "officer-fns")
	for name, tok := range map[string]string{"officer fns": fns.AccessToken, "another citizen": other.AccessToken} {
		if r := call(t, "GET", "/applications/"+app.ID, tok, nil, nil); r.Status != 404 {
			t.Errorf("%s reads the refund = %d", name, r.Status)
		}
	}
	if r := call(t, "GET", "/officer/applications/"+app.ID, fns.AccessToken, nil, nil); r.Status != 404 {
		t.Errorf("the fns officer's card = %d", r.Status)
	}
	if r := move(t, fns.AccessToken, app.ID, "registered", nil); r.Status != 404 {
		t.Errorf("the fns officer's move = %d", r.Status)
	}
	if r := move(t, s.AccessToken, app.ID, "registered", nil); r.Status != 403 {
		t.Errorf("the citizen on the officer's route = %d", r.Status)
	}
	for _, to := range []string{"registered", "in_progress"} {
		if r := move(t, mvd.AccessToken, app.ID, to, nil); r.Status != 200 {
			t.Fatalf("to %s = %d %s", to, r.Status, r.Body)
		}
	}
	for name, amount := range map[string]any{"a fraction": 50000.5, "a negative amount": -1, "more than asked": 100001} {
		r := move(t, mvd.AccessToken, app.ID, "approved", map[string]any{"decision": map[string]any{"amount": amount}})
		if r.Status != 422 && r.Status != 400 {
			t.Errorf("approving %s = %d %s", name, r.Status, r.Body)
		}
	}
	if r := move(t, mvd.AccessToken, app.ID, "approved", map[string]any{"decision": map[string]any{"amount": "50000.5"}}); !fieldError(t, r, 422, "decision.amount", "amount.kopecks") {
		t.Errorf("approving a fraction sent as text = %d %s", r.Status, r.Body)
	}
	if r := move(t, mvd.AccessToken, app.ID, "approved", map[string]any{"comment": "Повторная уплата подтверждена"}); r.Status != 200 {
		t.Fatalf("approve = %d %s", r.Status, r.Body)
	}

	// The department's system sees it to pay, with the bank details; the
	// traffic police's does not.
	var orders struct {
		Items []struct {
			ApplicationID, UIN, Account, BIK, CorrAccount string
			Amount                                        int64
			Recipient                                     struct{ Surname, Name, Patronymic string }
		}
	}
	if r := call(t, "GET", "/agency/refunds?limit=100", mvdSystem, nil, nil); r.Status != 200 {
		t.Fatalf("the refunds to pay = %d %s", r.Status, r.Body)
	} else {
		r.JSON(t, &orders)
	}
	found := false
	for _, o := range orders.Items {
		if o.ApplicationID == app.ID {
			found = o.Amount == 100000 && o.UIN == uin && o.Account == "40817810438000000001" && o.BIK == "044525225" &&
				o.Recipient.Surname == "Иванова" && o.Recipient.Name == "Анна"
		}
	}
	if !found {
		t.Fatalf("the mvd system does not see the refund to pay: %+v", orders)
	}
	var theirs struct {
		Items []struct{ ApplicationID string }
	}
	call(t, "GET", "/agency/refunds?limit=100", gibddSystem, nil, nil).JSON(t, &theirs)
	for _, o := range theirs.Items {
		if o.ApplicationID == app.ID {
			t.Error("the gibdd system sees mvd's refund")
		}
	}
	payout := map[string]any{"orderNumber": "4815", "orderDate": today(), "amount": 100000}
	path := "/agency/refunds/" + app.ID + "/payout"
	partner, err := st.OAuth.Mint(machine(t, "AgencyMvdClient").ClientID, []string{"kabinet/partner.demo"})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		token  string
		status int
	}{
		"the citizen": {s.AccessToken, 401}, "another citizen": {other.AccessToken, 401}, "the mvd officer": {mvd.AccessToken, 401},
		"the fns officer": {fns.AccessToken, 401}, "the gibdd system": {gibddSystem, 404}, "a token without the scopes": {partner, 403}, "anonymous": {"", 401},
	} {
		if r := post(t, path, c.token, payout); r.Status != c.status {
			t.Errorf("%s posting the payout = %d %s, want %d", name, r.Status, r.Body, c.status)
		}
		if c.token != gibddSystem {
			if r := call(t, "GET", "/agency/refunds", c.token, nil, nil); r.Status != c.status {
				t.Errorf("%s listing refunds = %d, want %d", name, r.Status, c.status)
			}
		}
	}
	if r := call(t, "GET", "/charges/"+uin, mvdSystem, nil, nil); r.Status != 401 {
		t.Errorf("an agency on a citizen's route = %d", r.Status)
	}
	for name, b := range map[string]map[string]any{
		"another amount": {"orderNumber": "4815", "orderDate": today(), "amount": 150000},
		"a fraction":     {"orderNumber": "4815", "orderDate": today(), "amount": "100000.5"},
		"a future date":  {"orderNumber": "4815", "orderDate": time.Now().AddDate(0, 0, 3).Format(time.DateOnly), "amount": 100000},
		"no number":      {"orderNumber": "", "orderDate": today(), "amount": 100000},
	} {
		if r := post(t, path, mvdSystem, b); r.Status != 422 {
			t.Errorf("a payout with %s = %d %s", name, r.Status, r.Body)
		}
	}
	if r := move(t, mvd.AccessToken, app.ID, "completed", nil); !fieldError(t, r, 422, "payout", "payout.required") {
		t.Errorf("completing without the payout = %d %s", r.Status, r.Body)
	}
	r = post(t, path, mvdSystem, payout)
	if r.Status != 200 {
		t.Fatalf("payout = %d %s", r.Status, r.Body)
	}
	var done requestDoc
	r.JSON(t, &done)
	if done.Status != "completed" || done.Result == nil || done.ChargeRequest.State != "paid_out" || done.ChargeRequest.Payout == nil ||
		done.ChargeRequest.Payout.OrderNumber != "4815" {
		t.Fatalf("the paid-out refund: %s", r.Body)
	}
	if r := post(t, path, mvdSystem, payout); r.Status != 200 {
		t.Errorf("the same payout again = %d %s", r.Status, r.Body)
	}
	if r := post(t, path, mvdSystem, map[string]any{"orderNumber": "4816", "orderDate": today(), "amount": 100000}); r.Status != 409 {
		t.Errorf("another payout = %d %s", r.Status, r.Body)
	}

	// The citizen follows it like any application: the timeline, the note,
	// the refund's document among their documents, verifiable by anyone.
	var card requestDoc
	call(t, "GET", "/applications/"+app.ID, s.AccessToken, nil, nil).JSON(t, &card)
	last := card.Journal[len(card.Journal)-1]
	if card.Status != "completed" || last.Role != "agency" || last.Department != "mvd" || !strings.Contains(last.Comment, "платёжное поручение № 4815") {
		t.Fatalf("the citizen's card: %+v", card)
	}
	var doc struct{ Document struct{ Type string } }
	if r := call(t, "GET", "/documents/"+card.Result.DocumentID, s.AccessToken, nil, nil); r.Status != 200 {
		t.Fatalf("the refund's document = %d", r.Status)
	} else if r.JSON(t, &doc); doc.Document.Type != "result" {
		t.Fatalf("the refund's document: %s", r.Body)
	}
	if r := call(t, "GET", "/verify/"+card.Result.VerificationCode, "", nil, nil); r.Status != 200 || !strings.Contains(string(r.Body), "Возврат государственной пошлины") {
		t.Fatalf("verify = %d %s", r.Status, r.Body)
	}
	sweep(t)
	var inbox struct{ Items []struct{ Body string } }
	call(t, "GET", "/notifications?limit=20", s.AccessToken, nil, nil).JSON(t, &inbox)
	if len(inbox.Items) == 0 || !strings.Contains(inbox.Items[0].Body, "перечислен") {
		t.Fatalf("the note of the payout: %+v", inbox.Items)
	}
	var after struct{ BudgetRefundedAmount int64 }
	call(t, "GET", "/charges/"+uin, s.AccessToken, nil, nil).JSON(t, &after)
	if after.BudgetRefundedAmount != 100000 {
		t.Fatalf("the duty after its refund: %+v", after)
	}
	// What is left may be asked for, never more.
	v["amount"] = 50001
	if r := submit(t, s.AccessToken, requestDraft(t, s.AccessToken, "duty-refund", v), nil); !fieldError(t, r, 422, "values.amount", "refund.over_paid") {
		t.Errorf("a refund above what is left = %d %s", r.Status, r.Body)
	}
}

// An instalment plan of a fine: the officer's schedule must sum to the
// debt without the discount; once approved its parts are charges of their
// own with due dates and calendar entries, and the fine is in instalments.
func TestInstallmentPlanOfAFine(t *testing.T) {
	s, _, phone := standardCitizen(t)
	mvdSystem := agencyToken(t, "AgencyMvdClient")
	uin := payments.NewUIN(payments.Agencies["mvd"].UINPrefix, time.Now().UnixNano()%100_000_000_000)
	fine := map[string]any{"kind": "fine", "purpose": "Штраф по постановлению " + uin, "amount": 90000,
		"basis":   map[string]any{"document": "resolution", "number": uin, "date": today(), "article": "12.9 ч.2"},
		"dueDate": time.Now().AddDate(0, 0, 70).Format(time.DateOnly), "payer": map[string]any{"inn": innFor(phone)}}
	if r := putCharge(t, mvdSystem, uin, fine); r.Status != 201 {
		t.Fatalf("post the fine = %d %s", r.Status, r.Body)
	}
	d := requestDraft(t, s.AccessToken, "fine-installment", map[string]any{"uin": uin, "parts": 4, "reason": "Потерял работу"})
	if r := submit(t, s.AccessToken, d, nil); !fieldError(t, r, 422, "values.parts", "installment.parts") {
		t.Fatalf("four parts of a fine = %d %s", r.Status, r.Body)
	}
	r := submit(t, s.AccessToken, requestDraft(t, s.AccessToken, "fine-installment", map[string]any{"uin": uin, "parts": 3, "reason": "Потерял работу"}), nil)
	if r.Status != 200 {
		t.Fatalf("submit = %d %s", r.Status, r.Body)
	}
	var app requestDoc
	r.JSON(t, &app)
	mvd := login(t, "officer")
	for _, to := range []string{"registered", "in_progress"} {
		if r := move(t, mvd.AccessToken, app.ID, to, nil); r.Status != 200 {
			t.Fatalf("to %s = %d %s", to, r.Status, r.Body)
		}
	}
	var card requestDoc
	call(t, "GET", "/officer/applications/"+app.ID, mvd.AccessToken, nil, nil).JSON(t, &card)
	if card.ChargeRequest.Charge.Debt != 90000 || len(card.ChargeRequest.ProposedSchedule) != 3 {
		t.Fatalf("the officer's card: %+v", card.ChargeRequest)
	}
	day := func(months int) string {
		return time.Now().In(clock.Moscow()).AddDate(0, months, 0).Format(time.DateOnly)
	}
	part := func(amount any, due string) map[string]any { return map[string]any{"amount": amount, "dueDate": due} }
	bad := []struct {
		name, field, code string
		schedule          []map[string]any
	}{
		{"the discounted debt", "decision.schedule", "schedule.sum", []map[string]any{part(22500, day(1)), part(22500, day(2))}},
		{"a fraction of a kopeck", "decision.schedule[0].amount", "amount.kopecks", []map[string]any{part("44999.5", day(1)), part("45000.5", day(2))}},
		{"a negative part", "decision.schedule[0].amount", "amount.kopecks", []map[string]any{part("-1", day(1)), part("90001", day(2))}},
		{"beyond three months", "decision.schedule[1].dueDate", "schedule.term", []map[string]any{part(45000, day(1)), part(45000, day(4))}},
	}
	for _, b := range bad {
		if r := move(t, mvd.AccessToken, app.ID, "approved", map[string]any{"decision": map[string]any{"schedule": b.schedule}}); !fieldError(t, r, 422, b.field, b.code) {
			t.Errorf("%s = %d %s", b.name, r.Status, r.Body)
		}
	}
	var charge struct {
		Status   string
		Discount *struct{ Active bool }
	}
	if call(t, "GET", "/charges/"+uin, s.AccessToken, nil, nil).JSON(t, &charge); charge.Status != "unpaid" || charge.Discount == nil {
		t.Fatalf("a refused schedule changed the fine: %+v", charge)
	}
	schedule := []map[string]any{part(30000, day(1)), part(30000, day(2)), part(30000, day(3))}
	r = move(t, mvd.AccessToken, app.ID, "approved", map[string]any{"decision": map[string]any{"schedule": schedule}})
	if r.Status != 200 {
		t.Fatalf("approve = %d %s", r.Status, r.Body)
	}
	r.JSON(t, &app)
	if len(app.ChargeRequest.Schedule) != 3 {
		t.Fatalf("the plan: %s", r.Body)
	}
	var fineCard struct {
		Status      string
		Discount    *struct{}
		Installment struct {
			Schedule []struct{ UIN, Status string }
		}
	}
	call(t, "GET", "/charges/"+uin, s.AccessToken, nil, nil).JSON(t, &fineCard)
	if fineCard.Status != "installment" || fineCard.Discount != nil || len(fineCard.Installment.Schedule) != 3 {
		t.Fatalf("the fine in instalments: %+v", fineCard)
	}
	if r := pay(t, s.AccessToken, "whole-"+uin, uin); r.Status != 409 || problemCode(t, r) != "charge_in_installment" {
		t.Fatalf("paying the fine whole = %d %s", r.Status, r.Body)
	}
	var cal struct {
		Items []struct{ Title, Link string }
	}
	call(t, "GET", "/calendar?from="+day(0)+"&to="+day(4), s.AccessToken, nil, nil).JSON(t, &cal)
	entries := 0
	for _, e := range cal.Items {
		for _, p := range app.ChargeRequest.Schedule {
			if e.Link == "/charges/"+p.UIN {
				entries++
			}
		}
	}
	if entries != 3 {
		t.Fatalf("%d of the parts' due dates in the calendar: %+v", entries, cal.Items)
	}
	var p paymentDoc
	first := app.ChargeRequest.Schedule[0]
	pay(t, s.AccessToken, "part-"+first.UIN, first.UIN).JSON(t, &p)
	if p.Amount != 30000 {
		t.Fatalf("the first part's payment: %+v", p)
	}
	answerPage(t, p.ConfirmationURL, "pay")
	waitPayment(t, s.AccessToken, p.ID, payments.PaymentSucceeded)
	var agency struct {
		Status      string
		PaidAmount  int64
		Installment []payments.PlanPart
	}
	call(t, "GET", "/agency/charges/"+uin, mvdSystem, nil, nil).JSON(t, &agency)
	if agency.Status != "installment" || agency.PaidAmount != 30000 || len(agency.Installment) != 3 {
		t.Fatalf("the agency's view after the first part: %+v", agency)
	}
}

// An appeal within its window marks the fine «обжалуется» (still payable)
// until the department decides: granted cancels the fine, refused keeps it
// and says so; a complaint after the window is refused and changes
// nothing.
func TestAppealOfAFine(t *testing.T) {
	s, _, phone := standardCitizen(t)
	mvdSystem := agencyToken(t, "AgencyMvdClient")
	seq := time.Now().UnixNano() % 100_000_000_000
	postFine := func(n int64, resolution, delivered string) string {
		uin := payments.NewUIN(payments.Agencies["mvd"].UINPrefix, (seq+n)%100_000_000_000)
		basis := map[string]any{"document": "resolution", "number": uin, "date": resolution, "article": "12.9 ч.2"}
		if delivered != "" {
			basis["deliveredDate"] = delivered
		}
		body := map[string]any{"kind": "fine", "purpose": "Штраф по постановлению " + uin, "amount": 50000, "basis": basis,
			"dueDate": time.Now().AddDate(0, 0, 70).Format(time.DateOnly), "payer": map[string]any{"inn": innFor(phone)}}
		if r := putCharge(t, mvdSystem, uin, body); r.Status != 201 {
			t.Fatalf("post the fine = %d %s", r.Status, r.Body)
		}
		return uin
	}
	ago := func(days int) string { return time.Now().In(clock.Moscow()).AddDate(0, 0, -days).Format(time.DateOnly) }
	late, delivered, granted, refused := postFine(0, ago(30), ""), postFine(1, ago(30), ago(2)), postFine(2, ago(1), ""), postFine(3, ago(1), "")
	appeal := func(uin string) response {
		return submit(t, s.AccessToken, requestDraft(t, s.AccessToken, "fine-appeal", map[string]any{"uin": uin, "text": "Автомобилем управлял не я"}), nil)
	}
	d := requestDraft(t, s.AccessToken, "fine-appeal", map[string]any{"uin": late, "text": "Не согласен"})
	if r := submit(t, s.AccessToken, d, nil); !fieldError(t, r, 422, "values.uin", "appeal.window") {
		t.Fatalf("an appeal after the window = %d %s", r.Status, r.Body)
	}
	var draftNow requestDoc
	if call(t, "GET", "/applications/"+d.ID, s.AccessToken, nil, nil).JSON(t, &draftNow); draftNow.Status != "draft" {
		t.Fatalf("the refused appeal moved: %+v", draftNow)
	}
	if r := appeal(delivered); r.Status != 200 {
		t.Fatalf("an appeal within 10 days of the delivery = %d %s", r.Status, r.Body)
	}
	mvd := login(t, "officer")
	decide := func(uin, to, comment string) requestDoc {
		t.Helper()
		r := appeal(uin)
		if r.Status != 200 {
			t.Fatalf("appeal = %d %s", r.Status, r.Body)
		}
		var app requestDoc
		r.JSON(t, &app)
		var list struct {
			Items []struct {
				ID      string
				Request *struct{ Type, Name string }
			}
		}
		call(t, "GET", "/charges?limit=50", s.AccessToken, nil, nil).JSON(t, &list)
		marked := false
		for _, c := range list.Items {
			marked = marked || c.ID == uin && c.Request != nil && c.Request.Name == "обжалуется"
		}
		if !marked {
			t.Fatalf("the list does not show «обжалуется»: %+v", list.Items)
		}
		if r := call(t, "GET", "/officer/applications/"+app.ID, login(t, "officer-fns").AccessToken, nil, nil); r.Status != 404 {
			t.Errorf("another department's officer = %d", r.Status)
		}
		for _, step := range []string{"registered", "in_progress"} {
			if r := move(t, mvd.AccessToken, app.ID, step, nil); r.Status != 200 {
				t.Fatalf("to %s = %d %s", step, r.Status, r.Body)
			}
		}
		r = move(t, mvd.AccessToken, app.ID, to, map[string]any{"comment": comment})
		if r.Status != 200 {
			t.Fatalf("to %s = %d %s", to, r.Status, r.Body)
		}
		call(t, "GET", "/applications/"+app.ID, s.AccessToken, nil, nil).JSON(t, &app)
		return app
	}
	app := decide(granted, "approved", "Доводы жалобы подтверждены")
	var charge struct {
		Status, AppealOutcome string
		Request               *struct{}
	}
	call(t, "GET", "/charges/"+granted, s.AccessToken, nil, nil).JSON(t, &charge)
	if app.ChargeRequest.AppealOutcome != "cancelled" || charge.Status != "cancelled" || charge.Request != nil {
		t.Fatalf("a granted appeal: %+v, the fine %+v", app.ChargeRequest, charge)
	}
	app = decide(refused, "rejected", "Нарушение зафиксировано камерой")
	call(t, "GET", "/charges/"+refused, s.AccessToken, nil, nil).JSON(t, &charge)
	if app.ChargeRequest.AppealOutcome != "kept" || charge.Status != "unpaid" || charge.AppealOutcome != "kept" ||
		!strings.Contains(app.Journal[len(app.Journal)-1].Comment, "оставлено в силе") {
		t.Fatalf("a refused appeal: %+v, the fine %+v", app.ChargeRequest, charge)
	}
	sweep(t)
	var inbox struct{ Items []struct{ Body string } }
	call(t, "GET", "/notifications?limit=5", s.AccessToken, nil, nil).JSON(t, &inbox)
	if len(inbox.Items) == 0 || !strings.Contains(inbox.Items[0].Body, "оставлено в силе") {
		t.Fatalf("the citizen is not told: %+v", inbox.Items)
	}
	if r := appeal(refused); r.Status != http.StatusConflict || problemCode(t, r) != "appeal_decided" {
		t.Fatalf("appealing the same resolution again = %d %s", r.Status, r.Body)
	}
}
