// Package notify sends email through SES (v2) and SMS and push through SNS.
// It knows nothing of templates or preferences: callers render the message
// and decide the channel; this package delivers one message and classifies
// the outcome as sent, retryable or permanent.
package notify

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// ErrPermanent marks a failure that retrying will not fix (a rejected
// address, a disabled push endpoint); anything else may be retried.
var ErrPermanent = errors.New("permanent delivery failure")

// ErrEndpointGone marks a push endpoint the provider reports as dead; the
// caller removes the device. It is also permanent.
var ErrEndpointGone = fmt.Errorf("push endpoint gone: %w", ErrPermanent)

// EmailAPI is the part of the SES v2 client used here.
type EmailAPI interface {
	SendEmail(context.Context, *sesv2.SendEmailInput, ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
	GetAccount(context.Context, *sesv2.GetAccountInput, ...func(*sesv2.Options)) (*sesv2.GetAccountOutput, error)
}

// SNSAPI is the part of the SNS client used here.
type SNSAPI interface {
	Publish(context.Context, *sns.PublishInput, ...func(*sns.Options)) (*sns.PublishOutput, error)
	CreatePlatformEndpoint(context.Context, *sns.CreatePlatformEndpointInput, ...func(*sns.Options)) (*sns.CreatePlatformEndpointOutput, error)
	DeleteEndpoint(context.Context, *sns.DeleteEndpointInput, ...func(*sns.Options)) (*sns.DeleteEndpointOutput, error)
	GetTopicAttributes(context.Context, *sns.GetTopicAttributesInput, ...func(*sns.Options)) (*sns.GetTopicAttributesOutput, error)
}

var (
	_ EmailAPI = (*sesv2.Client)(nil)
	_ SNSAPI   = (*sns.Client)(nil)
)

// Email is one message to one address.
type Email struct {
	To      string
	Subject string
	Text    string
	HTML    string
}

// Mailer sends email through SES.
type Mailer struct {
	api       EmailAPI
	from      string
	configSet string
}

// NewMailer returns a mailer sending from the given address.
func NewMailer(api EmailAPI, from, configSet string) *Mailer {
	return &Mailer{api: api, from: from, configSet: configSet}
}

// Ping checks that SES answers for the account.
func (m *Mailer) Ping(ctx context.Context) error {
	_, err := m.api.GetAccount(ctx, &sesv2.GetAccountInput{})
	return err
}

// Send delivers one email and returns the provider's message id.
func (m *Mailer) Send(ctx context.Context, e Email) (string, error) {
	body := &sestypes.Body{Text: &sestypes.Content{Data: aws.String(e.Text), Charset: aws.String("UTF-8")}}
	if e.HTML != "" {
		body.Html = &sestypes.Content{Data: aws.String(e.HTML), Charset: aws.String("UTF-8")}
	}
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(m.from),
		Destination:      &sestypes.Destination{ToAddresses: []string{e.To}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String(e.Subject), Charset: aws.String("UTF-8")},
			Body:    body,
		}},
	}
	if m.configSet != "" {
		in.ConfigurationSetName = aws.String(m.configSet)
	}
	out, err := m.api.SendEmail(ctx, in)
	if err != nil {
		var rej *sestypes.MessageRejected
		var bad *sestypes.BadRequestException
		if errors.As(err, &rej) || errors.As(err, &bad) {
			return "", fmt.Errorf("send email: %w: %w", ErrPermanent, err)
		}
		return "", fmt.Errorf("send email: %w", err)
	}
	return aws.ToString(out.MessageId), nil
}

// Messenger sends SMS and push through SNS.
type Messenger struct {
	api      SNSAPI
	senderID string
}

// NewMessenger returns a messenger whose SMS carry senderID.
func NewMessenger(api SNSAPI, senderID string) *Messenger {
	return &Messenger{api: api, senderID: senderID}
}

// PingTopic checks that SNS answers for a topic.
func (m *Messenger) PingTopic(ctx context.Context, topicARN string) error {
	_, err := m.api.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(topicARN)})
	return err
}

// SMS sends a transactional text message to an E.164 phone number.
func (m *Messenger) SMS(ctx context.Context, phone, text string) (string, error) {
	attrs := map[string]snstypes.MessageAttributeValue{
		"AWS.SNS.SMS.SMSType": {DataType: aws.String("String"), StringValue: aws.String("Transactional")},
	}
	if m.senderID != "" {
		attrs["AWS.SNS.SMS.SenderID"] = snstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(m.senderID)}
	}
	out, err := m.api.Publish(ctx, &sns.PublishInput{PhoneNumber: aws.String(phone), Message: aws.String(text), MessageAttributes: attrs})
	if err != nil {
		return "", classifySNS("send sms", err, false)
	}
	return aws.ToString(out.MessageId), nil
}

// Push sends a platform message (the JSON of per-platform payloads) to an endpoint.
func (m *Messenger) Push(ctx context.Context, endpointARN, message string) (string, error) {
	out, err := m.api.Publish(ctx, &sns.PublishInput{TargetArn: aws.String(endpointARN), Message: aws.String(message), MessageStructure: aws.String("json")})
	if err != nil {
		return "", classifySNS("send push", err, true)
	}
	return aws.ToString(out.MessageId), nil
}

// RegisterDevice creates (or finds, SNS being idempotent on the same token)
// the platform endpoint of a device token.
func (m *Messenger) RegisterDevice(ctx context.Context, platformARN, token, userData string) (string, error) {
	out, err := m.api.CreatePlatformEndpoint(ctx, &sns.CreatePlatformEndpointInput{
		PlatformApplicationArn: aws.String(platformARN), Token: aws.String(token), CustomUserData: aws.String(userData),
	})
	if err != nil {
		return "", classifySNS("register device", err, false)
	}
	return aws.ToString(out.EndpointArn), nil
}

// UnregisterDevice deletes a platform endpoint.
func (m *Messenger) UnregisterDevice(ctx context.Context, endpointARN string) error {
	_, err := m.api.DeleteEndpoint(ctx, &sns.DeleteEndpointInput{EndpointArn: aws.String(endpointARN)})
	if err != nil {
		return classifySNS("unregister device", err, true)
	}
	return nil
}

// classifySNS sorts an SNS failure. NotFound and EndpointDisabled mean a dead
// device only when the call targeted an endpoint; elsewhere (a topic, a
// platform application) they are permanent configuration errors.
func classifySNS(op string, err error, endpoint bool) error {
	var disabled *snstypes.EndpointDisabledException
	var notFound *snstypes.NotFoundException
	var invalid *snstypes.InvalidParameterException
	var optedOut *snstypes.InvalidParameterValueException
	switch {
	case endpoint && (errors.As(err, &disabled) || errors.As(err, &notFound)):
		return fmt.Errorf("%s: %w: %w", op, ErrEndpointGone, err)
	case errors.As(err, &disabled), errors.As(err, &notFound):
		return fmt.Errorf("%s: %w: %w", op, ErrPermanent, err)
	case errors.As(err, &invalid), errors.As(err, &optedOut):
		return fmt.Errorf("%s: %w: %w", op, ErrPermanent, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}
