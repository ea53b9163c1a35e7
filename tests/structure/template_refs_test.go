package structure

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

var pseudo = map[string]bool{"AWS::Region": true, "AWS::AccountId": true, "AWS::StackName": true,
	"AWS::NoValue": true, "AWS::Partition": true, "AWS::URLSuffix": true, "AWS::StackId": true}

var subVar = regexp.MustCompile(`\$\{([^!}][^}]*)\}`)

// TestTemplateReferencesResolve catches a !Ref, !GetAtt, !Sub or !If that
// names something the template does not declare — what cfn-lint would, as
// no CloudFormation linter installs from the registries we may use.
func TestTemplateReferencesResolve(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	top := doc.Content[0]
	names := func(section string) map[string]bool {
		out := map[string]bool{}
		for i := 0; i+1 < len(top.Content); i += 2 {
			if top.Content[i].Value == section {
				m := top.Content[i+1]
				for j := 0; j+1 < len(m.Content); j += 2 {
					out[m.Content[j].Value] = true
				}
			}
		}
		return out
	}
	params, resources, conditions := names("Parameters"), names("Resources"), names("Conditions")
	if len(resources) == 0 {
		t.Fatal("no resources found")
	}
	refOK := func(name string) bool { return params[name] || resources[name] || pseudo[name] }
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		switch n.Tag {
		case "!Ref":
			if !refOK(n.Value) {
				t.Errorf("line %d: !Ref %s names nothing declared", n.Line, n.Value)
			}
		case "!GetAtt":
			if res, _, _ := strings.Cut(n.Value, "."); !resources[res] {
				t.Errorf("line %d: !GetAtt %s names no resource", n.Line, n.Value)
			}
		case "!Sub":
			for _, m := range subVar.FindAllStringSubmatch(n.Value, -1) {
				name, _, _ := strings.Cut(m[1], ".")
				if !refOK(name) {
					t.Errorf("line %d: !Sub ${%s} names nothing declared", n.Line, m[1])
				}
			}
		case "!If":
			if len(n.Content) != 3 || !conditions[n.Content[0].Value] {
				t.Errorf("line %d: !If needs a declared condition and two values", n.Line)
			}
		case "!Condition":
			if !conditions[n.Value] {
				t.Errorf("line %d: !Condition %s is not declared", n.Line, n.Value)
			}
		}
		for i, c := range n.Content {
			// Condition: keys on resources name a condition.
			if n.Kind == yaml.MappingNode && i%2 == 1 && n.Content[i-1].Value == "Condition" && c.Kind == yaml.ScalarNode && c.Tag == "!!str" {
				if !conditions[c.Value] {
					t.Errorf("line %d: Condition %s is not declared", c.Line, c.Value)
				}
			}
			walk(c)
		}
	}
	walk(top)
}
