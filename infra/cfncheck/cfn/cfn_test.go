package cfn

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kabinet/kabinet/infra/local/template"
)

var (
	specOnce sync.Once
	spec     *Spec
	specErr  error
)

// loadSpec reads the specification make deps installs; tests that need it
// skip when it is absent (plain go test on a fresh clone).
func loadSpec(t *testing.T) (*Spec, string) {
	t.Helper()
	root, err := template.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	path := DefaultSpecPath(root)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("the CloudFormation specification is not installed (%s); make deps (and make test) install it", path)
	}
	specOnce.Do(func() { spec, specErr = LoadSpec(path) })
	if specErr != nil {
		t.Fatal(specErr)
	}
	return spec, root
}

func checkFile(t *testing.T, s *Spec, path string) []Problem {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tpl, problems := Parse(filepath.Base(path), data)
	if tpl != nil {
		problems = append(problems, Check(tpl, s)...)
	}
	return problems
}

// TestEachMistakeIsNamed: every testdata template has one mistake, and the
// checker reports exactly it, at its line, naming the resource and path.
func TestEachMistakeIsNamed(t *testing.T) {
	s, _ := loadSpec(t)
	tests := []struct {
		file string
		want string
	}{
		{"misspelt-property.yaml", "misspelt-property.yaml:7:7: Resources.Api.Properties.StageNam: AWS::Serverless::HttpApi has no property StageNam (did you mean StageName?)"},
		{"missing-required.yaml", "missing-required.yaml:8:7: Resources.KeyAlias.Properties: AWS::KMS::Alias needs the property TargetKeyId"},
		{"wrong-type.yaml", `wrong-type.yaml:6:31: Resources.Queue.Properties.MessageRetentionPeriod: wants an integer, got "two weeks"`},
		{"wrong-nested-type.yaml", "wrong-nested-type.yaml:11:41: Resources.Table.Properties.PointInTimeRecoverySpecification: PointInTimeRecoverySpecification wants a map of properties"},
		{"unknown-type.yaml", "unknown-type.yaml:4:11: Resources.Queue.Type: unknown resource type AWS::SQS::Queu (did you mean AWS::SQS::Queue?)"},
		{"unresolvable-ref.yaml", "unresolvable-ref.yaml:6:20: Resources.Topic.Properties.DisplayName: Ref TopicNam names no parameter, resource or pseudo parameter"},
		{"unknown-getatt.yaml", "unknown-getatt.yaml:12:18: Resources.Alarm.Properties.Dimensions[0].Value: Fn::GetAtt Queue.Name: AWS::SQS::Queue has no attribute Name"},
		{"unresolvable-sub.yaml", "unresolvable-sub.yaml:7:12: Outputs.Objects.Value: ${Prefix} names no parameter, resource or pseudo parameter"},
		{"function-as-key.yaml", "function-as-key.yaml:10:11: Resources.Topic.Properties.Tags[0]: a key must be a plain string; an intrinsic function (!Ref Name) cannot stand as a key"},
		{"condition-function-in-properties.yaml", "condition-function-in-properties.yaml:14:34: Resources.Table.Properties.DeletionProtectionEnabled: Fn::Equals can only stand in Conditions"},
		{"undeclared-condition.yaml", `undeclared-condition.yaml:11:29: Resources.Logs.Properties.RetentionInDays: condition "IsProduction" is not declared in Conditions`},
		{"type-is-function.yaml", "type-is-function.yaml:7:11: Resources.Thing.Type: Type is a plain string; no intrinsic function can stand there"},
		{"globals-unsupported.yaml", "globals-unsupported.yaml:7:5: Globals.Function.Events: SAM does not take Events in Globals.Function"},
		{"globals-no-properties.yaml", "globals-no-properties.yaml:9:11: Resources.Fn.Properties: a Zip function needs CodeUri or InlineCode"},
		{"globals-missing-runtime.yaml", "globals-missing-runtime.yaml:10:7: Resources.Fn.Properties: a Zip function needs Runtime (here or in Globals.Function)"},
		// One mistake in Globals, applied to two functions, is reported once, where it is written.
		{"globals-wrong-type.yaml", `globals-wrong-type.yaml:7:20: Globals.Function.Architectures: wants a list of string, got "arm64"`},
		{"event-type.yaml", "event-type.yaml:14:17: Resources.Fn.Properties.Events.EveryMinute.Type: SAM has no event source type ScheduleV3 (did you mean ScheduleV2?)"},
		{"event-property.yaml", "event-property.yaml:21:13: Resources.Fn.Properties.Events.Health.Properties.Timeout: HttpApi event has no property Timeout (did you mean TimeoutInMillis?)"},
		{"event-authorizer.yaml", `event-authorizer.yaml:31:27: Resources.Fn.Properties.Events.Me.Properties.Auth.Authorizer: authorizer "Cognito" is not declared in Api's Auth.Authorizers`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			problems := checkFile(t, s, filepath.Join("testdata", tt.file))
			if len(problems) != 1 || !strings.HasPrefix(problems[0].String(), tt.want) {
				t.Errorf("got %d problems:\n%s\nwant one:\n%s", len(problems), lines(problems), tt.want)
			}
		})
	}
}

func lines(problems []Problem) string {
	var b strings.Builder
	for _, p := range problems {
		b.WriteString("  " + p.String() + "\n")
	}
	return b.String()
}

// TestValidTemplatesPass: a template using the forms the checks must accept
// (Globals, short forms, Fn::If with AWS::NoValue, FindInMap, ScheduleV2,
// SAM's implicit role) and template.yaml itself pass.
func TestValidTemplatesPass(t *testing.T) {
	s, root := loadSpec(t)
	for _, path := range []string{filepath.Join("testdata", "valid.yaml"), filepath.Join(root, "template.yaml")} {
		if problems := checkFile(t, s, path); len(problems) > 0 {
			t.Errorf("%s: want no problems, got:\n%s", path, lines(problems))
		}
	}
}

// TestReferencesWithoutSpec: with no specification, references and the
// places of intrinsic functions are still checked (tests/structure relies
// on it when infra/node_modules is absent).
func TestReferencesWithoutSpec(t *testing.T) {
	for file, want := range map[string]string{
		"unresolvable-ref.yaml":                 "Ref TopicNam names no parameter",
		"unresolvable-sub.yaml":                 "${Prefix} names no parameter",
		"undeclared-condition.yaml":             `condition "IsProduction" is not declared`,
		"condition-function-in-properties.yaml": "Fn::Equals can only stand in Conditions",
		"valid.yaml":                            "",
	} {
		problems := checkFile(t, nil, filepath.Join("testdata", file))
		got := lines(problems)
		if want == "" && len(problems) > 0 || want != "" && (len(problems) != 1 || !strings.Contains(got, want)) {
			t.Errorf("%s without a spec: got\n%swant %q", file, got, want)
		}
	}
}

// TestConditions: a condition that refers to a resource or to itself is an
// error.
func TestConditions(t *testing.T) {
	src := `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage: { Type: String }
Conditions:
  A: !Condition B
  B: !Or [!Condition A, !Equals [!Ref Stage, prod]]
  C: !Equals [!Ref Topic, x]
Resources:
  Topic: { Type: AWS::SNS::Topic }
`
	tpl, problems := Parse("conditions.yaml", []byte(src))
	problems = append(problems, Check(tpl, nil)...)
	got := lines(problems)
	for _, want := range []string{"condition A refers to itself (A → B → A)", "a condition can refer to parameters only, not to resource Topic"} {
		if !strings.Contains(got, want) {
			t.Errorf("want %q in:\n%s", want, got)
		}
	}
}
