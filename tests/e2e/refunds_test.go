package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/infra/local/yookassaemu"
	"github.com/kabinet/kabinet/shared/payments"
)

type refundDoc struct {
	ID, PaymentID, Status, Cause, Initiator, CancelReason string
	Amount                                                int64
	Charges                                               []struct {
		UIN    string
		Amount int64
	}
	Receipt *struct{ DocumentID, Number, VerificationCode string }
}

type refundedPaymentDoc struct {
	ID, Status                               string
	Amount, RefundedAmount, RefundableAmount int64
	Refunds                                  []refundDoc
}

type fieldProblem struct {
	Code   string
	Errors []struct{ Field, Code string }
}

func (p fieldProblem) field() string {
	if len(p.Errors) != 1 {
		return ""
	}
	return p.Errors[0].Field
}

// askRefund sends POST /payments/{id}/refunds with a raw body.
func askRefund(t *testing.T, token, id, key, body string) response {
	t.Helper()
	h := map[string]string{"Content-Type": "application/json"}
	if key != "" {
		h["Idempotency-Key"] = key
	}
	return call(t, http.MethodPost, "/payments/"+id+"/refunds", token, []byte(body), h)
}

func paymentWithRefunds(t *testing.T, token, id string) refundedPaymentDoc {
	t.Helper()
	var p refundedPaymentDoc
	if r := call(t, http.MethodGet, "/payments/"+id, token, nil, nil); r.Status != http.StatusOK {
		t.Fatalf("GET /payments/%s = %d %s", id, r.Status, r.Body)
	} else {
		r.JSON(t, &p)
	}
	return p
}

// waitRefunds polls the payment's refunds until ok says they are there.
func waitRefunds(t *testing.T, token, id string, ok func([]refundDoc) bool) []refundDoc {
	t.Helper()
	var page struct{ Items []refundDoc }
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		r := call(t, http.MethodGet, "/payments/"+id+"/refunds?limit=100", token, nil, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("GET refunds = %d %s", r.Status, r.Body)
		}
		r.JSON(t, &page)
		if ok(page.Items) {
			return page.Items
		}
	}
	t.Fatalf("refunds of %s: %+v", id, page.Items)
	return nil
}

// emulatorRefunds are the provider's refunds of one of its payments, and
// the sum of those not canceled.
func emulatorRefunds(providerID string) ([]yookassaemu.Refund, int64) {
	var out []yookassaemu.Refund
	var sum int64
	for _, rf := range st.YooKassa.Refunds() {
		if rf.PaymentID != providerID {
			continue
		}
		out = append(out, rf)
		if rf.Status != "canceled" {
			var rub, kop int64
			fmt.Sscanf(rf.Amount.Value, "%d.%d", &rub, &kop)
			sum += rub*100 + kop
		}
	}
	return out, sum
}

// paidFine posts a fine of amount for a new car of s and pays it on the
// provider's page (with the discount: half of it); it returns the УИН, the
// payment and the provider's payment.
func paidFine(t *testing.T, s session, gibdd string, amount int64) (string, string, string) {
	t.Helper()
	cert := newCertificate()
	plate := fmt.Sprintf("К%03dКК77", uinSeq.Add(1)%1000)
	if r := post(t, "/vehicles", s.AccessToken, map[string]string{"plate": plate, "certificate": cert}); r.Status != http.StatusCreated {
		t.Fatalf("add vehicle = %d %s", r.Status, r.Body)
	}
	uin := newUIN()
	if r := putCharge(t, gibdd, uin, fineFor(cert, amount)); r.Status != http.StatusCreated {
		t.Fatalf("post fine = %d %s", r.Status, r.Body)
	}
	var p paymentDoc
	pay(t, s.AccessToken, "pay-"+uin, uin).JSON(t, &p)
	answerPage(t, p.ConfirmationURL, "pay")
	waitPayment(t, s.AccessToken, p.ID, payments.PaymentSucceeded)
	pp := providerPayments(p.ID)
	if len(pp) != 1 {
		t.Fatalf("provider payments %+v", pp)
	}
	return uin, p.ID, pp[0].ID
}

