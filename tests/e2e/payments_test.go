package e2e

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kabinet/kabinet/infra/local/yookassaemu"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/payments"
)

// newUIN is a УИН of the traffic police no other test uses.
var uinSeq atomic.Int64

func newUIN() string {
	n := time.Now().UnixNano()%1_000_000_000 + uinSeq.Add(1)*1_000_000_000
	return payments.NewUIN("18810177", n%100_000_000_000)
}

// newCertificate is a vehicle registration certificate number no other
// test uses.
func newCertificate() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	return fmt.Sprintf("77УЕ%06d", n.Int64())
}

func table() *dynamo.Store { return dynamo.New(st.DynamoDB(), st.Resources["Table"]) }

// putCharge posts a charge as an agency's system does.
func putCharge(t *testing.T, agencyTok, uin string, body map[string]any) response {
	t.Helper()
	b, _ := json.Marshal(body)
	return call(t, http.MethodPut, "/agency/charges/"+uin, agencyTok, b, map[string]string{"Content-Type": "application/json"})
}

func fineFor(cert string, amount int64) map[string]any {
	resolution := time.Now().In(time.FixedZone("MSK", 3*3600)).AddDate(0, 0, -2).Format(time.DateOnly)
	return map[string]any{"kind": "fine", "purpose": "Штраф по постановлению ГИБДД", "amount": amount,
		"basis":   map[string]any{"document": "resolution", "number": "18810177" + resolution[:4] + "0001", "date": resolution, "article": "12.9 ч.2"},
		"dueDate": time.Now().AddDate(0, 0, 70).Format(time.DateOnly), "payer": map[string]any{"vehicleCertificate": cert}}
}

type chargeDoc struct {
	ID, Status string
	Amount     int64
	AmountDue  int64
	Discount   *struct {
		Percent int
		Until   string
		Active  bool
	}
	Consequence string
}

type paymentDoc struct {
	ID, Status      string
	Amount          int64
	ConfirmationURL string
	Receipt         *struct{ DocumentID, Number, VerificationCode string }
}

// pay starts a payment of uins with key.
func pay(t *testing.T, token, key string, uins ...string) response {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"charges": uins})
	return call(t, http.MethodPost, "/payments", token, b, map[string]string{"Content-Type": "application/json", "Idempotency-Key": key})
}

// answerPage presses a button on the provider's payment page, as the payer
// does, without following the redirect back.
func answerPage(t *testing.T, confirmationURL, action string) {
	t.Helper()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.PostForm(confirmationURL, url.Values{"action": {action}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("payment page answered %d", res.StatusCode)
	}
}

// waitPayment polls the payment until it is in status (or the time is up).
func waitPayment(t *testing.T, token, id, status string) paymentDoc {
	t.Helper()
	var p paymentDoc
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		call(t, http.MethodGet, "/payments/"+id, token, nil, nil).JSON(t, &p)
		if p.Status == status {
			return p
		}
	}
	t.Fatalf("payment %s is %s, want %s", id, p.Status, status)
	return p
}

// providerPayments are the emulator's payments made for our payment id.
func providerPayments(id string) []yookassaemu.Payment {
	var out []yookassaemu.Payment
	for _, p := range st.YooKassa.Payments() {
		if p.Metadata["payment"] == id {
			out = append(out, p)
		}
	}
	return out
}

// receiptPDF follows the receipt's redirect to the stored file.
func receiptPDF(t *testing.T, token, id string) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, st.APIURL+"/payments/"+id+"/receipt.pdf", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	checkContract(t, req, response{Status: res.StatusCode, Header: res.Header})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("receipt = %d", res.StatusCode)
	}
	file, err := http.Get(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Body.Close()
	b, _ := io.ReadAll(file.Body)
	if file.StatusCode != http.StatusOK || !strings.HasPrefix(string(b), "%PDF-") {
		t.Fatalf("receipt file = %d %.40q", file.StatusCode, b)
	}
	return b
}

