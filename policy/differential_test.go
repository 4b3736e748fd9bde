package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward"
)

// The differential test: Keyward's policy engine and an independent
// implementation, @cloud-copilot/iam-simulate (pinned in
// testdata/oracle/package-lock.json, installed there by
// scripts/install-test-deps.sh), decide the same generated cases, from a
// fixed seed. Every disagreement must be explained by a class listed in
// testdata/oracle/disagreements.json, each with the part of AWS's
// documentation that decides it: a class explains a disagreement when the
// two agree once the class's feature is taken out of the case (see
// classes). The simulator is not the authority: where it departs from the
// IAM User Guide, Keyward follows the guide and the class says so.

const (
	differentialSeed  = 21
	differentialCases = 4000
	oracleDir         = "testdata/oracle"
)

// genCondition is one key test: op is the whole operator as the policy
// writes it (ForAnyValue:StringLikeIfExists).
type genCondition struct {
	op, key string
	values  []string
}

type genStatement struct {
	deny        bool
	notAction   bool
	actions     []string
	notResource bool
	resources   []string
	conditions  []genCondition
}

type genPolicy []genStatement

// contextEntry is one key of a case's request context; a list is a
// multivalued key, even with one value.
type contextEntry struct {
	Key    string   `json:"key"`
	Values []string `json:"values"`
	List   bool     `json:"list"`
}

type genCase struct {
	identity []genPolicy
	boundary []genPolicy
	// scps are the service control policies of each level, the
	// organization's root first.
	scps     [][]genPolicy
	action   string
	resource string
	context  []contextEntry
}

// oracleCase is a case as run.mjs reads it.
type oracleCase struct {
	ID       int            `json:"id"`
	Identity []string       `json:"identity"`
	Boundary []string       `json:"boundary"`
	SCPs     [][]string     `json:"scps"`
	Action   string         `json:"action"`
	Resource string         `json:"resource"`
	Context  []contextEntry `json:"context"`
}

type oracleDecision struct {
	ID       int    `json:"id"`
	Decision string `json:"decision"`
	Error    string `json:"error"`
}

func (p genPolicy) document() string {
	var sts []map[string]any
	for _, s := range p {
		st := map[string]any{"Effect": "Allow"}
		if s.deny {
			st["Effect"] = "Deny"
		}
		if s.notAction {
			st["NotAction"] = s.actions
		} else {
			st["Action"] = s.actions
		}
		if s.notResource {
			st["NotResource"] = s.resources
		} else {
			st["Resource"] = s.resources
		}
		if len(s.conditions) > 0 {
			block := map[string]map[string][]string{}
			for _, c := range s.conditions {
				if block[c.op] == nil {
					block[c.op] = map[string][]string{}
				}
				block[c.op][c.key] = c.values
			}
			st["Condition"] = block
		}
		sts = append(sts, st)
	}
	b, err := json.Marshal(map[string]any{"Version": PolicyVersion2012, "Statement": sts})
	if err != nil {
		panic(err)
	}
	return string(b)
}

func documents(ps []genPolicy) []string {
	if ps == nil {
		return nil
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.document()
	}
	return out
}

func (c genCase) oracle(id int) oracleCase {
	var scps [][]string
	for _, level := range c.scps {
		scps = append(scps, documents(level))
	}
	return oracleCase{ID: id, Identity: documents(c.identity), Boundary: documents(c.boundary), SCPs: scps, Action: c.action,
		Resource: c.resource, Context: c.context}
}

// keyward decides the case with Keyward's engine, in a simulation's
// context: only the case's keys exist.
func (o oracleCase) keyward() (string, error) {
	var sources []keyward.PolicySource
	for i, d := range o.Identity {
		sources = append(sources, keyward.PolicySource{ID: fmt.Sprint("identity", i+1), Type: "user", Document: d})
	}
	for i, d := range o.Boundary {
		sources = append(sources, keyward.PolicySource{ID: fmt.Sprint("boundary", i+1), Type: keyward.PolicySourceBoundary, Document: d})
	}
	for level, docs := range o.SCPs {
		for i, d := range docs {
			sources = append(sources, keyward.PolicySource{ID: fmt.Sprint("scp", level, "-", i+1), Type: keyward.PolicySourceSCP, Level: level, Document: d})
		}
	}
	ps, err := CompilePolicies(keyward.Principal{}, sources)
	if err != nil {
		return "", err
	}
	extra := map[string][]string{}
	for _, e := range o.Context {
		extra[strings.ToLower(e.Key)] = e.Values
	}
	switch d := ps.Evaluate(o.Action, o.Resource, &keyward.RequestContext{Simulation: true, Extra: extra}, false); d.Effect {
	case keyward.DecisionAllowed:
		return "Allowed", nil
	case keyward.DecisionExplicitDeny:
		return "ExplicitlyDenied", nil
	default:
		return "ImplicitlyDenied", nil
	}
}

