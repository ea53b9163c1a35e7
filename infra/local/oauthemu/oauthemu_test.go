package oauthemu

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/infra/local/gateway"
	"github.com/kabinet/kabinet/shared/clock"
)

const issuer = "http://127.0.0.1:9229/eu-central-1_local"

var now = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

var clients = []Client{
	{ID: "gibdd-client", Secret: "gibdd-secret", Flows: []string{"client_credentials"}, Scopes: []string{"kabinet/agency.gibdd"}, Validity: time.Hour},
	{ID: "two-scopes", Secret: "s2", Flows: []string{"client_credentials"}, Scopes: []string{"kabinet/agency.fns", "kabinet/agency.fssp"}, Validity: 5 * time.Minute},
	// The citizens' app client: public, no OAuth flow.
	{ID: "web-client", Validity: 15 * time.Minute},
	// A confidential client allowed only the code grant.
	{ID: "code-client", Secret: "s3", Flows: []string{"code"}, Scopes: []string{"kabinet/agency.gibdd"}, Validity: time.Hour},
}

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	s, err := New(issuer, clients, clock.NewManual(now))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv
}

// request is a token request: form parameters, and a Basic user:secret
// unless basic is empty.
type request struct {
	basic       string
	form        string
	contentType string
}

func post(t *testing.T, srv *httptest.Server, rq request) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/oauth2/token", strings.NewReader(rq.form))
	if err != nil {
		t.Fatal(err)
	}
	ct := rq.contentType
	if ct == "" {
		ct = "application/x-www-form-urlencoded"
	}
	req.Header.Set("Content-Type", ct)
	if rq.basic != "" {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(rq.basic)))
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, body
}

func TestTokenIssued(t *testing.T) {
	tests := []struct {
		name       string
		rq         request
		client     string
		wantScope  string
		wantExpiry int
	}{
		{"basic, no scope asked: all the client's", request{basic: "gibdd-client:gibdd-secret", form: "grant_type=client_credentials"},
			"gibdd-client", "kabinet/agency.gibdd", 3600},
		{"basic, its scope asked", request{basic: "gibdd-client:gibdd-secret", form: "grant_type=client_credentials&scope=kabinet%2Fagency.gibdd"},
			"gibdd-client", "kabinet/agency.gibdd", 3600},
		{"one of two scopes", request{basic: "two-scopes:s2", form: "grant_type=client_credentials&scope=kabinet/agency.fssp"},
			"two-scopes", "kabinet/agency.fssp", 300},
		{"all of two scopes, one twice", request{basic: "two-scopes:s2", form: "grant_type=client_credentials&scope=kabinet/agency.fssp+kabinet/agency.fns+kabinet/agency.fssp"},
			"two-scopes", "kabinet/agency.fssp kabinet/agency.fns", 300},
		{"an empty scope: all the client's", request{basic: "two-scopes:s2", form: "grant_type=client_credentials&scope="},
			"two-scopes", "kabinet/agency.fns kabinet/agency.fssp", 300},
		{"client_secret_post", request{form: "grant_type=client_credentials&client_id=gibdd-client&client_secret=gibdd-secret"},
			"gibdd-client", "kabinet/agency.gibdd", 3600},
		{"basic with the same client_id in the body", request{basic: "gibdd-client:gibdd-secret", form: "grant_type=client_credentials&client_id=gibdd-client"},
			"gibdd-client", "kabinet/agency.gibdd", 3600},
		{"a charset in the content type", request{basic: "gibdd-client:gibdd-secret", form: "grant_type=client_credentials",
			contentType: "application/x-www-form-urlencoded; charset=UTF-8"}, "gibdd-client", "kabinet/agency.gibdd", 3600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			res, body := post(t, srv, tt.rq)
			if res.StatusCode != 200 {
				t.Fatalf("status = %d %s, want 200", res.StatusCode, body)
			}
			if res.Header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
				t.Errorf("headers = %v, want JSON with Cache-Control no-store", res.Header)
			}
			var out map[string]any
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatal(err)
			}
			if len(out) != 3 || out["token_type"] != "Bearer" || out["expires_in"] != float64(tt.wantExpiry) {
				t.Errorf("answer = %v, want access_token, expires_in %d and token_type Bearer only", out, tt.wantExpiry)
			}
			claims := verify(t, srv, out["access_token"].(string), tt.client)
			if claims["scope"] != tt.wantScope {
				t.Errorf("scope = %q, want %q", claims["scope"], tt.wantScope)
			}
		})
	}
}

