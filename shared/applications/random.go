package applications

import (
	"crypto/rand"
	"encoding/base64"
)

func randomPart() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
