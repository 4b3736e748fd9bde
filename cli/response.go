package cli

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/keyward/keyward/cli/internal/apimodel"
)

// xmlNode is an element as Python's ElementTree sees it: its tag without
// namespace, its text (what precedes its first child) and its children.
type xmlNode struct {
	tag      string
	text     string
	hasText  bool
	children []*xmlNode
}

// parseXML reads a response body into nodes; the body's size is bounded by
// the caller.
func parseXML(body []byte) (*xmlNode, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	var stack []*xmlNode
	var root *xmlNode
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{tag: t.Name.Local}
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, n)
			} else if root == nil {
				root = n
			} else {
				return nil, errors.New("junk after document element")
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				n := stack[len(stack)-1]
				if len(n.children) == 0 {
					n.text += string(t)
					n.hasText = true
				}
			}
		}
	}
	if root == nil {
		return nil, errors.New("no element found")
	}
	return root, nil
}

// byName is botocore's _build_name_to_xml_node: children by tag, the
// first of repeated ones (a list of them, which the parsers take the
// first of where they want one).
func (n *xmlNode) byName() map[string][]*xmlNode {
	m := map[string][]*xmlNode{}
	for _, c := range n.children {
		m[c.tag] = append(m[c.tag], c)
	}
	return m
}

// responseParseError is botocore's ResponseParserError (exit 255).
type responseParseError struct{ msg string }

func (e *responseParseError) Error() string { return e.msg }

// parseOutput is botocore's QueryParser for a successful response: the
// result wrapper's members by the output shape, in the shape's order.
func parseOutput(body []byte, op *apimodel.Operation, shape *apimodel.Shape) (*object, error) {
	root, err := parseXML(body)
	if err != nil {
		return nil, &responseParseError{fmt.Sprintf("Unable to parse response (%v), invalid XML received. Further retries may succeed:\n%s", err, pyRepr(body))}
	}
	out := newObject()
	if shape != nil {
		start := root
		if op.ResultWrapper != "" {
			nodes := root.byName()[op.ResultWrapper]
			if len(nodes) == 0 {
				return nil, &generalError{pyStrRepr(op.ResultWrapper)}
			}
			start = nodes[0]
		}
		v, err := parseShape(shape, []*xmlNode{start})
		if err != nil {
			return nil, err
		}
		out = v.(*object)
	}
	return out, nil
}

