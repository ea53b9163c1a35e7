package inbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/notify"
	"github.com/kabinet/kabinet/shared/problem"
)

// Contacts are where a person can be reached.
type Contacts struct {
	Email          string
	EmailConfirmed bool
	Phone          string
}

// ContactSource finds a person's contacts.
type ContactSource interface {
	Contacts(ctx context.Context, sub string) (Contacts, error)
}

// Zones finds a person's time zone.
type Zones interface {
	Zone(ctx context.Context, sub string) (*time.Location, error)
}

// Senders deliver on each channel.
type Senders struct {
	Mail interface {
		Send(ctx context.Context, e notify.Email) (string, error)
	}
	SMS interface {
		SMS(ctx context.Context, phone, text string) (string, error)
	}
	Push interface {
		Push(ctx context.Context, endpointARN, message string) (string, error)
	}
}

// Deliverer takes pending deliveries to a final state.
type Deliverer struct {
	Store    *Store
	Contacts ContactSource
	Zones    Zones
	Senders  Senders
	Clock    clock.Clock
	// PortalURL is the web client's origin: an email turns a note's portal
	// path into a link a mail client can open (empty: no link in email).
	PortalURL string
}

// Backoff is the wait before each retry; after the last one the delivery fails.
var Backoff = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 4 * time.Hour}

// Lease is how long one worker owns a delivery while it sends.
var Lease = 2 * time.Minute

// Stats counts what a sweep did.
type Stats struct {
	Seen, Sent, Skipped, Capped, Held, Retried, Failed, Busy int
}

func (s *Stats) add(o Stats) {
	s.Seen += o.Seen
	s.Sent += o.Sent
	s.Skipped += o.Skipped
	s.Capped += o.Capped
	s.Held += o.Held
	s.Retried += o.Retried
	s.Failed += o.Failed
	s.Busy += o.Busy
}

