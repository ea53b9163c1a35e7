// Package pdfdoctest reads PDFs back in tests with poppler's pdftotext, an
// extractor that knows nothing of how Kabinet writes them. make deps (make
// tools) installs it from Debian packages.
package pdfdoctest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Text returns a PDF's text with every run of white space made one space,
// so that words wrapped in a table cell still read in order. Without
// pdftotext the test is skipped when required is false and fails otherwise.
func Text(t testing.TB, pdf []byte, required bool) string {
	t.Helper()
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		if required {
			t.Fatal("pdftotext is not installed: run make deps (it installs poppler-utils)")
		}
		t.Skip("pdftotext not installed (make deps installs poppler-utils)")
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v: %s", err, out)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}
