// Package issuedtest gives tests that issue documents what stands in for
// KMS and the bucket: an in-memory signing key and an in-memory bucket.
package issuedtest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
)

// KeyID is the id Signer signs under.
const KeyID = "test-key"

// Signer signs with an in-memory ECDSA P-256 key, as KMS would.
type Signer struct{ Key *ecdsa.PrivateKey }

// NewSigner returns a Signer with a new key.
func NewSigner(t testing.TB) Signer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return Signer{Key: key}
}

// Sign signs a digest (ASN.1) under KeyID.
func (s Signer) Sign(_ context.Context, digest []byte) ([]byte, string, error) {
	sig, err := ecdsa.SignASN1(rand.Reader, s.Key, digest)
	return sig, KeyID, err
}

// PublicKey returns the public half of the key; any other id is an error.
func (s Signer) PublicKey(_ context.Context, keyID string) (*ecdsa.PublicKey, error) {
	if keyID != KeyID {
		return nil, fmt.Errorf("no key %s", keyID)
	}
	return &s.Key.PublicKey, nil
}

// Objects is an in-memory bucket, safe for concurrent use.
type Objects struct {
	mu    sync.Mutex
	files map[string][]byte
}

// NewObjects returns an empty bucket.
func NewObjects() *Objects { return &Objects{files: map[string][]byte{}} }

// Put stores an object.
func (o *Objects) Put(_ context.Context, key, _ string, body []byte) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.files[key] = body
	return nil
}

// Delete removes an object (none is fine).
func (o *Objects) Delete(_ context.Context, key string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.files, key)
	return nil
}

// File returns a stored object (nil when there is none).
func (o *Objects) File(key string) []byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.files[key]
}

// Len counts the stored objects.
func (o *Objects) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.files)
}
