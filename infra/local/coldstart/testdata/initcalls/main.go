// Command initcalls is a test bootstrap for coldstart: during its init it
// sends INIT_CALLS requests to the Secrets Manager endpoint (and one to the
// catch-all endpoint, signed for STS, when INIT_STS is set); each invocation
// sends one more, which no init count may include.
package main

import (
	"context"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
)

func call(endpoint, target, auth string) {
	req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(`{}`))
	if err != nil {
		panic(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
	}
}

func main() {
	secrets := os.Getenv("AWS_ENDPOINT_URL_SECRETS_MANAGER")
	n, _ := strconv.Atoi(os.Getenv("INIT_CALLS"))
	for range n {
		call(secrets, "secretsmanager.GetSecretValue", "")
	}
	if os.Getenv("INIT_STS") != "" {
		call(os.Getenv("AWS_ENDPOINT_URL"), "AWSSecurityTokenServiceV20110615.GetCallerIdentity",
			"AWS4-HMAC-SHA256 Credential=local/20260101/eu-central-1/sts/aws4_request, SignedHeaders=host, Signature=00")
	}
	lambda.Start(func(context.Context, map[string]any) (string, error) {
		call(secrets, "secretsmanager.DescribeSecret", "")
		return "ok", nil
	})
}
