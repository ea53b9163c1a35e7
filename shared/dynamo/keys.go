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
//	an account (profile, sign-in state)       PK=USER#<sub>             SK=ACCOUNT
//	a user's sessions, newest first           PK=USER#<sub>             SK begins_with SESSION#
//	the session of an access token (guard)    PK=ACCESS#<jti>           SK=ACCESS
//	a user's sign-in history, newest first    PK=USER#<sub>             SK begins_with LOGIN#<time>
//	devices and addresses a user signed in from PK=USER#<sub>           SK=DEVICE#<hash>
//	a pending registration                    PK=REG#<id>               SK=REG
//	a pending sign-in challenge (MFA)         PK=CHALLENGE#<id>         SK=CHALLENGE
//	a sign-in lock by its number (support)    PK=LOCK#<number>          SK=LOCK
//	a pending password reset                  PK=RESET#<id>             SK=RESET
//	a rate-limit window (per IP, per target)  PK=RATE#<scope>#<key>     SK=<window start>
//	a user's inbox, newest first              PK=USER#<sub>             SK begins_with NOTE#<time>
//	a user's unread count                     PK=USER#<sub>             SK=UNREAD
//	a user's notification preferences         PK=USER#<sub>             SK=PREFS
//	a user's push devices                     PK=USER#<sub>             SK begins_with PUSH#
//	one delivery of a note on one channel     PK=DELIVERY#<sub>#<note>  SK=<channel>
//	deliveries due, by time (sparse GSI2)     GSI2PK=DUE#<shard>        GSI2SK=<next attempt>#...
//	a producer's dedupe claim for a note      PK=NOTEREF#<hash>         SK=NOTEREF
//	a user's reminders                        PK=USER#<sub>             SK=REMINDER#<id>
//	reminders due in a minute (sparse GSI1)   GSI1PK=REMIND#<minute>#<shard> GSI1SK=<sub>#<id>
//	the reminder run's progress               PK=REMINDERS              SK=CURSOR
//	a user's profile change history           PK=USER#<sub>             SK begins_with PROFHIST#<time>
//	a pending contact change (code sent)      PK=USER#<sub>             SK=CONTACT#<phone|email>
//	a user's profile change requests          PK=USER#<sub>             SK begins_with CHANGEREQ#<time>
//	a department's pending change requests    GSI1PK=CHANGEREQ#pending#<dept> GSI1SK=<created>#<sub>#<id>
//	every pending change request (registrars) GSI2PK=CHANGEREQ#pending  GSI2SK=<created>#<sub>#<id>
//	a user's applications, newest first       PK=USER#<sub>             SK begins_with APPL#<time>
//	an application's status journal           PK=USER#<sub>             SK begins_with APPLOG#<id>#
//	an application by id (for officers)       PK=APPLICATION#<id>       SK=APPLICATION
//	a department's queue by status, oldest first GSI1PK=QUEUE#<dept>    GSI1SK=<status>#<submitted>#<id>
//	a user's identity documents               PK=USER#<sub>             SK begins_with IDDOC#
//	a user's personal-data exports            PK=USER#<sub>             SK=EXPORT#<id>
//	a user's document scans, newest first     PK=USER#<sub>             SK begins_with DOC#<time>
//	a user's calendar, by date                PK=USER#<sub>             SK between CAL#<from> and CAL#<to>
//	a user's calendar subscriptions           PK=USER#<sub>             SK begins_with CALFEED#
//	a calendar subscription by its token      PK=CALFEED#<keyed hash>   SK=CALFEED
//	how many calendar feeds a user keeps      PK=USER#<sub>             SK=CALFEEDCOUNT
//	a user's activity journal, by sequence    PK=USER#<sub>             SK begins_with JOURNAL#<seq>
//	the head of a user's journal              PK=USER#<sub>             SK=JOURNAL-HEAD
//	a person's access log (reads by others)   PK=USER#<sub>             SK begins_with READLOG#<seq>
//	the head of a person's access log         PK=USER#<sub>             SK=READLOG-HEAD
//	a read not yet in the access log          PK=USER#<sub>             SK begins_with READPEND#<at>#<id>
//	reads not yet in any log (sparse GSI2)    GSI2PK=READPEND#<shard>   GSI2SK=<at>#<sub>#<id>
//	a person's flag on an access log entry    PK=USER#<sub>             SK=READFLAG#<seq>
//	flagged entries for support (sparse GSI1) GSI1PK=READFLAGS          GSI1SK=<flagged>#<sub>#<seq>
//	a person's consents                       PK=USER#<sub>             SK begins_with CONSENT#<id>
//	the history of one consent                PK=USER#<sub>             SK begins_with CONSENTLOG#<id>#<seq>
//	an organisation's consents (GSI1)         GSI1PK=PARTNER#<org>      GSI1SK=<requested>#<id>
//	consents and requests to lapse (GSI2)     GSI2PK=CONSENTDUE#<shard> GSI2SK=<due>#<sub>#<id>
//	a consent by its id (for organisations)   PK=CONSENTID#<id>         SK=CONSENTID
//	an organisation's request by its own id   PK=CONSENTREQ#<org>#<id>  SK=CONSENTREQ
//	a person as one organisation knows them   PK=PARTNERPERSON#<org>#<ref> SK=PARTNERPERSON
//	a reference a person gave an organisation PK=CONSENTREF#<keyed hash> SK=CONSENTREF
//	a department's queue in one status        GSI1PK=QUEUE#<dept>       GSI1SK begins_with <status>#
//	the application numbers of a year         PK=COUNTER#application-number-<year> SK=COUNTER
//	a user's application templates            PK=USER#<sub>             SK begins_with APPTPL#
//	how many templates a user keeps           PK=USER#<sub>             SK=APPTPLCOUNT
//	an issued document by verification code   PK=VERIFY#<code>          SK=VERIFY
//	a pending signing code of a document      PK=USER#<sub>             SK=SIGNCODE#<doc>
//
//	a charge by its УИН (the agency's)        PK=CHARGE#<uin>           SK=CHARGE
//	the charges of a payer identifier         PK=PAYER#<kind>#<hash>    SK=CHARGE#<uin>
//	the people of a payer identifier          PK=PAYERID#<kind>#<hash>  SK=SUB#<sub>
//	a person's link to a charge               PK=USER#<sub>             SK=CHARGELINK#<uin>
//	a person's charges, unpaid first by due   GSI1PK=CHARGES#<sub>      GSI1SK=<rank>#<due>#<uin>
//	a person's vehicles                       PK=USER#<sub>             SK begins_with VEHICLE#
//	a person's utility accounts               PK=USER#<sub>             SK begins_with UTILACC#
//	a payment                                 PK=PAYMENT#<id>           SK=PAYMENT
//	a person's payments, newest first         GSI1PK=PAYMENTS#<sub>     GSI1SK=<created>#<id>
//	payments not yet final (reconciliation)   GSI2PK=PAYMENTS-OPEN      GSI2SK=<created>#<id>
//	payments left unknown (operators)         GSI2PK=PAYMENTS-FLAGGED   GSI2SK=<flagged>#<id>
//	a person's use of an idempotency key      PK=IDEMP#<sub>#<hash>     SK=IDEMP
//	a meter's last accepted reading           PK=USER#<sub>             SK=METER#<account id>#<meter>
//	a meter reading                           PK=USER#<sub>             SK=READING#<account id>#<at>#<meter>
//	a utility provider's readings, by time    GSI1PK=READINGS#<provider> GSI1SK=<at>#...
//	a person's own payment limits             PK=USER#<sub>             SK=PAYLIMITS
//	a person's payments of a day or month     PK=USER#<sub>             SK=PAYUSE#<YYYY-MM-DD or YYYY-MM>
//	a person's saved payment methods (cards)  PK=USER#<sub>             SK begins_with PAYMETHOD#
//	a payment method's owner (notifications)  PK=PAYMETHOD#<id>         SK=PAYMETHOD
//	a person's autopay rules                  PK=USER#<sub>             SK begins_with AUTORULE#
//	an autopay rule's payments of a month     PK=USER#<sub>             SK=AUTORULEUSE#<rule>#<YYYY-MM>
//	a person's autopay of a charge (one ever) PK=USER#<sub>             SK=AUTOPAY#<uin>
//	a person's autopays, newest first         GSI1PK=AUTOPAYS#<sub>     GSI1SK=<created>#<uin>
//	autopays due, by time (sparse GSI2)       GSI2PK=AUTOPAY-DUE#<shard> GSI2SK=<due or lease end>#<sub>#<uin>
//	a payment's refunds, oldest first         PK=PAYMENT#<id>           SK begins_with REFUND#<id>
//	refunds not yet final (reconciliation)    GSI2PK=REFUNDS-OPEN       GSI2SK=<created>#<payment>#<refund>
//	a payment's money still to refund        PK=PAYMENT#<id>           SK=REFUND-DUE
//	payments with money to refund (sweep)     GSI2PK=REFUNDS-DUE        GSI2SK=<found>#<payment>
//	a person's use of a refund's key          PK=IDEMP#<sub>#R<hash>    SK=IDEMP
//
//	an organisation taking appointments       PK=ORG#<org>              SK=ORG
//	its resources (a doctor, an exam, a window) PK=ORG#<org>            SK begins_with RES#
//	its closed days of a resource              PK=ORG#<org>              SK=CLOSED#<date>#<resource>
//	the organisations of a region, by kind     GSI1PK=ORGS#<region>      GSI1SK=<kind>#<org>
//	every organisation (the slot run)          GSI2PK=ORGS               GSI2SK=<org>
//	an organisation's day, in local time       PK=DAY#<org>#<date>       SK begins_with SLOT#<hhmm>#<resource>,
//	  (its slots, visits and held places)                                  VISIT#<hhmm>#<resource>#<id>, HOLD#<hhmm>#<resource>#<entry>
//	free slots of a service in a region        GSI1PK=FREE#<service>#<region> GSI1SK=<start UTC>#<org>#<resource>
//	free slots of a service at an organisation GSI2PK=FREEORG#<org>#<service> GSI2SK=<start UTC>#<resource>
//	a person's appointment                     PK=USER#<sub>             SK=APPT#<id>
//	a person's appointments by start           GSI1PK=APPTS#<sub>        GSI1SK=<start UTC>#<id>
//	a person's active appointments (the rules) PK=USER#<sub>             SK=APPTLEDGER#<attendee>
//	a person's waitlist entries                PK=USER#<sub>             SK=WAIT#<id>
//	a resource's waitlist, first come first    PK=WAITQ#<org>#<resource> SK=<joined>#<sub>#<id>
//	places offered and held, by expiry         GSI2PK=WAIT-OFFERS        GSI2SK=<expires UTC>#<sub>#<id>
//	ticket numbers of an organisation's day    PK=COUNTER#ticket-<org>-<date> SK=COUNTER
//	a person's support tickets, newest first  PK=USER#<sub>             SK begins_with TICKET#<id>
//	a ticket's messages, in order             PK=USER#<sub>             SK begins_with TICKETMSG#<id>#<seq>
//	a ticket by id (operators)                PK=TICKET#<id>            SK=TICKET
//	the operators' queue, by SLA due time     GSI1PK=SUPPORT-QUEUE      GSI1SK=<due>#<rank>#<id>
//	tickets' timers (notice, solve, close)    GSI2PK=SUPPORT-TIMERS     GSI2SK=<at>#<id>
//	the ticket numbers of a year              PK=COUNTER#support-ticket-<year> SK=COUNTER
//	a chat conversation                       PK=CHAT#<id>              SK=CHAT
//	a chat's messages, in order               PK=CHAT#<id>              SK begins_with MSG#<seq>
//	a chat message by its sender's client id  PK=CHAT#<id>              SK=CLIENT#<sender>#<hash>
//	a person's chat conversations             PK=USER#<sub>             SK begins_with CHAT#<id>
//	conversations waiting for an operator     GSI1PK=CHAT-WAITING       GSI1SK=<created>#<id>
//	a WebSocket connection                    PK=WSCONN#<connection id> SK=WSCONN
//	a person's WebSocket connections          PK=USER#<sub>             SK begins_with WSCONN#
//	a one-time WebSocket connection ticket    PK=WSTICKET#<hash>        SK=WSTICKET
//	an operator's chat presence               PK=OPERATOR#<sub>         SK=PRESENCE
//	operators free for a chat, longest first  GSI1PK=OPERATORS-FREE     GSI1SK=<free since>#<sub>
//	operators online                          GSI2PK=OPERATORS-ONLINE   GSI2SK=<sub>
//	an FAQ answer's "helped" counts           PK=FAQ#<id>               SK=FAQ
//	an assisted recovery request              PK=RECOVERY#<id>          SK=RECOVERY
//	recovery requests to decide, by due time  GSI1PK=RECOVERY-QUEUE     GSI1SK=<due>#<id>
//	the recovery request numbers of a year    PK=COUNTER#support-recovery-<year> SK=COUNTER
//	recovery requests of a login in a day     PK=RATE#recovery-login#<login hash> SK=<day>
//
// Features add their patterns to this table and their key builders to this file.
package dynamo

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

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