// cancelledAndDeclined has the agency cancel a paid fine while the provider
// declines the automatic refund, so that its money is left for the payer
// to ask back. It returns the payment and the provider's payment.
func cancelledAndDeclined(t *testing.T, s session, amount int64) (string, string) {
	t.Helper()
	gibdd := agencyToken(t, "AgencyGibddClient")
	uin, id, ppID := paidFine(t, s, gibdd, amount)
	if err := st.YooKassa.Arm(yookassaemu.Faults{DeclineRefund: "general_decline"}); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]string{"reason": "Постановление отменено решением суда"})
	r := call(t, http.MethodPost, "/agency/charges/"+uin+"/cancel", gibdd, b, map[string]string{"Content-Type": "application/json"})
	var ac struct {
		Status         string
		RefundedAmount int64
	}
	r.JSON(t, &ac)
	if r.Status != http.StatusOK || ac.Status != payments.StatusCancelled || ac.RefundedAmount != amount/2 {
		t.Fatalf("cancel a paid fine = %d %s", r.Status, r.Body)
	}
	p := paymentWithRefunds(t, s.AccessToken, id)
	if len(p.Refunds) != 1 || p.Refunds[0].Status != payments.RefundCanceled || p.RefundableAmount != amount/2 {
		t.Fatalf("after the declined refund: %+v", p)
	}
	return id, ppID
}

// The acceptance path: the payer paid a fine at a bank while the portal's
// payment waited on the provider's page, then paid it there too. The
// second payment settles for a charge already paid and is refunded once —
// whatever the provider notifies twice, the agency posts again or the
// reconciliation runs — with a note when it is made and when it ends, a
// journal entry and a «Чек возврата» among the documents that /verify
// confirms. The charge stays paid.
func TestADuplicatePaymentIsRefundedOnceOnTheStack(t *testing.T) {
	s, sub, _, _ := newCitizen(t)
	cert := newCertificate()
	post(t, "/vehicles", s.AccessToken, map[string]string{"plate": "Р555РР77", "certificate": cert})
	gibdd := agencyToken(t, "AgencyGibddClient")
	uin := newUIN()
	if r := putCharge(t, gibdd, uin, fineFor(cert, 60000)); r.Status != http.StatusCreated {
		t.Fatalf("post = %d %s", r.Status, r.Body)
	}
	var p paymentDoc
	pay(t, s.AccessToken, "dup-"+uin, uin).JSON(t, &p)
	elsewhere := fineFor(cert, 60000)
	elsewhere["paidAmount"] = 60000
	r := putCharge(t, gibdd, uin, elsewhere)
	var ac struct{ Status string }
	r.JSON(t, &ac)
	if r.Status != http.StatusOK || ac.Status != payments.StatusPending {
		t.Fatalf("paid at a bank while being paid here = %d %s", r.Status, r.Body)
	}
	if err := st.YooKassa.Arm(yookassaemu.Faults{Notify: yookassaemu.NotifyFaults{Twice: true}}); err != nil {
		t.Fatal(err)
	}
	answerPage(t, p.ConfirmationURL, "pay")
	waitPayment(t, s.AccessToken, p.ID, payments.PaymentSucceeded)
	refunds := waitRefunds(t, s.AccessToken, p.ID, func(rs []refundDoc) bool { return len(rs) == 1 && rs[0].Status == payments.RefundSucceeded })
	ppID := providerPayments(p.ID)[0].ID
	// The refund's notification reaches the portal and is answered.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		delivered := false
		for _, n := range notificationsOf(ppID) {
			delivered = delivered || (n.Event == "refund.succeeded" && n.State == yookassaemu.NoteDelivered)
		}
		if delivered {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the refund's notification was not delivered: %+v", notificationsOf(ppID))
		}
	}
	if r := putCharge(t, gibdd, uin, elsewhere); r.Status != http.StatusOK {
		t.Fatalf("the same report again = %d %s", r.Status, r.Body)
	}
	reconcile(t)
	reconcile(t)

	made, sum := emulatorRefunds(ppID)
	if len(made) != 1 || sum != 30000 || made[0].Status != "succeeded" {
		t.Fatalf("provider refunds %+v (sum %d), want one of 300 ₽", made, sum)
	}
	if rec, _ := st.YooKassa.Payment(ppID); rec.RefundedAmount == nil || rec.RefundedAmount.Value != "300.00" {
		t.Fatalf("the provider's payment shows refunded %+v", rec.RefundedAmount)
	}
	got := paymentWithRefunds(t, s.AccessToken, p.ID)
	rf := got.Refunds[0]
	if got.RefundedAmount != 30000 || got.RefundableAmount != 0 || len(got.Refunds) != 1 || rf.ID != refunds[0].ID ||
		rf.Cause != payments.RefundDuplicate || rf.Initiator != payments.RefundByPortal || rf.Amount != 30000 ||
		len(rf.Charges) != 1 || rf.Charges[0].UIN != uin || rf.Receipt == nil {
		t.Fatalf("payment %+v", got)
	}
	var card chargeDoc
	call(t, http.MethodGet, "/charges/"+uin, s.AccessToken, nil, nil).JSON(t, &card)
	if card.Status != payments.StatusPaid {
		t.Fatalf("the charge after the duplicate: %+v", card)
	}
	for typ, want := range map[string]int{"payment.done": 1, "refund.started": 1, "refund.done": 1} {
		if n := notesOfType(t, sub, typ); n != want {
			t.Errorf("%d notes %s, want %d", n, typ, want)
		}
	}
	var journal struct {
		Items []struct{ Type, Summary string }
	}
	call(t, http.MethodGet, "/activity?limit=50", s.AccessToken, nil, nil).JSON(t, &journal)
	entries := 0
	for _, e := range journal.Items {
		if e.Type == "payment.refund" && strings.Contains(e.Summary, "300,00") {
			entries++
		}
	}
	if entries != 1 {
		t.Errorf("%d journal entries of the refund: %+v", entries, journal.Items)
	}

	// The «Чек возврата»: among the documents, the PDF says what went back,
	// and anyone can check it.
	var doc struct {
		Document struct {
			Type   string
			Issued struct{ Number, Title, VerificationCode string }
		}
		Download struct{ URL string }
	}
	call(t, http.MethodGet, "/documents/"+rf.Receipt.DocumentID, s.AccessToken, nil, nil).JSON(t, &doc)
	if d := doc.Document; d.Type != "result" || d.Issued.VerificationCode != rf.Receipt.VerificationCode || d.Issued.Title != "Чек возврата" ||
		d.Issued.Number != rf.Receipt.Number || doc.Download.URL == "" {
		t.Fatalf("the refund receipt among the documents: %+v", doc)
	}
	res, err := http.Get(doc.Download.URL)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(res.Body)
	res.Body.Close()
	text := pdfText(t, pdf)
	for _, want := range []string{"Чек возврата", rf.Receipt.Number, uin, "300,00", rf.Receipt.VerificationCode, made[0].ID} {
		if !strings.Contains(text, want) {
			t.Errorf("the refund receipt lacks %q:\n%s", want, text)
		}
	}
	if res, v := verify(t, rf.Receipt.VerificationCode, pdf, "application/pdf"); res.Status != http.StatusOK || !v.Genuine || v.Unaltered == nil || !*v.Unaltered {
		t.Fatalf("verify = %d %+v", res.Status, v)
	}
}

