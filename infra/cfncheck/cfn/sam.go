package cfn

import (
	"fmt"
	"strings"
)

// The AWS::Serverless types in @aws-cdk/aws-service-spec come from SAM's old
// hand-written specification (its HttpApi still has Api's AccessLogSetting,
// and it knows no ScheduleV2 event). correctSAM brings the properties SAM
// has since gained, as SAM's own schema and documentation give them. Most of
// them SAM passes through to a CloudFormation resource, so they take that
// property's type from the official specification.
func correctSAM(s *Spec) error {
	fn, api := s.Resources["AWS::Serverless::Function"], s.Resources["AWS::Serverless::HttpApi"]
	if fn == nil || api == nil {
		// The package's newest versions dropped the SAM types; the pinned one has them.
		return fmt.Errorf("no AWS::Serverless types: %s must be a version that has them (see infra/package.json)", s.Source)
	}
	var missing []string
	from := func(typ, prop string) *Property {
		if r := s.Resources[typ]; r != nil && r.Props[prop] != nil {
			p := *r.Props[prop]
			p.Required = false
			return &p
		}
		missing = append(missing, typ+"."+prop)
		return &Property{Type: &Type{Kind: KJSON}}
	}
	object := func(typ, name string) *Object {
		if r := s.Resources[typ]; r != nil && r.Objects[name] != nil {
			return r.Objects[name]
		}
		missing = append(missing, typ+" type "+name)
		return &Object{Name: name, Props: map[string]*Property{}}
	}
	str := func() *Property { return &Property{Type: &Type{Kind: KString}} }
	boolean := func() *Property { return &Property{Type: &Type{Kind: KBoolean}} }

	// AWS::Serverless::Function: properties passed to AWS::Lambda::Function,
	// and SAM's own.
	for _, p := range []string{"LoggingConfig", "RuntimeManagementConfig", "SnapStart", "RecursiveLoop"} {
		fn.Props[p] = from("AWS::Lambda::Function", p)
	}
	fn.Props["RolePath"] = from("AWS::IAM::Role", "Path")
	fn.Props["SourceKMSKeyArn"] = str()
	fn.Props["PropagateTags"] = boolean()
	fn.Props["AutoPublishAliasAllProperties"] = boolean()
	// Events: the old specification's one union of every event source type
	// does not say which Type takes which; events() checks each event by
	// its Type.
	fn.Props["Events"] = &Property{Type: &Type{Kind: KMap, Elem: &Type{Kind: KJSON}}}
	// EventInvokeConfig: either destination alone is fine.
	if d := fn.Objects["EventInvokeDestinationConfig"]; d != nil {
		for _, p := range d.Props {
			p.Required = false
		}
	}
	// Stream and queue events: event filtering and the newer settings of
	// AWS::Lambda::EventSourceMapping.
	for event, props := range map[string][]string{
		"DynamoDBEvent": {"FilterCriteria", "TumblingWindowInSeconds", "StartingPositionTimestamp", "MetricsConfig", "KmsKeyArn"},
		"KinesisEvent": {"FilterCriteria", "TumblingWindowInSeconds", "StartingPositionTimestamp", "MetricsConfig", "KmsKeyArn",
			"MaximumBatchingWindowInSeconds", "MaximumRetryAttempts", "BisectBatchOnFunctionError", "MaximumRecordAgeInSeconds",
			"ParallelizationFactor", "DestinationConfig"},
		"SQSEvent": {"FilterCriteria", "MaximumBatchingWindowInSeconds", "FunctionResponseTypes", "ScalingConfig", "MetricsConfig", "KmsKeyArn"},
	} {
		o := fn.Objects[event]
		if o == nil {
			missing = append(missing, "AWS::Serverless::Function type "+event)
			continue
		}
		for _, p := range props {
			if o.Props[p] == nil {
				o.Props[p] = from("AWS::Lambda::EventSourceMapping", p)
			}
		}
	}
	// The ScheduleV2 event: an EventBridge Scheduler schedule.
	target := object("AWS::Scheduler::Schedule", "Target")
	v2 := &Object{Name: "ScheduleV2Event", Props: map[string]*Property{
		"OmitName":            boolean(),
		"PermissionsBoundary": str(),
		"DeadLetterConfig": {Type: &Type{Kind: KObject, Object: &Object{Name: "DeadLetterConfig", Props: map[string]*Property{
			"Arn": str(), "QueueLogicalId": str(), "Type": {Type: &Type{Kind: KString, Enum: []string{"SQS"}}}}}}},
	}}
	for _, p := range []string{"ScheduleExpression", "ScheduleExpressionTimezone", "StartDate", "EndDate", "Description",
		"GroupName", "KmsKeyArn", "Name", "State", "FlexibleTimeWindow"} {
		v2.Props[p] = from("AWS::Scheduler::Schedule", p)
	}
	for _, p := range []string{"Input", "RoleArn", "RetryPolicy"} {
		if tp := target.Props[p]; tp != nil {
			cp := *tp
			cp.Required = false
			v2.Props[p] = &cp
		} else {
			missing = append(missing, "AWS::Scheduler::Schedule.Target."+p)
		}
	}
	fn.Objects[v2.Name] = v2

	// AWS::Serverless::HttpApi: AccessLogSettings (passed to
	// AWS::ApiGatewayV2::Stage); AccessLogSetting is AWS::Serverless::Api's.
	delete(api.Props, "AccessLogSetting")
	api.Props["AccessLogSettings"] = from("AWS::ApiGatewayV2::Stage", "AccessLogSettings")
	api.Props["Name"] = str()
	api.Props["PropagateTags"] = boolean()
	if len(missing) > 0 {
		return fmt.Errorf("the SAM corrections name what %s lacks: %s", s.Source, strings.Join(missing, ", "))
	}
	return nil
}

