package sts

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/saml"
)

// AssumeRoleWithSAML issues a role's session to the bearer of a SAML
// response from one of the account's SAML providers, if the response is
// signed by a certificate of the provider's metadata, was made for
// Keyward's own SAML endpoint, is within its validity and seen for the
// first time, names the role and the provider in its Role attribute, and
// the role's trust policy lets the provider (with the assertion's saml:
// keys) assume it. The caller signs nothing: the response is its
// credential, and nothing in it is believed before its signature is.
func (s *Service) AssumeRoleWithSAML(ctx context.Context, in keyward.AssumeRoleInput, providerARN, response string) (keyward.AssumedRole, error) {
	defer s.inRoleAccountTrail(ctx, in.RoleARN)
	return s.assumeRoleWithSAML(inRoleAccount(ctx, in.RoleARN), in, providerARN, response, false, saml.Options{})
}

// SAMLConsoleSession is AssumeRoleWithSAML for the console's SAML
// endpoint: the session lasts as long as the assertion's SessionDuration
// attribute asks (an hour without one), at most the role's maximum
// session duration, and at most until SessionNotOnOrAfter. AWS does not
// hold a console sign-in to the role's maximum; a console session of
// Keyward's is a role session, which never outlasts it, so a longer
// SessionDuration is shortened rather than refused after the response is
// used up.
//
// opts.InResponseTo names the AuthnRequest the response must answer, for
// the console's SP-initiated sign-in, which knows the request it sent.
func (s *Service) SAMLConsoleSession(ctx context.Context, roleARN, providerARN, response string, opts saml.Options) (keyward.AssumedRole, error) {
	return s.assumeRoleWithSAML(ctx, keyward.AssumeRoleInput{RoleARN: roleARN}, providerARN, response, true, opts)
}

