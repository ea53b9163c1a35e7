package gateway

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kabinet/kabinet/shared/clock"
)

const (
	testIssuer = "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_local"
	testClient = "app-client-1"
	testKid    = "kid-1"
)

// Keys are generated once: RSA generation is the slowest part of these tests.
var (
	signingKey = mustKey()
	otherKey   = mustKey()
	testNow    = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
)

func mustKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

// jwksServer serves the public half of signingKey under testKid and counts fetches.
func jwksServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	return keySet(t, testKid, signingKey)
}

// keySet serves a JWKS with the public half of key under kid (and an EC key
// the authorizer must pass over), and counts fetches.
func keySet(t *testing.T, kid string, key *rsa.PrivateKey) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var fetches atomic.Int32
	pub := key.PublicKey
	body, _ := json.Marshal(map[string]any{"keys": []map[string]string{
		{"kid": "ec-key", "kty": "EC", "crv": "P-256"},
		{"kid": kid, "kty": "RSA", "alg": "RS256", "use": "sig",
			"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes())},
	}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &fetches
}

func newAuthorizer(t *testing.T) (*Authorizer, *clock.Manual) {
	t.Helper()
	srv, _ := jwksServer(t)
	c := clock.NewManual(testNow)
	return &Authorizer{Issuer: testIssuer, JWKSURLs: []string{srv.URL}, Audience: []string{testClient}, Clock: c}, c
}

// accessClaims are the claims of a Cognito access token: client_id, no aud.
func accessClaims() jwt.MapClaims {
	return jwt.MapClaims{
		"sub": "0a1b2c3d", "iss": testIssuer, "client_id": testClient, "token_use": "access",
		"scope": "openid profile", "auth_time": testNow.Add(-time.Minute).Unix(),
		"iat": testNow.Add(-time.Minute).Unix(), "exp": testNow.Add(time.Hour).Unix(),
		"cognito:groups": []string{"citizens", "operators"}, "username": "ivan", "jti": "j-1",
	}
}

func sign(t *testing.T, claims jwt.MapClaims, key *rsa.PrivateKey, kid string) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return s
}

func with(c jwt.MapClaims, changes map[string]any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for k, v := range c {
		out[k] = v
	}
	for k, v := range changes {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

func TestAuthorizerAcceptsAccessToken(t *testing.T) {
	a, _ := newAuthorizer(t)
	tok := sign(t, accessClaims(), signingKey, testKid)
	for _, header := range []string{"Bearer " + tok, "bearer " + tok, "  BEARER   " + tok + " ", tok} {
		claims, scopes, err := a.Verify(context.Background(), header)
		if err != nil {
			t.Fatalf("Verify(%.20q...) = %v", header, err)
		}
		want := map[string]string{
			"sub": "0a1b2c3d", "iss": testIssuer, "client_id": testClient, "token_use": "access",
			"scope": "openid profile", "cognito:groups": "[citizens operators]", "username": "ivan", "jti": "j-1",
			"iat":       itoa(testNow.Add(-time.Minute).Unix()),
			"auth_time": itoa(testNow.Add(-time.Minute).Unix()),
			"exp":       itoa(testNow.Add(time.Hour).Unix()),
		}
		for k, v := range want {
			if claims[k] != v {
				t.Errorf("claim %s = %q, want %q", k, claims[k], v)
			}
		}
		if len(claims) != len(want) {
			t.Errorf("claims = %v, want exactly %v", claims, want)
		}
		if strings.Join(scopes, " ") != "openid profile" {
			t.Errorf("scopes = %q, want [openid profile]", scopes)
		}
	}
}

func TestAuthorizerAcceptsIDToken(t *testing.T) {
	tests := []struct {
		name string
		aud  any
	}{
		{"aud string", testClient},
		{"aud list", []string{"someone-else", testClient}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _ := newAuthorizer(t)
			c := with(accessClaims(), map[string]any{"client_id": nil, "scope": nil, "token_use": "id", "aud": tt.aud,
				"email_verified": true, "custom:level": 2.5, "address": map[string]any{"city": "Москва"}})
			claims, scopes, err := a.Verify(context.Background(), "Bearer "+sign(t, c, signingKey, testKid))
			if err != nil {
				t.Fatalf("Verify() = %v", err)
			}
			if scopes != nil {
				t.Errorf("scopes = %v, want none", scopes)
			}
			tests := map[string]string{"email_verified": "true", "custom:level": "2.5", "address": `{"city":"Москва"}`, "token_use": "id"}
			for k, want := range tests {
				if claims[k] != want {
					t.Errorf("claim %s = %q, want %q", k, claims[k], want)
				}
			}
		})
	}
}

func TestAuthorizerRefuses(t *testing.T) {
	hsToken := func(t *testing.T) string {
		// The classic confusion: HS256 keyed with the RSA public key.
		der, _ := x509.MarshalPKIXPublicKey(&signingKey.PublicKey)
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, accessClaims())
		tok.Header["kid"] = testKid
		s, err := tok.SignedString(der)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	noneToken := func(t *testing.T) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodNone, accessClaims())
		tok.Header["kid"] = testKid
		s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tamperedToken := func(t *testing.T) string {
		parts := strings.Split(sign(t, accessClaims(), signingKey, testKid), ".")
		payload, _ := json.Marshal(with(accessClaims(), map[string]any{"sub": "someone-else"}))
		parts[1] = base64.RawURLEncoding.EncodeToString(payload)
		return strings.Join(parts, ".")
	}
	manualHS := func(t *testing.T) string {
		// Built by hand so no library helper can refuse to produce it.
		h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT","kid":"` + testKid + `"}`))
		p, _ := json.Marshal(accessClaims())
		unsigned := h + "." + base64.RawURLEncoding.EncodeToString(p)
		mac := hmac.New(sha256.New, []byte("secret"))
		mac.Write([]byte(unsigned))
		return unsigned + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	}
	tests := []struct {
		name    string
		token   func(t *testing.T) string
		advance time.Duration
	}{
		{"expired", func(t *testing.T) string { return sign(t, accessClaims(), signingKey, testKid) }, 2 * time.Hour},
		{"expired by the token", func(t *testing.T) string {
			return sign(t, with(accessClaims(), map[string]any{"exp": testNow.Add(-time.Second).Unix()}), signingKey, testKid)
		}, 0},
		{"not yet valid", func(t *testing.T) string {
			return sign(t, with(accessClaims(), map[string]any{"nbf": testNow.Add(time.Hour).Unix()}), signingKey, testKid)
		}, 0},
		{"no expiry", func(t *testing.T) string {
			return sign(t, with(accessClaims(), map[string]any{"exp": nil}), signingKey, testKid)
		}, 0},
		{"wrong issuer", func(t *testing.T) string {
			return sign(t, with(accessClaims(), map[string]any{"iss": "https://evil.example"}), signingKey, testKid)
		}, 0},
		{"no issuer", func(t *testing.T) string {
			return sign(t, with(accessClaims(), map[string]any{"iss": nil}), signingKey, testKid)
		}, 0},
		{"another key with the same kid", func(t *testing.T) string { return sign(t, accessClaims(), otherKey, testKid) }, 0},
		{"unknown kid", func(t *testing.T) string { return sign(t, accessClaims(), signingKey, "kid-2") }, 0},
		{"no kid", func(t *testing.T) string { return sign(t, accessClaims(), signingKey, "") }, 0},
		{"tampered payload", tamperedToken, 0},
		{"alg none", noneToken, 0},
		{"HS256 keyed with the public key", hsToken, 0},
		{"HS256 by hand", manualHS, 0},
		{"client not allowed", func(t *testing.T) string {
			return sign(t, with(accessClaims(), map[string]any{"client_id": "other-client"}), signingKey, testKid)
		}, 0},
		{"id token for another audience", func(t *testing.T) string {
			return sign(t, with(accessClaims(), map[string]any{"client_id": nil, "aud": "other-client"}), signingKey, testKid)
		}, 0},
		{"neither aud nor client_id", func(t *testing.T) string {
			return sign(t, with(accessClaims(), map[string]any{"client_id": nil}), signingKey, testKid)
		}, 0},
		{"empty", func(t *testing.T) string { return "" }, 0},
		{"bearer only", func(t *testing.T) string { return "Bearer " }, 0},
		{"garbage", func(t *testing.T) string { return "not.a.jwt" }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, c := newAuthorizer(t)
			tok := tt.token(t)
			c.Advance(tt.advance)
			claims, _, err := a.Verify(context.Background(), "Bearer "+tok)
			if err == nil {
				t.Fatalf("Verify() accepted the token, claims %v", claims)
			}
			if claims != nil {
				t.Errorf("Verify() returned claims %v with an error", claims)
			}
		})
	}
}

