package health

import (
	"context"
	"slices"
	"testing"
	"time"
)

// Probes run every check within their timeout: one that takes longer is
// unreachable, and the outcomes come sorted by name.
func TestProbesRunEachCheckWithinTheTimeout(t *testing.T) {
	slow := func(ctx context.Context) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Second):
			return nil
		}
	}
	ok := func(context.Context) error { return nil }
	p := Probes{Timeout: 50 * time.Millisecond, Checks: []Check{{Name: "s3", Ping: slow}, {Name: "dynamodb", Ping: ok}}}
	start := time.Now()
	deps := p.Run(context.Background())
	var got []string
	for _, d := range deps {
		got = append(got, d.Name+" "+d.Status)
	}
	if want := []string{"dynamodb ok", "s3 unreachable"}; !slices.Equal(got, want) {
		t.Errorf("Run = %v, want %v", got, want)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Run took %v, want about the 50ms timeout", took)
	}
	if Healthy(deps) {
		t.Error("Healthy with s3 unreachable")
	}
}
