package config

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
)

func TestEnvReportsEveryProblem(t *testing.T) {
	e := FromMap(map[string]string{string(MaxBodyBytes): "lots", string(ClockOffset): "26h"})
	_ = e.String(TableName)
	_ = e.String(BucketName)
	_ = e.Int(MaxBodyBytes, 10)
	c := e.ReadCommon()
	err := e.Err()
	if err == nil {
		t.Fatal("Err() = nil, want the missing and malformed variables")
	}
	for _, want := range []string{"TABLE_NAME", "BUCKET_NAME", "MAX_BODY_BYTES"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Err() = %q, want it to name %s", err, want)
		}
	}
	if c.ClockOffset != 26*time.Hour || c.Stage != "local" || c.Version != "dev" {
		t.Errorf("ReadCommon() = %+v", c)
	}
}

func TestEnvOK(t *testing.T) {
	e := FromMap(map[string]string{"TABLE_NAME": " kabinet ", "MAX_BODY_BYTES": "1024"})
	if got := e.String(TableName); got != "kabinet" {
		t.Errorf("String = %q, want kabinet", got)
	}
	if got := e.Int(MaxBodyBytes, 1); got != 1024 {
		t.Errorf("Int = %d, want 1024", got)
	}
	if err := e.Err(); err != nil {
		t.Errorf("Err() = %v", err)
	}
}

func TestEndpoint(t *testing.T) {
	yes, no := true, false
	env := map[string]string{string(SESEndpoint): " http://127.0.0.1:8005 "}
	tests := []struct {
		name string
		env  map[string]string
		cfg  aws.Config
		want string
	}{
		{"set", env, aws.Config{}, "http://127.0.0.1:8005"},
		{"unset", map[string]string{}, aws.Config{}, ""},
		{"set, configured endpoints not ignored", env,
			aws.Config{ConfigSources: []any{awsconfig.EnvConfig{IgnoreConfiguredEndpoints: &no}}}, "http://127.0.0.1:8005"},
		{"set but configured endpoints ignored", env,
			aws.Config{ConfigSources: []any{awsconfig.EnvConfig{IgnoreConfiguredEndpoints: &yes}}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := FromMap(tt.env)
			if got := e.Endpoint(tt.cfg, SESEndpoint); got != tt.want {
				t.Errorf("Endpoint(%s) = %q, want %q", SESEndpoint, got, tt.want)
			}
			if err := e.Err(); err != nil {
				t.Errorf("Err() = %v, want nil: the setting is optional", err)
			}
		})
	}
}

func TestPositive(t *testing.T) {
	tests := []struct {
		name, value string
		want        int
		bad         bool
	}{
		{"unset", "", 10, false},
		{"set", " 25 ", 25, false},
		{"one", "1", 1, false},
		{"zero", "0", 10, true},
		{"negative", "-3", 10, true},
		{"not a number", "many", 10, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := FromMap(map[string]string{string(SendsPerAddressHour): tt.value})
			if got := e.Positive(SendsPerAddressHour, 10); got != tt.want {
				t.Errorf("Positive = %d, want %d", got, tt.want)
			}
			if err := e.Err(); (err != nil) != tt.bad {
				t.Errorf("Err() = %v, want an error: %v", err, tt.bad)
			}
		})
	}
}
