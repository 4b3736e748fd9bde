package iam

import (
	"maps"
	"sync"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/webhook"
)

// The shapes of the IAM model that several of IAM's operations take and
// no other package reads.
var (
	markerShape           = keyward.NewStringShape("markerType", 1, 320, `[\u0020-\u00FF]+`)
	existingUserNameShape = keyward.NewStringShape("existingUserNameType", 1, 128, `[\w+=,.@-]+`)
	accessKeyIDShape      = keyward.NewStringShape("accessKeyIdType", 16, 128, `[\w]+`)
	policyDocumentShape   = keyward.NewStringShape("policyDocumentType", 1, 131072, `[\u0009\u000A\u000D\u0020-\u00FF]+`)
	actionNameShape       = keyward.NewStringShape("ActionNameType", 3, 128, "")
	jobIDShape            = keyward.NewStringShape("jobIDType", 36, 36, "")
	granularityShape      = keyward.NewStringShape("AccessAdvisorUsageGranularityType", 0, 0, "", "SERVICE_LEVEL", "ACTION_LEVEL")
	serviceNamespaceShape = keyward.NewStringShape("serviceNamespaceType", 1, 64, `[\w-]*`)
	orgEntityPathShape    = keyward.NewStringShape("organizationsEntityPathType", 19, 427, `^o-[0-9a-z]{10,32}\/r-[0-9a-z]{4,32}[0-9a-z-\/]*`)
	orgPolicyIDShape      = keyward.NewStringShape("organizationsPolicyIdType", 0, 0, `^p-[0-9a-zA-Z_]{8,128}$`)
	sortKeyShape          = keyward.NewStringShape("sortKeyType", 0, 0, "", "SERVICE_NAMESPACE_ASCENDING", "SERVICE_NAMESPACE_DESCENDING",
		"LAST_AUTHENTICATED_TIME_ASCENDING", "LAST_AUTHENTICATED_TIME_DESCENDING")
	tokenVersionShape     = keyward.NewStringShape("globalEndpointTokenVersion", 0, 0, "", "v1Token", "v2Token")
	resourceHandlingShape = keyward.NewStringShape("ResourceHandlingOptionType", 1, 64, "")
	certificateBodyShape  = keyward.NewStringShape("certificateBodyType", 1, 16384, `[\u0009\u000A\u000D\u0020-\u00FF]+`)
	entityTypeShape       = keyward.NewStringShape("EntityType", 0, 0, "", "User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy")
	policyUsageShape      = keyward.NewStringShape("PolicyUsageType", 0, 0, "", "PermissionsPolicy", "PermissionsBoundary")
)

// The parameters of IAM's listings, and the context entries of its
// simulations.
var (
	markerParam   = keyward.OptParam("Marker", markerShape)
	maxItemsParam = keyward.Param{Member: "MaxItems", Kind: keyward.ParamMaxItems}
	contextParam  = keyward.Param{Member: "ContextEntries", Kind: keyward.ParamContext}
)

// operations are IAM's descriptors by name, each described by the file
// that performs it (describe), so that an entity's operations are beside
// its methods.
var operations = map[string]keyward.Operation{}

// describe adds descriptors to operations; an operation described twice
// is a programming error.
func describe(ops map[string]keyward.Operation) {
	for name, op := range ops {
		if _, dup := operations[name]; dup {
			panic("iam: operation " + name + " described twice")
		}
		operations[name] = op
	}
}

// Operations returns IAM's operations by name: their parameters with the
// model's constraints and whether they only read, for every transport
// that performs them (the Query API's rows and the console's forms). Each
// is authorised as iam:<Name> by the method that performs it. The table
// is made once, on first use, when every file has described its own.
func Operations() map[string]*keyward.Operation { return operationTable() }

var operationTable = sync.OnceValue(func() map[string]*keyward.Operation {
	return keyward.OperationTable(keyward.ServiceIAM, withKinds(maps.Clone(operations)))
})

