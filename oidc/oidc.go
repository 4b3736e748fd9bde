// Package oidc checks OpenID Connect ID tokens for AssumeRoleWithWebIdentity.
// It finds each provider's signing keys as AWS does (the issuer's discovery
// document, then its JWKS), over TLS that the system's roots or the
// provider's registered thumbprints vouch for, keeps them for an hour, and
// verifies tokens with go-jose. It implements keyward.WebIdentityVerifier.
// A provider's endpoints must be at public addresses unless AllowPrivate.
//
// A token comes from an unauthenticated caller: it is bounded in size
// before it is parsed, its issuer must be a provider the account
// registered before any fetch is made, and a provider's keys are fetched
// again for an unknown key ID at most once every MinRefetch.
package oidc

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/netguard"
)

// Bounds on what a provider's endpoints may cost.
const (
	// KeysTTL is how long fetched keys are used before they are fetched
	// again; MinRefetch the least time between fetches of one provider.
	KeysTTL    = time.Hour
	MinRefetch = 30 * time.Second
	// FetchTimeout bounds one fetch (discovery and keys); maxDocument the
	// size of what is read.
	FetchTimeout = 5 * time.Second
	maxDocument  = 1 << 20
	// MaxKeys is how many of a provider's signing keys are kept, in the
	// order its key set lists them; maxTried how many of them one token's
	// signature is checked against (those of its key ID, or of its
	// algorithm when it names none). Providers publish a few keys (two or
	// three while they rotate); a token is verified before anything about
	// its bearer is known, so that the keys an account's provider
	// publishes must not let one token cost a check of each of a thousand.
	MaxKeys  = 32
	maxTried = 4
	// skew is the leeway for a token's nbf and iat: the issuer's clock
	// may run ahead of ours. Its expiry has none, as on AWS.
	skew = 5 * time.Minute
)

// algorithms are the signature algorithms AWS accepts for ID tokens.
var algorithms = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.ES512, jose.PS256, jose.PS384, jose.PS512}

// Verifier checks ID tokens against providers' keys. The zero value is
// ready to use.
type Verifier struct {
	// Now is the clock tokens are checked against; nil for time.Now.
	Now func() time.Time
	// RootCAs are the roots besides a provider's thumbprints that TLS to
	// its endpoints trusts; nil for the system's.
	RootCAs *x509.CertPool
	// AllowPrivate lets a provider's endpoints (its discovery document,
	// the jwks_uri it names) be at loopback, private or link-local
	// addresses: single-host setups and tests. Without it they are
	// refused, checked on the address connected to, after DNS resolution
	// (package netguard), since an issuer URL is an administrator's input
	// but its jwks_uri is the provider's, and neither may reach the
	// host's own services.
	AllowPrivate bool

	mu        sync.Mutex
	providers map[string]*provider // by issuer URL and thumbprints
}

// provider is what is known of one issuer's keys.
type provider struct {
	// fm is held while the keys are fetched, so that one fetch serves
	// all who wait for it; mu guards what a fetch stores, so that a token
	// of a known key is verified while another waits for an unknown one.
	fm      sync.Mutex
	mu      sync.Mutex
	keys    jose.JSONWebKeySet
	fetched time.Time
	err     error

	// The authorisation-code flow's endpoints, kept as the keys are:
	// em is held while they are fetched.
	em               sync.Mutex
	endpoints        Endpoints
	endpointsFetched time.Time
	endpointsErr     error
}

var _ keyward.WebIdentityVerifier = (*Verifier)(nil)

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// Errors as AWS words them.
var (
	errInvalid = keyward.Errorf(keyward.EInvalidIdentityToken,
		"The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.")
	errNoKeys = keyward.Errorf(keyward.EIDPCommunicationError,
		"Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements")
)

// Issuer implements keyward.WebIdentityVerifier: the token's iss claim,
// unverified.
func (v *Verifier) Issuer(token string) (string, error) {
	tok, err := jwt.ParseSigned(token, algorithms)
	if err != nil {
		return "", errInvalid
	}
	var c jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&c); err != nil || c.Issuer == "" {
		return "", errInvalid
	}
	return c.Issuer, nil
}

// Subject is the token's sub claim, unverified: for naming a session
// whose token is then verified.
func (v *Verifier) Subject(token string) (string, error) {
	tok, err := jwt.ParseSigned(token, algorithms)
	if err != nil {
		return "", errInvalid
	}
	var c jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&c); err != nil {
		return "", errInvalid
	}
	return c.Subject, nil
}

