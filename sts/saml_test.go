package sts_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	crewsaml "github.com/crewjam/saml"

	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/saml"
)

// The SAML tests sign in with a real identity provider, crewjam/saml's
// IdentityProvider, which reads Keyward's service-provider metadata and
// signs real responses for Keyward's SAML endpoint.

// samlBench is a Keyward with an identity provider registered as the SAML
// provider "corp", whose user alice may be Admin or Reader, and root's IAM
// client.
type samlBench struct {
	*attackBench
	idp         *kwtest.IdP
	providerARN string
	rootIAM     *awsiam.Client
}

func newSAMLBench(t *testing.T) *samlBench {
	t.Helper()
	b := &samlBench{attackBench: newAttackBench(t)}
	b.idp = kwtest.NewIdP(t, b.STS.SAML, b.clock.Now)
	b.rootIAM = b.iam(kwtest.RootKeyID, kwtest.RootSecret)
	out, err := b.rootIAM.CreateSAMLProvider(context.Background(), &awsiam.CreateSAMLProviderInput{Name: aws.String("corp"),
		SAMLMetadataDocument: aws.String(b.idp.Metadata), Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("sso")}}})
	must(t, err)
	b.providerARN = aws.ToString(out.SAMLProviderArn)
	b.idp.Session.CustomAttributes = []crewsaml.Attribute{
		kwtest.IdPAttribute(saml.AttributeRole, b.roleARN("Admin")+","+b.providerARN, b.providerARN+","+b.roleARN("Reader")),
		kwtest.IdPAttribute(saml.AttributeSessionName, "alice")}
	return b
}

func (b *samlBench) roleARN(name string) string {
	return "arn:aws:iam::" + kwtest.AccountID + ":role/" + name
}

func (b *samlBench) response(*testing.T) string { return b.idp.Response() }

