package cli

import (
	"errors"
	"io"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strings"

	"github.com/jmespath-community/go-jmespath"
	"github.com/jmespath-community/go-jmespath/pkg/parsing"
	"golang.org/x/text/width"
)

// The AWS CLI's output formats (awscli/formatter.py, text.py, table.py),
// ported: JSON as Python's json.dumps writes it, text as tab-separated
// lines, and the table it draws within 80 columns when not on a terminal.

// query is a compiled --query.
type query struct {
	expr string
	jp   jmespath.JMESPath
	// hashKeys are the keys of each multi-select hash of the expression,
	// in the order written, which is the order Python's dicts keep.
	hashKeys [][]string
}

func compileQuery(expr string) (*query, error) {
	jp, err := jmespath.Compile(expr)
	if err != nil {
		// As Python's jmespath words it: the error, then the expression
		// and where in it.
		msg := err.Error()
		var se jmespath.SyntaxError
		if errors.As(err, &se) {
			msg = "Invalid jmespath expression: " + strings.TrimPrefix(se.Error(), "SyntaxError: ") + ":\n\"" + se.Expression + "\"\n" + strings.Repeat(" ", se.Offset+1) + "^"
		}
		return nil, &cliParamValidationError{"Bad value for --query " + expr + ": " + msg}
	}
	q := &query{expr: expr, jp: jp}
	if ast, err := parsing.NewParser().Parse(expr); err == nil {
		var walk func(n parsing.ASTNode)
		walk = func(n parsing.ASTNode) {
			if n.NodeType == parsing.ASTMultiSelectHash {
				var keys []string
				for _, c := range n.Children {
					if k, ok := c.Value.(string); ok {
						keys = append(keys, k)
					}
				}
				q.hashKeys = append(q.hashKeys, keys)
			}
			for _, c := range n.Children {
				walk(c)
			}
		}
		walk(ast)
	}
	return q, nil
}

// search applies the query to a value, keeping the order of objects'
// keys: JMESPath works on Go maps, which have none, so each map made from
// an object remembers the object's order.
func (q *query) search(v any) (any, error) {
	orders := map[uintptr][]string{}
	var toJP func(v any) any
	toJP = func(v any) any {
		switch x := v.(type) {
		case *object:
			m := make(map[string]any, x.len())
			for _, k := range x.keys {
				m[k] = toJP(x.vals[k])
			}
			orders[reflect.ValueOf(m).Pointer()] = x.keys
			return m
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = toJP(e)
			}
			return out
		case int64:
			return float64(x)
		case *big.Int:
			f, _ := new(big.Float).SetInt(x).Float64()
			return f
		case []byte:
			return string(x)
		}
		return v
	}
	res, err := q.jp.Search(toJP(v))
	if err != nil {
		return nil, &generalError{err.Error()}
	}
	var fromJP func(v any) any
	fromJP = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			keys, ok := orders[reflect.ValueOf(x).Pointer()]
			if !ok {
				keys = q.orderOf(x)
			}
			o := newObject()
			for _, k := range keys {
				if e, ok := x[k]; ok {
					o.set(k, fromJP(e))
				}
			}
			for _, k := range sortedKeys(x) {
				if !o.has(k) {
					o.set(k, fromJP(x[k]))
				}
			}
			return o
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = fromJP(e)
			}
			return out
		case float64:
			// Python keeps ints as ints through a query: the integral
			// numbers JMESPath hands back were ints.
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				return int64(x)
			}
			return x
		}
		return v
	}
	return fromJP(res), nil
}

// orderOf is the order of a map a query made: a multi-select hash's keys
// as written, else sorted.
func (q *query) orderOf(m map[string]any) []string {
	for _, keys := range q.hashKeys {
		if len(keys) != len(m) {
			continue
		}
		all := true
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				all = false
			}
		}
		if all {
			return keys
		}
	}
	return sortedKeys(m)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// writeJSON is the JSON formatter: nothing for an empty object.
func writeJSON(w io.Writer, v any) {
	if o, ok := v.(*object); ok && o.len() == 0 {
		return
	}
	io.WriteString(w, pyJSONDump(v)+"\n")
}

// writeText is awscli.text.format_text.
func writeText(w io.Writer, v any) {
	formatText(w, v, "", nil, false)
}

func isScalar(v any) bool {
	switch v.(type) {
	case *object, []any:
		return false
	}
	return true
}

