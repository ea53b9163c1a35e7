// Command slots runs every night and makes the slots of every resource of
// every organisation taking appointments up to its booking horizon, each
// day once, so people can book weeks ahead.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/appointments"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
)

func main() {
	base, err := app.Load(context.Background())
	app.Must(nil, err)
	table := base.Env.String(config.TableName)
	app.Must(base.Log, base.Env.Err())
	slots, err := appointments.NewSlots(appointments.Deps{DB: dynamo.New(dynamodb.NewFromConfig(base.AWS), table), Clock: base.Clock})
	app.Must(base.Log, err)
	h := &handler{slots: slots, log: base.Log}
	lambda.StartHandlerFunc(h.handle)
}
