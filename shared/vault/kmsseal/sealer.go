package kmsseal

import (
	"container/list"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// KMS is the part of the KMS API a Sealer uses. *kms.Client implements it;
// tests use a fake. Both methods return the SDK's errors: GenerateDataKey
// fails with NotFoundException, DisabledException, KMSInvalidStateException
// or a throttling or access error; Decrypt also with InvalidCiphertextException
// (the blob or its context is wrong) and IncorrectKeyException (the blob
// belongs to another key).
type KMS interface {
	GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

var _ KMS = (*kms.Client)(nil)

// ErrInvalid is matched (with errors.Is) by every Open error caused by the
// sealed value itself: it is malformed, was altered, was sealed for another
// context or under another key. Such a value will never open; retrying is
// pointless.
var ErrInvalid = errors.New("vault: sealed value is malformed, altered or sealed for another context")

const (
	// version is the first part of every sealed value, so the format can
	// change without guessing.
	version = "v1"

	// MaxSealsPerDataKey is how many values one data key seals before a new
	// one is generated.
	MaxSealsPerDataKey = 1000
	// DataKeyLifetime is how long a data key is used for sealing, and how
	// long a decrypted data key stays cached for opening.
	DataKeyLifetime = time.Hour
	// openCacheSize bounds the decrypted data keys kept for Open. A process
	// reads items sealed by many Lambda instances, each with its own data
	// keys; 64 covers a busy hour without holding an unbounded number of keys.
	openCacheSize = 64

	dataKeySize = 32
	nonceSize   = 12
	tagSize     = 16
	// maxBlobSize rejects absurd input before it reaches KMS; KMS blobs for
	// a 32-byte data key are under 200 bytes.
	maxBlobSize = 1024
)

// b64 is strict so that every byte string has exactly one encoding: a
// changed character never decodes to the same bytes, and the encoded blob
// can key the cache.
var b64 = base64.RawURLEncoding.Strict()

// dataKeyContext is the KMS encryption context of every data key. It is
// fixed because a data key is shared across users and fields; the per-field
// binding is the GCM additional data instead.
func dataKeyContext() map[string]string { return map[string]string{"purpose": "kabinet-field"} }

// Sealer encrypts and decrypts field values; see the package documentation.
// It is safe for concurrent use; create one per process and share it.
type Sealer struct {
	api   KMS
	keyID string

	// Limits and clock, variable for tests.
	maxUses int
	maxAge  time.Duration
	now     func() time.Time

	// generating holds a token while a data key is being generated, so that
	// concurrent Seals wait for one GenerateDataKey instead of each calling it.
	generating chan struct{}

	mu       sync.Mutex
	current  *sealKey
	opened   map[string]*list.Element // encrypted blob (base64url) → *openKey in lru
	lru      *list.List               // front is most recently used
	inflight map[string]*decryptCall
}

// sealKey is the data key currently used for sealing.
type sealKey struct {
	aead    cipher.AEAD
	prefix  string // "v1.<blob>." — the same for every value it seals
	uses    int
	expires time.Time
}

// openKey is a cached decrypted data key.
type openKey struct {
	blob    string
	aead    cipher.AEAD
	expires time.Time
}

// decryptCall is one KMS Decrypt that other Opens of the same blob wait for.
type decryptCall struct {
	done chan struct{}
	aead cipher.AEAD
	err  error
}

// FieldContext is the field context Kabinet uses: the owner's Cognito sub and
// the attribute, e.g. FieldContext(sub, "snils"). Every package must build
// contexts the same way, or values sealed by one cannot be opened by another.
func FieldContext(userSub, field string) map[string]string {
	return map[string]string{"user": userSub, "field": field}
}

// NewSealer returns a Sealer that asks KMS for data keys under keyID (a key
// id, key ARN, alias name or alias ARN). The same keyID is named in every
// Decrypt, as AWS recommends, so a value whose data key belongs to another
// KMS key does not open.
func NewSealer(api KMS, keyID string) *Sealer {
	return &Sealer{
		api: api, keyID: keyID,
		maxUses: MaxSealsPerDataKey, maxAge: DataKeyLifetime, now: time.Now,
		generating: make(chan struct{}, 1),
		opened:     map[string]*list.Element{}, lru: list.New(), inflight: map[string]*decryptCall{},
	}
}

// Seal encrypts plaintext for the field described by fieldContext (see
// FieldContext); the same context must be given to Open. Two seals of one
// value differ (random nonces), so equal ciphertexts reveal nothing; use an
// Index for equality. Errors come from KMS or ctx and are wrapped.
func (s *Sealer) Seal(ctx context.Context, plaintext []byte, fieldContext map[string]string) (string, error) {
	k, err := s.sealKey(ctx)
	if err != nil {
		return "", fmt.Errorf("vault: seal: %w", err)
	}
	// One buffer holds the nonce and then the ciphertext, and one more the
	// encoded result: a sealed field costs few allocations.
	buf := make([]byte, nonceSize, nonceSize+len(plaintext)+tagSize)
	nonce := buf[:nonceSize]
	_, _ = rand.Read(nonce) // crypto/rand.Read never returns an error
	ct := k.aead.Seal(buf[nonceSize:], nonce, plaintext, additionalData(fieldContext))

	out := make([]byte, 0, len(k.prefix)+b64.EncodedLen(nonceSize)+1+b64.EncodedLen(len(ct)))
	out = append(out, k.prefix...)
	out = b64.AppendEncode(out, nonce)
	out = append(out, '.')
	out = b64.AppendEncode(out, ct)
	return string(out), nil
}

// sealKey returns the data key to seal with, generating a new one when the
// current one is used up or too old.
func (s *Sealer) sealKey(ctx context.Context) (*sealKey, error) {
	if k := s.takeCurrent(); k != nil {
		return k, nil
	}
	select {
	case s.generating <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.generating }()
	// Another Seal may have generated a key while this one waited.
	if k := s.takeCurrent(); k != nil {
		return k, nil
	}

	out, err := s.api.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId: aws.String(s.keyID), KeySpec: types.DataKeySpecAes256, EncryptionContext: dataKeyContext(),
	})
	if err != nil {
		return nil, fmt.Errorf("generate data key: %w", err)
	}
	if len(out.Plaintext) != dataKeySize || len(out.CiphertextBlob) == 0 || len(out.CiphertextBlob) > maxBlobSize {
		return nil, fmt.Errorf("generate data key: KMS returned a %d-byte key and a %d-byte blob", len(out.Plaintext), len(out.CiphertextBlob))
	}
	aead, err := newAEAD(out.Plaintext)
	if err != nil {
		return nil, fmt.Errorf("generate data key: %w", err)
	}
	blob := b64.EncodeToString(out.CiphertextBlob)
	now := s.now()
	k := &sealKey{aead: aead, prefix: version + "." + blob + ".", uses: 1, expires: now.Add(s.maxAge)}

	s.mu.Lock()
	s.current = k
	// The process can open what it has just sealed without asking KMS.
	s.remember(blob, aead, now)
	s.mu.Unlock()
	return k, nil
}

