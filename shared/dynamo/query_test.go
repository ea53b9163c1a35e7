package dynamo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kabinet/kabinet/shared/problem"
)

// seedDocs writes n documents into a user's partition, DOC#000 .. DOC#n-1,
// each also in GSI1 under STATUS#open (time-ordered) and GSI2 by the user,
// plus one SETTINGS item that no DOC# query may return.
func seedDocs(t *testing.T, s *Store, sub string, n int) []string {
	t.Helper()
	ctx := context.Background()
	var sks []string
	for i := range n {
		sk := fmt.Sprintf("DOC#%03d", i)
		r := record{PK: UserPK(sub), SK: sk, Kind: "doc", Data: sub + "/" + sk,
			GSI1PK: "STATUS#open", GSI1SK: fmt.Sprintf("2025-01-01T00:%02d:00Z#%s", i, sub),
			GSI2PK: "OWNER#" + sub, GSI2SK: sk}
		if err := s.Create(ctx, r); err != nil {
			t.Fatalf("seed %s: %v", sk, err)
		}
		sks = append(sks, sk)
	}
	if err := s.Create(ctx, rec(SettingsKey(sub), "settings")); err != nil {
		t.Fatalf("seed settings: %v", err)
	}
	return sks
}

// readAll pages through a query and returns every page's sort keys.
func readAll(t *testing.T, s *Store, p Page, sortKey func(record) string) [][]string {
	t.Helper()
	var pages [][]string
	for {
		var items []record
		next, err := s.Query(context.Background(), p, &items)
		if err != nil {
			t.Fatalf("Query(page %d) = %v", len(pages)+1, err)
		}
		page := make([]string, 0, len(items))
		for _, it := range items {
			page = append(page, sortKey(it))
		}
		pages = append(pages, page)
		if next == "" {
			return pages
		}
		if len(pages) > 50 {
			t.Fatalf("more than 50 pages: the cursor does not advance")
		}
		p.Cursor = next
	}
}

func bySK(r record) string { return r.SK }

func TestQueryPagination(t *testing.T) {
	s := newTestStore(t)
	sks := seedDocs(t, s, "a", 25)
	seedDocs(t, s, "b", 3)
	reversed := slices.Clone(sks)
	slices.Reverse(reversed)
	tests := []struct {
		name      string
		page      Page
		wantSizes []int
		want      []string
	}{
		{"newest first", Page{Partition: UserPK("a"), Prefix: "DOC#", Limit: 10}, []int{10, 10, 5}, reversed},
		{"oldest first", Page{Partition: UserPK("a"), Prefix: "DOC#", Limit: 10, Forward: true}, []int{10, 10, 5}, sks},
		{"range", Page{Partition: UserPK("a"), From: "DOC#005", To: "DOC#014", Limit: 4, Forward: true}, []int{4, 4, 2}, sks[5:15]},
		{"limit above the maximum is capped", Page{Partition: UserPK("a"), Prefix: "DOC#", Limit: 1000, Forward: true}, []int{25}, sks},
		{"zero limit means the maximum", Page{Partition: UserPK("a"), Prefix: "DOC#", Forward: true}, []int{25}, sks},
		{"another user", Page{Partition: UserPK("b"), Prefix: "DOC#", Limit: 10, Forward: true}, []int{3}, sks[:3]},
		{"empty partition", Page{Partition: UserPK("nobody"), Limit: 10}, []int{0}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pages := readAll(t, s, tt.page, bySK)
			var sizes []int
			all := []string{}
			for _, p := range pages {
				sizes = append(sizes, len(p))
				all = append(all, p...)
			}
			// DynamoDB may end with an empty page when the last full page
			// exactly fills the limit; the emulator must not need that here.
			if !slices.Equal(sizes, tt.wantSizes) {
				t.Errorf("page sizes = %v, want %v", sizes, tt.wantSizes)
			}
			if !slices.Equal(all, tt.want) {
				t.Errorf("items = %v\nwant %v", all, tt.want)
			}
		})
	}
}

func TestQueryGSIPagination(t *testing.T) {
	s := newTestStore(t)
	seedDocs(t, s, "a", 7)
	seedDocs(t, s, "b", 8)
	tests := []struct {
		name      string
		page      Page
		key       func(record) string
		wantCount int
		wantOrder func(a, b string) bool
	}{
		{"GSI1 newest first across users", Page{Index: IndexGSI1, Partition: "STATUS#open", Limit: 4},
			func(r record) string { return r.GSI1SK }, 15, func(a, b string) bool { return a > b }},
		{"GSI1 oldest first", Page{Index: IndexGSI1, Partition: "STATUS#open", Limit: 4, Forward: true},
			func(r record) string { return r.GSI1SK }, 15, func(a, b string) bool { return a < b }},
		{"GSI2 one owner", Page{Index: IndexGSI2, Partition: "OWNER#b", Prefix: "DOC#", Limit: 3, Forward: true},
			func(r record) string { return r.GSI2SK }, 8, func(a, b string) bool { return a < b }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pages := readAll(t, s, tt.page, tt.key)
			var all []string
			for i, p := range pages {
				if len(p) > int(tt.page.Limit) {
					t.Errorf("page %d has %d items, limit %d", i+1, len(p), tt.page.Limit)
				}
				all = append(all, p...)
			}
			if len(all) != tt.wantCount {
				t.Fatalf("got %d items %v, want %d", len(all), all, tt.wantCount)
			}
			seen := map[string]bool{}
			for i, k := range all {
				if seen[k] {
					t.Errorf("item %s returned twice", k)
				}
				seen[k] = true
				if i > 0 && !tt.wantOrder(all[i-1], k) {
					t.Errorf("items out of order at %d: %s then %s", i, all[i-1], k)
				}
			}
		})
	}
}

