package messages

import (
	"fmt"
	"strconv"
	"strings"
)

// The catalog's wording is written in a small subset of text/template's
// language, interpreted here instead of by text/template: any use of
// text/template makes the linker keep every exported method of every type
// converted to an interface (it calls reflect.Value.MethodByName with names
// known only at run time), which put whole AWS clients into every function
// that links this package.
//
// The subset is exactly what the catalog uses:
//
//	{{.Var}}                      a var; an absent one is an error (missingkey=error)
//	{{short N .Var}}              the var cut to N runes (short)
//	{{sentence .Var}}             the var ending a sentence (sentence)
//	{{sentence (short N .Var)}}   both
//	{{with .Var}}…{{.}}…{{end}}   the block when the var is not "", with dot the var
//	{{if not .Var}}…{{end}}       the block when the var is "" or false
//
// Inside with, dot is the var's value, so only {{.}} (also as the argument
// of short and sentence) reaches it; outside, {{.}} is refused. Everything
// else text/template would accept (trim markers, comments, else, range,
// variables, other functions) is refused when the catalog is parsed, with
// the template's name and the line and column.

// tmpl is one parsed template.
type tmpl struct {
	name  string // e.g. "application.status/p1", for errors
	src   string // for the positions in errors
	nodes []node
}

type nodeKind uint8

const (
	textNode  nodeKind = iota // text, written as it is
	printNode                 // {{expr}}
	withNode                  // {{with expr}}body{{end}}
	ifNotNode                 // {{if not expr}}body{{end}}
)

type node struct {
	kind nodeKind
	text string // textNode
	expr *expr  // what printNode writes, what withNode and ifNotNode test
	body []node // withNode, ifNotNode
	at   int    // the action's byte offset in the source, for errors
}

type exprKind uint8

const (
	fieldExpr    exprKind = iota // .Var
	dotExpr                      // . inside with
	shortExpr                    // short N arg
	sentenceExpr                 // sentence arg
)

type expr struct {
	kind exprKind
	name string // fieldExpr: the var
	n    int    // shortExpr: the most runes
	arg  *expr  // shortExpr, sentenceExpr
	src  string // the action's source, for errors
}

// parseTmpl parses src, which is named name in errors.
func parseTmpl(name, src string) (*tmpl, error) {
	p := &parser{name: name, src: src}
	nodes, err := p.parseNodes(-1, false)
	if err != nil {
		return nil, err
	}
	return &tmpl{name: name, src: src, nodes: nodes}, nil
}

type parser struct {
	name string
	src  string
	off  int // where the parser is in src
}

// errorAt reports a parse error at byte offset off of the source.
func (p *parser) errorAt(off int, format string, args ...any) error {
	return fmt.Errorf("template %s:%s: %s", p.name, position(p.src, off), fmt.Sprintf(format, args...))
}

// position is the line and column (in runes, both from 1) of byte offset off.
func position(src string, off int) string {
	before := src[:off]
	line := strings.Count(before, "\n") + 1
	col := len([]rune(before[strings.LastIndexByte(before, '\n')+1:])) + 1
	return strconv.Itoa(line) + ":" + strconv.Itoa(col)
}

// parseNodes parses up to the end of src or, in a block opened at byte
// open (-1 at the top), up to and including its {{end}}. inWith says whether
// dot is a with's value.
func (p *parser) parseNodes(open int, inWith bool) ([]node, error) {
	var nodes []node
	for p.off < len(p.src) {
		start := strings.Index(p.src[p.off:], "{{")
		if start < 0 {
			nodes = append(nodes, node{kind: textNode, text: p.src[p.off:]})
			p.off = len(p.src)
			break
		}
		if start > 0 {
			nodes = append(nodes, node{kind: textNode, text: p.src[p.off : p.off+start]})
		}
		at := p.off + start
		n := strings.Index(p.src[at+2:], "}}")
		if n < 0 {
			return nil, p.errorAt(at, "unclosed action")
		}
		action := p.src[at+2 : at+2+n]
		p.off = at + 2 + n + 2
		words, err := p.split(at, action)
		if err != nil {
			return nil, err
		}
		nd := node{at: at}
		switch words[0] {
		case "end":
			if len(words) != 1 {
				return nil, p.errorAt(at, "unsupported action {{%s}}", action)
			}
			if open < 0 {
				return nil, p.errorAt(at, "{{end}} without {{with}} or {{if}}")
			}
			return nodes, nil
		case "with":
			nd.kind = withNode
			nd.expr, err = p.operand(at, action, words[1:], inWith)
			if err == nil {
				nd.body, err = p.parseNodes(at, true)
			}
		case "if":
			if len(words) < 2 || words[1] != "not" {
				return nil, p.errorAt(at, "unsupported action {{%s}}: the only condition is {{if not .Var}}", action)
			}
			nd.kind = ifNotNode
			nd.expr, err = p.operand(at, action, words[2:], inWith)
			if err == nil {
				nd.body, err = p.parseNodes(at, inWith)
			}
		default:
			nd.kind = printNode
			nd.expr, err = p.pipeline(at, action, words, inWith)
		}
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, nd)
	}
	if open >= 0 {
		return nil, p.errorAt(open, "{{%s}} has no {{end}}", p.src[open+2:open+strings.Index(p.src[open:], "}}")])
	}
	return nodes, nil
}

