package messages

import (
	"strings"
	"testing"

	// The reference the interpreter is checked against. A test's imports
	// are not linked into the functions, so this costs them nothing.
	"text/template"
)

// refExecute runs src with text/template as the catalog used to: with
// missingkey=error and the functions short and sentence.
func refExecute(src string, view map[string]any) (string, error) {
	t, err := template.New("ref").Option("missingkey=error").
		Funcs(template.FuncMap{"short": short, "sentence": sentence}).Parse(src)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, view); err != nil {
		return "", err
	}
	return b.String(), nil
}

func tmplExecute(src string, view map[string]any) (string, error) {
	t, err := parseTmpl("test/p0", src)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.execute(&b, view); err != nil {
		return "", err
	}
	return b.String(), nil
}

// refView holds the kinds of values a view has: text, empty text (an
// optional var left out), long text and the yes/no that derive adds.
func refView() map[string]any {
	return map[string]any{
		"A":     "Заявление & <b>«x»</b>",
		"Empty": "",
		"Space": "  ",
		"Long":  strings.Repeat("очень длинное название ", 8),
		"Dot":   "Конец.",
		"Yes":   true,
		"No":    false,
	}
}

// Every form the catalog uses gives what text/template gave, on every kind
// of value, white space included.
func TestTmplMatchesTextTemplate(t *testing.T) {
	srcs := []string{
		"",
		"plain text, no actions: {} } }} {",
		"  leading and trailing space\n\n  ",
		"{{.A}}",
		"№\u00a0{{.A}}: «{{.Long}}»\n{{.Empty}}|{{.Space}}|",
		"{{ .A }} and {{  .A  }}",
		"{{short 10 .A}}|{{short 1 .A}}|{{short 100 .A}}|{{short 20 .Long}}",
		"{{sentence .A}}|{{sentence .Dot}}|{{sentence .Empty}}",
		"{{sentence (short 30 .Long)}} and {{sentence ( short 5 .A )}}",
		"{{with .A}}Комментарий:\n{{.}}{{end}}",
		"{{with .Empty}}never {{.}}{{end}}after",
		"{{with .Space}}[{{.}}]{{end}}",
		"x{{with .A}}\n{{short 5 .}} {{sentence .}} {{sentence (short 4 .)}}{{end}}y",
		"{{with .A}}{{with .}}nested {{.}}{{end}}{{end}}",
		"{{with .A}}{{if not .}}never{{end}}{{end}}",
		"{{if not .Yes}}never{{end}}{{if not .No}}shown{{end}}",
		"{{if not .Empty}}empty{{end}}{{if not .A}}never{{end}}",
		"{{if not .No}}{{.A}}{{with .Empty}}x{{end}}{{end}}",
		"{{with .Yes}}{{if not .}}never{{end}}kept{{end}}",
		"{{end }}", // an error in both
		"{{.Missing}}",
		"{{with .Missing}}x{{end}}",
		"{{if not .Missing}}x{{end}}",
		"{{short 5 .Missing}}",
		"{{sentence .Yes}}",
	}
	view := refView()
	for _, src := range srcs {
		want, wantErr := refExecute(src, view)
		got, err := tmplExecute(src, view)
		if (err != nil) != (wantErr != nil) || got != want {
			t.Errorf("%q:\n got %q, %v\nwant %q, %v", src, got, err, want, wantErr)
		}
	}
}

// The errors text/template gave for an absent var survive: the var and the
// template are named.
func TestTmplMissingVar(t *testing.T) {
	tm, err := parseTmpl("application.status/sms", "Статус: {{short 60 .Status}}")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	err = tm.execute(&b, map[string]any{"Number": "1"})
	if err == nil || !strings.Contains(err.Error(), `"Status"`) || !strings.Contains(err.Error(), "application.status/sms:1:9") {
		t.Errorf("err = %v, want it to name the var and application.status/sms:1:9", err)
	}
}

