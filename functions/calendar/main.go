// Command calendar serves the person's calendar of dated things (deadlines,
// appointments, payment due dates, expiries, their own items) as JSON and as
// an iCalendar file, and lets them add and remove their own items, each with
// a reminder.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/calendar"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/sessions"
)

func main() {
	ctx := context.Background()
	base, err := app.Load(ctx)
	app.Must(nil, err)
	table := base.Env.String(config.TableName)
	app.Must(base.Log, base.Env.Err())
	db := dynamo.New(dynamodb.NewFromConfig(base.AWS), table)
	h := &handler{db: db, cal: &calendar.Store{DB: db}, base: base}
	lambda.Start(h.router(httpapi.NewRouter("calendar", base.Log)).Guard(sessions.NewGuard(db, base.Clock, base.Common.SessionIdle)).Serve)
}
