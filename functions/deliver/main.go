// Command deliver takes inbox deliveries to email, SMS and push. On AWS the
// table's stream hands it new deliveries at once; a schedule sweeps whatever
// is due (retries, the end of quiet hours, anything the stream missed),
// which is also the local stack's only path.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/kabinet/kabinet/shared/accounts/contactbook"
	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/logging"
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
	h := &handler{d: d, base: base}
	lambda.Start(h.handle)
}

type handler struct {
	d    *inbox.Deliverer
	base *app.Base
}

// handle accepts a DynamoDB stream batch or a scheduled event.
func (h *handler) handle(ctx context.Context, raw json.RawMessage) (inbox.Stats, error) {
	ctx = logging.WithLogger(ctx, h.base.Log)
	var probe struct {
		Records []json.RawMessage `json:"Records"`
	}
	if err := json.Unmarshal(raw, &probe); err == nil && len(probe.Records) > 0 {
		var ev events.DynamoDBEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return inbox.Stats{}, fmt.Errorf("decode stream batch: %w", err)
		}
		return h.stream(ctx, ev)
	}
	st, err := h.d.Sweep(ctx)
	h.base.Log.Info("sweep", "seen", st.Seen, "sent", st.Sent, "held", st.Held, "retried", st.Retried, "failed", st.Failed, "capped", st.Capped, "skipped", st.Skipped)
	return st, err
}

// stream delivers the deliveries a batch inserted; anything it cannot do
// now stays pending for the sweep.
func (h *handler) stream(ctx context.Context, ev events.DynamoDBEvent) (inbox.Stats, error) {
	// A note's channels usually come in one batch: they share their reads.
	ctx = inbox.WithReadCache(ctx)
	var total inbox.Stats
	for _, r := range ev.Records {
		if r.EventName != "INSERT" {
			continue
		}
		img := r.Change.NewImage
		if img["Kind"].String() != "delivery" {
			continue
		}
		sub, note, channel := img["Sub"].String(), img["NoteID"].String(), img["Channel"].String()
		if sub == "" || note == "" || !strings.Contains("email sms push", channel) {
			continue
		}
		st, err := h.d.DeliverOne(ctx, sub, note, channel)
		if err != nil {
			h.base.Log.Error("stream delivery", "err", err)
		}
		total.Sent += st.Sent
		total.Failed += st.Failed
		total.Retried += st.Retried
	}
	return total, nil
}
