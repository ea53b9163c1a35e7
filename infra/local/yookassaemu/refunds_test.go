package yookassaemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// paid makes a payment of 123.45 RUB and pays it on the page.
func (e *env) paid(t *testing.T, key string) string {
	t.Helper()
	id := e.create(t, key, createBody)
	if status, _ := e.answer(t, id, "pay"); status != http.StatusSeeOther {
		t.Fatalf("pay = %d", status)
	}
	return id
}

func refundBody(paymentID, value string) string {
	return `{"payment_id":"` + paymentID + `","amount":{"value":"` + value + `","currency":"RUB"},"description":"Возврат переплаты"}`
}

// refund makes a refund that must be answered 200.
func (e *env) refund(t *testing.T, key, body string) map[string]any {
	t.Helper()
	status, r := e.call(t, http.MethodPost, "/v3/refunds", key, body)
	if status != http.StatusOK {
		t.Fatalf("refund = %d %v", status, r)
	}
	return r
}

func TestRefundRefusesWhatYooKassaRefuses(t *testing.T) {
	e := newEnv(t)
	id := e.paid(t, "p1")
	pending := e.create(t, "p2", createBody)
	held := e.create(t, "p3", strings.Replace(createBody, `"capture":true`, `"capture":false`, 1))
	e.answer(t, held, "pay")
	for _, c := range []struct{ name, body, parameter string }{
		{"no payment_id", `{"amount":{"value":"1.00","currency":"RUB"}}`, "payment_id"},
		{"an unknown payment", refundBody("2f3b588d-000f-5000-8000-000000000000", "1.00"), "payment_id"},
		{"a pending payment", refundBody(pending, "1.00"), "payment_id"},
		{"a held payment", refundBody(held, "1.00"), "payment_id"},
		{"no amount", `{"payment_id":"` + id + `"}`, "amount"},
		{"zero", refundBody(id, "0.00"), "amount.value"},
		{"negative", refundBody(id, "-1.00"), "amount.value"},
		{"three decimals", refundBody(id, "1.001"), "amount.value"},
		{"dollars", strings.Replace(refundBody(id, "1.00"), "RUB", "USD", 1), "amount.currency"},
		{"more than was paid", refundBody(id, "123.46"), "amount"},
		{"long description", strings.Replace(refundBody(id, "1.00"), "Возврат переплаты", strings.Repeat("в", 251), 1), "description"},
		{"a parameter not emulated", strings.Replace(refundBody(id, "1.00"), `{`, `{"receipt":{},`, 1), "receipt"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, body := e.call(t, http.MethodPost, "/v3/refunds", "r-"+strings.ReplaceAll(c.name, " ", "-"), c.body)
			wantError(t, status, body, http.StatusBadRequest, "invalid_request", c.parameter)
		})
	}
	status, body := e.call(t, http.MethodPost, "/v3/refunds", "", refundBody(id, "1.00"))
	wantError(t, status, body, http.StatusBadRequest, "invalid_request", "Idempotence-Key")
	if n := len(e.emu.Refunds()); n != 0 {
		t.Errorf("%d refunds made, want none", n)
	}
	// 250 characters are fine.
	e.refund(t, "r-250", strings.Replace(refundBody(id, "1.00"), "Возврат переплаты", strings.Repeat("в", 250), 1))
}

