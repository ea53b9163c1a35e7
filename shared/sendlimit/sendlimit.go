// Package sendlimit is the one limiter every flow goes through before it
// sends a code or a message to an address the caller names: registration
// and its resend, password recovery, sign-in codes, contact changes,
// signing codes, and whatever later sends to a destination. Each SMS costs
// money and each message lands in someone's phone or mailbox, so an
// outsider must not be able to make the portal send without bound (SMS
// pumping, bombing a stranger's phone).
//
// # Limits
//
// A send is counted, in fixed windows, against:
//   - its destination, by a keyed hash so the table never holds the
//     address: a phone or an email the caller names (registration, its
//     resend, a new contact), whatever the flow and whoever asks; or, for
//     a code to an account's own confirmed contact (sign-in, recovery,
//     signing), a counter of that flow and destination apart, so that
//     nobody can use up a person's own codes by naming their phone
//     elsewhere;
//   - the client address, for anonymous flows;
//   - the account, when there is one, and the account's sends of one flow
//     where the flow has limits of its own (reset codes);
//   - for anonymous SMS, the whole portal's day (a setting): when the day's
//     volume is exceeded, anonymous flows stop sending until the next day,
//     which is logged as an error and raises an alarm (an Embedded Metric
//     Format line, "Kabinet/SMSDailyGuardTripped").
//
// Every counter is reserved by an atomic increment before the check, so
// parallel sends cannot pass a limit that none of them has reached yet; a
// refused send gives back what it reserved, so refusals do not eat the
// budget of the sends that follow.
package sendlimit

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/vault"
)

// Channel is how a message travels.
type Channel string

// The channels.
const (
	SMS   Channel = "sms"
	Email Channel = "email"
)

// Send is one message about to go out.
type Send struct {
	Channel Channel
	// To is the normalized phone or email.
	To string
	// Own is true when To is Account's own confirmed contact, not an
	// address the caller names: it is counted per flow, apart from the
	// sends to addresses callers name. Without Account it has no effect.
	Own bool
	// Account is the account the message is for, when known.
	Account string
	// IP is the client address of the request that asks for it.
	IP string
	// Anonymous is true for flows nobody is signed in to (registration,
	// recovery): they are limited per address and by the day's SMS guard.
	Anonymous bool
	// Flow names the flow, for the logs and the counters of own contacts.
	Flow Flow
}

// Flow is a flow that sends codes.
type Flow string

// The flows.
const (
	FlowRegistration  Flow = "registration"
	FlowResend        Flow = "resend"
	FlowReset         Flow = "reset"
	FlowSignIn        Flow = "sign-in"
	FlowContactChange Flow = "contact-change"
	FlowSignature     Flow = "signature"
	// FlowRecovery confirms the new contact of an assisted recovery request.
	FlowRecovery Flow = "recovery"
	// FlowConsent: the code that confirms a consent to share data.
	FlowConsent Flow = "consent"
)

// Window is at most Max sends in each Per.
type Window struct {
	Max int64
	Per time.Duration
}

// Limits are the bounds.
type Limits struct {
	// PerDestination bounds the sends to an address a caller names.
	PerDestination []Window
	// PerOwnContact bounds the sends of one flow to an account's own
	// confirmed contact.
	PerOwnContact []Window
	PerAddress    []Window
	PerAccount    []Window
	// PerFlow adds bounds on one account's sends of a flow.
	PerFlow map[Flow][]Window
	// DailySMS bounds the anonymous SMS of the whole portal in a day
	// (Moscow time); 0 means no guard.
	DailySMS int64
}

// The sends one client address may ask for, by default; a deployment sets
// its own (FromEnv), as a mobile carrier puts many people behind one
// address.
const (
	addressHour = 10
	addressDay  = 30
)

// Defaults are the limits of the seeds' flows: a phone or an email gets at
// most 3 codes in 15 minutes and 10 in a day from the flows that name it,
// and as many from each flow of its own account; one client address 10 in
// an hour and 30 in a day, one account 10 in an hour (signing codes
// included), and 3 reset codes in an hour.
func Defaults(dailySMS int64) Limits {
	return Limits{
		PerDestination: []Window{{3, 15 * time.Minute}, {10, 24 * time.Hour}},
		PerOwnContact:  []Window{{3, 15 * time.Minute}, {10, 24 * time.Hour}},
		PerAddress:     []Window{{addressHour, time.Hour}, {addressDay, 24 * time.Hour}},
		PerAccount:     []Window{{10, time.Hour}},
		PerFlow:        map[Flow][]Window{FlowReset: {{3, time.Hour}}},
		DailySMS:       dailySMS,
	}
}

// FromEnv reads the limits a deployment sets (template.yaml's
// SMSDailyLimit, SendsPerAddressHour and SendsPerAddressDay) over
// Defaults; a malformed value is reported by env.Err.
func FromEnv(env *config.Env) Limits {
	l := Defaults(int64(env.Int(config.SMSDailyLimit, 0)))
	l.PerAddress = []Window{
		{int64(env.Positive(config.SendsPerAddressHour, addressHour)), time.Hour},
		{int64(env.Positive(config.SendsPerAddressDay, addressDay)), 24 * time.Hour},
	}
	return l
}

