package xlsform

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// xpath is a parsed XLSForm expression: the small part of XPath that
// relevant and constraint columns use.
type xpath struct {
	op   string   // "or", "and", "cmp", "call", "ref" (${name}), "self" (.), "str", "num"
	text string   // cmp: the operator; call: the function; ref: the name; str, num: the value
	args []*xpath // or, and, cmp: two operands; call: the arguments
}

// String writes the expression back, for messages.
func (e *xpath) String() string {
	switch e.op {
	case "or", "and":
		return e.args[0].String() + " " + e.op + " " + e.args[1].String()
	case "cmp":
		return e.args[0].String() + " " + e.text + " " + e.args[1].String()
	case "call":
		args := make([]string, len(e.args))
		for i, a := range e.args {
			args[i] = a.String()
		}
		return e.text + "(" + strings.Join(args, ", ") + ")"
	case "ref":
		return "${" + e.text + "}"
	case "self":
		return "."
	case "str":
		return "'" + e.text + "'"
	}
	return e.text
}

// alternatives returns the operands of a chain of "or".
func (e *xpath) alternatives() []*xpath {
	if e.op != "or" {
		return []*xpath{e}
	}
	return append(e.args[0].alternatives(), e.args[1].alternatives()...)
}

type xtoken struct {
	kind string // "ref", "self", "str", "num", "name", "op", "(", ")", ",", "" at the end
	text string
}

// lexXPath splits an expression into tokens.
func lexXPath(s string) ([]xtoken, error) {
	var out []xtoken
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		next := byte(0)
		if i+1 < len(s) {
			next = s[i+1]
		}
		digit := func(b byte) bool { return '0' <= b && b <= '9' }
		ascii := byte(0)
		if r < utf8.RuneSelf {
			ascii = byte(r)
		}
		switch {
		case unicode.IsSpace(r):
			i += size
		case r == '$':
			end := strings.IndexByte(s[i:], '}')
			if next != '{' || end < 0 {
				return nil, errors.New("expected ${name}")
			}
			out = append(out, xtoken{"ref", strings.TrimSpace(s[i+2 : i+end])})
			i += end + 1
		case r == '\'' || r == '"' || r == '‘' || r == '“':
			// Spreadsheets turn typed quotes into curly ones: ‘x’ and “x” are read too.
			closing := map[rune]rune{'‘': '’', '“': '”'}[r]
			if closing == 0 {
				closing = r
			}
			end := strings.IndexRune(s[i+size:], closing)
			if end < 0 {
				return nil, fmt.Errorf("a quote %c is not closed", r)
			}
			out = append(out, xtoken{"str", s[i+size : i+size+end]})
			i += size + end + utf8.RuneLen(closing)
		case digit(ascii) || (r == '-' || r == '.') && digit(next) || r == '-' && next == '.':
			j := i + 1
			for j < len(s) && (digit(s[j]) || s[j] == '.') {
				j++
			}
			if _, err := strconv.ParseFloat(s[i:j], 64); err != nil {
				return nil, fmt.Errorf("%s is not a number", s[i:j])
			}
			out = append(out, xtoken{"num", s[i:j]})
			i = j
		case r == '.':
			out = append(out, xtoken{"self", "."})
			i++
		case unicode.IsLetter(r) || r == '_':
			j := i + size
			for j < len(s) {
				r, size := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("_-.:", r) {
					break
				}
				j += size
			}
			out = append(out, xtoken{"name", s[i:j]})
			i = j
		case r == '=':
			out = append(out, xtoken{"op", "="})
			i++
		case r == '!' && next == '=':
			out = append(out, xtoken{"op", "!="})
			i += 2
		case r == '<' || r == '>':
			op := string(r)
			if next == '=' {
				op += "="
			}
			out = append(out, xtoken{"op", op})
			i += len(op)
		case r == '(' || r == ')' || r == ',':
			out = append(out, xtoken{string(r), string(r)})
			i++
		default:
			return nil, fmt.Errorf("unexpected %q", r)
		}
	}
	return out, nil
}

// xparser reads tokens by recursive descent.
type xparser struct {
	toks  []xtoken
	pos   int
	depth int
}

// parseXPath parses an expression made of or, and, comparisons, function
// calls, ${references}, ., strings and numbers.
func parseXPath(s string) (*xpath, error) {
	toks, err := lexXPath(s)
	if err != nil {
		return nil, err
	}
	p := &xparser{toks: toks}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != "" {
		return nil, fmt.Errorf("unexpected %q", t.text)
	}
	return e, nil
}

func (p *xparser) peek() xtoken {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return xtoken{}
}

func (p *xparser) next() xtoken {
	t := p.peek()
	if p.pos < len(p.toks) {
		p.pos++
	}
	return t
}

func (p *xparser) or() (*xpath, error) { return p.chain("or", p.and) }

func (p *xparser) and() (*xpath, error) { return p.chain("and", p.comparison) }

// chain reads operands joined by the word op, grouping from the left.
func (p *xparser) chain(op string, operand func() (*xpath, error)) (*xpath, error) {
	e, err := operand()
	if err != nil {
		return nil, err
	}
	for t := p.peek(); t.kind == "name" && t.text == op; t = p.peek() {
		p.next()
		right, err := operand()
		if err != nil {
			return nil, err
		}
		e = &xpath{op: op, args: []*xpath{e, right}}
	}
	return e, nil
}

func (p *xparser) comparison() (*xpath, error) {
	left, err := p.primary()
	if err != nil {
		return nil, err
	}
	if p.peek().kind != "op" {
		return left, nil
	}
	op := p.next().text
	right, err := p.primary()
	if err != nil {
		return nil, err
	}
	return &xpath{op: "cmp", text: op, args: []*xpath{left, right}}, nil
}

func (p *xparser) primary() (*xpath, error) {
	if p.depth++; p.depth > maxExprDepth {
		return nil, errors.New("too deeply nested")
	}
	defer func() { p.depth-- }()
	t := p.next()
	switch t.kind {
	case "(":
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.next().kind != ")" {
			return nil, errors.New("a parenthesis is not closed")
		}
		return e, nil
	case "ref", "self", "str", "num":
		return &xpath{op: t.kind, text: t.text}, nil
	case "name":
		if p.peek().kind != "(" {
			return nil, fmt.Errorf("unexpected word %q: write values in quotes ('%s')", t.text, t.text)
		}
		p.next()
		call := &xpath{op: "call", text: t.text}
		if p.peek().kind == ")" {
			p.next()
			return call, nil
		}
		for {
			arg, err := p.or()
			if err != nil {
				return nil, err
			}
			call.args = append(call.args, arg)
			switch p.next().kind {
			case ")":
				return call, nil
			case ",":
			default:
				return nil, fmt.Errorf("%s(: expected , or )", t.text)
			}
		}
	case "":
		return nil, errors.New("the expression ends too early")
	}
	return nil, fmt.Errorf("unexpected %q", t.text)
}
