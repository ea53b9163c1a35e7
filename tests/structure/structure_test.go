// Package structure holds the tests that keep the code, template.yaml and
// events/ in agreement, and that forbid DynamoDB Scan anywhere.
package structure

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/infra/local/template"
	"github.com/kabinet/kabinet/shared/routes"
)

func root(t *testing.T) string {
	t.Helper()
	r, err := template.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func loadTemplate(t *testing.T) *template.Template {
	t.Helper()
	tpl, err := template.Load(filepath.Join(root(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// goFiles lists the project's Go files, skipping vendored, built and test-data trees.
func goFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root(t), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "node_modules", ".build", ".aws-sam", ".git", "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, ".go") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

const dynamodbImport = "github.com/aws/aws-sdk-go-v2/service/dynamodb"

// allowScanMarker exempts a line that deliberately tries Scan to prove the
// local stack refuses it.
const allowScanMarker = "allow-scan:"

// scanUses reports every place in a Go source that can reach DynamoDB Scan.
func scanUses(fset *token.FileSet, f *ast.File, src []byte) []string {
	imported := ""
	for _, imp := range f.Imports {
		if path, _ := strconv.Unquote(imp.Path.Value); path == dynamodbImport {
			imported = "dynamodb"
			if imp.Name != nil {
				imported = imp.Name.Name
			}
		}
	}
	if imported == "" {
		return nil
	}
	lines := strings.Split(string(src), "\n")
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		switch sel.Sel.Name {
		case "Scan", "ScanInput", "ScanOutput", "NewScanPaginator", "ScanPaginator", "ScanAPIClient":
			pos := fset.Position(sel.Pos())
			if pos.Line-1 < len(lines) && strings.Contains(lines[pos.Line-1], allowScanMarker) {
				return true
			}
			out = append(out, pos.String()+": "+sel.Sel.Name)
		}
		return true
	})
	return out
}

func TestNoDynamoDBScan(t *testing.T) {
	fset := token.NewFileSet()
	for _, p := range goFiles(t) {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, p, src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, use := range scanUses(fset, f, src) {
			t.Errorf("DynamoDB Scan is forbidden: %s", use)
		}
	}
}

// The detector must itself be able to fail.
func TestScanDetectorCatchesScan(t *testing.T) {
	cases := map[string]int{
		`package x; import "github.com/aws/aws-sdk-go-v2/service/dynamodb"; func f(c *dynamodb.Client) { c.Scan(nil, &dynamodb.ScanInput{}) }`:   2,
		`package x; import ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"; var _ = ddb.NewScanPaginator`:                                    1,
		`package x; import "github.com/aws/aws-sdk-go-v2/service/dynamodb"; func f(c *dynamodb.Client) { c.Query(nil, &dynamodb.QueryInput{}) }`: 0,
		`package x; import "bufio"; func f(s *bufio.Scanner) { s.Scan() }`:                                                                       0,
	}
	for src, want := range cases {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "x.go", src, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := scanUses(fset, f, []byte(src)); len(got) != want {
			t.Errorf("scanUses(%q) = %v, want %d findings", src, got, want)
		}
	}
}

func TestTemplateRoutesMatchRoutesTable(t *testing.T) {
	tpl := loadTemplate(t)
	machine := machineAuthorizers(tpl)
	inTemplate := map[string]string{}
	for _, fn := range tpl.Functions {
		for _, r := range fn.Routes {
			key := r.Key()
			if _, dup := inTemplate[key]; dup {
				t.Errorf("route %s is declared twice in template.yaml", key)
			}
			_, m := machine[r.Authorizer]
			inTemplate[key] = fn.Name + " public=" + strconv.FormatBool(r.Public) + " machine=" + strconv.FormatBool(m)
		}
	}
	inCode := map[string]string{}
	for _, r := range routes.All {
		inCode[r.Key()] = r.Function + " public=" + strconv.FormatBool(r.Public) + " machine=" + strconv.FormatBool(r.Machine)
	}
	for k, v := range inCode {
		if got, ok := inTemplate[k]; !ok {
			t.Errorf("route %s (%s) is served by code but missing from template.yaml", k, v)
		} else if got != v {
			t.Errorf("route %s: template says %s, code says %s", k, got, v)
		}
	}
	for k, v := range inTemplate {
		if _, ok := inCode[k]; !ok {
			t.Errorf("route %s (%s) is in template.yaml but no function serves it (shared/routes)", k, v)
		}
	}
}

func TestEveryFunctionFolderIsInTemplate(t *testing.T) {
	tpl := loadTemplate(t)
	declared := map[string]bool{}
	for _, fn := range tpl.Functions {
		declared[fn.Name] = true
		if !strings.HasPrefix(fn.CodeURI, "functions/") {
			t.Errorf("%s: CodeUri %q is not under functions/", fn.LogicalID, fn.CodeURI)
		}
	}
	dirs, err := os.ReadDir(filepath.Join(root(t), "functions"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if d.IsDir() && !declared[d.Name()] {
			t.Errorf("functions/%s has no function in template.yaml", d.Name())
		}
	}
}

func TestEveryCodeURIBuildsForLambda(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every function for linux/arm64")
	}
	tpl := loadTemplate(t)
	args := []string{"build", "-tags", "lambda.norpc", "-trimpath", "-o", t.TempDir() + "/"}
	for _, fn := range tpl.Functions {
		args = append(args, "./"+fn.CodeURI)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root(t)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build for Lambda: %v\n%s", err, out)
	}
}

func TestEveryRouteHasASampleEvent(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(root(t), "events", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no events: %v", err)
	}
	covered, wsCovered := map[string]bool{}, map[string]bool{}
	scheduled := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var ev struct {
			Version    string `json:"version"`
			RouteKey   string `json:"routeKey"`
			DetailType string `json:"detail-type"`
			Records    []struct {
				EventSource string `json:"eventSource"`
			} `json:"Records"`
			RequestContext struct {
				EventType    string `json:"eventType"`
				RouteKey     string `json:"routeKey"`
				ConnectionID string `json:"connectionId"`
			} `json:"requestContext"`
		}
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		switch {
		case ev.Version == "2.0" && ev.RouteKey != "":
			covered[ev.RouteKey] = true
		case ev.DetailType == "Scheduled Event":
			scheduled++
		case len(ev.Records) > 0 && ev.Records[0].EventSource == "aws:dynamodb":
		case ev.RequestContext.ConnectionID != "" && ev.RequestContext.EventType != "":
			// A WebSocket API's event ($connect, a message, $disconnect).
			wsCovered[ev.RequestContext.RouteKey] = true
		default:
			t.Errorf("%s is neither a payload-2.0 request, a scheduled event nor a stream batch", f)
		}
	}
	for _, r := range routes.All {
		if !covered[r.Key()] {
			t.Errorf("route %s has no sample event in events/", r.Key())
		}
	}
	tpl := loadTemplate(t)
	apis, err := tpl.WebSocketAPIs()
	if err != nil {
		t.Fatal(err)
	}
	for _, api := range apis {
		for _, k := range api.RouteKeys() {
			if !wsCovered[k] {
				t.Errorf("WebSocket route %s of %s has no sample event in events/", k, api.LogicalID)
			}
		}
	}
	for _, fn := range tpl.Functions {
		if len(fn.Schedules) > 0 && scheduled == 0 {
			t.Errorf("%s has a schedule but events/ has no scheduled event", fn.LogicalID)
		}
	}
}

// configVars reads the Var constants of shared/config: Go name -> variable.
func configVars(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(root(t), "shared", "config", "config.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Var" {
				continue
			}
			for i, name := range vs.Names {
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok {
					vars[name.Name], _ = strconv.Unquote(lit.Value)
				}
			}
		}
	}
	if len(vars) == 0 {
		t.Fatal("found no config.Var constants")
	}
	return vars
}

// helperVars finds the shared functions that read the environment for
// their callers (such as accounts.SettingsFrom): "package.Func" -> the
// variables its body reads. A function folder calling one reads them too.
func helperVars(t *testing.T, vars map[string]string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	dirs, err := filepath.Glob(filepath.Join(root(t), "shared", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		if filepath.Base(dir) == "config" {
			continue // ReadCommon is counted for every function
		}
		for _, f := range folderFiles(t, dir) {
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Recv != nil || !fd.Name.IsExported() || fd.Body == nil {
					continue
				}
				if used := configRefs(fd.Body, vars); len(used) > 0 {
					out[f.Name.Name+"."+fd.Name.Name] = used
				}
			}
		}
	}
	return out
}

// configRefs lists the variables of the config.X selectors under n.
func configRefs(n ast.Node, vars map[string]string) []string {
	seen := map[string]bool{}
	ast.Inspect(n, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "config" {
				if v, ok := vars[sel.Sel.Name]; ok {
					seen[v] = true
				}
			}
		}
		return true
	})
	return sortedKeys(seen)
}

