package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/logging"
)

type fake struct {
	sweeps  int
	settled []string
	err     error
}

func (f *fake) Sweep(context.Context) (accesslog.SweepStats, error) {
	f.sweeps++
	return accesslog.SweepStats{Logs: 2, Chained: 5}, f.err
}

func (f *fake) Settle(_ context.Context, sub string) (int, error) {
	f.settled = append(f.settled, sub)
	return 1, f.err
}

func sample(t *testing.T, name string) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile("../../events/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newHandler(f *fake) *handler { return &handler{log: f, slog: logging.New(io.Discard, "error")} }

// A stream batch settles the log of each person whose read it inserted,
// once; no sweep. A failure stays for the sweep and fails nothing.
func TestStreamBatchSettlesTheOwnersLog(t *testing.T) {
	for _, fail := range []error{nil, errors.New("busy")} {
		f := &fake{err: fail}
		st, err := newHandler(f).handle(context.Background(), sample(t, "accesslog-stream.json"))
		if err != nil || f.sweeps != 0 || len(f.settled) != 1 || f.settled[0] != "3f1c2a9e-5b7d-4c1e-9f00-2a6b8c0d4e51" {
			t.Errorf("stream = %+v, %v; settled %v, sweeps %d", st, err, f.settled, f.sweeps)
		}
		if (fail == nil) != (st.Logs == 1) || (fail != nil) != (st.Errors == 1) {
			t.Errorf("with %v: stats %+v", fail, st)
		}
	}
	// Another kind's insert is none of its business.
	f := &fake{}
	raw := sample(t, "deliver-stream.json")
	if _, err := newHandler(f).handle(context.Background(), raw); err != nil || len(f.settled) != 0 || f.sweeps != 0 {
		t.Errorf("a delivery's insert settled %v", f.settled)
	}
}

// The scheduled event sweeps.
func TestScheduleSweeps(t *testing.T) {
	f := &fake{}
	st, err := newHandler(f).handle(context.Background(), sample(t, "accesslog-sweep.json"))
	if err != nil || f.sweeps != 1 || st.Chained != 5 {
		t.Errorf("sweep = %+v, %v after %d sweeps", st, err, f.sweeps)
	}
}
