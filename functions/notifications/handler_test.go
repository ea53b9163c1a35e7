package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/httpapi/httpapitest"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/problem"
)

func fakeRouter(f *fake) *httpapi.Router {
	h := &handler{notes: f, prefs: f, devices: fakeDevices{f}}
	return h.router(httpapi.NewRouter("notifications", logging.New(io.Discard, "error"))).Guard(httpapitest.AdmitAll{})
}

func TestRoutesMatchTheTable(t *testing.T) {
	if m := fakeRouter(&fake{}).Mismatch(); len(m) > 0 {
		t.Errorf("router and shared/routes disagree: %v", m)
	}
}

// Every route reaches its service call as the caller the sample event's
// claims describe, with the path's ids and the parsed input.
func TestEachRouteCallsItsServiceAsTheCaller(t *testing.T) {
	routes := []httpapitest.Route{
		{Event: "notifications-list.json", Method: "List", Status: 200},
		{Event: "notifications-unread-count.json", Method: "Unread", Status: 200},
		{Event: "notifications-read.json", Method: "MarkRead", Status: 204, Args: []string{"20261123090000000000000-AbCdEfGh"}},
		{Event: "notifications-read-all.json", Method: "MarkAllRead", Status: 200},
		{Event: "notifications-preferences-get.json", Method: "Prefs.Get", Status: 200},
		{Event: "notifications-preferences-put.json", Method: "Prefs.Update", Status: 200, Args: []string{"0", "22:00-08:00"}},
		{Event: "notifications-devices-list.json", Method: "Devices.List", Status: 200},
		{Event: "notifications-devices-add.json", Method: "Devices.Add", Status: 201, Args: []string{"fcm"}},
		{Event: "notifications-devices-delete.json", Method: "Devices.Remove", Status: 204, Args: []string{"Zx8QpL2vRt5y"}},
	}
	httpapitest.CheckRoutes(t, routes, func() (*httpapi.Router, *httpapitest.Recorder) {
		f := &fake{}
		return fakeRouter(f), &f.Recorder
	}, "List", "Unread", "MarkRead", "MarkAllRead")
}

// Input that is refused before any service call.
func TestBadInputIsRefusedBeforeTheService(t *testing.T) {
	cases := []struct {
		event, body, query string
		headers            map[string]string
		status             int
		code               string
	}{
		{"notifications-list.json", "", "limit=0", nil, 422, "validation_failed"},
		{"notifications-list.json", "", "unread=maybe", nil, 422, "validation_failed"},
		{"notifications-devices-add.json", `{"platform":"fcm","token":7}`, "", nil, 400, "malformed_json"},
		{"notifications-devices-add.json", `{"platform":"fcm"}`, "", map[string]string{"content-type": "text/plain"}, 415, "unsupported_media_type"},
		{"notifications-preferences-put.json", `{"dailyCap":{"sms":5}}`, "", map[string]string{"if-match": ""}, 428, "if_match_required"},
		{"notifications-preferences-put.json", `{"dailyCap":`, "", nil, 400, "malformed_json"},
		{"notifications-preferences-put.json", `{"quietHours":"22-08"}`, "", nil, 400, "malformed_json"},
	}
	for _, c := range cases {
		t.Run(c.event+c.body+c.query, func(t *testing.T) {
			req, err := httpapi.ReadEvent("../../events/" + c.event)
			if err != nil {
				t.Fatal(err)
			}
			if c.body != "" {
				req.Body = c.body
			}
			if c.query != "" {
				k, v, _ := strings.Cut(c.query, "=")
				req.QueryStringParameters = map[string]string{k: v}
			}
			for k, v := range c.headers {
				if v == "" {
					delete(req.Headers, k)
				} else {
					req.Headers[k] = v
				}
			}
			f := &fake{}
			res, _ := fakeRouter(f).Serve(context.Background(), req)
			var p struct{ Code string }
			_ = json.Unmarshal([]byte(res.Body), &p)
			if res.StatusCode != c.status || p.Code != c.code || len(f.Calls()) != 0 {
				t.Errorf("got %d %s and calls %+v, want %d %s and no call", res.StatusCode, res.Body, f.Calls(), c.status, c.code)
			}
		})
	}
}

// quietHours: null clears them; the answer carries the new version's ETag.
func TestPreferencesAnswerTheirVersion(t *testing.T) {
	req, err := httpapi.ReadEvent("../../events/notifications-preferences-put.json")
	if err != nil {
		t.Fatal(err)
	}
	req.Body = `{"quietHours":null}`
	req.Headers["if-match"] = `"4"`
	f := &fake{}
	res, _ := fakeRouter(f).Serve(context.Background(), req)
	if calls := f.Calls(); res.StatusCode != 200 || res.Headers["ETag"] != `"5"` || len(calls) != 1 || strings.Join(calls[0].Args, " ") != "4 clear" {
		t.Errorf("got %d %v %s and calls %+v", res.StatusCode, res.Headers, res.Body, calls)
	}
}

// The services' errors become problem+json with their status; an
// unclassified one is a 500 that says nothing.
func TestServiceErrorsMapToProblems(t *testing.T) {
	cases := []struct {
		event  string
		err    error
		status int
	}{
		{"notifications-preferences-put.json", problem.Conflict("stale_version", "x"), 409},
		{"notifications-preferences-put.json", problem.Invalid(problem.Field{Field: "channels.security", Code: "category.locked"}), 422},
		{"notifications-devices-add.json", problem.Invalid(problem.Field{Field: "platform", Code: "platform.unsupported"}), 422},
		{"notifications-devices-delete.json", problem.NotFound("устройство"), 404},
		{"notifications-read.json", problem.NotFound("уведомление"), 404},
		{"notifications-devices-add.json", errors.New("sns: endpoint arn:aws:sns:secret"), 500},
	}
	for _, c := range cases {
		t.Run(c.event, func(t *testing.T) {
			req, err := httpapi.ReadEvent("../../events/" + c.event)
			if err != nil {
				t.Fatal(err)
			}
			res, _ := fakeRouter(&fake{httpapitest.Recorder{Err: c.err}}).Serve(context.Background(), req)
			if res.StatusCode != c.status || !strings.HasPrefix(res.Headers["Content-Type"], "application/problem+json") || strings.Contains(res.Body, "arn:") {
				t.Errorf("got %d %s %s, want %d problem+json", res.StatusCode, res.Headers["Content-Type"], res.Body, c.status)
			}
		})
	}
}
