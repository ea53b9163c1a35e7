// Package oauthemu is the local stand-in for the token endpoint of a Cognito
// user pool's domain for the client-credentials grant, which cognito-local
// lacks: agency and partner systems (DESIGN 11) get access tokens from
// POST /oauth2/token as they do from
// https://<domain>.auth.<region>.amazoncognito.com/oauth2/token. It serves
// the app clients the template defines, with the secrets the local stack
// made for them, and issues tokens shaped as Cognito's machine-to-machine
// access tokens, signed with a key of its own that GET /.well-known/jwks.json
// publishes; the local gateway trusts it beside cognito-local's for the user
// pool's issuer.
package oauthemu

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kabinet/kabinet/shared/clock"
)

// Client is an app client of the user pool.
type Client struct {
	ID string
	// Secret is empty for a public client, which cannot use this grant.
	Secret string
	// Flows are its AllowedOAuthFlows, Scopes its AllowedOAuthScopes.
	Flows, Scopes []string
	// Validity is how long its access tokens live.
	Validity time.Duration
}

// Server is an http.Handler.
type Server struct {
	issuer  string
	clients map[string]Client
	clock   clock.Clock
	key     *rsa.PrivateKey
	kid     string
}

// New returns a token endpoint for a user pool's issuer and app clients,
// with a fresh signing key.
func New(issuer string, clients []Client, c clock.Clock) (*Server, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	s := &Server{issuer: issuer, clients: map[string]Client{}, clock: c, key: key, kid: "kabinet-local-m2m-" + rand.Text()[:10]}
	for _, cl := range clients {
		s.clients[cl.ID] = cl
	}
	return s, nil
}

// maxBody bounds a token request; real ones are a few hundred bytes.
const maxBody = 16 << 10

// The errors of the token endpoint (RFC 6749, section 5.2), as Cognito
// answers them: 400 and {"error": code} for each, invalid_client too.
const (
	invalidRequest       = "invalid_request"
	invalidClient        = "invalid_client"
	unauthorizedClient   = "unauthorized_client"
	unsupportedGrantType = "unsupported_grant_type"
	invalidScope         = "invalid_scope"
)

// ServeHTTP serves POST /oauth2/token and GET /.well-known/jwks.json.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Browsers (the API reference's "Authorize") call it across origins.
	w.Header().Set("Access-Control-Allow-Origin", "*")
	switch {
	case r.URL.Path == "/.well-known/jwks.json" && r.Method == http.MethodGet:
		s.serveKeys(w)
	case r.URL.Path == "/oauth2/token" && r.Method == http.MethodOptions:
		w.Header().Set("Access-Control-Allow-Methods", "POST")
		w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
		w.WriteHeader(http.StatusNoContent)
	case r.URL.Path == "/oauth2/token" && r.Method == http.MethodPost:
		s.token(w, r)
	case r.URL.Path == "/oauth2/token":
		w.Header().Set("Allow", "POST")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": invalidRequest})
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	refuse := func(code string) { writeJSON(w, http.StatusBadRequest, map[string]string{"error": code}) }
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		refuse(invalidRequest)
		return
	}
	form, ok := readForm(r)
	if !ok {
		refuse(invalidRequest)
		return
	}
	grant := form.Get("grant_type")
	switch grant {
	case "":
		refuse(invalidRequest)
		return
	case "client_credentials", "authorization_code", "refresh_token":
	default:
		refuse(unsupportedGrantType)
		return
	}
	cl, code := s.authenticate(r, form)
	if code != "" {
		refuse(code)
		return
	}
	if grant != "client_credentials" || !slices.Contains(cl.Flows, "client_credentials") {
		// The template's machine clients allow client credentials only,
		// and the citizens' client no OAuth flow at all.
		refuse(unauthorizedClient)
		return
	}
	scopes, ok := granted(cl, form.Get("scope"))
	if !ok {
		refuse(invalidScope)
		return
	}
	tok, err := s.Mint(cl.ID, scopes)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "expires_in": int(cl.Validity.Seconds()), "token_type": "Bearer"})
}

// readForm reads the request body's parameters; a repeated parameter makes
// the request invalid (RFC 6749, section 3.2).
func readForm(r *http.Request) (url.Values, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		return nil, false
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, false
	}
	for _, v := range form {
		if len(v) > 1 {
			return nil, false
		}
	}
	return form, true
}

// authenticate finds the calling client by HTTP Basic authentication
// (client_secret_basic) or, without it, client_id and client_secret in the
// body (client_secret_post); it answers an error code when it cannot.
func (s *Server) authenticate(r *http.Request, form url.Values) (Client, string) {
	id, secret, basic := r.BasicAuth()
	switch {
	case basic:
		// The credentials are form-encoded before Base64 (RFC 6749, 2.3.1).
		id, secret = unescape(id), unescape(secret)
		if form.Has("client_secret") {
			return Client{}, invalidRequest // two ways of authenticating at once
		}
		if form.Has("client_id") && form.Get("client_id") != id {
			return Client{}, invalidClient
		}
	case r.Header.Get("Authorization") != "":
		return Client{}, invalidClient // another scheme, or Basic without valid credentials
	default:
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	cl, ok := s.clients[id]
	if !ok || cl.Secret == "" || subtle.ConstantTimeCompare([]byte(secret), []byte(cl.Secret)) != 1 {
		return Client{}, invalidClient
	}
	return cl, ""
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// granted is the scopes a token gets: those asked for, each allowed to the
// client, or all the client's when none are asked for.
func granted(cl Client, asked string) ([]string, bool) {
	want := strings.Fields(asked)
	if len(want) == 0 {
		return cl.Scopes, len(cl.Scopes) > 0
	}
	var out []string
	for _, sc := range want {
		if !slices.Contains(cl.Scopes, sc) {
			return nil, false
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out, true
}

// Mint signs an access token for a client with scopes, as the endpoint
// issues them after its checks. Tests use it for tokens the endpoint would
// not issue (scopes the client is not allowed), to see the gateway refuse
// them.
func (s *Server) Mint(clientID string, scopes []string) (string, error) {
	cl, ok := s.clients[clientID]
	if !ok {
		return "", fmt.Errorf("no app client %s", clientID)
	}
	now := s.clock.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"sub": cl.ID, "token_use": "access", "scope": strings.Join(scopes, " "), "auth_time": now.Unix(),
		"iss": s.issuer, "exp": now.Add(cl.Validity).Unix(), "iat": now.Unix(), "version": 2, "jti": uuid(),
		"client_id": cl.ID,
	})
	// Cognito's header names the key and the algorithm only.
	tok.Header = map[string]any{"kid": s.kid, "alg": "RS256"}
	return tok.SignedString(s.key)
}

// uuid is a random (version 4) UUID, as Cognito's token ids are.
func uuid() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// serveKeys publishes the signing key's public half as a JWKS.
func (s *Server) serveKeys(w http.ResponseWriter) {
	pub := s.key.PublicKey
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
		"kid": s.kid, "kty": "RSA", "alg": "RS256", "use": "sig",
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
