package query_test

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/query"
)

// samples are the values, by member, of the requests
// TestEveryActionAuthorized makes: valid, and naming what the test made
// (the user target, the group g, the role trusting, …), so that only the
// permission is missing. A member without one takes the simplest value
// its shape allows (simplest).
var samples = map[string]string{
	"UserName":                    "target",
	"GroupName":                   "g",
	"RoleName":                    "trusting",
	"PolicyName":                  "p",
	"PolicyArn":                   kwtest.LocalPolicyARN,
	"PermissionsBoundary":         kwtest.LocalPolicyARN,
	"PolicyDocument":              kwtest.AllowAll,
	"PolicyInputList":             kwtest.AllowAll,
	"AssumeRolePolicyDocument":    kwtest.TrustAccount,
	"PolicySourceArn":             "arn:aws:iam::123456789012:user/target",
	"Arn":                         "arn:aws:iam::123456789012:user/target",
	"EntityPath":                  "o-abcdefghij/r-abcd",
	"RoleArn":                     "arn:aws:iam::123456789012:role/trusting",
	"ActionNames":                 "iam:ListUsers",
	"VersionId":                   "v1",
	"AccessKeyId":                 "AKIAAAAAAAAAAAAAAAAA",
	"Status":                      "Inactive",
	"Password":                    "Target-Passw0rd",
	"OldPassword":                 "Nobody-Passw0rd",
	"NewPassword":                 "Nobody-Passw0rd-2",
	"SerialNumber":                "arn:aws:iam::123456789012:mfa/phone",
	"AuthenticationCode1":         "123456",
	"AuthenticationCode2":         "234567",
	"SSHPublicKeyBody":            testSSHKey,
	"SSHPublicKeyId":              "APKAAAAAAAAAAAAAAAAA",
	"Encoding":                    "SSH",
	"ServiceName":                 "codecommit.amazonaws.com",
	"ServiceSpecificCredentialId": "ACCAAAAAAAAAAAAAAAAAA",
	"CertificateBody":             testCertificate,
	"CertificateId":               "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	"ServerCertificateName":       "web",
	"PrivateKey":                  testServerKey,
	"AccountAlias":                "example",
	"AWSServiceName":              "autoscaling.amazonaws.com",
	"DeletionTaskId":              "task/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling/abc-0011223344556677",
	"Url":                         "https://token.example.com",
	"ThumbprintList":              kwtest.Thumbprint,
	"OpenIDConnectProviderArn":    kwtest.OIDCProviderARN,
	"ClientID":                    "sts.amazonaws.com",
	"DisplayName":                 "SSO",
	"Name":                        "corp",
	"SAMLProviderArn":             "arn:aws:iam::123456789012:saml-provider/corp",
	"JobId":                       "00000000-0000-4000-8000-000000000000",
	"ServiceNamespace":            "iam",
	"ServiceNamespaces":           "iam",
	"GlobalEndpointTokenVersion":  "v2Token",
	"RoleSessionName":             "s1",
	"EncodedMessage":              "KWM1abc",
	"Secret":                      "0123456789abcdef",
	"Events":                      "access-key.created",
	"Id":                          "whs-none",
	"TagKeys":                     "k",
}

// deniedForm is a request for op that is valid but for its permission:
// each required parameter, and UserName where it defaults to the caller,
// with its sample.
func deniedForm(op *keyward.Operation) string {
	form := url.Values{}
	for _, p := range op.Params {
		if !p.Required && p.Member != "UserName" {
			continue
		}
		value, ok := samples[p.Member]
		if !ok {
			value = simplest(p.Shape)
		}
		switch p.Kind {
		case keyward.ParamTags:
			form.Set("Tags.member.1.Key", "k")
			form.Set("Tags.member.1.Value", "v")
		case keyward.ParamList:
			form.Set(p.Member+".member.1", value)
		default:
			form.Set(p.Member, value)
		}
	}
	return form.Encode()
}

// simplest is the simplest value of shape: its first value, or as many
// x's as it must have (a name's shape allows them).
func simplest(shape *keyward.StringShape) string {
	switch {
	case shape == nil:
		return "x"
	case len(shape.Enum) > 0:
		return shape.Enum[0]
	}
	return strings.Repeat("x", max(shape.Min, 1))
}

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
	_, err = root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("P"), PolicyDocument: aws.String(kwtest.AllowAll)})
	must(t, err)
	_, err = root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("trusting"), AssumeRolePolicyDocument: aws.String(kwtest.TrustAccount)})
	must(t, err)
	id, secret := createUserKey(t, root, "nobody")
	_, err = root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("nobody"), Password: aws.String("Nobody-Passw0rd")})
	must(t, err)

	ops, all := everyAction()
	for _, full := range all {
		service, name, _ := strings.Cut(full, ":")
		t.Run(name, func(t *testing.T) {
			if allowedWithoutPermission[name] {
				return
			}
			form := deniedForm(ops[name])
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