func (c genCase) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s on %s\n", c.action, c.resource)
	for _, d := range documents(c.identity) {
		fmt.Fprintf(&b, "  identity: %s\n", d)
	}
	for _, d := range documents(c.boundary) {
		fmt.Fprintf(&b, "  boundary: %s\n", d)
	}
	for level, docs := range c.scps {
		for _, d := range documents(docs) {
			fmt.Fprintf(&b, "  scp at level %d: %s\n", level, d)
		}
	}
	ctx, _ := json.Marshal(c.context)
	fmt.Fprintf(&b, "  context: %s", ctx)
	return b.String()
}

// The generator's vocabulary: real actions and resources of a few
// services, and condition keys of every operator family with values that
// sometimes match.
var (
	genActions = []struct {
		action    string
		resources []string
	}{
		{"s3:GetObject", []string{"arn:aws:s3:::bucket-a/home/alice/notes.txt", "arn:aws:s3:::bucket-b/y:z", "arn:aws:s3:::bucket-yellow/k"}},
		{"s3:PutObject", []string{"arn:aws:s3:::bucket-a/home/alice/notes.txt", "arn:aws:s3:::bucket-a/home/bob/x"}},
		{"s3:ListBucket", []string{"arn:aws:s3:::bucket-a", "arn:aws:s3:::bucket-b"}},
		{"iam:GetUser", []string{"arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:user/eng/bob"}},
		{"iam:CreateAccessKey", []string{"arn:aws:iam::123456789012:user/alice", "arn:aws:iam::999999999999:user/alice"}},
		{"sqs:SendMessage", []string{"arn:aws:sqs:us-east-1:123456789012:queue-1", "arn:aws:sqs:eu-west-1:123456789012:queue:fifo"}},
		{"ec2:RunInstances", []string{"arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc", "arn:aws:ec2:us-east-1:123456789012:volume/vol-1"}},
	}
	genActionPatterns = []string{"*", "s3:*", "s3:Get*", "s3:?etObject", "S3:getobject", "iam:*", "iam:Get*", "iam:CreateAccessKey",
		"sqs:Send*", "ec2:*", "ec2:Run*", "s3:*Object", "s3:List*"}
	genResourcePatterns = []string{"*",
		"arn:aws:s3:::bucket-a/*", "arn:aws:s3:::bucket-?/*", "arn:aws:s3:::*", "arn:aws:s3:::bucket-a/home/${aws:username}/*",
		"arn:aws:s3:::bucket-${aws:PrincipalTag/team, 'a'}/*", "arn:aws:s3:::bucket-${aws:PrincipalTag/team}/*", "arn:aws:s3:::bucket-b/y${*}",
		"arn:aws:s3:::bucket-b/y:*", "arn:aws:s3:::bucket-*",
		"arn:aws:iam::*:user/*", "arn:aws:iam::123456789012:user/${aws:username}", "arn:aws:iam::${aws:PrincipalAccount}:user/*",
		"arn:aws:iam::123456789012:user/*/bob", "arn:aws:iam::*",
		"arn:aws:sqs:*:123456789012:*", "arn:aws:sqs:us-*:*:queue-?", "arn:aws:sqs:*:queue-1", "arn:aws:sqs:*:*:queue:*",
		"arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:*", "arn:aws:EC2:*:*:instance/*", "arn:aws:ec2:EU-WEST-1:*:*",
		"arn:aws:*:*:123456789012:*"}
	genKeys = []struct {
		key, family   string
		policy, value []string
		multi         bool
	}{
		{"aws:username", "string", []string{"alice", "bob", "Alice", "a*", "${aws:PrincipalTag/team}", "${aws:PrincipalTag/team, 'alice'}"}, []string{"alice", "bob", "ALICE"}, false},
		{"aws:PrincipalTag/team", "string", []string{"a", "yellow", "blue", "${aws:username}", "y?llow"}, []string{"a", "yellow"}, false},
		{"s3:prefix", "string", []string{"", "home/", "home/${aws:username}/", "home/*", "home/${aws:username, 'guest'}/*", "home/${*}"}, []string{"home/", "home/alice/", "home/guest/x", "", "home/*"}, false},
		{"aws:TagKeys", "string", []string{"team", "cost", "owner", "t*"}, []string{"team", "cost", "owner"}, true},
		{"s3:max-keys", "numeric", []string{"5", "10", "10.5", "-1", "010"}, []string{"3", "10", "20", "10.0", "ten"}, false},
		{"aws:CurrentTime", "date", []string{"2026-11-27T12:00:00Z", "2026-11", "2027", "2026-11-27", "1795780800", "2026-11-27T13:00+01:00", "2026-11-27T12:00:00.5Z"},
			[]string{"2026-11-27T12:00:00Z", "2027-01-01T00:00:00Z", "2026-11-27", "tomorrow"}, false},
		{"aws:EpochTime", "date", []string{"1795780800", "1795780799", "2026-11-27T12:00:00Z"}, []string{"1795780800", "1800000000"}, false},
		{"aws:SecureTransport", "bool", []string{"true", "false", "TRUE", "${aws:MultiFactorAuthPresent}"}, []string{"true", "false"}, false},
		{"aws:MultiFactorAuthPresent", "bool", []string{"true", "false"}, []string{"true", "false"}, false},
		{"aws:SourceIp", "ip", []string{"10.0.0.0/8", "192.0.2.0/24", "192.0.2.10", "2001:db8::/32"}, []string{"10.1.2.3", "192.0.2.10", "203.0.113.5", "2001:db8::1"}, false},
		{"aws:SourceArn", "arn", []string{"arn:aws:sns:*:123456789012:topic-*", "arn:aws:sns:us-east-1:123456789012:topic-a", "arn:aws:sns:*:*:*",
			"arn:aws:sns:us-*:${aws:PrincipalAccount}:*", "arn:aws:*", "arn:aws:sns:*:topic-a", "arn:aws:sns:*:*:topic-b:*"},
			[]string{"arn:aws:sns:us-east-1:123456789012:topic-a", "arn:aws:sqs:eu-west-1:999999999999:q", "arn:aws:sns:us-east-1:123456789012:topic-b:sub"}, false},
		{"aws:PrincipalAccount", "string", []string{"123456789012", "999999999999", "1234*"}, []string{"123456789012"}, false},
		{"s3:x", "binary", []string{"QQ==", "Qg==", "QUI="}, []string{"QQ==", "QUI="}, false},
	}
	genOperators = map[string][]string{
		"string":  {"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike"},
		"numeric": {"NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals"},
		"date":    {"DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals"},
		"bool":    {"Bool"},
		"ip":      {"IpAddress", "NotIpAddress"},
		"arn":     {"ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"},
		"binary":  {"BinaryEquals"},
	}
)

