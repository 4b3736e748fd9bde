package policy

import (
	"strings"

	"github.com/keyward/keyward"
)

// text is a policy string that may hold policy variables: ${key}, or
// ${key, 'default'} with a default value used when the request has no
// value for the key. ${*}, ${?} and ${$} stand for the characters
// themselves, never for wildcards. Variables are resolved on each decision
// from the request's context, so that a request key (a simulation's
// context entry, aws:SourceIp) counts as much as a key of the principal.
type text struct {
	// raw is the string as the policy writes it; glob is raw as a pattern
	// for matchPattern (backslashes escaped), when raw has no variable.
	raw, glob string
	// parts is raw cut into literal text and variables; nil when raw has
	// none.
	parts []textPart
	// bound is set when every variable describes the principal a policy
	// set was compiled for: boundRaw and boundGlob are then t resolved
	// for it once (boundOK false when a variable has no value), which a
	// request of that principal uses unless its context says otherwise.
	bound, boundOK      bool
	boundRaw, boundGlob string
}

// bind resolves t for the principal p once, if p alone decides its value.
func (t *text) bind(p keyward.Principal) {
	if t.parts == nil {
		return
	}
	for _, part := range t.parts {
		if part.variable && !PrincipalKey(part.key) {
			return
		}
	}
	rc := &keyward.RequestContext{Principal: p}
	t.boundRaw, t.boundOK = t.resolve(rc, false, false)
	t.boundGlob, _ = t.resolve(rc, true, false)
	t.bound = true
}

// textPart is literal text, in which '*' and '?' are wildcards; or an
// exact character (${*}, ${?}, ${$}); or a variable.
type textPart struct {
	lit      string
	exact    bool
	variable bool
	// name is the variable's key as written, key in lower case; def its
	// default, when hasDef.
	name, key, def string
	hasDef         bool
}

// parseText reads the variables of s; with vars false (a 2008-10-17
// policy, or an operator that takes no variables) "${…}" is plain text.
func parseText(s string, vars bool) text {
	t := text{raw: s, glob: escapeBackslashes(s)}
	if !vars || !strings.Contains(s, "${") {
		return t
	}
	rest := s
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			break
		}
		if i > 0 {
			t.parts = append(t.parts, textPart{lit: rest[:i]})
		}
		t.parts = append(t.parts, variablePart(rest[i+2:i+j]))
		rest = rest[i+j+1:]
	}
	if t.parts == nil {
		return t
	}
	if rest != "" {
		t.parts = append(t.parts, textPart{lit: rest})
	}
	return t
}

// variablePart reads what is between "${" and "}": one of the special
// characters, or a key with an optional default value, separated from it
// by a comma and a space and quoted with single quotes (the IAM User
// Guide's "Specifying default values").
func variablePart(inner string) textPart {
	switch inner {
	case "*", "?", "$":
		return textPart{lit: inner, exact: true}
	}
	name := inner
	p := textPart{variable: true}
	if k, d, ok := strings.Cut(inner, ", "); ok && len(d) >= 2 && d[0] == '\'' && d[len(d)-1] == '\'' {
		name, p.def, p.hasDef = k, d[1:len(d)-1], true
	}
	p.name = strings.TrimSpace(name)
	p.key = strings.ToLower(p.name)
	return p
}

// variables returns the names of the variables of t (not the special
// characters).
func (t *text) variables() []string {
	var out []string
	for _, p := range t.parts {
		if p.variable {
			out = append(out, p.name)
		}
	}
	return out
}

// value returns the single value a variable stands for in the request, or
// its default. A variable whose key is absent, or has several values (a
// multivalued key cannot be a variable), has no value without a default.
func (p *textPart) value(rc *keyward.RequestContext) (string, bool) {
	if vals, ok := ContextValue(rc, p.key); ok && len(vals) == 1 {
		return vals[0], true
	}
	if p.hasDef {
		return p.def, true
	}
	return "", false
}

// resolve returns t with its variables replaced by the request's values,
// and false when a variable has no value: the string is then effectively
// null, equal to and like nothing. With pattern, the result is for
// matchPattern: what variables and special characters put in is escaped,
// so that it matches only itself.
//
// With bound, the request is the bound principal's and its context adds
// nothing (no Extra, not a simulation): t's bound value is used.
func (t *text) resolve(rc *keyward.RequestContext, pattern, bound bool) (string, bool) {
	if t.parts == nil {
		if pattern {
			return t.glob, true
		}
		return t.raw, true
	}
	if bound && t.bound {
		if pattern {
			return t.boundGlob, t.boundOK
		}
		return t.boundRaw, t.boundOK
	}
	var b strings.Builder
	b.Grow(len(t.raw) + 16)
	for i := range t.parts {
		p := &t.parts[i]
		switch {
		case p.variable:
			v, ok := p.value(rc)
			if !ok {
				return "", false
			}
			if pattern {
				writeEscaped(&b, v)
			} else {
				b.WriteString(v)
			}
		case p.exact && pattern:
			writeEscaped(&b, p.lit)
		case pattern:
			b.WriteString(escapeBackslashes(p.lit))
		default:
			b.WriteString(p.lit)
		}
	}
	return b.String(), true
}

// missing calls add with the name of each variable of t that has no value
// and no default in the request.
func (t *text) missing(rc *keyward.RequestContext, add func(string)) {
	for i := range t.parts {
		if p := &t.parts[i]; p.variable && !p.hasDef {
			if _, ok := p.value(rc); !ok {
				add(p.name)
			}
		}
	}
}

// escapeBackslashes makes a policy's own backslashes literal in a pattern.
func escapeBackslashes(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	return strings.ReplaceAll(s, `\`, `\\`)
}

// writeEscaped writes s to a pattern as literal text: its wildcards,
// backslashes and colons (which would otherwise cut an ARN pattern into
// components) are escaped.
func writeEscaped(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?', '\\', ':':
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
}

// matchPattern is Match for patterns made by text.resolve, in which a
// backslash makes the next character literal.
func matchPattern(pattern, s string) bool { return match(pattern, s, false, true) }

// matchARN implements ArnEquals and ArnLike: each of the six
// colon-separated components of the ARN is matched separately (the last
// one, the resource, takes the rest of the ARN, colons included), so that
// a wildcard never spans a colon between components, and a pattern or a
// value of fewer than six components matches nothing (the IAM User
// Guide's "Amazon Resource Name (ARN) condition operators").
func matchARN(pattern, value string) bool {
	var pc, vc [6]string
	if !splitPattern(pattern, &pc) || !splitValue(value, &vc) {
		return false
	}
	for i := range pc {
		if !matchPattern(pc[i], vc[i]) {
			return false
		}
	}
	return true
}

// splitValue cuts an ARN into its six components.
func splitValue(s string, out *[6]string) bool {
	for i := 0; i < 5; i++ {
		j := strings.IndexByte(s, ':')
		if j < 0 {
			return false
		}
		out[i], s = s[:j], s[j+1:]
	}
	out[5] = s
	return true
}

// splitPattern cuts an ARN pattern into its six components at colons that
// are not escaped.
func splitPattern(p string, out *[6]string) bool {
	n, start := 0, 0
	for i := 0; i < len(p) && n < 5; i++ {
		switch p[i] {
		case '\\':
			i++
		case ':':
			out[n], start = p[start:i], i+1
			n++
		}
	}
	if n < 5 {
		return false
	}
	out[5] = p[start:]
	return true
}