// parseShape parses the nodes found for a member (one, or several of the
// same tag) by its shape.
func parseShape(shape *apimodel.Shape, nodes []*xmlNode) (any, error) {
	node := nodes[0]
	switch shape.Type {
	case "structure":
		o := newObject()
		children := node.byName()
		for _, m := range shape.Members {
			name := m.Name
			if m.LocationName != "" {
				name = m.LocationName
			}
			if m.Shape.Type == "list" && m.Shape.Flattened && m.Shape.Member.LocationName != "" {
				name = m.Shape.Member.LocationName
			}
			found := children[name]
			if len(found) == 0 {
				continue
			}
			v, err := parseShape(m.Shape, found)
			if err != nil {
				return nil, err
			}
			o.set(m.Name, v)
		}
		return o, nil
	case "list":
		items := node.children
		if shape.Flattened {
			items = nodes
		}
		out := make([]any, 0, len(items))
		for _, it := range items {
			v, err := parseShape(shape.Member.Shape, []*xmlNode{it})
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case "map":
		o := newObject()
		keyName, valName := "key", "value"
		if shape.Key.LocationName != "" {
			keyName = shape.Key.LocationName
		}
		if shape.Value.LocationName != "" {
			valName = shape.Value.LocationName
		}
		entries := node.children
		if shape.Flattened {
			entries = nodes
		}
		for _, e := range entries {
			var k, v any
			for _, pair := range e.children {
				var err error
				switch pair.tag {
				case keyName:
					k, err = parseShape(shape.Key.Shape, []*xmlNode{pair})
				case valName:
					v, err = parseShape(shape.Value.Shape, []*xmlNode{pair})
				default:
					return nil, &responseParseError{"Unknown tag: " + pair.tag}
				}
				if err != nil {
					return nil, err
				}
			}
			ks, _ := k.(string)
			o.set(ks, v)
		}
		return o, nil
	}
	text := node.text
	switch shape.Type {
	case "boolean":
		return text == "true", nil
	case "integer", "long":
		v, err := pyInt(text)
		if err != nil {
			return nil, err
		}
		return v, nil
	case "float", "double":
		return pyFloat(text)
	case "timestamp":
		return isoTimestamp(text)
	}
	// strings, and blobs, which the AWS CLI leaves in base64 as received
	return text, nil
}

// isoTimestamp is what the AWS CLI prints for a timestamp: botocore's
// parse_timestamp, then Python's isoformat (microseconds when there are
// any, the zone as +HH:MM).
func isoTimestamp(text string) (string, error) {
	if f, err := strconv.ParseFloat(strings.TrimSpace(text), 64); err == nil {
		sec, frac := int64(f), f-float64(int64(f))
		t := time.Unix(sec, int64(frac*1e9)).UTC()
		// fromtimestamp with the local zone, which the tests and servers
		// run in UTC; the zone printed is the offset.
		return pyIsoformat(t.Round(time.Microsecond), true), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05Z0700", time.RFC1123, time.RFC1123Z} {
		if t, err := time.Parse(layout, text); err == nil {
			aware := strings.ContainsAny(text[min(len(text), 19):], "Z+-") || layout == time.RFC1123 || layout == time.RFC1123Z
			return pyIsoformat(t.Truncate(time.Microsecond), aware), nil
		}
	}
	return "", &generalError{fmt.Sprintf("Invalid timestamp %s: Unknown string format: %s", pyStrRepr(text), text)}
}

// pyIsoformat is datetime.isoformat().
func pyIsoformat(t time.Time, aware bool) string {
	s := t.Format("2006-01-02T15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	if aware {
		_, off := t.Zone()
		sign := "+"
		if off < 0 {
			sign, off = "-", -off
		}
		s += fmt.Sprintf("%s%02d:%02d", sign, off/3600, off%3600/60)
		if off%60 != 0 {
			s += fmt.Sprintf(":%02d", off%60)
		}
	}
	return s
}

// parseErrorResponse is botocore's QueryParser for an error: the code and
// message of <ErrorResponse><Error>, or the HTTP status for a server
// error without a body.
func parseErrorResponse(status int, body []byte) (code, message string, hasMessage bool, err error) {
	trimmed := bytes.TrimSpace(body)
	if status >= 500 && (len(trimmed) == 0 || bytes.HasPrefix(trimmed, []byte("<html>"))) {
		return strconv.Itoa(status), httpReason(status), true, nil
	}
	root, perr := parseXML(body)
	if perr != nil {
		return "", "", false, &responseParseError{fmt.Sprintf("Unable to parse response (%v), invalid XML received. Further retries may succeed:\n%s", perr, pyRepr(body))}
	}
	code, message = "Unknown", "Unknown"
	for _, c := range root.children {
		if c.tag != "Error" && c.tag != "Errors" {
			continue
		}
		e := c
		if c.tag == "Errors" && len(c.children) > 0 {
			e = c.children[0]
		}
		fields := e.byName()
		if n := fields["Code"]; len(n) > 0 {
			code = nodeText(n[0])
		}
		if n := fields["Message"]; len(n) > 0 {
			message, hasMessage = nodeText(n[0]), true
		}
	}
	return code, message, hasMessage, nil
}

// nodeText is an element's text, "None" where ElementTree has None.
func nodeText(n *xmlNode) string {
	if !n.hasText {
		return "None"
	}
	return n.text
}

// httpReason is http.client.responses: the reason phrase of a status.
func httpReason(status int) string {
	switch status {
	case 500:
		return "Internal Server Error"
	case 501:
		return "Not Implemented"
	case 502:
		return "Bad Gateway"
	case 503:
		return "Service Unavailable"
	case 504:
		return "Gateway Timeout"
	case 505:
		return "HTTP Version Not Supported"
	}
	return ""
}

// decodePolicies is botocore's json_decode_policies for IAM: every
// member of the shape policyDocumentType is URL-decoded and read as JSON,
// and stays as it came when it is not JSON.
func decodePolicies(v any, shape *apimodel.Shape) {
	switch shape.Type {
	case "structure":
		o, ok := v.(*object)
		if !ok {
			return
		}
		for _, m := range shape.Members {
			x, present := o.get(m.Name)
			if !present {
				continue
			}
			if m.Shape.Type == "string" && m.ShapeName == "policyDocumentType" {
				s, ok := x.(string)
				if !ok {
					continue
				}
				if doc, err := parsePyJSON(pyUnquote(s)); err == nil {
					o.set(m.Name, doc)
				}
				continue
			}
			decodePolicies(x, m.Shape)
		}
	case "list":
		l, ok := v.([]any)
		if !ok {
			return
		}
		for _, e := range l {
			decodePolicies(e, shape.Member.Shape)
		}
	}
}

// pyUnquote is urllib.parse.unquote: %XX sequences decoded as UTF-8 (bad
// sequences replaced), '+' kept.
func pyUnquote(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var out strings.Builder
	var pending []byte
	flush := func() {
		// errors='replace': a replacement character for each bad byte
		for len(pending) > 0 {
			r, size := utf8.DecodeRune(pending)
			out.WriteRune(r)
			pending = pending[size:]
		}
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			pending = append(pending, byte(b))
			i += 2
			continue
		}
		flush()
		out.WriteByte(s[i])
	}
	flush()
	return out.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// serializeQuery is botocore's QuerySerializer: Action, Version, then the
// parameters flattened (List.member.1, Map.entry.1.key, Struct.Member)
// and form-encoded as Python's urlencode encodes them.
func serializeQuery(svc *apimodel.Service, op *apimodel.Operation, params *object) string {
	var pairs [][2]string
	pairs = append(pairs, [2]string{"Action", op.Name}, [2]string{"Version", svc.Metadata.APIVersion})
	var walk func(shape *apimodel.Shape, v any, prefix string)
	walk = func(shape *apimodel.Shape, v any, prefix string) {
		switch shape.Type {
		case "structure":
			o, _ := v.(*object)
			if o == nil {
				return
			}
			for _, k := range o.keys {
				m := shape.MemberNamed(k)
				if m == nil {
					continue
				}
				name := k
				if m.LocationName != "" {
					name = m.LocationName
				}
				if prefix != "" {
					name = prefix + "." + name
				}
				walk(m.Shape, o.vals[k], name)
			}
		case "list":
			l, _ := v.([]any)
			if len(l) == 0 {
				pairs = append(pairs, [2]string{prefix, ""})
				return
			}
			listPrefix := prefix + ".member"
			if shape.Member.LocationName != "" {
				listPrefix = prefix + "." + shape.Member.LocationName
			}
			if shape.Flattened {
				listPrefix = prefix
				if shape.Member.LocationName != "" {
					parts := strings.Split(prefix, ".")
					listPrefix = strings.Join(append(parts[:len(parts)-1], shape.Member.LocationName), ".")
				}
			}
			for i, e := range l {
				walk(shape.Member.Shape, e, fmt.Sprintf("%s.%d", listPrefix, i+1))
			}
		case "map":
			o, _ := v.(*object)
			if o == nil {
				return
			}
			full := prefix + ".entry"
			if shape.Flattened {
				full = prefix
			}
			keyName, valName := "key", "value"
			if shape.Key.LocationName != "" {
				keyName = shape.Key.LocationName
			}
			if shape.Value.LocationName != "" {
				valName = shape.Value.LocationName
			}
			for i, k := range o.keys {
				walk(shape.Key.Shape, k, fmt.Sprintf("%s.%d.%s", full, i+1, keyName))
				walk(shape.Value.Shape, o.vals[k], fmt.Sprintf("%s.%d.%s", full, i+1, valName))
			}
		case "boolean":
			if pyTruthy(v) {
				pairs = append(pairs, [2]string{prefix, "true"})
			} else {
				pairs = append(pairs, [2]string{prefix, "false"})
			}
		case "blob":
			b, ok := v.([]byte)
			if !ok {
				b = []byte(pyStr(v))
			}
			pairs = append(pairs, [2]string{prefix, base64Std(b)})
		default:
			switch x := v.(type) {
			case []byte:
				pairs = append(pairs, [2]string{prefix, string(x)})
			case *big.Int:
				pairs = append(pairs, [2]string{prefix, x.String()})
			default:
				pairs = append(pairs, [2]string{prefix, pyStr(v)})
			}
		}
	}
	in := svc.InputShape(op)
	if in != nil {
		walk(in, params, "")
	}
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p[0]))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p[1]))
	}
	return b.String()
}

// pyTruthy is Python's truth of a value.
func pyTruthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case int64:
		return x != 0
	case *big.Int:
		return x.Sign() != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case []byte:
		return len(x) > 0
	case []any:
		return len(x) > 0
	case *object:
		return x.len() > 0
	}
	return true
}
