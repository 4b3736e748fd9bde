package kwtest

import (
	"context"
	"net"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	crewsaml "github.com/crewjam/saml"

	"github.com/keyward/keyward/saml"
)

// IdPSite is a real identity provider (IdP, with its login form) served
// over HTTP at http://localhost:port, another site than Keyward's
// http://127.0.0.1:port as a browser sees them, known to Keyward as the
// SAML provider "corp"; the role Admin trusts it and may list IAM.
type IdPSite struct {
	*IdP
	URL, ProviderARN, RoleARN string
}

// NewIdPSite serves an identity provider for sp, on the clock now, and
// makes its provider and role through api, root's client of the Keyward
// at keywardURL, which becomes sp's base URL as the listener's own address
// is without --public-url on a fixed port.
func NewIdPSite(t testing.TB, sp *saml.ServiceProvider, now func() time.Time, keywardURL string, api *awsiam.Client) *IdPSite {
	t.Helper()
	sp.BaseURL = keywardURL
	srv := httptest.NewUnstartedServer(nil)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	p := &IdPSite{URL: "http://localhost:" + port}
	p.IdP = NewIdPAt(t, sp, now, p.URL)
	srv.Config.Handler = p.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	bg := context.Background()
	out, err := api.CreateSAMLProvider(bg, &awsiam.CreateSAMLProviderInput{Name: aws.String("corp"), SAMLMetadataDocument: aws.String(p.Metadata)})
	if err != nil {
		t.Fatal(err)
	}
	p.ProviderARN = aws.ToString(out.SAMLProviderArn)
	role, err := api.CreateRole(bg, &awsiam.CreateRoleInput{RoleName: aws.String("Admin"), AssumeRolePolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + p.ProviderARN + `"},` +
			`"Action":"sts:AssumeRoleWithSAML","Condition":{"StringEquals":{"SAML:aud":"` + keywardURL + `/saml"}}}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	p.RoleARN = aws.ToString(role.Role.Arn)
	if _, err := api.PutRolePolicy(bg, &awsiam.PutRolePolicyInput{RoleName: aws.String("Admin"), PolicyName: aws.String("list"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	p.Session.CustomAttributes = []crewsaml.Attribute{IdPAttribute(saml.AttributeRole, p.RoleARN+","+p.ProviderARN),
		IdPAttribute(saml.AttributeSessionName, "alice")}
	return p
}
