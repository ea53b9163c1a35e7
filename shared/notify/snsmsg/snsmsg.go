// Package snsmsg sends SMS and push through SNS (notify's adapter for them),
// registers push devices as platform endpoints, and classifies the outcome
// as sent, retryable, permanent or a dead endpoint.
package snsmsg

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/kabinet/kabinet/shared/notify"
)

// SNSAPI is the part of the SNS client used here.
type SNSAPI interface {
	Publish(context.Context, *awssns.PublishInput, ...func(*awssns.Options)) (*awssns.PublishOutput, error)
	CreatePlatformEndpoint(context.Context, *awssns.CreatePlatformEndpointInput, ...func(*awssns.Options)) (*awssns.CreatePlatformEndpointOutput, error)
	DeleteEndpoint(context.Context, *awssns.DeleteEndpointInput, ...func(*awssns.Options)) (*awssns.DeleteEndpointOutput, error)
	GetTopicAttributes(context.Context, *awssns.GetTopicAttributesInput, ...func(*awssns.Options)) (*awssns.GetTopicAttributesOutput, error)
}

var _ SNSAPI = (*awssns.Client)(nil)

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
	_, err := m.api.GetTopicAttributes(ctx, &awssns.GetTopicAttributesInput{TopicArn: aws.String(topicARN)})
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
	out, err := m.api.Publish(ctx, &awssns.PublishInput{PhoneNumber: aws.String(phone), Message: aws.String(text), MessageAttributes: attrs})
	if err != nil {
		return "", classifySNS("send sms", err, false)
	}
	return aws.ToString(out.MessageId), nil
}

// Push sends a platform message (the JSON of per-platform payloads) to an endpoint.
func (m *Messenger) Push(ctx context.Context, endpointARN, message string) (string, error) {
	out, err := m.api.Publish(ctx, &awssns.PublishInput{TargetArn: aws.String(endpointARN), Message: aws.String(message), MessageStructure: aws.String("json")})
	if err != nil {
		return "", classifySNS("send push", err, true)
	}
	return aws.ToString(out.MessageId), nil
}

// RegisterDevice creates (or finds, SNS being idempotent on the same token)
// the platform endpoint of a device token.
func (m *Messenger) RegisterDevice(ctx context.Context, platformARN, token, userData string) (string, error) {
	out, err := m.api.CreatePlatformEndpoint(ctx, &awssns.CreatePlatformEndpointInput{
		PlatformApplicationArn: aws.String(platformARN), Token: aws.String(token), CustomUserData: aws.String(userData),
	})
	if err != nil {
		return "", classifySNS("register device", err, false)
	}
	return aws.ToString(out.EndpointArn), nil
}

// UnregisterDevice deletes a platform endpoint.
func (m *Messenger) UnregisterDevice(ctx context.Context, endpointARN string) error {
	_, err := m.api.DeleteEndpoint(ctx, &awssns.DeleteEndpointInput{EndpointArn: aws.String(endpointARN)})
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
		return fmt.Errorf("%s: %w: %w", op, notify.ErrEndpointGone, err)
	case errors.As(err, &disabled), errors.As(err, &notFound):
		return fmt.Errorf("%s: %w: %w", op, notify.ErrPermanent, err)
	case errors.As(err, &invalid), errors.As(err, &optedOut):
		return fmt.Errorf("%s: %w: %w", op, notify.ErrPermanent, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}
