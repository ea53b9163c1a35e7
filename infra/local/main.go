// Command local runs Kabinet's whole API on this machine with no AWS account
// and no Docker: `make run` starts it. Ctrl-C stops every child process.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"github.com/kabinet/kabinet/infra/local/stack"
	"github.com/kabinet/kabinet/infra/local/template"
)

func main() {
	api := flag.String("api", "127.0.0.1:3000", "address of the API gateway")
	docs := flag.String("docs", "127.0.0.1:3001", "address of the API reference (the OpenAPI document in Swagger UI)")
	dynamoAddr := flag.String("dynamodb", "127.0.0.1:4566", "address of the DynamoDB emulator")
	s3Addr := flag.String("s3", "127.0.0.1:4567", "address of the S3 emulator")
	snsAddr := flag.String("sns", "127.0.0.1:4568", "address of the SNS endpoint and its message log")
	cognitoPort := flag.Int("cognito-port", 9229, "port of cognito-local")
	tokenAddr := flag.String("token", "127.0.0.1:9230", "address of the user pool domain's token endpoint (client credentials)")
	sesPort := flag.Int("ses-port", 8005, "port of the SES emulator and its mail viewer")
	chatAddr := flag.String("chat", "127.0.0.1:3002", "address of the chat's WebSocket API and its @connections endpoint")
	yookassaAddr := flag.String("yookassa", "127.0.0.1:4569", "address of the payment provider's emulator (ЮKassa's API, the payment page, the log)")
	maxInstances := flag.Int("max-instances", 8, "most concurrent instances of one function")
	localstack := flag.String("localstack", "", "URL of a running LocalStack to use for DynamoDB, S3, SNS and SES")
	quiet := flag.Bool("quiet", false, "do not print the functions' logs")
	progress := flag.Bool("progress", false, "print a line on stdout as each part of the stack starts and is ready")
	flag.Parse()

	root, err := template.FindRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := stack.Options{Root: root, APIAddr: *api, DocsAddr: *docs, DynamoAddr: *dynamoAddr, S3Addr: *s3Addr, SNSAddr: *snsAddr,
		CognitoPort: *cognitoPort, TokenAddr: *tokenAddr, SESPort: *sesPort, YooKassaAddr: *yookassaAddr, ChatAddr: *chatAddr, MaxInstances: *maxInstances, Version: version(root),
		Log: os.Stderr, Seed: true, Schedules: true, LocalStack: *localstack}
	if *quiet {
		opts.Log = nil
	}
	if *progress {
		opts.Progress = os.Stdout
	}
	st, err := stack.Start(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "local stack:", err)
		os.Exit(1)
	}
	fmt.Print(st.Summary())
	<-ctx.Done()
	fmt.Fprintln(os.Stderr, "\nstopping...")
	st.Close()
}

func version(root string) string {
	cmd := exec.Command("git", "describe", "--always", "--dirty")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return "local"
	}
	return strings.TrimSpace(string(out))
}
