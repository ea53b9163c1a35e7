package yookassaemu

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/clock"
)

const (
	shop   = "700001"
	secret = "test_local-secret-key"
	ret    = "https://kabinet.example/payments/return?p=1"
)

// receiver is the shop's notification endpoint: it records every body and
// answers as answer says (200 when nil).
type receiver struct {
	mu     sync.Mutex
	bodies []string
	answer func(n int) int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.bodies = append(rc.bodies, string(b))
	n, answer := len(rc.bodies), rc.answer
	rc.mu.Unlock()
	status := http.StatusOK
	if answer != nil {
		status = answer(n)
	}
	w.WriteHeader(status)
}

func (rc *receiver) got() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.bodies...)
}

// events reads the event and the object's status of each body received.
func (rc *receiver) events() []string {
	var out []string
	for _, b := range rc.got() {
		var n struct {
			Event  string  `json:"event"`
			Object Payment `json:"object"`
		}
		_ = json.Unmarshal([]byte(b), &n)
		out = append(out, n.Event+"/"+n.Object.Status)
	}
	return out
}

type env struct {
	emu      *Server
	srv      *httptest.Server
	receiver *receiver
	client   *http.Client // follows no redirects
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{emu: New(shop, secret), receiver: &receiver{}}
	e.emu.RetryDelays = []time.Duration{10 * time.Millisecond, 10 * time.Millisecond}
	e.srv = httptest.NewServer(e.emu)
	rs := httptest.NewServer(e.receiver)
	t.Cleanup(func() { e.srv.Close(); e.emu.Close(); rs.Close() })
	e.emu.SetNotificationURL(rs.URL + "/payments/notifications")
	e.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return e
}

// call makes an API request with the shop's credentials and returns the
// status and the decoded body.
func (e *env) call(t *testing.T, method, path, key, body string) (int, map[string]any) {
	t.Helper()
	status, raw := e.raw(t, method, path, key, body, shop, secret)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return status, m
}

func (e *env) raw(t *testing.T, method, path, key, body, user, pass string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotence-Key", key)
	}
	res, err := e.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

const createBody = `{"amount":{"value":"123.45","currency":"RUB"},"capture":true,"confirmation":{"type":"redirect","return_url":"` + ret + `"},` +
	`"description":"Штраф ГИБДД","metadata":{"charge":"c-1"}}`

func (e *env) create(t *testing.T, key, body string) string {
	t.Helper()
	status, p := e.call(t, http.MethodPost, "/v3/payments", key, body)
	if status != http.StatusOK {
		t.Fatalf("create = %d %v", status, p)
	}
	return p["id"].(string)
}

