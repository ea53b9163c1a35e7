package main

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/httpapi/httpapitest"
	"github.com/kabinet/kabinet/shared/logging"
)

func testRouter() *httpapi.Router {
	h := &handler{platforms: map[string]string{"fcm": "arn:fcm", "apns": ""}, base: &app.Base{Clock: clock.System{}}}
	return h.router(httpapi.NewRouter("notifications", logging.New(io.Discard, "error"))).Guard(httpapitest.AdmitAll{})
}

func TestRoutesMatchTheTable(t *testing.T) {
	if m := testRouter().Mismatch(); len(m) > 0 {
		t.Errorf("router and shared/routes disagree: %v", m)
	}
}

// Input that is refused before any store or SNS call.
func TestBadInput(t *testing.T) {
	cases := []struct {
		event, body, query string
		headers            map[string]string
		status             int
		code               string
	}{
		{"notifications-list.json", "", "limit=0", nil, 422, "validation_failed"},
		{"notifications-list.json", "", "unread=maybe", nil, 422, "validation_failed"},
		{"notifications-devices-add.json", `{"platform":"apns","token":"abcdefghij"}`, "", nil, 422, "validation_failed"},
		{"notifications-devices-add.json", `{"platform":"fcm","token":"a b"}`, "", nil, 422, "validation_failed"},
		{"notifications-preferences-put.json", `{"dailyCap":{"sms":5}}`, "", map[string]string{"if-match": ""}, 428, "if_match_required"},
		{"notifications-preferences-put.json", `{"dailyCap":`, "", nil, 400, "malformed_json"},
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
			res, _ := testRouter().Serve(context.Background(), req)
			var p struct{ Code string }
			_ = json.Unmarshal([]byte(res.Body), &p)
			if res.StatusCode != c.status || p.Code != c.code {
				t.Errorf("got %d %s, want %d %s", res.StatusCode, res.Body, c.status, c.code)
			}
		})
	}
}
