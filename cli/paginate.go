package cli

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/keyward/keyward/cli/internal/apimodel"
)

// pager is botocore's PageIterator, as the AWS CLI drives it: pages are
// requested while the output token comes back, --max-items cuts the
// result (possibly within a page) and leaves a NextToken, and
// --starting-token resumes there. The token is botocore's: base64 of the
// JSON of the input tokens and, when a page was cut, boto_truncate_amount,
// so that tokens pass between this and the AWS CLI.
type pager struct {
	t             *transport
	op            *apimodel.Operation
	pg            *apimodel.Paginator
	kwargs        *object
	startingToken *string
	pageSize      any
	maxItems      any

	resumeToken  string
	nonAggregate *object
}

// tokenValues is the next token: an input token's value, nil for None.
type tokenValues struct {
	keys []string
	vals map[string]any
}

func (t *tokenValues) object() *object {
	o := newObject()
	for _, k := range t.keys {
		o.set(k, t.vals[k])
	}
	return o
}

func (p *pager) newToken() *tokenValues {
	t := &tokenValues{vals: map[string]any{}}
	for _, k := range p.pg.InputToken {
		t.keys = append(t.keys, k)
		t.vals[k] = nil
	}
	return t
}

// parseStartingToken decodes --starting-token: botocore's encoding, or
// else the old form (the tokens joined by ___, then the truncation).
func (p *pager) parseStartingToken() (*tokenValues, int64, error) {
	raw := *p.startingToken
	if decoded, err := pyB64Decode(raw); err == nil && utf8.Valid(decoded) {
		if v, err := parsePyJSON(string(decoded)); err == nil {
			o, ok := v.(*object)
			if !ok {
				return nil, 0, &generalError{fmt.Sprintf("'%s' object has no attribute 'pop'", strings.Trim(strings.TrimPrefix(pyTypeName(v), "<class "), "'>"))}
			}
			var index int64
			if n, ok := o.get("boto_truncate_amount"); ok {
				switch x := n.(type) {
				case int64:
					index = x
				default:
					return nil, 0, &generalError{"slice indices must be integers or None or have an __index__ method"}
				}
				o.del("boto_truncate_amount")
			}
			o.del("boto_encoded_keys")
			t := &tokenValues{vals: map[string]any{}}
			for _, k := range o.keys {
				t.keys = append(t.keys, k)
				t.vals[k] = o.vals[k]
			}
			return t, index, nil
		}
	}
	parts := strings.Split(raw, "___")
	var index int64
	if len(parts) == len(p.pg.InputToken)+1 {
		if n, err := pyInt(parts[len(parts)-1]); err == nil {
			if x, ok := n.(int64); ok {
				index = x
				parts = parts[:len(parts)-1]
			}
		} else {
			parts = []string{raw}
		}
	}
	if len(parts) > len(p.pg.InputToken) {
		return nil, 0, &generalError{"Bad starting token: " + raw}
	}
	t := p.newToken()
	for i, part := range parts {
		if part != "None" {
			t.vals[p.pg.InputToken[i]] = part
		}
	}
	return t, index, nil
}

func (p *pager) inject(t *tokenValues) {
	for _, k := range t.keys {
		v := t.vals[k]
		if s, isStr := v.(string); v != nil && !(isStr && s == "None") {
			p.kwargs.set(k, v)
		} else {
			p.kwargs.del(k)
		}
	}
}

// setResume is the resume_token setter: the token's keys must be the
// input tokens (and the truncation).
func (p *pager) setResume(t *tokenValues, truncate *int64) error {
	o := t.object()
	if truncate != nil {
		o.set("boto_truncate_amount", *truncate)
	}
	want := append([]string(nil), p.pg.InputToken...)
	if truncate != nil {
		want = append(want, "boto_truncate_amount")
	}
	if strings.Join(sortedStrings(want), ",") != strings.Join(sortedStrings(o.keys), ",") {
		return &generalError{"Bad starting token: " + pyRepr(o)}
	}
	p.resumeToken = base64.StdEncoding.EncodeToString([]byte(pyJSONCompact(o)))
	return nil
}

