package structure

import (
	"context"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/kabinet/kabinet/shared/routes"
)

// docs/openapi.yaml is the clients' contract (DESIGN 8); the end-to-end
// tests check real answers against it, but only for the routes they call.
// These tests hold the document to the routes table and the template
// without a running stack: every route is documented, under the security
// the gateway applies, and nothing is documented that no function serves.

func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(filepath.Join(root(t), "docs", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("docs/openapi.yaml is not a valid OpenAPI document: %v", err)
	}
	return doc
}

// schemeNames are the security schemes an operation's requirement names.
func schemeNames(req openapi3.SecurityRequirements) []string {
	var out []string
	for _, r := range req {
		for name := range r {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func TestEveryRouteIsInTheOpenAPIDocument(t *testing.T) {
	doc := loadOpenAPI(t)
	tpl := loadTemplate(t)
	scopes, authorizers := map[string][]string{}, map[string]string{}
	for _, fn := range tpl.Functions {
		for _, r := range fn.Routes {
			scopes[r.Key()], authorizers[r.Key()] = r.Scopes, r.Authorizer
		}
	}
	// Each systems' authorizer has its security scheme in the document.
	machineSchemes := map[string]string{"AgencyJwt": "agency", "PartnerJwt": "partner"}
	global := schemeNames(doc.Security)
	if !slices.Equal(global, []string{"cognito"}) {
		t.Fatalf("the document's default security is %v, want the people's [cognito]", global)
	}
	for _, r := range routes.All {
		if r.Path == routes.Default {
			continue
		}
		item := doc.Paths.Value(r.Path)
		if item == nil {
			t.Errorf("%s is served but docs/openapi.yaml has no path %s", r.Key(), r.Path)
			continue
		}
		op := item.GetOperation(r.Method)
		if op == nil {
			t.Errorf("%s is served but docs/openapi.yaml documents no %s on %s", r.Key(), r.Method, r.Path)
			continue
		}
		switch {
		case r.Public:
			if op.Security == nil || len(*op.Security) != 0 {
				t.Errorf("%s is public: its operation needs security: []", r.Key())
			}
		case r.Machine:
			scheme, ok := machineSchemes[authorizers[r.Key()]]
			if !ok {
				t.Errorf("%s is a machine route behind %q, which has no security scheme here", r.Key(), authorizers[r.Key()])
				break
			}
			if op.Security == nil || !slices.Equal(schemeNames(*op.Security), []string{scheme}) {
				t.Errorf("%s is a route for %s systems: its operation's security must be the %s scheme", r.Key(), scheme, scheme)
				break
			}
			got := slices.Clone((*op.Security)[0][scheme])
			want := slices.Clone(scopes[r.Key()])
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s: the document names scopes %v, the template requires %v", r.Key(), got, want)
			}
			for _, status := range []string{"401", "403"} {
				if op.Responses.Value(status) == nil {
					t.Errorf("%s: the document gives no %s (API Gateway's answer to a person's token, to a token without the route's scopes)", r.Key(), status)
				}
			}
		default:
			if op.Security != nil && !slices.Equal(schemeNames(*op.Security), []string{"cognito"}) {
				t.Errorf("%s is a people's route: its operation's security %v is not the default", r.Key(), schemeNames(*op.Security))
			}
			if op.Responses.Value("401") == nil {
				t.Errorf("%s: the document gives no 401 (no token, an ended session, an agency's token)", r.Key())
			}
		}
	}
}

func TestEveryOpenAPIOperationIsServed(t *testing.T) {
	doc := loadOpenAPI(t)
	served := map[string]bool{}
	for _, r := range routes.All {
		served[r.Key()] = true
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if key := strings.ToUpper(method) + " " + path; !served[key] {
				t.Errorf("docs/openapi.yaml documents %s, which no function serves (shared/routes)", key)
			}
		}
	}
}

// Every page of a list says where the next one starts the same way,
// nextCursor (a client reads every list with one loop): no page schema
// names it otherwise.
func TestEveryPageNamesItsCursorNextCursor(t *testing.T) {
	doc := loadOpenAPI(t)
	seen := map[*openapi3.Schema]bool{}
	var walk func(where string, s *openapi3.SchemaRef)
	walk = func(where string, s *openapi3.SchemaRef) {
		if s == nil || s.Value == nil || seen[s.Value] {
			return
		}
		seen[s.Value] = true
		if _, list := s.Value.Properties["items"]; list {
			for _, name := range []string{"next", "cursor", "nextPage", "next_cursor"} {
				if _, ok := s.Value.Properties[name]; ok {
					t.Errorf("%s: a page names its cursor %q, not nextCursor", where, name)
				}
			}
		}
		for name, p := range s.Value.Properties {
			walk(where+"."+name, p)
		}
		walk(where+"[]", s.Value.Items)
		for _, group := range []openapi3.SchemaRefs{s.Value.AllOf, s.Value.OneOf, s.Value.AnyOf} {
			for _, sub := range group {
				walk(where, sub)
			}
		}
	}
	for name, s := range doc.Components.Schemas {
		walk("#/components/schemas/"+name, s)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status, res := range op.Responses.Map() {
				if res.Value == nil {
					continue
				}
				for _, mt := range res.Value.Content {
					walk(method+" "+path+" "+status, mt.Schema)
				}
			}
		}
	}
}
