package cli

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/keyward/keyward/cli/internal/apimodel"
)

// The AWS CLI's shorthand syntax (awscli/shorthand.py), ported: Key=a,Value=b
// for a structure, a=b,c for a list value, [..] and {..} for nested ones,
// quoted values, and `\,` for a comma in a value. The parser is syntactic;
// backCompat then shapes what it made after the model, as the AWS CLI's
// BackCompatVisitor does.

// shorthandError is a ShorthandParseError: its message is the AWS CLI's.
type shorthandError struct{ msg string }

func (e *shorthandError) Error() string { return e.msg }

const (
	// The character classes of shorthand.py, with Python's \uffff bound.
	startWord         = `!#-&(-+\--<>-Z\\-z|-\x{ffff}`
	firstFollowChars  = `\s\x0b\x1c-\x1f!#-&(-+\--\\\^-|~-\x{ffff}`
	secondFollowChars = `\s\x0b\x1c-\x1f!#-&(-+\--<>-\x{ffff}`
	escapedComma      = `(\\,)`
)

var (
	shSingleQuoted = regexp.MustCompile(`^'(?:\\\\|\\'|[^'])*'`)
	shDoubleQuoted = regexp.MustCompile(`^"(?:\\\\|\\"|[^"])*"`)
	shFirstValue   = regexp.MustCompile(`^(` + escapedComma + `|[` + startWord + `])(` + escapedComma + `|[` + firstFollowChars + `])*`)
	shSecondValue  = regexp.MustCompile(`^(` + escapedComma + `|[` + startWord + `])(` + escapedComma + `|[` + secondFollowChars + `])*`)
)

type shorthandParser struct {
	in []rune
	i  int
}

func parseShorthand(s string) (*object, error) {
	p := &shorthandParser{in: []rune(s)}
	return p.parameter()
}

func (p *shorthandParser) errorLocation() string {
	consumed, remaining, spaces := string(p.in), "", p.i
	before := string(p.in[:min(p.i, len(p.in))])
	if j := strings.LastIndex(before, "\n"); j >= 0 {
		spaces = p.i - len([]rune(before[:j])) - 1
	}
	after := p.in[min(p.i, len(p.in)):]
	for k, r := range after {
		if r == '\n' {
			consumed = string(p.in[:p.i+k])
			remaining = string(p.in[p.i+k:])
			break
		}
	}
	return consumed + "\n" + strings.Repeat(" ", spaces) + "^" + remaining
}

func (p *shorthandParser) syntaxError(expected, actual string) error {
	return &shorthandError{fmt.Sprintf("Expected: '%s', received: '%s' for input:\n%s", expected, actual, p.errorLocation())}
}

func (p *shorthandParser) eof() bool { return p.i >= len(p.in) }

func (p *shorthandParser) current() (rune, bool) {
	if p.eof() {
		return 0, false
	}
	return p.in[p.i], true
}

func (p *shorthandParser) is(r rune) bool {
	c, ok := p.current()
	return ok && c == r
}

func (p *shorthandParser) parameter() (*object, error) {
	params := newObject()
	key, val, err := p.keyval()
	if err != nil {
		return nil, err
	}
	params.set(key, val)
	last := p.i
	for !p.eof() {
		if err := p.expect(',', true); err != nil {
			return nil, err
		}
		key, val, err := p.keyval()
		if err != nil {
			return nil, err
		}
		if params.has(key) {
			p.i = last + 1
			return nil, &shorthandError{fmt.Sprintf("Second instance of key \"%s\" encountered for input:\n%s\nThis is often because there is a preceding \",\" instead of a space.", key, p.errorLocation())}
		}
		params.set(key, val)
		last = p.i
	}
	return params, nil
}

func (p *shorthandParser) keyval() (string, any, error) {
	key := p.key()
	if err := p.expect('=', true); err != nil {
		return "", nil, err
	}
	v, err := p.values()
	return key, v, err
}