// answer POSTs the payer's form and returns the status and Location.
func (e *env) answer(t *testing.T, id, action string) (int, string) {
	t.Helper()
	res, err := e.client.PostForm(e.srv.URL+"/checkout/"+id, url.Values{"action": {action}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Location")
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func wantError(t *testing.T, status int, body map[string]any, wantStatus int, code, parameter string) {
	t.Helper()
	if status != wantStatus || body["type"] != "error" || body["code"] != code || (parameter != "" && body["parameter"] != parameter) || body["id"] == "" {
		t.Errorf("= %d %v, want %d error %s parameter %q", status, body, wantStatus, code, parameter)
	}
}

func TestBasicAuth(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ name, user, pass string }{{"none", "", ""}, {"wrong secret", shop, "test_other"}, {"wrong shop", "700002", secret}} {
		for _, m := range []struct{ method, path, key, body string }{
			{http.MethodPost, "/v3/payments", "k1", createBody}, {http.MethodGet, "/v3/payments/x", "", ""},
		} {
			status, raw := e.raw(t, m.method, m.path, m.key, m.body, c.user, c.pass)
			var body map[string]any
			_ = json.Unmarshal(raw, &body)
			wantError(t, status, body, http.StatusUnauthorized, "invalid_credentials", "")
		}
	}
	if n := len(e.emu.Payments()); n != 0 {
		t.Errorf("%d payments made without credentials", n)
	}
}

func TestCreateRefusesWhatYooKassaRefuses(t *testing.T) {
	e := newEnv(t)
	good := map[string]any{}
	_ = json.Unmarshal([]byte(createBody), &good)
	with := func(change func(map[string]any)) string {
		var m map[string]any
		_ = json.Unmarshal([]byte(createBody), &m)
		change(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	amount := func(v any) func(map[string]any) {
		return func(m map[string]any) { m["amount"].(map[string]any)["value"] = v }
	}
	meta := map[string]any{}
	for i := range 17 {
		meta[strings.Repeat("k", i+1)] = "v"
	}
	for _, c := range []struct {
		name, body, key, parameter string
	}{
		{"no amount", with(func(m map[string]any) { delete(m, "amount") }), "k", "amount"},
		{"three decimals", with(amount("123.456")), "k", "amount.value"},
		{"a comma", with(amount("123,45")), "k", "amount.value"},
		{"negative", with(amount("-1.00")), "k", "amount.value"},
		{"zero", with(amount("0.00")), "k", "amount.value"},
		{"an exponent", with(amount("1e3")), "k", "amount.value"},
		{"a number, not a string", with(amount(123.45)), "k", "amount.value"},
		{"dollars", with(func(m map[string]any) { m["amount"].(map[string]any)["currency"] = "USD" }), "k", "amount.currency"},
		{"no confirmation", with(func(m map[string]any) { delete(m, "confirmation") }), "k", "confirmation"},
		{"embedded confirmation", with(func(m map[string]any) { m["confirmation"].(map[string]any)["type"] = "embedded" }), "k", "confirmation.type"},
		{"relative return_url", with(func(m map[string]any) { m["confirmation"].(map[string]any)["return_url"] = "/back" }), "k", "confirmation.return_url"},
		{"javascript return_url", with(func(m map[string]any) { m["confirmation"].(map[string]any)["return_url"] = "javascript:alert(1)" }), "k", "confirmation.return_url"},
		{"long description", with(func(m map[string]any) { m["description"] = strings.Repeat("я", 129) }), "k", "description"},
		{"17 metadata keys", with(func(m map[string]any) { m["metadata"] = meta }), "k", "metadata"},
		{"metadata number", with(func(m map[string]any) { m["metadata"] = map[string]any{"n": 1} }), "k", "metadata"},
		{"a parameter not emulated", with(func(m map[string]any) { m["receipt"] = map[string]any{} }), "k", "receipt"},
		{"no idempotence key", createBody, "", "Idempotence-Key"},
		{"idempotence key too long", createBody, strings.Repeat("k", 65), "Idempotence-Key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			key := c.key
			if key == "k" {
				key = "key-" + strings.ReplaceAll(c.name, " ", "-")
			}
			status, body := e.call(t, http.MethodPost, "/v3/payments", key, c.body)
			wantError(t, status, body, http.StatusBadRequest, "invalid_request", c.parameter)
		})
	}
	// 128 characters of Cyrillic are fine: the limit counts characters.
	e.create(t, "key-128", with(func(m map[string]any) { m["description"] = strings.Repeat("я", 128) }))
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/v3/payments", strings.NewReader(createBody))
	req.SetBasicAuth(shop, secret)
	req.Header.Set("Idempotence-Key", "form")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, err := e.client.Do(req); err != nil || res.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("create as a form = %v %v, want 415", res.StatusCode, err)
	}
	if n := len(e.emu.Payments()); n != 1 {
		t.Errorf("%d payments made, want only the valid one", n)
	}
}

func TestCreateAndGet(t *testing.T) {
	e := newEnv(t)
	status, p := e.call(t, http.MethodPost, "/v3/payments", "k1", createBody)
	if status != http.StatusOK || p["status"] != StatusPending || p["paid"] != false || p["test"] != true {
		t.Fatalf("create = %d %v", status, p)
	}
	id := p["id"].(string)
	amount := p["amount"].(map[string]any)
	conf := p["confirmation"].(map[string]any)
	if amount["value"] != "123.45" || amount["currency"] != "RUB" || conf["type"] != "redirect" ||
		conf["confirmation_url"] != e.srv.URL+"/checkout/"+id || p["metadata"].(map[string]any)["charge"] != "c-1" || p["description"] != "Штраф ГИБДД" {
		t.Errorf("created payment = %v", p)
	}
	if _, err := time.Parse(time.RFC3339Nano, p["created_at"].(string)); err != nil {
		t.Errorf("created_at %v: %v", p["created_at"], err)
	}
	status, got := e.call(t, http.MethodGet, "/v3/payments/"+id, "", "")
	if status != http.StatusOK || got["id"] != id || got["status"] != StatusPending {
		t.Errorf("get = %d %v", status, got)
	}
	status, got = e.call(t, http.MethodGet, "/v3/payments/2f3b588d-000f-5000-8000-000000000000", "", "")
	wantError(t, status, got, http.StatusNotFound, "not_found", "")
}

func TestIdempotence(t *testing.T) {
	e := newEnv(t)
	now := clock.NewManual(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	e.emu.Clock = now
	_, first := e.raw(t, http.MethodPost, "/v3/payments", "key-1", createBody, shop, secret)
	// The same request written otherwise is the same request.
	var m map[string]any
	_ = json.Unmarshal([]byte(createBody), &m)
	reordered, _ := json.MarshalIndent(m, "", "   ")
	status, again := e.raw(t, http.MethodPost, "/v3/payments", "key-1", string(reordered), shop, secret)
	if status != http.StatusOK || !bytes.Equal(first, again) {
		t.Errorf("repeat = %d %s\nwant the first answer %s", status, again, first)
	}
	if n := len(e.emu.Payments()); n != 1 {
		t.Fatalf("%d payments after a repeat, want 1", n)
	}
	other := strings.Replace(createBody, "123.45", "123.46", 1)
	code, body := e.call(t, http.MethodPost, "/v3/payments", "key-1", other)
	wantError(t, code, body, http.StatusBadRequest, "invalid_request", "Idempotence-Key")
	if body["description"] != "Idempotence key duplicated" {
		t.Errorf("description = %v", body["description"])
	}
	// The same key on another path is another request too.
	code, body = e.call(t, http.MethodPost, "/v3/payments/"+e.emu.Payments()[0].ID+"/cancel", "key-1", "{}")
	wantError(t, code, body, http.StatusBadRequest, "invalid_request", "Idempotence-Key")
	// A refusal is kept like any answer.
	bad := strings.Replace(createBody, "123.45", "0.00", 1)
	_, refused := e.raw(t, http.MethodPost, "/v3/payments", "key-2", bad, shop, secret)
	_, refusedAgain := e.raw(t, http.MethodPost, "/v3/payments", "key-2", bad, shop, secret)
	if !bytes.Equal(refused, refusedAgain) {
		t.Errorf("a repeated refusal differs: %s then %s", refused, refusedAgain)
	}
	// A day later the key is forgotten.
	now.Set(now.Now().Add(IdempotenceTTL))
	if status, p := e.call(t, http.MethodPost, "/v3/payments", "key-1", other); status != http.StatusOK || p["amount"].(map[string]any)["value"] != "123.46" {
		t.Errorf("the key after 24 hours = %d %v, want a new payment", status, p)
	}
	if n := len(e.emu.Payments()); n != 2 {
		t.Errorf("%d payments, want 2", n)
	}
}

func TestConcurrentRepeatsMakeOnePayment(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i] = e.create(t, "same-key", createBody)
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("ids %v, want one payment", ids)
		}
	}
	if n := len(e.emu.Payments()); n != 1 {
		t.Errorf("%d payments, want 1", n)
	}
}

