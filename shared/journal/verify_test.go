package journal

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/dynamo"
)

// raw reads an entry item as stored.
func raw(t *testing.T, db *dynamo.Store, sub string, seq int64) entryItem {
	t.Helper()
	var it entryItem
	if err := db.Get(context.Background(), dynamo.JournalKey(sub, seq), "entry", &it); err != nil {
		t.Fatalf("read entry %d: %v", seq, err)
	}
	return it
}

func rawHead(t *testing.T, db *dynamo.Store, sub string) headItem {
	t.Helper()
	var it headItem
	if err := db.Get(context.Background(), dynamo.JournalHeadKey(sub), "head", &it); err != nil {
		t.Fatalf("read head: %v", err)
	}
	return it
}

func put(t *testing.T, db *dynamo.Store, item any) {
	t.Helper()
	if err := db.Put(context.Background(), item); err != nil {
		t.Fatal(err)
	}
}

func del(t *testing.T, db *dynamo.Store, k dynamo.Key) {
	t.Helper()
	if err := db.Delete(context.Background(), k); err != nil {
		t.Fatal(err)
	}
}

// moveTo rewrites an entry's item under another number's key, as a writer
// without the key would when reordering or closing a gap.
func moveTo(it entryItem, seq int64) entryItem {
	k := dynamo.JournalKey("alice", seq)
	it.PK, it.SK = k.PK, k.SK
	return it
}

