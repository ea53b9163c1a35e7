package main

import (
	"context"
	"encoding/json"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/httpapi/httpapitest"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/settings"
)

// fakeSettings is a hand-written fake with function fields.
type fakeSettings struct {
	get    func(ctx context.Context, a actor.Actor) (settings.Settings, error)
	update func(ctx context.Context, a actor.Actor, s settings.Settings, ifVersion int64) (settings.Settings, error)
}

func (f fakeSettings) Get(ctx context.Context, a actor.Actor) (settings.Settings, error) {
	return f.get(ctx, a)
}
func (f fakeSettings) Update(ctx context.Context, a actor.Actor, s settings.Settings, v int64) (settings.Settings, error) {
	return f.update(ctx, a, s, v)
}

func newHandler(f fakeSettings) *handler {
	return &handler{settings: f, base: &app.Base{Log: logging.New(io.Discard, "error"), Clock: clock.NewManual(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))}}
}

func event(t testing.TB, name string) httpapi.Request {
	t.Helper()
	req, err := httpapi.ReadEvent("../../events/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestRoutesMatchTheTable(t *testing.T) {
	if m := newHandler(fakeSettings{}).router().Mismatch(); len(m) > 0 {
		t.Errorf("router and shared/routes disagree: %v", m)
	}
}

func TestMeReadsTheClaims(t *testing.T) {
	res, _ := newHandler(fakeSettings{}).router().Guard(httpapitest.AdmitAll{}).Serve(context.Background(), event(t, "me-get.json"))
	var me Me
	if err := json.Unmarshal([]byte(res.Body), &me); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || me.Subject != "9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d" || len(me.Groups) != 1 || me.Groups[0] != "officers" {
		t.Errorf("GET /me = %d %+v", res.StatusCode, me)
	}
}

func TestMeWithoutClaimsIs401(t *testing.T) {
	req := event(t, "me-get.json")
	req.RequestContext.Authorizer = nil
	res, _ := newHandler(fakeSettings{}).router().Guard(httpapitest.AdmitAll{}).Serve(context.Background(), req)
	if res.StatusCode != 401 {
		t.Errorf("status = %d, want 401", res.StatusCode)
	}
}

func TestPutSettings(t *testing.T) {
	var gotSub string
	f := fakeSettings{update: func(_ context.Context, a actor.Actor, s settings.Settings, v int64) (settings.Settings, error) {
		gotSub = a.Sub
		if v == 7 {
			return settings.Settings{}, problem.Conflict("stale_version", "устарело")
		}
		s.Version, s.UpdatedAt = v+1, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		return s, nil
	}}
	cases := []struct {
		name     string
		ifMatch  string
		status   int
		wantETag string
	}{
		{"fresh", `"0"`, 200, `"1"`},
		{"weak etag", `W/"3"`, 200, `"4"`},
		{"stale", `"7"`, 409, ""},
		{"missing If-Match", "", 428, ""},
		{"garbage If-Match", `"abc"`, 400, ""},
		{"negative", `"-1"`, 400, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := event(t, "me-settings-put.json")
			delete(req.Headers, "if-match")
			if c.ifMatch != "" {
				req.Headers["if-match"] = c.ifMatch
			}
			res, _ := newHandler(f).router().Guard(httpapitest.AdmitAll{}).Serve(context.Background(), req)
			if res.StatusCode != c.status || res.Headers["ETag"] != c.wantETag {
				t.Errorf("PUT = %d ETag %q (%s), want %d ETag %q", res.StatusCode, res.Headers["ETag"], res.Body, c.status, c.wantETag)
			}
			if c.status == 200 && gotSub != "3f1c2a9e-5b7d-4c1e-9f00-2a6b8c0d4e51" {
				t.Errorf("saved for %q, want the caller's sub", gotSub)
			}
		})
	}
}

// recorded is a fake of the settings service on the shared Recorder.
type recorded struct{ httpapitest.Recorder }

var _ settingsService = (*recorded)(nil)