func formatText(w io.Writer, item any, identifier string, scalarKeys []string, haveScalarKeys bool) {
	switch x := item.(type) {
	case *object:
		formatTextDict(w, x, identifier, scalarKeys, haveScalarKeys)
	case []any:
		formatTextList(w, x, identifier)
	default:
		io.WriteString(w, pyStr(item)+"\n")
	}
}

func formatTextList(w io.Writer, item []any, identifier string) {
	if len(item) == 0 {
		return
	}
	anyDict, anyList := false, false
	for _, e := range item {
		switch e.(type) {
		case *object:
			anyDict = true
		case []any:
			anyList = true
		}
	}
	switch {
	case anyDict:
		keys := allScalarKeys(item)
		for _, e := range item {
			formatText(w, e, identifier, keys, true)
		}
	case anyList:
		var scalars, nonScalars []any
		for _, e := range item {
			if isScalar(e) {
				scalars = append(scalars, e)
			} else {
				nonScalars = append(nonScalars, e)
			}
		}
		if len(scalars) > 0 {
			formatScalarList(w, scalars, identifier)
		}
		for _, e := range nonScalars {
			formatText(w, e, identifier, nil, false)
		}
	default:
		formatScalarList(w, item, identifier)
	}
}

func formatScalarList(w io.Writer, elements []any, identifier string) {
	if identifier != "" {
		for _, e := range elements {
			io.WriteString(w, strings.ToUpper(identifier)+"\t"+pyStr(e)+"\n")
		}
		return
	}
	parts := make([]string, len(elements))
	for i, e := range elements {
		parts[i] = pyStr(e)
	}
	io.WriteString(w, strings.Join(parts, "\t")+"\n")
}

// allScalarKeys are the keys with scalar values in any of the objects of
// a list, sorted.
func allScalarKeys(list []any) []string {
	seen := map[string]bool{}
	for _, e := range list {
		o, ok := e.(*object)
		if !ok {
			continue
		}
		for _, k := range o.keys {
			if isScalar(o.vals[k]) {
				seen[k] = true
			}
		}
	}
	return sortedKeys(seen)
}

func formatTextDict(w io.Writer, item *object, identifier string, scalarKeys []string, haveScalarKeys bool) {
	var scalars []string
	type pair struct {
		k string
		v any
	}
	var nonScalars []pair
	if !haveScalarKeys {
		for _, k := range sortedStrings(item.keys) {
			v := item.vals[k]
			if isScalar(v) {
				scalars = append(scalars, pyStr(v))
			} else {
				nonScalars = append(nonScalars, pair{k, v})
			}
		}
	} else {
		in := map[string]bool{}
		for _, k := range scalarKeys {
			in[k] = true
			if v, ok := item.get(k); ok {
				scalars = append(scalars, pyStr(v))
			} else {
				scalars = append(scalars, "")
			}
		}
		for _, k := range sortedStrings(item.keys) {
			if !in[k] {
				nonScalars = append(nonScalars, pair{k, item.vals[k]})
			}
		}
	}
	if len(scalars) > 0 {
		if identifier != "" {
			scalars = append([]string{strings.ToUpper(identifier)}, scalars...)
		}
		io.WriteString(w, strings.Join(scalars, "\t")+"\n")
	}
	for _, p := range nonScalars {
		formatText(w, p.v, p.k, nil, false)
	}
}

// Table output: awscli.formatter.TableFormatter builds sections, and
// awscli.table.MultiTable draws them.

type tableSection struct {
	title     string
	headers   []string
	rows      [][]string
	indent    int
	maxWidths []int
	numCols   int
}

func (s *tableSection) updateWidths(row []string) {
	if len(s.maxWidths) == 0 {
		for _, c := range row {
			s.maxWidths = append(s.maxWidths, textWidth(c))
		}
		return
	}
	for i, c := range row {
		if i < len(s.maxWidths) {
			s.maxWidths[i] = max(s.maxWidths[i], textWidth(c))
		}
	}
}

func (s *tableSection) addHeader(h []string) {
	s.updateWidths(h)
	if s.numCols == 0 {
		s.numCols = len(h)
	}
	s.headers = h
}

func (s *tableSection) addRow(row []any) {
	cells := make([]string, len(row))
	for i, c := range row {
		cells[i] = pyStr(c)
	}
	if s.numCols == 0 {
		s.numCols = len(cells)
	}
	s.rows = append(s.rows, cells)
	s.updateWidths(cells)
}

