package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/infra/local/yookassaemu"
	"github.com/kabinet/kabinet/shared/payments"
)

// Linked cards and autopay through the gateway, the payments function,
// the autopay function's schedule and the provider's emulator.

type cardDoc struct {
	ID, Status, Card, ConfirmationURL, Reason string
}

type autopayDoc struct {
	ID, Status, Reason, PaymentID, Rule string
	Amount                              int64
	PayAt                               time.Time
}

type ruleDoc struct {
	ID, Status, CancelReason string
	UsedThisMonth            int64
}

// linkCard links a card of the citizen as a client does: the provider's
// page, then the SMS code.
func linkCard(t *testing.T, token, phone string) cardDoc {
	t.Helper()
	r := post(t, "/payment-methods", token, map[string]any{})
	var c cardDoc
	r.JSON(t, &c)
	if r.Status != http.StatusCreated || c.Status != payments.MethodAwaitingCard || c.ConfirmationURL == "" {
		t.Fatalf("link = %d %s", r.Status, r.Body)
	}
	if r := post(t, "/payment-methods/"+c.ID+"/confirmation", token, map[string]any{}); r.Status != http.StatusConflict ||
		problemCode(t, r) != "payment_method_awaiting_card" {
		t.Fatalf("a code before the card = %d %s", r.Status, r.Body)
	}
	answerPage(t, c.ConfirmationURL, "pay")
	for deadline := time.Now().Add(20 * time.Second); c.Status != payments.MethodAwaitingCode; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the card is %s, want awaiting_code", c.Status)
		}
		call(t, "GET", "/payment-methods/"+c.ID, token, nil, nil).JSON(t, &c)
	}
	start := time.Now()
	if r := post(t, "/payment-methods/"+c.ID+"/confirmation", token, map[string]any{}); r.Status != http.StatusOK {
		t.Fatalf("confirmation = %d %s", r.Status, r.Body)
	}
	r = post(t, "/payment-methods/"+c.ID+"/confirm", token, map[string]string{"code": smsCode(t, phone, start)})
	r.JSON(t, &c)
	if r.Status != http.StatusOK || c.Status != payments.MethodActive || !strings.Contains(c.Card, "•••• ") {
		t.Fatalf("confirm = %d %s", r.Status, r.Body)
	}
	return c
}

// flat adds a utility account no other test uses and returns its id and
// number.
func flat(t *testing.T, token string) (string, string) {
	t.Helper()
	number := fmt.Sprint(4_000_000_000 + time.Now().UnixNano()%1_000_000_000)
	var u struct{ ID string }
	if r := post(t, "/utility-accounts", token, map[string]string{"provider": "eirc", "account": number}); r.Status != http.StatusCreated {
		t.Fatalf("utility account = %d %s", r.Status, r.Body)
	} else {
		r.JSON(t, &u)
	}
	return u.ID, number
}

func utilityRule(t *testing.T, token, account, card string) ruleDoc {
	t.Helper()
	r := post(t, "/autopay-rules", token, map[string]any{"utilityAccount": account, "paymentMethod": card, "maxPerCharge": 1_000_000, "maxPerMonth": 2_000_000})
	var rule ruleDoc
	r.JSON(t, &rule)
	if r.Status != http.StatusCreated || rule.Status != payments.RuleActive {
		t.Fatalf("rule = %d %s", r.Status, r.Body)
	}
	return rule
}

var billSeq = time.Now().UnixNano() % 1_000_000_000

func newBillUIN() string {
	billSeq++
	return payments.NewUIN("00000077", billSeq%100_000_000_000)
}

func billFor(number string, amount int64) map[string]any {
	day := time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
	return map[string]any{"kind": "utility", "purpose": "Жилищно-коммунальные услуги за месяц", "amount": amount,
		"basis": map[string]any{"document": "invoice", "number": "ЕПД " + day, "date": day}, "dueDate": time.Now().AddDate(0, 0, 20).Format(time.DateOnly),
		"payer": map[string]any{"utilityAccount": map[string]string{"provider": "eirc", "account": number}}}
}

