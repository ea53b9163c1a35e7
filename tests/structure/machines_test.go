package structure

import (
	"slices"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/infra/local/template"
	"github.com/kabinet/kabinet/shared/httpapi"
)

// Machines authenticate as themselves (DESIGN 11). These tests hold the
// template's machine clients, their authorizer and the routes it guards to
// the rules the code relies on: ReadMachine takes the organisation from the
// token's one organisation scope, so a client must hold exactly one; a
// machine route without scopes would admit every agency; a scope no
// resource server declares would make a route unreachable.

// machineAuthorizers are the authorizers of an API other than its default
// (the people's): those of the systems.
func machineAuthorizers(tpl *template.Template) map[string]template.JWTAuthorizer {
	out := map[string]template.JWTAuthorizer{}
	for _, api := range tpl.HTTPAPIs {
		for name, a := range api.Authorizers {
			if name != api.DefaultAuthorizer {
				out[name] = a
			}
		}
	}
	return out
}

// organisationScope reports whether a scope names an agency or a partner
// the way httpapi.ReadMachine reads it.
func organisationScope(s string) bool {
	for _, p := range []string{httpapi.AgencyScopePrefix, httpapi.PartnerScopePrefix} {
		if code, ok := strings.CutPrefix(s, p); ok && code != "" && strings.Trim(code, "abcdefghijklmnopqrstuvwxyz0123456789-") == "" {
			return true
		}
	}
	return false
}

func TestResourceServerIsTheOneTheCodeReads(t *testing.T) {
	tpl := loadTemplate(t)
	ids := tpl.OfType("AWS::Cognito::UserPoolResourceServer")
	if len(ids) != 1 {
		t.Fatalf("resource servers %v, want one", ids)
	}
	if got := template.Str(tpl.Resources[ids[0]].Properties, "Identifier"); got != httpapi.ResourceServer {
		t.Errorf("resource server %s is %q, httpapi.ResourceServer %q", ids[0], got, httpapi.ResourceServer)
	}
	for _, s := range tpl.ResourceScopes() {
		if !organisationScope(s) {
			t.Errorf("scope %s is neither kabinet/agency.<code> nor kabinet/partner.<org>", s)
		}
	}
}

func TestMachineRoutesNameDeclaredScopes(t *testing.T) {
	tpl := loadTemplate(t)
	machine := machineAuthorizers(tpl)
	if len(machine) == 0 {
		t.Fatal("the HTTP API has no authorizer for systems")
	}
	declared := tpl.ResourceScopes()
	for _, fn := range tpl.Functions {
		for _, r := range fn.Routes {
			if _, ok := machine[r.Authorizer]; !ok {
				if len(r.Scopes) > 0 {
					t.Errorf("%s (%s) requires scopes %v: people's tokens carry none of the resource server's", r.Key(), r.Authorizer, r.Scopes)
				}
				continue
			}
			if len(r.Scopes) == 0 {
				t.Errorf("%s (%s) names no AuthorizationScopes: it would admit every system", r.Key(), r.Authorizer)
			}
			for _, s := range r.Scopes {
				if !slices.Contains(declared, s) {
					t.Errorf("%s requires %s, which no resource server declares: no token can hold it", r.Key(), s)
				}
			}
		}
	}
}

func TestMachineClients(t *testing.T) {
	tpl := loadTemplate(t)
	machine := machineAuthorizers(tpl)
	audience := map[string]string{} // client logical id -> the authorizer that admits it
	for _, api := range tpl.HTTPAPIs {
		for name, a := range api.Authorizers {
			for _, n := range a.Audience {
				if n.Tag != "!Ref" {
					t.Errorf("authorizer %s: audience %q is not a !Ref of an app client", name, n.Value)
					continue
				}
				audience[n.Value] = name
			}
		}
	}
	declared := tpl.ResourceScopes()
	clients := 0
	for _, c := range tpl.AppClients() {
		props := tpl.Resources[c.LogicalID].Properties
		if !slices.Contains(c.OAuthFlows, "client_credentials") {
			if _, ok := machine[audience[c.LogicalID]]; ok {
				t.Errorf("%s is in %s's audience but has no client-credentials grant", c.LogicalID, audience[c.LogicalID])
			}
			continue
		}
		clients++
		t.Run(c.LogicalID, func(t *testing.T) {
			if !c.GenerateSecret || template.Str(props, "AllowedOAuthFlowsUserPoolClient") != "true" || len(c.OAuthFlows) != 1 {
				t.Errorf("a system's client needs GenerateSecret, AllowedOAuthFlowsUserPoolClient and client_credentials alone (flows %v)", c.OAuthFlows)
			}
			if flows := template.Strings(props, "ExplicitAuthFlows"); !slices.Equal(flows, []string{"ALLOW_REFRESH_TOKEN_AUTH"}) {
				t.Errorf("ExplicitAuthFlows %v: without exactly [ALLOW_REFRESH_TOKEN_AUTH] Cognito allows a person's sign-in through it", flows)
			}
			if len(c.OAuthScopes) != 1 || !organisationScope(c.OAuthScopes[0]) || !slices.Contains(declared, c.OAuthScopes[0]) {
				t.Errorf("AllowedOAuthScopes %v, want one organisation scope a resource server declares", c.OAuthScopes)
			}
			if _, ok := machine[audience[c.LogicalID]]; !ok {
				t.Errorf("no systems' authorizer has it in its audience (it is in %q's)", audience[c.LogicalID])
			}
			if c.AccessTokenValidity <= 0 || c.AccessTokenValidity.Hours() > 24 {
				t.Errorf("access tokens live %v; Cognito takes 5 minutes to a day", c.AccessTokenValidity)
			}
		})
	}
	if clients == 0 {
		t.Error("the template has no systems' app client")
	}
}