// samGenerated is the CloudFormation resource SAM makes from a SAM resource
// under the same logical id, whose attributes Fn::GetAtt reaches.
var samGenerated = map[string]string{
	"AWS::Serverless::Function":     "AWS::Lambda::Function",
	"AWS::Serverless::HttpApi":      "AWS::ApiGatewayV2::Api",
	"AWS::Serverless::Api":          "AWS::ApiGateway::RestApi",
	"AWS::Serverless::SimpleTable":  "AWS::DynamoDB::Table",
	"AWS::Serverless::StateMachine": "AWS::StepFunctions::StateMachine",
	"AWS::Serverless::LayerVersion": "AWS::Lambda::LayerVersion",
	"AWS::Serverless::Application":  "AWS::CloudFormation::Stack",
}

// samImplicit are resources SAM adds that a template may refer to: a
// function's execution role when it names none, and the implicit APIs of
// events that name no API.
func samImplicit(rs *Node) map[string]resource {
	out := map[string]resource{}
	for _, f := range rs.Fields {
		if f.Value.Get("Type").Str() != "AWS::Serverless::Function" {
			continue
		}
		props := f.Value.Get("Properties")
		if props.Get("Role") == nil {
			out[f.Key+"Role"] = resource{typ: "AWS::IAM::Role"}
		}
		if events := props.Get("Events"); events != nil {
			for _, e := range events.Fields {
				p := e.Value.Get("Properties")
				switch e.Value.Get("Type").Str() {
				case "HttpApi":
					if p.Get("ApiId") == nil {
						out["ServerlessHttpApi"] = resource{typ: "AWS::Serverless::HttpApi"}
					}
				case "Api":
					if p.Get("RestApiId") == nil {
						out["ServerlessRestApi"] = resource{typ: "AWS::Serverless::Api"}
					}
				}
			}
		}
	}
	return out
}

