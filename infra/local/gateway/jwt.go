package gateway

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kabinet/kabinet/shared/clock"
)

// Authorizer verifies bearer tokens the way API Gateway's JWT authorizer
// does: RS256 signature by a key from the issuer's JWKS, iss equal to the
// configured issuer, aud (or, when there is no aud, client_id) in the
// audience list, and exp/nbf against the clock.
type Authorizer struct {
	Issuer string
	// JWKSURLs serve the issuer's keys. On AWS the user pool publishes one
	// set; locally cognito-local signs people's tokens and the local token
	// endpoint the systems', each with keys of its own.
	JWKSURLs []string
	Audience []string
	Clock    clock.Clock

	mu   sync.Mutex
	keys map[string]*rsa.PublicKey
	at   time.Time
}

func (a *Authorizer) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if k := a.keys[kid]; k != nil {
		return k, nil
	}
	// Refetch at most every few seconds, as a key may have rotated.
	if time.Since(a.at) < 5*time.Second && a.keys != nil {
		return nil, fmt.Errorf("unknown kid %q", kid)
	}
	a.keys = map[string]*rsa.PublicKey{}
	a.at = time.Now()
	var errs []error
	for _, u := range a.JWKSURLs {
		if err := fetchKeys(ctx, u, a.keys); err != nil {
			errs = append(errs, err)
		}
	}
	if k := a.keys[kid]; k != nil {
		return k, nil
	}
	return nil, errors.Join(append([]error{fmt.Errorf("unknown kid %q", kid)}, errs...)...)
}

// fetchKeys adds the RSA keys of the JWKS at url to keys.
func fetchKeys(ctx context.Context, url string, keys map[string]*rsa.PublicKey) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("fetch JWKS: %w", err)
	}
	defer res.Body.Close()
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
			Kty string `json:"kty"`
			N   string `json:"n"`
			E   string `json:"e"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(res.Body).Decode(&set); err != nil {
		return fmt.Errorf("decode JWKS %s: %w", url, err)
	}
	for _, k := range set.Keys {
		if k.Kty != "RSA" {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil {
			continue
		}
		if _, dup := keys[k.Kid]; dup {
			// Two sets with one kid: neither is trusted with it.
			keys[k.Kid] = nil
			continue
		}
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return nil
}

// Verify checks an Authorization header value and returns the claims as API
// Gateway passes them to the function (every value a string).
func (a *Authorizer) Verify(ctx context.Context, header string) (map[string]string, []string, error) {
	tok := strings.TrimSpace(header)
	if len(tok) > 7 && strings.EqualFold(tok[:7], "bearer ") {
		tok = strings.TrimSpace(tok[7:])
	}
	if tok == "" {
		return nil, nil, errors.New("no token")
	}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(a.Issuer),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(a.Clock.Now),
	)
	claims := jwt.MapClaims{}
	_, err := parser.ParseWithClaims(tok, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		return a.key(ctx, kid)
	})
	if err != nil {
		return nil, nil, err
	}
	if !a.audienceOK(claims) {
		return nil, nil, errors.New("audience not allowed")
	}
	out := make(map[string]string, len(claims))
	for k, v := range claims {
		out[k] = flatten(v)
	}
	var scopes []string
	if s, ok := claims["scope"].(string); ok && s != "" {
		scopes = strings.Fields(s)
	}
	return out, scopes, nil
}

func (a *Authorizer) audienceOK(c jwt.MapClaims) bool {
	var got []string
	if aud, err := c.GetAudience(); err == nil && len(aud) > 0 {
		got = aud
	} else if cid, ok := c["client_id"].(string); ok {
		got = []string{cid}
	}
	for _, g := range got {
		for _, w := range a.Audience {
			if g == w {
				return true
			}
		}
	}
	return false
}

// flatten renders a claim the way API Gateway does: strings as they are,
// numbers in decimal, arrays as "[a b]".
func flatten(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = flatten(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}
