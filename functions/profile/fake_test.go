package main

import (
	"context"
	"encoding/json"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/export"
	"github.com/kabinet/kabinet/shared/httpapi/httpapitest"
	"github.com/kabinet/kabinet/shared/journal"
)

// fake stands in for every service the handler uses: it records each call
// and answers with Err (nil: zero values).
type fake struct{ httpapitest.Recorder }

var (
	_ profiles       = (*fake)(nil)
	_ contacts       = (*fake)(nil)
	_ changeRequests = (*fake)(nil)
	_ identityDocs   = fakeDocs{}
	_ activity       = fakeJournal{}
	_ exports        = fakeExports{}
)

func (f *fake) Profile(_ context.Context, a actor.Actor) (accounts.Profile, error) {
	return accounts.Profile{Version: 3}, f.Record("Profile", a)
}

func (f *fake) PatchProfile(_ context.Context, a actor.Actor, raw map[string]json.RawMessage, ifVersion int64) (accounts.Profile, error) {
	return accounts.Profile{Version: ifVersion + 1}, f.Record("PatchProfile", a)
}

func (f *fake) ProfileHistory(_ context.Context, a actor.Actor, cursor string, limit int32) ([]accounts.Change, string, error) {
	return nil, "", f.Record("ProfileHistory", a)
}

func (f *fake) Start(_ context.Context, a actor.Actor, kind, value string) (accounts.ContactPending, error) {
	return accounts.ContactPending{}, f.Record("Start", a, kind)
}

func (f *fake) Confirm(_ context.Context, a actor.Actor, kind, code string) error {
	return f.Record("Confirm", a, kind)
}

func (f *fake) File(_ context.Context, a actor.Actor, field string, value json.RawMessage, documentID string) (accounts.ChangeRequest, error) {
	return accounts.ChangeRequest{}, f.Record("File", a, field)
}

func (f *fake) List(_ context.Context, a actor.Actor, cursor string, limit int32) ([]accounts.ChangeRequest, string, error) {
	return nil, "", f.Record("List", a)
}

func (f *fake) Get(_ context.Context, a actor.Actor, id string) (accounts.ChangeRequest, error) {
	return accounts.ChangeRequest{}, f.Record("Get", a, id)
}

func (f *fake) Pending(_ context.Context, a actor.Actor, cursor string, limit int32) ([]accounts.ChangeRequest, string, error) {
	return nil, "", f.Record("Pending", a)
}

func (f *fake) Decide(_ context.Context, a actor.Actor, sub, id string, approve bool, reason string) error {
	d := "reject"
	if approve {
		d = "approve"
	}
	return f.Record("Decide", a, sub, id, d)
}

// fakeDocs is the identity-documents part (its List clashes with the
// change requests' List).
type fakeDocs struct{ *fake }

func (f fakeDocs) List(_ context.Context, a actor.Actor) ([]accounts.IdentityDoc, error) {
	return nil, f.Record("IdentityDocs.List", a)
}

func (f fakeDocs) Save(_ context.Context, a actor.Actor, d accounts.IdentityDoc) (accounts.IdentityDoc, error) {
	return d, f.Record("IdentityDocs.Save", a, d.ID)
}

func (f fakeDocs) Delete(_ context.Context, a actor.Actor, id string) error {
	return f.Record("IdentityDocs.Delete", a, id)
}

// fakeJournal is the journal part (its List too).
type fakeJournal struct{ *fake }

func (f fakeJournal) List(_ context.Context, sub string, _ journal.Filter, cursor string, limit int32) ([]journal.Entry, string, error) {
	return nil, "", f.Record("Journal.List", actor.Citizen(sub))
}

func (f fakeJournal) All(_ context.Context, sub string, _ journal.Filter) ([]journal.Entry, error) {
	return nil, f.Record("Journal.All", actor.Citizen(sub))
}

func (f fakeJournal) Verify(_ context.Context, sub string) (journal.Result, error) {
	return journal.Result{OK: true}, f.Record("Journal.Verify", actor.Citizen(sub))
}

func (f *fake) Build(_ context.Context, a actor.Actor, password string) (export.Export, error) {
	return export.Export{ID: "e1"}, f.Record("Build", a)
}

func (f *fake) GetExport(_ context.Context, sub, id string) (export.Download, error) {
	return export.Download{}, f.Record("Export.Get", actor.Citizen(sub), id)
}

// fakeExports gives the export part its Get.
type fakeExports struct{ *fake }

func (f fakeExports) Build(ctx context.Context, a actor.Actor, password string) (export.Export, error) {
	return f.fake.Build(ctx, a, password)
}

func (f fakeExports) Get(ctx context.Context, sub, id string) (export.Download, error) {
	return f.GetExport(ctx, sub, id)
}
