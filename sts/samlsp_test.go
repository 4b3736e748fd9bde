package sts_test

import (
	"strings"
	"testing"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/saml"
)

// TestSAMLSPInitiated: the providers SP-initiated sign-in may use, the
// AuthnRequest sent to one, and a role's session only for a response that
// answers the request named in saml.Options; AssumeRoleWithSAML, which
// knows no request, takes any.
func TestSAMLSPInitiated(t *testing.T) {
	b := newSAMLBench(t)
	b.samlRole(t, "Admin", "")
	ctx := b.root()
	list, err := b.STS.SAMLSignInProviders(ctx)
	must(t, err)
	if len(list) != 1 || list[0].Name != "corp" || list[0].ARN != b.providerARN {
		t.Fatalf("providers %+v", list)
	}
	if _, _, err := b.STS.SAMLAuthnRequest(ctx, "nosuch", ""); keyward.ErrorCode(err) != keyward.ENoSuchEntity {
		t.Fatalf("an unknown provider: %v", err)
	}
	arn, req, err := b.STS.SAMLAuthnRequest(ctx, "corp", "")
	must(t, err)
	if arn != b.providerARN || !strings.HasPrefix(req.URL, "https://idp.corp.test/sso?SAMLRequest=") {
		t.Fatalf("request %s to %+v", arn, req)
	}
	response, _ := b.idp.Answer(req.URL)
	if _, err := b.STS.SAMLConsoleSession(ctx, b.roleARN("Admin"), b.providerARN, response, saml.Options{InResponseTo: "id-" + strings.Repeat("0", 40)}); keyward.ErrorCode(err) != keyward.EInvalidIdentityToken {
		t.Fatalf("a response to another request: %v", err)
	}
	if _, err := b.STS.SAMLConsoleSession(ctx, b.roleARN("Admin"), b.providerARN, response, saml.Options{InResponseTo: req.ID}); err != nil {
		t.Fatalf("the response to the request: %v", err)
	}
	// An IdP-initiated response answers no request, and so none named.
	if _, err := b.STS.SAMLConsoleSession(ctx, b.roleARN("Admin"), b.providerARN, b.idp.Response(), saml.Options{InResponseTo: req.ID}); keyward.ErrorCode(err) != keyward.EInvalidIdentityToken {
		t.Fatalf("an IdP-initiated response for a request: %v", err)
	}
}
