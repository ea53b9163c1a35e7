package main

import (
	"context"
	"io"
	"testing"

	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/httpapi/httpapitest"
	"github.com/kabinet/kabinet/shared/logging"
)

func testRouter() *httpapi.Router {
	h := &handler{base: &app.Base{Clock: clock.System{}}}
	return h.router(httpapi.NewRouter("calendar", logging.New(io.Discard, "error"))).Guard(httpapitest.AdmitAll{})
}

func TestRoutesMatchTheTable(t *testing.T) {
	if m := testRouter().Mismatch(); len(m) > 0 {
		t.Errorf("router and shared/routes disagree: %v", m)
	}
}

func TestBadPeriodAndItems(t *testing.T) {
	cases := []struct {
		event string
		query map[string]string
		body  string
		want  int
	}{
		{"calendar-list.json", map[string]string{"from": "2026-12-01", "to": "2026-11-01"}, "", 422},
		{"calendar-list.json", map[string]string{"from": "2026-01-01", "to": "2028-01-01"}, "", 422},
		{"calendar-ics.json", map[string]string{"to": "soon"}, "", 422},
		{"calendar-items-add.json", nil, `{"title":"","start":"2026-12-01T10:00:00Z"}`, 422},
		{"calendar-items-add.json", nil, `{"title":"x"}`, 422},
		{"calendar-items-add.json", nil, `{"title":"x","start":"2026-12-01T10:00:00Z","remindMinutesBefore":-1}`, 422},
	}
	for _, c := range cases {
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
		if res, _ := testRouter().Serve(context.Background(), req); res.StatusCode != c.want {
			t.Errorf("%s %v %s = %d %s, want %d", c.event, c.query, c.body, res.StatusCode, res.Body, c.want)
		}
	}
}
