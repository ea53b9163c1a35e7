// Command appointments serves booking a visit: the organisations taking
// appointments (clinics, traffic-police exam sites, service centres,
// pension-fund offices) and their free slots, people's tickets with their
// cancel and move, history and calendar event, the waitlist, and the work
// of an organisation's staff: their day, arrival and no-show marks,
// schedules and closing a day.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/applications"
	"github.com/kabinet/kabinet/shared/appointments"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/sessions"
	"github.com/kabinet/kabinet/shared/vault"
	"github.com/kabinet/kabinet/shared/vault/kmsseal"
)

func main() {
	base, err := app.Load(context.Background())
	app.Must(nil, err)
	env := base.Env
	table, indexSecret, fieldKey := env.String(config.TableName), env.String(config.IndexKeySecret), env.String(config.FieldKeyID)
	app.Must(base.Log, env.Err())

	db := dynamo.New(dynamodb.NewFromConfig(base.AWS), table)
	keys := vault.NewKeyring(secretsmanager.NewFromConfig(base.AWS), indexSecret)
	// The names staff see are read from the account (no sealed field is
	// opened for them).
	people, err := accounts.NewProfiles(accounts.Deps{DB: db, Sealer: kmsseal.NewSealer(kms.NewFromConfig(base.AWS), fieldKey), Clock: base.Clock})
	app.Must(base.Log, err)
	d := appointments.Deps{DB: db, Clock: base.Clock, People: people, Inbox: &inbox.Store{DB: db},
		// Only the exam application's status is read: InStatus needs the table alone.
		Applications: &applications.Service{DB: db, Clock: base.Clock},
		Journal:      &journal.Journal{DB: db, Key: keys, Clock: base.Clock}}
	h := &handler{}
	h.directory, err = appointments.NewDirectory(d)
	app.Must(base.Log, err)
	h.slots, err = appointments.NewSlots(d)
	app.Must(base.Log, err)
	h.bookings, err = appointments.NewBookings(d)
	app.Must(base.Log, err)
	h.waitlist, err = appointments.NewWaitlist(d)
	app.Must(base.Log, err)
	h.reception, err = appointments.NewReception(d)
	app.Must(base.Log, err)
	lambda.StartHandlerFunc(h.router(httpapi.NewRouter("appointments", base.Log)).Guard(sessions.NewGuard(db, base.Clock, base.Common.SessionIdle)).Serve)
}
