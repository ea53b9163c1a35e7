package catalog

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/shared/validate"
)

// formService has one field of every type.
var formService = Service{
	Code: "form-test",
	Form: []Field{
		{Name: "surname", Type: "text", Label: "Фамилия", Required: true, MaxLength: 5, Pattern: `[А-ЯЁа-яё]+`},
		{Name: "comment", Type: "textarea", Label: "Комментарий", MaxLength: 20},
		{Name: "birthDate", Type: "date", Label: "Дата рождения", Required: true},
		{Name: "count", Type: "number", Label: "Количество"},
		{Name: "purpose", Type: "select", Label: "Цель", Required: true, Options: []string{"Для работы", "Для визы"}},
		{Name: "agree", Type: "checkbox", Label: "Согласие", Required: true},
		{Name: "urgent", Type: "checkbox", Label: "Срочно"},
		{Name: "phone", Type: "phone", Label: "Телефон"},
		{Name: "email", Type: "email", Label: "Почта"},
		{Name: "snils", Type: "snils", Label: "СНИЛС"},
		{Name: "inn", Type: "inn", Label: "ИНН"},
		{Name: "series", Type: "passport_series", Label: "Серия"},
		{Name: "number", Type: "passport_number", Label: "Номер"},
		{Name: "address", Type: "address", Label: "Адрес", MaxLength: 100},
	},
}

