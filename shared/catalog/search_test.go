package catalog

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kabinet/kabinet/shared/problem"
)

func codes(services []Service) []string {
	out := make([]string, len(services))
	for i, s := range services {
		out[i] = s.Code
	}
	return out
}

func allCodes() []string { return codes(All()) }

func TestSearchText(t *testing.T) {
	cases := []struct {
		name     string
		text     string
		category string
		want     []string // nil means every service
	}{
		{"prefixes of two words", "выписк егрн", "", []string{"egrn-extract"}},
		{"upper case", "ВЫПИСКА ИЗ ЕГРН", "", []string{"egrn-extract"}},
		{"word order does not matter", "егрн выписка", "", []string{"egrn-extract"}},
		{"prefix matches several", "выписк", "", []string{"egrn-extract", "egrul-extract", "work-history-extract"}},
		{"criminal record", "справк судимост", "", []string{"no-criminal-record"}},
		{"ё in the query, ё in the text", "ребёнка", "", []string{"birth-registration", "school-enrollment"}},
		{"е in the query, ё in the text", "ребенка", "", []string{"birth-registration", "school-enrollment"}},
		{"Ё capital", "РЕБЁНКА", "", []string{"birth-registration", "school-enrollment"}},
		{"department title", "гибдд", "", []string{"driver-license-replacement", "driving-exam"}},
		{"department title and title", "мвд замена", "", []string{"driver-license-replacement", "passport-replacement"}},
		{"hyphenated word", "2-НДФЛ", "", []string{"income-certificate"}},
		{"slash", "ЕГРЮЛ/ЕГРИП", "", []string{"egrul-extract"}},
		{"foreign passport", "загранпаспорт", "", []string{"international-passport-biometric", "international-passport-legacy"}},
		{"passport", "паспорт", "", []string{"international-passport-biometric", "international-passport-legacy", "passport-replacement"}},
		{"pension", "пенси", "", []string{"pension-account-statement", "pension-assignment"}},
		{"complaint", "жалоба", "", []string{"fine-appeal", "official-complaint"}},
		{"university", "вуз", "", []string{"university-admission"}},
		{"punctuation around words", "«субсидия» — ЖКУ!", "", []string{"housing-subsidy"}},
		{"stress mark inside a word", "вы\u0301писка егрн", "", []string{"egrn-extract"}},
		{"decomposed й", "трудовои\u0306", "", []string{"work-history-extract"}},
		{"middle of a word is not a prefix", "ыписка", "", []string{}},
		{"one word misses", "выписка космос", "", []string{}},
		{"nothing", "космонавт", "", []string{}},
		{"empty text", "", "", nil},
		{"only punctuation", " ,.!? ", "", nil},
		{"category alone", "", "family", []string{"birth-registration", "marriage-registration"}},
		{"category and text", "регистрац", "family", []string{"birth-registration", "marriage-registration"}},
		{"text outside the category", "егрн", "family", []string{}},
		{"appeals", "", "appeals", []string{"authority-proposal", "fine-appeal", "information-request", "official-complaint"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, next, err := Search(Query{Text: c.text, Category: c.category, Limit: MaxLimit})
			if err != nil {
				t.Fatalf("Search(%q, %q) error = %v", c.text, c.category, err)
			}
			if next != "" {
				t.Errorf("Search(%q, %q) next = %q, want none", c.text, c.category, next)
			}
			want := c.want
			if want == nil {
				want = allCodes()
			}
			if got := codes(got); !slices.Equal(got, want) {
				t.Errorf("Search(%q, %q) = %v, want %v", c.text, c.category, got, want)
			}
		})
	}
}