// Twenty refund requests at once, each with a key of its own, for 30 ₽
// of the 200 ₽ left to refund: six are made, fourteen refused naming the
// amount, and the provider never returns more than was paid. Twenty
// repeats of one key for the rest make one refund.
func TestConcurrentRefundRequestsNeverExceedWhatWasPaid(t *testing.T) {
	s, sub, _, _ := newCitizen(t)
	id, ppID := cancelledAndDeclined(t, s, 40000) // 200 ₽ paid with the discount
	if n := notesOfType(t, sub, "refund.canceled"); n != 1 {
		t.Fatalf("%d notes of the declined refund", n)
	}
	var wg sync.WaitGroup
	statuses := make(chan response, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- askRefund(t, s.AccessToken, id, fmt.Sprintf("many-%s-%d", id, i), `{"amount":3000}`)
		}()
	}
	wg.Wait()
	close(statuses)
	made, refused := 0, 0
	for r := range statuses {
		var prob fieldProblem
		switch r.Status {
		case http.StatusCreated:
			made++
		case http.StatusUnprocessableEntity:
			if r.JSON(t, &prob); prob.field() != "amount" || prob.Errors[0].Code != "refund.amount_above_refundable" {
				t.Errorf("refused without naming the amount: %s", r.Body)
			}
			refused++
		default:
			t.Errorf("a request answered %d %s", r.Status, r.Body)
		}
	}
	if made != 6 || refused != 14 {
		t.Fatalf("%d made, %d refused; want 6 and 14", made, refused)
	}
	if _, sum := emulatorRefunds(ppID); sum != 18000 {
		t.Fatalf("the provider returned %d kopecks, want 18 000", sum)
	}
	if p := paymentWithRefunds(t, s.AccessToken, id); p.RefundedAmount != 18000 || p.RefundableAmount != 2000 {
		t.Fatalf("after the requests: %+v", p)
	}

	// One key, twenty times at once: one refund, the same answer.
	key := "rest-" + id
	answers := make(chan response, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers <- askRefund(t, s.AccessToken, id, key, `{}`)
		}()
	}
	wg.Wait()
	close(answers)
	ids := map[string]bool{}
	for r := range answers {
		switch r.Status {
		case http.StatusCreated:
			var rf refundDoc
			r.JSON(t, &rf)
			ids[rf.ID] = true
		case http.StatusConflict:
			if code := problemCode(t, r); code != "idempotency_in_flight" {
				t.Errorf("a repeat answered 409 %s", code)
			}
		default:
			t.Errorf("a repeat answered %d %s", r.Status, r.Body)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("one key made %d refunds", len(ids))
	}
	refunds, sum := emulatorRefunds(ppID)
	if sum != 20000 || len(refunds) != 8 {
		t.Fatalf("the provider returned %d in %d refunds, want all 20 000 paid in 8 (the declined one included)", sum, len(refunds))
	}
	if rec, _ := st.YooKassa.Payment(ppID); rec.RefundedAmount == nil || rec.RefundedAmount.Value != "200.00" || rec.Refundable {
		t.Fatalf("the provider's payment: refunded %+v, refundable %v", rec.RefundedAmount, rec.Refundable)
	}
	if r := askRefund(t, s.AccessToken, id, "none-"+id, `{}`); r.Status != http.StatusConflict || problemCode(t, r) != "nothing_to_refund" {
		t.Fatalf("nothing left = %d %s", r.Status, r.Body)
	}
}

