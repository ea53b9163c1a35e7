// Package notify is the vocabulary of sending one message: an email, and
// the outcomes a sender reports (sent, retryable, permanent). It knows
// nothing of templates or preferences, and nothing of a provider: its
// adapters (notify/sesmail for email through SES v2, notify/snsmsg for SMS and push
// through SNS) deliver and classify, so a function links only the provider
// clients it uses.
package notify

import (
	"errors"
	"fmt"
)

// ErrPermanent marks a failure that retrying will not fix (a rejected
// address, a disabled push endpoint); anything else may be retried.
var ErrPermanent = errors.New("permanent delivery failure")

// ErrEndpointGone marks a push endpoint the provider reports as dead; the
// caller removes the device. It is also permanent.
var ErrEndpointGone = fmt.Errorf("push endpoint gone: %w", ErrPermanent)

// Email is one message to one address.
type Email struct {
	To      string
	Subject string
	Text    string
	HTML    string
}