// Verify implements keyward.WebIdentityVerifier.
func (v *Verifier) Verify(ctx context.Context, p keyward.OIDCProvider, token string) (keyward.WebIdentityClaims, error) {
	tok, err := jwt.ParseSigned(token, algorithms)
	if err != nil || len(tok.Headers) != 1 {
		return keyward.WebIdentityClaims{}, errInvalid
	}
	keys, err := v.keys(ctx, p, tok.Headers[0])
	if err != nil {
		return keyward.WebIdentityClaims{}, err
	}
	var c jwt.Claims
	var extra struct {
		AZP   string   `json:"azp"`
		AMR   []string `json:"amr"`
		Nonce string   `json:"nonce"`
	}
	verified := false
	for _, k := range keys {
		if err := tok.Claims(k.Key, &c, &extra); err == nil {
			verified = true
			break
		}
	}
	if !verified {
		return keyward.WebIdentityClaims{}, errInvalid
	}
	now := v.now()
	switch {
	case strings.TrimSuffix(c.Issuer, "/") != "https://"+p.URL:
		return keyward.WebIdentityClaims{}, errInvalid
	case c.Expiry == nil:
		return keyward.WebIdentityClaims{}, errInvalid
	case !now.Before(c.Expiry.Time()):
		return keyward.WebIdentityClaims{}, keyward.Errorf(keyward.EExpiredTokenException, "Token expired: current date/time %s must be before the expiration date/time %s",
			now.UTC().Format(time.RFC3339), c.Expiry.Time().UTC().Format(time.RFC3339))
	case c.NotBefore != nil && now.Add(skew).Before(c.NotBefore.Time()), c.IssuedAt != nil && now.Add(skew).Before(c.IssuedAt.Time()):
		return keyward.WebIdentityClaims{}, errInvalid
	}
	return keyward.WebIdentityClaims{Issuer: c.Issuer, Subject: c.Subject, Audience: []string(c.Audience), AuthorizedParty: extra.AZP,
		AMR: extra.AMR, Expiry: c.Expiry.Time(), Nonce: extra.Nonce}, nil
}

// keys returns the provider's keys that may have signed a token with this
// header (at most maxTried), fetching them when none is known or they are
// old.
func (v *Verifier) keys(ctx context.Context, p keyward.OIDCProvider, h jose.Header) ([]jose.JSONWebKey, error) {
	pv := v.provider(p)
	now := v.now()
	due := func() bool {
		found, fetched := pv.find(h)
		return (len(found) == 0 || now.Sub(fetched) >= KeysTTL) && now.Sub(fetched) >= MinRefetch
	}
	if due() {
		pv.fm.Lock()
		if due() { // not fetched while this waited
			keys, err := v.fetch(ctx, p)
			pv.mu.Lock()
			pv.fetched, pv.err = now, err
			if err == nil {
				pv.keys = keys
			}
			pv.mu.Unlock()
		}
		pv.fm.Unlock()
	}
	found, _ := pv.find(h)
	if len(found) == 0 {
		pv.mu.Lock()
		defer pv.mu.Unlock()
		if pv.err != nil || len(pv.keys.Keys) == 0 {
			return nil, errNoKeys
		}
		return nil, errInvalid
	}
	return found, nil
}

// find returns the keys a token with this header may have been signed
// with, at most maxTried: those of its key ID, or where it names none,
// those whose type and algorithm fit its algorithm; and when the keys
// were fetched.
func (pv *provider) find(h jose.Header) ([]jose.JSONWebKey, time.Time) {
	pv.mu.Lock()
	defer pv.mu.Unlock()
	var found []jose.JSONWebKey
	for _, k := range pv.keys.Keys {
		if len(found) == maxTried {
			break
		}
		if (h.KeyID == "" || k.KeyID == h.KeyID) && fits(k, h.Algorithm) {
			found = append(found, k)
		}
	}
	return found, pv.fetched
}

// fits reports whether a key may verify a signature of the algorithm alg:
// its type is the algorithm's, and its own algorithm, if it names one, is
// alg.
func fits(k jose.JSONWebKey, alg string) bool {
	if k.Algorithm != "" && k.Algorithm != alg {
		return false
	}
	switch k.Key.(type) {
	case *rsa.PublicKey:
		return strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS")
	case *ecdsa.PublicKey:
		return strings.HasPrefix(alg, "ES")
	}
	return false
}

