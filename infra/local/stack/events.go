package stack

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/sessions"
)

// The sample events in events/ are payload-2.0 requests as API Gateway's JWT
// authorizer passes them on: their claims name a subject, an access token id
// (jti) and a username, and every authed route admits a token only while its
// session lives (shared/sessions). So that each event gets the function's
// real answer, the demo accounts the events name are created with the
// events' subjects, and each token id the events carry gets a live session.
// The events stay plain fixtures, the same for `sam local invoke`.

// eventToken is an access token the sample events carry.
type eventToken struct {
	Sub, JTI, Username string
	// File is the first event that carries it.
	File string
}

// sampleTokens reads the access tokens the events in dir carry. One token
// id belongs to one subject, and one subject to one username; an event
// that breaks this could not be served and is an error.
func sampleTokens(dir string) ([]eventToken, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	byJTI, bySub := map[string]eventToken{}, map[string]eventToken{}
	var out []eventToken
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var ev struct {
			RequestContext struct {
				Authorizer struct {
					JWT struct {
						Claims map[string]any `json:"claims"`
					} `json:"jwt"`
				} `json:"authorizer"`
			} `json:"requestContext"`
		}
		if err := json.Unmarshal(b, &ev); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		claims := ev.RequestContext.Authorizer.JWT.Claims
		claim := func(name string) string { s, _ := claims[name].(string); return s }
		if claims == nil || claim("token_use") != "access" {
			continue
		}
		if claim("username") == "" && claim("sub") != "" && claim("sub") == claim("client_id") {
			// A system's token (client credentials) has no session.
			continue
		}
		tk := eventToken{Sub: claim("sub"), JTI: claim("jti"), Username: claim("username"), File: filepath.Base(f)}
		if tk.Sub == "" || tk.JTI == "" || tk.Username == "" {
			return nil, fmt.Errorf("%s: an access token needs sub, jti and username claims", tk.File)
		}
		if seen, ok := byJTI[tk.JTI]; ok {
			if seen.Sub != tk.Sub {
				return nil, fmt.Errorf("%s: token id %s belongs to subject %s in %s, not %s", tk.File, tk.JTI, seen.Sub, seen.File, tk.Sub)
			}
			continue
		}
		if seen, ok := bySub[tk.Sub]; ok && seen.Username != tk.Username {
			return nil, fmt.Errorf("%s: subject %s is %s in %s, not %s", tk.File, tk.Sub, seen.Username, seen.File, tk.Username)
		}
		byJTI[tk.JTI], bySub[tk.Sub] = tk, tk
		out = append(out, tk)
	}
	return out, nil
}

// eventSubjects maps the demo usernames the events name to the events'
// subjects; a username that is no demo account is an error.
func eventSubjects(tokens []eventToken) (map[string]string, error) {
	demo := map[string]bool{}
	for _, d := range DemoAccounts() {
		demo[d.Username] = true
	}
	subs := map[string]string{}
	for _, tk := range tokens {
		if !demo[tk.Username] {
			return nil, fmt.Errorf("events/%s: username %q is no demo account", tk.File, tk.Username)
		}
		if sub, ok := subs[tk.Username]; ok && sub != tk.Sub {
			return nil, fmt.Errorf("events/%s: demo account %s has subject %s in another event, not %s", tk.File, tk.Username, sub, tk.Sub)
		}
		subs[tk.Username] = tk.Sub
	}
	return subs, nil
}

// eventSessionLife is how long a sample event's session lives: long enough
// never to end while the stack runs.
const eventSessionLife = 365 * 24 * time.Hour

// RenewEventSessions makes the session of every token the sample events
// carry live again, as the seeding made it: an invocation with an event that
// ended one (logout, "end this session") leaves the next one admitted.
func (s *Stack) RenewEventSessions(ctx context.Context) error {
	store := sessions.NewStore(dynamo.New(s.DynamoDB(), s.Resources["Table"]))
	now := time.Now()
	for _, tk := range s.eventTokens {
		var acc DemoAccount
		for _, d := range s.Demo {
			if d.Username == tk.Username {
				acc = d
			}
		}
		id := "events-" + tk.JTI
		if _, err := store.End(ctx, tk.Sub, id); err != nil && !problem.Is(err, problem.KindNotFound) {
			return fmt.Errorf("end the session of %s: %w", tk.File, err)
		}
		if err := store.Begin(ctx, sessions.Start{Sub: tk.Sub, ID: id, UserAgent: "Sample events (events/)", IP: "198.51.100.7",
			Method: "password", Level: string(acc.Level), Department: acc.Department,
			Organisation: acc.Organisation, At: now,
			AccessJTI: tk.JTI, AccessExpires: now.Add(eventSessionLife), RefreshExpires: now.Add(eventSessionLife)}); err != nil {
			return fmt.Errorf("session of %s: %w", tk.File, err)
		}
	}
	return nil
}