// cursorOf builds a cursor as the store encodes it.
func cursorOf(t *testing.T, flat map[string]string) string {
	t.Helper()
	b, err := json.Marshal(flat)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestQueryCursorSecurity(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	seedDocs(t, s, "a", 12)
	seedDocs(t, s, "b", 12)

	var items []record
	cursorA, err := s.Query(ctx, Page{Partition: UserPK("a"), Prefix: "DOC#", Limit: 5}, &items)
	if err != nil || cursorA == "" {
		t.Fatalf("first page of a: cursor %q, err %v", cursorA, err)
	}
	gsiCursor, err := s.Query(ctx, Page{Index: IndexGSI1, Partition: "STATUS#open", Limit: 5}, &items)
	if err != nil || gsiCursor == "" {
		t.Fatalf("first GSI page: cursor %q, err %v", gsiCursor, err)
	}

	tests := []struct {
		name string
		page Page
	}{
		{"a's cursor in b's partition", Page{Partition: UserPK("b"), Prefix: "DOC#", Limit: 5, Cursor: cursorA}},
		{"not base64", Page{Partition: UserPK("a"), Cursor: "!!!not base64!!!"}},
		{"padded standard base64", Page{Partition: UserPK("a"), Cursor: base64.StdEncoding.EncodeToString([]byte(`{"PK":"USER#a","SK":"DOC#01"}`))}},
		{"base64 of non-JSON", Page{Partition: UserPK("a"), Cursor: base64.RawURLEncoding.EncodeToString([]byte("hello"))}},
		{"JSON array", Page{Partition: UserPK("a"), Cursor: base64.RawURLEncoding.EncodeToString([]byte(`["USER#a"]`))}},
		{"non-string values", Page{Partition: UserPK("a"), Cursor: base64.RawURLEncoding.EncodeToString([]byte(`{"PK":1,"SK":2}`))}},
		{"extra attribute", Page{Partition: UserPK("a"), Cursor: cursorOf(t, map[string]string{"PK": UserPK("a"), "SK": "DOC#003", "Data": "x"})}},
		{"missing sort key", Page{Partition: UserPK("a"), Cursor: cursorOf(t, map[string]string{"PK": UserPK("a")})}},
		{"edited partition", Page{Partition: UserPK("a"), Cursor: cursorOf(t, map[string]string{"PK": UserPK("b"), "SK": "DOC#003"})}},
		{"sort key outside the prefix", Page{Partition: UserPK("a"), Prefix: "DOC#", Cursor: cursorOf(t, map[string]string{"PK": UserPK("a"), "SK": "SETTINGS"})}},
		{"sort key below the range", Page{Partition: UserPK("a"), From: "DOC#005", To: "DOC#009", Cursor: cursorOf(t, map[string]string{"PK": UserPK("a"), "SK": "DOC#001"})}},
		{"sort key above the range", Page{Partition: UserPK("a"), From: "DOC#005", To: "DOC#009", Cursor: cursorOf(t, map[string]string{"PK": UserPK("a"), "SK": "DOC#010"})}},
		{"too long", Page{Partition: UserPK("a"), Cursor: strings.Repeat("A", 4096)}},
		{"table cursor on an index", Page{Index: IndexGSI1, Partition: "STATUS#open", Cursor: cursorA}},
		{"index cursor on the table", Page{Partition: UserPK("a"), Cursor: gsiCursor}},
		{"GSI1 cursor on GSI2", Page{Index: IndexGSI2, Partition: "STATUS#open", Cursor: gsiCursor}},
		{"index cursor with an edited index partition", Page{Index: IndexGSI1, Partition: "STATUS#open", Cursor: cursorOf(t, map[string]string{
			"PK": UserPK("a"), "SK": "DOC#001", "GSI1PK": "STATUS#closed", "GSI1SK": "2025"})}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []record
			next, err := s.Query(ctx, tt.page, &got)
			pe, ok := problem.As(err)
			if !ok || pe.Kind != problem.KindBadRequest || pe.Code != "invalid_cursor" {
				t.Fatalf("Query() = %q, %v; want 400 invalid_cursor", next, err)
			}
			if len(got) != 0 {
				t.Errorf("Query() returned %d items with a refused cursor", len(got))
			}
		})
	}

	t.Run("own cursor continues", func(t *testing.T) {
		var got []record
		if _, err := s.Query(ctx, Page{Partition: UserPK("a"), Prefix: "DOC#", Limit: 5, Cursor: cursorA}, &got); err != nil {
			t.Fatalf("Query() with a's own cursor = %v", err)
		}
		if len(got) != 5 || got[0].PK != UserPK("a") {
			t.Errorf("second page = %+v, want 5 items of a", got)
		}
	})
}