func autopayOf(t *testing.T, token, uin string) autopayDoc {
	t.Helper()
	var page struct{ Items []autopayDoc }
	call(t, "GET", "/autopays?limit=100", token, nil, nil).JSON(t, &page)
	for _, a := range page.Items {
		if a.ID == uin {
			return a
		}
	}
	t.Fatalf("no autopay of %s: %+v", uin, page.Items)
	return autopayDoc{}
}

// runAutopays fires the autopay schedule n times at once, on a clock two
// days ahead (the day after the notice has come).
func runAutopays(t *testing.T, n int) {
	t.Helper()
	if err := st.SetFunctionClock("autopay", 48*time.Hour); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.SetFunctionClock("autopay", 0) })
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := st.FireSchedule(context.Background(), "autopay", "EveryFiveMinutes"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

// The acceptance: a bill for the citizen's flat is posted twice
// (at once), gets one autopay with its notice «будет оплачено завтра»;
// two runs of the schedule overlap the next day, and the bill is paid
// once, with the saved card, receipted and noted as any payment.
func TestAutopayPaysABillPostedTwiceOnce(t *testing.T) {
	s, sub, phone, _ := newCitizen(t)
	card := linkCard(t, s.AccessToken, phone)
	account, number := flat(t, s.AccessToken)
	rule := utilityRule(t, s.AccessToken, account, card.ID)
	utility := agencyToken(t, "AgencyUtilityClient")
	uin := newBillUIN()
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := putCharge(t, utility, uin, billFor(number, 431250)); r.Status != http.StatusCreated && r.Status != http.StatusOK {
				t.Errorf("post = %d %s", r.Status, r.Body)
			}
		}()
	}
	wg.Wait()
	if r := putCharge(t, utility, uin, billFor(number, 431250)); r.Status != http.StatusOK {
		t.Fatalf("post again = %d %s", r.Status, r.Body)
	}
	a := autopayOf(t, s.AccessToken, uin)
	tomorrow := time.Now().In(time.FixedZone("MSK", 3*3600)).AddDate(0, 0, 1).Format(time.DateOnly)
	if a.Status != payments.AutopayScheduled || a.Amount != 431250 || a.Rule != rule.ID || a.PayAt.In(time.FixedZone("MSK", 3*3600)).Format(time.DateOnly) != tomorrow {
		t.Fatalf("autopay = %+v, want scheduled for %s", a, tomorrow)
	}
	if n := notesOfType(t, sub, "autopay.scheduled"); n != 1 {
		t.Fatalf("%d notices of the autopay, want 1", n)
	}
	if n := notesOfType(t, sub, "charge.issued"); n != 0 {
		t.Fatalf("%d new-charge notes besides the autopay's notice", n)
	}

	runAutopays(t, 2)
	runAutopays(t, 1)
	a = autopayOf(t, s.AccessToken, uin)
	if a.Status != payments.AutopayPaid || a.PaymentID == "" {
		t.Fatalf("autopay after the runs = %+v", a)
	}
	if n := len(providerPayments(a.PaymentID)); n != 1 {
		t.Fatalf("%d payments at the provider, want 1", n)
	}
	var list struct{ Items []paymentDoc }
	call(t, "GET", "/payments?limit=100", s.AccessToken, nil, nil).JSON(t, &list)
	if len(list.Items) != 1 {
		t.Fatalf("the citizen has %d payments, want 1: %+v", len(list.Items), list.Items)
	}
	var p struct {
		paymentDoc
		Card    string
		Autopay bool
	}
	call(t, "GET", "/payments/"+a.PaymentID, s.AccessToken, nil, nil).JSON(t, &p)
	if p.Status != payments.PaymentSucceeded || p.Amount != 431250 || !p.Autopay || p.Card != card.Card || p.Receipt == nil {
		t.Fatalf("payment = %+v", p)
	}
	var charge chargeDoc
	call(t, "GET", "/charges/"+uin, s.AccessToken, nil, nil).JSON(t, &charge)
	if charge.Status != payments.StatusPaid {
		t.Fatalf("the bill is %s", charge.Status)
	}
	if n := notesOfType(t, sub, "payment.done"); n != 1 {
		t.Fatalf("%d payment-done notes, want 1", n)
	}
	var rules struct{ Items []ruleDoc }
	call(t, "GET", "/autopay-rules", s.AccessToken, nil, nil).JSON(t, &rules)
	if len(rules.Items) != 1 || rules.Items[0].UsedThisMonth != 431250 {
		t.Fatalf("rules = %+v", rules.Items)
	}
	var journal struct {
		Items []struct{ Summary, Actor string }
	}
	call(t, "GET", "/activity?limit=50", s.AccessToken, nil, nil).JSON(t, &journal)
	found := 0
	for _, e := range journal.Items {
		if strings.HasPrefix(e.Summary, "Автоплатёж: ") && strings.Contains(e.Summary, uin) {
			found++
		}
	}
	if found != 1 {
		t.Fatalf("%d journal entries of the autopay: %+v", found, journal.Items)
	}
}

