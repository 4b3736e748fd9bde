package sts

import (
	"context"
	"crypto/subtle"
	"errors"
	"slices"
	"strings"

	"github.com/keyward/keyward"
)

// googleIssuer is Google's OpenID Connect provider, whose tokens' azp AWS
// takes for the audience.
const googleIssuer = "accounts.google.com"

// AssumeRoleWithWebIdentity issues a role's session to the bearer of an
// ID token from one of the account's OpenID Connect providers, if the
// role's trust policy lets that provider (and the token's claims, as
// "<provider>:aud" and "<provider>:sub") assume it. The caller signs
// nothing: the token is its credential.
func (s *Service) AssumeRoleWithWebIdentity(ctx context.Context, in keyward.AssumeRoleInput, token string) (keyward.AssumedRole, error) {
	defer s.inRoleAccountTrail(ctx, in.RoleARN)
	return s.assumeRoleWithWebIdentity(inRoleAccount(ctx, in.RoleARN), in, token, webIdentityConsole{})
}

// inRoleAccountTrail puts the event of an unsigned caller's request,
// issued or refused, in the trail of the account of the role it names, as
// AWS records AssumeRoleWithWebIdentity and AssumeRoleWithSAML in the
// role's account: when that account is the installation's and open. A
// role of another (anyone may name any account) leaves it in the first
// account's trail. The answer is the same either way, so the caller
// learns nothing of which accounts exist; nor does the answer's time: the
// account is looked up by the audit recorder's writer in the background
// (the event's Route), not while the request is answered, since an
// account not here is a read of the store and one here is cached. The
// audit recorder bounds what unsigned callers put in any one account's
// trail.
func (s *Service) inRoleAccountTrail(ctx context.Context, roleARN string) {
	pe, ok := keyward.EventFrom(ctx)
	rc, _, called := keyward.Caller(ctx)
	if !ok || !called || rc.Principal.AccountID != "" {
		return // no event, or a caller that names its account itself
	}
	acct, ok := roleARNAccount(roleARN)
	if !ok {
		return
	}
	pe.Route = func(ctx context.Context) (string, bool) {
		open, err := s.IAM.AccountOpen(ctx, acct.ID)
		return acct.ID, err == nil && open
	}
}

// inRoleAccount returns ctx of an unsigned caller acting in the account of
// the role it names: AWS looks up the provider of AssumeRoleWithWebIdentity
// and AssumeRoleWithSAML in the role's account, whichever it is, and issues
// the session there. A caller that names an account already (a console
// sign-in's) keeps it, and the role must be of that account.
func inRoleAccount(ctx context.Context, roleARN string) context.Context {
	rc, _, ok := keyward.Caller(ctx)
	if !ok || rc.Principal.AccountID != "" {
		return ctx
	}
	acct, ok := roleARNAccount(roleARN)
	if !ok {
		return ctx
	}
	c := *rc
	c.Principal = keyward.Principal{AccountID: acct.ID}
	return keyward.WithCaller(ctx, &c)
}

// webIdentityConsole is what the console's OpenID Connect sign-in asks of
// a token besides what the API does: that it names the sign-in's nonce and
// has the console's client among its audiences.
type webIdentityConsole struct {
	Nonce, ClientID string
}

// WebIdentityConsoleSession issues the console session of a sign-in
// through OpenID Connect (a Keyward extension): the ID token the console
// redeemed is verified, and the role's trust policy decides, exactly as
// for AssumeRoleWithWebIdentity, and the token must also carry the nonce
// the sign-in sent and name clientID among its audiences.
func (s *Service) WebIdentityConsoleSession(ctx context.Context, roleARN, sessionName, token, nonce, clientID string) (keyward.AssumedRole, error) {
	if nonce == "" || clientID == "" {
		return keyward.AssumedRole{}, keyward.Errorf(keyward.EInvalidIdentityToken, "The sign-in has no nonce or client.")
	}
	return s.assumeRoleWithWebIdentity(ctx, keyward.AssumeRoleInput{RoleARN: roleARN, SessionName: sessionName}, token, webIdentityConsole{Nonce: nonce, ClientID: clientID})
}

