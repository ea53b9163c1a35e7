// Command payments serves what a person owes and pays: the charges agency
// systems post by УИН (machine to machine, each agency its own), the
// person's charges found by their payer identifiers, «Мои автомобили» and
// utility accounts, payments through the acquirer (ЮKassa's API) once per
// Idempotency-Key, the provider's notifications (public, believed only as
// fetched back), signed receipts, the history, its CSV and a PDF statement,
// and refunds of money not owed (automatic, and on the payer's request).
package main

import (
	"context"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/blob/s3blob"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/issued"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/notify/snsmsg"
	"github.com/kabinet/kabinet/shared/payments"
	"github.com/kabinet/kabinet/shared/payments/receiptpdf"
	"github.com/kabinet/kabinet/shared/payments/yookassa"
	"github.com/kabinet/kabinet/shared/sendlimit"
	"github.com/kabinet/kabinet/shared/sessions"
	"github.com/kabinet/kabinet/shared/vault"
	"github.com/kabinet/kabinet/shared/vault/kmsseal"
)

func main() {
	base, err := app.Load(context.Background())
	app.Must(nil, err)
	env, cfg := base.Env, base.AWS
	table, bucket := env.String(config.TableName), env.String(config.BucketName)
	fieldKey, indexSecret, signingKey := env.String(config.FieldKeyID), env.String(config.IndexKeySecret), env.String(config.SigningKeyID)
	sender, portal := env.Optional(config.SMSSenderID, ""), env.String(config.PortalURL)
	sends := sendlimit.FromEnv(env)
	confirmAbove := env.Int(config.PaymentConfirmAbove, 0)
	limits := payments.Limits{PerPayment: int64(env.Int(config.PaymentLimitPerPayment, 0)), PerDay: int64(env.Int(config.PaymentLimitPerDay, 0)),
		PerMonth: int64(env.Int(config.PaymentLimitPerMonth, 0))}
	providerMax := int64(env.Int(config.ProviderMaxPayment, 0))
	acceptTest := env.Optional(config.AcceptTestPayments, "false") == "true"
	apiURL, shop, shopKey := env.Optional(config.YooKassaAPIURL, yookassa.DefaultBaseURL), env.String(config.YooKassaShopID), env.String(config.YooKassaSecretKeySecret)
	app.Must(base.Log, env.Err())

	db := dynamo.New(dynamodb.NewFromConfig(cfg), table)
	secrets := secretsmanager.NewFromConfig(cfg)
	keys := vault.NewKeyring(secrets, indexSecret)
	kmsClient := kms.NewFromConfig(cfg)
	d := accounts.Deps{DB: db, Sealer: kmsseal.NewSealer(kmsClient, fieldKey), Keys: keys, SMS: snsmsg.NewMessenger(sns.NewFromConfig(cfg), sender),
		Limiter: &sendlimit.Limiter{DB: db, Keys: keys, Clock: base.Clock, Limits: sends},
		Inbox:   &inbox.Store{DB: db}, Clock: base.Clock}
	people, err := accounts.NewProfiles(d)
	app.Must(base.Log, err)
	signatures, err := accounts.NewSignatures(d)
	app.Must(base.Log, err)
	provider, err := yookassa.New(yookassa.Config{BaseURL: apiURL, ShopID: shop, Secret: yookassa.ManagedSecretKey(secrets, shopKey),
		Timeout: 5 * time.Second})
	app.Must(base.Log, err)
	objects := s3blob.New(s3.NewFromConfig(cfg), bucket)
	pd := payments.Deps{DB: db, Keys: keys, Clock: base.Clock, People: people, Inbox: d.Inbox, Reads: &accesslog.Log{DB: db, Clock: base.Clock},
		Journal: &journal.Journal{DB: db, Key: keys, Clock: base.Clock}, Provider: provider,
		Receipts: &issued.Service{DB: db, Objects: objects, Renderer: receiptpdf.Renderer{},
			Signer: &issued.KMSSigner{Client: kmsClient, KeyID: signingKey}, PortalURL: portal},
		Signatures: signatures, Sealer: d.Sealer, ConfirmAbove: int64(confirmAbove), Limits: limits, ProviderMax: providerMax, PortalURL: portal, TestPayments: acceptTest,
		Refunder: provider}
	charges, err := payments.NewCharges(pd)
	app.Must(base.Log, err)
	pays, err := payments.NewPayments(pd)
	app.Must(base.Log, err)
	methods, err := payments.NewMethods(pd)
	app.Must(base.Log, err)
	autopays, err := payments.NewAutopays(pd)
	app.Must(base.Log, err)
	refunds, err := payments.NewRefunds(pd)
	app.Must(base.Log, err)
	h := &handler{charges: charges, payments: pays, refunds: refunds, files: objects, printer: receiptpdf.Renderer{}, methods: methods, autopay: autopays}
	lambda.StartHandlerFunc(h.router(httpapi.NewRouter("payments", base.Log)).Guard(sessions.NewGuard(db, base.Clock, base.Common.SessionIdle)).Serve)
}
