package main

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

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
	httpapitest.CheckRoutes(t, routes, func() (*httpapi.Router, *httpapitest.Recorder) {
		f := &fake{}
		return fakeRouter(f), &f.Recorder
	})
}

// Malformed input is refused before the service is asked.
func TestBadInputIsRefusedBeforeTheService(t *testing.T) {
	cases := []struct {
		event  string
		query  map[string]string
		body   string
		status int
		code   string
	}{
		{"calendar-list.json", map[string]string{"from": "tomorrow"}, "", 422, "validation_failed"},
		{"calendar-ics.json", map[string]string{"to": "soon"}, "", 422, "validation_failed"},
		{"calendar-items-add.json", nil, `{"title":"x","start":"not a time"}`, 400, "malformed_json"},
		{"calendar-items-add.json", nil, `{"title":"x","colour":"red"}`, 400, "malformed_json"},
		{"calendar-feeds-create.json", nil, `{"name":`, 400, "malformed_json"},
	}
	for _, c := range cases {
		t.Run(c.event+c.body, func(t *testing.T) {
			req, err := httpapi.ReadEvent("../../events/" + c.event)
			if err != nil {
				t.Fatal(err)
			}
			if c.query != nil {
				req.QueryStringParameters = c.query
			}
			if c.body != "" {
				req.Body = c.body
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
	cases := []struct {
		event  string
		err    error
		status int
	}{
		{"calendar-items-add.json", problem.Invalid(problem.Field{Field: "title", Code: "title.invalid"}), 422},
		{"calendar-items-delete.json", problem.Forbidden("x"), 403},
		{"calendar-list.json", problem.Invalid(problem.Field{Field: "to", Code: "period.order"}), 422},
		{"calendar-feeds-revoke.json", problem.NotFound("подписка"), 404},
		{"calendar-feeds-create.json", problem.Conflict("too_many_feeds", "x"), 409},
		{"calendar-feed-get.json", problem.NotFound("календарь"), 404},
		{"calendar-feed-get.json", &problem.Error{Kind: problem.KindTooManyRequests, Code: "too_many_requests", RetryAfter: 90e9}, 429},
		{"calendar-feed-get.json", io.ErrUnexpectedEOF, 500},
	}
	for _, c := range cases {
		t.Run(c.event, func(t *testing.T) {
			req, err := httpapi.ReadEvent("../../events/" + c.event)
			if err != nil {
				t.Fatal(err)
			}
			f := &fake{httpapitest.Recorder{Err: c.err}}
			res, _ := fakeRouter(f).Serve(context.Background(), req)
			if res.StatusCode != c.status || !strings.HasPrefix(res.Headers["Content-Type"], "application/problem+json") {
				t.Errorf("got %d %s %s, want %d problem+json", res.StatusCode, res.Headers["Content-Type"], res.Body, c.status)
			}
			if c.status == 429 && res.Headers["Retry-After"] != "90" {
				t.Errorf("Retry-After = %q, want 90", res.Headers["Retry-After"])
			}
		})
	}
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
