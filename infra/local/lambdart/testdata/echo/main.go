// Command echo is a test bootstrap for lambdart: it answers with the payload
// and its process id, sleeps, fails or crashes when the payload asks.
package main

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type request struct {
	Echo    any    `json:"echo"`
	SleepMS int    `json:"sleepMs"`
	Crash   bool   `json:"crash"`
	Fail    string `json:"fail"`
}

type response struct {
	Echo any `json:"echo"`
	PID  int `json:"pid"`
	// Deadline is the invocation deadline the runtime announced.
	Deadline time.Time `json:"deadline"`
}

func handle(ctx context.Context, req request) (response, error) {
	if req.Crash {
		os.Exit(3)
	}
	if req.SleepMS > 0 {
		time.Sleep(time.Duration(req.SleepMS) * time.Millisecond)
	}
	if req.Fail != "" {
		return response{}, errors.New(req.Fail)
	}
	dl, _ := ctx.Deadline()
	return response{Echo: req.Echo, PID: os.Getpid(), Deadline: dl}, nil
}

func main() { lambda.Start(handle) }
