package sts_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	crewsaml "github.com/crewjam/saml"

	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/saml"
)

// TestSAMLAssertionUsedOnceAcrossAccounts: one identity provider
// registered in two accounts (the management account's "corp" and member
// account B's "corp", one metadata document) signs a response whose Role
// attribute offers a role of each. The response is single-use: once it
// has signed in to one account, a copy of it (a captured POST, a browser's
// history) signs in to no other. The assertion's key named the provider's
// account, so that each account took it once.
func TestSAMLAssertionUsedOnceAcrossAccounts(t *testing.T) {
	t.Parallel()
	w := newOrgWorld(t)
	ctx := context.Background()
	bIAM, _ := w.admin(t, w.b)
	idp := kwtest.NewIdP(t, w.ts.STS.SAML, w.ts.Clock.Now)
	providers := map[string]string{}
	for acct, c := range map[string]*iam.Client{kwtest.AccountID: w.ts.RootIAM(), w.b: bIAM} {
		out, err := c.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("corp"), SAMLMetadataDocument: aws.String(idp.Metadata)})
		must(t, err)
		providers[acct] = aws.ToString(out.SAMLProviderArn)
		_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("Admin"), AssumeRolePolicyDocument: kwtest.TrustDoc(
			`{"Effect":"Allow","Principal":{"Federated":"` + providers[acct] + `"},"Action":"sts:AssumeRoleWithSAML"}`)})
		must(t, err)
	}
	idp.Session.CustomAttributes = []crewsaml.Attribute{
		kwtest.IdPAttribute(saml.AttributeRole, roleARN(kwtest.AccountID, "Admin")+","+providers[kwtest.AccountID], roleARN(w.b, "Admin")+","+providers[w.b]),
		kwtest.IdPAttribute(saml.AttributeSessionName, "alice")}
	resp := idp.Response()
	anon := w.ts.AnonymousSTS()
	assume := func(acct string) error {
		_, err := anon.AssumeRoleWithSAML(ctx, &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String(roleARN(acct, "Admin")),
			PrincipalArn: aws.String(providers[acct]), SAMLAssertion: aws.String(resp)})
		return err
	}
	must(t, assume(kwtest.AccountID))
	kwtest.WantAPIError(t, assume(w.b), "InvalidIdentityToken", http.StatusBadRequest, "Duplicate SAML assertion.")
	kwtest.WantAPIError(t, assume(kwtest.AccountID), "InvalidIdentityToken", http.StatusBadRequest, "Duplicate SAML assertion.")
}
