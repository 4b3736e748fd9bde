package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/jmespath-community/go-jmespath"
)

// object is a JSON object that keeps the order of its keys: the AWS CLI
// prints members in the order of the service model, which the SDK's
// structs follow.
type object struct {
	keys []string
	vals map[string]any
}

func (o *object) set(k string, v any) {
	if o.vals == nil {
		o.vals = map[string]any{}
	}
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

// MarshalJSON implements json.Marshaler, in key order.
func (o *object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(o.vals[k])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// cliTime is how the AWS CLI prints timestamps.
func cliTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05+00:00") }

var timeType = reflect.TypeOf(time.Time{})

// convert turns an SDK output into what the AWS CLI prints: members that
// were not in the response are left out, timestamps and blobs formatted as
// the AWS CLI formats them; drop names top-level members it leaves out
// (the markers of pages it has followed).
func convert(v any, drop ...string) any {
	out, _ := convertValue(reflect.ValueOf(v), drop, true)
	return out
}

// convertValue converts one value; top is true for the members of the
// output itself, whose lists the AWS CLI prints even when empty, where a
// nested list the response did not hold is left out.
func convertValue(v reflect.Value, drop []string, top bool) (any, bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil, false
		}
		return convertValue(v.Elem(), drop, top)
	case reflect.Struct:
		if v.Type() == timeType {
			return cliTime(v.Interface().(time.Time)), true
		}
		o := &object{}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() || f.Name == "ResultMetadata" || contains(drop, f.Name) {
				continue
			}
			// Only the output's own members are "top"; below them, not.
			if val, ok := convertValue(v.Field(i), nil, top && depthOne(v)); ok {
				o.set(f.Name, val)
			}
		}
		return o, true
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return base64.StdEncoding.EncodeToString(v.Bytes()), true
		}
		if v.IsNil() && !top {
			return nil, false
		}
		list := make([]any, 0, v.Len())
		for i := 0; i < v.Len(); i++ {
			if val, ok := convertValue(v.Index(i), nil, false); ok {
				list = append(list, val)
			}
		}
		return list, true
	case reflect.String:
		if v.String() == "" {
			return nil, false // an enum not in the response
		}
		return v.String(), true
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Int, reflect.Int32, reflect.Int64:
		return v.Int(), true
	}
	return nil, false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// plain turns ordered objects into maps, for JMESPath.
func plain(v any) any {
	switch x := v.(type) {
	case *object:
		m := make(map[string]any, len(x.keys))
		for _, k := range x.keys {
			m[k] = plain(x.vals[k])
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	case int64:
		return float64(x)
	}
	return v
}

// print applies --query and writes data in the --output format.
func (c *call) print(op string, data any) error {
	if c.g.query != "" {
		res, err := jmespath.Search(c.g.query, plain(data))
		if err != nil {
			return usagef("Bad value for --query %s: %v", c.g.query, err)
		}
		data = res
	}
	w := c.env.Stdout
	switch c.g.output {
	case "text":
		var lines []string
		textLines(&lines, "", data)
		for _, l := range lines {
			fmt.Fprintln(w, l)
		}
	case "table":
		fmt.Fprint(w, table(op, data))
	default:
		if data == nil {
			return nil
		}
		b, err := json.MarshalIndent(data, "", "    ")
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\n", b)
	}
	return nil
}

func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "None", true
	case string:
		return x, true
	case bool:
		if x {
			return "True", true
		}
		return "False", true
	case int64:
		return fmt.Sprint(x), true
	case float64:
		return fmt.Sprint(x), true
	}
	return "", false
}

// entries returns an object's or a map's members in order of key name, as
// the AWS CLI's text output sorts them.
func entries(v any) ([]string, map[string]any, bool) {
	switch x := v.(type) {
	case *object:
		keys := append([]string(nil), x.keys...)
		sort.Strings(keys)
		return keys, x.vals, true
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return keys, x, true
	}
	return nil, nil, false
}

