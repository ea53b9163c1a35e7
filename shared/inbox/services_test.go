package inbox

import (
	"bytes"
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/kabinet/kabinet/infra/local/snsemu"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/dynamo/dynamotest"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/notify/snsmsg"
	"github.com/kabinet/kabinet/shared/problem"
)

type services struct {
	prefs   *PreferenceService
	devices *DeviceService
	journal *journal.Journal
	faults  dynamotest.Faults
	sns     *snsemu.Server
}

// newServices builds both services over a failable emulated table and the
// local SNS endpoint, with an FCM platform application.
func newServices(t *testing.T) services {
	t.Helper()
	db, faults := dynamotest.NewFaultyStore(t)
	emu := snsemu.New("eu-central-1")
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	client := sns.New(sns.Options{BaseEndpoint: aws.String(srv.URL), Region: "eu-central-1",
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), RetryMaxAttempts: 1})
	app, err := client.CreatePlatformApplication(context.Background(), &sns.CreatePlatformApplicationInput{
		Name: aws.String("kabinet-android"), Platform: aws.String("GCM"), Attributes: map[string]string{"PlatformCredential": "k"}})
	if err != nil {
		t.Fatal(err)
	}
	c := clock.NewManual(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	j := &journal.Journal{DB: db, Key: journal.StaticKey(bytes.Repeat([]byte{1}, 32)), Clock: c}
	d := Deps{DB: db, Journal: j, Endpoints: snsmsg.NewMessenger(client, ""), Clock: c,
		Platforms: map[string]string{"fcm": aws.ToString(app.PlatformApplicationArn), "apns": ""}}
	p, err := NewPreferenceService(d)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := NewDeviceService(d)
	if err != nil {
		t.Fatal(err)
	}
	return services{prefs: p, devices: dev, journal: j, faults: faults, sns: emu}
}

