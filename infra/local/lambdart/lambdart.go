// Package lambdart runs a function's real bootstrap binary the way Lambda
// does: each instance is a process that pulls invocations from its own
// Lambda Runtime API endpoint. A Pool keeps instances per function and grows
// on demand up to a limit, so concurrent requests run in separate processes
// and races are as real as in production.
package lambdart

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrFunction is returned when the function reported an error or crashed.
var ErrFunction = errors.New("function error")

// Pool runs instances of one function.
type Pool struct {
	Name    string
	Binary  string
	Env     []string
	Max     int
	Timeout time.Duration
	// Log receives the processes' stdout and stderr.
	Log io.Writer

	mu      sync.Mutex
	idle    []*instance
	count   int
	freed   chan struct{}
	closed  bool
	all     map[*instance]bool
	started int
	cold    []time.Duration
	// gen counts reconfigurations; instances of an older one are retired.
	gen int
}

type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
	done     chan result
}

type result struct {
	body []byte
	err  error
}

type instance struct {
	pool     *Pool
	gen      int
	cmd      *exec.Cmd
	srv      *http.Server
	next     chan *invocation
	mu       sync.Mutex
	current  *invocation
	ready    chan struct{}
	exited   chan struct{}
	readyAt  time.Duration
	onceRdy  sync.Once
	exitErr  error
	initFail string
}

// Stats describes a pool.
type Stats struct {
	Instances  int
	Started    int
	ColdStarts []time.Duration
}

// Stats returns how many instances run and how long their cold starts took.
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Stats{Instances: p.count, Started: p.started, ColdStarts: append([]time.Duration(nil), p.cold...)}
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Invoke runs one invocation on an idle instance, starting one when none is
// idle and the pool is below Max, or waiting for one otherwise.
func (p *Pool) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	inst, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	inv := &invocation{id: newID(), payload: payload, deadline: time.Now().Add(timeout), done: make(chan result, 1)}
	select {
	case inst.next <- inv:
	case <-inst.exited:
		p.discard(inst)
		return nil, fmt.Errorf("%s: instance exited before the invocation: %w", p.Name, ErrFunction)
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case r := <-inv.done:
		p.release(inst)
		return r.body, r.err
	case <-inst.exited:
		p.discard(inst)
		return nil, fmt.Errorf("%s: instance crashed: %v: %w", p.Name, inst.exitErr, ErrFunction)
	case <-timer.C:
		inst.kill()
		p.discard(inst)
		return nil, fmt.Errorf("%s: task timed out after %s: %w", p.Name, timeout, ErrFunction)
	case <-ctx.Done():
		// Lambda finishes the invocation anyway; the instance returns to the
		// pool when it answers.
		go func() {
			select {
			case <-inv.done:
				p.release(inst)
			case <-inst.exited:
				p.discard(inst)
			}
		}()
		return nil, ctx.Err()
	}
}

// Prepare starts one more instance and leaves it idle once it has finished
// its init, as provisioned concurrency does: the cold start happens now and
// no invocation is sent. It fails when the pool is already at Max.
func (p *Pool) Prepare(ctx context.Context) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return errors.New("pool closed")
	}
	p.setUp()
	if p.Max > 0 && p.count >= p.Max {
		p.mu.Unlock()
		return fmt.Errorf("%s: already runs %d instances, its Max", p.Name, p.count)
	}
	p.count++
	p.started++
	p.mu.Unlock()
	inst, err := p.start(ctx)
	if err != nil {
		return err
	}
	p.release(inst)
	return nil
}

// setUp makes the zero Pool usable; p.mu is held.
func (p *Pool) setUp() {
	if p.freed == nil {
		p.freed = make(chan struct{})
		p.all = map[*instance]bool{}
	}
}

func (p *Pool) acquire(ctx context.Context) (*instance, error) {
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, errors.New("pool closed")
		}
		p.setUp()
		if n := len(p.idle); n > 0 {
			inst := p.idle[n-1]
			p.idle = p.idle[:n-1]
			p.mu.Unlock()
			select {
			case <-inst.exited:
				p.discard(inst)
				continue
			default:
				return inst, nil
			}
		}
		if p.Max <= 0 || p.count < p.Max {
			p.count++
			p.started++
			p.mu.Unlock()
			inst, err := p.start(ctx)
			if err != nil {
				return nil, err
			}
			return inst, nil
		}
		wait := p.freed
		p.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (p *Pool) signal() {
	p.mu.Lock()
	if p.freed != nil {
		close(p.freed)
	}
	p.freed = make(chan struct{})
	p.mu.Unlock()
}

// Reconfigure gives future instances a new environment and retires the
// current ones (idle ones now, busy ones when they finish), as a Lambda
// configuration update does.
func (p *Pool) Reconfigure(env []string) {
	p.mu.Lock()
	p.Env = env
	p.gen++
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, inst := range idle {
		p.discard(inst)
	}
}

func (p *Pool) release(inst *instance) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		inst.kill()
		return
	}
	if inst.gen != p.gen {
		p.mu.Unlock()
		p.discard(inst)
		return
	}
	p.idle = append(p.idle, inst)
	p.mu.Unlock()
	p.signal()
}

