package cfn

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// NodeKind is the kind of a template value.
type NodeKind uint8

// The kinds of template value.
const (
	Scalar NodeKind = iota
	Null
	Seq
	Map
	Fn // an intrinsic function, short (!Ref) or long (Ref:, Fn::GetAtt:) form
)

// Node is a template value with its place in the file. Intrinsic functions
// in either form become Fn nodes, so checks see one shape.
type Node struct {
	Kind NodeKind
	// Value is a scalar's text; Tag is YAML's resolved tag (!!str, !!int,
	// !!float, !!bool).
	Value, Tag string
	Items      []*Node // Seq
	Fields     []Field // Map, in file order
	// Name and Arg are a function's name ("Ref", "Fn::GetAtt", ...) and
	// argument.
	Name      string
	Arg       *Node
	Line, Col int
	// Broken marks a map that lost a key to a problem already reported, so
	// that its missing keys are not reported again.
	Broken bool
}

// Field is one key of a map.
type Field struct {
	Key       string
	Line, Col int
	Value     *Node
}

// Get is the value of a map's key, or nil.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != Map {
		return nil
	}
	for _, f := range n.Fields {
		if f.Key == key {
			return f.Value
		}
	}
	return nil
}

// Str is a scalar's text, "" for anything else.
func (n *Node) Str() string {
	if n == nil || n.Kind != Scalar {
		return ""
	}
	return n.Value
}

// shortForms are the YAML tags CloudFormation reads as intrinsic functions.
var shortForms = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition", "!GetAtt": "Fn::GetAtt", "!Sub": "Fn::Sub", "!If": "Fn::If",
	"!Equals": "Fn::Equals", "!Not": "Fn::Not", "!And": "Fn::And", "!Or": "Fn::Or", "!Join": "Fn::Join",
	"!Select": "Fn::Select", "!Split": "Fn::Split", "!FindInMap": "Fn::FindInMap", "!Base64": "Fn::Base64",
	"!Cidr": "Fn::Cidr", "!GetAZs": "Fn::GetAZs", "!ImportValue": "Fn::ImportValue", "!Transform": "Fn::Transform",
	"!ToJsonString": "Fn::ToJsonString", "!Length": "Fn::Length",
}

// Template is a parsed template.
type Template struct {
	File string
	Root *Node
}

// Parse reads a template in YAML (JSON is YAML too). Problems of form, such
// as an intrinsic function as a key or an unknown tag, come back with it.
func Parse(file string, data []byte) (*Template, []Problem) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, []Problem{{File: file, Message: "not YAML: " + err.Error()}}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, []Problem{{File: file, Message: "empty template"}}
	}
	p := &parser{file: file}
	root := p.node(doc.Content[0], "", 0)
	if root.Kind != Map {
		p.errorf(root, "", "a template is a map of sections")
	}
	return &Template{File: file, Root: root}, p.problems
}

type parser struct {
	file     string
	problems []Problem
}

func (p *parser) errorf(n *Node, path, format string, args ...any) {
	p.problems = append(p.problems, Problem{File: p.file, Line: n.Line, Col: n.Col, Path: path, Message: fmt.Sprintf(format, args...)})
}

func (p *parser) node(y *yaml.Node, path string, depth int) *Node {
	n := &Node{Line: y.Line, Col: y.Column}
	if depth > 100 {
		p.errorf(n, path, "nested too deep")
		return &Node{Kind: Null, Line: y.Line, Col: y.Column}
	}
	if y.Kind == yaml.AliasNode {
		return p.node(y.Alias, path, depth+1)
	}
	if fn, ok := shortForms[y.Tag]; ok {
		inner := *y
		inner.Tag = map[yaml.Kind]string{yaml.ScalarNode: "!!str", yaml.SequenceNode: "!!seq", yaml.MappingNode: "!!map"}[y.Kind]
		n.Kind, n.Name, n.Arg = Fn, fn, p.node(&inner, path, depth+1)
		return n
	}
	if strings.HasPrefix(y.Tag, "!") && !strings.HasPrefix(y.Tag, "!!") {
		p.errorf(n, path, "unknown YAML tag %s (CloudFormation's short forms are !Ref, !GetAtt, !Sub, !If, ...)", y.Tag)
	}
	switch y.Kind {
	case yaml.ScalarNode:
		n.Kind, n.Value, n.Tag = Scalar, y.Value, y.ShortTag()
		if n.Tag == "!!null" {
			n.Kind = Null
		}
	case yaml.SequenceNode:
		n.Kind = Seq
		for i, c := range y.Content {
			n.Items = append(n.Items, p.node(c, fmt.Sprintf("%s[%d]", path, i), depth+1))
		}
	case yaml.MappingNode:
		n.Kind = Map
		seen := map[string]bool{}
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, v := y.Content[i], y.Content[i+1]
			kn := &Node{Line: k.Line, Col: k.Column}
			if _, fn := shortForms[k.Tag]; fn || k.Kind != yaml.ScalarNode {
				p.errorf(kn, path, "a key must be a plain string; an intrinsic function (%s) cannot stand as a key", describeKey(k))
				n.Broken = true
				continue
			}
			if seen[k.Value] {
				p.errorf(kn, join(path, k.Value), "key %s appears twice", k.Value)
			}
			seen[k.Value] = true
			n.Fields = append(n.Fields, Field{Key: k.Value, Line: k.Line, Col: k.Column, Value: p.node(v, join(path, k.Value), depth+1)})
		}
		// The long form: a map whose one key is Ref or Fn::*.
		if len(n.Fields) == 1 && isFunctionKey(n.Fields[0].Key) {
			return &Node{Kind: Fn, Name: n.Fields[0].Key, Arg: n.Fields[0].Value, Line: y.Line, Col: y.Column}
		}
		for _, f := range n.Fields {
			if len(n.Fields) > 1 && isFunctionKey(f.Key) {
				p.errorf(&Node{Line: f.Line, Col: f.Col}, path, "%s must be the only key of its map", f.Key)
			}
		}
	}
	return n
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func isFunctionKey(k string) bool { return k == "Ref" || strings.HasPrefix(k, "Fn::") }

func describeKey(k *yaml.Node) string {
	if k.Tag != "" && strings.HasPrefix(k.Tag, "!") && !strings.HasPrefix(k.Tag, "!!") {
		return k.Tag + " " + k.Value
	}
	return "a " + map[yaml.Kind]string{yaml.SequenceNode: "list", yaml.MappingNode: "map"}[k.Kind]
}
