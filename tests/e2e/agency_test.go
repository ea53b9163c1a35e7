package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/infra/local/stack"
)

// Agency systems call the API as themselves (DESIGN 11): an access token
// from the user pool domain's token endpoint (client credentials, HTTP
// Basic), then a route behind the AgencyJwt authorizer.

func machine(t testing.TB, logicalID string) stack.MachineClient {
	t.Helper()
	m, ok := st.Machine(logicalID)
	if !ok {
		t.Fatalf("no machine client %s; the stack has %+v", logicalID, st.Machines)
	}
	return m
}

// tokenRequest asks the token endpoint for a token with HTTP Basic
// credentials and the form parameters.
func tokenRequest(t testing.TB, id, secret string, form url.Values) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, st.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("token endpoint answered %d %s: %v", res.StatusCode, body, err)
	}
	return res.StatusCode, out
}

// agencyToken gets an access token for an agency's client, as its system does.
func agencyToken(t testing.TB, logicalID string) string {
	t.Helper()
	m := machine(t, logicalID)
	status, out := tokenRequest(t, m.ClientID, m.Secret, url.Values{"grant_type": {"client_credentials"}})
	tok, _ := out["access_token"].(string)
	if status != http.StatusOK || tok == "" {
		t.Fatalf("token for %s: %d %v", logicalID, status, out)
	}
	return tok
}

func TestAgencySystemGetsATokenAndCallsItsRoute(t *testing.T) {
	for _, id := range []string{"AgencyGibddClient", "AgencyFnsClient"} {
		t.Run(id, func(t *testing.T) {
			m := machine(t, id)
			status, out := tokenRequest(t, m.ClientID, m.Secret, url.Values{"grant_type": {"client_credentials"}, "scope": {m.Scopes[0]}})
			if status != http.StatusOK || out["token_type"] != "Bearer" || out["expires_in"] != float64(3600) {
				t.Fatalf("token = %d %v, want 200, a Bearer token for an hour", status, out)
			}
			res := call(t, http.MethodGet, "/agency/whoami", out["access_token"].(string), nil, nil)
			if res.Status != http.StatusOK {
				t.Fatalf("GET /agency/whoami = %d %s", res.Status, res.Body)
			}
			var who struct {
				Agency, ClientID string
				Scopes           []string
			}
			res.JSON(t, &who)
			agency := strings.TrimPrefix(m.Scopes[0], "kabinet/agency.")
			if who.Agency != agency || who.ClientID != m.ClientID || !slices.Equal(who.Scopes, m.Scopes) {
				t.Errorf("whoami = %+v, want agency %s, client %s, scopes %v", who, agency, m.ClientID, m.Scopes)
			}
		})
	}
}

