package vault

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

func TestKeyringReadsTheSecretOnceOnFirstUse(t *testing.T) {
	key := bytes.Repeat([]byte{9}, 32)
	var calls atomic.Int32
	fail := atomic.Bool{}
	fail.Store(true)
	api := &fakeSecrets{getSecretValue: func(context.Context, *secretsmanager.GetSecretValueInput) (*secretsmanager.GetSecretValueOutput, error) {
		calls.Add(1)
		if fail.Load() {
			return nil, errors.New("throttled")
		}
		return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(base64.StdEncoding.EncodeToString(key))}, nil
	}}
	ring := NewKeyring(api, "kabinet/index-key")
	if calls.Load() != 0 {
		t.Fatalf("NewKeyring read the secret %d times; want none before first use", calls.Load())
	}
	if _, err := ring.Keys(ctx); err == nil {
		t.Fatal("Keys with a failing secret read succeeded")
	}
	fail.Store(false)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := ring.JournalKey(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if calls.Load() != 2 {
		t.Errorf("the secret was read %d times; want 2 (a failure is retried, a success kept)", calls.Load())
	}
}

// The derived keys are the ones the chains and code hashes were made with
// before they were derived here (HMAC of the purpose under the index key),
// and no two purposes share one.
func TestDeriveKeysIsStable(t *testing.T) {
	key := bytes.Repeat([]byte{3}, 32)
	keys, err := DeriveKeys(key)
	if err != nil {
		t.Fatal(err)
	}
	want := func(purpose string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(purpose))
		return m.Sum(nil)
	}
	if !bytes.Equal(keys.Journal, want("kabinet activity journal")) || !bytes.Equal(keys.Codes, want("kabinet one-time codes")) ||
		!bytes.Equal(keys.Feeds, want("kabinet calendar feed tokens")) || !bytes.Equal(keys.Reads, want("kabinet access log")) {
		t.Error("a derived key changed: existing journals, pending codes or calendar subscriptions would no longer check out")
	}
	distinct := map[string]bool{string(key): true}
	for _, k := range [][]byte{keys.Journal, keys.Codes, keys.Feeds, keys.Reads} {
		if distinct[string(k)] {
			t.Error("two purposes share a key")
		}
		distinct[string(k)] = true
	}
	if _, err := DeriveKeys(key[:31]); err == nil {
		t.Error("a short index key was accepted")
	}
}
