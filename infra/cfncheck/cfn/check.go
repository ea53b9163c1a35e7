package cfn

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Problem is one finding, placed in the file and named by its path in the
// template (Resources.HttpApi.Properties.StageName).
type Problem struct {
	File      string
	Line, Col int
	Path      string
	Message   string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", p.Line, p.Col)
	}
	b.WriteString(": ")
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// pseudo are the pseudo parameters; the value says whether Ref gives a list.
var pseudo = map[string]bool{"AWS::AccountId": false, "AWS::NotificationARNs": true, "AWS::NoValue": false,
	"AWS::Partition": false, "AWS::Region": false, "AWS::StackId": false, "AWS::StackName": false, "AWS::URLSuffix": false}

var (
	logicalID   = regexp.MustCompile(`^[A-Za-z0-9]+$`)
	paramType   = regexp.MustCompile(`^(String|Number|List<Number>|CommaDelimitedList|AWS::[A-Za-z0-9:]+|List<AWS::[A-Za-z0-9:]+>|AWS::SSM::Parameter::(Name|Value<[A-Za-z0-9:<>]+>))$`)
	subVariable = regexp.MustCompile(`\$\{([^}]*)\}`)
)

// shape is what an intrinsic function gives: one value, a list, or either.
type shape uint8

const (
	oneValue shape = iota
	listValue
	anyValue
)

type param struct {
	list bool
	typ  string
}

type resource struct {
	typ  string
	node *Node
}

// checker holds what the checks of one template share.
type checker struct {
	spec       *Spec
	file       string
	sam        bool
	extensions bool // AWS::LanguageExtensions
	params     map[string]param
	resources  map[string]resource
	conditions map[string]*Node
	mappings   *Node
	// apiGlobals is Globals.HttpApi, which HttpApi events' checks apply.
	apiGlobals *Node
	// origin maps a node that came from Globals to its Globals path.
	origin   map[*Node]string
	problems []Problem
	seen     map[string]bool
}

// Check checks a template. With a nil spec it checks only what needs no
// specification: sections, references, conditions and where intrinsic
// functions stand.
func Check(t *Template, spec *Spec) []Problem {
	c := &checker{spec: spec, file: t.File, params: map[string]param{}, resources: map[string]resource{},
		conditions: map[string]*Node{}, origin: map[*Node]string{}, seen: map[string]bool{}}
	c.template(t.Root)
	sort.SliceStable(c.problems, func(i, j int) bool {
		if c.problems[i].Line != c.problems[j].Line {
			return c.problems[i].Line < c.problems[j].Line
		}
		return c.problems[i].Col < c.problems[j].Col
	})
	return c.problems
}

func (c *checker) errorf(n *Node, path, format string, args ...any) {
	if o, ok := c.origin[n]; ok {
		path = o
	}
	p := Problem{File: c.file, Path: path, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		p.Line, p.Col = n.Line, n.Col
	}
	if key := p.String(); !c.seen[key] {
		c.seen[key] = true
		c.problems = append(c.problems, p)
	}
}

var sections = map[string]bool{"AWSTemplateFormatVersion": true, "Description": true, "Metadata": true,
	"Parameters": true, "Rules": true, "Mappings": true, "Conditions": true, "Transform": true,
	"Resources": true, "Outputs": true, "Globals": true}

func (c *checker) template(root *Node) {
	if root == nil || root.Kind != Map {
		return
	}
	for _, f := range root.Fields {
		if !sections[f.Key] {
			c.errorf(&Node{Line: f.Line, Col: f.Col}, f.Key, "unknown top-level section%s", suggest(f.Key, keys(sections)))
		}
	}
	if v := root.Get("AWSTemplateFormatVersion"); v != nil && v.Str() != "2010-09-09" {
		c.errorf(v, "AWSTemplateFormatVersion", "the only version is \"2010-09-09\"")
	}
	c.transforms(root.Get("Transform"))
	if g := root.Get("Globals"); g != nil && !c.sam {
		c.errorf(g, "Globals", "Globals needs Transform: AWS::Serverless-2016-10-31")
	}
	c.declare(root)
	c.parameters(root.Get("Parameters"))
	c.mappingsSection(root.Get("Mappings"))
	c.conditionsSection(root.Get("Conditions"))
	globals := c.globals(root.Get("Globals"))
	c.resourcesSection(root.Get("Resources"), globals)
	c.outputs(root.Get("Outputs"))
	if m := root.Get("Metadata"); m != nil {
		c.value("Metadata", m, &Type{Kind: KJSON}, ctxValue)
	}
}

