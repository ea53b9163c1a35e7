package httpapi

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/shared/problem"
)

type sample struct {
	Name  string   `json:"name"`
	Age   int      `json:"age"`
	Small uint8    `json:"small"`
	Ratio float32  `json:"ratio"`
	OK    bool     `json:"ok"`
	Tags  []string `json:"tags"`
	Inner struct {
		X int `json:"x"`
	} `json:"inner"`
}

func jsonRequest(contentType, body string) *Request {
	req := &Request{Body: body, Headers: map[string]string{}}
	if contentType != "" {
		req.Headers["content-type"] = contentType
	}
	return req
}

func TestDecodeJSONAccepts(t *testing.T) {
	tests := []struct {
		name   string
		req    *Request
		max    int
		wantNm string
	}{
		{"plain json", jsonRequest("application/json", `{"name":"Иван"}`), 0, "Иван"},
		{"charset parameter", jsonRequest("application/json; charset=utf-8", `{"name":"a"}`), 0, "a"},
		{"upper-case media type", jsonRequest("Application/JSON", `{"name":"a"}`), 0, "a"},
		{"problem+json", jsonRequest("application/problem+json", `{"name":"a"}`), 0, "a"},
		{"surrounding whitespace", jsonRequest("application/json", " \n{\"name\":\"a\"}\n\t "), 0, "a"},
		{"exactly at the limit", jsonRequest("application/json", `{"name":"abc"}`), len(`{"name":"abc"}`), "abc"},
		{"header name not lower-cased", &Request{Headers: map[string]string{"Content-Type": "application/json"}, Body: `{"name":"a"}`}, 0, "a"},
		{"base64 body", &Request{Headers: map[string]string{"content-type": "application/json"},
			Body: base64.StdEncoding.EncodeToString([]byte(`{"name":"b64"}`)), IsBase64Encoded: true}, 0, "b64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got sample
			if err := DecodeJSON(tt.req, tt.max, &got); err != nil {
				t.Fatalf("DecodeJSON() = %v, want nil", err)
			}
			if got.Name != tt.wantNm {
				t.Errorf("Name = %q, want %q", got.Name, tt.wantNm)
			}
		})
	}
}

