// Package httpapi adapts API Gateway HTTP API (payload format 2.0) events to
// Kabinet's handlers: routing by route key, reading claims, decoding JSON
// bodies with limits, and writing JSON and problem+json responses.
package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kabinet/kabinet/shared/problem"
)

// Request and Response are the payload-2.0 event shapes.
type (
	Request  = events.APIGatewayV2HTTPRequest
	Response = events.APIGatewayV2HTTPResponse
)

func baseHeaders(contentType string) map[string]string {
	return map[string]string{
		"Content-Type":           contentType,
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
	}
}

// Page is one page of a list as every list answers it: the items, and
// the cursor of the next page, absent on the last one.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"nextCursor,omitempty"`
}

// JSON answers with v encoded as JSON.
func JSON(status int, v any) (Response, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return Response{}, problem.Internal(err)
	}
	return Response{StatusCode: status, Headers: baseHeaders("application/json; charset=utf-8"), Body: string(b)}, nil
}

// File answers 200 with a binary file to download, base64-encoded as API
// Gateway expects. fileName may be Cyrillic: it goes in both the ASCII
// fallback and the RFC 5987 filename* parameter.
func File(contentType, fileName string, body []byte) Response {
	h := baseHeaders(contentType)
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, fileName)
	h["Content-Disposition"] = `attachment; filename="` + ascii + `"; filename*=UTF-8''` + url.PathEscape(fileName)
	return Response{StatusCode: http.StatusOK, Headers: h, Body: base64.StdEncoding.EncodeToString(body), IsBase64Encoded: true}
}

// NoContent answers 204.
func NoContent() Response {
	return Response{StatusCode: http.StatusNoContent, Headers: baseHeaders("text/plain")}
}

// Problem is the RFC 9457 document Kabinet sends for every error.
type Problem struct {
	Type      string          `json:"type"`
	Title     string          `json:"title"`
	Status    int             `json:"status"`
	Detail    string          `json:"detail"`
	Code      string          `json:"code"`
	Instance  string          `json:"instance,omitempty"`
	RequestID string          `json:"requestId,omitempty"`
	Errors    []problem.Field `json:"errors,omitempty"`
}

var statusOf = map[problem.Kind]int{
	problem.KindInternal:             http.StatusInternalServerError,
	problem.KindBadRequest:           http.StatusBadRequest,
	problem.KindInvalid:              http.StatusUnprocessableEntity,
	problem.KindUnauthenticated:      http.StatusUnauthorized,
	problem.KindForbidden:            http.StatusForbidden,
	problem.KindNotFound:             http.StatusNotFound,
	problem.KindMethodNotAllowed:     http.StatusMethodNotAllowed,
	problem.KindConflict:             http.StatusConflict,
	problem.KindGone:                 http.StatusGone,
	problem.KindPreconditionFailed:   http.StatusPreconditionFailed,
	problem.KindPreconditionRequired: http.StatusPreconditionRequired,
	problem.KindTooLarge:             http.StatusRequestEntityTooLarge,
	problem.KindUnsupportedMediaType: http.StatusUnsupportedMediaType,
	problem.KindTooManyRequests:      http.StatusTooManyRequests,
	problem.KindUnavailable:          http.StatusServiceUnavailable,
	problem.KindLocked:               http.StatusLocked,
}

var titleOf = map[int]string{
	400: "Некорректный запрос",
	401: "Требуется вход",
	403: "Доступ запрещён",
	404: "Не найдено",
	405: "Метод не поддерживается",
	409: "Конфликт",
	410: "Больше недоступно",
	412: "Данные изменились",
	413: "Слишком большой запрос",
	415: "Неподдерживаемый тип данных",
	422: "Ошибка в данных",
	423: "Учётная запись заблокирована",
	428: "Требуется версия данных",
	429: "Слишком много запросов",
	500: "Внутренняя ошибка",
	503: "Сервис временно недоступен",
}

// StatusOf returns the HTTP status for an error.
func StatusOf(err error) int {
	if st, ok := statusOf[problem.KindOf(err)]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// ProblemResponse renders err as application/problem+json. Errors that are not
// *problem.Error become a generic 500 whose text reveals nothing.
func ProblemResponse(err error, requestID, path string) Response {
	pe, ok := problem.As(err)
	if !ok || pe.Kind == problem.KindInternal || statusOf[pe.Kind] == 0 {
		pe = problem.Internal(err)
	}
	status := statusOf[pe.Kind]
	doc := map[string]any{}
	for k, v := range pe.Extensions {
		doc[k] = v
	}
	p := Problem{
		Type: "urn:kabinet:problem:" + pe.Code, Title: titleOf[status], Status: status,
		Detail: pe.Detail, Code: pe.Code, Instance: path, RequestID: requestID, Errors: pe.Fields,
	}
	raw, _ := json.Marshal(p)
	_ = json.Unmarshal(raw, &doc)
	body, _ := json.Marshal(doc)
	h := baseHeaders("application/problem+json; charset=utf-8")
	if pe.RetryAfter > 0 {
		h["Retry-After"] = strconv.Itoa(int(pe.RetryAfter.Seconds() + 0.999))
	}
	if status == http.StatusUnauthorized {
		h["WWW-Authenticate"] = `Bearer realm="kabinet"`
	}
	if allow, ok := pe.Extensions["allow"].([]string); ok && status == http.StatusMethodNotAllowed {
		h["Allow"] = joinComma(allow)
	}
	return Response{StatusCode: status, Headers: h, Body: string(body)}
}

func joinComma(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}
