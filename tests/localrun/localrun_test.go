// Package localrun checks the local stack as `make run` starts it: it comes
// up, serves /health, and Ctrl-C stops every process it started.
package localrun

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kabinet/kabinet/infra/local/template"
)

// descendants returns the pids whose parent chain leads to pid.
func descendants(pid int) []int {
	parent := map[int]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 {
			parent[p], _ = strconv.Atoi(f[1])
		}
	}
	var out []int
	for p := range parent {
		for q := parent[p]; q > 1; q = parent[q] {
			if q == pid {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

func alive(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(f) > 0 && f[0] != "Z"
}

// upBound is how long the stack may take to come up. The first start
// compiles every function, which on a busy two-core machine takes minutes.
const upBound = 10 * time.Minute

var progressRe = regexp.MustCompile(`^stack: (starting|ready) (.+?)(?: in \S+)?$`)

// progress follows the stack's progress lines (-progress): which parts
// started, and which of them are ready.
type progress struct {
	order   []string
	started map[string]time.Time
	ready   []string
}

func (p *progress) read(line string) {
	m := progressRe.FindStringSubmatch(line)
	switch {
	case m == nil:
	case m[1] == "starting":
		p.order = append(p.order, m[2])
		p.started[m[2]] = time.Now()
	default:
		p.ready = append(p.ready, m[2])
		delete(p.started, m[2])
	}
}

// String says what is still starting, and for how long.
func (p *progress) String() string {
	var pending []string
	for _, part := range p.order {
		if at, ok := p.started[part]; ok {
			pending = append(pending, fmt.Sprintf("%s (for %s)", part, time.Since(at).Round(time.Second)))
		}
	}
	if len(pending) == 0 {
		pending = []string{"nothing"}
	}
	return fmt.Sprintf("still starting: %s; ready: %s", strings.Join(pending, ", "), strings.Join(p.ready, ", "))
}

func TestRunServesHealthAndCtrlCStopsEverything(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole local stack")
	}
	root, err := template.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "kabinet-local")
	build := exec.Command("go", "build", "-o", bin, "./infra/local")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-quiet", "-progress", "-api", "127.0.0.1:0", "-dynamodb", "127.0.0.1:0", "-s3", "127.0.0.1:0",
		"-sns", "127.0.0.1:0", "-cognito-port", "0", "-ses-port", "0", "-token", "127.0.0.1:0")
	cmd.Dir = root
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()

	apiRe := regexp.MustCompile(`API \(HTTP API, payload 2\.0\)\s+(http://\S+)`)
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	api := ""
	parts := &progress{started: map[string]time.Time{}}
	deadline := time.After(upBound)
	for ready := false; !ready; {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the local stack exited before it was up (%s)", parts)
			}
			parts.read(l)
			if m := apiRe.FindStringSubmatch(l); m != nil {
				api = m[1]
			}
			if strings.Contains(l, "Press Ctrl-C") {
				ready = true
			}
		case <-deadline:
			t.Fatalf("the local stack was not up within %s (%s)", upBound, parts)
		}
	}
	go func() {
		for range lines { // keep reading so the stack never blocks on stdout
		}
	}()
	t.Logf("up in %s at %s", time.Since(start).Round(time.Millisecond), api)

	res, err := http.Get(api + "/health")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /health = %d", res.StatusCode)
	}
	children := descendants(cmd.Process.Pid)
	if len(children) < 3 {
		t.Fatalf("found %d child processes, want at least cognito-local, the SES emulator and a function", len(children))
	}

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("the local stack did not stop within 15 s of Ctrl-C")
	}
	time.Sleep(500 * time.Millisecond)
	for _, p := range children {
		if alive(p) {
			t.Errorf("process %d outlived Ctrl-C", p)
		}
	}
}

// TestProgressSaysWhatIsStillStarting: the report a timeout gives names the
// parts that started and are not ready.
func TestProgressSaysWhatIsStillStarting(t *testing.T) {
	p := &progress{started: map[string]time.Time{}}
	for _, l := range []string{
		"stack: starting function build",
		"stack: starting in-process emulators (DynamoDB, S3, SNS, KMS, Secrets Manager)",
		"stack: ready in-process emulators (DynamoDB, S3, SNS, KMS, Secrets Manager) in 2ms",
		"stack: starting cognito-local",
		"a function's log line",
	} {
		p.read(l)
	}
	got := p.String()
	want := regexp.MustCompile(`^still starting: function build \(for \d+s\), cognito-local \(for \d+s\); ready: in-process emulators \(DynamoDB, S3, SNS, KMS, Secrets Manager\)$`)
	if !want.MatchString(got) {
		t.Errorf("progress = %q", got)
	}
}