// globalsSupported are the properties SAM takes in each Globals section.
var globalsSupported = map[string][]string{
	"Function": {"Handler", "Runtime", "CodeUri", "DeadLetterQueue", "Description", "MemorySize", "Timeout", "VpcConfig",
		"Environment", "Tags", "PropagateTags", "Tracing", "KmsKeyArn", "AutoPublishAlias", "AutoPublishAliasAllProperties",
		"Layers", "DeploymentPreference", "RolePath", "PermissionsBoundary", "ReservedConcurrentExecutions",
		"ProvisionedConcurrencyConfig", "AssumeRolePolicyDocument", "EventInvokeConfig", "FileSystemConfigs",
		"CodeSigningConfigArn", "Architectures", "SnapStart", "EphemeralStorage", "FunctionUrlConfig",
		"RuntimeManagementConfig", "LoggingConfig", "RecursiveLoop", "SourceKMSKeyArn"},
	"Api": {"Auth", "Name", "DefinitionUri", "CacheClusterEnabled", "CacheClusterSize", "MergeDefinitions", "Variables",
		"EndpointConfiguration", "MethodSettings", "BinaryMediaTypes", "MinimumCompressionSize", "Cors",
		"GatewayResponses", "AccessLogSetting", "CanarySetting", "TracingEnabled", "OpenApiVersion", "Domain",
		"AlwaysDeploy", "PropagateTags"},
	"HttpApi": {"Auth", "AccessLogSettings", "StageVariables", "Tags", "CorsConfiguration", "DefaultRouteSettings",
		"Domain", "RouteSettings", "FailOnWarnings", "PropagateTags"},
	"SimpleTable":  {"SSESpecification"},
	"StateMachine": {"PropagateTags"},
	"LayerVersion": {"PublishLambdaVersion"},
}

// globals checks the Globals section and gives its sections by the resource
// type they apply to.
func (c *checker) globals(g *Node) map[string]*Node {
	out := map[string]*Node{}
	if g == nil || !c.sam {
		return out
	}
	if g.Kind != Map {
		c.errorf(g, "Globals", "Globals is a map of sections (Function, HttpApi, ...)")
		return out
	}
	for _, f := range g.Fields {
		path := "Globals." + f.Key
		supported, ok := globalsSupported[f.Key]
		if !ok {
			c.errorf(&Node{Line: f.Line, Col: f.Col}, path, "SAM has no Globals section %s%s", f.Key, suggest(f.Key, keys(globalsSupported)))
			continue
		}
		if f.Value.Kind != Map {
			c.errorf(f.Value, path, "a Globals section is a map of properties")
			continue
		}
		for _, pf := range f.Value.Fields {
			if !contains(supported, pf.Key) {
				c.errorf(&Node{Line: pf.Line, Col: pf.Col}, path+"."+pf.Key, "SAM does not take %s in Globals.%s%s", pf.Key, f.Key, suggest(pf.Key, supported))
			}
			c.markOrigin(path+"."+pf.Key, pf.Value)
		}
		out["AWS::Serverless::"+f.Key] = f.Value
	}
	return out
}

// markOrigin remembers the Globals path of every node of a global value, so
// that a problem in it is reported once, where it is written.
func (c *checker) markOrigin(path string, n *Node) {
	c.origin[n] = path
	for i, it := range n.Items {
		c.markOrigin(fmt.Sprintf("%s[%d]", path, i), it)
	}
	for _, f := range n.Fields {
		c.markOrigin(path+"."+f.Key, f.Value)
	}
	if n.Arg != nil {
		c.markOrigin(path, n.Arg)
	}
}

// mergeGlobals applies a Globals section to a resource's properties as SAM
// does: a resource's own value wins; maps merge key by key; lists are
// joined, the global items first; an intrinsic function counts as a plain
// value.
func (c *checker) mergeGlobals(global, local *Node) *Node {
	if local == nil {
		// A fresh map, so that problems of the resource are not placed in Globals.
		return &Node{Kind: Map, Fields: global.Fields, Line: global.Line, Col: global.Col}
	}
	token := func(n *Node) NodeKind {
		if n.Kind == Map || n.Kind == Seq {
			return n.Kind
		}
		return Scalar
	}
	if token(global) != token(local) || token(local) == Scalar {
		return local
	}
	out := &Node{Kind: local.Kind, Line: local.Line, Col: local.Col}
	if local.Kind == Seq {
		out.Items = append(append([]*Node{}, global.Items...), local.Items...)
		return out
	}
	out.Fields = append([]Field{}, global.Fields...)
	for _, lf := range local.Fields {
		merged := false
		for i, gf := range out.Fields {
			if gf.Key == lf.Key {
				out.Fields[i] = Field{Key: lf.Key, Line: lf.Line, Col: lf.Col, Value: c.mergeGlobals(gf.Value, lf.Value)}
				merged = true
			}
		}
		if !merged {
			out.Fields = append(out.Fields, lf)
		}
	}
	return out
}

