// Package catalog is the portal's service catalog: every government service a
// citizen can apply for, with the department that provides it, the account
// level it requires, its fee and processing time, the application form and
// the documents to present.
//
// The catalog is data, not code: it lives in services.json (in Russian),
// embedded in the binary, parsed and checked once on first use. A change to
// the catalog is a change to that file; the tests refuse a file that breaks
// the catalog's rules (known departments, categories, levels, field and
// document types; bounded forms; compilable patterns). Values handed out are
// copies, so callers may modify them freely.
package catalog

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Field is one input of a service's application form.
type Field struct {
	// Name is the machine name the value is submitted under, e.g. "purpose".
	Name string `json:"name"`
	// Type is one of text, textarea, date, number, select, checkbox, phone,
	// email, snils, inn, passport_series, passport_number, address.
	Type string `json:"type"`
	// Label is the Russian caption shown to the person.
	Label    string `json:"label"`
	Required bool   `json:"required"`
	// Pattern is a Go RE2 expression the whole (trimmed) value must match;
	// the validator anchors it, so it is written without ^ and $.
	Pattern string `json:"pattern,omitempty"`
	// Options are the allowed values of a select.
	Options []string `json:"options,omitempty"`
	// MaxLength limits the value's length in runes; 0 means no limit.
	MaxLength int `json:"maxLength,omitempty"`
	// Autofill names the profile field that prefills the input, e.g.
	// "surname" or "passport.series"; empty when nothing does.
	Autofill string `json:"autofill,omitempty"`
	// Example is a value the field accepts, shown as a placeholder; fields
	// with a pattern or an identifier's format carry one.
	Example string `json:"example,omitempty"`
}

// RequiredDocument is a document the applicant presents or attaches.
type RequiredDocument struct {
	// Type is one of the document types the portal stores scans of:
	// passport, international_passport, snils, inn, driver_license,
	// vehicle_registration, medical_policy, birth_certificate,
	// marriage_certificate, other.
	Type  string `json:"type"`
	Title string `json:"title"`
}

// Service is one entry of the catalog.
type Service struct {
	// Code is the stable identifier, e.g. "no-criminal-record".
	Code        string `json:"code"`
	Title       string `json:"title"`
	Description string `json:"description"`
	// Department is the machine code of the providing department, e.g.
	// "mvd"; DepartmentTitle is its Russian name.
	Department      string `json:"department"`
	DepartmentTitle string `json:"departmentTitle"`
	// Category groups services in the catalog's menu; see [Categories].
	Category string `json:"category"`
	// Level is the account level required to apply: simplified, standard
	// or confirmed.
	Level string `json:"level"`
	// FeeKopecks is the state duty in kopecks; 0 means free.
	FeeKopecks int64 `json:"feeKopecks"`
	// WorkingDays is the usual processing time.
	WorkingDays int `json:"workingDays"`
	// Signature is true when submitting needs a confirmation by an SMS or
	// TOTP code.
	Signature bool               `json:"signature"`
	Form      []Field            `json:"form"`
	Documents []RequiredDocument `json:"documents"`
	// ChargeRequest, when set, makes the application a request about one of
	// the applicant's charges, named by its УИН in the form's field uin: it
	// goes to the department that administers the charge, so Department is
	// empty and DepartmentTitle says which one it will be.
	ChargeRequest *ChargeRequest `json:"chargeRequest,omitempty"`
}

// ChargeRequest is what a service asks of the agency about a charge.
type ChargeRequest struct {
	// Type is appeal (a complaint against the resolution imposing a fine),
	// installment (an instalment plan for a fine or a tax) or refund (the
	// return of a duty or a fine paid into the budget).
	Type string `json:"type"`
	// Kinds are the kinds of charge it may name: fine, tax, duty.
	Kinds []string `json:"kinds"`
}

// Types of charge requests.
const (
	RequestAppeal      = "appeal"
	RequestInstallment = "installment"
	RequestRefund      = "refund"
)

