package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/problem"
)

func decodeProblem(t *testing.T, res Response) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(res.Body), &doc); err != nil {
		t.Fatalf("problem body %q is not JSON: %v", res.Body, err)
	}
	return doc
}

func TestProblemResponseStatusPerKind(t *testing.T) {
	tests := []struct {
		name string
		kind problem.Kind
		want int
	}{
		{"bad request", problem.KindBadRequest, 400},
		{"invalid", problem.KindInvalid, 422},
		{"unauthenticated", problem.KindUnauthenticated, 401},
		{"forbidden", problem.KindForbidden, 403},
		{"not found", problem.KindNotFound, 404},
		{"method not allowed", problem.KindMethodNotAllowed, 405},
		{"conflict", problem.KindConflict, 409},
		{"gone", problem.KindGone, 410},
		{"precondition failed", problem.KindPreconditionFailed, 412},
		{"precondition required", problem.KindPreconditionRequired, 428},
		{"too large", problem.KindTooLarge, 413},
		{"unsupported media type", problem.KindUnsupportedMediaType, 415},
		{"too many requests", problem.KindTooManyRequests, 429},
		{"unavailable", problem.KindUnavailable, 503},
		{"internal", problem.KindInternal, 500},
		{"unknown kind", problem.Kind(99), 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := fmt.Errorf("wrapped: %w", problem.New(tt.kind, "some_code", "Подробности"))
			res := ProblemResponse(err, "req-1", "/me")
			if res.StatusCode != tt.want {
				t.Errorf("StatusCode = %d, want %d", res.StatusCode, tt.want)
			}
			if got := StatusOf(err); got != tt.want {
				t.Errorf("StatusOf = %d, want %d", got, tt.want)
			}
			if ct := res.Headers["Content-Type"]; !strings.HasPrefix(ct, "application/problem+json") {
				t.Errorf("Content-Type = %q, want application/problem+json", ct)
			}
			if res.Headers["Cache-Control"] != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", res.Headers["Cache-Control"])
			}
			doc := decodeProblem(t, res)
			if got := doc["status"]; got != float64(tt.want) {
				t.Errorf("body status = %v, want %d", got, tt.want)
			}
			if doc["title"] == "" || doc["title"] == nil {
				t.Errorf("body title is empty")
			}
			if doc["instance"] != "/me" || doc["requestId"] != "req-1" {
				t.Errorf("instance, requestId = %v, %v; want /me, req-1", doc["instance"], doc["requestId"])
			}
			if tt.want != 500 {
				if doc["code"] != "some_code" || doc["detail"] != "Подробности" || doc["type"] != "urn:kabinet:problem:some_code" {
					t.Errorf("body = %v, want code, detail and type of the problem", doc)
				}
			}
		})
	}
}

func TestProblemResponseHidesInternalCauses(t *testing.T) {
	secret := "dial tcp 10.0.0.1:443: password=hunter2"
	tests := []struct {
		name string
		err  error
	}{
		{"plain error", errors.New(secret)},
		{"wrapped plain error", fmt.Errorf("load settings: %w", errors.New(secret))},
		{"problem.Internal", problem.Internal(errors.New(secret))},
		{"internal kind with its own detail", &problem.Error{Kind: problem.KindInternal, Code: "x", Detail: secret}},
		{"conflict with a cause", problem.Wrap(errors.New(secret), problem.KindConflict, "conflict", "Конфликт")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := ProblemResponse(tt.err, "", "")
			if strings.Contains(res.Body, "hunter2") || strings.Contains(res.Body, "10.0.0.1") {
				t.Errorf("body %q reveals the cause", res.Body)
			}
			doc := decodeProblem(t, res)
			if _, ok := doc["instance"]; ok {
				t.Errorf("empty instance is present in %v", doc)
			}
			if problem.KindOf(tt.err) == problem.KindConflict {
				return
			}
			if res.StatusCode != 500 || doc["code"] != "internal" {
				t.Errorf("got status %d code %v, want 500 internal", res.StatusCode, doc["code"])
			}
		})
	}
}

