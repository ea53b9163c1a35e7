// Command health serves GET /health: the version and whether every
// dependency answers. It is public and reveals no internals.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/health"
)

func main() {
	ctx := context.Background()
	base, err := app.Load(ctx)
	app.Must(nil, err)
	probes := health.Probes{Timeout: probeTimeout, Checks: health.Standard(health.NewClients(base.AWS, base.Env.Endpoint(base.AWS, config.SESEndpoint)), health.Names{
		Table: base.Env.String(config.TableName), Bucket: base.Env.String(config.BucketName),
		UserPool: base.Env.String(config.UserPoolID), Topic: base.Env.String(config.NotificationTopic),
	})}
	app.Must(base.Log, base.Env.Err())
	h := &handler{probes: probes, base: base}
	lambda.StartHandlerFunc(h.router().Serve)
}
