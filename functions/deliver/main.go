// Command deliver takes inbox deliveries to email, SMS and push. On AWS the
// table's stream hands it new deliveries at once; a schedule sweeps whatever
// is due (retries, the end of quiet hours, anything the stream missed),
// which is also the local stack's only path.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/kabinet/kabinet/shared/accounts/contactbook"
	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/notify/sesmail"
	"github.com/kabinet/kabinet/shared/notify/snsmsg"
	"github.com/kabinet/kabinet/shared/settings"
)

func main() {
	ctx := context.Background()
	base, err := app.Load(ctx)
	app.Must(nil, err)
	env := base.Env
	table := env.String(config.TableName)
	from, configSet := env.String(config.EmailFrom), env.Optional(config.SESConfigSet, "")
	senderID := env.Optional(config.SMSSenderID, "")
	portal := env.Optional(config.PortalURL, "")
	app.Must(base.Log, env.Err())
	db := dynamo.New(dynamodb.NewFromConfig(base.AWS), table)
	messenger := snsmsg.NewMessenger(sns.NewFromConfig(base.AWS), senderID)
	d := &inbox.Deliverer{Store: &inbox.Store{DB: db}, Contacts: contactbook.Book{DB: db}, Zones: settings.NewStore(db),
		Senders: inbox.Senders{Mail: sesmail.NewMailer(sesmail.NewClient(base.AWS, env.Endpoint(base.AWS, config.SESEndpoint)), from, configSet), SMS: messenger, Push: messenger},
		Clock:   base.Clock, PortalURL: portal}
	h := &handler{d: d, log: base.Log}
	lambda.StartHandlerFunc(h.handle)
}