// A cancelled rule pays nothing, nor does one cancelled autopay; a card
// the bank declines ends the autopay failed, visibly, with a note and the
// bank's reason, and the bill stays to pay.
func TestCancelledAndDeclinedAutopays(t *testing.T) {
	s, sub, phone, _ := newCitizen(t)
	card := linkCard(t, s.AccessToken, phone)
	account, number := flat(t, s.AccessToken)
	first := utilityRule(t, s.AccessToken, account, card.ID)
	// Whatever else is due (the demo citizen's bill) is paid first, so
	// that the decline armed below meets this test's autopay.
	runAutopays(t, 1)
	utility := agencyToken(t, "AgencyUtilityClient")
	a, b, c := newBillUIN(), newBillUIN(), newBillUIN()
	putCharge(t, utility, a, billFor(number, 100000))
	if r := post(t, "/autopay-rules/"+first.ID+"/cancel", s.AccessToken, map[string]any{}); r.Status != http.StatusOK {
		t.Fatalf("cancel the rule = %d %s", r.Status, r.Body)
	}
	if got := autopayOf(t, s.AccessToken, a); got.Status != payments.AutopayCancelled {
		t.Fatalf("the cancelled rule's autopay is %+v", got)
	}
	utilityRule(t, s.AccessToken, account, card.ID)
	putCharge(t, utility, b, billFor(number, 120000))
	putCharge(t, utility, c, billFor(number, 130000))
	if r := post(t, "/autopays/"+c+"/cancel", s.AccessToken, map[string]any{}); r.Status != http.StatusOK {
		t.Fatalf("cancel one autopay = %d %s", r.Status, r.Body)
	}
	if err := st.YooKassa.Arm(yookassaemu.Faults{DeclineCharge: "insufficient_funds"}); err != nil {
		t.Fatal(err)
	}
	defer st.YooKassa.Reset()
	runAutopays(t, 2)

	got := autopayOf(t, s.AccessToken, b)
	if got.Status != payments.AutopayFailed || got.Reason != "Недостаточно средств" || got.PaymentID == "" {
		t.Fatalf("the declined autopay = %+v", got)
	}
	pp := providerPayments(got.PaymentID)
	if len(pp) != 1 || pp[0].Status != "canceled" {
		t.Fatalf("provider payments of the declined autopay: %+v", pp)
	}
	var p paymentDoc
	call(t, "GET", "/payments/"+got.PaymentID, s.AccessToken, nil, nil).JSON(t, &p)
	if p.Status != payments.PaymentCanceled {
		t.Fatalf("the declined payment is %s", p.Status)
	}
	for _, uin := range []string{a, c} {
		if got := autopayOf(t, s.AccessToken, uin); got.Status != payments.AutopayCancelled || got.PaymentID != "" {
			t.Errorf("autopay %s = %+v, want cancelled without a payment", uin, got)
		}
	}
	for _, uin := range []string{a, b, c} {
		var charge chargeDoc
		call(t, "GET", "/charges/"+uin, s.AccessToken, nil, nil).JSON(t, &charge)
		if charge.Status != payments.StatusUnpaid {
			t.Errorf("bill %s is %s, want unpaid", uin, charge.Status)
		}
	}
	if n := notesOfType(t, sub, "autopay.failed"); n != 1 {
		t.Fatalf("%d failure notes, want 1", n)
	}
	var list struct{ Items []paymentDoc }
	call(t, "GET", "/payments?limit=100", s.AccessToken, nil, nil).JSON(t, &list)
	if len(list.Items) != 1 {
		t.Fatalf("%d payments, want only the declined one", len(list.Items))
	}
}