func notesOfType(t *testing.T, sub, typ string) int {
	t.Helper()
	recs, _, err := producer().List(context.Background(), sub, false, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range recs {
		if r.Type == typ {
			n++
		}
	}
	return n
}

// The acceptance path: an agency posts a fine for a vehicle the
// citizen registered; the citizen sees it with the discount and pays on the
// provider's page; the notification comes before the redirect, twice and
// then a stale one: one payment, one receipt, the charge paid, its
// reminders gone; the receipt names the УИН and the amount and /verify
// confirms it.
func TestFineForARegisteredVehicleIsPaidOnce(t *testing.T) {
	s, sub, _, _ := newCitizen(t)
	cert := newCertificate()
	if r := post(t, "/vehicles", s.AccessToken, map[string]string{"plate": "В777ОР199", "certificate": cert}); r.Status != http.StatusCreated {
		t.Fatalf("add vehicle = %d %s", r.Status, r.Body)
	}
	gibdd := agencyToken(t, "AgencyGibddClient")
	uin := newUIN()
	if r := putCharge(t, gibdd, uin, fineFor(cert, 150000)); r.Status != http.StatusCreated {
		t.Fatalf("post fine = %d %s", r.Status, r.Body)
	}
	if r := putCharge(t, gibdd, uin, fineFor(cert, 150000)); r.Status != http.StatusOK {
		t.Fatalf("the same fine again = %d %s", r.Status, r.Body)
	}
	var list struct{ Items []chargeDoc }
	call(t, http.MethodGet, "/charges?status=unpaid", s.AccessToken, nil, nil).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != uin || list.Items[0].AmountDue != 75000 || list.Items[0].Discount == nil || !list.Items[0].Discount.Active {
		t.Fatalf("charges = %+v", list.Items)
	}
	var card chargeDoc
	call(t, http.MethodGet, "/charges/"+uin, s.AccessToken, nil, nil).JSON(t, &card)
	if card.Discount.Percent != 50 || card.Consequence == "" {
		t.Fatalf("card = %+v", card)
	}
	if n := notesOfType(t, sub, "charge.issued"); n != 1 {
		t.Fatalf("%d notes of the new fine", n)
	}
	var reminder map[string]any
	if err := table().Get(context.Background(), dynamo.ReminderKey(sub, "charge-"+uin+"-3d"), "reminder", &reminder); err != nil {
		t.Fatalf("the fine has no reminder: %v", err)
	}

	r := pay(t, s.AccessToken, "accept-"+uin, uin)
	var p paymentDoc
	r.JSON(t, &p)
	if r.Status != http.StatusCreated || p.Amount != 75000 || p.ConfirmationURL == "" {
		t.Fatalf("pay = %d %s", r.Status, r.Body)
	}
	if err := st.YooKassa.Arm(yookassaemu.Faults{Notify: yookassaemu.NotifyFaults{Twice: true, Stale: "canceled", BeforeRedirect: true}}); err != nil {
		t.Fatal(err)
	}
	answerPage(t, p.ConfirmationURL, "pay")
	p = waitPayment(t, s.AccessToken, p.ID, payments.PaymentSucceeded)
	// Let the copy and the stale one arrive, then look.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		pp := providerPayments(p.ID)
		if len(pp) == 1 {
			if rec, ok := st.YooKassa.Payment(pp[0].ID); ok && rec.Status == "succeeded" && len(notificationsOf(pp[0].ID)) >= 3 {
				break
			}
		}
	}
	if pp := providerPayments(p.ID); len(pp) != 1 || pp[0].Status != "succeeded" {
		t.Fatalf("provider payments %+v", pp)
	}
	p = waitPayment(t, s.AccessToken, p.ID, payments.PaymentSucceeded)
	if p.Receipt == nil {
		t.Fatal("no receipt")
	}
	call(t, http.MethodGet, "/charges/"+uin, s.AccessToken, nil, nil).JSON(t, &card)
	if card.Status != payments.StatusPaid || card.AmountDue != 0 {
		t.Fatalf("charge after paying = %+v", card)
	}
	if err := table().Get(context.Background(), dynamo.ReminderKey(sub, "charge-"+uin+"-3d"), "reminder", &reminder); err == nil {
		t.Fatal("the paid fine's reminder is still there")
	}
	if n := notesOfType(t, sub, "payment.done"); n != 1 {
		t.Fatalf("%d notes of the payment", n)
	}
	var docs struct{ Items []struct{ ID, Type string } }
	call(t, http.MethodGet, "/documents?type=result", s.AccessToken, nil, nil).JSON(t, &docs)
	if len(docs.Items) != 1 || docs.Items[0].ID != p.Receipt.DocumentID {
		t.Fatalf("documents = %+v, want the receipt", docs.Items)
	}
	if r := call(t, http.MethodDelete, "/documents/"+p.Receipt.DocumentID, s.AccessToken, nil, nil); r.Status != http.StatusConflict {
		t.Fatalf("deleting the receipt = %d", r.Status)
	}

	pdf := receiptPDF(t, s.AccessToken, p.ID)
	text := pdfText(t, pdf)
	for _, want := range []string{uin, "750,00", p.Receipt.VerificationCode, "Квитанция об оплате"} {
		if !strings.Contains(text, want) {
			t.Errorf("the receipt lacks %q:\n%s", want, text)
		}
	}
	if res, v := verify(t, p.Receipt.VerificationCode, pdf, "application/pdf"); res.Status != http.StatusOK || !v.Genuine || v.Unaltered == nil || !*v.Unaltered {
		t.Fatalf("verify = %d %+v", res.Status, v)
	}
	// Nobody else sees it.
	other, _, _, _ := newCitizen(t)
	for _, path := range []string{"/payments/" + p.ID, "/payments/" + p.ID + "/receipt.pdf", "/charges/" + uin} {
		if r := call(t, http.MethodGet, path, other.AccessToken, nil, nil); r.Status != http.StatusNotFound {
			t.Errorf("another citizen GET %s = %d", path, r.Status)
		}
	}
	fns := agencyToken(t, "AgencyFnsClient")
	if r := call(t, http.MethodGet, "/agency/charges/"+uin, fns, nil, nil); r.Status != http.StatusNotFound {
		t.Errorf("another agency reads the fine: %d", r.Status)
	}
	if r := call(t, http.MethodGet, "/charges", gibdd, nil, nil); r.Status != http.StatusUnauthorized {
		t.Errorf("an agency token on a citizen route = %d", r.Status)
	}
	if r := call(t, http.MethodGet, "/agency/charges/"+uin, s.AccessToken, nil, nil); r.Status != http.StatusUnauthorized {
		t.Errorf("a citizen token on an agency route = %d", r.Status)
	}
	if r := putCharge(t, gibdd, uin, fineFor(cert, 200000)); r.Status != http.StatusConflict || problemCode(t, r) != "charge_paid" {
		t.Errorf("changing a paid fine = %d %s", r.Status, r.Body)
	}
}

