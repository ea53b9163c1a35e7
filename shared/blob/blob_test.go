package blob

import (
	"regexp"
	"strings"
	"testing"
)

// Real files of each accepted type (see content_test.go), and a GIF.
var (
	pdfFile  = []byte(minimalPDF)
	pngFile  = pngOf(testImage())
	jpegFile = jpegOf(testImage())
	gifFile  = []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")
)

func TestUserKey(t *testing.T) {
	tests := []struct {
		name          string
		sub, area, id string
		want          string
		wantErr       bool
	}{
		{"plain", "0a1b-2c3d", "documents", "f1.pdf", "users/0a1b-2c3d/documents/f1.pdf", false},
		{"underscores and dots", "sub_1", "area.x", "id-2_3.v4", "users/sub_1/area.x/id-2_3.v4", false},
		{"dot-dot id", "sub", "documents", "..", "", true},
		{"dot-dot inside id", "sub", "documents", "a..b", "", true},
		{"dot id", "sub", "documents", ".", "", true},
		{"hidden name", "sub", "documents", ".env", "", true},
		{"slash in id", "sub", "documents", "a/b", "", true},
		{"slash alone", "sub", "documents", "/", "", true},
		{"slash in sub", "a/b", "documents", "x", "", true},
		{"dot-dot sub", "..", "documents", "x", "", true},
		{"empty id", "sub", "documents", "", "", true},
		{"empty sub", "", "documents", "x", "", true},
		{"empty area", "sub", "", "x", "", true},
		{"backslash", "sub", "documents", `a\b`, "", true},
		{"space", "sub", "documents", "a b", "", true},
		{"percent encoding", "sub", "documents", "%2e%2e", "", true},
		{"unicode", "sub", "documents", "файл", "", true},
		{"newline", "sub", "documents", "a\n", "", true},
		{"too long", "sub", "documents", strings.Repeat("a", 129), "", true},
		{"longest allowed", "sub", "documents", strings.Repeat("a", 128), "users/sub/documents/" + strings.Repeat("a", 128), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := UserKey(tt.sub, tt.area, tt.id)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("UserKey(%q, %q, %q) = %q, %v; want %q, error %v", tt.sub, tt.area, tt.id, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// FuzzPlainNameAgreesWithThePattern checks the hand-written segment check
// against the regexp it replaced.
func FuzzPlainNameAgreesWithThePattern(f *testing.F) {
	pattern := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
	for _, s := range []string{"", "a", ".", "..", "a..b", ".env", "-a", "a-b_c.d", "a.", strings.Repeat("a", 128),
		strings.Repeat("a", 129), "файл", "a\n", "a b", "%2e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := pattern.MatchString(s) && !strings.Contains(s, "..")
		if got := plainName(s); got != want {
			t.Errorf("plainName(%q) = %v, want %v", s, got, want)
		}
	})
}

func TestOwnedBy(t *testing.T) {
	tests := []struct {
		name     string
		key, sub string
		want     bool
	}{
		{"own key", "users/abc/documents/x.pdf", "abc", true},
		{"other user's key", "users/abd/documents/x.pdf", "abc", false},
		{"sub is a prefix of another sub", "users/abcd/documents/x.pdf", "abc", false},
		{"bare prefix", "users/abc", "abc", false},
		{"empty sub", "users//documents/x", "", false},
		{"outside users", "exports/abc/x", "abc", false},
		{"climbs out with dot-dot", "users/abc/../xyz/documents/x.pdf", "abc", false},
		{"dot segment", "users/abc/./documents/x.pdf", "abc", false},
		{"empty segment", "users/abc//x.pdf", "abc", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := OwnedBy(tt.key, tt.sub); got != tt.want {
				t.Errorf("OwnedBy(%q, %q) = %v, want %v", tt.key, tt.sub, got, tt.want)
			}
		})
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		head []byte
		want string
	}{
		{"pdf", pdfFile, TypePDF},
		{"pdf magic only", []byte("%PDF-"), TypePDF},
		{"pdf without dash", []byte("%PDF1.4"), ""},
		{"png", pngFile, TypePNG},
		{"png signature only", pngFile[:8], TypePNG},
		{"png cut short", pngFile[:7], ""},
		{"jpeg", jpegFile, TypeJPEG},
		{"jpeg magic only", jpegFile[:3], TypeJPEG},
		{"jpeg cut short", jpegFile[:2], ""},
		{"gif", gifFile, ""},
		{"html", []byte("<!doctype html><script>"), ""},
		{"pdf magic not at the start", append([]byte(" "), pdfFile...), ""},
		{"empty", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sniff(tt.head); got != tt.want {
				t.Errorf("Sniff(%q) = %q, want %q", tt.head, got, tt.want)
			}
		})
	}
}
