package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCalendarItemRemindsOnceAndExportsToICS(t *testing.T) {
	s, _, _, email := newCitizen(t)
	start := time.Now().Add(3 * time.Minute).UTC().Truncate(time.Second)
	r := post(t, "/calendar/items", s.AccessToken, map[string]any{"title": "Забрать паспорт в МФЦ; окно 5, этаж 2", "start": start, "remindMinutesBefore": 1})
	var item struct{ ID string }
	r.JSON(t, &item)
	if r.Status != 201 || item.ID == "" {
		t.Fatalf("add item = %d %s", r.Status, r.Body)
	}
	// The reminder is due a minute before the start: run the schedule past it, twice.
	if err := st.SetFunctionClock("remind", 3*time.Minute); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.SetFunctionClock("remind", 0) }()
	for i := 0; i < 2; i++ {
		if _, err := st.FireSchedule(context.Background(), "remind", "EveryMinute"); err != nil {
			t.Fatalf("remind run %d: %v", i+1, err)
		}
	}
	reminders := 0
	for _, rec := range inboxOf(t, s.AccessToken) {
		if rec.Type == "reminder.calendar_item" {
			reminders++
		}
	}
	if reminders != 1 {
		t.Errorf("%d reminders in the inbox after two runs, want 1", reminders)
	}
	sweep(t)
	if emailsTo(t, email, "") < 1 {
		t.Error("the reminder was not emailed")
	}

	var cal struct {
		Items []struct{ ID, Kind, Title string }
	}
	call(t, "GET", "/calendar?from="+time.Now().Format("2006-01-02")+"&to="+time.Now().AddDate(0, 0, 120).Format("2006-01-02"), s.AccessToken, nil, nil).JSON(t, &cal)
	kinds := map[string]bool{}
	for _, it := range cal.Items {
		kinds[it.Kind] = true
	}
	if !kinds["own"] || !kinds["expiry"] {
		t.Errorf("calendar = %+v, want the own item and the password expiry", cal.Items)
	}

	ics := call(t, "GET", "/calendar.ics?from="+time.Now().Format("2006-01-02")+"&to="+time.Now().AddDate(0, 0, 120).Format("2006-01-02"), s.AccessToken, nil, nil)
	if ics.Status != 200 || !strings.HasPrefix(ics.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("calendar.ics = %d %s", ics.Status, ics.Header.Get("Content-Type"))
	}
	parsed := parseICS(t, string(ics.Body))
	if !strings.Contains(parsed, "Забрать паспорт в МФЦ; окно 5, этаж 2") || !strings.Contains(parsed, "Истекает срок действия пароля") {
		t.Errorf("ical.js read %s", parsed)
	}

	other := login(t, "support")
	if r := call(t, "DELETE", "/calendar/items/"+item.ID, other.AccessToken, nil, nil); r.Status != 404 {
		t.Errorf("another user deleting the item = %d, want 404", r.Status)
	}
	if r := call(t, "DELETE", "/calendar/items/"+item.ID, s.AccessToken, nil, nil); r.Status != 204 {
		t.Errorf("delete = %d %s", r.Status, r.Body)
	}
}

func TestCalendarBadInput(t *testing.T) {
	s := login(t, "citizen")
	cases := []struct {
		method, path string
		body         any
		status       int
	}{
		{"POST", "/calendar/items", map[string]any{"title": "", "start": time.Now().Add(time.Hour)}, 422},
		{"POST", "/calendar/items", map[string]any{"title": "Без даты"}, 422},
		{"POST", "/calendar/items", map[string]any{"title": "Далеко", "start": time.Now().AddDate(10, 0, 0)}, 422},
		{"POST", "/calendar/items", map[string]any{"title": "x", "start": time.Now().Add(time.Hour), "remindMinutesBefore": -5}, 422},
		{"GET", "/calendar?from=2026-12-01&to=2026-11-01", nil, 422},
		{"GET", "/calendar?from=tomorrow", nil, 422},
		{"DELETE", "/calendar/items/garbage", nil, 404},
	}
	for _, c := range cases {
		var b []byte
		h := map[string]string{}
		if c.body != nil {
			b, _ = json.Marshal(c.body)
			h["Content-Type"] = "application/json"
		}
		if r := call(t, c.method, c.path, s.AccessToken, b, h); r.Status != c.status {
			t.Errorf("%s %s %s = %d %s, want %d", c.method, c.path, b, r.Status, r.Body, c.status)
		}
	}
}

// parseICS reads an iCalendar document with ical.js, an independent parser.
func parseICS(t *testing.T, doc string) string {
	t.Helper()
	lib := filepath.Join(st.Root(), "infra", "node_modules", "ical.js", "dist", "ical.es5.cjs")
	if _, err := os.Stat(lib); err != nil {
		t.Fatalf("ical.js is not installed: %v", err)
	}
	script := `const ICAL=require(process.argv[1]);let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{
const comp=new ICAL.Component(ICAL.parse(s));
console.log(JSON.stringify(comp.getAllSubcomponents('vevent').map(v=>new ICAL.Event(v)).map(e=>({uid:e.uid,summary:e.summary,start:e.startDate.toString()}))));});`
	cmd := exec.Command("node", "-e", script, lib)
	cmd.Stdin = strings.NewReader(doc)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ical.js: %v\n%s", err, out)
	}
	return string(out)
}
