package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/kabinet/kabinet/shared/messages"
)

type recoveryDoc struct {
	ID, Number, Status, SentTo, Reason, Assignee string
	ContactConfirmed, ScanReceived, Breached     bool
	Due                                          *time.Time
	Upload                                       *struct {
		URL, Method string
		Headers     map[string]string
	}
}

type recoveryOpened struct {
	Request recoveryDoc
	Key     string
}

type recoveryReview struct {
	Request    recoveryDoc
	Comparison struct {
		Account, Match, Locked bool
		LockNumberMatch        *bool
		Fields                 []struct {
			Field, Given, OnFile string
			Match                bool
		}
		Phone, Email, NewContact string
	}
	Scan *struct{ URL string }
}

// recoveryCall is a call on the person's side of a request, with its key.
func recoveryCall(t *testing.T, method, path, key string, body any) response {
	t.Helper()
	h := map[string]string{"X-Recovery-Key": key}
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
		h["Content-Type"] = "application/json"
	}
	return call(t, method, path, "", b, h)
}

// openRecovery files a request for claim and confirms its new phone.
func openRecovery(t *testing.T, claim map[string]any, phone string) recoveryOpened {
	t.Helper()
	start := time.Now()
	r := post(t, "/support/recovery", "", claim)
	if r.Status != http.StatusCreated {
		t.Fatalf("open recovery = %d %s", r.Status, r.Body)
	}
	var o recoveryOpened
	r.JSON(t, &o)
	if o.Key == "" || o.Request.Status != "draft" || o.Request.Upload == nil || !strings.HasPrefix(o.Request.Number, "ВС-") {
		t.Fatalf("opened = %s", r.Body)
	}
	path := "/support/recovery/" + o.Request.ID
	if r := recoveryCall(t, "POST", path+"/submit", o.Key, nil); r.Status != http.StatusConflict || problemCode(t, r) != "contact_unconfirmed" {
		t.Errorf("submit before the code = %d %s, want 409 contact_unconfirmed", r.Status, r.Body)
	}
	if r := recoveryCall(t, "POST", path+"/contact", o.Key, map[string]string{"code": smsCode(t, phone, start)}); r.Status != http.StatusOK {
		t.Fatalf("confirm contact = %d %s", r.Status, r.Body)
	}
	return o
}

func uploadRecoveryScan(t *testing.T, o recoveryOpened) {
	t.Helper()
	var d declared
	d.Upload.URL, d.Upload.Method, d.Upload.Headers = o.Request.Upload.URL, o.Request.Upload.Method, o.Request.Upload.Headers
	upload(t, d, pdfBytes)
}

func scanExists(t *testing.T, id string) bool {
	t.Helper()
	_, err := st.S3().HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(st.Resources["Bucket"]), Key: aws.String("recovery/" + id + "/scan")})
	return err == nil
}

func review(t *testing.T, token, id string) recoveryReview {
	t.Helper()
	r := get(t, "/operator/recovery/"+id, token)
	if r.Status != http.StatusOK {
		t.Fatalf("review = %d %s", r.Status, r.Body)
	}
	var rv recoveryReview
	r.JSON(t, &rv)
	return rv
}