// Every role on the refund routes: only the payer reaches their payment's
// refunds (staff and other citizens get 404, agency systems and anonymous
// callers 401); bad input is refused naming the field, and none of it
// changes anything.
func TestRefundRoutesRefuseOthersAndBadInput(t *testing.T) {
	a, _, _, _ := newCitizen(t)
	id, ppID := cancelledAndDeclined(t, a, 20000)
	before, _ := emulatorRefunds(ppID)

	b, _, _, _ := newCitizen(t)
	people := map[string]session{"user B": b, "officer mvd": login(t, "officer"), "officer fns": login(t, "officer-fns"),
		"registrar": login(t, "registrar"), "support": login(t, "support")}
	for name, s := range people {
		if r := askRefund(t, s.AccessToken, id, "steal-"+strings.ReplaceAll(name, " ", "-"), `{}`); r.Status != http.StatusNotFound {
			t.Errorf("%s: POST refunds = %d, want 404", name, r.Status)
		}
		if r := call(t, http.MethodGet, "/payments/"+id+"/refunds", s.AccessToken, nil, nil); r.Status != http.StatusNotFound {
			t.Errorf("%s: GET refunds = %d, want 404", name, r.Status)
		}
	}
	for _, client := range []string{"AgencyGibddClient", "AgencyFnsClient"} {
		tok := agencyToken(t, client)
		if r := askRefund(t, tok, id, "agency", `{}`); r.Status != http.StatusUnauthorized {
			t.Errorf("%s: POST refunds = %d, want 401", client, r.Status)
		}
		if r := call(t, http.MethodGet, "/payments/"+id+"/refunds", tok, nil, nil); r.Status != http.StatusUnauthorized {
			t.Errorf("%s: GET refunds = %d, want 401", client, r.Status)
		}
	}
	if r := askRefund(t, "", id, "anon", `{}`); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous POST = %d", r.Status)
	}
	if r := call(t, http.MethodGet, "/payments/"+id+"/refunds", "", nil, nil); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous GET = %d", r.Status)
	}

	for i, c := range []struct {
		name, body string
		field      string
	}{
		{"negative", `{"amount":-100}`, "amount"},
		{"fractional", `{"amount":1.5}`, "amount"},
		{"zero", `{"amount":0}`, "amount"},
		{"text", `{"amount":"abc"}`, "amount"},
		{"an exponent", `{"amount":1e3}`, "amount"},
		{"more than refundable", `{"amount":10001}`, "amount"},
		{"a malformed УИН", `{"amount":100,"uin":"123"}`, "uin"},
		{"a charge not of the payment", `{"amount":100,"uin":"` + newUIN() + `"}`, "uin"},
	} {
		r := askRefund(t, a.AccessToken, id, fmt.Sprintf("bad-%d-%s", i, id), c.body)
		var prob fieldProblem
		if r.JSON(t, &prob); r.Status != http.StatusUnprocessableEntity || prob.field() != c.field {
			t.Errorf("%s: %d %s, want 422 naming %s", c.name, r.Status, r.Body, c.field)
		}
	}
	if r := askRefund(t, a.AccessToken, id, "", `{}`); r.Status != http.StatusBadRequest || problemCode(t, r) != "idempotency_key_required" {
		t.Errorf("no key = %d %s", r.Status, r.Body)
	}
	if r := askRefund(t, a.AccessToken, id, "extra-"+id, `{"amount":100,"reason":"хочу"}`); r.Status != http.StatusBadRequest {
		t.Errorf("an unknown field = %d %s", r.Status, r.Body)
	}
	if r := askRefund(t, a.AccessToken, "20261125T090000-NoSuchPaymnt", "x-"+id, `{}`); r.Status != http.StatusNotFound {
		t.Errorf("an unknown payment = %d", r.Status)
	}
	if after, _ := emulatorRefunds(ppID); len(after) != len(before) {
		t.Fatalf("refused requests reached the provider: %d refunds, were %d", len(after), len(before))
	}
	if p := paymentWithRefunds(t, a.AccessToken, id); p.RefundableAmount != 10000 || len(p.Refunds) != 1 {
		t.Fatalf("refused requests changed the payment: %+v", p)
	}
	// The payer's own request goes through.
	r := askRefund(t, a.AccessToken, id, "mine-"+id, `{"amount":10000}`)
	var rf refundDoc
	if r.JSON(t, &rf); r.Status != http.StatusCreated || rf.Status != payments.RefundSucceeded || rf.Initiator != payments.RefundByPayer ||
		rf.Cause != payments.RefundRequested || rf.Receipt == nil {
		t.Fatalf("the payer's request = %d %s", r.Status, r.Body)
	}
}

