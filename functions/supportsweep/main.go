// Command supportsweep runs every five minutes and acts on the support
// tickets whose timer is due: the notice to a person who has not answered
// for long, the solving after it, the closing of solved tickets. It reads
// the due part of the timers index only.
package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/support"
	"github.com/kabinet/kabinet/shared/vault"
)

// sweeper is what the handler needs of support.Tickets.
type sweeper interface {
	Sweep(ctx context.Context) (support.SweepStats, error)
}

var _ sweeper = (*support.Tickets)(nil)

type handler struct {
	tickets sweeper
	log     *slog.Logger
}

func (h *handler) handle(ctx context.Context, _ events.EventBridgeEvent) (support.SweepStats, error) {
	st, err := h.tickets.Sweep(ctx)
	h.log.Info("support sweep", "noticed", st.Noticed, "solved", st.Solved, "closed", st.Closed)
	if err != nil {
		h.log.Error("support sweep failed", "err", err)
	}
	return st, err
}

func main() {
	base, err := app.Load(context.Background())
	app.Must(nil, err)
	env, cfg := base.Env, base.AWS
	table, indexSecret := env.String(config.TableName), env.String(config.IndexKeySecret)
	policy := support.PolicyFromEnv(env)
	app.Must(base.Log, env.Err())
	db := dynamo.New(dynamodb.NewFromConfig(cfg), table)
	j := &journal.Journal{DB: db, Key: vault.NewKeyring(secretsmanager.NewFromConfig(cfg), indexSecret), Clock: base.Clock}
	tickets, err := support.NewTickets(support.Deps{DB: db, Clock: base.Clock, Inbox: &inbox.Store{DB: db}, Journal: j,
		Access: support.JournalAccess{Journal: j}, Links: support.TableLinks{DB: db}, Policy: policy})
	app.Must(base.Log, err)
	h := &handler{tickets: tickets, log: base.Log}
	lambda.StartHandlerFunc(h.handle)
}