// Every new route for every role: another citizen, an officer and a
// support operator see none of the owner's cards, rules or autopays and
// change none (404, or their own empty lists); agency systems and the
// anonymous are refused by the gateway (401); a foreign card in a payment
// or a rule is a field-level 422.
func TestAuthorizationMatrixForCardsAndAutopay(t *testing.T) {
	owner, _, phone, _ := newCitizen(t)
	card := linkCard(t, owner.AccessToken, phone)
	account, number := flat(t, owner.AccessToken)
	rule := utilityRule(t, owner.AccessToken, account, card.ID)
	uin := newBillUIN()
	putCharge(t, agencyToken(t, "AgencyUtilityClient"), uin, billFor(number, 50000))
	other, _, _, _ := newCitizen(t)
	people := map[string]session{"another citizen": other, "officer": login(t, "officer"), "support": login(t, "support")}
	jsonHeader := map[string]string{"Content-Type": "application/json"}
	owners := []struct {
		method, path, body string
	}{
		{"GET", "/payment-methods/" + card.ID, ""},
		{"DELETE", "/payment-methods/" + card.ID, ""},
		{"POST", "/payment-methods/" + card.ID + "/confirmation", "{}"},
		{"POST", "/payment-methods/" + card.ID + "/confirm", `{"code":"123456"}`},
		{"POST", "/autopay-rules/" + rule.ID + "/cancel", "{}"},
		{"POST", "/autopays/" + uin + "/cancel", "{}"},
	}
	lists := []string{"/payment-methods", "/autopay-rules", "/autopays"}
	for name, s := range people {
		for _, u := range owners {
			var h map[string]string
			if u.body != "" {
				h = jsonHeader
			}
			if r := call(t, u.method, u.path, s.AccessToken, []byte(u.body), h); r.Status != http.StatusNotFound {
				t.Errorf("%s: %s %s = %d %s, want 404", name, u.method, u.path, r.Status, r.Body)
			}
		}
		for _, path := range lists {
			r := call(t, "GET", path, s.AccessToken, nil, nil)
			if r.Status != http.StatusOK || strings.Contains(string(r.Body), card.ID) || strings.Contains(string(r.Body), uin) {
				t.Errorf("%s: GET %s = %d %s", name, path, r.Status, r.Body)
			}
		}
		r := post(t, "/autopay-rules", s.AccessToken, map[string]any{"kind": "fine", "paymentMethod": card.ID, "maxPerCharge": 100, "maxPerMonth": 100})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), `"field":"paymentMethod"`) {
			t.Errorf("%s: a rule with the owner's card = %d %s", name, r.Status, r.Body)
		}
	}
	// Another citizen pays the owner's bill (looked up by its УИН, as
	// anyone may) with the owner's card: refused naming the field.
	if r := post(t, "/charges/lookup", other.AccessToken, map[string]string{"uin": uin}); r.Status != http.StatusOK {
		t.Fatalf("lookup = %d %s", r.Status, r.Body)
	}
	body, _ := json.Marshal(map[string]any{"charges": []string{uin}, "paymentMethod": card.ID})
	r := call(t, "POST", "/payments", other.AccessToken, body, map[string]string{"Content-Type": "application/json", "Idempotency-Key": "foreign-card-" + uin})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), `"field":"paymentMethod"`) {
		t.Fatalf("paying with another person's card = %d %s", r.Status, r.Body)
	}
	for _, token := range []string{agencyToken(t, "AgencyUtilityClient"), ""} {
		for _, u := range append(owners, struct{ method, path, body string }{"GET", "/payment-methods", ""},
			struct{ method, path, body string }{"POST", "/payment-methods", "{}"}, struct{ method, path, body string }{"GET", "/autopay-rules", ""},
			struct{ method, path, body string }{"POST", "/autopay-rules", "{}"}, struct{ method, path, body string }{"GET", "/autopays", ""}) {
			if r := call(t, u.method, u.path, token, []byte(u.body), jsonHeader); r.Status != http.StatusUnauthorized {
				t.Errorf("token %.10q: %s %s = %d, want 401", token, u.method, u.path, r.Status)
			}
		}
	}
	// The owner's are intact.
	var c cardDoc
	if call(t, "GET", "/payment-methods/"+card.ID, owner.AccessToken, nil, nil).JSON(t, &c); c.Status != payments.MethodActive {
		t.Errorf("the owner's card is %+v", c)
	}
	if a := autopayOf(t, owner.AccessToken, uin); a.Status != payments.AutopayScheduled {
		t.Errorf("the owner's autopay is %+v", a)
	}
	var charge chargeDoc
	if call(t, "GET", "/charges/"+uin, owner.AccessToken, nil, nil).JSON(t, &charge); charge.Status != payments.StatusUnpaid {
		t.Errorf("the owner's bill is %s", charge.Status)
	}

	// Unlinked, the card cancels its rule and pays nothing more.
	if r := call(t, "DELETE", "/payment-methods/"+card.ID, owner.AccessToken, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("unlink = %d %s", r.Status, r.Body)
	}
	var rules struct{ Items []ruleDoc }
	call(t, "GET", "/autopay-rules", owner.AccessToken, nil, nil).JSON(t, &rules)
	if len(rules.Items) != 1 || rules.Items[0].Status != payments.RuleCancelled || rules.Items[0].CancelReason != "Карта отвязана" {
		t.Fatalf("rules after the unlink = %+v", rules.Items)
	}
	if a := autopayOf(t, owner.AccessToken, uin); a.Status != payments.AutopayCancelled {
		t.Errorf("the autopay after the unlink is %+v", a)
	}
	body, _ = json.Marshal(map[string]any{"charges": []string{uin}, "paymentMethod": card.ID})
	r = call(t, "POST", "/payments", owner.AccessToken, body, map[string]string{"Content-Type": "application/json", "Idempotency-Key": "unlinked-" + uin})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), "payment_method.unlinked") {
		t.Fatalf("paying with the unlinked card = %d %s", r.Status, r.Body)
	}
}