func TestWords(t *testing.T) {
	cases := []struct {
		text string
		want []string
	}{
		{"Выписка из ЕГРН", []string{"выписка", "егрн", "из"}},
		{"Ёлка, ёж и ЕЖ", []string{"еж", "елка", "и"}},
		{"2-НДФЛ", []string{"2", "ндфл"}},
		{"вы\u0301писка", []string{"выписка"}},
		{"ви\u0306да", []string{"вйда"}},
		{"пере\u00adнос", []string{"перенос"}},
		{"\u0306и", []string{"и"}},
		{"\xff\xfeабв", []string{"абв"}},
		{"", nil},
	}
	for _, c := range cases {
		if got := words(c.text); !slices.Equal(got, c.want) {
			t.Errorf("words(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

func TestSearchPagingCoversAllOnce(t *testing.T) {
	queries := []Query{
		{},
		{Text: "выписк"},
		{Category: "documents"},
		{Text: "регистрац", Category: "family"},
	}
	for _, base := range queries {
		wholeQ := base
		wholeQ.Limit = MaxLimit
		whole, _, err := Search(wholeQ)
		if err != nil {
			t.Fatalf("Search(%+v) error = %v", wholeQ, err)
		}
		for limit := 1; limit <= len(whole)+1; limit++ {
			q := base
			q.Limit = limit
			var got []string
			for pages := 0; ; pages++ {
				if pages > len(whole)+1 {
					t.Fatalf("%+v: paging does not end", q)
				}
				page, next, err := Search(q)
				if err != nil {
					t.Fatalf("Search(%+v) error = %v", q, err)
				}
				if len(page) > limit || (next != "" && len(page) != limit) {
					t.Fatalf("Search(%+v) = %d services, next %q", q, len(page), next)
				}
				got = append(got, codes(page)...)
				if next == "" {
					break
				}
				q.Cursor = next
			}
			if want := codes(whole); !slices.Equal(got, want) {
				t.Errorf("pages of %+v = %v, want each of %v once", base, got, want)
			}
		}
	}
}

func TestSearchLimit(t *testing.T) {
	n := len(All())
	page, next, err := Search(Query{})
	if err != nil || len(page) != min(n, DefaultLimit) || (n > DefaultLimit) != (next != "") {
		t.Errorf("Search() = %d services, next %q, error %v; want %d", len(page), next, err, min(n, DefaultLimit))
	}
	for _, limit := range []int{-1, MaxLimit + 1} {
		_, _, err := Search(Query{Limit: limit})
		if pe, ok := problem.As(err); !ok || pe.Kind != problem.KindInvalid || pe.Fields[0].Code != "limit.range" {
			t.Errorf("Search(limit %d) error = %v, want limit.range", limit, err)
		}
	}
}

func TestSearchCursor(t *testing.T) {
	enc := base64.RawURLEncoding.EncodeToString
	cases := []struct {
		name   string
		cursor string
		first  string // first code of the page; "" for an empty page
		bad    bool
	}{
		{"no cursor", "", "authority-proposal", false},
		{"code no longer in the catalog", enc([]byte("b")), "birth-registration", false},
		{"after the last code", enc([]byte("zzz")), "", false},
		{"not base64", "!!!", "", true},
		{"padded base64", base64.URLEncoding.EncodeToString([]byte("egrn")), "", true},
		{"not a code", enc([]byte("Bad Code")), "", true},
		{"empty code", enc([]byte("-")), "", true},
		{"too long", enc([]byte(strings.Repeat("a", maxCodeLength+1))), "", true},
		{"binary", enc([]byte{0, 1, 2}), "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			page, next, err := Search(Query{Cursor: c.cursor})
			if c.bad {
				if pe, ok := problem.As(err); !ok || pe.Kind != problem.KindBadRequest || pe.Code != "invalid_cursor" {
					t.Errorf("Search(cursor %q) error = %v, want 400 invalid_cursor", c.cursor, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Search(cursor %q) error = %v", c.cursor, err)
			}
			first := ""
			if len(page) > 0 {
				first = page[0].Code
			}
			if first != c.first || (first == "" && next != "") {
				t.Errorf("Search(cursor %q) starts at %q, next %q; want %q", c.cursor, first, next, c.first)
			}
		})
	}
}

func TestSearchRejects(t *testing.T) {
	cases := []struct {
		name string
		q    Query
		code string
	}{
		{"unknown category", Query{Category: "fun"}, "category.unknown"},
		{"text too long", Query{Text: strings.Repeat("я", maxQueryRunes+1)}, "text.length"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := Search(c.q)
			if pe, ok := problem.As(err); !ok || pe.Kind != problem.KindInvalid || len(pe.Fields) != 1 || pe.Fields[0].Code != c.code {
				t.Errorf("Search() error = %v, want 422 %s", err, c.code)
			}
		})
	}
	if _, _, err := Search(Query{Text: strings.Repeat("я", maxQueryRunes)}); err != nil {
		t.Errorf("Search(text of %d runes) error = %v", maxQueryRunes, err)
	}
}

func TestSearchReturnsCopies(t *testing.T) {
	page, _, err := Search(Query{Text: "егрн"})
	if err != nil || len(page) != 1 {
		t.Fatalf("Search(егрн) = %v, %v", codes(page), err)
	}
	page[0].Form[0].Options[0] = "изменено"
	if s, _ := Get("egrn-extract"); s.Form[0].Options[0] == "изменено" {
		t.Error("changing a search result changed the catalog")
	}
}

func FuzzSearch(f *testing.F) {
	for _, s := range []string{"", "выписк егрн", "ЁЛКА", "2-НДФЛ", "вы\u0301писка", "\xff", "ви\u0306", strings.Repeat("а ", 100)} {
		f.Add(s, "", 0)
	}
	f.Add("паспорт", "documents", 1)
	f.Add("", "fun", -5)
	f.Fuzz(func(t *testing.T, text, category string, limit int) {
		page, next, err := Search(Query{Text: text, Category: category, Limit: limit})
		if err != nil {
			if _, ok := problem.As(err); !ok {
				t.Fatalf("Search(%q) error %v is not a problem", text, err)
			}
			return
		}
		if utf8.RuneCountInString(text) > maxQueryRunes {
			t.Fatalf("Search(text of %d runes) accepted", utf8.RuneCountInString(text))
		}
		want := limit
		if want == 0 {
			want = DefaultLimit
		}
		if len(page) > want || (next != "" && len(page) != want) {
			t.Fatalf("Search(%q, limit %d) = %d services, next %q", text, limit, len(page), next)
		}
		terms := words(text)
		for i, s := range page {
			if i > 0 && page[i-1].Code >= s.Code {
				t.Fatalf("Search(%q) not in code order: %v", text, codes(page))
			}
			if category != "" && s.Category != category {
				t.Fatalf("Search(%q, %q) returned %s of category %s", text, category, s.Code, s.Category)
			}
			hay := words(s.Title + " " + s.Description + " " + s.DepartmentTitle)
			for _, term := range terms {
				if !slices.ContainsFunc(hay, func(w string) bool { return strings.HasPrefix(w, term) }) {
					t.Fatalf("Search(%q) returned %s, which has no word starting %q", text, s.Code, term)
				}
			}
		}
		if next != "" {
			if _, _, err := Search(Query{Text: text, Category: category, Limit: limit, Cursor: next}); err != nil {
				t.Fatalf("Search(%q) next page: %v", text, err)
			}
		}
	})
}
