// Command calendar serves the person's calendar of dated things (deadlines,
// appointments, payment due dates, expiries, their own items) as JSON and as
// an iCalendar file, lets them add and remove their own items, each with a
// reminder, and keeps their subscription addresses: secret, revocable links
// that calendar apps poll without a bearer token.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/calendar"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/sessions"
	"github.com/kabinet/kabinet/shared/vault"
)

func main() {
	base, err := app.Load(context.Background())
	app.Must(nil, err)
	table, indexSecret := base.Env.String(config.TableName), base.Env.String(config.IndexKeySecret)
	app.Must(base.Log, base.Env.Err())
	db := dynamo.New(dynamodb.NewFromConfig(base.AWS), table)
	keys := vault.NewKeyring(secretsmanager.NewFromConfig(base.AWS), indexSecret)
	d := calendar.Deps{DB: db, Keys: keys, Journal: &journal.Journal{DB: db, Key: keys, Clock: base.Clock}, Clock: base.Clock}
	cal, err := calendar.NewService(d)
	app.Must(base.Log, err)
	feeds, err := calendar.NewFeeds(d)
	app.Must(base.Log, err)
	h := &handler{cal: cal, feeds: feeds}
	lambda.StartHandlerFunc(h.router(httpapi.NewRouter("calendar", base.Log)).Guard(sessions.NewGuard(db, base.Clock, base.Common.SessionIdle)).Serve)
}
