package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/messages"
)

// producer writes notes the way a feature does, in its own transaction.
func producer() *inbox.Store {
	return &inbox.Store{DB: dynamo.New(st.DynamoDB(), st.Resources["Table"])}
}

// newCitizen registers a fresh account with an email and signs it in.
func newCitizen(t *testing.T) (session, string, string, string) {
	t.Helper()
	phone, snils := newPhone(), newSNILS()
	email := fmt.Sprintf("n%d@example.ru", time.Now().UnixNano())
	reg := registration(phone, snils)
	reg["email"] = email
	start := time.Now()
	res := post(t, "/auth/register", "", reg)
	var p struct{ RegistrationID string }
	res.JSON(t, &p)
	// The email code arrives in the SES store.
	emailCode := ""
	for _, e := range sesEmails(t) {
		if len(e.Destination.To) == 1 && e.Destination.To[0] == email {
			if c := codeRe.FindStringSubmatch(e.Body.Text); c != nil {
				emailCode = c[1]
			}
		}
	}
	res = post(t, "/auth/register/confirm", "", map[string]string{"registrationId": p.RegistrationID, "code": smsCode(t, phone, start), "emailCode": emailCode})
	if res.Status != http.StatusCreated || !strings.Contains(string(res.Body), `"emailConfirmed":true`) {
		t.Fatalf("confirm = %d %s", res.Status, res.Body)
	}
	s := loginAs(t, phone, "Зелёный-Чай-42", "", nil)
	var me struct{ Sub string }
	call(t, "GET", "/me", s.AccessToken, nil, nil).JSON(t, &me)
	sweep(t) // the first sign-in's notices, if any
	return s, me.Sub, phone, email
}

type sesEmail struct {
	Subject     string
	Destination struct{ To []string }
	Body        struct{ Text, HTML string }
}

func sesEmails(t testing.TB) []sesEmail {
	t.Helper()
	res, err := http.Get(st.SESURL + "/store")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var store struct{ Emails []sesEmail }
	if err := json.NewDecoder(res.Body).Decode(&store); err != nil {
		t.Fatal(err)
	}
	return store.Emails
}

func emailsTo(t testing.TB, to, subjectPart string) int {
	n := 0
	for _, e := range sesEmails(t) {
		if len(e.Destination.To) == 1 && e.Destination.To[0] == to && strings.Contains(e.Subject, subjectPart) {
			n++
		}
	}
	return n
}

func smsTo(phone, part string) int {
	n := 0
	for _, m := range st.SNS.Messages() {
		if m.PhoneNumber == phone && strings.Contains(m.Message, part) {
			n++
		}
	}
	return n
}

func statusNote(sub, number string) inbox.Note {
	return inbox.Note{Sub: sub, Type: messages.ApplicationStatus, Ref: number,
		Vars: messages.Vars{"Number": number, "Service": "Замена паспорта", "Status": "Услуга оказана", "Link": "/applications/" + number}}
}

func inboxOf(t testing.TB, token string) []inbox.Record {
	t.Helper()
	var p struct{ Items []inbox.Record }
	call(t, "GET", "/notifications", token, nil, nil).JSON(t, &p)
	return p.Items
}

func setPrefs(t testing.TB, token string, body map[string]any) {
	t.Helper()
	cur := call(t, "GET", "/notifications/preferences", token, nil, nil)
	b, _ := json.Marshal(body)
	r := call(t, "PUT", "/notifications/preferences", token, b, map[string]string{"Content-Type": "application/json", "If-Match": cur.Header.Get("ETag")})
	if r.Status != 200 {
		t.Fatalf("PUT preferences = %d %s", r.Status, r.Body)
	}
}

