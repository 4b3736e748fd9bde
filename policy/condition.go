package policy

import (
	"github.com/keyward/keyward"

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
	"bool":      false,
	"ipaddress": false, "notipaddress": true,
	"arnequals": false, "arnnotequals": true, "arnlike": false, "arnnotlike": true,
	"null": false,
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
					if !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
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

// holds evaluates the condition against the request's context.
func (c *Condition) holds(rc *keyward.RequestContext) bool {
	vals, present := rc.Value(c.Key)
	if c.Operator == "null" {
		// "Null": true means the key must be absent.
		want := strings.EqualFold(c.Values[0], "true")
		return !present == want
	}
	if !present || len(vals) == 0 {
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
	switch c.Set {
	case "forallvalues":
		for _, v := range vals {
			if !c.matches(v) {
				return false
			}
		}
		return true
	default: // single-valued keys and ForAnyValue: any request value
		for _, v := range vals {
			if c.matches(v) {
				return true
			}
		}
		return false
	}
}

// matches tests one request value: for a positive operator, whether any
// condition value matches; for a negated one, whether none does.
func (c *Condition) matches(v string) bool {
	negated := operators[c.Operator]
	base := c.Operator
	if negated {
		base = positive[c.Operator]
	}
	any := false
	for _, want := range c.Values {
		if compare(base, v, want) {
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
	case "stringlike", "arnlike", "arnequals":
		return Match(want, got)
	case "bool":
		return strings.EqualFold(got, want)
	case "ipaddress":
		a, err := netip.ParseAddr(got)
		p, perr := parsePrefix(want)
		return err == nil && perr == nil && p.Contains(a.Unmap())
	}
	if strings.HasPrefix(op, "numeric") {
		g, err1 := strconv.ParseFloat(got, 64)
		w, err2 := strconv.ParseFloat(want, 64)
		return err1 == nil && err2 == nil && order(op[len("numeric"):], cmpFloat(g, w))
	}
	if strings.HasPrefix(op, "date") {
		g, ok1 := parseDate(got)
		w, ok2 := parseDate(want)
		return ok1 && ok2 && order(op[len("date"):], g.Compare(w))
	}
	return false
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

// parseDate accepts the forms AWS does: ISO 8601 dates and times, or
// seconds since the epoch.
func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), true
	}
	return time.Time{}, false
}
