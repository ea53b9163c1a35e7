package template

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kabinet/kabinet/shared/routes"
)

const sample = `
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage:
    Type: String
    Default: dev
  LogLevel:
    Type: String
Globals:
  Function:
    Timeout: 10
    MemorySize: 256
    Environment:
      Variables:
        STAGE: !Ref Stage
        LOG_LEVEL: info
        SHARED: from-globals
Resources:
  Table:
    Type: AWS::DynamoDB::Table
  ZetaFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/zeta/
      Timeout: 30
      Environment:
        Variables:
          TABLE_NAME: !Ref Table
          TABLE_ARN: !GetAtt Table.Arn
          SHARED: from-function
      Events:
        Health:
          Type: HttpApi
          Properties:
            Path: /health
            Method: get
            Auth:
              Authorizer: NONE
        Item:
          Type: HttpApi
          Properties:
            Path: /items/{id}
            Method: PUT
        Nightly:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: cron(0 3 * * ? *)
        Legacy:
          Type: Schedule
          Properties:
            Schedule: rate(1 hour)
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt Q.Arn
  AlphaFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/alpha
      Events:
        Default:
          Type: HttpApi
          Properties:
            Path: $default
            Method: ANY
            Auth:
              Authorizer: NONE
`

func TestParse(t *testing.T) {
	tpl, err := Parse([]byte(sample))
	if err != nil {
		t.Fatalf("Parse() = %v", err)
	}
	if got := tpl.Parameters["Stage"].Default; got != "dev" {
		t.Errorf("Parameters[Stage].Default = %q, want dev", got)
	}
	if tpl.Globals.Timeout != 10 || tpl.Globals.MemorySize != 256 {
		t.Errorf("Globals = %+v, want Timeout 10, MemorySize 256", tpl.Globals)
	}
	if got := tpl.OfType("AWS::Serverless::Function"); !reflect.DeepEqual(got, []string{"AlphaFunction", "ZetaFunction"}) {
		t.Errorf("OfType(function) = %v", got)
	}
	if got := tpl.OfType("AWS::DynamoDB::Table"); !reflect.DeepEqual(got, []string{"Table"}) {
		t.Errorf("OfType(table) = %v", got)
	}
	if len(tpl.Functions) != 2 {
		t.Fatalf("Functions = %d, want 2", len(tpl.Functions))
	}
	alpha, zeta := tpl.Functions[0], tpl.Functions[1]
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"sorted by logical id", alpha.LogicalID + "," + zeta.LogicalID, "AlphaFunction,ZetaFunction"},
		{"name from CodeUri with a slash", zeta.Name, "zeta"},
		{"name from CodeUri without a slash", alpha.Name, "alpha"},
		{"CodeUri without the trailing slash", zeta.CodeURI, "functions/zeta"},
		{"own timeout", zeta.Timeout, 30},
		{"no own timeout", alpha.Timeout, 0},
		{"routes", zeta.Routes, []Route{{Method: "GET", Path: "/health", Public: true}, {Method: "PUT", Path: "/items/{id}", Public: false}}},
		{"default route", alpha.Routes, []Route{{Method: "ANY", Path: "$default", Public: true}}},
		{"schedules", zeta.Schedules, []Schedule{{Name: "Nightly", Expression: "cron(0 3 * * ? *)"}, {Name: "Legacy", Expression: "rate(1 hour)"}}},
		{"route key", zeta.Routes[1].Key(), "PUT /items/{id}"},
		{"default route key", alpha.Routes[0].Key(), "$default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %#v, want %#v", tt.got, tt.want)
			}
		})
	}
}

