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

var (
	emailRe = regexp.MustCompile(`[^\s@"'<>]+@[^\s@"'<>]+\.[^\s@"'<>]+`)
	jwtRe   = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*`)
	// feedTokenRe is a calendar subscription token (shared/calendar's
	// TokenPrefix): it sits in a path, so any text that quotes one is masked.
	feedTokenRe = regexp.MustCompile(`kcf_[A-Za-z0-9_-]{16,}`)
	// uuidRe comes first in the alternation so that identifiers, which are not
	// personal data, survive the digit rule.
	digitsRe = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|\+?\d[\d\s()-]{8,}\d`)
)

// Scrub masks personal data inside free text.
func Scrub(s string) string {
	s = jwtRe.ReplaceAllString(s, Redacted)
	s = feedTokenRe.ReplaceAllString(s, Redacted)
	s = emailRe.ReplaceAllString(s, Redacted)
	return digitsRe.ReplaceAllStringFunc(s, func(m string) string {
		if len(m) == 36 && strings.Count(m, "-") == 4 && !strings.ContainsAny(m, " ()+") {
			return m
		}
		n := 0
		for _, r := range m {
			if r >= '0' && r <= '9' {
				n++
			}
		}
		// 10+ digits: phone, SNILS, INN, passport series+number, card numbers.
		if n >= 10 {
			return Redacted
		}
		return m
	})
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
