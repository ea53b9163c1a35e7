package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/infra/local/stack"
)

// dynamoCalls is the number of DynamoDB calls since the last reset.
func dynamoCalls() int {
	total := 0
	for _, n := range st.Dynamo.Counts() {
		total += n
	}
	return total
}

// send makes one request as token and returns its status and body.
func send(b *testing.B, method, path, token, body string) (int, []byte) {
	req, _ := http.NewRequest(method, st.APIURL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, out
}

// BenchmarkAppointmentEndpoints drives the appointments routes through the
// gateway (warm instances) and reports DynamoDB round trips per request;
// for the slot search also the slots a page holds, so that its cost per
// page reads against what the page gives. Booking, cancelling and moving
// are measured on a resource of the benchmark's own: each booking is
// cancelled in the same iteration (each counted apart), and the move goes
// back and forth between two slots.
func BenchmarkAppointmentEndpoints(b *testing.B) {
	four := people(b, 4)
	p := four[0]
	staff := accessToken(b, "staff-clinic")
	res := ownResource(b, stack.DemoClinic, "therapist", 1, 30)
	slots := slotsOf(b, p.token, stack.DemoClinic, "therapist", res)
	held := booked(b, p.token, slots[1].ID)
	booked(b, four[1].token, slots[3].ID) // full
	region := url.Values{"service": {"therapist"}, "region": {"77"}, "limit": {"20"}}.Encode()
	org := url.Values{"service": {"therapist"}, "organisation": {stack.DemoClinic}, "limit": {"20"}}.Encode()
	reads := []struct{ name, path, token string }{
		{"GET /appointments/catalog", "/appointments/catalog", p.token},
		{"GET /appointments/organisations (a region)", "/appointments/organisations?region=77", p.token},
		{"GET /appointments/organisations/{id}", "/appointments/organisations/" + stack.DemoClinic, p.token},
		{"GET /appointments/slots (a region's page of 20)", "/appointments/slots?" + region, p.token},
		{"GET /appointments/slots (an organisation's page of 20)", "/appointments/slots?" + org, p.token},
		{"GET /appointments/slots/earliest", "/appointments/slots/earliest?service=cardiologist&region=77", p.token},
		{"GET /appointments (a page)", "/appointments?limit=20", p.token},
		{"GET /appointments/{id}", "/appointments/" + held.ID, p.token},
		{"GET /appointments/{id}/event.ics", "/appointments/" + held.ID + "/event.ics", p.token},
		{"GET /waitlist", "/waitlist", p.token},
		{"GET /staff/day (a resource)", "/staff/day?resource=ivanova&date=" + held.Start.Format("2006-01-02"), staff},
	}
	for _, c := range reads {
		b.Run(c.name, func(b *testing.B) {
			st.Dynamo.ResetCounts()
			items := 0
			for i := 0; i < b.N; i++ {
				status, body := send(b, "GET", c.path, c.token, "")
				if status != 200 {
					b.Fatalf("%s = %d %s", c.path, status, body)
				}
				if strings.HasPrefix(c.path, "/appointments/slots?") {
					var page struct{ Items []json.RawMessage }
					_ = json.Unmarshal(body, &page)
					items += len(page.Items)
				}
			}
			b.ReportMetric(float64(dynamoCalls())/float64(b.N), "ddb-calls/op")
			if items > 0 {
				b.ReportMetric(float64(items)/float64(b.N), "slots/page")
			}
		})
	}
	b.Run("POST /appointments and POST /appointments/{id}/cancel", func(b *testing.B) {
		st.Dynamo.ResetCounts()
		booking, cancel := 0, 0
		for i := 0; i < b.N; i++ {
			before := dynamoCalls()
			status, body := send(b, "POST", "/appointments", four[2].token, `{"slotId":"`+slots[0].ID+`","visitType":"first"}`)
			var a struct{ ID string }
			if err := json.Unmarshal(body, &a); status != 201 || err != nil {
				b.Fatalf("book = %d %s", status, body)
			}
			middle := dynamoCalls()
			if status, body := send(b, "POST", "/appointments/"+a.ID+"/cancel", four[2].token, ""); status != 200 {
				b.Fatalf("cancel = %d %s", status, body)
			}
			booking, cancel = booking+middle-before, cancel+dynamoCalls()-middle
		}
		b.ReportMetric(float64(booking)/float64(b.N), "book-ddb-calls/op")
		b.ReportMetric(float64(cancel)/float64(b.N), "cancel-ddb-calls/op")
	})
	moves := 0 // across the runs the harness makes
	b.Run("POST /appointments/{id}/reschedule (back and forth)", func(b *testing.B) {
		st.Dynamo.ResetCounts()
		for i := 0; i < b.N; i++ {
			to := slots[2+moves%2*2].ID // the third and the fifth slot in turn
			moves++
			if status, body := send(b, "POST", "/appointments/"+held.ID+"/reschedule", p.token, `{"slotId":"`+to+`"}`); status != 200 {
				b.Fatalf("move = %d %s", status, body)
			}
		}
		b.ReportMetric(float64(dynamoCalls())/float64(b.N), "ddb-calls/op")
	})
	b.Run("POST /appointments (a full slot, refused)", func(b *testing.B) {
		st.Dynamo.ResetCounts()
		for i := 0; i < b.N; i++ {
			if status, body := send(b, "POST", "/appointments", four[3].token, `{"slotId":"`+slots[3].ID+`","visitType":"first"}`); status != 409 {
				b.Fatalf("a full slot = %d %s", status, body)
			}
		}
		b.ReportMetric(float64(dynamoCalls())/float64(b.N), "ddb-calls/op")
	})
}
