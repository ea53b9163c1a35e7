package sesmail

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"
	"github.com/kabinet/kabinet/shared/notify"
)

// fakeEmail is a hand-written EmailAPI whose behaviour each test sets.
type fakeEmail struct {
	sendEmail  func(context.Context, *sesv2.SendEmailInput) (*sesv2.SendEmailOutput, error)
	getAccount func(context.Context, *sesv2.GetAccountInput) (*sesv2.GetAccountOutput, error)
}

var _ EmailAPI = (*fakeEmail)(nil)

func (f *fakeEmail) SendEmail(ctx context.Context, in *sesv2.SendEmailInput, _ ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	return f.sendEmail(ctx, in)
}

func (f *fakeEmail) GetAccount(ctx context.Context, in *sesv2.GetAccountInput, _ ...func(*sesv2.Options)) (*sesv2.GetAccountOutput, error) {
	return f.getAccount(ctx, in)
}

func content(c *sestypes.Content) (data, charset string) {
	if c == nil {
		return "<nil>", "<nil>"
	}
	return aws.ToString(c.Data), aws.ToString(c.Charset)
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
			var got *sesv2.SendEmailInput
			fake := &fakeEmail{sendEmail: func(_ context.Context, in *sesv2.SendEmailInput) (*sesv2.SendEmailOutput, error) {
				got = in
				return &sesv2.SendEmailOutput{MessageId: aws.String("msg-1")}, nil
			}}
			m := NewMailer(fake, "no-reply@kabinet.example.ru", tt.configSet)
			id, err := m.Send(context.Background(), tt.email)
			if err != nil || id != "msg-1" {
				t.Fatalf("Send() = %q, %v; want msg-1, nil", id, err)
			}
			if from := aws.ToString(got.FromEmailAddress); from != "no-reply@kabinet.example.ru" {
				t.Errorf("From = %q, want no-reply@kabinet.example.ru", from)
			}
			if got.Destination == nil || len(got.Destination.ToAddresses) != 1 || got.Destination.ToAddresses[0] != tt.email.To ||
				len(got.Destination.CcAddresses)+len(got.Destination.BccAddresses) != 0 {
				t.Errorf("Destination = %+v, want only To %s", got.Destination, tt.email.To)
			}
			if cs := aws.ToString(got.ConfigurationSetName); cs != tt.configSet {
				t.Errorf("ConfigurationSetName = %q, want %q", cs, tt.configSet)
			}
			if got.Content == nil || got.Content.Simple == nil || got.Content.Simple.Body == nil {
				t.Fatalf("Content = %+v, want a simple message", got.Content)
			}
			msg := got.Content.Simple
			if d, cs := content(msg.Subject); d != tt.email.Subject || cs != "UTF-8" {
				t.Errorf("Subject = %q (%s), want %q (UTF-8)", d, cs, tt.email.Subject)
			}
			if d, cs := content(msg.Body.Text); d != tt.email.Text || cs != "UTF-8" {
				t.Errorf("Text = %q (%s), want %q (UTF-8)", d, cs, tt.email.Text)
			}
			if !tt.wantHTML {
				if msg.Body.Html != nil {
					t.Errorf("Html = %+v, want none", msg.Body.Html)
				}
				return
			}
			if d, cs := content(msg.Body.Html); d != tt.email.HTML || cs != "UTF-8" {
				t.Errorf("Html = %q (%s), want %q (UTF-8)", d, cs, tt.email.HTML)
			}
		})
	}
}

func TestMailerSendErrors(t *testing.T) {
	tests := []struct {
		name          string
		err           error
		wantPermanent bool
	}{
		{"message rejected", &sestypes.MessageRejected{Message: aws.String("Email address is not verified")}, true},
		{"message rejected inside an operation error",
			&smithy.OperationError{ServiceID: "SESv2", OperationName: "SendEmail", Err: &sestypes.MessageRejected{}}, true},
		{"bad request", &sestypes.BadRequestException{Message: aws.String("Missing required header 'To'")}, true},
		{"throttled", &sestypes.TooManyRequestsException{}, false},
		{"sending paused", &sestypes.SendingPausedException{}, false},
		{"network failure", errors.New("dial tcp: connection refused"), false},
		{"generic api error", &smithy.GenericAPIError{Code: "InternalFailure"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeEmail{sendEmail: func(context.Context, *sesv2.SendEmailInput) (*sesv2.SendEmailOutput, error) {
				return nil, tt.err
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
			fake := &fakeEmail{getAccount: func(context.Context, *sesv2.GetAccountInput) (*sesv2.GetAccountOutput, error) {
				if tt.err != nil {
					return nil, tt.err
				}
				return &sesv2.GetAccountOutput{}, nil
			}}
			if err := NewMailer(fake, "f", "").Ping(context.Background()); !errors.Is(err, tt.err) {
				t.Errorf("Ping() = %v, want %v", err, tt.err)
			}
		})
	}
}
