package cli

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The AWS CLI is Python: what it reads and prints are Python values, and
// its JSON is Python's json module. The generated commands hold values the
// same way so that they print the same bytes:
//
//	None      nil
//	bool      bool
//	int       int64, or *big.Int beyond 64 bits
//	float     float64
//	str       string
//	bytes     []byte
//	list      []any
//	dict      *object (keeps the order of its keys, as a dict does)

// object is a JSON object that keeps the order of its keys.
type object struct {
	keys []string
	vals map[string]any
}

func newObject() *object { return &object{vals: map[string]any{}} }

// set adds or replaces a key; a replaced key keeps its place, as in a dict.
func (o *object) set(k string, v any) {
	if o.vals == nil {
		o.vals = map[string]any{}
	}
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

func (o *object) get(k string) (any, bool) {
	v, ok := o.vals[k]
	return v, ok
}

func (o *object) has(k string) bool { _, ok := o.vals[k]; return ok }

func (o *object) del(k string) {
	if _, ok := o.vals[k]; !ok {
		return
	}
	delete(o.vals, k)
	for i, x := range o.keys {
		if x == k {
			o.keys = append(o.keys[:i:i], o.keys[i+1:]...)
			break
		}
	}
}

func (o *object) len() int { return len(o.keys) }

// pyJSONError is json.JSONDecodeError: a message and where.
type pyJSONError struct {
	msg       string
	doc       string
	pos       int
	line, col int
}

func (e *pyJSONError) Error() string {
	return fmt.Sprintf("%s: line %d column %d (char %d)", e.msg, e.line, e.col, e.pos)
}

// parsePyJSON is Python's json.loads: numbers as int or float, NaN and
// Infinity accepted, the last of duplicate keys winning in the first's
// place, and Python's error messages.
func parsePyJSON(s string) (any, error) {
	p := &pyJSONParser{s: []rune(s)}
	p.ws()
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i < len(p.s) {
		return nil, p.errAt("Extra data", p.i)
	}
	return v, nil
}

type pyJSONParser struct {
	s []rune
	i int
}

func (p *pyJSONParser) errAt(msg string, pos int) error {
	line := 1
	col := pos + 1
	for j := 0; j < pos && j < len(p.s); j++ {
		if p.s[j] == '\n' {
			line++
			col = pos - j
		}
	}
	return &pyJSONError{msg: msg, doc: string(p.s), pos: pos, line: line, col: col}
}

func (p *pyJSONParser) ws() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *pyJSONParser) lit(word string) bool {
	r := []rune(word)
	if p.i+len(r) > len(p.s) {
		return false
	}
	for j, c := range r {
		if p.s[p.i+j] != c {
			return false
		}
	}
	p.i += len(r)
	return true
}

func (p *pyJSONParser) value() (any, error) {
	if p.i >= len(p.s) {
		return nil, p.errAt("Expecting value", p.i)
	}
	switch c := p.s[p.i]; {
	case c == '"':
		p.i++
		return p.str()
	case c == '{':
		p.i++
		return p.obj()
	case c == '[':
		p.i++
		return p.arr()
	case c == 'n' && p.lit("null"):
		return nil, nil
	case c == 't' && p.lit("true"):
		return true, nil
	case c == 'f' && p.lit("false"):
		return false, nil
	case c == 'N' && p.lit("NaN"):
		return math.NaN(), nil
	case c == 'I' && p.lit("Infinity"):
		return math.Inf(1), nil
	case c == '-' && p.lit("-Infinity"):
		return math.Inf(-1), nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return nil, p.errAt("Expecting value", p.i)
}

func (p *pyJSONParser) number() (any, error) {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	if p.i >= len(p.s) || p.s[p.i] < '0' || p.s[p.i] > '9' {
		return nil, p.errAt("Expecting value", start)
	}
	if p.s[p.i] == '0' {
		p.i++
	} else {
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
	}
	isFloat := false
	if p.i+1 < len(p.s) && p.s[p.i] == '.' && p.s[p.i+1] >= '0' && p.s[p.i+1] <= '9' {
		isFloat = true
		p.i++
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		j := p.i + 1
		if j < len(p.s) && (p.s[j] == '+' || p.s[j] == '-') {
			j++
		}
		if j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			isFloat = true
			for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
				j++
			}
			p.i = j
		}
	}
	text := string(p.s[start:p.i])
	if isFloat {
		f, _ := strconv.ParseFloat(text, 64)
		return f, nil
	}
	return pyIntFromString(text), nil
}