func (c *checker) transforms(t *Node) {
	var names []*Node
	switch {
	case t == nil:
		return
	case t.Kind == Scalar:
		names = []*Node{t}
	case t.Kind == Seq:
		names = t.Items
	default:
		c.errorf(t, "Transform", "Transform is a name or a list of names")
	}
	for _, n := range names {
		switch n.Str() {
		case "AWS::Serverless-2016-10-31":
			c.sam = true
		case "AWS::LanguageExtensions":
			c.extensions = true
		}
	}
}

// declare collects the names references may use.
func (c *checker) declare(root *Node) {
	if ps := root.Get("Parameters"); ps != nil && ps.Kind == Map {
		for _, f := range ps.Fields {
			typ := f.Value.Get("Type").Str()
			c.params[f.Key] = param{typ: typ, list: strings.HasPrefix(typ, "List<") || typ == "CommaDelimitedList" ||
				strings.HasPrefix(typ, "AWS::SSM::Parameter::Value<List<") || typ == "AWS::SSM::Parameter::Value<CommaDelimitedList>"}
		}
	}
	if cs := root.Get("Conditions"); cs != nil && cs.Kind == Map {
		for _, f := range cs.Fields {
			c.conditions[f.Key] = f.Value
		}
	}
	c.mappings = root.Get("Mappings")
	rs := root.Get("Resources")
	if rs == nil || rs.Kind != Map {
		return
	}
	for _, f := range rs.Fields {
		typ := f.Value.Get("Type").Str()
		c.resources[f.Key] = resource{typ: typ, node: f.Value}
	}
	if c.sam {
		for id, r := range samImplicit(rs) {
			if _, ok := c.resources[id]; !ok {
				c.resources[id] = r
			}
		}
	}
}

var paramKeys = map[string]bool{"Type": true, "Default": true, "AllowedValues": true, "AllowedPattern": true,
	"ConstraintDescription": true, "Description": true, "MaxLength": true, "MaxValue": true, "MinLength": true,
	"MinValue": true, "NoEcho": true}

// section tells whether a top-level section is there and a map, and reports
// it when it is not a map.
func (c *checker) section(n *Node, name, want string) bool {
	if n == nil {
		return false
	}
	if n.Kind != Map {
		c.errorf(n, name, "%s is %s", name, want)
		return false
	}
	return true
}

// entry tells whether an entry of a section (a parameter, a resource, an
// output) is a map, and reports the keys it may not have.
func (c *checker) entry(path string, n *Node, what, shape string, allowed map[string]bool) bool {
	if n.Kind != Map {
		c.errorf(n, path, "a%s %s is %s", map[bool]string{true: "n"}[what[0] == 'o'], what, shape)
		return false
	}
	for _, f := range n.Fields {
		if !allowed[f.Key] {
			c.errorf(&Node{Line: f.Line, Col: f.Col}, path+"."+f.Key, "unknown %s attribute%s", what, suggest(f.Key, keys(allowed)))
		}
	}
	return true
}

func (c *checker) parameters(ps *Node) {
	if !c.section(ps, "Parameters", "a map of parameters") {
		return
	}
	for _, f := range ps.Fields {
		path := "Parameters." + f.Key
		if !logicalID.MatchString(f.Key) {
			c.errorf(&Node{Line: f.Line, Col: f.Col}, path, "a parameter's name is letters and digits only")
		}
		if _, ok := c.resources[f.Key]; ok {
			c.errorf(&Node{Line: f.Line, Col: f.Col}, path, "a resource has the same name")
		}
		p := f.Value
		if !c.entry(path, p, "parameter", "a map with a Type", paramKeys) {
			continue
		}
		for _, pf := range p.Fields {
			c.noFunctions(path+"."+pf.Key, pf.Value, "in Parameters")
		}
		typ := p.Get("Type")
		if typ == nil {
			c.errorf(p, path, "a parameter needs a Type")
		} else if !paramType.MatchString(typ.Str()) {
			c.errorf(typ, path+".Type", "unknown parameter type %q", typ.Str())
		}
		if def, allowed := p.Get("Default"), p.Get("AllowedValues"); def != nil && allowed != nil && allowed.Kind == Seq && def.Kind == Scalar {
			ok := false
			for _, a := range allowed.Items {
				ok = ok || a.Str() == def.Str()
			}
			if !ok {
				c.errorf(def, path+".Default", "the default %q is not among AllowedValues", def.Str())
			}
		}
	}
}