// validValues fills every field of formService correctly.
func validValues() map[string]any {
	return map[string]any{
		"surname": "Ежов", "comment": "строка 1\nстрока 2", "birthDate": "1990-05-17", "count": 3.0,
		"purpose": "Для визы", "agree": true, "urgent": false, "phone": "+7 (916) 000-00-01",
		"email": "ivanov@example.ru", "snils": "123-456-789 64", "inn": "500100732259",
		"series": "45 08", "number": "123456", "address": "г. Москва, ул. Тверская, д. 1",
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		set  map[string]any // changes to validValues; nil deletes the key
		del  []string
		want []string // "field:code" in order
	}{
		{"all valid", nil, nil, nil},
		{"only required fields", nil, []string{"comment", "count", "urgent", "phone", "email", "snils", "inn", "series", "number", "address"}, nil},
		{"optional null and blank", map[string]any{"comment": nil, "phone": "  ", "count": nil}, nil, nil},
		{"required missing", nil, []string{"birthDate"}, []string{"birthDate:field.required"}},
		{"required null", map[string]any{"purpose": nil}, nil, []string{"purpose:field.required"}},
		{"required blank", map[string]any{"surname": " \t "}, nil, []string{"surname:field.required"}},
		{"required checkbox unticked", map[string]any{"agree": false}, nil, []string{"agree:field.required"}},
		{"text given a number", map[string]any{"surname": 42.0}, nil, []string{"surname:field.type"}},
		{"select given a list", map[string]any{"purpose": []any{"Для визы"}}, nil, []string{"purpose:field.type"}},
		{"number given a string", map[string]any{"count": "3"}, nil, []string{"count:field.type"}},
		{"number as json.Number", map[string]any{"count": json.Number("2.5")}, nil, nil},
		{"number as int", map[string]any{"count": 7}, nil, nil},
		{"malformed json.Number", map[string]any{"count": json.Number("два")}, nil, []string{"count:field.type"}},
		{"checkbox given a string", map[string]any{"urgent": "true"}, nil, []string{"urgent:field.type"}},
		{"checkbox given a number", map[string]any{"agree": 1.0}, nil, []string{"agree:field.type"}},
		{"date in Russian order", map[string]any{"birthDate": "17.05.1990"}, nil, []string{"birthDate:field.date"}},
		{"date that does not exist", map[string]any{"birthDate": "2023-02-29"}, nil, []string{"birthDate:field.date"}},
		{"date without zero padding", map[string]any{"birthDate": "1990-5-17"}, nil, []string{"birthDate:field.date"}},
		{"date with time", map[string]any{"birthDate": "1990-05-17T00:00:00Z"}, nil, []string{"birthDate:field.date"}},
		{"date given a number", map[string]any{"birthDate": 19900517.0}, nil, []string{"birthDate:field.type"}},
		{"maxLength counts runes", map[string]any{"surname": "Ёжиков"}, nil, []string{"surname:field.maxLength"}},
		{"maxLength exactly", map[string]any{"surname": "Ёжова"}, nil, nil},
		{"maxLength after trimming", map[string]any{"surname": "  Ёжова  "}, nil, nil},
		{"textarea too long", map[string]any{"comment": strings.Repeat("ы", 21)}, nil, []string{"comment:field.maxLength"}},
		{"pattern", map[string]any{"surname": "Ivan"}, nil, []string{"surname:field.pattern"}},
		{"pattern is anchored", map[string]any{"surname": "Ив1"}, nil, []string{"surname:field.pattern"}},
		{"option not in options", map[string]any{"purpose": "Для души"}, nil, []string{"purpose:field.option"}},
		{"option differs in case", map[string]any{"purpose": "для визы"}, nil, []string{"purpose:field.option"}},
		{"control character in text", map[string]any{"address": "Москва\x00"}, nil, []string{"address:field.chars"}},
		{"line break in one-line text", map[string]any{"address": "Москва\nТверская"}, nil, []string{"address:field.chars"}},
		{"invalid UTF-8", map[string]any{"comment": "\xff\xfe"}, nil, []string{"comment:field.chars"}},
		{"SNILS checksum", map[string]any{"snils": "123-456-789 65"}, nil, []string{"snils:" + validate.CodeSNILSChecksum}},
		{"SNILS format", map[string]any{"snils": "12345"}, nil, []string{"snils:" + validate.CodeSNILSFormat}},
		{"legal-entity INN", map[string]any{"inn": "7707083893"}, nil, []string{"inn:" + validate.CodeINNLength}},
		{"INN checksum", map[string]any{"inn": "500100732258"}, nil, []string{"inn:" + validate.CodeINNChecksum}},
		{"foreign phone", map[string]any{"phone": "+44 20 7946 0958"}, nil, []string{"phone:" + validate.CodePhoneCountry}},
		{"phone with letters", map[string]any{"phone": "8-916-АБВ"}, nil, []string{"phone:" + validate.CodePhoneFormat}},
		{"email", map[string]any{"email": "ivanov@"}, nil, []string{"email:" + validate.CodeEmailFormat}},
		{"passport series", map[string]any{"series": "45-08"}, nil, []string{"series:" + validate.CodePassportSeries}},
		{"passport number", map[string]any{"number": "12345"}, nil, []string{"number:" + validate.CodePassportNumber}},
		{"identifier given a number", map[string]any{"number": 123456.0}, nil, []string{"number:field.type"}},
		{"unknown fields, by name", map[string]any{"zeta": "1", "alpha": nil}, nil, []string{"alpha:field.unknown", "zeta:field.unknown"}},
		{"every bad field named, in form order",
			map[string]any{"surname": "Ivan", "count": "много", "purpose": "Иное", "snils": "1", "extra": true},
			[]string{"birthDate"},
			[]string{"surname:field.pattern", "birthDate:field.required", "count:field.type", "purpose:field.option", "snils:" + validate.CodeSNILSFormat, "extra:field.unknown"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			values := validValues()
			for k, v := range c.set {
				values[k] = v
			}
			for _, k := range c.del {
				delete(values, k)
			}
			errs := formService.Validate(values)
			var got []string
			for _, e := range errs {
				got = append(got, e.Field+":"+e.Code)
				if e.Message == "" {
					t.Errorf("%s: no message", e.Field)
				}
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("Validate() = %v, want %v", got, c.want)
			}
		})
	}
}

func TestValidateNilValues(t *testing.T) {
	var got []string
	for _, e := range formService.Validate(nil) {
		got = append(got, e.Field+":"+e.Code)
	}
	want := []string{"surname:field.required", "birthDate:field.required", "purpose:field.required", "agree:field.required"}
	if !slices.Equal(got, want) {
		t.Errorf("Validate(nil) = %v, want %v", got, want)
	}
}

func TestValidateBrokenPatternRefuses(t *testing.T) {
	s := Service{Form: []Field{{Name: "x", Type: "text", Label: "X", Pattern: "[a-"}}}
	errs := s.Validate(map[string]any{"x": "a"})
	if len(errs) != 1 || errs[0].Code != CodePattern {
		t.Errorf("Validate() with a broken pattern = %v, want field.pattern", errs)
	}
}

