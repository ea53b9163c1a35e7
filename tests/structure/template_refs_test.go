package structure

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kabinet/kabinet/infra/cfncheck/cfn"
)

// TestTemplateReferencesResolve runs the template checker (infra/cfncheck)
// on template.yaml: every !Ref, !GetAtt, !Sub and !If names something
// declared, and intrinsic functions stand only where CloudFormation takes
// them. With the CloudFormation specification installed (make deps) it also
// checks types, properties and attributes; without it, the references alone.
func TestTemplateReferencesResolve(t *testing.T) {
	dir := root(t)
	data, err := os.ReadFile(filepath.Join(dir, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var spec *cfn.Spec
	if _, err := os.Stat(cfn.DefaultSpecPath(dir)); err == nil {
		if spec, err = cfn.LoadSpec(cfn.DefaultSpecPath(dir)); err != nil {
			t.Fatal(err)
		}
	} else {
		t.Logf("no CloudFormation specification (%v): checking references only", err)
	}
	tpl, problems := cfn.Parse("template.yaml", data)
	if tpl != nil {
		problems = append(problems, cfn.Check(tpl, spec)...)
	}
	for _, p := range problems {
		t.Error(p)
	}
}