func notificationsOf(providerID string) []yookassaemu.Notification {
	var out []yookassaemu.Notification
	for _, n := range st.YooKassa.Notifications() {
		if n.PaymentID == providerID {
			out = append(out, n)
		}
	}
	return out
}

// 50 clients sending one payment with one key make one payment and one
// call to the provider; 50 with different keys for one charge: one pays,
// the rest are 409.
func TestConcurrentPaymentsOnTheStack(t *testing.T) {
	s, _, _, _ := newCitizen(t)
	cert := newCertificate()
	post(t, "/vehicles", s.AccessToken, map[string]string{"plate": "Е001КХ77", "certificate": cert})
	gibdd := agencyToken(t, "AgencyGibddClient")
	one, two := newUIN(), newUIN()
	for _, u := range []string{one, two} {
		if r := putCharge(t, gibdd, u, fineFor(cert, 50000)); r.Status != http.StatusCreated {
			t.Fatalf("post = %d %s", r.Status, r.Body)
		}
	}
	before := len(st.YooKassa.Records())
	var wg sync.WaitGroup
	statuses := make(chan int, 100)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- pay(t, s.AccessToken, "one-key-"+one, one).Status
		}()
	}
	wg.Wait()
	created := 0
	for range 50 {
		switch st := <-statuses; st {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
		default:
			t.Errorf("same key answered %d", st)
		}
	}
	if created < 1 {
		t.Fatal("no answer was the payment")
	}
	if n := len(st.YooKassa.Records()) - before; n != 1 {
		t.Fatalf("%d provider payments for one key", n)
	}
	var okCount, conflicts atomic.Int64
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch r := pay(t, s.AccessToken, fmt.Sprintf("key-%s-%d", two, i), two); r.Status {
			case http.StatusCreated:
				okCount.Add(1)
			case http.StatusConflict:
				conflicts.Add(1)
			default:
				t.Errorf("other keys answered %d %s", r.Status, r.Body)
			}
		}()
	}
	wg.Wait()
	if okCount.Load() != 1 || conflicts.Load() != 49 {
		t.Fatalf("%d paid, %d refused; want 1 and 49", okCount.Load(), conflicts.Load())
	}
	if n := len(st.YooKassa.Records()) - before; n != 2 {
		t.Fatalf("%d provider payments in all, want 2", n)
	}
}

