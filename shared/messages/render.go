package messages

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// kind says how a var is checked and formatted.
type kind int

const (
	text      kind = iota // one line of text
	prose                 // text with paragraphs
	list                  // a string or a list of strings, joined by commas
	money                 // integer kopecks, shown as "1 234,56 ₽"
	date                  // shown as "02.01.2006" in the person's zone
	dateTime              // shown as "02.01.2006 в 15:04" in the person's zone
	placeTime             // shown as "02.01.2006 в 15:04" in the zone the value carries: the place's own time
	number                // an integer
	link                  // https:// or a portal path; anything else is dropped
)

// flag qualifies a field.
type flag uint8

const (
	// optional: the var may be absent; templates see "".
	optional flag = 1 << iota
	// private: personal or free-form data kept out of the SMS template, so
	// that no edit of the wording can leak it into a text message.
	private
)

// field is one var an event type takes.
type field struct {
	name  string
	kind  kind
	flags flag
}

// spec is the wording of one event type. title, every body paragraph and sms
// are templates (the subset of text/template's language in tmpl.go) executed
// on the formatted vars (strings, plus what derive adds). A paragraph that
// renders empty is skipped; a line break inside one is kept (a <br> in HTML).
type spec struct {
	category string
	fields   []field
	// derive checks values that have a fixed set of meanings and adds the
	// words that depend on them; its errors are *VarError.
	derive    func(view map[string]any) (map[string]any, error)
	title     string
	body      []string
	sms       string
	linkLabel string // the button's text when the type has a link var

	tmpls map[string]*tmpl // by name: "title", "p0", "p1"… (the body), "sms"
}

// smsMax is the most an SMS may take: three Cyrillic (UCS-2) segments of 67
// runes would allow 201, but anything past 160 is cut, as a last guard.
const smsMax = 160

// Footers of the emails.
const (
	footerSettings = "Настроить уведомления можно в разделе «Уведомления» личного кабинета."
	footerSecurity = "Уведомления о безопасности отключить нельзя: они помогают вовремя заметить чужие действия в аккаунте. Мы никогда не просим сообщить пароль или код из SMS."
	footerAuto     = "Письмо отправлено автоматически\u00a0— отвечать на него не нужно."
	greeting       = "Здравствуйте!"
)

// compile parses every spec's templates; a broken template stops the program
// at start-up, and the tests render every type, so it never ships.
func compile(specs map[string]*spec) map[string]*spec {
	for name, s := range specs {
		srcs := map[string]string{"title": s.title, "sms": s.sms}
		for i, p := range s.body {
			srcs["p"+strconv.Itoa(i)] = p
		}
		s.tmpls = make(map[string]*tmpl, len(srcs))
		for key, src := range srcs {
			t, err := parseTmpl(name+"/"+key, src)
			if err != nil {
				panic(err)
			}
			s.tmpls[key] = t
		}
	}
	return specs
}

func (f field) format(v any, loc *time.Location) (string, error) {
	switch f.kind {
	case prose:
		return toProse(v)
	case list:
		return toList(v)
	case money:
		n, err := toInt(v)
		if err != nil {
			return "", err
		}
		return formatMoney(n), nil
	case date:
		return toDate(v, loc)
	case dateTime:
		return toDateTime(v, loc)
	case placeTime:
		return toPlaceTime(v)
	case number:
		n, err := toInt(v)
		if err != nil {
			return "", err
		}
		return strconv.FormatInt(n, 10), nil
	}
	return toText(v)
}

func (s *spec) render(eventType string, v Vars, loc *time.Location) (Rendered, error) {
	view := make(map[string]any, len(s.fields)+2)
	smsView := make(map[string]any, len(s.fields)+2)
	var errs []error
	var out Rendered
	var emailLink string
	for _, f := range s.fields {
		val, err := f.format(v[f.name], loc)
		if errors.Is(err, ErrMissingVar) && f.flags&optional != 0 {
			val, err = "", nil
		}
		if err != nil {
			errs = append(errs, &VarError{Type: eventType, Var: f.name, Err: err})
			continue
		}
		if f.kind == link && val != "" {
			l, absolute, ok := safeLink(val)
			if ok {
				out.Link = l
				if absolute {
					emailLink = l
				}
			}
			val = out.Link
		}
		view[f.name] = val
		if f.flags&private == 0 {
			smsView[f.name] = val
		}
	}
	if len(errs) > 0 {
		return Rendered{}, errors.Join(errs...)
	}
	if s.derive != nil {
		extra, err := s.derive(view)
		if err != nil {
			if ve, ok := errors.AsType[*VarError](err); ok {
				ve.Type = eventType
			}
			return Rendered{}, err
		}
		for k, x := range extra {
			view[k], smsView[k] = x, x
		}
	}

	title, err := s.exec("title", view)
	if err != nil {
		return Rendered{}, err
	}
	var paras [][]string
	for i := range s.body {
		p, err := s.exec("p"+strconv.Itoa(i), view)
		if err != nil {
			return Rendered{}, err
		}
		paras = append(paras, split(p)...)
	}
	sms, err := s.exec("sms", smsView)
	if err != nil {
		return Rendered{}, err
	}

	out.Title = oneLine(title)
	out.EmailSubject = out.Title
	out.Body = join(paras)
	out.SMS = short(smsMax, oneLine(sms))
	footer := footerSettings
	if s.category == CategorySecurity {
		footer = footerSecurity
	}

	var b strings.Builder
	b.WriteString(greeting + "\n\n" + out.Body + "\n\n")
	if emailLink != "" {
		b.WriteString(s.linkLabel + ": " + emailLink + "\n\n")
	}
	b.WriteString("-- \n" + footer + "\n" + footerAuto + "\n")
	out.EmailText = b.String()

	page := emailPage{Subject: out.EmailSubject, Greeting: greeting, Paras: paras, Footer: footer, Auto: footerAuto}
	if emailLink != "" {
		page.Link = &emailButton{URL: emailLink, Label: s.linkLabel}
	}
	out.EmailHTML = page.html()
	return out, nil
}