func TestVerify(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		n      int // entries before tampering
		tamper func(t *testing.T, j *Journal)
		want   Result
	}{
		{"an empty journal", 0, nil, Result{OK: true}},
		{"untouched", 5, nil, Result{OK: true, Entries: 5}},
		{"summary changed (Put)", 5, func(t *testing.T, j *Journal) {
			it := raw(t, j.DB, "alice", 3)
			it.Summary = "Ничего не происходило"
			put(t, j.DB, it)
		}, Result{Entries: 2, BrokenAt: 3, Code: CodeModified, Reason: "запись изменена"}},
		{"summary changed (Update)", 5, func(t *testing.T, j *Journal) {
			if err := j.DB.Update(ctx, dynamo.JournalKey("alice", 4), expression.Set(expression.Name("Summary"), expression.Value("Другое")), nil); err != nil {
				t.Fatal(err)
			}
		}, Result{Entries: 3, BrokenAt: 4, Code: CodeModified, Reason: "запись изменена"}},
		{"time changed", 5, func(t *testing.T, j *Journal) {
			it := raw(t, j.DB, "alice", 2)
			it.At = stamp(t0.Add(-24 * time.Hour))
			put(t, j.DB, it)
		}, Result{Entries: 1, BrokenAt: 2, Code: CodeModified, Reason: "запись изменена"}},
		{"IP removed", 5, func(t *testing.T, j *Journal) {
			it := raw(t, j.DB, "alice", 1)
			it.IP = ""
			put(t, j.DB, it)
		}, Result{BrokenAt: 1, Code: CodeModified, Reason: "запись изменена"}},
		{"acting officer added", 5, func(t *testing.T, j *Journal) {
			it := raw(t, j.DB, "alice", 2)
			it.ActorID = "officer-1"
			put(t, j.DB, it)
		}, Result{Entries: 1, BrokenAt: 2, Code: CodeModified, Reason: "запись изменена"}},
		{"hash replaced by the hash of the new content without the key", 5, func(t *testing.T, j *Journal) {
			it := raw(t, j.DB, "alice", 5)
			it.Actor = ActorOfficer
			it.Hash = entryHash(otherKey, "alice", it)
			put(t, j.DB, it)
		}, Result{Entries: 4, BrokenAt: 5, Code: CodeModified, Reason: "запись изменена"}},
		{"middle entry deleted", 5, func(t *testing.T, j *Journal) {
			del(t, j.DB, dynamo.JournalKey("alice", 3))
		}, Result{Entries: 2, BrokenAt: 3, Code: CodeRemoved, Reason: "запись удалена"}},
		{"first entry deleted", 5, func(t *testing.T, j *Journal) {
			del(t, j.DB, dynamo.JournalKey("alice", 1))
		}, Result{BrokenAt: 1, Code: CodeRemoved, Reason: "запись удалена"}},
		{"two entries deleted", 5, func(t *testing.T, j *Journal) {
			del(t, j.DB, dynamo.JournalKey("alice", 2))
			del(t, j.DB, dynamo.JournalKey("alice", 3))
		}, Result{Entries: 1, BrokenAt: 2, Code: CodeRemoved, Reason: "запись удалена"}},
		{"last entry deleted", 5, func(t *testing.T, j *Journal) {
			del(t, j.DB, dynamo.JournalKey("alice", 5))
		}, Result{Entries: 4, BrokenAt: 5, Code: CodeRemoved, Reason: "запись удалена"}},
		{"every entry deleted", 5, func(t *testing.T, j *Journal) {
			for seq := int64(1); seq <= 5; seq++ {
				del(t, j.DB, dynamo.JournalKey("alice", seq))
			}
		}, Result{BrokenAt: 1, Code: CodeRemoved, Reason: "запись удалена"}},
		{"last entry deleted and the head moved back without the key", 5, func(t *testing.T, j *Journal) {
			four := raw(t, j.DB, "alice", 4)
			del(t, j.DB, dynamo.JournalKey("alice", 5))
			h := rawHead(t, j.DB, "alice")
			h.Seq, h.Hash, h.At = 4, four.Hash, four.At
			put(t, j.DB, h)
		}, Result{Entries: 4, BrokenAt: 5, Code: CodeHeadModified, Reason: "заголовок журнала изменён"}},
		{"head deleted", 5, func(t *testing.T, j *Journal) {
			del(t, j.DB, dynamo.JournalHeadKey("alice"))
		}, Result{Entries: 5, BrokenAt: 6, Code: CodeHeadRemoved, Reason: "заголовок журнала удалён"}},
		{"head pointing at another hash", 5, func(t *testing.T, j *Journal) {
			h := rawHead(t, j.DB, "alice")
			h.Hash = raw(t, j.DB, "alice", 4).Hash
			put(t, j.DB, h)
		}, Result{Entries: 5, BrokenAt: 6, Code: CodeHeadModified, Reason: "заголовок журнала изменён"}},
		{"two entries swapped", 5, func(t *testing.T, j *Journal) {
			two, three := raw(t, j.DB, "alice", 2), raw(t, j.DB, "alice", 3)
			put(t, j.DB, moveTo(three, 2))
			put(t, j.DB, moveTo(two, 3))
		}, Result{Entries: 1, BrokenAt: 2, Code: CodeReordered, Reason: "записи переставлены"}},
		{"two entries swapped with their numbers", 5, func(t *testing.T, j *Journal) {
			two, three := raw(t, j.DB, "alice", 2), raw(t, j.DB, "alice", 3)
			two.Seq, three.Seq = 3, 2
			put(t, j.DB, moveTo(three, 2))
			put(t, j.DB, moveTo(two, 3))
		}, Result{Entries: 1, BrokenAt: 2, Code: CodeModified, Reason: "запись изменена"}},
		{"an entry deleted and the rest renumbered", 5, func(t *testing.T, j *Journal) {
			for seq := int64(3); seq < 5; seq++ {
				next := raw(t, j.DB, "alice", seq+1)
				next.Seq = seq
				put(t, j.DB, moveTo(next, seq))
			}
			del(t, j.DB, dynamo.JournalKey("alice", 5))
			h := rawHead(t, j.DB, "alice")
			h.Seq = 4
			put(t, j.DB, h)
		}, Result{Entries: 2, BrokenAt: 3, Code: CodeModified, Reason: "запись изменена"}},
		{"an entry copied over the next one", 5, func(t *testing.T, j *Journal) {
			put(t, j.DB, moveTo(raw(t, j.DB, "alice", 2), 3))
		}, Result{Entries: 2, BrokenAt: 3, Code: CodeReordered, Reason: "записи переставлены"}},
		{"chain rebuilt with another key", 5, func(t *testing.T, j *Journal) {
			for seq := int64(1); seq <= 5; seq++ {
				del(t, j.DB, dynamo.JournalKey("alice", seq))
			}
			del(t, j.DB, dynamo.JournalHeadKey("alice"))
			forger := &Journal{DB: j.DB, Key: StaticKey(otherKey), Clock: j.Clock}
			for range 5 {
				if _, err := forger.Append(ctx, "alice", login("Поддельный вход")); err != nil {
					t.Fatal(err)
				}
			}
		}, Result{BrokenAt: 1, Code: CodeModified, Reason: "запись изменена"}},
		{"another user's genuine chain copied in", 5, func(t *testing.T, j *Journal) {
			for range 5 {
				if _, err := j.Append(ctx, "bob", login("Вход Боба")); err != nil {
					t.Fatal(err)
				}
			}
			for seq := int64(1); seq <= 5; seq++ {
				put(t, j.DB, moveTo(raw(t, j.DB, "bob", seq), seq))
			}
			h := rawHead(t, j.DB, "bob")
			h.PK = dynamo.UserPK("alice")
			put(t, j.DB, h)
		}, Result{BrokenAt: 1, Code: CodeModified, Reason: "запись изменена"}},
		{"a forged entry appended without the head", 5, func(t *testing.T, j *Journal) {
			it := raw(t, j.DB, "alice", 5)
			it.Prev, it.Seq, it.Summary = it.Hash, 6, "Подложная запись"
			put(t, j.DB, moveTo(it, 6))
		}, Result{Entries: 5, BrokenAt: 6, Code: CodeModified, Reason: "запись изменена"}},
		{"a foreign item among the entries", 5, func(t *testing.T, j *Journal) {
			put(t, j.DB, dynamo.Key{PK: dynamo.UserPK("alice"), SK: dynamo.JournalPrefix + "000000000003x"})
		}, Result{Entries: 3, BrokenAt: 4, Code: CodeForeign, Reason: "посторонняя запись в журнале"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j, clk := newJournal(t)
			for i := range c.n {
				clk.Set(t0.Add(time.Duration(i) * time.Minute))
				if _, err := j.Append(ctx, "alice", login("Вход по паролю")); err != nil {
					t.Fatal(err)
				}
			}
			if c.tamper != nil {
				c.tamper(t, j)
			}
			got, err := j.Verify(ctx, "alice")
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("Verify = %+v, want %+v", got, c.want)
			}
		})
	}
}

