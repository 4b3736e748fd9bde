package query

import (
	"net/url"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/keyward/keyward"
)

// params reads and validates an action's parameters, collecting every
// problem so that the request is refused once, before anything changes.
type params struct {
	values url.Values
	v      keyward.Validation
}

// fieldName is the name AWS uses for a member in validation messages:
// the member name with its first letter in lower case.
func fieldName(member string) string {
	r, n := utf8.DecodeRuneInString(member)
	return string(unicode.ToLower(r)) + member[n:]
}

// str returns the member's value and whether it was present, checking it
// against shape when present.
func (p *params) str(member string, shape *keyward.StringShape) (string, bool) {
	vs, ok := p.values[member]
	if !ok || len(vs) == 0 {
		return "", false
	}
	p.v.String(fieldName(member), vs[0], shape)
	return vs[0], true
}

// required is str for a member that must be present.
func (p *params) required(member string, shape *keyward.StringShape) string {
	s, ok := p.str(member, shape)
	if !ok {
		p.v.Null(fieldName(member))
	}
	return s
}

// maxItems returns MaxItems, or AWS's default of 100.
func (p *params) maxItems() int {
	s, ok := p.values["MaxItems"]
	if !ok || len(s) == 0 {
		return keyward.DefaultMaxItems
	}
	n, err := strconv.Atoi(s[0])
	if err != nil {
		p.v.NotInteger("maxItems", s[0])
		return keyward.DefaultMaxItems
	}
	p.v.Int("maxItems", n, keyward.MaxItemsMin, keyward.MaxItemsMax)
	return n
}

// tags reads a Tags.member.N.Key/Value list.
func (p *params) tags() []keyward.Tag {
	var tags []keyward.Tag
	for i := 1; ; i++ {
		prefix := "Tags.member." + strconv.Itoa(i) + "."
		k, kok := p.values[prefix+"Key"]
		v, vok := p.values[prefix+"Value"]
		if !kok && !vok {
			break
		}
		field := "tags." + strconv.Itoa(i) + ".member."
		var t keyward.Tag
		if kok && len(k) > 0 {
			t.Key = k[0]
			p.v.String(field+"key", t.Key, keyward.TagKeyShape)
		} else {
			p.v.Null(field + "key")
		}
		if vok && len(v) > 0 {
			t.Value = v[0]
			p.v.String(field+"value", t.Value, keyward.TagValueShape)
		} else {
			p.v.Null(field + "value")
		}
		tags = append(tags, t)
	}
	p.v.Len("tags", len(tags), keyward.MaxTagsPerSet)
	return tags
}

// err returns the ValidationError for everything found so far.
func (p *params) err() error { return p.v.Err() }

// boolean reads a booleanType member: "true" or "false".
func (p *params) boolean(member string) bool {
	vs, ok := p.values[member]
	if !ok || len(vs) == 0 {
		return false
	}
	switch vs[0] {
	case "true":
		return true
	case "false":
		return false
	}
	p.v.String(fieldName(member), vs[0], booleanShape)
	return false
}

var booleanShape = &keyward.StringShape{Shape: "booleanType", Enum: []string{"true", "false"}}

// list reads a Member.member.N list of strings, each checked against shape.
func (p *params) list(member string, shape *keyward.StringShape) []string {
	var out []string
	for i := 1; ; i++ {
		vs, ok := p.values[member+".member."+strconv.Itoa(i)]
		if !ok || len(vs) == 0 {
			return out
		}
		p.v.String(fieldName(member)+"."+strconv.Itoa(i)+".member", vs[0], shape)
		out = append(out, vs[0])
	}
}

// integer reads an integer member in [min, max], and whether it was given.
func (p *params) integer(member string, min, max int) (int, bool) {
	vs, ok := p.values[member]
	if !ok || len(vs) == 0 {
		return 0, false
	}
	n, err := strconv.Atoi(vs[0])
	if err != nil {
		p.v.NotInteger(fieldName(member), vs[0])
		return 0, true
	}
	p.v.Int(fieldName(member), n, min, max)
	return n, true
}