func TestStatusChangeReachesInboxEmailAndSMS(t *testing.T) {
	s, sub, phone, email := newCitizen(t)
	number := fmt.Sprintf("%d", time.Now().UnixNano()%1e9)
	if _, err := producer().Notify(context.Background(), statusNote(sub, number), time.Now()); err != nil {
		t.Fatal(err)
	}
	// The same trigger firing twice makes one note.
	if _, err := producer().Notify(context.Background(), statusNote(sub, number), time.Now()); err == nil {
		t.Error("a second note for the same status change was accepted")
	}
	var unread struct{ Unread int }
	call(t, "GET", "/notifications/unread-count", s.AccessToken, nil, nil).JSON(t, &unread)
	sweep(t)
	sweep(t) // a second run sends nothing again
	if n := emailsTo(t, email, number); n != 1 {
		t.Errorf("%d emails about application %s, want 1", n, number)
	}
	if n := smsTo(phone, number); n != 1 {
		t.Errorf("%d SMS about application %s, want 1", n, number)
	}
	items := inboxOf(t, s.AccessToken)
	if len(items) == 0 || !strings.Contains(items[0].Title, number) {
		t.Fatalf("inbox = %+v", items)
	}
	rec := items[0]
	if rec.Channels["email"].State != "sent" || rec.Channels["sms"].State != "sent" || rec.Channels["push"].State != "skipped" {
		t.Errorf("channels = %+v, want email and sms sent, push skipped", rec.Channels)
	}
	if unread.Unread < 1 {
		t.Errorf("unread = %d", unread.Unread)
	}
	if r := call(t, "POST", "/notifications/"+rec.ID+"/read", s.AccessToken, nil, nil); r.Status != 204 {
		t.Errorf("mark read = %d", r.Status)
	}
	var after struct{ Unread int }
	call(t, "GET", "/notifications/unread-count", s.AccessToken, nil, nil).JSON(t, &after)
	if after.Unread != unread.Unread-1 {
		t.Errorf("unread after marking one = %d, want %d", after.Unread, unread.Unread-1)
	}
	other := login(t, "support")
	if r := call(t, "POST", "/notifications/"+rec.ID+"/read", other.AccessToken, nil, nil); r.Status != 404 {
		t.Errorf("another user marking it = %d, want 404", r.Status)
	}
}

func TestSMSOffSendsOnlyEmail(t *testing.T) {
	s, sub, phone, email := newCitizen(t)
	setPrefs(t, s.AccessToken, map[string]any{"channels": map[string]any{"applications": map[string]bool{"email": true, "sms": false, "push": true}}})
	number := fmt.Sprintf("%d", time.Now().UnixNano()%1e9)
	if _, err := producer().Notify(context.Background(), statusNote(sub, number), time.Now()); err != nil {
		t.Fatal(err)
	}
	sweep(t)
	if emailsTo(t, email, number) != 1 || smsTo(phone, number) != 0 {
		t.Errorf("emails %d, SMS %d; want 1 and 0", emailsTo(t, email, number), smsTo(phone, number))
	}
	if ch := inboxOf(t, s.AccessToken)[0].Channels["sms"]; ch.State != "skipped" || ch.Reason == "" {
		t.Errorf("sms channel = %+v, want skipped with a reason", ch)
	}
}

func TestQuietHoursHoldTheEmailUntilTheWindowEnds(t *testing.T) {
	s, sub, _, email := newCitizen(t)
	now := time.Now().In(clock.Moscow())
	start, end := now.Add(-time.Hour).Format("15:04"), now.Add(time.Hour).Format("15:04")
	setPrefs(t, s.AccessToken, map[string]any{"quietHours": map[string]string{"start": start, "end": end}})
	number := fmt.Sprintf("%d", time.Now().UnixNano()%1e9)
	if _, err := producer().Notify(context.Background(), statusNote(sub, number), time.Now()); err != nil {
		t.Fatal(err)
	}
	sweep(t)
	if n := emailsTo(t, email, number); n != 0 {
		t.Fatalf("%d emails during quiet hours, want 0", n)
	}
	if ch := inboxOf(t, s.AccessToken)[0].Channels["email"]; ch.State != "held" {
		t.Fatalf("email channel = %+v, want held", ch)
	}
	// The deliverer's clock moves past the window's end.
	if err := st.SetFunctionClock("deliver", 70*time.Minute); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.SetFunctionClock("deliver", 0) }()
	sweep(t)
	if n := emailsTo(t, email, number); n != 1 {
		t.Errorf("%d emails after quiet hours, want 1", n)
	}
}