func TestValidateDecodedJSON(t *testing.T) {
	s, ok := Get("no-criminal-record")
	if !ok {
		t.Fatal("Get(no-criminal-record) not found")
	}
	body := `{"surname":"Иванов","name":"Иван","birthDate":"1985-03-02","birthPlace":"г. Тула",
		"purpose":"Для трудоустройства","registrationAddress":"г. Тула, ул. Ленина, д. 5, кв. 7"}`
	var values map[string]any
	if err := json.Unmarshal([]byte(body), &values); err != nil {
		t.Fatal(err)
	}
	if errs := s.Validate(values); errs != nil {
		t.Errorf("Validate() = %v, want none", errs)
	}
}

// patternExamples holds a value that each pattern of the catalog accepts;
// a new pattern needs an example here, which proves it is not too strict.
var patternExamples = map[string]string{
	`[А-ЯЁа-яё]+(?:[ -][А-ЯЁа-яё]+)*`: "Салтыков-Щедрин",
	`\d{2}:\d{2}:\d{6,7}:\d{1,7}`:     "77:01:0004012:1234",
	`\d{13}|\d{15}`:                   "1027700132195",
	`\d{10}|\d{12}`:                   "7707083893",
	`\d{2} ?\d{6,9}`:                  "45 123456789",
	`\d{20}`:                          "40817810099910004312",
	`\d{20}|\d{25}`:                   "18810177200000123453",
	`04\d{7}`:                         "044525225",
	`\d{2} ?\d{2} ?\d{6}`:             "99 21 123456",
	`[IVXLC]{1,6}-[А-ЯЁ]{2} ?\d{6}`:   "IV-МЮ 123456",
	`\d{2}\.\d{2}\.\d{2}\s.+`:         "09.03.04 Программная инженерия",
	`[0-9A-Za-zА-ЯЁа-яё/-]+`:          "1234567890/25",
}

// example returns a valid value for f.
func example(t *testing.T, f Field) any {
	t.Helper()
	if f.Pattern != "" {
		v, ok := patternExamples[f.Pattern]
		if !ok {
			t.Fatalf("field %s: no example for pattern %q in patternExamples", f.Name, f.Pattern)
		}
		return v
	}
	switch f.Type {
	case "date":
		return "2025-09-01"
	case "number":
		return 2.0
	case "checkbox":
		return true
	case "select":
		return f.Options[len(f.Options)-1]
	case "phone":
		return "+79160000001"
	case "email":
		return "ivanov@example.ru"
	case "snils":
		return "123-456-789 64"
	case "inn":
		return "500100732259"
	case "passport_series":
		return "4508"
	case "passport_number":
		return "123456"
	}
	return "Обычный текст, г. Москва, д. 1"
}

// TestEveryServiceAcceptsAnExample fills every form with plausible values,
// so a form that nobody could submit fails here.
func TestEveryServiceAcceptsAnExample(t *testing.T) {
	for _, s := range All() {
		t.Run(s.Code, func(t *testing.T) {
			values := map[string]any{}
			for _, f := range s.Form {
				values[f.Name] = example(t, f)
			}
			if errs := s.Validate(values); errs != nil {
				t.Errorf("Validate(%v) = %v", values, errs)
			}
			var required []string
			for _, f := range s.Form {
				if f.Required {
					required = append(required, f.Name)
				}
			}
			if len(required) == 0 {
				t.Error("a form with no required field accepts an empty application")
			}
			if errs := s.Validate(map[string]any{}); len(errs) != len(required) {
				t.Errorf("Validate({}) = %v, want one error for each of %v", errs, required)
			}
		})
	}
}

func FuzzValidate(f *testing.F) {
	f.Add("surname", "Иванов")
	f.Add("birthDate", "2024-13-01")
	f.Add("snils", "\xff")
	f.Fuzz(func(t *testing.T, name, value string) {
		for _, s := range []Service{formService, All()[0]} {
			errs := s.Validate(map[string]any{name: value})
			for _, e := range errs {
				if e.Field != name && !slices.ContainsFunc(s.Form, func(f Field) bool { return f.Name == e.Field }) || e.Code == "" || e.Message == "" {
					t.Fatalf("Validate(%q: %q) = incomplete %+v", name, value, e)
				}
			}
			if s.Code == formService.Code && len(errs) == 0 {
				t.Fatalf("Validate(%q: %q) accepted a form missing required fields", name, value)
			}
		}
	})
}

func TestSampleFillsEveryFormValidly(t *testing.T) {
	for _, svc := range All() {
		if errs := svc.Validate(svc.Sample()); len(errs) > 0 {
			t.Errorf("%s: the sample is refused: %+v", svc.Code, errs)
		}
	}
}