// AccountKey is a user's account.
func AccountKey(sub string) Key { return Key{PK: UserPK(sub), SK: "ACCOUNT"} }

// SessionPrefix is the sort-key prefix of a user's sessions.
const SessionPrefix = "SESSION#"

// SessionKey is one session of a user.
func SessionKey(sub, id string) Key { return Key{PK: UserPK(sub), SK: SessionPrefix + id} }

// AccessKey maps an access token (by its jti) to its session.
func AccessKey(jti string) Key { return Key{PK: join("ACCESS", jti), SK: "ACCESS"} }

// LoginPrefix is the sort-key prefix of a user's sign-in history.
const LoginPrefix = "LOGIN#"

// LoginKey is one sign-in attempt; the time sorts the history.
func LoginKey(sub, at, id string) Key { return Key{PK: UserPK(sub), SK: LoginPrefix + at + "#" + id} }

// DeviceKey records that a user signed in from a device or an address.
func DeviceKey(sub, hash string) Key { return Key{PK: UserPK(sub), SK: join("DEVICE", hash)} }

// RegistrationKey is a pending registration.
func RegistrationKey(id string) Key { return Key{PK: join("REG", id), SK: "REG"} }

// LockKey finds a sign-in lock by the number the person quotes to support.
func LockKey(number string) Key { return Key{PK: join("LOCK", number), SK: "LOCK"} }

