package catalog

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The vocabularies are repeated here rather than read from the package, so
// that a typo there fails too.
var (
	wantCategories  = []string{"documents", "family", "transport", "taxes", "housing", "social", "education", "appeals"}
	wantDepartments = []string{"mvd", "rosreestr", "fns", "sfr", "zags", "gibdd", "minobr", "minobrnauki", "oszn", "gosuslugi"}
	wantLevels      = []string{"simplified", "standard", "confirmed"}
	wantFieldTypes  = []string{"text", "textarea", "date", "number", "select", "checkbox", "phone", "email",
		"snils", "inn", "passport_series", "passport_number", "address"}
	wantDocTypes = []string{"passport", "international_passport", "snils", "inn", "driver_license",
		"vehicle_registration", "medical_policy", "birth_certificate", "marriage_certificate", "other"}
	wantAutofill = []string{"surname", "name", "patronymic", "birthDate", "birthPlace", "snils", "inn", "phone",
		"email", "registrationAddress", "actualAddress", "passport.series", "passport.number",
		"passport.issueDate", "passport.issuer", "passport.divisionCode"}
)

func TestEmbeddedCatalogIsValid(t *testing.T) {
	all := All()
	if len(all) < 16 {
		t.Fatalf("All() has %d services, want at least 16", len(all))
	}
	if err := check(all); err != nil {
		t.Fatalf("check(All()) = %v", err)
	}
	deptTitles := map[string]string{}
	for i, s := range all {
		if i > 0 && all[i-1].Code >= s.Code {
			t.Errorf("All() not sorted by unique code: %q then %q", all[i-1].Code, s.Code)
		}
		if s.Title == "" || s.Description == "" || s.DepartmentTitle == "" {
			t.Errorf("%s: empty title, description or department title", s.Code)
		}
		if !slices.Contains(wantCategories, s.Category) {
			t.Errorf("%s: category %q", s.Code, s.Category)
		}
		// A request about a charge goes to the charge's department.
		if s.ChargeRequest == nil {
			if !slices.Contains(wantDepartments, s.Department) {
				t.Errorf("%s: department %q", s.Code, s.Department)
			}
			if prev, ok := deptTitles[s.Department]; ok && prev != s.DepartmentTitle {
				t.Errorf("%s: department %s titled %q, elsewhere %q", s.Code, s.Department, s.DepartmentTitle, prev)
			}
			deptTitles[s.Department] = s.DepartmentTitle
		} else if s.Department != "" {
			t.Errorf("%s: a charge request names department %q", s.Code, s.Department)
		}
		if !slices.Contains(wantLevels, s.Level) {
			t.Errorf("%s: level %q", s.Code, s.Level)
		}
		if s.FeeKopecks < 0 || s.WorkingDays < 1 {
			t.Errorf("%s: fee %d, working days %d", s.Code, s.FeeKopecks, s.WorkingDays)
		}
		if n := len(s.Form); n < 3 || n > 10 {
			t.Errorf("%s: %d form fields, want 3..10", s.Code, n)
		}
		names := map[string]bool{}
		for _, f := range s.Form {
			if names[f.Name] {
				t.Errorf("%s: field %q repeated", s.Code, f.Name)
			}
			names[f.Name] = true
			if !slices.Contains(wantFieldTypes, f.Type) {
				t.Errorf("%s.%s: type %q", s.Code, f.Name, f.Type)
			}
			if f.Label == "" {
				t.Errorf("%s.%s: no label", s.Code, f.Name)
			}
			if f.Autofill != "" && !slices.Contains(wantAutofill, f.Autofill) {
				t.Errorf("%s.%s: autofill %q", s.Code, f.Name, f.Autofill)
			}
			if f.Pattern != "" {
				if _, err := regexp.Compile(f.Pattern); err != nil {
					t.Errorf("%s.%s: pattern %q: %v", s.Code, f.Name, f.Pattern, err)
				}
				if strings.HasPrefix(f.Pattern, "^") || strings.HasSuffix(f.Pattern, "$") {
					t.Errorf("%s.%s: pattern %q is anchored by the validator, drop ^ and $", s.Code, f.Name, f.Pattern)
				}
			}
			if (f.Type == "select") != (len(f.Options) > 0) {
				t.Errorf("%s.%s: type %s with %d options", s.Code, f.Name, f.Type, len(f.Options))
			}
		}
		for _, d := range s.Documents {
			if !slices.Contains(wantDocTypes, d.Type) || d.Title == "" {
				t.Errorf("%s: document %+v", s.Code, d)
			}
		}
	}
}

