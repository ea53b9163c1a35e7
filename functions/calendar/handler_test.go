package main

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/httpapi/httpapitest"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/problem"
)

func fakeRouter(f *fake) *httpapi.Router {
	h := &handler{cal: f, feeds: fakeFeeds{f}}
	return h.router(httpapi.NewRouter("calendar", logging.New(io.Discard, "error"))).Guard(httpapitest.AdmitAll{})
}

func TestRoutesMatchTheTable(t *testing.T) {
	if m := fakeRouter(&fake{}).Mismatch(); len(m) > 0 {
		t.Errorf("router and shared/routes disagree: %v", m)
	}
}

// Every route reaches its service call as the caller the sample event's
// claims describe (the public feed as an anonymous caller with the
// client's address), with the path's ids.
func TestEachRouteCallsItsServiceAsTheCaller(t *testing.T) {
	routes := []httpapitest.Route{
		{Event: "calendar-list.json", Method: "List", Status: 200},
		{Event: "calendar-ics.json", Method: "ICS", Status: 200},
		{Event: "calendar-items-add.json", Method: "Add", Status: 201},
		{Event: "calendar-items-delete.json", Method: "Remove", Status: 204, Args: []string{"1796112000-AbCdEfGh"}},
		{Event: "calendar-feeds-create.json", Method: "Feeds.Create", Status: 201, Args: []string{"Календарь на телефоне"}},
		{Event: "calendar-feeds-list.json", Method: "Feeds.List", Status: 200},
		{Event: "calendar-feeds-revoke.json", Method: "Feeds.Revoke", Status: 204, Args: []string{"Qm9va0ZlZWQx"}},
		{Event: "calendar-feed-get.json", Method: "Feeds.Open", Status: 200},
	}
	httpapitest.CheckRoutes(t, routes, newFake)
}

func newFake() (*httpapi.Router, *httpapitest.Recorder) {
	f := &fake{}
	return fakeRouter(f), &f.Recorder
}

// Malformed input is refused before the service is asked.
func TestBadInputIsRefusedBeforeTheService(t *testing.T) {
	httpapitest.CheckRefusals(t, []httpapitest.Refusal{
		{Event: "calendar-list.json", Query: map[string]string{"from": "tomorrow"}, Status: 422, Code: "validation_failed"},
		{Event: "calendar-ics.json", Query: map[string]string{"to": "soon"}, Status: 422, Code: "validation_failed"},
		{Event: "calendar-items-add.json", Body: `{"title":"x","start":"not a time"}`, Status: 400, Code: "malformed_json"},
		{Event: "calendar-items-add.json", Body: `{"title":"x","colour":"red"}`, Status: 400, Code: "malformed_json"},
		{Event: "calendar-feeds-create.json", Body: `{"name":`, Status: 400, Code: "malformed_json"},
	}, newFake)
}

// A subscription is made without a body too, and its answer carries the
// https:// and webcal:// addresses of the host the client called.
func TestCreateFeedAnswersBothAddresses(t *testing.T) {
	req, err := httpapi.ReadEvent("../../events/calendar-feeds-create.json")
	if err != nil {
		t.Fatal(err)
	}
	req.Body = ""
	delete(req.Headers, "content-type")
	res, _ := fakeRouter(&fake{}).Serve(context.Background(), req)
	var got struct{ ID, Token, URL, WebcalURL string }
	_ = json.Unmarshal([]byte(res.Body), &got)
	host := req.RequestContext.DomainName
	if res.StatusCode != 201 || got.URL != "https://"+host+"/calendar/feed/kcf_secret.ics" || got.WebcalURL != "webcal://"+host+"/calendar/feed/kcf_secret.ics" {
		t.Errorf("got %d %s", res.StatusCode, res.Body)
	}
}

// The service's errors become problem+json with their status.
func TestServiceErrorsMapToProblems(t *testing.T) {
	limited := &problem.Error{Kind: problem.KindTooManyRequests, Code: "too_many_requests", RetryAfter: 90 * time.Second}
	httpapitest.CheckFailures(t, []httpapitest.Failure{
		{Event: "calendar-items-add.json", Err: problem.Invalid(problem.Field{Field: "title", Code: "title.invalid"}), Status: 422},
		{Event: "calendar-items-delete.json", Err: problem.Forbidden("x"), Status: 403},
		{Event: "calendar-list.json", Err: problem.Invalid(problem.Field{Field: "to", Code: "period.order"}), Status: 422},
		{Event: "calendar-feeds-revoke.json", Err: problem.NotFound("подписка"), Status: 404},
		{Event: "calendar-feeds-create.json", Err: problem.Conflict("too_many_feeds", "x"), Status: 409},
		{Event: "calendar-feed-get.json", Err: problem.NotFound("календарь"), Status: 404},
		{Event: "calendar-feed-get.json", Err: limited, Status: 429, Headers: map[string]string{"Retry-After": "90"}},
		{Event: "calendar-feed-get.json", Err: io.ErrUnexpectedEOF, Status: 500},
	}, func(err error) *httpapi.Router { return fakeRouter(&fake{httpapitest.Recorder{Err: err}}) })
}

// The request log of the public feed names the route, never the path that
// carries the token.
func TestFeedTokenStaysOutOfTheLog(t *testing.T) {
	req, err := httpapi.ReadEvent("../../events/calendar-feed-get.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []error{nil, problem.NotFound("календарь"), io.ErrUnexpectedEOF} {
		var log strings.Builder
		f := &fake{httpapitest.Recorder{Err: e}}
		h := &handler{cal: f, feeds: fakeFeeds{f}}
		r := h.router(httpapi.NewRouter("calendar", logging.New(&log, "debug"))).Guard(httpapitest.AdmitAll{})
		_, _ = r.Serve(context.Background(), req)
		token := strings.TrimSuffix(req.PathParameters["token"], ".ics")
		if strings.Contains(log.String(), token) || strings.Contains(log.String(), token[4:20]) {
			t.Errorf("the log carries the token: %s", log.String())
		}
		if !strings.Contains(log.String(), `"route":"GET /calendar/feed/{token}"`) {
			t.Errorf("the log does not name the route: %s", log.String())
		}
	}
}