// reconcile runs the reconciliation as the schedule would, with its clock
// past the age at which open payments are settled.
func reconcile(t *testing.T) {
	t.Helper()
	if err := st.SetFunctionClock("reconcile", 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.SetFunctionClock("reconcile", 0) }()
	if _, err := st.FireSchedule(context.Background(), "reconcile", "EveryFiveMinutes"); err != nil {
		t.Fatal(err)
	}
}

// The provider made the payment but never answered (the network went and
// every attempt timed out), and a paid payment's notifications were lost:
// the reconciliation settles each exactly once, however often it runs.
func TestReconciliationSettlesWhatNobodyReported(t *testing.T) {
	s, sub, _, _ := newCitizen(t)
	cert := newCertificate()
	post(t, "/vehicles", s.AccessToken, map[string]string{"plate": "М123ММ50", "certificate": cert})
	gibdd := agencyToken(t, "AgencyGibddClient")
	lost, unanswered := newUIN(), newUIN()
	for _, u := range []string{lost, unanswered} {
		if r := putCharge(t, gibdd, u, fineFor(cert, 30000)); r.Status != http.StatusCreated {
			t.Fatalf("post = %d %s", r.Status, r.Body)
		}
	}

	// A lost notification.
	var p paymentDoc
	pay(t, s.AccessToken, "lost-"+lost, lost).JSON(t, &p)
	if err := st.YooKassa.Arm(yookassaemu.Faults{Notify: yookassaemu.NotifyFaults{Never: true}}); err != nil {
		t.Fatal(err)
	}
	answerPage(t, p.ConfirmationURL, "pay")
	time.Sleep(500 * time.Millisecond)
	if got := waitPayment(t, s.AccessToken, p.ID, payments.PaymentPending); got.Status != payments.PaymentPending {
		t.Fatal("settled without a notification")
	}

	// A create the provider made, then the network between us went: every
	// attempt times out.
	if err := st.YooKassa.Arm(yookassaemu.Faults{Partition: true}); err != nil {
		t.Fatal(err)
	}
	r := pay(t, s.AccessToken, "unanswered-"+unanswered, unanswered)
	st.YooKassa.Reset()
	if r.Status != http.StatusServiceUnavailable || problemCode(t, r) != "payment_provider_unavailable" {
		t.Fatalf("an unanswered create = %d %s", r.Status, r.Body)
	}
	var payList struct{ Items []paymentDoc }
	call(t, http.MethodGet, "/payments?status=created", s.AccessToken, nil, nil).JSON(t, &payList)
	if len(payList.Items) != 1 {
		t.Fatalf("created payments = %+v", payList.Items)
	}
	q := payList.Items[0]
	pp := providerPayments(q.ID)
	if len(pp) != 1 {
		t.Fatalf("provider payments of the unanswered one: %+v", pp)
	}
	answerPage(t, pp[0].Confirmation.ConfirmationURL, "pay") // the payer paid on a page we never saw

	reconcile(t)
	reconcile(t)
	for _, id := range []string{p.ID, q.ID} {
		got := waitPayment(t, s.AccessToken, id, payments.PaymentSucceeded)
		if got.Receipt == nil {
			t.Errorf("%s has no receipt", id)
		}
		if n := len(providerPayments(id)); n != 1 {
			t.Errorf("%s has %d provider payments", id, n)
		}
	}
	if n := notesOfType(t, sub, "payment.done"); n != 2 {
		t.Errorf("%d payment notes, want 2", n)
	}
	var docs struct{ Items []struct{ ID string } }
	call(t, http.MethodGet, "/documents?type=result", s.AccessToken, nil, nil).JSON(t, &docs)
	if len(docs.Items) != 2 {
		t.Errorf("%d receipts, want 2", len(docs.Items))
	}
	// The client's repeat with the unanswered key gets the payment.
	r = pay(t, s.AccessToken, "unanswered-"+unanswered, unanswered)
	var again paymentDoc
	r.JSON(t, &again)
	if r.Status != http.StatusCreated || again.ID != q.ID {
		t.Errorf("repeat = %d %s", r.Status, r.Body)
	}
}