// requestFields are the required fields each type of charge request has in
// its form, with their types: payments reads the answers by these names
// (a refund's amount and the recipient's patronymic are optional).
var requestFields = map[string]map[string]string{
	RequestAppeal:      {"uin": typeText, "text": typeTextarea},
	RequestInstallment: {"uin": typeText, "parts": typeNumber, "reason": typeTextarea},
	RequestRefund: {"uin": typeText, "reason": typeSelect, "bik": typeText, "corrAccount": typeText, "account": typeText,
		"recipientSurname": typeText, "recipientName": typeText},
}

// requestKinds are the kinds of charge each type may name.
var requestKinds = map[string][]string{
	RequestAppeal:      {"fine"},
	RequestInstallment: {"fine", "tax"},
	RequestRefund:      {"duty", "fine"},
}

// Account levels a service may require, from the weakest.
const (
	LevelSimplified = "simplified"
	LevelStandard   = "standard"
	LevelConfirmed  = "confirmed"
)

// The vocabularies the catalog is checked against. They are closed so that a
// typo in services.json fails a test instead of reaching a client.
var (
	categories = []string{"documents", "family", "transport", "taxes", "housing", "social", "education", "appeals"}

	departments = []string{"mvd", "rosreestr", "fns", "sfr", "zags", "gibdd", "minobr", "minobrnauki", "oszn", "gosuslugi"}

	levels = []string{LevelSimplified, LevelStandard, LevelConfirmed}

	documentTypes = []string{"passport", "international_passport", "snils", "inn", "driver_license",
		"vehicle_registration", "medical_policy", "birth_certificate", "marriage_certificate", "other"}

	// autofillTypes maps each profile field a form may be prefilled from to
	// the field types that can hold its value.
	autofillTypes = map[string][]string{
		"surname":               {typeText},
		"name":                  {typeText},
		"patronymic":            {typeText},
		"birthDate":             {typeDate},
		"birthPlace":            {typeText, typeAddress},
		"snils":                 {typeSNILS},
		"inn":                   {typeINN},
		"phone":                 {typePhone},
		"email":                 {typeEmail},
		"registrationAddress":   {typeAddress},
		"actualAddress":         {typeAddress},
		"passport.series":       {typePassportSeries},
		"passport.number":       {typePassportNumber},
		"passport.issueDate":    {typeDate},
		"passport.issuer":       {typeText},
		"passport.divisionCode": {typeText},
	}

	// The patterns are compiled on first use, not at every cold start.
	codeRE      = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`) })
	fieldNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`) })
)

// Limits on the shape of a form, so every form stays short enough to fill
// in on a phone.
const (
	minFormFields = 3
	// maxFormFields admits a refund's bank details and recipient beside
	// the charge and the reason.
	maxFormFields = 10
	maxCodeLength = 64
)

//go:embed services.json
var servicesJSON []byte

// index is the parsed catalog with what searching and validating need
// prepared once.
type index struct {
	services   []Service // sorted by Code
	byCode     map[string]int
	words      [][]string // normalized words of each service's searchable text
	categories []string
	patterns   map[string]*regexp.Regexp // anchored, keyed by Field.Pattern
}

// loaded parses the embedded catalog on first use. The file is part of the
// build and the tests check it, so failing here means a broken build: it
// panics rather than serve a partial catalog.
var loaded = sync.OnceValue(func() *index {
	ix, err := parse(servicesJSON)
	if err != nil {
		panic("catalog: embedded services.json: " + err.Error())
	}
	return ix
})

// parse decodes and checks a catalog file and builds its index.
func parse(data []byte) (*index, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var services []Service
	if err := dec.Decode(&services); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if dec.More() {
		return nil, errors.New("decode: trailing data after the list of services")
	}
	if err := check(services); err != nil {
		return nil, err
	}
	sort.Slice(services, func(i, j int) bool { return services[i].Code < services[j].Code })

	ix := &index{
		services: services,
		byCode:   make(map[string]int, len(services)),
		words:    make([][]string, len(services)),
		patterns: map[string]*regexp.Regexp{},
	}
	for i, s := range services {
		ix.byCode[s.Code] = i
		ix.words[i] = words(s.Title + " " + s.Description + " " + s.DepartmentTitle)
		if !slices.Contains(ix.categories, s.Category) {
			ix.categories = append(ix.categories, s.Category)
		}
		for _, f := range s.Form {
			if f.Pattern != "" {
				// check has compiled every pattern already.
				ix.patterns[f.Pattern] = regexp.MustCompile(anchor(f.Pattern))
			}
		}
	}
	sort.Strings(ix.categories)
	return ix, nil
}

