package e2e

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/infra/local/lambdart"
	"github.com/kabinet/kabinet/infra/local/template"
)

// BenchmarkColdStartHealth starts the health function's bootstrap, built
// with the Lambda flags, through the local Runtime API, and reports the time
// until it asks for its first invocation (init) and the binary's size.
func BenchmarkColdStartHealth(b *testing.B) {
	root, _ := template.FindRoot()
	bin := filepath.Join(b.TempDir(), "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", bin, "./functions/health")
	build.Dir, build.Env = root, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	fi, err := os.Stat(bin)
	if err != nil {
		b.Fatal(err)
	}
	var fn template.Function
	for _, f := range st.Template.Functions {
		if f.Name == "health" {
			fn = f
		}
	}
	env, err := st.FunctionEnv(fn)
	if err != nil {
		b.Fatal(err)
	}
	payload, err := os.ReadFile(filepath.Join(root, "events", "health-get.json"))
	if err != nil {
		b.Fatal(err)
	}
	var initTotal, firstTotal time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pool := &lambdart.Pool{Name: "HealthFunction", Binary: bin, Env: lambdart.Environ(env), Max: 1, Timeout: 10 * time.Second, Log: io.Discard}
		start := time.Now()
		if _, err := pool.Invoke(context.Background(), payload); err != nil {
			b.Fatal(err)
		}
		firstTotal += time.Since(start)
		initTotal += pool.Stats().ColdStarts[0]
		pool.Close()
	}
	b.ReportMetric(float64(initTotal.Microseconds())/float64(b.N)/1000, "init-ms/op")
	b.ReportMetric(float64(firstTotal.Microseconds())/float64(b.N)/1000, "first-response-ms/op")
	b.ReportMetric(float64(fi.Size()), "binary-bytes")
}

// BenchmarkEndpoints drives each endpoint through the gateway (warm
// instances) and reports DynamoDB round trips per request.
func BenchmarkEndpoints(b *testing.B) {
	token := accessToken(b, "citizen")
	var apps struct{ Items []struct{ ID, Status string } }
	call(b, "GET", "/applications?status=completed&limit=1", token, nil, nil).JSON(b, &apps)
	if len(apps.Items) == 0 || st.DemoResult == "" {
		b.Fatal("the demo citizen has no completed application")
	}
	cases := []struct {
		name, method, path string
		body               string
		header             map[string]string
	}{
		{"GET /health", "GET", "/health", "", nil},
		{"GET /me", "GET", "/me", "", nil},
		{"GET /me/settings", "GET", "/me/settings", "", nil},
		{"PUT /me/settings (stale, refused)", "PUT", "/me/settings", `{"timeZone":"Europe/Moscow","locale":"ru"}`,
			map[string]string{"Content-Type": "application/json", "If-Match": `"0"`}},
		{"GET /profile", "GET", "/profile", "", nil},
		{"GET /activity (a page)", "GET", "/activity?limit=20", "", nil},
		{"GET /notifications (a page)", "GET", "/notifications?limit=20", "", nil},
		{"GET /documents (a page)", "GET", "/documents?limit=20", "", nil},
		{"GET /services (search)", "GET", "/services?q=%D0%BF%D0%B0%D1%81%D0%BF%D0%BE%D1%80%D1%82", "", nil},
		{"GET /services/{code}", "GET", "/services/no-criminal-record", "", nil},
		{"POST /applications (a draft)", "POST", "/applications", `{"service":"egrul-extract"}`, map[string]string{"Content-Type": "application/json"}},
		{"GET /applications (a page)", "GET", "/applications?limit=20", "", nil},
		{"GET /templates", "GET", "/templates", "", nil},
		{"GET /applications/{id}/journal.pdf", "GET", "/applications/" + apps.Items[0].ID + "/journal.pdf", "", nil},
		{"GET /verify/{code}", "GET", "/verify/" + st.DemoResult, "", nil},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			st.Dynamo.ResetCounts()
			for i := 0; i < b.N; i++ {
				req, _ := http.NewRequest(c.method, st.APIURL+c.path, strings.NewReader(c.body))
				if c.path != "/health" && !strings.HasPrefix(c.path, "/services") && !strings.HasPrefix(c.path, "/verify") {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				for k, v := range c.header {
					req.Header.Set(k, v)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
			total := 0
			for _, n := range st.Dynamo.Counts() {
				total += n
			}
			b.ReportMetric(float64(total)/float64(b.N), "ddb-calls/op")
		})
	}
}