func (p *Pool) discard(inst *instance) {
	inst.kill()
	p.mu.Lock()
	if p.all[inst] {
		delete(p.all, inst)
		p.count--
	}
	p.mu.Unlock()
	p.signal()
}

// Close stops every instance of the pool.
func (p *Pool) Close() {
	p.mu.Lock()
	p.closed = true
	insts := make([]*instance, 0, len(p.all))
	for i := range p.all {
		insts = append(insts, i)
	}
	p.mu.Unlock()
	for _, i := range insts {
		i.kill()
	}
}

func (p *Pool) start(ctx context.Context) (*instance, error) {
	unregistered := func(err error) (*instance, error) {
		p.mu.Lock()
		p.count--
		p.mu.Unlock()
		p.signal()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return unregistered(err)
	}
	p.mu.Lock()
	gen, env := p.gen, append([]string(nil), p.Env...)
	p.mu.Unlock()
	inst := &instance{pool: p, gen: gen, next: make(chan *invocation), ready: make(chan struct{}), exited: make(chan struct{})}
	inst.srv = &http.Server{Handler: inst, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = inst.srv.Serve(ln) }()

	cmd := exec.Command(p.Binary)
	cmd.Env = append(env,
		"AWS_LAMBDA_RUNTIME_API="+ln.Addr().String(),
		"AWS_LAMBDA_FUNCTION_NAME="+p.Name,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"_HANDLER=bootstrap",
		"LAMBDA_TASK_ROOT="+dirOf(p.Binary),
	)
	cmd.Stdout, cmd.Stderr = p.Log, p.Log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	began := time.Now()
	if err := cmd.Start(); err != nil {
		_ = inst.srv.Close()
		return unregistered(fmt.Errorf("start %s: %w", p.Name, err))
	}
	inst.cmd = cmd
	p.mu.Lock()
	p.all[inst] = true
	p.mu.Unlock()
	go func() {
		inst.exitErr = cmd.Wait()
		close(inst.exited)
		_ = inst.srv.Close()
	}()
	select {
	case <-inst.ready:
		inst.readyAt = time.Since(began)
		p.mu.Lock()
		p.cold = append(p.cold, inst.readyAt)
		p.mu.Unlock()
		return inst, nil
	case <-inst.exited:
		p.discard(inst)
		return nil, fmt.Errorf("%s: init failed: %s %v: %w", p.Name, inst.initFail, inst.exitErr, ErrFunction)
	case <-time.After(10 * time.Second):
		p.discard(inst)
		return nil, fmt.Errorf("%s: init timed out", p.Name)
	case <-ctx.Done():
		p.discard(inst)
		return nil, ctx.Err()
	}
}

func dirOf(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[:i]
	}
	return "."
}

func (i *instance) kill() {
	if i.cmd != nil && i.cmd.Process != nil {
		_ = syscall.Kill(-i.cmd.Process.Pid, syscall.SIGKILL)
	}
}

const prefix = "/2018-06-01/runtime/"

// ServeHTTP implements the Lambda Runtime API for one instance.
func (i *instance) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, prefix)
	switch {
	case r.Method == http.MethodGet && path == "invocation/next":
		i.onceRdy.Do(func() { close(i.ready) })
		var inv *invocation
		select {
		case inv = <-i.next:
		case <-r.Context().Done():
			return
		case <-i.exited:
			return
		}
		i.mu.Lock()
		i.current = inv
		i.mu.Unlock()
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-central-1:000000000000:function:"+i.pool.Name)
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-"+inv.id[:8]+"-"+strings.ReplaceAll(inv.id[9:], "-", "")[:24])
		h.Set("Content-Type", "application/json")
		_, _ = w.Write(inv.payload)
	case r.Method == http.MethodPost && strings.HasPrefix(path, "invocation/"):
		parts := strings.Split(path, "/")
		if len(parts) != 3 {
			http.NotFound(w, r)
			return
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 7<<20))
		i.mu.Lock()
		inv := i.current
		if inv != nil && inv.id == parts[1] {
			i.current = nil
		} else {
			inv = nil
		}
		i.mu.Unlock()
		if inv == nil {
			http.Error(w, `{"errorMessage":"unknown request id"}`, http.StatusBadRequest)
			return
		}
		if parts[2] == "error" {
			inv.done <- result{err: fmt.Errorf("%s: %s: %w", i.pool.Name, bytes.TrimSpace(body), ErrFunction)}
		} else {
			inv.done <- result{body: body}
		}
		w.WriteHeader(http.StatusAccepted)
	case r.Method == http.MethodPost && path == "init/error":
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		i.initFail = string(body)
		w.WriteHeader(http.StatusAccepted)
		i.kill()
	default:
		http.NotFound(w, r)
	}
}

// Environ returns os.Environ filtered to what a Lambda process may see (PATH,
// HOME, TZ) plus the given variables.
func Environ(extra map[string]string) []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "TZ", "GOCOVERDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	for k, v := range extra {
		env = append(env, k+"="+v)
	}
	return env
}
