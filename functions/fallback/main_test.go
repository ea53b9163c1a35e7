package main

import (
	"context"
	"encoding/json"
	"io"
	"testing"

	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/logging"
)

func TestUnmatchedRequests(t *testing.T) {
	r := newRouter(&app.Base{Log: logging.New(io.Discard, "error")}, routeTable{})
	if m := r.Mismatch(); len(m) > 0 {
		t.Errorf("router and shared/routes disagree: %v", m)
	}
	cases := []struct {
		event, wantCode, wantAllow string
		wantStatus                 int
	}{
		{"../../events/fallback-unknown-path.json", "route_not_found", "", 404},
		{"../../events/fallback-wrong-method.json", "method_not_allowed", "GET", 405},
	}
	for _, c := range cases {
		t.Run(c.event, func(t *testing.T) {
			req, err := httpapi.ReadEvent(c.event)
			if err != nil {
				t.Fatal(err)
			}
			res, _ := r.Serve(context.Background(), req)
			var p struct{ Code string }
			_ = json.Unmarshal([]byte(res.Body), &p)
			if res.StatusCode != c.wantStatus || p.Code != c.wantCode || res.Headers["Allow"] != c.wantAllow {
				t.Errorf("got %d %s Allow=%q, want %d %s Allow=%q", res.StatusCode, p.Code, res.Headers["Allow"], c.wantStatus, c.wantCode, c.wantAllow)
			}
		})
	}
}

// The handler asks the table with the request's path, and answers 405 with
// every method the table names.
func TestTheTableDecides(t *testing.T) {
	req, err := httpapi.ReadEvent("../../events/fallback-unknown-path.json")
	if err != nil {
		t.Fatal(err)
	}
	tbl := &fixedTable{allow: []string{"GET", "PUT"}}
	res, _ := newRouter(&app.Base{Log: logging.New(io.Discard, "error")}, tbl).Serve(context.Background(), req)
	if res.StatusCode != 405 || res.Headers["Allow"] != "GET, PUT" || tbl.asked != req.RequestContext.HTTP.Path {
		t.Errorf("got %d Allow=%q after asking for %q", res.StatusCode, res.Headers["Allow"], tbl.asked)
	}
}

type fixedTable struct {
	allow []string
	asked string
}

func (f *fixedTable) AllowedMethods(path string) []string {
	f.asked = path
	return f.allow
}
