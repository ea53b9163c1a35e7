package main

import (
	"context"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/calendar"
	"github.com/kabinet/kabinet/shared/httpapi/httpapitest"
)

// fake stands in for the calendar service: it records each call and
// answers with Err (nil: zero values).
type fake struct{ httpapitest.Recorder }

// fakeFeeds is the subscriptions part (its List clashes with the
// calendar's List).
type fakeFeeds struct{ *fake }

var (
	_ calendarService = (*fake)(nil)
	_ feedService     = fakeFeeds{}
)

func (f *fake) List(_ context.Context, a actor.Actor, from, to time.Time) (calendar.Listing, error) {
	return calendar.Listing{Items: []calendar.Entry{}}, f.Record("List", a, from.Format(time.RFC3339), to.Format(time.RFC3339))
}

func (f *fake) ICS(_ context.Context, a actor.Actor, from, to time.Time) (string, error) {
	return "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", f.Record("ICS", a, from.Format(time.RFC3339), to.Format(time.RFC3339))
}

func (f *fake) Add(_ context.Context, a actor.Actor, in calendar.Item) (calendar.Entry, error) {
	return calendar.Entry{ID: "1-x", Kind: calendar.KindOwn, Title: in.Title, Start: in.Start}, f.Record("Add", a, in.Title)
}

func (f *fake) Remove(_ context.Context, a actor.Actor, id string) error {
	return f.Record("Remove", a, id)
}

func (f fakeFeeds) Create(_ context.Context, a actor.Actor, name string) (calendar.NewFeed, error) {
	return calendar.NewFeed{Feed: calendar.Feed{ID: "f1", Name: name}, Token: "kcf_secret"}, f.Record("Feeds.Create", a, name)
}

func (f fakeFeeds) List(_ context.Context, a actor.Actor) ([]calendar.Feed, error) {
	return []calendar.Feed{}, f.Record("Feeds.List", a)
}

func (f fakeFeeds) Revoke(_ context.Context, a actor.Actor, id string) error {
	return f.Record("Feeds.Revoke", a, id)
}

func (f fakeFeeds) Open(_ context.Context, a actor.Actor, token string) (string, error) {
	return "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", f.Record("Feeds.Open", a, token)
}
