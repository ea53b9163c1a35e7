// Package vault protects the personal identifiers Kabinet stores — passport,
// SNILS, INN — so that a raw DynamoDB item, a backup or an export of the
// table shows only ciphertext, and lookups by those identifiers still work.
//
// # Field encryption
//
// A [Sealer] encrypts one field value with AES-256-GCM under a data key
// issued by KMS (envelope encryption): the data key's KMS ciphertext travels
// with the value, the KMS key never leaves KMS. The sealed form is one
// compact string, safe in a DynamoDB string attribute and in JSON:
//
//	v1.<encrypted data key>.<nonce>.<ciphertext and tag>
//
// each part base64url without padding.
//
// Calling KMS for every field would cost a round trip and a request charge
// per field and per read, so data keys are cached:
//
//   - Sealing reuses one data key per process for at most 1000 values or one
//     hour, whichever comes first. The count keeps far below AES-GCM's limit
//     for random nonces and bounds how much data one key protects; the age
//     bounds how long a key sits in memory. The data key is generated with the
//     fixed KMS encryption context {"purpose": "kabinet-field"}, because the
//     key is shared by many fields and users; IAM policies can require it
//     with the kms:EncryptionContext:purpose condition key.
//   - Opening caches decrypted data keys by their encrypted form, in an LRU of
//     64 entries that each live at most one hour, so that disabling the KMS
//     key or revoking the role's kms:Decrypt cuts off reads within the hour.
//
// What ties a value to its place is the field context ([FieldContext]:
// {"user": sub, "field": "snils"}), which is authenticated as GCM additional
// data: a sealed value copied into another user's item or another attribute
// fails to open. Tampering with any part, a wrong context and malformed
// input all fail with an error matching [ErrInvalid]; Open never returns
// partial plaintext. KMS failures (throttling, access denied, network) are
// returned wrapped and do not match ErrInvalid, so callers can tell "this
// item is corrupt" from "try again".
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