func (s *Service) assumeRoleWithSAML(ctx context.Context, in keyward.AssumeRoleInput, providerARN, response string, console bool, opts saml.Options) (keyward.AssumedRole, error) {
	rc, _, ok := keyward.Caller(ctx)
	if !ok {
		return keyward.AssumedRole{}, keyward.ErrNoCaller
	}
	if s.SAML == nil {
		return keyward.AssumedRole{}, keyward.Errorf(keyward.EIDPRejectedClaim, "SAML federation is not configured.")
	}
	provider, err := s.samlProvider(ctx, s.Account(ctx).ID, providerARN)
	if errors.Is(err, keyward.ErrNoSuchSAMLProvider) {
		return keyward.AssumedRole{}, keyward.Errorf(keyward.EInvalidIdentityToken, "SAML Provider %s does not exist.", keyward.Clip(providerARN))
	} else if err != nil {
		return keyward.AssumedRole{}, err
	}
	md, err := s.metadataOf(provider)
	if err != nil {
		return keyward.AssumedRole{}, samlError(err)
	}
	a, err := s.SAML.Verify(response, saml.Provider{ARN: provider.ARN, Metadata: md}, opts)
	if err != nil {
		return keyward.AssumedRole{}, samlError(err)
	}
	now := s.now()
	// One use of each assertion, on every replica sharing the store, for
	// as long as Verify would accept it on any of them (usedGrace). The
	// record of the use is no change of the request's: the request's event
	// must not be written with it, as a success, before the Role attribute
	// and the trust policy are checked; it is recorded once answered.
	first, err := s.Store.UseOnce(ctx, assertionKey(a), now, a.NotOnOrAfter.Add(usedGrace))
	if err != nil {
		return keyward.AssumedRole{}, err
	}
	if !first {
		return keyward.AssumedRole{}, keyward.Errorf(keyward.EInvalidIdentityToken, "Duplicate SAML assertion.")
	}

	denied := keyward.Errorf(keyward.EAccessDenied, "Not authorized to perform sts:AssumeRoleWithSAML")
	if !a.HasRole(in.RoleARN, provider.ARN) {
		return keyward.AssumedRole{}, denied
	}
	if a.RoleSessionName == "" {
		return keyward.AssumedRole{}, keyward.Errorf(keyward.EInvalidIdentityToken, "The RoleSessionName attribute is missing from the SAML assertion.")
	}
	in.SessionName, in.SourceIdentity = a.RoleSessionName, a.SourceIdentity
	tags := make([]keyward.Tag, len(a.PrincipalTags))
	for i, t := range a.PrincipalTags {
		tags[i] = keyward.Tag{Key: t.Key, Value: t.Value}
	}
	packed, err := s.checkSessionPolicies(in.Policy, in.PolicyARNs, tags)
	if err != nil {
		return keyward.AssumedRole{}, err
	}
	assumable, err := s.roleOrDenied(ctx, in.RoleARN, denied)
	if err != nil {
		return keyward.AssumedRole{}, err
	}
	role := assumable.Role
	duration := min(cmp.Or(a.SessionDuration, keyward.DefaultRoleSessionDuration), role.MaxSessionDuration)
	if !console {
		if duration, err = roleSessionDuration(in.DurationSeconds, role, false); err != nil {
			return keyward.AssumedRole{}, err
		}
	}
	// The session ends with the identity provider's session, if sooner.
	if end := a.SessionNotOnOrAfter; !end.IsZero() {
		if left := int(end.Sub(now) / time.Second); left < duration {
			duration = left
		}
	}

	trc := *rc
	// The assertion's bearer is no principal of any account: the context
	// names at most the account a console sign-in is to.
	trc.Principal = keyward.Principal{}
	trc.Extra = a.ContextKeys()
	trc.Extra["sts:rolesessionname"] = []string{in.SessionName}
	trc.Extra["aws:federatedprovider"] = []string{provider.ARN}
	if in.SourceIdentity != "" {
		trc.Extra["sts:sourceidentity"] = []string{in.SourceIdentity}
	}
	sessTags, err := sessionTags(tags, a.TransitiveTagKeys, keyward.Principal{}, trc.Extra)
	if err != nil {
		return keyward.AssumedRole{}, err
	}
	actions := []string{"sts:AssumeRoleWithSAML"}
	if len(sessTags) > 0 {
		actions = append(actions, "sts:TagSession")
	}
	if in.SourceIdentity != "" {
		actions = append(actions, "sts:SetSourceIdentity")
	}
	for _, action := range actions {
		if d, _ := assumable.Trust.Decide(action, keyward.TrustCaller{Federated: provider.ARN}, &trc); d != keyward.DecisionAllowed {
			return keyward.AssumedRole{}, denied
		}
	}
	c := sessionClaims{Tags: sessTags, SourceIdentity: in.SourceIdentity, Transitive: a.TransitiveTagKeys}
	r, err := s.roleSession(s.Account(ctx), role, in, duration, c, rc.RequestedRegion)
	if err != nil {
		return keyward.AssumedRole{}, err
	}
	r.PackedPolicySize = packed
	r.SAML = &keyward.SAMLSubject{Subject: a.Subject, SubjectType: a.SubjectType, Issuer: a.Issuer, Audience: a.Recipient, NameQualifier: a.NameQualifier}
	return r, nil
}

// assertionKey is what UseOnce remembers of an assertion: its ID as its
// issuer made it, in the whole installation. Not the provider, nor its
// account: one identity provider may be registered as several providers
// (one metadata document under two names, or in two accounts), and a
// response that names a role through each would otherwise be used once
// through every one of them, a copy of a response used in one account
// signing in to the other. The parts are hashed so that the key has one
// length whatever the identity provider put in its ID, within what a
// store's unique index takes.
func assertionKey(a *saml.Assertion) string {
	h := sha256.New()
	for _, part := range []string{a.Issuer, a.ID} {
		fmt.Fprintf(h, "%d:%s", len(part), part)
	}
	return "saml:" + hex.EncodeToString(h.Sum(nil))
}

// samlError answers a refused response with the AWS error package saml
// chose for it; the detail of which check failed stays in the log.
func samlError(err error) error {
	var se *saml.Error
	if !errors.As(err, &se) {
		return err
	}
	code := keyward.EInvalidIdentityToken // metadata that no longer parses included
	if se.Code == saml.CodeExpiredTokenException {
		code = keyward.EExpiredTokenException
	}
	return keyward.Errorf(code, "%s", se.Message)
}

// MaxSignInProviders bounds the providers the console's SAML endpoint
// verifies one response against: those the Role attribute names in this
// account, in order. A response comes from anyone; each provider tried
// costs a store read, its metadata and a signature check.
const MaxSignInProviders = 5

