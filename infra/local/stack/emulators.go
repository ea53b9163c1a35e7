package stack

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// listen opens a loopback listener on addr ("" or port 0 for any free port).
func listen(addr string) (net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	return net.Listen("tcp", addr)
}

// serve runs an http.Handler on a listener and returns its base URL.
func (s *Stack) serve(ln net.Listener, h http.Handler) string {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	s.onClose(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

// freePort asks the kernel for a free loopback port for a child process.
func freePort(want int) (int, error) {
	if want > 0 {
		return want, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startNode runs a Node.js program from infra/node_modules as a child that
// dies with the stack, and waits until url answers.
func (s *Stack) startNode(ctx context.Context, name, dir string, env []string, healthURL string, args ...string) error {
	cmd := exec.Command("node", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out := &prefixWriter{prefix: "[" + name + "] ", w: s.opts.Log}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w (is Node.js installed?)", name, err)
	}
	var exited atomic.Bool
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); exited.Store(true); close(done) }()
	s.onClose(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	})
	// Generous: on a busy machine Node takes its time to load.
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if exited.Load() {
			return fmt.Errorf("%s exited during start; see its output above", name)
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, healthURL, nil)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
			if res.StatusCode < 500 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not answer at %s within 2 minutes", name, healthURL)
}

// nodeModule returns the path of a file inside infra/node_modules or an error
// telling how to install it.
func (s *Stack) nodeModule(rel string) (string, error) {
	p := filepath.Join(s.opts.Root, "infra", "node_modules", rel)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s is missing: run `npm ci --prefix infra` (make run does it)", p)
	}
	return p, nil
}

// prefixWriter prefixes each line a child writes.
type prefixWriter struct {
	prefix string
	w      io.Writer
	mu     sync.Mutex
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := strings.IndexByte(string(p.buf), '\n')
		if i < 0 {
			break
		}
		line := p.buf[:i+1]
		if p.w != nil {
			_, _ = p.w.Write(append([]byte(p.prefix), line...))
		}
		p.buf = p.buf[i+1:]
	}
	return len(b), nil
}