func TestPaymentPage(t *testing.T) {
	e := newEnv(t)
	body := strings.Replace(createBody, "Штраф ГИБДД", `Штраф <script>alert(1)</script>`, 1)
	body = strings.Replace(body, "123.45", "1490.00", 1)
	id := e.create(t, "k", body)
	res, err := http.Get(e.srv.URL + "/checkout/" + id)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	html := string(b)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("page = %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for _, want := range []string{`lang="ru"`, "Оплатить", "Отклонить", "1\u00a0490,00\u00a0₽", "Штраф &lt;script&gt;", `name="action" value="pay"`, `name="action" value="decline"`} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q:\n%s", want, html)
		}
	}
	if strings.Contains(html, "<script>") {
		t.Error("the description is not escaped")
	}
	if res, _ := http.Get(e.srv.URL + "/checkout/nope"); res.StatusCode != http.StatusNotFound {
		t.Errorf("page of no payment = %d", res.StatusCode)
	}
}

func TestPayAtOnce(t *testing.T) {
	e := newEnv(t)
	id := e.create(t, "k", createBody)
	status, loc := e.answer(t, id, "pay")
	if status != http.StatusSeeOther || loc != ret {
		t.Fatalf("pay = %d %s, want 303 to %s", status, loc, ret)
	}
	p, _ := e.emu.Payment(id)
	if p.Status != StatusSucceeded || !p.Paid || p.CapturedAt == "" || p.Confirmation != nil {
		t.Errorf("after paying: %+v", p)
	}
	waitFor(t, "the notification", func() bool { return len(e.receiver.got()) == 1 })
	if got := e.receiver.events(); got[0] != "payment.succeeded/succeeded" {
		t.Errorf("notified %v", got)
	}
	var n map[string]any
	_ = json.Unmarshal([]byte(e.receiver.got()[0]), &n)
	if n["type"] != "notification" || n["object"].(map[string]any)["id"] != id {
		t.Errorf("notification body %v", n)
	}
	if status, _ := e.answer(t, id, "pay"); status != http.StatusConflict {
		t.Errorf("paying twice = %d, want 409", status)
	}
	if status, _ := e.answer(t, id, "steal"); status != http.StatusBadRequest {
		t.Errorf("an unknown action = %d, want 400", status)
	}
	waitFor(t, "the delivery record", func() bool { return e.emu.Notifications()[0].State == NoteDelivered })
}

