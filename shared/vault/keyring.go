package vault

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"sync"
)

// The purposes of the keys derived from the index secret. Each key is
// HMAC-SHA256(index key, purpose): one secret serves them all without any
// two sharing a key. This is the only place they are spelled; a purpose
// renamed here changes its key (for the journal: every chain fails Verify).
const (
	purposeCodes   = "kabinet one-time codes"
	purposeJournal = "kabinet activity journal"
	purposeFeeds   = "kabinet calendar feed tokens"
	purposeReads   = "kabinet access log"
)

// Keys are the blind index and every key derived from its secret.
type Keys struct {
	// Index computes blind-index values (SNILS, phone, email, INN).
	Index *Index
	// Codes keys the hashes of one-time codes at rest.
	Codes []byte
	// Journal keys the activity journal's hash chain.
	Journal []byte
	// Feeds keys the hashes of calendar subscription tokens at rest.
	Feeds []byte
	// Reads keys the access log's hash chain (the reads of a person's data
	// by others).
	Reads []byte
}

// DeriveKeys builds the index and derives every purpose key from the index
// secret.
func DeriveKeys(indexKey []byte) (Keys, error) {
	ix, err := NewIndex(indexKey)
	if err != nil {
		return Keys{}, err
	}
	return Keys{Index: ix, Codes: derive(indexKey, purposeCodes), Journal: derive(indexKey, purposeJournal),
		Feeds: derive(indexKey, purposeFeeds), Reads: derive(indexKey, purposeReads)}, nil
}

func derive(indexKey []byte, purpose string) []byte {
	m := hmac.New(sha256.New, indexKey)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// Keyring reads the index secret on first use and keeps the keys for the
// life of the process, so a cold start makes no round trip to Secrets
// Manager and a function that never needs a key never reads it. A failed
// read is not kept: the next call tries again. It is safe for concurrent use.
type Keyring struct {
	api      SecretsAPI
	secretID string

	mu   sync.Mutex
	keys *Keys
}

// NewKeyring returns a keyring over the secret secretID (a name or an ARN).
func NewKeyring(api SecretsAPI, secretID string) *Keyring {
	return &Keyring{api: api, secretID: secretID}
}

// FixedKeyring holds keys already derived (tests, the seeding).
func FixedKeyring(keys Keys) *Keyring { return &Keyring{keys: &keys} }

// Keys returns the keys, reading the secret the first time.
func (k *Keyring) Keys(ctx context.Context) (Keys, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.keys != nil {
		return *k.keys, nil
	}
	raw, err := LoadIndexKey(ctx, k.api, k.secretID)
	if err != nil {
		return Keys{}, err
	}
	keys, err := DeriveKeys(raw)
	if err != nil {
		return Keys{}, err
	}
	k.keys = &keys
	return keys, nil
}

// JournalKey gives the journal's key (journal.KeySource).
func (k *Keyring) JournalKey(ctx context.Context) ([]byte, error) {
	keys, err := k.Keys(ctx)
	return keys.Journal, err
}

// FeedKey gives the key of calendar subscription token hashes
// (calendar.KeySource).
func (k *Keyring) FeedKey(ctx context.Context) ([]byte, error) {
	keys, err := k.Keys(ctx)
	return keys.Feeds, err
}

// AccessLogKey gives the key of the access log's chain (accesslog.KeySource).
func (k *Keyring) AccessLogKey(ctx context.Context) ([]byte, error) {
	keys, err := k.Keys(ctx)
	return keys.Reads, err
}
