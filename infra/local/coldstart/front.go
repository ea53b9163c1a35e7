package coldstart

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// Call is one kind of AWS request: the service and its operation.
type Call struct {
	Service   string
	Operation string
}

// Calls counts AWS requests by kind.
type Calls map[Call]int

// Total is the number of requests.
func (c Calls) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// ByService sums the requests of each service.
func (c Calls) ByService() map[string]int {
	out := map[string]int{}
	for k, v := range c {
		out[k.Service] += v
	}
	return out
}

// String lists the requests by service, then operation, e.g.
// "secrets-manager 1 (GetSecretValue); kms 3 (Decrypt ×2, GenerateDataKey)";
// "0" when there are none.
func (c Calls) String() string {
	if c.Total() == 0 {
		return "0"
	}
	ops := map[string][]string{}
	for k, v := range c {
		if v == 0 {
			continue
		}
		op := k.Operation
		if v > 1 {
			op = fmt.Sprintf("%s ×%d", op, v)
		}
		ops[k.Service] = append(ops[k.Service], op)
	}
	services := make([]string, 0, len(ops))
	for s := range ops {
		services = append(services, s)
	}
	sort.Strings(services)
	by := c.ByService()
	parts := make([]string, len(services))
	for i, s := range services {
		sort.Strings(ops[s])
		parts[i] = fmt.Sprintf("%s %d (%s)", s, by[s], strings.Join(ops[s], ", "))
	}
	return strings.Join(parts, "; ")
}

// endpointPrefix starts the SDK's endpoint settings: AWS_ENDPOINT_URL for
// every service, AWS_ENDPOINT_URL_<SERVICE> for one.
const endpointPrefix = "AWS_ENDPOINT_URL"

// Front stands in front of the AWS endpoints a function's process is given
// and counts the requests that reach each, then passes them on unchanged.
type Front struct {
	mu      sync.Mutex
	calls   Calls
	servers []*http.Server
}

// NewFront starts a counting proxy on loopback for every endpoint setting in
// env (AWS_ENDPOINT_URL and each AWS_ENDPOINT_URL_<SERVICE>) and returns a
// copy of env with those settings pointed at the proxies. A request to the
// catch-all AWS_ENDPOINT_URL is counted under the service its signature
// names (its SigV4 credential scope), "other" when unsigned.
func NewFront(env map[string]string) (*Front, map[string]string, error) {
	f := &Front{calls: Calls{}}
	out := make(map[string]string, len(env))
	for k, v := range env {
		out[k] = v
	}
	for k, v := range env {
		if k != endpointPrefix && !strings.HasPrefix(k, endpointPrefix+"_") {
			continue
		}
		target, err := url.Parse(v)
		if err != nil || target.Host == "" {
			f.Close()
			return nil, nil, fmt.Errorf("%s=%q is not an endpoint URL", k, v)
		}
		service := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(k, endpointPrefix+"_"), "_", "-"))
		if k == endpointPrefix {
			service = ""
		}
		addr, err := f.serve(service, target)
		if err != nil {
			f.Close()
			return nil, nil, err
		}
		out[k] = addr
	}
	return f, out, nil
}

func (f *Front) serve(service string, target *url.URL) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			// The client signed the host it connected to; keep it.
			r.Out.Host = r.In.Host
		},
		ErrorLog: log.New(io.Discard, "", 0),
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.count(service, r)
		proxy.ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(ln) }()
	f.mu.Lock()
	f.servers = append(f.servers, srv)
	f.mu.Unlock()
	return "http://" + ln.Addr().String(), nil
}

func (f *Front) count(service string, r *http.Request) {
	if service == "" {
		service = signedService(r.Header.Get("Authorization"))
	}
	c := Call{Service: service, Operation: operation(r)}
	f.mu.Lock()
	f.calls[c]++
	f.mu.Unlock()
}

// Take returns the requests counted since the last Take and starts afresh.
func (f *Front) Take() Calls {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.calls
	f.calls = Calls{}
	return out
}

// Close stops the proxies.
func (f *Front) Close() {
	f.mu.Lock()
	servers := f.servers
	f.servers = nil
	f.mu.Unlock()
	for _, s := range servers {
		_ = s.Close()
	}
}

// signedService reads the service from a SigV4 Authorization header
// ("AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-central-1/sts/aws4_request, ...").
func signedService(auth string) string {
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return "other"
	}
	cred, _, _ = strings.Cut(cred, ",")
	if parts := strings.Split(cred, "/"); len(parts) == 5 && parts[3] != "" {
		return parts[3]
	}
	return "other"
}

// operation names the request's operation the way each protocol carries it:
// the X-Amz-Target of the JSON protocols (DynamoDB, KMS, Secrets Manager,
// Cognito), the Action of the query protocol (SNS, STS), the operation of
// an RPCv2 CBOR path, or the method and path of a REST call (S3, SES v2).
func operation(r *http.Request) string {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		return t[strings.LastIndexByte(t, '.')+1:]
	}
	if _, op, ok := strings.Cut(r.URL.Path, "/operation/"); ok && op != "" {
		return op
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") && r.Body != nil {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
		if err == nil {
			if v, err := url.ParseQuery(string(body)); err == nil && v.Get("Action") != "" {
				return v.Get("Action")
			}
		}
	}
	return r.Method + " " + r.URL.Path
}
