package journal

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
)

// Result is the outcome of Verify.
type Result struct {
	// OK is true when every entry and the head check out.
	OK bool `json:"ok"`
	// Entries is how many entries were checked and found sound.
	Entries int64 `json:"entries"`
	// BrokenAt is the first entry that cannot be vouched for, 0 when OK. For
	// a head that does not check out it is the entry after the last sound
	// one: whatever followed it cannot be confirmed.
	BrokenAt int64 `json:"brokenAt,omitempty"`
	// Code is stable, for programs: one of the Code* constants.
	Code string `json:"code,omitempty"`
	// Reason says in Russian what is wrong.
	Reason string `json:"reason,omitempty"`
}

// Codes of a broken journal.
const (
	// CodeModified: the entry's content (or its number) does not match its hash.
	CodeModified = "modified"
	// CodeRemoved: the entry is missing.
	CodeRemoved = "removed"
	// CodeReordered: a genuine entry stands in another entry's place.
	CodeReordered = "reordered"
	// CodeChain: the entry does not follow the one before it.
	CodeChain = "chain"
	// CodeForeign: an item among the entries that is not an entry.
	CodeForeign = "foreign"
	// CodeHeadModified: the head was changed without the key.
	CodeHeadModified = "head_modified"
	// CodeHeadRemoved: entries exist but the head does not.
	CodeHeadRemoved = "head_removed"
)

var reasons = map[string]string{
	CodeModified:     "запись изменена",
	CodeRemoved:      "запись удалена",
	CodeReordered:    "записи переставлены",
	CodeChain:        "нарушена цепочка записей",
	CodeForeign:      "посторонняя запись в журнале",
	CodeHeadModified: "заголовок журнала изменён",
	CodeHeadRemoved:  "заголовок журнала удалён",
}

func broken(checked, at int64, code string) Result {
	return Result{Entries: checked, BrokenAt: at, Code: code, Reason: reasons[code]}
}

// verifier walks a chain from entry 1.
type verifier struct {
	j        *Journal
	key      []byte
	sub      string
	next     int64  // the entry expected next
	prev     string // the hash the next entry must point to
	headSeq  int64
	headHash string // the hash of entry headSeq, once seen
}

// Verify walks a user's journal from the first entry to the last and checks
// that the numbers have no gaps, that each entry points to the one before
// it, that each entry's hash matches its content under the key, and that
// the head agrees with the last entry. It names the first entry that fails.
// Before calling an entry removed it reads it once more, strongly
// consistent, so that a query served by a replica a moment behind does not
// raise a false alarm. Entries appended while it runs are checked too.
// Cost: one read for the head and one query per 100 entries.
func (j *Journal) Verify(ctx context.Context, sub string) (Result, error) {
	key, err := j.ready(ctx)
	if err != nil {
		return Result{}, err
	}
	// The head first: anything appended after this read is beyond it, so a
	// concurrent append cannot look like a removed entry.
	head, found, err := j.readHead(ctx, sub)
	if err != nil {
		return Result{}, fmt.Errorf("verify journal: %w", err)
	}
	v := &verifier{j: j, key: key, sub: sub, next: 1, prev: genesis, headSeq: head.Seq}
	cursor := ""
	for {
		var items []entryItem
		next, err := j.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.JournalPrefix,
			Limit: dynamo.MaxPageSize, Forward: true, Cursor: cursor}, &items)
		if err != nil {
			return Result{}, fmt.Errorf("verify journal: %w", err)
		}
		for _, it := range items {
			if r, err := v.feed(ctx, it); err != nil || r != nil {
				return deref(r), err
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if !found && v.next > 1 {
		// The first append may have landed between the head read and the
		// query; only a head still missing now is a removed head.
		if head, found, err = j.readHead(ctx, sub); err != nil {
			return Result{}, fmt.Errorf("verify journal: %w", err)
		}
		if !found {
			return broken(v.next-1, v.next, CodeHeadRemoved), nil
		}
		v.headSeq = head.Seq
		if head.Seq < v.next {
			v.headHash = v.lookup(head.Seq)
		}
	}
	if !found {
		return Result{OK: true}, nil
	}
	if !equal(headSeal(key, sub, head.Seq, head.Hash, head.At), head.Seal) {
		return broken(v.next-1, v.next, CodeHeadModified), nil
	}
	// The head promises entries the walk did not meet: the newest ones were
	// removed (or the query was served a moment behind: read to be sure).
	for v.next <= head.Seq {
		it, ok, err := j.getEntry(ctx, sub, v.next)
		if err != nil {
			return Result{}, fmt.Errorf("verify journal: %w", err)
		}
		if !ok {
			return broken(v.next-1, v.next, CodeRemoved), nil
		}
		if r := v.check(v.next, it); r != nil {
			return *r, nil
		}
	}
	if head.Hash != v.headHash {
		return broken(v.next-1, v.next, CodeHeadModified), nil
	}
	return Result{OK: true, Entries: v.next - 1}, nil
}

func deref(r *Result) Result {
	if r == nil {
		return Result{}
	}
	return *r
}

// lookup is only needed when the head appeared after the walk; the walk
// keeps just the last hash, so anything older than it cannot be compared
// and counts as not matching.
func (v *verifier) lookup(seq int64) string {
	if seq == v.next-1 {
		return v.prev
	}
	return ""
}

// feed checks the next item of the walk, first confirming any entries the
// walk skipped over.
func (v *verifier) feed(ctx context.Context, it entryItem) (*Result, error) {
	seq, ok := seqOf(it.SK)
	if !ok {
		r := broken(v.next-1, v.next, CodeForeign)
		return &r, nil
	}
	for seq > v.next {
		got, found, err := v.j.getEntry(ctx, v.sub, v.next)
		if err != nil {
			return nil, fmt.Errorf("verify journal: %w", err)
		}
		if !found {
			r := broken(v.next-1, v.next, CodeRemoved)
			return &r, nil
		}
		if r := v.check(v.next, got); r != nil {
			return r, nil
		}
	}
	return v.check(seq, it), nil
}

// check verifies the entry stored under number seq and advances the walk.
func (v *verifier) check(seq int64, it entryItem) *Result {
	var r Result
	switch {
	case !equal(entryHash(v.key, v.sub, it), it.Hash):
		r = broken(v.next-1, seq, CodeModified)
	case it.Seq != seq:
		r = broken(v.next-1, seq, CodeReordered)
	case it.Prev != v.prev:
		r = broken(v.next-1, seq, CodeChain)
	default:
		v.prev, v.next = it.Hash, seq+1
		if seq == v.headSeq {
			v.headHash = it.Hash
		}
		return nil
	}
	return &r
}

// seqOf reads the number from an entry's sort key.
func seqOf(sk string) (int64, bool) {
	digits, ok := strings.CutPrefix(sk, dynamo.JournalPrefix)
	if !ok || len(digits) != 12 {
		return 0, false
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n < 1 {
		return 0, false
	}
	return n, true
}

func (j *Journal) getEntry(ctx context.Context, sub string, seq int64) (entryItem, bool, error) {
	var it entryItem
	err := j.DB.Get(ctx, dynamo.JournalKey(sub, seq), "запись журнала", &it)
	if problem.Is(err, problem.KindNotFound) {
		return entryItem{}, false, nil
	}
	if err != nil {
		return entryItem{}, false, err
	}
	return it, true, nil
}