// pyIntFromString makes a Python int of a decimal literal.
func pyIntFromString(text string) any {
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return n
	}
	b, _ := new(big.Int).SetString(text, 10)
	return b
}

func (p *pyJSONParser) str() (any, error) {
	start := p.i - 1
	var b strings.Builder
	for {
		if p.i >= len(p.s) {
			return nil, p.errAt("Unterminated string starting at", start)
		}
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String(), nil
		case c == '\\':
			p.i++
			if p.i >= len(p.s) {
				return nil, p.errAt("Unterminated string starting at", start)
			}
			e := p.s[p.i]
			switch e {
			case '"', '\\', '/':
				b.WriteRune(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r, ok := p.hex4(p.i + 1)
				if !ok {
					return nil, p.errAt("Invalid \\uXXXX escape", p.i-1)
				}
				p.i += 4
				if utf16.IsSurrogate(r) && r < 0xdc00 && p.i+2 < len(p.s) && p.s[p.i+1] == '\\' && p.s[p.i+2] == 'u' {
					if r2, ok := p.hex4(p.i + 3); ok && r2 >= 0xdc00 && r2 <= 0xdfff {
						r = utf16.DecodeRune(r, r2)
						p.i += 6
					}
				}
				b.WriteRune(r)
			default:
				return nil, p.errAt("Invalid \\escape", p.i-1)
			}
			p.i++
		case c < 0x20:
			return nil, p.errAt("Invalid control character at", p.i)
		default:
			b.WriteRune(c)
			p.i++
		}
	}
}

func (p *pyJSONParser) hex4(at int) (rune, bool) {
	if at+4 > len(p.s) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.s[at:at+4]), 16, 32)
	return rune(n), err == nil
}

func (p *pyJSONParser) obj() (any, error) {
	o := newObject()
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return o, nil
	}
	for {
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return nil, p.errAt("Expecting property name enclosed in double quotes", p.i)
		}
		p.i++
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, p.errAt("Expecting ':' delimiter", p.i)
		}
		p.i++
		p.ws()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		o.set(k.(string), v)
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return o, nil
		}
		if p.i >= len(p.s) || p.s[p.i] != ',' {
			return nil, p.errAt("Expecting ',' delimiter", p.i)
		}
		p.i++
		p.ws()
	}
}

func (p *pyJSONParser) arr() (any, error) {
	list := []any{}
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return list, nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		list = append(list, v)
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return list, nil
		}
		if p.i >= len(p.s) || p.s[p.i] != ',' {
			return nil, p.errAt("Expecting ',' delimiter", p.i)
		}
		p.i++
		p.ws()
	}
}

// pyJSONDump is json.dumps(v, indent=4, ensure_ascii=False): what the AWS
// CLI prints for --output json.
func pyJSONDump(v any) string {
	var b bytes.Buffer
	dumpValue(&b, v, 0, "    ", false)
	return b.String()
}

// pyJSONCompact is json.dumps(v) with its defaults (", " and ": "
// between items, non-ASCII escaped): how botocore writes a pagination
// token before encoding it.
func pyJSONCompact(v any) string {
	var b bytes.Buffer
	dumpValue(&b, v, 0, "", true)
	return b.String()
}

func dumpValue(b *bytes.Buffer, v any, level int, indent string, ascii bool) {
	nl := func(l int) {
		if indent != "" {
			b.WriteByte('\n')
			b.WriteString(strings.Repeat(indent, l))
		}
	}
	sep := ", "
	if indent != "" {
		sep = ","
	}
	switch x := v.(type) {
	case *object:
		if x.len() == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				b.WriteString(sep)
			}
			nl(level + 1)
			dumpString(b, k, ascii)
			b.WriteString(": ")
			dumpValue(b, x.vals[k], level+1, indent, ascii)
		}
		nl(level)
		b.WriteByte('}')
	case []any:
		if len(x) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(sep)
			}
			nl(level + 1)
			dumpValue(b, e, level+1, indent, ascii)
		}
		nl(level)
		b.WriteByte(']')
	case string:
		dumpString(b, x, ascii)
	case []byte:
		// json.dumps refuses bytes; the CLI never prints raw bytes, but a
		// string of them is the least surprising rendering.
		dumpString(b, string(x), ascii)
	default:
		b.WriteString(pyJSONScalar(v))
	}
}

