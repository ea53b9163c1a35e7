package accounts

import (
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
func (s *Service) codeHash(purpose, id, code string) string {
	m := hmac.New(sha256.New, s.CodeKey)
	m.Write([]byte(purpose + "\x00" + id + "\x00" + strings.TrimSpace(code)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Service) codeMatches(purpose, id, code, stored string) bool {
	return stored != "" && hmac.Equal([]byte(s.codeHash(purpose, id, code)), []byte(stored))
}
