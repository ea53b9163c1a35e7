package kmsseal

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// fakeKMS is a hand-written KMS whose behaviour each test sets through the
// function fields.
type fakeKMS struct {
	generateDataKey func(context.Context, *kms.GenerateDataKeyInput) (*kms.GenerateDataKeyOutput, error)
	decrypt         func(context.Context, *kms.DecryptInput) (*kms.DecryptOutput, error)
}

func (f *fakeKMS) GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, _ ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	return f.generateDataKey(ctx, in)
}

func (f *fakeKMS) Decrypt(ctx context.Context, in *kms.DecryptInput, _ ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	return f.decrypt(ctx, in)
}

// memoryKMS wires a fakeKMS to a working in-memory key store and counts the
// calls. Its "ciphertext blob" is a random handle, looked up on Decrypt
// together with the key id and encryption context it was issued for, so it
// fails the ways KMS does without doing any cryptography.
type memoryKMS struct {
	fakeKMS
	keyID     string
	generated atomic.Int64
	decrypted atomic.Int64

	mu   sync.Mutex
	keys map[string]issued
}

type issued struct {
	plaintext []byte
	ec        string
}

func newMemoryKMS(keyID string) *memoryKMS {
	m := &memoryKMS{keyID: keyID, keys: map[string]issued{}}
	m.generateDataKey = func(_ context.Context, in *kms.GenerateDataKeyInput) (*kms.GenerateDataKeyOutput, error) {
		m.generated.Add(1)
		if aws.ToString(in.KeyId) != m.keyID {
			return nil, &types.NotFoundException{Message: aws.String("no such key")}
		}
		if in.KeySpec != types.DataKeySpecAes256 {
			return nil, errors.New("fake: want KeySpec AES_256")
		}
		handle := make([]byte, 48)
		_, _ = rand.Read(handle)
		key := make([]byte, 32)
		_, _ = rand.Read(key)
		m.mu.Lock()
		m.keys[string(handle)] = issued{plaintext: bytes.Clone(key), ec: canonical(in.EncryptionContext)}
		m.mu.Unlock()
		return &kms.GenerateDataKeyOutput{CiphertextBlob: handle, Plaintext: key, KeyId: in.KeyId}, nil
	}
	m.decrypt = func(_ context.Context, in *kms.DecryptInput) (*kms.DecryptOutput, error) {
		m.decrypted.Add(1)
		if aws.ToString(in.KeyId) != m.keyID {
			return nil, &types.IncorrectKeyException{Message: aws.String("wrong key")}
		}
		m.mu.Lock()
		k, ok := m.keys[string(in.CiphertextBlob)]
		m.mu.Unlock()
		if !ok || k.ec != canonical(in.EncryptionContext) {
			return nil, &types.InvalidCiphertextException{Message: aws.String("invalid ciphertext")}
		}
		// A copy, because the Sealer wipes the key it is given.
		return &kms.DecryptOutput{Plaintext: bytes.Clone(k.plaintext), KeyId: in.KeyId}, nil
	}
	return m
}

func canonical(ec map[string]string) string {
	var parts []string
	for k, v := range ec {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	return strings.Join(parts, "&")
}
