package structure

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Issue 10: no Lambda bootstrap over 15 MiB. A call of reflect's Method or
// MethodByName with a name known only at run time (text/template makes
// one, so html/template does too) puts the linker in a mode where it keeps
// every exported method of every type converted to an interface: whole AWS
// clients then come along with each function that links the caller. A
// program with only the AWS clients it uses was 11.4 MiB; the same plus one
// text/template Execute, 17.0 MiB.

// lambdaEnv is the environment the functions are built in.
func lambdaEnv() []string {
	return append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
}

// templatePackages are the packages the functions must not link.
var templatePackages = []string{"text/template", "html/template"}

// functionImports lists every package the functions link, as go list
// lines "pkg import import...".
func functionImports(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("go", "list", "-tags", "lambda.norpc", "-deps",
		"-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./functions/...")
	cmd.Dir = root(t)
	cmd.Env = lambdaEnv()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	return string(out)
}

// No package a function links imports text/template or html/template
// (shared/messages interprets its own small template language instead).
func TestFunctionsLinkNoTemplatePackages(t *testing.T) {
	for _, bad := range templateImporters(functionImports(t)) {
		t.Errorf("%s: the linker then keeps every exported method of every type converted to an interface (whole AWS clients); see shared/messages/tmpl.go", bad)
	}
}

// templateImporters names each package of a go list that imports one of
// templatePackages, other than those packages themselves.
func templateImporters(list string) []string {
	return importers(list, func(pkg string) bool { return slices.Contains(templatePackages, pkg) })
}

// sesv2Package is the SDK's SES v2 client.
const sesv2Package = "github.com/aws/aws-sdk-go-v2/service/sesv2"

// Issue 10: no function's package init over 1.5 times the fallback's. The
// SDK's SES v2 client brings sesv2/schemas, whose init alone took ~0.45 ms
// in every function that linked it: it builds the schemas of all ~100 SES
// operations, of which Kabinet calls two (SendEmail, GetAccount), so
// notify/sesmail has a small client of its own.
func TestFunctionsLinkNoSESv2Client(t *testing.T) {
	for _, bad := range sesv2Importers(functionImports(t)) {
		t.Errorf("%s: its package init builds the schemas of every SES operation at each cold start (issue 10); send through notify/sesmail's own client", bad)
	}
}

// sesv2Importers names each package of a go list that imports the SDK's
// SES v2 client or one of its packages, other than those themselves.
func sesv2Importers(list string) []string {
	return importers(list, func(pkg string) bool { return pkg == sesv2Package || strings.HasPrefix(pkg, sesv2Package+"/") })
}

func TestSESv2ImportersCatchesAnImport(t *testing.T) {
	list := sesv2Package + " " + sesv2Package + "/types " + sesv2Package + "/schemas\n" + sesv2Package + "/types fmt\n" +
		"github.com/kabinet/kabinet/shared/health context " + sesv2Package + "/types\n" +
		"github.com/kabinet/kabinet/functions/me fmt github.com/aws/aws-sdk-go-v2/service/sesv2x\n"
	got := sesv2Importers(list)
	want := []string{"github.com/kabinet/kabinet/shared/health imports " + sesv2Package + "/types"}
	if !slices.Equal(got, want) {
		t.Errorf("sesv2Importers = %q, want %q", got, want)
	}
}

// importers reads go list lines "pkg import import..." and names each
// package outside banned that imports one inside it.
func importers(list string, banned func(string) bool) []string {
	var bad []string
	for line := range strings.Lines(list) {
		pkg, imports, _ := strings.Cut(strings.TrimSpace(line), " ")
		if banned(pkg) {
			continue
		}
		for imp := range strings.FieldsSeq(imports) {
			if banned(imp) {
				bad = append(bad, pkg+" imports "+imp)
			}
		}
	}
	return bad
}

