// Command autopay runs on a schedule and pays the autopays that are due:
// the charges that matched a person's autopay rule and were noticed a day
// before, each paid once with the rule's linked card whatever runs
// overlap, within the rule's maxima and the person's payment limits; what
// cannot be paid ends failed with a note.
package main

import (
	"context"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

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
	limits := payments.Limits{PerPayment: int64(env.Int(config.PaymentLimitPerPayment, 0)), PerDay: int64(env.Int(config.PaymentLimitPerDay, 0)),
		PerMonth: int64(env.Int(config.PaymentLimitPerMonth, 0))}
	apiURL, shop, shopKey := env.Optional(config.YooKassaAPIURL, yookassa.DefaultBaseURL), env.String(config.YooKassaShopID), env.String(config.YooKassaSecretKeySecret)
	app.Must(base.Log, env.Err())

	db := dynamo.New(dynamodb.NewFromConfig(cfg), table)
	secrets := secretsmanager.NewFromConfig(cfg)
	keys := vault.NewKeyring(secrets, indexSecret)
	kmsClient := kms.NewFromConfig(cfg)
	sealer := kmsseal.NewSealer(kmsClient, fieldKey)
	// The payer's name on a receipt is read from the account; the card's
	// provider id is opened only to charge it.
	people, err := accounts.NewProfiles(accounts.Deps{DB: db, Sealer: sealer, Clock: base.Clock})
	app.Must(base.Log, err)
	provider, err := yookassa.New(yookassa.Config{BaseURL: apiURL, ShopID: shop, Secret: yookassa.ManagedSecretKey(secrets, shopKey),
		Timeout: 5 * time.Second})
	app.Must(base.Log, err)
	autopays, err := payments.NewAutopays(payments.Deps{DB: db, Keys: keys, Clock: base.Clock, People: people, Inbox: &inbox.Store{DB: db},
		Journal: &journal.Journal{DB: db, Key: keys, Clock: base.Clock}, Provider: provider, Sealer: sealer,
		Receipts: &issued.Service{DB: db, Objects: s3blob.New(s3.NewFromConfig(cfg), bucket), Renderer: receiptpdf.Renderer{},
			Signer: &issued.KMSSigner{Client: kmsClient, KeyID: signingKey}, PortalURL: portal},
		Limits: limits, PortalURL: portal, TestPayments: acceptTest})
	app.Must(base.Log, err)
	h := &handler{autopays: autopays, log: base.Log}
	lambda.StartHandlerFunc(h.handle)
}
