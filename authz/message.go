package authz

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/keyward/keyward"
)

// Encoded authorization messages: a refusal of another service's action
// (AuthorizeExternal) carries the details of the decision sealed under the
// master key, in the form AWS's DecodeAuthorizationMessage returns, so
// that only a caller allowed sts:DecodeAuthorizationMessage reads why.

const (
	authzMessagePrefix     = "KWM1"
	authzMessageAssociated = "keyward:authorization-message"
	// maxAuthzValue bounds each value a message holds, so that a message
	// stays within the model's 10,240 characters.
	maxAuthzValue = 256
)

// authzContextKeys are the request's keys a message shows.
var authzContextKeys = []string{"aws:userid", "aws:username", "aws:PrincipalArn", "aws:PrincipalType", "aws:PrincipalAccount",
	"aws:SourceIp", "aws:SecureTransport", "aws:CurrentTime", "aws:RequestedRegion", "aws:MultiFactorAuthPresent", "aws:TokenIssueTime"}

type authzItems[T any] struct {
	Items []T `json:"items"`
}

type authzValue struct {
	Value string `json:"value"`
}

type authzCondition struct {
	Key    string                 `json:"key"`
	Values authzItems[authzValue] `json:"values"`
}

// authzMessage is AWS's decoded authorization message.
type authzMessage struct {
	Allowed           bool                     `json:"allowed"`
	ExplicitDeny      bool                     `json:"explicitDeny"`
	MatchedStatements authzItems[authzMatched] `json:"matchedStatements"`
	Failures          authzItems[string]       `json:"failures"`
	Context           authzMessageContext      `json:"context"`
}

type authzMatched struct {
	StatementID string `json:"statementId"`
	Effect      string `json:"effect"`
}

type authzMessageContext struct {
	Principal  authzPrincipal             `json:"principal"`
	Action     string                     `json:"action"`
	Resource   string                     `json:"resource"`
	Conditions authzItems[authzCondition] `json:"conditions"`
}

type authzPrincipal struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	ARN  string `json:"arn"`
}

// encodeDenial seals the details of ctx's caller being refused action on
// resource.
func (a *Authorizer) encodeDenial(ctx context.Context, action, resource string) (string, error) {
	rc, internal, ok := keyward.Caller(ctx)
	if !ok || internal {
		return "", keyward.ErrNoCaller
	}
	p := rc.Principal
	m := authzMessage{Context: authzMessageContext{Action: keyward.Clip(action), Resource: clipTo(resource, maxAuthzValue),
		Principal: authzPrincipal{ID: p.ID(), ARN: p.ARN()}}}
	m.MatchedStatements.Items, m.Failures.Items = []authzMatched{}, []string{}
	switch {
	case p.RoleID != "":
		m.Context.Principal.Name = p.RoleName + "/" + p.SessionName
	case p.FederatedName != "":
		m.Context.Principal.Name = p.FederatedName
	default:
		m.Context.Principal.Name = p.UserName
	}
	// The organization's SCPs decide first: a refusal of theirs names no
	// statement of the principal's own policies.
	d, err := a.evaluate(ctx, action, resource, rc)
	if err != nil {
		return "", err
	}
	m.Allowed, m.ExplicitDeny = d.Effect == keyward.DecisionAllowed, d.Effect == keyward.DecisionExplicitDeny
	if !p.Root && !d.BySCP && !d.DeniedBySCP {
		ps, err := a.compiledPolicies(ctx, p)
		if err != nil {
			return "", err
		}
		d := ps.Evaluate(action, resource, rc, true)
		effect := "ALLOW"
		if m.ExplicitDeny {
			effect = "DENY"
		}
		for _, st := range d.Matched {
			m.MatchedStatements.Items = append(m.MatchedStatements.Items, authzMatched{StatementID: statementRef(st), Effect: effect})
		}
	}
	for _, k := range authzContextKeys {
		vals, ok := a.Policies.ContextValue(rc, k)
		if !ok {
			continue
		}
		c := authzCondition{Key: k}
		for _, v := range vals {
			c.Values.Items = append(c.Values.Items, authzValue{Value: clipTo(v, maxAuthzValue)})
		}
		m.Context.Conditions.Items = append(m.Context.Conditions.Items, c)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	sealed, err := a.Sealer.Seal(messageAssociated(p.AccountID), string(b))
	if err != nil {
		return "", err
	}
	return authzMessagePrefix + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// statementRef names a matched statement by its policy's and its own
// position among the principal's policies.
func statementRef(st [2]int) string {
	b, _ := json.Marshal(st)
	return "policy-statement" + string(b)
}

func clipTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// messageAssociated is the associated data a message of a refusal in
// accountID is sealed with: a message opens in the account of the
// principal it refused alone, so that another account's caller learns
// nothing of that principal, its policies or its request.
func messageAssociated(accountID string) string {
	return authzMessageAssociated + "\x00" + accountID
}

// OpenMessage returns what an encoded authorization message holds, or
// InvalidAuthorizationMessageException for anything Keyward did not seal
// for ctx's caller's account.
func (a *Authorizer) OpenMessage(ctx context.Context, encoded string) (string, error) {
	invalid := keyward.Errorf(keyward.EInvalidAuthorizationMessage, "The encoded authorization message is not valid.")
	raw, ok := strings.CutPrefix(encoded, authzMessagePrefix)
	if !ok {
		return "", invalid
	}
	sealed, err := base64.RawURLEncoding.Strict().DecodeString(raw)
	if err != nil {
		return "", invalid
	}
	msg, err := a.Sealer.Open(messageAssociated(a.Account(ctx).ID), sealed)
	if err != nil {
		return "", invalid
	}
	return msg, nil
}
