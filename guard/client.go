package guard

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward/sigv4"
	"github.com/keyward/keyward/verify/wire"
)

// client speaks Keyward's verifier protocol, signing each call as the
// guarded service's own identity.
type client struct {
	http    *http.Client
	base    string
	signer  *sigv4.Signer
	now     func() time.Time
	maxResp int64
}

// errNoSuchIdentity is Keyward's answer for a key that does not exist or
// may not sign: the caller's problem, not the service's.
var errNoSuchIdentity = errors.New("guard: no such identity")

func newClient(c Config) (*client, error) {
	var transport *http.Transport
	base := "https://" + c.Endpoint
	if strings.HasPrefix(c.Endpoint, "/") || strings.HasPrefix(c.Endpoint, "@") {
		sock := c.Endpoint
		transport = &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		}}
		base = "http://keyward"
	} else {
		if c.TLS == nil || len(c.TLS.Certificates) == 0 && c.TLS.GetClientCertificate == nil {
			return nil, errors.New("guard: a TCP endpoint needs Config.TLS with a client certificate: Keyward serves the verifier protocol only with mutual TLS")
		}
		transport = &http.Transport{TLSClientConfig: c.TLS.Clone(), ForceAttemptHTTP2: true}
	}
	transport.MaxIdleConnsPerHost = 64
	transport.IdleConnTimeout = 60 * time.Second
	transport.ResponseHeaderTimeout = c.Timeout
	return &client{http: &http.Client{Transport: transport, Timeout: c.Timeout}, base: base,
		signer: &sigv4.Signer{KeyID: c.AccessKeyID, Secret: c.SecretAccessKey, Region: "us-east-1", Service: "iam"},
		now:    c.Now, maxResp: 1 << 20}, nil
}

// call POSTs in to path and decodes the answer into out.
func (c *client) call(ctx context.Context, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(wire.ProtocolHeader, strconv.Itoa(wire.ProtocolVersion))
	c.signer.Sign(req, body, c.now())
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("guard: asking Keyward: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxResp))
	if err != nil {
		return fmt.Errorf("guard: reading Keyward's answer: %w", err)
	}
	if resp.Header.Get(wire.ProtocolHeader) == "" {
		return fmt.Errorf("guard: %s answered %d without %s: not Keyward's verifier protocol", path, resp.StatusCode, wire.ProtocolHeader)
	}
	if resp.StatusCode != http.StatusOK {
		var e wire.ErrorBody
		json.Unmarshal(data, &e)
		if e.Code == wire.CodeNoSuchIdentity || e.Code == wire.CodeInvalidToken {
			return errNoSuchIdentity
		}
		return fmt.Errorf("guard: %s answered %d: %s", path, resp.StatusCode, e.Error)
	}
	return json.Unmarshal(data, out)
}

// version checks that Keyward answers and accepts this guard's identity.
func (c *client) version(ctx context.Context) (wire.VersionResponse, error) {
	var out wire.VersionResponse
	err := c.call(ctx, wire.VersionPath, struct{}{}, &out)
	return out, err
}

// derive returns the signing key of an access key for one scope.
func (c *client) derive(ctx context.Context, keyID, sessionToken, date, region, service string) (wire.DeriveSigningKeyResponse, error) {
	var out wire.DeriveSigningKeyResponse
	err := c.call(ctx, wire.DerivePath, wire.DeriveSigningKeyRequest{AccessKeyID: keyID, SessionToken: sessionToken, Date: date, Region: region, Service: service}, &out)
	if err == nil && len(out.DerivedKey) != 32 {
		err = fmt.Errorf("guard: Keyward derived a key of %d bytes", len(out.DerivedKey))
	}
	return out, err
}

// evaluate asks for the decision of one action on one resource, and
// returns it with the ARN of the key's principal as Keyward knows it now.
func (c *client) evaluate(ctx context.Context, req wire.EvaluatePolicyRequest) (decision, principalARN string, err error) {
	var out wire.EvaluatePolicyResponse
	if err := c.call(ctx, wire.EvaluatePath, req, &out); err != nil {
		return "", "", err
	}
	if len(out.Decisions) != 1 || len(out.Decisions[0]) != 1 || out.PrincipalArn == "" {
		return "", "", errors.New("guard: Keyward's decision has the wrong shape")
	}
	return out.Decisions[0][0], out.PrincipalArn, nil
}