func TestDeclineButton(t *testing.T) {
	e := newEnv(t)
	id := e.create(t, "k", createBody)
	if status, loc := e.answer(t, id, "decline"); status != http.StatusSeeOther || loc != ret {
		t.Fatalf("decline = %d %s", status, loc)
	}
	p, _ := e.emu.Payment(id)
	if p.Status != StatusCanceled || p.Paid || p.CancellationDetails == nil || p.CancellationDetails.Party != "payment_network" || p.CancellationDetails.Reason != "general_decline" {
		t.Errorf("after declining: %+v %+v", p, p.CancellationDetails)
	}
	waitFor(t, "the notification", func() bool { return len(e.receiver.got()) == 1 })
	if got := e.receiver.events(); got[0] != "payment.canceled/canceled" {
		t.Errorf("notified %v", got)
	}
}

func TestHoldCaptureAndCancel(t *testing.T) {
	e := newEnv(t)
	hold := strings.Replace(createBody, `"capture":true`, `"capture":false`, 1)
	id := e.create(t, "k1", hold)
	if status, _ := e.answer(t, id, "pay"); status != http.StatusSeeOther {
		t.Fatal("pay failed")
	}
	p, _ := e.emu.Payment(id)
	if p.Status != StatusWaitingForCapture || !p.Paid || p.ExpiresAt == "" || p.CapturedAt != "" {
		t.Errorf("held payment: %+v", p)
	}
	// Each change's notifications are delivered on their own, so a capture
	// right after the payer's answer may be notified first: wait.
	waitFor(t, "the hold's notification", func() bool { return len(e.receiver.got()) == 1 })
	status, got := e.call(t, http.MethodPost, "/v3/payments/"+id+"/capture", "cap-1", `{"amount":{"value":"100.00","currency":"RUB"}}`)
	if status != http.StatusOK || got["status"] != StatusSucceeded || got["amount"].(map[string]any)["value"] != "100.00" || got["captured_at"] == nil {
		t.Errorf("partial capture = %d %v", status, got)
	}
	status, got = e.call(t, http.MethodPost, "/v3/payments/"+id+"/capture", "cap-2", "{}")
	wantError(t, status, got, http.StatusBadRequest, "invalid_request", "")
	waitFor(t, "two notifications", func() bool { return len(e.receiver.got()) == 2 })
	if got := e.receiver.events(); got[0] != "payment.waiting_for_capture/waiting_for_capture" || got[1] != "payment.succeeded/succeeded" {
		t.Errorf("notified %v", got)
	}

	id2 := e.create(t, "k2", hold)
	status, got = e.call(t, http.MethodPost, "/v3/payments/"+id2+"/cancel", "can-0", "{}")
	wantError(t, status, got, http.StatusBadRequest, "invalid_request", "") // pending: the payer has not answered
	e.answer(t, id2, "pay")
	status, got = e.call(t, http.MethodPost, "/v3/payments/"+id2+"/cancel", "can-1", "{}")
	details, _ := got["cancellation_details"].(map[string]any)
	if status != http.StatusOK || got["status"] != StatusCanceled || details["party"] != "merchant" || details["reason"] != "canceled_by_merchant" {
		t.Errorf("cancel = %d %v", status, got)
	}
	status, got = e.call(t, http.MethodPost, "/v3/payments/"+id2+"/capture", "cap-3", `{"amount":{"value":"1000.00","currency":"RUB"}}`)
	wantError(t, status, got, http.StatusBadRequest, "invalid_request", "")

	id3 := e.create(t, "k3", hold)
	e.answer(t, id3, "pay")
	status, got = e.call(t, http.MethodPost, "/v3/payments/"+id3+"/capture", "cap-4", `{"amount":{"value":"1000.00","currency":"RUB"}}`)
	wantError(t, status, got, http.StatusBadRequest, "invalid_request", "amount.value")
	status, got = e.call(t, http.MethodPost, "/v3/payments/nope/cancel", "can-2", "{}")
	wantError(t, status, got, http.StatusNotFound, "not_found", "")
}

