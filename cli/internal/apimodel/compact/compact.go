// Package compact turns AWS's service models (botocore's service-2.json
// and paginators-1.json) into the compact models package apimodel
// embeds: what the command line needs, with the documentation's HTML
// made plain text.
package compact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strings"

	"github.com/keyward/keyward/cli/internal/apimodel"
)

// ordered is a JSON object that remembers the order of its keys, which
// the model's members and operations keep and the AWS CLI follows.
type ordered struct {
	keys []string
	vals map[string]json.RawMessage
}

func (o *ordered) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("not an object")
	}
	o.vals = map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		k := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
		if _, dup := o.vals[k]; !dup {
			o.keys = append(o.keys, k)
		}
		o.vals[k] = v
	}
	_, err = dec.Token()
	return err
}

type ref struct {
	Shape         string `json:"shape"`
	LocationName  string `json:"locationName"`
	Documentation string `json:"documentation"`
	ResultWrapper string `json:"resultWrapper"`
}

type rawShape struct {
	Type     string   `json:"type"`
	Members  ordered  `json:"members"`
	Required []string `json:"required"`
	Member   *ref     `json:"member"`
	Key      *ref     `json:"key"`
	Value    *ref     `json:"value"`
	apimodel.Traits
	Exception     bool   `json:"exception"`
	Documentation string `json:"documentation"`
}

type rawOperation struct {
	Name string `json:"name"`
	HTTP struct {
		Method string `json:"method"`
	} `json:"http"`
	Input         *ref   `json:"input"`
	Output        *ref   `json:"output"`
	Documentation string `json:"documentation"`
	Deprecated    bool   `json:"deprecated"`
}

type rawModel struct {
	Metadata      apimodel.Metadata `json:"metadata"`
	Documentation string            `json:"documentation"`
	Operations    ordered           `json:"operations"`
	Shapes        map[string]json.RawMessage
}

// stringOrList is a paginator field that is a string or a list of them.
type stringOrList []string

func (s *stringOrList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	err := json.Unmarshal(b, &many)
	*s = many
	return err
}

type rawPaginator struct {
	InputToken       stringOrList `json:"input_token"`
	OutputToken      stringOrList `json:"output_token"`
	LimitKey         string       `json:"limit_key"`
	MoreResults      string       `json:"more_results"`
	ResultKey        stringOrList `json:"result_key"`
	NonAggregateKeys []string     `json:"non_aggregate_keys"`
}

