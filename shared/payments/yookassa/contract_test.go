package yookassa

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/infra/local/yookassaemu"
	"github.com/kabinet/kabinet/shared/payments"
	"github.com/kabinet/kabinet/shared/problem"
)

// The contract: what Kabinet relies on ЮKassa's API to do, checked through
// the adapter against the local stack's emulator. It runs offline; the
// emulator's own tests check it answers as ЮKassa documents, these check
// the adapter and the emulator agree.

// contract is an emulator, the adapter pointed at it, and the shop's
// notification endpoint.
type contract struct {
	emu      *yookassaemu.Server
	provider *Client
	mu       sync.Mutex
	notes    [][]byte
}

func newContract(t *testing.T) *contract {
	t.Helper()
	c := &contract{emu: yookassaemu.New(shopID, secret)}
	c.emu.RetryDelays = []time.Duration{10 * time.Millisecond}
	api := httptest.NewServer(c.emu)
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.notes = append(c.notes, b)
		c.mu.Unlock()
	}))
	t.Cleanup(func() { api.Close(); c.emu.Close(); shop.Close() })
	c.emu.SetNotificationURL(shop.URL + "/payments/notifications")
	var err error
	c.provider, err = New(Config{BaseURL: api.URL + "/v3", ShopID: shopID, Secret: StaticSecretKey(secret),
		Timeout: 300 * time.Millisecond, Backoff: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// answer is the payer's button on the confirmation page.
func (c *contract) answer(t *testing.T, p payments.ProviderPayment, action string) {
	t.Helper()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.PostForm(p.ConfirmationURL, url.Values{"action": {action}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != newPayment.ReturnURL {
		t.Fatalf("the page answered %d to %q, want 303 to the return URL", res.StatusCode, res.Header.Get("Location"))
	}
}

// notifications waits for n notifications and parses them.
func (c *contract) notifications(t *testing.T, n int) []payments.Notification {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.mu.Lock()
		got := append([][]byte(nil), c.notes...)
		c.mu.Unlock()
		if len(got) >= n {
			out := make([]payments.Notification, len(got))
			for i, b := range got {
				var err error
				if out[i], err = payments.ParseNotification(b); err != nil {
					t.Fatalf("ParseNotification(%s): %v", b, err)
				}
			}
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d notifications, want %d", len(got), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (c *contract) get(t *testing.T, id string) payments.ProviderPayment {
	t.Helper()
	p, err := c.provider.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return p
}

func keyed(key string, change func(*payments.NewPayment)) payments.NewPayment {
	p := newPayment
	p.IdempotenceKey = key
	if change != nil {
		change(&p)
	}
	return p
}

func TestContractPayAtOnce(t *testing.T) {
	c := newContract(t)
	ctx := context.Background()
	p, err := c.provider.Create(ctx, newPayment)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if p.Status != payments.ProviderPending || p.Paid || !p.Test || p.Amount != newPayment.Amount || p.Metadata["charge"] != "c-1" ||
		!strings.HasSuffix(p.ConfirmationURL, "/checkout/"+p.ID) || p.CreatedAt.IsZero() {
		t.Errorf("created %+v", p)
	}
	if got := c.get(t, p.ID); got.Status != payments.ProviderPending || got.ConfirmationURL != p.ConfirmationURL {
		t.Errorf("Get = %+v", got)
	}
	c.answer(t, p, "pay")
	n := c.notifications(t, 1)[0]
	if n.Event != payments.EventPaymentSucceeded || n.ObjectID != p.ID || !n.IsPayment() {
		t.Errorf("notification %+v", n)
	}
	got := c.get(t, n.ObjectID)
	if got.Status != payments.ProviderSucceeded || !got.Paid || got.CapturedAt.IsZero() || got.Amount != newPayment.Amount {
		t.Errorf("after paying: %+v", got)
	}
}

func TestContractIdempotence(t *testing.T) {
	c := newContract(t)
	ctx := context.Background()
	first, err := c.provider.Create(ctx, newPayment)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.provider.Create(ctx, newPayment)
	if err != nil || again.ID != first.ID {
		t.Errorf("the same key = %s, %v; want %s", again.ID, err, first.ID)
	}
	other := newPayment
	other.Amount++
	if _, err := c.provider.Create(ctx, other); !problem.Is(err, problem.KindConflict) {
		t.Errorf("the same key for another amount = %v, want Conflict", err)
	}
	if n := len(c.emu.Payments()); n != 1 {
		t.Errorf("%d payments, want 1", n)
	}
}

func TestContractDecline(t *testing.T) {
	for _, c := range []struct {
		name, button, decline, party, reason string
	}{
		{"the payer declines", "decline", "", "payment_network", "general_decline"},
		{"the bank declines", "pay", "insufficient_funds", "payment_network", "insufficient_funds"},
	} {
		t.Run(c.name, func(t *testing.T) {
			k := newContract(t)
			if c.decline != "" {
				_ = k.emu.Arm(yookassaemu.Faults{Decline: c.decline})
			}
			p, err := k.provider.Create(context.Background(), newPayment)
			if err != nil {
				t.Fatal(err)
			}
			k.answer(t, p, c.button)
			if n := k.notifications(t, 1)[0]; n.Event != payments.EventPaymentCanceled {
				t.Errorf("notified %s", n.Event)
			}
			got := k.get(t, p.ID)
			if got.Status != payments.ProviderCanceled || got.Paid || got.CancellationParty != c.party || got.CancellationReason != c.reason {
				t.Errorf("after declining: %+v", got)
			}
		})
	}
}

func TestContractHoldCaptureCancel(t *testing.T) {
	c := newContract(t)
	ctx := context.Background()
	hold := func(key string) payments.ProviderPayment {
		p, err := c.provider.Create(ctx, keyed(key, func(p *payments.NewPayment) { p.Hold = true }))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := hold("hold-1")
	if _, err := c.provider.Capture(ctx, p.ID, "capture-early"); !problem.Is(err, problem.KindInvalid) {
		t.Errorf("Capture of a pending payment = %v, want Invalid", err)
	}
	c.answer(t, p, "pay")
	if n := c.notifications(t, 1)[0]; n.Event != payments.EventPaymentWaitingForCapture {
		t.Errorf("notified %s", n.Event)
	}
	held := c.get(t, p.ID)
	if held.Status != payments.ProviderWaitingForCapture || !held.Paid || held.ExpiresAt.Before(held.CreatedAt.Add(6*24*time.Hour)) {
		t.Errorf("held %+v", held)
	}
	captured, err := c.provider.Capture(ctx, p.ID, "capture-1")
	if err != nil || captured.Status != payments.ProviderSucceeded || captured.CapturedAt.IsZero() || captured.Amount != newPayment.Amount {
		t.Fatalf("Capture = %+v, %v", captured, err)
	}
	if again, err := c.provider.Capture(ctx, p.ID, "capture-1"); err != nil || again.Status != payments.ProviderSucceeded {
		t.Errorf("Capture repeated with its key = %+v, %v; want the same answer", again, err)
	}
	if _, err := c.provider.Capture(ctx, p.ID, "capture-2"); !problem.Is(err, problem.KindInvalid) {
		t.Errorf("a second Capture = %v, want Invalid", err)
	}
	if _, err := c.provider.Cancel(ctx, p.ID, "cancel-late"); !problem.Is(err, problem.KindInvalid) {
		t.Errorf("Cancel of a captured payment = %v, want Invalid", err)
	}

	q := hold("hold-2")
	c.answer(t, q, "pay")
	canceled, err := c.provider.Cancel(ctx, q.ID, "cancel-1")
	if err != nil || canceled.Status != payments.ProviderCanceled || canceled.CancellationParty != "merchant" || canceled.CancellationReason != "canceled_by_merchant" {
		t.Errorf("Cancel = %+v, %v", canceled, err)
	}
	if _, err := c.provider.Get(ctx, "2f3b588d-000f-5000-8000-000000000000"); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("Get of no payment = %v, want NotFound", err)
	}
	if _, err := c.provider.Cancel(ctx, "2f3b588d-000f-5000-8000-000000000000", "cancel-2"); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("Cancel of no payment = %v, want NotFound", err)
	}
}

func TestContractAmountsSurviveTheRoundTrip(t *testing.T) {
	c := newContract(t)
	for i, kopecks := range []int64{1, 29, 100, 99999, 123456789012} {
		p, err := c.provider.Create(context.Background(), keyed("amount-"+formatAmount(int64(i)), func(p *payments.NewPayment) { p.Amount = kopecks }))
		if err != nil || p.Amount != kopecks || c.get(t, p.ID).Amount != kopecks {
			t.Errorf("Create of %d kopecks = %+v, %v", kopecks, p, err)
		}
		if v, _ := c.emu.Payment(p.ID); v.Amount.Value != formatAmount(kopecks) {
			t.Errorf("the emulator holds %s for %d kopecks", v.Amount.Value, kopecks)
		}
	}
}

func TestContractWrongSecret(t *testing.T) {
	c := newContract(t)
	c.provider.cfg.Secret = StaticSecretKey("test_wrong")
	if _, err := c.provider.Create(context.Background(), newPayment); !problem.Is(err, problem.KindInternal) {
		t.Errorf("Create with a wrong secret = %v, want Internal", err)
	}
	if n := len(c.emu.Payments()); n != 0 {
		t.Errorf("%d payments made with a wrong secret", n)
	}
}

// The adapter's retries and the emulator's faults: whatever fails on the
// way, one Create makes one payment.
func TestContractRetriesMakeOnePayment(t *testing.T) {
	for _, c := range []struct {
		name  string
		fault yookassaemu.Faults
	}{
		{"a 500", yookassaemu.Faults{FailCreates: 1}},
		{"a 429", yookassaemu.Faults{ThrottleCreates: 2}},
		{"still processing", yookassaemu.Faults{ProcessCreates: 1}},
		{"an answer later than the timeout", yookassaemu.Faults{CreateDelay: yookassaemu.Duration(2 * time.Second)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			k := newContract(t)
			if err := k.emu.Arm(c.fault); err != nil {
				t.Fatal(err)
			}
			p, err := k.provider.Create(context.Background(), newPayment)
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			ps := k.emu.Payments()
			if len(ps) != 1 || ps[0].ID != p.ID {
				t.Errorf("the emulator holds %d payments (%+v), want only %s", len(ps), ps, p.ID)
			}
		})
	}
	t.Run("failing every attempt, then again later", func(t *testing.T) {
		k := newContract(t)
		_ = k.emu.Arm(yookassaemu.Faults{FailCreates: DefaultAttempts})
		if _, err := k.provider.Create(context.Background(), newPayment); !problem.Is(err, problem.KindUnavailable) {
			t.Fatalf("Create = %v, want Unavailable", err)
		}
		p, err := k.provider.Create(context.Background(), newPayment)
		if err != nil || len(k.emu.Payments()) != 1 {
			t.Errorf("Create later = %+v, %v; %d payments", p, err, len(k.emu.Payments()))
		}
	})
}

// Notifications that lie or repeat change nothing for whoever believes only
// Get.
func TestContractNotificationsAreCheckedByGet(t *testing.T) {
	for _, c := range []struct {
		name  string
		fault yookassaemu.NotifyFaults
		count int
	}{
		{"twice", yookassaemu.NotifyFaults{Twice: true}, 2},
		{"canceled after succeeded", yookassaemu.NotifyFaults{Stale: yookassaemu.StatusCanceled}, 2},
		{"waiting_for_capture after succeeded", yookassaemu.NotifyFaults{Stale: yookassaemu.StatusWaitingForCapture}, 2},
		{"before the redirect", yookassaemu.NotifyFaults{BeforeRedirect: true}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			k := newContract(t)
			_ = k.emu.Arm(yookassaemu.Faults{Notify: c.fault})
			p, err := k.provider.Create(context.Background(), newPayment)
			if err != nil {
				t.Fatal(err)
			}
			k.answer(t, p, "pay")
			for _, n := range k.notifications(t, c.count) {
				if n.ObjectID != p.ID {
					t.Errorf("notification about %s", n.ObjectID)
				}
				if got := k.get(t, n.ObjectID); got.Status != payments.ProviderSucceeded {
					t.Errorf("after %s, Get says %s", n.Event, got.Status)
				}
			}
		})
	}
	t.Run("never", func(t *testing.T) {
		k := newContract(t)
		_ = k.emu.Arm(yookassaemu.Faults{Notify: yookassaemu.NotifyFaults{Never: true}})
		p, err := k.provider.Create(context.Background(), newPayment)
		if err != nil {
			t.Fatal(err)
		}
		k.answer(t, p, "pay")
		// Nothing arrives; asking is how the shop learns.
		if got := k.get(t, p.ID); got.Status != payments.ProviderSucceeded {
			t.Errorf("Get says %s", got.Status)
		}
	})
}

func TestContractExpired(t *testing.T) {
	c := newContract(t)
	p, err := c.provider.Create(context.Background(), newPayment)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.emu.Expire(p.ID); err != nil {
		t.Fatal(err)
	}
	if got := c.get(t, p.ID); got.Status != payments.ProviderCanceled || got.CancellationParty != "yoo_money" || got.CancellationReason != "expired_on_confirmation" {
		t.Errorf("expired: %+v", got)
	}
}