func TestExpire(t *testing.T) {
	e := newEnv(t)
	id := e.create(t, "k", createBody)
	res, err := http.Post(e.srv.URL+"/_emulator/payments/"+id+"/expire", "application/json", nil)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("expire = %v %v", res.StatusCode, err)
	}
	p, _ := e.emu.Payment(id)
	if p.Status != StatusCanceled || p.CancellationDetails.Party != "yoo_money" || p.CancellationDetails.Reason != "expired_on_confirmation" {
		t.Errorf("expired: %+v %+v", p, p.CancellationDetails)
	}
	if err := e.emu.Expire(id); !errors.Is(err, errNotPending) {
		t.Errorf("Expire of a canceled payment = %v", err)
	}
	held := e.create(t, "k2", strings.Replace(createBody, `"capture":true`, `"capture":false`, 1))
	e.answer(t, held, "pay")
	if err := e.emu.Expire(held); err != nil {
		t.Fatal(err)
	}
	if p, _ := e.emu.Payment(held); p.CancellationDetails.Reason != "expired_on_capture" {
		t.Errorf("held payment expired: %+v", p.CancellationDetails)
	}
	waitFor(t, "the notifications", func() bool { return len(e.receiver.got()) == 3 })
}

func TestFaultDecline(t *testing.T) {
	e := newEnv(t)
	if err := e.emu.Arm(Faults{Decline: "insufficient_funds"}); err != nil {
		t.Fatal(err)
	}
	id := e.create(t, "k", createBody)
	e.answer(t, id, "pay")
	p, _ := e.emu.Payment(id)
	if p.Status != StatusCanceled || p.CancellationDetails.Reason != "insufficient_funds" || p.CancellationDetails.Party != "payment_network" {
		t.Errorf("declined payment: %+v %+v", p, p.CancellationDetails)
	}
	// Used once: the next payer pays.
	id2 := e.create(t, "k2", createBody)
	e.answer(t, id2, "pay")
	if p, _ := e.emu.Payment(id2); p.Status != StatusSucceeded {
		t.Errorf("after the fault: %s", p.Status)
	}
}