func TestTemplateImportersCatchesAnImport(t *testing.T) {
	list := "text/template fmt reflect\nhtml/template text/template\n" +
		"github.com/kabinet/kabinet/shared/messages fmt html/template\ngithub.com/kabinet/kabinet/functions/me fmt\n"
	got := templateImporters(list)
	want := []string{"github.com/kabinet/kabinet/shared/messages imports html/template"}
	if !slices.Equal(got, want) {
		t.Errorf("templateImporters = %q, want %q", got, want)
	}
}

// No function reaches a call of reflect's Method or MethodByName the linker
// cannot resolve, whoever makes it: the linker marks such a caller
// <ReflectMethod> in its dependency dump.
func TestFunctionsKeepNoReflectMethodCall(t *testing.T) {
	if testing.Short() {
		t.Skip("links every function for linux/arm64")
	}
	args := []string{"build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-dumpdep", "-o", t.TempDir() + string(filepath.Separator), "./functions/..."}
	callers, linked, err := reflectMethodCallers(root(t), args)
	if err != nil {
		t.Fatal(err)
	}
	dirs, err := os.ReadDir(filepath.Join(root(t), "functions"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if fn := "github.com/kabinet/kabinet/functions/" + d.Name(); d.IsDir() && !slices.Contains(linked, fn) {
			t.Errorf("%s is not in the linker's dump; the test would not see its callers", fn)
		}
	}
	for fn, syms := range callers {
		t.Errorf("%s calls reflect's Method or MethodByName through %s: the linker then keeps every exported method of every type converted to an interface (whole AWS clients)", fn, strings.Join(syms, ", "))
	}
}

// The dump still marks what text/template does, so that the test above
// would see it with this toolchain.
func TestReflectMethodCallersCatchesTextTemplate(t *testing.T) {
	if testing.Short() {
		t.Skip("links a program for linux/arm64")
	}
	dir := t.TempDir()
	src := "package main\n\nimport (\n\t\"os\"\n\t\"text/template\"\n)\n\n" +
		"func main() { template.Must(template.New(\"t\").Parse(\"{{.}}\")).Execute(os.Stdout, 1) }\n"
	for name, body := range map[string]string{"go.mod": "module probe\n\ngo 1.26\n", "main.go": src} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	callers, _, err := reflectMethodCallers(dir, []string{"build", "-ldflags=-dumpdep", "-o", filepath.Join(dir, "probe"), "."})
	if err != nil {
		t.Fatal(err)
	}
	if syms := callers["probe"]; !slices.ContainsFunc(syms, func(s string) bool { return strings.HasPrefix(s, "text/template.") }) {
		t.Errorf("no text/template caller found in the dump: %v", callers)
	}
}

// reflectMethodCallers runs go with args (a build with -ldflags=-dumpdep)
// in dir and returns, for each program linked, the symbols the linker
// marked <ReflectMethod>, and the programs whose dump it read. The dump has a "# package" line before each
// program's edges, "from -> to" for each symbol as it is found reachable,
// with flags such as "<UsedInIface><ReflectMethod>" after either name.
func reflectMethodCallers(dir string, args []string) (callers map[string][]string, linked []string, err error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(lambdaEnv(), "GOWORK=off")
	dump, err := cmd.StderrPipe() // the go command prints the linker's output there
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	callers = map[string][]string{}
	var other strings.Builder // anything else, the errors of a failed build
	pkg := ""
	sc := bufio.NewScanner(dump)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "# "); ok {
			pkg = p
			linked = append(linked, p)
			continue
		}
		from, to, edge := strings.Cut(line, " -> ")
		if !edge {
			other.WriteString(line + "\n")
			continue
		}
		for _, end := range []string{from, to} { // every reachable symbol is a "to" once
			sym, flags, _ := strings.Cut(end, " <")
			if strings.Contains(flags, "ReflectMethod>") && !slices.Contains(callers[pkg], sym) {
				callers[pkg] = append(callers[pkg], sym)
			}
		}
	}
	_, _ = io.Copy(io.Discard, dump)
	if err := cmd.Wait(); err != nil {
		return nil, nil, fmt.Errorf("go %s: %v\n%s", args[0], err, other.String())
	}
	return callers, linked, sc.Err()
}