// columnWidths is Section.calculate_column_widths: the widths scaled to
// max, off-by-ones given and taken from the ends.
func (s *tableSection) columnWidths(padding int, maxWidth int) []int {
	unscaled := make([]int, len(s.maxWidths))
	sum := 0
	for i, w := range s.maxWidths {
		unscaled[i] = w + padding
		sum += unscaled[i]
	}
	if maxWidth < 0 || len(unscaled) == 0 {
		return unscaled
	}
	factor := float64(maxWidth) / float64(sum)
	scaled := make([]int, len(unscaled))
	total := 0
	for i, w := range unscaled {
		scaled[i] = int(math.RoundToEven(factor * float64(w)))
		total += scaled[i]
	}
	off := total - maxWidth
	for off != 0 {
		if off > 0 {
			for i := 0; i < len(scaled) && off != 0; i++ {
				scaled[i]--
				off--
			}
		} else {
			for i := len(scaled) - 1; i >= 0 && off != 0; i-- {
				scaled[i]++
				off++
			}
		}
	}
	return scaled
}

func (s *tableSection) totalWidth(padding int, border bool, outer int) int {
	total := 0
	for _, w := range s.columnWidths(0, -1) {
		total += w + padding
	}
	if border {
		total += 2
	}
	total += 2 * outer
	return max(textWidth(s.title)+2+2*outer, total)
}

// textWidth is get_text_length: East Asian wide, full-width and
// ambiguous characters count two.
func textWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth, width.EastAsianAmbiguous:
			n += 2
		default:
			n++
		}
	}
	return n
}

type tableBuilder struct {
	sections []*tableSection
	current  *tableSection
}

func (t *tableBuilder) newSection(title string, indent int) {
	t.current = &tableSection{title: title, indent: indent}
	t.sections = append(t.sections, t.current)
}

func groupScalarKeys(o *object) (headers, more []string) {
	for _, k := range o.keys {
		if isScalar(o.vals[k]) {
			headers = append(headers, k)
		} else {
			more = append(more, k)
		}
	}
	return sortedStrings(headers), sortedStrings(more)
}

func (t *tableBuilder) build(title string, hasTitle bool, cur any, indent int) bool {
	if !pyTruthy(cur) {
		return false
	}
	if hasTitle {
		t.newSection(title, indent)
	}
	switch x := cur.(type) {
	case []any:
		if _, ok := x[0].(*object); ok {
			t.subTableFromList(x, indent, title)
		} else {
			for _, item := range x {
				switch it := item.(type) {
				case *object:
					// Python iterates a dict's keys, which are scalars.
					keys := make([]any, len(it.keys))
					for i, k := range it.keys {
						keys[i] = k
					}
					t.current.addRow(keys)
				case []any:
					allScalar := true
					for _, e := range it {
						if !isScalar(e) {
							allScalar = false
						}
					}
					if allScalar {
						t.current.addRow(it)
					} else {
						t.build("", false, it, 0)
					}
				default:
					t.current.addRow([]any{item})
				}
			}
		}
	case *object:
		t.subTableFromDict(x, indent)
	}
	return true
}

func (t *tableBuilder) subTableFromDict(cur *object, indent int) {
	headers, more := groupScalarKeys(cur)
	if len(headers) == 1 {
		t.current.addRow([]any{headers[0], cur.vals[headers[0]]})
	} else if len(headers) > 0 {
		t.current.addHeader(headers)
		row := make([]any, len(headers))
		for i, h := range headers {
			row[i] = cur.vals[h]
		}
		t.current.addRow(row)
	}
	for _, k := range more {
		t.build(k, true, cur.vals[k], indent+1)
	}
}