// ChallengeKey is a pending sign-in challenge.
func ChallengeKey(id string) Key { return Key{PK: join("CHALLENGE", id), SK: "CHALLENGE"} }

// ResetKey is a pending password reset.
func ResetKey(id string) Key { return Key{PK: join("RESET", id), SK: "RESET"} }

// RateKey is one window of a rate limit.
func RateKey(scope, key, window string) Key { return Key{PK: join("RATE", scope, key), SK: window} }

// NotePrefix is the sort-key prefix of a user's inbox.
const NotePrefix = "NOTE#"

// NoteKey is one inbox record; its id sorts by time.
func NoteKey(sub, id string) Key { return Key{PK: UserPK(sub), SK: NotePrefix + id} }

// UnreadKey is a user's unread counter.
func UnreadKey(sub string) Key { return Key{PK: UserPK(sub), SK: "UNREAD"} }

// PrefsKey is a user's notification preferences.
func PrefsKey(sub string) Key { return Key{PK: UserPK(sub), SK: "PREFS"} }

// PushPrefix is the sort-key prefix of a user's push devices.
const PushPrefix = "PUSH#"

// PushKey is one push device of a user.
func PushKey(sub, id string) Key { return Key{PK: UserPK(sub), SK: PushPrefix + id} }

// DeliveryKey is one note's delivery on one channel.
func DeliveryKey(sub, noteID, channel string) Key {
	return Key{PK: join("DELIVERY", sub, noteID), SK: channel}
}

// DuePK is the GSI2 partition of deliveries due, spread over shards.
func DuePK(shard int) string { return join("DUE", fmt.Sprint(shard)) }

// NoteRefKey claims a producer's reference so a note is made once.
func NoteRefKey(hash string) Key { return Key{PK: join("NOTEREF", hash), SK: "NOTEREF"} }

// ReminderKey is one of a user's reminders.
func ReminderKey(sub, id string) Key { return Key{PK: UserPK(sub), SK: join("REMINDER", id)} }

