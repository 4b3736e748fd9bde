package iam

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/keyward/keyward"
)

// The console's sign-in through the account's OpenID Connect providers, a
// Keyward extension: for each provider, the console's client there (one
// of the provider's client IDs, and its secret, sealed under the master
// key and never given back), the name the sign-in page shows, and the
// roles offered. Its operations are Keyward's own (KeywardOperations), authorised
// as keyward:<Name> on the provider's ARN, with the provider's tags.

// OIDCSignInSetting is a provider's console sign-in as its operations
// answer it: whether a client secret is set, never the secret.
type OIDCSignInSetting struct {
	ProviderARN, URL, ClientID, Name string
	Roles                            []string
	ClientSecretSet                  bool
	UpdatedAt                        time.Time
}

func oidcSignInNotFound(arn string) *keyward.Error {
	return keyward.Errorf(keyward.ENoSuchEntity, "No OpenID Connect sign-in is set for the provider %s.", keyward.Clip(arn))
}

// PutOIDCSignIn sets the console sign-in of the provider arn: clientID
// must be one of the provider's client IDs; secret, sealed, replaces the
// one set, and may be empty only when one is; roles, role ARNs of the
// account, are the roles offered, none offering every role whose trust
// policy admits the ID token.
func (s *Service) PutOIDCSignIn(ctx context.Context, arn, clientID, secret, name string, roles []string) error {
	if err := s.authorizeOIDCProvider(ctx, "keyward:PutOpenIDConnectSignIn", arn, nil); err != nil {
		return err
	}
	if len(roles) > keyward.MaxOIDCSignInRoles {
		return keyward.Errorf(keyward.ELimitExceeded, "Cannot exceed quota for RolesPerOpenIDConnectSignIn: %d", keyward.MaxOIDCSignInRoles)
	}
	prefix := "arn:aws:iam::" + s.Account(ctx).ID + ":role/"
	for _, r := range roles {
		if !strings.HasPrefix(r, prefix) || len(r) == len(prefix) {
			return keyward.Errorf(keyward.EInvalidInput, "%s is not the ARN of a role of this account.", keyward.Clip(r))
		}
	}
	var sealed []byte
	if secret != "" {
		var err error
		if sealed, err = s.Sealer.Seal(arn, secret); err != nil {
			return err
		}
	}
	err := s.changing(ctx).PutOIDCSignIn(ctx, arn, func(p keyward.OIDCProvider, si *keyward.OIDCSignIn) error {
		if !slices.Contains(p.ClientIDs, clientID) {
			return keyward.Errorf(keyward.EInvalidInput, "The client ID %s is not one of the provider's client IDs.", keyward.Clip(clientID))
		}
		if sealed != nil {
			si.SealedSecret = sealed
		} else if si.SealedSecret == nil {
			return keyward.Errorf(keyward.EInvalidInput, "ClientSecret is required to set the sign-in of a provider that has none.")
		}
		si.ClientID, si.Name, si.Roles, si.UpdatedAt = clientID, name, unique(roles), s.now()
		return nil
	})
	if errors.Is(err, keyward.ErrNoSuchOIDCProvider) {
		return oidcNotFound(arn)
	}
	return err
}

// setting is what the operations answer of si.
func setting(si keyward.OIDCSignIn, url string) OIDCSignInSetting {
	return OIDCSignInSetting{ProviderARN: si.ProviderARN, URL: url, ClientID: si.ClientID, Name: si.Name, Roles: si.Roles,
		ClientSecretSet: len(si.SealedSecret) > 0, UpdatedAt: si.UpdatedAt}
}

// GetOIDCSignIn returns the console sign-in of the provider arn, without
// its secret.
func (s *Service) GetOIDCSignIn(ctx context.Context, arn string) (OIDCSignInSetting, error) {
	if err := s.authorizeOIDCProvider(ctx, "keyward:GetOpenIDConnectSignIn", arn, nil); err != nil {
		return OIDCSignInSetting{}, err
	}
	p, err := s.store(ctx).OIDCProvider(ctx, arn)
	if errors.Is(err, keyward.ErrNoSuchOIDCProvider) {
		return OIDCSignInSetting{}, oidcNotFound(arn)
	} else if err != nil {
		return OIDCSignInSetting{}, err
	}
	si, err := s.store(ctx).OIDCSignIn(ctx, arn)
	if errors.Is(err, keyward.ErrNoSuchOIDCSignIn) {
		return OIDCSignInSetting{}, oidcSignInNotFound(arn)
	} else if err != nil {
		return OIDCSignInSetting{}, err
	}
	return setting(si, p.URL), nil
}

// ListOIDCSignIns lists the console sign-ins of the account's providers,
// without their secrets.
func (s *Service) ListOIDCSignIns(ctx context.Context) ([]OIDCSignInSetting, error) {
	if err := s.Authz.Authorize(ctx, "keyward:ListOpenIDConnectSignIns", "*"); err != nil {
		return nil, err
	}
	providers, err := s.store(ctx).OIDCProviders(ctx)
	if err != nil {
		return nil, err
	}
	all, err := s.store(ctx).OIDCSignIns(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]OIDCSignInSetting, 0, len(all))
	for _, si := range all {
		if i := slices.IndexFunc(providers, func(p keyward.OIDCProvider) bool { return p.ARN == si.ProviderARN }); i >= 0 {
			out = append(out, setting(si, providers[i].URL))
		}
	}
	return out, nil
}

// DeleteOIDCSignIn removes the console sign-in of the provider arn.
func (s *Service) DeleteOIDCSignIn(ctx context.Context, arn string) error {
	if err := s.authorizeOIDCProvider(ctx, "keyward:DeleteOpenIDConnectSignIn", arn, nil); err != nil {
		return err
	}
	if err := s.changing(ctx).DeleteOIDCSignIn(ctx, arn); errors.Is(err, keyward.ErrNoSuchOIDCSignIn) {
		return oidcSignInNotFound(arn)
	} else {
		return err
	}
}