// verify checks a token as the local gateway does, with the endpoint's
// published keys, and returns its claims.
func verify(t *testing.T, srv *httptest.Server, tok, client string) map[string]string {
	t.Helper()
	a := &gateway.Authorizer{Issuer: issuer, JWKSURLs: []string{srv.URL + "/.well-known/jwks.json"}, Audience: []string{client},
		Clock: clock.NewManual(now.Add(time.Minute))}
	claims, _, err := a.Verify(context.Background(), "Bearer "+tok)
	if err != nil {
		t.Fatalf("the gateway refuses the token: %v", err)
	}
	return claims
}

func TestTokenIsShapedAsCognitos(t *testing.T) {
	srv := newServer(t)
	_, body := post(t, srv, request{basic: "gibdd-client:gibdd-secret", form: "grant_type=client_credentials"})
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(out.AccessToken, ".")
	header, _ := base64.RawURLEncoding.DecodeString(parts[0])
	var h map[string]string
	if err := json.Unmarshal(header, &h); err != nil || len(h) != 2 || h["alg"] != "RS256" || !strings.HasPrefix(h["kid"], "kabinet-local-m2m-") {
		t.Errorf("header = %s, want only alg RS256 and the endpoint's kid", header)
	}
	claims := verify(t, srv, out.AccessToken, "gibdd-client")
	want := map[string]string{
		"sub": "gibdd-client", "client_id": "gibdd-client", "token_use": "access", "scope": "kabinet/agency.gibdd",
		"iss": issuer, "version": "2", "auth_time": "1795424400", "iat": "1795424400", "exp": "1795428000",
	}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("claim %s = %q, want %q", k, claims[k], v)
		}
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(claims["jti"]) {
		t.Errorf("jti = %q, want a random UUID", claims["jti"])
	}
	if len(claims) != len(want)+1 {
		t.Errorf("claims = %v, want exactly %v and jti (no username, no aud)", claims, want)
	}
}

