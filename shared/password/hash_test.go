package password

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

var phc = regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashPasswordFormat(t *testing.T) {
	h, err := HashPassword(valid)
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	if !phc.MatchString(string(h)) {
		t.Errorf("HashPassword = %q, want PHC string matching %s", h, phc)
	}
	if !h.Matches(valid) {
		t.Errorf("Matches(%q) = false, want true", valid)
	}
	if h.Matches("Ёлка-Зелёная-8") {
		t.Error("Matches(other password) = true, want false")
	}
}

func TestHashPasswordSaltsEveryHash(t *testing.T) {
	a, err := HashPassword(valid)
	if err != nil {
		t.Fatal(err)
	}
	b, err := HashPassword(valid)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Errorf("two hashes of one password are equal: %q", a)
	}
	if !a.Matches(valid) || !b.Matches(valid) {
		t.Error("a salted hash does not match its password")
	}
}

func TestHashNoTruncation(t *testing.T) {
	prefix := strings.Repeat("Ё", 99)
	a, b := prefix+"a", prefix+"b"
	salt := []byte("0123456789abcdef")
	if ha, hb := hashWithSalt(a, salt), hashWithSalt(b, salt); ha == hb {
		t.Errorf("100-char passwords differing in the last char hash equally with one salt: %q", ha)
	}
	h, err := HashPassword(a)
	if err != nil {
		t.Fatal(err)
	}
	if h.Matches(b) {
		t.Error("hash of a matches b, which differs only in its 100th character")
	}
	if h.Matches(prefix) {
		t.Error("hash of a matches its 99-character prefix")
	}
	if !h.Matches(a) {
		t.Error("hash of a does not match a")
	}
}

func TestMatchesReadsParameters(t *testing.T) {
	salt := []byte("saltsaltsaltsalt")
	key := argon2.IDKey([]byte(valid), salt, 2, 8192, 2, 32)
	b64 := base64.RawStdEncoding
	h := Hash(fmt.Sprintf("$argon2id$v=19$m=8192,t=2,p=2$%s$%s", b64.EncodeToString(salt), b64.EncodeToString(key)))
	if !h.Matches(valid) {
		t.Errorf("%q does not match its password", h)
	}
}

func TestMatchesRejectsMalformed(t *testing.T) {
	good := string(hashWithSalt(valid, []byte("0123456789abcdef")))
	if !Hash(good).Matches(valid) {
		t.Fatalf("%q does not match its password", good)
	}
	parts := strings.Split(good, "$") // "", alg, version, params, salt, key
	with := func(i int, v string) Hash {
		p := append([]string(nil), parts...)
		p[i] = v
		return Hash(strings.Join(p, "$"))
	}
	tests := []struct {
		name string
		h    Hash
	}{
		{"empty", ""},
		{"garbage", "not a hash"},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", with(1, "argon2i")},
		{"old version", with(2, "v=16")},
		{"params out of order", with(3, "t=1,m=19456,p=1")},
		{"huge memory", with(3, "m=4194304,t=1,p=1")},
		{"huge time", with(3, "m=19456,t=1000,p=1")},
		{"zero threads", with(3, "m=19456,t=1,p=0")},
		{"leading zero", with(3, "m=019456,t=1,p=1")},
		{"negative", with(3, "m=-1,t=1,p=1")},
		{"padded salt", with(4, parts[4]+"==")},
		{"short salt", with(4, "c2FsdA")},
		{"bad key", with(5, "!!!")},
		{"short key", with(5, "a2V5")},
		{"extra field", Hash(good + "$x")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.h.Matches(valid) {
				t.Errorf("%q.Matches = true, want false", tc.h)
			}
		})
	}
}

func TestCheckHistory(t *testing.T) {
	pw := func(i int) string { return fmt.Sprintf("Ёлка-Зелёная-%d", i) }
	previous := make([]Hash, 6) // newest first
	for i := range previous {
		h, err := HashPassword(pw(i))
		if err != nil {
			t.Fatal(err)
		}
		previous[i] = h
	}
	ctx := Context{Previous: previous}

	tests := []struct {
		name string
		p    Profile
		pw   string
		want bool
	}{
		{name: "newest", p: Seeds(), pw: pw(0), want: true},
		{name: "fifth", p: Seeds(), pw: pw(4), want: true},
		{name: "sixth is old enough", p: Seeds(), pw: pw(5), want: false},
		{name: "never used", p: Seeds(), pw: pw(9), want: false},
		{name: "history longer than list", p: Profile{History: 10}, pw: pw(5), want: true},
		{name: "history of one", p: Profile{History: 1}, pw: pw(1), want: false},
		{name: "nist keeps no history", p: NIST(), pw: pw(0) + "-длинный", want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := false
			for _, v := range tc.p.Check(tc.pw, ctx) {
				if v.Rule == RuleReused {
					got = true
					if !strings.Contains(v.Message, "совпадает") {
						t.Errorf("reused message = %q", v.Message)
					}
				}
			}
			if got != tc.want {
				t.Errorf("Check(%q) reports %s = %v, want %v", tc.pw, RuleReused, got, tc.want)
			}
		})
	}
}
