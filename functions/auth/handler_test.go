package main

import (
	"context"
	"encoding/json"
	"io"
	"testing"

	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/logging"
)

func TestRoutesMatchTheTable(t *testing.T) {
	r := (&handler{}).router(httpapi.NewRouter("auth", logging.New(io.Discard, "error")))
	if m := r.Mismatch(); len(m) > 0 {
		t.Errorf("router and shared/routes disagree: %v", m)
	}
}

// Requests that fail before any service call: bad bodies and missing fields.
func TestBadInputIsRefusedBeforeTheService(t *testing.T) {
	r := (&handler{}).router(httpapi.NewRouter("auth", logging.New(io.Discard, "error")))
	cases := []struct {
		event, body string
		status      int
		fields      []string
	}{
		{"auth-login.json", `{"login":"","password":""}`, 422, []string{"login", "password"}},
		{"auth-login.json", `{"login":"x"`, 400, nil},
		{"auth-register-confirm.json", `{"registrationId":"r"}`, 422, []string{"code"}},
		{"auth-password-reset.json", `{}`, 422, []string{"code", "newPassword", "resetId"}},
		{"auth-refresh.json", `{"sessionId":"a.b","refreshToken":"t","extra":1}`, 400, nil},
	}
	for _, c := range cases {
		t.Run(c.event+" "+c.body, func(t *testing.T) {
			req, err := httpapi.ReadEvent("../../events/" + c.event)
			if err != nil {
				t.Fatal(err)
			}
			req.Body = c.body
			res, _ := r.Serve(context.Background(), req)
			var p struct{ Errors []struct{ Field string } }
			_ = json.Unmarshal([]byte(res.Body), &p)
			if res.StatusCode != c.status || len(p.Errors) != len(c.fields) {
				t.Fatalf("got %d %s, want %d naming %v", res.StatusCode, res.Body, c.status, c.fields)
			}
			for i, f := range c.fields {
				if p.Errors[i].Field != f {
					t.Errorf("field %d = %s, want %s", i, p.Errors[i].Field, f)
				}
			}
		})
	}
}
