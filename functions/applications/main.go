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

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/applications"
	"github.com/kabinet/kabinet/shared/blob"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/issued"
	"github.com/kabinet/kabinet/shared/sessions"
)

func main() {
	ctx := context.Background()
	base, err := app.Load(ctx)
	app.Must(nil, err)
	env := base.Env
	table := env.String(config.TableName)
	settings := accounts.SettingsFrom(env)
	bucket, signingKey, portal := env.String(config.BucketName), env.String(config.SigningKeyID), env.String(config.PortalURL)
	app.Must(base.Log, env.Err())
	db := dynamo.New(dynamodb.NewFromConfig(base.AWS), table)
	acc, err := accounts.New(ctx, base.AWS, db, settings, base.Clock)
	app.Must(base.Log, err)
	svc := &applications.Service{DB: db, Sealer: acc.Sealer, Profiles: applications.ProfilesOf(acc), Signatures: acc,
		Inbox: acc.Inbox, Journal: acc.Journal, Clock: base.Clock,
		Issuer: &issued.Service{DB: db, Objects: blob.New(s3.NewFromConfig(base.AWS), bucket),
			Signer: &issued.KMSSigner{Client: kms.NewFromConfig(base.AWS), KeyID: signingKey}, PortalURL: portal}}
	h := &handler{svc: svc}
	lambda.StartHandlerFunc(h.router(httpapi.NewRouter("applications", base.Log)).Guard(sessions.NewGuard(db)).Serve)
}
