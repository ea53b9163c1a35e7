// Package kmsseal is vault's field encryption through KMS.
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
package kmsseal
