package gateway

import (
	"context"
	"crypto/rsa"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kabinet/kabinet/infra/local/template"
	"github.com/kabinet/kabinet/shared/clock"
)

// The systems' tokens are signed by a key of their own, published at a
// second JWKS for the same issuer (locally, the token endpoint's).
var machineKey = mustKey()

const machineKid = "m2m-kid"

// templateGateway serves testdata/<file> with a fake per function, as the
// local stack serves template.yaml.
func templateGateway(t *testing.T, file string) (*Gateway, map[string]*fakeFunction, *clock.Manual) {
	t.Helper()
	tpl, err := template.Load("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	people, _ := keySet(t, testKid, signingKey)
	machines, _ := keySet(t, machineKid, machineKey)
	fakes, fns := map[string]*fakeFunction{}, map[string]Invoker{}
	for _, fn := range tpl.Functions {
		fakes[fn.Name] = &fakeFunction{name: fn.Name}
		fns[fn.Name] = fakes[fn.Name]
	}
	r := template.Resolver{Refs: map[string]string{"AWS::Region": "eu-central-1", "UserPool": "eu-central-1_local",
		"UserPoolClient": testClient, "GibddClient": "gibdd-client", "FnsClient": "fns-client"}}
	same := func(iss string) (string, error) { return iss, nil }
	c := clock.NewManual(testNow)
	rs, auths, err := FromTemplate(tpl, fns, r, same, []string{people.URL, machines.URL}, c)
	if err != nil {
		t.Fatalf("FromTemplate() = %v", err)
	}
	g, err := New(rs, auths, c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	return g, fakes, c
}

// machineToken is a Cognito client-credentials access token: the client is
// the subject, no username, the client's scopes.
func machineToken(clientID, scope string) jwt.MapClaims {
	c := jwt.MapClaims{"sub": clientID, "client_id": clientID, "token_use": "access", "iss": testIssuer,
		"auth_time": testNow.Unix(), "iat": testNow.Unix(), "exp": testNow.Add(time.Hour).Unix(), "version": 2, "jti": "m-1"}
	if scope != "" {
		c["scope"] = scope
	}
	return c
}

func TestAgencyAuthorizer(t *testing.T) {
	gibdd := sign(t, machineToken("gibdd-client", "kabinet/agency.gibdd"), machineKey, machineKid)
	fns := sign(t, machineToken("fns-client", "kabinet/agency.fns"), machineKey, machineKid)
	citizen := sign(t, accessClaims(), signingKey, testKid)
	tests := []struct {
		name, method, path, token string
		advance                   time.Duration
		status                    int
		function                  string // the function that answers, for 200
	}{
		{"an agency's token on its route", "POST", "/agency/fines", gibdd, 0, 200, "charges"},
		{"another agency's token on it", "POST", "/agency/fines", fns, 0, 403, ""},
		{"an agency's token on a route of both", "GET", "/agency/whoami", fns, 0, 200, "me"},
		{"an agency's token on a person's route", "GET", "/me", gibdd, 0, 401, ""},
		{"a citizen's token on an agency route", "POST", "/agency/fines", citizen, 0, 401, ""},
		{"a citizen's token on the route of both agencies", "GET", "/agency/whoami", citizen, 0, 401, ""},
		{"a citizen's token on a person's route", "GET", "/me", citizen, 0, 200, "me"},
		{"an expired agency token", "POST", "/agency/fines", gibdd, 61 * time.Minute, 401, ""},
		{"an agency token still valid", "POST", "/agency/fines", gibdd, 59 * time.Minute, 200, "charges"},
		{"an agency token signed by another key", "POST", "/agency/fines",
			sign(t, machineToken("gibdd-client", "kabinet/agency.gibdd"), otherKey, machineKid), 0, 401, ""},
		{"an agency token of another issuer", "POST", "/agency/fines",
			sign(t, with(machineToken("gibdd-client", "kabinet/agency.gibdd"), map[string]any{"iss": "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_other"}), machineKey, machineKid), 0, 401, ""},
		{"a client outside the audience with the right scope", "POST", "/agency/fines",
			sign(t, machineToken("fssp-client", "kabinet/agency.gibdd"), machineKey, machineKid), 0, 401, ""},
		{"an agency token without scopes", "POST", "/agency/fines", sign(t, machineToken("gibdd-client", ""), machineKey, machineKid), 0, 403, ""},
		{"a scope that only starts like the route's", "POST", "/agency/fines",
			sign(t, machineToken("gibdd-client", "kabinet/agency.gibdd.extra"), machineKey, machineKid), 0, 403, ""},
		{"no token on an agency route", "POST", "/agency/fines", "", 0, 401, ""},
		{"a public route", "GET", "/health", "", 0, 200, "health"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, fakes, c := templateGateway(t, "agency.yaml")
			c.Advance(tt.advance)
			req := httptest.NewRequest(tt.method, tt.path, nil)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			rec := httptest.NewRecorder()
			g.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, rec.Code, rec.Body, tt.status)
			}
			switch tt.status {
			case 401:
				if rec.Body.String() != `{"message":"Unauthorized"}` {
					t.Errorf("body = %s, want API Gateway's 401", rec.Body)
				}
			case 403:
				if rec.Body.String() != `{"message":"Forbidden"}` || rec.Header().Get("Content-Type") != "application/json" {
					t.Errorf("body = %s (%s), want API Gateway's 403 {\"message\":\"Forbidden\"}", rec.Body, rec.Header().Get("Content-Type"))
				}
			}
			for name, f := range fakes {
				if want := name == tt.function; (f.calls() > 0) != want {
					t.Errorf("function %s invoked %d times", name, f.calls())
				}
			}
		})
	}
}