// The acceptance path: the locked demo account's owner, who lost
// their phone and email, files a request with passport data, a new phone
// and a scan; a support operator and a registrar claim it at once (one
// wins), compare it masked, and replace the phone; the person is told on
// the new phone and the email still on file, the old phone learns it was
// unlinked, and they sign in with the new phone; everything is journaled.
func TestAssistedRecoveryOfALockedDemoAccount(t *testing.T) {
	d := demo(t, "citizen-locked")
	r := post(t, "/auth/login", "", map[string]string{"login": d.Phone, "password": d.Password})
	var locked struct{ Code, LockNumber string }
	r.JSON(t, &locked)
	if r.Status != http.StatusLocked || locked.Code != "account_locked" || locked.LockNumber == "" {
		t.Fatalf("the demo account's sign-in = %d %s, want 423 with a lock number", r.Status, r.Body)
	}
	phone := newPhone()
	claim := map[string]any{"login": d.Phone, "lockNumber": locked.LockNumber, "surname": "Лебедев", "name": "Алексей",
		"patronymic": "Викторович", "birthDate": "1990-06-18",
		"passport": map[string]string{"series": "45 20", "number": "100020", "issueDate": "2015-04-10"},
		"contact":  map[string]string{"kind": "phone", "value": phone},
		"scan":     map[string]any{"contentType": "application/pdf", "size": len(pdfBytes)}}
	o := openRecovery(t, claim, phone)
	path := "/support/recovery/" + o.Request.ID
	if r := recoveryCall(t, "GET", path, "not-the-key", nil); r.Status != http.StatusNotFound {
		t.Errorf("another key reads the request: %d", r.Status)
	}
	if r := recoveryCall(t, "POST", path+"/submit", o.Key, nil); r.Status != http.StatusConflict || problemCode(t, r) != "upload_missing" {
		t.Errorf("submit without the scan = %d %s, want 409 upload_missing", r.Status, r.Body)
	}
	uploadRecoveryScan(t, o)
	r = recoveryCall(t, "POST", path+"/submit", o.Key, nil)
	var sub recoveryDoc
	r.JSON(t, &sub)
	if r.Status != http.StatusOK || sub.Status != "submitted" || sub.Due == nil || time.Until(*sub.Due) > 24*time.Hour || time.Until(*sub.Due) < 23*time.Hour {
		t.Fatalf("submit = %d %s, want submitted and due in 24 h", r.Status, r.Body)
	}
	if notesOfType(t, d.Sub, messages.SecurityRecoveryFiled) != 1 {
		t.Errorf("the account was not told that a request was filed")
	}

	operator, registrar := accessToken(t, "support"), accessToken(t, "registrar")
	var q struct{ Items []recoveryDoc }
	get(t, "/operator/recovery?limit=100", registrar).JSON(t, &q)
	found := false
	for _, it := range q.Items {
		found = found || it.ID == o.Request.ID
	}
	if !found {
		t.Fatalf("the request is not in the staff queue: %+v", q.Items)
	}
	rv := review(t, operator, o.Request.ID)
	c := rv.Comparison
	if !c.Account || !c.Match || !c.Locked || c.LockNumberMatch == nil || !*c.LockNumberMatch || len(c.Fields) != 7 || rv.Scan == nil {
		t.Fatalf("review = %+v", rv)
	}
	body := string(get(t, "/operator/recovery/"+o.Request.ID, operator).Body)
	for _, plain := range []string{"100020", "Лебедев", "Алексей", "1990-06-18", phone, d.Phone, d.Email} {
		if strings.Contains(body, plain) {
			t.Errorf("staff see %q unmasked: %s", plain, body)
		}
	}
	// A support operator and a registrar claim it at once: one gets it.
	var wg sync.WaitGroup
	statuses := map[string]int{}
	var mu sync.Mutex
	for who, tok := range map[string]string{"support": operator, "registrar": registrar} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := post(t, "/operator/recovery/"+o.Request.ID+"/claim", tok, nil)
			mu.Lock()
			statuses[who] = r.Status
			mu.Unlock()
		}()
	}
	wg.Wait()
	winner, loser := operator, registrar
	if statuses["registrar"] == http.StatusOK {
		winner, loser = registrar, operator
	}
	if statuses["support"]+statuses["registrar"] != http.StatusOK+http.StatusConflict {
		t.Fatalf("claims = %v, want one 200 and one 409", statuses)
	}
	if r := post(t, "/operator/recovery/"+o.Request.ID+"/decision", loser, map[string]string{"decision": "unlock"}); r.Status != http.StatusConflict {
		t.Errorf("the other staff member decides = %d %s, want 409", r.Status, r.Body)
	}
	if r := post(t, "/operator/recovery/"+o.Request.ID+"/decision", winner, map[string]string{"decision": "reject"}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(string(r.Body), `"field":"reason"`) {
		t.Errorf("a refusal without a reason = %d %s, want 422 naming reason", r.Status, r.Body)
	}
	decided := time.Now()
	r = post(t, "/operator/recovery/"+o.Request.ID+"/decision", winner, map[string]string{"decision": "replace-contact"})
	var done recoveryDoc
	r.JSON(t, &done)
	if r.Status != http.StatusOK || done.Status != "contact_replaced" {
		t.Fatalf("decision = %d %s", r.Status, r.Body)
	}
	if scanExists(t, o.Request.ID) {
		t.Errorf("the scan outlived the decision")
	}
	var st2 recoveryDoc
	recoveryCall(t, "GET", path, o.Key, nil).JSON(t, &st2)
	if st2.Status != "contact_replaced" || st2.Upload != nil {
		t.Errorf("the person's view = %+v", st2)
	}
	// Told: the new phone (the answer, and the account's notice), the email
	// still on file, and the old phone that it was unlinked.
	sweep(t)
	if smsTo(phone, o.Request.Number) < 2 {
		t.Errorf("the new phone got %d messages naming the request, want the answer and the notice", smsTo(phone, o.Request.Number))
	}
	if smsTo(d.Phone, "отвязан") != 1 {
		t.Errorf("the replaced phone was not told")
	}
	if emailsTo(t, d.Email, "восстановление доступа") < 1 {
		t.Errorf("the email on file was not told")
	}
	if notesOfType(t, d.Sub, messages.SecurityRecoveryDecided) != 1 {
		t.Errorf("no notice of the decision in the account's inbox")
	}
	// The lock is lifted and the new phone signs in.
	s := loginAs(t, phone, d.Password, "", nil)
	var acts struct {
		Items []struct{ Summary, Actor string }
	}
	get(t, "/activity?limit=50", s.AccessToken).JSON(t, &acts)
	var journal []string
	for _, e := range acts.Items {
		journal = append(journal, e.Summary)
	}
	all := strings.Join(journal, "\n")
	for _, want := range []string{"Подан запрос на восстановление доступа № " + o.Request.Number,
		"Номер телефона заменён службой поддержки по запросу на восстановление доступа № " + o.Request.Number} {
		if !strings.Contains(all, want) {
			t.Errorf("the journal lacks %q:\n%s", want, all)
		}
	}
	// The staff member's look is in the person's access log, with the
	// request as the case.
	if !slices.ContainsFunc(accessLog(t, s.AccessToken), func(e accessEntry) bool {
		return e.Reason.Kind == "identity_check" && e.Reason.Ref == o.Request.Number && slices.Contains(e.Categories, "passport")
	}) {
		t.Errorf("the review of the request is not in the person's access log: %+v", accessLog(t, s.AccessToken))
	}
	_ = decided
}

