// Package template reads the parts of template.yaml that the local stack
// needs: the functions with their environment, routes and schedules, the
// table, the bucket, the user pool, its client and groups. The local stack
// creates its resources from this, so the template stays the one description
// of the system.
package template

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Template is the parsed SAM template.
type Template struct {
	Parameters map[string]Parameter
	Globals    FunctionProps
	Resources  map[string]Resource
	// Functions are the AWS::Serverless::Function resources, sorted by logical id.
	Functions []Function
	// HTTPAPIs are the AWS::Serverless::HttpApi resources by logical id.
	HTTPAPIs map[string]HTTPAPI
}

// HTTPAPI is how an HttpApi authorizes its routes.
type HTTPAPI struct {
	// DefaultAuthorizer guards every route that names no authorizer.
	DefaultAuthorizer string
	// Authorizers are its JWT authorizers by name.
	Authorizers map[string]JWTAuthorizer
}

// JWTAuthorizer is one of an HttpApi's JWT authorizers.
type JWTAuthorizer struct {
	IdentitySource string
	// Issuer and Audience are the JwtConfiguration's values, unresolved.
	Issuer   *yaml.Node
	Audience []*yaml.Node
	// Scopes are its AuthorizationScopes, which SAM gives every route using
	// it that names none of its own.
	Scopes []string
}

// Parameter is a template parameter.
type Parameter struct {
	Default string
}

// Resource is any resource, with its raw properties.
type Resource struct {
	Type       string
	Properties *yaml.Node
}

// FunctionProps are function properties that Globals may also set.
type FunctionProps struct {
	Env        map[string]*yaml.Node
	Timeout    int
	MemorySize int
}

// Function is one Lambda function.
type Function struct {
	LogicalID string
	// Name is the folder under functions/ (CodeUri), which is also the name
	// the routes table uses.
	Name      string
	CodeURI   string
	Env       map[string]*yaml.Node
	Timeout   int
	Routes    []Route
	Schedules []Schedule
}

// Route is an HttpApi event.
type Route struct {
	Method string
	Path   string
	Public bool
	// API is the logical id of the HttpApi (ApiId).
	API string
	// Authorizer is the authorizer that guards the route: its own
	// Auth.Authorizer, else the API's DefaultAuthorizer; "" when public.
	Authorizer string
	// Scopes are the route's AuthorizationScopes, else its authorizer's: a
	// token must hold one of them.
	Scopes []string
}

// Key is the route key, "GET /health" or "$default".
func (r Route) Key() string {
	if r.Path == "$default" {
		return "$default"
	}
	return r.Method + " " + r.Path
}

// Schedule is a ScheduleV2 or Schedule event.
type Schedule struct {
	Name       string
	Expression string
}

// Load reads and parses a template file.
func Load(path string) (*Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

// FindRoot walks up from the working directory to the folder holding template.yaml.
func FindRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "template.yaml")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("template.yaml not found above the working directory")
		}
		dir = parent
	}
}