// noFunctions reports an intrinsic function where CloudFormation takes none.
func (c *checker) noFunctions(path string, n *Node, where string) {
	switch n.Kind {
	case Fn:
		c.errorf(n, path, "%s cannot stand %s", n.Name, where)
	case Seq:
		for i, it := range n.Items {
			c.noFunctions(fmt.Sprintf("%s[%d]", path, i), it, where)
		}
	case Map:
		for _, f := range n.Fields {
			c.noFunctions(path+"."+f.Key, f.Value, where)
		}
	}
}

func (c *checker) mappingsSection(ms *Node) {
	if !c.section(ms, "Mappings", "a map of maps") {
		return
	}
	for _, m := range ms.Fields {
		path := "Mappings." + m.Key
		if m.Value.Kind != Map {
			c.errorf(m.Value, path, "a mapping is a map of top-level keys to maps")
			continue
		}
		for _, top := range m.Value.Fields {
			if top.Value.Kind != Map {
				c.errorf(top.Value, path+"."+top.Key, "a top-level key maps second-level keys to values")
			}
		}
		c.noFunctions(path, m.Value, "in Mappings")
	}
}

func (c *checker) conditionsSection(cs *Node) {
	if !c.section(cs, "Conditions", "a map of conditions") {
		return
	}
	for _, f := range cs.Fields {
		c.condition("Conditions."+f.Key, f.Value, []string{f.Key})
	}
}

// condition checks a condition: Fn::Equals, Fn::Not, Fn::And, Fn::Or or
// another condition by name, with no cycle.
func (c *checker) condition(path string, n *Node, stack []string) {
	if n.Kind == Map && len(n.Fields) == 1 && n.Fields[0].Key == "Condition" {
		n = &Node{Kind: Fn, Name: "Condition", Arg: n.Fields[0].Value, Line: n.Line, Col: n.Col}
	}
	if n.Kind != Fn {
		c.errorf(n, path, "a condition is Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition")
		return
	}
	switch n.Name {
	case "Condition":
		name := n.Arg.Str()
		target, ok := c.conditions[name]
		if !ok {
			c.errorf(n, path, "condition %q is not declared in Conditions", name)
			return
		}
		for _, s := range stack {
			if s == name {
				c.errorf(n, path, "condition %s refers to itself (%s)", name, strings.Join(append(stack, name), " → "))
				return
			}
		}
		if len(stack) > 0 {
			c.condition(path, target, append(stack, name))
		}
	case "Fn::Equals":
		if n.Arg.Kind != Seq || len(n.Arg.Items) != 2 {
			c.errorf(n, path, "Fn::Equals takes a list of two values")
			return
		}
		for i, it := range n.Arg.Items {
			c.value(fmt.Sprintf("%s.Fn::Equals[%d]", path, i), it, &Type{Kind: KString}, ctxCondition)
		}
	case "Fn::Not", "Fn::And", "Fn::Or":
		lo, hi := 2, 10
		if n.Name == "Fn::Not" {
			lo, hi = 1, 1
		}
		if n.Arg.Kind != Seq || len(n.Arg.Items) < lo || len(n.Arg.Items) > hi {
			c.errorf(n, path, "%s takes a list of %d to %d conditions", n.Name, lo, hi)
			return
		}
		for i, it := range n.Arg.Items {
			c.condition(fmt.Sprintf("%s.%s[%d]", path, n.Name, i), it, stack)
		}
	default:
		c.errorf(n, path, "%s is not a condition function", n.Name)
	}
}

var resourceKeys = map[string]bool{"Type": true, "Properties": true, "DependsOn": true, "Condition": true,
	"Metadata": true, "DeletionPolicy": true, "UpdateReplacePolicy": true, "CreationPolicy": true, "UpdatePolicy": true}

var deletionPolicies = []string{"Delete", "Retain", "RetainExceptOnCreate", "Snapshot"}

