// Package contactbook tells the deliverer where a person can be reached:
// the phone and email of their account. It reads those three attributes of
// the account item itself, so the deliver function links none of the
// account services and their clients (KMS, Cognito, S3). The account
// services write the item; a test of theirs holds the names equal.
package contactbook

import (
	"context"

	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
)

// Book reads contacts from the table.
type Book struct{ DB *dynamo.Store }

var _ inbox.ContactSource = Book{}

// contacts is the part of the account item a delivery needs.
type contacts struct {
	Phone          string `dynamodbav:"Phone"`
	Email          string `dynamodbav:"Email"`
	EmailConfirmed bool   `dynamodbav:"EmailConfirmed"`
}

// Contacts returns the account's phone and email; an unknown account is
// NotFound.
func (b Book) Contacts(ctx context.Context, sub string) (inbox.Contacts, error) {
	var c contacts
	if err := b.DB.Get(ctx, dynamo.AccountKey(sub), "учётная запись", &c); err != nil {
		return inbox.Contacts{}, err
	}
	return inbox.Contacts{Email: c.Email, EmailConfirmed: c.EmailConfirmed, Phone: c.Phone}, nil
}
