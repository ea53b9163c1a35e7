package messages

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// nbsp keeps "№ 12", "500,00 ₽" and the like on one line.
const nbsp = "\u00a0"

// Date layouts shown to people.
const (
	dateLayout     = "02.01.2006"
	dateTimeLayout = "02.01.2006 в 15:04"
)

// Money writes kopecks as a notice does: "1 234,56 ₽" (receipts, calendar
// titles and statements say amounts the same way).
func Money(kopecks int64) string { return formatMoney(kopecks) }

// formatMoney writes kopecks as "1 234,56 ₽": groups of three digits and the
// sign split off by no-break spaces, a decimal comma and always two decimals.
func formatMoney(kopecks int64) string {
	var b strings.Builder
	u := uint64(kopecks)
	if kopecks < 0 {
		b.WriteString("−") // U+2212 MINUS SIGN
		u = -u             // two's complement: right for math.MinInt64 too
	}
	digits := strconv.FormatUint(u/100, 10)
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(nbsp)
		}
		b.WriteRune(d)
	}
	fmt.Fprintf(&b, ",%02d%s₽", u%100, nbsp)
	return b.String()
}

// toText turns a var into one line of text: whitespace runs, line breaks
// included, become one space, and control and bidirectional-override
// characters (used to disguise text) are removed.
func toText(v any) (string, error) {
	s, err := toRaw(v)
	if err != nil {
		return "", err
	}
	s = oneLine(clean(s))
	if s == "" {
		return "", ErrMissingVar
	}
	return s, nil
}

// toProse is toText for longer text: it keeps paragraph breaks (a blank line)
// and line breaks, and tidies everything else.
func toProse(v any) (string, error) {
	s, err := toRaw(v)
	if err != nil {
		return "", err
	}
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	var out []string
	blank := false
	for line := range strings.SplitSeq(s, "\n") {
		line = oneLine(clean(line))
		if line == "" {
			blank = len(out) > 0
			continue
		}
		if blank {
			out = append(out, "")
			blank = false
		}
		out = append(out, line)
	}
	if len(out) == 0 {
		return "", ErrMissingVar
	}
	return strings.Join(out, "\n"), nil
}

// toList accepts one string or a list of strings and writes the items
// separated by commas.
func toList(v any) (string, error) {
	var items []string
	switch x := v.(type) {
	case []string:
		items = x
	case []any:
		for _, e := range x {
			s, err := toRaw(e)
			if err != nil {
				return "", err
			}
			items = append(items, s)
		}
	default:
		return toText(v)
	}
	var kept []string
	for _, it := range items {
		if s, err := toText(it); err == nil {
			kept = append(kept, s)
		}
	}
	if len(kept) == 0 {
		return "", ErrMissingVar
	}
	return strings.Join(kept, ", "), nil
}

// toRaw accepts strings and anything that reads naturally as text: numbers
// (an application number may arrive as one) and fmt.Stringer.
func toRaw(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", ErrMissingVar
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(x), nil
	case float64:
		// JSON-decoded numbers arrive as float64; whole ones read as integers.
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case fmt.Stringer:
		return x.String(), nil
	}
	return "", fmt.Errorf("%w: want text, got %T", ErrInvalidVar, v)
}

// clean drops control characters and the invisible bidirectional controls,
// keeping line breaks and tabs for the caller to fold.
func clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case unicode.IsControl(r),
			r >= 0x202A && r <= 0x202E, // LRE, RLE, PDF, LRO, RLO
			r >= 0x2066 && r <= 0x2069, // LRI, RLI, FSI, PDI
			r == 0x200E || r == 0x200F || r == 0xFEFF:
			return -1
		}
		return r
	}, s)
}

// toInt accepts integers of any Go type, whole float64 (what encoding/json
// gives for numbers), json.Number and decimal strings.
func toInt(v any) (int64, error) {
	switch x := v.(type) {
	case nil:
		return 0, ErrMissingVar
	case int:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case int64:
		return x, nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint:
		if uint64(x) <= math.MaxInt64 {
			return int64(x), nil
		}
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), nil
		}
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), nil
		}
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, nil
		}
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return 0, ErrMissingVar
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
	default:
		return 0, fmt.Errorf("%w: want an integer, got %T", ErrInvalidVar, v)
	}
	return 0, fmt.Errorf("%w: want an integer, got %v", ErrInvalidVar, v)
}