func TestRefundInPartsAndWhole(t *testing.T) {
	e := newEnv(t)
	id := e.paid(t, "p")
	waitFor(t, "the payment's notification", func() bool { return len(e.receiver.got()) == 1 })
	first := e.refund(t, "r1", refundBody(id, "23.45"))
	if first["status"] != StatusSucceeded || first["payment_id"] != id || first["amount"].(map[string]any)["value"] != "23.45" ||
		first["description"] != "Возврат переплаты" || first["created_at"] == nil {
		t.Errorf("refund = %v", first)
	}
	p, _ := e.emu.Payment(id)
	if p.RefundedAmount == nil || p.RefundedAmount.Value != "23.45" || !p.Refundable || p.Status != StatusSucceeded {
		t.Errorf("after a part: refunded %+v, refundable %v, status %s", p.RefundedAmount, p.Refundable, p.Status)
	}
	// The rest, to the kopeck, then nothing more.
	e.refund(t, "r2", refundBody(id, "100.00"))
	status, body := e.call(t, http.MethodPost, "/v3/refunds", "r3", refundBody(id, "0.01"))
	wantError(t, status, body, http.StatusBadRequest, "invalid_request", "amount")
	_, got := e.call(t, http.MethodGet, "/v3/payments/"+id, "", "")
	if got["refunded_amount"].(map[string]any)["value"] != "123.45" || got["refundable"] != false {
		t.Errorf("after the whole: %v", got)
	}
	status, read := e.call(t, http.MethodGet, "/v3/refunds/"+first["id"].(string), "", "")
	if status != http.StatusOK || read["id"] != first["id"] || read["status"] != StatusSucceeded {
		t.Errorf("get refund = %d %v", status, read)
	}
	status, read = e.call(t, http.MethodGet, "/v3/refunds/216749f7-0016-50be-b000-000000000000", "", "")
	wantError(t, status, read, http.StatusNotFound, "not_found", "")

	waitFor(t, "the refunds' notifications", func() bool { return len(e.receiver.got()) == 3 })
	for i, b := range e.receiver.got()[1:] {
		var n struct {
			Type   string `json:"type"`
			Event  string `json:"event"`
			Object Refund `json:"object"`
		}
		_ = json.Unmarshal([]byte(b), &n)
		if n.Type != "notification" || n.Event != "refund.succeeded" || n.Object.PaymentID != id || n.Object.Status != StatusSucceeded {
			t.Errorf("notification %d = %s", i, b)
		}
	}
	if ns := e.emu.Notifications(); len(ns) != 3 || ns[1].RefundID != first["id"] || ns[1].PaymentID != id {
		t.Errorf("log = %+v", ns)
	}
	if rs := e.emu.Records(); len(rs) != 1 || len(rs[0].Refunds) != 2 {
		t.Errorf("records = %+v", rs)
	}
}

func TestRefundIdempotence(t *testing.T) {
	e := newEnv(t)
	id := e.paid(t, "p")
	first := e.refund(t, "r", refundBody(id, "10.00"))
	if again := e.refund(t, "r", refundBody(id, "10.00")); again["id"] != first["id"] {
		t.Errorf("the repeat made refund %v, want %v", again["id"], first["id"])
	}
	status, body := e.call(t, http.MethodPost, "/v3/refunds", "r", refundBody(id, "10.01"))
	wantError(t, status, body, http.StatusBadRequest, "invalid_request", "Idempotence-Key")
	if p, _ := e.emu.Payment(id); len(e.emu.Refunds()) != 1 || p.RefundedAmount.Value != "10.00" {
		t.Errorf("%d refunds, refunded %+v; want one of 10.00", len(e.emu.Refunds()), p.RefundedAmount)
	}
}

// 20 refunds of one payment by different keys at once: those that fit
// succeed, the rest are refused, and never more than was paid goes back,
// pending refunds included.
func TestConcurrentRefundsNeverExceedThePayment(t *testing.T) {
	for _, hold := range []bool{false, true} {
		t.Run(fmt.Sprintf("pending %v", hold), func(t *testing.T) {
			e := newEnv(t)
			id := e.paid(t, "p") // 123.45
			if hold {
				_ = e.emu.Arm(Faults{HoldRefunds: 20})
			}
			var wg sync.WaitGroup
			statuses := make([]int, 20)
			for i := range statuses {
				wg.Add(1)
				go func() {
					defer wg.Done()
					statuses[i], _ = e.call(t, http.MethodPost, "/v3/refunds", fmt.Sprintf("r-%d", i), refundBody(id, "10.00"))
				}()
			}
			wg.Wait()
			ok := 0
			for _, s := range statuses {
				if s == http.StatusOK {
					ok++
				} else if s != http.StatusBadRequest {
					t.Errorf("a refund answered %d", s)
				}
			}
			var total int
			for _, r := range e.emu.Refunds() {
				if r.Status != StatusCanceled {
					total += 1000
				}
			}
			if ok != 12 || total != 12000 {
				t.Errorf("%d refunds made for %d kopecks of 12345; want 12 of 10.00", ok, total)
			}
		})
	}
}

