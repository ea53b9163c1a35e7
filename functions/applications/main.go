// Command applications serves the service catalog (public) and applications:
// drafts autofilled from the profile, submission with a unique number, the
// status machine with its journal, the citizen's list and card, and the
// officers' department queue and moves, the result documents issued on
// completion (signed, publicly verifiable at /verify/{code}) and the
// application journal as a PDF.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/applications"
	"github.com/kabinet/kabinet/shared/applications/journalpdf"
	"github.com/kabinet/kabinet/shared/blob/s3blob"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/issued"
	"github.com/kabinet/kabinet/shared/issued/issuedpdf"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/notify/snsmsg"
	"github.com/kabinet/kabinet/shared/payments"
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
	limits := sendlimit.FromEnv(env)
	app.Must(base.Log, env.Err())

	db := dynamo.New(dynamodb.NewFromConfig(cfg), table)
	keys := vault.NewKeyring(secretsmanager.NewFromConfig(cfg), indexSecret)
	kmsClient := kms.NewFromConfig(cfg)
	sealer := kmsseal.NewSealer(kmsClient, fieldKey)
	activity := &journal.Journal{DB: db, Key: keys, Clock: base.Clock}
	d := accounts.Deps{DB: db, Sealer: sealer, Keys: keys, SMS: snsmsg.NewMessenger(sns.NewFromConfig(cfg), sender),
		Limiter: &sendlimit.Limiter{DB: db, Keys: keys, Clock: base.Clock, Limits: limits},
		Inbox:   &inbox.Store{DB: db}, Journal: activity, Clock: base.Clock}
	profiles, err := accounts.NewProfiles(d)
	app.Must(base.Log, err)
	signatures, err := accounts.NewSignatures(d)
	app.Must(base.Log, err)
	duties, err := payments.NewCharges(payments.Deps{DB: db, Clock: base.Clock, Keys: keys, People: profiles, Inbox: d.Inbox,
		Reads: &accesslog.Log{DB: db, Clock: base.Clock}})
	app.Must(base.Log, err)
	svc := &applications.Service{DB: db, Sealer: sealer, Profiles: profiles, Signatures: signatures, Inbox: d.Inbox, Journal: activity, Duties: duties,
		Requests: duties,
		Clock:    base.Clock, Printer: journalpdf.Printer{}, Issuer: &issued.Service{DB: db, Objects: s3blob.New(s3.NewFromConfig(cfg), bucket), Renderer: issuedpdf.Renderer{},
			Signer: &issued.KMSSigner{Client: kmsClient, KeyID: signingKey}, PortalURL: portal},
		Reads: &accesslog.Log{DB: db, Clock: base.Clock}}
	h := &handler{svc: svc}
	lambda.StartHandlerFunc(h.router(httpapi.NewRouter("applications", base.Log)).Guard(sessions.NewGuard(db, base.Clock, base.Common.SessionIdle)).Serve)
}