func (c *checker) resourcesSection(rs *Node, globals map[string]*Node) {
	if rs == nil || rs.Kind != Map || len(rs.Fields) == 0 {
		c.errorf(rs, "Resources", "a template needs a Resources section with at least one resource")
		return
	}
	c.apiGlobals = globals["AWS::Serverless::HttpApi"]
	for _, f := range rs.Fields {
		path := "Resources." + f.Key
		at := &Node{Line: f.Line, Col: f.Col}
		if !logicalID.MatchString(f.Key) {
			c.errorf(at, path, "a logical id is letters and digits only")
		}
		r := f.Value
		if !c.entry(path, r, "resource", "a map with a Type", resourceKeys) {
			continue
		}
		c.resourceAttributes(path, f.Key, r)
		typ := r.Get("Type")
		if typ == nil {
			c.errorf(at, path, "a resource needs a Type")
			continue
		}
		if typ.Kind != Scalar {
			c.errorf(typ, path+".Type", "Type is a plain string; no intrinsic function can stand there")
			continue
		}
		props := r.Get("Properties")
		if g := globals[typ.Value]; g != nil && c.sam {
			if props == nil {
				props = &Node{Kind: Map, Line: typ.Line, Col: typ.Col}
			}
			props = c.mergeGlobals(g, props)
		}
		c.resourceProperties(path, f.Key, typ, props)
	}
}

func (c *checker) resourceAttributes(path, id string, r *Node) {
	if cond := r.Get("Condition"); cond != nil {
		if cond.Kind != Scalar {
			c.errorf(cond, path+".Condition", "Condition names a condition; no intrinsic function can stand there")
		} else if _, ok := c.conditions[cond.Value]; !ok {
			c.errorf(cond, path+".Condition", "condition %q is not declared in Conditions", cond.Value)
		}
	}
	if dep := r.Get("DependsOn"); dep != nil {
		items := []*Node{dep}
		if dep.Kind == Seq {
			items = dep.Items
		}
		for _, it := range items {
			if it.Kind != Scalar {
				c.errorf(it, path+".DependsOn", "DependsOn names resources; no intrinsic function can stand there")
			} else if _, ok := c.resources[it.Value]; !ok || it.Value == id {
				c.errorf(it, path+".DependsOn", "DependsOn %q names no other resource%s", it.Value, suggest(it.Value, c.resourceNames()))
			}
		}
	}
	for _, key := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
		p := r.Get(key)
		if p == nil {
			continue
		}
		if p.Kind == Fn {
			c.value(path+"."+key, p, &Type{Kind: KString, Enum: deletionPolicies}, ctxValue)
		} else if !contains(deletionPolicies, p.Str()) {
			c.errorf(p, path+"."+key, "%s is one of %s", key, strings.Join(deletionPolicies, ", "))
		}
	}
	if m := r.Get("Metadata"); m != nil {
		c.value(path+".Metadata", m, &Type{Kind: KJSON}, ctxValue)
	}
	for _, key := range []string{"CreationPolicy", "UpdatePolicy"} {
		if p := r.Get(key); p != nil {
			c.value(path+"."+key, p, &Type{Kind: KJSON}, ctxValue)
		}
	}
}

func (c *checker) resourceProperties(path, id string, typ, props *Node) {
	name := typ.Value
	ppath := path + ".Properties"
	custom := strings.HasPrefix(name, "Custom::") || name == "AWS::CloudFormation::CustomResource"
	if c.spec == nil || custom {
		if props != nil {
			c.value(ppath, props, &Type{Kind: KJSON}, ctxValue)
		}
		if custom && c.spec != nil && props.Get("ServiceToken") == nil {
			c.errorf(typ, path, "a custom resource needs the property ServiceToken")
		}
		return
	}
	rt := c.spec.Resources[name]
	if rt == nil {
		if strings.HasPrefix(name, "AWS::Serverless::") && !c.sam {
			c.errorf(typ, path+".Type", "%s needs Transform: AWS::Serverless-2016-10-31", name)
		} else {
			c.errorf(typ, path+".Type", "unknown resource type %s%s", name, suggest(name, c.specTypes()))
		}
		if props != nil {
			c.value(ppath, props, &Type{Kind: KJSON}, ctxValue)
		}
		return
	}
	if props == nil {
		props = &Node{Kind: Map, Line: typ.Line, Col: typ.Col}
	}
	c.object(ppath, name, props, rt.Props)
	if strings.HasPrefix(name, "AWS::Serverless::") {
		c.samResource(ppath, id, name, props)
	}
}