// textLines is the AWS CLI's text output: an object's scalars on one
// tab-separated line (after the upper-cased name of the member holding
// it), each list element on a line of its own.
func textLines(lines *[]string, prefix string, v any) {
	if s, ok := scalarText(v); ok {
		*lines = append(*lines, joinPrefix(prefix, []string{s}))
		return
	}
	if list, ok := v.([]any); ok {
		var scalars []string
		for _, e := range list {
			if s, ok := scalarText(e); ok {
				scalars = append(scalars, s)
			} else {
				textLines(lines, prefix, e)
			}
		}
		if len(scalars) > 0 {
			*lines = append(*lines, joinPrefix(prefix, scalars))
		}
		return
	}
	keys, vals, _ := entries(v)
	var scalars []string
	for _, k := range keys {
		if s, ok := scalarText(vals[k]); ok {
			scalars = append(scalars, s)
		}
	}
	if len(scalars) > 0 {
		*lines = append(*lines, joinPrefix(prefix, scalars))
	}
	for _, k := range keys {
		if _, ok := scalarText(vals[k]); !ok {
			textLines(lines, strings.ToUpper(k), vals[k])
		}
	}
}

func joinPrefix(prefix string, fields []string) string {
	if prefix != "" {
		fields = append([]string{prefix}, fields...)
	}
	return strings.Join(fields, "\t")
}

// table draws the AWS CLI's table output in plain ASCII: a title, then
// scalars as name | value rows and lists of objects as tables of their own.
func table(title string, v any) string {
	var rows [][]string
	var sub []string
	var addList func(name string, list []any)
	addList = func(name string, list []any) {
		var cols []string
		seen := map[string]bool{}
		for _, e := range list {
			keys, _, ok := entries(e)
			if !ok {
				continue
			}
			for _, k := range keys {
				if !seen[k] {
					seen[k] = true
					cols = append(cols, k)
				}
			}
		}
		var r [][]string
		if len(cols) == 0 {
			for _, e := range list {
				s, _ := scalarText(e)
				r = append(r, []string{s})
			}
		} else {
			r = append(r, cols)
			for _, e := range list {
				_, vals, _ := entries(e)
				line := make([]string, len(cols))
				for i, k := range cols {
					if s, ok := scalarText(vals[k]); ok {
						line[i] = s
					} else {
						b, _ := json.Marshal(vals[k])
						line[i] = string(b)
					}
				}
				r = append(r, line)
			}
		}
		sub = append(sub, box(name, r))
	}
	if list, ok := v.([]any); ok {
		addList(title, list)
		return strings.Join(sub, "")
	}
	keys, vals, ok := entries(v)
	if !ok {
		s, _ := scalarText(v)
		return box(title, [][]string{{s}})
	}
	for _, k := range keys {
		switch x := vals[k].(type) {
		case []any:
			addList(k, x)
		default:
			if s, ok := scalarText(x); ok {
				rows = append(rows, []string{k, s})
			} else {
				sub = append(sub, table(k, x))
			}
		}
	}
	out := ""
	if len(rows) > 0 || len(sub) == 0 {
		out = box(title, rows)
	} else {
		out = box(title, nil)
	}
	return out + strings.Join(sub, "")
}

// box draws a titled table.
func box(title string, rows [][]string) string {
	widths := []int{}
	for _, r := range rows {
		for i, cell := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], len([]rune(cell)))
		}
	}
	inner := 0
	for _, w := range widths {
		inner += w + 3
	}
	inner = max(inner-1, len([]rune(title))+2)
	line := "+" + strings.Repeat("-", inner) + "+\n"
	var b strings.Builder
	b.WriteString(line)
	pad := inner - len([]rune(title))
	b.WriteString("|" + strings.Repeat(" ", pad/2) + title + strings.Repeat(" ", pad-pad/2) + "|\n")
	b.WriteString(line)
	for _, r := range rows {
		b.WriteString("|")
		used := 0
		for i, cell := range r {
			w := widths[i]
			if i == len(r)-1 {
				w = inner - used - 2
			}
			b.WriteString(" " + cell + strings.Repeat(" ", max(0, w-len([]rune(cell)))) + " ")
			used += widths[i] + 3
			if i < len(r)-1 {
				b.WriteString("|")
			}
		}
		b.WriteString("|\n")
	}
	if len(rows) > 0 {
		b.WriteString(line)
	}
	return b.String()
}

// depthOne reports whether a struct is an operation's output (it has the
// SDK's ResultMetadata), whose members are the top level.
func depthOne(v reflect.Value) bool {
	_, ok := v.Type().FieldByName("ResultMetadata")
	return ok
}