// RemindPK is the GSI1 partition of reminders due in one minute (UTC,
// "2006-01-02T15:04") and one shard.
func RemindPK(minute string, shard int) string { return join("REMIND", minute, fmt.Sprint(shard)) }

// RemindSK orders a due reminder within its minute's shard.
func RemindSK(sub, id string) string { return join(sub, id) }

// ReminderCursorKey records the last minute the reminder run finished.
func ReminderCursorKey() Key { return Key{PK: "REMINDERS", SK: "CURSOR"} }

// CalendarPrefix is the sort-key prefix of a user's calendar.
const CalendarPrefix = "CAL#"

// CalendarKey is one dated item; the start time sorts the calendar.
func CalendarKey(sub, start, id string) Key {
	return Key{PK: UserPK(sub), SK: CalendarPrefix + start + "#" + id}
}

// CalendarFeedPrefix is the sort-key prefix of a user's calendar
// subscriptions ("CALF" sorts after every "CAL#" key, so a period of the
// calendar never reads them).
const CalendarFeedPrefix = "CALFEED#"

// CalendarFeedKey is one calendar subscription in its owner's partition.
func CalendarFeedKey(sub, id string) Key { return Key{PK: UserPK(sub), SK: CalendarFeedPrefix + id} }

// CalendarFeedTokenKey finds a calendar subscription by the keyed hash of
// its token (the public feed's only way in); the token itself is never stored.
func CalendarFeedTokenKey(hash string) Key { return Key{PK: join("CALFEED", hash), SK: "CALFEED"} }

// CalendarFeedCountKey counts a user's calendar subscriptions, to hold
// them to a cap ("CALFEEDCOUNT" does not begin with CalendarFeedPrefix, so
// listing the subscriptions never reads it).
func CalendarFeedCountKey(sub string) Key { return Key{PK: UserPK(sub), SK: "CALFEEDCOUNT"} }

// DocumentPrefix is the sort-key prefix of a user's document scans.
const DocumentPrefix = "DOC#"

// DocumentKey is one document scan; its id sorts by time.
func DocumentKey(sub, id string) Key { return Key{PK: UserPK(sub), SK: DocumentPrefix + id} }

// JournalPrefix is the sort-key prefix of a user's activity journal.
const JournalPrefix = "JOURNAL#"

// JournalKey is one entry of a user's journal; the zero-padded sequence
// number sorts the journal in the order it was written.
func JournalKey(sub string, seq int64) Key {
	return Key{PK: UserPK(sub), SK: fmt.Sprintf("%s%012d", JournalPrefix, seq)}
}

// JournalHeadKey holds the last sequence number and hash of a user's journal.
func JournalHeadKey(sub string) Key { return Key{PK: UserPK(sub), SK: "JOURNAL-HEAD"} }

// ReadLogPrefix is the sort-key prefix of a person's access log: the reads
// of their data by anyone but them.
const ReadLogPrefix = "READLOG#"

// ReadLogKey is one entry of a person's access log, numbered as written.
func ReadLogKey(sub string, seq int64) Key {
	return Key{PK: UserPK(sub), SK: fmt.Sprintf("%s%012d", ReadLogPrefix, seq)}
}

// ReadLogHeadKey holds the last number and hash of a person's access log.
func ReadLogHeadKey(sub string) Key { return Key{PK: UserPK(sub), SK: "READLOG-HEAD"} }

// ReadPendingPrefix is the sort-key prefix of the reads of a person's data
// recorded but not yet chained into their access log.
const ReadPendingPrefix = "READPEND#"

// ReadPendingKey is one recorded read waiting for the log; at sorts them.
func ReadPendingKey(sub, at, id string) Key {
	return Key{PK: UserPK(sub), SK: ReadPendingPrefix + at + "#" + id}
}

// ReadPendingPK is the GSI2 partition of reads waiting for any log, spread
// over shards, for the sweep.
func ReadPendingPK(shard int) string { return join("READPEND", fmt.Sprint(shard)) }

// ReadFlagPrefix is the sort-key prefix of a person's flags on their
// access log's entries.
const ReadFlagPrefix = "READFLAG#"

// ReadFlagKey is a person's flag on entry seq of their access log.
func ReadFlagKey(sub string, seq int64) Key {
	return Key{PK: UserPK(sub), SK: fmt.Sprintf("%s%012d", ReadFlagPrefix, seq)}
}

// ReadFlagsPK is the GSI1 partition of flagged entries, support's queue.
const ReadFlagsPK = "READFLAGS"

// ConsentPrefix is the sort-key prefix of a person's consents.
const ConsentPrefix = "CONSENT#"

// ConsentKey is one of a person's consents.
func ConsentKey(sub, id string) Key { return Key{PK: UserPK(sub), SK: ConsentPrefix + id} }

// ConsentLogPrefix is the sort-key prefix of one consent's history.
func ConsentLogPrefix(id string) string { return "CONSENTLOG#" + id + "#" }

// ConsentLogKey is one change of a consent, numbered from 1.
func ConsentLogKey(sub, id string, seq int) Key {
	return Key{PK: UserPK(sub), SK: fmt.Sprintf("%s%04d", ConsentLogPrefix(id), seq)}
}

// PartnerConsentsPK is the GSI1 partition of one organisation's consents.
func PartnerConsentsPK(org string) string { return join("PARTNER", org) }

// ConsentDuePK is the GSI2 partition of consents and requests that lapse
// at a time (GSI2SK begins with it), spread over shards.
func ConsentDuePK(shard int) string { return join("CONSENTDUE", fmt.Sprint(shard)) }

// ConsentPointerKey finds a consent's person and organisation by its id,
// for the organisation that asked for it.
func ConsentPointerKey(id string) Key { return Key{PK: join("CONSENTID", id), SK: "CONSENTID"} }

