package e2e

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// A calendar subscription: made with the caller's token, read without one
// through the local gateway (as a calendar app would), revoked, then 404;
// the token never reaches a log line.
func TestCalendarFeedIsReadWithoutATokenAndRevoked(t *testing.T) {
	s, _, _, _ := newCitizen(t)
	start := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	if r := post(t, "/calendar/items", s.AccessToken, map[string]any{"title": "Получить загранпаспорт", "start": start}); r.Status != 201 {
		t.Fatalf("add item = %d %s", r.Status, r.Body)
	}
	r := post(t, "/calendar/feeds", s.AccessToken, map[string]string{"name": "Телефон"})
	var feed struct{ ID, Name, Token, URL, WebcalURL string }
	r.JSON(t, &feed)
	if r.Status != 201 || feed.ID == "" || !strings.HasPrefix(feed.Token, "kcf_") {
		t.Fatalf("create feed = %d %s", r.Status, r.Body)
	}
	u, err := url.Parse(feed.URL)
	if err != nil || !strings.HasSuffix(u.Path, "/calendar/feed/"+feed.Token+".ics") || feed.WebcalURL != "webcal://"+u.Host+u.Path {
		t.Fatalf("addresses %q and %q", feed.URL, feed.WebcalURL)
	}

	// No Authorization header: the token in the path is the credential.
	ics := call(t, "GET", u.Path, "", nil, nil)
	if ics.Status != 200 || !strings.HasPrefix(ics.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("feed = %d %s %s", ics.Status, ics.Header.Get("Content-Type"), ics.Body)
	}
	parsed := parseICS(t, string(ics.Body))
	if !strings.Contains(parsed, "Получить загранпаспорт") || !strings.Contains(parsed, "Истекает срок действия пароля") {
		t.Errorf("ical.js read %s", parsed)
	}

	var list struct {
		Items []struct{ ID, Name, Token string }
	}
	call(t, "GET", "/calendar/feeds", s.AccessToken, nil, nil).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != feed.ID || list.Items[0].Token != "" || strings.Contains(string(ics.Body), feed.Token) {
		t.Errorf("feeds = %+v", list.Items)
	}

	other := login(t, "support")
	if r := call(t, "DELETE", "/calendar/feeds/"+feed.ID, other.AccessToken, nil, nil); r.Status != 404 {
		t.Errorf("another user revoking = %d, want 404", r.Status)
	}
	if r := call(t, "DELETE", "/calendar/feeds/"+feed.ID, s.AccessToken, nil, nil); r.Status != 204 {
		t.Fatalf("revoke = %d %s", r.Status, r.Body)
	}
	revoked := call(t, "GET", u.Path, "", nil, nil)
	unknown := call(t, "GET", "/calendar/feed/kcf_"+strings.Repeat("Q", 43)+".ics", "", nil, nil)
	if revoked.Status != 404 || unknown.Status != 404 {
		t.Errorf("revoked = %d, unknown = %d; want 404 both", revoked.Status, unknown.Status)
	}
	if r := call(t, "POST", "/calendar/feeds", "", nil, nil); r.Status != 401 {
		t.Errorf("making a subscription without a token = %d, want 401", r.Status)
	}

	logMu.Lock()
	out := stackLog.String()
	logMu.Unlock()
	if strings.Contains(out, feed.Token) || strings.Contains(out, strings.TrimPrefix(feed.Token, "kcf_")[:20]) {
		t.Error("the stack's log carries the subscription token")
	}
	if !strings.Contains(out, `"route":"GET /calendar/feed/{token}"`) {
		t.Error("no request line of the feed route in the log (the check above would prove nothing)")
	}
}