// object checks a map against a set of properties: every key known, every
// required one present, every value of its type. owner names the type in
// messages.
func (c *checker) object(path, owner string, n *Node, props map[string]*Property) {
	switch n.Kind {
	case Fn:
		if n.Name == "Fn::If" {
			c.ifBranches(path, n, func(p string, b *Node) { c.object(p, owner, b, props) })
			return
		}
		if n.Name == "Fn::Transform" {
			c.value(path, n, &Type{Kind: KJSON}, ctxValue)
			return
		}
		c.errorf(n, path, "%s gives a value, not %s's properties", n.Name, owner)
		return
	case Map:
	default:
		c.errorf(n, path, "%s wants a map of properties", owner)
		return
	}
	for _, f := range n.Fields {
		p := props[f.Key]
		if p == nil {
			// A global that SAM does not take is reported by the Globals check.
			if _, global := c.origin[f.Value]; !global {
				c.errorf(&Node{Line: f.Line, Col: f.Col}, path+"."+f.Key, "%s has no property %s%s", owner, f.Key, suggest(f.Key, propNames(props)))
			}
			continue
		}
		c.property(path+"."+f.Key, f.Value, p)
	}
	for _, name := range propNames(props) {
		if props[name].Required && n.Get(name) == nil && !n.Broken {
			c.errorf(n, path, "%s needs the property %s", owner, name)
		}
	}
}

// property checks a value against a property's type, or else one of its
// earlier types.
func (c *checker) property(path string, v *Node, p *Property) {
	if len(p.Previous) == 0 || c.fits(v, p.Type) {
		c.value(path, v, p.Type, ctxValue)
		return
	}
	for _, t := range p.Previous {
		if c.fits(v, t) {
			c.value(path, v, t, ctxValue)
			return
		}
	}
	c.value(path, v, p.Type, ctxValue)
}

type context uint8

const (
	ctxValue     context = iota
	ctxCondition         // inside a condition: Ref only to parameters
	ctxOutput
)

// fits tells, without reporting, whether a value passes a type's check.
func (c *checker) fits(v *Node, t *Type) bool {
	saved, savedSeen := c.problems, c.seen
	c.problems, c.seen = nil, map[string]bool{}
	c.value("", v, t, ctxValue)
	ok := len(c.problems) == 0
	c.problems, c.seen = saved, savedSeen
	return ok
}

// value checks a value against a type.
func (c *checker) value(path string, v *Node, t *Type, ctx context) {
	if v.Kind == Fn {
		c.functionValue(path, v, t, ctx)
		return
	}
	if t.Kind == KUnion {
		for _, u := range t.Union {
			if c.fits(v, u) {
				c.value(path, v, u, ctx)
				return
			}
		}
		c.errorf(v, path, "wants %s, got %s", t.Describe(), describe(v))
		return
	}
	if v.Kind == Null {
		c.errorf(v, path, "has no value (CloudFormation refuses null; leave the property out)")
		return
	}
	switch t.Kind {
	case KJSON:
		for i, it := range v.Items {
			c.value(fmt.Sprintf("%s[%d]", path, i), it, t, ctx)
		}
		for _, f := range v.Fields {
			c.value(path+"."+f.Key, f.Value, t, ctx)
		}
	case KString, KDateTime, KInteger, KNumber, KBoolean:
		if v.Kind != Scalar {
			c.errorf(v, path, "wants %s, got %s", t.Describe(), describe(v))
			return
		}
		c.scalar(path, v, t)
	case KList:
		if v.Kind != Seq {
			c.errorf(v, path, "wants %s, got %s", t.Describe(), describe(v))
			return
		}
		for i, it := range v.Items {
			c.value(fmt.Sprintf("%s[%d]", path, i), it, t.Elem, ctx)
		}
	case KMap:
		if v.Kind != Map {
			c.errorf(v, path, "wants %s, got %s", t.Describe(), describe(v))
			return
		}
		for _, f := range v.Fields {
			c.value(path+"."+f.Key, f.Value, t.Elem, ctx)
		}
	case KTag:
		c.object(path, "Tag", v, tagProps)
	case KObject:
		c.object(path, t.Object.Name, v, t.Object.Props)
	}
}

var tagProps = map[string]*Property{"Key": {Type: &Type{Kind: KString}, Required: true},
	"Value": {Type: &Type{Kind: KString}, Required: true}}