// ConsentRequestKey claims an organisation's own id of a consent request,
// so that a request sent again is the same request.
func ConsentRequestKey(org, requestID string) Key {
	return Key{PK: join("CONSENTREQ", org, requestID), SK: "CONSENTREQ"}
}

// PartnerPersonKey finds a person by the reference one organisation knows
// them by (each organisation another, none a personal identifier).
func PartnerPersonKey(org, ref string) Key {
	return Key{PK: join("PARTNERPERSON", org, ref), SK: "PARTNERPERSON"}
}

// ConsentReferenceKey is a reference a person made to give an organisation,
// by its keyed hash (the reference itself is never stored).
func ConsentReferenceKey(hash string) Key { return Key{PK: join("CONSENTREF", hash), SK: "CONSENTREF"} }

// ProfileHistoryPrefix is the sort-key prefix of a user's profile history.
const ProfileHistoryPrefix = "PROFHIST#"

// ProfileHistoryKey is one change of a profile field.
func ProfileHistoryKey(sub, at, id string) Key {
	return Key{PK: UserPK(sub), SK: ProfileHistoryPrefix + at + "#" + id}
}

// ContactChangeKey is a pending change of a contact ("phone" or "email").
func ContactChangeKey(sub, kind string) Key { return Key{PK: UserPK(sub), SK: join("CONTACT", kind)} }

// ChangeRequestPrefix is the sort-key prefix of a user's change requests.
const ChangeRequestPrefix = "CHANGEREQ#"

// ChangeRequestKey is one change request; its id sorts by time.
func ChangeRequestKey(sub, id string) Key { return Key{PK: UserPK(sub), SK: ChangeRequestPrefix + id} }

// PendingChangeRequestsPK is the GSI1 partition of the pending change
// requests a department decides (the fields it owns).
func PendingChangeRequestsPK(department string) string {
	return join("CHANGEREQ", "pending", department)
}

// AllPendingChangeRequestsPK is the GSI2 partition of every pending change
// request (the registrars' queue).
const AllPendingChangeRequestsPK = "CHANGEREQ#pending"

// ChangeRequestQueueSK orders a change request in the queues: oldest first.
func ChangeRequestQueueSK(created, sub, id string) string { return join(created, sub, id) }

// ExportKey is one personal-data export of a user.
func ExportKey(sub, id string) Key { return Key{PK: UserPK(sub), SK: join("EXPORT", id)} }

// Everything reads a user's whole partition, in pages (for the export).
func (s *Store) Everything(ctx context.Context, sub string, out *[]map[string]types.AttributeValue) error {
	cursor := ""
	for {
		res, next, err := s.rawPage(ctx, UserPK(sub), cursor)
		if err != nil {
			return err
		}
		*out = append(*out, res...)
		if next == "" {
			return nil
		}
		cursor = next
	}
}

// IdentityDocPrefix is the sort-key prefix of a user's identity documents.
const IdentityDocPrefix = "IDDOC#"

// IdentityDocKey is one identity document of a user.
func IdentityDocKey(sub, id string) Key { return Key{PK: UserPK(sub), SK: IdentityDocPrefix + id} }

// ApplicationPrefix is the sort-key prefix of a user's applications.
const ApplicationPrefix = "APPL#"

// ApplicationKey is one of a user's applications; its id sorts by time.
func ApplicationKey(sub, id string) Key { return Key{PK: UserPK(sub), SK: ApplicationPrefix + id} }

// ApplicationLogPrefix is the sort-key prefix of one application's journal.
func ApplicationLogPrefix(id string) string { return "APPLOG#" + id + "#" }

// ApplicationOfLog is the application id in a log item's sort key.
func ApplicationOfLog(sk string) string {
	id, _, _ := strings.Cut(strings.TrimPrefix(sk, "APPLOG#"), "#")
	return id
}

// ApplicationLogKey is one status change of an application.
func ApplicationLogKey(sub, id, at string) Key {
	return Key{PK: UserPK(sub), SK: ApplicationLogPrefix(id) + at}
}

// ApplicationPointerKey finds an application's owner by its id.
func ApplicationPointerKey(id string) Key { return Key{PK: join("APPLICATION", id), SK: "APPLICATION"} }

// QueuePK is the GSI1 partition of a department's applications.
func QueuePK(department string) string { return join("QUEUE", department) }

// TemplatePrefix is the sort-key prefix of a user's application templates.
const TemplatePrefix = "APPTPL#"

// TemplateKey is one of a user's personal application templates.
func TemplateKey(sub, id string) Key { return Key{PK: UserPK(sub), SK: TemplatePrefix + id} }

// TemplateCountKey counts a user's templates, to hold them to a cap.
func TemplateCountKey(sub string) Key { return Key{PK: UserPK(sub), SK: "APPTPLCOUNT"} }

// VerificationKey is the public record of an issued document, found by the
// verification code printed on it.
func VerificationKey(code string) Key { return Key{PK: join("VERIFY", code), SK: "VERIFY"} }

// SignatureCodeKey is a pending one-time code that signs one document of a
// user (an application at one version).
func SignatureCodeKey(sub, docID string) Key {
	return Key{PK: UserPK(sub), SK: join("SIGNCODE", docID)}
}

// QueueSK is an application's GSI1 sort key in its department's queue: the
// status first, so that one status is a prefix (QueueStatusPrefix), then
// the submission time, so that each status reads oldest first.
func QueueSK(status, submittedAt, id string) string { return join(status, submittedAt, id) }

