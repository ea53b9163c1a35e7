// Command notifications serves the inbox (list, unread count, mark read),
// the person's notification preferences (channels per category, quiet hours,
// daily caps) and their push devices.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/notify/snsmsg"
	"github.com/kabinet/kabinet/shared/sessions"
	"github.com/kabinet/kabinet/shared/vault"
)

func main() {
	base, err := app.Load(context.Background())
	app.Must(nil, err)
	env := base.Env
	table, indexSecret := env.String(config.TableName), env.String(config.IndexKeySecret)
	platforms := map[string]string{"fcm": env.Optional(config.FCMPlatformARN, ""), "apns": env.Optional(config.APNSPlatformARN, "")}
	app.Must(base.Log, env.Err())
	db := dynamo.New(dynamodb.NewFromConfig(base.AWS), table)
	keys := vault.NewKeyring(secretsmanager.NewFromConfig(base.AWS), indexSecret)
	d := inbox.Deps{DB: db, Journal: &journal.Journal{DB: db, Key: keys, Clock: base.Clock},
		Endpoints: snsmsg.NewMessenger(sns.NewFromConfig(base.AWS), ""), Platforms: platforms, Clock: base.Clock}
	prefs, err := inbox.NewPreferenceService(d)
	app.Must(base.Log, err)
	devices, err := inbox.NewDeviceService(d)
	app.Must(base.Log, err)
	h := &handler{notes: &inbox.Store{DB: db}, prefs: prefs, devices: devices}
	lambda.StartHandlerFunc(h.router(httpapi.NewRouter("notifications", base.Log)).Guard(sessions.NewGuard(db, base.Clock, base.Common.SessionIdle)).Serve)
}
