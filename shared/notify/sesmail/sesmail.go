// Package sesmail sends email through SES v2 (notify's email adapter) and
// classifies the outcome as sent, retryable or permanent.
//
// It calls SES's REST API with a client of its own (Client: SendEmail and
// GetAccount, signed with the SDK's SigV4 signer) instead of the SDK's
// sesv2 client, whose package builds schemas for all of SES's operations
// at every cold start of every function that links it (issue 10).
package sesmail

import (
	"context"
	"errors"
	"fmt"

	"github.com/kabinet/kabinet/shared/notify"
)

// EmailAPI is the part of SES used here.
type EmailAPI interface {
	// SendEmail sends one message and returns its id; an *APIError tells
	// SES's answer.
	SendEmail(context.Context, *SendEmailInput) (string, error)
	// GetAccount fails when SES does not answer for the account.
	GetAccount(context.Context) error
}

var _ EmailAPI = (*Client)(nil)

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
	return m.api.GetAccount(ctx)
}

// Send delivers one email and returns the provider's message id. An error
// wraps notify.ErrPermanent when SES refused the message in a way that
// sending it again cannot change (see APIError.Permanent).
func (m *Mailer) Send(ctx context.Context, e notify.Email) (string, error) {
	body := Body{Text: &Content{Data: e.Text, Charset: "UTF-8"}}
	if e.HTML != "" {
		body.HTML = &Content{Data: e.HTML, Charset: "UTF-8"}
	}
	id, err := m.api.SendEmail(ctx, &SendEmailInput{
		FromEmailAddress:     m.from,
		Destination:          Destination{ToAddresses: []string{e.To}},
		Content:              EmailContent{Simple: Message{Subject: Content{Data: e.Subject, Charset: "UTF-8"}, Body: body}},
		ConfigurationSetName: m.configSet,
	})
	if err != nil {
		var api *APIError
		if errors.As(err, &api) && api.Permanent() {
			return "", fmt.Errorf("send email: %w: %w", notify.ErrPermanent, err)
		}
		return "", fmt.Errorf("send email: %w", err)
	}
	return id, nil
}