// takeCurrent counts one use of the current data key, or returns nil if
// there is none to use.
func (s *Sealer) takeCurrent() *sealKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.current
	if k == nil || k.uses >= s.maxUses || !s.now().Before(k.expires) {
		return nil
	}
	k.uses++
	return k
}

// Open decrypts a value sealed for fieldContext. An error matching
// [ErrInvalid] means the value itself is bad; any other error comes from KMS
// or ctx and may be transient. Open returns either the whole plaintext or an
// error, never part of it.
func (s *Sealer) Open(ctx context.Context, sealed string, fieldContext map[string]string) ([]byte, error) {
	blob, nonce, ct, err := parse(sealed)
	if err != nil {
		return nil, err
	}
	aead, err := s.openKey(ctx, blob)
	if err != nil {
		return nil, fmt.Errorf("vault: open: %w", err)
	}
	// Decrypting in place is safe: ct is this call's own decoded copy.
	plaintext, err := aead.Open(ct[:0], nonce, ct, additionalData(fieldContext))
	if err != nil {
		return nil, ErrInvalid
	}
	return plaintext, nil
}

// parse splits a sealed value into the encoded blob and the decoded nonce
// and ciphertext, checking everything that can be checked without a key.
func parse(sealed string) (blob string, nonce, ct []byte, err error) {
	rest, ok := strings.CutPrefix(sealed, version+".")
	if !ok {
		return "", nil, nil, ErrInvalid
	}
	blob, rest, ok1 := strings.Cut(rest, ".")
	nonce64, ct64, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(ct64, ".") ||
		len(blob) == 0 || b64.DecodedLen(len(blob)) > maxBlobSize ||
		b64.DecodedLen(len(nonce64)) != nonceSize || b64.DecodedLen(len(ct64)) < tagSize {
		return "", nil, nil, ErrInvalid
	}
	// The blob is decoded only to check it here (the cache is keyed by its
	// encoding); a stack buffer keeps that free.
	var scratch [maxBlobSize]byte
	if _, err := b64.Decode(scratch[:], []byte(blob)); err != nil {
		return "", nil, nil, ErrInvalid
	}
	buf := make([]byte, nonceSize+b64.DecodedLen(len(ct64)))
	n1, err1 := b64.Decode(buf, []byte(nonce64))
	n2, err2 := b64.Decode(buf[nonceSize:], []byte(ct64))
	if err1 != nil || err2 != nil || n1 != nonceSize {
		return "", nil, nil, ErrInvalid
	}
	return blob, buf[:nonceSize], buf[nonceSize : nonceSize+n2], nil
}

