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

// No package a function links imports text/template or html/template
// (shared/messages interprets its own small template language instead).
func TestFunctionsLinkNoTemplatePackages(t *testing.T) {
	cmd := exec.Command("go", "list", "-tags", "lambda.norpc", "-deps",
		"-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./functions/...")
	cmd.Dir = root(t)
	cmd.Env = lambdaEnv()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, bad := range templateImporters(string(out)) {
		t.Errorf("%s: the linker then keeps every exported method of every type converted to an interface (whole AWS clients); see shared/messages/tmpl.go", bad)
	}
}

// templateImporters reads go list lines "pkg import import..." and names
// each package that imports one of templatePackages, other than those
// packages themselves.
func templateImporters(list string) []string {
	var bad []string
	for line := range strings.Lines(list) {
		pkg, imports, _ := strings.Cut(strings.TrimSpace(line), " ")
		if slices.Contains(templatePackages, pkg) {
			continue
		}
		for imp := range strings.FieldsSeq(imports) {
			if slices.Contains(templatePackages, imp) {
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
