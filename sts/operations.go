package sts

import "github.com/keyward/keyward"

// Operations are STS's operations by name: their parameters with the
// model's constraints, whether they only read, and which hand out
// credentials, for every transport that performs them.
var Operations = keyward.OperationTable(keyward.ServiceSTS, map[string]keyward.Operation{
	"GetCallerIdentity":          keyward.Reads(),
	"GetAccessKeyInfo":           keyward.Reads(keyward.ReqParam("AccessKeyId", accessKeyIDShape)),
	"DecodeAuthorizationMessage": keyward.Reads(keyward.ReqParam("EncodedMessage", encodedMessageShape)),
	"GetSessionToken": credentials(keyward.Reads(keyward.IntParam("DurationSeconds", minSessionDuration, maxUserSessionDuration),
		keyward.OptParam("SerialNumber", serialNumberShape), keyward.OptParam("TokenCode", tokenCodeShape))),
	"AssumeRole": credentials(keyward.Changes(keyward.ReqParam("RoleArn", keyward.STSARNShape), keyward.ReqParam("RoleSessionName", roleSessionNameShape),
		descriptorsParam("PolicyArns"), keyward.OptParam("Policy", sessionPolicyShape), roleDurationParam, stsTagsParam,
		keyward.ListParam("TransitiveTagKeys", keyward.TagKeyShape, false), keyward.OptParam("ExternalId", externalIDShape),
		keyward.OptParam("SerialNumber", serialNumberShape), keyward.OptParam("TokenCode", tokenCodeShape), keyward.OptParam("SourceIdentity", sourceIdentityShape))),
	"GetFederationToken": credentials(keyward.Reads(keyward.ReqParam("Name", federatedNameShape), keyward.OptParam("Policy", sessionPolicyShape), descriptorsParam("PolicyArns"),
		keyward.IntParam("DurationSeconds", minSessionDuration, maxUserSessionDuration), stsTagsParam)),
	"AssumeRoleWithWebIdentity": credentials(keyward.Changes(keyward.ReqParam("RoleArn", keyward.STSARNShape), keyward.ReqParam("RoleSessionName", roleSessionNameShape),
		keyward.ReqParam("WebIdentityToken", webIdentityTokenShape), keyward.OptParam("ProviderId", providerIDShape),
		descriptorsParam("PolicyArns"), keyward.OptParam("Policy", sessionPolicyShape), roleDurationParam)),
	"AssumeRoleWithSAML": credentials(keyward.Changes(keyward.ReqParam("RoleArn", keyward.STSARNShape), keyward.ReqParam("PrincipalArn", keyward.STSARNShape),
		keyward.ReqParam("SAMLAssertion", samlAssertionShape), descriptorsParam("PolicyArns"),
		keyward.OptParam("Policy", sessionPolicyShape), roleDurationParam)),
})

// The shapes of STS's parameters that are not IAM's.
var (
	// accessKeyIDShape is the model's accessKeyIdType, which unlike IAM's
	// allows an empty match in its pattern.
	accessKeyIDShape = keyward.NewStringShape("accessKeyIdType", 16, 128, `[\w]*`)
	// serialNumberShape and tokenCodeShape are GetSessionToken's,
	// whose patterns allow the empty match too.
	serialNumberShape = keyward.NewStringShape("serialNumberType", 9, 256, `[\w+=/:,.@-]*`)
	tokenCodeShape    = keyward.NewStringShape("tokenCodeType", 6, 6, `[\d]*`)
	// The shapes of AssumeRole and its kin.
	roleSessionNameShape  = keyward.NewStringShape("roleSessionNameType", 2, 64, `[\w+=,.@-]*`)
	sessionPolicyShape    = keyward.NewStringShape("sessionPolicyDocumentType", 1, 2048, `[\u0009\u000A\u000D\u0020-\u00FF]+`)
	externalIDShape       = keyward.NewStringShape("externalIdType", 2, 1224, `[\w+=,.@:\/-]*`)
	sourceIdentityShape   = keyward.NewStringShape("sourceIdentityType", 2, 64, `[\w+=,.@-]*`)
	federatedNameShape    = keyward.NewStringShape("userNameType", 2, 32, `[\w+=,.@-]*`)
	webIdentityTokenShape = sensitive(keyward.NewStringShape("clientTokenType", 4, 20000, ""))
	samlAssertionShape    = sensitive(keyward.NewStringShape("SAMLAssertionType", 4, 100000, ""))
	providerIDShape       = keyward.NewStringShape("urlType", 4, 2048, "")
	encodedMessageShape   = keyward.NewStringShape("encodedMessageType", 1, 10240, "")
)

// sensitive marks a shape whose values no error message repeats.
func sensitive(s *keyward.StringShape) *keyward.StringShape { s.Sensitive = true; return s }

// descriptorsParam is a list of STS's policy descriptors.
func descriptorsParam(member string) keyward.Param {
	return keyward.Param{Member: member, Kind: keyward.ParamDescriptors}
}

// credentials marks an operation that hands out credentials.
func credentials(o keyward.Operation) keyward.Operation {
	o.Credentials = true
	return o
}

// roleDurationParam is the DurationSeconds of a role's session;
// stsTagsParam session tags (STS's tag shapes are IAM's).
var (
	roleDurationParam = keyward.IntParam("DurationSeconds", minSessionDuration, keyward.MaxRoleSessionDuration)
	stsTagsParam      = keyward.TagsParam(false)
)
