// Command applications serves the service catalog (public) and applications:
// drafts autofilled from the profile, submission with a unique number, the
// status machine with its journal, the citizen's list and card, and the
// officers' department queue and moves.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/applications"
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
	settings := accounts.Settings{
		UserPoolID: env.String(config.UserPoolID), ClientID: env.String(config.UserPoolClientID),
		FieldKeyID: env.String(config.FieldKeyID), IndexSecretID: env.String(config.IndexKeySecret),
		EmailFrom: env.String(config.EmailFrom), ConfigSet: env.Optional(config.SESConfigSet, ""),
		SMSSenderID: env.Optional(config.SMSSenderID, ""), PasswordProfile: env.Optional(config.PasswordProfile, "seeds"),
	}
	app.Must(base.Log, env.Err())
	db := dynamo.New(dynamodb.NewFromConfig(base.AWS), table)
	acc, err := accounts.New(ctx, base.AWS, db, settings, base.Clock)
	app.Must(base.Log, err)
	h := &handler{svc: applications.ForAccounts(db, acc, base.Clock)}
	lambda.Start(h.router(httpapi.NewRouter("applications", base.Log)).Guard(sessions.NewGuard(db)).Serve)
}