// check reports every way the services break the catalog's rules.
func check(services []Service) error {
	var errs []error
	bad := func(code, format string, args ...any) {
		errs = append(errs, fmt.Errorf("service %q: "+format, append([]any{code}, args...)...))
	}
	if len(services) == 0 {
		errs = append(errs, errors.New("no services"))
	}
	seen := map[string]bool{}
	deptTitles := map[string]string{}
	for _, s := range services {
		c := s.Code
		switch {
		case !codeRE().MatchString(c) || len(c) > maxCodeLength:
			bad(c, "code must be lowercase words joined by hyphens, at most %d bytes", maxCodeLength)
		case seen[c]:
			bad(c, "duplicate code")
		}
		seen[c] = true
		if strings.TrimSpace(s.Title) == "" || strings.TrimSpace(s.Description) == "" {
			bad(c, "title and description are required")
		}
		switch {
		case s.ChargeRequest != nil:
			for _, msg := range checkRequest(s) {
				bad(c, "%s", msg)
			}
		case !slices.Contains(departments, s.Department):
			bad(c, "unknown department %q", s.Department)
		}
		if strings.TrimSpace(s.DepartmentTitle) == "" {
			bad(c, "departmentTitle is required")
		} else if s.ChargeRequest != nil {
			// Its department is the charge's: the title only says so.
		} else if t, ok := deptTitles[s.Department]; ok && t != s.DepartmentTitle {
			bad(c, "department %q is titled %q here and %q elsewhere", s.Department, s.DepartmentTitle, t)
		} else {
			deptTitles[s.Department] = s.DepartmentTitle
		}
		if !slices.Contains(categories, s.Category) {
			bad(c, "unknown category %q", s.Category)
		}
		if !slices.Contains(levels, s.Level) {
			bad(c, "unknown level %q", s.Level)
		}
		if s.FeeKopecks < 0 {
			bad(c, "negative fee")
		}
		if s.WorkingDays < 1 || s.WorkingDays > 366 {
			bad(c, "workingDays %d out of 1..366", s.WorkingDays)
		}
		if n := len(s.Form); n < minFormFields || n > maxFormFields {
			bad(c, "form has %d fields, want %d..%d", n, minFormFields, maxFormFields)
		}
		names := map[string]bool{}
		for _, f := range s.Form {
			for _, msg := range checkField(f) {
				bad(c, "field %q: %s", f.Name, msg)
			}
			if names[f.Name] {
				bad(c, "duplicate field %q", f.Name)
			}
			names[f.Name] = true
		}
		if s.Documents == nil {
			bad(c, "documents must be listed, [] when none")
		}
		for _, d := range s.Documents {
			if !slices.Contains(documentTypes, d.Type) {
				bad(c, "unknown document type %q", d.Type)
			}
			if strings.TrimSpace(d.Title) == "" {
				bad(c, "document of type %q has no title", d.Type)
			}
		}
	}
	return errors.Join(errs...)
}

