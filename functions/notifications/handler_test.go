package main

import (
	"context"
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
	httpapitest.CheckRoutes(t, routes, newFake, "List", "Unread", "MarkRead", "MarkAllRead")
}

func newFake() (*httpapi.Router, *httpapitest.Recorder) {
	f := &fake{}
	return fakeRouter(f), &f.Recorder
}

// Input that is refused before any service call.
func TestBadInputIsRefusedBeforeTheService(t *testing.T) {
	httpapitest.CheckRefusals(t, []httpapitest.Refusal{
		{Event: "notifications-list.json", Query: map[string]string{"limit": "0"}, Status: 422, Code: "validation_failed"},
		{Event: "notifications-list.json", Query: map[string]string{"unread": "maybe"}, Status: 422, Code: "validation_failed"},
		{Event: "notifications-devices-add.json", Body: `{"platform":"fcm","token":7}`, Status: 400, Code: "malformed_json"},
		{Event: "notifications-devices-add.json", Body: `{"platform":"fcm"}`, Headers: map[string]string{"content-type": "text/plain"}, Status: 415, Code: "unsupported_media_type"},
		{Event: "notifications-preferences-put.json", Body: `{"dailyCap":{"sms":5}}`, Headers: map[string]string{"if-match": ""}, Status: 428, Code: "if_match_required"},
		{Event: "notifications-preferences-put.json", Body: `{"dailyCap":`, Status: 400, Code: "malformed_json"},
		{Event: "notifications-preferences-put.json", Body: `{"quietHours":"22-08"}`, Status: 400, Code: "malformed_json"},
	}, newFake)
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
	httpapitest.CheckFailures(t, []httpapitest.Failure{
		{Event: "notifications-preferences-put.json", Err: problem.Conflict("stale_version", "x"), Status: 409},
		{Event: "notifications-preferences-put.json", Err: problem.Invalid(problem.Field{Field: "channels.security", Code: "category.locked"}), Status: 422},
		{Event: "notifications-devices-add.json", Err: problem.Invalid(problem.Field{Field: "platform", Code: "platform.unsupported"}), Status: 422},
		{Event: "notifications-devices-delete.json", Err: problem.NotFound("устройство"), Status: 404},
		{Event: "notifications-read.json", Err: problem.NotFound("уведомление"), Status: 404},
		{Event: "notifications-devices-add.json", Err: errors.New("sns: endpoint arn:aws:sns:secret"), Status: 500},
	}, func(err error) *httpapi.Router { return fakeRouter(&fake{httpapitest.Recorder{Err: err}}) })
}
