package stack

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/infra/local/template"
)

func event(sub, jti, username string) string {
	return `{"version":"2.0","requestContext":{"authorizer":{"jwt":{"claims":{"sub":"` + sub + `","jti":"` + jti +
		`","username":"` + username + `","token_use":"access"}}}}}`
}

// TestSampleTokens: the events' tokens are read once each; a token id or a
// subject the events give two owners, or a username that is no demo
// account, is an error naming the event.
func TestSampleTokens(t *testing.T) {
	cases := []struct {
		name    string
		events  map[string]string
		want    int
		wantErr string
	}{
		{"two tokens of one person, one public event", map[string]string{
			"a.json": event("s1", "j1", "citizen"), "b.json": event("s1", "j1", "citizen"),
			"c.json": event("s1", "j2", "citizen"), "d.json": `{"version":"2.0","routeKey":"GET /health"}`}, 2, ""},
		{"a token id of two subjects", map[string]string{"a.json": event("s1", "j1", "citizen"), "b.json": event("s2", "j1", "officer")}, 0, "b.json: token id j1"},
		{"a subject of two usernames", map[string]string{"a.json": event("s1", "j1", "citizen"), "b.json": event("s1", "j2", "officer")}, 0, "b.json: subject s1"},
		{"a username of two subjects", map[string]string{"a.json": event("s1", "j1", "citizen"), "b.json": event("s2", "j2", "citizen")}, 0, "b.json: demo account citizen"},
		{"no demo account", map[string]string{"a.json": event("s1", "j1", "stranger")}, 0, `a.json: username "stranger"`},
		{"a system's token needs no session", map[string]string{"a.json": event("s1", "j1", "citizen"),
			"b.json": `{"version":"2.0","requestContext":{"authorizer":{"jwt":{"claims":{"sub":"c1","client_id":"c1","jti":"j9","token_use":"access"}}}}}`}, 1, ""},
		{"a token without a username that is no system's", map[string]string{
			"a.json": `{"version":"2.0","requestContext":{"authorizer":{"jwt":{"claims":{"sub":"s1","client_id":"c1","jti":"j9","token_use":"access"}}}}}`}, 0, "a.json: an access token needs"},
	}
	for _, c := range cases {
		dir := t.TempDir()
		for name, body := range c.events {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		tokens, err := sampleTokens(dir)
		if err == nil {
			_, err = eventSubjects(tokens)
		}
		switch {
		case c.wantErr == "" && (err != nil || len(tokens) != c.want):
			t.Errorf("%s: %d tokens, %v; want %d", c.name, len(tokens), err, c.want)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.wantErr)
		}
	}
}

// TestTheSampleEventsNameDemoAccounts: events/ itself can be served.
func TestTheSampleEventsNameDemoAccounts(t *testing.T) {
	root, err := template.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := sampleTokens(filepath.Join(root, "events"))
	if err != nil {
		t.Fatal(err)
	}
	subs, err := eventSubjects(tokens)
	if err != nil {
		t.Fatal(err)
	}
	if subs["citizen"] == "" || subs["officer"] == "" {
		t.Errorf("the events name %v, want the demo citizen and officer", subs)
	}
}
