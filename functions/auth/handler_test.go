package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/shared/consents"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/httpapi/httpapitest"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/problem"
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

func fakeRouter(f *fake) *httpapi.Router {
	h := &handler{reg: f, signIn: f, creds: f, levels: f}
	return h.router(httpapi.NewRouter("auth", logging.New(io.Discard, "error"))).Guard(httpapitest.AdmitAll{})
}

// Every route reaches its service call with the caller as the sample event's
// claims describe them (sub, sign-in time, address), and the answer's status.
func TestEachRouteCallsItsServiceAsTheCaller(t *testing.T) {
	routes := []httpapitest.Route{
		{Event: "auth-register.json", Method: "Register", Status: 202},
		{Event: "auth-register-confirm.json", Method: "Confirm", Status: 201},
		{Event: "auth-register-resend.json", Method: "Resend", Status: 202},
		{Event: "auth-login.json", Method: "Login", Status: 200},
		{Event: "auth-login-mfa.json", Method: "AnswerChallenge", Status: 200},
		{Event: "auth-login-new-password.json", Method: "CompleteNewPassword", Status: 200},
		{Event: "auth-refresh.json", Method: "Refresh", Status: 200},
		{Event: "auth-password-forgot.json", Method: "Forgot", Status: 202},
		{Event: "auth-password-reset.json", Method: "Reset", Status: 204},
		{Event: "auth-logout.json", Method: "Logout", Status: 204},
		{Event: "auth-account.json", Method: "Account", Status: 200},
		{Event: "auth-sessions-list.json", Method: "ListSessions", Status: 200},
		{Event: "auth-sessions-end.json", Method: "EndSession", Status: 204},
		{Event: "auth-sessions-end-others.json", Method: "EndOthers", Status: 200},
		{Event: "auth-history.json", Method: "History", Status: 200},
		{Event: "auth-password-change.json", Method: "ChangePassword", Status: 204},
		{Event: "auth-mfa-totp.json", Method: "SetupTOTP", Status: 200},
		{Event: "auth-mfa-totp-confirm.json", Method: "ConfirmTOTP", Status: 204},
		{Event: "auth-mfa-set.json", Method: "SetMFA", Status: 204},
		{Event: "auth-registrar-level.json", Method: "SetLevel", Status: 204,
			Args: []string{"3f1c2a9e-5b7d-4c1e-9f00-2a6b8c0d4e51", "confirmed", "in_person"}},
	}
	httpapitest.CheckRoutes(t, routes, func() (*httpapi.Router, *httpapitest.Recorder) {
		f := &fake{}
		return fakeRouter(f), &f.Recorder
	}, "Confirm", "Refresh")
}

// The service's refusals reach the client as problem+json with their status
// and code; anything unclassified is a 500 that says nothing.
func TestServiceErrorsAreMappedToProblems(t *testing.T) {
	cases := []struct {
		err    error
		status int
		code   string
	}{
		{problem.New(problem.KindForbidden, "reauthentication_required", "x"), 403, "reauthentication_required"},
		{problem.New(problem.KindForbidden, "not_a_registrar", "x"), 403, "not_a_registrar"},
		{problem.New(problem.KindLocked, "account_locked", "x"), 423, "account_locked"},
		{problem.Invalid(problem.Field{Field: "newPassword", Code: "password.too_short", Message: "x"}), 422, "validation_failed"},
		{errors.New("cognito: connection reset by 10.0.0.7"), 500, "internal"},
	}
	for _, c := range cases {
		for _, event := range []string{"auth-password-change.json", "auth-registrar-level.json"} {
			req, err := httpapi.ReadEvent("../../events/" + event)
			if err != nil {
				t.Fatal(err)
			}
			res, _ := fakeRouter(&fake{httpapitest.Recorder{Err: c.err}}).Serve(context.Background(), req)
			var p struct{ Code, Detail string }
			_ = json.Unmarshal([]byte(res.Body), &p)
			if res.StatusCode != c.status || p.Code != c.code || strings.Contains(res.Body, "10.0.0.7") {
				t.Errorf("%s with %v: got %d %s, want %d %s", event, c.err, res.StatusCode, res.Body, c.status, c.code)
			}
		}
	}
}

// The registration form's consent is served to anyone, as a document with
// its edition and digest, and no service is asked.
func TestRegistrationConsentIsPublic(t *testing.T) {
	req, err := httpapi.ReadEvent("../../events/auth-register-consent.json")
	if err != nil {
		t.Fatal(err)
	}
	f := &fake{}
	res, _ := fakeRouter(f).Serve(context.Background(), req)
	var doc consents.Document
	if err := json.Unmarshal([]byte(res.Body), &doc); err != nil || res.StatusCode != 200 || doc.Version != consents.RegistrationVersion ||
		len(doc.SHA256) != 64 || !strings.Contains(doc.Text, "персональных данных") || len(f.Calls()) != 0 {
		t.Errorf("got %d %s, calls %v", res.StatusCode, res.Body, f.Calls())
	}
}