func TestAuthorizerCachesKeys(t *testing.T) {
	srv, fetches := jwksServer(t)
	a := &Authorizer{Issuer: testIssuer, JWKSURLs: []string{srv.URL}, Audience: []string{testClient}, Clock: clock.NewManual(testNow)}
	good := sign(t, accessClaims(), signingKey, testKid)
	for range 3 {
		if _, _, err := a.Verify(context.Background(), good); err != nil {
			t.Fatalf("Verify() = %v", err)
		}
	}
	// An unknown kid right after a fetch must not hammer the JWKS endpoint.
	for range 3 {
		if _, _, err := a.Verify(context.Background(), sign(t, accessClaims(), signingKey, "rotated")); err == nil {
			t.Fatal("Verify() with an unknown kid = nil")
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("JWKS fetched %d times, want 1", n)
	}
}

func TestFlatten(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"string", "a b", "a b"},
		{"integer", float64(1700000000), "1700000000"},
		{"large integer without exponent", float64(12345678901234), "12345678901234"},
		{"fraction", 2.5, "2.5"},
		{"bool", false, "false"},
		{"nil", nil, ""},
		{"list", []any{"a", "b"}, "[a b]"},
		{"list of numbers", []any{float64(1), float64(2)}, "[1 2]"},
		{"empty list", []any{}, "[]"},
		{"object", map[string]any{"k": "v"}, `{"k":"v"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := flatten(tt.in); got != tt.want {
				t.Errorf("flatten(%#v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
