// Command accesslog chains the recorded reads of people's data into their
// tamper-evident access logs: on AWS at once from the table's stream, and
// by a sweep every minute (the retry of anything the stream missed or
// failed, and the local stack's path). Readers record a read before they
// hand the data out and never wait for this.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/vault"
	"github.com/kabinet/kabinet/shared/vault/kmsseal"
)

func main() {
	base, err := app.Load(context.Background())
	app.Must(nil, err)
	env := base.Env
	table, fieldKey, indexSecret := env.String(config.TableName), env.String(config.FieldKeyID), env.String(config.IndexKeySecret)
	app.Must(base.Log, env.Err())
	db := dynamo.New(dynamodb.NewFromConfig(base.AWS), table)
	people, err := accounts.NewProfiles(accounts.Deps{DB: db, Sealer: kmsseal.NewSealer(kms.NewFromConfig(base.AWS), fieldKey), Clock: base.Clock})
	app.Must(base.Log, err)
	keys := vault.NewKeyring(secretsmanager.NewFromConfig(base.AWS), indexSecret)
	h := &handler{log: &accesslog.Log{DB: db, Key: keys, Names: people, Clock: base.Clock}, slog: base.Log}
	lambda.StartHandlerFunc(h.handle)
}