func TestFaultHoldRefunds(t *testing.T) {
	e := newEnv(t)
	id := e.paid(t, "p")
	waitFor(t, "the payment's notification", func() bool { return len(e.receiver.got()) == 1 })
	_ = e.emu.Arm(Faults{HoldRefunds: 2})
	r := e.refund(t, "r1", refundBody(id, "100.00"))
	if r["status"] != StatusPending {
		t.Fatalf("held refund = %v", r)
	}
	// What is pending counts: only 23.45 is left.
	status, body := e.call(t, http.MethodPost, "/v3/refunds", "r2", refundBody(id, "23.46"))
	wantError(t, status, body, http.StatusBadRequest, "invalid_request", "amount")
	if p, _ := e.emu.Payment(id); p.RefundedAmount != nil {
		t.Errorf("a pending refund shows as refunded: %+v", p.RefundedAmount)
	}
	if err := e.emu.SettleRefund(r["id"].(string), StatusSucceeded, ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "refund.succeeded", func() bool { return len(e.receiver.got()) == 2 })
	if got := e.receiver.events(); got[1] != "refund.succeeded/succeeded" {
		t.Errorf("notified %v", got)
	}
	if err := e.emu.SettleRefund(r["id"].(string), StatusCanceled, ""); err != errRefundNotPending {
		t.Errorf("settling twice = %v", err)
	}

	// The second held refund is canceled through the control API: its
	// amount is refundable again, and nothing is notified.
	r2 := e.refund(t, "r3", refundBody(id, "23.45"))
	res, err := http.Post(e.srv.URL+"/_emulator/refunds/"+r2["id"].(string)+"/settle", "application/json", strings.NewReader(`{"status":"canceled","reason":"rejected_by_payee"}`))
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("settle = %v %v", res.StatusCode, err)
	}
	res.Body.Close()
	got, _ := e.emu.RefundByID(r2["id"].(string))
	if got.Status != StatusCanceled || got.CancellationDetails == nil || got.CancellationDetails.Party != "payment_network" || got.CancellationDetails.Reason != "rejected_by_payee" {
		t.Errorf("canceled refund = %+v %+v", got, got.CancellationDetails)
	}
	e.refund(t, "r4", refundBody(id, "23.45"))
	waitFor(t, "the last refund's notification", func() bool { return len(e.receiver.got()) == 3 })
	time.Sleep(50 * time.Millisecond)
	if got := e.receiver.events(); len(got) != 3 {
		t.Errorf("notified %v: want the payment and two refund.succeeded", got)
	}
	for body, want := range map[string]int{`{"status":"refunded"}`: http.StatusBadRequest, `{"status":"succeeded","x":1}`: http.StatusBadRequest,
		`{"status":"canceled","reason":"Bad Reason"}`: http.StatusBadRequest} {
		res, _ := http.Post(e.srv.URL+"/_emulator/refunds/"+r2["id"].(string)+"/settle", "application/json", strings.NewReader(body))
		if res.StatusCode != want {
			t.Errorf("settle %s = %d, want %d", body, res.StatusCode, want)
		}
	}
	if res, _ := http.Post(e.srv.URL+"/_emulator/refunds/nope/settle", "application/json", strings.NewReader(`{"status":"succeeded"}`)); res.StatusCode != http.StatusNotFound {
		t.Errorf("settle of no refund = %d", res.StatusCode)
	}
	if res, _ := http.Post(e.srv.URL+"/_emulator/refunds/"+r2["id"].(string)+"/settle", "application/json", strings.NewReader(`{"status":"succeeded"}`)); res.StatusCode != http.StatusConflict {
		t.Errorf("settle of a canceled refund = %d", res.StatusCode)
	}
}

func TestFaultDeclineRefund(t *testing.T) {
	e := newEnv(t)
	id := e.paid(t, "p")
	waitFor(t, "the payment's notification", func() bool { return len(e.receiver.got()) == 1 })
	_ = e.emu.Arm(Faults{DeclineRefund: "insufficient_funds"})
	r := e.refund(t, "r1", refundBody(id, "123.45"))
	details, _ := r["cancellation_details"].(map[string]any)
	if r["status"] != StatusCanceled || details["party"] != "yoo_money" || details["reason"] != "insufficient_funds" {
		t.Errorf("declined refund = %v", r)
	}
	// Used once, and what it asked for is refundable still.
	if r := e.refund(t, "r2", refundBody(id, "123.45")); r["status"] != StatusSucceeded {
		t.Errorf("the next refund = %v", r)
	}
	waitFor(t, "refund.succeeded", func() bool { return len(e.receiver.got()) == 2 })
	if got := e.receiver.events(); got[1] != "refund.succeeded/succeeded" {
		t.Errorf("notified %v: a canceled refund is not notified", got)
	}
}