// QueueStatusPrefix is the part of QueueSK that selects one status.
func QueueStatusPrefix(status string) string { return status + "#" }

// ApplicationNumberCounter names the counter of one year's application
// numbers (YYYY), for Store.Next.
func ApplicationNumberCounter(year string) string { return "application-number-" + year }

// ChargeKey is a charge, found by its УИН.
func ChargeKey(uin string) Key { return Key{PK: join("CHARGE", uin), SK: "CHARGE"} }

// PayerPK is the partition of the charges posted for one payer identifier
// (kind "snils", "inn", "dl", "sts", "utility"), by its blind-index hash.
func PayerPK(kind, hash string) string { return join("PAYER", kind, hash) }

// PayerChargeKey lists a charge under one of its payer identifiers.
func PayerChargeKey(kind, hash, uin string) Key {
	return Key{PK: PayerPK(kind, hash), SK: join("CHARGE", uin)}
}

// PayerIDPK is the partition of the people who hold one payer identifier.
func PayerIDPK(kind, hash string) string { return join("PAYERID", kind, hash) }

// PayerIDKey says that a person holds a payer identifier.
func PayerIDKey(kind, hash, sub string) Key {
	return Key{PK: PayerIDPK(kind, hash), SK: join("SUB", sub)}
}

// ChargeLinkPrefix is the sort-key prefix of a person's charge links.
const ChargeLinkPrefix = "CHARGELINK#"

// ChargeLinkKey links a charge to a person who owes it.
func ChargeLinkKey(sub, uin string) Key { return Key{PK: UserPK(sub), SK: ChargeLinkPrefix + uin} }

// ChargesPK is the GSI1 partition of a person's charges.
func ChargesPK(sub string) string { return join("CHARGES", sub) }

// ChargesSK orders a person's charges: by rank (unpaid first), then due
// date, then УИН.
func ChargesSK(rank int, due, uin string) string { return join(fmt.Sprint(rank), due, uin) }

// VehiclePrefix is the sort-key prefix of a person's vehicles.
const VehiclePrefix = "VEHICLE#"

// VehicleKey is one of a person's vehicles.
func VehicleKey(sub, id string) Key { return Key{PK: UserPK(sub), SK: VehiclePrefix + id} }

// UtilityAccountPrefix is the sort-key prefix of a person's utility accounts.
const UtilityAccountPrefix = "UTILACC#"

// UtilityAccountKey is one of a person's utility accounts.
func UtilityAccountKey(sub, id string) Key {
	return Key{PK: UserPK(sub), SK: UtilityAccountPrefix + id}
}

// PaymentKey is a payment.
func PaymentKey(id string) Key { return Key{PK: join("PAYMENT", id), SK: "PAYMENT"} }

// PaymentsPK is the GSI1 partition of a person's payments.
func PaymentsPK(sub string) string { return join("PAYMENTS", sub) }

// The GSI2 partitions of payments an operator or a schedule looks after.
const (
	OpenPaymentsPK    = "PAYMENTS-OPEN"
	FlaggedPaymentsPK = "PAYMENTS-FLAGGED"
)

// IdempotencyKey records a person's use of an Idempotency-Key (by its
// hash) for 24 hours.
func IdempotencyKey(sub, hash string) Key { return Key{PK: join("IDEMP", sub, hash), SK: "IDEMP"} }

// RefundPrefix is the sort-key prefix of a payment's refunds.
const RefundPrefix = "REFUND#"

// RefundKey is one refund of a payment, beside it in its partition.
func RefundKey(paymentID, refundID string) Key {
	return Key{PK: join("PAYMENT", paymentID), SK: RefundPrefix + refundID}
}

// PaymentPK is the partition of a payment and its refunds.
func PaymentPK(paymentID string) string { return join("PAYMENT", paymentID) }

// RefundDueKey marks a payment with money found not owed that no refund
// returns yet.
func RefundDueKey(paymentID string) Key { return Key{PK: join("PAYMENT", paymentID), SK: "REFUND-DUE"} }

// The GSI2 partitions of refunds the reconciliation looks after: those the
// provider has not ended, and payments with money still to refund.
const (
	OpenRefundsPK = "REFUNDS-OPEN"
	DueRefundsPK  = "REFUNDS-DUE"
)

// PaymentLimitsKey is a person's own payment limits.
func PaymentLimitsKey(sub string) Key { return Key{PK: UserPK(sub), SK: "PAYLIMITS"} }

// PaymentUsageKey sums a person's payments of a day (YYYY-MM-DD) or a
// month (YYYY-MM).
func PaymentUsageKey(sub, period string) Key { return Key{PK: UserPK(sub), SK: "PAYUSE#" + period} }

// MeterKey is the last accepted reading of a meter of a utility account.
func MeterKey(sub, accountID, meter string) Key {
	return Key{PK: UserPK(sub), SK: join("METER", accountID, meter)}
}

// ReadingKey is one reading of a meter.
func ReadingKey(sub, accountID, meter, at string) Key {
	return Key{PK: UserPK(sub), SK: join("READING", accountID, at, meter)}
}

// ReadingPrefix is the sort-key prefix of an account's readings.
func ReadingPrefix(accountID string) string { return join("READING", accountID) + "#" }

// ProviderReadingsPK is the GSI1 partition of a utility provider's readings.
func ProviderReadingsPK(provider string) string { return join("READINGS", provider) }

// TicketPrefix is the sort-key prefix of a person's support tickets.
const TicketPrefix = "TICKET#"

// TicketKey is one of a person's support tickets; its id sorts by time.
func TicketKey(sub, id string) Key { return Key{PK: UserPK(sub), SK: TicketPrefix + id} }