type generator struct{ r *rand.Rand }

func (g generator) pick(list []string) string { return list[g.r.IntN(len(list))] }
func (g generator) chance(p float64) bool     { return g.r.Float64() < p }

// some returns 1 to n distinct items of list.
func (g generator) some(list []string, n int) []string {
	k := 1 + g.r.IntN(n)
	perm := g.r.Perm(len(list))
	var out []string
	for _, i := range perm[:min(k, len(list))] {
		out = append(out, list[i])
	}
	return out
}

func (g generator) condition() genCondition {
	k := genKeys[g.r.IntN(len(genKeys))]
	if g.chance(0.12) {
		vals := [][]string{{"true"}, {"false"}, {"true", "false"}, {"false", "true"}}[g.r.IntN(4)]
		return genCondition{op: "Null", key: k.key, values: vals}
	}
	op := g.pick(genOperators[k.family])
	if g.chance(0.2) {
		op += "IfExists"
	}
	if (k.multi && g.chance(0.5)) || g.chance(0.08) {
		op = g.pick([]string{"ForAnyValue:", "ForAllValues:"}) + op
	}
	return genCondition{op: op, key: k.key, values: g.some(k.policy, 2)}
}

func (g generator) statement(action, resource string) genStatement {
	s := genStatement{deny: g.chance(0.3), notAction: g.chance(0.15), notResource: g.chance(0.12)}
	if g.chance(0.5) {
		s.actions = []string{action}
	} else {
		s.actions = g.some(genActionPatterns, 2)
	}
	if g.chance(0.35) {
		s.resources = []string{resource}
	} else {
		s.resources = g.some(genResourcePatterns, 2)
	}
	seen := map[string]bool{}
	for n := g.r.IntN(3); n > 0; n-- {
		c := g.condition()
		if id := c.op + "/" + c.key; !seen[id] {
			seen[id] = true
			s.conditions = append(s.conditions, c)
		}
	}
	return s
}

