package oidc

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/keyward/keyward"
)

// The authorisation-code flow, for the console's OpenID Connect sign-in (a
// Keyward extension). The provider's endpoints come from its discovery
// document, fetched as for its keys: https only, trusted by the roots or
// the provider's thumbprints, at public addresses unless AllowPrivate, no
// redirects, FetchTimeout and maxDocument bounding each answer.

// Endpoints are a provider's authorisation and token endpoints.
type Endpoints struct {
	Authorization, Token string
}

// Endpoints reads the provider's discovery document for its authorisation
// and token endpoints, both of which must be https URLs.
//
// The console's sign-in link and its callback are open to anyone: the
// endpoints are kept for KeysTTL, and a failed fetch is answered for
// MinRefetch without another, so that no one's requests become as many of
// Keyward's to the provider.
func (v *Verifier) Endpoints(ctx context.Context, p keyward.OIDCProvider) (Endpoints, error) {
	pv := v.provider(p)
	pv.em.Lock()
	defer pv.em.Unlock()
	now := v.now()
	if pv.endpointsFetched.IsZero() || now.Sub(pv.endpointsFetched) >= KeysTTL ||
		pv.endpointsErr != nil && now.Sub(pv.endpointsFetched) >= MinRefetch {
		pv.endpoints, pv.endpointsErr = v.fetchEndpoints(ctx, p)
		pv.endpointsFetched = now
	}
	return pv.endpoints, pv.endpointsErr
}

func (v *Verifier) fetchEndpoints(ctx context.Context, p keyward.OIDCProvider) (Endpoints, error) {
	// The fetch serves every browser (fetchContext): not cancelled with
	// the request that happened to start it.
	ctx, cancel := fetchContext(ctx)
	defer cancel()
	client := v.client(p.Thumbprints)
	defer client.CloseIdleConnections()
	var disco struct {
		Authorization string `json:"authorization_endpoint"`
		Token         string `json:"token_endpoint"`
	}
	if err := getJSON(ctx, client, "https://"+p.URL+"/.well-known/openid-configuration", &disco); err != nil {
		return Endpoints{}, err
	}
	for _, e := range []string{disco.Authorization, disco.Token} {
		u, err := url.Parse(e)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Fragment != "" {
			return Endpoints{}, fmt.Errorf("oidc: endpoint %q is not an https URL", keyward.Clip(e))
		}
	}
	return Endpoints{Authorization: disco.Authorization, Token: disco.Token}, nil
}

// CodeExchange is what a token request sends: the code the browser brought
// back, the PKCE verifier it was asked with, and the client's credentials.
type CodeExchange struct {
	TokenEndpoint, Code, Verifier, RedirectURI, ClientID, ClientSecret string
}

// Exchange redeems an authorisation code at the token endpoint and returns
// the ID token of the answer, unverified: the caller verifies it as any
// other (Verify), since the endpoint is reached over a connection this
// package checks but the token is what the provider signed.
func (v *Verifier) Exchange(ctx context.Context, p keyward.OIDCProvider, x CodeExchange) (string, error) {
	u, err := url.Parse(x.TokenEndpoint)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("oidc: token endpoint %q is not an https URL", keyward.Clip(x.TokenEndpoint))
	}
	ctx, cancel := context.WithTimeout(ctx, FetchTimeout)
	defer cancel()
	client := v.client(p.Thumbprints)
	defer client.CloseIdleConnections()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {x.Code}, "code_verifier": {x.Verifier}, "redirect_uri": {x.RedirectURI}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	// client_secret_basic: the form-encoded credentials of RFC 6749 2.3.1.
	req.SetBasicAuth(url.QueryEscape(x.ClientID), url.QueryEscape(x.ClientSecret))
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocument+1))
	if err != nil {
		return "", err
	}
	if len(body) > maxDocument {
		return "", fmt.Errorf("oidc: token endpoint answer larger than %d bytes", maxDocument)
	}
	var answer struct {
		IDToken string `json:"id_token"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(body, &answer) != nil {
		return "", fmt.Errorf("oidc: token endpoint answered %s, not JSON", resp.Status)
	}
	if resp.StatusCode != http.StatusOK || answer.IDToken == "" {
		// The error code is the provider's (invalid_grant for a code used
		// twice); it names no secret.
		return "", fmt.Errorf("oidc: token endpoint answered %s: %s", resp.Status, keyward.Clip(answer.Error))
	}
	return answer.IDToken, nil
}
