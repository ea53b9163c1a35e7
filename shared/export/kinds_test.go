package export

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/infra/local/template"
)

var kindRe = regexp.MustCompile(`(?:Kind:\s*|kind[A-Z]\w*\s*=\s*)"([a-z][a-z-]*)"`)

// Every item kind the code writes is in the export or explained as kept
// elsewhere: a new kind added without a decision fails here.
func TestEveryStoredKindIsExportedOrExplained(t *testing.T) {
	root, err := template.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	err = filepath.WalkDir(filepath.Join(root, "shared"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range kindRe.FindAllStringSubmatch(string(b), -1) {
			found[m[1]] = p
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) < 20 {
		t.Fatalf("found only %d kinds: %v", len(found), found)
	}
	for kind, file := range found {
		_, exported := Sections[kind]
		_, explained := Elsewhere[kind]
		if !exported && !explained {
			t.Errorf("kind %q (written in %s) is neither exported nor explained in Elsewhere", kind, file)
		}
		if exported && explained {
			t.Errorf("kind %q is both exported and explained away", kind)
		}
	}
	for kind := range Sections {
		if _, ok := found[kind]; !ok {
			t.Errorf("Sections names %q, which no code writes", kind)
		}
	}
}