// TestSourceServices pins the services the source documents name, with the
// duties the law sets.
func TestSourceServices(t *testing.T) {
	cases := []struct {
		code     string
		dept     string
		category string
		level    string
		fee      int64
	}{
		{"no-criminal-record", "mvd", "documents", "standard", 0},
		{"egrn-extract", "rosreestr", "housing", "standard", 35000},
		{"egrul-extract", "fns", "documents", "simplified", 0},
		{"income-certificate", "fns", "taxes", "standard", 0},
		{"international-passport-biometric", "mvd", "documents", "confirmed", 600000},
		{"international-passport-legacy", "mvd", "documents", "confirmed", 200000},
		{"passport-replacement", "mvd", "documents", "confirmed", 30000},
		{"residence-registration", "mvd", "housing", "confirmed", 0},
		{"birth-registration", "zags", "family", "confirmed", 0},
		{"marriage-registration", "zags", "family", "confirmed", 35000},
		{"housing-subsidy", "oszn", "housing", "standard", 0},
		{"pension-assignment", "sfr", "social", "standard", 0},
		{"work-history-extract", "sfr", "documents", "standard", 0},
		{"pension-account-statement", "sfr", "social", "standard", 0},
		{"driving-exam", "gibdd", "transport", "standard", 0},
		{"driver-license-replacement", "gibdd", "transport", "standard", 200000},
		{"school-enrollment", "minobr", "education", "standard", 0},
		{"university-admission", "minobrnauki", "education", "standard", 0},
		{"official-complaint", "gosuslugi", "appeals", "simplified", 0},
		{"information-request", "gosuslugi", "appeals", "simplified", 0},
		{"authority-proposal", "gosuslugi", "appeals", "simplified", 0},
		// Requests about a charge, decided by the charge's department.
		{"duty-refund", "", "taxes", "standard", 0},
		{"fine-refund", "", "transport", "standard", 0},
		{"fine-installment", "", "transport", "standard", 0},
		{"tax-installment", "", "taxes", "standard", 0},
		{"fine-appeal", "", "appeals", "standard", 0},
	}
	for _, c := range cases {
		s, ok := Get(c.code)
		if !ok {
			t.Errorf("Get(%q) not found", c.code)
			continue
		}
		if s.Department != c.dept || s.Category != c.category || s.Level != c.level || s.FeeKopecks != c.fee {
			t.Errorf("Get(%q) = %s/%s/%s/%d, want %s/%s/%s/%d", c.code,
				s.Department, s.Category, s.Level, s.FeeKopecks, c.dept, c.category, c.level, c.fee)
		}
	}
	if got, want := len(All()), len(cases); got != want {
		t.Errorf("All() has %d services, the table pins %d: add the new ones here", got, want)
	}
}

func TestGetReturnsCopies(t *testing.T) {
	s, ok := Get("no-criminal-record")
	if !ok {
		t.Fatal("Get(no-criminal-record) not found")
	}
	s.Form[0].Label = "изменено"
	s.Form[6].Options[0] = "изменено"
	s.Documents[0].Title = "изменено"
	again, _ := Get("no-criminal-record")
	if again.Form[0].Label == "изменено" || again.Form[6].Options[0] == "изменено" || again.Documents[0].Title == "изменено" {
		t.Error("changing a service from Get changed the catalog")
	}
	all := All()
	all[0].Form[0].Name = "изменено"
	if All()[0].Form[0].Name == "изменено" {
		t.Error("changing a service from All changed the catalog")
	}
	if _, ok := Get("no-such-service"); ok {
		t.Error("Get(no-such-service) found something")
	}
}

