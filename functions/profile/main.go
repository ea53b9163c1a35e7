// Command profile serves the citizen's personal data ("Персональные сведения"):
// the profile with each field's kind (editable, review-only, read-only,
// confirmed by code), direct edits of editable fields with a version,
// phone and email changes confirmed by a code sent to the new contact,
// change requests decided by the owning department or a registrar,
// identity documents, the activity journal and the personal-data export.
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
	"github.com/kabinet/kabinet/shared/applications"
	"github.com/kabinet/kabinet/shared/blob/s3blob"
	"github.com/kabinet/kabinet/shared/cognito"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/consents"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/export"
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
	table, bucket := env.String(config.TableName), env.String(config.BucketName)
	pool, client := env.String(config.UserPoolID), env.String(config.UserPoolClientID)
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
	sealer := kmsseal.NewSealer(kms.NewFromConfig(cfg), fieldKey)
	activity := &journal.Journal{DB: db, Key: keys, Clock: base.Clock}
	d := accounts.Deps{DB: db, Users: cognito.New(cip.NewFromConfig(cfg), pool, client), Sealer: sealer, Keys: keys,
		Policy: policy, SMS: snsmsg.NewMessenger(sns.NewFromConfig(cfg), sender), Mail: sesmail.NewMailer(sesmail.NewClient(cfg, env.Endpoint(cfg, config.SESEndpoint)), from, configSet),
		Limiter:  &sendlimit.Limiter{DB: db, Keys: keys, Clock: base.Clock, Limits: limits},
		Sessions: sess, Inbox: &inbox.Store{DB: db}, Journal: activity, Clock: base.Clock,
		Reads: &accesslog.Log{DB: db, Clock: base.Clock}}
	profiles, err := accounts.NewProfiles(d)
	app.Must(base.Log, err)
	contacts, err := accounts.NewContacts(d)
	app.Must(base.Log, err)
	changes, err := accounts.NewChangeRequests(d)
	app.Must(base.Log, err)
	// Payments learn of a driver licence or a vehicle certificate recorded
	// among the documents, to find the charges posted for it.
	d.Payers, err = payments.NewCharges(payments.Deps{DB: db, Clock: base.Clock, Keys: keys, People: profiles, Inbox: d.Inbox, Reads: d.Reads})
	app.Must(base.Log, err)
	docs, err := accounts.NewIdentityDocs(d)
	app.Must(base.Log, err)
	signIn, err := accounts.NewSignIn(d)
	app.Must(base.Log, err)
	apps := &applications.Service{DB: db, Sealer: sealer, Profiles: profiles, Inbox: d.Inbox, Journal: activity, Clock: base.Clock}
	h := &handler{profiles: profiles, contacts: contacts, changes: changes, docs: docs, journal: activity,
		exports: &export.Service{DB: db, Passwords: signIn, Profiles: profiles, IdentityDocs: docs, Applications: apps,
			Journal: activity, Payments: payments.History{DB: db}, Consents: consents.History{DB: db, Clock: base.Clock},
			AccessLog: &accesslog.Log{DB: db, Key: keys, Names: profiles, Clock: base.Clock},
			Objects:   s3blob.New(s3.NewFromConfig(cfg), bucket), Clock: base.Clock}}
	lambda.StartHandlerFunc(h.router(httpapi.NewRouter("profile", base.Log)).Guard(sessions.NewGuard(db, base.Clock, base.Common.SessionIdle)).Serve)
}