func (p *shorthandParser) key() string {
	start := p.i
	for !p.eof() {
		c := p.in[p.i]
		if !(c < 0x80 && (unicode.IsLetter(c) || unicode.IsDigit(c) || strings.ContainsRune("-_.#/:", c))) {
			break
		}
		p.i++
	}
	return string(p.in[start:p.i])
}

func (p *shorthandParser) values() (any, error) {
	switch {
	case p.eof():
		return "", nil
	case p.is('['):
		return p.explicitList()
	case p.is('{'):
		return p.hashLiteral()
	}
	return p.csvValue()
}

func (p *shorthandParser) csvValue() (any, error) {
	first, err := p.firstValue()
	if err != nil {
		return nil, err
	}
	p.whitespace()
	if p.eof() || p.in[p.i] != ',' {
		return first, nil
	}
	if err := p.expect(',', true); err != nil {
		return nil, err
	}
	list := []any{first}
	for {
		cur, err := p.secondValue()
		if err == nil {
			p.whitespace()
			if p.eof() {
				list = append(list, cur)
				break
			}
			err = p.expect(',', true)
			if err == nil {
				list = append(list, cur)
				continue
			}
		}
		if p.eof() {
			return nil, err
		}
		p.backtrackTo(',')
		break
	}
	if len(list) == 1 {
		return first, nil
	}
	return list, nil
}

func (p *shorthandParser) value() string {
	if m := shFirstValue.FindString(string(p.in[p.i:])); m != "" {
		p.i += len([]rune(m))
		return strings.TrimRightFunc(strings.ReplaceAll(m, `\,`, ","), unicode.IsSpace)
	}
	return ""
}

func (p *shorthandParser) explicitList() (any, error) {
	if err := p.expect('[', true); err != nil {
		return nil, err
	}
	values := []any{}
	for !p.is(']') {
		v, err := p.explicitValues()
		if err != nil {
			return nil, err
		}
		values = append(values, v)
		p.whitespace()
		if !p.is(']') {
			if err := p.expect(',', false); err != nil {
				return nil, err
			}
			p.whitespace()
		}
	}
	if err := p.expect(']', false); err != nil {
		return nil, err
	}
	return values, nil
}

func (p *shorthandParser) explicitValues() (any, error) {
	switch {
	case p.is('['):
		return p.explicitList()
	case p.is('{'):
		return p.hashLiteral()
	}
	return p.firstValue()
}

func (p *shorthandParser) hashLiteral() (any, error) {
	if err := p.expect('{', true); err != nil {
		return nil, err
	}
	kv := newObject()
	for !p.is('}') {
		key := p.key()
		if err := p.expect('=', true); err != nil {
			return nil, err
		}
		v, err := p.explicitValues()
		if err != nil {
			return nil, err
		}
		p.whitespace()
		if !p.is('}') {
			if err := p.expect(',', false); err != nil {
				return nil, err
			}
			p.whitespace()
		}
		kv.set(key, v)
	}
	if err := p.expect('}', false); err != nil {
		return nil, err
	}
	return kv, nil
}

func (p *shorthandParser) firstValue() (any, error) {
	switch {
	case p.is('\''):
		return p.quoted(shSingleQuoted, "singled quoted", '\'')
	case p.is('"'):
		return p.quoted(shDoubleQuoted, "double quoted", '"')
	}
	return p.value(), nil
}

func (p *shorthandParser) secondValue() (any, error) {
	switch {
	case p.is('\''):
		return p.quoted(shSingleQuoted, "singled quoted", '\'')
	case p.is('"'):
		return p.quoted(shDoubleQuoted, "double quoted", '"')
	}
	m, err := p.mustConsume(shSecondValue, "second")
	if err != nil {
		return nil, err
	}
	return strings.TrimRightFunc(strings.ReplaceAll(m, `\,`, ","), unicode.IsSpace), nil
}

