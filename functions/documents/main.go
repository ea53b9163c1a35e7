// Command documents serves the citizen's scans ("Мои документы"): declare a
// file and get a presigned upload, have the server check it, list, download
// through a presigned link, delete.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/blob/s3blob"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/documents"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/sessions"
	"github.com/kabinet/kabinet/shared/vault"
)

func main() {
	ctx := context.Background()
	base, err := app.Load(ctx)
	app.Must(nil, err)
	table, bucket := base.Env.String(config.TableName), base.Env.String(config.BucketName)
	indexSecret := base.Env.String(config.IndexKeySecret)
	app.Must(base.Log, base.Env.Err())
	db := dynamo.New(dynamodb.NewFromConfig(base.AWS), table)
	keys := vault.NewKeyring(secretsmanager.NewFromConfig(base.AWS), indexSecret)
	svc := &documents.Service{DB: db, Objects: s3blob.New(s3.NewFromConfig(base.AWS), bucket), Clock: base.Clock,
		Journal: &journal.Journal{DB: db, Key: keys, Clock: base.Clock}}
	h := &handler{svc: svc}
	lambda.StartHandlerFunc(h.router(httpapi.NewRouter("documents", base.Log)).Guard(sessions.NewGuard(db, base.Clock, base.Common.SessionIdle)).Serve)
}