// samlRole creates a role that the provider may assume, on conditions.
func (b *samlBench) samlRole(t *testing.T, name, conditions string) {
	t.Helper()
	if conditions == "" {
		conditions = `{"StringEquals":{"SAML:aud":"` + b.STS.SAML.Endpoint() + `"}}`
	}
	_, err := b.rootIAM.CreateRole(context.Background(), &awsiam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + b.providerARN +
			`"},"Action":["sts:AssumeRoleWithSAML","sts:TagSession"],"Condition":` + conditions + `}]}`)})
	must(t, err)
	_, err = b.rootIAM.PutRolePolicy(context.Background(), &awsiam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("read"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`)})
	must(t, err)
}

func (b *samlBench) assume(resp, role string) (*sts.AssumeRoleWithSAMLOutput, error) {
	return b.sts("", "").AssumeRoleWithSAML(context.Background(), &sts.AssumeRoleWithSAMLInput{
		RoleArn: aws.String(b.roleARN(role)), PrincipalArn: aws.String(b.providerARN), SAMLAssertion: aws.String(resp)})
}

// TestAssumeRoleWithSAML: a person signed in at the company's identity
// provider becomes a session of a role its Role attribute names, with
// AWS's answer (subject, its type, issuer, audience, name qualifier), the
// role's permissions, and a session no longer than the IdP's.
func TestAssumeRoleWithSAML(t *testing.T) {
	b := newSAMLBench(t)
	b.samlRole(t, "Admin", "")
	b.idp.SessionEnd = b.clock.Now().Add(30 * time.Minute)
	out, err := b.assume(b.response(t), "Admin")
	must(t, err)
	if got := aws.ToString(out.AssumedRoleUser.Arn); got != "arn:aws:sts::"+kwtest.AccountID+":assumed-role/Admin/alice" {
		t.Errorf("session ARN %s", got)
	}
	if aws.ToString(out.Subject) != "alice@corp.test" || aws.ToString(out.SubjectType) != "persistent" ||
		aws.ToString(out.Issuer) != "https://idp.corp.test/metadata" || aws.ToString(out.Audience) != b.STS.SAML.Endpoint() ||
		aws.ToString(out.NameQualifier) == "" {
		t.Errorf("answered subject %q (%q), issuer %q, audience %q, name qualifier %q", aws.ToString(out.Subject), aws.ToString(out.SubjectType),
			aws.ToString(out.Issuer), aws.ToString(out.Audience), aws.ToString(out.NameQualifier))
	}
	if exp := aws.ToTime(out.Credentials.Expiration); exp.After(b.clock.Now().Add(30*time.Minute)) || exp.Before(b.clock.Now().Add(29*time.Minute)) {
		t.Errorf("session expires %v, want the IdP's session end %v", exp, b.clock.Now().Add(30*time.Minute))
	}
	iamAs, stsAs := b.session2(out)
	id, err := stsAs.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	must(t, err)
	if aws.ToString(id.Arn) != aws.ToString(out.AssumedRoleUser.Arn) {
		t.Errorf("the session is %s", aws.ToString(id.Arn))
	}
	_, err = iamAs.ListUsers(context.Background(), &awsiam.ListUsersInput{})
	must(t, err)
	_, err = iamAs.CreateUser(context.Background(), &awsiam.CreateUserInput{UserName: aws.String("x")})
	kwtest.WantAPIError(t, err, "AccessDenied", 403, "")
}

func (b *samlBench) session2(out *sts.AssumeRoleWithSAMLOutput) (*awsiam.Client, *sts.Client) {
	cfg := b.Config(aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken))
	return awsiam.NewFromConfig(cfg), sts.NewFromConfig(cfg)
}

// TestSAMLProviders: IAM's SAML provider operations through the SDK, with
// the metadata checked, AWS's errors, and tags.
func TestSAMLProviders(t *testing.T) {
	b := newSAMLBench(t)
	ctx := context.Background()
	got, err := b.rootIAM.GetSAMLProvider(ctx, &awsiam.GetSAMLProviderInput{SAMLProviderArn: aws.String(b.providerARN)})
	must(t, err)
	if aws.ToString(got.SAMLMetadataDocument) != b.idp.Metadata || got.CreateDate == nil || got.ValidUntil == nil || len(got.Tags) != 1 {
		t.Errorf("GetSAMLProvider: %+v", got)
	}
	list, err := b.rootIAM.ListSAMLProviders(ctx, &awsiam.ListSAMLProvidersInput{})
	must(t, err)
	if len(list.SAMLProviderList) != 1 || aws.ToString(list.SAMLProviderList[0].Arn) != b.providerARN {
		t.Errorf("ListSAMLProviders: %+v", list.SAMLProviderList)
	}
	_, err = b.rootIAM.CreateSAMLProvider(ctx, &awsiam.CreateSAMLProviderInput{Name: aws.String("CORP"), SAMLMetadataDocument: aws.String(b.idp.Metadata)})
	kwtest.WantAPIError(t, err, "EntityAlreadyExists", 409, "")
	bad := strings.Replace(b.idp.Metadata, "X509Certificate", "X509Certificat", -1) + strings.Repeat(" ", 1000)
	_, err = b.rootIAM.CreateSAMLProvider(ctx, &awsiam.CreateSAMLProviderInput{Name: aws.String("bad"), SAMLMetadataDocument: aws.String(bad)})
	kwtest.WantAPIError(t, err, "InvalidInput", 400, "")
	_, err = b.rootIAM.UpdateSAMLProvider(ctx, &awsiam.UpdateSAMLProviderInput{SAMLProviderArn: aws.String(b.providerARN), SAMLMetadataDocument: aws.String(bad)})
	kwtest.WantAPIError(t, err, "InvalidInput", 400, "")
	upd, err := b.rootIAM.UpdateSAMLProvider(ctx, &awsiam.UpdateSAMLProviderInput{SAMLProviderArn: aws.String(b.providerARN), SAMLMetadataDocument: aws.String(b.idp.Metadata)})
	must(t, err)
	if aws.ToString(upd.SAMLProviderArn) != b.providerARN {
		t.Errorf("UpdateSAMLProvider answered %s", aws.ToString(upd.SAMLProviderArn))
	}
	_, err = b.rootIAM.TagSAMLProvider(ctx, &awsiam.TagSAMLProviderInput{SAMLProviderArn: aws.String(b.providerARN), Tags: []iamtypes.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}})
	must(t, err)
	_, err = b.rootIAM.UntagSAMLProvider(ctx, &awsiam.UntagSAMLProviderInput{SAMLProviderArn: aws.String(b.providerARN), TagKeys: []string{"team"}})
	must(t, err)
	tags, err := b.rootIAM.ListSAMLProviderTags(ctx, &awsiam.ListSAMLProviderTagsInput{SAMLProviderArn: aws.String(b.providerARN)})
	must(t, err)
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "env" {
		t.Errorf("tags %+v", tags.Tags)
	}
	// A user allowed only to read SAML providers may not change them.
	id, secret := b.User(t, "reader", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetSAMLProvider","iam:ListSAMLProviders"],"Resource":"*"}]}`)
	_, err = b.iam(id, secret).DeleteSAMLProvider(ctx, &awsiam.DeleteSAMLProviderInput{SAMLProviderArn: aws.String(b.providerARN)})
	kwtest.WantAPIError(t, err, "AccessDenied", 403, "")
	_, err = b.rootIAM.DeleteSAMLProvider(ctx, &awsiam.DeleteSAMLProviderInput{SAMLProviderArn: aws.String(b.providerARN)})
	must(t, err)
	_, err = b.rootIAM.GetSAMLProvider(ctx, &awsiam.GetSAMLProviderInput{SAMLProviderArn: aws.String(b.providerARN)})
	kwtest.WantAPIError(t, err, "NoSuchEntity", 404, "")
	var nf *iamtypes.NoSuchEntityException
	if !errors.As(err, &nf) {
		t.Errorf("GetSAMLProvider of a deleted provider: %v", err)
	}
}
