package query

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/lifecycle"
	"github.com/keyward/keyward/report"
	"github.com/keyward/keyward/sts"
)

// Services are the feature packages the actions call; each decides
// access itself, from the caller in the context.
type Services struct {
	IAM     *iam.Service
	STS     *sts.Service
	Reports *report.Service
	// Lifecycle is the key lifecycle policy, Keyward's own actions.
	Lifecycle *lifecycle.Service
}

// action is one row of the table of actions: the operation it performs
// (its descriptor, shared with the console: the parameters it takes,
// checked against the model's shapes before anything else, and whether it
// only reads), the feature package's call it stands for, and the writer
// of its result. The runner (run) does the rest for every action alike:
// parse, validate, call (the feature package decides access), write, and
// map errors.
type action struct {
	op   *keyward.Operation
	call func(ctx context.Context, s *Services, in *input) (any, error)
	// write writes the members of <ActionResult>; nil for the actions
	// AWS answers with no result element.
	write func(w *xmlWriter, acct keyward.Account, out any)
	// result and response are the element names <ActionResult> and
	// <ActionResponse>, made once.
	result, response string
}

// row makes an action whose call returns a T for write; write may be nil.
// Its operation is the one of the same name (newAPI).
func row[T any](call func(ctx context.Context, s *Services, in *input) (T, error), write func(w *xmlWriter, acct keyward.Account, out T)) action {
	a := action{call: func(ctx context.Context, s *Services, in *input) (any, error) {
		return call(ctx, s, in)
	}}
	if write != nil {
		a.write = func(w *xmlWriter, acct keyward.Account, out any) { write(w, acct, out.(T)) }
	}
	return a
}

// none is the result of actions without output.
type none struct{}

// do makes an action without output from a call that returns only an
// error.
func do(call func(ctx context.Context, s *Services, in *input) error) action {
	return row(func(ctx context.Context, s *Services, in *input) (none, error) {
		return none{}, call(ctx, s, in)
	}, nil)
}

// input is an action's parameters, read and checked by the runner. Values
// are kept by the parameter's position in the action's list, so that
// reading a request allocates nothing for them.
type input struct {
	params  []keyward.Param
	values  url.Values
	present [maxParams]bool
	strs    [maxParams]string
	ints    [maxParams]int
	lists   [maxParams][]string
	tags    []keyward.Tag
	context map[string][]string
}

// maxParams bounds an action's parameters; the tests hold every action to
// it.
const maxParams = 12

var inputs = sync.Pool{New: func() any { return new(input) }}

// index returns the position of member in the action's parameters.
func (in *input) index(member string) int {
	for i, p := range in.params {
		if p.Member == member {
			return i
		}
	}
	panic("query: no parameter " + member) // a programming error in a row
}

// str returns a string parameter ("" when absent).
func (in *input) str(member string) string { return in.strs[in.index(member)] }

// has reports whether a parameter was given.
func (in *input) has(member string) bool { return in.present[in.index(member)] }

// optStr returns a string parameter, nil when absent.
func (in *input) optStr(member string) *string {
	i := in.index(member)
	if !in.present[i] {
		return nil
	}
	v := in.strs[i]
	return &v
}

// strOr returns a string parameter, or def when absent.
func (in *input) strOr(member, def string) string {
	i := in.index(member)
	if !in.present[i] {
		return def
	}
	return in.strs[i]
}

func (in *input) bool(member string) bool { return in.ints[in.index(member)] != 0 }

// optBool returns a boolean parameter, nil when absent.
func (in *input) optBool(member string) *bool {
	i := in.index(member)
	if !in.present[i] {
		return nil
	}
	v := in.ints[i] != 0
	return &v
}

func (in *input) int(member string) int       { return in.ints[in.index(member)] }
func (in *input) list(member string) []string { return in.lists[in.index(member)] }
func (in *input) maxItems() int               { return in.ints[in.index("MaxItems")] }
func (in *input) entity(kind string) keyward.Entity {
	return keyward.Entity{Kind: kind, Name: in.str(iam.EntityParam(kind).Member)}
}

