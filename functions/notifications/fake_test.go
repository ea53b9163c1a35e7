package main

import (
	"context"
	"strconv"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/httpapi/httpapitest"
	"github.com/kabinet/kabinet/shared/inbox"
)

// fake stands in for the inbox: it records each call and answers with Err
// (nil: zero values). The inbox's reads take the subject, so the fake
// records the caller as a citizen with that subject.
type fake struct{ httpapitest.Recorder }

// fakeDevices is the devices part (its List clashes with the inbox's).
type fakeDevices struct{ *fake }

var (
	_ notes       = (*fake)(nil)
	_ preferences = (*fake)(nil)
	_ devices     = fakeDevices{}
)

func (f *fake) List(_ context.Context, sub string, unreadOnly bool, cursor string, limit int32) ([]inbox.Record, string, error) {
	return []inbox.Record{}, "", f.Record("List", actor.Citizen(sub), strconv.FormatBool(unreadOnly), strconv.Itoa(int(limit)))
}

func (f *fake) Unread(_ context.Context, sub string) (int, error) {
	return 2, f.Record("Unread", actor.Citizen(sub))
}

func (f *fake) MarkRead(_ context.Context, sub, id string) error {
	return f.Record("MarkRead", actor.Citizen(sub), id)
}

func (f *fake) MarkAllRead(_ context.Context, sub string) (int, error) {
	return 2, f.Record("MarkAllRead", actor.Citizen(sub))
}

func (f *fake) Get(_ context.Context, a actor.Actor) (inbox.Preferences, error) {
	return inbox.DefaultPreferences(), f.Record("Prefs.Get", a)
}

func (f *fake) Update(_ context.Context, a actor.Actor, c inbox.Change, ifVersion int64) (inbox.Preferences, error) {
	quiet := "keep"
	switch {
	case c.ClearQuietHours:
		quiet = "clear"
	case c.QuietHours != nil:
		quiet = c.QuietHours.Start + "-" + c.QuietHours.End
	}
	p := inbox.DefaultPreferences()
	p.Version = ifVersion + 1
	return p, f.Record("Prefs.Update", a, strconv.FormatInt(ifVersion, 10), quiet)
}

func (f fakeDevices) List(_ context.Context, a actor.Actor) ([]inbox.Device, error) {
	return []inbox.Device{}, f.Record("Devices.List", a)
}

func (f fakeDevices) Add(_ context.Context, a actor.Actor, platform, token string) (inbox.Device, error) {
	return inbox.Device{ID: "d1", Platform: platform}, f.Record("Devices.Add", a, platform)
}

func (f fakeDevices) Remove(_ context.Context, a actor.Actor, id string) error {
	return f.Record("Devices.Remove", a, id)
}
