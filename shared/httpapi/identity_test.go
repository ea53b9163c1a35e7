package httpapi

import (
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kabinet/kabinet/shared/problem"
)

func withClaims(claims map[string]string) *Request {
	return &Request{RequestContext: events.APIGatewayV2HTTPRequestContext{
		Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
		},
	}}
}

func TestReadIdentity(t *testing.T) {
	full := map[string]string{
		"sub": "1f2e", "username": "ivan", "client_id": "client", "token_use": "access",
		"cognito:groups": "[citizens operators]", "custom:department": "mfc-7", "custom:level": "2",
		"custom:organisation": "gp-12-msk", "auth_time": "1700000000", "iat": "1700000100", "origin_jti": "o-jti", "jti": "jti",
	}
	id, err := ReadIdentity(withClaims(full))
	if err != nil {
		t.Fatalf("ReadIdentity() error = %v", err)
	}
	want := Identity{
		Subject: "1f2e", Username: "ivan", ClientID: "client", TokenUse: "access",
		Groups: []string{"citizens", "operators"}, Department: "mfc-7", Organisation: "gp-12-msk", Level: "2",
		AuthTime: time.Unix(1700000000, 0).UTC(), IssuedAt: time.Unix(1700000100, 0).UTC(), TokenID: "jti",
	}
	if !reflect.DeepEqual(id, want) {
		t.Errorf("ReadIdentity() =\n%+v\nwant\n%+v", id, want)
	}
}

func TestReadIdentityFallbacks(t *testing.T) {
	id, err := ReadIdentity(withClaims(map[string]string{
		"sub": "s", "cognito:username": "cu", "aud": "audience", "department": "d", "level": "1",
		"jti": "j", "auth_time": "1.7e9", "iat": "not a number",
	}))
	if err != nil {
		t.Fatalf("ReadIdentity() error = %v", err)
	}
	if id.Username != "cu" || id.ClientID != "audience" || id.Department != "d" || id.Level != "1" || id.TokenID != "j" {
		t.Errorf("ReadIdentity() = %+v, want the fallback claims", id)
	}
	if want := time.Unix(1700000000, 0).UTC(); !id.AuthTime.Equal(want) {
		t.Errorf("AuthTime = %v, want %v", id.AuthTime, want)
	}
	if !id.IssuedAt.IsZero() {
		t.Errorf("IssuedAt = %v, want zero for a malformed claim", id.IssuedAt)
	}
}

func TestReadIdentityGroups(t *testing.T) {
	tests := []struct {
		name  string
		claim string
		want  []string
	}{
		{"api gateway list", "[a b]", []string{"a", "b"}},
		{"json list", `["a","b"]`, []string{"a", "b"}},
		{"json list with spaces", `["a", "b"]`, []string{"a", "b"}},
		{"single bare name", "a", []string{"a"}},
		{"single in brackets", "[a]", []string{"a"}},
		{"empty list", "[]", []string{}},
		{"blank", "  ", nil},
		{"missing", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims := map[string]string{"sub": "s"}
			if tt.claim != "" {
				claims["cognito:groups"] = tt.claim
			}
			id, err := ReadIdentity(withClaims(claims))
			if err != nil {
				t.Fatalf("ReadIdentity() error = %v", err)
			}
			if !reflect.DeepEqual(id.Groups, tt.want) {
				t.Errorf("Groups = %#v, want %#v", id.Groups, tt.want)
			}
		})
	}
}

func TestReadIdentityUnauthenticated(t *testing.T) {
	tests := []struct {
		name string
		req  *Request
	}{
		{"no authorizer", &Request{}},
		{"authorizer without jwt", &Request{RequestContext: events.APIGatewayV2HTTPRequestContext{
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{}}}},
		{"nil claims", withClaims(nil)},
		{"no sub", withClaims(map[string]string{"username": "ivan"})},
		{"empty sub", withClaims(map[string]string{"sub": ""})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadIdentity(tt.req)
			if !problem.Is(err, problem.KindUnauthenticated) {
				t.Fatalf("ReadIdentity() error = %v, want unauthenticated", err)
			}
			if got := StatusOf(err); got != 401 {
				t.Errorf("StatusOf = %d, want 401", got)
			}
		})
	}
}

func FuzzReadIdentity(f *testing.F) {
	f.Add("sub-1", "[a b]", "1700000000", "1e300", true)
	f.Add("", `["a","b"]`, "", "NaN", true)
	f.Add("x", "a", "-Inf", "0x10", false)
	f.Add("x", "[[[", "9999999999999999999999", "-1", true)
	f.Fuzz(func(t *testing.T, sub, groups, authTime, iat string, withAuthorizer bool) {
		req := &Request{}
		if withAuthorizer {
			req = withClaims(map[string]string{"sub": sub, "cognito:groups": groups, "auth_time": authTime, "iat": iat})
		}
		id, err := ReadIdentity(req)
		if err != nil {
			if !problem.Is(err, problem.KindUnauthenticated) {
				t.Fatalf("ReadIdentity() error = %v, want nil or unauthenticated", err)
			}
			if st := StatusOf(err); st < 400 || st > 499 {
				t.Fatalf("status %d, want 4xx", st)
			}
			return
		}
		if id.Subject != sub || sub == "" {
			t.Fatalf("Subject = %q, want %q (non-empty)", id.Subject, sub)
		}
		for _, g := range id.Groups {
			if g == "" {
				t.Fatalf("Groups %q holds an empty name", id.Groups)
			}
		}
	})
}