func (g generator) policy(action, resource string, max int) genPolicy {
	var p genPolicy
	for n := 1 + g.r.IntN(max); n > 0; n-- {
		p = append(p, g.statement(action, resource))
	}
	return p
}

func (g generator) next() genCase {
	a := genActions[g.r.IntN(len(genActions))]
	c := genCase{action: a.action, resource: g.pick(a.resources)}
	for n := 1 + g.r.IntN(2); n > 0; n-- {
		c.identity = append(c.identity, g.policy(c.action, c.resource, 3))
	}
	if g.chance(0.2) {
		c.boundary = []genPolicy{g.policy(c.action, c.resource, 2)}
	}
	// A member account's principal: one to three levels of SCPs (the
	// root, an OU, the account), one or two at each, often
	// FullAWSAccess as AWS attaches it.
	if g.chance(0.25) {
		fullAWSAccess := genPolicy{{actions: []string{"*"}, resources: []string{"*"}}}
		for levels := 1 + g.r.IntN(3); levels > 0; levels-- {
			var level []genPolicy
			for n := 1 + g.r.IntN(2); n > 0; n-- {
				if g.chance(0.5) {
					level = append(level, fullAWSAccess)
				} else {
					level = append(level, g.policy(c.action, c.resource, 2))
				}
			}
			c.scps = append(c.scps, level)
		}
	}
	for _, k := range genKeys {
		if !g.chance(0.5) {
			continue
		}
		if k.multi {
			c.context = append(c.context, contextEntry{Key: k.key, Values: g.some(k.value, 3), List: true})
		} else {
			c.context = append(c.context, contextEntry{Key: k.key, Values: []string{g.pick(k.value)}})
		}
	}
	return c
}

// generate returns n cases from the seed.
func generate(seed uint64, n int) []genCase {
	g := generator{rand.New(rand.NewPCG(seed, seed))}
	out := make([]genCase, n)
	for i := range out {
		out[i] = g.next()
	}
	return out
}

// clone copies a case deeply, for a class to change it.
func (c genCase) clone() genCase {
	cp := func(ps []genPolicy) []genPolicy {
		if ps == nil {
			return nil
		}
		out := make([]genPolicy, len(ps))
		for i, p := range ps {
			out[i] = make(genPolicy, len(p))
			for j, s := range p {
				s.actions = append([]string(nil), s.actions...)
				s.resources = append([]string(nil), s.resources...)
				conds := make([]genCondition, len(s.conditions))
				for k, cd := range s.conditions {
					cd.values = append([]string(nil), cd.values...)
					conds[k] = cd
				}
				s.conditions = conds
				out[i][j] = s
			}
		}
		return out
	}
	d := c
	d.identity, d.boundary = cp(c.identity), cp(c.boundary)
	d.scps = nil
	for _, level := range c.scps {
		d.scps = append(d.scps, cp(level))
	}
	d.context = make([]contextEntry, len(c.context))
	for i, e := range c.context {
		e.Values = append([]string(nil), e.Values...)
		d.context[i] = e
	}
	return d
}

// statements calls f on every statement of the case.
func (c *genCase) statements(f func(*genStatement)) {
	for _, ps := range append([][]genPolicy{c.identity, c.boundary}, c.scps...) {
		for _, p := range ps {
			for i := range p {
				f(&p[i])
			}
		}
	}
}

func (c *genCase) has(key string) bool {
	for _, e := range c.context {
		if strings.EqualFold(e.Key, key) {
			return true
		}
	}
	return false
}

// value is the single value of a key in the case's context, "" without.
func (c *genCase) value(key string) string {
	for _, e := range c.context {
		if strings.EqualFold(e.Key, key) && len(e.Values) == 1 && !e.List {
			return e.Values[0]
		}
	}
	return ""
}

