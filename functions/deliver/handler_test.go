package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/logging"
)

// fake stands in for the deliverer and records what it was asked.
type fake struct {
	sweeps int
	one    [][3]string
	err    error
}

var _ deliverer = (*fake)(nil)

func (f *fake) Sweep(context.Context) (inbox.Stats, error) {
	f.sweeps++
	return inbox.Stats{Seen: 2, Sent: 2}, f.err
}

func (f *fake) DeliverOne(_ context.Context, sub, noteID, channel string) (inbox.Stats, error) {
	f.one = append(f.one, [3]string{sub, noteID, channel})
	return inbox.Stats{Sent: 1}, f.err
}

func sample(t *testing.T, name string) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile("../../events/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newHandler(f *fake) *handler { return &handler{d: f, log: logging.New(io.Discard, "error")} }

// A stream batch delivers each inserted delivery it names, with the
// subject, note and channel of the new image; no sweep.
func TestStreamBatchDeliversWhatItInserted(t *testing.T) {
	raw := sample(t, "deliver-stream.json")
	var ev struct {
		Records []struct {
			Dynamodb struct {
				NewImage map[string]struct{ S string } `json:"NewImage"`
			} `json:"dynamodb"`
		} `json:"Records"`
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	img := ev.Records[0].Dynamodb.NewImage
	f := &fake{}
	st, err := newHandler(f).handle(context.Background(), raw)
	want := [3]string{img["Sub"].S, img["NoteID"].S, img["Channel"].S}
	if err != nil || f.sweeps != 0 || len(f.one) != 1 || f.one[0] != want || st.Sent != 1 {
		t.Errorf("handle = %+v, %v; asked %v and %d sweeps, want %v only", st, err, f.one, f.sweeps, want)
	}
	// A delivery that fails now stays pending for the sweep: the batch
	// is not failed (which would replay every record of it).
	f = &fake{err: errors.New("ses down")}
	if _, err := newHandler(f).handle(context.Background(), raw); err != nil || len(f.one) != 1 {
		t.Errorf("a failing delivery = %v after %d calls", err, len(f.one))
	}
}

// Records that are not inserted deliveries are passed over.
func TestStreamSkipsWhatIsNotANewDelivery(t *testing.T) {
	for _, batch := range []string{
		`{"Records":[{"eventName":"MODIFY","eventSource":"aws:dynamodb","dynamodb":{"NewImage":{"Kind":{"S":"delivery"},"Sub":{"S":"u"},"NoteID":{"S":"n"},"Channel":{"S":"email"}}}}]}`,
		`{"Records":[{"eventName":"INSERT","eventSource":"aws:dynamodb","dynamodb":{"NewImage":{"Kind":{"S":"note"},"Sub":{"S":"u"}}}}]}`,
		`{"Records":[{"eventName":"INSERT","eventSource":"aws:dynamodb","dynamodb":{"NewImage":{"Kind":{"S":"delivery"},"Sub":{"S":"u"},"NoteID":{"S":"n"},"Channel":{"S":"fax"}}}}]}`,
	} {
		f := &fake{}
		if _, err := newHandler(f).handle(context.Background(), json.RawMessage(batch)); err != nil || len(f.one) != 0 || f.sweeps != 0 {
			t.Errorf("%s: asked %v, %d sweeps, %v", batch, f.one, f.sweeps, err)
		}
	}
}

// The scheduled sample sweeps once; a failed sweep fails the invocation.
func TestScheduledEventSweeps(t *testing.T) {
	for _, fail := range []error{nil, errors.New("table unreachable")} {
		f := &fake{err: fail}
		st, err := newHandler(f).handle(context.Background(), sample(t, "deliver-sweep.json"))
		if f.sweeps != 1 || len(f.one) != 0 || !errors.Is(err, fail) || st.Sent != 2 {
			t.Errorf("handle = %+v, %v after %d sweeps", st, err, f.sweeps)
		}
	}
}