// TicketMessagePrefix is the sort-key prefix of one ticket's messages.
func TicketMessagePrefix(id string) string { return "TICKETMSG#" + id + "#" }

// TicketMessageKey is one message of a ticket; the zero-padded sequence
// sorts them in the order they were written.
func TicketMessageKey(sub, id string, seq int64) Key {
	return Key{PK: UserPK(sub), SK: fmt.Sprintf("%s%06d", TicketMessagePrefix(id), seq)}
}

// TicketPointerKey finds a ticket's owner by its id.
func TicketPointerKey(id string) Key { return Key{PK: join("TICKET", id), SK: "TICKET"} }

// The GSI partitions of support: the operators' queue (GSI1) and the
// tickets' timers (GSI2).
const (
	SupportQueuePK  = "SUPPORT-QUEUE"
	SupportTimersPK = "SUPPORT-TIMERS"
)

// TicketNumberCounter names the counter of one year's ticket numbers.
func TicketNumberCounter(year string) string { return "support-ticket-" + year }

// ChatKey is a chat conversation.
func ChatKey(id string) Key { return Key{PK: join("CHAT", id), SK: "CHAT"} }

// ChatMessagePrefix is the sort-key prefix of a conversation's messages.
const ChatMessagePrefix = "MSG#"

// ChatMessageKey is one message of a conversation, by its sequence.
func ChatMessageKey(id string, seq int64) Key {
	return Key{PK: join("CHAT", id), SK: fmt.Sprintf("%s%010d", ChatMessagePrefix, seq)}
}

// ChatClientKey claims a sender's client id of a message, so that a message
// sent again with it is not stored twice.
func ChatClientKey(id, sender, hash string) Key {
	return Key{PK: join("CHAT", id), SK: join("CLIENT", sender, hash)}
}

// ChatRefPrefix is the sort-key prefix of a person's conversations.
const ChatRefPrefix = "CHAT#"

// ChatRefKey lists a conversation in its citizen's partition.
func ChatRefKey(sub, id string) Key { return Key{PK: UserPK(sub), SK: ChatRefPrefix + id} }

// ChatWaitingPK is the GSI1 partition of conversations no operator took yet.
const ChatWaitingPK = "CHAT-WAITING"

// ConnectionKey is one WebSocket connection.
func ConnectionKey(id string) Key { return Key{PK: join("WSCONN", id), SK: "WSCONN"} }

// ConnectionPrefix is the sort-key prefix of a person's connections.
const ConnectionPrefix = "WSCONN#"

// ConnectionRefKey lists a connection in its person's partition.
func ConnectionRefKey(sub, id string) Key { return Key{PK: UserPK(sub), SK: ConnectionPrefix + id} }

// ConnectTicketKey is a one-time WebSocket ticket, by the hash of its value.
func ConnectTicketKey(hash string) Key { return Key{PK: join("WSTICKET", hash), SK: "WSTICKET"} }

// PresenceKey is an operator's chat presence.
func PresenceKey(sub string) Key { return Key{PK: join("OPERATOR", sub), SK: "PRESENCE"} }

// The GSI partitions of operators' presence: free for a conversation (GSI1)
// and online at all (GSI2).
const (
	OperatorsFreePK   = "OPERATORS-FREE"
	OperatorsOnlinePK = "OPERATORS-ONLINE"
)

// FAQVotesKey holds an FAQ answer's "helped" and "did not help" counts.
func FAQVotesKey(id string) Key { return Key{PK: join("FAQ", id), SK: "FAQ"} }

// RecoveryKey is an assisted recovery request.
func RecoveryKey(id string) Key { return Key{PK: join("RECOVERY", id), SK: "RECOVERY"} }

// RecoveryQueuePK is the GSI1 partition of the recovery requests staff
// must decide.
const RecoveryQueuePK = "RECOVERY-QUEUE"

// RecoveryNumberCounter names the counter of one year's recovery numbers.
func RecoveryNumberCounter(year string) string { return "support-recovery-" + year }

// PaymentMethodPrefix is the sort-key prefix of a person's saved payment
// methods (linked cards).
const PaymentMethodPrefix = "PAYMETHOD#"

// PaymentMethodKey is one of a person's saved payment methods, by its
// Kabinet id; the provider's id of it is sealed inside.
func PaymentMethodKey(sub, id string) Key { return Key{PK: UserPK(sub), SK: PaymentMethodPrefix + id} }

// PaymentMethodOwnerKey names the owner of a payment method by its id: the
// provider's notification of a card's verification names only the id.
func PaymentMethodOwnerKey(id string) Key { return Key{PK: join("PAYMETHOD", id), SK: "PAYMETHOD"} }

// AutopayRulePrefix is the sort-key prefix of a person's autopay rules.
const AutopayRulePrefix = "AUTORULE#"

// AutopayRuleKey is one of a person's autopay rules.
func AutopayRuleKey(sub, id string) Key { return Key{PK: UserPK(sub), SK: AutopayRulePrefix + id} }

// AutopayRuleUsageKey sums what an autopay rule paid in a month (YYYY-MM).
func AutopayRuleUsageKey(sub, rule, month string) Key {
	return Key{PK: UserPK(sub), SK: join("AUTORULEUSE", rule, month)}
}

// AutopayPrefix is the sort-key prefix of a person's autopays.
const AutopayPrefix = "AUTOPAY#"

// AutopayKey is the autopay of one charge of a person: at most one ever.
func AutopayKey(sub, uin string) Key { return Key{PK: UserPK(sub), SK: AutopayPrefix + uin} }

