package structure

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// trackedFiles lists the files git tracks (committed or staged).
func trackedFiles(t *testing.T) []string {
	t.Helper()
	cmd := exec.Command("git", "ls-files", "-z")
	cmd.Dir = root(t)
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	var files []string
	for _, f := range bytes.Split(out, []byte{0}) {
		if len(f) > 0 {
			files = append(files, string(f))
		}
	}
	return files
}

// No build output is tracked: no executable of any platform, and no file
// over 1 MiB (the largest source files are far below it).
func TestNoBuildOutputIsTracked(t *testing.T) {
	magics := map[string][]byte{"ELF": []byte("\x7fELF"), "Mach-O": {0xcf, 0xfa, 0xed, 0xfe}, "PE": []byte("MZ")}
	for _, f := range trackedFiles(t) {
		path := filepath.Join(root(t), f)
		st, err := os.Stat(path)
		if err != nil {
			continue // deleted in the work tree, about to be committed so
		}
		if st.Size() > 1<<20 {
			t.Errorf("%s is tracked and is %d bytes: a build output or a data dump?", f, st.Size())
		}
		head := make([]byte, 4)
		if fh, err := os.Open(path); err == nil {
			n, _ := fh.Read(head)
			fh.Close()
			head = head[:n]
		}
		for name, m := range magics {
			if bytes.HasPrefix(head, m) && (name != "PE" || !strings.Contains(f, ".")) {
				t.Errorf("%s is a tracked %s executable", f, name)
			}
		}
	}
}

// What `go build ./functions/<fn>` or `go build ./infra/local` leaves at the
// root, and what sam and make build write, is ignored.
func TestBuildOutputsAreIgnored(t *testing.T) {
	paths := []string{".build/lambda/me/bootstrap", ".aws-sam/build/template.yaml", "bootstrap", "local", "invoke"}
	dirs, err := os.ReadDir(filepath.Join(root(t), "functions"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if d.IsDir() {
			paths = append(paths, d.Name())
		}
	}
	for _, p := range paths {
		cmd := exec.Command("git", "check-ignore", "-q", "--no-index", p)
		cmd.Dir = root(t)
		if err := cmd.Run(); err != nil {
			t.Errorf("%s is not ignored by .gitignore", p)
		}
	}
}