// pyJSONScalar is how json.dumps writes a number, a boolean or None.
func pyJSONScalar(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		if x {
			return "true"
		}
		return "false"
	case float64:
		switch {
		case math.IsNaN(x):
			return "NaN"
		case math.IsInf(x, 1):
			return "Infinity"
		case math.IsInf(x, -1):
			return "-Infinity"
		}
		return pyFloatRepr(x)
	}
	return pyStr(v)
}

func dumpString(b *bytes.Buffer, s string, ascii bool) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r < 0x20:
				fmt.Fprintf(b, `\u%04x`, r)
			case ascii && r > 0x7e:
				if r > 0xffff {
					r1, r2 := utf16.EncodeRune(r)
					fmt.Fprintf(b, `\u%04x\u%04x`, r1, r2)
				} else {
					fmt.Fprintf(b, `\u%04x`, r)
				}
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// pyFloatRepr is Python's repr of a float: the shortest digits that read
// back the same, positional from 1e-4 to 1e16, with ".0" when integral.
func pyFloatRepr(f float64) string {
	if math.IsInf(f, 1) {
		return "inf"
	}
	if math.IsInf(f, -1) {
		return "-inf"
	}
	if math.IsNaN(f) {
		return "nan"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, expStr, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expStr)
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimPrefix(mant, "-")
	digits := strings.Replace(mant, ".", "", 1)
	sign := ""
	if neg {
		sign = "-"
	}
	if exp < -4 || exp >= 16 {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		es := fmt.Sprintf("%+03d", exp)
		return sign + m + "e" + es
	}
	if exp < 0 {
		return sign + "0." + strings.Repeat("0", -exp-1) + digits
	}
	if len(digits) <= exp+1 {
		return sign + digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
	}
	return sign + digits[:exp+1] + "." + digits[exp+1:]
}

// pyStr is Python's str() of a value, as the text output and messages
// show it.
func pyStr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case *big.Int:
		return x.String()
	case float64:
		return pyFloatRepr(x)
	case string:
		return x
	}
	return pyRepr(v)
}

// pyRepr is Python's repr() of a value, as error messages show it.
func pyRepr(v any) string {
	switch x := v.(type) {
	case string:
		return pyStrRepr(x)
	case []byte:
		var b strings.Builder
		quote := byte('\'')
		if bytes.IndexByte(x, '\'') >= 0 && bytes.IndexByte(x, '"') < 0 {
			quote = '"'
		}
		b.WriteString("b")
		b.WriteByte(quote)
		for _, c := range x {
			switch {
			case c == '\\':
				b.WriteString(`\\`)
			case c == quote:
				b.WriteByte('\\')
				b.WriteByte(c)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\r':
				b.WriteString(`\r`)
			case c == '\t':
				b.WriteString(`\t`)
			case c < 0x20 || c >= 0x7f:
				fmt.Fprintf(&b, `\x%02x`, c)
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte(quote)
		return b.String()
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case *object:
		parts := make([]string, len(x.keys))
		for i, k := range x.keys {
			parts[i] = pyStrRepr(k) + ": " + pyRepr(x.vals[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return pyStr(v)
}

// pyStrRepr is repr() of a str: single quotes unless the text has one and
// no double quote.
func pyStrRepr(s string) string {
	quote := '\''
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		quote = '"'
	}
	var b strings.Builder
	b.WriteRune(quote)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == quote:
			b.WriteRune('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteRune(quote)
	return b.String()
}

// pyTypeName is str(type(v)) for a value.
func pyTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "<class 'NoneType'>"
	case bool:
		return "<class 'bool'>"
	case int64, int, *big.Int:
		return "<class 'int'>"
	case float64:
		return "<class 'float'>"
	case string:
		return "<class 'str'>"
	case []byte:
		return "<class 'bytes'>"
	case []any:
		return "<class 'list'>"
	case *object:
		return "<class 'dict'>"
	}
	return fmt.Sprintf("<class '%T'>", v)
}

// sortedStrings returns the strings sorted, as Python's sorted() sorts
// them (by code point, which byte order of UTF-8 is).
func sortedStrings(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
