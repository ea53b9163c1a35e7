// Command me serves what the signed-in person may ask about themselves
// before any feature: GET /me (who the token says you are: subject, groups,
// department, account level) and GET/PUT /me/settings (time zone and
// language, versioned with ETag and If-Match); and what an agency system
// asks first: GET /agency/whoami (which agency and client its token names).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/sessions"
	"github.com/kabinet/kabinet/shared/settings"
)

func main() {
	ctx := context.Background()
	base, err := app.Load(ctx)
	app.Must(nil, err)
	table := base.Env.String(config.TableName)
	app.Must(base.Log, base.Env.Err())
	db := dynamo.New(dynamodb.NewFromConfig(base.AWS), table)
	h := &handler{settings: settings.NewStore(db), base: base}
	lambda.StartHandlerFunc(h.router().Guard(sessions.NewGuard(db, base.Clock, base.Common.SessionIdle)).Serve)
}