func TestAgencyRoutesRefuseOtherTokens(t *testing.T) {
	gibdd := machine(t, "AgencyGibddClient")
	agency := agencyToken(t, "AgencyGibddClient")
	// Tokens the endpoint would not issue, signed as it signs: a scope the
	// route does not admit, and two agencies' scopes at once.
	partner, err := st.OAuth.Mint(gibdd.ClientID, []string{"kabinet/partner.demo"})
	if err != nil {
		t.Fatal(err)
	}
	twoAgencies, err := st.OAuth.Mint(gibdd.ClientID, []string{"kabinet/agency.gibdd", "kabinet/agency.fns"})
	if err != nil {
		t.Fatal(err)
	}
	citizen := accessToken(t, "citizen")
	cases := []struct {
		name, method, path, token string
		shift                     time.Duration
		status                    int
		body                      string // API Gateway's own answer, or a problem code
	}{
		{"a citizen's token on the agency route", http.MethodGet, "/agency/whoami", citizen, 0, 401, `{"message":"Unauthorized"}`},
		{"an agency's token on /me", http.MethodGet, "/me", agency, 0, 401, `{"message":"Unauthorized"}`},
		{"an agency's token on the settings", http.MethodGet, "/me/settings", agency, 0, 401, `{"message":"Unauthorized"}`},
		{"a scope the route does not admit", http.MethodGet, "/agency/whoami", partner, 0, 403, `{"message":"Forbidden"}`},
		{"two agencies' scopes", http.MethodGet, "/agency/whoami", twoAgencies, 0, 403, "organisation_scope"},
		{"an expired agency token", http.MethodGet, "/agency/whoami", agency, 61 * time.Minute, 401, `{"message":"Unauthorized"}`},
		{"an agency token shortly before expiry", http.MethodGet, "/agency/whoami", agency, 59 * time.Minute, 200, ""},
		{"no token", http.MethodGet, "/agency/whoami", "", 0, 401, `{"message":"Unauthorized"}`},
		{"an agency token signed by another key", http.MethodGet, "/agency/whoami", resign(t, agency), 0, 401, `{"message":"Unauthorized"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			gwClock.Shift(c.shift)
			defer gwClock.Shift(0)
			res := call(t, c.method, c.path, c.token, nil, nil)
			if res.Status != c.status {
				t.Fatalf("%s %s = %d %s, want %d", c.method, c.path, res.Status, res.Body, c.status)
			}
			switch {
			case strings.HasPrefix(c.body, "{"):
				if got := strings.TrimSpace(string(res.Body)); got != c.body {
					t.Errorf("body = %s, want API Gateway's %s", got, c.body)
				}
			case c.body != "":
				if code := problemCode(t, res); code != c.body {
					t.Errorf("problem %s, want %s", code, c.body)
				}
			}
		})
	}
}

func TestTokenEndpointRefusals(t *testing.T) {
	gibdd, fns := machine(t, "AgencyGibddClient"), machine(t, "AgencyFnsClient")
	cc := url.Values{"grant_type": {"client_credentials"}}
	cases := []struct {
		name, id, secret string
		form             url.Values
		want             string
	}{
		{"a wrong secret", gibdd.ClientID, "not-the-secret", cc, "invalid_client"},
		{"another agency's secret", gibdd.ClientID, fns.Secret, cc, "invalid_client"},
		{"the citizens' app client", st.Resources["UserPoolClient"], "", cc, "invalid_client"},
		{"another agency's scope", gibdd.ClientID, gibdd.Secret, url.Values{"grant_type": {"client_credentials"}, "scope": {fns.Scopes[0]}}, "invalid_scope"},
		{"a password grant", gibdd.ClientID, gibdd.Secret, url.Values{"grant_type": {"password"}}, "unsupported_grant_type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, out := tokenRequest(t, c.id, c.secret, c.form)
			if status != http.StatusBadRequest || out["error"] != c.want || len(out) != 1 {
				t.Errorf("token endpoint = %d %v, want 400 {\"error\":%q}", status, out, c.want)
			}
		})
	}
}

func TestEveryAgencyClientIsServed(t *testing.T) {
	agencies, partners := 0, 0
	for _, m := range st.Machines {
		switch {
		case strings.HasPrefix(m.LogicalID, "Agency"):
			agencies++
		case strings.HasPrefix(m.LogicalID, "Partner"):
			partners++
		}
	}
	if agencies != 7 || partners != 4 || len(st.Machines) != 11 {
		t.Errorf("machine clients %d (%d agencies, %d partners), want the template's 7 agencies and 4 partners", len(st.Machines), agencies, partners)
	}
	for _, m := range st.Machines {
		if m.ClientID == "" || m.Secret == "" || len(m.Scopes) != 1 {
			t.Errorf("%+v: want a client id, this run's secret and one scope", m)
		}
	}
	if !strings.Contains(st.Summary(), st.TokenURL) || !strings.Contains(st.Summary(), machine(t, "AgencyZagsClient").Secret) {
		t.Errorf("make run's summary does not name the token endpoint and the clients:\n%s", st.Summary())
	}
}
