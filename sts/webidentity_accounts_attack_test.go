package sts_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestWebIdentityRoleNamesNotRevealed: an unsigned caller names any
// account's role, and a token of a provider that account registered is
// anyone's for the asking (any repository's CI job gets one from a public
// issuer). A role that does not admit the token must be refused as a role
// that is not there, whatever the duration asked: a duration past the
// role's maximum answered ValidationError for a role that exists before
// its trust policy was consulted, telling the account's role names to
// anyone.
func TestWebIdentityRoleNamesNotRevealed(t *testing.T) {
	t.Parallel()
	w, is, _, anon := newCIWorld(t)
	ctx := context.Background()
	// The token of a repository the role's trust policy does not name.
	token := is.Token(t, "repo:mallory/probe:ref:main", "sts.amazonaws.com", w.ts.Clock.Now().Add(time.Hour))
	for _, role := range []string{"ci", "no-such-role"} {
		for _, d := range []int32{0, 43200} {
			in := &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(roleARN(w.b, role)), RoleSessionName: aws.String("probe"),
				WebIdentityToken: aws.String(token)}
			if d != 0 {
				in.DurationSeconds = aws.Int32(d)
			}
			_, err := anon.AssumeRoleWithWebIdentity(ctx, in)
			kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "Not authorized to perform sts:AssumeRoleWithWebIdentity")
		}
	}
}

// TestRefusedFederationInTheRolesTrail: an unsigned AssumeRoleWithWebIdentity
// or AssumeRoleWithSAML that is refused is an event of the account of the
// role it names, as AWS records it, when that account is the
// installation's: a token of no provider, a token the role does not
// admit, a missing role, a SAML response of no provider. A role of an
// account the installation does not have stays in the first account's
// trail, and the caller is answered alike either way: the routing tells
// it nothing of which accounts exist.
func TestRefusedFederationInTheRolesTrail(t *testing.T) {
	t.Parallel()
	w, is, _, anon := newCIWorld(t)
	ctx := context.Background()
	probe := is.Token(t, "repo:mallory/probe:ref:main", "sts.amazonaws.com", w.ts.Clock.Now().Add(time.Hour))
	const nowhere = "999999999999" // no account of the installation
	webIdentity := func(account, role, token string) func() (string, error) {
		return func() (string, error) {
			_, err := anon.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(roleARN(account, role)),
				RoleSessionName: aws.String("probe"), WebIdentityToken: aws.String(token)})
			return "AssumeRoleWithWebIdentity", err
		}
	}
	withSAML := func(account string) func() (string, error) {
		return func() (string, error) {
			_, err := anon.AssumeRoleWithSAML(ctx, &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String(roleARN(account, "ci")),
				PrincipalArn: aws.String("arn:aws:iam::" + account + ":saml-provider/corp"), SAMLAssertion: aws.String("bm90IGEgcmVzcG9uc2U")})
			return "AssumeRoleWithSAML", err
		}
	}
	count := func(account, name string) int {
		t.Helper()
		must(t, w.ts.Audit.Flush(ctx))
		evs, _, err := w.ts.Store.InAccount(account).LookupEvents(ctx, keyward.EventQuery{EventName: name, Max: 100})
		must(t, err)
		return len(evs)
	}
	answers := map[string]string{}
	for _, v := range []struct {
		name, account string // the account of the role named, whose trail holds the refusal
		call          func() (string, error)
		trail         string
	}{
		{"a token of no provider", w.b, webIdentity(w.b, "ci", "not.a.token"), w.b},
		{"a token the role does not admit", w.b, webIdentity(w.b, "ci", probe), w.b},
		{"a missing role", w.b, webIdentity(w.b, "absent", probe), w.b},
		{"SAML: no such provider", w.b, withSAML(w.b), w.b},
		{"a token of no provider, no such account", nowhere, webIdentity(nowhere, "ci", "not.a.token"), kwtest.AccountID},
		{"SAML: no such account", nowhere, withSAML(nowhere), kwtest.AccountID},
	} {
		t.Run(v.name, func(t *testing.T) {
			name, _ := v.call()
			before := map[string]int{kwtest.AccountID: count(kwtest.AccountID, name), w.b: count(w.b, name)}
			_, err := v.call()
			if err == nil {
				t.Fatal("a session")
			}
			var ae smithy.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("refused with %v", err)
			}
			answers[v.name] = ae.ErrorCode() + ": " + strings.ReplaceAll(ae.ErrorMessage(), v.account, "ACCOUNT")
			for _, acct := range []string{kwtest.AccountID, w.b} {
				added := count(acct, name) - before[acct]
				if want := 0; acct == v.trail {
					if added != 1 {
						t.Errorf("%s's trail gained %d refusals, want 1", acct, added)
					}
				} else if added != want {
					t.Errorf("%s's trail gained %d refusals, want none", acct, added)
				}
			}
		})
	}
	// The same answer whether the role's account is the installation's.
	if answers["a token of no provider"] != answers["a token of no provider, no such account"] || answers["SAML: no such provider"] != answers["SAML: no such account"] {
		t.Errorf("answers differ by the account's existence: %q", answers)
	}
}