// resourceStart returns where the resource component of an ARN starts:
// after the fifth colon that is not inside a ${…}; -1 when there is none.
func resourceStart(s string) int {
	colons := 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			if j := strings.IndexByte(s[i:], '}'); j > 0 {
				i += j
			}
		case s[i] == ':':
			if colons++; colons == 5 {
				return i + 1
			}
		}
	}
	return -1
}

func allDigits(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }

// classes take one feature out of a case, the feature on which the oracle
// departs from AWS's documentation (testdata/oracle/disagreements.json says
// what the documentation decides): the case without it, and whether it had
// it.
var classes = map[string]func(genCase) (genCase, bool){
	// The oracle reads epoch seconds as milliseconds next to ISO dates:
	// write them as ISO dates.
	"epoch-seconds": func(c genCase) (genCase, bool) {
		changed := false
		iso := func(s string) string {
			var n int64
			fmt.Sscan(s, &n)
			changed = true
			return time.Unix(n, 0).UTC().Format(time.RFC3339)
		}
		c.statements(func(s *genStatement) {
			for i := range s.conditions {
				if cd := &s.conditions[i]; strings.Contains(cd.op, "Date") {
					for j, v := range cd.values {
						if allDigits(v) && len(v) != 4 {
							cd.values[j] = iso(v)
						}
					}
				}
			}
		})
		for i, e := range c.context {
			if e.Key == "aws:CurrentTime" || e.Key == "aws:EpochTime" {
				for j, v := range e.Values {
					if allDigits(v) {
						c.context[i].Values[j] = iso(v)
					}
				}
			}
		}
		return c, changed
	},
	// Four digits are a W3C year to Keyward, epoch seconds to the oracle:
	// write the year as a full date.
	"four-digit-year": func(c genCase) (genCase, bool) {
		changed := false
		c.statements(func(s *genStatement) {
			for i := range s.conditions {
				if cd := &s.conditions[i]; strings.Contains(cd.op, "Date") {
					for j, v := range cd.values {
						if allDigits(v) && len(v) == 4 {
							cd.values[j], changed = v+"-01-01T00:00:00Z", true
						}
					}
				}
			}
		})
		return c, changed
	},
	// A Resource of fewer than six components: its '*' ending a component
	// spans colons in AWS, not in the oracle. Leave such resources out.
	"resource-trailing-wildcard": func(c genCase) (genCase, bool) {
		changed := false
		c.statements(func(s *genStatement) {
			var keep []string
			for _, r := range s.resources {
				if r != "*" && len(strings.Split(stripVariables(r), ":")) < 6 {
					changed = true
					continue
				}
				keep = append(keep, r)
			}
			if len(keep) == 0 {
				keep = []string{"arn:aws:none:::none"}
			}
			s.resources = keep
		})
		return c, changed
	},
	// A negated operator against a variable without a value: it holds in
	// AWS, not in the oracle. Write a literal that matches nothing instead.
	"negated-missing-variable": func(c genCase) (genCase, bool) {
		changed := false
		c.statements(func(s *genStatement) {
			for i := range s.conditions {
				cd := &s.conditions[i]
				base := strings.TrimSuffix(cd.op[strings.Index(cd.op, ":")+1:], "IfExists")
				if !operators[strings.ToLower(base)] || !takesVariables(strings.ToLower(base)) {
					continue
				}
				for j, v := range cd.values {
					t := parseText(v, true)
					for _, p := range t.parts {
						if p.variable && !p.hasDef && !c.has(p.name) {
							cd.values[j], changed = "no-value-"+fmt.Sprint(j), true
							break
						}
					}
				}
			}
		})
		return c, changed
	},
	// Upper case in a Resource's partition, service, region or account:
	// the oracle ignores case there, Keyward does not. Write them in lower
	// case.
	"resource-segment-case": func(c genCase) (genCase, bool) {
		changed := false
		c.statements(func(s *genStatement) {
			for i, r := range s.resources {
				parts := strings.SplitN(r, ":", 6)
				for j := 1; j < len(parts) && j < 5; j++ {
					if l := strings.ToLower(parts[j]); l != parts[j] {
						parts[j], changed = l, true
					}
				}
				s.resources[i] = strings.Join(parts, ":")
			}
		})
		return c, changed
	},
	// A variable in an ARN's partition, service, region or account, in a
	// Resource or an ARN condition's value: the oracle resolves variables
	// in the resource component of a Resource only, and cuts an ARN
	// condition's value at the colon inside "${aws:…}". Write the
	// variable's value in its place.
	"variable-outside-resource-component": func(c genCase) (genCase, bool) {
		changed := false
		resolveHead := func(r string) string {
			end := resourceStart(r)
			if end < 0 {
				end = len(r)
			}
			head := parseText(r[:end], true)
			if head.parts == nil {
				return r
			}
			var b strings.Builder
			for _, p := range head.parts {
				switch {
				case !p.variable:
					b.WriteString(p.lit)
				case c.value(p.name) != "":
					b.WriteString(c.value(p.name))
				case p.hasDef:
					b.WriteString(p.def)
				default:
					b.WriteString("no-value")
				}
			}
			changed = true
			return b.String() + r[end:]
		}
		c.statements(func(s *genStatement) {
			for i, r := range s.resources {
				s.resources[i] = resolveHead(r)
			}
			for i := range s.conditions {
				if cd := &s.conditions[i]; strings.Contains(cd.op, "Arn") {
					for j, v := range cd.values {
						cd.values[j] = resolveHead(v)
					}
				}
			}
		})
		return c, changed
	},
	// An ARN condition's pattern of fewer than six components matches no
	// ARN, so a negated ARN operator holds; the oracle fails the condition
	// on such a pattern. Write a pattern of six components that matches
	// nothing instead.
	"arn-condition-short-pattern": func(c genCase) (genCase, bool) {
		changed := false
		c.statements(func(s *genStatement) {
			for i := range s.conditions {
				if cd := &s.conditions[i]; strings.Contains(cd.op, "Arn") {
					for j, v := range cd.values {
						if resourceStart(v) < 0 {
							cd.values[j], changed = "arn:aws:none:::no-match", true
						}
					}
				}
			}
		})
		return c, changed
	},
	// A NotResource whose variable has no value: it matches no resource,
	// so NotResource holds for every resource; the oracle does not apply
	// the statement. Write a resource that matches nothing instead.
	"notresource-missing-variable": func(c genCase) (genCase, bool) {
		changed := false
		c.statements(func(s *genStatement) {
			if !s.notResource {
				return
			}
			for i, r := range s.resources {
				t := parseText(r, true)
				for _, p := range t.parts {
					if p.variable && !p.hasDef && c.value(p.name) == "" {
						s.resources[i], changed = "arn:aws:none:::no-value", true
						break
					}
				}
			}
		})
		return c, changed
	},
	// An IP address without a prefix length is a /32 (or /128); the oracle
	// compares it only with an address of its own family. Write the prefix.
	"ip-without-prefix": func(c genCase) (genCase, bool) {
		changed := false
		c.statements(func(s *genStatement) {
			for i := range s.conditions {
				if cd := &s.conditions[i]; strings.Contains(cd.op, "IpAddress") {
					for j, v := range cd.values {
						if !strings.Contains(v, "/") {
							suffix := "/32"
							if strings.Contains(v, ":") {
								suffix = "/128"
							}
							cd.values[j], changed = v+suffix, true
						}
					}
				}
			}
		})
		return c, changed
	},
	// A request value of another type than the operator's (a number that
	// is not one, a date that is not one): no value matches it, so a
	// negated operator holds; the oracle fails the condition. Leave such
	// values out of the context.
	"negated-operator-other-type": func(c genCase) (genCase, bool) {
		changed := false
		var keep []contextEntry
		for _, e := range c.context {
			bad := false
			for _, v := range e.Values {
				switch e.Key {
				case "s3:max-keys":
					_, ok := parseNumber(v)
					bad = bad || !ok
				case "aws:CurrentTime", "aws:EpochTime":
					_, ok := parseDate(v)
					bad = bad || !ok
				}
			}
			if bad {
				changed = true
				continue
			}
			keep = append(keep, e)
		}
		c.context = keep
		return c, changed
	},
	// A multivalued key with one value: a list to the oracle, which then
	// matches no bare operator; one value to Keyward, which compares it.
	"one-value-list": func(c genCase) (genCase, bool) {
		changed := false
		for i, e := range c.context {
			if e.List && len(e.Values) == 1 {
				c.context[i].List, changed = false, true
			}
		}
		return c, changed
	},
	// ${*}, ${?} and ${$} in a StringEquals-type operator's value: the
	// oracle leaves them unresolved there (it resolves them in StringLike);
	// they are the characters themselves, which an equality operator reads
	// literally. Write the characters.
	"special-character-variable": func(c genCase) (genCase, bool) {
		changed := false
		literal := strings.NewReplacer("${*}", "*", "${?}", "?", "${$}", "$")
		c.statements(func(s *genStatement) {
			for i := range s.conditions {
				cd := &s.conditions[i]
				base := strings.ToLower(strings.TrimSuffix(cd.op[strings.Index(cd.op, ":")+1:], "IfExists"))
				if !strings.HasPrefix(base, "string") || strings.Contains(base, "like") {
					continue
				}
				for j, v := range cd.values {
					if w := literal.Replace(v); w != v {
						cd.values[j], changed = w, true
					}
				}
			}
		})
		return c, changed
	},
}

