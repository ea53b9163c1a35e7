// Command remind runs every minute and sends the reminders that are due:
// charge due dates, appointments, expiring documents, consents and passwords,
// application deadlines and the citizen's own calendar items. Each reminder
// becomes an inbox note exactly once, even when runs overlap.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/reminders"
)

func main() {
	ctx := context.Background()
	base, err := app.Load(ctx)
	app.Must(nil, err)
	table := base.Env.String(config.TableName)
	app.Must(base.Log, base.Env.Err())
	db := dynamo.New(dynamodb.NewFromConfig(base.AWS), table)
	r := &reminders.Runner{DB: db, Inbox: &inbox.Store{DB: db}, Clock: base.Clock}
	lambda.Start(func(ctx context.Context, ev events.EventBridgeEvent) (reminders.Stats, error) {
		ctx = logging.WithLogger(ctx, base.Log)
		st, err := r.Run(ctx)
		base.Log.Info("reminder run", "event", ev.ID, "minutes", st.Minutes, "sent", st.Sent, "alreadySent", st.AlreadySent, "errors", st.Errors)
		return st, err
	})
}
