package routes

import (
	"reflect"
	"testing"
)

func TestPattern(t *testing.T) {
	cases := []struct {
		path, in string
		want     bool
	}{
		{"/health", "/health", true},
		{"/health", "/health/", false},
		{"/documents/{id}", "/documents/abc-1", true},
		{"/documents/{id}", "/documents/abc/complete", false},
		{"/documents/{id}/complete", "/documents/abc/complete", true},
		{"/files/{proxy+}", "/files/a/b/c.pdf", true},
		{"/files/{proxy+}", "/files/", false},
		{"/a.b", "/aXb", false},
	}
	for _, c := range cases {
		if got := Pattern(c.path).MatchString(c.in); got != c.want {
			t.Errorf("Pattern(%q).Match(%q) = %v, want %v", c.path, c.in, got, c.want)
		}
	}
}

func TestAllowedMethods(t *testing.T) {
	cases := map[string][]string{
		"/health":      {"GET"},
		"/me/settings": {"GET", "PUT"},
		"/nothing":     {},
	}
	for path, want := range cases {
		if got := AllowedMethods(path); !reflect.DeepEqual(got, want) {
			t.Errorf("AllowedMethods(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestTableHasNoDuplicates(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range All {
		if seen[r.Key()] {
			t.Errorf("route %s is listed twice", r.Key())
		}
		seen[r.Key()] = true
	}
}

// BenchmarkAllowedMethods is the fallback function's work for one unmatched
// request.
func BenchmarkAllowedMethods(b *testing.B) {
	for b.Loop() {
		AllowedMethods("/applications/0f3a/unknown")
	}
}
