// Package dynamo is Kabinet's only way to DynamoDB: one table, keys designed
// from the access patterns, conditional writes and transactions for anything
// that must happen once, and opaque cursors that cannot leave the caller's
// partition. It speaks only the core DynamoDB API that DynamoDB-compatible
// services (YDB Document API) also serve, and it has no Scan.
//
// # Table layout
//
// Attributes: PK, SK (primary key); GSI1PK, GSI1SK (index GSI1); GSI2PK,
// GSI2SK (index GSI2); TTL (epoch seconds, expiry); V (item version for
// optimistic locking). Every item also has Kind, naming its entity.
//
// # Access patterns
//
//	pattern                                   key
//	user's settings                           PK=USER#<sub>             SK=SETTINGS
//	a uniqueness claim (SNILS, phone, email)  PK=UNIQUE#<kind>#<hash>   SK=UNIQUE
//	a named counter (application numbers)     PK=COUNTER#<name>         SK=COUNTER
//
// Features add their patterns to this table and their key builders to this file.
package dynamo

import "strings"

// Attribute names of the table's keys.
const (
	AttrPK      = "PK"
	AttrSK      = "SK"
	AttrGSI1PK  = "GSI1PK"
	AttrGSI1SK  = "GSI1SK"
	AttrGSI2PK  = "GSI2PK"
	AttrGSI2SK  = "GSI2SK"
	AttrTTL     = "TTL"
	AttrVersion = "V"
	AttrKind    = "Kind"
)

// Index names.
const (
	IndexGSI1 = "GSI1"
	IndexGSI2 = "GSI2"
)

// Key is a primary key.
type Key struct {
	PK string `dynamodbav:"PK"`
	SK string `dynamodbav:"SK"`
}

func join(parts ...string) string { return strings.Join(parts, "#") }

// UserPK is the partition of everything one user owns.
func UserPK(sub string) string { return join("USER", sub) }

// SettingsKey is the user's settings item.
func SettingsKey(sub string) Key { return Key{PK: UserPK(sub), SK: "SETTINGS"} }

// UniqueKey is the item that claims a unique value (kind: "snils", "phone",
// "email") by its keyed hash, never the plain value.
func UniqueKey(kind, hash string) Key { return Key{PK: join("UNIQUE", kind, hash), SK: "UNIQUE"} }

// CounterKey is a named atomic counter.
func CounterKey(name string) Key { return Key{PK: join("COUNTER", name), SK: "COUNTER"} }
