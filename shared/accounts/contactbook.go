package accounts

import (
	"context"

	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
)

// ContactBook tells the deliverer where a person can be reached.
type ContactBook struct{ DB *dynamo.Store }

var _ inbox.ContactSource = ContactBook{}

// Contacts returns the account's phone and email.
func (b ContactBook) Contacts(ctx context.Context, sub string) (inbox.Contacts, error) {
	var acc accountItem
	if err := b.DB.Get(ctx, dynamo.AccountKey(sub), "учётная запись", &acc); err != nil {
		return inbox.Contacts{}, err
	}
	return inbox.Contacts{Email: acc.Email, EmailConfirmed: acc.EmailConfirmed, Phone: acc.Phone}, nil
}
