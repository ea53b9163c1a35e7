// Package logging builds Kabinet's structured JSON logger. Personal data never
// reaches a log line: attributes whose key names a personal or secret field are
// replaced, and string values that look like an email, a phone number, a SNILS,
// an INN, a passport number, a token or a calendar subscription's token are masked wherever they appear.
package logging

import (
	"context"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
)

// Redacted replaces a value that must not be logged.
const Redacted = "[redacted]"

// sensitiveKeys are attribute keys (lower-case, without separators) whose values are never logged.
var sensitiveKeys = map[string]bool{
	"password": true, "newpassword": true, "oldpassword": true, "currentpassword": true,
	"phone": true, "phonenumber": true, "email": true, "snils": true, "inn": true,
	"passport": true, "series": true, "number": true, "code": true, "otp": true,
	"token": true, "accesstoken": true, "idtoken": true, "refreshtoken": true,
	"authorization": true, "cookie": true, "secret": true, "secretcode": true,
	"surname": true, "name": true, "patronymic": true, "fio": true, "birthdate": true,
	"address": true, "body": true, "session": true,
}

// The patterns are compiled on first need, and only strings that could hold
// a match meet them: most logged values (stages, versions, routes, ids) have
// no "@", no "eyJ" and fewer than ten digits, so neither a cold start nor
// such a value pays for a regexp.
var (
	emailRe = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`[^\s@"'<>]+@[^\s@"'<>]+\.[^\s@"'<>]+`)
	})
	jwtRe = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*`)
	})
	// feedTokenRe is a calendar subscription token (shared/calendar's
	// TokenPrefix): it sits in a path, so any text that quotes one is masked.
	feedTokenRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`kcf_[A-Za-z0-9_-]{16,}`) })
	// The UUID comes first in the alternation so that identifiers, which
	// are not personal data, survive the digit rule.
	digitsRe = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|\+?\d[\d\s()-]{8,}\d`)
	})
)

// minMaskedDigits is how many digits a run needs to be masked: a phone,
// SNILS, INN, passport series and number, a card number.
const minMaskedDigits = 10

// Scrub masks personal data inside free text.
func Scrub(s string) string {
	if strings.Contains(s, "eyJ") {
		s = jwtRe().ReplaceAllString(s, Redacted)
	}
	if strings.Contains(s, "kcf_") {
		s = feedTokenRe().ReplaceAllString(s, Redacted)
	}
	if strings.IndexByte(s, '@') >= 0 {
		s = emailRe().ReplaceAllString(s, Redacted)
	}
	// A run is masked only for its digits: with fewer in all of s, none is.
	if digits(s) < minMaskedDigits {
		return s
	}
	return digitsRe().ReplaceAllStringFunc(s, maskDigits)
}

// maskDigits masks a run of digitsRe that is not a UUID and has enough digits.
func maskDigits(m string) string {
	if len(m) == 36 && strings.Count(m, "-") == 4 && !strings.ContainsAny(m, " ()+") {
		return m
	}
	if digits(m) >= minMaskedDigits {
		return Redacted
	}
	return m
}

// digits counts the ASCII digits of s (the \d of the patterns).
func digits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			n++
		}
	}
	return n
}

func normalizeKey(k string) string {
	k = strings.ToLower(k)
	return strings.NewReplacer("_", "", "-", "", ".", "").Replace(k)
}

func replaceAttr(_ []string, a slog.Attr) slog.Attr {
	if sensitiveKeys[normalizeKey(a.Key)] {
		return slog.String(a.Key, Redacted)
	}
	switch a.Value.Kind() {
	case slog.KindString:
		return slog.String(a.Key, Scrub(a.Value.String()))
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok {
			return slog.String(a.Key, Scrub(err.Error()))
		}
	}
	return a
}

// New returns a JSON logger writing to w at the given level ("debug", "info",
// "warn", "error"; anything else means info).
func New(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	switch strings.ToLower(level) {
	case "debug":
		l = slog.LevelDebug
	case "warn":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	default:
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l, ReplaceAttr: replaceAttr}))
}

type ctxKey struct{}

// WithLogger stores a logger in ctx.
func WithLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// From returns the logger stored in ctx, or the default logger.
func From(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(ctxKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}