func (p *shorthandParser) quoted(re *regexp.Regexp, name string, q rune) (any, error) {
	m, err := p.mustConsume(re, name)
	if err != nil {
		return nil, err
	}
	r := []rune(m)
	v := string(r[1 : len(r)-1])
	v = strings.ReplaceAll(v, `\`+string(q), string(q))
	return strings.ReplaceAll(v, `\\`, `\`), nil
}

func (p *shorthandParser) mustConsume(re *regexp.Regexp, name string) (string, error) {
	if m := re.FindString(string(p.in[p.i:])); m != "" {
		p.i += len([]rune(m))
		return m, nil
	}
	return "", p.syntaxError("<"+name+">", "<none>")
}

func (p *shorthandParser) expect(c rune, ws bool) error {
	if ws {
		p.whitespace()
	}
	if p.eof() {
		return p.syntaxError(string(c), "EOF")
	}
	if p.in[p.i] != c {
		return p.syntaxError(string(c), string(p.in[p.i]))
	}
	p.i++
	if ws {
		p.whitespace()
	}
	return nil
}

func (p *shorthandParser) backtrackTo(c rune) {
	for p.i >= 0 && (p.i >= len(p.in) || p.in[p.i] != c) {
		p.i--
	}
}

// whitespace skips Python's string.whitespace.
func (p *shorthandParser) whitespace() {
	for !p.eof() && strings.ContainsRune(" \t\n\r\x0b\x0c", p.in[p.i]) {
		p.i++
	}
}

// backCompat is the AWS CLI's BackCompatVisitor: a scalar where the model
// has a list becomes a one-element list, and numbers and booleans are
// converted.
func backCompat(parent any, key any, shape *apimodel.Shape, value any) error {
	set := func(v any) {
		switch p := parent.(type) {
		case *object:
			p.set(key.(string), v)
		case []any:
			p[key.(int)] = v
		}
	}
	switch shape.Type {
	case "structure":
		o, ok := value.(*object)
		if !ok {
			return nil
		}
		for _, m := range shape.Members {
			v, present := o.get(m.Name)
			if !present {
				// The visitor visits absent members with None, which
				// changes nothing.
				continue
			}
			if err := backCompat(o, m.Name, m.Shape, v); err != nil {
				return err
			}
		}
	case "list":
		list, ok := value.([]any)
		if !ok {
			if value != nil && parent != nil {
				set([]any{value})
			}
			return nil
		}
		for i, e := range list {
			if err := backCompat(list, i, shape.Member.Shape, e); err != nil {
				return err
			}
		}
	case "map":
		o, ok := value.(*object)
		if !ok {
			return nil
		}
		for _, k := range append([]string(nil), o.keys...) {
			if err := backCompat(o, k, shape.Value.Shape, o.vals[k]); err != nil {
				return err
			}
		}
	default:
		if value == nil {
			return nil
		}
		s, isString := value.(string)
		switch shape.Type {
		case "integer", "long":
			if !isString {
				return pyTypeError(value, "int")
			}
			n, err := pyInt(s)
			if err != nil {
				return err
			}
			set(n)
		case "double", "float":
			if !isString {
				return pyTypeError(value, "float")
			}
			f, err := pyFloat(s)
			if err != nil {
				return err
			}
			set(f)
		case "boolean":
			if !isString {
				return &generalError{fmt.Sprintf("'%s' object has no attribute 'lower'", strings.TrimSuffix(strings.TrimPrefix(pyTypeName(value), "<class '"), "'>"))}
			}
			switch strings.ToLower(s) {
			case "true":
				set(true)
			case "false":
				set(false)
			}
		}
	}
	return nil
}

// pyTypeError is the TypeError int() or float() raises for a list.
func pyTypeError(v any, fn string) error {
	name := strings.TrimSuffix(strings.TrimPrefix(pyTypeName(v), "<class '"), "'>")
	if fn == "int" {
		return &generalError{fmt.Sprintf("int() argument must be a string, a bytes-like object or a real number, not '%s'", name)}
	}
	return &generalError{fmt.Sprintf("float() argument must be a string or a real number, not '%s'", name)}
}