func TestCursorAt(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	seedDocs(t, s, "a", 6)
	cur, err := CursorAt(Key{PK: UserPK("a"), SK: "DOC#003"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		page    Page
		want    []string
		invalid bool
	}{
		{"resumes after the key, newest first", Page{Partition: UserPK("a"), Prefix: "DOC#", Cursor: cur}, []string{"DOC#002", "DOC#001", "DOC#000"}, false},
		{"resumes after the key, oldest first", Page{Partition: UserPK("a"), Prefix: "DOC#", Forward: true, Cursor: cur}, []string{"DOC#004", "DOC#005"}, false},
		{"within a range", Page{Partition: UserPK("a"), From: "DOC#001", To: "DOC#004", Cursor: cur}, []string{"DOC#002", "DOC#001"}, false},
		{"in another partition", Page{Partition: UserPK("b"), Prefix: "DOC#", Cursor: cur}, nil, true},
		{"outside the range", Page{Partition: UserPK("a"), From: "DOC#004", To: "DOC#005", Cursor: cur}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []record
			_, err := s.Query(ctx, tt.page, &got)
			if tt.invalid {
				if pe, ok := problem.As(err); !ok || pe.Code != "invalid_cursor" {
					t.Errorf("Query() = %v, want 400 invalid_cursor", err)
				}
				return
			}
			sks := []string{}
			for _, r := range got {
				sks = append(sks, r.SK)
			}
			if err != nil || !slices.Equal(sks, tt.want) {
				t.Errorf("Query() = %v, %v; want %v", sks, err, tt.want)
			}
		})
	}
}

func TestCursorErrorsAreNotShared(t *testing.T) {
	p := Page{Partition: "P", Cursor: "%%"}
	_, e1 := decodeCursor(p, AttrPK, AttrSK)
	_, e2 := decodeCursor(p, AttrPK, AttrSK)
	pe1, ok1 := problem.As(e1)
	pe2, ok2 := problem.As(e2)
	if !ok1 || !ok2 {
		t.Fatalf("decodeCursor() = %v, %v; want problems", e1, e2)
	}
	pe1.With("mutated", true)
	if _, ok := pe2.Extensions["mutated"]; ok || pe1 == pe2 {
		t.Errorf("decodeCursor returns one shared *problem.Error: a caller's change leaks into every later request")
	}
}

func FuzzDecodeCursor(f *testing.F) {
	seeds := []map[string]string{
		{"PK": "USER#a", "SK": "DOC#001"},
		{"PK": "USER#b", "SK": "DOC#001"},
		{"PK": "USER#a", "SK": "DOC#001", "GSI1PK": "USER#a", "GSI1SK": "x"},
		{"PK": "USER#a", "SK": "SETTINGS"},
		{"PK": "USER#a"},
	}
	for _, m := range seeds {
		b, _ := json.Marshal(m)
		f.Add(base64.RawURLEncoding.EncodeToString(b), uint8(0), "DOC#")
		f.Add(base64.RawURLEncoding.EncodeToString(b), uint8(1), "")
	}
	f.Add("", uint8(2), "")
	f.Add("e30", uint8(0), "")
	f.Fuzz(func(t *testing.T, cursor string, index uint8, prefix string) {
		p := Page{Partition: "USER#a", Prefix: prefix, Cursor: cursor}
		switch index % 3 {
		case 1:
			p.Index = IndexGSI1
		case 2:
			p.Index = IndexGSI2
		}
		pkName, skName := p.keyNames()
		start, err := decodeCursor(p, pkName, skName)
		if err != nil {
			pe, ok := problem.As(err)
			if !ok || pe.Kind != problem.KindBadRequest || pe.Code != "invalid_cursor" {
				t.Fatalf("decodeCursor() = %v, want nil or 400 invalid_cursor", err)
			}
			return
		}
		pk, ok := start[pkName].(*types.AttributeValueMemberS)
		if !ok || pk.Value != p.Partition {
			t.Fatalf("accepted cursor %q has %s = %#v, want the requested partition %q", cursor, pkName, start[pkName], p.Partition)
		}
		sk, ok := start[skName].(*types.AttributeValueMemberS)
		if !ok || !strings.HasPrefix(sk.Value, prefix) {
			t.Fatalf("accepted cursor %q has %s = %#v outside prefix %q", cursor, skName, start[skName], prefix)
		}
		want := 2
		if p.Index != "" {
			want = 4
		}
		if len(start) != want {
			t.Fatalf("accepted cursor %q has %d attributes, want %d", cursor, len(start), want)
		}
	})
}