func TestAgencyEventCarriesTheScopes(t *testing.T) {
	g, fakes, _ := templateGateway(t, "agency.yaml")
	tok := sign(t, machineToken("gibdd-client", "other/read kabinet/agency.gibdd"), machineKey, machineKid)
	req := httptest.NewRequest("POST", "/agency/fines", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	g.ServeHTTP(httptest.NewRecorder(), req)
	ev := fakes["charges"].last(t)
	jwtc := ev.RequestContext.Authorizer.JWT
	if !reflect.DeepEqual(jwtc.Scopes, []string{"other/read", "kabinet/agency.gibdd"}) {
		t.Errorf("jwt.scopes = %q, want the token's scopes on a route that requires scopes", jwtc.Scopes)
	}
	want := map[string]string{"sub": "gibdd-client", "client_id": "gibdd-client", "token_use": "access",
		"scope": "other/read kabinet/agency.gibdd", "version": "2", "jti": "m-1", "iss": testIssuer}
	for k, v := range want {
		if jwtc.Claims[k] != v {
			t.Errorf("claim %s = %q, want %q", k, jwtc.Claims[k], v)
		}
	}
	if ev.RouteKey != "POST /agency/fines" {
		t.Errorf("routeKey = %q", ev.RouteKey)
	}
}

func TestFromTemplateRefuses(t *testing.T) {
	tpl, err := template.Load("testdata/agency.yaml")
	if err != nil {
		t.Fatal(err)
	}
	refs := map[string]string{"AWS::Region": "eu-central-1", "UserPool": "p", "UserPoolClient": "c", "GibddClient": "g", "FnsClient": "f"}
	same := func(iss string) (string, error) { return iss, nil }
	tests := []struct {
		name   string
		change func(refs map[string]string) func(string) (string, error)
		want   string
	}{
		{"an audience that does not resolve", func(refs map[string]string) func(string) (string, error) {
			delete(refs, "FnsClient")
			return same
		}, "FnsClient"},
		{"an issuer the stack does not serve", func(map[string]string) func(string) (string, error) {
			return func(string) (string, error) { return "", errors.New("not the user pool's") }
		}, "not the user pool's"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := template.Resolver{Refs: map[string]string{}}
			for k, v := range refs {
				r.Refs[k] = v
			}
			issuer := tt.change(r.Refs)
			if _, _, err := FromTemplate(tpl, nil, r, issuer, nil, clock.NewManual(testNow)); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("FromTemplate() = %v, want an error naming %q", err, tt.want)
			}
		})
	}
	// A protected route whose authorizer the gateway was not given.
	_, err = New([]*Route{{Method: "GET", Path: "/x", Authorizer: "Missing"}}, map[string]*Authorizer{}, clock.NewManual(testNow), slog.Default())
	if err == nil || !strings.Contains(err.Error(), "Missing") {
		t.Errorf("New() = %v, want an error naming the missing authorizer", err)
	}
}

func TestAuthorizerTrustsEveryKeySet(t *testing.T) {
	people, _ := keySet(t, testKid, signingKey)
	machines, _ := keySet(t, machineKid, machineKey)
	// The same kid in both sets with other keys: neither may be used.
	clash, _ := keySet(t, testKid, otherKey)
	tests := []struct {
		name string
		sets []string
		key  *rsa.PrivateKey
		kid  string
		ok   bool
	}{
		{"the first set's key", []string{people.URL, machines.URL}, signingKey, testKid, true},
		{"the second set's key", []string{people.URL, machines.URL}, machineKey, machineKid, true},
		{"a set that is not configured", []string{people.URL}, machineKey, machineKid, false},
		{"one set unreachable", []string{"http://127.0.0.1:1/jwks", machines.URL}, machineKey, machineKid, true},
		{"one kid in two sets", []string{people.URL, clash.URL}, signingKey, testKid, false},
		{"one kid in two sets, the other key", []string{people.URL, clash.URL}, otherKey, testKid, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &Authorizer{Issuer: testIssuer, JWKSURLs: tt.sets, Audience: []string{"gibdd-client", testClient}, Clock: clock.NewManual(testNow)}
			claims := machineToken("gibdd-client", "kabinet/agency.gibdd")
			_, _, err := a.Verify(context.Background(), "Bearer "+sign(t, claims, tt.key, tt.kid))
			if (err == nil) != tt.ok {
				t.Errorf("Verify() = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestRealTemplateServes(t *testing.T) {
	// template.yaml itself reads into a gateway: every protected route has
	// an authorizer with an issuer and an audience.
	root, err := template.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := template.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r := template.Resolver{Refs: map[string]string{"AWS::Region": "eu-central-1"}}
	for id := range tpl.Resources {
		r.Refs[id] = id
	}
	rs, auths, err := FromTemplate(tpl, map[string]Invoker{}, r, func(iss string) (string, error) { return iss, nil }, nil, clock.NewManual(testNow))
	if err != nil {
		t.Fatalf("FromTemplate(template.yaml) = %v", err)
	}
	if _, err := New(rs, auths, clock.NewManual(testNow), slog.Default()); err != nil {
		t.Fatalf("New() = %v", err)
	}
	if a := auths["AgencyJwt"]; a == nil || len(a.Audience) == 0 || slices.Contains(a.Audience, "UserPoolClient") {
		t.Errorf("AgencyJwt = %+v, want the agency clients and not the citizens' app client", a)
	}
	if a := auths["CognitoJwt"]; a == nil || !reflect.DeepEqual(a.Audience, []string{"UserPoolClient"}) {
		t.Errorf("CognitoJwt = %+v, want the citizens' app client alone", a)
	}
}
