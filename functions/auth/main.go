// Command auth fronts Cognito with the portal's own identity rules:
// registration with identity data and phone confirmation, sign-in by phone,
// email or SNILS with lockout, MFA by SMS or authenticator app, password
// policy, expiry and recovery, sessions that end at once, sign-in history
// and new-device alerts, and the registrars' record of identity checks.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/cognito"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/consents"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/notify/sesmail"
	"github.com/kabinet/kabinet/shared/notify/snsmsg"
	"github.com/kabinet/kabinet/shared/password"
	"github.com/kabinet/kabinet/shared/payments"
	"github.com/kabinet/kabinet/shared/sendlimit"
	"github.com/kabinet/kabinet/shared/sessions"
	"github.com/kabinet/kabinet/shared/vault"
	"github.com/kabinet/kabinet/shared/vault/kmsseal"
)

func main() {
	base, err := app.Load(context.Background())
	app.Must(nil, err)
	env, cfg := base.Env, base.AWS
	table, pool, client := env.String(config.TableName), env.String(config.UserPoolID), env.String(config.UserPoolClientID)
	fieldKey, indexSecret := env.String(config.FieldKeyID), env.String(config.IndexKeySecret)
	from, configSet, sender := env.String(config.EmailFrom), env.Optional(config.SESConfigSet, ""), env.Optional(config.SMSSenderID, "")
	limits := sendlimit.FromEnv(env)
	policy, err := password.ByName(env.Optional(config.PasswordProfile, "seeds"))
	app.Must(base.Log, err)
	app.Must(base.Log, env.Err())

	db := dynamo.New(dynamodb.NewFromConfig(cfg), table)
	sess := sessions.NewStore(db)
	sess.Idle = base.Common.SessionIdle
	keys := vault.NewKeyring(secretsmanager.NewFromConfig(cfg), indexSecret)
	d := accounts.Deps{DB: db, Users: cognito.New(cip.NewFromConfig(cfg), pool, client),
		Sealer: kmsseal.NewSealer(kms.NewFromConfig(cfg), fieldKey), Keys: keys, Policy: policy,
		SMS: snsmsg.NewMessenger(sns.NewFromConfig(cfg), sender), Mail: sesmail.NewMailer(sesmail.NewClient(cfg, env.Endpoint(cfg, config.SESEndpoint)), from, configSet),
		Limiter:  &sendlimit.Limiter{DB: db, Keys: keys, Clock: base.Clock, Limits: limits},
		Sessions: sess, Inbox: &inbox.Store{DB: db},
		Journal: &journal.Journal{DB: db, Key: keys, Clock: base.Clock}, Clock: base.Clock, Consents: consents.Registration{},
		Reads: &accesslog.Log{DB: db, Clock: base.Clock}}
	var h handler
	h.reg, err = accounts.NewRegistrations(d)
	app.Must(base.Log, err)
	h.signIn, err = accounts.NewSignIn(d)
	app.Must(base.Log, err)
	h.creds, err = accounts.NewCredentials(d)
	app.Must(base.Log, err)
	// Payments link the charges posted for a SNILS or an INN once a
	// registrar checked the person (the standard level).
	people, err := accounts.NewProfiles(d)
	app.Must(base.Log, err)
	d.Payers, err = payments.NewCharges(payments.Deps{DB: db, Clock: base.Clock, Keys: keys, People: people, Inbox: d.Inbox, Reads: d.Reads})
	app.Must(base.Log, err)
	h.levels, err = accounts.NewLevels(d)
	app.Must(base.Log, err)
	lambda.StartHandlerFunc(h.router(httpapi.NewRouter("auth", base.Log)).Guard(sessions.NewGuard(db, base.Clock, base.Common.SessionIdle)).Serve)
}
