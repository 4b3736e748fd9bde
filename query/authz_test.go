package query_test

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/query"
)

// deniedForms are requests, valid but for their permission, of every
// action that needs one; TestEveryActionAuthorized fails for an action of
// the table that has none here.
var deniedForms = func() map[string]string {
	policy := "PolicyArn=" + url.QueryEscape(localPolicy)
	mfa := "SerialNumber=" + url.QueryEscape(mfaSerial)
	oidc := "OpenIDConnectProviderArn=" + url.QueryEscape(oidcProvider)
	saml := "SAMLProviderArn=" + url.QueryEscape(samlProvider)
	targetARN := url.QueryEscape("arn:aws:iam::123456789012:user/target")
	forms := map[string]string{
		"CreateUser":                         "UserName=newcomer",
		"GetUser":                            "UserName=target",
		"ListUsers":                          "",
		"UpdateUser":                         "UserName=target&NewPath=%2Fmoved%2F",
		"DeleteUser":                         "UserName=target",
		"CreateAccessKey":                    "UserName=target",
		"UpdateAccessKey":                    "UserName=target&AccessKeyId=AKIAAAAAAAAAAAAAAAAA&Status=Inactive",
		"DeleteAccessKey":                    "UserName=target&AccessKeyId=AKIAAAAAAAAAAAAAAAAA",
		"ListAccessKeys":                     "UserName=target",
		"GetAccessKeyLastUsed":               "AccessKeyId=" + rootKeyID,
		"CreateGroup":                        "GroupName=newgroup",
		"GetGroup":                           "GroupName=g",
		"ListGroups":                         "",
		"DeleteGroup":                        "GroupName=g",
		"UpdateGroup":                        "GroupName=g&NewPath=%2Fmoved%2F",
		"AddUserToGroup":                     "GroupName=g&UserName=target",
		"RemoveUserFromGroup":                "GroupName=g&UserName=target",
		"ListGroupsForUser":                  "UserName=target",
		"CreatePolicy":                       "PolicyName=New&PolicyDocument=" + url.QueryEscape(allowAll),
		"GetPolicy":                          policy,
		"ListPolicies":                       "",
		"DeletePolicy":                       policy,
		"GetPolicyVersion":                   policy + "&VersionId=v1",
		"ListPolicyVersions":                 policy,
		"CreatePolicyVersion":                policy + "&PolicyDocument=" + url.QueryEscape(allowAll),
		"SetDefaultPolicyVersion":            policy + "&VersionId=v1",
		"DeletePolicyVersion":                policy + "&VersionId=v1",
		"SimulatePrincipalPolicy":            "PolicySourceArn=" + targetARN + "&ActionNames.member.1=iam%3AListUsers",
		"CreateLoginProfile":                 "UserName=target&Password=Target-Passw0rd",
		"GetLoginProfile":                    "UserName=target",
		"UpdateLoginProfile":                 "UserName=target&PasswordResetRequired=true",
		"DeleteLoginProfile":                 "UserName=target",
		"ChangePassword":                     "OldPassword=Nobody-Passw0rd&NewPassword=Nobody-Passw0rd-2",
		"UpdateAccountPasswordPolicy":        "MinimumPasswordLength=10",
		"GetAccountPasswordPolicy":           "",
		"DeleteAccountPasswordPolicy":        "",
		"PutAccessKeyPolicy":                 "MaxAge=90d",
		"GetAccessKeyPolicy":                 "",
		"DeleteAccessKeyPolicy":              "",
		"GenerateCredentialReport":           "",
		"GetCredentialReport":                "",
		"GetAccessKeyInfo":                   "AccessKeyId=" + rootKeyID,
		"GetFederationToken":                 "Name=web-user",
		"DecodeAuthorizationMessage":         "EncodedMessage=KWM1abc",
		"CreateInstanceProfile":              "InstanceProfileName=ip",
		"GetInstanceProfile":                 "InstanceProfileName=ip",
		"ListInstanceProfilesForRole":        "RoleName=trusting",
		"AddRoleToInstanceProfile":           "InstanceProfileName=ip&RoleName=trusting",
		"RemoveRoleFromInstanceProfile":      "InstanceProfileName=ip&RoleName=trusting",
		"DeleteInstanceProfile":              "InstanceProfileName=ip",
		"CreateServiceLinkedRole":            "AWSServiceName=autoscaling.amazonaws.com",
		"DeleteServiceLinkedRole":            "RoleName=trusting",
		"GetServiceLinkedRoleDeletionStatus": "DeletionTaskId=task%2Faws-service-role%2Fautoscaling.amazonaws.com%2FAWSServiceRoleForAutoScaling%2Fabc-0011223344556677",
		"AssumeRole":                         "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Ftrusting&RoleSessionName=s1",

		"CreateVirtualMFADevice":          "VirtualMFADeviceName=phone",
		"EnableMFADevice":                 "UserName=target&SerialNumber=" + url.QueryEscape(mfaSerial) + "&AuthenticationCode1=123456&AuthenticationCode2=234567",
		"ResyncMFADevice":                 "UserName=target&SerialNumber=" + url.QueryEscape(mfaSerial) + "&AuthenticationCode1=123456&AuthenticationCode2=234567",
		"DeactivateMFADevice":             "UserName=target&SerialNumber=" + url.QueryEscape(mfaSerial),
		"DeleteVirtualMFADevice":          mfa,
		"ListMFADevices":                  "UserName=target",
		"ListVirtualMFADevices":           "",
		"UploadSSHPublicKey":              "UserName=target&SSHPublicKeyBody=" + url.QueryEscape(testSSHKey),
		"GetSSHPublicKey":                 "UserName=target&SSHPublicKeyId=APKAAAAAAAAAAAAAAAAA&Encoding=SSH",
		"ListSSHPublicKeys":               "UserName=target",
		"UpdateSSHPublicKey":              "UserName=target&SSHPublicKeyId=APKAAAAAAAAAAAAAAAAA&Status=Inactive",
		"DeleteSSHPublicKey":              "UserName=target&SSHPublicKeyId=APKAAAAAAAAAAAAAAAAA",
		"CreateServiceSpecificCredential": "UserName=target&ServiceName=codecommit.amazonaws.com",
		"ResetServiceSpecificCredential":  "UserName=target&ServiceSpecificCredentialId=ACCAAAAAAAAAAAAAAAAAA",
		"ListServiceSpecificCredentials":  "UserName=target",
		"UpdateServiceSpecificCredential": "UserName=target&ServiceSpecificCredentialId=ACCAAAAAAAAAAAAAAAAAA&Status=Inactive",
		"DeleteServiceSpecificCredential": "UserName=target&ServiceSpecificCredentialId=ACCAAAAAAAAAAAAAAAAAA",
		"UploadSigningCertificate":        "UserName=target&CertificateBody=" + url.QueryEscape(testCertificate),
		"ListSigningCertificates":         "UserName=target",
		"UpdateSigningCertificate":        "UserName=target&CertificateId=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&Status=Inactive",
		"DeleteSigningCertificate":        "UserName=target&CertificateId=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",

		"GetAccountSummary":              "",
		"CreateAccountAlias":             "AccountAlias=example",
		"DeleteAccountAlias":             "AccountAlias=example",
		"ListAccountAliases":             "",
		"ListEntitiesForPolicy":          policy,
		"GetAccountAuthorizationDetails": "",
		"ListRoles":                      "",
		"ListInstanceProfiles":           "",
		"ListSAMLProviders":              "",
		"ListOpenIDConnectProviders":     "",

		"UploadServerCertificate": "ServerCertificateName=web&CertificateBody=" + url.QueryEscape(testServerCert) + "&PrivateKey=" + url.QueryEscape(testServerKey),
		"GetServerCertificate":    "ServerCertificateName=web",
		"ListServerCertificates":  "",
		"UpdateServerCertificate": "ServerCertificateName=web&NewPath=%2Fx%2F",
		"DeleteServerCertificate": "ServerCertificateName=web",

		"PutUserPermissionsBoundary":    "UserName=target&PermissionsBoundary=" + url.QueryEscape(localPolicy),
		"DeleteUserPermissionsBoundary": "UserName=target",

		"SimulateCustomPolicy":             "PolicyInputList.member.1=" + url.QueryEscape(allowAll) + "&ActionNames.member.1=iam%3AListUsers",
		"GetContextKeysForCustomPolicy":    "PolicyInputList.member.1=" + url.QueryEscape(allowAll),
		"GetContextKeysForPrincipalPolicy": "PolicySourceArn=" + targetARN,

		"GenerateServiceLastAccessedDetails":        "Arn=" + targetARN,
		"GetServiceLastAccessedDetails":             "JobId=00000000-0000-4000-8000-000000000000",
		"GetServiceLastAccessedDetailsWithEntities": "JobId=00000000-0000-4000-8000-000000000000&ServiceNamespace=iam",
		"ListPoliciesGrantingServiceAccess":         "Arn=" + targetARN + "&ServiceNamespaces.member.1=iam",
		"SetSecurityTokenServicePreferences":        "GlobalEndpointTokenVersion=v2Token",

		"CreateRole":                    "RoleName=r&AssumeRolePolicyDocument=" + url.QueryEscape(trustAccount),
		"GetRole":                       "RoleName=r",
		"UpdateRole":                    "RoleName=r&MaxSessionDuration=7200",
		"UpdateRoleDescription":         "RoleName=r&Description=d",
		"UpdateAssumeRolePolicy":        "RoleName=r&PolicyDocument=" + url.QueryEscape(trustAccount),
		"DeleteRole":                    "RoleName=r",
		"PutRolePermissionsBoundary":    "RoleName=r&PermissionsBoundary=" + url.QueryEscape(localPolicy),
		"DeleteRolePermissionsBoundary": "RoleName=r",

		"CreateOpenIDConnectProvider":             "Url=https%3A%2F%2Ftoken.example.com&ThumbprintList.member.1=" + thumbprint,
		"GetOpenIDConnectProvider":                oidc,
		"DeleteOpenIDConnectProvider":             oidc,
		"AddClientIDToOpenIDConnectProvider":      oidc + "&ClientID=sts.amazonaws.com",
		"RemoveClientIDFromOpenIDConnectProvider": oidc + "&ClientID=sts.amazonaws.com",
		"UpdateOpenIDConnectProviderThumbprint":   oidc + "&ThumbprintList.member.1=" + thumbprint,
		"PutOpenIDConnectSignIn":                  oidc + "&ClientID=sts.amazonaws.com&ClientSecret=s3cret&DisplayName=SSO",
		"GetOpenIDConnectSignIn":                  oidc,
		"ListOpenIDConnectSignIns":                "",
		"DeleteOpenIDConnectSignIn":               oidc,

		"CreateSAMLProvider": "Name=corp&SAMLMetadataDocument=" + strings.Repeat("x", 1000),
		"GetSAMLProvider":    saml,
		"UpdateSAMLProvider": saml + "&SAMLMetadataDocument=" + strings.Repeat("x", 1000),
		"DeleteSAMLProvider": saml,

		"CreateWebhookSubscription":   "Url=" + url.QueryEscape("https://hooks.example.com/x") + "&Secret=0123456789abcdef&Events.member.1=access-key.created",
		"ListWebhookSubscriptions":    "",
		"GetWebhookSubscription":      "Id=whs-none",
		"DeleteWebhookSubscription":   "Id=whs-none",
		"ListParkedWebhookDeliveries": "",
	}
	// Users, groups and roles take the same inline and managed policy
	// requests, named after them and addressed by their own parameter.
	for entity, id := range map[string]string{"User": "UserName=target", "Group": "GroupName=g", "Role": "RoleName=r"} {
		forms["Put"+entity+"Policy"] = id + "&PolicyName=p&PolicyDocument=" + url.QueryEscape(allowAll)
		forms["Get"+entity+"Policy"] = id + "&PolicyName=p"
		forms["Delete"+entity+"Policy"] = id + "&PolicyName=p"
		forms["List"+entity+"Policies"] = id
		forms["Attach"+entity+"Policy"] = id + "&" + policy
		forms["Detach"+entity+"Policy"] = id + "&" + policy
		forms["ListAttached"+entity+"Policies"] = id
	}
	// Every taggable entity takes the same three tagging requests, named
	// after it and addressed by its own parameter.
	for entity, id := range map[string]string{
		"User": "UserName=target", "Role": "RoleName=r", "Policy": policy, "InstanceProfile": "InstanceProfileName=ip",
		"MFADevice": mfa, "ServerCertificate": "ServerCertificateName=web", "OpenIDConnectProvider": oidc, "SAMLProvider": saml,
	} {
		forms["Tag"+entity] = id + "&Tags.member.1.Key=k&Tags.member.1.Value=v"
		forms["Untag"+entity] = id + "&TagKeys.member.1=k"
		forms["List"+entity+"Tags"] = id
	}
	return forms
}()

