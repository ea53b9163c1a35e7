package dynamo

import (
	"context"
	"fmt"
	"testing"
)

type collectItem struct {
	PK, SK string
	N      int
}

func TestCollectPagesThroughFilteredItems(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	for i := 0; i < 30; i++ {
		if err := s.Put(ctx, collectItem{PK: "USER#u", SK: fmt.Sprintf("DOC#%03d", i), N: i}); err != nil {
			t.Fatal(err)
		}
	}
	// Items of other kinds in the same partition must not count.
	for i := 0; i < 10; i++ {
		if err := s.Put(ctx, collectItem{PK: "USER#u", SK: fmt.Sprintf("NOTE#%03d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	even := func(it collectItem) bool { return it.N%2 == 0 }
	var got []int
	cursor := ""
	pages := 0
	for {
		page, next, err := Collect(ctx, s, Page{Partition: "USER#u", Prefix: "DOC#", Cursor: cursor}, 4, even)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page) > 4 {
			t.Fatalf("page of %d, want at most 4", len(page))
		}
		for _, it := range page {
			got = append(got, it.N)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if len(got) != 15 || got[0] != 28 || got[14] != 0 {
		t.Errorf("collected %v, want the 15 even numbers from 28 down to 0", got)
	}
	if _, _, err := Collect(ctx, s, Page{Partition: "USER#other", Prefix: "DOC#", Cursor: cursor}, 4, even); err == nil && cursor != "" {
		t.Error("a cursor from one partition was accepted for another")
	}
}