func (s *Service) assumeRoleWithWebIdentity(ctx context.Context, in keyward.AssumeRoleInput, token string, console webIdentityConsole) (keyward.AssumedRole, error) {
	rc, _, ok := keyward.Caller(ctx)
	if !ok {
		return keyward.AssumedRole{}, keyward.ErrNoCaller
	}
	packed, err := s.checkSessionPolicies(in.Policy, in.PolicyARNs, nil)
	if err != nil {
		return keyward.AssumedRole{}, err
	}
	wi, err := s.webIdentity(ctx, token, console)
	if err != nil {
		return keyward.AssumedRole{}, err
	}
	denied := keyward.Errorf(keyward.EAccessDenied, "Not authorized to perform sts:AssumeRoleWithWebIdentity")
	assumable, err := s.roleOrDenied(ctx, in.RoleARN, denied)
	if err != nil {
		return keyward.AssumedRole{}, err
	}
	role := assumable.Role
	// The trust policy first: anyone may name any account's role, and a
	// duration past the maximum of a role that does not admit the token
	// would tell that the role exists.
	if !wi.admittedBy(assumable, rc, in.SessionName) {
		return keyward.AssumedRole{}, denied
	}
	duration, err := roleSessionDuration(in.DurationSeconds, role, false)
	if err != nil {
		return keyward.AssumedRole{}, err
	}
	r, err := s.roleSession(s.Account(ctx), role, in, duration, sessionClaims{}, rc.RequestedRegion)
	if err != nil {
		return keyward.AssumedRole{}, err
	}
	r.PackedPolicySize, r.Subject, r.Audience, r.Provider = packed, wi.claims.Subject, wi.audience, wi.claims.Issuer
	return r, nil
}

// verifiedWebIdentity is an ID token verified as AssumeRoleWithWebIdentity
// verifies it: its provider, its claims and the audience a trust policy
// sees.
type verifiedWebIdentity struct {
	providerARN, key, audience string
	claims                     keyward.WebIdentityClaims
}

// webIdentity verifies token: it must be of one of the account's
// providers, signed with its issuer's keys, unexpired, for one of the
// provider's client IDs; and, for the console's sign-in, answer it.
func (s *Service) webIdentity(ctx context.Context, token string, console webIdentityConsole) (verifiedWebIdentity, error) {
	var wi verifiedWebIdentity
	if s.WebIdentity == nil {
		return wi, keyward.Errorf(keyward.EIDPCommunicationError, "Web identity federation is not configured.")
	}
	iss, err := s.WebIdentity.Issuer(token)
	if err != nil {
		return wi, err
	}
	id := strings.TrimSuffix(strings.TrimPrefix(iss, "https://"), "/")
	providerARN := s.Account(ctx).OIDCProviderARN(id)
	provider, err := s.oidcProvider(ctx, providerARN)
	if errors.Is(err, keyward.ErrNoSuchOIDCProvider) || !strings.HasPrefix(iss, "https://") {
		return wi, keyward.Errorf(keyward.EInvalidIdentityToken, "No OpenIDConnect provider found in your account for %s", keyward.Clip(iss))
	} else if err != nil {
		return wi, err
	}
	claims, err := s.WebIdentity.Verify(ctx, provider, token)
	if err != nil {
		return wi, err
	}
	if console.Nonce != "" {
		if subtle.ConstantTimeCompare([]byte(claims.Nonce), []byte(console.Nonce)) != 1 || !slices.Contains(claims.Audience, console.ClientID) {
			return wi, keyward.Errorf(keyward.EInvalidIdentityToken, "The ID token does not answer this sign-in (nonce or audience).")
		}
		// OpenID Connect Core 3.1.3.7: a token the provider issued to
		// another of its clients (its azp) names the console's client at
		// most as one more audience, and is that client's, not this
		// sign-in's; a token of several audiences must say whose it is.
		if claims.AuthorizedParty != "" && claims.AuthorizedParty != console.ClientID ||
			claims.AuthorizedParty == "" && len(claims.Audience) > 1 {
			return wi, keyward.Errorf(keyward.EInvalidIdentityToken, "The ID token was issued to another client (azp).")
		}
	}
	audience := tokenAudience(id, provider.ClientIDs, claims)
	if audience == "" {
		return wi, keyward.Errorf(keyward.EInvalidIdentityToken, "Incorrect token audience")
	}
	return verifiedWebIdentity{providerARN: providerARN, key: strings.ToLower(id), audience: audience, claims: claims}, nil
}

