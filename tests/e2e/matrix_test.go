package e2e

import (
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/kabinet/kabinet/infra/local/template"
)

// The authorization matrix, role by role, over every route the template
// deploys. Each domain's own matrix test (payments, applications, personal
// data, change requests, …) proves the object level — person B never reaches
// person A's records, agency X never agency Y's — with real objects; this
// one proves the role level for every route at once, so that a route added
// later is in the matrix the day it lands:
//   - anonymous callers are refused (401) on every route but the public ones;
//   - a person's token (citizen or staff) is refused (401) on every machine
//     route, and a machine's token (agency or partner) on every person's route;
//   - a machine token whose scope a machine route does not admit is refused
//     (403), as API Gateway refuses it;
//   - a staff route refuses (403) every person not of its role, and never
//     answers its own role with a refusal or a 5xx;
//   - no route answers any caller with a 5xx.
//
// A staff route is one under a prefix of staffRoles; a new staff prefix
// must be added there, or its routes count as every person's.
var staffRoles = map[string][]string{
	"/officer/change-requests": {"officer", "registrar"},
	"/officer/":                {"officer"},
	"/registrar/":              {"registrar"},
	"/staff/":                  {"staff"},
	"/support/payments/":       {"support"},
	"/operator/":               {"support"},
	"/operator/recovery":       {"support", "registrar"},
}

// rolesOf is who a person's route serves: nil for every signed-in person.
func rolesOf(path string) []string {
	best := ""
	for prefix := range staffRoles {
		if strings.HasPrefix(path, prefix) && len(prefix) > len(best) {
			best = prefix
		}
	}
	return staffRoles[best]
}

// matrixPath fills a route's parameters with values of the right shape that
// name nothing, so the answer is the gate's, not an object's.
func matrixPath(path string) string {
	r := strings.NewReplacer("{uin}", newUIN(), "{sub}", "00000000-0000-4000-8000-000000000000",
		"{proxy+}", "matrix/none")
	p := r.Replace(path)
	for strings.Contains(p, "{") {
		i := strings.Index(p, "{")
		j := strings.Index(p[i:], "}")
		p = p[:i] + "matrix-none" + p[i+j+1:]
	}
	return p
}

func TestAuthorizationMatrixOverEveryRoute(t *testing.T) {
	root, err := template.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := template.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	citizen, _, _, _ := newCitizen(t)
	people := map[string]string{"citizen": citizen.AccessToken}
	for _, u := range []string{"officer", "registrar", "support"} {
		people[u] = accessToken(t, u)
	}
	people["staff"] = accessToken(t, "staff-clinic")
	gibdd, bank := machine(t, "AgencyGibddClient"), machine(t, "PartnerDemobankClient")
	partner, err := st.OAuth.Mint(gibdd.ClientID, []string{"kabinet/partner.demo"})
	if err != nil {
		t.Fatal(err)
	}
	// Each machine with its client: an authorizer whose audience lacks the
	// client refuses it (401) before any scope is looked at.
	machines := map[string]struct {
		token, scope, client string
	}{
		"agency gibdd":                {agencyToken(t, "AgencyGibddClient"), gibdd.Scopes[0], gibdd.LogicalID},
		"an agency client, a partner": {partner, "kabinet/partner.demo", gibdd.LogicalID},
		"partner demobank":            {agencyToken(t, "PartnerDemobankClient"), bank.Scopes[0], bank.LogicalID},
	}

	expect := func(t *testing.T, who, route, method, path, token string, want int) {
		t.Helper()
		body, header := matrixBody(method, route)
		r := call(t, method, path, token, body, header)
		if want != 0 && r.Status != want {
			t.Errorf("%s: %s %s = %d, want %d: %.200s", who, method, path, r.Status, want, r.Body)
		}
		if r.Status >= 500 {
			t.Errorf("%s: %s %s = %d: %.200s", who, method, path, r.Status, r.Body)
		}
	}
	served := func(t *testing.T, who, route, method, path, token string) {
		t.Helper()
		body, header := matrixBody(method, route)
		r := call(t, method, path, token, body, header)
		if r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden || r.Status >= 500 {
			t.Errorf("%s: %s %s = %d, want its role served: %.200s", who, method, path, r.Status, r.Body)
		}
	}

	routes := 0
	for _, fn := range tpl.Functions {
		for _, rt := range fn.Routes {
			if rt.Public || rt.Path == "$default" {
				continue
			}
			routes++
			method, path := rt.Method, matrixPath(rt.Path)
			t.Run(rt.Key(), func(t *testing.T) {
				expect(t, "anonymous", rt.Key(), method, path, "", http.StatusUnauthorized)
				// A machine route is guarded by an authorizer of its own
				// (AgencyJwt, PartnerJwt), not the API's default one for people.
				if rt.Authorizer != tpl.HTTPAPIs[rt.API].DefaultAuthorizer {
					for who, token := range people {
						expect(t, who, rt.Key(), method, path, token, http.StatusUnauthorized)
					}
					audience := tpl.HTTPAPIs[rt.API].Authorizers[rt.Authorizer].Audience
					for who, m := range machines {
						switch {
						case !slices.ContainsFunc(audience, func(n *yaml.Node) bool { return n.Value == m.client }):
							expect(t, who, rt.Key(), method, path, m.token, http.StatusUnauthorized)
						case !slices.Contains(rt.Scopes, m.scope):
							expect(t, who, rt.Key(), method, path, m.token, http.StatusForbidden)
						default:
							expect(t, who, rt.Key(), method, path, m.token, 0)
						}
					}
					return
				}
				for who, m := range machines {
					expect(t, who, rt.Key(), method, path, m.token, http.StatusUnauthorized)
				}
				roles := rolesOf(rt.Path)
				if roles == nil {
					return // every person's route: the domains' matrices hold the object level
				}
				for who, token := range people {
					if slices.Contains(roles, who) {
						served(t, who, rt.Key(), method, path, token)
					} else {
						expect(t, who, rt.Key(), method, path, token, http.StatusForbidden)
					}
				}
			})
		}
	}
	if routes < 90 {
		t.Fatalf("the matrix covered %d routes: the template was not read", routes)
	}
}

// matrixBodies are the bodies of the routes whose handler checks the shape
// of a field before it asks the service (which holds the role gate).
var matrixBodies = map[string]string{
	"POST /officer/change-requests/{sub}/{id}/decision": `{"decision":"approve"}`,
}

// matrixBody is an empty JSON object for the methods that carry one: the
// matrix asks the role gate, not the parser.
func matrixBody(method, route string) ([]byte, map[string]string) {
	if b, ok := matrixBodies[route]; ok {
		return []byte(b), map[string]string{"Content-Type": "application/json"}
	}
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		return []byte("{}"), map[string]string{"Content-Type": "application/json"}
	}
	return nil, nil
}
