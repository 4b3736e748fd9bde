package sts

import "github.com/keyward/keyward"

// Operations are STS's operations by name: their parameters with the
// model's constraints, whether they only read, and which hand out
// credentials, for every transport that performs them.
var Operations = keyward.OperationTable(keyward.ServiceSTS, map[string]keyward.Operation{
	"GetCallerIdentity":          keyward.Reads(),
	"GetAccessKeyInfo":           keyward.Reads(keyward.ReqParam("AccessKeyId", keyward.STSAccessKeyIDShape)),
	"DecodeAuthorizationMessage": keyward.Reads(keyward.ReqParam("EncodedMessage", keyward.EncodedMessageShape)),
	"GetSessionToken": credentials(keyward.Reads(keyward.IntParam("DurationSeconds", keyward.MinSessionDuration, keyward.MaxUserSessionDuration),
		keyward.OptParam("SerialNumber", keyward.STSSerialNumberShape), keyward.OptParam("TokenCode", keyward.STSTokenCodeShape))),
	"AssumeRole": credentials(keyward.Changes(keyward.ReqParam("RoleArn", keyward.STSARNShape), keyward.ReqParam("RoleSessionName", keyward.RoleSessionNameShape),
		keyward.DescriptorsParam("PolicyArns"), keyward.OptParam("Policy", keyward.SessionPolicyShape), roleDurationParam, stsTagsParam,
		keyward.ListParam("TransitiveTagKeys", keyward.TagKeyShape, false), keyward.OptParam("ExternalId", keyward.ExternalIDShape),
		keyward.OptParam("SerialNumber", keyward.STSSerialNumberShape), keyward.OptParam("TokenCode", keyward.STSTokenCodeShape), keyward.OptParam("SourceIdentity", keyward.SourceIdentityShape))),
	"GetFederationToken": credentials(keyward.Reads(keyward.ReqParam("Name", keyward.FederatedNameShape), keyward.OptParam("Policy", keyward.SessionPolicyShape), keyward.DescriptorsParam("PolicyArns"),
		keyward.IntParam("DurationSeconds", keyward.MinSessionDuration, keyward.MaxUserSessionDuration), stsTagsParam)),
	"AssumeRoleWithWebIdentity": credentials(keyward.Changes(keyward.ReqParam("RoleArn", keyward.STSARNShape), keyward.ReqParam("RoleSessionName", keyward.RoleSessionNameShape),
		keyward.ReqParam("WebIdentityToken", keyward.WebIdentityTokenShape), keyward.OptParam("ProviderId", keyward.ProviderIDShape),
		keyward.DescriptorsParam("PolicyArns"), keyward.OptParam("Policy", keyward.SessionPolicyShape), roleDurationParam)),
	"AssumeRoleWithSAML": credentials(keyward.Changes(keyward.ReqParam("RoleArn", keyward.STSARNShape), keyward.ReqParam("PrincipalArn", keyward.STSARNShape),
		keyward.ReqParam("SAMLAssertion", keyward.SAMLAssertionShape), keyward.DescriptorsParam("PolicyArns"),
		keyward.OptParam("Policy", keyward.SessionPolicyShape), roleDurationParam)),
})

// credentials marks an operation that hands out credentials.
func credentials(o keyward.Operation) keyward.Operation {
	o.Credentials = true
	return o
}

// roleDurationParam is the DurationSeconds of a role's session;
// stsTagsParam session tags (STS's tag shapes are IAM's).
var (
	roleDurationParam = keyward.IntParam("DurationSeconds", keyward.MinSessionDuration, keyward.MaxRoleSessionDuration)
	stsTagsParam      = keyward.TagsParam(false)
)
