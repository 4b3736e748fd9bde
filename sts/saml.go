package sts

import (
	"context"
	"errors"
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
	return s.AssumeRoleWithSAMLFor(ctx, in, providerARN, response, saml.Options{})
}

// AssumeRoleWithSAMLFor is AssumeRoleWithSAML for a response that must
// answer the AuthnRequest opts.InResponseTo names: the console's
// SP-initiated sign-in, which knows the request it sent.
func (s *Service) AssumeRoleWithSAMLFor(ctx context.Context, in keyward.AssumeRoleInput, providerARN, response string, opts saml.Options) (keyward.AssumedRole, error) {
	rc, _, ok := keyward.Caller(ctx)
	if !ok {
		return keyward.AssumedRole{}, keyward.ErrNoCaller
	}
	if s.SAML == nil {
		return keyward.AssumedRole{}, keyward.Errorf(keyward.EIDPRejectedClaim, "SAML federation is not configured.")
	}
	provider, err := s.Store.SAMLProvider(ctx, providerARN)
	if errors.Is(err, keyward.ErrNoSuchSAMLProvider) {
		return keyward.AssumedRole{}, keyward.Errorf(keyward.EInvalidIdentityToken, "SAML Provider %s does not exist.", keyward.Clip(providerARN))
	} else if err != nil {
		return keyward.AssumedRole{}, err
	}
	// The document was checked when it was stored; it is read again as of
	// then, and Verify refuses it if its validUntil has passed since.
	md, err := saml.ParseMetadata(provider.Metadata, provider.CreatedAt)
	if err != nil {
		return keyward.AssumedRole{}, samlError(err)
	}
	a, err := s.SAML.Verify(response, saml.Provider{ARN: provider.ARN, Metadata: md}, opts)
	if err != nil {
		return keyward.AssumedRole{}, samlError(err)
	}
	now := s.now()
	// One use of each assertion, on every replica sharing the store, for
	// as long as Verify would accept it.
	first, err := s.Store.UseOnce(ctx, "saml:"+provider.ARN+":"+a.ID, now, a.NotOnOrAfter)
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
	assumable, err := s.roleByARN(ctx, in.RoleARN)
	if errors.Is(err, keyward.ErrNoSuchRole) {
		return keyward.AssumedRole{}, denied
	} else if err != nil {
		return keyward.AssumedRole{}, err
	}
	role := assumable.Role
	duration, err := roleSessionDuration(in.DurationSeconds, role, false)
	if err != nil {
		return keyward.AssumedRole{}, err
	}
	// The session ends with the identity provider's session, if sooner.
	if end := a.SessionNotOnOrAfter; !end.IsZero() {
		if left := int(end.Sub(now) / time.Second); left < duration {
			duration = left
		}
	}

	trc := *rc
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
	r, err := s.roleSession(ctx, role, in, duration, c, rc.RequestedRegion)
	if err != nil {
		return keyward.AssumedRole{}, err
	}
	r.PackedPolicySize = packed
	r.SAML = &keyward.SAMLSubject{Subject: a.Subject, SubjectType: a.SubjectType, Issuer: a.Issuer, Audience: a.Recipient, NameQualifier: a.NameQualifier}
	return r, nil
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

// SAMLSignIn is what the console's SAML endpoint learns of a response
// before it signs anyone in: the provider that vouches for it, the roles
// its Role attribute offers through that provider, and the console
// session's duration the SessionDuration attribute asks for (0: none).
type SAMLSignIn struct {
	ProviderARN     string
	Roles           []string
	SessionDuration int
	// InResponseTo is the ID of the AuthnRequest the signed assertion
	// answers, empty for an IdP-initiated sign-in.
	InResponseTo string
}

// SAMLSignInOf verifies a response posted to Keyward's SAML endpoint by a
// browser, finding its provider among the account's by the issuer, and
// says which roles it offers. It does not use up the assertion: the
// browser posts it again with the role chosen, to AssumeRoleWithSAML,
// which does.
func (s *Service) SAMLSignInOf(ctx context.Context, response string) (SAMLSignIn, error) {
	if s.SAML == nil {
		return SAMLSignIn{}, keyward.Errorf(keyward.EIDPRejectedClaim, "SAML federation is not configured.")
	}
	issuer, err := s.SAML.Issuer(response)
	if err != nil {
		return SAMLSignIn{}, samlError(err)
	}
	providers, err := s.Store.SAMLProviders(ctx)
	if err != nil {
		return SAMLSignIn{}, err
	}
	for _, p := range providers {
		md, err := saml.ParseMetadata(p.Metadata, p.CreatedAt)
		if err != nil || md.EntityID != issuer {
			continue
		}
		a, err := s.SAML.Verify(response, saml.Provider{ARN: p.ARN, Metadata: md}, saml.Options{})
		if err != nil {
			return SAMLSignIn{}, samlError(err)
		}
		in := SAMLSignIn{ProviderARN: p.ARN, SessionDuration: a.SessionDuration, InResponseTo: a.InResponseTo}
		for _, r := range a.Roles {
			if r.ProviderARN == p.ARN {
				in.Roles = append(in.Roles, r.RoleARN)
			}
		}
		if len(in.Roles) == 0 {
			return SAMLSignIn{}, keyward.Errorf(keyward.EAccessDenied, "The SAML response names no role of this account for its provider.")
		}
		return in, nil
	}
	return SAMLSignIn{}, keyward.Errorf(keyward.EInvalidIdentityToken, "No SAML provider of this account has the issuer of the response.")
}