func (c *checker) scalar(path string, v *Node, t *Type) {
	s := v.Value
	switch t.Kind {
	case KInteger:
		if _, err := strconv.ParseInt(s, 10, 64); err != nil || v.Tag == "!!bool" {
			c.errorf(v, path, "wants an integer, got %q", s)
			return
		}
	case KNumber:
		if _, err := strconv.ParseFloat(s, 64); err != nil || v.Tag == "!!bool" {
			c.errorf(v, path, "wants a number, got %q", s)
			return
		}
	case KBoolean:
		if s != "true" && s != "false" && s != "True" && s != "False" {
			c.errorf(v, path, "wants a boolean (true or false), got %q", s)
			return
		}
	}
	if len(t.Enum) > 0 && !contains(t.Enum, s) {
		c.errorf(v, path, "%q is not one of %s", s, strings.Join(t.Enum, ", "))
	}
}

// functionValue checks an intrinsic function standing where a value of type
// t is wanted.
func (c *checker) functionValue(path string, v *Node, t *Type, ctx context) {
	if v.Name == "Fn::If" {
		if ctx == ctxCondition {
			c.errorf(v, path, "Fn::If cannot stand in a condition")
			return
		}
		c.ifBranches(path, v, func(p string, b *Node) { c.value(p, b, t, ctx) })
		return
	}
	if v.Name == "Ref" && v.Arg.Str() == "AWS::NoValue" {
		if ctx == ctxCondition {
			c.errorf(v, path, "AWS::NoValue cannot stand in a condition")
		}
		return
	}
	got := c.function(path, v, ctx)
	kind := t.Kind
	if kind == KUnion {
		kind = KJSON
		for _, u := range t.Union {
			if u.Kind != KObject {
				kind = u.Kind
			}
		}
	}
	switch {
	case kind == KJSON || got == anyValue:
	case kind == KList && got == oneValue:
		c.errorf(v, path, "wants %s; %s gives one value", t.Describe(), v.Name)
	case kind != KList && got == listValue:
		c.errorf(v, path, "wants %s; %s gives a list", t.Describe(), v.Name)
	case kind == KObject || kind == KMap || kind == KTag:
		c.errorf(v, path, "wants %s; %s gives a plain value", t.Describe(), v.Name)
	}
}

// ifBranches checks Fn::If's condition and hands each branch to check.
func (c *checker) ifBranches(path string, v *Node, check func(string, *Node)) {
	a := v.Arg
	if a.Kind != Seq || len(a.Items) != 3 || a.Items[0].Kind != Scalar {
		c.errorf(v, path, "Fn::If takes a list of a condition name and two values")
		return
	}
	if _, ok := c.conditions[a.Items[0].Value]; !ok {
		c.errorf(a.Items[0], path, "condition %q is not declared in Conditions%s", a.Items[0].Value, suggest(a.Items[0].Value, c.conditionNames()))
	}
	for i, b := range a.Items[1:] {
		if b.Kind == Fn && b.Name == "Ref" && b.Arg.Str() == "AWS::NoValue" {
			continue
		}
		check(fmt.Sprintf("%s.Fn::If[%d]", path, i+1), b)
	}
}

