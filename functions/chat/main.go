// Command chat serves the support chat's WebSocket API: $connect with a
// one-time ticket offered as a subprotocol (a browser cannot set headers on
// a WebSocket), $disconnect, and the message route (send, read receipts,
// an operator's ready). Messages are stored and pushed to both participants
// through API Gateway's @connections management API.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/sessions"
	"github.com/kabinet/kabinet/shared/support"
	"github.com/kabinet/kabinet/shared/support/apigwpush"
	"github.com/kabinet/kabinet/shared/vault"
)

func main() {
	base, err := app.Load(context.Background())
	app.Must(nil, err)
	env, cfg := base.Env, base.AWS
	table, indexSecret := env.String(config.TableName), env.String(config.IndexKeySecret)
	connections, fallback := env.Endpoint(cfg, config.ConnectionsEndpoint), env.String(config.ChatConnectionsURL)
	policy := support.PolicyFromEnv(env)
	app.Must(base.Log, env.Err())

	db := dynamo.New(dynamodb.NewFromConfig(cfg), table)
	keys := vault.NewKeyring(secretsmanager.NewFromConfig(cfg), indexSecret)
	j := &journal.Journal{DB: db, Key: keys, Clock: base.Clock}
	d := support.Deps{DB: db, Clock: base.Clock, Inbox: &inbox.Store{DB: db}, Journal: j, Access: support.LogAccess{Log: &accesslog.Log{DB: db, Clock: base.Clock}},
		Links: support.TableLinks{DB: db}, Pusher: apigwpush.New(cfg, connections, fallback), Policy: policy}
	tickets, err := support.NewTickets(d)
	app.Must(base.Log, err)
	chat, err := support.NewChat(d, tickets)
	app.Must(base.Log, err)
	h := &handler{chat: chat, guard: sessions.NewGuard(db, base.Clock, base.Common.SessionIdle), log: base.Log}
	lambda.StartHandlerFunc(h.handle)
}
