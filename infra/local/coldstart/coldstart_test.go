package coldstart

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// upstream is an emulator stand-in that remembers what reached it.
type upstream struct {
	mu     sync.Mutex
	hosts  []string
	bodies []string
}

func newUpstream(t *testing.T) (*upstream, string) {
	t.Helper()
	u := &upstream{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.hosts = append(u.hosts, r.Host)
		u.bodies = append(u.bodies, string(b))
		u.mu.Unlock()
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(srv.Close)
	return u, srv.URL
}

func send(t *testing.T, method, url, contentType, body string, header map[string]string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	res.Body.Close()
	return res.StatusCode
}

func TestFrontCountsEachServiceAndPassesRequestsOn(t *testing.T) {
	up, upURL := newUpstream(t)
	f, env, err := NewFront(map[string]string{
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": upURL,
		"AWS_ENDPOINT_URL_SNS":             upURL,
		"AWS_ENDPOINT_URL_S3":              upURL,
		"AWS_ENDPOINT_URL":                 "http://127.0.0.1:1",
		"TABLE_NAME":                       "kabinet",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if env["TABLE_NAME"] != "kabinet" {
		t.Errorf("TABLE_NAME = %q, want it kept", env["TABLE_NAME"])
	}
	for _, k := range []string{"AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL_SNS", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"} {
		if env[k] == upURL || !strings.HasPrefix(env[k], "http://127.0.0.1:") {
			t.Errorf("%s = %q, want a proxy on loopback", k, env[k])
		}
	}

	for range 2 {
		send(t, "POST", env["AWS_ENDPOINT_URL_SECRETS_MANAGER"], "application/x-amz-json-1.1", `{"SecretId":"k"}`,
			map[string]string{"X-Amz-Target": "secretsmanager.GetSecretValue"})
	}
	send(t, "POST", env["AWS_ENDPOINT_URL_SNS"], "application/x-www-form-urlencoded", "Action=Publish&Message=hi", nil)
	send(t, "HEAD", env["AWS_ENDPOINT_URL_S3"]+"/bucket?x=1", "", "", nil)
	if code := send(t, "POST", env["AWS_ENDPOINT_URL"], "application/x-amz-json-1.1", `{}`, map[string]string{
		"X-Amz-Target":  "AWSSecurityTokenServiceV20110615.GetCallerIdentity",
		"Authorization": "AWS4-HMAC-SHA256 Credential=local/20260101/eu-central-1/sts/aws4_request, SignedHeaders=host, Signature=00",
	}); code != http.StatusBadGateway {
		t.Errorf("a request to the unreachable catch-all = %d, want 502", code)
	}
	send(t, "GET", env["AWS_ENDPOINT_URL"]+"/", "", "", nil)

	got := f.Take()
	want := Calls{
		{"secrets-manager", "GetSecretValue"}: 2,
		{"sns", "Publish"}:                    1,
		{"s3", "HEAD /bucket"}:                1,
		{"sts", "GetCallerIdentity"}:          1,
		{"other", "GET /"}:                    1,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Take() = %v, want %v", got, want)
	}
	if again := f.Take(); again.Total() != 0 {
		t.Errorf("a second Take() = %v, want nothing new", again)
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	if len(up.bodies) != 4 || up.bodies[2] != "Action=Publish&Message=hi" {
		t.Errorf("upstream got %q, want the four requests with their bodies intact", up.bodies)
	}
	for _, h := range up.hosts {
		if !strings.HasPrefix(h, "127.0.0.1:") || "http://"+h == upURL {
			t.Errorf("upstream saw Host %q, want the proxy's (the one the client signed)", h)
		}
	}
}

func TestNewFrontRefusesABadEndpoint(t *testing.T) {
	if _, _, err := NewFront(map[string]string{"AWS_ENDPOINT_URL_KMS": "not a url"}); err == nil {
		t.Error("NewFront() with a bad endpoint = nil error")
	}
}

func TestCallsString(t *testing.T) {
	tests := []struct {
		name  string
		calls Calls
		want  string
	}{
		{"none", Calls{}, "0"},
		{"one", Calls{{"secrets-manager", "GetSecretValue"}: 1}, "secrets-manager 1 (GetSecretValue)"},
		{"by service, then operation", Calls{{"kms", "GenerateDataKey"}: 1, {"kms", "Decrypt"}: 2, {"dynamodb", "GetItem"}: 1},
			"dynamodb 1 (GetItem); kms 3 (Decrypt ×2, GenerateDataKey)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.calls.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func durations(ms ...int) []time.Duration {
	out := make([]time.Duration, len(ms))
	for i, m := range ms {
		out[i] = time.Duration(m) * time.Millisecond
	}
	return out
}

func TestPercentile(t *testing.T) {
	tests := []struct {
		name  string
		inits []time.Duration
		p     float64
		want  time.Duration
	}{
		{"none", nil, 50, 0},
		{"one", durations(7), 90, 7 * time.Millisecond},
		{"median of an odd count", durations(9, 1, 5), 50, 5 * time.Millisecond},
		{"median of an even count is the lower middle", durations(4, 1, 3, 2), 50, 2 * time.Millisecond},
		{"p90 of ten is the ninth", durations(10, 9, 8, 7, 6, 5, 4, 3, 2, 1), 90, 9 * time.Millisecond},
		{"p100 is the largest", durations(3, 8, 1), 100, 8 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Result{Inits: tt.inits}).Percentile(tt.p); got != tt.want {
				t.Errorf("Percentile(%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func TestRowsMarkEachBrokenBound(t *testing.T) {
	secret := Calls{{"secrets-manager", "GetSecretValue"}: 1}
	results := []Result{
		{Name: "fallback", Inits: durations(10, 10, 10), Calls: []Calls{{}, {}, {}}},
		{Name: "at-the-bound", Inits: durations(15, 15, 15), Calls: []Calls{{}, {}, {}}},
		{Name: "slow", Inits: durations(16, 16, 40), Calls: []Calls{{}, {}, {}}},
		{Name: "everything", Inits: durations(30, 30, 30), Calls: []Calls{secret, secret, {}}},
	}
	sizes := map[string]int64{"fallback": 7 * MiB, "at-the-bound": 15 * MiB, "slow": 8 * MiB, "everything": 15*MiB + 1}
	rows := Rows(results, sizes, Goal)
	want := map[string]string{"fallback": "", "at-the-bound": "", "slow": "p50", "everything": "p50 size init calls"}
	for _, r := range rows {
		if got := strings.Join(r.Breaks, " "); got != want[r.Name] {
			t.Errorf("%s breaks %q, want %q", r.Name, got, want[r.Name])
		}
	}
	if rows[2].Ratio != 1.6 || rows[2].P90 != 40*time.Millisecond {
		t.Errorf("slow: ratio %v, p90 %v; want 1.6 and 40ms", rows[2].Ratio, rows[2].P90)
	}
	if got := rows[3].MeanCalls; got < 0.66 || got > 0.67 {
		t.Errorf("everything: MeanCalls = %v, want 2/3", got)
	}

	var b strings.Builder
	if err := WriteTable(&b, rows, Goal, 3); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, s := range []string{"×fallback", "everything", "30.0 ms", "1.60", "15.0", "secrets-manager 1 (GetSecretValue)",
		"✗ p50, size, init calls", "2 of 4 functions break a bound"} {
		if !strings.Contains(out, s) {
			t.Errorf("the table lacks %q:\n%s", s, out)
		}
	}
}

func TestMeasureCountsOnlyTheInitsCalls(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", bin, "./testdata/initcalls")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the test bootstrap: %v\n%s", err, out)
	}
	_, upURL := newUpstream(t)
	env := func(extra ...string) map[string]string {
		e := map[string]string{"AWS_ENDPOINT_URL_SECRETS_MANAGER": upURL, "AWS_ENDPOINT_URL": "http://127.0.0.1:1"}
		for i := 0; i+1 < len(extra); i += 2 {
			e[extra[i]] = extra[i+1]
		}
		return e
	}
	fns := []Function{
		{Name: "quiet", Binary: bin, Env: env()},
		{Name: "chatty", Binary: bin, Env: env("INIT_CALLS", "2", "INIT_STS", "1")},
	}
	results, err := Measure(context.Background(), fns, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"quiet": "0", "chatty": "secrets-manager 2 (GetSecretValue ×2); sts 1 (GetCallerIdentity)"}
	for _, r := range results {
		if len(r.Inits) != 3 || len(r.Calls) != 3 {
			t.Fatalf("%s: %d inits, %d call counts; want 3 each", r.Name, len(r.Inits), len(r.Calls))
		}
		for i, c := range r.Calls {
			if r.Inits[i] <= 0 {
				t.Errorf("%s: init %d took %v", r.Name, i, r.Inits[i])
			}
			if c.String() != want[r.Name] {
				t.Errorf("%s: init %d made %v, want %s", r.Name, i, c, want[r.Name])
			}
		}
	}
}

func TestMeasureReportsAFailedInit(t *testing.T) {
	fns := []Function{{Name: "missing", Binary: filepath.Join(t.TempDir(), "no-such-bootstrap"), Env: map[string]string{}}}
	if _, err := Measure(context.Background(), fns, 1); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("Measure() of a missing binary = %v, want an error naming the function", err)
	}
}
