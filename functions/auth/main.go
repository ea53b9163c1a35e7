// Command auth fronts Cognito with the portal's own identity rules:
// registration with identity data and phone confirmation, sign-in by phone,
// email or SNILS with lockout, MFA by SMS or authenticator app, password
// policy, expiry and recovery, sessions that end at once, sign-in history
// and new-device alerts, and the officers' record of identity checks.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/sessions"
)

func main() {
	ctx := context.Background()
	base, err := app.Load(ctx)
	app.Must(nil, err)
	env := base.Env
	table := env.String(config.TableName)
	settings := accounts.SettingsFrom(env)
	app.Must(base.Log, env.Err())
	db := dynamo.New(dynamodb.NewFromConfig(base.AWS), table)
	svc, err := accounts.New(ctx, base.AWS, db, settings, base.Clock)
	app.Must(base.Log, err)
	h := &handler{svc: svc, sessions: svc.Sessions}
	r := h.router(httpapi.NewRouter("auth", base.Log)).Guard(sessions.NewGuard(db))
	lambda.Start(r.Serve)
}