// SAMLSignIn is what the console's SAML endpoint learns of a response
// before it signs anyone in: the roles its Role attribute offers, each
// through the provider that verified the response.
type SAMLSignIn struct {
	Roles []SAMLRole
	// InResponseTo is the ID of the AuthnRequest the signed assertion
	// answers, empty for an IdP-initiated sign-in.
	InResponseTo string
}

// SAMLRole is a role a response offers and the provider it is offered
// through, and the account of both.
type SAMLRole struct {
	RoleARN, ProviderARN, Account string
}

// samlProviderAccount returns the account a SAML provider's ARN names:
// twelve digits, or false for what is not a provider's ARN.
func samlProviderAccount(arn string) (string, bool) {
	rest, ok := strings.CutPrefix(arn, "arn:aws:iam::")
	if !ok {
		return "", false
	}
	id, rest, ok := strings.Cut(rest, ":")
	if !ok || len(id) != 12 || strings.Trim(id, "0123456789") != "" || !strings.HasPrefix(rest, "saml-provider/") {
		return "", false
	}
	return id, true
}

// SAMLSignInOf verifies a response posted to Keyward's SAML endpoint by a
// browser against the providers its Role attribute names (as AWS's
// sign-in endpoint does: never by its Issuer, which providers registered
// apart may share), and says which roles it offers through those that
// verify it. It does not use up the assertion: the browser posts it again
// with the role chosen, to AssumeRoleWithSAML, which does.
func (s *Service) SAMLSignInOf(ctx context.Context, response string) (SAMLSignIn, error) {
	if s.SAML == nil {
		return SAMLSignIn{}, keyward.Errorf(keyward.EIDPRejectedClaim, "SAML federation is not configured.")
	}
	named, err := s.SAML.RoleProviders(response)
	if err != nil {
		return SAMLSignIn{}, samlError(err)
	}
	var in SAMLSignIn
	var refused error
	tried := 0
	for _, arn := range named {
		// Each provider is looked up in its own account, whichever
		// account that is, as AWS's sign-in endpoint takes any account's:
		// the response must be signed with that provider's keys, and
		// offers only roles of the same account.
		account, ok := samlProviderAccount(arn)
		if !ok {
			continue // not a provider's ARN; no provider of Keyward's
		}
		if tried++; tried > MaxSignInProviders {
			break
		}
		p, err := s.samlProvider(ctx, account, arn)
		if errors.Is(err, keyward.ErrNoSuchSAMLProvider) {
			continue
		} else if err != nil {
			return SAMLSignIn{}, err
		}
		md, err := s.metadataOf(p)
		if err != nil {
			refused = cmp.Or(refused, err)
			continue
		}
		a, err := s.SAML.Verify(response, saml.Provider{ARN: p.ARN, Metadata: md}, saml.Options{})
		if err != nil {
			refused = cmp.Or(refused, err)
			continue
		}
		in.InResponseTo = cmp.Or(in.InResponseTo, a.InResponseTo)
		for _, r := range a.Roles {
			if r.ProviderARN == p.ARN && strings.HasPrefix(r.RoleARN, "arn:aws:iam::"+account+":role/") {
				in.Roles = append(in.Roles, SAMLRole{RoleARN: r.RoleARN, ProviderARN: p.ARN, Account: account})
			}
		}
	}
	switch {
	case len(in.Roles) > 0:
		return in, nil
	case refused != nil:
		return SAMLSignIn{}, samlError(refused)
	}
	return SAMLSignIn{}, keyward.Errorf(keyward.EInvalidIdentityToken, "The SAML response names no SAML provider of this account.")
}

// samlProvider reads the SAML provider arn of account:
// ErrNoSuchSAMLProvider for a closed account's, as for an account the
// installation does not have (providerAccountClosed).
func (s *Service) samlProvider(ctx context.Context, account, arn string) (keyward.SAMLProvider, error) {
	if closed, err := s.IAM.AccountClosed(ctx, account); err != nil {
		return keyward.SAMLProvider{}, err
	} else if closed {
		return keyward.SAMLProvider{}, keyward.ErrNoSuchSAMLProvider
	}
	return s.storeOf(account).SAMLProvider(ctx, arn)
}
