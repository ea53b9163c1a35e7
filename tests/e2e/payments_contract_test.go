package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/payments"
)

// TestPaymentsAnswerAsDocumented walks the payments routes the way an
// agency system and a citizen's client use them, through the gateway, so
// that every kind of answer they give (JSON, problem+json, API Gateway's
// refusals, files and the receipt's redirect) is checked against
// docs/openapi.yaml by call.
func TestPaymentsAnswerAsDocumented(t *testing.T) {
	// A citizen of their own: the confirmation's SMS counts against the
	// phone's send limit, which the demo citizen's other tests need.
	phone := newPhone()
	register(t, phone, newSNILS())
	citizen := loginAs(t, phone, "Зелёный-Чай-42", "", nil).AccessToken
	gibdd, fns := agencyToken(t, "AgencyGibddClient"), agencyToken(t, "AgencyFnsClient")
	partner, err := st.OAuth.Mint(machine(t, "AgencyGibddClient").ClientID, []string{"kabinet/partner.demo"})
	if err != nil {
		t.Fatal(err)
	}
	seq := time.Now().UnixNano() % 1e10
	prefix := payments.Agencies["gibdd"].UINPrefix
	fineUIN, dutyUIN, cancelUIN := payments.NewUIN(prefix, seq), payments.NewUIN(prefix, seq+1), payments.NewUIN(prefix, seq+2)
	cert := fmt.Sprintf("77УЕ%06d", seq%1e6)
	today := time.Now().In(clock.Moscow())
	day := today.Format(time.DateOnly)
	due := today.AddDate(0, 0, 60).Format(time.DateOnly)

	send := func(method, path, token string, body any, header map[string]string) response {
		t.Helper()
		var b []byte
		if body != nil {
			b, _ = json.Marshal(body)
			h := map[string]string{"Content-Type": "application/json"}
			for k, v := range header {
				h[k] = v
			}
			header = h
		}
		return call(t, method, path, token, b, header)
	}
	expect := func(what string, r response, status int, code string) {
		t.Helper()
		if r.Status != status {
			t.Fatalf("%s = %d %s, want %d %s", what, r.Status, r.Body, status, code)
		}
		if code != "" && problemCode(t, r) != code && !strings.Contains(string(r.Body), `"code":"`+code+`"`) {
			t.Errorf("%s = %d %s, want code %s", what, r.Status, r.Body, code)
		}
	}
	charge := func(kind string, amount int64, basis map[string]string) map[string]any {
		return map[string]any{"kind": kind, "purpose": "Начисление " + basis["number"], "amount": amount, "basis": basis,
			"dueDate": due, "payer": map[string]string{"vehicleCertificate": cert}}
	}
	fine := charge("fine", 50000, map[string]string{"document": "resolution", "number": fineUIN, "date": day, "article": "12.9 ч.2"})

	// «Мои автомобили» and utility accounts.
	r := send("POST", "/vehicles", citizen, map[string]string{"plate": "А123ВС77", "certificate": cert, "name": "Семейный автомобиль"}, nil)
	expect("add a vehicle", r, 201, "")
	var vehicle struct{ ID string }
	r.JSON(t, &vehicle)
	expect("the same vehicle again", send("POST", "/vehicles", citizen, map[string]string{"plate": "А123ВС77", "certificate": cert}, nil), 409, "vehicle_exists")
	expect("a bad plate", send("POST", "/vehicles", citizen, map[string]string{"plate": "123", "certificate": "1"}, nil), 422, "validation_failed")
	expect("the vehicles", send("GET", "/vehicles", citizen, nil, nil), 200, "")
	r = send("POST", "/utility-accounts", citizen, map[string]string{"provider": "eirc", "account": fmt.Sprintf("%010d", seq), "name": "Квартира"}, nil)
	expect("add a utility account", r, 201, "")
	var account struct{ ID string }
	r.JSON(t, &account)
	expect("the utility accounts", send("GET", "/utility-accounts", citizen, nil, nil), 200, "")
	expect("a bad utility account", send("POST", "/utility-accounts", citizen, map[string]string{"provider": "?", "account": "1"}, nil), 422, "validation_failed")
	expect("remove the utility account", send("DELETE", "/utility-accounts/"+account.ID, citizen, nil, nil), 204, "")
	expect("remove it again", send("DELETE", "/utility-accounts/"+account.ID, citizen, nil, nil), 404, "not_found")

	// The agency posts a fine for the vehicle; the same content twice is one charge.
	expect("post a fine", send("PUT", "/agency/charges/"+fineUIN, gibdd, fine, nil), 201, "")
	expect("post it again", send("PUT", "/agency/charges/"+fineUIN, gibdd, fine, nil), 200, "")
	expect("read it back", send("GET", "/agency/charges/"+fineUIN, gibdd, nil, nil), 200, "")
	expect("another agency's УИН", send("GET", "/agency/charges/"+fineUIN, fns, nil, nil), 404, "not_found")
	bad := fineUIN[:19] + string('0'+(fineUIN[19]-'0'+1)%10)
	expect("a УИН with a wrong check digit", send("PUT", "/agency/charges/"+bad, gibdd, fine, nil), 422, "validation_failed")
	expect("a fine of another kind's agency", send("PUT", "/agency/charges/"+fineUIN, gibdd, charge("tax", 100, map[string]string{"document": "notice", "number": "1", "date": day}), nil), 422, "validation_failed")
	expect("a citizen on an agency route", send("GET", "/agency/charges/"+fineUIN, citizen, nil, nil), 401, "")
	expect("a token without the route's scopes", send("GET", "/agency/charges/"+fineUIN, partner, nil, nil), 403, "")
	expect("an agency on a citizen's route", send("GET", "/charges", gibdd, nil, nil), 401, "")

	// The citizen finds it.
	r = send("GET", "/charges?status=unpaid&limit=50", citizen, nil, nil)
	expect("the charges", r, 200, "")
	if !strings.Contains(string(r.Body), fineUIN) {
		t.Fatalf("the fine %s is not among the citizen's charges: %s", fineUIN, r.Body)
	}
	expect("a filter that is no kind", send("GET", "/charges?kind=bogus", citizen, nil, nil), 422, "validation_failed")
	expect("the fine's card", send("GET", "/charges/"+fineUIN, citizen, nil, nil), 200, "")
	expect("a charge never posted", send("GET", "/charges/"+payments.NewUIN(prefix, seq+3), citizen, nil, nil), 404, "not_found")
	expect("look it up by УИН", send("POST", "/charges/lookup", citizen, map[string]string{"uin": fineUIN}, nil), 200, "")
	expect("look up a malformed УИН", send("POST", "/charges/lookup", citizen, map[string]string{"uin": "12"}, nil), 422, "validation_failed")

	// Paying, once per Idempotency-Key.
	key := map[string]string{"Idempotency-Key": fmt.Sprintf("e2e-%d", seq)}
	pay := map[string]any{"charges": []string{fineUIN}}
	expect("pay without a key", send("POST", "/payments", citizen, pay, nil), 400, "idempotency_key_required")
	r = send("POST", "/payments", citizen, pay, key)
	expect("pay", r, 201, "")
	var p struct {
		ID, Status, ConfirmationURL string
		Amount                      int64
		Receipt                     struct{ DocumentID, VerificationCode string }
	}
	r.JSON(t, &p)
	if p.Status != "pending" || p.ConfirmationURL == "" || p.Amount != 25000 {
		t.Fatalf("payment = %s, want pending with the provider's page, 250 ₽ with the discount", r.Body)
	}
	r = send("POST", "/payments", citizen, pay, key)
	expect("pay again with the key", r, 201, "")
	if !strings.Contains(string(r.Body), p.ID) {
		t.Errorf("the repeat answered another payment: %s", r.Body)
	}
	expect("the key with another body", send("POST", "/payments", citizen, map[string]any{"charges": []string{fineUIN, dutyUIN}}, key), 422, "idempotency_key_reused")
	expect("pay it again with another key", send("POST", "/payments", citizen, pay, map[string]string{"Idempotency-Key": fmt.Sprintf("e2e-%d-2", seq)}), 409, "charge_being_paid")
	changed := charge("fine", 60000, map[string]string{"document": "resolution", "number": fineUIN, "date": day, "article": "12.9 ч.2"})
	expect("change a charge being paid", send("PUT", "/agency/charges/"+fineUIN, gibdd, changed, nil), 409, "charge_being_paid")
	expect("the payment", send("GET", "/payments/"+p.ID, citizen, nil, nil), 200, "")
	expect("another's payment", send("GET", "/payments/"+p.ID, accessToken(t, "support"), nil, nil), 404, "not_found")
	expect("a receipt before it is paid", send("GET", "/payments/"+p.ID+"/receipt.pdf", citizen, nil, nil), 404, "not_found")

	// The payer pays on the provider's page; its notification settles it.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.PostForm(p.ConfirmationURL, url.Values{"action": {"pay"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r = send("GET", "/payments/"+p.ID, citizen, nil, nil)
		r.JSON(t, &p)
		if p.Status == "succeeded" && strings.Contains(string(r.Body), `"receipt"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("payment after paying = %s, want succeeded with a receipt", r.Body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	r = send("GET", "/payments/"+p.ID+"/receipt.pdf", citizen, nil, nil)
	expect("the receipt", r, 303, "")
	if len(r.Body) != 0 {
		t.Errorf("the receipt's redirect has a body: %q", r.Body)
	}
	dl, err := http.Get(r.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(dl.Body)
	dl.Body.Close()
	if dl.StatusCode != 200 || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Errorf("the receipt's address answered %d %.20q, want the PDF", dl.StatusCode, pdf)
	}
	// The receipt is among the payer's documents and verifiable by anyone.
	expect("the receipt among the documents", send("GET", "/documents/"+p.Receipt.DocumentID, citizen, nil, nil), 200, "")
	expect("the documents", send("GET", "/documents", citizen, nil, nil), 200, "")
	r = send("GET", "/verify/"+p.Receipt.VerificationCode, "", nil, nil)
	expect("the receipt's verification", r, 200, "")
	if !strings.Contains(string(r.Body), `"genuine":true`) {
		t.Errorf("the receipt is not genuine: %s", r.Body)
	}
	expect("raise a paid charge", send("PUT", "/agency/charges/"+fineUIN, gibdd, changed, nil), 409, "charge_paid")

	// The history, its CSV and statement.
	period := "from=" + day + "&to=" + day
	r = send("GET", "/payments?"+period+"&status=succeeded&kind=fine&minAmount=1&limit=5", citizen, nil, nil)
	expect("the history", r, 200, "")
	if !strings.Contains(string(r.Body), p.ID) {
		t.Errorf("the history of today has no %s: %s", p.ID, r.Body)
	}
	expect("a malformed day", send("GET", "/payments?from=01.12.2026", citizen, nil, nil), 422, "validation_failed")
	r = send("GET", "/payments/export.csv?"+period, citizen, nil, nil)
	expect("the CSV", r, 200, "")
	if !bytes.HasPrefix(r.Body, []byte("\ufeffДата;")) || !strings.Contains(string(r.Body), fineUIN) {
		t.Errorf("the CSV = %.80q, want a BOM, semicolons and the fine", r.Body)
	}
	expect("the CSV without a period", send("GET", "/payments/export.csv", citizen, nil, nil), 422, "validation_failed")
	r = send("GET", "/payments/statement.pdf?"+period, citizen, nil, nil)
	expect("the statement", r, 200, "")
	if !bytes.HasPrefix(r.Body, []byte("%PDF-")) {
		t.Errorf("the statement is not a PDF: %.20q", r.Body)
	}

	// Above the threshold the payer confirms with a code.
	duty := charge("duty", 2000000, map[string]string{"document": "application", "number": dutyUIN, "date": day})
	expect("post a duty", send("PUT", "/agency/charges/"+dutyUIN, gibdd, duty, nil), 201, "")
	big := map[string]any{"charges": []string{dutyUIN}}
	bigKey := map[string]string{"Idempotency-Key": fmt.Sprintf("e2e-%d-big", seq)}
	r = send("POST", "/payments", citizen, big, bigKey)
	expect("pay above the threshold", r, 428, "confirmation_required")
	if !strings.Contains(string(r.Body), `"confirmAbove":`) || !strings.Contains(string(r.Body), `"amount":2000000`) {
		t.Errorf("428 = %s, want confirmAbove and amount", r.Body)
	}
	start := time.Now()
	expect("ask for the code", send("POST", "/payments/confirmation", citizen, big, nil), 200, "")
	expect("ask again at once", send("POST", "/payments/confirmation", citizen, big, nil), 429, "")
	expect("a code for a small payment", send("POST", "/payments/confirmation", citizen, pay, nil), 409, "charge_paid")
	r = send("POST", "/payments", citizen, map[string]any{"charges": []string{dutyUIN}, "code": smsCode(t, phone, start)}, bigKey)
	expect("pay with the code", r, 201, "")

	// A charge the agency cancels.
	cancel := charge("duty", 30000, map[string]string{"document": "application", "number": cancelUIN, "date": day})
	expect("post a charge to cancel", send("PUT", "/agency/charges/"+cancelUIN, gibdd, cancel, nil), 201, "")
	reason := map[string]string{"reason": "Заявление отозвано"}
	expect("cancel it", send("POST", "/agency/charges/"+cancelUIN+"/cancel", gibdd, reason, nil), 200, "")
	expect("cancel it again", send("POST", "/agency/charges/"+cancelUIN+"/cancel", gibdd, reason, nil), 200, "")
	expect("a reason too short", send("POST", "/agency/charges/"+cancelUIN+"/cancel", gibdd, map[string]string{"reason": "-"}, nil), 422, "validation_failed")
	expect("post a cancelled charge", send("PUT", "/agency/charges/"+cancelUIN, gibdd, cancel, nil), 409, "charge_cancelled")
	expect("pay a cancelled charge", send("POST", "/payments", citizen, map[string]any{"charges": []string{cancelUIN}},
		map[string]string{"Idempotency-Key": fmt.Sprintf("e2e-%d-cancelled", seq)}), 409, "charge_cancelled")

	// The provider's notifications: malformed, and one about a payment it does not know.
	expect("a malformed notification", call(t, "POST", "/payments/notifications", "", []byte(`{"event":"x"}`), map[string]string{"Content-Type": "application/json"}), 400, "payment_notification_malformed")
	unknown := []byte(`{"type":"notification","event":"payment.succeeded","object":{"id":"2f4c1a3e-000f-5000-9000-000000000000","status":"succeeded"}}`)
	expect("a notification of no payment of ours", call(t, "POST", "/payments/notifications", "", unknown, map[string]string{"Content-Type": "application/json"}), 200, "")

	expect("remove the vehicle", send("DELETE", "/vehicles/"+vehicle.ID, citizen, nil, nil), 204, "")
	expect("remove it again", send("DELETE", "/vehicles/"+vehicle.ID, citizen, nil, nil), 404, "not_found")
}