// stripVariables drops the ${…} of s, whose colons are not the ARN's.
func stripVariables(s string) string {
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return s
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return s
		}
		s = s[:i] + "v" + s[i+j+1:]
	}
}

// listedClass is one entry of testdata/oracle/disagreements.json.
type listedClass struct {
	Class     string `json:"class"`
	Oracle    string `json:"oracle"`
	Keyward   string `json:"keyward"`
	DecidedBy string `json:"decided_by"`
	Section   string `json:"section"`
}

// runOracle decides the cases with the simulator, in one node process.
func runOracle(t *testing.T, cases []oracleCase) map[int]oracleDecision {
	t.Helper()
	in := filepath.Join(t.TempDir(), "cases.json")
	b, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "run.mjs", in)
	cmd.Dir = oracleDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node run.mjs: %v\n%s", err, stderr.String())
	}
	var ds []oracleDecision
	if err := json.Unmarshal(out, &ds); err != nil {
		t.Fatalf("oracle output: %v", err)
	}
	m := make(map[int]oracleDecision, len(ds))
	for _, d := range ds {
		m[d.ID] = d
	}
	return m
}

// needOracle skips the test when node or the simulator is missing; under
// CI it fails instead, so that the comparison cannot silently stop.
func needOracle(t *testing.T) {
	t.Helper()
	missing := ""
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node is not installed"
	} else if _, err := os.Stat(filepath.Join(oracleDir, "node_modules", "@cloud-copilot", "iam-simulate", "package.json")); err != nil {
		missing = "@cloud-copilot/iam-simulate is not installed in policy/" + oracleDir + " (run scripts/install-test-deps.sh, or npm ci there)"
	}
	if missing == "" {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("the differential test needs its oracle: %s", missing)
	}
	t.Skipf("skipping the differential test: %s", missing)
}