// Parse parses template text.
func Parse(b []byte) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, fmt.Errorf("parse template: not a YAML document")
	}
	root := doc.Content[0]
	t := &Template{Parameters: map[string]Parameter{}, Resources: map[string]Resource{}, HTTPAPIs: map[string]HTTPAPI{}}
	each(Get(root, "Parameters"), func(name string, p *yaml.Node) {
		t.Parameters[name] = Parameter{Default: Str(p, "Default")}
	})
	if g := Get(root, "Globals", "Function"); g != nil {
		t.Globals = functionProps(g)
	}
	var err error
	each(Get(root, "Resources"), func(id string, r *yaml.Node) {
		res := Resource{Type: Str(r, "Type"), Properties: Get(r, "Properties")}
		t.Resources[id] = res
		if res.Type == "AWS::Serverless::HttpApi" {
			t.HTTPAPIs[id] = parseHTTPAPI(res.Properties)
		}
		if res.Type != "AWS::Serverless::Function" || err != nil {
			return
		}
		var fn Function
		if fn, err = parseFunction(id, res.Properties); err == nil {
			t.Functions = append(t.Functions, fn)
		}
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(t.Functions, func(i, j int) bool { return t.Functions[i].LogicalID < t.Functions[j].LogicalID })
	t.authorizeRoutes()
	return t, nil
}

func parseHTTPAPI(props *yaml.Node) HTTPAPI {
	api := HTTPAPI{DefaultAuthorizer: Str(props, "Auth", "DefaultAuthorizer"), Authorizers: map[string]JWTAuthorizer{}}
	each(Get(props, "Auth", "Authorizers"), func(name string, a *yaml.Node) {
		api.Authorizers[name] = JWTAuthorizer{
			IdentitySource: Str(a, "IdentitySource"),
			Issuer:         Get(a, "JwtConfiguration", "issuer"),
			Audience:       items(Get(a, "JwtConfiguration", "audience")),
			Scopes:         Strings(a, "AuthorizationScopes"),
		}
	})
	return api
}

// authorizeRoutes gives each protected route the authorizer and scopes SAM
// gives it: the route's own, else its API's default authorizer, and that
// authorizer's scopes when the route names none.
func (t *Template) authorizeRoutes() {
	for i := range t.Functions {
		for j := range t.Functions[i].Routes {
			r := &t.Functions[i].Routes[j]
			if r.Public {
				continue
			}
			api := t.HTTPAPIs[r.API]
			if r.Authorizer == "" {
				r.Authorizer = api.DefaultAuthorizer
			}
			if r.Scopes == nil {
				r.Scopes = api.Authorizers[r.Authorizer].Scopes
			}
		}
	}
}

// each calls f for every key of a mapping node.
func each(n *yaml.Node, f func(key string, value *yaml.Node)) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		f(n.Content[i].Value, n.Content[i+1])
	}
}

// Get returns the child of a mapping node by key, or nil.
func Get(n *yaml.Node, path ...string) *yaml.Node {
	for _, key := range path {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
				break
			}
		}
		n = next
	}
	return n
}

