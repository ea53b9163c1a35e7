package accounts

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// newCode returns a random 6-digit one-time code.
func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// newID returns a random identifier for registrations, challenges, sessions.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// timeOrderedID is an identifier that sorts by creation time (sessions are
// listed newest first by it).
func timeOrderedID(t time.Time) string {
	return t.UTC().Format("20060102150405") + fmt.Sprintf("%09d", t.Nanosecond()) + "-" + newID()[:10]
}

// codeHash keys a code to its purpose and record, so a code is never stored
// in the clear and cannot be replayed against another record.
func (s *core) codeHash(ctx context.Context, purpose, id, code string) (string, error) {
	keys, err := s.Keys.Keys(ctx)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, keys.Codes)
	m.Write([]byte(purpose + "\x00" + id + "\x00" + strings.TrimSpace(code)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)), nil
}

// codeMatches reports whether code is the one stored for a purpose and
// record; it fails only when the key cannot be read.
func (s *core) codeMatches(ctx context.Context, purpose, id, code, stored string) (bool, error) {
	h, err := s.codeHash(ctx, purpose, id, code)
	if err != nil {
		return false, err
	}
	return stored != "" && hmac.Equal([]byte(h), []byte(stored)), nil
}