// openKey returns the cipher for an encrypted data key, from the cache or
// from KMS. Concurrent Opens of one blob share a single Decrypt call.
func (s *Sealer) openKey(ctx context.Context, blob string) (cipher.AEAD, error) {
	for {
		s.mu.Lock()
		if el, ok := s.opened[blob]; ok {
			cached := el.Value.(*openKey)
			if s.now().Before(cached.expires) {
				s.lru.MoveToFront(el)
				s.mu.Unlock()
				return cached.aead, nil
			}
			s.lru.Remove(el)
			delete(s.opened, blob)
		}
		call, waiting := s.inflight[blob]
		if !waiting {
			call = &decryptCall{done: make(chan struct{})}
			s.inflight[blob] = call
		}
		s.mu.Unlock()

		if waiting {
			select {
			case <-call.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			// The caller that made the call may have given up on its own
			// context; that says nothing about this one, so try again.
			if call.err != nil && (errors.Is(call.err, context.Canceled) || errors.Is(call.err, context.DeadlineExceeded)) && ctx.Err() == nil {
				continue
			}
			return call.aead, call.err
		}

		call.aead, call.err = s.decrypt(ctx, blob)
		s.mu.Lock()
		delete(s.inflight, blob)
		if call.err == nil {
			s.remember(blob, call.aead, s.now())
		}
		s.mu.Unlock()
		close(call.done)
		return call.aead, call.err
	}
}

func (s *Sealer) decrypt(ctx context.Context, blob string) (cipher.AEAD, error) {
	raw, _ := b64.DecodeString(blob) // parse has checked it
	out, err := s.api.Decrypt(ctx, &kms.DecryptInput{
		CiphertextBlob: raw, KeyId: aws.String(s.keyID), EncryptionContext: dataKeyContext(),
		EncryptionAlgorithm: types.EncryptionAlgorithmSpecSymmetricDefault,
	})
	if err != nil {
		var invalid *types.InvalidCiphertextException
		var incorrect *types.IncorrectKeyException
		if errors.As(err, &invalid) || errors.As(err, &incorrect) {
			return nil, fmt.Errorf("decrypt data key: %w: %w", ErrInvalid, err)
		}
		return nil, fmt.Errorf("decrypt data key: %w", err)
	}
	if len(out.Plaintext) != dataKeySize {
		return nil, fmt.Errorf("decrypt data key: %w: it is %d bytes, want %d", ErrInvalid, len(out.Plaintext), dataKeySize)
	}
	return newAEAD(out.Plaintext)
}

// remember caches a decrypted data key, evicting the least recently used
// one beyond the bound; the caller holds s.mu.
func (s *Sealer) remember(blob string, aead cipher.AEAD, now time.Time) {
	if el, ok := s.opened[blob]; ok {
		s.lru.Remove(el)
	}
	s.opened[blob] = s.lru.PushFront(&openKey{blob: blob, aead: aead, expires: now.Add(s.maxAge)})
	for s.lru.Len() > openCacheSize {
		oldest := s.lru.Back()
		s.lru.Remove(oldest)
		delete(s.opened, oldest.Value.(*openKey).blob)
	}
}

// newAEAD builds AES-256-GCM from a data key and then wipes the key bytes:
// the cipher holds its own expanded copy, and one copy fewer in memory is
// one fewer to leak into a core dump. (Go gives no stronger guarantee.)
func newAEAD(key []byte) (cipher.AEAD, error) {
	defer clear(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// additionalData encodes a field context canonically: the domain string, then
// each key and value length-prefixed in key order. Length prefixes make the
// encoding unambiguous ({"a":"b,c"} and {"a":"b","c":""} differ), sorting
// makes it independent of map order. A nil and an empty context are the same.
func additionalData(fieldContext map[string]string) []byte {
	// Contexts have two or three entries; a fixed-capacity slice that does
	// not escape stays on the stack.
	keys := make([]string, 0, 8)
	n := len("kabinet-vault/") + len(version)
	for k, v := range fieldContext {
		keys = append(keys, k)
		n += len(k) + len(v) + 2*binary.MaxVarintLen64
	}
	sort.Strings(keys)
	out := make([]byte, 0, n)
	out = append(out, "kabinet-vault/"+version...)
	for _, k := range keys {
		out = binary.AppendUvarint(out, uint64(len(k)))
		out = append(out, k...)
		out = binary.AppendUvarint(out, uint64(len(fieldContext[k])))
		out = append(out, fieldContext[k]...)
	}
	return out
}