// Str returns the scalar at a path, or "".
func Str(n *yaml.Node, path ...string) string {
	if v := Get(n, path...); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

// Strings returns the scalars of the sequence at a path, or nil.
func Strings(n *yaml.Node, path ...string) []string {
	var out []string
	for _, c := range items(Get(n, path...)) {
		out = append(out, c.Value)
	}
	return out
}

func functionProps(n *yaml.Node) FunctionProps {
	p := FunctionProps{Env: map[string]*yaml.Node{}}
	if vars := Get(n, "Environment", "Variables"); vars != nil {
		for i := 0; i+1 < len(vars.Content); i += 2 {
			p.Env[vars.Content[i].Value] = vars.Content[i+1]
		}
	}
	fmt.Sscan(Str(n, "Timeout"), &p.Timeout)
	fmt.Sscan(Str(n, "MemorySize"), &p.MemorySize)
	return p
}

func parseFunction(id string, props *yaml.Node) (Function, error) {
	fp := functionProps(props)
	codeURI := strings.TrimSuffix(Str(props, "CodeUri"), "/")
	fn := Function{LogicalID: id, CodeURI: codeURI, Name: filepath.Base(codeURI), Env: fp.Env, Timeout: fp.Timeout}
	if codeURI == "" {
		return fn, fmt.Errorf("function %s has no CodeUri", id)
	}
	events := Get(props, "Events")
	if events == nil {
		return fn, nil
	}
	for i := 0; i+1 < len(events.Content); i += 2 {
		name, ev := events.Content[i].Value, events.Content[i+1]
		p := Get(ev, "Properties")
		switch Str(ev, "Type") {
		case "HttpApi":
			r := Route{Method: strings.ToUpper(Str(p, "Method")), Path: Str(p, "Path"), API: Str(p, "ApiId"),
				Authorizer: Str(p, "Auth", "Authorizer"), Scopes: Strings(p, "Auth", "AuthorizationScopes")}
			if r.Authorizer == "NONE" {
				r.Public, r.Authorizer, r.Scopes = true, "", nil
			}
			fn.Routes = append(fn.Routes, r)
		case "ScheduleV2", "Schedule":
			expr := Str(p, "ScheduleExpression")
			if expr == "" {
				expr = Str(p, "Schedule")
			}
			fn.Schedules = append(fn.Schedules, Schedule{Name: name, Expression: expr})
		}
	}
	return fn, nil
}

// Resolver turns intrinsic functions into values for the local stack.
type Resolver struct {
	// Refs maps a logical id or parameter name to its !Ref value.
	Refs map[string]string
	// Attrs maps "LogicalId.Attribute" to its !GetAtt value.
	Attrs map[string]string
}

// Resolve evaluates a scalar or the intrinsics !Ref, !GetAtt, !Sub and !Join.
func (r Resolver) Resolve(n *yaml.Node) (string, error) {
	switch n.Tag {
	case "!Ref":
		v, ok := r.Refs[n.Value]
		if !ok {
			return "", fmt.Errorf("!Ref %s: unknown", n.Value)
		}
		return v, nil
	case "!GetAtt":
		key := n.Value
		// The list form !GetAtt [Table, Arn] means Table.Arn.
		if n.Kind == yaml.SequenceNode && len(n.Content) == 2 {
			key = n.Content[0].Value + "." + n.Content[1].Value
		}
		v, ok := r.Attrs[key]
		if !ok {
			return "", fmt.Errorf("!GetAtt %s: unknown", key)
		}
		return v, nil
	case "!Sub":
		// The long form is [template, {Name: value, ...}].
		if n.Kind == yaml.SequenceNode {
			if len(n.Content) != 2 || n.Content[0].Kind != yaml.ScalarNode || n.Content[1].Kind != yaml.MappingNode {
				return "", fmt.Errorf("line %d: !Sub: want a string or [string, {vars}]", n.Line)
			}
			vars := map[string]string{}
			for i := 0; i+1 < len(n.Content[1].Content); i += 2 {
				v, err := r.Resolve(n.Content[1].Content[i+1])
				if err != nil {
					return "", err
				}
				vars[n.Content[1].Content[i].Value] = v
			}
			return r.sub(n.Content[0].Value, vars)
		}
		return r.sub(n.Value, nil)
	case "!Join":
		if n.Kind != yaml.SequenceNode || len(n.Content) != 2 || n.Content[1].Kind != yaml.SequenceNode {
			return "", fmt.Errorf("!Join: want [sep, [items]]")
		}
		var parts []string
		for _, item := range n.Content[1].Content {
			v, err := r.Resolve(item)
			if err != nil {
				return "", err
			}
			parts = append(parts, v)
		}
		return strings.Join(parts, n.Content[0].Value), nil
	}
	if n.Kind != yaml.ScalarNode || (strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!")) {
		return "", fmt.Errorf("line %d: unsupported value (tag %s)", n.Line, n.Tag)
	}
	return n.Value, nil
}

// sub expands ${Name}, ${Name.Attribute} and ${!Literal} as CloudFormation
// does; a $ without a brace is plain text (os.Expand would take "$context"
// for a variable).
func (r Resolver) sub(s string, vars map[string]string) (string, error) {
	var b strings.Builder
	rest := s
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			b.WriteString(rest)
			return b.String(), nil
		}
		b.WriteString(rest[:i])
		rest = rest[i+2:]
		j := strings.IndexByte(rest, '}')
		if j < 0 {
			return "", fmt.Errorf("!Sub %s: unclosed ${", s)
		}
		name := rest[:j]
		rest = rest[j+1:]
		if strings.HasPrefix(name, "!") {
			b.WriteString("${" + name[1:] + "}")
			continue
		}
		v, ok := vars[name]
		if !ok && strings.Contains(name, ".") {
			v, ok = r.Attrs[name]
		} else if !ok {
			v, ok = r.Refs[name]
		}
		if !ok {
			return "", fmt.Errorf("!Sub %s: unknown ${%s}", s, name)
		}
		b.WriteString(v)
	}
}

// Environment returns a function's resolved environment: Globals first, then
// the function's own variables.
func (t *Template) Environment(fn Function, r Resolver) (map[string]string, error) {
	env := map[string]string{}
	for _, src := range []map[string]*yaml.Node{t.Globals.Env, fn.Env} {
		for k, n := range src {
			v, err := r.Resolve(n)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", fn.LogicalID, k, err)
			}
			env[k] = v
		}
	}
	return env, nil
}

