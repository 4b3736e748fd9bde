package policy

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/keyward/keyward"
)

// Trust policies: who may assume a role. A statement names principals,
// and AWS's semantics for them are these: "*" is anyone; an account ID or
// an account's root ARN is any principal of that account (whose own
// policies must then allow it too); a user's or a role's ARN is that one,
// the identity that had the ARN when the policy was saved (AWS stores its
// unique ID instead, so that one deleted and made again under the name is
// not named), which Keyward binds the ARN to (TrustIdentities,
// CompileTrust); an assumed-role session's ARN is any session of that
// role and name; "Federated" names an identity provider, "Service" an AWS
// service.

var (
	accountID    = regexp.MustCompile(`^[0-9]{12}$`)
	principalARN = regexp.MustCompile(`^arn:aws:(iam|sts)::[0-9]{12}:[A-Za-z0-9+=,.@_/*-]+$`)
)

// parsePrincipals reads Principal: "*", or an object of types to one value
// or a list.
func parsePrincipals(v json.RawMessage) (map[string][]string, error) {
	var star string
	if json.Unmarshal(v, &star) == nil {
		if star != "*" {
			return nil, malformed("Invalid principal in policy: " + star)
		}
		return map[string][]string{"*": {"*"}}, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(v, &m); err != nil || len(m) == 0 {
		return nil, malformed(errSyntax)
	}
	out := map[string][]string{}
	for typ, raw := range m {
		list, ok := stringOrList(raw)
		if !ok {
			return nil, malformed(errSyntax)
		}
		for _, p := range list {
			bad := false
			switch typ {
			case "AWS":
				bad = p != "*" && !accountID.MatchString(p) && !principalARN.MatchString(p)
			case "Federated":
				bad = p == "" || strings.ContainsAny(p, " \t")
			case "Service":
				bad = !strings.HasSuffix(p, ".amazonaws.com") && !strings.HasSuffix(p, ".amazonaws.com.cn")
			case "CanonicalUser":
				bad = p == ""
			default:
				return nil, malformed("Invalid principal in policy: \"" + typ + "\"")
			}
			if bad {
				return nil, malformed("Invalid principal in policy: \"" + typ + "\":\"" + p + "\"")
			}
		}
		out[typ] = list
	}
	return out, nil
}

// identityARN reports whether an AWS principal (one principalARN
// accepts) is an IAM user's or role's ARN: one that a role binds to the
// unique ID of the identity that has it when its trust policy is saved.
// An account's root, a session's ARN (arn:aws:sts::…) and "*" are not, as
// AWS converts none of them.
func identityARN(p string) bool {
	rest, ok := strings.CutPrefix(p, "arn:aws:iam::")
	if !ok || len(rest) < 13 || rest[12] != ':' {
		return false
	}
	return strings.HasPrefix(rest[13:], "user/") || strings.HasPrefix(rest[13:], "role/")
}

// TrustIdentities returns the ARNs of the IAM users and roles a trust
// policy to be saved names as principals, each once, in the order
// written, or ParseTrustPolicy's error.
func TrustIdentities(doc string) ([]string, error) {
	p, err := ParseTrustPolicy(doc)
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	for _, st := range p.Statements {
		for _, a := range st.Principals["AWS"] {
			if identityARN(a) && !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	return out, nil
}

// ShowTrustPrincipals returns a stored trust policy as it is to be shown:
// each string of a Principal's AWS that shown has a key for is written as
// its value instead (the unique ID of a principal that no longer has the
// ARN, as AWS shows a deleted one), and the rest of the document as it was
// written, byte for byte. A string written with escapes, which no ARN
// needs, is left as written, as is a document that is not JSON.
func ShowTrustPrincipals(doc string, shown map[string]string) string {
	if len(shown) == 0 {
		return doc
	}
	type span struct {
		start, end int
		with       string
	}
	var spans []span
	dec := json.NewDecoder(strings.NewReader(doc))
	// value reads one value at path: the keys that lead to it from the
	// document's top, each after a NUL, which no key of a principal holds
	// (an array's elements are at the array's path).
	var value func(path string) error
	value = func(path string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case json.Delim:
			for dec.More() {
				sub := path
				if t == '{' {
					k, err := dec.Token()
					if err != nil {
						return err
					}
					sub = path + "\x00" + k.(string)
				}
				if err := value(sub); err != nil {
					return err
				}
			}
			_, err := dec.Token()
			return err
		case string:
			with, ok := shown[t]
			end := int(dec.InputOffset())
			raw := `"` + t + `"`
			if ok && path == "\x00Statement\x00Principal\x00AWS" && end >= len(raw) && doc[end-len(raw):end] == raw {
				quoted, _ := json.Marshal(with)
				spans = append(spans, span{end - len(raw), end, string(quoted)})
			}
		}
		return nil
	}
	if value("") != nil {
		return doc
	}
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		b.WriteString(doc[last:sp.start])
		b.WriteString(sp.with)
		last = sp.end
	}
	b.WriteString(doc[last:])
	return b.String()
}

// TrustCaller is who asks to assume a role (keyward.TrustCaller).
type TrustCaller = keyward.TrustCaller

// matches reports whether the statement's principals name the caller,
// and how: the strongest way one of them does. bound holds the unique IDs
// the IAM user and role ARNs are bound to.
//
// An Allow names the identity bound to an ARN while it keeps the ARN; a
// Deny names it whatever its ARN has become, as AWS's unique ID does, so
// that a user denied cannot rename or move itself out of the Deny. An
// ARN bound to no one (a document stored before Keyward bound them,
// naming no identity then) names nobody in an Allow, and in a Deny
// whoever has the ARN: both refuse rather than grant.
func (st *Statement) matches(c TrustCaller, bound map[string]string) (match bool, grant keyward.TrustGrant) {
	deny := st.Effect == "Deny" && !st.NotPrincipal
	if _, ok := st.Principals["*"]; ok {
		return true, keyward.GrantPrincipal
	}
	for typ, list := range st.Principals {
		for _, p := range list {
			g := keyward.GrantNone
			switch typ {
			case "AWS":
				switch {
				case c.ARN == "":
				case p == "*":
					g = keyward.GrantPrincipal
				case identityARN(p):
					// The identity the ARN was bound to when the policy
					// was saved, while it keeps the ARN: never another
					// that has the name now.
					id := bound[p]
					switch {
					case deny && id == "" && p == c.ARN, deny && id != "" && id == c.UserID:
						g = keyward.GrantPrincipal
					case deny && id == "" && p == c.RoleARN, deny && id != "" && id == c.RoleID:
						g = keyward.GrantRole
					case id == "":
					case p == c.ARN && id == c.UserID:
						g = keyward.GrantPrincipal
					case p == c.RoleARN && id == c.RoleID:
						g = keyward.GrantRole
					}
				case p == c.ARN:
					g = keyward.GrantPrincipal
				case p == c.AccountID || p == "arn:aws:iam::"+c.AccountID+":root":
					g = keyward.GrantAccount
				}
			case "Federated":
				if c.Federated != "" && p == c.Federated {
					g = keyward.GrantPrincipal
				}
			case "Service":
				if c.Service != "" && p == c.Service {
					g = keyward.GrantPrincipal
				}
			}
			grant = max(grant, g)
		}
	}
	return grant != keyward.GrantNone, grant
}

// TrustPolicy is a parsed trust policy, with the unique IDs its IAM user
// and role principals are bound to.
type TrustPolicy struct {
	p     *Policy
	bound map[string]string
}

// CompileTrust parses a trust policy for decisions. It takes what
// ParseTrustPolicy refuses of a document to be saved but Keyward once
// stored (NotPrincipal), so that a role stored so is decided, never
// granted through it, rather than failing every request for it. bound
// maps each IAM user's and role's ARN the policy names to the unique ID
// it was bound to when saved (keyward.Role.TrustPrincipals); an ARN
// bound to none names nobody.
func CompileTrust(doc string, bound map[string]string) (*TrustPolicy, error) {
	p, err := parsePolicy(doc, true)
	if err != nil {
		return nil, err
	}
	return &TrustPolicy{p, bound}, nil
}

// Evaluate decides whether the caller may perform action (such as
// "sts:AssumeRole") on the role, in the request's context: an explicit
// Deny wins, then an Allow that names the caller; otherwise an implicit
// deny.
func (tp *TrustPolicy) Evaluate(action string, c TrustCaller, rc *keyward.RequestContext) string {
	d, _ := tp.Decide(action, c, rc)
	return d
}

// Decide is Evaluate, and says how the allowing statements name the
// caller: when only its account is named, the caller's own policies must
// allow the action too; when its role is, its boundary and session
// policies must.
func (tp *TrustPolicy) Decide(action string, c TrustCaller, rc *keyward.RequestContext) (decision string, grant keyward.TrustGrant) {
	for i := range tp.p.Statements {
		st := &tp.p.Statements[i]
		// NotPrincipal is refused at save (ParseTrustPolicy), but a
		// document stored before may hold it. It only ever denies: with
		// Allow, which AWS does not support, it would grant everyone it
		// does not name; with Deny it denies everyone it does not name.
		if st.NotPrincipal && st.Effect != "Deny" {
			continue
		}
		match, g := st.matches(c, tp.bound)
		if match == st.NotPrincipal {
			continue
		}
		hit := false
		for _, a := range st.Actions {
			if matchFold(a, action) {
				hit = true
				break
			}
		}
		if hit == st.NotAction {
			continue
		}
		holds := true
		for j := range st.Conditions {
			if !st.Conditions[j].holds(rc, "", false) {
				holds = false
				break
			}
		}
		if !holds {
			continue
		}
		if st.Effect == "Deny" {
			return keyward.DecisionExplicitDeny, keyward.GrantNone
		}
		grant = max(grant, g)
	}
	if grant != keyward.GrantNone {
		return keyward.DecisionAllowed, grant
	}
	return keyward.DecisionImplicitDeny, keyward.GrantNone
}
