package journal

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"hash"
	"strconv"
)

// Domain tags keep an entry's hash and a head's seal from ever being equal
// for different kinds of input, and let the encoding change later (v2).
const (
	domainEntry = "kabinet/journal/entry/v1"
	domainHead  = "kabinet/journal/head/v1"
)

// mac is HMAC-SHA256 over fields, each preceded by its length as 8 bytes
// big-endian: no two different field lists encode to the same bytes, so no
// text moved from one field to the next keeps the hash.
func mac(key []byte, fields ...string) string {
	m := hmac.New(sha256.New, key)
	for _, f := range fields {
		writeField(m, f)
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func writeField(h hash.Hash, f string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(f)))
	h.Write(n[:])
	h.Write([]byte(f))
}

// entryHash binds an entry to its user (so a chain cannot be moved to
// another user's partition), its predecessor and every field the person sees.
// The acting person's id is a field only when there is one, so entries
// written before it existed keep their hashes (and one cannot be dropped
// from a newer entry: the count of fields is part of what is hashed).
func entryHash(key []byte, sub string, it entryItem) string {
	fields := []string{domainEntry, sub, it.Prev, strconv.FormatInt(it.Seq, 10), it.At, it.Type, it.Summary, it.IP, it.Actor}
	if it.ActorID != "" {
		fields = append(fields, it.ActorID)
	}
	return mac(key, fields...)
}

func headSeal(key []byte, sub string, seq int64, hash, at string) string {
	return mac(key, domainHead, sub, strconv.FormatInt(seq, 10), hash, at)
}

func equal(a, b string) bool { return hmac.Equal([]byte(a), []byte(b)) }