// Sweep delivers everything due now: the schedule's path (and the local
// stack's only path); on AWS the table's stream delivers most at once.
func (d *Deliverer) Sweep(ctx context.Context) (Stats, error) {
	ctx = WithReadCache(ctx)
	now := d.Clock.Now().UTC()
	var total Stats
	for shard := 0; shard < DueShards; shard++ {
		cursor := ""
		for {
			var items []deliveryItem
			next, err := d.Store.DB.Query(ctx, dynamo.Page{Index: dynamo.IndexGSI2, Partition: dynamo.DuePK(shard),
				From: "0", To: ts(now) + "~", Forward: true, Cursor: cursor}, &items)
			if err != nil {
				return total, err
			}
			for _, it := range items {
				st, err := d.process(ctx, it)
				if err != nil {
					logging.From(ctx).Error("delivery step failed", "note", it.NoteID, "channel", it.Channel, "err", err)
				}
				total.add(st)
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	return total, nil
}

// DeliverOne delivers one note on one channel if it is due (the stream's path).
func (d *Deliverer) DeliverOne(ctx context.Context, sub, noteID, channel string) (Stats, error) {
	var it deliveryItem
	if err := d.Store.DB.Get(ctx, dynamo.DeliveryKey(sub, noteID, channel), "доставка", &it); err != nil {
		return Stats{}, err
	}
	return d.process(ctx, it)
}

// process owns one delivery through a lease, so that two sweeps, or a sweep
// and the stream, never send it twice at the same time.
func (d *Deliverer) process(ctx context.Context, it deliveryItem) (Stats, error) {
	now := d.Clock.Now().UTC()
	if it.State != StatePending && it.State != StateHeld {
		return Stats{}, nil
	}
	if next, _ := time.Parse(stampLayout, it.NextAt); next.After(now) {
		return Stats{}, nil
	}
	lease := ts(now.Add(Lease))
	cond := expression.Name("Attempts").Equal(expression.Value(it.Attempts)).
		And(expression.Name("State").In(expression.Value(StatePending), expression.Value(StateHeld))).
		And(expression.Or(expression.AttributeNotExists(expression.Name("LeaseUntil")), expression.Name("LeaseUntil").LessThan(expression.Value(ts(now)))))
	key := dynamo.DeliveryKey(it.Sub, it.NoteID, it.Channel)
	if err := d.Store.DB.Update(ctx, key, expression.Set(expression.Name("LeaseUntil"), expression.Value(lease)), &cond); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return Stats{Seen: 1, Busy: 1}, nil
		}
		return Stats{}, err
	}
	it.LeaseUntil = lease
	st, err := d.attempt(ctx, it, now)
	st.Seen = 1
	return st, err
}

func (d *Deliverer) attempt(ctx context.Context, it deliveryItem, now time.Time) (Stats, error) {
	note, err := cached(ctx, func(c *readCache) map[string]noteItem { return c.notes }, it.Sub+"#"+it.NoteID, func() (noteItem, error) {
		var n noteItem
		return n, d.Store.DB.Get(ctx, dynamo.NoteKey(it.Sub, it.NoteID), "уведомление", &n)
	})
	if err != nil {
		return Stats{}, err
	}
	category, _ := messages.Category(note.Type)
	urgent := category == Security || messages.Urgent(note.Type)
	prefs, err := cached(ctx, func(c *readCache) map[string]Preferences { return c.prefs }, it.Sub, func() (Preferences, error) {
		return d.Store.Preferences(ctx, it.Sub)
	})
	if err != nil {
		return Stats{}, err
	}
	if !urgent && !prefs.Enabled(category, it.Channel) {
		return Stats{Skipped: 1}, d.finish(ctx, it, StateSkipped, "Канал отключён в настройках", now)
	}
	loc, err := cached(ctx, func(c *readCache) map[string]*time.Location { return c.zones }, it.Sub, func() (*time.Location, error) {
		return d.Zones.Zone(ctx, it.Sub)
	})
	if err != nil {
		return Stats{}, err
	}
	if until := prefs.QuietUntil(now, loc); !urgent && !until.IsZero() {
		return Stats{Held: 1}, d.reschedule(ctx, it, StateHeld, it.Attempts, until, "Ожидает окончания тихих часов")
	}
	var contacts Contacts
	var devices []Device
	if it.Channel == Push {
		if devices, err = cached(ctx, func(c *readCache) map[string][]Device { return c.devices }, it.Sub, func() ([]Device, error) {
			return d.Store.devices(ctx, it.Sub)
		}); err != nil {
			return Stats{}, err
		}
	} else if contacts, err = cached(ctx, func(c *readCache) map[string]Contacts { return c.contacts }, it.Sub, func() (Contacts, error) {
		return d.Contacts.Contacts(ctx, it.Sub)
	}); err != nil {
		return Stats{}, err
	}
	switch {
	case it.Channel == Email && (contacts.Email == "" || !contacts.EmailConfirmed):
		return Stats{Skipped: 1}, d.finish(ctx, it, StateSkipped, "Нет подтверждённого адреса почты", now)
	case it.Channel == SMS && contacts.Phone == "":
		return Stats{Skipped: 1}, d.finish(ctx, it, StateSkipped, "Нет номера телефона", now)
	case it.Channel == Push && len(devices) == 0:
		return Stats{Skipped: 1}, d.finish(ctx, it, StateSkipped, "Нет устройств для push-уведомлений", now)
	}
	var vars messages.Vars
	if err := json.Unmarshal([]byte(note.Vars), &vars); err != nil {
		return Stats{Failed: 1}, d.finish(ctx, it, StateFailed, "Не удалось подготовить сообщение", now)
	}
	if link, ok := vars["Link"].(string); ok && it.Channel == Email && d.PortalURL != "" && strings.HasPrefix(link, "/") && !strings.HasPrefix(link, "//") {
		vars["Link"] = strings.TrimRight(d.PortalURL, "/") + link
	}
	msg, err := messages.Render(note.Type, vars, loc)
	if err != nil {
		return Stats{Failed: 1}, d.finish(ctx, it, StateFailed, "Не удалось подготовить сообщение", now)
	}
	if !urgent {
		day := now.In(loc).Format("2006-01-02")
		n, err := d.Store.DB.Increment(ctx, dynamo.RateKey("cap", it.Sub+"#"+it.Channel, day), "N", 1, now.Add(48*time.Hour))
		if err != nil {
			return Stats{}, err
		}
		if int(n) > prefs.DailyCap[it.Channel] {
			return Stats{Capped: 1}, d.finish(ctx, it, StateCapped, "Превышен дневной лимит: сообщение только во входящих", now)
		}
	}
	switch it.Channel {
	case Email:
		_, err = d.Senders.Mail.Send(ctx, notify.Email{To: contacts.Email, Subject: msg.EmailSubject, Text: msg.EmailText, HTML: msg.EmailHTML})
	case SMS:
		_, err = d.Senders.SMS.SMS(ctx, contacts.Phone, msg.SMS)
	case Push:
		err = d.push(ctx, it.Sub, devices, msg)
	}
	if err == nil {
		return Stats{Sent: 1}, d.finish(ctx, it, StateSent, "", now)
	}
	attempts := it.Attempts + 1
	if errors.Is(err, notify.ErrPermanent) || attempts > len(Backoff) {
		logging.From(ctx).Warn("delivery failed for good", "channel", it.Channel, "attempts", attempts, "err", err)
		it.Attempts = attempts
		return Stats{Failed: 1}, d.finish(ctx, it, StateFailed, failReason(err, attempts), now)
	}
	return Stats{Retried: 1}, d.reschedule(ctx, it, StatePending, attempts, now.Add(Backoff[attempts-1]), "Повторная попытка: сервис доставки временно недоступен")
}

func failReason(err error, attempts int) string {
	switch {
	case errors.Is(err, notify.ErrEndpointGone):
		return "Устройство больше не принимает уведомления"
	case errors.Is(err, notify.ErrPermanent):
		return "Получатель отклонил сообщение"
	}
	return fmt.Sprintf("Не доставлено после %d попыток", attempts)
}

// push sends to every device; dead endpoints are removed.
func (d *Deliverer) push(ctx context.Context, sub string, devices []Device, msg messages.Rendered) error {
	payload, _ := json.Marshal(map[string]string{
		"default": msg.Title,
		"GCM":     mustJSON(map[string]any{"notification": map[string]string{"title": msg.Title, "body": msg.SMS}}),
		"APNS":    mustJSON(map[string]any{"aps": map[string]any{"alert": map[string]string{"title": msg.Title, "body": msg.SMS}}}),
	})
	sent, last := 0, error(nil)
	for _, dev := range devices {
		_, err := d.Senders.Push.Push(ctx, dev.EndpointARN, string(payload))
		switch {
		case err == nil:
			sent++
		case errors.Is(err, notify.ErrEndpointGone):
			if derr := d.Store.DB.Delete(ctx, dynamo.PushKey(sub, dev.ID)); derr != nil {
				return derr
			}
			// The next note of this sweep reads the devices again.
			forget(ctx, func(c *readCache) map[string][]Device { return c.devices }, sub)
			last = err
		default:
			last = err
		}
	}
	if sent > 0 {
		return nil
	}
	return last
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// finish records a final state on the delivery and on the note, in one
// transaction, only while this worker still holds the lease.
func (d *Deliverer) finish(ctx context.Context, it deliveryItem, state, reason string, now time.Time) error {
	mine := expression.Name("LeaseUntil").Equal(expression.Value(it.LeaseUntil))
	upd := expression.Set(expression.Name("State"), expression.Value(state)).
		Set(expression.Name("Attempts"), expression.Value(it.Attempts)).
		Set(expression.Name("Reason"), expression.Value(reason)).
		Set(expression.Name("FinishedAt"), expression.Value(ts(now))).
		Remove(expression.Name("LeaseUntil")).Remove(expression.Name(dynamo.AttrGSI2PK)).Remove(expression.Name(dynamo.AttrGSI2SK))
	cs := ChannelState{State: state, Attempts: it.Attempts, Reason: reason, At: now}
	tx := (&dynamo.Tx{}).
		Update(dynamo.DeliveryKey(it.Sub, it.NoteID, it.Channel), upd, &mine).
		Update(dynamo.NoteKey(it.Sub, it.NoteID), expression.Set(expression.Name("Channels."+it.Channel), expression.Value(cs)), nil)
	return d.Store.DB.Transact(ctx, "", tx)
}

// reschedule puts a delivery back in the due index for a later time.
func (d *Deliverer) reschedule(ctx context.Context, it deliveryItem, state string, attempts int, at time.Time, reason string) error {
	mine := expression.Name("LeaseUntil").Equal(expression.Value(it.LeaseUntil))
	gpk, gsk := dueKeys(it.Sub, it.NoteID, it.Channel, at)
	upd := expression.Set(expression.Name("State"), expression.Value(state)).
		Set(expression.Name("Attempts"), expression.Value(attempts)).
		Set(expression.Name("NextAt"), expression.Value(ts(at))).
		Set(expression.Name("Reason"), expression.Value(reason)).
		Set(expression.Name(dynamo.AttrGSI2PK), expression.Value(gpk)).
		Set(expression.Name(dynamo.AttrGSI2SK), expression.Value(gsk)).
		Remove(expression.Name("LeaseUntil"))
	cs := ChannelState{State: state, Attempts: attempts, Reason: reason, At: at}
	tx := (&dynamo.Tx{}).
		Update(dynamo.DeliveryKey(it.Sub, it.NoteID, it.Channel), upd, &mine).
		Update(dynamo.NoteKey(it.Sub, it.NoteID), expression.Set(expression.Name("Channels."+it.Channel), expression.Value(cs)), nil)
	return d.Store.DB.Transact(ctx, "", tx)
}