func (s *spec) exec(name string, data map[string]any) (string, error) {
	var b strings.Builder
	if err := s.tmpls[name].execute(&b, data); err != nil {
		return "", err
	}
	return strings.TrimSpace(b.String()), nil
}

// split cuts a rendered paragraph template into paragraphs (at blank lines)
// of lines.
func split(s string) [][]string {
	var paras [][]string
	for p := range strings.SplitSeq(s, "\n\n") {
		var lines []string
		for l := range strings.SplitSeq(p, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
		if len(lines) > 0 {
			paras = append(paras, lines)
		}
	}
	return paras
}

func join(paras [][]string) string {
	ps := make([]string, len(paras))
	for i, p := range paras {
		ps[i] = strings.Join(p, "\n")
	}
	return strings.Join(ps, "\n\n")
}

// oneLine folds every run of white space, line breaks included, into one
// space, but keeps the no-break spaces the wording put in on purpose.
func oneLine(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.TrimFunc(s, isFoldable) {
		if isFoldable(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isFoldable(r rune) bool {
	return unicode.IsSpace(r) && r != '\u00a0' && r != '\u202f' && r != '\u2007'
}

// emailPage is what the HTML layout shows.
type emailPage struct {
	Subject  string
	Greeting string
	Paras    [][]string
	Link     *emailButton
	Footer   string
	Auto     string
}

type emailButton struct{ URL, Label string }

// html is the email's HTML, every var escaped. The layout is deliberately
// plain: inline styles only (mail clients drop <style>), one column, system
// fonts, nothing loaded from outside.
func (p emailPage) html() string {
	var b strings.Builder
	b.Grow(2048)
	b.WriteString(`<!DOCTYPE html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>`)
	b.WriteString(escapeHTML(p.Subject))
	b.WriteString(`</title>
</head>
<body style="margin:0;padding:0;background:#f2f4f7;">
<div style="max-width:600px;margin:0 auto;padding:24px 16px;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#0b1f33;">
<div style="background:#ffffff;border-radius:8px;padding:24px;">
<h1 style="margin:0 0 16px;font-size:20px;line-height:1.3;font-weight:bold;">`)
	b.WriteString(escapeHTML(p.Subject))
	b.WriteString(`</h1>
<p style="margin:0 0 12px;">`)
	b.WriteString(escapeHTML(p.Greeting))
	b.WriteString(`</p>`)
	for _, para := range p.Paras {
		b.WriteString("\n" + `<p style="margin:0 0 12px;">`)
		for i, line := range para {
			if i > 0 {
				b.WriteString("<br>")
			}
			b.WriteString(escapeHTML(line))
		}
		b.WriteString(`</p>`)
	}
	if p.Link != nil {
		b.WriteString("\n" + `<p style="margin:24px 0 0;"><a href="`)
		b.WriteString(escapeHref(p.Link.URL))
		b.WriteString(`" style="display:inline-block;padding:12px 20px;background:#0d4cd3;color:#ffffff;text-decoration:none;border-radius:6px;">`)
		b.WriteString(escapeHTML(p.Link.Label))
		b.WriteString(`</a></p>`)
	}
	b.WriteString(`
</div>
<p style="margin:16px 0 0;font-size:13px;line-height:1.4;color:#66727f;">`)
	b.WriteString(escapeHTML(p.Footer))
	b.WriteString(`</p>
<p style="margin:8px 0 0;font-size:13px;line-height:1.4;color:#66727f;">`)
	b.WriteString(escapeHTML(p.Auto))
	b.WriteString(`</p>
</div>
</body>
</html>
`)
	return b.String()
}

// varError reports a value outside a var's fixed set of meanings; render
// fills in the type.
func varError(name, detail string) error {
	return &VarError{Var: name, Err: fmt.Errorf("%w: %s", ErrInvalidVar, detail)}
}
