package messages

import "strings"

// HTML escaping for the email, written out so that the package needs no
// html/template (see tmpl.go for why). It matches what html/template does
// with a plain string in the places the layout puts one: text, the <title>
// element and a double-quoted href.

// htmlEscaper escapes text content, RCDATA (<title>) and quoted attribute
// values with html/template's table: the five HTML specials, "+" and NUL
// (which an HTML parser would replace with U+FFFD anyway).
var htmlEscaper = strings.NewReplacer(
	"\x00", "\uFFFD",
	`"`, "&#34;",
	"&", "&amp;",
	"'", "&#39;",
	"+", "&#43;",
	"<", "&lt;",
	">", "&gt;",
)

// escapeHTML escapes s for HTML text or a quoted attribute value.
func escapeHTML(s string) string { return htmlEscaper.Replace(s) }

// escapeHref escapes a link for href="…": html/template's URL normalizer
// (every byte outside RFC 3986's unreserved and reserved sets, but for
// "'", "(" and ")", is percent-encoded, and a valid %XX escape is kept),
// then attribute escaping, which turns "&" into "&amp;" and "+" into
// "&#43;". Whether the link may be followed at all (https:// only, no
// javascript:) is safeLink's decision, made before; html/template's scheme
// filter would pass every link safeLink keeps.
func escapeHref(link string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(link) + 16)
	for i := 0; i < len(link); i++ {
		c := link[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("-._~!#$&*+,/:;=?@[]", c) >= 0,
			c == '%' && i+2 < len(link) && isHex(link[i+1]) && isHex(link[i+2]):
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		}
	}
	return escapeHTML(b.String())
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
