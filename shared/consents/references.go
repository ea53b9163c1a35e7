package consents

import (
	"context"
	"crypto/rand"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/vault"
)

// A person who does not want to give an organisation their SNILS makes a
// reference in their account and tells it to the organisation, which asks
// for a consent with it. A reference is 12 characters of Crockford's base32
// (no I, L, O, U: nothing to misread when it is dictated), lives
// ReferenceLifetime and serves one request. Only its keyed hash is stored.

// ReferenceLifetime is how long a reference can be used.
const ReferenceLifetime = 24 * time.Hour

const referenceAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// Reference is a reference made for an organisation: shown once.
type Reference struct {
	Reference string    `json:"reference"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// normalizeReference accepts a reference as typed (any case, spaces or
// dashes, the letters people confuse with digits) and returns it as
// issued: XXXX-XXXX-XXXX.
func normalizeReference(s string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch r {
		case '-', ' ':
			continue
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		if !strings.ContainsRune(referenceAlphabet, r) {
			return "", false
		}
		b.WriteRune(r)
	}
	raw := b.String()
	if len(raw) != 12 {
		return "", false
	}
	return raw[:4] + "-" + raw[4:8] + "-" + raw[8:], true
}

func referenceHash(ix *vault.Index, normalized string) string {
	return ix.Of("consent-reference", normalized)
}

func newReference() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	out := make([]byte, 0, 14)
	for i, c := range b {
		if i == 4 || i == 8 {
			out = append(out, '-')
		}
		out = append(out, referenceAlphabet[int(c)%len(referenceAlphabet)])
	}
	return string(out)
}

// CreateReference makes a reference for the person to give an
// organisation. Errors: Unauthenticated for anyone without an account of
// their own.
func (s *Consents) CreateReference(ctx context.Context, a actor.Actor) (Reference, error) {
	sub, err := a.OwnAccount()
	if err != nil {
		return Reference{}, err
	}
	ix, err := s.d.index(ctx)
	if err != nil {
		return Reference{}, err
	}
	now := s.d.now()
	ref := newReference()
	expires := now.Add(ReferenceLifetime)
	k := dynamo.ConsentReferenceKey(referenceHash(ix, ref))
	if err := s.d.DB.Create(ctx, referenceItem{PK: k.PK, SK: k.SK, Kind: kindReference, Sub: sub, Expires: stamp(expires),
		TTL: expires.Add(time.Hour).Unix()}); err != nil {
		return Reference{}, err
	}
	return Reference{Reference: ref, ExpiresAt: expires}, nil
}
