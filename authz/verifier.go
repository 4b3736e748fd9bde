package authz

import (
	"context"
	"errors"
	"strings"

	"github.com/keyward/keyward"
)

// UserByARN finds the IAM user an ARN of this account names.
func (a *Authorizer) UserByARN(ctx context.Context, arn string) (keyward.Principal, error) {
	prefix := "arn:aws:iam::" + a.Account(ctx).ID + ":user/"
	rest, ok := strings.CutPrefix(arn, prefix)
	if !ok || rest == "" {
		return keyward.Principal{}, keyward.Errorf(keyward.EInvalidInput, "Invalid ARN: %s. Only the ARN of a user of this account can be simulated.", keyward.Clip(arn))
	}
	name := rest[strings.LastIndexByte(rest, '/')+1:]
	u, err := a.store(ctx).User(ctx, name)
	if errors.Is(err, keyward.ErrNoSuchUser) {
		return keyward.Principal{}, keyward.UserNotFound(name)
	} else if err != nil {
		return keyward.Principal{}, err
	}
	if a.Account(ctx).UserARN(u.Path, u.Name) != arn {
		return keyward.Principal{}, keyward.UserNotFound(name)
	}
	// With its tags, as a request of the user's would be decided
	// (aws:PrincipalTag).
	return keyward.Principal{AccountID: a.Account(ctx).ID, UserID: u.ID, UserName: u.Name, UserPath: u.Path, Tags: u.Tags}, nil
}

// actionVerify is the permission to ask Keyward about requests another
// service authenticated with Keyward's keys: the signing key of a scope,
// what a key's owner may do, who exists (the S3 gateway's protocol, the Go
// middleware). The root user has it, as everything; grant it to the
// identity a gateway signs its own calls with, and to nobody else.
const actionVerify = "keyward:Verify"

// AuthorizeVerifier decides whether ctx's caller may ask Keyward about
// other services' requests.
func (a *Authorizer) AuthorizeVerifier(ctx context.Context) error {
	return a.Authorize(ctx, actionVerify, "*")
}

// A service asking for a decision says what it observed of the request:
// where it came from, over what, when, and its own service's keys. It
// never says who made it or how that caller signed in: those keys describe
// the principal or its session, only Keyward knows them, and an asker's
// word for them would let it claim to be anybody, a session issued in
// 2099 (past a revocation) or signed in with MFA. Such keys are refused,
// not dropped, so that a misbehaving asker learns of it.
//
// observedAWSKeys are the aws: keys an asker may supply, lower case: AWS's
// global condition keys that describe the network and the request
// (reference_policies_condition-keys, "Properties of the network" and
// "Properties of the request"), but for those that describe a calling
// AWS service (aws:CalledVia…, aws:ViaAWSService, aws:SourceAccount,
// aws:SourceArn, aws:SourceOrg…), which no service guarded by Keyward is.
// Every other aws: key is refused: the principal's (aws:PrincipalArn,
// aws:PrincipalAccount, aws:PrincipalOrgID, aws:PrincipalOrgPaths,
// aws:PrincipalTag/…, aws:PrincipalType, aws:PrincipalIsAWSService,
// aws:PrincipalServiceName…, aws:userid, aws:username), the session's
// (aws:TokenIssueTime, aws:MultiFactorAuthAge, aws:MultiFactorAuthPresent,
// aws:SourceIdentity, aws:FederatedProvider, aws:AssumedRoot…), the tags
// and accounts of resources and requests, which Keyward does not take from
// another service, and any key AWS adds later.
var observedAWSKeys = map[string]bool{
	"aws:sourceip": true, "aws:sourcevpc": true, "aws:sourcevpcarn": true, "aws:sourcevpce": true, "aws:vpcsourceip": true,
	"aws:vpceaccount": true, "aws:vpceorgid": true, "aws:vpceorgpaths": true,
	"aws:securetransport": true, "aws:currenttime": true, "aws:epochtime": true, "aws:referer": true,
	"aws:useragent": true, "aws:requestedregion": true,
}

// sessionServiceKeys are other services' keys that AWS sets for a role
// session ("Properties of the role session"): they describe the session,
// not the request.
var sessionServiceKeys = map[string]bool{
	"ec2:roledelivery": true, "ec2:sourceinstancearn": true, "glue:roleassumedby": true,
	"glue:credentialissuingservice": true, "lambda:sourcefunctionarn": true, "ssm:sourceinstancearn": true,
	"identitystore:userid": true,
}