func (t *tableBuilder) subTableFromList(cur []any, indent int, title string) {
	hs, ms := map[string]bool{}, map[string]bool{}
	for _, e := range cur {
		o, ok := e.(*object)
		if !ok {
			continue
		}
		h, m := groupScalarKeys(o)
		for _, k := range h {
			hs[k] = true
		}
		for _, k := range m {
			ms[k] = true
		}
	}
	headers, more := sortedKeys(hs), sortedKeys(ms)
	t.current.addHeader(headers)
	first := true
	for _, e := range cur {
		o, _ := e.(*object)
		if o == nil {
			o = newObject()
		}
		if !first && len(more) > 0 {
			t.newSection(title, indent)
			t.current.addHeader(headers)
		}
		first = false
		row := make([]any, len(headers))
		for i, h := range headers {
			if v, ok := o.get(h); ok {
				row[i] = v
			} else {
				row[i] = ""
			}
		}
		t.current.addRow(row)
		for _, k := range more {
			if v, ok := o.get(k); ok {
				t.build(k, true, v, indent+1)
			}
		}
	}
}

// writeTable is the table formatter, for a terminal termWidth wide.
func writeTable(w io.Writer, title string, v any, termWidth int) {
	t := &tableBuilder{}
	if !t.build(title, true, v, 0) {
		return
	}
	maxWidth := t.maxWidth()
	if maxWidth > termWidth {
		// convert_to_vertical_table
		for i, s := range t.sections {
			if len(s.rows) == 1 && len(s.headers) > 0 {
				ns := &tableSection{title: s.title, indent: s.indent}
				for j, h := range s.headers {
					if j < len(s.rows[0]) {
						ns.addRow([]any{h, s.rows[0][j]})
					}
				}
				t.sections[i] = ns
			}
		}
		maxWidth = t.maxWidth()
	}
	var b strings.Builder
	b.WriteString(strings.Repeat("-", maxWidth) + "\n")
	for _, s := range t.sections {
		renderSection(&b, s, maxWidth)
	}
	io.WriteString(w, b.String())
}

func (t *tableBuilder) maxWidth() int {
	m := 0
	for _, s := range t.sections {
		m = max(m, s.totalWidth(4, true, s.indent))
	}
	return m
}

// indented writes lines with the section's indentation either side.
type indented struct {
	b     *strings.Builder
	level int
}

func (x indented) line(s string) {
	x.b.WriteString(strings.Repeat("|", x.level) + s + strings.Repeat("|", x.level) + "\n")
}

func centerText(text string, length int, left, right string) string {
	tl := textWidth(text)
	start := length/2 - tl/2 - 1
	so := textWidth(left) + start + tl
	return left + strings.Repeat(" ", max(start, 0)) + text + strings.Repeat(" ", max(length-textWidth(right)-so, 0)) + right
}

func alignLeft(text string, length int, left, right string) string {
	tl := textWidth(text)
	padding := 2
	if length-(tl+2+textWidth(left)+textWidth(right)) < 0 {
		padding = 0
	}
	so := len(left) + padding + tl
	return left + strings.Repeat(" ", padding) + text + strings.Repeat(" ", max(length-so-len(right), 0)) + right
}

func lineBreak(widths []int) string {
	var b strings.Builder
	for i, w := range widths {
		if i == 0 {
			b.WriteString("+" + strings.Repeat("-", max(w-2, 0)) + "+")
		} else {
			b.WriteString(strings.Repeat("-", max(w-1, 0)) + "+")
		}
	}
	return b.String()
}

func renderSection(b *strings.Builder, s *tableSection, maxWidth int) {
	out := indented{b, s.indent}
	maxWidth -= s.indent * 2
	if s.title != "" {
		out.line(centerText(s.title, maxWidth, "|", "|"))
		if len(s.headers) == 0 && len(s.rows) == 0 {
			out.line("+" + strings.Repeat("-", max(maxWidth-2, 0)) + "+")
		}
	}
	if len(s.headers) > 0 {
		widths := s.columnWidths(4, maxWidth)
		var cur strings.Builder
		for i, h := range s.headers {
			if i >= len(widths) {
				break
			}
			left := ""
			if i == 0 {
				left = "|"
			}
			cur.WriteString(centerText(h, widths[i], left, "|"))
		}
		out.line(lineBreak(widths))
		out.line(cur.String())
	}
	if len(s.rows) > 0 {
		widths := s.columnWidths(4, maxWidth)
		if len(widths) == 0 {
			return
		}
		out.line(lineBreak(widths))
		for _, row := range s.rows {
			var cur strings.Builder
			for i, c := range row {
				if i >= len(widths) {
					break
				}
				left := ""
				if i == 0 {
					left = "|"
				}
				cur.WriteString(alignLeft(c, widths[i], left, "|"))
			}
			out.line(cur.String())
		}
		out.line(lineBreak(widths))
	}
}
