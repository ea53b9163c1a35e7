package main

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kabinet/kabinet/shared/health"
	"github.com/kabinet/kabinet/shared/logging"
)

func TestCanaryFailsWhenADependencyIsDown(t *testing.T) {
	ok := func(context.Context) error { return nil }
	down := func(context.Context) error { return errors.New("timeout") }
	cases := []struct {
		name    string
		checks  []health.Check
		wantErr bool
	}{
		{"all up", []health.Check{{Name: "dynamodb", Ping: ok}, {Name: "ses", Ping: ok}}, false},
		{"ses down", []health.Check{{Name: "dynamodb", Ping: ok}, {Name: "ses", Ping: down}}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cn := &canary{checks: c.checks, log: logging.New(io.Discard, "error")}
			res, err := cn.run(context.Background(), events.EventBridgeEvent{ID: "test"})
			if (err != nil) != c.wantErr || res.Healthy == c.wantErr {
				t.Errorf("run = %+v, %v; want error %v", res, err, c.wantErr)
			}
		})
	}
}