func TestFaultFailAndThrottleCreate(t *testing.T) {
	for _, c := range []struct {
		fault  Faults
		status int
		code   string
	}{
		{Faults{FailCreates: 1}, http.StatusInternalServerError, "internal_server_error"},
		{Faults{ThrottleCreates: 1}, http.StatusTooManyRequests, "too_many_requests"},
	} {
		t.Run(c.code, func(t *testing.T) {
			e := newEnv(t)
			if err := e.emu.Arm(c.fault); err != nil {
				t.Fatal(err)
			}
			status, body := e.call(t, http.MethodPost, "/v3/payments", "k", createBody)
			wantError(t, status, body, c.status, c.code, "")
			if n := len(e.emu.Payments()); n != 0 {
				t.Fatalf("%d payments after the failure, want none", n)
			}
			e.create(t, "k", createBody) // the retry, with the same key
			if n := len(e.emu.Payments()); n != 1 {
				t.Errorf("%d payments after the retry, want 1", n)
			}
		})
	}
}

func TestFaultProcessing(t *testing.T) {
	e := newEnv(t)
	_ = e.emu.Arm(Faults{ProcessCreates: 1})
	status, body := e.call(t, http.MethodPost, "/v3/payments", "k", createBody)
	if status != http.StatusAccepted || body["type"] != "processing" || body["retry_after"] == nil {
		t.Fatalf("create = %d %v, want 202 processing", status, body)
	}
	ps := e.emu.Payments()
	if len(ps) != 1 {
		t.Fatalf("%d payments while processing, want 1", len(ps))
	}
	if id := e.create(t, "k", createBody); id != ps[0].ID {
		t.Errorf("the repeat answered %s, want %s", id, ps[0].ID)
	}
}

func TestFaultTimeout(t *testing.T) {
	e := newEnv(t)
	_ = e.emu.Arm(Faults{CreateDelay: Duration(2 * time.Second)})
	impatient := &http.Client{Timeout: 100 * time.Millisecond}
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/v3/payments", strings.NewReader(createBody))
	req.SetBasicAuth(shop, secret)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotence-Key", "k")
	if res, err := impatient.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("create answered %d within the client's timeout", res.StatusCode)
	}
	ps := e.emu.Payments()
	if len(ps) != 1 {
		t.Fatalf("%d payments after the timeout, want 1 (made, not answered)", len(ps))
	}
	began := time.Now()
	if id := e.create(t, "k", createBody); id != ps[0].ID {
		t.Errorf("the retry answered %s, want %s", id, ps[0].ID)
	}
	if d := time.Since(began); d > time.Second {
		t.Errorf("the retry took %v: the delay is used once", d)
	}
}

// A partition after the payment is made: no repeat and no read reaches the
// shop until it heals; then a repeat with the key gets the payment.
func TestFaultPartition(t *testing.T) {
	e := newEnv(t)
	_ = e.emu.Arm(Faults{Partition: true})
	impatient := &http.Client{Timeout: 100 * time.Millisecond}
	send := func(method, path, body string) error {
		req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
		req.SetBasicAuth(shop, secret)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotence-Key", "k")
		res, err := impatient.Do(req)
		if err == nil {
			res.Body.Close()
		}
		return err
	}
	for i := range 3 {
		if err := send(http.MethodPost, "/v3/payments", createBody); err == nil {
			t.Fatalf("attempt %d answered during the partition", i+1)
		}
	}
	ps := e.emu.Payments()
	if len(ps) != 1 {
		t.Fatalf("%d payments, want 1 (made, never answered)", len(ps))
	}
	if err := send(http.MethodGet, "/v3/payments/"+ps[0].ID, ""); err == nil {
		t.Fatal("a read answered during the partition")
	}
	e.emu.Reset()
	if id := e.create(t, "k", createBody); id != ps[0].ID {
		t.Errorf("after healing the repeat answered %s, want %s", id, ps[0].ID)
	}
}

func TestFaultNotifyTwice(t *testing.T) {
	e := newEnv(t)
	_ = e.emu.Arm(Faults{Notify: NotifyFaults{Twice: true}})
	id := e.create(t, "k", createBody)
	e.answer(t, id, "pay")
	waitFor(t, "two notifications", func() bool { return len(e.receiver.got()) == 2 })
	got := e.receiver.got()
	if got[0] != got[1] {
		t.Errorf("the copy differs:\n%s\n%s", got[0], got[1])
	}
	if ns := e.emu.Notifications(); len(ns) != 2 || ns[0].Fault != "" || ns[1].Fault != "duplicate" {
		t.Errorf("log = %+v", ns)
	}
}

