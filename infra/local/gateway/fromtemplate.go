package gateway

import (
	"fmt"

	"github.com/kabinet/kabinet/infra/local/template"
	"github.com/kabinet/kabinet/shared/clock"
)

// FromTemplate reads a template's HTTP API as API Gateway deploys it: its
// JWT authorizers, with issuer and audience resolved by r, and every
// function's routes, each invoking fns[function name] behind its authorizer
// and scopes. issuer turns the issuer a template names (resolved) into the
// one tokens carry here, and jwks are where the issuer's keys are.
func FromTemplate(tpl *template.Template, fns map[string]Invoker, r template.Resolver, issuer func(string) (string, error),
	jwks []string, c clock.Clock) ([]*Route, map[string]*Authorizer, error) {
	auths := map[string]*Authorizer{}
	for _, id := range tpl.OfType("AWS::Serverless::HttpApi") {
		for name, def := range tpl.HTTPAPIs[id].Authorizers {
			if auths[name] != nil {
				return nil, nil, fmt.Errorf("authorizer %s is declared by two HTTP APIs; the local gateway serves their routes as one", name)
			}
			a, err := authorizer(id+"."+name, def, r, issuer, jwks, c)
			if err != nil {
				return nil, nil, err
			}
			auths[name] = a
		}
	}
	var rs []*Route
	for _, fn := range tpl.Functions {
		for _, tr := range fn.Routes {
			if _, ok := tpl.HTTPAPIs[tr.API].Authorizers[tr.Authorizer]; !tr.Public && !ok {
				return nil, nil, fmt.Errorf("route %s of %s: its API %q declares no authorizer %q", tr.Key(), fn.LogicalID, tr.API, tr.Authorizer)
			}
			rs = append(rs, &Route{Method: tr.Method, Path: tr.Path, Public: tr.Public, Authorizer: tr.Authorizer,
				Scopes: tr.Scopes, Function: fns[fn.Name]})
		}
	}
	return rs, auths, nil
}

func authorizer(name string, def template.JWTAuthorizer, r template.Resolver, issuer func(string) (string, error),
	jwks []string, c clock.Clock) (*Authorizer, error) {
	if def.IdentitySource != "$request.header.Authorization" {
		return nil, fmt.Errorf("authorizer %s: the local gateway reads tokens from $request.header.Authorization only, not %q", name, def.IdentitySource)
	}
	if def.Issuer == nil || len(def.Audience) == 0 {
		return nil, fmt.Errorf("authorizer %s: a JWT authorizer needs an issuer and an audience", name)
	}
	iss, err := r.Resolve(def.Issuer)
	if err == nil {
		iss, err = issuer(iss)
	}
	if err != nil {
		return nil, fmt.Errorf("authorizer %s: issuer: %w", name, err)
	}
	a := &Authorizer{Issuer: iss, JWKSURLs: jwks, Clock: c}
	for _, n := range def.Audience {
		aud, err := r.Resolve(n)
		if err != nil {
			return nil, fmt.Errorf("authorizer %s: audience: %w", name, err)
		}
		a.Audience = append(a.Audience, aud)
	}
	return a, nil
}