// Refunds the provider holds pending end only as it says: one it makes is
// finished by its notification, fetched back; one it cancels (ЮKassa does
// not notify that) by the reconciliation, which leaves the money to ask
// back.
func TestHeldRefundsEndOnlyAsTheProviderSays(t *testing.T) {
	s, sub, _, _ := newCitizen(t)
	gibdd := agencyToken(t, "AgencyGibddClient")
	uin1, id1, pp1 := paidFine(t, s, gibdd, 30000)
	uin2, id2, pp2 := paidFine(t, s, gibdd, 30000)
	if err := st.YooKassa.Arm(yookassaemu.Faults{HoldRefunds: 2}); err != nil {
		t.Fatal(err)
	}
	for _, uin := range []string{uin1, uin2} {
		b, _ := json.Marshal(map[string]string{"reason": "Постановление отменено решением суда"})
		if r := call(t, http.MethodPost, "/agency/charges/"+uin+"/cancel", gibdd, b, map[string]string{"Content-Type": "application/json"}); r.Status != http.StatusOK {
			t.Fatalf("cancel = %d %s", r.Status, r.Body)
		}
	}
	held := func(ppID string) yookassaemu.Refund {
		t.Helper()
		rs, _ := emulatorRefunds(ppID)
		if len(rs) != 1 || rs[0].Status != "pending" {
			t.Fatalf("refunds at the provider: %+v", rs)
		}
		return rs[0]
	}
	first, second := held(pp1), held(pp2)
	for _, id := range []string{id1, id2} {
		if rs := waitRefunds(t, s.AccessToken, id, func(rs []refundDoc) bool { return len(rs) == 1 }); rs[0].Status != payments.RefundPending {
			t.Fatalf("a refund the provider holds is %s", rs[0].Status)
		}
	}
	if err := st.YooKassa.SettleRefund(first.ID, "succeeded", ""); err != nil {
		t.Fatal(err)
	}
	rs := waitRefunds(t, s.AccessToken, id1, func(rs []refundDoc) bool { return len(rs) == 1 && rs[0].Status == payments.RefundSucceeded })
	if rs[0].Receipt == nil {
		t.Fatalf("a succeeded refund without its receipt: %+v", rs[0])
	}
	if err := st.YooKassa.SettleRefund(second.ID, "canceled", "rejected_by_payee"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // nothing is notified: nothing changes
	if p := paymentWithRefunds(t, s.AccessToken, id2); p.Refunds[0].Status != payments.RefundPending {
		t.Fatalf("a cancel nobody reported changed the refund: %+v", p.Refunds[0])
	}
	reconcile(t)
	p := paymentWithRefunds(t, s.AccessToken, id2)
	if p.Refunds[0].Status != payments.RefundCanceled || p.Refunds[0].CancelReason != "Банк, выпустивший карту, отклонил возврат" ||
		p.RefundableAmount != 15000 || p.RefundedAmount != 0 {
		t.Fatalf("after the reconciliation: %+v", p)
	}
	for typ, want := range map[string]int{"refund.started": 2, "refund.done": 1, "refund.canceled": 1} {
		if n := notesOfType(t, sub, typ); n != want {
			t.Errorf("%d notes %s, want %d", n, typ, want)
		}
	}
}
