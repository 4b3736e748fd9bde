package policy

import (
	"github.com/keyward/keyward"

	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// Policy language versions. Policy variables are resolved only in 2012-10-17
// documents; in 2008-10-17 ones (the default when Version is absent) "${…}"
// is plain text, as in AWS.
const (
	PolicyVersion2012 = "2012-10-17"
	PolicyVersion2008 = "2008-10-17"
)

// Policy is a parsed identity-based policy document.
type Policy struct {
	Version    string
	ID         string
	Statements []Statement
}

// Statement is one statement of a policy.
type Statement struct {
	Sid    string
	Effect string // "Allow" or "Deny"
	// Actions holds Action, or NotAction when NotAction is set; lower case,
	// since actions compare case-insensitively.
	Actions   []string
	NotAction bool
	// Resources holds Resource, or NotResource when NotResource is set.
	Resources   []string
	NotResource bool
	Conditions  []Condition
	// Principals are a trust policy's, by type ("AWS", "Federated",
	// "Service", "CanonicalUser"; "*" for everyone), or NotPrincipal's in
	// a trust policy stored before Keyward refused it (CompileTrust).
	Principals   map[string][]string
	NotPrincipal bool
}

// malformed is AWS's MalformedPolicyDocument.
func malformed(msg string) *keyward.Error {
	return &keyward.Error{Code: keyward.EMalformedPolicyDocument, Message: msg}
}

var errSyntax = "Syntax errors in policy."

// ParsePolicy parses and validates an identity-based policy document,
// refusing with MalformedPolicyDocument what AWS refuses.
func ParsePolicy(doc string) (*Policy, error) { return parsePolicy(doc, false) }

// ParseTrustPolicy parses a role's trust policy (AssumeRolePolicyDocument)
// as it is to be saved: each statement names its principals (Principal),
// has no Resource, and allows or denies STS's actions only. NotPrincipal is
// refused: AWS allows it in no role's trust policy ("You cannot use the
// NotPrincipal element in an IAM identity-based policy nor in an IAM role
// trust policy"), and with Allow it would let in everyone it does not name.
func ParseTrustPolicy(doc string) (*Policy, error) {
	p, err := parsePolicy(doc, true)
	if err != nil {
		return nil, err
	}
	for _, st := range p.Statements {
		if st.NotPrincipal {
			return nil, malformed("Has prohibited field NotPrincipal")
		}
	}
	return p, nil
}

func parsePolicy(doc string, trust bool) (*Policy, error) {
	var top map[string]json.RawMessage
	if err := strictUnmarshal([]byte(doc), &top); err != nil || top == nil {
		return nil, malformed(errSyntax)
	}
	p := &Policy{Version: PolicyVersion2008}
	for k, v := range top {
		switch k {
		case "Version":
			if err := json.Unmarshal(v, &p.Version); err != nil {
				return nil, malformed(errSyntax)
			}
			if p.Version != PolicyVersion2012 && p.Version != PolicyVersion2008 {
				return nil, malformed("The policy failed legacy parsing")
			}
		case "Id":
			if err := json.Unmarshal(v, &p.ID); err != nil {
				return nil, malformed(errSyntax)
			}
		case "Statement":
			raws, err := oneOrMany(v)
			if err != nil {
				return nil, malformed(errSyntax)
			}
			for _, raw := range raws {
				st, err := parseStatement(raw, trust)
				if err != nil {
					return nil, err
				}
				p.Statements = append(p.Statements, st)
			}
		default:
			return nil, malformed(errSyntax)
		}
	}
	if _, ok := top["Statement"]; !ok {
		return nil, malformed("Missing required field Statement")
	}
	// Variables are resolved only in 2012-10-17 policies, and the version
	// may come after the statements.
	for i := range p.Statements {
		for j := range p.Statements[i].Conditions {
			p.Statements[i].Conditions[j].prepare(p.Version == PolicyVersion2012)
		}
	}
	sids := map[string]bool{}
	for _, st := range p.Statements {
		if st.Sid == "" {
			continue
		}
		if sids[st.Sid] {
			return nil, malformed("Statement IDs (SID) in a single policy must be unique.")
		}
		sids[st.Sid] = true
	}
	return p, nil
}

// strictUnmarshal decodes one JSON value and refuses anything after it:
// json.Decoder alone lets a stray closing brace through (found by
// FuzzParsePolicy).
func strictUnmarshal(b []byte, v any) error {
	if !json.Valid(b) {
		return errTrailing
	}
	return json.Unmarshal(b, v)
}

var errTrailing = &keyward.Error{Code: keyward.EMalformedPolicyDocument, Message: errSyntax}

// oneOrMany reads a JSON value that AWS allows as one item or a list.
func oneOrMany(v json.RawMessage) ([]json.RawMessage, error) {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '[' {
		var list []json.RawMessage
		err := json.Unmarshal(v, &list)
		return list, err
	}
	return []json.RawMessage{v}, nil
}

// onceList reads a statement's element that is a string or a non-empty
// list of strings and may stand once in it: seen when it (or its Not
// form) stood before.
func onceList(v json.RawMessage, seen bool) ([]string, error) {
	list, ok := stringOrList(v)
	if seen || !ok {
		return nil, malformed(errSyntax)
	}
	return list, nil
}

// stringOrList reads a string or a non-empty list of strings.
func stringOrList(v json.RawMessage) ([]string, bool) {
	raws, err := oneOrMany(v)
	if err != nil || len(raws) == 0 {
		return nil, false
	}
	out := make([]string, 0, len(raws))
	for _, r := range raws {
		var s string
		if json.Unmarshal(r, &s) != nil {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func parseStatement(raw json.RawMessage, trust bool) (Statement, error) {
	var st Statement
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return st, malformed(errSyntax)
	}
	var hasAction, hasResource bool
	for k, v := range m {
		switch k {
		case "Sid":
			if json.Unmarshal(v, &st.Sid) != nil {
				return st, malformed(errSyntax)
			}
		case "Effect":
			if json.Unmarshal(v, &st.Effect) != nil {
				return st, malformed(errSyntax)
			}
			if st.Effect != "Allow" && st.Effect != "Deny" {
				return st, malformed("Invalid effect: " + st.Effect)
			}
		case "Action", "NotAction":
			list, err := onceList(v, hasAction)
			if err != nil {
				return st, err
			}
			for _, a := range list {
				if err := checkAction(a); err != nil {
					return st, err
				}
				st.Actions = append(st.Actions, strings.ToLower(a))
			}
			hasAction, st.NotAction = true, k == "NotAction"
		case "Resource", "NotResource":
			list, err := onceList(v, hasResource)
			if err != nil {
				return st, err
			}
			for _, r := range list {
				if r != "*" && !strings.HasPrefix(r, "arn:") {
					return st, malformed("Resource " + r + " must be in ARN format or \"*\".")
				}
			}
			st.Resources, hasResource, st.NotResource = list, true, k == "NotResource"
		case "Condition":
			conds, err := parseConditions(v)
			if err != nil {
				return st, err
			}
			st.Conditions = conds
		case "Principal", "NotPrincipal":
			if !trust {
				return st, malformed("Policy document should not specify a principal.")
			}
			if st.Principals != nil {
				return st, malformed(errSyntax)
			}
			ps, err := parsePrincipals(v)
			if err != nil {
				return st, err
			}
			st.Principals, st.NotPrincipal = ps, k == "NotPrincipal"
		default:
			return st, malformed(errSyntax)
		}
	}
	switch {
	case st.Effect == "":
		return st, malformed("Missing required field Effect")
	case !hasAction:
		return st, malformed("Policy statement must contain actions.")
	case trust && hasResource:
		return st, malformed("Has prohibited field Resource")
	case trust && st.Principals == nil:
		return st, malformed("Missing required field Principal")
	case !trust && !hasResource:
		return st, malformed("Policy statement must contain resources.")
	}
	if trust {
		for _, a := range st.Actions {
			if a != "*" && !strings.HasPrefix(a, "sts:") {
				return st, malformed("AssumeRole policy may only specify STS AssumeRole actions.")
			}
		}
	}
	return st, nil
}

// checkAction accepts "*" or "service:action", the action part possibly
// with wildcards.
func checkAction(a string) error {
	if a == "*" {
		return nil
	}
	service, action, ok := strings.Cut(a, ":")
	if !ok || service == "" || action == "" {
		return malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
	}
	if strings.Contains(action, ":") {
		return malformed("Actions/Condition can contain only one colon.")
	}
	for _, c := range service {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return malformed("Vendor " + service + " is not valid")
		}
	}
	return nil
}

// Match reports whether s matches pattern, where '*' matches any run of
// characters and '?' any one character. Matching is exact otherwise.
func Match(pattern, s string) bool { return match(pattern, s, false, false) }

// matchFold is Match with ASCII letters of s folded to lower case, for
// actions, whose patterns are stored in lower case.
func matchFold(pattern, s string) bool { return match(pattern, s, true, false) }

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// match is Match, with s folded to lower case when fold is set, and with a
// backslash in the pattern making the next character literal when esc is
// set.
func match(pattern, s string, fold, esc bool) bool {
	// Iterative glob matching with one backtrack point: linear for the
	// patterns policies use, and no allocation.
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		lit := p < len(pattern) && esc && pattern[p] == '\\' && p+1 < len(pattern)
		switch {
		case lit && pattern[p+1] == s[i]:
			p += 2
			i++
		case !lit && p < len(pattern) && pattern[p] == '?':
			// '?' is one character, not one byte.
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			p++
		case !lit && p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case !lit && p < len(pattern) && (pattern[p] == s[i] || fold && pattern[p] == lower(s[i])):
			p++
			i++
		case star >= 0:
			p = star + 1
			_, size := utf8.DecodeRuneInString(s[mark:])
			mark += size
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
