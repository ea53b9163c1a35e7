package e2e

import (
	"context"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/infra/local/coldstart"
)

// coldStartsEnv sets how many cold starts BenchmarkColdStart makes of each
// function (make bench COLDSTARTS=n).
const coldStartsEnv = "KABINET_COLDSTARTS"

// BenchmarkColdStart cold-starts every function of the template
// KABINET_COLDSTARTS times (30 by default), taking turns, through the local
// Runtime API with the emulators running, and prints a table of init p50
// and p90, the ratio to fallback's p50, the linux/arm64 bootstrap's size and
// the AWS requests made during init, marking the rows that break issue 10's
// bounds. Each function's numbers are also reported as a sub-benchmark's
// metrics, for benchstat. It reports; it asserts nothing about time.
func BenchmarkColdStart(b *testing.B) {
	n := 30
	if v := os.Getenv(coldStartsEnv); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("%s=%q: want a positive number of cold starts", coldStartsEnv, v)
		}
	}
	sizes, err := lambdaBuild()
	if err != nil {
		b.Fatal(err)
	}
	results, err := coldstart.Measure(context.Background(), coldStartFunctions(b), n)
	if err != nil {
		b.Fatal(err)
	}
	rows := coldstart.Rows(results, sizes, coldstart.Goal)
	if err := coldstart.WriteTable(os.Stdout, rows, coldstart.Goal, n); err != nil {
		b.Fatal(err)
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	for _, r := range rows {
		b.Run(r.Name, func(b *testing.B) {
			b.ReportMetric(0, "ns/op") // the numbers are the cold starts', not this loop's
			b.ReportMetric(ms(r.P50), "init-p50-ms")
			b.ReportMetric(ms(r.P90), "init-p90-ms")
			b.ReportMetric(r.Ratio, "init-p50-x-"+coldstart.Goal.Baseline)
			b.ReportMetric(float64(r.Size)/coldstart.MiB, "arm64-MiB")
			b.ReportMetric(r.MeanCalls, "init-aws-calls")
		})
	}
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
	var charges struct {
		Items []struct{ ID, Kind, Status string }
	}
	call(b, "GET", "/charges?limit=20", token, nil, nil).JSON(b, &charges)
	var pays struct{ Items []struct{ ID string } }
	call(b, "GET", "/payments?status=succeeded&limit=1", token, nil, nil).JSON(b, &pays)
	if len(charges.Items) == 0 || len(pays.Items) == 0 || st.DemoReceipt == "" {
		b.Fatal("the demo citizen has no charges or no payment")
	}
	var fine, paidDuty string
	for _, c := range charges.Items {
		switch {
		case c.Kind == "fine" && c.Status == "unpaid":
			fine = c.ID
		case c.Status == "paid":
			paidDuty = c.ID
		}
	}
	// The notification of the demo payment: settled already, so the
	// path reads and changes nothing, as a duplicate does.
	var providerID string
	for _, p := range st.YooKassa.Payments() {
		if p.Metadata["payment"] == pays.Items[0].ID {
			providerID = p.ID
		}
	}
	// The demo refund: its payment, and the provider's refund.
	var recent struct {
		Items []struct {
			ID             string
			RefundedAmount int64
		}
	}
	call(b, "GET", "/payments?limit=10", token, nil, nil).JSON(b, &recent)
	var refunded, refundedAt, providerRefund string
	for _, p := range recent.Items {
		if p.RefundedAmount > 0 {
			refunded = p.ID
		}
	}
	for _, p := range st.YooKassa.Payments() {
		if p.Metadata["payment"] == refunded {
			refundedAt = p.ID
		}
	}
	for _, rf := range st.YooKassa.Refunds() {
		if rf.PaymentID == refundedAt && refundedAt != "" {
			providerRefund = rf.ID
		}
	}
	if providerRefund == "" {
		b.Fatal("the demo citizen has no refunded payment")
	}
	agency := agencyToken(b, "AgencyGibddClient")
	cases := []struct {
		name, method, path string
		body               string
		header             map[string]string
		token              string
	}{
		{"GET /health", "GET", "/health", "", nil, ""},
		{"GET /me", "GET", "/me", "", nil, ""},
		{"GET /me/settings", "GET", "/me/settings", "", nil, ""},
		{"PUT /me/settings (stale, refused)", "PUT", "/me/settings", `{"timeZone":"Europe/Moscow","locale":"ru"}`,
			map[string]string{"Content-Type": "application/json", "If-Match": `"0"`}, ""},
		{"GET /profile", "GET", "/profile", "", nil, ""},
		{"GET /activity (a page)", "GET", "/activity?limit=20", "", nil, ""},
		{"GET /notifications (a page)", "GET", "/notifications?limit=20", "", nil, ""},
		{"GET /documents (a page)", "GET", "/documents?limit=20", "", nil, ""},
		{"GET /services (search)", "GET", "/services?q=%D0%BF%D0%B0%D1%81%D0%BF%D0%BE%D1%80%D1%82", "", nil, ""},
		{"GET /services/{code}", "GET", "/services/no-criminal-record", "", nil, ""},
		{"POST /applications (a draft)", "POST", "/applications", `{"service":"egrul-extract"}`, map[string]string{"Content-Type": "application/json"}, ""},
		{"GET /applications (a page)", "GET", "/applications?limit=20", "", nil, ""},
		{"GET /templates", "GET", "/templates", "", nil, ""},
		{"GET /applications/{id}/journal.pdf", "GET", "/applications/" + apps.Items[0].ID + "/journal.pdf", "", nil, ""},
		{"GET /verify/{code}", "GET", "/verify/" + st.DemoResult, "", nil, ""},
		{"GET /charges (a page)", "GET", "/charges?limit=20", "", nil, ""},
		{"GET /charges/{id}", "GET", "/charges/" + fine, "", nil, ""},
		{"POST /charges/lookup (already linked)", "POST", "/charges/lookup", `{"uin":"` + paidDuty + `"}`, map[string]string{"Content-Type": "application/json"}, ""},
		{"GET /vehicles", "GET", "/vehicles", "", nil, ""},
		{"GET /agency/charges/{uin}", "GET", "/agency/charges/" + fine, "", nil, agency},
		{"POST /payments (a paid charge, refused)", "POST", "/payments", `{"charges":["` + paidDuty + `"]}`,
			map[string]string{"Content-Type": "application/json", "Idempotency-Key": "bench-refused"}, ""},
		{"POST /payments (the same key again: the first answer)", "POST", "/payments", `{"charges":["` + paidDuty + `"]}`,
			map[string]string{"Content-Type": "application/json", "Idempotency-Key": "demo-seed-" + paidDuty}, ""},
		{"GET /payments (a page)", "GET", "/payments?limit=20", "", nil, ""},
		{"GET /payments/{id}", "GET", "/payments/" + pays.Items[0].ID, "", nil, ""},
		{"GET /payments/export.csv (a year)", "GET", "/payments/export.csv?from=2026-01-01&to=2026-12-31", "", nil, ""},
		{"GET /payment-methods", "GET", "/payment-methods", "", nil, ""},
		{"GET /autopay-rules", "GET", "/autopay-rules", "", nil, ""},
		{"GET /autopays (a page)", "GET", "/autopays?limit=20", "", nil, ""},
		{"POST /payments/notifications (settled: a duplicate)", "POST", "/payments/notifications",
			`{"type":"notification","event":"payment.succeeded","object":{"id":"` + providerID + `"}}`, map[string]string{"Content-Type": "application/json"}, "-"},
		{"GET /payments/{id}/refunds", "GET", "/payments/" + refunded + "/refunds", "", nil, ""},
		{"POST /payments/{id}/refunds (nothing left, refused)", "POST", "/payments/" + refunded + "/refunds", `{}`,
			map[string]string{"Content-Type": "application/json", "Idempotency-Key": "bench-refund"}, ""},
		{"POST /payments/notifications (a refund, ended: a duplicate)", "POST", "/payments/notifications",
			`{"type":"notification","event":"refund.succeeded","object":{"id":"` + providerRefund + `","payment_id":"` + refundedAt + `"}}`,
			map[string]string{"Content-Type": "application/json"}, "-"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			st.Dynamo.ResetCounts()
			for i := 0; i < b.N; i++ {
				req, _ := http.NewRequest(c.method, st.APIURL+c.path, strings.NewReader(c.body))
				switch {
				case c.token == "-":
				case c.token != "":
					req.Header.Set("Authorization", "Bearer "+c.token)
				case c.path != "/health" && !strings.HasPrefix(c.path, "/services") && !strings.HasPrefix(c.path, "/verify"):
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