// provider is what is known of p, by its URL and thumbprints.
func (v *Verifier) provider(p keyward.OIDCProvider) *provider {
	v.mu.Lock()
	if v.providers == nil {
		v.providers = map[string]*provider{}
	}
	cacheKey := p.URL + "\x00" + strings.Join(p.Thumbprints, ",")
	pv := v.providers[cacheKey]
	if pv == nil {
		if len(v.providers) >= keyward.MaxOIDCProviders*2 {
			clear(v.providers) // stale thumbprint sets of deleted providers
		}
		pv = &provider{}
		v.providers[cacheKey] = pv
	}
	v.mu.Unlock()
	return pv
}

// fetch reads the issuer's discovery document and then its keys.
func (v *Verifier) fetch(ctx context.Context, p keyward.OIDCProvider) (jose.JSONWebKeySet, error) {
	ctx, cancel := fetchContext(ctx)
	defer cancel()
	client := v.client(p.Thumbprints)
	defer client.CloseIdleConnections()
	var disco struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := getJSON(ctx, client, "https://"+p.URL+"/.well-known/openid-configuration", &disco); err != nil {
		return jose.JSONWebKeySet{}, err
	}
	u, err := url.Parse(disco.JWKSURI)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return jose.JSONWebKeySet{}, fmt.Errorf("oidc: jwks_uri %q is not an https URL", disco.JWKSURI)
	}
	var set jose.JSONWebKeySet
	if err := getJSON(ctx, client, u.String(), &set); err != nil {
		return jose.JSONWebKeySet{}, err
	}
	// Only public signing keys, and no more than MaxKeys of them.
	keys := set.Keys[:0]
	for _, k := range set.Keys {
		if len(keys) < MaxKeys && k.Valid() && k.IsPublic() && (k.Use == "" || k.Use == "sig") {
			keys = append(keys, k)
		}
	}
	set.Keys = keys
	return set, nil
}

// fetchContext is the context of a fetch whose outcome is remembered for
// every caller (keys, endpoints): the caller's values, but not its
// cancellation, and FetchTimeout. Were a fetch cancelled with the request
// that started it, anyone could send a request and hang up, and the
// failure, remembered for MinRefetch, would refuse everyone else.
func fetchContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), FetchTimeout)
}

func getJSON(ctx context.Context, client *http.Client, u string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("oidc: GET %s: %s", u, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocument+1))
	if err != nil {
		return err
	}
	if len(body) > maxDocument {
		return fmt.Errorf("oidc: GET %s: larger than %d bytes", u, maxDocument)
	}
	return json.Unmarshal(body, out)
}

// client returns an HTTP client whose TLS trusts the roots, or else a
// chain whose certificates include one with a registered thumbprint (the
// SHA-1 of its DER, hex), as AWS checks an OIDC provider's. It follows no
// redirects: the issuer's documents are where it says they are. It
// connects only to public addresses unless AllowPrivate.
func (v *Verifier) client(thumbprints []string) *http.Client {
	tlsConfig := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // verified below, by roots or thumbprints
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("oidc: no certificate")
			}
			leaf := cs.PeerCertificates[0]
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			opts := x509.VerifyOptions{DNSName: cs.ServerName, Intermediates: inter, Roots: v.RootCAs}
			if _, err := leaf.Verify(opts); err == nil {
				return nil
			}
			pinned := x509.NewCertPool()
			n := 0
			for _, c := range cs.PeerCertificates {
				sum := sha1.Sum(c.Raw)
				if slices.Contains(thumbprints, hex.EncodeToString(sum[:])) {
					pinned.AddCert(c)
					n++
				}
			}
			if n == 0 {
				return errors.New("oidc: no certificate of the chain has a registered thumbprint")
			}
			opts.Roots = pinned
			_, err := leaf.Verify(opts)
			return err
		},
	}
	// No proxy: the address checked is the provider's own.
	dialer := &net.Dialer{Timeout: FetchTimeout, Control: netguard.Control(v.AllowPrivate)}
	return &http.Client{
		Timeout: FetchTimeout,
		Transport: &http.Transport{DialContext: dialer.DialContext, TLSClientConfig: tlsConfig, ResponseHeaderTimeout: FetchTimeout,
			MaxResponseHeaderBytes: 64 << 10},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
