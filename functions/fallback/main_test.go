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
	r := newRouter(&app.Base{Log: logging.New(io.Discard, "error")})
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