func TestFaultRefundFailures(t *testing.T) {
	for _, c := range []struct {
		fault  Faults
		status int
		code   string
	}{
		{Faults{FailRefunds: 1}, http.StatusInternalServerError, "internal_server_error"},
		{Faults{ThrottleRefunds: 1}, http.StatusTooManyRequests, "too_many_requests"},
	} {
		t.Run(c.code, func(t *testing.T) {
			e := newEnv(t)
			id := e.paid(t, "p")
			_ = e.emu.Arm(c.fault)
			// Creates are not what the fault is for.
			e.create(t, "p2", createBody)
			status, body := e.call(t, http.MethodPost, "/v3/refunds", "r", refundBody(id, "1.00"))
			wantError(t, status, body, c.status, c.code, "")
			if n := len(e.emu.Refunds()); n != 0 {
				t.Fatalf("%d refunds after the failure", n)
			}
			e.refund(t, "r", refundBody(id, "1.00"))
			if n := len(e.emu.Refunds()); n != 1 {
				t.Errorf("%d refunds after the retry, want 1", n)
			}
		})
	}
	t.Run("processing", func(t *testing.T) {
		e := newEnv(t)
		id := e.paid(t, "p")
		_ = e.emu.Arm(Faults{ProcessRefunds: 1})
		status, body := e.call(t, http.MethodPost, "/v3/refunds", "r", refundBody(id, "1.00"))
		if status != http.StatusAccepted || body["type"] != "processing" {
			t.Fatalf("refund = %d %v, want 202", status, body)
		}
		if r := e.refund(t, "r", refundBody(id, "1.00")); len(e.emu.Refunds()) != 1 || r["id"] != e.emu.Refunds()[0].ID {
			t.Errorf("the repeat = %v; refunds %+v", r, e.emu.Refunds())
		}
	})
	t.Run("an answer later than the client waits", func(t *testing.T) {
		e := newEnv(t)
		id := e.paid(t, "p")
		_ = e.emu.Arm(Faults{RefundDelay: Duration(2 * time.Second)})
		impatient := &http.Client{Timeout: 100 * time.Millisecond}
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/v3/refunds", strings.NewReader(refundBody(id, "1.00")))
		req.SetBasicAuth(shop, secret)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotence-Key", "r")
		if res, err := impatient.Do(req); err == nil {
			res.Body.Close()
			t.Fatalf("refund answered %d within the client's timeout", res.StatusCode)
		}
		if n := len(e.emu.Refunds()); n != 1 {
			t.Fatalf("%d refunds, want 1 (made, not answered)", n)
		}
		began := time.Now()
		if r := e.refund(t, "r", refundBody(id, "1.00")); r["id"] != e.emu.Refunds()[0].ID || time.Since(began) > time.Second {
			t.Errorf("the retry = %v after %v", r, time.Since(began))
		}
	})
}

func TestRefundNotificationFaults(t *testing.T) {
	e := newEnv(t)
	id := e.paid(t, "p")
	waitFor(t, "the payment's notification", func() bool { return len(e.receiver.got()) == 1 })
	_ = e.emu.Arm(Faults{Notify: NotifyFaults{Twice: true, Stale: StatusCanceled}})
	e.refund(t, "r1", refundBody(id, "1.00"))
	waitFor(t, "two refund notifications", func() bool { return len(e.receiver.got()) == 3 })
	if got := e.receiver.got(); got[1] != got[2] {
		t.Errorf("the copy differs:\n%s\n%s", got[1], got[2])
	}
	// The stale payment notification waits for a payment's change.
	if a := e.emu.Armed(); a.Notify.Twice || a.Notify.Stale != StatusCanceled {
		t.Errorf("armed after the refund: %+v", a.Notify)
	}
	_ = e.emu.Arm(Faults{Notify: NotifyFaults{Never: true}})
	e.refund(t, "r2", refundBody(id, "1.00"))
	ns := e.emu.Notifications()
	if last := ns[len(ns)-1]; last.Event != "refund.succeeded" || last.State != NoteDropped || last.Fault != "never" {
		t.Errorf("log = %+v", last)
	}
}

func TestArmRefundAndChargeFaults(t *testing.T) {
	e := newEnv(t)
	res, err := http.Post(e.srv.URL+"/_emulator/faults", "application/json", strings.NewReader(
		`{"failRefunds":1,"throttleRefunds":2,"processRefunds":3,"refundDelay":"1s","holdRefunds":4,"declineRefund":"rejected_by_payee","declineCharge":"insufficient_funds"}`))
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("arm = %v %v", res.StatusCode, err)
	}
	res.Body.Close()
	want := Faults{FailRefunds: 1, ThrottleRefunds: 2, ProcessRefunds: 3, RefundDelay: Duration(time.Second), HoldRefunds: 4,
		DeclineRefund: "rejected_by_payee", DeclineCharge: "insufficient_funds"}
	if got := e.emu.Armed(); got != want {
		t.Errorf("armed %+v, want %+v", got, want)
	}
	for _, bad := range []Faults{{HoldRefunds: -1}, {RefundDelay: -1}, {DeclineRefund: "Not A Code"}, {DeclineCharge: "x y"}, {Decline: "<b>"}} {
		if err := e.emu.Arm(bad); err == nil {
			t.Errorf("Arm(%+v) took it", bad)
		}
	}
}
