package sts_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
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

// accountLookups is a store that counts the look-ups of one account.
type accountLookups struct {
	iam.Store
	account string
	n       atomic.Int64
}

func (s *accountLookups) AccountByID(ctx context.Context, id string) (keyward.Account, error) {
	if id == s.account {
		s.n.Add(1)
	}
	return s.Store.AccountByID(ctx, id)
}

// TestAttackFederationRoutedAfterTheAnswer: an unsigned caller's event is
// in the trail of its role's account once that account is looked up, and
// an account that is not here is a read of the store where one that is
// here is cached: looked up before the answer, its time was the caller's
// to measure. Nothing is looked up while the request is answered; the
// audit recorder's writer looks the account up, in the background, and
// the refusal still lands in the first account's trail.
func TestAttackFederationRoutedAfterTheAnswer(t *testing.T) {
	k := kwtest.New(t)
	const nowhere = "999999999999"
	st := &accountLookups{Store: k.IAM.Store, account: nowhere}
	k.IAM.Store = st
	form := url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"}, "RoleArn": {roleARN(nowhere, "ci")},
		"RoleSessionName": {"probe"}, "WebIdentityToken": {"not.a.token"}}
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	k.API.ServeHTTP(rec, r)
	if rec.Code < 400 || !strings.Contains(rec.Body.String(), "</ErrorResponse>") {
		t.Fatalf("answered %d: %s", rec.Code, rec.Body)
	}
	if n := st.n.Load(); n != 0 {
		t.Fatalf("the role's account was looked up %d times while the request was answered", n)
	}
	ctx := context.Background()
	must(t, k.Audit.Flush(ctx))
	if st.n.Load() == 0 {
		t.Fatal("the role's account was never looked up")
	}
	evs, _, err := k.Store.LookupEvents(ctx, keyward.EventQuery{EventName: "AssumeRoleWithWebIdentity", Max: 10})
	must(t, err)
	if len(evs) != 1 {
		t.Fatalf("%d refusals in the first account's trail, want 1", len(evs))
	}
}
