package payments

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/shared/problem"
)

func TestParseNotification(t *testing.T) {
	const id = "2f3b588d-000f-5000-8000-1d6e87c7fbde"
	for _, c := range []struct {
		name string
		body string
		want Notification
	}{
		{"succeeded", `{"type":"notification","event":"payment.succeeded","object":{"id":"` + id + `","status":"succeeded","amount":{"value":"100.00","currency":"RUB"}}}`,
			Notification{Event: EventPaymentSucceeded, ObjectID: id}},
		{"waiting for capture", `{"type":"notification","event":"payment.waiting_for_capture","object":{"id":"` + id + `"}}`,
			Notification{Event: EventPaymentWaitingForCapture, ObjectID: id}},
		{"canceled", `{"type":"notification","event":"payment.canceled","object":{"id":"` + id + `","cancellation_details":{"party":"payment_network","reason":"insufficient_funds"}}}`,
			Notification{Event: EventPaymentCanceled, ObjectID: id}},
		{"refund", `{"type":"notification","event":"refund.succeeded","object":{"id":"216749f7-0016-50be-b000-078d43a63ae4","payment_id":"` + id + `"}}`,
			Notification{Event: EventRefundSucceeded, ObjectID: "216749f7-0016-50be-b000-078d43a63ae4", PaymentID: id}},
		{"an event not known yet", `{"type":"notification","event":"payment_method.active","object":{"id":"pm-1"}}`,
			Notification{Event: "payment_method.active", ObjectID: "pm-1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseNotification([]byte(c.body))
			if err != nil || got != c.want {
				t.Errorf("ParseNotification = %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}

func TestParseNotificationRefuses(t *testing.T) {
	for _, c := range []struct{ name, body string }{
		{"empty", ``},
		{"not JSON", `type=notification`},
		{"array", `[]`},
		{"not a notification", `{"type":"error","event":"payment.succeeded","object":{"id":"a"}}`},
		{"no type", `{"event":"payment.succeeded","object":{"id":"a"}}`},
		{"no object", `{"type":"notification","event":"payment.succeeded"}`},
		{"null object", `{"type":"notification","event":"payment.succeeded","object":null}`},
		{"no id", `{"type":"notification","event":"payment.succeeded","object":{}}`},
		{"id with a slash", `{"type":"notification","event":"payment.succeeded","object":{"id":"../refunds"}}`},
		{"id too long", `{"type":"notification","event":"payment.succeeded","object":{"id":"` + strings.Repeat("a", 65) + `"}}`},
		{"event without a dot", `{"type":"notification","event":"succeeded","object":{"id":"a"}}`},
		{"event in capitals", `{"type":"notification","event":"Payment.Succeeded","object":{"id":"a"}}`},
		{"event with two dots", `{"type":"notification","event":"payment.succeeded.twice","object":{"id":"a"}}`},
		{"refund without its payment", `{"type":"notification","event":"refund.succeeded","object":{"id":"r1"}}`},
		{"too large", `{"type":"notification","event":"payment.succeeded","object":{"id":"a","description":"` + strings.Repeat("x", MaxNotificationBytes) + `"}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseNotification([]byte(c.body))
			if pe, ok := problem.As(err); !ok || pe.Kind != problem.KindBadRequest || pe.Code != "payment_notification_malformed" {
				t.Errorf("ParseNotification = %+v, %v; want BadRequest payment_notification_malformed", got, err)
			}
		})
	}
}

func TestStatusFinal(t *testing.T) {
	for s, want := range map[ProviderStatus]bool{ProviderPending: false, ProviderWaitingForCapture: false, ProviderSucceeded: true, ProviderCanceled: true} {
		if s.Final() != want {
			t.Errorf("%s.Final() = %v, want %v", s, !want, want)
		}
	}
}

func TestRefundStatusFinal(t *testing.T) {
	for s, want := range map[ProviderRefundStatus]bool{ProviderRefundPending: false, ProviderRefundSucceeded: true, ProviderRefundCanceled: true} {
		if s.Final() != want {
			t.Errorf("%s.Final() = %v, want %v", s, !want, want)
		}
	}
}

// A refund's notification names the refund and its payment, so that the
// domain can read both back from the provider.
func TestParseRefundNotification(t *testing.T) {
	body := `{"type":"notification","event":"refund.succeeded","object":{"id":"216749f7-0016-50be-b000-078d43a63ae4","payment_id":"2f3b588d-000f-5000-8000-1d6e87c7fbde",` +
		`"status":"succeeded","amount":{"value":"100.00","currency":"RUB"},"created_at":"2026-03-01T10:15:30.129Z","description":"Возврат переплаты"}}`
	n, err := ParseNotification([]byte(body))
	if err != nil || n.Event != EventRefundSucceeded || n.IsPayment() || n.ObjectID != "216749f7-0016-50be-b000-078d43a63ae4" || n.PaymentID != "2f3b588d-000f-5000-8000-1d6e87c7fbde" {
		t.Errorf("ParseNotification = %+v, %v", n, err)
	}
}

// Whatever arrives, ParseNotification either refuses it as malformed or
// returns ids that are safe in a URL path and an event it could re-encode.
func FuzzParseNotification(f *testing.F) {
	f.Add([]byte(`{"type":"notification","event":"payment.succeeded","object":{"id":"2f3b588d-000f-5000-8000-1d6e87c7fbde"}}`))
	f.Add([]byte(`{"type":"notification","event":"refund.succeeded","object":{"id":"r","payment_id":"p"}}`))
	f.Add([]byte(`{"type":"notification","event":"payment.canceled","object":{"id":"a\u002fb"}}`))
	f.Add([]byte(`{"type":"notification","event":"payment.","object":{"id":"a"}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := ParseNotification(body)
		if err != nil {
			if !problem.Is(err, problem.KindBadRequest) {
				t.Fatalf("error %v is not a BadRequest", err)
			}
			return
		}
		if !ValidProviderID(n.ObjectID) || (n.PaymentID != "" && !ValidProviderID(n.PaymentID)) {
			t.Fatalf("accepted unsafe ids %q %q", n.ObjectID, n.PaymentID)
		}
		object, status, ok := strings.Cut(string(n.Event), ".")
		if !ok || !isName(object) || !isName(status) {
			t.Fatalf("accepted event %q", n.Event)
		}
		if (object == "refund") != (n.PaymentID != "") {
			t.Fatalf("event %q with payment id %q", n.Event, n.PaymentID)
		}
		// What was accepted parses the same from a clean re-encoding.
		clean, _ := json.Marshal(map[string]any{"type": "notification", "event": n.Event,
			"object": map[string]string{"id": n.ObjectID, "payment_id": n.PaymentID}})
		again, err := ParseNotification(clean)
		if err != nil || again != n {
			t.Fatalf("re-encoded %s parses to %+v, %v; want %+v", clean, again, err, n)
		}
	})
}
