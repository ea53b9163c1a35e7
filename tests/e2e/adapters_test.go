package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/cognito"
	"github.com/kabinet/kabinet/shared/notify"
	"github.com/kabinet/kabinet/shared/notify/sesmail"
	"github.com/kabinet/kabinet/shared/problem"
)

// The Cognito wrapper against cognito-local.
func TestCognitoWrapper(t *testing.T) {
	ctx := context.Background()
	pool := cognito.New(st.Cognito(), st.Resources["UserPool"], st.Resources["UserPoolClient"])
	if err := pool.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	username := "wrapper-" + time.Now().Format("150405.000000")
	sub, err := pool.CreateUser(ctx, cognito.NewUser{Username: username, Password: "Wrapper-Test-2026!",
		Attributes: map[string]string{"email": username + "@kabinet.local", "custom:level": "simplified"}})
	if err != nil || sub == "" {
		t.Fatalf("CreateUser = %q, %v", sub, err)
	}
	if _, err := pool.CreateUser(ctx, cognito.NewUser{Username: username, Password: "Wrapper-Test-2026!"}); !problem.Is(err, problem.KindConflict) {
		t.Errorf("CreateUser twice = %v, want Conflict", err)
	}
	if err := pool.AddToGroup(ctx, username, "support"); err != nil {
		t.Errorf("AddToGroup: %v", err)
	}
	if err := pool.SetAttributes(ctx, username, map[string]string{"custom:level": "standard"}); err != nil {
		t.Errorf("SetAttributes: %v", err)
	}
	attrs, err := pool.Attributes(ctx, username)
	if err != nil || attrs["custom:level"] != "standard" || attrs["sub"] != sub {
		t.Errorf("Attributes = %v, %v", attrs, err)
	}
	if _, err := pool.Attributes(ctx, "nobody-"+username); !problem.Is(err, problem.KindUnauthenticated) && !problem.Is(err, problem.KindNotFound) {
		t.Errorf("Attributes of an unknown user = %v", err)
	}

	for _, c := range []struct{ name, user, pass string }{
		{"wrong password", username, "Wrong-Password-1!"},
		{"unknown user", "nobody-" + username, "Wrapper-Test-2026!"},
	} {
		_, err := pool.SignIn(ctx, c.user, c.pass)
		pe, ok := problem.As(err)
		if !ok || pe.Kind != problem.KindUnauthenticated || pe.Code != "invalid_credentials" {
			t.Errorf("SignIn with %s = %v, want the same 401 invalid_credentials", c.name, err)
		}
	}
	res, err := pool.SignIn(ctx, username, "Wrapper-Test-2026!")
	if err != nil || res.Tokens == nil || res.Tokens.RefreshToken == "" {
		t.Fatalf("SignIn = %+v, %v", res, err)
	}
	// A token obtained around the auth function has no session: refused.
	if r := call(t, "GET", "/me", res.Tokens.AccessToken, nil, nil); r.Status != http.StatusUnauthorized || !strings.Contains(string(r.Body), "session_ended") {
		t.Errorf("GET /me with a token from Cognito directly = %d %s, want 401 session_ended", r.Status, r.Body)
	}
	if _, err := pool.Refresh(ctx, res.Tokens.RefreshToken); err != nil {
		t.Errorf("Refresh: %v", err)
	}
	if err := pool.Revoke(ctx, res.Tokens.RefreshToken); err != nil {
		t.Errorf("Revoke: %v", err)
	}
	if _, err := pool.Refresh(ctx, res.Tokens.RefreshToken); !problem.Is(err, problem.KindUnauthenticated) {
		t.Errorf("Refresh after Revoke = %v, want 401", err)
	}
	// cognito-local lets a disabled user sign in (Cognito does not), so only
	// the calls themselves are checked here.
	if err := pool.SetEnabled(ctx, username, false); err != nil {
		t.Errorf("disable: %v", err)
	}
	if err := pool.SetEnabled(ctx, username, true); err != nil {
		t.Errorf("enable: %v", err)
	}
}

// The mailer and its SES client against the SES emulator (which refuses
// unsigned requests), read back where a developer reads it.
func TestMailerDeliversToTheSESViewer(t *testing.T) {
	ses := sesmail.NewClient(st.AWSConfig(), st.SESURL)
	m := sesmail.NewMailer(ses, "no-reply@kabinet.example.ru", "")
	if err := m.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	subject := "Проверка доставки " + time.Now().Format(time.RFC3339Nano)
	id, err := m.Send(context.Background(), notify.Email{To: "citizen@kabinet.local", Subject: subject,
		Text: "Здравствуйте! Это проверочное письмо.", HTML: "<p>Здравствуйте! Это проверочное письмо.</p>"})
	if err != nil || id == "" {
		t.Fatalf("Send = %q, %v", id, err)
	}
	res, err := http.Get(st.SESURL + "/store")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var store struct {
		Emails []struct {
			MessageID   string                      `json:"messageId"`
			Subject     string                      `json:"subject"`
			Destination struct{ To []string }       `json:"destination"`
			Body        struct{ Text, HTML string } `json:"body"`
		} `json:"emails"`
	}
	if err := json.NewDecoder(res.Body).Decode(&store); err != nil {
		t.Fatal(err)
	}
	for _, e := range store.Emails {
		if e.Subject == subject {
			if len(e.Destination.To) != 1 || e.Destination.To[0] != "citizen@kabinet.local" || !strings.Contains(e.Body.Text, "проверочное") {
				t.Errorf("stored email = %+v", e)
			}
			return
		}
	}
	t.Errorf("the email %q is not in the SES viewer's store", subject)
}

// The emulator's refusals classify as SES's would: a message without a
// sender is refused for good and not retried, an unsigned request is not
// the message's fault.
func TestSESClientErrorsFromTheEmulator(t *testing.T) {
	ctx := context.Background()
	_, err := sesmail.NewMailer(sesmail.NewClient(st.AWSConfig(), st.SESURL), "", "").Send(ctx,
		notify.Email{To: "citizen@kabinet.local", Subject: "Без отправителя", Text: "Текст"})
	var api *sesmail.APIError
	if !errors.As(err, &api) || api.StatusCode != http.StatusBadRequest || !errors.Is(err, notify.ErrPermanent) {
		t.Errorf("Send without a sender = %v, want a permanent 400", err)
	}
	cfg := st.AWSConfig()
	cfg.Credentials = nil
	err = sesmail.NewClient(cfg, st.SESURL).GetAccount(ctx)
	if !errors.As(err, &api) || api.StatusCode != http.StatusForbidden || api.Permanent() {
		t.Errorf("GetAccount unsigned = %v, want a 403 that is not permanent", err)
	}
}
