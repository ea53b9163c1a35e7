// Command recovery serves assisted recovery through support: a person who
// lost access to their phone and email files a request without signing in
// (passport data, a new contact confirmed by a code, a passport scan through
// a presigned upload), and support operators or registrars decide it within
// a day from a queue, comparing it with the sealed identity data (masked,
// match / no match), then lift the lock, replace the contact, or refuse.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/blob/s3blob"
	"github.com/kabinet/kabinet/shared/cognito"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/notify/sesmail"
	"github.com/kabinet/kabinet/shared/notify/snsmsg"
	"github.com/kabinet/kabinet/shared/sendlimit"
	"github.com/kabinet/kabinet/shared/sessions"
	"github.com/kabinet/kabinet/shared/support"
	"github.com/kabinet/kabinet/shared/support/recovery"
	"github.com/kabinet/kabinet/shared/vault"
	"github.com/kabinet/kabinet/shared/vault/kmsseal"
)

func main() {
	base, err := app.Load(context.Background())
	app.Must(nil, err)
	env, cfg := base.Env, base.AWS
	table, pool, client, bucket := env.String(config.TableName), env.String(config.UserPoolID), env.String(config.UserPoolClientID), env.String(config.BucketName)
	fieldKey, indexSecret := env.String(config.FieldKeyID), env.String(config.IndexKeySecret)
	from, configSet, sender := env.String(config.EmailFrom), env.Optional(config.SESConfigSet, ""), env.Optional(config.SMSSenderID, "")
	limits := sendlimit.FromEnv(env)
	answer := env.Duration(config.SupportRecoveryAnswer, recovery.DefaultAnswer)
	app.Must(base.Log, env.Err())

	db := dynamo.New(dynamodb.NewFromConfig(cfg), table)
	sess := sessions.NewStore(db)
	sess.Idle = base.Common.SessionIdle
	keys := vault.NewKeyring(secretsmanager.NewFromConfig(cfg), indexSecret)
	j := &journal.Journal{DB: db, Key: keys, Clock: base.Clock}
	accts, err := accounts.NewRecovery(accounts.Deps{DB: db, Users: cognito.New(cip.NewFromConfig(cfg), pool, client),
		Sealer: kmsseal.NewSealer(kms.NewFromConfig(cfg), fieldKey), Keys: keys,
		SMS: snsmsg.NewMessenger(sns.NewFromConfig(cfg), sender), Mail: sesmail.NewMailer(sesmail.NewClient(cfg, env.Endpoint(cfg, config.SESEndpoint)), from, configSet),
		Limiter:  &sendlimit.Limiter{DB: db, Keys: keys, Clock: base.Clock, Limits: limits},
		Sessions: sess, Inbox: &inbox.Store{DB: db}, Journal: j, Clock: base.Clock})
	app.Must(base.Log, err)
	svc, err := recovery.New(recovery.Deps{DB: db, Clock: base.Clock, Accounts: accts, Scans: s3blob.New(s3.NewFromConfig(cfg), bucket),
		Access: support.LogAccess{Log: &accesslog.Log{DB: db, Clock: base.Clock}}, Answer: answer})
	app.Must(base.Log, err)
	h := &handler{svc: svc}
	lambda.StartHandlerFunc(h.router(httpapi.NewRouter("recovery", base.Log)).Guard(sessions.NewGuard(db, base.Clock, base.Common.SessionIdle)).Serve)
}
