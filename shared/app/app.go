// Package app is the start-up every function shares: read the common
// settings, build the logger and the clock, load the AWS configuration once
// per cold start. Each function's main adds its own clients and starts.
package app

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/logging"
)

// Base is what every function starts with.
type Base struct {
	Env    *config.Env
	Common config.Common
	Log    *slog.Logger
	Clock  clock.Clock
	AWS    aws.Config
}

// Load reads the environment and the AWS configuration.
func Load(ctx context.Context) (*Base, error) {
	env := config.FromOS()
	common := env.ReadCommon()
	log := logging.New(os.Stdout, common.LogLevel).With("stage", common.Stage, "version", common.Version)
	var clk clock.Clock = clock.System{}
	if common.ClockOffset != 0 {
		clk = clock.Offset{Base: clk, Shift: common.ClockOffset}
	}
	cfg, err := config.AWS(ctx)
	if err != nil {
		return nil, err
	}
	return &Base{Env: env, Common: common, Log: log, Clock: clk, AWS: cfg}, nil
}

// Must stops a cold start that cannot go on; Lambda reports it as an init error.
func Must(log *slog.Logger, err error) {
	if err == nil {
		return
	}
	if log == nil {
		log = logging.New(os.Stderr, "info")
	}
	log.Error("cold start failed", "err", err)
	os.Exit(1)
}