// A declined card frees the fine to pay again; the history lists both
// payments and exports them.
func TestDeclinedPaymentAndHistory(t *testing.T) {
	s, _, _, _ := newCitizen(t)
	cert := newCertificate()
	post(t, "/vehicles", s.AccessToken, map[string]string{"plate": "О555ОО77", "certificate": cert})
	gibdd := agencyToken(t, "AgencyGibddClient")
	uin := newUIN()
	putCharge(t, gibdd, uin, fineFor(cert, 40000))
	var p paymentDoc
	pay(t, s.AccessToken, "declined-"+uin, uin).JSON(t, &p)
	if err := st.YooKassa.Arm(yookassaemu.Faults{Decline: "insufficient_funds"}); err != nil {
		t.Fatal(err)
	}
	answerPage(t, p.ConfirmationURL, "pay")
	waitPayment(t, s.AccessToken, p.ID, payments.PaymentCanceled)
	var card chargeDoc
	call(t, http.MethodGet, "/charges/"+uin, s.AccessToken, nil, nil).JSON(t, &card)
	if card.Status != payments.StatusUnpaid {
		t.Fatalf("after a decline the charge is %s", card.Status)
	}
	var p2 paymentDoc
	pay(t, s.AccessToken, "again-"+uin, uin).JSON(t, &p2)
	answerPage(t, p2.ConfirmationURL, "pay")
	waitPayment(t, s.AccessToken, p2.ID, payments.PaymentSucceeded)

	var hist struct{ Items []paymentDoc }
	call(t, http.MethodGet, "/payments", s.AccessToken, nil, nil).JSON(t, &hist)
	if len(hist.Items) != 2 || hist.Items[0].ID != p2.ID {
		t.Fatalf("history = %+v", hist.Items)
	}
	today := time.Now().Format(time.DateOnly)
	call(t, http.MethodGet, "/payments?status=succeeded&from="+today+"&to="+today, s.AccessToken, nil, nil).JSON(t, &hist)
	if len(hist.Items) != 1 {
		t.Fatalf("succeeded today = %+v", hist.Items)
	}
	csv := call(t, http.MethodGet, "/payments/export.csv?from="+today+"&to="+today, s.AccessToken, nil, nil)
	if csv.Status != http.StatusOK || !strings.HasPrefix(string(csv.Body), "\ufeff") || !strings.Contains(string(csv.Body), uin) {
		t.Fatalf("csv = %d %.200s", csv.Status, csv.Body)
	}
	stmt := call(t, http.MethodGet, "/payments/statement.pdf?from="+today+"&to="+today, s.AccessToken, nil, nil)
	if stmt.Status != http.StatusOK || !strings.Contains(pdfText(t, stmt.Body), uin) {
		t.Fatalf("statement = %d", stmt.Status)
	}
}