// read checks values against params, in their order (the order of the
// problems in AWS's message), into in, and returns the ValidationError
// naming every problem found.
func read(in *input, params []keyward.Param, values url.Values) error {
	*in = input{params: params, values: values}
	var v keyward.Validation
	for i, p := range params {
		vs, present := values[p.Member]
		present = present && len(vs) > 0
		in.present[i] = present
		switch p.Kind {
		case keyward.ParamString:
			if !present {
				if p.Required {
					v.Null(keyward.FieldName(p.Member))
				}
				continue
			}
			v.String(keyward.FieldName(p.Member), vs[0], p.Shape)
			in.strs[i] = vs[0]
		case keyward.ParamBool:
			if !present {
				continue
			}
			switch vs[0] {
			case "true":
				in.ints[i] = 1
			case "false":
			default:
				v.String(keyward.FieldName(p.Member), vs[0], booleanShape)
			}
		case keyward.ParamInt:
			if !present {
				continue
			}
			n, err := strconv.Atoi(vs[0])
			if err != nil {
				v.NotInteger(keyward.FieldName(p.Member), vs[0])
				continue
			}
			v.Int(keyward.FieldName(p.Member), n, p.Min, p.Max)
			in.ints[i] = n
		case keyward.ParamMaxItems:
			in.ints[i] = keyward.DefaultMaxItems
			if !present {
				continue
			}
			n, err := strconv.Atoi(vs[0])
			if err != nil {
				v.NotInteger("maxItems", vs[0])
				continue
			}
			v.Int("maxItems", n, keyward.MaxItemsMin, keyward.MaxItemsMax)
			in.ints[i] = n
		case keyward.ParamList:
			in.lists[i] = readList(&v, values, p.Member, p.Shape, p.Max)
			in.present[i] = len(in.lists[i]) > 0
			if !in.present[i] && p.Required {
				v.Null(keyward.FieldName(p.Member))
			}
		case keyward.ParamTags:
			in.tags = readTags(&v, values)
			in.present[i] = len(in.tags) > 0
			if !in.present[i] && p.Required {
				v.Null("tags")
			}
		case keyward.ParamContext:
			in.context = readContext(&v, values)
		case keyward.ParamDescriptors:
			in.lists[i] = readDescriptors(&v, values, p.Member)
			in.present[i] = len(in.lists[i]) > 0
		}
	}
	return v.Err()
}

var booleanShape = &keyward.StringShape{Shape: "booleanType", Enum: []string{"true", "false"}}

// readList reads a Member.member.N list of strings, each checked against
// shape; with max, a list longer is refused, read no further.
func readList(v *keyward.Validation, values url.Values, member string, shape *keyward.StringShape, max int) []string {
	var out []string
	for i := 1; ; i++ {
		vs, ok := values[member+".member."+strconv.Itoa(i)]
		if !ok || len(vs) == 0 {
			return out
		}
		if max > 0 && i > max {
			v.Len(keyward.FieldName(member), i, max)
			return out
		}
		v.String(keyward.FieldName(member)+"."+strconv.Itoa(i)+".member", vs[0], shape)
		out = append(out, vs[0])
	}
}

// readDescriptors reads STS's Member.member.N.arn list of policy ARNs.
func readDescriptors(v *keyward.Validation, values url.Values, member string) []string {
	var out []string
	for i := 1; ; i++ {
		vs, ok := values[member+".member."+strconv.Itoa(i)+".arn"]
		if !ok || len(vs) == 0 {
			return out
		}
		v.String(keyward.FieldName(member)+"."+strconv.Itoa(i)+".member.arn", vs[0], keyward.STSARNShape)
		out = append(out, vs[0])
	}
}

// readTags reads a Tags.member.N.Key/Value list.
func readTags(v *keyward.Validation, values url.Values) []keyward.Tag {
	var tags []keyward.Tag
	for i := 1; ; i++ {
		prefix := "Tags.member." + strconv.Itoa(i) + "."
		k, kok := values[prefix+"Key"]
		val, vok := values[prefix+"Value"]
		if !kok && !vok {
			break
		}
		field := "tags." + strconv.Itoa(i) + ".member."
		var t keyward.Tag
		if kok && len(k) > 0 {
			t.Key = k[0]
			v.String(field+"key", t.Key, keyward.TagKeyShape)
		} else {
			v.Null(field + "key")
		}
		if vok && len(val) > 0 {
			t.Value = val[0]
			v.String(field+"value", t.Value, keyward.TagValueShape)
		} else {
			v.Null(field + "value")
		}
		tags = append(tags, t)
	}
	v.Len("tags", len(tags), keyward.MaxTagsPerSet)
	return tags
}

// readContext reads ContextEntries.member.N.ContextKeyName and its
// ContextKeyValues, keyed by the lower-case name.
func readContext(v *keyward.Validation, values url.Values) map[string][]string {
	out := map[string][]string{}
	for i := 1; ; i++ {
		prefix := "ContextEntries.member." + strconv.Itoa(i) + "."
		names, ok := values[prefix+"ContextKeyName"]
		if !ok || len(names) == 0 {
			return out
		}
		v.String(keyward.FieldName(prefix+"ContextKeyName"), names[0], keyward.ContextKeyNameShape)
		out[strings.ToLower(names[0])] = readList(v, values, prefix+"ContextKeyValues", keyward.ResourceNameShape, 0)
	}
}

// run performs action a for the request: read and check the parameters,
// call the feature package (which decides access), and write the result.
func run(ctx context.Context, s *Services, a *action, values url.Values, w *xmlWriter) error {
	in := inputs.Get().(*input)
	defer func() {
		*in = input{} // drop what the request held
		inputs.Put(in)
	}()
	if err := read(in, a.op.Params, values); err != nil {
		return err
	}
	out, err := a.call(ctx, s, in)
	if err != nil {
		return err
	}
	if a.write != nil {
		w.open(a.result)
		a.write(w, s.IAM.Account(ctx), out)
		w.close(a.result)
	}
	return nil
}
