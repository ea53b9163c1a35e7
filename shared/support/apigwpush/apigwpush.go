// Package apigwpush is the support chat's Pusher over API Gateway's
// @connections management API (POST @connections/{id}). The endpoint is
// the WebSocket API's own address: the SDK's service-specific setting
// AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI when it is set (the local
// stack, LocalStack), else the address template.yaml gives the function
// (CHAT_CONNECTIONS_URL, https://<api>.execute-api.<region>.amazonaws.com/<stage>).
package apigwpush

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"

	"github.com/kabinet/kabinet/shared/support"
)

// API is the part of the management client the pusher uses.
type API interface {
	PostToConnection(ctx context.Context, in *apigatewaymanagementapi.PostToConnectionInput,
		o ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error)
}

var _ API = (*apigatewaymanagementapi.Client)(nil)

// Pusher pushes to connections of one WebSocket API.
type Pusher struct{ API API }

var _ support.Pusher = Pusher{}

// New builds the management client: endpoint is the SDK's setting when it
// has one (configured), else fallback (the API's address).
func New(cfg aws.Config, configured, fallback string) Pusher {
	endpoint := configured
	if endpoint == "" {
		endpoint = fallback
	}
	return Pusher{API: apigatewaymanagementapi.NewFromConfig(cfg, func(o *apigatewaymanagementapi.Options) {
		o.BaseEndpoint = aws.String(endpoint)
	})}
}

// Push implements support.Pusher; a connection API Gateway no longer has
// (410 GoneException) is support.ErrGone.
func (p Pusher) Push(ctx context.Context, connection string, data []byte) error {
	_, err := p.API.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(connection), Data: data})
	var gone *types.GoneException
	if errors.As(err, &gone) {
		return support.ErrGone
	}
	if err != nil {
		return fmt.Errorf("post to connection: %w", err)
	}
	return nil
}