// Every role on the payments routes: nobody but A reaches A's charges,
// vehicles, payments or receipts (staff roles open staff routes, not
// another person's account); no agency but the charge's administrator
// reads, changes or cancels it; a person's token is refused on the agency
// routes and an agency's on the citizens'.
func TestAuthorizationMatrixForPayments(t *testing.T) {
	a, _, _, _ := newCitizen(t)
	cert := newCertificate()
	var v struct{ ID string }
	post(t, "/vehicles", a.AccessToken, map[string]string{"plate": "Т777ТТ77", "certificate": cert}).JSON(t, &v)
	var ua struct{ ID string }
	post(t, "/utility-accounts", a.AccessToken, map[string]string{"provider": "eirc", "account": fmt.Sprint(time.Now().UnixNano())}).JSON(t, &ua)
	gibdd := agencyToken(t, "AgencyGibddClient")
	uin := newUIN()
	if r := putCharge(t, gibdd, uin, fineFor(cert, 20000)); r.Status != http.StatusCreated {
		t.Fatalf("post = %d %s", r.Status, r.Body)
	}
	var p paymentDoc
	pay(t, a.AccessToken, "matrix-"+uin, uin).JSON(t, &p)
	answerPage(t, p.ConfirmationURL, "pay")
	waitPayment(t, a.AccessToken, p.ID, payments.PaymentSucceeded)

	b, _, _, _ := newCitizen(t)
	people := map[string]session{"user B": b, "officer mvd": login(t, "officer"), "officer fns": login(t, "officer-fns"),
		"registrar": login(t, "registrar"), "support": login(t, "support")}
	mine := []struct{ method, path string }{
		{"GET", "/charges/" + uin},
		{"GET", "/payments/" + p.ID},
		{"GET", "/payments/" + p.ID + "/receipt.pdf"},
		{"DELETE", "/vehicles/" + v.ID},
		{"DELETE", "/utility-accounts/" + ua.ID},
	}
	for name, s := range people {
		for _, u := range mine {
			if r := call(t, u.method, u.path, s.AccessToken, nil, nil); r.Status != http.StatusNotFound {
				t.Errorf("%s: %s %s = %d, want 404", name, u.method, u.path, r.Status)
			}
		}
		var list struct{ Items []struct{ ID string } }
		call(t, "GET", "/charges", s.AccessToken, nil, nil).JSON(t, &list)
		for _, c := range list.Items {
			if c.ID == uin {
				t.Errorf("%s lists A's charge", name)
			}
		}
		if r := call(t, "GET", "/agency/charges/"+uin, s.AccessToken, nil, nil); r.Status != http.StatusUnauthorized {
			t.Errorf("%s on an agency route = %d, want 401", name, r.Status)
		}
		if r := pay(t, s.AccessToken, "steal-"+strings.ReplaceAll(name, " ", "-"), uin); r.Status != http.StatusNotFound {
			t.Errorf("%s paying A's charge without looking it up = %d, want 404", name, r.Status)
		}
	}
	for id, kind := range map[string]string{"AgencyFnsClient": "tax", "AgencyMvdClient": "fine", "AgencyFsspClient": "enforcement"} {
		other := agencyToken(t, id)
		theirs := fineFor(cert, 1)
		theirs["kind"] = kind
		if kind != "fine" {
			theirs["basis"] = map[string]any{"document": "notice", "number": "1", "date": time.Now().AddDate(0, 0, -1).Format(time.DateOnly)}
		}
		if r := call(t, "GET", "/agency/charges/"+uin, other, nil, nil); r.Status != http.StatusNotFound {
			t.Errorf("%s reads gibdd's charge: %d", id, r.Status)
		}
		if r := putCharge(t, other, uin, theirs); r.Status != http.StatusNotFound {
			t.Errorf("%s overwrites gibdd's charge: %d", id, r.Status)
		}
		cancel, _ := json.Marshal(map[string]string{"reason": "Ошибочное начисление"})
		if r := call(t, "POST", "/agency/charges/"+uin+"/cancel", other, cancel, map[string]string{"Content-Type": "application/json"}); r.Status != http.StatusNotFound {
			t.Errorf("%s cancels gibdd's charge: %d", id, r.Status)
		}
		for _, u := range append(mine, struct{ method, path string }{"GET", "/charges"}) {
			if r := call(t, u.method, u.path, other, nil, nil); r.Status != http.StatusUnauthorized {
				t.Errorf("%s: %s %s = %d, want 401", id, u.method, u.path, r.Status)
			}
		}
	}
	for _, u := range append(mine, struct{ method, path string }{"GET", "/agency/charges/" + uin}) {
		if r := call(t, u.method, u.path, "", nil, nil); r.Status != http.StatusUnauthorized {
			t.Errorf("anonymous: %s %s = %d, want 401", u.method, u.path, r.Status)
		}
	}
	// Payments left to an operator are support's to see, nobody else's.
	for name, s := range people {
		want := http.StatusForbidden
		if name == "support" {
			want = http.StatusOK
		}
		if r := call(t, "GET", "/support/payments/flagged", s.AccessToken, nil, nil); r.Status != want {
			t.Errorf("%s: GET /support/payments/flagged = %d, want %d", name, r.Status, want)
		}
	}
	if r := call(t, "GET", "/support/payments/flagged", a.AccessToken, nil, nil); r.Status != http.StatusForbidden {
		t.Errorf("a citizen sees flagged payments: %d", r.Status)
	}
	if r := call(t, "GET", "/support/payments/flagged", gibdd, nil, nil); r.Status != http.StatusUnauthorized {
		t.Errorf("an agency sees flagged payments: %d", r.Status)
	}
	// A's are intact.
	var card chargeDoc
	if call(t, "GET", "/charges/"+uin, a.AccessToken, nil, nil).JSON(t, &card); card.Status != payments.StatusPaid || card.Amount != 20000 {
		t.Errorf("A's charge after the others: %+v", card)
	}
}