// function checks an intrinsic function's arguments and references and
// says what it gives.
func (c *checker) function(path string, v *Node, ctx context) shape {
	a := v.Arg
	anyT := &Type{Kind: KJSON}
	str := &Type{Kind: KString}
	list := func(n int) bool { return a.Kind == Seq && len(a.Items) == n }
	switch v.Name {
	case "Ref":
		if a.Kind != Scalar {
			c.errorf(v, path, "Ref takes the name of a parameter, resource or pseudo parameter")
			return anyValue
		}
		return c.ref(path, v, "Ref "+a.Value, a.Value, ctx)
	case "Fn::GetAtt":
		if ctx == ctxCondition {
			c.errorf(v, path, "Fn::GetAtt cannot stand in a condition")
			return anyValue
		}
		var res, attr string
		switch {
		case a.Kind == Scalar:
			res, attr, _ = strings.Cut(a.Value, ".")
		case a.Kind == Seq && len(a.Items) == 2 && a.Items[0].Kind == Scalar:
			res = a.Items[0].Value
			if a.Items[1].Kind != Scalar {
				c.value(path+".Fn::GetAtt[1]", a.Items[1], str, ctx)
				return anyValue
			}
			attr = a.Items[1].Value
		default:
			c.errorf(v, path, "Fn::GetAtt takes [resource, attribute] or \"resource.attribute\"")
			return anyValue
		}
		return c.getAtt(path, v, res, attr)
	case "Fn::Sub":
		tmpl, vars := a, (*Node)(nil)
		if a.Kind == Seq {
			if len(a.Items) != 2 || a.Items[1].Kind != Map {
				c.errorf(v, path, "Fn::Sub takes a string, or a list of a string and a map of variables")
				return oneValue
			}
			tmpl, vars = a.Items[0], a.Items[1]
			for _, f := range vars.Fields {
				c.value(path+".Fn::Sub."+f.Key, f.Value, str, ctx)
			}
		}
		if tmpl.Kind != Scalar {
			c.errorf(tmpl, path, "Fn::Sub's template is a plain string")
			return oneValue
		}
		for _, m := range subVariable.FindAllStringSubmatch(tmpl.Value, -1) {
			name := m[1]
			if strings.HasPrefix(name, "!") || vars.Get(name) != nil {
				continue
			}
			if res, attr, ok := strings.Cut(name, "."); ok && !strings.HasPrefix(name, "AWS::") {
				if ctx == ctxCondition {
					c.errorf(v, path, "${%s} (an attribute) cannot stand in a condition", name)
					continue
				}
				c.getAtt(path, tmpl, res, attr)
				continue
			}
			if c.ref(path, tmpl, "${"+name+"}", name, ctx) == listValue {
				c.errorf(tmpl, path, "${%s} is a list; Fn::Sub takes single values", name)
			}
		}
		return oneValue
	case "Fn::Join":
		if !list(2) || a.Items[0].Kind != Scalar {
			c.errorf(v, path, "Fn::Join takes a list of a delimiter and a list of values")
			return oneValue
		}
		c.value(path+".Fn::Join[1]", a.Items[1], &Type{Kind: KList, Elem: str}, ctx)
		return oneValue
	case "Fn::Select":
		if !list(2) {
			c.errorf(v, path, "Fn::Select takes a list of an index and a list")
			return anyValue
		}
		c.value(path+".Fn::Select[0]", a.Items[0], &Type{Kind: KInteger}, ctx)
		c.value(path+".Fn::Select[1]", a.Items[1], &Type{Kind: KList, Elem: anyT}, ctx)
		return anyValue
	case "Fn::Split":
		if !list(2) || a.Items[0].Kind != Scalar {
			c.errorf(v, path, "Fn::Split takes a list of a delimiter and a string")
			return listValue
		}
		c.value(path+".Fn::Split[1]", a.Items[1], str, ctx)
		return listValue
	case "Fn::FindInMap":
		if a.Kind != Seq || len(a.Items) < 3 || len(a.Items) > 4 {
			c.errorf(v, path, "Fn::FindInMap takes a list of a mapping, a top-level key and a second-level key")
			return anyValue
		}
		for i, it := range a.Items[:3] {
			c.value(fmt.Sprintf("%s.Fn::FindInMap[%d]", path, i), it, str, ctx)
		}
		if name := a.Items[0]; name.Kind == Scalar {
			if m := c.mappings.Get(name.Value); m == nil {
				c.errorf(name, path, "mapping %q is not declared in Mappings", name.Value)
			} else if top := a.Items[1]; top.Kind == Scalar && m.Get(top.Value) == nil && len(a.Items) == 3 {
				c.errorf(top, path, "mapping %s has no key %q", name.Value, top.Value)
			}
		}
		return anyValue
	case "Fn::Base64", "Fn::ImportValue":
		c.value(path+"."+v.Name, a, str, ctx)
		return oneValue
	case "Fn::GetAZs":
		c.value(path+".Fn::GetAZs", a, str, ctx)
		return listValue
	case "Fn::Cidr":
		if a.Kind != Seq || len(a.Items) != 3 {
			c.errorf(v, path, "Fn::Cidr takes a list of an address block, a count and a size in bits")
			return listValue
		}
		for i, it := range a.Items {
			c.value(fmt.Sprintf("%s.Fn::Cidr[%d]", path, i), it, str, ctx)
		}
		return listValue
	case "Fn::Transform":
		c.value(path+".Fn::Transform", a, anyT, ctx)
		return anyValue
	case "Fn::ToJsonString", "Fn::Length":
		if !c.extensions {
			c.errorf(v, path, "%s needs Transform: AWS::LanguageExtensions", v.Name)
		}
		c.value(path+"."+v.Name, a, anyT, ctx)
		return oneValue
	case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition":
		c.errorf(v, path, "%s can only stand in Conditions (and in Fn::If, name the condition)", v.Name)
		return anyValue
	}
	c.errorf(v, path, "unknown intrinsic function %s", v.Name)
	return anyValue
}

