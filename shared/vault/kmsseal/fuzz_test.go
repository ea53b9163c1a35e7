package kmsseal

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzOpen feeds Open arbitrary strings and contexts. It must never panic,
// never return plaintext together with an error, and open nothing but the
// exact values it sealed, under their own context.
func FuzzOpen(f *testing.F) {
	m := newMemoryKMS("key-1")
	sealer := NewSealer(m, "key-1")
	valid := map[string]string{}
	for _, plain := range []string{"11223344595", "", "Иванов"} {
		s, err := sealer.Seal(ctx, []byte(plain), FieldContext("u1", "snils"))
		if err != nil {
			f.Fatalf("Seal: %v", err)
		}
		valid[s] = plain
		f.Add(s, "u1")
		f.Add(s, "u2")
		p := strings.Split(s, ".")
		f.Add(p[0]+"."+p[1]+"."+p[2]+"."+p[3][:len(p[3])-1], "u1")
		f.Add(p[0]+"."+p[1]+"."+p[3]+"."+p[2], "u1")
	}
	for _, s := range []string{"", "v1", "v1...", "v1.a.b.c", "v1.AAAA.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA", "v1.\x00.\xff.\n", strings.Repeat(".", 100)} {
		f.Add(s, "u1")
	}

	f.Fuzz(func(t *testing.T, sealed, user string) {
		got, err := sealer.Open(ctx, sealed, FieldContext(user, "snils"))
		if err != nil {
			if got != nil {
				t.Fatalf("Open returned %q with error %v", got, err)
			}
			// Only KMS or the context could fail otherwise; the fake KMS
			// never fails for other reasons.
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Open error %v does not match ErrInvalid", err)
			}
			return
		}
		plain, ok := valid[sealed]
		if !ok || user != "u1" {
			t.Fatalf("Open(%q, user %q) succeeded with %q: a forgery opened", sealed, user, got)
		}
		if !bytes.Equal(got, []byte(plain)) {
			t.Fatalf("Open = %q, want %q", got, plain)
		}
	})
}