// A payment over the day's limit (the person's own, lower than the
// portal's) is refused naming the limit and what is left; a charge above
// the provider's single-payment maximum is paid in two parts, confirmed by
// SMS codes, each receipted, and ends paid.
func TestLimitsAndAChargePaidInParts(t *testing.T) {
	s, _, phone, _ := newCitizen(t)
	cert := newCertificate()
	post(t, "/vehicles", s.AccessToken, map[string]string{"plate": "Х999ХХ99", "certificate": cert})
	gibdd := agencyToken(t, "AgencyGibddClient")
	small, big := newUIN(), newUIN()
	old := fineFor(cert, 150000)
	old["basis"].(map[string]any)["date"] = time.Now().AddDate(0, -3, 0).Format(time.DateOnly) // no discount left
	putCharge(t, gibdd, small, old)
	huge := fineFor(cert, 80_000_000) // 800 000 ₽, above the provider's 600 000 ₽
	huge["basis"] = old["basis"]
	putCharge(t, gibdd, big, huge)

	b, _ := json.Marshal(map[string]int64{"perDay": 100000})
	if r := call(t, "PUT", "/payments/limits", s.AccessToken, b, map[string]string{"Content-Type": "application/json"}); r.Status != http.StatusOK {
		t.Fatalf("set limits = %d %s", r.Status, r.Body)
	}
	r := pay(t, s.AccessToken, "over-"+small, small)
	var prob struct {
		Code   string
		Period string
		Limit  int64
		Left   int64
	}
	r.JSON(t, &prob)
	if r.Status != http.StatusUnprocessableEntity || prob.Code != "payment_limit_exceeded" || prob.Period != "day" || prob.Limit != 100000 || prob.Left != 100000 {
		t.Fatalf("over the day's limit = %d %s", r.Status, r.Body)
	}
	b, _ = json.Marshal(map[string]int64{"perDay": 0})
	call(t, "PUT", "/payments/limits", s.AccessToken, b, map[string]string{"Content-Type": "application/json"})

	if r := pay(t, s.AccessToken, "whole-"+big, big); r.Status != http.StatusUnprocessableEntity || problemCode(t, r) != "payment_over_provider_max" {
		t.Fatalf("the whole of a charge above the provider's maximum = %d %s", r.Status, r.Body)
	}
	part := func(key string, amount int64) paymentDoc {
		t.Helper()
		body := map[string]any{"charges": []string{big}, "amounts": map[string]int64{big: amount}}
		start := time.Now()
		if r := post(t, "/payments/confirmation", s.AccessToken, body); r.Status != http.StatusOK {
			t.Fatalf("confirmation = %d %s", r.Status, r.Body)
		}
		body["code"] = smsCode(t, phone, start)
		raw, _ := json.Marshal(body)
		r := call(t, http.MethodPost, "/payments", s.AccessToken, raw, map[string]string{"Content-Type": "application/json", "Idempotency-Key": key})
		var p paymentDoc
		r.JSON(t, &p)
		if r.Status != http.StatusCreated {
			t.Fatalf("part = %d %s", r.Status, r.Body)
		}
		answerPage(t, p.ConfirmationURL, "pay")
		return waitPayment(t, s.AccessToken, p.ID, payments.PaymentSucceeded)
	}
	first := part("part1-"+big, 60_000_000)
	var card chargeDoc
	call(t, http.MethodGet, "/charges/"+big, s.AccessToken, nil, nil).JSON(t, &card)
	if card.Status != payments.StatusPartly || card.AmountDue != 20_000_000 {
		t.Fatalf("after the first part: %+v", card)
	}
	second := part("part2-"+big, 20_000_000)
	call(t, http.MethodGet, "/charges/"+big, s.AccessToken, nil, nil).JSON(t, &card)
	if card.Status != payments.StatusPaid || card.AmountDue != 0 {
		t.Fatalf("after the second part: %+v", card)
	}
	for _, p := range []paymentDoc{first, second} {
		if p.Receipt == nil || !strings.Contains(pdfText(t, receiptPDF(t, s.AccessToken, p.ID)), big) {
			t.Errorf("part %s has no receipt naming the charge", p.ID)
		}
	}
}

