package sts

import (
	"context"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/saml"
)

// SP-initiated sign-in: the console's sign-in page offers each of the
// account's SAML providers that can be sent an AuthnRequest, and sends the
// browser to the one chosen. The response that comes back must answer that
// request, which the console checks against what it remembered with the
// browser (SAMLConsoleSession with saml.Options.InResponseTo).

// SAMLSignInProvider is a SAML provider the sign-in page may offer.
type SAMLSignInProvider struct{ Name, ARN string }

// SAMLSignInProviders lists the account's SAML providers SP-initiated
// sign-in works with: those whose metadata names an HTTP-Redirect single
// sign-on service, does not ask for signed AuthnRequests (Keyward signs
// none) and has not expired. It decides nothing and needs no caller: the
// sign-in page shows these names to anyone, as it shows the account.
func (s *Service) SAMLSignInProviders(ctx context.Context) ([]SAMLSignInProvider, error) {
	if s.SAML == nil {
		return nil, nil
	}
	// A closed account has none (providerAccountClosed).
	if closed, err := s.providerAccountClosed(ctx); err != nil || closed {
		return nil, err
	}
	providers, err := s.store(ctx).SAMLProviders(ctx)
	if err != nil {
		return nil, err
	}
	var out []SAMLSignInProvider
	for _, p := range providers {
		if s.authnRequestable(p) != nil {
			out = append(out, SAMLSignInProvider{Name: p.Name, ARN: p.ARN})
		}
	}
	return out, nil
}

// authnRequestable returns p's metadata if an AuthnRequest can be sent to
// it, or nil.
func (s *Service) authnRequestable(p keyward.SAMLProvider) *saml.Metadata {
	md, err := saml.ParseMetadata(p.Metadata, p.CreatedAt)
	if err != nil || md.WantAuthnRequestsSigned || (!md.ValidUntil.IsZero() && !s.now().Before(md.ValidUntil)) {
		return nil
	}
	for _, e := range md.SingleSignOn {
		if e.Binding == saml.BindingHTTPRedirect {
			return md
		}
	}
	return nil
}

// SAMLAuthnRequest starts SP-initiated sign-in with the account's SAML
// provider named name: it returns the provider's ARN and the AuthnRequest
// (its ID and the URL to send the browser to) with relayState. A provider
// that does not exist, or that SAMLSignInProviders would not list, is
// NoSuchEntity alike.
func (s *Service) SAMLAuthnRequest(ctx context.Context, name, relayState string) (string, *saml.AuthnRequest, error) {
	closed, err := s.providerAccountClosed(ctx)
	if err != nil {
		return "", nil, err
	}
	if s.SAML != nil && !closed {
		providers, err := s.store(ctx).SAMLProviders(ctx)
		if err != nil {
			return "", nil, err
		}
		for _, p := range providers {
			if p.Name != name {
				continue
			}
			md := s.authnRequestable(p)
			if md == nil {
				break
			}
			req, err := s.SAML.NewAuthnRequest(md, relayState)
			if err != nil {
				return "", nil, err
			}
			return p.ARN, req, nil
		}
	}
	return "", nil, keyward.Errorf(keyward.ENoSuchEntity, "No SAML provider of this account offers sign-in by that name.")
}
