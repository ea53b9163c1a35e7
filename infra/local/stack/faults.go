package stack

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
)

// Faults fronts an emulator and fails its next sending calls on demand:
// the failure injection the delivery tests need (minidyn has its own, and
// the SNS endpoint has FailNextPublishes).
type Faults struct {
	proxy *httputil.ReverseProxy

	mu        sync.Mutex
	transient int
	permanent int
}

func newFaults(target string) (*Faults, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	return &Faults{proxy: httputil.NewSingleHostReverseProxy(u)}, nil
}

// FailNext makes the next n sends fail with a retryable 500.
func (f *Faults) FailNext(n int) {
	f.mu.Lock()
	f.transient = n
	f.mu.Unlock()
}

// RejectNext makes the next n sends fail as SES rejects a message (a
// permanent 400 MessageRejected).
func (f *Faults) RejectNext(n int) {
	f.mu.Lock()
	f.permanent = n
	f.mu.Unlock()
}

// ServeHTTP fails sends while a fault is armed and forwards everything else.
func (f *Faults) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sending := r.Method == http.MethodPost && strings.Contains(r.URL.Path, "outbound-email")
	if sending {
		f.mu.Lock()
		transient, permanent := f.transient > 0, f.permanent > 0 && f.transient == 0
		if transient {
			f.transient--
		} else if permanent {
			f.permanent--
		}
		f.mu.Unlock()
		switch {
		case transient:
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Amzn-Errortype", "InternalFailure")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"message":"injected failure"}`))
			return
		case permanent:
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Amzn-Errortype", "MessageRejected")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"message":"Email address is not verified (injected)"}`))
			return
		}
	}
	f.proxy.ServeHTTP(w, r)
}