func TestFaultNotifyStale(t *testing.T) {
	for _, c := range []struct {
		stale string
		want  []string
	}{
		{StatusCanceled, []string{"payment.succeeded/succeeded", "payment.canceled/canceled"}},
		{StatusWaitingForCapture, []string{"payment.succeeded/succeeded", "payment.waiting_for_capture/waiting_for_capture"}},
	} {
		t.Run(c.stale, func(t *testing.T) {
			e := newEnv(t)
			_ = e.emu.Arm(Faults{Notify: NotifyFaults{Stale: c.stale}})
			id := e.create(t, "k", createBody)
			e.answer(t, id, "pay")
			waitFor(t, "two notifications", func() bool { return len(e.receiver.got()) == 2 })
			if got := e.receiver.events(); got[0] != c.want[0] || got[1] != c.want[1] {
				t.Errorf("notified %v, want %v", got, c.want)
			}
			// The API still tells the truth.
			if _, p := e.call(t, http.MethodGet, "/v3/payments/"+id, "", ""); p["status"] != StatusSucceeded {
				t.Errorf("GET says %v", p["status"])
			}
		})
	}
	if err := New(shop, secret).Arm(Faults{Notify: NotifyFaults{Stale: "refunded"}}); err == nil {
		t.Error("a stale status the emulator cannot make was armed")
	}
}

// By default the payer is sent back first and the shop notified after; the
// fault turns that around.
func TestNotificationAndRedirectOrder(t *testing.T) {
	t.Run("after the redirect", func(t *testing.T) {
		e := newEnv(t)
		redirected := make(chan struct{})
		e.receiver.answer = func(int) int {
			select {
			case <-redirected:
				return http.StatusOK
			case <-time.After(3 * time.Second):
				return http.StatusTeapot // notified before the payer was sent back
			}
		}
		id := e.create(t, "k", createBody)
		if status, _ := e.answer(t, id, "pay"); status != http.StatusSeeOther {
			t.Fatalf("pay = %d", status)
		}
		close(redirected)
		waitFor(t, "the delivery", func() bool { ns := e.emu.Notifications(); return len(ns) == 1 && len(ns[0].Attempts) > 0 })
		if a := e.emu.Notifications()[0].Attempts[0]; a.Status != http.StatusOK {
			t.Errorf("first attempt %+v: the notification went before the redirect", a)
		}
	})
	t.Run("before the redirect", func(t *testing.T) {
		e := newEnv(t)
		_ = e.emu.Arm(Faults{Notify: NotifyFaults{BeforeRedirect: true}})
		id := e.create(t, "k", createBody)
		if status, _ := e.answer(t, id, "pay"); status != http.StatusSeeOther {
			t.Fatalf("pay = %d", status)
		}
		if n := len(e.receiver.got()); n != 1 {
			t.Errorf("%d notifications received when the redirect came, want 1", n)
		}
	})
}

func TestFaultNotifyNever(t *testing.T) {
	e := newEnv(t)
	_ = e.emu.Arm(Faults{Notify: NotifyFaults{Never: true, Twice: true}})
	id := e.create(t, "k", createBody)
	e.answer(t, id, "pay")
	time.Sleep(100 * time.Millisecond)
	if n := len(e.receiver.got()); n != 0 {
		t.Errorf("%d notifications received, want none", n)
	}
	ns := e.emu.Notifications()
	if len(ns) != 1 || ns[0].State != NoteDropped || ns[0].Fault != "never" || len(ns[0].Attempts) != 0 {
		t.Errorf("log = %+v", ns)
	}
	if p, _ := e.emu.Payment(id); p.Status != StatusSucceeded {
		t.Errorf("the payment is %s: the fault drops the notification, not the payment", p.Status)
	}
}

