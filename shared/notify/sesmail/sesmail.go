// Package sesmail sends email through SES v2 (notify's email adapter) and
// classifies the outcome as sent, retryable or permanent.
package sesmail

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/kabinet/kabinet/shared/notify"
)

// EmailAPI is the part of the SES v2 client used here.
type EmailAPI interface {
	SendEmail(context.Context, *sesv2.SendEmailInput, ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
	GetAccount(context.Context, *sesv2.GetAccountInput, ...func(*sesv2.Options)) (*sesv2.GetAccountOutput, error)
}

var _ EmailAPI = (*sesv2.Client)(nil)

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
func (m *Mailer) Send(ctx context.Context, e notify.Email) (string, error) {
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
			return "", fmt.Errorf("send email: %w: %w", notify.ErrPermanent, err)
		}
		return "", fmt.Errorf("send email: %w", err)
	}
	return aws.ToString(out.MessageId), nil
}
