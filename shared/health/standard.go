package health

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/kabinet/kabinet/shared/notify/sesmail"
)

// Clients are the read-only calls the standard probes make.
type Clients struct {
	DynamoDB interface {
		DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	}
	S3 interface {
		HeadBucket(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
	}
	Cognito interface {
		DescribeUserPool(context.Context, *cip.DescribeUserPoolInput, ...func(*cip.Options)) (*cip.DescribeUserPoolOutput, error)
	}
	SNS interface {
		GetTopicAttributes(context.Context, *sns.GetTopicAttributesInput, ...func(*sns.Options)) (*sns.GetTopicAttributesOutput, error)
	}
	SES interface {
		GetAccount(context.Context) error
	}
}

// NewClients builds the probes' clients from one AWS configuration;
// sesEndpoint is the SES v2 endpoint setting (config.SESEndpoint through
// config.Env.Endpoint), which Kabinet's own SES client reads from the
// caller rather than from the environment.
func NewClients(cfg aws.Config, sesEndpoint string) Clients {
	return Clients{DynamoDB: dynamodb.NewFromConfig(cfg), S3: s3.NewFromConfig(cfg),
		Cognito: cip.NewFromConfig(cfg), SNS: sns.NewFromConfig(cfg), SES: sesmail.NewClient(cfg, sesEndpoint)}
}

// Names are the resources to probe.
type Names struct {
	Table, Bucket, UserPool, Topic string
}

// Standard returns a probe per dependency: DynamoDB, S3, Cognito, SNS, SES.
// Each is one cheap read that needs only a read permission.
func Standard(c Clients, n Names) []Check {
	return []Check{
		{Name: "dynamodb", Ping: func(ctx context.Context) error {
			_, err := c.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(n.Table)})
			return err
		}},
		{Name: "s3", Ping: func(ctx context.Context) error {
			_, err := c.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(n.Bucket)})
			return err
		}},
		{Name: "cognito", Ping: func(ctx context.Context) error {
			_, err := c.Cognito.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(n.UserPool)})
			return err
		}},
		{Name: "sns", Ping: func(ctx context.Context) error {
			_, err := c.SNS.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(n.Topic)})
			return err
		}},
		{Name: "ses", Ping: func(ctx context.Context) error {
			return c.SES.GetAccount(ctx)
		}},
	}
}
