// Command offers runs every minute and ends the waitlist offers whose hold
// is over: each held place goes to the next person waiting for it, or back
// to everyone, exactly once however the runs overlap.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/appointments"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
)

func main() {
	base, err := app.Load(context.Background())
	app.Must(nil, err)
	table := base.Env.String(config.TableName)
	app.Must(base.Log, base.Env.Err())
	db := dynamo.New(dynamodb.NewFromConfig(base.AWS), table)
	offers, err := appointments.NewOffers(appointments.Deps{DB: db, Clock: base.Clock, Inbox: &inbox.Store{DB: db}})
	app.Must(base.Log, err)
	h := &handler{offers: offers, log: base.Log}
	lambda.StartHandlerFunc(h.handle)
}
