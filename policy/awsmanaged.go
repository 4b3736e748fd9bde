package policy

import (
	"time"

	"github.com/keyward/keyward"
)

// awsManaged are the AWS managed policies Keyward provides, with AWS's
// documents, IDs and default version IDs; AWSManagedPolicies completes
// them.
var awsManaged = [...]keyward.AWSManagedPolicy{
	{Policy: keyward.ManagedPolicy{ID: "ANPAIWMBCKSKIEE64ZLYK", Name: "AdministratorAccess", DefaultVersion: "v1",
		Description: "Provides full access to AWS services and resources."},
		Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`},
	{Policy: keyward.ManagedPolicy{ID: "ANPAI7XKCFMBPM3QQRRVQ", Name: "IAMFullAccess", DefaultVersion: "v2",
		Description: "Provides full access to IAM via the AWS Management Console."},
		Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","organizations:DescribeAccount","organizations:DescribeOrganization","organizations:DescribeOrganizationalUnit","organizations:DescribePolicy","organizations:ListChildren","organizations:ListParents","organizations:ListPoliciesForTarget","organizations:ListRoots","organizations:ListPolicies","organizations:ListTargetsForPolicy"],"Resource":"*"}]}`},
	{Policy: keyward.ManagedPolicy{ID: "ANPAJKSO7NDY4T57MWDSQ", Name: "IAMReadOnlyAccess", DefaultVersion: "v4",
		Description: "Provides read only access to IAM via the AWS Management Console."},
		Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GenerateCredentialReport","iam:GenerateServiceLastAccessedDetails","iam:Get*","iam:List*","iam:SimulateCustomPolicy","iam:SimulatePrincipalPolicy"],"Resource":"*"}]}`},
	{Policy: keyward.ManagedPolicy{ID: "ANPAJ4L4MM2A7QIEB56MS", Name: "IAMUserChangePassword", DefaultVersion: "v2",
		Description: "Provides the ability for an IAM user to change their own password."},
		Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ChangePassword"],"Resource":["arn:aws:iam::*:user/${aws:username}"]},{"Effect":"Allow","Action":["iam:GetAccountPasswordPolicy"],"Resource":"*"}]}`},
	{Policy: keyward.ManagedPolicy{ID: "ANPAI4VT74EMXK2PMQJM2", Name: "IAMSelfManageServiceSpecificCredentials", DefaultVersion: "v1",
		Description: "Allows an IAM user to manage their own Service Specific Credentials"},
		Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:CreateServiceSpecificCredential","iam:ListServiceSpecificCredentials","iam:UpdateServiceSpecificCredential","iam:DeleteServiceSpecificCredential","iam:ResetServiceSpecificCredential"],"Resource":"arn:aws:iam::*:user/${aws:username}"}]}`},
}

// awsManagedCreated is when AWS created these policies, as it reports it.
var awsManagedCreated = time.Date(2015, 2, 6, 18, 39, 46, 0, time.UTC)

// AWSManagedPolicies returns the AWS managed policies Keyward provides, as
// AWS reports them: path, ARN and dates filled in. They are written to the
// store at every start, so that a newer Keyward brings newer documents.
// Each call returns a new slice, which the caller may change.
func AWSManagedPolicies() []keyward.AWSManagedPolicy {
	out := make([]keyward.AWSManagedPolicy, len(awsManaged))
	for i, m := range awsManaged {
		p := &m.Policy
		p.Path, p.AWSManaged = "/", true
		p.ARN = keyward.AWSManagedPolicyARNPrefix + "/" + p.Name
		p.CreatedAt, p.UpdatedAt = awsManagedCreated, awsManagedCreated
		out[i] = m
	}
	return out
}

// SelfManageAccessKeysPolicy is AWS's documented example policy that lets
// each IAM user manage their own access keys and nothing else.
const SelfManageAccessKeysPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"ManageOwnAccessKeys","Effect":"Allow","Action":["iam:CreateAccessKey","iam:DeleteAccessKey","iam:GetAccessKeyLastUsed","iam:GetUser","iam:ListAccessKeys","iam:UpdateAccessKey","iam:TagUser"],"Resource":"arn:aws:iam::*:user/${aws:username}"}]}`
