// Command remind runs every minute and sends the reminders that are due:
// charge due dates, appointments, expiring documents, consents and passwords,
// application deadlines and the citizen's own calendar items. Each reminder
// becomes an inbox note exactly once, even when runs overlap.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/reminders"
)

func main() {
	base, err := app.Load(context.Background())
	app.Must(nil, err)
	table := base.Env.String(config.TableName)
	app.Must(base.Log, base.Env.Err())
	db := dynamo.New(dynamodb.NewFromConfig(base.AWS), table)
	h := &handler{runner: &reminders.Runner{DB: db, Inbox: &inbox.Store{DB: db}, Clock: base.Clock}, log: base.Log}
	lambda.StartHandlerFunc(h.handle)
}
