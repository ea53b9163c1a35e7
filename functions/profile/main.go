// Command profile serves the citizen's personal data ("Персональные сведения"):
// the profile with each field's kind (editable, review-only, read-only,
// confirmed by code), direct edits of editable fields with a version,
// phone and email changes confirmed by a code sent to the new contact, and
// the history of changes.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/applications"
	"github.com/kabinet/kabinet/shared/blob"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/export"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/sessions"
)

func main() {
	ctx := context.Background()
	base, err := app.Load(ctx)
	app.Must(nil, err)
	env := base.Env
	table, bucket := env.String(config.TableName), env.String(config.BucketName)
	settings := accounts.SettingsFrom(env)
	app.Must(base.Log, env.Err())
	db := dynamo.New(dynamodb.NewFromConfig(base.AWS), table)
	svc, err := accounts.New(ctx, base.AWS, db, settings, base.Clock)
	app.Must(base.Log, err)
	h := &handler{svc: svc, exports: &export.Service{DB: db, Accounts: svc,
		Applications: applications.ForAccounts(db, svc, base.Clock),
		Objects:      blob.New(s3.NewFromConfig(base.AWS), bucket), Clock: base.Clock}}
	r := h.router(httpapi.NewRouter("profile", base.Log)).Guard(sessions.NewGuard(db))
	lambda.Start(r.Serve)
}
