package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"reflect"
	"strings"

	"github.com/kabinet/kabinet/shared/problem"
)

// DefaultMaxBody is the largest JSON body a handler accepts unless told otherwise.
const DefaultMaxBody = 64 << 10

// Header returns a request header; API Gateway lower-cases header names.
func Header(req *Request, name string) string {
	if v, ok := req.Headers[strings.ToLower(name)]; ok {
		return v
	}
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// Body returns the raw request body, decoding base64 when API Gateway encoded it.
func Body(req *Request) ([]byte, error) {
	if !req.IsBase64Encoded {
		return []byte(req.Body), nil
	}
	b, err := base64.StdEncoding.DecodeString(req.Body)
	if err != nil {
		return nil, problem.BadRequest("body_encoding", "Тело запроса повреждено")
	}
	return b, nil
}

// DecodeJSON reads a JSON object body into v. It answers 415 for another
// content type, 413 above maxBytes (DefaultMaxBody when zero), and 400 for
// malformed JSON, unknown fields or trailing data, naming what is wrong.
func DecodeJSON(req *Request, maxBytes int, v any) error {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBody
	}
	ct := Header(req, "Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return problem.New(problem.KindUnsupportedMediaType, "unsupported_media_type",
			"Ожидается тело в формате application/json")
	}
	body, err := Body(req)
	if err != nil {
		return err
	}
	if len(body) > maxBytes {
		return problem.New(problem.KindTooLarge, "body_too_large",
			fmt.Sprintf("Тело запроса больше допустимых %d байт", maxBytes))
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return problem.BadRequest("body_required", "Тело запроса пустое")
	}
	// A bare null would decode into nothing and leave v as it was.
	if bytes.Equal(trimmed, []byte("null")) {
		return problem.BadRequest("malformed_json", "Ожидается JSON-объект")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return problem.BadRequest("malformed_json", describeJSONError(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return problem.BadRequest("malformed_json", "После JSON-объекта есть лишние данные")
	}
	return nil
}

func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("Некорректный JSON (позиция %d)", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("Поле %q имеет неверный тип: ожидается %s", typ.Field, jsonKind(typ.Type.Kind()))
		}
		return "Ожидается JSON-объект"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "JSON обрывается на середине"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "Неизвестное поле " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return "Некорректный JSON"
}

func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "строка"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "число"
	case reflect.Bool:
		return "логическое значение"
	case reflect.Slice, reflect.Array:
		return "массив"
	}
	return "объект"
}

// PathParam returns a path parameter or a 400 naming it when missing.
func PathParam(req *Request, name string) (string, error) {
	v := req.PathParameters[name]
	if v == "" {
		return "", problem.BadRequest("path_parameter", "Не указан параметр пути "+name)
	}
	return v, nil
}

// ReadEvent loads a payload-2.0 sample from events/ (for tests and tools).
func ReadEvent(path string) (Request, error) {
	var req Request
	b, err := os.ReadFile(path)
	if err != nil {
		return req, err
	}
	if err := json.Unmarshal(b, &req); err != nil {
		return req, fmt.Errorf("%s: %w", path, err)
	}
	return req, nil
}
