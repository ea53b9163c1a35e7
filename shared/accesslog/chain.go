package accesslog

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/problem"
)

// Domain tags keep an entry's hash and a head's seal apart from each other
// and from the activity journal's, and let the encoding change later (v2).
const (
	domainEntry = "kabinet/accesslog/entry/v1"
	domainHead  = "kabinet/accesslog/head/v1"
)

// genesis is the Prev of entry 1.
var genesis = strings.Repeat("0", 64)

type entryItem struct {
	PK   string `dynamodbav:"PK"`
	SK   string `dynamodbav:"SK"`
	Kind string `dynamodbav:"Kind"`
	Seq  int64  `dynamodbav:"Seq"`
	// Logged is when the entry was chained (At is when the read was).
	Logged string `dynamodbav:"Logged"`
	Prev   string `dynamodbav:"Prev"`
	Hash   string `dynamodbav:"Hash"`
	record
}

type headItem struct {
	PK   string `dynamodbav:"PK"`
	SK   string `dynamodbav:"SK"`
	Kind string `dynamodbav:"Kind"`
	Seq  int64  `dynamodbav:"Seq"`
	Hash string `dynamodbav:"Hash"`
	Seal string `dynamodbav:"Seal"`
}

// mac is HMAC-SHA256 over fields, each preceded by its length: no two
// field lists encode to the same bytes.
func mac(key []byte, fields ...string) string {
	m := hmac.New(sha256.New, key)
	var n [8]byte
	for _, f := range fields {
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		m.Write(n[:])
		m.Write([]byte(f))
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// entryHash binds an entry to its owner, its predecessor and every field
// the person reads or audit needs.
func entryHash(key []byte, it entryItem) string {
	return mac(key, domainEntry, it.Owner, it.Prev, strconv.FormatInt(it.Seq, 10), it.At, it.Logged, it.Role, it.ReaderID,
		it.OrgCode, it.Organisation, it.Person, strings.Join(it.Categories, ","), it.ReasonKind, it.ReasonRef, it.ReasonTitle)
}

func headSeal(key []byte, sub string, seq int64, hash string) string {
	return mac(key, domainHead, sub, strconv.FormatInt(seq, 10), hash)
}

func equal(a, b string) bool { return hmac.Equal([]byte(a), []byte(b)) }

func (l *Log) head(ctx context.Context, sub string) (headItem, bool, error) {
	var h headItem
	err := l.DB.Get(ctx, dynamo.ReadLogHeadKey(sub), "журнал доступа", &h)
	if problem.Is(err, problem.KindNotFound) {
		return headItem{Seq: 0, Hash: genesis}, false, nil
	}
	if err != nil {
		return headItem{}, false, fmt.Errorf("read access log head: %w", err)
	}
	return h, true, nil
}

// settleBatch is how many pending reads one transaction chains: two writes
// each (the entry, the pending item's delete) and the head.
const settleBatch = 24

// maxAttempts bounds Settle's retries when another settle of the same log
// wins the race.
const maxAttempts = 12

// Settle chains a person's pending reads into their log, oldest first, and
// returns how many it chained. Concurrent settles of one log (the stream,
// the sweep, the person opening the log) each chain a pending read at most
// once: its delete and its entry commit together, after the head they
// read. Errors: Unavailable when the log stays contended; what Names
// fails with (the reads stay pending and are tried again).
func (l *Log) Settle(ctx context.Context, sub string) (int, error) {
	key, err := l.ready(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	names := map[string]string{}
	var last error
	for attempt := 0; attempt < maxAttempts; {
		var pend []pendingItem
		if _, err := l.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.ReadPendingPrefix, Forward: true,
			Limit: settleBatch, Consistent: true}, &pend); err != nil {
			return total, fmt.Errorf("settle access log: %w", err)
		}
		if len(pend) == 0 {
			return total, nil
		}
		head, found, err := l.head(ctx, sub)
		if err != nil {
			return total, err
		}
		tx := &dynamo.Tx{}
		now := stamp(l.now())
		seq, prev := head.Seq, head.Hash
		for _, p := range pend {
			rec := p.record
			if rec.Person == "" && l.Names != nil && isStaff(rec.Role) {
				if rec.Person, err = l.staffName(ctx, names, rec.ReaderID); err != nil {
					return total, err
				}
			}
			seq++
			k := dynamo.ReadLogKey(sub, seq)
			it := entryItem{PK: k.PK, SK: k.SK, Kind: kindEntry, Seq: seq, Logged: now, Prev: prev, record: rec}
			it.Hash = entryHash(key, it)
			prev = it.Hash
			tx.Create(it).DeleteIf(dynamo.Key{PK: p.PK, SK: p.SK}, expression.AttributeExists(expression.Name(dynamo.AttrPK)))
		}
		cond := expression.AttributeNotExists(expression.Name(dynamo.AttrPK))
		if found {
			cond = expression.Name("Seq").Equal(expression.Value(head.Seq))
		}
		hk := dynamo.ReadLogHeadKey(sub)
		tx.Update(hk, expression.Set(expression.Name(dynamo.AttrKind), expression.Value(kindHead)).
			Set(expression.Name("Seq"), expression.Value(seq)).Set(expression.Name("Hash"), expression.Value(prev)).
			Set(expression.Name("Seal"), expression.Value(headSeal(key, sub, seq, prev))), &cond)
		err = l.DB.Transact(ctx, newID(), tx)
		switch {
		case err == nil:
			total += len(pend)
			attempt = 0
			if len(pend) < settleBatch {
				return total, nil
			}
			continue
		case problem.Is(err, problem.KindConflict), problem.Is(err, problem.KindUnavailable):
			// Another settle moved the head or took a pending read: read
			// both again.
			last = err
			attempt++
			if err := journal.Backoff(ctx, attempt); err != nil {
				return total, err
			}
		default:
			return total, fmt.Errorf("settle access log: %w", err)
		}
	}
	return total, problem.Wrap(fmt.Errorf("settle access log after %d attempts: %w", maxAttempts, last),
		problem.KindUnavailable, "busy", "Журнал доступа сейчас обновляется, повторите попытку")
}

func isStaff(role string) bool {
	return role == "officer" || role == "registrar" || role == "support" || role == "staff"
}

func (l *Log) staffName(ctx context.Context, cache map[string]string, sub string) (string, error) {
	if n, ok := cache[sub]; ok {
		return n, nil
	}
	n, err := l.Names.StaffName(ctx, sub)
	if problem.Is(err, problem.KindNotFound) {
		n, err = "", nil
	}
	if err != nil {
		return "", fmt.Errorf("staff name: %w", err)
	}
	cache[sub] = n
	return n, nil
}

// SweepStats counts what a sweep did.
type SweepStats struct {
	// Logs is how many people's logs were settled, Chained how many reads.
	Logs, Chained, Errors int
}

// Sweep settles every log with reads waiting, oldest first: the schedule's
// run, which also retries whatever the stream failed to chain. A log that
// fails is counted and logged; the others go on, and the next run tries it
// again (its reads stay pending until then).
func (l *Log) Sweep(ctx context.Context) (SweepStats, error) {
	var st SweepStats
	for s := 0; s < PendingShards; s++ {
		done := map[string]bool{}
		cursor := ""
		for {
			var page []pendingItem
			next, err := l.DB.Query(ctx, dynamo.Page{Index: dynamo.IndexGSI2, Partition: dynamo.ReadPendingPK(s), Forward: true, Cursor: cursor}, &page)
			if err != nil {
				return st, fmt.Errorf("sweep access logs: %w", err)
			}
			for _, p := range page {
				if done[p.Owner] {
					continue
				}
				done[p.Owner] = true
				n, err := l.Settle(ctx, p.Owner)
				st.Chained += n
				if err != nil {
					st.Errors++
					logging.From(ctx).Error("access log not settled", "err", err)
					continue
				}
				st.Logs++
			}
			if next == "" || ctx.Err() != nil {
				break
			}
			cursor = next
		}
	}
	return st, ctx.Err()
}