// varsUsed lists the config.Var constants referenced by the Go files of a
// folder, directly or through a shared helper that reads them.
func varsUsed(t *testing.T, dir string, vars map[string]string) []string {
	t.Helper()
	helpers := helperVars(t, vars)
	seen := map[string]bool{}
	for _, f := range folderFiles(t, dir) {
		for _, v := range configRefs(f, vars) {
			seen[v] = true
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if x, ok := sel.X.(*ast.Ident); ok {
					for _, v := range helpers[x.Name+"."+sel.Sel.Name] {
						seen[v] = true
					}
				}
			}
			return true
		})
	}
	return sortedKeys(seen)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for v := range m {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// commonVars lists the variables config.ReadCommon reads for every function.
func commonVars(t *testing.T, vars map[string]string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(root(t), "shared", "config", "config.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "ReadCommon" {
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok {
					if v, ok := vars[id.Name]; ok {
						seen[v] = true
					}
				}
				return true
			})
		}
	}
	return sortedKeys(seen)
}

// localOnly are variables only the local stack sets.
var localOnly = map[string]bool{"KABINET_CLOCK_OFFSET": true}

// endpointSetting reports whether v is one of the SDK's endpoint settings,
// AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_<SERVICE> (config reads
// AWS_ENDPOINT_URL_SESV2 for Kabinet's own SES client). On AWS they stay
// unset, so that every client reaches the service's regional endpoint; the
// local stack sets them, as sam local's --env-vars and LocalStack users do.
func endpointSetting(v string) bool {
	return v == "AWS_ENDPOINT_URL" || strings.HasPrefix(v, "AWS_ENDPOINT_URL_")
}