// The descriptors of the operations package report performs (credential
// report, service last accessed).
func init() {
	describe(map[string]keyward.Operation{
		"GenerateServiceLastAccessedDetails":        keyward.Reads(keyward.ReqParam("Arn", keyward.ARNShape), keyward.OptParam("Granularity", granularityShape)),
		"GetServiceLastAccessedDetails":             keyward.Reads(jobIDParam, maxItemsParam, markerParam),
		"GetServiceLastAccessedDetailsWithEntities": keyward.Reads(jobIDParam, keyward.ReqParam("ServiceNamespace", serviceNamespaceShape), maxItemsParam, markerParam),
		"ListPoliciesGrantingServiceAccess":         keyward.Reads(markerParam, keyward.ReqParam("Arn", keyward.ARNShape), keyward.ListParam("ServiceNamespaces", serviceNamespaceShape, true)),
		"GenerateCredentialReport":                  keyward.Reads(),
		"GenerateOrganizationsAccessReport": keyward.Reads(keyward.ReqParam("EntityPath", orgEntityPathShape),
			keyward.OptParam("OrganizationsPolicyId", orgPolicyIDShape)),
		"GetOrganizationsAccessReport": keyward.Reads(jobIDParam, maxItemsParam, markerParam, keyward.OptParam("SortKey", sortKeyShape)),
		"GetCredentialReport":          keyward.Reads(),
	})
}

// The parameters several operations share.
var (
	userNameParam = keyward.ReqParam("UserName", existingUserNameShape)
	// optUserNameParam is UserName where it defaults to the caller.
	optUserNameParam = keyward.OptParam("UserName", existingUserNameShape)
	groupNameParam   = keyward.ReqParam("GroupName", groupNameShape)
	roleNameParam    = keyward.ReqParam("RoleName", roleNameShape)
	policyARNParam   = keyward.ReqParam("PolicyArn", keyward.ARNShape)
	maxSessionParam  = keyward.IntParam("MaxSessionDuration", keyward.MinRoleSessionDuration, keyward.MaxRoleSessionDuration)

	jobIDParam        = keyward.ReqParam("JobId", jobIDShape)
	accountAliasParam = keyward.ReqParam("AccountAlias", keyward.AccountAliasShape)
	oidcARNParam      = keyward.ReqParam("OpenIDConnectProviderArn", keyward.ARNShape)

	serialNumberParam = keyward.ReqParam("SerialNumber", serialNumberShape)
	authCode1Param    = keyward.ReqParam("AuthenticationCode1", keyward.AuthenticationCodeShape)
	authCode2Param    = keyward.ReqParam("AuthenticationCode2", keyward.AuthenticationCodeShape)
	// credUserNameParam is UserName where the model's shape is userNameType.
	credUserNameParam    = keyward.ReqParam("UserName", keyward.UserNameShape)
	optCredUserNameParam = keyward.OptParam("UserName", keyward.UserNameShape)
	sshKeyIDParam        = keyward.ReqParam("SSHPublicKeyId", publicKeyIDShape)
	serviceCredIDParam   = keyward.ReqParam("ServiceSpecificCredentialId", serviceCredentialIDShape)
	certificateIDParam   = keyward.ReqParam("CertificateId", certificateIDShape)
	statusParam          = keyward.ReqParam("Status", keyward.StatusShape)
)

// withKinds adds to ops the operations made for each kind of entity: the
// inline and attached policies of users, groups and roles, and the tags
// of every taggable kind.
func withKinds(ops map[string]keyward.Operation) map[string]keyward.Operation {
	for _, kind := range []string{keyward.EntityUser, keyward.EntityGroup, keyward.EntityRole} {
		name, entity := EntityName(kind), EntityParam(kind)
		policyName := keyward.ReqParam("PolicyName", policyNameShape)
		ops["Put"+name+"Policy"] = keyward.Changes(entity, policyName, keyward.ReqParam("PolicyDocument", policyDocumentShape))
		ops["Get"+name+"Policy"] = keyward.Reads(entity, policyName)
		ops["List"+name+"Policies"] = keyward.Reads(entity, markerParam, maxItemsParam)
		ops["Delete"+name+"Policy"] = keyward.Changes(entity, policyName)
		ops["Attach"+name+"Policy"] = keyward.Changes(entity, policyARNParam)
		ops["Detach"+name+"Policy"] = keyward.Changes(entity, policyARNParam)
		ops["ListAttached"+name+"Policies"] = keyward.Reads(entity, keyward.OptParam("PathPrefix", policyPathShape),
			markerParam, maxItemsParam)
	}
	for kind, t := range taggables {
		k := string(kind)
		ops["Tag"+k] = keyward.Changes(t.by, keyward.TagsParam(true))
		// TagKeys: at most MaxTagsPerSet, as the models' tagKeyListType; each
		// key is a write.
		untagKeys := keyward.ListParam("TagKeys", keyward.TagKeyShape, true)
		untagKeys.Max = keyward.MaxTagsPerSet
		ops["Untag"+k] = keyward.Changes(t.by, untagKeys)
		ops["List"+k+"Tags"] = keyward.Reads(t.by, markerParam, maxItemsParam)
	}
	return ops
}

