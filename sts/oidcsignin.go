package sts

import (
	"context"
	"errors"
	"strings"

	"github.com/keyward/keyward"
)

// The console's sign-in through OpenID Connect providers (a Keyward
// extension), as package iam stores it: the sign-in page offers each
// provider with a sign-in set, the console's client redeems the code with
// the secret opened here, and the roles offered are those the setting
// names, or else every role whose trust policy admits the ID token, as
// AssumeRoleWithWebIdentity would decide.

// OIDCSignInOption is a provider the sign-in page offers: "Sign in with
// Name".
type OIDCSignInOption struct {
	// Provider is the provider's URL as IAM names it (host and path).
	Provider, Name string
}

// OIDCSignInOptions lists the account's providers with a console sign-in
// set, by provider ARN. It decides nothing and needs no caller: the
// sign-in page shows these names to anyone, as it shows SAML providers'.
func (s *Service) OIDCSignInOptions(ctx context.Context) ([]OIDCSignInOption, error) {
	// A closed account has none (providerAccountClosed).
	if closed, err := s.providerAccountClosed(ctx); err != nil || closed {
		return nil, err
	}
	all, err := s.store(ctx).OIDCSignIns(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]OIDCSignInOption, 0, len(all))
	for _, si := range all {
		out = append(out, OIDCSignInOption{Provider: providerURL(si.ProviderARN), Name: si.Name})
	}
	return out, nil
}

// providerURL is the URL an OIDC provider's ARN names.
func providerURL(arn string) string {
	_, url, _ := strings.Cut(arn, ":oidc-provider/")
	return url
}

// OIDCSignInClient is the console's client at a provider, its secret
// opened, for the code exchange only.
type OIDCSignInClient struct {
	Provider               keyward.OIDCProvider
	ClientID, ClientSecret string
	// Roles are the roles offered; none offers every role whose trust
	// policy admits the ID token.
	Roles []string
}

// OIDCSignInClient returns the console's client at the provider url (as
// IAM names it); NoSuchEntity when the provider has no sign-in set, or no
// longer exists.
func (s *Service) OIDCSignInClient(ctx context.Context, url string) (OIDCSignInClient, error) {
	none := keyward.Errorf(keyward.ENoSuchEntity, "No OpenID Connect sign-in is configured for that provider.")
	p, err := s.ConsoleOIDCProvider(ctx, url)
	if err != nil {
		return OIDCSignInClient{}, err
	}
	si, err := s.store(ctx).OIDCSignIn(ctx, p.ARN)
	if errors.Is(err, keyward.ErrNoSuchOIDCSignIn) {
		return OIDCSignInClient{}, none
	} else if err != nil {
		return OIDCSignInClient{}, err
	}
	secret, err := s.Sealer.Open(si.ProviderARN, si.SealedSecret)
	if err != nil {
		return OIDCSignInClient{}, err
	}
	return OIDCSignInClient{Provider: p, ClientID: si.ClientID, ClientSecret: secret, Roles: si.Roles}, nil
}

// maxAdmittingRoles bounds the roles a sign-in reads to find those that
// admit its token, when its setting names none.
const maxAdmittingRoles = 5000

// WebIdentityConsoleRoles returns, of the roles candidates (every role of
// the account when none), in order, those whose trust policy lets the
// bearer of token assume them as sessionName, the token verified as
// WebIdentityConsoleSession verifies it (nonce and client included). A
// token that fails verification is refused as AssumeRoleWithWebIdentity
// refuses it.
func (s *Service) WebIdentityConsoleRoles(ctx context.Context, token, nonce, clientID, sessionName string, candidates []string) ([]string, error) {
	rc, _, ok := keyward.Caller(ctx)
	if !ok {
		return nil, keyward.ErrNoCaller
	}
	if nonce == "" || clientID == "" {
		return nil, keyward.Errorf(keyward.EInvalidIdentityToken, "The sign-in has no nonce or client.")
	}
	wi, err := s.webIdentity(ctx, token, webIdentityConsole{Nonce: nonce, ClientID: clientID})
	if err != nil {
		return nil, err
	}
	if len(candidates) == 0 {
		acct := s.Account(ctx)
		for after := ""; len(candidates) < maxAdmittingRoles; {
			roles, more, err := s.store(ctx).ListRoles(ctx, "/", after, 1000)
			if err != nil {
				return nil, err
			}
			for _, r := range roles {
				candidates = append(candidates, acct.RoleARN(r.Path, r.Name))
			}
			if !more || len(roles) == 0 {
				break
			}
			after = roles[len(roles)-1].Name
		}
	}
	var out []string
	for _, arn := range candidates {
		assumable, err := s.roleByARN(ctx, arn)
		if errors.Is(err, keyward.ErrNoSuchRole) {
			continue
		} else if err != nil {
			return nil, err
		}
		if wi.admittedBy(assumable, rc, sessionName) {
			out = append(out, arn)
		}
	}
	return out, nil
}
