package snsmsg_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/kabinet/kabinet/infra/local/snsemu"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/notify"
	"github.com/kabinet/kabinet/shared/notify/snsmsg"
)

// newSNS runs the local SNS endpoint in-process and returns it with a real
// client; retries is the SDK's attempt count (1 shows every failure).
func newSNS(t *testing.T, retries int) (*snsemu.Server, *sns.Client) {
	t.Helper()
	emu := snsemu.New("eu-central-1")
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	client := sns.New(sns.Options{
		BaseEndpoint:     aws.String(srv.URL),
		Region:           "eu-central-1",
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		RetryMaxAttempts: retries,
	})
	return emu, client
}

func createApp(t *testing.T, client *sns.Client) string {
	t.Helper()
	out, err := client.CreatePlatformApplication(context.Background(), &sns.CreatePlatformApplicationInput{
		Name: aws.String("kabinet-android"), Platform: aws.String("GCM"),
		Attributes: map[string]string{"PlatformCredential": "server-key"},
	})
	if err != nil {
		t.Fatalf("CreatePlatformApplication: %v", err)
	}
	return aws.ToString(out.PlatformApplicationArn)
}

const pushMessage = `{"default":"Заявление принято","GCM":"{\"notification\":{\"title\":\"Кабинет\"}}"}`

func TestMessengerSMS(t *testing.T) {
	tests := []struct {
		name      string
		senderID  string
		wantAttrs map[string]string
	}{
		{"with sender id", "KABINET", map[string]string{"AWS.SNS.SMS.SMSType": "Transactional", "AWS.SNS.SMS.SenderID": "KABINET"}},
		{"without sender id", "", map[string]string{"AWS.SNS.SMS.SMSType": "Transactional"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu, client := newSNS(t, 1)
			m := snsmsg.NewMessenger(client, tt.senderID)
			id, err := m.SMS(context.Background(), "+79001234567", "Код: 123456")
			if err != nil {
				t.Fatalf("SMS() = %v", err)
			}
			msgs := emu.Messages()
			if len(msgs) != 1 {
				t.Fatalf("Messages() = %d messages, want 1", len(msgs))
			}
			got := msgs[0]
			if got.ID != id || got.Kind != "sms" || got.PhoneNumber != "+79001234567" || got.Message != "Код: 123456" {
				t.Errorf("message = %+v, want sms %s to +79001234567", got, id)
			}
			if len(got.Attributes) != len(tt.wantAttrs) {
				t.Errorf("attributes = %v, want %v", got.Attributes, tt.wantAttrs)
			}
			for k, v := range tt.wantAttrs {
				if got.Attributes[k] != v {
					t.Errorf("attribute %s = %q, want %q", k, got.Attributes[k], v)
				}
			}
		})
	}
}

func TestMessengerSMSInvalidPhoneIsPermanent(t *testing.T) {
	_, client := newSNS(t, 1)
	m := snsmsg.NewMessenger(client, "KABINET")
	_, err := m.SMS(context.Background(), "89001234567", "x")
	if !errors.Is(err, notify.ErrPermanent) {
		t.Errorf("SMS() to a malformed number = %v, want ErrPermanent", err)
	}
	if errors.Is(err, notify.ErrEndpointGone) {
		t.Errorf("SMS() = %v: an invalid number is not a dead push endpoint", err)
	}
}