func TestDailyCapKeepsTheRestInTheInbox(t *testing.T) {
	s, sub, phone, _ := newCitizen(t)
	setPrefs(t, s.AccessToken, map[string]any{"dailyCap": map[string]int{"email": 20, "sms": 1, "push": 30}})
	a, b := fmt.Sprintf("A%d", time.Now().UnixNano()%1e9), fmt.Sprintf("B%d", time.Now().UnixNano()%1e9)
	for _, n := range []string{a, b} {
		if _, err := producer().Notify(context.Background(), statusNote(sub, n), time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	sweep(t)
	if got := smsTo(phone, a) + smsTo(phone, b); got != 1 {
		t.Errorf("%d SMS with a cap of 1, want 1", got)
	}
	capped := 0
	for _, r := range inboxOf(t, s.AccessToken) {
		if r.Channels["sms"].State == "capped" {
			capped++
		}
	}
	if capped != 1 {
		t.Errorf("%d notes capped on SMS, want 1", capped)
	}
}

func TestSecurityAlertIgnoresPreferences(t *testing.T) {
	s, _, phone, email := newCitizen(t)
	off := map[string]bool{"email": false, "sms": false, "push": false}
	chans := map[string]any{}
	for _, c := range inbox.Categories {
		chans[c] = off
	}
	now := time.Now().In(clock.Moscow())
	setPrefs(t, s.AccessToken, map[string]any{"channels": chans, "dailyCap": map[string]int{"email": 1, "sms": 1, "push": 1},
		"quietHours": map[string]string{"start": now.Add(-time.Hour).Format("15:04"), "end": now.Add(time.Hour).Format("15:04")}})
	r := call(t, "PUT", "/notifications/preferences", s.AccessToken, []byte(`{"channels":{"security":{"email":false}}}`),
		map[string]string{"Content-Type": "application/json", "If-Match": call(t, "GET", "/notifications/preferences", s.AccessToken, nil, nil).Header.Get("ETag")})
	if r.Status != 422 || !strings.Contains(string(r.Body), "category.locked") {
		t.Errorf("switching security notices off = %d %s, want 422 category.locked", r.Status, r.Body)
	}
	loginAs(t, phone, "Зелёный-Чай-42", "", map[string]string{"User-Agent": fmt.Sprintf("Unknown-Browser-%d", time.Now().UnixNano())})
	sweep(t)
	if emailsTo(t, email, "") < 1 || smsTo(phone, "") < 2 {
		t.Errorf("security alert: emails %d, SMS %d; want it sent despite preferences", emailsTo(t, email, ""), smsTo(phone, ""))
	}
}

func TestSESOutageIsRetriedWithoutDuplicates(t *testing.T) {
	s, sub, _, email := newCitizen(t)
	setPrefs(t, s.AccessToken, map[string]any{"channels": map[string]any{"applications": map[string]bool{"email": true, "sms": false, "push": false}}})
	number := fmt.Sprintf("%d", time.Now().UnixNano()%1e9)
	// Three failures outlast the SES client's three attempts at one send.
	st.SESFaults.FailNext(3)
	if _, err := producer().Notify(context.Background(), statusNote(sub, number), time.Now()); err != nil {
		t.Fatal(err)
	}
	sweep(t)
	ch := inboxOf(t, s.AccessToken)[0].Channels["email"]
	if emailsTo(t, email, number) != 0 || ch.State != "pending" || ch.Attempts != 1 {
		t.Fatalf("after a failed send: %d emails, channel %+v; want none yet, pending, 1 attempt", emailsTo(t, email, number), ch)
	}
	sweep(t) // not due yet: the backoff holds it
	if emailsTo(t, email, number) != 0 {
		t.Fatal("retried before its backoff")
	}
	if err := st.SetFunctionClock("deliver", 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.SetFunctionClock("deliver", 0) }()
	sweep(t)
	sweep(t)
	if n := emailsTo(t, email, number); n != 1 {
		t.Errorf("%d emails after SES recovered, want exactly 1", n)
	}
	if ch := inboxOf(t, s.AccessToken)[0].Channels["email"]; ch.State != "sent" {
		t.Errorf("email channel = %+v, want sent", ch)
	}
}

func TestRejectedEmailEndsFailedWithAReason(t *testing.T) {
	s, sub, _, email := newCitizen(t)
	number := fmt.Sprintf("%d", time.Now().UnixNano()%1e9)
	st.SESFaults.RejectNext(1)
	if _, err := producer().Notify(context.Background(), statusNote(sub, number), time.Now()); err != nil {
		t.Fatal(err)
	}
	sweep(t)
	ch := inboxOf(t, s.AccessToken)[0].Channels["email"]
	if ch.State != "failed" || ch.Reason == "" || emailsTo(t, email, number) != 0 {
		t.Errorf("email channel = %+v, want failed with a reason", ch)
	}
}

func TestPushDevicesAndDeadEndpoints(t *testing.T) {
	s, sub, _, _ := newCitizen(t)
	r := post(t, "/notifications/devices", s.AccessToken, map[string]string{"platform": "fcm", "token": fmt.Sprintf("fcm-token-%d", time.Now().UnixNano())})
	var dev struct{ ID string }
	r.JSON(t, &dev)
	if r.Status != 201 || dev.ID == "" {
		t.Fatalf("register device = %d %s", r.Status, r.Body)
	}
	if r := post(t, "/notifications/devices", s.AccessToken, map[string]string{"platform": "windows-phone", "token": "x"}); r.Status != 422 {
		t.Errorf("bad device = %d, want 422", r.Status)
	}
	number := fmt.Sprintf("%d", time.Now().UnixNano()%1e9)
	if _, err := producer().Notify(context.Background(), statusNote(sub, number), time.Now()); err != nil {
		t.Fatal(err)
	}
	sweep(t)
	if ch := inboxOf(t, s.AccessToken)[0].Channels["push"]; ch.State != "sent" {
		t.Errorf("push channel = %+v, want sent", ch)
	}
	other := login(t, "support")
	if r := call(t, "DELETE", "/notifications/devices/"+dev.ID, other.AccessToken, nil, nil); r.Status != 404 {
		t.Errorf("another user deleting the device = %d, want 404", r.Status)
	}
	if r := call(t, "DELETE", "/notifications/devices/"+dev.ID, s.AccessToken, nil, nil); r.Status != 204 {
		t.Errorf("delete device = %d %s", r.Status, r.Body)
	}
}

func TestPreferencesChangeOnlyWhatIsNamed(t *testing.T) {
	s, _, _, _ := newCitizen(t)
	setPrefs(t, s.AccessToken, map[string]any{"quietHours": map[string]string{"start": "23:00", "end": "07:00"}})
	setPrefs(t, s.AccessToken, map[string]any{"channels": map[string]any{"news": map[string]bool{"sms": true}}})
	var p inbox.Preferences
	call(t, "GET", "/notifications/preferences", s.AccessToken, nil, nil).JSON(t, &p)
	if p.QuietHours == nil || p.QuietHours.Start != "23:00" || !p.Channels["news"]["sms"] || !p.Channels["news"]["email"] {
		t.Errorf("preferences = %+v, want quiet hours kept and news email kept with sms added", p)
	}
	cur := call(t, "GET", "/notifications/preferences", s.AccessToken, nil, nil)
	r := call(t, "PUT", "/notifications/preferences", s.AccessToken, []byte(`{"channels":{"news":null}}`),
		map[string]string{"Content-Type": "application/json", "If-Match": cur.Header.Get("ETag")})
	if r.Status != 422 || !strings.Contains(string(r.Body), "category.null") {
		t.Errorf("a null category = %d %s, want 422 category.null", r.Status, r.Body)
	}
	stale := call(t, "PUT", "/notifications/preferences", s.AccessToken, []byte(`{"dailyCap":{"sms":3}}`),
		map[string]string{"Content-Type": "application/json", "If-Match": `"0"`})
	if stale.Status != 409 {
		t.Errorf("a stale If-Match = %d, want 409", stale.Status)
	}
	// Both changes, and only they, are in the activity journal.
	var journal struct{ Items []struct{ Summary string } }
	call(t, "GET", "/activity?type=settings.change", s.AccessToken, nil, nil).JSON(t, &journal)
	if len(journal.Items) != 2 || !strings.Contains(journal.Items[0].Summary, "«новости» — включены SMS") ||
		!strings.Contains(journal.Items[1].Summary, "тихие часы с 23:00 до 07:00") {
		t.Errorf("settings changes journaled: %+v", journal.Items)
	}
}

func TestDeadPushEndpointIsRemoved(t *testing.T) {
	s, sub, _, _ := newCitizen(t)
	token := fmt.Sprintf("fcm-token-dead-%d", time.Now().UnixNano())
	r := post(t, "/notifications/devices", s.AccessToken, map[string]string{"platform": "fcm", "token": token})
	if r.Status != 201 {
		t.Fatalf("register = %d %s", r.Status, r.Body)
	}
	// The provider reports the device gone: SNS disables its endpoint.
	endpoint := ""
	for _, m := range st.SNS.Endpoints() {
		if m.Token == token {
			endpoint = m.ARN
		}
	}
	if endpoint == "" {
		t.Fatal("no SNS endpoint for the device")
	}
	if _, err := st.SNSClient().SetEndpointAttributes(context.Background(), &sns.SetEndpointAttributesInput{
		EndpointArn: aws.String(endpoint), Attributes: map[string]string{"Enabled": "false"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := producer().Notify(context.Background(), statusNote(sub, fmt.Sprint(time.Now().UnixNano()%1e9)), time.Now()); err != nil {
		t.Fatal(err)
	}
	sweep(t)
	if ch := inboxOf(t, s.AccessToken)[0].Channels["push"]; ch.State != "failed" || ch.Reason == "" {
		t.Errorf("push channel = %+v, want failed with a reason", ch)
	}
	var devs struct{ Items []any }
	call(t, "GET", "/notifications/devices", s.AccessToken, nil, nil).JSON(t, &devs)
	if len(devs.Items) != 0 {
		t.Errorf("devices after the endpoint died = %v, want none", devs.Items)
	}
}
