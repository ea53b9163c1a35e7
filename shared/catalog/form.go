package catalog

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/validate"
)

// Field types of a form.
const (
	typeText           = "text"
	typeTextarea       = "textarea"
	typeDate           = "date"
	typeNumber         = "number"
	typeSelect         = "select"
	typeCheckbox       = "checkbox"
	typePhone          = "phone"
	typeEmail          = "email"
	typeSNILS          = "snils"
	typeINN            = "inn"
	typePassportSeries = "passport_series"
	typePassportNumber = "passport_number"
	typeAddress        = "address"
)

var (
	fieldTypes = []string{typeText, typeTextarea, typeDate, typeNumber, typeSelect, typeCheckbox,
		typePhone, typeEmail, typeSNILS, typeINN, typePassportSeries, typePassportNumber, typeAddress}

	// freeTextTypes take whatever the person types; they must be bounded.
	freeTextTypes = []string{typeText, typeTextarea, typeAddress}

	// patternTypes may carry a Pattern; the other types have a fixed format.
	patternTypes = freeTextTypes

	// identifiers are checked by the shared validators, which know the
	// formats and checksums.
	identifiers = map[string]func(string) (string, error){
		typePhone:          validate.Phone,
		typeEmail:          validate.Email,
		typeSNILS:          validate.SNILS,
		typeINN:            validate.PersonalINN,
		typePassportSeries: validate.PassportSeries,
		typePassportNumber: validate.PassportNumber,
	}
)

// Codes of [FieldError] set by Validate. Identifier fields (snils, inn,
// phone, email, passport_series, passport_number) report the codes of
// package validate instead, such as "snils.checksum".
const (
	CodeRequired  = "field.required"  // a required value is missing or blank
	CodeType      = "field.type"      // a value of the wrong JSON type
	CodeChars     = "field.chars"     // invalid UTF-8 or control characters
	CodeDate      = "field.date"      // not a date written as YYYY-MM-DD
	CodeMaxLength = "field.maxLength" // longer than MaxLength runes
	CodePattern   = "field.pattern"   // does not match Pattern
	CodeOption    = "field.option"    // not one of Options
	CodeUnknown   = "field.unknown"   // the form has no such field
)

// FieldError names one invalid value of a form. It is problem.Field, so a
// handler can answer problem.Invalid(errs...) without converting.
type FieldError = problem.Field

// Validate checks submitted form values, decoded from JSON (strings,
// float64 or json.Number, bool, nil), against the service's form and returns
// every invalid field: fields of the form in form order, then values the
// form does not have, by name. Nil means the values are acceptable.
//
// Strings are trimmed before they are checked. A missing, null or blank
// value of an optional field is accepted; a required checkbox must be true.
func (s Service) Validate(values map[string]any) []FieldError {
	var errs []FieldError
	for _, f := range s.Form {
		if code, msg := checkValue(f, values[f.Name]); code != "" {
			errs = append(errs, FieldError{Field: f.Name, Code: code, Message: msg})
		}
	}
	var unknown []string
	for name := range values {
		if !slices.ContainsFunc(s.Form, func(f Field) bool { return f.Name == name }) {
			unknown = append(unknown, name)
		}
	}
	sort.Strings(unknown)
	for _, name := range unknown {
		errs = append(errs, FieldError{Field: name, Code: CodeUnknown, Message: "В форме услуги нет такого поля"})
	}
	return errs
}

// checkValue returns the code and message of what is wrong with v, or "" if
// nothing is.
func checkValue(f Field, v any) (code, msg string) {
	if blank(v) || f.Type == typeCheckbox && v == false {
		if f.Required {
			return CodeRequired, "Поле обязательно для заполнения"
		}
		return "", ""
	}
	switch f.Type {
	case typeCheckbox:
		if _, ok := v.(bool); !ok {
			return CodeType, "Ожидается отметка: да или нет"
		}
		return "", ""
	case typeNumber:
		if !isNumber(v) {
			return CodeType, "Ожидается число"
		}
		return "", ""
	}

	str, ok := v.(string)
	if !ok {
		return CodeType, "Ожидается строка"
	}
	str = strings.TrimSpace(str)
	if !cleanText(str, f.Type == typeTextarea) {
		return CodeChars, "Поле содержит недопустимые символы"
	}
	if f.MaxLength > 0 && utf8.RuneCountInString(str) > f.MaxLength {
		return CodeMaxLength, fmt.Sprintf("Не более %d символов", f.MaxLength)
	}
	if check, ok := identifiers[f.Type]; ok {
		if _, err := check(str); err != nil {
			if e, ok := validate.AsError(err); ok {
				return e.Code, e.Message
			}
			return validate.CodeInvalid, "Недопустимое значение"
		}
		return "", ""
	}
	switch f.Type {
	case typeDate:
		if _, err := time.Parse(time.DateOnly, str); err != nil {
			return CodeDate, "Укажите дату в формате ГГГГ-ММ-ДД"
		}
	case typeSelect:
		if !slices.Contains(f.Options, str) {
			return CodeOption, "Выберите значение из списка"
		}
	}
	if f.Pattern != "" && !pattern(f.Pattern).MatchString(str) {
		return CodePattern, "Значение не соответствует формату поля"
	}
	return "", ""
}

// blank reports whether v counts as not filled in.
func blank(v any) bool {
	if v == nil {
		return true
	}
	s, ok := v.(string)
	return ok && strings.TrimSpace(s) == ""
}

// isNumber accepts what encoding/json produces for a number, and Go numbers
// for callers that build values by hand.
func isNumber(v any) bool {
	switch n := v.(type) {
	case float64, float32, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	case json.Number:
		_, err := n.Float64()
		return err == nil
	}
	return false
}

// cleanText reports whether s is valid UTF-8 without control characters;
// a multi-line field may hold line breaks and tabs.
func cleanText(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if multiline && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// pattern returns the anchored expression for a Field.Pattern: prepared
// with the catalog for its own services, compiled here for any other
// Service value. A pattern that does not compile matches nothing, so a
// broken form refuses values rather than letting them through.
func pattern(p string) *regexp.Regexp {
	if re, ok := loaded().patterns[p]; ok {
		return re
	}
	re, err := regexp.Compile(anchor(p))
	if err != nil {
		return matchNothing()
	}
	return re
}

// matchNothing is an expression no string matches, compiled on first use.
var matchNothing = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^\x00-\x{10FFFF}]`) })

// sampleByType are values each field type accepts.
var sampleByType = map[string]any{
	typeDate: "2026-01-15", typeNumber: 1, typeCheckbox: true, typePhone: "+79161234567", typeEmail: "anna@example.ru",
	typeSNILS: "112-233-445 95", typeINN: "500100732259", typePassportSeries: "4510", typePassportNumber: "123456",
	typeAddress: "г. Москва, ул. Тверская, д. 1",
}

// Sample gives every required field a value the form accepts (the field's
// example, else one of its type): demo data and tests fill forms with it.
func (s Service) Sample() map[string]any {
	values := map[string]any{}
	for _, f := range s.Form {
		switch v, typed := sampleByType[f.Type]; {
		case !f.Required:
		case f.Example != "":
			values[f.Name] = f.Example
		case f.Type == typeSelect:
			values[f.Name] = f.Options[0]
		case typed:
			values[f.Name] = v
		default:
			values[f.Name] = "Текст для проверки"
		}
	}
	return values
}