// split cuts an action into words at spaces; a "(" opening a word and a ")"
// closing one are words of their own, as in "sentence (short 5 .Var)".
// Trim markers and comments are refused here.
func (p *parser) split(at int, action string) ([]string, error) {
	if strings.HasPrefix(action, "-") || strings.HasSuffix(action, "-") {
		return nil, p.errorAt(at, "unsupported action {{%s}}: trim markers are not supported", action)
	}
	if strings.HasPrefix(action, "/*") {
		return nil, p.errorAt(at, "unsupported action {{%s}}: comments are not supported", action)
	}
	var words []string
	for w := range strings.SplitSeq(action, " ") {
		for strings.HasPrefix(w, "(") {
			words, w = append(words, "("), w[1:]
		}
		closing := len(w) - len(strings.TrimRight(w, ")"))
		if w = w[:len(w)-closing]; w != "" {
			words = append(words, w)
		}
		for range closing {
			words = append(words, ")")
		}
	}
	if len(words) == 0 {
		return nil, p.errorAt(at, "empty action")
	}
	return words, nil
}

// pipeline parses what a print action writes: an operand, short N operand,
// sentence operand or sentence (short N operand).
func (p *parser) pipeline(at int, action string, words []string, inWith bool) (*expr, error) {
	switch words[0] {
	case "short":
		return p.short(at, action, words, inWith)
	case "sentence":
		rest := words[1:]
		if len(rest) > 2 && rest[0] == "(" && rest[len(rest)-1] == ")" {
			arg, err := p.short(at, action, rest[1:len(rest)-1], inWith)
			if err != nil {
				return nil, err
			}
			return &expr{kind: sentenceExpr, arg: arg, src: action}, nil
		}
		arg, err := p.operand(at, action, rest, inWith)
		if err != nil {
			return nil, err
		}
		return &expr{kind: sentenceExpr, arg: arg, src: action}, nil
	}
	return p.operand(at, action, words, inWith)
}

// short parses "short N operand".
func (p *parser) short(at int, action string, words []string, inWith bool) (*expr, error) {
	if len(words) < 2 || words[0] != "short" {
		return nil, p.errorAt(at, "unsupported action {{%s}}", action)
	}
	n, err := strconv.Atoi(words[1])
	if err != nil || n < 1 || words[1][0] == '+' || words[1][0] == '0' {
		return nil, p.errorAt(at, "unsupported action {{%s}}: short takes a whole number of runes above 0", action)
	}
	arg, err := p.operand(at, action, words[2:], inWith)
	if err != nil {
		return nil, err
	}
	return &expr{kind: shortExpr, n: n, arg: arg, src: action}, nil
}

// operand parses exactly one ".Var" (where dot is the vars) or "." (where
// dot is a with's value).
func (p *parser) operand(at int, action string, words []string, inWith bool) (*expr, error) {
	if len(words) != 1 {
		return nil, p.errorAt(at, "unsupported action {{%s}}", action)
	}
	w := words[0]
	switch {
	case w == ".":
		if !inWith {
			return nil, p.errorAt(at, "unsupported action {{%s}}: {{.}} is only allowed inside {{with}}", action)
		}
		return &expr{kind: dotExpr, src: action}, nil
	case len(w) > 1 && w[0] == '.' && isIdent(w[1:]):
		if inWith {
			return nil, p.errorAt(at, "unsupported action {{%s}}: inside {{with}} dot is the var's value, use {{.}}", action)
		}
		return &expr{kind: fieldExpr, name: w[1:], src: action}, nil
	}
	return nil, p.errorAt(at, "unsupported action {{%s}}", action)
}

// isIdent reports whether s is a var name: ASCII letters and digits, not
// starting with a digit.
func isIdent(s string) bool {
	for i, c := range []byte(s) {
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', c == '_':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return s != ""
}

// execute writes t run on view, the vars by name, to b.
func (t *tmpl) execute(b *strings.Builder, view map[string]any) error {
	return t.run(b, t.nodes, view, nil)
}

func (t *tmpl) run(b *strings.Builder, nodes []node, view map[string]any, dot any) error {
	for _, nd := range nodes {
		if nd.kind == textNode {
			b.WriteString(nd.text)
			continue
		}
		v, err := t.eval(nd, nd.expr, view, dot)
		if err != nil {
			return err
		}
		switch nd.kind {
		case printNode:
			s, ok := v.(string)
			if !ok {
				return t.errorAt(nd, nd.expr, "cannot print %T, only text", v)
			}
			b.WriteString(s)
		case withNode, ifNotNode:
			truth, err := t.truth(nd, v)
			if err != nil {
				return err
			}
			if nd.kind == withNode && truth {
				err = t.run(b, nd.body, view, v)
			} else if nd.kind == ifNotNode && !truth {
				err = t.run(b, nd.body, view, dot)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// eval returns the value of e: a var, dot, or a function of one.
func (t *tmpl) eval(nd node, e *expr, view map[string]any, dot any) (any, error) {
	switch e.kind {
	case fieldExpr:
		v, ok := view[e.name]
		if !ok {
			return nil, t.errorAt(nd, e, "map has no entry for key %q", e.name)
		}
		return v, nil
	case dotExpr:
		return dot, nil
	}
	v, err := t.eval(nd, e.arg, view, dot)
	if err != nil {
		return nil, err
	}
	s, ok := v.(string)
	if !ok {
		return nil, t.errorAt(nd, e, "wrong type for value; expected string; got %T", v)
	}
	if e.kind == shortExpr {
		return short(e.n, s), nil
	}
	return sentence(s), nil
}

// truth is text/template's truth for the values the vars hold: "" and false
// are false.
func (t *tmpl) truth(nd node, v any) (bool, error) {
	switch x := v.(type) {
	case string:
		return x != "", nil
	case bool:
		return x, nil
	}
	return false, t.errorAt(nd, nd.expr, "cannot test %T, only text or a yes/no", v)
}

func (t *tmpl) errorAt(nd node, e *expr, format string, args ...any) error {
	return fmt.Errorf("template %s:%s: executing {{%s}}: %s", t.name, position(t.src, nd.at), e.src, fmt.Sprintf(format, args...))
}
