package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/infra/local/stack"
	"github.com/kabinet/kabinet/infra/local/yookassaemu"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/payments"
	"github.com/kabinet/kabinet/shared/payments/yookassa"
)

// The payment provider's adapter, configured from a function's environment
// as the local stack gives it, reaches the stack's emulator with the shop's
// key from Secrets Manager, and the emulator notifies the portal's gateway.
func TestPaymentProviderOnTheStack(t *testing.T) {
	ctx := context.Background()
	env, err := st.FunctionEnv(st.Template.Functions[0])
	if err != nil {
		t.Fatal(err)
	}
	if got := env[string(config.YooKassaAPIURL)]; got != st.YooKassaURL+"/v3" {
		t.Errorf("%s = %q, want %s/v3", config.YooKassaAPIURL, got, st.YooKassaURL)
	}
	provider, err := yookassa.New(yookassa.Config{BaseURL: env[string(config.YooKassaAPIURL)], ShopID: env[string(config.YooKassaShopID)],
		Secret: yookassa.ManagedSecretKey(st.SecretsClient(), env[string(config.YooKassaSecretKeySecret)])})
	if err != nil {
		t.Fatal(err)
	}
	p, err := provider.Create(ctx, payments.NewPayment{IdempotenceKey: "e2e-" + time.Now().Format("150405.000000"), Amount: 150000,
		Description: "Госпошлина (e2e)", ReturnURL: "http://127.0.0.1/return", Metadata: map[string]string{"test": "e2e"}})
	if err != nil {
		t.Fatalf("Create through the stack: %v", err)
	}
	if !strings.HasPrefix(p.ConfirmationURL, st.YooKassaURL+"/checkout/") {
		t.Errorf("confirmation URL %s is not the emulator's page", p.ConfirmationURL)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.PostForm(p.ConfirmationURL, url.Values{"action": {"pay"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got, err := provider.Get(ctx, p.ID); err != nil || got.Status != payments.ProviderSucceeded {
		t.Errorf("Get after paying = %+v, %v", got, err)
	}
	// The notification goes to the portal's public route through the
	// gateway, which answers (whatever the payments function makes of it).
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n *yookassaemu.Notification
		for _, r := range st.YooKassa.Records() {
			if r.ID == p.ID && len(r.Notifications) > 0 {
				n = &r.Notifications[0]
			}
		}
		if n != nil && len(n.Attempts) > 0 {
			if n.URL != st.APIURL+stack.PaymentNotificationsPath || n.Attempts[0].Status == 0 {
				t.Errorf("notification to %s, first attempt %+v; want an answer from %s%s", n.URL, n.Attempts[0], st.APIURL, stack.PaymentNotificationsPath)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the emulator made no delivery attempt")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if s := st.Summary(); !strings.Contains(s, st.YooKassaURL) {
		t.Errorf("the summary does not show the emulator:\n%s", s)
	}
}
