package totp

import (
	"encoding/base32"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// RFC 6238 appendix B vectors (SHA1, secret "12345678901234567890"), last 6 digits.
func TestCodeRFC6238(t *testing.T) {
	secret := base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))
	cases := []struct {
		unix int64
		want string
	}{{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"}, {1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"}}
	for _, c := range cases {
		got, err := Code(secret, time.Unix(c.unix, 0))
		if err != nil || got != c.want {
			t.Errorf("Code(t=%d) = %q, %v; want %q", c.unix, got, err, c.want)
		}
	}
}

func TestCodeMatchesOathtool(t *testing.T) {
	path, err := exec.LookPath("oathtool")
	if err != nil {
		t.Skip("oathtool not installed")
	}
	secret := "JBSWY3DPEHPK3PXP"
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	out, err := exec.Command(path, "--totp", "-b", "--now", now.Format("2006-01-02 15:04:05 UTC"), secret).Output()
	if err != nil {
		t.Fatalf("oathtool: %v", err)
	}
	got, _ := Code(secret, now)
	if want := strings.TrimSpace(string(out)); got != want {
		t.Errorf("Code = %s, oathtool says %s", got, want)
	}
}

func TestCodeRejectsBadSecret(t *testing.T) {
	if _, err := Code("not base32 !!", time.Now()); err == nil {
		t.Error("Code accepted a secret that is not base32")
	}
}
