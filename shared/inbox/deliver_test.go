package inbox

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/dynamo/dynamotest"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/notify"
)

type fixedContacts struct{}

func (fixedContacts) Contacts(context.Context, string) (Contacts, error) {
	return Contacts{Email: "anna@example.ru", EmailConfirmed: true, Phone: "+79161234567"}, nil
}

type moscowZones struct{}

func (moscowZones) Zone(context.Context, string) (*time.Location, error) { return clock.Moscow(), nil }

type countingSender struct{ mail, sms, push atomic.Int64 }

func (c *countingSender) Send(context.Context, notify.Email) (string, error) {
	c.mail.Add(1)
	return "m", nil
}

func (c *countingSender) SMS(context.Context, string, string) (string, error) {
	c.sms.Add(1)
	return "s", nil
}

func (c *countingSender) Push(context.Context, string, string) (string, error) {
	c.push.Add(1)
	return "p", nil
}

func newDeliverer(db *dynamo.Store, c clock.Clock, s *countingSender) *Deliverer {
	return &Deliverer{Store: &Store{DB: db}, Contacts: fixedContacts{}, Zones: moscowZones{},
		Senders: Senders{Mail: s, SMS: s, Push: s}, Clock: c}
}

func note(sub, number string) Note {
	return Note{Sub: sub, Type: messages.ApplicationStatus, Ref: number,
		Vars: messages.Vars{"Number": number, "Service": "Замена паспорта", "Status": "Услуга оказана", "Link": "/applications/" + number}}
}

// Overlapping sweeps (two schedules firing at once) send every note once.
func TestConcurrentSweepsSendOnce(t *testing.T) {
	db := dynamotest.NewStore(t)
	c := clock.NewManual(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	sender := &countingSender{}
	store := &Store{DB: db}
	prefs := DefaultPreferences()
	prefs.DailyCap[SMS] = 100
	if _, err := store.SetPreferences(context.Background(), "user-1", prefs, 0, c.Now()); err != nil {
		t.Fatal(err)
	}
	const notes = 10
	for i := 0; i < notes; i++ {
		if _, err := store.Notify(context.Background(), note("user-1", string(rune('A'+i))), c.Now()); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := newDeliverer(db, c, sender).Sweep(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := sender.mail.Load(); got != notes {
		t.Errorf("%d emails for %d notes, want one each", got, notes)
	}
	if got := sender.sms.Load(); got != notes {
		t.Errorf("%d SMS for %d notes, want one each", got, notes)
	}
	if got := sender.push.Load(); got != 0 {
		t.Errorf("%d pushes with no devices, want 0", got)
	}
}

// BenchmarkDeliver reports DynamoDB calls per delivered notification (email
// and SMS sent, push skipped), on minidyn in process.
func BenchmarkDeliver(b *testing.B) {
	db, calls := dynamotest.NewInProcess(b)
	c := clock.NewManual(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	store := &Store{DB: db}
	for i := 0; i < b.N; i++ {
		// One person each, so no daily cap is reached.
		if _, err := store.Notify(context.Background(), note(fmt.Sprintf("user-%d", i), "N1"), c.Now()); err != nil {
			b.Fatal(err)
		}
	}
	d := newDeliverer(db, c, &countingSender{})
	calls.Reset()
	b.ReportAllocs()
	b.ResetTimer()
	st, err := d.Sweep(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if st.Sent != 2*b.N {
		b.Fatalf("sent %d, want %d", st.Sent, 2*b.N)
	}
	b.ReportMetric(float64(calls.Calls())/float64(b.N), "ddb-calls/notification")
}

// capturingSender keeps what was sent.
type capturingSender struct {
	countingSender
	mu    sync.Mutex
	mails []notify.Email
	texts []string
}

func (c *capturingSender) Send(_ context.Context, e notify.Email) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mails = append(c.mails, e)
	return "m", nil
}

func (c *capturingSender) SMS(_ context.Context, _, text string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.texts = append(c.texts, text)
	return "s", nil
}

// An email carries the note's portal path as a full link to the web
// client; the SMS carries none.
func TestEmailLinksPointToThePortal(t *testing.T) {
	for _, portal := range []string{"https://kabinet.example.ru/", ""} {
		db := dynamotest.NewStore(t)
		c := clock.NewManual(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
		if _, err := (&Store{DB: db}).Notify(context.Background(), note("user-1", "2026-1123-000042"), c.Now()); err != nil {
			t.Fatal(err)
		}
		s := &capturingSender{}
		d := &Deliverer{Store: &Store{DB: db}, Contacts: fixedContacts{}, Zones: moscowZones{},
			Senders: Senders{Mail: s, SMS: s, Push: s}, Clock: c, PortalURL: portal}
		if _, err := d.Sweep(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(s.mails) != 1 || len(s.texts) != 1 {
			t.Fatalf("sent %d emails and %d SMS", len(s.mails), len(s.texts))
		}
		link := "https://kabinet.example.ru/applications/2026-1123-000042"
		m := s.mails[0]
		if has := strings.Contains(m.Text, link) && strings.Contains(m.HTML, link); has != (portal != "") {
			t.Errorf("portal %q: email has the link = %v\ntext: %s", portal, has, m.Text)
		}
		if strings.Contains(s.texts[0], "http") || strings.Contains(s.texts[0], "/applications") {
			t.Errorf("the SMS carries a link: %s", s.texts[0])
		}
	}
}
