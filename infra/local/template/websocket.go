package template

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// WebSocketAPI is an AWS::ApiGatewayV2::Api with ProtocolType WEBSOCKET:
// its route selection and its routes, each with the function its Lambda
// proxy integration invokes.
type WebSocketAPI struct {
	LogicalID string
	// RouteSelection is the RouteSelectionExpression, e.g.
	// "$request.body.action".
	RouteSelection string
	// Routes maps a route key ($connect, $disconnect, $default, "message")
	// to the function's name (its folder under functions/).
	Routes map[string]string
	// Stage is the StageName of its AWS::ApiGatewayV2::Stage (unresolved
	// when it is a !Ref: the parameter's name).
	Stage string
}

var (
	integrationRef = regexp.MustCompile(`^integrations/\$\{([A-Za-z0-9]+)\}$`)
	functionArn    = regexp.MustCompile(`\$\{([A-Za-z0-9]+)\.Arn\}`)
)

// WebSocketAPIs reads the template's WebSocket APIs as API Gateway deploys
// them; a route whose integration invokes no function of the template is
// an error.
func (t *Template) WebSocketAPIs() ([]WebSocketAPI, error) {
	fnName := map[string]string{}
	for _, fn := range t.Functions {
		fnName[fn.LogicalID] = fn.Name
	}
	var out []WebSocketAPI
	for _, id := range t.OfType("AWS::ApiGatewayV2::Api") {
		p := t.Resources[id].Properties
		if Str(p, "ProtocolType") != "WEBSOCKET" {
			continue
		}
		api := WebSocketAPI{LogicalID: id, RouteSelection: Str(p, "RouteSelectionExpression"), Routes: map[string]string{}}
		for _, sid := range t.OfType("AWS::ApiGatewayV2::Stage") {
			sp := t.Resources[sid].Properties
			if n := Get(sp, "ApiId"); n != nil && n.Tag == "!Ref" && n.Value == id {
				api.Stage = Str(sp, "StageName")
				if s := Get(sp, "StageName"); s != nil && s.Tag == "!Ref" {
					api.Stage = "!Ref " + s.Value
				}
			}
		}
		for _, rid := range t.OfType("AWS::ApiGatewayV2::Route") {
			rp := t.Resources[rid].Properties
			if n := Get(rp, "ApiId"); n == nil || n.Tag != "!Ref" || n.Value != id {
				continue
			}
			target := Get(rp, "Target")
			m := []string(nil)
			if target != nil {
				m = integrationRef.FindStringSubmatch(target.Value)
			}
			if m == nil {
				return nil, fmt.Errorf("route %s: Target must be !Sub integrations/${<Integration>}", rid)
			}
			ip := t.Resources[m[1]].Properties
			uri := Get(ip, "IntegrationUri")
			if t.Resources[m[1]].Type != "AWS::ApiGatewayV2::Integration" || Str(ip, "IntegrationType") != "AWS_PROXY" || uri == nil {
				return nil, fmt.Errorf("route %s: %s is no Lambda proxy integration", rid, m[1])
			}
			fm := functionArn.FindStringSubmatch(uri.Value)
			if fm == nil || fnName[fm[1]] == "" {
				return nil, fmt.Errorf("route %s: integration %s invokes no function of the template", rid, m[1])
			}
			api.Routes[Str(rp, "RouteKey")] = fnName[fm[1]]
		}
		out = append(out, api)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].LogicalID < out[j].LogicalID })
	return out, nil
}

// RouteKeys lists the API's route keys, sorted.
func (a WebSocketAPI) RouteKeys() []string {
	var out []string
	for k := range a.Routes {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// BodyField is the request body's field the route selection reads
// ("action" for $request.body.action), "" when it reads none.
func (a WebSocketAPI) BodyField() string {
	f, ok := strings.CutPrefix(a.RouteSelection, "$request.body.")
	if !ok {
		return ""
	}
	return f
}