// federationClaimKeys are the names of the keys an identity provider's
// token sets (accounts.google.com:sub, {issuer}:aud, :oaud, :amr), refused
// under any prefix, for an issuer may be a host without dots.
var federationClaimKeys = map[string]bool{"sub": true, "aud": true, "oaud": true, "amr": true, "id": true, "user_id": true, "app_id": true}

// CheckObservedKey returns InvalidInput for a condition key an asking
// service may not supply: an aws: key but those of observedAWSKeys, a key
// of a service Keyward answers itself (iam:, sts:, cloudtrail:,
// keyward:), SAML's and identity providers' keys, and the session keys of
// sessionServiceKeys. A key of another service (s3:prefix,
// execute-api:…) is the asker's to observe.
func CheckObservedKey(key string) error {
	k := strings.ToLower(key)
	ns, name, ok := strings.Cut(k, ":")
	refuse := func(why string) error {
		return keyward.Errorf(keyward.EInvalidInput, "The condition key %s %s: only Keyward establishes it.", keyward.Clip(key), why)
	}
	switch {
	case !ok || !validServiceName(ns):
		return refuse("does not name a service's key")
	case ns == "aws":
		if !observedAWSKeys[k] {
			return refuse("describes the caller, its session or a resource, not the request")
		}
		return nil
	case keyward.OwnService(ns):
		return refuse("is one of Keyward's own service keys")
	case ns == "saml" || sessionServiceKeys[k]:
		return refuse("describes the caller's session")
	}
	claim, _, _ := strings.Cut(name, "/")
	if claim == "" || !('a' <= claim[0] && claim[0] <= 'z') || strings.ContainsRune(claim, ':') || federationClaimKeys[claim] {
		return refuse("may be an identity provider's claim about the caller")
	}
	return nil
}

// validServiceName reports whether s has the form of a service prefix:
// lower-case letters, digits and hyphens, a letter first.
func validServiceName(s string) bool {
	if s == "" || len(s) > 64 || !('a' <= s[0] && s[0] <= 'z') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// EvaluateFor decides, for another service, each action on each resource
// for the principal p, with the condition keys that service observed of
// the request (a key CheckObservedKey refuses fails the whole request),
// exactly as Keyward decides its own requests: identity
// policies inline and managed, the user's and its groups', under the
// service control policies of its account (the root user's too), explicit
// Deny first. It answers decisions[resource][action], each DecisionAllowed,
// DecisionExplicitDeny or DecisionImplicitDeny, so that the service can
// weigh its own resource policies against them. ctx's caller must be
// allowed keyward:Verify.
func (a *Authorizer) EvaluateFor(ctx context.Context, p keyward.Principal, observed map[string][]string, actions, resources []string) ([][]string, error) {
	if err := a.AuthorizeVerifier(ctx); err != nil {
		return nil, err
	}
	rc := &keyward.RequestContext{Principal: p, CurrentTime: a.Now(), Temporary: p.Session != nil, Extra: make(map[string][]string, len(observed))}
	for k, v := range observed {
		if err := CheckObservedKey(k); err != nil {
			return nil, err
		}
		k = strings.ToLower(k)
		if _, twice := rc.Extra[k]; twice {
			return nil, keyward.Errorf(keyward.EInvalidInput, "The condition key %s is named twice.", keyward.Clip(k))
		}
		rc.Extra[k] = v
	}
	out := make([][]string, len(resources))
	for i, resource := range resources {
		out[i] = make([]string, len(actions))
		for j, action := range actions {
			d, err := a.evaluate(ctx, action, resource, rc)
			if err != nil {
				return nil, err
			}
			out[i][j] = d.Effect
		}
	}
	return out, nil
}

// PrincipalExists reports whether principal names something that exists,
// in a form an S3 bucket policy's Principal may take: the account's ID or
// root ARN, or the ARN of one of its users, path included. ctx's caller
// must be allowed keyward:Verify.
func (a *Authorizer) PrincipalExists(ctx context.Context, principal string) (bool, error) {
	if err := a.AuthorizeVerifier(ctx); err != nil {
		return false, err
	}
	if principal == a.Account(ctx).ID || principal == a.Account(ctx).RootARN() {
		return true, nil
	}
	rest, ok := strings.CutPrefix(principal, "arn:aws:iam::"+a.Account(ctx).ID+":user/")
	if !ok || rest == "" {
		return false, nil
	}
	u, err := a.store(ctx).User(ctx, rest[strings.LastIndexByte(rest, '/')+1:])
	if err == keyward.ErrNoSuchUser {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return a.Account(ctx).UserARN(u.Path, u.Name) == principal, nil
}
