package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/infra/local/coldstart"
)

// lambdaBuild builds every function's linux/arm64 bootstrap with the Lambda
// flags once per test binary: the size test and the cold-start benchmark
// share it, and go build's cache with an up-to-date .build/arm64 makes it
// cost about a second from one run to the next.
var lambdaBuild = sync.OnceValues(func() (map[string]int64, error) {
	var uris []string
	for _, fn := range st.Template.Functions {
		uris = append(uris, fn.CodeURI)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	return coldstart.BuildLambda(ctx, st.Root(), filepath.Join(st.Root(), ".build", "arm64"), uris)
})

// coldStartFunctions is every function of the template as the local stack
// runs it: its bootstrap built for this machine, with the environment the
// template gives it and the emulators' endpoints.
func coldStartFunctions(t testing.TB) []coldstart.Function {
	t.Helper()
	var fns []coldstart.Function
	for _, fn := range st.Template.Functions {
		env, err := st.FunctionEnv(fn)
		if err != nil {
			t.Fatal(err)
		}
		fns = append(fns, coldstart.Function{Name: fn.Name, Binary: st.Pools[fn.Name].Binary, Env: env})
	}
	return fns
}

// TestInitMakesNoAWSCall holds every function to the zero-round-trip rule:
// its init (process start until it asks for its first invocation) sends no
// request to any AWS endpoint. Clients are built at init; what they fetch
// waits for the first call that needs it.
func TestInitMakesNoAWSCall(t *testing.T) {
	results, err := coldstart.Measure(context.Background(), coldStartFunctions(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	var offenders []string
	for _, r := range results {
		if c := r.MostCalls(); c.Total() > 0 {
			noun := "calls"
			if c.Total() == 1 {
				noun = "call"
			}
			offenders = append(offenders, fmt.Sprintf("  %-14s %d %s: %s", r.Name, c.Total(), noun, c))
		}
	}
	if len(offenders) > 0 {
		t.Errorf("%d of %d functions call AWS during init, a round trip on every cold start (calls by service):\n%s",
			len(offenders), len(results), strings.Join(offenders, "\n"))
	}
}

// TestBootstrapsFitTheSizeBound holds every function's linux/arm64
// bootstrap, built with the Lambda flags, to 15 MiB.
func TestBootstrapsFitTheSizeBound(t *testing.T) {
	sizes, err := lambdaBuild()
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(sizes))
	for name := range sizes {
		names = append(names, name)
	}
	sort.Strings(names)
	var offenders []string
	for _, name := range names {
		if size := sizes[name]; size > coldstart.Goal.MaxSize {
			offenders = append(offenders, fmt.Sprintf("  %-14s %5.1f MiB (%d bytes, %.1f MiB over)",
				name, float64(size)/coldstart.MiB, size, float64(size-coldstart.Goal.MaxSize)/coldstart.MiB))
		}
	}
	if len(offenders) > 0 {
		t.Errorf("%d of %d linux/arm64 bootstraps are over %d MiB:\n%s",
			len(offenders), len(sizes), coldstart.Goal.MaxSize/coldstart.MiB, strings.Join(offenders, "\n"))
	}
}
