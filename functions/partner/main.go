// Command partner serves partner organisations' systems (banks, insurers,
// employers, schools), each calling as itself with the client credentials
// of its app client (DESIGN 11): asking a person's consent by SNILS or by
// a reference the person gave, following its own requests and consents,
// and reading a person's data through an active consent — only what it
// allows, each read recorded in the person's access log first.
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
	"github.com/kabinet/kabinet/shared/consents"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/vault"
	"github.com/kabinet/kabinet/shared/vault/kmsseal"
)

func main() {
	base, err := app.Load(context.Background())
	app.Must(nil, err)
	env, cfg := base.Env, base.AWS
	table, fieldKey, indexSecret := env.String(config.TableName), env.String(config.FieldKeyID), env.String(config.IndexKeySecret)
	app.Must(base.Log, env.Err())

	db := dynamo.New(dynamodb.NewFromConfig(cfg), table)
	keys := vault.NewKeyring(secretsmanager.NewFromConfig(cfg), indexSecret)
	people, err := accounts.NewProfiles(accounts.Deps{DB: db, Sealer: kmsseal.NewSealer(kms.NewFromConfig(cfg), fieldKey), Clock: base.Clock})
	app.Must(base.Log, err)
	svc, err := consents.NewPartners(consents.Deps{DB: db, Keys: keys, People: people, Inbox: &inbox.Store{DB: db},
		Journal: &journal.Journal{DB: db, Key: keys, Clock: base.Clock}, Reads: &accesslog.Log{DB: db, Clock: base.Clock}, Clock: base.Clock})
	app.Must(base.Log, err)
	h := &handler{partners: svc}
	lambda.StartHandlerFunc(h.router(httpapi.NewRouter("partner", base.Log)).Serve)
}
