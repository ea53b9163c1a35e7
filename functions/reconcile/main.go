// Command reconcile runs every few minutes and settles the payments left
// open: a payment whose creation got no answer, or whose notification never
// came, is asked of the provider and settled exactly once; one still open
// after a day is flagged for an operator. Refunds a failure cut short are
// finished the same way: money found not owed is refunded, a refund whose
// answer never came is asked again under its own key.
package main

import (
	"context"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/blob/s3blob"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/issued"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/payments"
	"github.com/kabinet/kabinet/shared/payments/receiptpdf"
	"github.com/kabinet/kabinet/shared/payments/yookassa"
	"github.com/kabinet/kabinet/shared/vault"
	"github.com/kabinet/kabinet/shared/vault/kmsseal"
)

func main() {
	base, err := app.Load(context.Background())
	app.Must(nil, err)
	env, cfg := base.Env, base.AWS
	table, bucket := env.String(config.TableName), env.String(config.BucketName)
	indexSecret, signingKey, portal := env.String(config.IndexKeySecret), env.String(config.SigningKeyID), env.String(config.PortalURL)
	fieldKey := env.String(config.FieldKeyID)
	acceptTest := env.Optional(config.AcceptTestPayments, "false") == "true"
	after := env.Duration(config.ReconcileAfter, 5*time.Minute)
	apiURL, shop, shopKey := env.Optional(config.YooKassaAPIURL, yookassa.DefaultBaseURL), env.String(config.YooKassaShopID), env.String(config.YooKassaSecretKeySecret)
	app.Must(base.Log, env.Err())

	db := dynamo.New(dynamodb.NewFromConfig(cfg), table)
	secrets := secretsmanager.NewFromConfig(cfg)
	keys := vault.NewKeyring(secrets, indexSecret)
	kmsClient := kms.NewFromConfig(cfg)
	// The payer's name on a receipt is read from the account (no sealed
	// field is opened for it); a linked card's provider id is opened to
	// create its payment again.
	sealer := kmsseal.NewSealer(kmsClient, fieldKey)
	people, err := accounts.NewProfiles(accounts.Deps{DB: db, Sealer: sealer, Clock: base.Clock})
	app.Must(base.Log, err)
	provider, err := yookassa.New(yookassa.Config{BaseURL: apiURL, ShopID: shop, Secret: yookassa.ManagedSecretKey(secrets, shopKey),
		Timeout: 5 * time.Second})
	app.Must(base.Log, err)
	d := payments.Deps{DB: db, Keys: keys, Clock: base.Clock, People: people, Inbox: &inbox.Store{DB: db}, Reads: &accesslog.Log{DB: db, Clock: base.Clock},
		Journal: &journal.Journal{DB: db, Key: keys, Clock: base.Clock}, Provider: provider, Refunder: provider, Sealer: sealer,
		Receipts: &issued.Service{DB: db, Objects: s3blob.New(s3.NewFromConfig(cfg), bucket), Renderer: receiptpdf.Renderer{},
			Signer: &issued.KMSSigner{Client: kmsClient, KeyID: signingKey}, PortalURL: portal},
		PortalURL: portal, TestPayments: acceptTest}
	pays, err := payments.NewPayments(d)
	app.Must(base.Log, err)
	refunds, err := payments.NewRefunds(d)
	app.Must(base.Log, err)
	h := &handler{payments: pays, refunds: refunds, after: after, log: base.Log}
	lambda.StartHandlerFunc(h.handle)
}