func TestNotificationsAreRetriedUntilAnswered200(t *testing.T) {
	e := newEnv(t)
	e.receiver.answer = func(n int) int {
		if n == 1 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	}
	id := e.create(t, "k", createBody)
	e.answer(t, id, "pay")
	waitFor(t, "the retry", func() bool { ns := e.emu.Notifications(); return ns[0].State == NoteDelivered })
	ns := e.emu.Notifications()
	if len(ns[0].Attempts) != 2 || ns[0].Attempts[0].Status != 500 || ns[0].Attempts[1].Status != 200 {
		t.Errorf("attempts %+v", ns[0].Attempts)
	}
	if got := e.receiver.got(); len(got) != 2 || got[0] != got[1] {
		t.Errorf("the retry sent another body: %v", got)
	}

	e2 := newEnv(t)
	e2.receiver.answer = func(int) int { return http.StatusServiceUnavailable }
	id = e2.create(t, "k", createBody)
	e2.answer(t, id, "decline")
	waitFor(t, "giving up", func() bool { return e2.emu.Notifications()[0].State == NoteFailed })
	if n := len(e2.emu.Notifications()[0].Attempts); n != 1+len(e2.emu.RetryDelays) {
		t.Errorf("%d attempts, want %d", n, 1+len(e2.emu.RetryDelays))
	}

	e3 := newEnv(t)
	e3.emu.SetNotificationURL("")
	id = e3.create(t, "k", createBody)
	e3.answer(t, id, "pay")
	if ns := e3.emu.Notifications(); len(ns) != 1 || ns[0].State != NoteDropped || ns[0].Attempts[0].Error == "" {
		t.Errorf("without a URL: %+v", ns)
	}
}

func TestControlAPI(t *testing.T) {
	e := newEnv(t)
	post := func(path, body string) int {
		res, err := http.Post(e.srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if s := post("/_emulator/faults", `{"failCreates":1,"createDelay":"2s","decline":"card_expired","notify":{"twice":true,"stale":"canceled"}}`); s != http.StatusOK {
		t.Fatalf("arm = %d", s)
	}
	want := Faults{FailCreates: 1, CreateDelay: Duration(2 * time.Second), Decline: "card_expired", Notify: NotifyFaults{Twice: true, Stale: StatusCanceled}}
	if got := e.emu.Armed(); got != want {
		t.Errorf("armed %+v, want %+v", got, want)
	}
	for _, bad := range []string{`{"notify":{"stale":"refunded"}}`, `{"failCreates":-1}`, `{"explode":true}`, `{"createDelay":"soon"}`} {
		if s := post("/_emulator/faults", bad); s != http.StatusBadRequest {
			t.Errorf("arm %s = %d, want 400", bad, s)
		}
	}
	req, _ := http.NewRequest(http.MethodDelete, e.srv.URL+"/_emulator/faults", nil)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusNoContent || e.emu.Armed() != (Faults{}) {
		t.Errorf("reset = %v %v, armed %+v", res.StatusCode, err, e.emu.Armed())
	}
	req, _ = http.NewRequest(http.MethodPut, e.srv.URL+"/_emulator/notification-url", strings.NewReader(`{"url":"http://127.0.0.1:3000/payments/notifications"}`))
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusNoContent || e.emu.NotificationURL() != "http://127.0.0.1:3000/payments/notifications" {
		t.Errorf("set URL = %v %v, now %q", res.StatusCode, err, e.emu.NotificationURL())
	}
	e.emu.SetNotificationURL("")
	id := e.create(t, "k", strings.Replace(createBody, "Штраф ГИБДД", "<b>Штраф</b>", 1))
	e.answer(t, id, "pay")
	res, err := http.Get(e.srv.URL + "/_emulator/payments")
	if err != nil {
		t.Fatal(err)
	}
	var records []Record
	_ = json.NewDecoder(res.Body).Decode(&records)
	res.Body.Close()
	if len(records) != 1 || records[0].ID != id || records[0].Status != StatusSucceeded || len(records[0].Notifications) != 1 {
		t.Errorf("records %+v", records)
	}
	res, _ = http.Get(e.srv.URL + "/")
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), id) || strings.Contains(string(b), "<b>Штраф") || !strings.Contains(string(b), "оплачен") {
		t.Errorf("index page:\n%s", b)
	}
}