// checkRequest returns what is wrong with a service that is a request
// about a charge.
func checkRequest(s Service) []string {
	var out []string
	r := s.ChargeRequest
	need, ok := requestFields[r.Type]
	if !ok {
		return []string{fmt.Sprintf("unknown chargeRequest type %q", r.Type)}
	}
	if s.Department != "" {
		out = append(out, "a charge request goes to the charge's department: department must be empty")
	}
	if s.FeeKopecks != 0 {
		out = append(out, "a charge request carries no fee")
	}
	if len(r.Kinds) == 0 {
		out = append(out, "chargeRequest names no kinds")
	}
	for _, k := range r.Kinds {
		if !slices.Contains(requestKinds[r.Type], k) {
			out = append(out, fmt.Sprintf("a %s request cannot name a charge of kind %q", r.Type, k))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(need)) {
		typ := need[name]
		i := slices.IndexFunc(s.Form, func(f Field) bool { return f.Name == name })
		if i < 0 || !s.Form[i].Required || s.Form[i].Type != typ {
			out = append(out, fmt.Sprintf("a %s request needs the required %s field %q", r.Type, typ, name))
		}
	}
	return out
}

// DepartmentTitle is the Russian name of a department as the catalog's
// services give it ("" for one no service names): the title of a charge
// request's department, known only once the charge is.
func DepartmentTitle(code string) string {
	for _, s := range loaded().services {
		if s.Department == code && code != "" {
			return s.DepartmentTitle
		}
	}
	return ""
}

// checkField returns what is wrong with one form field.
func checkField(f Field) []string {
	var out []string
	if !fieldNameRE().MatchString(f.Name) {
		out = append(out, "name must be lowerCamelCase ASCII")
	}
	if !slices.Contains(fieldTypes, f.Type) {
		out = append(out, fmt.Sprintf("unknown type %q", f.Type))
	}
	if strings.TrimSpace(f.Label) == "" {
		out = append(out, "label is required")
	}
	if f.Pattern != "" {
		if !slices.Contains(patternTypes, f.Type) {
			out = append(out, fmt.Sprintf("pattern is not allowed on type %q", f.Type))
		}
		if _, err := regexp.Compile(anchor(f.Pattern)); err != nil {
			out = append(out, fmt.Sprintf("pattern does not compile: %v", err))
		}
	}
	if f.Type == typeSelect {
		if len(f.Options) < 2 {
			out = append(out, "select needs at least two options")
		}
		seen := map[string]bool{}
		for _, o := range f.Options {
			if strings.TrimSpace(o) == "" || seen[o] {
				out = append(out, fmt.Sprintf("option %q is empty or repeated", o))
			}
			seen[o] = true
		}
	} else if len(f.Options) > 0 {
		out = append(out, "options are only for select")
	}
	if f.MaxLength < 0 {
		out = append(out, "negative maxLength")
	}
	if slices.Contains(freeTextTypes, f.Type) && f.MaxLength == 0 {
		// Free text is stored with the application; it must be bounded.
		out = append(out, "free text needs maxLength")
	}
	if f.Autofill != "" {
		if types, ok := autofillTypes[f.Autofill]; !ok {
			out = append(out, fmt.Sprintf("unknown autofill %q", f.Autofill))
		} else if !slices.Contains(types, f.Type) {
			out = append(out, fmt.Sprintf("autofill %q cannot fill a %s field", f.Autofill, f.Type))
		}
	}
	return out
}

// anchor makes a pattern match the whole value.
func anchor(pattern string) string { return `^(?:` + pattern + `)$` }

// All returns every service, sorted by code.
func All() []Service {
	ix := loaded()
	out := make([]Service, len(ix.services))
	for i, s := range ix.services {
		out[i] = s.clone()
	}
	return out
}

// Get returns the service with the code, and false when there is none.
func Get(code string) (Service, bool) {
	ix := loaded()
	i, ok := ix.byCode[code]
	if !ok {
		return Service{}, false
	}
	return ix.services[i].clone(), true
}

// Categories returns the categories that have at least one service, sorted.
func Categories() []string {
	return slices.Clone(loaded().categories)
}

// clone copies a service deeply, so that no caller can change the catalog.
func (s Service) clone() Service {
	s.Form = slices.Clone(s.Form)
	for i := range s.Form {
		s.Form[i].Options = slices.Clone(s.Form[i].Options)
	}
	s.Documents = slices.Clone(s.Documents)
	if s.ChargeRequest != nil {
		r := *s.ChargeRequest
		r.Kinds = slices.Clone(r.Kinds)
		s.ChargeRequest = &r
	}
	return s
}
