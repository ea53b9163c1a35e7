// Package payments is what a person owes and pays: charges that agencies
// post by УИН (fines, taxes, duties, utility bills, enforcement debts),
// found for the person through the blind index of their payer identifiers
// (SNILS, INN, driver licence, vehicle registration certificate, utility
// accounts), and payments through an acquirer behind the Provider port,
// settled once whatever the provider reports twice or never, with a signed
// receipt for each.
package payments

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/issued"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/vault"
)

// KeySource gives the blind index: vault.Keyring reads its secret on first
// use.
type KeySource interface {
	Keys(ctx context.Context) (vault.Keys, error)
}

// People is what payments needs of accounts: who holds a SNILS or an INN
// (by its blind-index hash), and a person's own.
type People interface {
	// HolderOf is the account that claimed the identifier (kind "snils" or
	// "inn"), with its level; NotFound when nobody did.
	HolderOf(ctx context.Context, kind, hash string) (sub string, level accounts.Level, err error)
	// PayerKeys are a person's level and the hashes of their SNILS and INN
	// ("" when none).
	PayerKeys(ctx context.Context, sub string) (accounts.PayerKeys, error)
	// FullName is the person's name (the payer's on a receipt).
	FullName(ctx context.Context, sub string) (accounts.FullName, error)
}

// Inbox puts notes in a person's inbox, in the transaction of the change.
type Inbox interface {
	Add(tx *dynamo.Tx, n inbox.Note, now time.Time) (string, error)
}

// Receipts issue the signed receipt of a payment.
type Receipts interface {
	Issue(ctx context.Context, r issued.Request) (*issued.Result, error)
	Discard(ctx context.Context, r *issued.Result) error
}

// Signatures confirm a large payment with a one-time code.
type Signatures interface {
	StartSignature(ctx context.Context, sub, docID string, version int64, content string) (accounts.SignaturePending, error)
	CheckSignature(ctx context.Context, sub, docID string, version int64, content, code string) (func(*dynamo.Tx), error)
}

// Sealer seals what must never be read from the table (a saved card's id
// at the provider); vault/kmsseal's Sealer is the real one.
type Sealer interface {
	Seal(ctx context.Context, plaintext []byte, context map[string]string) (string, error)
	Open(ctx context.Context, sealed string, context map[string]string) ([]byte, error)
}

var (
	_ People     = (*accounts.Profiles)(nil)
	_ Inbox      = (*inbox.Store)(nil)
	_ Receipts   = (*issued.Service)(nil)
	_ Signatures = (*accounts.Signatures)(nil)
	_ KeySource  = (*vault.Keyring)(nil)
)

// Deps are what the payments services are built on; each constructor names
// what it lacks.
type Deps struct {
	DB    *dynamo.Store
	Keys  KeySource
	Clock clock.Clock
	// People find the holders of a SNILS or an INN.
	People People
	Inbox  Inbox
	// Journal records payments in the person's activity journal.
	Journal *journal.Journal
	// Provider is the acquirer.
	Provider Provider
	// Refunder returns money through the acquirer (its adapter is
	// Provider's). Without it the services that find money not owed
	// record its refunds and leave them to the reconciliation.
	Refunder Refunder
	Receipts Receipts
	// Signatures confirm payments above ConfirmAbove and linked cards.
	Signatures Signatures
	// Sealer seals the provider's ids of saved payment methods: Methods
	// need it, and so do payments with a saved card.
	Sealer Sealer
	// ConfirmAbove is the total (kopecks) above which a payment needs a
	// one-time code; 0 never asks.
	ConfirmAbove int64
	// PortalURL is where the person returns after paying
	// (<PortalURL>/payments/<id>).
	PortalURL string
	// Limits bound what a person pays (0 each: none); a person may set
	// their own lower.
	Limits Limits
	// ProviderMax is the most one payment may be at the provider (0: no
	// bound); a charge above it is paid in parts.
	ProviderMax int64
	// TestPayments accepts payments the provider marks as test ones (a
	// test shop: the local stack, a staging deployment); a production
	// deployment flags them instead of crediting anything.
	TestPayments bool
	// Reads record in a person's access log that an agency's charge was
	// matched to them by a payer identifier, with the link (nil: not
	// recorded — tests and tools that link nothing).
	Reads Reads
}

// Reads add the record of a read of a person's data to a transaction
// (accesslog.Log).
type Reads interface {
	RecordTx(tx *dynamo.Tx, r accesslog.Read) error
}

var _ Reads = (*accesslog.Log)(nil)

func (d Deps) need(service string, names ...string) error {
	set := map[string]bool{"DB": d.DB != nil, "Clock": d.Clock != nil, "Keys": d.Keys != nil, "People": d.People != nil,
		"Inbox": d.Inbox != nil, "Journal": d.Journal != nil, "Provider": d.Provider != nil, "Receipts": d.Receipts != nil,
		"Signatures": d.Signatures != nil, "PortalURL": d.PortalURL != "", "Sealer": d.Sealer != nil, "Refunder": d.Refunder != nil}
	var missing []string
	for _, n := range append([]string{"DB", "Clock"}, names...) {
		if !set[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("payments: %s needs %s", service, strings.Join(missing, ", "))
	}
	return nil
}

// Charges are the charges agencies post and people owe: an agency's
// upsert, cancellation and read of its own; a person's list, card and
// look-up by УИН; the links between them.
type Charges struct{ d Deps }

// NewCharges needs Keys, People and Inbox.
func NewCharges(d Deps) (*Charges, error) {
	if err := d.need("Charges", "Keys", "People", "Inbox"); err != nil {
		return nil, err
	}
	return &Charges{d}, nil
}

func (c *Charges) index(ctx context.Context) (*vault.Index, error) {
	k, err := c.d.Keys.Keys(ctx)
	if err != nil {
		return nil, err
	}
	return k.Index, nil
}