// Meter readings go in within the provider's window, never lower than the
// last, and the provider's system reads them through its agency route.
func TestMeterReadingsReachTheProvider(t *testing.T) {
	msk := time.FixedZone("MSK", 3*3600)
	now := time.Now().In(msk)
	window := time.Date(now.Year(), now.Month(), 20, 12, 0, 0, 0, msk)
	if window.Before(now) {
		window = window.AddDate(0, 1, 0)
	}
	out := window.AddDate(0, 0, 8) // the 28th
	// The person signs in on the 28th (the functions' clocks moved there
	// together, so the session is not idle), then the clocks go back to
	// the 20th.
	shift := func(to time.Time) {
		t.Helper()
		for _, fn := range []string{"auth", "payments"} {
			if err := st.SetFunctionClock(fn, to.Sub(now)); err != nil {
				t.Fatal(err)
			}
		}
	}
	shift(out)
	defer func() {
		for _, fn := range []string{"auth", "payments"} {
			_ = st.SetFunctionClock(fn, 0)
		}
	}()
	s, _, _, _ := newCitizen(t)
	account := fmt.Sprint(time.Now().UnixNano() % 10_000_000_000)
	var acc struct{ ID string }
	post(t, "/utility-accounts", s.AccessToken, map[string]string{"provider": "eirc", "account": account}).JSON(t, &acc)
	submit := func(v string) response {
		return post(t, "/utility-accounts/"+acc.ID+"/readings", s.AccessToken,
			map[string]any{"readings": []map[string]any{{"meter": "ХВС", "value": json.RawMessage(v)}}})
	}
	if r := submit("10"); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("out of the window = %d %s", r.Status, r.Body)
	}
	shift(window)
	if r := submit("123.456"); r.Status != http.StatusCreated {
		t.Fatalf("readings = %d %s", r.Status, r.Body)
	}
	if r := submit("100"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), "reading.lower") {
		t.Fatalf("a lower reading = %d %s", r.Status, r.Body)
	}
	utility := agencyToken(t, "AgencyUtilityClient")
	var page struct {
		Items []struct{ Account, Meter, Value string }
	}
	call(t, "GET", "/agency/readings?provider=eirc&limit=100", utility, nil, nil).JSON(t, &page)
	found := false
	for _, it := range page.Items {
		found = found || (it.Account == account && it.Value == "123.456")
	}
	if !found {
		t.Fatalf("the provider does not see the reading: %+v", page.Items)
	}
	if r := call(t, "GET", "/agency/readings?provider=eirc", agencyToken(t, "AgencyGibddClient"), nil, nil); r.Status != http.StatusForbidden {
		t.Errorf("the traffic police read meter readings: %d", r.Status)
	}
	other, _, _, _ := newCitizen(t)
	if r := call(t, "GET", "/utility-accounts/"+acc.ID+"/readings", other.AccessToken, nil, nil); r.Status != http.StatusNotFound {
		t.Errorf("another person reads the readings: %d", r.Status)
	}
}
