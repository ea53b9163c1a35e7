// Package problem is Kabinet's one application error type. Every failure that
// reaches a client is a *problem.Error with a Kind (which fixes the HTTP
// status), a stable machine Code and a Russian Detail; anything else is
// treated as internal and never shown.
package problem

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error; httpapi maps each Kind to one HTTP status.
type Kind int

// The kinds of application errors.
const (
	KindInternal Kind = iota
	KindBadRequest
	KindInvalid
	KindUnauthenticated
	KindForbidden
	KindNotFound
	KindMethodNotAllowed
	KindConflict
	KindGone
	KindPreconditionFailed
	KindPreconditionRequired
	KindTooLarge
	KindUnsupportedMediaType
	KindTooManyRequests
	KindUnavailable
	// KindLocked: the account is temporarily locked (HTTP 423).
	KindLocked
)

// Field names one invalid input field.
type Field struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error is an application error. Detail is Russian text for the person; Code
// is stable and meant for programs; Err is the cause, logged but never shown.
type Error struct {
	Kind       Kind
	Code       string
	Detail     string
	Fields     []Field
	RetryAfter time.Duration
	// Extensions are extra members of the problem document (e.g. "lockedUntil").
	Extensions map[string]any
	Err        error
}

// Error describes the error for logs; it includes the cause.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Detail, e.Err)
	}
	return e.Code + ": " + e.Detail
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// As reports whether err is or wraps a *Error and returns it.
func As(err error) (*Error, bool) {
	var pe *Error
	if errors.As(err, &pe) {
		return pe, true
	}
	return nil, false
}

// KindOf returns the Kind of err, KindInternal for errors that are not ours.
func KindOf(err error) Kind {
	if pe, ok := As(err); ok {
		return pe.Kind
	}
	return KindInternal
}

// CodeOf is the code of an application error, "internal" for any other.
func CodeOf(err error) string {
	if pe, ok := As(err); ok {
		return pe.Code
	}
	return "internal"
}

// Is reports whether err is an application error of the given kind.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// New builds an error of a kind with a code and a Russian detail.
func New(k Kind, code, detail string) *Error {
	return &Error{Kind: k, Code: code, Detail: detail}
}

// Wrap is New with a cause kept for the logs.
func Wrap(err error, k Kind, code, detail string) *Error {
	return &Error{Kind: k, Code: code, Detail: detail, Err: err}
}

// With adds an extension member and returns e.
func (e *Error) With(key string, value any) *Error {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions[key] = value
	return e
}

// BadRequest is a request the server cannot parse (HTTP 400).
func BadRequest(code, detail string) *Error { return New(KindBadRequest, code, detail) }

// Invalid is well-formed input that breaks rules; every broken field is named (HTTP 422).
func Invalid(fields ...Field) *Error {
	return &Error{Kind: KindInvalid, Code: "validation_failed", Detail: "Проверьте правильность заполнения полей", Fields: fields}
}

// FieldNames lists the fields an Invalid error names, in order (nil for
// any other error or none).
func FieldNames(err error) []string {
	e, ok := As(err)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

// Unauthenticated means no valid identity (HTTP 401).
func Unauthenticated(detail string) *Error {
	if detail == "" {
		detail = "Требуется вход в систему"
	}
	return New(KindUnauthenticated, "unauthenticated", detail)
}

// Forbidden means the identity may not do this (HTTP 403).
func Forbidden(detail string) *Error {
	if detail == "" {
		detail = "Недостаточно прав для этого действия"
	}
	return New(KindForbidden, "forbidden", detail)
}

// NotFound means the thing does not exist or is not the caller's (HTTP 404).
func NotFound(what string) *Error {
	return New(KindNotFound, "not_found", "Не найдено: "+what)
}

// Conflict means the request clashes with the current state (HTTP 409).
func Conflict(code, detail string) *Error { return New(KindConflict, code, detail) }

// Internal wraps an unexpected failure; only a generic text is ever shown.
func Internal(err error) *Error {
	return &Error{Kind: KindInternal, Code: "internal", Detail: "Внутренняя ошибка. Повторите попытку позже", Err: err}
}

// Coded is an input error that carries its own stable code: a validator's
// (validate.Error) or the password policy's (password.Violation). Its
// Error() is the Russian message for the person.
type Coded interface {
	error
	FieldCode() string
}

// CodeInvalid is the code of a field error whose cause has no code of its
// own.
const CodeInvalid = "invalid"

// FieldOf names field as invalid for err, keeping the code and message of
// a Coded error anywhere in err's chain: the one mapping from the
// validators' and the password policy's errors to problem fields, so their
// codes reach the client as they were given. Any other error gets
// CodeInvalid and a generic message (its text may hold internals).
func FieldOf(field string, err error) Field {
	var c Coded
	if errors.As(err, &c) {
		return Field{Field: field, Code: c.FieldCode(), Message: c.Error()}
	}
	return Field{Field: field, Code: CodeInvalid, Message: "Недопустимое значение"}
}

// FieldsOf names field once for each of errs (the rules a password breaks).
func FieldsOf[E error](field string, errs []E) []Field {
	out := make([]Field, 0, len(errs))
	for _, e := range errs {
		out = append(out, FieldOf(field, e))
	}
	return out
}