func settingsEntries(t *testing.T, j *journal.Journal, sub string) []journal.Entry {
	t.Helper()
	es, err := j.All(context.Background(), sub, journal.Filter{Types: []string{journal.TypeSettings}})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestServicesNameWhatIsMissing(t *testing.T) {
	if _, err := NewPreferenceService(Deps{DB: &dynamo.Store{}, Clock: clock.System{}}); err == nil || err.Error() != "inbox: PreferenceService needs Journal" {
		t.Errorf("NewPreferenceService = %v", err)
	}
	if _, err := NewDeviceService(Deps{}); err == nil || err.Error() != "inbox: DeviceService needs DB, Clock, Endpoints, Journal" {
		t.Errorf("NewDeviceService = %v", err)
	}
}

// A change merges into what is stored, bumps the version and is journaled
// in Russian, saying what changed.
func TestPreferencesMergeAndAreJournaled(t *testing.T) {
	s := newServices(t)
	ctx, me := context.Background(), actor.Actor{Sub: "u1", IP: "198.51.100.7"}
	p, err := s.prefs.Update(ctx, me, Change{Channels: map[string]map[string]bool{"news": {Push: true}, "payments": {SMS: false}},
		QuietHours: &QuietHours{Start: "22:00", End: "08:00"}, DailyCap: map[string]int{SMS: 3}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.Version != 1 || !p.Channels["news"][Push] || !p.Channels["news"][Email] || p.Channels["payments"][SMS] || p.DailyCap[SMS] != 3 ||
		p.DailyCap[Email] != 20 || p.QuietHours == nil || p.QuietHours.Start != "22:00" {
		t.Errorf("after the first change: %+v", p)
	}
	es := settingsEntries(t, s.journal, "u1")
	if len(es) != 1 {
		t.Fatalf("journal = %+v, want one entry", es)
	}
	want := "Изменены настройки уведомлений: «платежи» — выключены SMS; «новости» — включены push; тихие часы с 22:00 до 08:00; дневной лимит (SMS): 5 → 3"
	if es[0].Summary != want || es[0].IP != "198.51.100.7" || es[0].Actor != journal.ActorCitizen {
		t.Errorf("journal entry %+v,\nwant summary %q", es[0], want)
	}

	// Clearing the quiet hours keeps the rest.
	p, err = s.prefs.Update(ctx, me, Change{ClearQuietHours: true}, 1)
	if err != nil || p.Version != 2 || p.QuietHours != nil || p.DailyCap[SMS] != 3 {
		t.Fatalf("clear quiet hours = %+v, %v", p, err)
	}
	if es := settingsEntries(t, s.journal, "u1"); len(es) != 2 || es[1].Summary != "Изменены настройки уведомлений: тихие часы отключены" {
		t.Errorf("journal = %+v", es)
	}

	// A change that changes nothing is saved but not journaled.
	if _, err := s.prefs.Update(ctx, me, Change{DailyCap: map[string]int{SMS: 3}}, 2); err != nil {
		t.Fatal(err)
	}
	if es := settingsEntries(t, s.journal, "u1"); len(es) != 2 {
		t.Errorf("a no-op change was journaled: %+v", es[len(es)-1])
	}
}

// A write at a version someone has moved past is 409 stale_version, and
// changes and journals nothing.
func TestStalePreferencesChangeNothing(t *testing.T) {
	s := newServices(t)
	ctx, me := context.Background(), actor.Citizen("u1")
	if _, err := s.prefs.Update(ctx, me, Change{DailyCap: map[string]int{SMS: 3}}, 0); err != nil {
		t.Fatal(err)
	}
	for _, v := range []int64{0, 5} {
		_, err := s.prefs.Update(ctx, me, Change{DailyCap: map[string]int{SMS: 9}}, v)
		if pe, ok := problem.As(err); !ok || pe.Kind != problem.KindConflict || pe.Code != "stale_version" {
			t.Errorf("at version %d: %v, want 409 stale_version", v, err)
		}
	}
	p, _ := s.prefs.Get(ctx, me)
	if p.Version != 1 || p.DailyCap[SMS] != 3 || len(settingsEntries(t, s.journal, "u1")) != 1 {
		t.Errorf("a stale write changed something: %+v", p)
	}
}

// Concurrent writers at the same version: exactly one wins, and only its
// change is journaled.
func TestConcurrentPreferenceWritesOneWins(t *testing.T) {
	s := newServices(t)
	ctx, me := context.Background(), actor.Citizen("u1")
	errs := make(chan error, 6)
	for i := range 6 {
		go func() {
			_, err := s.prefs.Update(ctx, me, Change{DailyCap: map[string]int{Push: 10 + i}}, 0)
			errs <- err
		}()
	}
	won := 0
	for range 6 {
		err := <-errs
		switch {
		case err == nil:
			won++
		case !problem.Is(err, problem.KindConflict):
			t.Errorf("a loser got %v, want Conflict", err)
		}
	}
	if es := settingsEntries(t, s.journal, "u1"); won != 1 || len(es) != 1 {
		t.Errorf("%d writers won, %d entries journaled; want 1 and 1", won, len(es))
	}
}

func TestBadPreferencesAreNamed(t *testing.T) {
	s := newServices(t)
	cases := []struct {
		name string
		c    Change
		want []string
	}{
		{"a category as null", Change{Channels: map[string]map[string]bool{"news": nil, "applications": nil}}, []string{"channels.applications", "channels.news"}},
		{"security cannot be switched", Change{Channels: map[string]map[string]bool{"security": {Email: false}}}, []string{"channels.security"}},
		{"cap out of range", Change{DailyCap: map[string]int{SMS: 0}}, []string{"dailyCap.sms"}},
	}
	for _, c := range cases {
		_, err := s.prefs.Update(context.Background(), actor.Citizen("u1"), c.c, 0)
		if got := problem.FieldNames(err); !slices.Equal(got, c.want) {
			t.Errorf("%s: fields %v (%v), want %v", c.name, got, err, c.want)
		}
	}
	if _, err := s.prefs.Get(context.Background(), actor.Actor{}); !problem.Is(err, problem.KindUnauthenticated) {
		t.Errorf("Get without a person = %v", err)
	}
}

func TestDeviceAddIsIdempotentAndRemoveDeletesTheEndpoint(t *testing.T) {
	s := newServices(t)
	ctx, me := context.Background(), actor.Citizen("u1")
	d, err := s.devices.Add(ctx, me, "fcm", "fcm-token-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.devices.Add(ctx, me, "fcm", "fcm-token-0123456789")
	if err != nil || again.ID != d.ID {
		t.Errorf("the same token again = %+v, %v; want device %s", again, err, d.ID)
	}
	if list, _ := s.devices.List(ctx, me); len(list) != 1 || len(s.sns.Endpoints()) != 1 {
		t.Errorf("%d devices and %d endpoints, want 1 and 1", len(list), len(s.sns.Endpoints()))
	}
	if err := s.devices.Remove(ctx, actor.Citizen("u2"), d.ID); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("another person's Remove = %v, want NotFound", err)
	}
	if err := s.devices.Remove(ctx, me, d.ID); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.devices.List(ctx, me); len(list) != 0 || len(s.sns.Endpoints()) != 0 {
		t.Errorf("after Remove: %d devices and %d endpoints, want none", len(list), len(s.sns.Endpoints()))
	}
	es := settingsEntries(t, s.journal, "u1")
	if len(es) != 2 || !strings.HasPrefix(es[0].Summary, "Подключено устройство") || !strings.HasPrefix(es[1].Summary, "Отключено устройство") ||
		strings.Contains(es[0].Summary, "fcm-token") {
		t.Errorf("journal = %+v", es)
	}
	for _, c := range []struct{ platform, token string }{{"apns", "apns-token-0123"}, {"palm", "token-0123456"}, {"fcm", "a b c d e f g h"}} {
		if _, err := s.devices.Add(ctx, me, c.platform, c.token); !problem.Is(err, problem.KindInvalid) {
			t.Errorf("Add(%s, %s) = %v, want Invalid", c.platform, c.token, err)
		}
	}
	if len(s.sns.Endpoints()) != 0 {
		t.Error("refused input made an endpoint")
	}
}

// When the record cannot be written, the endpoint just made is deleted:
// nothing is left in SNS that no record refers to.
func TestAFailedSaveDeletesTheEndpointItMade(t *testing.T) {
	s := newServices(t)
	ctx, me := context.Background(), actor.Citizen("u1")
	s.faults.Fail(true)
	_, err := s.devices.Add(ctx, me, "fcm", "fcm-token-0123456789")
	s.faults.Fail(false)
	if err == nil {
		t.Fatal("Add with a failing store succeeded")
	}
	if eps := s.sns.Endpoints(); len(eps) != 0 {
		t.Errorf("endpoints left after the failed save: %+v", eps)
	}
	if list, _ := s.devices.List(ctx, me); len(list) != 0 {
		t.Errorf("devices = %+v", list)
	}
	// The store is back: the same device registers as new.
	if _, err := s.devices.Add(ctx, me, "fcm", "fcm-token-0123456789"); err != nil || len(s.sns.Endpoints()) != 1 {
		t.Errorf("Add after recovery = %v with %d endpoints", err, len(s.sns.Endpoints()))
	}
}

// Removing deletes the endpoint first: one SNS no longer has is fine, and
// a record whose deletion failed is still there to remove again.
func TestRemoveSurvivesAGoneEndpointAndAFailingStore(t *testing.T) {
	s := newServices(t)
	ctx, me := context.Background(), actor.Citizen("u1")
	d, err := s.devices.Add(ctx, me, "fcm", "fcm-token-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.devices.Add(ctx, me, "fcm", "fcm-token-9876543210")
	if err != nil {
		t.Fatal(err)
	}
	// The endpoint is already gone from SNS (the app was uninstalled).
	if err := s.devices.d.Endpoints.UnregisterDevice(ctx, d.EndpointARN); err != nil {
		t.Fatal(err)
	}
	if err := s.devices.Remove(ctx, me, d.ID); err != nil {
		t.Errorf("Remove of a device whose endpoint is gone = %v", err)
	}

	// The store fails between the endpoint and the record: the record stays.
	failing := *s.devices
	failing.d.Endpoints = thenFail{Endpoints: s.devices.d.Endpoints, faults: s.faults}
	err = failing.Remove(ctx, me, other.ID)
	s.faults.Fail(false)
	if err == nil {
		t.Fatal("Remove with a failing store succeeded")
	}
	if list, _ := s.devices.List(ctx, me); len(list) != 1 || len(s.sns.Endpoints()) != 0 {
		t.Fatalf("after the failure: %d devices and %d endpoints, want the record without its endpoint", len(list), len(s.sns.Endpoints()))
	}
	if err := s.devices.Remove(ctx, me, other.ID); err != nil {
		t.Errorf("Remove again after recovery = %v", err)
	}
	if list, _ := s.devices.List(ctx, me); len(list) != 0 || len(s.sns.Endpoints()) != 0 {
		t.Errorf("left %d devices and %d endpoints", len(list), len(s.sns.Endpoints()))
	}
}

// thenFail turns the store's failures on once an endpoint is deleted.
type thenFail struct {
	Endpoints
	faults dynamotest.Faults
}

func (f thenFail) UnregisterDevice(ctx context.Context, arn string) error {
	err := f.Endpoints.UnregisterDevice(ctx, arn)
	f.faults.Fail(true)
	return err
}