// pages requests the pages and hands each to yield.
func (p *pager) pages(ctx context.Context, yield func(*object) error) error {
	next := p.newToken()
	var startTrunc int64
	if p.startingToken != nil {
		t, idx, err := p.parseStartingToken()
		if err != nil {
			return err
		}
		next, startTrunc = t, idx
		p.inject(t)
	}
	if p.pageSize != nil {
		p.kwargs.set(p.pg.LimitKey, p.pageSize)
	}
	var maxItems *int64
	if n, ok := p.maxItems.(int64); ok {
		maxItems = &n
	}
	primary := p.pg.ResultKeys[0]
	var total int64
	first := true
	var startingTruncation int64
	var previous *object
	for {
		page, err := p.t.do(ctx, p.op, p.kwargs)
		if err != nil {
			return err
		}
		if first {
			if p.startingToken != nil {
				startingTruncation = startTrunc
				p.handleFirstRequest(page, startTrunc)
			}
			first = false
			p.nonAggregate = newObject()
			for _, k := range p.pg.NonAggregateKeys {
				v, _ := page.get(k)
				p.nonAggregate.set(k, v)
			}
		} else {
			startingTruncation = 0
		}
		cur, _ := page.get(primary)
		n := int64(pyLen(cur))
		var truncate int64
		if maxItems != nil {
			truncate = total + n - *maxItems
		}
		if truncate > 0 {
			keep := n - truncate
			if l, ok := cur.([]any); ok {
				page.set(primary, l[:pyIndex(keep, len(l))])
			} else if cur == nil {
				page.set(primary, []any{})
			}
			amount := keep + startingTruncation
			if err := p.setResume(next, &amount); err != nil {
				return err
			}
			return yield(page)
		}
		if err := yield(page); err != nil {
			return err
		}
		total += n
		next = p.nextToken(page)
		allNone := true
		for _, k := range next.keys {
			if next.vals[k] != nil {
				allNone = false
			}
		}
		if allNone {
			return nil
		}
		if maxItems != nil && total == *maxItems {
			return p.setResume(next, nil)
		}
		nextObj := next.object()
		if previous != nil && pyRepr(previous) == pyRepr(nextObj) {
			return &generalError{fmt.Sprintf("Error during pagination: The same next token was received twice: %s", pyRepr(nextObj))}
		}
		p.inject(next)
		previous = nextObj
	}
}

// pyIndex is where a Python slice bound falls in a sequence of n: from
// the end when negative, within the sequence.
func pyIndex(i int64, n int) int {
	if i < 0 {
		i += int64(n)
	}
	return int(max(0, min(i, int64(n))))
}

// pyLen is len() of a page's primary result.
func pyLen(v any) int {
	switch x := v.(type) {
	case []any:
		return len(x)
	case string:
		return utf8.RuneCountInString(x)
	case *object:
		return x.len()
	}
	return 0
}

// nextToken is _get_next_token: nothing when more_results is false, else
// each output token's value (nil when empty).
func (p *pager) nextToken(page *object) *tokenValues {
	t := &tokenValues{vals: map[string]any{}}
	if p.pg.MoreResults != "" {
		v, _ := page.get(p.pg.MoreResults)
		if !pyTruthy(v) {
			return t
		}
	}
	for i, out := range p.pg.OutputToken {
		in := p.pg.InputToken[i]
		t.keys = append(t.keys, in)
		v, _ := page.get(out)
		if pyTruthy(v) {
			t.vals[in] = v
		} else {
			t.vals[in] = nil
		}
	}
	return t
}

// handleFirstRequest drops from the first page what the starting token's
// page had already shown, and empties the other result keys.
func (p *pager) handleFirstRequest(page *object, trunc int64) {
	primary := p.pg.ResultKeys[0]
	all, _ := page.get(primary)
	switch x := all.(type) {
	case []any:
		page.set(primary, x[pyIndex(trunc, len(x)):])
	case string:
		r := []rune(x)
		page.set(primary, string(r[pyIndex(trunc, len(r)):]))
	default:
		page.set(primary, nil)
	}
	for _, k := range p.pg.ResultKeys[1:] {
		sample, _ := page.get(k)
		var empty any
		switch sample.(type) {
		case []any:
			empty = []any{}
		case string:
			empty = ""
		case int64, float64:
			empty = int64(0)
		}
		page.set(k, empty)
	}
}

// buildFullResult is build_full_result: the result keys of every page
// joined, the non-aggregate keys of the first, and the NextToken.
func (p *pager) buildFullResult(ctx context.Context) (*object, error) {
	full := newObject()
	err := p.pages(ctx, func(page *object) error {
		for _, k := range p.pg.ResultKeys {
			v, _ := page.get(k)
			if v == nil {
				continue
			}
			existing, _ := full.get(k)
			if existing == nil {
				full.set(k, v)
				continue
			}
			switch x := v.(type) {
			case []any:
				if l, ok := existing.([]any); ok {
					full.set(k, append(l, x...))
				}
			case string:
				if s, ok := existing.(string); ok {
					full.set(k, s+x)
				}
			case int64:
				if n, ok := existing.(int64); ok {
					full.set(k, n+x)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if p.nonAggregate != nil {
		for _, k := range p.nonAggregate.keys {
			full.set(k, p.nonAggregate.vals[k])
		}
	}
	if p.resumeToken != "" {
		full.set("NextToken", p.resumeToken)
	}
	return full, nil
}