// TestDifferential compares Keyward's decisions with the simulator's on
// generated cases; see the top of this file.
func TestDifferential(t *testing.T) {
	needOracle(t)
	raw, err := os.ReadFile(filepath.Join(oracleDir, "disagreements.json"))
	if err != nil {
		t.Fatal(err)
	}
	var listed []listedClass
	if err := json.Unmarshal(raw, &listed); err != nil {
		t.Fatalf("disagreements.json: %v", err)
	}
	for _, l := range listed {
		if classes[l.Class] == nil || l.DecidedBy == "" || l.Section == "" {
			t.Fatalf("disagreements.json: class %q needs a transform in classes, a decided_by URL and a section", l.Class)
		}
	}

	cases := generate(differentialSeed, differentialCases)
	batch := make([]oracleCase, len(cases))
	for i, c := range cases {
		batch[i] = c.oracle(i)
	}
	oracle := runOracle(t, batch)
	ours := make([]string, len(cases))
	decisions := map[string]int{}
	var disagree []int
	for i, c := range cases {
		d, err := batch[i].keyward()
		if err != nil {
			t.Fatalf("case %d does not compile: %v\n%s", i, err, c)
		}
		o := oracle[i]
		if o.Error != "" || o.Decision == "" {
			t.Fatalf("the oracle refused case %d: %q\n%s", i, o.Error, c)
		}
		ours[i] = d
		decisions[d]++
		if d != o.Decision {
			disagree = append(disagree, i)
		}
	}

	// Each disagreement against each class alone, then against all the
	// classes it has together.
	type variant struct {
		caseID  int
		classes []string
		c       genCase
	}
	var variants []variant
	for _, i := range disagree {
		var all []string
		combined := cases[i].clone()
		for _, l := range listed {
			v, ok := classes[l.Class](cases[i].clone())
			if !ok {
				continue
			}
			variants = append(variants, variant{i, []string{l.Class}, v})
			all = append(all, l.Class)
			combined, _ = classes[l.Class](combined)
		}
		if len(all) > 1 {
			variants = append(variants, variant{i, all, combined})
		}
	}
	vbatch := make([]oracleCase, len(variants))
	for j, v := range variants {
		vbatch[j] = v.c.oracle(j)
	}
	var voracle map[int]oracleDecision
	if len(vbatch) > 0 {
		voracle = runOracle(t, vbatch)
	}
	// A disagreement is explained by each class that alone makes the two
	// agree ("a|b"), or else by all of its classes together ("a+b").
	alone := map[int][]string{}
	together := map[int][]string{}
	for j, v := range variants {
		d, err := vbatch[j].keyward()
		if err != nil {
			t.Fatalf("variant of case %d: %v", v.caseID, err)
		}
		if o := voracle[j]; o.Error != "" || o.Decision != d {
			continue
		}
		if len(v.classes) == 1 {
			alone[v.caseID] = append(alone[v.caseID], v.classes[0])
		} else {
			together[v.caseID] = v.classes
		}
	}

	byClass := map[string]int{}
	seen := map[string]bool{}
	unexplained := 0
	for _, i := range disagree {
		var label string
		switch {
		case len(alone[i]) > 0:
			label = strings.Join(alone[i], "|")
			for _, c := range alone[i] {
				seen[c] = true
			}
		case len(together[i]) > 0:
			label = strings.Join(together[i], "+")
			for _, c := range together[i] {
				seen[c] = true
			}
		default:
			unexplained++
			if unexplained <= 5 {
				t.Errorf("case %d: Keyward %s, oracle %s, explained by no listed class:\n%s", i, ours[i], oracle[i].Decision, cases[i])
			}
			continue
		}
		byClass[label]++
	}
	for _, l := range listed {
		if !seen[l.Class] {
			t.Errorf("disagreements.json lists %q, which no case showed: remove it, or generate cases that have it", l.Class)
		}
	}
	// The generator must reach every decision often enough to mean
	// something.
	for _, d := range []string{"Allowed", "ExplicitlyDenied", "ImplicitlyDenied"} {
		if decisions[d] < len(cases)/20 {
			t.Errorf("only %d of %d cases are %s: the generator has drifted", decisions[d], len(cases), d)
		}
	}
	// Service control policies must decide a fair share of the cases: an
	// implicit deny by an SCP level, and allowed through every level.
	scpCases, scpDenied, scpAllowed := 0, 0, 0
	for i, c := range cases {
		if len(c.scps) == 0 {
			continue
		}
		scpCases++
		if ours[i] == "Allowed" {
			scpAllowed++
		}
		if withoutSCPs := (oracleCase{Identity: documents(c.identity), Boundary: documents(c.boundary), Action: c.action, Resource: c.resource, Context: c.context}); ours[i] == "ImplicitlyDenied" {
			if d, err := withoutSCPs.keyward(); err == nil && d == "Allowed" {
				scpDenied++
			}
		}
	}
	if scpDenied < len(cases)/100 || scpAllowed < len(cases)/100 {
		t.Errorf("of %d cases with SCPs, %d are refused by an SCP alone and %d allowed through them: the generator has drifted", scpCases, scpDenied, scpAllowed)
	}
	names := make([]string, 0, len(byClass))
	for k := range byClass {
		names = append(names, k)
	}
	sort.Strings(names)
	summary := fmt.Sprintf("%d cases (allowed %d, explicit deny %d, implicit deny %d; %d with SCPs, %d of them refused by an SCP alone, %d allowed through them): %d agree, %d disagree, %d of them unexplained",
		len(cases), decisions["Allowed"], decisions["ExplicitlyDenied"], decisions["ImplicitlyDenied"], scpCases, scpDenied, scpAllowed,
		len(cases)-len(disagree), len(disagree), unexplained)
	for _, k := range names {
		summary += fmt.Sprintf("\n  %-40s %d", k, byClass[k])
	}
	t.Log(summary)
	if unexplained > 0 {
		t.Errorf("%d disagreements explained by no listed class", unexplained)
	}
}