func TestDecodeJSONRefuses(t *testing.T) {
	big := `{"name":"` + strings.Repeat("x", DefaultMaxBody) + `"}`
	tests := []struct {
		name       string
		req        *Request
		max        int
		wantKind   problem.Kind
		wantCode   string
		wantDetail string // a part of the Russian detail
	}{
		{"no content type", jsonRequest("", `{}`), 0, problem.KindUnsupportedMediaType, "unsupported_media_type", "application/json"},
		{"text/plain", jsonRequest("text/plain", `{}`), 0, problem.KindUnsupportedMediaType, "unsupported_media_type", ""},
		{"form", jsonRequest("application/x-www-form-urlencoded", `a=1`), 0, problem.KindUnsupportedMediaType, "unsupported_media_type", ""},
		{"malformed content type", jsonRequest("application/json; =", `{}`), 0, problem.KindUnsupportedMediaType, "unsupported_media_type", ""},
		{"json as a prefix only", jsonRequest("application/jsonx", `{}`), 0, problem.KindUnsupportedMediaType, "unsupported_media_type", ""},
		{"above the explicit limit", jsonRequest("application/json", `{"name":"abcd"}`), 10, problem.KindTooLarge, "body_too_large", "10 байт"},
		{"above the default limit", jsonRequest("application/json", big), 0, problem.KindTooLarge, "body_too_large", "65536"},
		{"base64 above the limit after decoding", &Request{Headers: map[string]string{"content-type": "application/json"},
			Body: base64.StdEncoding.EncodeToString([]byte(`{"name":"abcdefgh"}`)), IsBase64Encoded: true}, 12, problem.KindTooLarge, "body_too_large", ""},
		{"broken base64", &Request{Headers: map[string]string{"content-type": "application/json"}, Body: "@@@", IsBase64Encoded: true},
			0, problem.KindBadRequest, "body_encoding", "повреждено"},
		{"empty body", jsonRequest("application/json", ``), 0, problem.KindBadRequest, "body_required", "пустое"},
		{"whitespace body", jsonRequest("application/json", " \n\t"), 0, problem.KindBadRequest, "body_required", ""},
		{"null body", jsonRequest("application/json", `null`), 0, problem.KindBadRequest, "malformed_json", "JSON-объект"},
		{"syntax error", jsonRequest("application/json", `{"name":}`), 0, problem.KindBadRequest, "malformed_json", "позиция"},
		{"cut off", jsonRequest("application/json", `{"name":"a"`), 0, problem.KindBadRequest, "malformed_json", "обрывается"},
		{"unknown field", jsonRequest("application/json", `{"nmae":"a"}`), 0, problem.KindBadRequest, "malformed_json", `Неизвестное поле "nmae"`},
		{"trailing object", jsonRequest("application/json", `{"name":"a"}{}`), 0, problem.KindBadRequest, "malformed_json", "лишние данные"},
		{"trailing garbage", jsonRequest("application/json", `{"name":"a"} x`), 0, problem.KindBadRequest, "malformed_json", "лишние данные"},
		{"array instead of object", jsonRequest("application/json", `[1,2]`), 0, problem.KindBadRequest, "malformed_json", "JSON-объект"},
		{"string instead of object", jsonRequest("application/json", `"x"`), 0, problem.KindBadRequest, "malformed_json", "JSON-объект"},
		{"string for int", jsonRequest("application/json", `{"age":"десять"}`), 0, problem.KindBadRequest, "malformed_json", `Поле "age" имеет неверный тип: ожидается число`},
		{"string for uint8", jsonRequest("application/json", `{"small":"x"}`), 0, problem.KindBadRequest, "malformed_json", `Поле "small" имеет неверный тип: ожидается число`},
		{"number out of uint8 range", jsonRequest("application/json", `{"small":300}`), 0, problem.KindBadRequest, "malformed_json", `Поле "small"`},
		{"string for float32", jsonRequest("application/json", `{"ratio":"x"}`), 0, problem.KindBadRequest, "malformed_json", `ожидается число`},
		{"number for string", jsonRequest("application/json", `{"name":5}`), 0, problem.KindBadRequest, "malformed_json", `Поле "name" имеет неверный тип: ожидается строка`},
		{"number for bool", jsonRequest("application/json", `{"ok":1}`), 0, problem.KindBadRequest, "malformed_json", `Поле "ok" имеет неверный тип: ожидается логическое значение`},
		{"object for slice", jsonRequest("application/json", `{"tags":{}}`), 0, problem.KindBadRequest, "malformed_json", `Поле "tags" имеет неверный тип: ожидается массив`},
		{"number for object", jsonRequest("application/json", `{"inner":1}`), 0, problem.KindBadRequest, "malformed_json", `Поле "inner" имеет неверный тип: ожидается объект`},
		{"nested field", jsonRequest("application/json", `{"inner":{"x":"s"}}`), 0, problem.KindBadRequest, "malformed_json", `Поле "inner.x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v sample
			err := DecodeJSON(tt.req, tt.max, &v)
			pe, ok := problem.As(err)
			if !ok {
				t.Fatalf("DecodeJSON() = %v, want a *problem.Error", err)
			}
			if pe.Kind != tt.wantKind || pe.Code != tt.wantCode {
				t.Errorf("DecodeJSON() = kind %d code %q, want kind %d code %q", pe.Kind, pe.Code, tt.wantKind, tt.wantCode)
			}
			if !strings.Contains(pe.Detail, tt.wantDetail) {
				t.Errorf("Detail = %q, want it to contain %q", pe.Detail, tt.wantDetail)
			}
		})
	}
}

func TestDecodeJSONStatuses(t *testing.T) {
	tests := []struct {
		name string
		req  *Request
		want int
	}{
		{"415", jsonRequest("text/html", `{}`), 415},
		{"413", jsonRequest("application/json", `{"name":"0123456789"}`), 413},
		{"400", jsonRequest("application/json", `{`), 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v sample
			if got := StatusOf(DecodeJSON(tt.req, 16, &v)); got != tt.want {
				t.Errorf("StatusOf(DecodeJSON()) = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestHeaderAndPathParam(t *testing.T) {
	req := &Request{Headers: map[string]string{"x-one": "1", "X-Two": "2"}, PathParameters: map[string]string{"id": "42"}}
	tests := []struct{ name, header, want string }{
		{"lower-case stored", "X-One", "1"},
		{"mixed case stored", "x-two", "2"},
		{"missing", "X-Three", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Header(req, tt.header); got != tt.want {
				t.Errorf("Header(%q) = %q, want %q", tt.header, got, tt.want)
			}
		})
	}
	if got, err := PathParam(req, "id"); err != nil || got != "42" {
		t.Errorf("PathParam(id) = %q, %v; want 42, nil", got, err)
	}
	if _, err := PathParam(req, "other"); !problem.Is(err, problem.KindBadRequest) {
		t.Errorf("PathParam(other) error = %v, want a bad request", err)
	}
}

func FuzzDecodeJSON(f *testing.F) {
	f.Add("application/json", `{"name":"a","age":1}`, false, 0)
	f.Add("application/json; charset=utf-8", `{"tags":["a"],"inner":{"x":1}}`, false, 64)
	f.Add("application/problem+json", `null`, false, 0)
	f.Add("text/plain", `{}`, false, 0)
	f.Add("application/json", `eyJuYW1lIjoiYSJ9`, true, 0)
	f.Add("application/json", `{"age":1e999}`, false, 0)
	f.Add("application/json", `{"name":"a"} {"name":"b"}`, false, 0)
	f.Add("application/json", "\xff\xfe", false, 1)
	f.Fuzz(func(t *testing.T, contentType, body string, b64 bool, limit int) {
		req := &Request{Headers: map[string]string{"content-type": contentType}, Body: body, IsBase64Encoded: b64}
		var v sample
		err := DecodeJSON(req, limit, &v)
		if err == nil {
			return
		}
		pe, ok := problem.As(err)
		if !ok {
			t.Fatalf("DecodeJSON() = %v (%T), want nil or a *problem.Error", err, err)
		}
		if st := StatusOf(pe); st < 400 || st > 499 {
			t.Fatalf("DecodeJSON() status %d for %v, want 4xx", st, err)
		}
	})
}
