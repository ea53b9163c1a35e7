package stack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sync"

	"github.com/kabinet/kabinet/infra/local/yookassaemu"
	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/payments"
)

// The demo citizen's linked card (the emulator's test Mir card, linked
// through its page and confirmed by the SMS code, as a person would) and
// an autopay rule paying the bills of the flat with it (DemoCard and
// DemoAutopayRule are their ids).

// demoCards are the services that link the card and make the rule, and
// the SMS the seeding reads the confirmation code from.
type demoCards struct {
	pays     *payments.Payments
	methods  *payments.Methods
	autopays *payments.Autopays
	sms      *seenSMS
}

// seenSMS sends as the real sender does and keeps the last text, so the
// seeding can enter the code the person would read (on the LocalStack path
// too, whose SMS log is not in process).
type seenSMS struct {
	next accounts.SMS
	mu   sync.Mutex
	last string
}

func (s *seenSMS) SMS(ctx context.Context, phone, text string) (string, error) {
	s.mu.Lock()
	s.last = text
	s.mu.Unlock()
	return s.next.SMS(ctx, phone, text)
}

var smsCode = regexp.MustCompile(`\b(\d{6})\b`)

func (s *seenSMS) code() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := smsCode.FindStringSubmatch(s.last); m != nil {
		return m[1]
	}
	return ""
}

func (s *Stack) cardServices(profiles *accounts.Profiles, d accounts.Deps) (*demoCards, error) {
	sms := &seenSMS{next: d.SMS}
	d.SMS = sms
	signatures, err := accounts.NewSignatures(d)
	if err != nil {
		return nil, err
	}
	pd, err := s.paymentDeps(profiles, d)
	if err != nil {
		return nil, err
	}
	pd.Signatures = signatures
	out := &demoCards{sms: sms}
	if out.pays, err = payments.NewPayments(pd); err != nil {
		return nil, err
	}
	if out.methods, err = payments.NewMethods(pd); err != nil {
		return nil, err
	}
	if out.autopays, err = payments.NewAutopays(pd); err != nil {
		return nil, err
	}
	return out, nil
}

// seedCard links a card of me through the emulator's page and a code, and
// makes the rule that pays the bills of the utility account flat with it.
func (s *Stack) seedCard(ctx context.Context, c *demoCards, me actor.Actor, flat string) error {
	m, err := c.methods.Link(ctx, me)
	if err != nil {
		return fmt.Errorf("demo card: %w", err)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.PostForm(m.ConfirmationURL, url.Values{"action": {"pay"}, "card": {string(yookassaemu.CardMir)}})
	if err != nil {
		return fmt.Errorf("demo card page: %w", err)
	}
	res.Body.Close()
	// The emulator notifies the gateway too; whichever comes first
	// records the card once.
	for _, p := range s.YooKassa.Payments() {
		if p.Metadata["method"] == m.ID {
			body, _ := json.Marshal(map[string]any{"type": "notification", "event": "payment.waiting_for_capture", "object": map[string]string{"id": p.ID}})
			if err := c.pays.Notify(ctx, body); err != nil {
				return fmt.Errorf("demo card saved: %w", err)
			}
		}
	}
	if _, err := c.methods.StartConfirmation(ctx, me, m.ID); err != nil {
		return fmt.Errorf("demo card code: %w", err)
	}
	if _, err := c.methods.Confirm(ctx, me, m.ID, c.sms.code()); err != nil {
		return fmt.Errorf("demo card confirmed: %w", err)
	}
	rule, err := c.autopays.CreateRule(ctx, me, payments.AutopayRuleInput{UtilityAccount: flat, PaymentMethod: m.ID,
		MaxPerCharge: "1000000", MaxPerMonth: "2000000"})
	if err != nil {
		return fmt.Errorf("demo autopay rule: %w", err)
	}
	s.DemoCard, s.DemoAutopayRule = m.ID, rule.ID
	return nil
}