// ref resolves a name as Ref does; what names the reference in messages.
func (c *checker) ref(path string, at *Node, what, name string, ctx context) shape {
	if p, ok := c.params[name]; ok {
		if p.list {
			return listValue
		}
		return oneValue
	}
	if list, ok := pseudo[name]; ok {
		if list {
			return listValue
		}
		return oneValue
	}
	if _, ok := c.resources[name]; ok {
		if ctx == ctxCondition {
			c.errorf(at, path, "a condition can refer to parameters only, not to resource %s", name)
		}
		return oneValue
	}
	c.errorf(at, path, "%s names no parameter, resource or pseudo parameter%s", what, suggest(name, c.refNames()))
	return anyValue
}

func (c *checker) getAtt(path string, at *Node, res, attr string) shape {
	r, ok := c.resources[res]
	if !ok {
		c.errorf(at, path, "Fn::GetAtt %s.%s names no resource%s", res, attr, suggest(res, c.resourceNames()))
		return anyValue
	}
	if c.spec == nil || strings.HasPrefix(r.typ, "Custom::") || r.typ == "AWS::CloudFormation::CustomResource" {
		return anyValue
	}
	typ := r.typ
	if g, ok := samGenerated[typ]; ok {
		typ = g
	}
	rt := c.spec.Resources[typ]
	if rt == nil {
		return anyValue // the resource's own check names the unknown type
	}
	if t, ok := rt.Attrs[attr]; ok {
		if t.Kind == KList {
			return listValue
		}
		return oneValue
	}
	// Attributes of nested stacks and of some types are open-ended.
	if typ == "AWS::CloudFormation::Stack" && strings.HasPrefix(attr, "Outputs.") {
		return anyValue
	}
	c.errorf(at, path, "Fn::GetAtt %s.%s: %s has no attribute %s%s", res, attr, r.typ, attr, suggest(attr, attrNames(rt)))
	return anyValue
}

var outputKeys = map[string]bool{"Description": true, "Value": true, "Export": true, "Condition": true}

func (c *checker) outputs(os *Node) {
	if !c.section(os, "Outputs", "a map of outputs") {
		return
	}
	for _, f := range os.Fields {
		path := "Outputs." + f.Key
		o := f.Value
		if !c.entry(path, o, "output", "a map with a Value", outputKeys) {
			continue
		}
		if v := o.Get("Value"); v == nil {
			c.errorf(o, path, "an output needs a Value")
		} else {
			c.value(path+".Value", v, &Type{Kind: KJSON}, ctxOutput)
		}
		if cond := o.Get("Condition"); cond != nil {
			if _, ok := c.conditions[cond.Str()]; !ok {
				c.errorf(cond, path+".Condition", "condition %q is not declared in Conditions", cond.Str())
			}
		}
		if e := o.Get("Export"); e != nil {
			c.object(path+".Export", "Export", e, map[string]*Property{"Name": {Type: &Type{Kind: KString}, Required: true}})
		}
	}
}

func describe(v *Node) string {
	switch v.Kind {
	case Seq:
		return "a list"
	case Map:
		return "a map"
	case Null:
		return "nothing"
	case Fn:
		return v.Name
	}
	switch v.Tag {
	case "!!int", "!!float":
		return "the number " + v.Value
	case "!!bool":
		return "the boolean " + v.Value
	}
	return strconv.Quote(v.Value)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func propNames(m map[string]*Property) []string { return keys(m) }

func attrNames(r *Resource) []string { return keys(r.Attrs) }

func (c *checker) resourceNames() []string { return keys(c.resources) }

func (c *checker) conditionNames() []string { return keys(c.conditions) }

func (c *checker) specTypes() []string {
	if c.spec == nil {
		return nil
	}
	return keys(c.spec.Resources)
}

func (c *checker) refNames() []string {
	out := append(keys(c.params), keys(c.resources)...)
	return append(out, keys(pseudo)...)
}

// suggest offers the nearest known name: a case-insensitive match or one a
// couple of edits away.
func suggest(name string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if strings.EqualFold(k, name) {
			return " (did you mean " + k + "?)"
		}
		d := distance(strings.ToLower(name), strings.ToLower(k))
		if len(name) >= 4 && strings.HasPrefix(strings.ToLower(k), strings.ToLower(name)) {
			d = 2 // a prefix: Timeout for TimeoutInMillis
		}
		if d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return " (did you mean " + best + "?)"
}

// distance is the Levenshtein distance of two strings.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