// Limiter counts sends in the table.
type Limiter struct {
	DB     *dynamo.Store
	Keys   *vault.Keyring
	Clock  clock.Clock
	Limits Limits
	// Metrics receives the Embedded Metric Format record of a tripped
	// guard (nil: standard output, where Lambda's log pipeline reads it).
	Metrics io.Writer
}

// counter is one set of windows of one scope and key.
type counter struct {
	scope, who string
	windows    []Window
}

// reservation is one counter incremented for a send.
type reservation struct {
	key     dynamo.Key
	expires time.Time
}

// Allow reserves the send against every limit that applies, or refuses it:
// 429 too_many_messages with Retry-After when the destination, the address
// or the account is over a limit, 503 sms_paused when the day's SMS guard
// has tripped. Nothing stays reserved when it refuses.
func (l *Limiter) Allow(ctx context.Context, s Send) error {
	keys, err := l.Keys.Keys(ctx)
	if err != nil {
		return err
	}
	now := l.Clock.Now().UTC()
	to := keys.Index.Of("send-"+string(s.Channel), destination(s))
	counters := []counter{{"send-to", to, l.Limits.PerDestination}}
	if s.Own && s.Account != "" {
		counters[0] = counter{"send-own", string(s.Flow) + "#" + to, l.Limits.PerOwnContact}
	}
	if s.Account != "" {
		counters = append(counters, counter{"send-account", s.Account, l.Limits.PerAccount})
		if w := l.Limits.PerFlow[s.Flow]; len(w) > 0 {
			counters = append(counters, counter{"send-flow", string(s.Flow) + "#" + s.Account, w})
		}
	}
	if s.Anonymous && s.IP != "" {
		counters = append(counters, counter{"send-ip", keys.Index.Of("send-ip", s.IP), l.Limits.PerAddress})
	}
	var held []reservation
	defer func() {
		if err != nil {
			l.release(ctx, held)
		}
	}()
	for _, c := range counters {
		for _, w := range c.windows {
			start := now.Truncate(w.Per)
			r := reservation{key: dynamo.RateKey(c.scope, c.who, start.Format(time.RFC3339)+"/"+w.Per.String()), expires: start.Add(2 * w.Per)}
			var n int64
			if n, err = l.DB.Increment(ctx, r.key, "N", 1, r.expires); err != nil {
				return err
			}
			held = append(held, r)
			if n > w.Max {
				e := problem.New(problem.KindTooManyRequests, "too_many_messages",
					"Слишком много сообщений за короткое время. Повторите позже")
				e.RetryAfter = start.Add(w.Per).Sub(now)
				err = e.With("retryAt", start.Add(w.Per))
				return err
			}
		}
	}
	if s.Channel == SMS && s.Anonymous && l.Limits.DailySMS > 0 {
		day := dayOf(now)
		r := reservation{key: dynamo.RateKey("sms-day", "all", day.Format("2006-01-02")), expires: day.Add(48 * time.Hour)}
		var n int64
		if n, err = l.DB.Increment(ctx, r.key, "N", 1, r.expires); err != nil {
			return err
		}
		held = append(held, r)
		if n > l.Limits.DailySMS {
			l.tripped(ctx, s.Flow)
			e := problem.New(problem.KindUnavailable, "sms_paused",
				"Отправка SMS временно приостановлена. Повторите завтра или войдите другим способом")
			e.RetryAfter = day.Add(24 * time.Hour).Sub(now)
			err = e
			return err
		}
	}
	return nil
}

// destination is the address a send is counted under: an email in lower
// case, whole (as the uniqueness index keeps it), so that a mailbox named
// in other letter cases is one destination.
func destination(s Send) string {
	if s.Channel == Email {
		return strings.ToLower(s.To)
	}
	return s.To
}

// release gives back what a refused send reserved.
func (l *Limiter) release(ctx context.Context, held []reservation) {
	for _, r := range held {
		if _, err := l.DB.Increment(context.WithoutCancel(ctx), r.key, "N", -1, r.expires); err != nil {
			logging.From(ctx).Error("send limit not given back", "err", err)
		}
	}
}

// dayOf is the start of now's day in Moscow.
func dayOf(now time.Time) time.Time {
	m := now.In(clock.Moscow())
	return time.Date(m.Year(), m.Month(), m.Day(), 0, 0, 0, 0, m.Location())
}

// tripped logs the guard's trip as an error and writes a CloudWatch
// Embedded Metric Format record, which the SMSDailyGuardAlarm of
// template.yaml watches (no API call: Lambda's log pipeline turns the line
// into the metric Kabinet/SMSDailyGuardTripped).
func (l *Limiter) tripped(ctx context.Context, flow Flow) {
	logging.From(ctx).Error("SMS daily guard tripped: anonymous flows stop sending SMS", "flow", flow, "limit", l.Limits.DailySMS)
	rec := map[string]any{
		"_aws": map[string]any{
			"Timestamp": l.Clock.Now().UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace": "Kabinet", "Dimensions": [][]string{{}},
				"Metrics": []any{map[string]string{"Name": "SMSDailyGuardTripped", "Unit": "Count"}},
			}},
		},
		"SMSDailyGuardTripped": 1,
	}
	w := l.Metrics
	if w == nil {
		w = os.Stdout
	}
	b, _ := json.Marshal(rec)
	_, _ = w.Write(append(b, '\n'))
}
