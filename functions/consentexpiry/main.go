// Command consentexpiry runs every five minutes and records the consents
// whose term ended (the organisation's reads stop at that moment anyway)
// and the requests left unanswered for 30 days: the status, the history,
// the person's note and journal entry, each exactly once.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/consents"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/vault"
)

func main() {
	base, err := app.Load(context.Background())
	app.Must(nil, err)
	table, indexSecret := base.Env.String(config.TableName), base.Env.String(config.IndexKeySecret)
	app.Must(base.Log, base.Env.Err())
	db := dynamo.New(dynamodb.NewFromConfig(base.AWS), table)
	keys := vault.NewKeyring(secretsmanager.NewFromConfig(base.AWS), indexSecret)
	run, err := consents.NewExpiry(consents.Deps{DB: db, Inbox: &inbox.Store{DB: db}, Journal: &journal.Journal{DB: db, Key: keys, Clock: base.Clock},
		Clock: base.Clock})
	app.Must(base.Log, err)
	h := &handler{runner: run, log: base.Log}
	lambda.StartHandlerFunc(h.handle)
}