// AutopaysPK is the GSI1 partition of a person's autopays.
func AutopaysPK(sub string) string { return join("AUTOPAYS", sub) }

// AutopayDuePK is the GSI2 partition of autopays due, spread over shards.
func AutopayDuePK(shard int) string { return join("AUTOPAY-DUE", fmt.Sprint(shard)) }

// OrganisationPK is the partition of an organisation taking appointments:
// the organisation itself, its resources and their closed days.
func OrganisationPK(org string) string { return join("ORG", org) }

// OrganisationKey is an organisation taking appointments.
func OrganisationKey(org string) Key { return Key{PK: OrganisationPK(org), SK: "ORG"} }

// ResourcePrefix is the sort-key prefix of an organisation's resources.
const ResourcePrefix = "RES#"

// ResourceKey is one resource of an organisation: a doctor, an exam, a
// service centre's window, with its schedule.
func ResourceKey(org, resource string) Key {
	return Key{PK: OrganisationPK(org), SK: ResourcePrefix + resource}
}

// ClosedDayPrefix is the sort-key prefix of an organisation's closed days.
const ClosedDayPrefix = "CLOSED#"

// ClosedDayKey records that a resource does not receive on a date.
func ClosedDayKey(org, date, resource string) Key {
	return Key{PK: OrganisationPK(org), SK: ClosedDayPrefix + date + "#" + resource}
}

// OrganisationsPK is the GSI1 partition of the organisations of a region.
func OrganisationsPK(region string) string { return join("ORGS", region) }

// OrganisationsSK orders a region's organisations by kind, then id.
func OrganisationsSK(kind, org string) string { return join(kind, org) }

// AllOrganisationsPK is the GSI2 partition of every organisation.
const AllOrganisationsPK = "ORGS"

// DayPK is the partition of an organisation's day (its local date,
// "2006-01-02"): the slots, the visits booked in them and the places held
// for the waitlist.
func DayPK(org, date string) string { return join("DAY", org, date) }

// Sort-key prefixes of a day's items.
const (
	SlotPrefix  = "SLOT#"
	VisitPrefix = "VISIT#"
	HoldPrefix  = "HOLD#"
)

// SlotKey is a resource's slot starting at hhmm (local "1504") on a date.
func SlotKey(org, date, hhmm, resource string) Key {
	return Key{PK: DayPK(org, date), SK: SlotPrefix + hhmm + "#" + resource}
}

// VisitKey is an appointment as its organisation's staff see it.
func VisitKey(org, date, hhmm, resource, id string) Key {
	return Key{PK: DayPK(org, date), SK: VisitPrefix + join(hhmm, resource, id)}
}

// HoldKey is a place of a slot held for a waitlist entry's offer.
func HoldKey(org, date, hhmm, resource, entry string) Key {
	return Key{PK: DayPK(org, date), SK: HoldPrefix + join(hhmm, resource, entry)}
}

// FreeSlotsPK is the GSI1 partition of the free slots of a service (a
// specialty, an exam, a service centre's service) in a region.
func FreeSlotsPK(service, region string) string { return join("FREE", service, region) }

// FreeSlotsSK orders free slots by their start (UTC, RFC 3339).
func FreeSlotsSK(start, org, resource string) string { return join(start, org, resource) }

// FreeOrgSlotsPK is the GSI2 partition of the free slots of a service at
// one organisation.
func FreeOrgSlotsPK(org, service string) string { return join("FREEORG", org, service) }

// FreeOrgSlotsSK orders them by start.
func FreeOrgSlotsSK(start, resource string) string { return join(start, resource) }

// AppointmentPrefix is the sort-key prefix of a person's appointments.
const AppointmentPrefix = "APPT#"

// AppointmentKey is one of a person's appointments.
func AppointmentKey(sub, id string) Key { return Key{PK: UserPK(sub), SK: AppointmentPrefix + id} }

// AppointmentsPK is the GSI1 partition of a person's appointments.
func AppointmentsPK(sub string) string { return join("APPTS", sub) }

// AppointmentsSK orders them by start.
func AppointmentsSK(start, id string) string { return join(start, id) }

// AppointmentLedgerKey holds the active appointments of one person a
// booking is for (attendee "self", later a represented person), the
// serialization point of the per-person rules.
func AppointmentLedgerKey(sub, attendee string) Key {
	return Key{PK: UserPK(sub), SK: join("APPTLEDGER", attendee)}
}

// WaitlistPrefix is the sort-key prefix of a person's waitlist entries.
const WaitlistPrefix = "WAIT#"

// WaitlistKey is one of a person's waitlist entries.
func WaitlistKey(sub, id string) Key { return Key{PK: UserPK(sub), SK: WaitlistPrefix + id} }

// WaitQueuePK is the partition of a resource's waitlist.
func WaitQueuePK(org, resource string) string { return join("WAITQ", org, resource) }

// WaitQueueKey is an entry's place in its resource's waitlist: first come,
// first offered.
func WaitQueueKey(org, resource, joined, sub, id string) Key {
	return Key{PK: WaitQueuePK(org, resource), SK: join(joined, sub, id)}
}

// WaitOffersPK is the GSI2 partition of places offered to the waitlist
// and held, ordered by when the hold ends.
const WaitOffersPK = "WAIT-OFFERS"

// WaitOffersSK orders a held offer by its expiry (UTC, RFC 3339).
func WaitOffersSK(expires, sub, id string) string { return join(expires, sub, id) }

// TicketCounter names the counter of an organisation's tickets of a day.
func TicketCounter(org, date string) string { return "ticket-" + org + "-" + date }