func TestDocumentsEncodeAsList(t *testing.T) {
	s, _ := Get("egrul-extract")
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"documents":[]`) {
		t.Errorf("egrul-extract encodes as %s; want documents as [] so clients need not check for null", b)
	}
}

func TestCategories(t *testing.T) {
	got := Categories()
	want := slices.Clone(wantCategories)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("Categories() = %v, want %v", got, want)
	}
	got[0] = "изменено"
	if Categories()[0] == "изменено" {
		t.Error("changing Categories() changed the catalog")
	}
}

// validService is a small service that passes check; each case of
// TestCheckRejects breaks one rule of it.
func validService() Service {
	return Service{
		Code: "test-service", Title: "Тест", Description: "Тестовая услуга",
		Department: "mvd", DepartmentTitle: "МВД России", Category: "documents", Level: "standard",
		WorkingDays: 5,
		Form: []Field{
			{Name: "surname", Type: "text", Label: "Фамилия", Required: true, MaxLength: 100, Autofill: "surname"},
			{Name: "purpose", Type: "select", Label: "Цель", Options: []string{"Первая", "Вторая"}},
			{Name: "snils", Type: "snils", Label: "СНИЛС", Autofill: "snils"},
		},
		Documents: []RequiredDocument{{Type: "passport", Title: "Паспорт"}},
	}
}

// appealService is a valid request about a charge.
func appealService() Service {
	return Service{
		Code: "test-appeal", Title: "Жалоба", Description: "Тестовая жалоба", DepartmentTitle: "Ведомство, вынесшее постановление",
		Category: "appeals", Level: "standard", WorkingDays: 10,
		Form: []Field{
			{Name: "uin", Type: "text", Label: "УИН", Required: true, MaxLength: 25},
			{Name: "text", Type: "textarea", Label: "Доводы", Required: true, MaxLength: 4000},
			{Name: "petition", Type: "textarea", Label: "Ходатайства", MaxLength: 2000},
		},
		Documents:     []RequiredDocument{},
		ChargeRequest: &ChargeRequest{Type: RequestAppeal, Kinds: []string{"fine"}},
	}
}

func TestCheckRejects(t *testing.T) {
	if err := check([]Service{appealService()}); err != nil {
		t.Fatalf("check(appealService) = %v", err)
	}
	if err := check([]Service{validService()}); err != nil {
		t.Fatalf("check(validService) = %v", err)
	}
	cases := []struct {
		name   string
		mutate func(s *Service)
		want   string
	}{
		{"code with capitals", func(s *Service) { s.Code = "Test" }, "code must be"},
		{"code with spaces", func(s *Service) { s.Code = "test service" }, "code must be"},
		{"no title", func(s *Service) { s.Title = " " }, "title and description"},
		{"unknown department", func(s *Service) { s.Department = "kgb" }, `unknown department "kgb"`},
		{"no department title", func(s *Service) { s.DepartmentTitle = "" }, "departmentTitle is required"},
		{"unknown category", func(s *Service) { s.Category = "fun" }, `unknown category "fun"`},
		{"unknown level", func(s *Service) { s.Level = "gold" }, `unknown level "gold"`},
		{"negative fee", func(s *Service) { s.FeeKopecks = -1 }, "negative fee"},
		{"no working days", func(s *Service) { s.WorkingDays = 0 }, "workingDays 0"},
		{"short form", func(s *Service) { s.Form = s.Form[:2] }, "form has 2 fields"},
		{"long form", func(s *Service) {
			for i := 0; i < 8; i++ {
				s.Form = append(s.Form, Field{Name: "extra" + string(rune('A'+i)), Type: "checkbox", Label: "Ещё"})
			}
		}, "form has 11 fields"},
		{"unknown request type", func(s *Service) { *s = appealService(); s.ChargeRequest.Type = "pardon" }, `unknown chargeRequest type "pardon"`},
		{"request to a department of its own", func(s *Service) { *s = appealService(); s.Department = "mvd" }, "department must be empty"},
		{"request with a fee", func(s *Service) { *s = appealService(); s.FeeKopecks = 100 }, "carries no fee"},
		{"request naming no kinds", func(s *Service) { *s = appealService(); s.ChargeRequest.Kinds = nil }, "names no kinds"},
		{"appeal against a tax", func(s *Service) { *s = appealService(); s.ChargeRequest.Kinds = []string{"tax"} }, `cannot name a charge of kind "tax"`},
		{"request without its charge", func(s *Service) { *s = appealService(); s.Form[0].Name = "number" }, `needs the required text field "uin"`},
		{"request with an optional field it needs", func(s *Service) { *s = appealService(); s.Form[1].Required = false }, `needs the required textarea field "text"`},
		{"repeated field", func(s *Service) { s.Form[2].Name = "surname"; s.Form[2].Autofill = "" }, `duplicate field "surname"`},
		{"field name with dash", func(s *Service) { s.Form[0].Name = "sur-name" }, "lowerCamelCase"},
		{"unknown field type", func(s *Service) { s.Form[0].Type = "color" }, `unknown type "color"`},
		{"no label", func(s *Service) { s.Form[0].Label = "" }, "label is required"},
		{"bad pattern", func(s *Service) { s.Form[0].Pattern = "[a-" }, "pattern does not compile"},
		{"pattern on snils", func(s *Service) { s.Form[2].Pattern = `\d+` }, `pattern is not allowed on type "snils"`},
		{"select without options", func(s *Service) { s.Form[1].Options = nil }, "at least two options"},
		{"repeated option", func(s *Service) { s.Form[1].Options = []string{"Да", "Да"} }, `option "Да"`},
		{"options on text", func(s *Service) { s.Form[0].Options = []string{"a", "b"} }, "only for select"},
		{"unbounded text", func(s *Service) { s.Form[0].MaxLength = 0 }, "needs maxLength"},
		{"negative maxLength", func(s *Service) { s.Form[2].MaxLength = -1 }, "negative maxLength"},
		{"unknown autofill", func(s *Service) { s.Form[0].Autofill = "favouriteColour" }, `unknown autofill "favouriteColour"`},
		{"autofill of the wrong type", func(s *Service) { s.Form[2].Autofill = "phone" }, `autofill "phone" cannot fill a snils field`},
		{"unknown document type", func(s *Service) { s.Documents[0].Type = "diploma" }, `unknown document type "diploma"`},
		{"document without title", func(s *Service) { s.Documents[0].Title = "" }, "has no title"},
		{"documents null", func(s *Service) { s.Documents = nil }, "documents must be listed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := validService().clone()
			c.mutate(&s)
			err := check([]Service{s})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("check() = %v, want an error containing %q", err, c.want)
			}
		})
	}

	t.Run("duplicate code", func(t *testing.T) {
		err := check([]Service{validService(), validService()})
		if err == nil || !strings.Contains(err.Error(), "duplicate code") {
			t.Errorf("check() = %v, want duplicate code", err)
		}
	})
	t.Run("department titled twice", func(t *testing.T) {
		other := validService()
		other.Code, other.DepartmentTitle = "other", "Полиция"
		err := check([]Service{validService(), other})
		if err == nil || !strings.Contains(err.Error(), "elsewhere") {
			t.Errorf("check() = %v, want a department title conflict", err)
		}
	})
	t.Run("empty catalog", func(t *testing.T) {
		if err := check(nil); err == nil {
			t.Error("check(nil) = nil, want an error")
		}
	})
}

func TestParse(t *testing.T) {
	valid, err := json.Marshal([]Service{validService()})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		data string
		ok   bool
	}{
		{"valid", string(valid), true},
		{"not JSON", "{", false},
		{"object instead of list", `{"code":"x"}`, false},
		{"unknown key", strings.Replace(string(valid), `"code"`, `"cost":1,"code"`, 1), false},
		{"trailing data", string(valid) + "[]", false},
		{"breaks the rules", `[]`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ix, err := parse([]byte(c.data))
			if (err == nil) != c.ok {
				t.Fatalf("parse() error = %v, want ok=%v", err, c.ok)
			}
			if c.ok && (len(ix.services) != 1 || ix.byCode["test-service"] != 0 || len(ix.categories) != 1) {
				t.Errorf("parse() index = %+v", ix)
			}
		})
	}
}
