package sesmail

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/kabinet/kabinet/shared/notify"
)

// fakeEmail is a hand-written EmailAPI whose behaviour each test sets.
type fakeEmail struct {
	sendEmail  func(context.Context, *SendEmailInput) (string, error)
	getAccount func(context.Context) error
}

var _ EmailAPI = (*fakeEmail)(nil)

func (f *fakeEmail) SendEmail(ctx context.Context, in *SendEmailInput) (string, error) {
	return f.sendEmail(ctx, in)
}

func (f *fakeEmail) GetAccount(ctx context.Context) error { return f.getAccount(ctx) }

func content(c *Content) (data, charset string) {
	if c == nil {
		return "<nil>", "<nil>"
	}
	return c.Data, c.Charset
}

func TestMailerSendInput(t *testing.T) {
	tests := []struct {
		name      string
		configSet string
		email     notify.Email
		wantHTML  bool
	}{
		{"text and html with a configuration set", "kabinet-events",
			notify.Email{To: "ivan@example.ru", Subject: "Заявление № 1 принято", Text: "Здравствуйте!", HTML: "<p>Здравствуйте!</p>"}, true},
		{"text only without a configuration set", "",
			notify.Email{To: "ivan@example.ru", Subject: "Код", Text: "123456"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *SendEmailInput
			fake := &fakeEmail{sendEmail: func(_ context.Context, in *SendEmailInput) (string, error) {
				got = in
				return "msg-1", nil
			}}
			m := NewMailer(fake, "no-reply@kabinet.example.ru", tt.configSet)
			id, err := m.Send(context.Background(), tt.email)
			if err != nil || id != "msg-1" {
				t.Fatalf("Send() = %q, %v; want msg-1, nil", id, err)
			}
			if got.FromEmailAddress != "no-reply@kabinet.example.ru" {
				t.Errorf("From = %q, want no-reply@kabinet.example.ru", got.FromEmailAddress)
			}
			if to := got.Destination.ToAddresses; len(to) != 1 || to[0] != tt.email.To {
				t.Errorf("Destination = %+v, want only To %s", got.Destination, tt.email.To)
			}
			if got.ConfigurationSetName != tt.configSet {
				t.Errorf("ConfigurationSetName = %q, want %q", got.ConfigurationSetName, tt.configSet)
			}
			msg := got.Content.Simple
			if d, cs := content(&msg.Subject); d != tt.email.Subject || cs != "UTF-8" {
				t.Errorf("Subject = %q (%s), want %q (UTF-8)", d, cs, tt.email.Subject)
			}
			if d, cs := content(msg.Body.Text); d != tt.email.Text || cs != "UTF-8" {
				t.Errorf("Text = %q (%s), want %q (UTF-8)", d, cs, tt.email.Text)
			}
			if !tt.wantHTML {
				if msg.Body.HTML != nil {
					t.Errorf("Html = %+v, want none", msg.Body.HTML)
				}
				return
			}
			if d, cs := content(msg.Body.HTML); d != tt.email.HTML || cs != "UTF-8" {
				t.Errorf("Html = %q (%s), want %q (UTF-8)", d, cs, tt.email.HTML)
			}
		})
	}
}

func TestMailerSendErrors(t *testing.T) {
	api := func(status int, code string) error {
		return &APIError{Operation: "SendEmail", StatusCode: status, Code: code, Message: "about ivan@example.ru"}
	}
	tests := []struct {
		name          string
		err           error
		wantPermanent bool
	}{
		{"message rejected", api(400, "MessageRejected"), true},
		{"message rejected, wrapped", fmt.Errorf("after 1 attempt: %w", api(400, "MessageRejected")), true},
		{"bad request", api(400, "BadRequestException"), true},
		{"account suspended", api(400, "AccountSuspendedException"), true},
		{"configuration set not found", api(404, "NotFoundException"), true},
		{"a 400 naming no error type", api(400, ""), true},
		{"sending paused", api(400, "SendingPausedException"), false},
		{"MAIL FROM domain not verified", api(400, "MailFromDomainNotVerifiedException"), false},
		{"throttled", api(429, "TooManyRequestsException"), false},
		{"access denied", api(403, "AccessDeniedException"), false},
		{"internal failure", api(500, "InternalFailure"), false},
		{"network failure", &sendError{op: "SendEmail", err: errors.New("dial tcp: connection refused")}, false},
		{"context ended", context.DeadlineExceeded, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeEmail{sendEmail: func(context.Context, *SendEmailInput) (string, error) {
				return "", tt.err
			}}
			_, err := NewMailer(fake, "from@example.ru", "").Send(context.Background(), notify.Email{To: "a@example.ru", Subject: "s", Text: "t"})
			if err == nil {
				t.Fatal("Send() = nil, want an error")
			}
			if got := errors.Is(err, notify.ErrPermanent); got != tt.wantPermanent {
				t.Errorf("errors.Is(%v, notify.ErrPermanent) = %v, want %v", err, got, tt.wantPermanent)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("Send() = %v, want it to wrap the cause", err)
			}
		})
	}
}

func TestMailerPing(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		err  error
	}{
		{"answers", nil},
		{"fails", boom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeEmail{getAccount: func(context.Context) error { return tt.err }}
			if err := NewMailer(fake, "f", "").Ping(context.Background()); !errors.Is(err, tt.err) {
				t.Errorf("Ping() = %v, want %v", err, tt.err)
			}
		})
	}
}
