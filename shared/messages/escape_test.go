package messages

import (
	// The reference the escaping is checked against; a test's imports are
	// not linked into the functions.
	htmltemplate "html/template"
	"strings"
	"testing"
)

func TestEscapeHTML(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Заявление № 12", "Заявление № 12"},
		{`<script>alert("x")</script>`, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"},
		{`"><img src=x onerror=alert(1)>`, "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"},
		{"Tom & Jerry's", "Tom &amp; Jerry&#39;s"},
		{"&amp; stays text", "&amp;amp; stays text"},
		{"+ADw-script+AD4-", "&#43;ADw-script&#43;AD4-"},
		{"nul\x00byte", "nul\uFFFDbyte"},
		{"`backtick` = /slash/", "`backtick` = /slash/"},
	}
	for _, c := range cases {
		if got := escapeHTML(c.in); got != c.want {
			t.Errorf("escapeHTML(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestEscapeHref(t *testing.T) {
	cases := []struct{ in, want string }{
		{"https://kabinet.example.ru/news/1", "https://kabinet.example.ru/news/1"},
		{"https://kabinet.example.ru/news?a=1&b=2", "https://kabinet.example.ru/news?a=1&amp;b=2"},
		{`https://kabinet.example.ru/x?q="><script>`, "https://kabinet.example.ru/x?q=%22%3e%3cscript%3e"},
		{"https://kabinet.example.ru/x?q=' onmouseover='a", "https://kabinet.example.ru/x?q=%27%20onmouseover=%27a"},
		{"https://kabinet.example.ru/a+b(c)", "https://kabinet.example.ru/a&#43;b%28c%29"},
		{"https://kabinet.example.ru/новости", "https://kabinet.example.ru/%d0%bd%d0%be%d0%b2%d0%be%d1%81%d1%82%d0%b8"},
		{"https://kabinet.example.ru/%D0%BD%zz%4", "https://kabinet.example.ru/%D0%BD%25zz%254"},
		{"https://kabinet.example.ru/#{x}|^`\\", "https://kabinet.example.ru/#%7bx%7d%7c%5e%60%5c"},
	}
	for _, c := range cases {
		if got := escapeHref(c.in); got != c.want {
			t.Errorf("escapeHref(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// refEscape is what html/template wrote for s in the email's text, its
// <title> and its href.
var refEscape = htmltemplate.Must(htmltemplate.New("ref").Parse(
	`<title>{{.}}</title><p>{{.}}</p><a href="{{.}}">{{.}}</a>`))

// The escaping is html/template's, byte for byte, in every place the email
// puts a var. Links that html/template's scheme filter would refuse are not
// compared: safeLink never lets one reach the email.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{
		`<script>alert("x")</script>`, "Tom & Jerry's +1", "nul\x00", "\xff\xfe broken",
		"https://kabinet.example.ru/news/1?a=1&b='2'&c=\"3\"+<4>",
		"https://kabinet.example.ru/новости/%D0%B0%zz%2", "https://kabinet.example.ru/a(b)*!$;,=@[x]~_.-/c#{x}|^`",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !strings.HasPrefix(s, "https://") {
			s = "https://" + s
		}
		var b strings.Builder
		if err := refEscape.Execute(&b, s); err != nil {
			t.Fatal(err)
		}
		text := escapeHTML(s)
		got := "<title>" + text + "</title><p>" + text + `</p><a href="` + escapeHref(s) + `">` + text + "</a>"
		if got != b.String() {
			t.Errorf("%q:\n got %s\nwant %s", s, got, b.String())
		}
	})
}
