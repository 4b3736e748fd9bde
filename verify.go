package keyward

import (
	"context"
	"strings"
)

// ActionVerify is the permission to ask Keyward about requests another
// service authenticated with Keyward's keys: the signing key of a scope,
// what a key's owner may do, who exists (the S3 gateway's protocol, the Go
// middleware). The root user has it, as everything; grant it to the
// identity a gateway signs its own calls with, and to nobody else.
const ActionVerify = "keyward:Verify"

// AuthorizeVerifier decides whether ctx's caller may ask Keyward about
// other services' requests.
func (s *Service) AuthorizeVerifier(ctx context.Context) error {
	return s.authorize(ctx, ActionVerify, "*")
}

// identityKeys are the condition keys that describe the caller or a
// resource: only Keyward, which knows the principal, sets them. A service
// asking for a decision supplies what it observed of the request (address,
// time, TLS, S3's own keys); were its word taken for these, it could claim
// to be anybody.
var identityKeys = []string{"aws:principalarn", "aws:principalaccount", "aws:principaltype", "aws:username", "aws:userid",
	"aws:principaltag/", "aws:resourcetag/", "iam:resourcetag/", "aws:requesttag/", "aws:tagkeys"}

func isIdentityKey(k string) bool {
	for _, p := range identityKeys {
		if k == p || strings.HasSuffix(p, "/") && strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// EvaluateFor decides, for another service, each action on each resource
// for the principal p, with the condition keys that service observed of
// the request, exactly as Keyward decides its own requests: identity
// policies inline and managed, the user's and its groups', explicit Deny
// first. It answers decisions[resource][action], each DecisionAllowed,
// DecisionExplicitDeny or DecisionImplicitDeny, so that the service can
// weigh its own resource policies against them. ctx's caller must be
// allowed keyward:Verify.
func (s *Service) EvaluateFor(ctx context.Context, p Principal, observed map[string][]string, actions, resources []string) ([][]string, error) {
	if err := s.AuthorizeVerifier(ctx); err != nil {
		return nil, err
	}
	rc := &RequestContext{Principal: p, CurrentTime: s.Now(), Extra: make(map[string][]string, len(observed))}
	for k, v := range observed {
		k = strings.ToLower(k)
		if !isIdentityKey(k) {
			rc.Extra[k] = v
		}
	}
	var ps Policies
	if !p.Root {
		var err error
		if ps, err = s.compiledPolicies(ctx, p); err != nil {
			return nil, err
		}
	}
	out := make([][]string, len(resources))
	for i, resource := range resources {
		out[i] = make([]string, len(actions))
		for j, action := range actions {
			if p.Root {
				out[i][j] = DecisionAllowed
				continue
			}
			out[i][j] = ps.Evaluate(action, resource, rc, false).Effect
		}
	}
	return out, nil
}

// PrincipalExists reports whether principal names something that exists,
// in a form an S3 bucket policy's Principal may take: the account's ID or
// root ARN, or the ARN of one of its users, path included. ctx's caller
// must be allowed keyward:Verify.
func (s *Service) PrincipalExists(ctx context.Context, principal string) (bool, error) {
	if err := s.AuthorizeVerifier(ctx); err != nil {
		return false, err
	}
	if principal == s.Account.ID || principal == s.Account.RootARN() {
		return true, nil
	}
	rest, ok := strings.CutPrefix(principal, "arn:aws:iam::"+s.Account.ID+":user/")
	if !ok || rest == "" {
		return false, nil
	}
	u, err := s.Store.User(ctx, rest[strings.LastIndexByte(rest, '/')+1:])
	if err == ErrNoSuchUser {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return s.Account.UserARN(u.Path, u.Name) == principal, nil
}