func TestMessengerPushLifecycle(t *testing.T) {
	ctx := context.Background()
	emu, client := newSNS(t, 1)
	app := createApp(t, client)
	m := snsmsg.NewMessenger(client, "")

	arn, err := m.RegisterDevice(ctx, app, "device-token-1", "sub-1")
	if err != nil {
		t.Fatalf("RegisterDevice() = %v", err)
	}
	again, err := m.RegisterDevice(ctx, app, "device-token-1", "sub-1")
	if err != nil || again != arn {
		t.Errorf("RegisterDevice() of the same token = %q, %v; want %q, nil", again, err, arn)
	}
	other, err := m.RegisterDevice(ctx, app, "device-token-2", "sub-1")
	if err != nil || other == arn {
		t.Errorf("RegisterDevice() of another token = %q, %v; want a new ARN", other, err)
	}

	id, err := m.Push(ctx, arn, pushMessage)
	if err != nil {
		t.Fatalf("Push() = %v", err)
	}
	msgs := emu.Messages()
	if len(msgs) != 1 || msgs[0].ID != id || msgs[0].Kind != "push" || msgs[0].TargetArn != arn ||
		msgs[0].Structure != "json" || msgs[0].Message != pushMessage {
		t.Fatalf("Messages() = %+v, want one json push to %s", msgs, arn)
	}

	if _, err := client.SetEndpointAttributes(ctx, &sns.SetEndpointAttributesInput{
		EndpointArn: aws.String(arn), Attributes: map[string]string{"Enabled": "false"},
	}); err != nil {
		t.Fatalf("SetEndpointAttributes: %v", err)
	}
	_, err = m.Push(ctx, arn, pushMessage)
	if !errors.Is(err, notify.ErrEndpointGone) || !errors.Is(err, notify.ErrPermanent) {
		t.Errorf("Push() to a disabled endpoint = %v, want ErrEndpointGone (and ErrPermanent)", err)
	}

	if err := m.UnregisterDevice(ctx, other); err != nil {
		t.Fatalf("UnregisterDevice() = %v", err)
	}
	if _, err := m.Push(ctx, other, pushMessage); !errors.Is(err, notify.ErrEndpointGone) {
		t.Errorf("Push() after UnregisterDevice = %v, want ErrEndpointGone", err)
	}
	if n := len(emu.Messages()); n != 1 {
		t.Errorf("Messages() = %d, want only the first push delivered", n)
	}
}

func TestMessengerRegisterDeviceUnknownApp(t *testing.T) {
	_, client := newSNS(t, 1)
	m := snsmsg.NewMessenger(client, "")
	_, err := m.RegisterDevice(context.Background(), "arn:aws:sns:eu-central-1:000000000000:app/GCM/none", "tok", "")
	if err == nil {
		t.Fatal("RegisterDevice() with an unknown application = nil, want an error")
	}
}

func TestMessengerTransientFailure(t *testing.T) {
	tests := []struct {
		name    string
		retries int
		wantErr bool
	}{
		{"single attempt shows a retryable error", 1, true},
		{"the SDK's own retry absorbs one failure", 3, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			emu, client := newSNS(t, tt.retries)
			m := snsmsg.NewMessenger(client, "")
			emu.FailNextPublishes(1)
			_, err := m.SMS(ctx, "+79001234567", "first")
			if (err != nil) != tt.wantErr {
				t.Fatalf("SMS() = %v, want error %v", err, tt.wantErr)
			}
			if errors.Is(err, notify.ErrPermanent) {
				t.Errorf("SMS() = %v: a 500 from SNS must stay retryable, not ErrPermanent", err)
			}
			if _, err := m.SMS(ctx, "+79001234567", "second"); err != nil {
				t.Errorf("next SMS() = %v, want nil", err)
			}
			want := 2
			if tt.wantErr {
				want = 1
			}
			if n := len(emu.Messages()); n != want {
				t.Errorf("Messages() = %d, want %d", n, want)
			}
		})
	}
}

func TestMessengerPingTopic(t *testing.T) {
	emu, client := newSNS(t, 1)
	m := snsmsg.NewMessenger(client, "")
	arn := emu.CreateTopic("notifications")
	if err := m.PingTopic(context.Background(), arn); err != nil {
		t.Errorf("PingTopic() = %v", err)
	}
	if err := m.PingTopic(context.Background(), arn+"-missing"); err == nil {
		t.Errorf("PingTopic() of a missing topic = nil, want an error")
	}
}

// The messenger registers the devices of the inbox's device service.
var _ inbox.Endpoints = (*snsmsg.Messenger)(nil)