// samResource checks what SAM requires beyond the specification: a
// function's code, handler and runtime, and its event sources by type.
func (c *checker) samResource(path, id, typ string, props *Node) {
	if props.Kind != Map {
		return
	}
	switch typ {
	case "AWS::Serverless::Function":
		if props.Get("PackageType").Str() == "Image" {
			if props.Get("ImageUri") == nil {
				c.errorf(props, path, "an Image function needs ImageUri")
			}
		} else {
			if props.Get("CodeUri") == nil && props.Get("InlineCode") == nil {
				c.errorf(props, path, "a Zip function needs CodeUri or InlineCode")
			}
			for _, p := range []string{"Handler", "Runtime"} {
				if props.Get(p) == nil {
					c.errorf(props, path, "a Zip function needs %s (here or in Globals.Function)", p)
				}
			}
		}
		c.events(path+".Events", props.Get("Events"))
	case "AWS::Serverless::HttpApi":
		auth := props.Get("Auth")
		if def := auth.Get("DefaultAuthorizer"); def != nil && def.Kind == Scalar && auth.Get("Authorizers").Get(def.Value) == nil {
			c.errorf(def, path+".Auth.DefaultAuthorizer", "authorizer %q is not declared in Auth.Authorizers", def.Value)
		}
	}
}

var eventSuffix = "Event"

// events checks a function's Events: each a Type SAM knows with the
// properties of that event source.
func (c *checker) events(path string, events *Node) {
	if events == nil || events.Kind != Map {
		return
	}
	fn := c.spec.Resources["AWS::Serverless::Function"]
	var known []string
	for name := range fn.Objects {
		if strings.HasSuffix(name, eventSuffix) && name != "EventSource" {
			known = append(known, strings.TrimSuffix(name, eventSuffix))
		}
	}
	for _, f := range events.Fields {
		epath := path + "." + f.Key
		e := f.Value
		if e.Kind != Map {
			c.errorf(e, epath, "an event is a map with Type and Properties")
			continue
		}
		for _, ef := range e.Fields {
			if ef.Key != "Type" && ef.Key != "Properties" {
				c.errorf(&Node{Line: ef.Line, Col: ef.Col}, epath+"."+ef.Key, "an event has only Type and Properties")
			}
		}
		typ := e.Get("Type")
		if typ == nil || typ.Kind != Scalar {
			c.errorf(e, epath, "an event needs a Type, a plain string")
			continue
		}
		def := fn.Objects[typ.Value+eventSuffix]
		if def == nil || !contains(known, typ.Value) {
			c.errorf(typ, epath+".Type", "SAM has no event source type %s%s", typ.Value, suggest(typ.Value, known))
			continue
		}
		props := e.Get("Properties")
		if props == nil {
			props = &Node{Kind: Map, Line: e.Line, Col: e.Col}
		}
		c.object(epath+".Properties", typ.Value+" event", props, def.Props)
		if typ.Value == "HttpApi" {
			c.httpAPIEvent(epath+".Properties", props)
		}
	}
}

// httpAPIEvent checks that an HttpApi event names an HttpApi of the
// template and one of its authorizers.
func (c *checker) httpAPIEvent(path string, props *Node) {
	apiID := props.Get("ApiId")
	if apiID == nil || apiID.Kind != Fn || apiID.Name != "Ref" {
		return
	}
	api, ok := c.resources[apiID.Arg.Str()]
	if !ok {
		return // the Ref's own check names it
	}
	if api.typ != "AWS::Serverless::HttpApi" {
		c.errorf(apiID, path+".ApiId", "ApiId names %s, an %s, not an AWS::Serverless::HttpApi", apiID.Arg.Str(), api.typ)
		return
	}
	name := props.Get("Auth").Get("Authorizer")
	if name == nil || name.Kind != Scalar || name.Value == "NONE" || name.Value == "AWS_IAM" {
		return
	}
	apiProps := api.node.Get("Properties")
	if c.apiGlobals != nil {
		apiProps = c.mergeGlobals(c.apiGlobals, apiProps)
	}
	if apiProps.Get("Auth").Get("Authorizers").Get(name.Value) == nil {
		c.errorf(name, path+".Auth.Authorizer", "authorizer %q is not declared in %s's Auth.Authorizers (NONE makes the route public)", name.Value, apiID.Arg.Str())
	}
}