// simpleKey is what a paginator's expressions must be for the command
// line, which does not evaluate JMESPath there: a member name.
var simpleKey = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// Compact makes the compact model of one service from its service-2.json
// and its paginators-1.json (nil for a service without paginators).
func Compact(name string, service, paginators []byte) ([]byte, error) {
	var raw rawModel
	if err := json.Unmarshal(service, &raw); err != nil {
		return nil, fmt.Errorf("service model: %w", err)
	}
	var shapes struct {
		Shapes map[string]json.RawMessage `json:"shapes"`
	}
	if err := json.Unmarshal(service, &shapes); err != nil {
		return nil, err
	}
	pages := map[string]rawPaginator{}
	if paginators != nil {
		var p struct {
			Pagination map[string]rawPaginator `json:"pagination"`
		}
		if err := json.Unmarshal(paginators, &p); err != nil {
			return nil, fmt.Errorf("paginators: %w", err)
		}
		pages = p.Pagination
	}
	out := &apimodel.Service{Name: name, Metadata: raw.Metadata, Doc: Text(raw.Documentation),
		Operations: map[string]*apimodel.Operation{}, Shapes: map[string]*apimodel.Shape{}}
	used := map[string]bool{}
	var use func(string) error
	use = func(shapeName string) error {
		if used[shapeName] {
			return nil
		}
		b, ok := shapes.Shapes[shapeName]
		if !ok {
			return fmt.Errorf("no shape %q", shapeName)
		}
		used[shapeName] = true
		var rs rawShape
		if err := json.Unmarshal(b, &rs); err != nil {
			return fmt.Errorf("shape %s: %w", shapeName, err)
		}
		sh := &apimodel.Shape{Type: rs.Type, Required: rs.Required, Traits: rs.Traits, Doc: Text(rs.Documentation)}
		out.Shapes[shapeName] = sh
		member := func(r *ref, name string) (*apimodel.Member, error) {
			if r == nil {
				return nil, nil
			}
			if err := use(r.Shape); err != nil {
				return nil, err
			}
			return &apimodel.Member{Name: name, ShapeName: r.Shape, LocationName: r.LocationName, Doc: Text(r.Documentation)}, nil
		}
		for _, k := range rs.Members.keys {
			var r ref
			if err := json.Unmarshal(rs.Members.vals[k], &r); err != nil {
				return err
			}
			m, err := member(&r, k)
			if err != nil {
				return err
			}
			sh.Members = append(sh.Members, m)
		}
		var err error
		if sh.Member, err = member(rs.Member, ""); err != nil {
			return err
		}
		if sh.Key, err = member(rs.Key, ""); err != nil {
			return err
		}
		if sh.Value, err = member(rs.Value, ""); err != nil {
			return err
		}
		return nil
	}
	for _, opName := range raw.Operations.keys {
		var ro rawOperation
		if err := json.Unmarshal(raw.Operations.vals[opName], &ro); err != nil {
			return nil, fmt.Errorf("operation %s: %w", opName, err)
		}
		op := &apimodel.Operation{Name: opName, Method: ro.HTTP.Method, Doc: Text(ro.Documentation), Deprecated: ro.Deprecated}
		if ro.Input != nil {
			op.Input = ro.Input.Shape
			if err := use(op.Input); err != nil {
				return nil, err
			}
		}
		if ro.Output != nil {
			op.Output, op.ResultWrapper = ro.Output.Shape, ro.Output.ResultWrapper
			if err := use(op.Output); err != nil {
				return nil, err
			}
		}
		if p, ok := pages[opName]; ok {
			pg := &apimodel.Paginator{InputToken: p.InputToken, OutputToken: p.OutputToken, LimitKey: p.LimitKey,
				MoreResults: p.MoreResults, ResultKeys: p.ResultKey, NonAggregateKeys: p.NonAggregateKeys}
			all := append(append(append(append([]string{}, pg.InputToken...), pg.OutputToken...), pg.ResultKeys...), pg.NonAggregateKeys...)
			if pg.LimitKey != "" {
				all = append(all, pg.LimitKey)
			}
			if pg.MoreResults != "" {
				all = append(all, pg.MoreResults)
			}
			for _, k := range all {
				if !simpleKey.MatchString(k) {
					return nil, fmt.Errorf("paginator of %s: %q is not a member name", opName, k)
				}
			}
			if len(pg.InputToken) != len(pg.OutputToken) || len(pg.ResultKeys) == 0 {
				return nil, fmt.Errorf("paginator of %s: tokens or result keys", opName)
			}
			op.Paginator = pg
		}
		out.Operations[opName] = op
		out.Order = append(out.Order, opName)
	}
	for opName := range pages {
		if out.Operations[opName] == nil {
			return nil, fmt.Errorf("a paginator for %s, which the model lacks", opName)
		}
	}
	b, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Text turns the model's HTML documentation into plain text: paragraphs
// apart by a blank line, list items on lines of their own starting with
// "* " (indented two spaces a level), the text of every other tag kept,
// entities decoded.
func Text(doc string) string {
	var (
		out    strings.Builder
		para   strings.Builder
		depth  int
		inItem bool
		skip   int
		// prefix starts the next paragraph: "Note: " after <note>
		prefix string
	)
	flush := func() {
		text := strings.Join(strings.Fields(para.String()), " ")
		para.Reset()
		if text == "" {
			return
		}
		text, prefix = prefix+text, ""
		if out.Len() > 0 {
			if inItem {
				out.WriteString("\n")
			} else {
				out.WriteString("\n\n")
			}
		}
		if inItem {
			out.WriteString(strings.Repeat("  ", max(depth-1, 0)) + "* ")
			inItem = false // the item's further paragraphs are its continuation
		}
		out.WriteString(text)
	}
	for len(doc) > 0 {
		i := strings.IndexByte(doc, '<')
		if i < 0 {
			if skip == 0 {
				para.WriteString(html.UnescapeString(doc))
			}
			break
		}
		if skip == 0 {
			para.WriteString(html.UnescapeString(doc[:i]))
		}
		j := strings.IndexByte(doc[i:], '>')
		if j < 0 {
			break
		}
		tag := strings.ToLower(strings.Trim(doc[i+1:i+j], "/ "))
		closing := strings.HasPrefix(doc[i+1:], "/")
		if f := strings.Fields(tag); len(f) > 0 {
			tag = f[0]
		}
		doc = doc[i+j+1:]
		switch tag {
		case "fullname":
			if closing {
				skip--
			} else {
				skip++
			}
		case "p", "note", "important", "br", "div":
			flush()
			if !closing && (tag == "note" || tag == "important") {
				prefix = strings.ToUpper(tag[:1]) + tag[1:] + ": "
			}
		case "ul", "ol":
			flush()
			if closing {
				depth--
			} else {
				depth++
			}
		case "li":
			flush()
			inItem = !closing
		default:
			// inline tags (code, a, b, i): their text stays as the
			// source spaced it
		}
	}
	flush()
	return out.String()
}