// Anything outside the subset is refused at parse time, naming the
// template and the line and column of the action.
func TestTmplRefusesTheRest(t *testing.T) {
	cases := []struct {
		src  string
		pos  string
		want string
	}{
		{"{{.A", "1:1", "unclosed action"},
		{"ab\n  cd {{range .X}}{{end}}", "2:6", "unsupported action {{range .X}}"},
		{"Заявление {{.}}", "1:11", "only allowed inside {{with}}"},
		{"{{- .A}}", "1:1", "trim markers"},
		{"{{.A -}}", "1:1", "trim markers"},
		{"{{/* a comment */}}", "1:1", "comments"},
		{"{{with .A}}x{{else}}y{{end}}", "1:13", "unsupported action {{else}}"},
		{"x{{end}}", "1:2", "{{end}} without"},
		{"a\n{{with .A}}x", "2:1", "{{with .A}} has no {{end}}"},
		{"{{with .A}}{{if not .}}x{{end}}", "1:1", "has no {{end}}"},
		{"{{with .A}}{{.B}}{{end}}", "1:12", "use {{.}}"},
		{"{{with .A .B}}x{{end}}", "1:1", "unsupported"},
		{"{{with}}x{{end}}", "1:1", "unsupported"},
		{"{{if .A}}x{{end}}", "1:1", "{{if not .Var}}"},
		{"{{if not}}x{{end}}", "1:1", "unsupported"},
		{"{{if not not .A}}x{{end}}", "1:1", "unsupported"},
		{"{{short .A}}", "1:1", "short takes"},
		{"{{short 0 .A}}", "1:1", "short takes"},
		{"{{short -1 .A}}", "1:1", "short takes"},
		{"{{short +5 .A}}", "1:1", "short takes"},
		{"{{short 05 .A}}", "1:1", "short takes"},
		{"{{short 0x5 .A}}", "1:1", "short takes"},
		{"{{short 5 .A .B}}", "1:1", "unsupported"},
		{"{{short 5}}", "1:1", "unsupported"},
		{"{{sentence}}", "1:1", "unsupported"},
		{"{{sentence (sentence .A)}}", "1:1", "unsupported"},
		{"{{sentence(short 5 .A)}}", "1:1", "unsupported"},
		{"{{sentence (short 5 .A}}", "1:1", "unsupported"},
		{"{{(.A)}}", "1:1", "unsupported"},
		{"{{.A | short 5}}", "1:1", "unsupported"},
		{`{{printf "%s" .A}}`, "1:1", "unsupported"},
		{"{{not .A}}", "1:1", "unsupported"},
		{"{{.A.B}}", "1:1", "unsupported"},
		{"{{.1A}}", "1:1", "unsupported"},
		{"{{.Имя}}", "1:1", "unsupported"},
		{"{{$x := .A}}", "1:1", "unsupported"},
		{`{{"text"}}`, "1:1", "unsupported"},
		{"{{\t.A}}", "1:1", "unsupported"},
		{"{{.A\n}}", "1:1", "unsupported"},
		{"{{}}", "1:1", "empty action"},
		{"{{ }}", "1:1", "empty action"},
	}
	for _, c := range cases {
		_, err := parseTmpl("news/p0", c.src)
		if err == nil || !strings.Contains(err.Error(), "template news/p0:"+c.pos+":") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want news/p0:%s and %q", c.src, err, c.pos, c.want)
		}
	}
}

// A broken template stops the program at start-up, naming the type, the
// template and where in it. (Every spec of the catalog parses, or the
// package would not start; TestRenderEveryType runs each of its templates.)
func TestCompileNamesABrokenTemplate(t *testing.T) {
	defer func() {
		err, _ := recover().(error)
		if err == nil || !strings.Contains(err.Error(), "template news/p1:1:7:") {
			t.Errorf("recovered %v, want an error at news/p1:1:7", err)
		}
	}()
	compile(map[string]*spec{News: {title: "{{.Title}}", body: []string{"{{.Text}}", "Текст {{range .Text}}"}}})
}

// FuzzTmpl checks the interpreter against text/template: what it accepts
// and runs must give text/template's bytes, and what text/template refuses
// it must refuse too.
func FuzzTmpl(f *testing.F) {
	for _, s := range catalog() {
		f.Add(s.title)
		f.Add(s.sms)
		for _, p := range s.body {
			f.Add(p)
		}
	}
	f.Add("{{with .A}}{{short 3 .}}{{end}}{{if not .No}}{{sentence (short 9 .Long)}}{{end}}")
	view := refView()
	f.Fuzz(func(t *testing.T, src string) {
		got, err := tmplExecute(src, view)
		want, wantErr := refExecute(src, view)
		if err == nil && (wantErr != nil || got != want) {
			t.Errorf("%q:\n got %q\nwant %q, %v", src, got, want, wantErr)
		}
	})
}
