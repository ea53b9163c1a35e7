package httpapi

import (
	"strconv"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/problem"
)

// Identity is who is calling, as the JWT authorizer verified it. Handlers read
// it only from requestContext.authorizer.jwt.claims and never parse tokens.
type Identity struct {
	Subject    string
	Username   string
	ClientID   string
	TokenUse   string
	Groups     []string
	Department string
	// Organisation is a staff member's organisation (custom:organisation).
	Organisation string
	Level        string
	AuthTime     time.Time
	IssuedAt     time.Time
	TokenID      string
	// SessionID is set by the session guard.
	SessionID string
}

// ReadIdentity returns the caller's identity, or 401 when the request carries
// no verified claims, no subject, or a system's token (client credentials):
// an Identity is a person, and a system reaches only machine routes
// (ReadMachine).
func ReadIdentity(req *Request) (Identity, error) {
	auth := req.RequestContext.Authorizer
	if auth == nil || auth.JWT == nil {
		return Identity{}, problem.Unauthenticated("")
	}
	c := auth.JWT.Claims
	sub, ok := c["sub"]
	if !ok || sub == "" {
		return Identity{}, problem.Unauthenticated("")
	}
	if isMachineToken(c) {
		return Identity{}, problem.New(problem.KindUnauthenticated, "machine_token",
			"Токен информационной системы не даёт доступа к личному кабинету: этот раздел — для людей")
	}
	id := Identity{
		Subject:      sub,
		Username:     first(c, "username", "cognito:username"),
		ClientID:     first(c, "client_id", "aud"),
		TokenUse:     c["token_use"],
		Groups:       parseGroups(c["cognito:groups"]),
		Department:   first(c, "custom:department", "department"),
		Organisation: first(c, "custom:organisation", "organisation"),
		Level:        first(c, "custom:level", "level"),
		AuthTime:     unixClaim(c["auth_time"]),
		IssuedAt:     unixClaim(c["iat"]),
		TokenID:      c["jti"],
	}
	return id, nil
}

func first(c map[string]string, keys ...string) string {
	for _, k := range keys {
		if v, ok := c[k]; ok && v != "" {
			return v
		}
	}
	return ""
}

// parseGroups reads cognito:groups as API Gateway flattens it: "[a b]" for a
// list, or a JSON-ish "[\"a\",\"b\"]", or a single bare name.
func parseGroups(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' })
	out := make([]string, 0, len(fields))
	for _, f := range fields {
		if f = strings.Trim(f, `"`); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func unixClaim(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return time.Time{}
	}
	return time.Unix(int64(f), 0).UTC()
}

// Actor is the identity as services take it, with where the request came
// from.
func (id Identity) Actor(req *Request) actor.Actor {
	a := actor.Actor{Sub: id.Subject, Groups: id.Groups, Department: id.Department, Organisation: id.Organisation, AuthTime: id.AuthTime,
		SessionID: id.SessionID}
	if req != nil {
		a.IP, a.UserAgent = req.RequestContext.HTTP.SourceIP, req.RequestContext.HTTP.UserAgent
	}
	return a
}
