package config

import (
	"strings"
	"testing"
	"time"
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
