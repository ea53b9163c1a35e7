package vault

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// MinIndexKeySize is the shortest blind-index key accepted: 256 bits, the
// strength of HMAC-SHA256.
const MinIndexKeySize = 32

// Kinds of indexed values. A kind separates the hashes of different
// identifiers, so an INN that happens to equal some other number does not
// collide with it. Kinds must not contain a NUL byte.
const (
	KindSNILS    = "snils"    // 11 digits, as validate.SNILS returns
	KindINN      = "inn"      // 10 or 12 digits, as validate.INN returns
	KindPassport = "passport" // series then number, 4+6 digits, as validate.Passport returns them
)

// Index computes blind-index values; see the package documentation. It is
// safe for concurrent use.
type Index struct {
	// states reuses HMAC states and buffers: building an HMAC costs two
	// SHA-256 blocks and several allocations, more than hashing an identifier.
	states sync.Pool
}

type indexState struct {
	mac hash.Hash
	msg []byte
	sum [sha256.Size]byte
	out [43]byte // base64url of 32 bytes, unpadded
}

// NewIndex returns an Index keyed with key, which must be at least
// MinIndexKeySize bytes of secret random data. The key is copied.
func NewIndex(key []byte) (*Index, error) {
	if len(key) < MinIndexKeySize {
		return nil, fmt.Errorf("vault: index key is %d bytes, need at least %d", len(key), MinIndexKeySize)
	}
	k := bytes.Clone(key)
	ix := &Index{}
	ix.states.New = func() any { return &indexState{mac: hmac.New(sha256.New, k), msg: make([]byte, 0, 64)} }
	return ix, nil
}

// Of returns the index value of a normalized identifier of the given kind:
// base64url (no padding, 43 characters) of HMAC-SHA256(key, kind || 0x00 ||
// normalized). It is deterministic, so it can be a key attribute or the
// subject of a uniqueness condition. The caller must normalize first (see
// shared/validate): different spellings of one value give different results.
func (ix *Index) Of(kind, normalized string) string {
	st := ix.states.Get().(*indexState)
	st.mac.Reset()
	st.msg = append(append(append(st.msg[:0], kind...), 0), normalized...)
	st.mac.Write(st.msg)
	base64.RawURLEncoding.Encode(st.out[:], st.mac.Sum(st.sum[:0]))
	out := string(st.out[:])
	ix.states.Put(st)
	return out
}

// SecretsAPI is the part of the Secrets Manager API LoadIndexKey uses.
// *secretsmanager.Client implements it. GetSecretValue fails with
// ResourceNotFoundException, AccessDeniedException or a throttling error.
type SecretsAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

var _ SecretsAPI = (*secretsmanager.Client)(nil)

// LoadIndexKey reads the blind-index key from the current version of the
// secret secretID (a name or an ARN). The secret string must be standard
// base64 of at least MinIndexKeySize random bytes, for example the output of
// `openssl rand -base64 32`. Errors name the secret but never include its
// value. Call it once per cold start.
func LoadIndexKey(ctx context.Context, api SecretsAPI, secretID string) ([]byte, error) {
	out, err := api.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID)})
	if err != nil {
		return nil, fmt.Errorf("vault: load index key from secret %q: %w", secretID, err)
	}
	if out.SecretString == nil {
		return nil, fmt.Errorf("vault: load index key: secret %q has no string value (binary secrets are not supported)", secretID)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(*out.SecretString))
	if err != nil {
		// The decoder's error would quote the offending input position only,
		// but say nothing more about the value on principle.
		return nil, fmt.Errorf("vault: load index key: secret %q is not standard base64", secretID)
	}
	if len(key) < MinIndexKeySize {
		return nil, fmt.Errorf("vault: load index key: secret %q decodes to %d bytes, need at least %d", secretID, len(key), MinIndexKeySize)
	}
	return key, nil
}