func TestEveryEnvironmentVariableIsSetByTemplate(t *testing.T) {
	tpl := loadTemplate(t)
	vars := configVars(t)
	common := commonVars(t, vars)
	if len(common) == 0 {
		t.Fatal("found no variables read by config.ReadCommon")
	}
	for _, fn := range tpl.Functions {
		used := append(varsUsed(t, filepath.Join(root(t), fn.CodeURI), vars), common...)
		for _, v := range used {
			if localOnly[v] || endpointSetting(v) {
				continue
			}
			_, inGlobals := tpl.Globals.Env[v]
			_, inFunction := fn.Env[v]
			if !inGlobals && !inFunction {
				t.Errorf("%s reads %s but template.yaml does not set it", fn.LogicalID, v)
			}
		}
	}
}

// The endpoint settings a function reads through config are the
// environment's, not the template's: template.yaml sets none (a value there
// would send the deployed function away from AWS's endpoint), and the local
// stack sets each one, so that the function reaches its emulator.
func TestEndpointSettingsAreLeftToTheEnvironment(t *testing.T) {
	tpl := loadTemplate(t)
	for v := range tpl.Globals.Env {
		if endpointSetting(v) {
			t.Errorf("template.yaml's Globals set %s; on AWS it must stay unset", v)
		}
	}
	for _, fn := range tpl.Functions {
		for v := range fn.Env {
			if endpointSetting(v) {
				t.Errorf("%s sets %s in template.yaml; on AWS it must stay unset", fn.LogicalID, v)
			}
		}
	}
	stack := stringLiterals(t, filepath.Join(root(t), "infra", "local", "stack"))
	found := 0
	for _, v := range configVars(t) {
		if !endpointSetting(v) {
			continue
		}
		found++
		if !stack[v] {
			t.Errorf("functions read %s through config, but the local stack (infra/local/stack) does not set it", v)
		}
	}
	if found == 0 {
		t.Fatal("found no endpoint setting among config's variables; AWS_ENDPOINT_URL_SESV2 was one")
	}
}

// folderFiles parses the Go files of a folder, tests aside.
func folderFiles(t *testing.T, dir string) []*ast.File {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

// stringLiterals lists the string constants of a folder's Go files (tests
// aside).
func stringLiterals(t *testing.T, dir string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, f := range folderFiles(t, dir) {
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					out[s] = true
				}
			}
			return true
		})
	}
	return out
}

func TestOnlyConfigReadsTheEnvironment(t *testing.T) {
	fset := token.NewFileSet()
	for _, p := range goFiles(t) {
		rel, _ := filepath.Rel(root(t), p)
		if strings.HasPrefix(rel, "shared/config/") || strings.HasPrefix(rel, "infra/") || strings.HasPrefix(rel, "tests/") || strings.HasSuffix(rel, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "os" && (sel.Sel.Name == "Getenv" || sel.Sel.Name == "LookupEnv" || sel.Sel.Name == "Environ") {
					t.Errorf("%s: os.%s outside shared/config; read settings through config.Env", fset.Position(sel.Pos()), sel.Sel.Name)
				}
			}
			return true
		})
	}
}

// The Moscow zone is shared/clock's clock.Moscow, loaded once on first
// use: no other package loads it from the zone database, least of all at
// package init, where every cold start of every function linking it pays.
func TestOnlyClockLoadsTheMoscowZone(t *testing.T) {
	fset := token.NewFileSet()
	for _, p := range goFiles(t) {
		rel, _ := filepath.Rel(root(t), p)
		if strings.HasPrefix(rel, "shared/clock/") || strings.HasSuffix(rel, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 1 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "LoadLocation" {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "time" {
				return true
			}
			if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if zone, _ := strconv.Unquote(lit.Value); zone == "Europe/Moscow" {
					t.Errorf("%s: time.LoadLocation(%q); use clock.Moscow()", fset.Position(call.Pos()), zone)
				}
			}
			return true
		})
	}
}
