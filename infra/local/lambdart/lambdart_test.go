package lambdart

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// echoBinary is the test bootstrap built once from testdata/echo.
var echoBinary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lambdart-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	echoBinary = filepath.Join(dir, "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", echoBinary, "./testdata/echo")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build the test bootstrap: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// logWriter sends the bootstraps' output to the test log.
type logWriter struct{ t *testing.T }

func (w logWriter) Write(b []byte) (int, error) {
	w.t.Logf("%s", strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

func newPool(t *testing.T, max int, timeout time.Duration) *Pool {
	t.Helper()
	p := &Pool{Name: "echo", Binary: echoBinary, Env: Environ(map[string]string{"STAGE": "test"}),
		Max: max, Timeout: timeout, Log: logWriter{t}}
	t.Cleanup(p.Close)
	return p
}

type echoAnswer struct {
	Echo     any       `json:"echo"`
	PID      int       `json:"pid"`
	Deadline time.Time `json:"deadline"`
}

func invoke(t *testing.T, p *Pool, payload string) (echoAnswer, error) {
	t.Helper()
	out, err := p.Invoke(context.Background(), []byte(payload))
	if err != nil {
		return echoAnswer{}, err
	}
	var a echoAnswer
	if err := json.Unmarshal(out, &a); err != nil {
		t.Fatalf("answer %q is not JSON: %v", out, err)
	}
	return a, nil
}

func TestInvokeEchoes(t *testing.T) {
	p := newPool(t, 0, 5*time.Second)
	start := time.Now()
	a, err := invoke(t, p, `{"echo":{"hello":"мир","n":[1,2]}}`)
	if err != nil {
		t.Fatalf("Invoke() = %v", err)
	}
	got, _ := json.Marshal(a.Echo)
	if string(got) != `{"hello":"мир","n":[1,2]}` {
		t.Errorf("echo = %s, want the payload back", got)
	}
	if a.PID <= 0 || a.PID == os.Getpid() {
		t.Errorf("pid = %d, want a separate process", a.PID)
	}
	if a.Deadline.Before(start.Add(4*time.Second)) || a.Deadline.After(time.Now().Add(5*time.Second)) {
		t.Errorf("deadline = %v, want about 5s after the call", a.Deadline)
	}
	b, err := invoke(t, p, `{"echo":2}`)
	if err != nil || b.PID != a.PID {
		t.Errorf("second Invoke() = pid %d, %v; want the warm instance %d", b.PID, err, a.PID)
	}
	st := p.Stats()
	if st.Started != 1 || st.Instances != 1 || len(st.ColdStarts) != 1 {
		t.Errorf("Stats() = %+v, want one instance started once", st)
	}
}

func TestPrepareStartsAnIdleInstance(t *testing.T) {
	p := newPool(t, 1, 5*time.Second)
	if err := p.Prepare(context.Background()); err != nil {
		t.Fatalf("Prepare() = %v", err)
	}
	st := p.Stats()
	if st.Started != 1 || st.Instances != 1 || len(st.ColdStarts) != 1 {
		t.Errorf("Stats() after Prepare = %+v, want one instance with its cold start", st)
	}
	if err := p.Prepare(context.Background()); err == nil {
		t.Error("a second Prepare() at Max 1 succeeded, want an error")
	}
	if _, err := invoke(t, p, `{"echo":1}`); err != nil {
		t.Fatalf("Invoke() = %v", err)
	}
	if st := p.Stats(); st.Started != 1 || len(st.ColdStarts) != 1 {
		t.Errorf("Stats() after Invoke = %+v, want the prepared instance used, no new cold start", st)
	}
}

// concurrently runs n invocations at once and returns their answers and the time taken.
func concurrently(t *testing.T, p *Pool, n int, payload string) ([]echoAnswer, time.Duration) {
	t.Helper()
	answers := make([]echoAnswer, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := p.Invoke(context.Background(), []byte(payload))
			if err == nil {
				err = json.Unmarshal(out, &answers[i])
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("invocation %d: %v", i, err)
		}
	}
	return answers, time.Since(start)
}

func pids(answers []echoAnswer) map[int]bool {
	out := map[int]bool{}
	for _, a := range answers {
		out[a.PID] = true
	}
	return out
}

func TestConcurrentInvocationsRunInParallel(t *testing.T) {
	p := newPool(t, 10, 5*time.Second)
	answers, took := concurrently(t, p, 5, `{"sleepMs":300}`)
	if took >= 1200*time.Millisecond {
		t.Errorf("5 parallel 300ms invocations took %v, want well under 1.5s", took)
	}
	if st := p.Stats(); st.Started < 2 {
		t.Errorf("Stats().Started = %d, want ≥ 2 separate processes", st.Started)
	}
	if n := len(pids(answers)); n < 2 {
		t.Errorf("answers came from %d process(es), want ≥ 2", n)
	}
}

func TestMaxOneSerializes(t *testing.T) {
	p := newPool(t, 1, 5*time.Second)
	answers, took := concurrently(t, p, 3, `{"sleepMs":150}`)
	if took < 450*time.Millisecond {
		t.Errorf("3 invocations of 150ms with Max=1 took %v, want ≥ 450ms", took)
	}
	if st := p.Stats(); st.Started != 1 || st.Instances != 1 {
		t.Errorf("Stats() = %+v, want exactly one instance", st)
	}
	if n := len(pids(answers)); n != 1 {
		t.Errorf("answers came from %d processes, want 1", n)
	}
}

func TestFunctionErrorKeepsTheInstance(t *testing.T) {
	p := newPool(t, 0, 5*time.Second)
	first, err := invoke(t, p, `{}`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = invoke(t, p, `{"fail":"заявление не найдено"}`)
	if !errors.Is(err, ErrFunction) || !strings.Contains(err.Error(), "заявление не найдено") {
		t.Fatalf("Invoke() = %v, want ErrFunction with the message", err)
	}
	again, err := invoke(t, p, `{}`)
	if err != nil || again.PID != first.PID {
		t.Errorf("Invoke() after a handled error = pid %d, %v; want the same instance %d", again.PID, err, first.PID)
	}
}

func TestCrashStartsAFreshInstance(t *testing.T) {
	p := newPool(t, 0, 5*time.Second)
	first, err := invoke(t, p, `{}`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = invoke(t, p, `{"crash":true}`)
	if !errors.Is(err, ErrFunction) {
		t.Fatalf("Invoke() of a crashing function = %v, want ErrFunction", err)
	}
	next, err := invoke(t, p, `{"echo":"after"}`)
	if err != nil {
		t.Fatalf("Invoke() after the crash = %v", err)
	}
	if next.PID == first.PID || next.Echo != "after" {
		t.Errorf("Invoke() after the crash = %+v, want a fresh instance (not pid %d)", next, first.PID)
	}
	if st := p.Stats(); st.Started != 2 || st.Instances != 1 {
		t.Errorf("Stats() = %+v, want 2 started, 1 running", st)
	}
}

func TestTimeout(t *testing.T) {
	p := newPool(t, 0, 200*time.Millisecond)
	first, err := invoke(t, p, `{}`)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = invoke(t, p, `{"sleepMs":1000}`)
	took := time.Since(start)
	if !errors.Is(err, ErrFunction) || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("Invoke() = %v, want a timeout ErrFunction", err)
	}
	if took > 800*time.Millisecond {
		t.Errorf("timeout took %v, want about 200ms", took)
	}
	waitGone(t, first.PID)
	next, err := invoke(t, p, `{}`)
	if err != nil || next.PID == first.PID {
		t.Errorf("Invoke() after a timeout = pid %d, %v; want a fresh instance", next.PID, err)
	}
}

func TestContextCancelWhileWaiting(t *testing.T) {
	p := newPool(t, 1, 5*time.Second)
	done := make(chan error, 1)
	go func() {
		_, err := p.Invoke(context.Background(), []byte(`{"sleepMs":400}`))
		done <- err
	}()
	// Let the first invocation take the only instance.
	deadline := time.Now().Add(3 * time.Second)
	for p.Stats().Instances == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := p.Invoke(ctx, []byte(`{}`)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Invoke() with a short context while the pool is busy = %v, want DeadlineExceeded", err)
	}
	if err := <-done; err != nil {
		t.Errorf("first Invoke() = %v", err)
	}
}

// alive reports whether a process exists (a reaped child does not).
func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still runs", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCloseKillsEveryProcess(t *testing.T) {
	p := newPool(t, 0, 5*time.Second)
	answers, _ := concurrently(t, p, 3, `{"sleepMs":200}`)
	ps := pids(answers)
	if len(ps) < 2 {
		t.Fatalf("answers came from %d processes, want ≥ 2 to check Close", len(ps))
	}
	for pid := range ps {
		if !alive(pid) {
			t.Fatalf("process %d is not running before Close", pid)
		}
	}
	// A busy instance must die too.
	busy := make(chan error, 1)
	go func() {
		_, err := p.Invoke(context.Background(), []byte(`{"sleepMs":3000}`))
		busy <- err
	}()
	time.Sleep(100 * time.Millisecond)
	p.Close()
	for pid := range ps {
		waitGone(t, pid)
	}
	select {
	case err := <-busy:
		if err == nil {
			t.Errorf("the busy invocation succeeded after Close")
		}
	case <-time.After(2 * time.Second):
		t.Errorf("the busy invocation did not end after Close")
	}
	if _, err := p.Invoke(context.Background(), []byte(`{}`)); err == nil {
		t.Errorf("Invoke() after Close = nil, want an error")
	}
}

func TestStartFailure(t *testing.T) {
	p := &Pool{Name: "missing", Binary: filepath.Join(t.TempDir(), "no-such-binary"), Timeout: time.Second}
	t.Cleanup(p.Close)
	if _, err := p.Invoke(context.Background(), []byte(`{}`)); err == nil {
		t.Fatal("Invoke() of a missing binary = nil, want an error")
	}
	if st := p.Stats(); st.Instances != 0 {
		t.Errorf("Stats().Instances = %d after a failed start, want 0", st.Instances)
	}
}

func TestEnviron(t *testing.T) {
	t.Setenv("SECRET_OF_THE_HOST", "x")
	env := Environ(map[string]string{"TABLE_NAME": "kabinet"})
	joined := "\n" + strings.Join(env, "\n") + "\n"
	if strings.Contains(joined, "SECRET_OF_THE_HOST") {
		t.Errorf("Environ() passes the host's variables: %v", env)
	}
	if !strings.Contains(joined, "\nTABLE_NAME=kabinet\n") {
		t.Errorf("Environ() = %v, want TABLE_NAME=kabinet", env)
	}
	if _, ok := os.LookupEnv("PATH"); ok && !strings.Contains(joined, "\nPATH=") {
		t.Errorf("Environ() = %v, want PATH", env)
	}
}
