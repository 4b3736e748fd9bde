package cli

import (
	"fmt"
	"math/big"
	"strings"
	"unicode/utf8"

	"github.com/keyward/keyward/cli/internal/apimodel"
)

// validateParams is botocore's ParamValidator, which the AWS CLI runs
// before it sends anything: required members, unknown members, types, and
// the minimum lengths and values (the only bounds it checks). It returns
// nil or the report's lines.
func validateParams(params any, shape *apimodel.Shape) []string {
	var errs []string
	name := func(n string) string {
		if n == "" {
			return "input"
		}
		return strings.TrimPrefix(n, ".")
	}
	invalidType := func(n string, v any, valid ...string) {
		errs = append(errs, fmt.Sprintf("Invalid type for parameter %s, value: %s, type: %s, valid types: %s",
			name(n), pyStr(v), pyTypeName(v), strings.Join(valid, ", ")))
	}
	rangeCheck := func(n string, value float64, shape *apimodel.Shape, what string, shown string) {
		if shape.Min != nil && value < *shape.Min {
			errs = append(errs, fmt.Sprintf("Invalid %s for parameter %s, value: %s, valid min %s: %s",
				map[string]string{"length": "length", "value": "value"}[what], name(n), shown, what, pyStr(minValue(*shape.Min))))
		}
	}
	var walk func(v any, shape *apimodel.Shape, n string)
	walk = func(v any, shape *apimodel.Shape, n string) {
		switch shape.Type {
		case "structure":
			o, ok := v.(*object)
			if !ok {
				invalidType(n, v, "<class 'dict'>")
				return
			}
			for _, r := range shape.Required {
				if !o.has(r) {
					errs = append(errs, fmt.Sprintf("Missing required parameter in %s: \"%s\"", name(n), r))
				}
			}
			var known []string
			for _, k := range o.keys {
				if shape.MemberNamed(k) == nil {
					var names []string
					for _, m := range shape.Members {
						names = append(names, m.Name)
					}
					errs = append(errs, fmt.Sprintf("Unknown parameter in %s: \"%s\", must be one of: %s", name(n), k, strings.Join(names, ", ")))
				} else {
					known = append(known, k)
				}
			}
			for _, k := range known {
				walk(o.vals[k], shape.MemberNamed(k).Shape, n+"."+k)
			}
		case "string":
			s, ok := v.(string)
			if !ok {
				invalidType(n, v, "<class 'str'>")
				return
			}
			l := utf8.RuneCountInString(s)
			rangeCheck(n, float64(l), shape, "length", fmt.Sprint(l))
		case "list":
			l, ok := v.([]any)
			if !ok {
				invalidType(n, v, "<class 'list'>", "<class 'tuple'>")
				return
			}
			rangeCheck(n, float64(len(l)), shape, "length", fmt.Sprint(len(l)))
			for i, e := range l {
				walk(e, shape.Member.Shape, fmt.Sprintf("%s[%d]", n, i))
			}
		case "map":
			o, ok := v.(*object)
			if !ok {
				invalidType(n, v, "<class 'dict'>")
				return
			}
			for _, k := range o.keys {
				walk(k, shape.Key.Shape, fmt.Sprintf("%s (key: %s)", n, k))
				walk(o.vals[k], shape.Value.Shape, n+"."+k)
			}
		case "integer", "long":
			switch x := v.(type) {
			case int64:
				rangeCheck(n, float64(x), shape, "value", pyStr(x))
			case bool:
				// bool is an int in Python
				b := int64(0)
				if x {
					b = 1
				}
				rangeCheck(n, float64(b), shape, "value", pyStr(x))
			case *big.Int:
				f, _ := new(big.Float).SetInt(x).Float64()
				rangeCheck(n, f, shape, "value", x.String())
			default:
				invalidType(n, v, "<class 'int'>")
			}
		case "float", "double":
			switch x := v.(type) {
			case float64:
				rangeCheck(n, x, shape, "value", pyStr(x))
			case int64:
				rangeCheck(n, float64(x), shape, "value", pyStr(x))
			case bool, *big.Int:
			default:
				invalidType(n, v, "<class 'float'>", "<class 'decimal.Decimal'>", "<class 'int'>")
			}
		case "boolean":
			if _, ok := v.(bool); !ok {
				invalidType(n, v, "<class 'bool'>")
			}
		case "blob":
			switch v.(type) {
			case []byte, string:
			default:
				errs = append(errs, fmt.Sprintf("Invalid type for parameter %s, value: %s, type: %s, valid types: <class 'bytes'>, <class 'bytearray'>, file-like object",
					name(n), pyStr(v), pyTypeName(v)))
			}
		case "timestamp":
			s, ok := v.(string)
			if _, err := isoTimestamp(s); !ok || err != nil {
				invalidType(n, v, "<class 'datetime.datetime'>", "timestamp-string")
			}
		}
	}
	walk(params, shape, "")
	return errs
}

// minValue is a model's minimum as Python holds it: an int.
func minValue(f float64) any {
	if f == float64(int64(f)) {
		return int64(f)
	}
	return f
}