func TestEnvironmentMergesGlobals(t *testing.T) {
	tpl, err := Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	r := Resolver{Refs: map[string]string{"Stage": "local", "Table": "kabinet"}, Attrs: map[string]string{"Table.Arn": "arn:table"}}
	tests := []struct {
		name string
		fn   Function
		want map[string]string
	}{
		{"function overrides globals", tpl.Functions[1], map[string]string{
			"STAGE": "local", "LOG_LEVEL": "info", "SHARED": "from-function", "TABLE_NAME": "kabinet", "TABLE_ARN": "arn:table"}},
		{"globals only", tpl.Functions[0], map[string]string{"STAGE": "local", "LOG_LEVEL": "info", "SHARED": "from-globals"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tpl.Environment(tt.fn, r)
			if err != nil {
				t.Fatalf("Environment() = %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Environment() = %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := tpl.Environment(tpl.Functions[1], Resolver{Refs: map[string]string{"Stage": "local"}}); err == nil ||
		!strings.Contains(err.Error(), "ZetaFunction") {
		t.Errorf("Environment() with an unknown !Ref = %v, want an error naming the function", err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
	}{
		{"not YAML", "a: [unclosed"},
		{"empty document", ""},
		{"function without CodeUri", "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: x\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse([]byte(tt.text)); err == nil {
				t.Errorf("Parse() = nil error, want one")
			}
		})
	}
}

// node parses one YAML value, keeping its tag.
func node(t *testing.T, text string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("v: "+text), &doc); err != nil {
		t.Fatalf("yaml %q: %v", text, err)
	}
	return Get(doc.Content[0], "v")
}

func TestResolve(t *testing.T) {
	r := Resolver{
		Refs:  map[string]string{"Stage": "local", "UserPool": "pool-1", "AWS::Region": "eu-central-1", "Bucket": "files"},
		Attrs: map[string]string{"Bucket.Arn": "arn:aws:s3:::files", "Table.Arn": "arn:table"},
	}
	tests := []struct {
		name    string
		value   string
		want    string
		wantErr bool
	}{
		{"plain string", "hello", "hello", false},
		{"number", "42", "42", false},
		{"quoted", `"a b"`, "a b", false},
		{"ref", "!Ref Stage", "local", false},
		{"ref to a pseudo parameter", "!Ref AWS::Region", "eu-central-1", false},
		{"getatt", "!GetAtt Bucket.Arn", "arn:aws:s3:::files", false},
		{"getatt list form", "!GetAtt [Table, Arn]", "arn:table", false},
		{"sub with refs", "!Sub https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}", "https://cognito-idp.eu-central-1.amazonaws.com/pool-1", false},
		{"sub with an attribute", `!Sub "${Bucket.Arn}/*"`, "arn:aws:s3:::files/*", false},
		{"sub literal", `!Sub "kabinet-${Stage}-${!NotAVar}"`, "kabinet-local-${NotAVar}", false},
		{"sub keeps a bare dollar", `!Sub "$context.requestId ${Stage} costs $5"`, "$context.requestId local costs $5", false},
		{"sub long form", `!Sub ["${Name}-${Stage}", {Name: !Ref Bucket}]`, "files-local", false},
		{"sub long form var shadows a ref", `!Sub ["${Stage}", {Stage: prod}]`, "prod", false},
		{"join", `!Join [",", [a, !Ref Stage, !GetAtt Table.Arn]]`, "a,local,arn:table", false},
		{"join empty", `!Join ["-", []]`, "", false},
		{"join nested sub", `!Join ["", [!Sub "x-${Stage}", "-y"]]`, "x-local-y", false},
		{"unknown ref", "!Ref Nothing", "", true},
		{"unknown getatt", "!GetAtt Nothing.Arn", "", true},
		{"sub with an unknown name", "!Sub ${Nothing}", "", true},
		{"sub with an unknown attribute", "!Sub ${Table.StreamArn}", "", true},
		{"sub unclosed", "!Sub ${Stage", "", true},
		{"join without a list", `!Join [",", !Ref Stage]`, "", true},
		{"join with one argument", `!Join [","]`, "", true},
		{"join with an unknown ref", `!Join [",", [!Ref Nothing]]`, "", true},
		{"if is unsupported", "!If [IsProd, a, b]", "", true},
		{"unknown scalar tag", "!ImportValue shared-export", "", true},
		{"mapping", "{a: b}", "", true},
		{"sequence", "[a, b]", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Resolve(node(t, tt.value))
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("Resolve(%s) = %q, %v; want %q, error %v", tt.value, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestGetAndStr(t *testing.T) {
	n := node(t, "{a: {b: {c: x}}, list: [1]}")
	tests := []struct {
		name string
		path []string
		want string
	}{
		{"deep", []string{"a", "b", "c"}, "x"},
		{"missing", []string{"a", "z"}, ""},
		{"not a scalar", []string{"a", "b"}, ""},
		{"through a list", []string{"list", "0"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Str(n, tt.path...); got != tt.want {
				t.Errorf("Str(%v) = %q, want %q", tt.path, got, tt.want)
			}
		})
	}
	if Get(nil, "a") != nil {
		t.Errorf("Get(nil) is not nil")
	}
}

func TestRealTemplate(t *testing.T) {
	root, err := FindRoot()
	if err != nil {
		t.Fatalf("FindRoot() = %v", err)
	}
	tpl, err := Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatalf("Load(template.yaml) = %v", err)
	}
	if len(tpl.Functions) == 0 {
		t.Fatal("template.yaml declares no functions")
	}
	r := Resolver{Refs: map[string]string{"AWS::Region": "eu-central-1", "AWS::AccountId": "000000000000",
		"AWS::StackName": "kabinet", "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}, Attrs: map[string]string{}}
	for name, p := range tpl.Parameters {
		r.Refs[name] = p.Default
	}
	for id := range tpl.Resources {
		r.Refs[id] = id
		for _, attr := range []string{"Arn", "StreamArn", "ProviderURL", "ProviderName", "TopicArn", "QueueUrl", "QueueName"} {
			r.Attrs[id+"."+attr] = id + "-" + attr
		}
	}
	template := map[string][]string{}
	for _, fn := range tpl.Functions {
		t.Run(fn.LogicalID, func(t *testing.T) {
			if !strings.HasPrefix(fn.CodeURI, "functions/") || strings.Count(fn.CodeURI, "/") != 1 {
				t.Errorf("CodeUri = %q, want functions/<name>", fn.CodeURI)
			}
			if st, err := os.Stat(filepath.Join(root, fn.CodeURI, "main.go")); err != nil || st.IsDir() {
				t.Errorf("%s/main.go: %v", fn.CodeURI, err)
			}
			if _, err := tpl.Environment(fn, r); err != nil {
				t.Errorf("Environment() = %v", err)
			}
			for _, rt := range fn.Routes {
				template[fn.Name] = append(template[fn.Name], rt.Key())
				if _, ok := tpl.HTTPAPIs[rt.API].Authorizers[rt.Authorizer]; !rt.Public && !ok {
					t.Errorf("route %s: authorizer %q is not one of %s's", rt.Key(), rt.Authorizer, rt.API)
				}
				want := false
				for _, w := range routes.ForFunction(fn.Name) {
					if w.Key() == rt.Key() {
						want = true
						if w.Public != rt.Public {
							t.Errorf("route %s: template Public=%v, routes table Public=%v", rt.Key(), rt.Public, w.Public)
						}
					}
				}
				if !want {
					t.Errorf("route %s of %s is not in the routes table", rt.Key(), fn.Name)
				}
			}
		})
	}
	for _, rt := range routes.All {
		found := false
		for _, k := range template[rt.Function] {
			found = found || k == rt.Key()
		}
		if !found {
			t.Errorf("routes table has %s for %s, template.yaml does not", rt.Key(), rt.Function)
		}
	}
}

const authSample = `
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: People
        Authorizers:
          People:
            IdentitySource: $request.header.Authorization
            JwtConfiguration:
              issuer: !Sub https://cognito-idp.${AWS::Region}.amazonaws.com/${Pool}
              audience: [!Ref WebClient]
          Machines:
            IdentitySource: $request.header.Authorization
            AuthorizationScopes: [api/any]
            JwtConfiguration:
              issuer: https://issuer.example
              audience: [!Ref OneClient, two]
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/fn/
      Events:
        Default:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: /mine, Method: GET}
        Scoped:
          Type: HttpApi
          Properties:
            ApiId: !Ref Api
            Path: /charges
            Method: POST
            Auth: {Authorizer: Machines, AuthorizationScopes: [api/agency.fns, api/agency.gibdd]}
        Inherited:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: /any, Method: GET, Auth: {Authorizer: Machines}}
        Open:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: /open, Method: GET, Auth: {Authorizer: NONE, AuthorizationScopes: [ignored]}}
  WebClient:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      ClientName: web
      GenerateSecret: false
      AccessTokenValidity: 15
      TokenValidityUnits: {AccessToken: minutes}
  OneClient:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      ClientName: one
      GenerateSecret: true
      AllowedOAuthFlows: [client_credentials]
      AllowedOAuthScopes: [api/agency.fns]
  Server:
    Type: AWS::Cognito::UserPoolResourceServer
    Properties:
      Identifier: api
      Scopes:
        - {ScopeName: agency.fns, ScopeDescription: x}
        - {ScopeName: any, ScopeDescription: y}
`

func TestParseAuthorization(t *testing.T) {
	tpl, err := Parse([]byte(authSample))
	if err != nil {
		t.Fatal(err)
	}
	api := tpl.HTTPAPIs["Api"]
	if api.DefaultAuthorizer != "People" || len(api.Authorizers) != 2 {
		t.Fatalf("HTTPAPIs[Api] = %+v, want the default People and two authorizers", api)
	}
	m := api.Authorizers["Machines"]
	if m.IdentitySource != "$request.header.Authorization" || m.Issuer.Value != "https://issuer.example" ||
		len(m.Audience) != 2 || m.Audience[0].Tag != "!Ref" || m.Audience[0].Value != "OneClient" || !reflect.DeepEqual(m.Scopes, []string{"api/any"}) {
		t.Errorf("Authorizers[Machines] = %+v", m)
	}
	want := []Route{
		{Method: "GET", Path: "/mine", API: "Api", Authorizer: "People"},
		{Method: "POST", Path: "/charges", API: "Api", Authorizer: "Machines", Scopes: []string{"api/agency.fns", "api/agency.gibdd"}},
		{Method: "GET", Path: "/any", API: "Api", Authorizer: "Machines", Scopes: []string{"api/any"}},
		{Method: "GET", Path: "/open", API: "Api", Public: true},
	}
	for i, r := range tpl.Functions[0].Routes {
		t.Run(r.Key(), func(t *testing.T) {
			if !reflect.DeepEqual(r, want[i]) {
				t.Errorf("route = %+v, want %+v", r, want[i])
			}
		})
	}
}

func TestAppClientsAndScopes(t *testing.T) {
	tpl, err := Parse([]byte(authSample))
	if err != nil {
		t.Fatal(err)
	}
	want := []AppClient{
		{LogicalID: "OneClient", Name: "one", GenerateSecret: true, OAuthFlows: []string{"client_credentials"},
			OAuthScopes: []string{"api/agency.fns"}, AccessTokenValidity: time.Hour},
		{LogicalID: "WebClient", Name: "web", AccessTokenValidity: 15 * time.Minute},
	}
	if got := tpl.AppClients(); !reflect.DeepEqual(got, want) {
		t.Errorf("AppClients() =\n%+v\nwant\n%+v", got, want)
	}
	if got := tpl.ResourceScopes(); !reflect.DeepEqual(got, []string{"api/agency.fns", "api/any"}) {
		t.Errorf("ResourceScopes() = %v", got)
	}
}

func TestTokenValidity(t *testing.T) {
	tests := []struct {
		name, value, unit string
		want              time.Duration
	}{
		{"minutes", "60", "minutes", time.Hour},
		{"seconds", "300", "seconds", 5 * time.Minute},
		{"days", "1", "days", 24 * time.Hour},
		{"hours by default", "2", "", 2 * time.Hour},
		{"an hour when not set", "", "minutes", time.Hour},
		{"an hour when not a number", "x", "minutes", time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := validity(tt.value, tt.unit); got != tt.want {
				t.Errorf("validity(%q, %q) = %v, want %v", tt.value, tt.unit, got, tt.want)
			}
		})
	}
}