// tokenAudience is the client ID of the provider (id, its URL without
// https://) a token is for, as the trust policy's "<provider>:aud" sees
// it, or "" if it is for none of them. The token must name it among its
// audiences (aud). Its authorised party (azp) is the client the provider
// issued it to, which may ask for tokens for other audiences (OpenID
// Connect Core 2): a token for another service, forwarded, is not for
// Keyward's. Google's accounts.google.com is the exception AWS documents:
// its "accounts.google.com:aud" is the azp when the token has one (a
// service account's ID), the aud then being ":oaud".
func tokenAudience(id string, clientIDs []string, claims keyward.WebIdentityClaims) string {
	if strings.EqualFold(id, googleIssuer) && claims.AuthorizedParty != "" && slices.Contains(clientIDs, claims.AuthorizedParty) {
		return claims.AuthorizedParty
	}
	for _, a := range claims.Audience {
		if slices.Contains(clientIDs, a) {
			return a
		}
	}
	return ""
}

// admittedBy reports whether the role's trust policy lets the token's
// bearer assume it as sessionName, with the token's claims as
// "<provider>:aud", ":sub", ":oaud" and ":amr".
func (wi *verifiedWebIdentity) admittedBy(assumable *keyward.AssumableRole, rc *keyward.RequestContext, sessionName string) bool {
	trc := *rc
	// The token's bearer is no principal of any account: the context
	// names at most the account a console sign-in is to.
	trc.Principal = keyward.Principal{}
	trc.Extra = map[string][]string{
		wi.key + ":aud": {wi.audience}, wi.key + ":sub": {wi.claims.Subject}, wi.key + ":oaud": wi.claims.Audience,
		"sts:rolesessionname": {sessionName}, "aws:federatedprovider": {wi.providerARN},
	}
	if len(wi.claims.AMR) > 0 {
		trc.Extra[wi.key+":amr"] = wi.claims.AMR
	}
	d, _ := assumable.Trust.Decide("sts:AssumeRoleWithWebIdentity", keyward.TrustCaller{Federated: wi.providerARN}, &trc)
	return d == keyward.DecisionAllowed
}

// ConsoleOIDCProvider returns the account's OpenID Connect provider for
// the issuer host and path url, for the console's OIDC sign-in, which a
// configured client names; NoSuchEntity when the account has none.
func (s *Service) ConsoleOIDCProvider(ctx context.Context, url string) (keyward.OIDCProvider, error) {
	p, err := s.oidcProvider(ctx, s.Account(ctx).OIDCProviderARN(url))
	if errors.Is(err, keyward.ErrNoSuchOIDCProvider) {
		return p, keyward.Errorf(keyward.ENoSuchEntity, "The account has no OpenID Connect provider %s.", keyward.Clip(url))
	}
	return p, err
}

// providerAccountClosed reports whether the account ctx's unsigned caller
// acts in (the account of the role or provider it names) was closed. A
// closed account has no identity providers for anyone: its providers are
// neither read nor used (no token is verified with its issuer's keys, no
// SAML assertion is spent, no code is exchanged with its client secret),
// and every answer is the one for an account the installation does not
// have, which tells a closed account from a missing one no more than
// assuming its roles does.
func (s *Service) providerAccountClosed(ctx context.Context) (bool, error) {
	return s.IAM.AccountClosed(ctx, s.Account(ctx).ID)
}

// oidcProvider reads the OpenID Connect provider arn of ctx's account:
// ErrNoSuchOIDCProvider for a closed account's (providerAccountClosed).
func (s *Service) oidcProvider(ctx context.Context, arn string) (keyward.OIDCProvider, error) {
	if closed, err := s.providerAccountClosed(ctx); err != nil {
		return keyward.OIDCProvider{}, err
	} else if closed {
		return keyward.OIDCProvider{}, keyward.ErrNoSuchOIDCProvider
	}
	return s.store(ctx).OIDCProvider(ctx, arn)
}