const samlProvider = "arn:aws:iam::123456789012:saml-provider/corp"

const mfaSerial = "arn:aws:iam::123456789012:mfa/phone"

// allowedWithoutPermission are the actions AWS lets anyone call.
var allowedWithoutPermission = map[string]bool{"GetCallerIdentity": true, "GetSessionToken": true, "AssumeRoleWithWebIdentity": true,
	"AssumeRoleWithSAML": true}

// TestEveryActionAuthorized: a caller with no permission is refused every
// action with AWS's AccessDenied, naming the action, and nothing changes.
// The Service decides, not the transport.
func TestEveryActionAuthorized(t *testing.T) {
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("target")})
	must(t, err)
	_, err = root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")})
	must(t, err)
	_, err = root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("P"), PolicyDocument: aws.String(allowAll)})
	must(t, err)
	_, err = root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("trusting"), AssumeRolePolicyDocument: aws.String(trustAccount)})
	must(t, err)
	id, secret := createUserKey(t, root, "nobody")
	_, err = root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("nobody"), Password: aws.String("Nobody-Passw0rd")})
	must(t, err)

	actions := query.Actions()
	var all []string
	for service, names := range actions {
		for _, name := range names {
			all = append(all, service+":"+name)
		}
	}
	sort.Strings(all)
	for _, full := range all {
		service, name, _ := strings.Cut(full, ":")
		t.Run(name, func(t *testing.T) {
			form, ok := deniedForms[name]
			if allowedWithoutPermission[name] {
				return
			}
			if !ok {
				t.Fatalf("no request for %s: every action needs one here", name)
			}
			version, signing := query.IAMVersion, service
			switch service {
			case "sts":
				version = query.STSVersion
			case "keyward":
				signing = "iam" // Keyward's own actions are on the IAM endpoint
			}
			body := "Action=" + name + "&Version=" + version
			if form != "" {
				body += "&" + form
			}
			status, _, resp := rawDo(t, kwtest.SignedFor(t, ts.URL, body, signing, "us-east-1", id, secret))
			var e errorResponse
			must(t, xml.Unmarshal([]byte(resp), &e))
			want := service + ":" + name
			prefix := "User: arn:aws:iam::123456789012:user/nobody is not authorized to perform: " + want + " on resource: "
			if status != http.StatusForbidden || e.Error.Code != "AccessDenied" || !strings.HasPrefix(e.Error.Message, prefix) ||
				!strings.HasSuffix(e.Error.Message, " because no identity-based policy allows the "+want+" action") {
				t.Fatalf("%s without permission: %d %s %q", name, status, e.Error.Code, e.Error.Message)
			}
		})
	}
	// Nothing changed: the target is as it was.
	u, err := root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("target")})
	must(t, err)
	keys, err := root.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("target")})
	must(t, err)
	if aws.ToString(u.User.Path) != "/" || len(u.User.Tags) != 0 || len(keys.AccessKeyMetadata) != 0 {
		t.Fatalf("refused calls changed the target: %+v, %d keys", u.User, len(keys.AccessKeyMetadata))
	}
}
