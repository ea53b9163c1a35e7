// Command consents serves a person's consents to share their personal data
// and their access log: the consents (active and past, with filters), a
// consent's card with its history, granting a request with a one-time
// code, refusing it, changing the level or the term (If-Match; a wider one
// with a code), withdrawing (at once), the journal of consents as CSV,
// references to give an organisation; who read their data, as pages and
// CSV, checked for tampering, with a flag for a read they do not
// recognise; and support's queue of flagged reads.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/consents"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/notify/snsmsg"
	"github.com/kabinet/kabinet/shared/sendlimit"
	"github.com/kabinet/kabinet/shared/sessions"
	"github.com/kabinet/kabinet/shared/vault"
	"github.com/kabinet/kabinet/shared/vault/kmsseal"
)

func main() {
	base, err := app.Load(context.Background())
	app.Must(nil, err)
	env, cfg := base.Env, base.AWS
	table, fieldKey, indexSecret := env.String(config.TableName), env.String(config.FieldKeyID), env.String(config.IndexKeySecret)
	sender := env.Optional(config.SMSSenderID, "")
	sends := sendlimit.FromEnv(env)
	app.Must(base.Log, env.Err())

	db := dynamo.New(dynamodb.NewFromConfig(cfg), table)
	keys := vault.NewKeyring(secretsmanager.NewFromConfig(cfg), indexSecret)
	d := accounts.Deps{DB: db, Sealer: kmsseal.NewSealer(kms.NewFromConfig(cfg), fieldKey), Keys: keys,
		SMS:     snsmsg.NewMessenger(sns.NewFromConfig(cfg), sender),
		Limiter: &sendlimit.Limiter{DB: db, Keys: keys, Clock: base.Clock, Limits: sends}, Clock: base.Clock}
	signatures, err := accounts.NewSignatures(d)
	app.Must(base.Log, err)
	activity := &journal.Journal{DB: db, Key: keys, Clock: base.Clock}
	svc, err := consents.NewConsents(consents.Deps{DB: db, Keys: keys, Signatures: signatures, Inbox: &inbox.Store{DB: db},
		Journal: activity, Clock: base.Clock})
	app.Must(base.Log, err)
	people, err := accounts.NewProfiles(d)
	app.Must(base.Log, err)
	reads := &accesslog.Log{DB: db, Key: keys, Names: people, Journal: activity, Clock: base.Clock}
	h := &handler{consents: svc, reads: reads}
	lambda.StartHandlerFunc(h.router(httpapi.NewRouter("consents", base.Log)).Guard(sessions.NewGuard(db, base.Clock, base.Common.SessionIdle)).Serve)
}