// A request whose data do not match is refused, never granted; the person
// is told why on their new contact, and the account on file. A login that
// names no account gets the same answers, and bad input is named field by
// field.
func TestRecoveryMismatchIsRefused(t *testing.T) {
	s, sub, phone, _ := newCitizen(t)
	_ = s
	newPh := newPhone()
	claim := map[string]any{"login": phone, "surname": "Иванова", "name": "Анна", "patronymic": "Сергеевна", "birthDate": "1990-05-17",
		"passport": map[string]string{"series": "4510", "number": "654321", "issueDate": "2010-06-01"},
		"contact":  map[string]string{"kind": "phone", "value": newPh},
		"scan":     map[string]any{"contentType": "application/pdf", "size": len(pdfBytes)}}
	o := openRecovery(t, claim, newPh)
	uploadRecoveryScan(t, o)
	if r := recoveryCall(t, "POST", "/support/recovery/"+o.Request.ID+"/submit", o.Key, nil); r.Status != http.StatusOK {
		t.Fatalf("submit = %d %s", r.Status, r.Body)
	}
	operator := accessToken(t, "support")
	if r := post(t, "/operator/recovery/"+o.Request.ID+"/claim", operator, nil); r.Status != http.StatusOK {
		t.Fatalf("claim = %d %s", r.Status, r.Body)
	}
	rv := review(t, operator, o.Request.ID)
	mismatched := ""
	for _, f := range rv.Comparison.Fields {
		if !f.Match {
			mismatched += f.Field
		}
	}
	if rv.Comparison.Match || mismatched != "passport.number" || rv.Comparison.Locked {
		t.Fatalf("comparison = %+v, want only the passport number different", rv.Comparison)
	}
	for _, d := range []string{"unlock", "replace-contact"} {
		if r := post(t, "/operator/recovery/"+o.Request.ID+"/decision", operator, map[string]string{"decision": d}); r.Status != http.StatusConflict ||
			problemCode(t, r) != "identity_mismatch" {
			t.Errorf("%s on a mismatch = %d %s, want 409 identity_mismatch", d, r.Status, r.Body)
		}
	}
	r := post(t, "/operator/recovery/"+o.Request.ID+"/decision", operator, map[string]string{"decision": "reject", "reason": "Номер паспорта не совпадает с данными учётной записи"})
	if r.Status != http.StatusOK {
		t.Fatalf("reject = %d %s", r.Status, r.Body)
	}
	if smsTo(newPh, "Номер паспорта не совпадает") != 1 {
		t.Errorf("the person was not told why")
	}
	if notesOfType(t, sub, messages.SecurityRecoveryDecided) != 1 {
		t.Errorf("the account on file was not told of the refusal")
	}
	if r := post(t, "/operator/recovery/"+o.Request.ID+"/decision", operator, map[string]string{"decision": "reject", "reason": "ещё раз"}); r.Status != http.StatusConflict {
		t.Errorf("deciding twice = %d", r.Status)
	}

	// A login that names no account: the same answer.
	ghost := newPhone()
	claim["login"], claim["contact"] = newPhone(), map[string]string{"kind": "phone", "value": ghost}
	g := openRecovery(t, claim, ghost)
	uploadRecoveryScan(t, g)
	recoveryCall(t, "POST", "/support/recovery/"+g.Request.ID+"/submit", g.Key, nil)
	if post(t, "/operator/recovery/"+g.Request.ID+"/claim", operator, nil).Status != http.StatusOK {
		t.Fatal("claim of the request naming no account")
	}
	if rv := review(t, operator, g.Request.ID); rv.Comparison.Account {
		t.Errorf("an account for a login that names none")
	}
	if r := post(t, "/operator/recovery/"+g.Request.ID+"/decision", operator, map[string]string{"decision": "unlock"}); problemCode(t, r) != "no_account" {
		t.Errorf("unlock without an account = %d %s", r.Status, r.Body)
	}

	// Bad input, field by field; nothing is filed.
	bad := map[string]any{"login": "не логин", "lockNumber": "12345678", "surname": "Ivanova", "name": "", "birthDate": "17.05.1990",
		"passport": map[string]string{"series": "45", "number": "12", "issueDate": "x"},
		"contact":  map[string]string{"kind": "pigeon", "value": "x"},
		"scan":     map[string]any{"contentType": "text/html", "size": 10}}
	r = post(t, "/support/recovery", "", bad)
	for _, f := range []string{"login", "lockNumber", "surname", "name", "birthDate", "passport.series", "passport.number", "passport.issueDate", "contact.kind", "scan.contentType"} {
		if !strings.Contains(string(r.Body), `"field":"`+f+`"`) {
			t.Errorf("bad input = %d, does not name %s: %s", r.Status, f, r.Body)
		}
	}
}

// Filing requests is throttled like sign-in: a login gets three a day.
func TestRecoveryRequestsAreThrottled(t *testing.T) {
	login := newPhone()
	claim := map[string]any{"login": login, "surname": "Иванова", "name": "Анна", "birthDate": "1990-05-17",
		"passport": map[string]string{"series": "4510", "number": "123456", "issueDate": "2010-06-01"},
		"scan":     map[string]any{"contentType": "application/pdf", "size": len(pdfBytes)}}
	var last response
	for i := range 4 {
		claim["contact"] = map[string]string{"kind": "phone", "value": newPhone()}
		last = post(t, "/support/recovery", "", claim)
		if i < 3 && last.Status != http.StatusCreated {
			t.Fatalf("request %d = %d %s", i+1, last.Status, last.Body)
		}
	}
	if last.Status != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Errorf("a fourth request in a day = %d %s, want 429 with Retry-After", last.Status, last.Body)
	}
}