// TestVerifyLong checks a journal longer than one page.
func TestVerifyLong(t *testing.T) {
	ctx := context.Background()
	j, clk := newJournal(t)
	for i := range 150 {
		clk.Set(t0.Add(time.Duration(i) * time.Second))
		if _, err := j.Append(ctx, "alice", login("Вход")); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := j.Verify(ctx, "alice"); err != nil || got != (Result{OK: true, Entries: 150}) {
		t.Fatalf("Verify = %+v, %v; want OK with 150 entries", got, err)
	}
	cases := []struct {
		name   string
		tamper func()
		want   Result
	}{
		{"an entry on the second page changed", func() {
			it := raw(t, j.DB, "alice", 120)
			it.Type = TypePayment
			put(t, j.DB, it)
		}, Result{Entries: 119, BrokenAt: 120, Code: CodeModified, Reason: "запись изменена"}},
		{"the first entry of the second page deleted, too", func() {
			del(t, j.DB, dynamo.JournalKey("alice", 101))
		}, Result{Entries: 100, BrokenAt: 101, Code: CodeRemoved, Reason: "запись удалена"}},
	}
	for _, c := range cases {
		c.tamper()
		if got, err := j.Verify(ctx, "alice"); err != nil || got != c.want {
			t.Errorf("%s: Verify = %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
}

// TestVerifyWhileAppending: entries appended while Verify walks the chain
// are neither a false alarm nor left unchecked.
func TestVerifyWhileAppending(t *testing.T) {
	ctx := context.Background()
	j, _ := newJournal(t)
	for range 20 {
		if _, err := j.Append(ctx, "alice", login("Вход")); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error)
	go func() {
		for range 20 {
			if _, err := j.Append(ctx, "alice", login("Вход")); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for range 10 {
		if got, err := j.Verify(ctx, "alice"); err != nil || !got.OK || got.Entries < 20 {
			t.Errorf("Verify during appends = %+v, %v", got, err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
