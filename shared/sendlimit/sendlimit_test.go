package sendlimit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo/dynamotest"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/vault"
)

func newLimiter(t *testing.T, l Limits) (*Limiter, *clock.Manual, *bytes.Buffer) {
	t.Helper()
	keys, err := vault.DeriveKeys(bytes.Repeat([]byte{5}, 32))
	if err != nil {
		t.Fatal(err)
	}
	c := clock.NewManual(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	var metrics bytes.Buffer
	return &Limiter{DB: dynamotest.NewStore(t), Keys: vault.FixedKeyring(keys), Clock: c, Limits: l, Metrics: &metrics}, c, &metrics
}

func code(err error) string {
	if pe, ok := problem.As(err); ok {
		return pe.Code
	}
	return fmt.Sprint(err)
}

// One destination a caller names gets at most its limit whatever the flow
// and whoever asks (every request from another address).
func TestADestinationIsLimitedAcrossFlowsAndCallers(t *testing.T) {
	l, c, _ := newLimiter(t, Defaults(0))
	ctx := context.Background()
	flows := []Flow{FlowRegistration, FlowResend, FlowContactChange, FlowRegistration, FlowResend}
	passed := 0
	for i, flow := range flows {
		err := l.Allow(ctx, Send{Channel: SMS, To: "+79160001122", IP: fmt.Sprintf("203.0.113.%d", i), Anonymous: true, Flow: flow})
		switch {
		case err == nil:
			passed++
		case code(err) != "too_many_messages":
			t.Fatalf("%s: %v", flow, err)
		default:
			pe, _ := problem.As(err)
			if pe.RetryAfter <= 0 || pe.RetryAfter > 15*time.Minute {
				t.Errorf("Retry-After %v, want within the 15-minute window", pe.RetryAfter)
			}
		}
	}
	if passed != 3 {
		t.Errorf("%d sends passed to one phone, want 3", passed)
	}
	// Email is another destination; the phone's window reopens later.
	if err := l.Allow(ctx, Send{Channel: Email, To: "a@example.ru", Anonymous: true}); err != nil {
		t.Errorf("an email to another address: %v", err)
	}
	c.Advance(15 * time.Minute)
	if err := l.Allow(ctx, Send{Channel: SMS, To: "+79160001122", Anonymous: true}); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

// Parallel sends cannot pass a limit none of them had reached, and the
// refused ones give back what they reserved.
func TestParallelSendsCannotPassALimit(t *testing.T) {
	l, _, _ := newLimiter(t, Limits{PerDestination: []Window{{3, time.Hour}}, PerAddress: []Window{{100, time.Hour}}})
	ctx := context.Background()
	var ok atomic.Int32
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if l.Allow(ctx, Send{Channel: SMS, To: "+79160002233", IP: fmt.Sprintf("198.51.100.%d", i), Anonymous: true}) == nil {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 3 {
		t.Errorf("%d of 12 parallel sends passed, want exactly 3", ok.Load())
	}
	// The refused ones released the address counters they took.
	if err := l.Allow(ctx, Send{Channel: SMS, To: "+79160009999", IP: "198.51.100.0", Anonymous: true}); err != nil {
		t.Errorf("a send from an address whose other attempts were refused: %v", err)
	}
}

// One client address, anonymous, is limited whatever the destinations; a
// send refused for the address takes nothing from its destination.
func TestAnAddressIsLimitedForAnonymousFlows(t *testing.T) {
	l, _, _ := newLimiter(t, Limits{PerDestination: []Window{{1, time.Hour}}, PerAddress: []Window{{2, time.Hour}}})
	ctx := context.Background()
	for i := range 2 {
		if err := l.Allow(ctx, Send{Channel: SMS, To: fmt.Sprintf("+7916000100%d", i), IP: "203.0.113.9", Anonymous: true}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Allow(ctx, Send{Channel: SMS, To: "+79160001009", IP: "203.0.113.9", Anonymous: true}); code(err) != "too_many_messages" {
		t.Fatalf("a third destination from one address: %v", err)
	}
	if err := l.Allow(ctx, Send{Channel: SMS, To: "+79160001009", IP: "203.0.113.10", Anonymous: true}); err != nil {
		t.Errorf("the same destination from another address: %v (the refused send took its budget)", err)
	}
	// A signed-in flow is not counted per address.
	if err := l.Allow(ctx, Send{Channel: SMS, To: "+79160001008", IP: "203.0.113.9", Account: "sub-1"}); err != nil {
		t.Errorf("a signed-in send from the busy address: %v", err)
	}
}

// Past the day's SMS volume anonymous flows stop with 503, the trip is an
// EMF metric for the alarm, and signed-in flows and email go on.
func TestTheDailyGuardStopsAnonymousSMS(t *testing.T) {
	l, c, metrics := newLimiter(t, Limits{PerDestination: []Window{{10, time.Hour}}, PerAddress: []Window{{10, time.Hour}}, DailySMS: 2})
	ctx := context.Background()
	for i := range 2 {
		if err := l.Allow(ctx, Send{Channel: SMS, To: fmt.Sprintf("+7916000200%d", i), Anonymous: true}); err != nil {
			t.Fatal(err)
		}
	}
	err := l.Allow(ctx, Send{Channel: SMS, To: "+79160002009", Anonymous: true, Flow: "registration"})
	if pe, ok := problem.As(err); !ok || pe.Kind != problem.KindUnavailable || pe.Code != "sms_paused" || pe.RetryAfter <= 0 {
		t.Fatalf("over the day's volume: %v, want 503 sms_paused with Retry-After", err)
	}
	var rec map[string]any
	if err := json.Unmarshal(metrics.Bytes(), &rec); err != nil || rec["SMSDailyGuardTripped"] != float64(1) || rec["_aws"] == nil {
		t.Errorf("metric record %q (%v), want an EMF record of SMSDailyGuardTripped", metrics.String(), err)
	}
	if err := l.Allow(ctx, Send{Channel: SMS, To: "+79160002008", Account: "sub-2"}); err != nil {
		t.Errorf("a signed-in SMS: %v", err)
	}
	if err := l.Allow(ctx, Send{Channel: Email, To: "x@example.ru", Anonymous: true}); err != nil {
		t.Errorf("an email: %v", err)
	}
	c.Advance(24 * time.Hour)
	if err := l.Allow(ctx, Send{Channel: SMS, To: "+79160002007", Anonymous: true}); err != nil {
		t.Errorf("the next day: %v", err)
	}
}

// Codes to an account's own confirmed phone are counted per flow, apart
// from the sends to a phone callers name: an outsider who names the phone
// in registrations, or starts resets of the account, uses up neither the
// sign-in codes nor the signing codes; each flow still has its limit.
func TestOwnContactSendsAreCountedApart(t *testing.T) {
	l, _, _ := newLimiter(t, Defaults(0))
	ctx := context.Background()
	const phone = "+79160003344"
	for i := range 10 {
		_ = l.Allow(ctx, Send{Channel: SMS, To: phone, IP: fmt.Sprintf("192.0.2.%d", i), Anonymous: true, Flow: FlowRegistration})
		_ = l.Allow(ctx, Send{Channel: SMS, To: phone, Own: true, Account: "sub-3", IP: fmt.Sprintf("192.0.2.%d", i), Anonymous: true, Flow: FlowReset})
	}
	if err := l.Allow(ctx, Send{Channel: SMS, To: phone, IP: "192.0.2.99", Anonymous: true, Flow: FlowRegistration}); code(err) != "too_many_messages" {
		t.Fatalf("a registration past the phone's limit: %v, want too_many_messages", err)
	}
	tests := []struct {
		name string
		send Send
		pass int
	}{
		{"sign-in", Send{Channel: SMS, To: phone, Own: true, Account: "sub-3", IP: "192.0.2.99", Flow: FlowSignIn}, 3},
		{"signing", Send{Channel: SMS, To: phone, Own: true, Account: "sub-3", Flow: FlowSignature}, 3},
		{"reset", Send{Channel: SMS, To: phone, Own: true, Account: "sub-3", IP: "192.0.2.98", Anonymous: true, Flow: FlowReset}, 0},
		{"own without an account is a named address", Send{Channel: SMS, To: phone, Own: true, Anonymous: true, IP: "192.0.2.97", Flow: FlowReset}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			passed := 0
			for range 4 {
				switch err := l.Allow(ctx, tt.send); {
				case err == nil:
					passed++
				case code(err) != "too_many_messages":
					t.Fatal(err)
				}
			}
			if passed != tt.pass {
				t.Errorf("%d of 4 sends passed, want %d", passed, tt.pass)
			}
		})
	}
}

// A mailbox is one destination whatever the letter case it is named in
// (the uniqueness index lowercases it too), so changing case gains
// nothing.
func TestAMailboxIsOneDestinationWhateverTheCase(t *testing.T) {
	l, _, _ := newLimiter(t, Limits{PerDestination: []Window{{2, time.Hour}}})
	ctx := context.Background()
	passed := 0
	for _, to := range []string{"anna@example.ru", "Anna@example.ru", "ANNA@example.ru", "aNNa@Example.RU"} {
		if l.Allow(ctx, Send{Channel: Email, To: to, Anonymous: true, Flow: FlowRegistration}) == nil {
			passed++
		}
	}
	if passed != 2 {
		t.Errorf("%d emails passed to one mailbox named in four cases, want 2", passed)
	}
}

// A flow with limits of its own is held to them per account, on top of the
// account's limit; other flows of the account are not.
func TestAFlowIsLimitedPerAccount(t *testing.T) {
	l, _, _ := newLimiter(t, Limits{PerAccount: []Window{{5, time.Hour}}, PerFlow: map[Flow][]Window{FlowReset: {{2, time.Hour}}}})
	ctx := context.Background()
	send := func(flow Flow, account string) error {
		return l.Allow(ctx, Send{Channel: SMS, To: "+79160004455", Own: true, Account: account, Flow: flow})
	}
	for range 2 {
		if err := send(FlowReset, "sub-4"); err != nil {
			t.Fatal(err)
		}
	}
	if err := send(FlowReset, "sub-4"); code(err) != "too_many_messages" {
		t.Errorf("a third reset code in the hour: %v, want too_many_messages", err)
	}
	if err := send(FlowSignIn, "sub-4"); err != nil {
		t.Errorf("a sign-in code of the account: %v", err)
	}
	if err := send(FlowReset, "sub-5"); err != nil {
		t.Errorf("a reset code of another account: %v", err)
	}
}

// A deployment sets the per-address limits and the day's SMS guard; the
// rest are the defaults.
func TestFromEnv(t *testing.T) {
	env := config.FromMap(map[string]string{"SMS_DAILY_LIMIT": "5000", "SENDS_PER_ADDRESS_HOUR": "40", "SENDS_PER_ADDRESS_DAY": "200"})
	got := FromEnv(env)
	if err := env.Err(); err != nil {
		t.Fatal(err)
	}
	want := Defaults(5000)
	want.PerAddress = []Window{{40, time.Hour}, {200, 24 * time.Hour}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FromEnv = %+v, want %+v", got, want)
	}
	if got := FromEnv(config.FromMap(nil)); !reflect.DeepEqual(got, Defaults(0)) {
		t.Errorf("FromEnv of nothing = %+v, want the defaults without a guard", got)
	}
	bad := config.FromMap(map[string]string{"SENDS_PER_ADDRESS_DAY": "0"})
	FromEnv(bad)
	if err := bad.Err(); err == nil || !strings.Contains(err.Error(), "SENDS_PER_ADDRESS_DAY") {
		t.Errorf("a limit of 0 per address: Err() = %v, want it named", err)
	}
}