// Bad input is a field-level 4xx and changes nothing: negative and
// fractional amounts, unknown kinds and agencies, another person's
// utility account, a made-up or another person's card.
func TestBadAutopayInputChangesNothing(t *testing.T) {
	s, _, phone, _ := newCitizen(t)
	card := linkCard(t, s.AccessToken, phone)
	other, _, _, _ := newCitizen(t)
	theirs, _ := flat(t, other.AccessToken)
	cases := []struct {
		name, body, field string
	}{
		{"a negative amount", `{"kind":"fine","paymentMethod":"` + card.ID + `","maxPerCharge":-100,"maxPerMonth":1000}`, "maxPerCharge"},
		{"a fraction of a kopeck", `{"kind":"fine","paymentMethod":"` + card.ID + `","maxPerCharge":100,"maxPerMonth":1000.5}`, "maxPerMonth"},
		{"an unknown kind", `{"kind":"lottery","paymentMethod":"` + card.ID + `","maxPerCharge":100,"maxPerMonth":1000}`, "kind"},
		{"an unknown agency", `{"agency":"nasa","paymentMethod":"` + card.ID + `","maxPerCharge":100,"maxPerMonth":1000}`, "agency"},
		{"another person's account", `{"utilityAccount":"` + theirs + `","paymentMethod":"` + card.ID + `","maxPerCharge":100,"maxPerMonth":1000}`, "utilityAccount"},
		{"a made-up card", `{"kind":"fine","paymentMethod":"AAAAAAAAAAAA","maxPerCharge":100,"maxPerMonth":1000}`, "paymentMethod"},
		{"no scope", `{"paymentMethod":"` + card.ID + `","maxPerCharge":100,"maxPerMonth":1000}`, "kind"},
	}
	for _, c := range cases {
		r := call(t, "POST", "/autopay-rules", s.AccessToken, []byte(c.body), map[string]string{"Content-Type": "application/json"})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), `"field":"`+c.field+`"`) {
			t.Errorf("%s = %d %s, want 422 naming %s", c.name, r.Status, r.Body, c.field)
		}
	}
	if r := post(t, "/autopay-rules", s.AccessToken, map[string]any{"kind": "fine", "paymentMethod": card.ID, "maxPerCharge": "many"}); r.Status != http.StatusBadRequest {
		t.Errorf("a word for an amount = %d %s", r.Status, r.Body)
	}
	var rules struct{ Items []ruleDoc }
	if call(t, "GET", "/autopay-rules", s.AccessToken, nil, nil).JSON(t, &rules); len(rules.Items) != 0 {
		t.Fatalf("refused rules were made: %+v", rules.Items)
	}
	// A made-up card in a payment.
	cert := newCertificate()
	post(t, "/vehicles", s.AccessToken, map[string]string{"plate": "Е555КХ77", "certificate": cert})
	uin := newUIN()
	putCharge(t, agencyToken(t, "AgencyGibddClient"), uin, fineFor(cert, 30000))
	body, _ := json.Marshal(map[string]any{"charges": []string{uin}, "paymentMethod": "AAAAAAAAAAAA"})
	r := call(t, "POST", "/payments", s.AccessToken, body, map[string]string{"Content-Type": "application/json", "Idempotency-Key": "made-up-" + uin})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), `"field":"paymentMethod"`) {
		t.Fatalf("a made-up card = %d %s", r.Status, r.Body)
	}
	var charge chargeDoc
	if call(t, "GET", "/charges/"+uin, s.AccessToken, nil, nil).JSON(t, &charge); charge.Status != payments.StatusUnpaid {
		t.Fatalf("the fine is %s after a refused payment", charge.Status)
	}
	// The linked card pays it at once, without the page.
	r = call(t, "POST", "/payments", s.AccessToken, mustJSON(map[string]any{"charges": []string{uin}, "paymentMethod": card.ID}),
		map[string]string{"Content-Type": "application/json", "Idempotency-Key": "by-card-" + uin})
	var p paymentDoc
	r.JSON(t, &p)
	if r.Status != http.StatusCreated || p.Status != payments.PaymentSucceeded || p.ConfirmationURL != "" {
		t.Fatalf("pay by card = %d %s", r.Status, r.Body)
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// providerMethod is the emulator's id of a linked card: the saved method of
// the card's verification payment (Kabinet never shows it).
func providerMethod(t *testing.T, card string) string {
	t.Helper()
	for _, p := range st.YooKassa.Payments() {
		if p.Metadata["method"] != card {
			continue
		}
		for _, m := range st.YooKassa.Methods() {
			if m.PaymentID == p.ID {
				return m.ID
			}
		}
	}
	t.Fatalf("the emulator saved no card for %s", card)
	return ""
}

// A card whose permission the payer withdrew at the bank: the charge ends
// canceled with the bank's reason, and the card then says why it cannot
// pay (a field-level 422) and is listed as revoked.
func TestRevokedCardSaysSo(t *testing.T) {
	s, _, phone, _ := newCitizen(t)
	card := linkCard(t, s.AccessToken, phone)
	if err := st.YooKassa.RevokeMethod(providerMethod(t, card.ID)); err != nil {
		t.Fatal(err)
	}
	cert := newCertificate()
	post(t, "/vehicles", s.AccessToken, map[string]string{"plate": "М321ОР77", "certificate": cert})
	uin := newUIN()
	putCharge(t, agencyToken(t, "AgencyGibddClient"), uin, fineFor(cert, 40000))
	pay := func(key string) response {
		return call(t, "POST", "/payments", s.AccessToken, mustJSON(map[string]any{"charges": []string{uin}, "paymentMethod": card.ID}),
			map[string]string{"Content-Type": "application/json", "Idempotency-Key": key + uin})
	}
	var p struct{ Status, CancelReason string }
	if r := pay("revoked-1-"); r.Status != http.StatusCreated {
		t.Fatalf("pay = %d %s", r.Status, r.Body)
	} else if r.JSON(t, &p); p.Status != payments.PaymentCanceled || !strings.Contains(p.CancelReason, "отозвано") {
		t.Fatalf("a revoked card's payment = %+v", p)
	}
	var c cardDoc
	if call(t, "GET", "/payment-methods/"+card.ID, s.AccessToken, nil, nil).JSON(t, &c); c.Status != payments.MethodRevoked {
		t.Fatalf("the card is %+v", c)
	}
	if r := pay("revoked-2-"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), "payment_method.revoked") {
		t.Fatalf("paying again = %d %s", r.Status, r.Body)
	}
	var charge chargeDoc
	if call(t, "GET", "/charges/"+uin, s.AccessToken, nil, nil).JSON(t, &charge); charge.Status != payments.StatusUnpaid {
		t.Fatalf("the fine is %s", charge.Status)
	}
}