// OfType returns the logical ids of resources of a type, sorted.
func (t *Template) OfType(typ string) []string {
	var ids []string
	for id, r := range t.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// TableInput translates an AWS::DynamoDB::Table's properties (attributes,
// keys, global secondary indexes) into the CreateTable call that makes it.
func TableInput(name string, p *yaml.Node) *dynamodb.CreateTableInput {
	in := &dynamodb.CreateTableInput{TableName: aws.String(name), BillingMode: ddbtypes.BillingModePayPerRequest}
	for _, a := range items(Get(p, "AttributeDefinitions")) {
		in.AttributeDefinitions = append(in.AttributeDefinitions, ddbtypes.AttributeDefinition{
			AttributeName: aws.String(Str(a, "AttributeName")), AttributeType: ddbtypes.ScalarAttributeType(Str(a, "AttributeType"))})
	}
	in.KeySchema = keySchema(Get(p, "KeySchema"))
	for _, g := range items(Get(p, "GlobalSecondaryIndexes")) {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, ddbtypes.GlobalSecondaryIndex{
			IndexName: aws.String(Str(g, "IndexName")), KeySchema: keySchema(Get(g, "KeySchema")),
			Projection: &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionType(Str(g, "Projection", "ProjectionType"))}})
	}
	return in
}

func keySchema(n *yaml.Node) []ddbtypes.KeySchemaElement {
	var out []ddbtypes.KeySchemaElement
	for _, k := range items(n) {
		out = append(out, ddbtypes.KeySchemaElement{AttributeName: aws.String(Str(k, "AttributeName")), KeyType: ddbtypes.KeyType(Str(k, "KeyType"))})
	}
	return out
}

// items returns the elements of a sequence node.
func items(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

// AppClient is an AWS::Cognito::UserPoolClient, as far as the local token
// endpoint needs it.
type AppClient struct {
	LogicalID string
	Name      string
	// GenerateSecret: a confidential client, which authenticates with its
	// client id and secret.
	GenerateSecret bool
	// OAuthFlows are its AllowedOAuthFlows (client_credentials, code,
	// implicit), OAuthScopes its AllowedOAuthScopes.
	OAuthFlows, OAuthScopes []string
	// AccessTokenValidity is how long its access tokens live.
	AccessTokenValidity time.Duration
}

// AppClients returns the user pool's app clients, sorted by logical id.
func (t *Template) AppClients() []AppClient {
	var out []AppClient
	for _, id := range t.OfType("AWS::Cognito::UserPoolClient") {
		p := t.Resources[id].Properties
		out = append(out, AppClient{LogicalID: id, Name: Str(p, "ClientName"), GenerateSecret: Str(p, "GenerateSecret") == "true",
			OAuthFlows: Strings(p, "AllowedOAuthFlows"), OAuthScopes: Strings(p, "AllowedOAuthScopes"),
			AccessTokenValidity: validity(Str(p, "AccessTokenValidity"), Str(p, "TokenValidityUnits", "AccessToken"))})
	}
	return out
}

// validity reads a token validity as Cognito does: the value in its unit,
// hours when none is given; an hour when the value is not set.
func validity(value, unit string) time.Duration {
	n, err := strconv.Atoi(value)
	if err != nil || n <= 0 {
		return time.Hour
	}
	per := map[string]time.Duration{"seconds": time.Second, "minutes": time.Minute, "hours": time.Hour, "days": 24 * time.Hour}[unit]
	if per == 0 {
		per = time.Hour
	}
	return time.Duration(n) * per
}

// ResourceScopes lists the scopes the user pool's resource servers declare,
// as tokens carry them: <identifier>/<scope name>.
func (t *Template) ResourceScopes() []string {
	var out []string
	for _, id := range t.OfType("AWS::Cognito::UserPoolResourceServer") {
		p := t.Resources[id].Properties
		for _, sc := range items(Get(p, "Scopes")) {
			out = append(out, Str(p, "Identifier")+"/"+Str(sc, "ScopeName"))
		}
	}
	return out
}
