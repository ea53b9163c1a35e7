// Command notifications serves the inbox (list, unread count, mark read),
// the person's notification preferences (channels per category, quiet hours,
// daily caps) and their push devices.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/notify/snsmsg"
	"github.com/kabinet/kabinet/shared/sessions"
)

func main() {
	ctx := context.Background()
	base, err := app.Load(ctx)
	app.Must(nil, err)
	env := base.Env
	table := env.String(config.TableName)
	platforms := map[string]string{"fcm": env.Optional(config.FCMPlatformARN, ""), "apns": env.Optional(config.APNSPlatformARN, "")}
	app.Must(base.Log, env.Err())
	db := dynamo.New(dynamodb.NewFromConfig(base.AWS), table)
	h := &handler{store: &inbox.Store{DB: db}, push: snsmsg.NewMessenger(sns.NewFromConfig(base.AWS), ""), platforms: platforms, base: base}
	lambda.Start(h.router(httpapi.NewRouter("notifications", base.Log)).Guard(sessions.NewGuard(db, base.Clock, base.Common.SessionIdle)).Serve)
}
