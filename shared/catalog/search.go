package catalog

import (
	"encoding/base64"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kabinet/kabinet/shared/problem"
)

// Page sizes of [Search].
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// maxQueryRunes bounds the search text: a search box needs a few words, and
// the bound keeps the work per request small.
const maxQueryRunes = 200

// Query selects a page of services for [Search].
type Query struct {
	// Text is matched against the title, description and department title:
	// every word of it must begin some word there, ignoring case and
	// treating ё as е. Empty text matches every service.
	Text string
	// Category keeps only services of that category; empty keeps all.
	Category string
	// Cursor continues after the page that returned it; empty starts from
	// the beginning.
	Cursor string
	// Limit is the page size, 1..[MaxLimit]; 0 means [DefaultLimit].
	Limit int
}

// Search returns a page of matching services in code order and the cursor of
// the next page, empty on the last one. The cursor stays valid when the
// catalog changes between pages: it names the last code returned, and the
// next page starts after it.
//
// Errors: problem.KindInvalid for a limit out of range ("limit.range"), an
// unknown category ("category.unknown") or a text that is too long
// ("text.length"); problem.KindBadRequest "invalid_cursor" for a cursor
// Search did not produce.
func Search(q Query) ([]Service, string, error) {
	limit := q.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit < 1 || limit > MaxLimit {
		return nil, "", problem.Invalid(problem.Field{Field: "limit", Code: "limit.range", Message: "limit — число от 1 до 100"})
	}
	if utf8.RuneCountInString(q.Text) > maxQueryRunes {
		return nil, "", problem.Invalid(problem.Field{Field: "text", Code: "text.length", Message: "Поисковый запрос — не длиннее 200 символов"})
	}
	ix := loaded()
	if q.Category != "" && !slices.Contains(ix.categories, q.Category) {
		return nil, "", problem.Invalid(problem.Field{Field: "category", Code: "category.unknown", Message: "Неизвестная категория услуг"})
	}
	after, err := decodeCursor(q.Cursor)
	if err != nil {
		return nil, "", err
	}

	terms := words(q.Text)
	start := sort.Search(len(ix.services), func(i int) bool { return ix.services[i].Code > after })
	page := []Service{}
	for i := start; i < len(ix.services); i++ {
		s := ix.services[i]
		if (q.Category != "" && s.Category != q.Category) || !matches(ix.words[i], terms) {
			continue
		}
		if len(page) == limit {
			// One more match exists, so there is a next page.
			return page, encodeCursor(page[len(page)-1].Code), nil
		}
		page = append(page, s.clone())
	}
	return page, "", nil
}

// matches reports whether every term begins one of the words, which are
// sorted and unique.
// Words splits text into searchable words as the catalog's search does
// (lower-cased, ё folded to е, sorted and unique): for other searchable
// lists (the FAQ) that search the same way.
func Words(text string) []string { return words(text) }

// Matches reports whether every term is a prefix of one of words (both as
// Words returns them).
func Matches(words, terms []string) bool { return matches(words, terms) }

func matches(words, terms []string) bool {
	for _, t := range terms {
		i := sort.SearchStrings(words, t)
		if i == len(words) || !strings.HasPrefix(words[i], t) {
			return false
		}
	}
	return true
}

// words splits text into searchable words: runs of letters and digits,
// lower-cased, with ё folded to е. Combining marks and format characters
// (a stress mark, a soft hyphen) are dropped without splitting the word, and
// a decomposed й (и + breve) is composed, so text pasted from elsewhere still
// matches. The result is sorted and unique.
func words(text string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	var last rune
	for _, r := range text {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			r = unicode.ToLower(r)
			if r == 'ё' {
				r = 'е'
			}
			b.WriteRune(r)
			last = r
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Cf, r):
			if r == '\u0306' && last == 'и' && b.Len() > 0 {
				s := strings.TrimSuffix(b.String(), "и")
				b.Reset()
				b.WriteString(s)
				b.WriteRune('й')
				last = 'й'
			}
		default:
			flush()
			last = 0
		}
	}
	flush()
	slices.Sort(out)
	return slices.Compact(out)
}

// cursorEncoding keeps cursors safe in a query string without escaping.
var cursorEncoding = base64.RawURLEncoding

func encodeCursor(code string) string { return cursorEncoding.EncodeToString([]byte(code)) }

// decodeCursor returns the code a cursor continues after, "" for no cursor.
func decodeCursor(cursor string) (string, error) {
	if cursor == "" {
		return "", nil
	}
	raw, err := cursorEncoding.DecodeString(cursor)
	if err != nil || len(raw) > maxCodeLength || !codeRE().Match(raw) {
		return "", problem.BadRequest("invalid_cursor", "Некорректный курсор страницы: начните список сначала")
	}
	return string(raw), nil
}
