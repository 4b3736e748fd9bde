package query

import (
	"strconv"
	"strings"

	"github.com/keyward/keyward"
)

func init() {
	addIAM(map[string]handler{"SimulatePrincipalPolicy": {fn: (*Server).simulatePrincipalPolicy}})
}

// simulatePrincipalPolicy evaluates actions on resources against a user's
// identity policies (and any given in PolicyInputList), with the same
// evaluation as every request.
func (s *Server) simulatePrincipalPolicy(c *call) error {
	p := params{values: c.params}
	source := p.required("PolicySourceArn", keyward.ARNShape)
	actions := p.list("ActionNames", keyward.ActionNameShape)
	if len(actions) == 0 {
		p.v.Null("actionNames")
	}
	resources := p.list("ResourceArns", keyward.ResourceNameShape)
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	inputs := p.list("PolicyInputList", keyward.PolicyDocumentShape)
	extra := map[string][]string{}
	for i := 1; ; i++ {
		prefix := "ContextEntries.member." + strconv.Itoa(i) + "."
		name, ok := p.str(prefix+"ContextKeyName", keyward.ContextKeyNameShape)
		if !ok {
			break
		}
		extra[strings.ToLower(name)] = p.list(prefix+"ContextKeyValues", keyward.ResourceNameShape)
	}
	if err := p.err(); err != nil {
		return err
	}
	if err := c.authorize("iam:SimulatePrincipalPolicy", source); err != nil {
		return err
	}
	principal, err := s.userByARN(c, source)
	if err != nil {
		return err
	}
	sources, err := s.Service.PrincipalPolicies(c.ctx, principal)
	if err != nil {
		return err
	}
	for i, doc := range inputs {
		if _, err := keyward.ParsePolicy(doc); err != nil {
			return err
		}
		sources = append(sources, keyward.PolicySource{ID: "PolicyInputList." + strconv.Itoa(i+1), Type: "none", Document: doc})
	}
	ps, err := keyward.CompilePolicies(principal, sources)
	if err != nil {
		return err
	}
	rc := keyward.RequestContext{Principal: principal, CurrentTime: c.rc.CurrentTime, Extra: extra}
	c.w.open("EvaluationResults")
	for _, action := range actions {
		for _, resource := range resources {
			d := ps.Evaluate(action, resource, &rc, true)
			c.w.open("member")
			c.w.elem("EvalActionName", action)
			c.w.elem("EvalResourceName", resource)
			c.w.elem("EvalDecision", d.Effect)
			c.w.open("MatchedStatements")
			for _, m := range d.Matched {
				src := ps.Sources[m[0]]
				c.w.open("member")
				c.w.elem("SourcePolicyId", src.ID)
				c.w.elem("SourcePolicyType", src.Type)
				c.w.close("member")
			}
			c.w.close("MatchedStatements")
			c.w.open("MissingContextValues")
			c.w.close("MissingContextValues")
			c.w.close("member")
		}
	}
	c.w.close("EvaluationResults")
	c.w.marker("")
	return nil
}

// userByARN finds the IAM user an ARN of this account names.
func (s *Server) userByARN(c *call, arn string) (keyward.Principal, error) {
	prefix := "arn:aws:iam::" + c.account.ID + ":user/"
	rest, ok := strings.CutPrefix(arn, prefix)
	if !ok || rest == "" {
		return keyward.Principal{}, keyward.Errorf(keyward.EInvalidInput, "Invalid ARN: %s. Only the ARN of a user of this account can be simulated.", keyward.Clip(arn))
	}
	name := rest[strings.LastIndexByte(rest, '/')+1:]
	u, err := s.Service.User(c.ctx, name)
	if err != nil {
		return keyward.Principal{}, err
	}
	if c.account.UserARN(u.Path, u.Name) != arn {
		return keyward.Principal{}, keyward.UserNotFound(name)
	}
	return keyward.Principal{AccountID: c.account.ID, UserID: u.ID, UserName: u.Name, UserPath: u.Path}, nil
}
