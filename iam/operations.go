package iam

import (
	"maps"
	"sync"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/webhook"
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
		"GenerateServiceLastAccessedDetails":        keyward.Reads(keyward.ReqParam("Arn", keyward.ARNShape), keyward.OptParam("Granularity", keyward.GranularityShape)),
		"GetServiceLastAccessedDetails":             keyward.Reads(jobIDParam, keyward.MaxItemsParam, keyward.MarkerParam),
		"GetServiceLastAccessedDetailsWithEntities": keyward.Reads(jobIDParam, keyward.ReqParam("ServiceNamespace", keyward.ServiceNamespaceShape), keyward.MaxItemsParam, keyward.MarkerParam),
		"ListPoliciesGrantingServiceAccess":         keyward.Reads(keyward.MarkerParam, keyward.ReqParam("Arn", keyward.ARNShape), keyward.ListParam("ServiceNamespaces", keyward.ServiceNamespaceShape, true)),
		"GenerateCredentialReport":                  keyward.Reads(),
		"GetCredentialReport":                       keyward.Reads(),
	})
}

// The parameters several operations share.
var (
	userNameParam = keyward.ReqParam("UserName", keyward.ExistingUserNameShape)
	// optUserNameParam is UserName where it defaults to the caller.
	optUserNameParam = keyward.OptParam("UserName", keyward.ExistingUserNameShape)
	groupNameParam   = keyward.ReqParam("GroupName", keyward.GroupNameShape)
	roleNameParam    = keyward.ReqParam("RoleName", keyward.RoleNameShape)
	policyARNParam   = keyward.ReqParam("PolicyArn", keyward.ARNShape)
	maxSessionParam  = keyward.IntParam("MaxSessionDuration", keyward.MinRoleSessionDuration, keyward.MaxRoleSessionDuration)

	jobIDParam        = keyward.ReqParam("JobId", keyward.JobIDShape)
	accountAliasParam = keyward.ReqParam("AccountAlias", keyward.AccountAliasShape)
	oidcARNParam      = keyward.ReqParam("OpenIDConnectProviderArn", keyward.ARNShape)

	serialNumberParam = keyward.ReqParam("SerialNumber", keyward.SerialNumberShape)
	authCode1Param    = keyward.ReqParam("AuthenticationCode1", keyward.AuthenticationCodeShape)
	authCode2Param    = keyward.ReqParam("AuthenticationCode2", keyward.AuthenticationCodeShape)
	// credUserNameParam is UserName where the model's shape is userNameType.
	credUserNameParam    = keyward.ReqParam("UserName", keyward.UserNameShape)
	optCredUserNameParam = keyward.OptParam("UserName", keyward.UserNameShape)
	sshKeyIDParam        = keyward.ReqParam("SSHPublicKeyId", keyward.PublicKeyIDShape)
	serviceCredIDParam   = keyward.ReqParam("ServiceSpecificCredentialId", keyward.ServiceCredentialIDShape)
	certificateIDParam   = keyward.ReqParam("CertificateId", keyward.CertificateIDShape)
	statusParam          = keyward.ReqParam("Status", keyward.StatusShape)
)

// withKinds adds to ops the operations made for each kind of entity: the
// inline and attached policies of users, groups and roles, and the tags
// of every taggable kind.
func withKinds(ops map[string]keyward.Operation) map[string]keyward.Operation {
	for _, kind := range []string{keyward.EntityUser, keyward.EntityGroup, keyward.EntityRole} {
		name, entity := EntityName(kind), EntityParam(kind)
		policyName := keyward.ReqParam("PolicyName", keyward.PolicyNameShape)
		ops["Put"+name+"Policy"] = keyward.Changes(entity, policyName, keyward.ReqParam("PolicyDocument", keyward.PolicyDocumentShape))
		ops["Get"+name+"Policy"] = keyward.Reads(entity, policyName)
		ops["List"+name+"Policies"] = keyward.Reads(entity, keyward.MarkerParam, keyward.MaxItemsParam)
		ops["Delete"+name+"Policy"] = keyward.Changes(entity, policyName)
		ops["Attach"+name+"Policy"] = keyward.Changes(entity, policyARNParam)
		ops["Detach"+name+"Policy"] = keyward.Changes(entity, policyARNParam)
		ops["ListAttached"+name+"Policies"] = keyward.Reads(entity, keyward.OptParam("PathPrefix", keyward.PolicyPathShape),
			keyward.MarkerParam, keyward.MaxItemsParam)
	}
	for kind, t := range taggables {
		k := string(kind)
		ops["Tag"+k] = keyward.Changes(t.by, keyward.TagsParam(true))
		// TagKeys: at most MaxTagsPerSet, as the models' tagKeyListType; each
		// key is a write.
		untagKeys := keyward.ListParam("TagKeys", keyward.TagKeyShape, true)
		untagKeys.Max = keyward.MaxTagsPerSet
		ops["Untag"+k] = keyward.Changes(t.by, untagKeys)
		ops["List"+k+"Tags"] = keyward.Reads(t.by, keyward.MarkerParam, keyward.MaxItemsParam)
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
// provider. AWS has no such operations; docs/api.md documents them as
// Keyward's extension.
var KeywardOperations = keyward.OperationTable(keyward.ServiceKeyward, map[string]keyward.Operation{
	"CreateWebhookSubscription": keyward.Changes(keyward.ReqParam("Url", keyward.WebhookURLShape), keyward.ReqParam("Secret", keyward.WebhookSecretShape),
		keyward.Param{Member: "Events", Kind: keyward.ParamList, Shape: keyward.WebhookEventShape, Required: true, Max: webhook.MaxEventsPerSubscription}),
	"ListWebhookSubscriptions":    keyward.Reads(),
	"GetWebhookSubscription":      keyward.Reads(webhookIDParam),
	"DeleteWebhookSubscription":   keyward.Changes(webhookIDParam),
	"ListParkedWebhookDeliveries": keyward.Reads(keyward.MaxItemsParam),

	// The console's sign-in through an OpenID Connect provider.
	"PutOpenIDConnectSignIn": keyward.Changes(oidcARNParam, keyward.ReqParam("ClientID", keyward.ClientIDShape),
		keyward.OptParam("ClientSecret", keyward.OIDCClientSecretShape), keyward.ReqParam("DisplayName", keyward.OIDCSignInNameShape),
		keyward.Param{Member: "RoleArns", Kind: keyward.ParamList, Shape: keyward.ARNShape, Max: keyward.MaxOIDCSignInRoles}),
	"GetOpenIDConnectSignIn":    keyward.Reads(oidcARNParam),
	"ListOpenIDConnectSignIns":  keyward.Reads(),
	"DeleteOpenIDConnectSignIn": keyward.Changes(oidcARNParam),
})

var webhookIDParam = keyward.ReqParam("Id", keyward.WebhookSubscriptionIDShape)
