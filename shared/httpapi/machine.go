package httpapi

import (
	"regexp"
	"strings"
	"sync"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/problem"
)

// Machines authenticate as themselves (DESIGN 11): an agency's or a partner
// organisation's system is an app client of the user pool with the
// client-credentials grant, and its access token names the client (sub and
// client_id are the client id, there is no username) and carries scopes of
// the resource server ResourceServer. The API Gateway authorizer of a
// machine route (AgencyJwt) admits only those clients and requires the
// route's scopes; a handler registered with HandleMachine reads who the
// system is from the token's one organisation scope.

// ResourceServer is the identifier of the user pool's resource server
// (template.yaml, ApiResourceServer); its scopes are ResourceServer/<name>.
const ResourceServer = "kabinet"

// The scope of an agency's system is AgencyScopePrefix+<agency code>
// ("kabinet/agency.gibdd"), that of a partner organisation's
// PartnerScopePrefix+<organisation> ("kabinet/partner.sberbank").
const (
	AgencyScopePrefix  = ResourceServer + "/agency."
	PartnerScopePrefix = ResourceServer + "/partner."
)

// AgencyScope is the scope an agency's system holds, and a route that admits
// it names in AuthorizationScopes.
func AgencyScope(code string) string { return AgencyScopePrefix + code }

// orgCode is an agency or organisation code as a scope names it.
var orgCode = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`) })

// Machine is an agency's or a partner organisation's system calling as
// itself, as the JWT authorizer verified its token.
type Machine struct {
	// ClientID is the system's app client.
	ClientID string
	// Scopes are the token's scopes.
	Scopes []string
	// TokenID is the token's jti.
	TokenID string
	// Agency is the agency code of the token's agency scope, or Partner the
	// organisation of its partner scope: the token holds exactly one of them.
	Agency, Partner string
}

// isMachineToken reports whether verified claims are those of a
// client-credentials access token: Cognito names the client as the subject
// and puts no username in it, while every token of a person carries one
// (and their subject is the person's).
func isMachineToken(c map[string]string) bool {
	cid := c["client_id"]
	return c["token_use"] == "access" && cid != "" && c["sub"] == cid && c["username"] == "" && c["cognito:username"] == ""
}

// ReadMachine returns the calling system: 401 when the request carries no
// verified claims or a person's token, 403 when the token does not hold
// exactly one organisation scope (an agency's or a partner's) with a valid
// code, as the one it acts as must be unambiguous.
func ReadMachine(req *Request) (Machine, error) {
	auth := req.RequestContext.Authorizer
	if auth == nil || auth.JWT == nil || auth.JWT.Claims == nil {
		return Machine{}, problem.Unauthenticated("")
	}
	c := auth.JWT.Claims
	if !isMachineToken(c) {
		return Machine{}, problem.New(problem.KindUnauthenticated, "machine_token_required",
			"Раздел доступен только информационным системам: нужен токен доступа, полученный по client credentials")
	}
	m := Machine{ClientID: c["client_id"], Scopes: strings.Fields(c["scope"]), TokenID: c["jti"]}
	if len(m.Scopes) == 0 {
		m.Scopes = auth.JWT.Scopes
	}
	orgs := 0
	for _, s := range m.Scopes {
		if code, ok := strings.CutPrefix(s, AgencyScopePrefix); ok {
			m.Agency, orgs = code, orgs+1
		} else if org, ok := strings.CutPrefix(s, PartnerScopePrefix); ok {
			m.Partner, orgs = org, orgs+1
		}
	}
	if orgs != 1 || !orgCode().MatchString(m.Agency+m.Partner) {
		return Machine{}, problem.New(problem.KindForbidden, "organisation_scope",
			"Токен должен нести ровно одну область ведомства или организации: kabinet/agency.<код> или kabinet/partner.<код>")
	}
	return m, nil
}

// Actor is the system as services take it, with where the request came
// from.
func (m Machine) Actor(req *Request) actor.Actor {
	a := actor.Partner(m.Partner, m.ClientID)
	if m.Agency != "" {
		a = actor.Agency(m.Agency, m.ClientID)
	}
	if req != nil {
		a.IP, a.UserAgent = req.RequestContext.HTTP.SourceIP, req.RequestContext.HTTP.UserAgent
	}
	return a
}
