// Command auth fronts Cognito with the portal's own identity rules:
// registration with identity data and phone confirmation, sign-in by phone,
// email or SNILS with lockout, MFA by SMS or authenticator app, password
// policy, expiry and recovery, sessions that end at once, sign-in history
// and new-device alerts, and the officers' record of identity checks.
package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"

	"github.com/aws/aws-lambda-go/lambda"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/cognito"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/notify"
	"github.com/kabinet/kabinet/shared/password"
	"github.com/kabinet/kabinet/shared/sessions"
	"github.com/kabinet/kabinet/shared/vault"
)

func main() {
	ctx := context.Background()
	base, err := app.Load(ctx)
	app.Must(nil, err)
	env := base.Env
	table := env.String(config.TableName)
	pool, client := env.String(config.UserPoolID), env.String(config.UserPoolClientID)
	fieldKey, indexSecret := env.String(config.FieldKeyID), env.String(config.IndexKeySecret)
	from, configSet := env.String(config.EmailFrom), env.Optional(config.SESConfigSet, "")
	senderID := env.Optional(config.SMSSenderID, "")
	profile, perr := password.ByName(env.Optional(config.PasswordProfile, "seeds"))
	app.Must(base.Log, env.Err())
	app.Must(base.Log, perr)

	indexKey, err := vault.LoadIndexKey(ctx, secretsmanager.NewFromConfig(base.AWS), indexSecret)
	app.Must(base.Log, err)
	index, err := vault.NewIndex(indexKey)
	app.Must(base.Log, err)
	codeKey := hmac.New(sha256.New, indexKey)
	codeKey.Write([]byte("kabinet one-time codes"))

	db := dynamo.New(dynamodb.NewFromConfig(base.AWS), table)
	store := sessions.NewStore(db)
	svc := &accounts.Service{
		DB: db, Users: cognito.New(cip.NewFromConfig(base.AWS), pool, client),
		Sealer: vault.NewSealer(kms.NewFromConfig(base.AWS), fieldKey), Index: index, Policy: profile,
		SMS:      notify.NewMessenger(sns.NewFromConfig(base.AWS), senderID),
		Mail:     notify.NewMailer(sesv2.NewFromConfig(base.AWS), from, configSet),
		Sessions: store, Inbox: &inbox.Store{DB: db}, Clock: base.Clock, CodeKey: codeKey.Sum(nil),
	}
	h := &handler{svc: svc, sessions: store}
	r := h.router(httpapi.NewRouter("auth", base.Log)).Guard(sessions.NewGuard(db))
	lambda.Start(r.Serve)
}