func TestTokenRefused(t *testing.T) {
	tests := []struct {
		name string
		rq   request
		want string
	}{
		{"another agency's scope", request{basic: "gibdd-client:gibdd-secret", form: "grant_type=client_credentials&scope=kabinet/agency.fns"}, "invalid_scope"},
		{"a scope nobody declares", request{basic: "gibdd-client:gibdd-secret", form: "grant_type=client_credentials&scope=kabinet/admin"}, "invalid_scope"},
		{"its scope and another", request{basic: "gibdd-client:gibdd-secret", form: "grant_type=client_credentials&scope=kabinet/agency.gibdd kabinet/agency.fns"}, "invalid_scope"},
		{"a person's scope", request{basic: "gibdd-client:gibdd-secret", form: "grant_type=client_credentials&scope=openid"}, "invalid_scope"},
		{"a wrong secret", request{basic: "gibdd-client:guess", form: "grant_type=client_credentials"}, "invalid_client"},
		{"another client's secret", request{basic: "gibdd-client:s2", form: "grant_type=client_credentials"}, "invalid_client"},
		{"an unknown client", request{basic: "nobody:gibdd-secret", form: "grant_type=client_credentials"}, "invalid_client"},
		{"no credentials", request{form: "grant_type=client_credentials"}, "invalid_client"},
		{"a client id without a secret", request{form: "grant_type=client_credentials&client_id=gibdd-client"}, "invalid_client"},
		{"the public client without a secret", request{form: "grant_type=client_credentials&client_id=web-client"}, "invalid_client"},
		{"the public client with an empty secret", request{basic: "web-client:", form: "grant_type=client_credentials"}, "invalid_client"},
		{"basic naming another client in the body", request{basic: "gibdd-client:gibdd-secret", form: "grant_type=client_credentials&client_id=two-scopes"}, "invalid_client"},
		{"two ways of authenticating", request{basic: "gibdd-client:gibdd-secret", form: "grant_type=client_credentials&client_id=gibdd-client&client_secret=gibdd-secret"}, "invalid_request"},
		{"a client without the grant", request{basic: "code-client:s3", form: "grant_type=client_credentials"}, "unauthorized_client"},
		{"the code grant", request{basic: "gibdd-client:gibdd-secret", form: "grant_type=authorization_code&code=x&redirect_uri=https://x"}, "unauthorized_client"},
		{"the refresh grant", request{basic: "gibdd-client:gibdd-secret", form: "grant_type=refresh_token&refresh_token=x"}, "unauthorized_client"},
		{"the password grant", request{basic: "gibdd-client:gibdd-secret", form: "grant_type=password&username=a&password=b"}, "unsupported_grant_type"},
		{"no grant type", request{basic: "gibdd-client:gibdd-secret", form: "scope=kabinet/agency.gibdd"}, "invalid_request"},
		{"a repeated grant type", request{basic: "gibdd-client:gibdd-secret", form: "grant_type=client_credentials&grant_type=client_credentials"}, "invalid_request"},
		{"JSON", request{basic: "gibdd-client:gibdd-secret", form: `{"grant_type":"client_credentials"}`, contentType: "application/json"}, "invalid_request"},
		{"a malformed body", request{basic: "gibdd-client:gibdd-secret", form: "grant_type=%zz"}, "invalid_request"},
		{"a body too large", request{basic: "gibdd-client:gibdd-secret", form: "grant_type=client_credentials&scope=" + strings.Repeat("a", maxBody)}, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			res, body := post(t, srv, tt.rq)
			if res.StatusCode != http.StatusBadRequest || strings.TrimSpace(string(body)) != `{"error":"`+tt.want+`"}` {
				t.Errorf("answer = %d %s, want 400 {\"error\":%q}", res.StatusCode, body, tt.want)
			}
		})
	}
}

func TestTokenEndpointHeaders(t *testing.T) {
	srv := newServer(t)
	tests := []struct {
		name, method, path string
		header             map[string]string
		status             int
		want               map[string]string
	}{
		{"another scheme of authorization", http.MethodPost, "/oauth2/token",
			map[string]string{"Authorization": "Bearer x", "Content-Type": "application/x-www-form-urlencoded"}, 400, nil},
		{"GET", http.MethodGet, "/oauth2/token", nil, 405, map[string]string{"Allow": "POST"}},
		{"a browser's preflight", http.MethodOptions, "/oauth2/token", map[string]string{"Origin": "http://127.0.0.1:3001"}, 204,
			map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "Authorization, Content-Type"}},
		{"the keys", http.MethodGet, "/.well-known/jwks.json", nil, 200, map[string]string{"Content-Type": "application/json;charset=UTF-8"}},
		{"anything else", http.MethodGet, "/oauth2/authorize", nil, 404, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader("grant_type=client_credentials"))
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", res.StatusCode, tt.status)
			}
			for k, v := range tt.want {
				if got := res.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestMint(t *testing.T) {
	s, err := New(issuer, clients, clock.NewManual(now))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	// A token the endpoint would refuse to issue: a scope the client lacks.
	tok, err := s.Mint("gibdd-client", []string{"kabinet/partner.bank"})
	if err != nil {
		t.Fatal(err)
	}
	if c := verify(t, srv, tok, "gibdd-client"); c["scope"] != "kabinet/partner.bank" {
		t.Errorf("scope = %q", c["scope"])
	}
	if _, err := s.Mint("nobody", nil); err == nil {
		t.Error("Mint() for an unknown client = nil error")
	}
}
