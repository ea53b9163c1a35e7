package applications

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"
)

// newID is an id that sorts by creation time (microseconds, UTC) and cannot
// be guessed (48 random bits).
func newID(now time.Time) string {
	return now.UTC().Format("20060102150405") + fmt.Sprintf("%06d", now.Nanosecond()/1000) + "-" + randomPart()
}

func randomPart() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