// EntityName is how operations name the kind of a user, group or role
// ("AttachUserPolicy").
func EntityName(kind string) string {
	switch kind {
	case keyward.EntityGroup:
		return "Group"
	case keyward.EntityRole:
		return "Role"
	}
	return "User"
}

// EntityParam is the parameter naming the user, group or role of kind.
func EntityParam(kind string) keyward.Param {
	switch kind {
	case keyward.EntityGroup:
		return groupNameParam
	case keyward.EntityRole:
		return roleNameParam
	}
	return userNameParam
}

// KeywardOperations are Keyward's own operations, served on the IAM Query
// endpoint beside IAM's and authorised as keyward:<Name>: the webhook
// subscriptions and the console's sign-in through an OpenID Connect
// provider; and a member account's root key, which only the console
// performs. AWS has no such operations; docs/api.md documents them as
// Keyward's extension.
var KeywardOperations = keyward.OperationTable(keyward.ServiceKeyward, map[string]keyward.Operation{
	"CreateWebhookSubscription": keyward.Changes(keyward.ReqParam("Url", webhookURLShape), keyward.ReqParam("Secret", webhookSecretShape),
		keyward.Param{Member: "Events", Kind: keyward.ParamList, Shape: webhookEventShape, Required: true, Max: webhook.MaxEventsPerSubscription}),
	"ListWebhookSubscriptions":    keyward.Reads(),
	"GetWebhookSubscription":      keyward.Reads(webhookIDParam),
	"DeleteWebhookSubscription":   keyward.Changes(webhookIDParam),
	"ListParkedWebhookDeliveries": keyward.Reads(maxItemsParam),

	// The console's sign-in through an OpenID Connect provider.
	"PutOpenIDConnectSignIn": keyward.Changes(oidcARNParam, keyward.ReqParam("ClientID", clientIDShape),
		keyward.OptParam("ClientSecret", oidcClientSecretShape), keyward.ReqParam("DisplayName", oidcSignInNameShape),
		keyward.Param{Member: "RoleArns", Kind: keyward.ParamList, Shape: keyward.ARNShape, Max: keyward.MaxOIDCSignInRoles}),
	"GetOpenIDConnectSignIn":    keyward.Reads(oidcARNParam),
	"ListOpenIDConnectSignIns":  keyward.Reads(),
	"DeleteOpenIDConnectSignIn": keyward.Changes(oidcARNParam),

	// A member account's root access key, made by the management
	// account (CreateAccountRootKey): the console's action, not served on
	// the Query endpoint. It hands out a secret, so every use is an event.
	"CreateAccountRootKey": {Credentials: true, Params: []keyward.Param{keyward.ReqParam("AccountId", memberAccountIDShape)}},
})

// memberAccountIDShape is AWS Organizations' AccountId, the member
// account CreateAccountRootKey names: twelve digits, never empty (a
// pattern is not checked of an empty value).
var memberAccountIDShape = keyward.NewStringShape("AccountId", 12, 12, `^\d{12}$`)

var webhookIDParam = keyward.ReqParam("Id", webhookSubscriptionIDShape)

// sensitive marks a shape whose values no error message repeats.
func sensitive(s *keyward.StringShape) *keyward.StringShape { s.Sensitive = true; return s }
