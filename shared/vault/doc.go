// Package vault protects the personal identifiers Kabinet stores — passport,
// SNILS, INN — so that a raw DynamoDB item, a backup or an export of the
// table shows only ciphertext, and lookups by those identifiers still work.
// The values themselves are sealed by vault/kmsseal (envelope encryption
// with KMS); this package holds the blind index and the keys derived from
// its secret, so a function that needs only a key does not link KMS.
//
// # Blind index
//
// Uniqueness and lookups ("is this SNILS registered?", "find charges by
// INN") cannot use the random-nonce ciphertext, and must not use the plain
// value as a key. An [Index] maps a normalized value to a keyed hash,
// HMAC-SHA256 under a secret key kept in Secrets Manager ([LoadIndexKey]),
// which is deterministic and so can be a partition key or the subject of a
// conditional write. It reveals only that two items hold the same value.
//
// The values it protects have little entropy (a SNILS has about a billion
// possible values), so whoever holds both the table and the index key can
// recover them by trying every value: the key must never be stored beside
// the data, logged or put in the template, and it is separate from KMS so
// that the Lambda role can be denied reading it where it is not needed.
//
// Values must be normalized before indexing — the hash of "112-233-445 95"
// differs from that of "11223344595". Use the validators in shared/validate,
// which return the canonical form.
package vault