// errDateOnly marks a date without a time of day; dates accept it, date-times
// do not.
var errDateOnly = errors.New("a date without a time")

// toTime accepts time.Time, *time.Time and RFC 3339 strings. A "2006-01-02"
// string is a calendar date: it is returned with errDateOnly so that a date
// is shown as written, not shifted by a time zone.
func toTime(v any) (time.Time, error) {
	var t time.Time
	switch x := v.(type) {
	case nil:
		return t, ErrMissingVar
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return t, ErrMissingVar
		}
		t = *x
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return t, ErrMissingVar
		}
		if d, err := time.Parse(time.DateOnly, s); err == nil {
			return d, errDateOnly
		}
		var err error
		if t, err = time.Parse(time.RFC3339, s); err != nil {
			return t, fmt.Errorf("%w: want an RFC 3339 time, got %q", ErrInvalidVar, s)
		}
	default:
		return t, fmt.Errorf("%w: want a time.Time or an RFC 3339 string, got %T", ErrInvalidVar, v)
	}
	if t.IsZero() {
		return t, ErrMissingVar
	}
	return t, nil
}

// toDate formats a date in loc; a calendar-date string is shown as is.
func toDate(v any, loc *time.Location) (string, error) {
	t, err := toTime(v)
	switch {
	case errors.Is(err, errDateOnly):
		return t.Format(dateLayout), nil
	case err != nil:
		return "", err
	}
	return t.In(loc).Format(dateLayout), nil
}

// toDateTime formats an instant in loc, as "02.01.2006 в 15:04".
func toDateTime(v any, loc *time.Location) (string, error) {
	t, err := toTime(v)
	switch {
	case errors.Is(err, errDateOnly):
		return "", fmt.Errorf("%w: want a date and a time, got only a date", ErrInvalidVar)
	case err != nil:
		return "", err
	}
	return t.In(loc).Format(dateTimeLayout), nil
}

// toPlaceTime formats an instant in the zone it carries, as "02.01.2006 в
// 15:04": an appointment is at the time of the clinic's clock, wherever
// the person reads it. A time in UTC carries no place (no Russian place
// keeps UTC) and is shown in Moscow time.
func toPlaceTime(v any) (string, error) {
	t, err := toTime(v)
	switch {
	case errors.Is(err, errDateOnly):
		return "", fmt.Errorf("%w: want a date and a time, got only a date", ErrInvalidVar)
	case err != nil:
		return "", err
	}
	if _, offset := t.Zone(); offset == 0 {
		t = t.In(moscow)
	}
	return t.Format(dateTimeLayout), nil
}

// safeLink returns the link if a person may be sent to it: an https:// URL
// with a host and no user info (https://gosuslugi.ru@evil.example reads as
// ours but is not), or a path on the portal. "//host" and "/\host" are
// refused: browsers take both for another host. ok is false for anything
// else, javascript: and data: included.
func safeLink(s string) (link string, absolute, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == '\\' || r == 0x7f || unicode.IsSpace(r) }) {
		return "", false, false
	}
	u, err := url.Parse(s)
	if err != nil || u.User != nil || u.Opaque != "" {
		return "", false, false
	}
	if strings.HasPrefix(s, "/") {
		if strings.HasPrefix(s, "//") || u.Scheme != "" || u.Host != "" {
			return "", false, false
		}
		return s, false, true
	}
	if u.Scheme != "https" || u.Host == "" {
		return "", false, false
	}
	return s, true, true
}

// short cuts s to at most n runes, at a word boundary when there is one in
// the last third, and marks the cut with an ellipsis.
func short(n int, s string) string {
	if n < 1 || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	if i := lastSpace(r); i > (n-1)*2/3 {
		r = r[:i]
	}
	return strings.TrimRightFunc(string(r), func(c rune) bool { return unicode.IsSpace(c) || unicode.IsPunct(c) }) + "…"
}

func lastSpace(r []rune) int {
	for i := len(r) - 1; i >= 0; i-- {
		if unicode.IsSpace(r[i]) {
			return i
		}
	}
	return -1
}
