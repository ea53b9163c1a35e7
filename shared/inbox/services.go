package inbox

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/notify"
	"github.com/kabinet/kabinet/shared/problem"
)

// Endpoints is what the device service needs of SNS (notify/snsmsg.Messenger).
type Endpoints interface {
	// RegisterDevice creates (or, for a token SNS knows, finds) the
	// platform endpoint of a device token.
	RegisterDevice(ctx context.Context, platformARN, token, userData string) (string, error)
	// UnregisterDevice deletes a platform endpoint; notify.ErrEndpointGone
	// when SNS no longer has it.
	UnregisterDevice(ctx context.Context, endpointARN string) error
}

// Deps are what the person-facing inbox services are built on; each
// constructor names what it lacks.
type Deps struct {
	DB *dynamo.Store
	// Journal records every change of preferences and devices.
	Journal *journal.Journal
	// Endpoints registers devices (DeviceService only).
	Endpoints Endpoints
	// Platforms map a platform ("fcm", "apns") to its SNS platform
	// application; an empty ARN means the platform is not offered.
	Platforms map[string]string
	Clock     clock.Clock
}

func (d Deps) need(service string, names ...string) error {
	set := map[string]bool{"DB": d.DB != nil, "Clock": d.Clock != nil, "Journal": d.Journal != nil, "Endpoints": d.Endpoints != nil}
	var missing []string
	for _, n := range append([]string{"DB", "Clock"}, names...) {
		if !set[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("inbox: %s needs %s", service, strings.Join(missing, ", "))
	}
	return nil
}

// journalTx adds the journal entry of a change by a to tx.
func journalTx(ctx context.Context, j *journal.Journal, tx *dynamo.Tx, a actor.Actor, sub, summary string) error {
	head, err := j.Head(ctx, sub)
	if err != nil {
		return err
	}
	role, id := journal.By(a, sub)
	_, err = j.AppendTx(ctx, tx, head, sub, journal.Entry{Type: journal.TypeSettings, Summary: summary, IP: a.IP, Actor: role, ActorID: id})
	return err
}

// PreferenceService is a person's notification preferences: channels per
// category, quiet hours and daily caps. A change merges into what is
// stored, is written only at the version the person read, and is recorded
// in their activity journal in the same transaction.
type PreferenceService struct {
	d     Deps
	store *Store
}

// NewPreferenceService needs DB, Clock and Journal.
func NewPreferenceService(d Deps) (*PreferenceService, error) {
	if err := d.need("PreferenceService", "Journal"); err != nil {
		return nil, err
	}
	return &PreferenceService{d: d, store: &Store{DB: d.DB}}, nil
}

// Change names only what changes: the categories' channels and the caps it
// names merge into the current ones; QuietHours replaces them when set, and
// ClearQuietHours removes them.
type Change struct {
	Channels        map[string]map[string]bool
	QuietHours      *QuietHours
	ClearQuietHours bool
	DailyCap        map[string]int
}

// Get returns the actor's preferences, the defaults filled in.
func (s *PreferenceService) Get(ctx context.Context, a actor.Actor) (Preferences, error) {
	sub, err := a.OwnAccount()
	if err != nil {
		return Preferences{}, err
	}
	return s.store.Preferences(ctx, sub)
}

// maxPrefAttempts bounds the retries when only the journal moved.
const maxPrefAttempts = 5

// Update applies c to the actor's preferences read at version ifVersion.
// Errors: Invalid naming every bad choice (a category given as null, the
// security category, unknown names, bad times or caps); Conflict
// stale_version when someone saved since the person read them (nothing
// changes); Unauthenticated.
func (s *PreferenceService) Update(ctx context.Context, a actor.Actor, c Change, ifVersion int64) (Preferences, error) {
	sub, err := a.OwnAccount()
	if err != nil {
		return Preferences{}, err
	}
	var last error
	for range maxPrefAttempts {
		cur, err := s.store.Preferences(ctx, sub)
		if err != nil {
			return Preferences{}, err
		}
		if cur.Version != ifVersion {
			return Preferences{}, staleVersion(problem.Conflict("conflict", ""))
		}
		next, err := merge(cur, c)
		if err != nil {
			return Preferences{}, err
		}
		tx := &dynamo.Tx{}
		if err := putPreferences(tx, sub, next, ifVersion, s.d.Clock.Now()); err != nil {
			return Preferences{}, err
		}
		if changes := describe(cur, next); len(changes) > 0 {
			if err := journalTx(ctx, s.d.Journal, tx, a, sub, summary("Изменены настройки уведомлений: ", changes)); err != nil {
				return Preferences{}, err
			}
		}
		last = s.d.DB.Transact(ctx, "", tx)
		if last == nil {
			return s.store.Preferences(ctx, sub)
		}
		if !problem.Is(last, problem.KindConflict) && !problem.Is(last, problem.KindUnavailable) {
			return Preferences{}, fmt.Errorf("save preferences: %w", last)
		}
		// Either someone saved the preferences (the next read says
		// stale) or another entry moved the journal's head: try again.
	}
	return Preferences{}, fmt.Errorf("save preferences: %w", staleVersion(last))
}

// merge applies a change to the current preferences.
func merge(cur Preferences, c Change) (Preferences, error) {
	next := Preferences{Channels: map[string]map[string]bool{}, DailyCap: map[string]int{}, QuietHours: cur.QuietHours, Version: cur.Version}
	for cat, chans := range cur.Channels {
		next.Channels[cat] = maps(chans)
	}
	for ch, n := range cur.DailyCap {
		next.DailyCap[ch] = n
	}
	var fields []problem.Field
	for cat, chans := range c.Channels {
		if chans == nil {
			fields = append(fields, problem.Field{Field: "channels." + cat, Code: "category.null",
				Message: "Укажите каналы категории объектом, например {\"email\": true}"})
			continue
		}
		merged := maps(next.Channels[cat])
		for ch, on := range chans {
			merged[ch] = on
		}
		next.Channels[cat] = merged
	}
	if len(fields) > 0 {
		slices.SortFunc(fields, func(a, b problem.Field) int { return strings.Compare(a.Field, b.Field) })
		return Preferences{}, problem.Invalid(fields...)
	}
	for ch, n := range c.DailyCap {
		next.DailyCap[ch] = n
	}
	switch {
	case c.ClearQuietHours:
		next.QuietHours = nil
	case c.QuietHours != nil:
		q := *c.QuietHours
		next.QuietHours = &q
	}
	return next, nil
}

func maps(m map[string]bool) map[string]bool {
	out := make(map[string]bool, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Russian names of the categories and channels for the journal.
var (
	categoryNames = map[string]string{"applications": "заявления", "documents": "документы", "payments": "платежи",
		"appointments": "записи на приём", "reminders": "напоминания", "consents": "согласия", "support": "обращения в поддержку", "news": "новости"}
	channelNames = map[string]string{Email: "эл. почта", SMS: "SMS", Push: "push"}
)

// describe says, in Russian, what differs between two preferences: which
// channels of which categories went on or off, the quiet hours and the
// caps. It names no contact, only the person's choices.
func describe(was, now Preferences) []string {
	var out []string
	for _, cat := range Categories {
		var on, off []string
		for _, ch := range AllChannels {
			a, b := was.Channels[cat][ch], now.Channels[cat][ch]
			switch {
			case !a && b:
				on = append(on, channelNames[ch])
			case a && !b:
				off = append(off, channelNames[ch])
			}
		}
		if len(on) > 0 {
			out = append(out, "«"+categoryNames[cat]+"» — включены "+strings.Join(on, ", "))
		}
		if len(off) > 0 {
			out = append(out, "«"+categoryNames[cat]+"» — выключены "+strings.Join(off, ", "))
		}
	}
	switch q, p := now.QuietHours, was.QuietHours; {
	case q == nil && p != nil:
		out = append(out, "тихие часы отключены")
	case q != nil && (p == nil || *p != *q):
		out = append(out, "тихие часы с "+q.Start+" до "+q.End)
	}
	for _, ch := range AllChannels {
		if a, b := was.DailyCap[ch], now.DailyCap[ch]; a != b {
			out = append(out, fmt.Sprintf("дневной лимит (%s): %d → %d", channelNames[ch], a, b))
		}
	}
	return out
}

// summary joins changes into one journal sentence within its limit.
func summary(prefix string, changes []string) string {
	s := prefix + strings.Join(changes, "; ")
	if utf8.RuneCountInString(s) > journal.MaxSummary {
		r := []rune(s)
		s = string(r[:journal.MaxSummary-1]) + "…"
	}
	return s
}

// DeviceService is a person's push devices: each is an SNS platform
// endpoint and a record of it. Adding creates the endpoint first and
// deletes it again when the record cannot be written, so no endpoint is
// left that nothing refers to; removing deletes the endpoint first (one SNS
// no longer has is fine) and then the record, so a failure leaves the
// record for the person to remove again.
type DeviceService struct {
	d     Deps
	store *Store
}

// NewDeviceService needs DB, Clock, Endpoints and Journal.
func NewDeviceService(d Deps) (*DeviceService, error) {
	if err := d.need("DeviceService", "Endpoints", "Journal"); err != nil {
		return nil, err
	}
	return &DeviceService{d: d, store: &Store{DB: d.DB}}, nil
}

// List returns the actor's devices.
func (s *DeviceService) List(ctx context.Context, a actor.Actor) ([]Device, error) {
	sub, err := a.OwnAccount()
	if err != nil {
		return nil, err
	}
	return s.store.Devices(ctx, sub)
}

var platformNames = map[string]string{"fcm": "Android (FCM)", "apns": "iOS (APNs)"}

// compensateTimeout bounds the clean-up after a failed write, which runs
// even when the request's context has ended.
const compensateTimeout = 5 * time.Second

// Add registers a device token of a platform for the actor. The same token
// again answers the device already recorded. Errors: Invalid (an unknown
// or unconfigured platform, a malformed token); an SNS or store failure,
// after which nothing is left behind (the endpoint just made is deleted).
func (s *DeviceService) Add(ctx context.Context, a actor.Actor, platform, token string) (Device, error) {
	sub, err := a.OwnAccount()
	if err != nil {
		return Device{}, err
	}
	var fields []problem.Field
	arn := s.d.Platforms[platform]
	if arn == "" {
		fields = append(fields, problem.Field{Field: "platform", Code: "platform.unsupported", Message: "Платформа: fcm или apns"})
	}
	if len(token) < 8 || len(token) > 4096 || strings.ContainsAny(token, " \t\n") {
		fields = append(fields, problem.Field{Field: "token", Code: "token.invalid", Message: "Некорректный токен устройства"})
	}
	if len(fields) > 0 {
		return Device{}, problem.Invalid(fields...)
	}
	endpoint, err := s.d.Endpoints.RegisterDevice(ctx, arn, token, sub)
	if err != nil {
		return Device{}, fmt.Errorf("add device: %w", err)
	}
	d := Device{ID: deviceID(endpoint), Platform: platform, EndpointARN: endpoint, CreatedAt: s.d.Clock.Now().UTC().Truncate(time.Second)}
	summary := "Подключено устройство для push-уведомлений: " + platformNames[platform]
	for range maxPrefAttempts {
		tx := &dynamo.Tx{}
		createDevice(tx, sub, d)
		if err = journalTx(ctx, s.d.Journal, tx, a, sub, summary); err != nil {
			break
		}
		if err = s.d.DB.Transact(ctx, "", tx); err == nil {
			return d, nil
		}
		if !problem.Is(err, problem.KindConflict) && !problem.Is(err, problem.KindUnavailable) {
			break
		}
		// The endpoint is recorded already (SNS answers the endpoint of a
		// token it knows), or another entry moved the journal: the record
		// decides.
		if have, gerr := s.store.Device(ctx, sub, d.ID); gerr == nil {
			return have, nil
		}
	}
	s.compensate(ctx, sub, endpoint)
	return Device{}, fmt.Errorf("add device: %w", err)
}

// compensate deletes an endpoint whose record was not written, unless a
// record of it exists after all.
func (s *DeviceService) compensate(ctx context.Context, sub, endpoint string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), compensateTimeout)
	defer cancel()
	if _, err := s.store.Device(ctx, sub, deviceID(endpoint)); err == nil {
		return
	}
	if err := s.d.Endpoints.UnregisterDevice(ctx, endpoint); err != nil && !errors.Is(err, notify.ErrEndpointGone) {
		logging.From(ctx).Error("push endpoint left after a failed save", "err", err)
	}
}

// Remove deletes one of the actor's devices: its endpoint, then its record.
// Another person's or an unknown id is NotFound.
func (s *DeviceService) Remove(ctx context.Context, a actor.Actor, id string) error {
	sub, err := a.OwnAccount()
	if err != nil {
		return err
	}
	d, err := s.store.Device(ctx, sub, id)
	if err != nil {
		return err
	}
	if err := s.d.Endpoints.UnregisterDevice(ctx, d.EndpointARN); err != nil && !errors.Is(err, notify.ErrEndpointGone) {
		return fmt.Errorf("remove device: %w", err)
	}
	for attempt := range maxPrefAttempts {
		tx := (&dynamo.Tx{}).Delete(dynamo.PushKey(sub, id), true)
		if err := journalTx(ctx, s.d.Journal, tx, a, sub, "Отключено устройство для push-уведомлений: "+platformNames[d.Platform]); err != nil {
			return fmt.Errorf("remove device: %w", err)
		}
		err := s.d.DB.Transact(ctx, "", tx)
		switch {
		case err == nil:
			return nil
		case !problem.Is(err, problem.KindConflict) && !problem.Is(err, problem.KindUnavailable):
			return fmt.Errorf("remove device: %w", err)
		}
		if _, gerr := s.store.Device(ctx, sub, id); problem.Is(gerr, problem.KindNotFound) {
			return nil // removed meanwhile by another request
		}
		if attempt == maxPrefAttempts-1 {
			return fmt.Errorf("remove device: %w", err)
		}
	}
	return nil
}

// deviceID names a device by its endpoint, so that the same token
// registered twice is one record.
func deviceID(endpointARN string) string {
	sum := sha256.Sum256([]byte(endpointARN))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}