func (r *recorded) Get(_ context.Context, a actor.Actor) (settings.Settings, error) {
	return settings.Defaults(), r.Record("Get", a)
}

func (r *recorded) Update(_ context.Context, a actor.Actor, s settings.Settings, v int64) (settings.Settings, error) {
	s.Version = v + 1
	return s, r.Record("Update", a, s.TimeZone, s.Locale, strconv.FormatInt(v, 10))
}

// The settings routes call the service as the caller the claims name, from
// the request's address, with the version of If-Match.
func TestSettingsRoutesCallTheServiceAsTheCaller(t *testing.T) {
	routes := []httpapitest.Route{
		{Event: "me-settings-get.json", Method: "Get", Status: 200},
		{Event: "me-settings-put.json", Method: "Update", Status: 200, Args: []string{"Asia/Yekaterinburg", "ru", "0"}},
	}
	httpapitest.CheckRoutes(t, routes, func() (*httpapi.Router, *httpapitest.Recorder) {
		r := &recorded{}
		h := &handler{settings: r, base: &app.Base{Log: logging.New(io.Discard, "error"), Clock: clock.System{}}}
		return h.router().Guard(httpapitest.AdmitAll{}), &r.Recorder
	})
}

func TestAgencyWhoami(t *testing.T) {
	withScope := func(scope string) func(*httpapi.Request) {
		return func(req *httpapi.Request) { req.RequestContext.Authorizer.JWT.Claims["scope"] = scope }
	}
	tests := []struct {
		name     string
		event    string
		change   func(*httpapi.Request)
		status   int
		wantCode string
	}{
		{"an agency's token", "agency-whoami.json", nil, 200, ""},
		{"a citizen's token", "me-get.json", func(req *httpapi.Request) { req.RouteKey = "GET /agency/whoami" }, 401, "machine_token_required"},
		{"no claims", "agency-whoami.json", func(req *httpapi.Request) { req.RequestContext.Authorizer = nil }, 401, "unauthenticated"},
		{"a partner's token", "agency-whoami.json", withScope("kabinet/partner.sberbank"), 403, "not_an_agency"},
		{"two agencies' scopes", "agency-whoami.json", withScope("kabinet/agency.gibdd kabinet/agency.fns"), 403, "organisation_scope"},
		{"an agency's token on GET /me", "agency-whoami.json", func(req *httpapi.Request) { req.RouteKey = "GET /me" }, 401, "machine_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := event(t, tt.event)
			if tt.change != nil {
				tt.change(&req)
			}
			// The person's routes need a guard; the machine route never asks it.
			res, _ := newHandler(fakeSettings{}).router().Guard(httpapitest.AdmitAll{}).Serve(context.Background(), req)
			if res.StatusCode != tt.status {
				t.Fatalf("GET %s = %d %s, want %d", req.RouteKey, res.StatusCode, res.Body, tt.status)
			}
			if tt.status == 200 {
				var who AgencyWhoami
				if err := json.Unmarshal([]byte(res.Body), &who); err != nil {
					t.Fatal(err)
				}
				want := AgencyWhoami{Agency: "gibdd", ClientID: "4f1kq0t8m2c5h7j9l3n6p8r0s2", Scopes: []string{"kabinet/agency.gibdd"}}
				if who.Agency != want.Agency || who.ClientID != want.ClientID || len(who.Scopes) != 1 || who.Scopes[0] != want.Scopes[0] {
					t.Errorf("whoami = %+v, want %+v", who, want)
				}
				return
			}
			var p struct{ Code string }
			if err := json.Unmarshal([]byte(res.Body), &p); err != nil || p.Code != tt.wantCode {
				t.Errorf("problem = %s, want code %s", res.Body, tt.wantCode)
			}
		})
	}
}

func TestAgencyWhoamiNeedsNoSessionGuard(t *testing.T) {
	res, _ := newHandler(fakeSettings{}).router().Serve(context.Background(), event(t, "agency-whoami.json"))
	if res.StatusCode != 200 {
		t.Errorf("GET /agency/whoami without a session guard = %d %s, want 200", res.StatusCode, res.Body)
	}
}
