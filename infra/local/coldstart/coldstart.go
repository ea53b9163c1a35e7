// Package coldstart measures what a function's cold start costs: how long
// its init takes through the local Runtime API (process start until it asks
// for its first invocation), which AWS requests it makes before then, and how
// big its Lambda bootstrap is. `make bench` tabulates all three for every
// function of the template, and tests hold every function to the bounds.
package coldstart

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kabinet/kabinet/infra/local/lambdart"
)

// Function is one function to cold-start.
type Function struct {
	// Name is the function's folder under functions/.
	Name string
	// Binary is its bootstrap built for this machine.
	Binary string
	// Env is the environment the template gives it, the emulators'
	// endpoints included.
	Env map[string]string
}

// Result is what the cold starts of one function showed.
type Result struct {
	Name string
	// Inits are the init times, one per cold start, in order.
	Inits []time.Duration
	// Calls are the AWS requests of each init, in order.
	Calls []Calls
}

// Percentile is the p-th percentile (0 < p ≤ 100) of the init times by the
// nearest-rank method: the smallest time that at least p% of the cold starts
// did not exceed. It is 0 without cold starts.
func (r Result) Percentile(p float64) time.Duration {
	if len(r.Inits) == 0 {
		return 0
	}
	s := slices.Clone(r.Inits)
	slices.Sort(s)
	i := int(math.Ceil(float64(len(s))*p/100)) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// MostCalls is the AWS requests of the init that made the most: an init
// normally makes the same ones every time.
func (r Result) MostCalls() Calls {
	most := Calls{}
	for _, c := range r.Calls {
		if c.Total() > most.Total() {
			most = c
		}
	}
	return most
}

// MeanCalls is the average number of AWS requests per init.
func (r Result) MeanCalls() float64 {
	if len(r.Calls) == 0 {
		return 0
	}
	n := 0
	for _, c := range r.Calls {
		n += c.Total()
	}
	return float64(n) / float64(len(r.Calls))
}

// Measure cold-starts every function n times, taking turns so that whatever
// else loads the machine weighs on all of them alike. Each cold start is a
// fresh process with its own Runtime API endpoint and its AWS endpoints
// behind a counting Front; it is stopped as soon as it asks for its first
// invocation, so the requests counted are those of its init.
func Measure(ctx context.Context, fns []Function, n int) ([]Result, error) {
	fronts := make([]*Front, len(fns))
	envs := make([][]string, len(fns))
	defer func() {
		for _, f := range fronts {
			if f != nil {
				f.Close()
			}
		}
	}()
	for i, fn := range fns {
		f, env, err := NewFront(fn.Env)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fn.Name, err)
		}
		fronts[i], envs[i] = f, lambdart.Environ(env)
	}
	results := make([]Result, len(fns))
	for i, fn := range fns {
		results[i].Name = fn.Name
	}
	for range n {
		for i, fn := range fns {
			d, calls, err := once(ctx, fn, envs[i], fronts[i])
			if err != nil {
				return nil, err
			}
			results[i].Inits = append(results[i].Inits, d)
			results[i].Calls = append(results[i].Calls, calls)
		}
	}
	return results, nil
}

// once runs one cold start of fn.
func once(ctx context.Context, fn Function, env []string, front *Front) (time.Duration, Calls, error) {
	var out lockedBuffer
	pool := &lambdart.Pool{Name: fn.Name, Binary: fn.Binary, Env: env, Max: 1, Timeout: 10 * time.Second, Log: &out}
	defer pool.Close()
	front.Take() // whatever a previous instance sent after its init
	if err := pool.Prepare(ctx); err != nil {
		return 0, nil, fmt.Errorf("cold start of %s: %w\n%s", fn.Name, err, out.String())
	}
	calls := front.Take()
	return pool.Stats().ColdStarts[0], calls, nil
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// LambdaFlags are the go build flags of a Lambda bootstrap (DESIGN.md,
// decision 2; the Makefile's LAMBDA_FLAGS).
var LambdaFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w"}

// BuildLambda builds the bootstrap of every package (a function's CodeUri,
// relative to root) for linux/arm64 with the Lambda flags into dir, in one
// go build, and returns their sizes in bytes by function name (the
// package's folder). go build's cache and an up-to-date dir make a repeated
// build cost about a second.
func BuildLambda(ctx context.Context, root, dir string, codeURIs []string) (map[string]int64, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	args := append([]string{"build"}, LambdaFlags...)
	args = append(args, "-o", dir+string(os.PathSeparator))
	for _, c := range codeURIs {
		args = append(args, "./"+strings.TrimPrefix(c, "./"))
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build the arm64 bootstraps: %v\n%s", err, out)
	}
	sizes := map[string]int64{}
	for _, c := range codeURIs {
		name := filepath.Base(c)
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		sizes[name] = fi.Size()
	}
	return sizes, nil
}
