package e2e

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	pageRef = regexp.MustCompile(`(?:src|href)="([^"]+)"`)
	docRef  = regexp.MustCompile(`url:\s*"([^"]+)"`)
)

func fetchDocs(t *testing.T, ref string) (string, []byte) {
	t.Helper()
	base, err := url.Parse(st.DocsURL + "/")
	if err != nil {
		t.Fatal(err)
	}
	u, err := base.Parse(ref)
	if err != nil {
		t.Fatalf("%q: %v", ref, err)
	}
	if u.Host != base.Host {
		t.Fatalf("the page loads %s from another server than %s", u, base.Host)
	}
	res, err := http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || len(body) == 0 {
		t.Fatalf("GET %s: status %d, %d bytes", u, res.StatusCode, len(body))
	}
	return res.Header.Get("Content-Type"), body
}

// TestAPIReferenceIsServedOffline: the API reference page, the viewer's
// script and style and the OpenAPI document all come from the local stack,
// and the page names no outside address.
func TestAPIReferenceIsServedOffline(t *testing.T) {
	ctype, page := fetchDocs(t, "")
	if !strings.HasPrefix(ctype, "text/html") {
		t.Fatalf("page Content-Type %q, want text/html", ctype)
	}
	if bytes.Contains(page, []byte("http://")) || bytes.Contains(page, []byte("https://")) {
		t.Fatalf("the page names an absolute address:\n%s", page)
	}
	var scripts int
	for _, m := range pageRef.FindAllSubmatch(page, -1) {
		ctype, _ := fetchDocs(t, string(m[1]))
		if strings.HasSuffix(string(m[1]), ".js") {
			scripts++
			if !strings.Contains(ctype, "javascript") {
				t.Errorf("%s: Content-Type %q, want JavaScript", m[1], ctype)
			}
		}
	}
	if scripts == 0 {
		t.Fatalf("the page loads no script:\n%s", page)
	}
	m := docRef.FindSubmatch(page)
	if m == nil {
		t.Fatalf("the page names no document:\n%s", page)
	}
	_, doc := fetchDocs(t, string(m[1]))
	want, err := os.ReadFile(filepath.Join(st.Root(), "docs", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(doc, want) {
		t.Errorf("%s is not docs/openapi.yaml (%d bytes, want %d)", m[1], len(doc), len(want))
	}
}
