package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters for new hashes: the OWASP Password Storage Cheat
// Sheet's minimum (19 MiB, one pass, one lane), about 20 ms on one core and
// within what a small Lambda can afford for every sign-in. Raising them is
// safe: [Hash.Matches] reads the parameters from each hash.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 1
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// Limits on parameters read from a stored hash, so that a corrupted or
// forged record cannot make Matches allocate gigabytes or run for minutes.
const (
	maxArgonMemory  = 256 * 1024 // KiB
	maxArgonTime    = 16
	maxArgonThreads = 16
	minArgonSaltLen = 8
	maxArgonSaltLen = 64
	minArgonKeyLen  = 16
	maxArgonKeyLen  = 64
)

// Hash is a password hash in the PHC string format,
// "$argon2id$v=19$m=19456,t=1,p=1$<salt>$<hash>", with salt and hash in
// unpadded standard Base64. Store it as is; keep it out of logs and
// responses, since it allows offline guessing.
type Hash string

// HashPassword hashes the whole of pw — nothing is trimmed, truncated or
// normalized — with Argon2id and a fresh random 16-byte salt. It fails only
// if the system's random source does.
func HashPassword(pw string) (Hash, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: read salt: %w", err)
	}
	return hashWithSalt(pw, salt), nil
}

func hashWithSalt(pw string, salt []byte) Hash {
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return Hash(fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)))
}

// Matches reports whether pw is the password h was made from, comparing the
// digests in constant time. A malformed hash, or one whose parameters exceed
// sane limits, matches nothing.
func (h Hash) Matches(pw string) bool {
	ph, ok := parseHash(string(h))
	if !ok {
		return false
	}
	key := argon2.IDKey([]byte(pw), ph.salt, ph.time, ph.memory, ph.threads, uint32(len(ph.key)))
	return subtle.ConstantTimeCompare(key, ph.key) == 1
}

type parsedHash struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

// parseHash reads "$argon2id$v=19$m=M,t=T,p=P$salt$key".
func parseHash(s string) (parsedHash, bool) {
	var ph parsedHash
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return ph, false
	}
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return ph, false
	}
	m, okM := param(params[0], "m=", maxArgonMemory)
	t, okT := param(params[1], "t=", maxArgonTime)
	p, okP := param(params[2], "p=", maxArgonThreads)
	if !okM || !okT || !okP || m < 8*p {
		return ph, false
	}
	b64 := base64.RawStdEncoding.Strict()
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < minArgonSaltLen || len(salt) > maxArgonSaltLen {
		return ph, false
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < minArgonKeyLen || len(key) > maxArgonKeyLen {
		return ph, false
	}
	return parsedHash{memory: uint32(m), time: uint32(t), threads: uint8(p), salt: salt, key: key}, true
}

// param parses "name=value" with 1 ≤ value ≤ limit, digits only.
func param(s, prefix string, limit uint64) (uint64, bool) {
	v, ok := strings.CutPrefix(s, prefix)
	if !ok || v == "" || (len(v) > 1 && v[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || n < 1 || n > limit {
		return 0, false
	}
	return n, true
}
