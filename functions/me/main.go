// Command me serves what the signed-in person may ask about themselves
// before any feature: GET /me (who the token says you are: subject, groups,
// department, account level) and GET/PUT /me/settings (time zone and
// language, versioned with ETag and If-Match, every change in the activity
// journal); and what an agency system
// asks first: GET /agency/whoami (which agency and client its token names).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/sessions"
	"github.com/kabinet/kabinet/shared/settings"
	"github.com/kabinet/kabinet/shared/vault"
)

func main() {
	ctx := context.Background()
	base, err := app.Load(ctx)
	app.Must(nil, err)
	table, indexSecret := base.Env.String(config.TableName), base.Env.String(config.IndexKeySecret)
	app.Must(base.Log, base.Env.Err())
	db := dynamo.New(dynamodb.NewFromConfig(base.AWS), table)
	keys := vault.NewKeyring(secretsmanager.NewFromConfig(base.AWS), indexSecret)
	svc, err := settings.NewService(db, &journal.Journal{DB: db, Key: keys, Clock: base.Clock}, base.Clock)
	app.Must(base.Log, err)
	h := &handler{settings: svc, base: base}
	lambda.StartHandlerFunc(h.router().Guard(sessions.NewGuard(db, base.Clock, base.Common.SessionIdle)).Serve)
}