func TestProblemResponseHeaders(t *testing.T) {
	tests := []struct {
		name        string
		err         error
		wantHeaders map[string]string
		noHeaders   []string
	}{
		{"401 asks for a bearer token", problem.Unauthenticated(""),
			map[string]string{"WWW-Authenticate": `Bearer realm="kabinet"`}, []string{"Allow", "Retry-After"}},
		{"405 lists allowed methods", problem.New(problem.KindMethodNotAllowed, "method_not_allowed", "Метод").With("allow", []string{"GET", "PUT"}),
			map[string]string{"Allow": "GET, PUT"}, []string{"WWW-Authenticate"}},
		{"allow on another status is ignored", problem.Conflict("c", "d").With("allow", []string{"GET"}),
			nil, []string{"Allow"}},
		{"retry after whole seconds", &problem.Error{Kind: problem.KindTooManyRequests, Code: "rate", Detail: "d", RetryAfter: 30 * time.Second},
			map[string]string{"Retry-After": "30"}, nil},
		{"retry after rounds up", &problem.Error{Kind: problem.KindUnavailable, Code: "busy", Detail: "d", RetryAfter: 1500 * time.Millisecond},
			map[string]string{"Retry-After": "2"}, nil},
		{"retry after below a second", &problem.Error{Kind: problem.KindTooManyRequests, Code: "rate", Detail: "d", RetryAfter: time.Millisecond},
			map[string]string{"Retry-After": "1"}, nil},
		{"no retry after without a duration", problem.Conflict("c", "d"), nil, []string{"Retry-After", "WWW-Authenticate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := ProblemResponse(tt.err, "", "/x")
			for k, want := range tt.wantHeaders {
				if got := res.Headers[k]; got != want {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
			for _, k := range tt.noHeaders {
				if v, ok := res.Headers[k]; ok {
					t.Errorf("header %s = %q, want none", k, v)
				}
			}
		})
	}
}

func TestProblemResponseBody(t *testing.T) {
	err := problem.Invalid(problem.Field{Field: "email", Code: "email.format", Message: "Неверный адрес"})
	err.With("lockedUntil", "2030-01-01T00:00:00Z").With("status", 999).With("allow", []string{"GET"})
	res := ProblemResponse(err, "rid", "/me/settings")
	doc := decodeProblem(t, res)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("StatusCode = %d, want 422", res.StatusCode)
	}
	if doc["lockedUntil"] != "2030-01-01T00:00:00Z" {
		t.Errorf("extension lockedUntil = %v, want it kept", doc["lockedUntil"])
	}
	if doc["status"] != float64(422) {
		t.Errorf("status = %v, want 422 (an extension must not override a standard member)", doc["status"])
	}
	errs, _ := doc["errors"].([]any)
	if len(errs) != 1 {
		t.Fatalf("errors = %v, want one field", doc["errors"])
	}
	if f, _ := errs[0].(map[string]any); f["field"] != "email" || f["code"] != "email.format" {
		t.Errorf("errors[0] = %v, want the email field", errs[0])
	}
}

func TestJSONAndNoContent(t *testing.T) {
	res, err := JSON(201, map[string]string{"a": "б"})
	if err != nil {
		t.Fatalf("JSON() error = %v", err)
	}
	if res.StatusCode != 201 || res.Body != `{"a":"б"}` || res.Headers["Content-Type"] != "application/json; charset=utf-8" {
		t.Errorf("JSON() = %+v", res)
	}
	if _, err := JSON(200, make(chan int)); !problem.Is(err, problem.KindInternal) {
		t.Errorf("JSON(chan) error = %v, want internal", err)
	}
	if nc := NoContent(); nc.StatusCode != 204 || nc.Body != "" {
		t.Errorf("NoContent() = %+v", nc)
	}
}

func TestFileNamesCyrillicSafely(t *testing.T) {
	res := File("application/pdf", `Журнал "2026".pdf`, []byte("%PDF-1.7"))
	if !res.IsBase64Encoded || res.Body != "JVBERi0xLjc=" || res.StatusCode != 200 || res.Headers["Content-Type"] != "application/pdf" {
		t.Errorf("response = %+v", res)
	}
	want := `attachment; filename="______ _2026_.pdf"; filename*=UTF-8''%D0%96%D1%83%D1%80%D0%BD%D0%B0%D0%BB%20%222026%22.pdf`
	if got := res.Headers["Content-Disposition"]; got != want {
		t.Errorf("Content-Disposition = %s\nwant %s", got, want)
	}
}
