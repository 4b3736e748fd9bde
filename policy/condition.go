package policy

import (
	"github.com/keyward/keyward"

	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Condition is one key test of a statement's Condition block, such as
// {"StringEquals": {"aws:username": ["alice", "bob"]}}.
type Condition struct {
	// Operator is the base operator in lower case, without IfExists and
	// without a set prefix: "stringequals", "ipaddress", "null", …
	Operator string
	IfExists bool
	// Set is "" for a single-valued key, or "forallvalues"/"foranyvalue".
	Set string
	// Key is the context key in lower case (keys compare case-insensitively);
	// Name is the key as the policy writes it.
	Key, Name string
	Values    []string
	// texts are Values with their policy variables located, for the
	// operators that take variables in a 2012-10-17 policy.
	texts []text
}

// operators maps every supported base operator (lower case) to whether it
// is negated: a negated operator holds when no value matches, and when the
// key is absent.
var operators = map[string]bool{
	"stringequals": false, "stringnotequals": true,
	"stringequalsignorecase": false, "stringnotequalsignorecase": true,
	"stringlike": false, "stringnotlike": true,
	"numericequals": false, "numericnotequals": true,
	"numericlessthan": false, "numericlessthanequals": false,
	"numericgreaterthan": false, "numericgreaterthanequals": false,
	"dateequals": false, "datenotequals": true,
	"datelessthan": false, "datelessthanequals": false,
	"dategreaterthan": false, "dategreaterthanequals": false,
	"bool":         false,
	"binaryequals": false,
	"ipaddress":    false, "notipaddress": true,
	"arnequals": false, "arnnotequals": true, "arnlike": false, "arnnotlike": true,
	"null": false,
}

// takesVariables reports whether an operator resolves policy variables in
// its values: the string, Boolean and ARN operators do; the numeric, date,
// binary, IP address and Null ones do not, and read "${…}" as text (the
// IAM User Guide's condition operators, "You can (not) use a policy
// variable with …").
func takesVariables(op string) bool {
	return strings.HasPrefix(op, "string") || strings.HasPrefix(op, "arn") || op == "bool"
}

// prepare locates the policy variables of the condition's values; vars is
// false in a 2008-10-17 policy, where "${…}" is plain text.
func (c *Condition) prepare(vars bool) {
	vars = vars && takesVariables(c.Operator)
	c.texts = make([]text, len(c.Values))
	for i, v := range c.Values {
		c.texts[i] = parseText(v, vars)
	}
}

func parseConditions(v json.RawMessage) ([]Condition, error) {
	var block map[string]map[string]json.RawMessage
	if err := json.Unmarshal(v, &block); err != nil {
		return nil, malformed(errSyntax)
	}
	var out []Condition
	// Sorted, so that a compiled policy does not depend on map order.
	ops := make([]string, 0, len(block))
	for op := range block {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		c := Condition{}
		name := strings.ToLower(op)
		if set, rest, ok := strings.Cut(name, ":"); ok {
			if set != "forallvalues" && set != "foranyvalue" {
				return nil, malformed("Invalid Condition type : " + op)
			}
			c.Set, name = set, rest
		}
		if base, ok := strings.CutSuffix(name, "ifexists"); ok && base != "null" {
			c.IfExists, name = true, base
		}
		if _, ok := operators[name]; !ok {
			return nil, malformed("Invalid Condition type : " + op)
		}
		c.Operator = name
		keys := make([]string, 0, len(block[op]))
		for k := range block[op] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, key := range keys {
			vals, err := conditionValues(block[op][key])
			if err != nil {
				return nil, err
			}
			if c.Operator == "null" || c.Operator == "bool" {
				for _, v := range vals {
					// Bool takes a policy variable; Null does not.
					if !isBool(v) && (c.Operator == "null" || !strings.Contains(v, "${")) {
						return nil, malformed("Invalid value " + v + " for condition " + op)
					}
				}
			}
			if c.Operator == "binaryequals" {
				for _, v := range vals {
					if _, err := base64.StdEncoding.DecodeString(v); err != nil {
						return nil, malformed("Invalid value " + v + " for condition " + op)
					}
				}
			}
			if c.Operator == "ipaddress" || c.Operator == "notipaddress" {
				for _, v := range vals {
					if _, err := parsePrefix(v); err != nil {
						return nil, malformed("Invalid IP address or CIDR " + v + " in condition " + op)
					}
				}
			}
			cc := c
			cc.Key, cc.Name, cc.Values = strings.ToLower(key), key, vals
			out = append(out, cc)
		}
	}
	return out, nil
}

// conditionValues reads one value or a list; numbers and booleans count as
// their text, as AWS treats them.
func conditionValues(v json.RawMessage) ([]string, error) {
	raws, err := oneOrMany(v)
	if err != nil || len(raws) == 0 {
		return nil, malformed(errSyntax)
	}
	out := make([]string, 0, len(raws))
	for _, r := range raws {
		var x any
		if err := json.Unmarshal(r, &x); err != nil {
			return nil, malformed(errSyntax)
		}
		switch x := x.(type) {
		case string:
			out = append(out, x)
		case bool:
			out = append(out, strconv.FormatBool(x))
		case float64:
			out = append(out, strings.TrimSpace(string(r)))
		default:
			return nil, malformed(errSyntax)
		}
	}
	return out, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// holds evaluates the condition against the request's context, in a
// decision on resource ("" when there is none, as for a trust policy).
// With bound, the condition's values may be those resolved for the
// principal when compiled (text.resolve).
func (c *Condition) holds(rc *keyward.RequestContext, resource string, bound bool) bool {
	vals, present := valueFor(rc, resource, c.Key)
	present = present && len(vals) > 0
	if c.Operator == "null" {
		// "true": the key must be absent; "false": present. Several values
		// are OR'ed, as for every operator.
		for _, want := range c.Values {
			if strings.EqualFold(want, "true") != present {
				return true
			}
		}
		return false
	}
	if !present {
		switch {
		case c.Set == "forallvalues":
			return true
		case c.Set == "foranyvalue":
			return false
		case c.IfExists:
			return true
		}
		return operators[c.Operator]
	}
	if c.Set == "" && len(vals) > 1 {
		// A multivalued key needs ForAllValues or ForAnyValue; without
		// either, no operator matches it (docs/api.md, "Policy evaluation:
		// choices where AWS's guide is silent").
		return false
	}
	switch c.Set {
	case "forallvalues":
		for _, v := range vals {
			if !c.matches(v, rc, bound) {
				return false
			}
		}
		return true
	default: // single-valued keys and ForAnyValue: any request value
		for _, v := range vals {
			if c.matches(v, rc, bound) {
				return true
			}
		}
		return false
	}
}

func patternOperator(op string) bool {
	return op == "stringlike" || op == "stringnotlike" || strings.HasPrefix(op, "arn")
}

// missing calls add with the condition's key and the variables of its
// values that the request has no value for.
func (c *Condition) missing(rc *keyward.RequestContext, add func(string)) {
	if vals, ok := ContextValue(rc, c.Key); !ok || len(vals) == 0 {
		add(c.Name)
	}
	for i := range c.texts {
		c.texts[i].missing(rc, add)
	}
}

// matches tests one request value: for a positive operator, whether any
// condition value matches; for a negated one, whether none does. A value
// whose variable has no value is null and matches nothing, so a negated
// operator holds against it (the IAM User Guide's "Policy variables with
// no value"). The like and ARN operators compare with patterns (see
// text.resolve).
func (c *Condition) matches(v string, rc *keyward.RequestContext, bound bool) bool {
	negated := operators[c.Operator]
	base := c.Operator
	if negated {
		base = positive[c.Operator]
	}
	pattern := patternOperator(base)
	any := false
	for i := range c.texts {
		if w, ok := c.texts[i].resolve(rc, pattern, bound); ok && compare(base, v, w) {
			any = true
			break
		}
	}
	return any != negated
}

var positive = map[string]string{
	"stringnotequals": "stringequals", "stringnotequalsignorecase": "stringequalsignorecase",
	"stringnotlike": "stringlike", "numericnotequals": "numericequals", "datenotequals": "dateequals",
	"notipaddress": "ipaddress", "arnnotequals": "arnequals", "arnnotlike": "arnlike",
}

func compare(op, got, want string) bool {
	switch op {
	case "stringequals":
		return got == want
	case "stringequalsignorecase":
		return strings.EqualFold(got, want)
	case "stringlike":
		return matchPattern(want, got)
	case "arnlike", "arnequals":
		return matchARN(want, got)
	case "bool":
		return isBool(got) && isBool(want) && strings.EqualFold(got, want)
	case "binaryequals":
		// The policy holds the base64 of the bytes; so does a request's
		// value, as a simulation's context entries carry binary values.
		g, err1 := base64.StdEncoding.DecodeString(got)
		w, err2 := base64.StdEncoding.DecodeString(want)
		return err1 == nil && err2 == nil && bytes.Equal(g, w)
	case "ipaddress":
		a, err := netip.ParseAddr(got)
		p, perr := parsePrefix(want)
		return err == nil && perr == nil && p.Contains(a.Unmap())
	}
	if strings.HasPrefix(op, "numeric") {
		g, ok1 := parseNumber(got)
		w, ok2 := parseNumber(want)
		return ok1 && ok2 && order(op[len("numeric"):], cmpFloat(g, w))
	}
	if strings.HasPrefix(op, "date") {
		g, ok1 := parseDate(got)
		w, ok2 := parseDate(want)
		return ok1 && ok2 && order(op[len("date"):], g.Compare(w))
	}
	return false
}

func isBool(s string) bool { return strings.EqualFold(s, "true") || strings.EqualFold(s, "false") }

// parseNumber reads an integer or decimal value, as the numeric operators
// compare ("an integer or decimal value"): an optional sign, digits and
// an optional fraction; not Go's Inf, NaN, hexadecimal or exponent forms.
func parseNumber(s string) (float64, bool) {
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		case (c == '-' || c == '+') && i == 0:
		default:
			return 0, false
		}
	}
	if digits == 0 {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func order(rel string, c int) bool {
	switch rel {
	case "equals":
		return c == 0
	case "lessthan":
		return c < 0
	case "lessthanequals":
		return c <= 0
	case "greaterthan":
		return c > 0
	case "greaterthanequals":
		return c >= 0
	}
	return false
}

// dateLayouts are the W3C profile of ISO 8601 (https://www.w3.org/TR/NOTE-datetime)
// that the IAM User Guide's date condition operators name: a year, a
// month, a day, and a time to the minute, the second or a fraction of it
// with its zone; and the zone without a colon, which Keyward accepted
// before.
var dateLayouts = []string{
	"2006", "2006-01", "2006-01-02",
	"2006-01-02T15:04Z07:00", time.RFC3339Nano, "2006-01-02T15:04:05Z0700",
}

// parseDate accepts the forms AWS does: the W3C dates and times, or
// seconds since the epoch. Four digits are a year, not a second of
// 1970 (docs/api.md, "Policy evaluation: choices where AWS's guide is silent").
func parseDate(s string) (time.Time, bool) {
	if len(s) != 4 && s != "" && strings.Trim(s, "0123456789") == "" || len(s) > 1 && s[0] == '-' && strings.Trim(s[1:], "0123456789") == "" {
		n, err := strconv.ParseInt(s, 10, 64)
		return time.Unix(n, 0), err == nil
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
