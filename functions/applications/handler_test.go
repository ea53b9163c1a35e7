package main

import (
	"io"
	"testing"

	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/logging"
)

func TestRoutesMatchTheTable(t *testing.T) {
	r := (&handler{}).router(httpapi.NewRouter("applications", logging.New(io.Discard, "error")))
	if m := r.Mismatch(); len(m) > 0 {
		t.Errorf("router and shared/routes disagree: %v", m)
	}
}
