package iam

import (
	"github.com/keyward/keyward"
	"github.com/keyward/keyward/webhook"
)

// Operations are IAM's operations by name: their parameters with the
// model's constraints and whether they only read, for every transport that
// performs them (the Query API's rows and the console's forms). Each is
// authorised as iam:<Name> by the method that performs it.
var Operations = keyward.OperationTable(keyward.ServiceIAM, withKinds(map[string]keyward.Operation{
	// Last accessed data.
	"GenerateServiceLastAccessedDetails":        keyward.Reads(keyward.ReqParam("Arn", keyward.ARNShape), keyward.OptParam("Granularity", keyward.GranularityShape)),
	"GetServiceLastAccessedDetails":             keyward.Reads(jobIDParam, keyward.MaxItemsParam, keyward.MarkerParam),
	"GetServiceLastAccessedDetailsWithEntities": keyward.Reads(jobIDParam, keyward.ReqParam("ServiceNamespace", keyward.ServiceNamespaceShape), keyward.MaxItemsParam, keyward.MarkerParam),
	"ListPoliciesGrantingServiceAccess":         keyward.Reads(keyward.MarkerParam, keyward.ReqParam("Arn", keyward.ARNShape), keyward.ListParam("ServiceNamespaces", keyward.ServiceNamespaceShape, true)),
	"SetSecurityTokenServicePreferences":        keyward.Changes(keyward.ReqParam("GlobalEndpointTokenVersion", keyward.TokenVersionShape)),

	// The account: aliases, summary, entities and authorisation details.
	"GetAccountSummary":  keyward.Reads(),
	"CreateAccountAlias": keyward.Changes(accountAliasParam),
	"DeleteAccountAlias": keyward.Changes(accountAliasParam),
	"ListAccountAliases": keyward.Reads(keyward.MarkerParam, keyward.MaxItemsParam),
	"ListEntitiesForPolicy": keyward.Reads(policyARNParam, keyward.OptParam("EntityFilter", keyward.EntityTypeShape), keyward.OptParam("PathPrefix", keyward.PathShape),
		keyward.OptParam("PolicyUsageFilter", keyward.PolicyUsageShape), keyward.MarkerParam, keyward.MaxItemsParam),
	"ListSAMLProviders":              keyward.Reads(),
	"GetAccountAuthorizationDetails": keyward.Reads(keyward.ListParam("Filter", keyward.EntityTypeShape, false), keyward.MaxItemsParam, keyward.MarkerParam),

	// Virtual MFA devices, SSH public keys, service-specific credentials and signing certificates.
	"CreateVirtualMFADevice": keyward.Changes(keyward.ReqParam("VirtualMFADeviceName", keyward.VirtualMFADeviceNameShape), keyward.OptParam("Path", keyward.PathShape), keyward.TagsParam(false)),
	"EnableMFADevice":        keyward.Changes(userNameParam, serialNumberParam, authCode1Param, authCode2Param),
	"ResyncMFADevice":        keyward.Changes(userNameParam, serialNumberParam, authCode1Param, authCode2Param),
	// UserName is optional, as AWS's SDKs have it now: the caller's, the
	// root user's own device when the root user calls.
	"DeactivateMFADevice":             keyward.Changes(optUserNameParam, serialNumberParam),
	"DeleteVirtualMFADevice":          keyward.Changes(serialNumberParam),
	"ListMFADevices":                  keyward.Reads(optUserNameParam, keyward.MarkerParam, keyward.MaxItemsParam),
	"ListVirtualMFADevices":           keyward.Reads(keyward.OptParam("AssignmentStatus", keyward.AssignmentStatusShape), keyward.MarkerParam, keyward.MaxItemsParam),
	"UploadSSHPublicKey":              keyward.Changes(credUserNameParam, keyward.ReqParam("SSHPublicKeyBody", keyward.PublicKeyMaterialShape)),
	"GetSSHPublicKey":                 keyward.Reads(credUserNameParam, sshKeyIDParam, keyward.ReqParam("Encoding", keyward.EncodingShape)),
	"ListSSHPublicKeys":               keyward.Reads(optCredUserNameParam, keyward.MarkerParam, keyward.MaxItemsParam),
	"UpdateSSHPublicKey":              keyward.Changes(credUserNameParam, sshKeyIDParam, statusParam),
	"DeleteSSHPublicKey":              keyward.Changes(credUserNameParam, sshKeyIDParam),
	"CreateServiceSpecificCredential": keyward.Changes(credUserNameParam, keyward.ReqParam("ServiceName", keyward.ServiceNameShape)),
	"ResetServiceSpecificCredential":  keyward.Changes(optCredUserNameParam, serviceCredIDParam),
	"ListServiceSpecificCredentials":  keyward.Reads(optCredUserNameParam, keyward.OptParam("ServiceName", keyward.ServiceNameShape)),
	"UpdateServiceSpecificCredential": keyward.Changes(optCredUserNameParam, serviceCredIDParam, statusParam),
	"DeleteServiceSpecificCredential": keyward.Changes(optCredUserNameParam, serviceCredIDParam),
	"UploadSigningCertificate":        keyward.Changes(optUserNameParam, keyward.ReqParam("CertificateBody", keyward.CertificateBodyShape)),
	"ListSigningCertificates":         keyward.Reads(optUserNameParam, keyward.MarkerParam, keyward.MaxItemsParam),
	"UpdateSigningCertificate":        keyward.Changes(optUserNameParam, certificateIDParam, statusParam),
	"DeleteSigningCertificate":        keyward.Changes(optUserNameParam, certificateIDParam),

	// Groups.
	"CreateGroup":         keyward.Changes(groupNameParam, keyward.OptParam("Path", keyward.PathShape)),
	"GetGroup":            keyward.Reads(groupNameParam, keyward.MarkerParam, keyward.MaxItemsParam),
	"ListGroups":          keyward.Reads(keyward.OptParam("PathPrefix", keyward.PathPrefixShape), keyward.MarkerParam, keyward.MaxItemsParam),
	"UpdateGroup":         keyward.Changes(groupNameParam, keyward.OptParam("NewGroupName", keyward.GroupNameShape), keyward.OptParam("NewPath", keyward.PathShape)),
	"DeleteGroup":         keyward.Changes(groupNameParam),
	"AddUserToGroup":      keyward.Changes(groupNameParam, userNameParam),
	"RemoveUserFromGroup": keyward.Changes(groupNameParam, userNameParam),
	"ListGroupsForUser":   keyward.Reads(userNameParam, keyward.MarkerParam, keyward.MaxItemsParam),

	// Users and access keys.
	"CreateUser": keyward.Changes(keyward.ReqParam("UserName", keyward.UserNameShape), keyward.OptParam("Path", keyward.PathShape),
		keyward.OptParam("PermissionsBoundary", keyward.ARNShape), keyward.TagsParam(false)),
	"GetUser":                       keyward.Reads(optUserNameParam),
	"ListUsers":                     keyward.Reads(keyward.OptParam("PathPrefix", keyward.PathPrefixShape), keyward.MarkerParam, keyward.MaxItemsParam),
	"UpdateUser":                    keyward.Changes(userNameParam, keyward.OptParam("NewUserName", keyward.UserNameShape), keyward.OptParam("NewPath", keyward.PathShape)),
	"DeleteUser":                    keyward.Changes(userNameParam),
	"CreateAccessKey":               keyward.Changes(optUserNameParam, keyward.OptParam("ExpiresIn", keyward.KeyDurationShape)),
	"UpdateAccessKey":               keyward.Changes(optUserNameParam, keyward.ReqParam("AccessKeyId", keyward.AccessKeyIDShape), keyward.ReqParam("Status", keyward.StatusShape)),
	"DeleteAccessKey":               keyward.Changes(optUserNameParam, keyward.ReqParam("AccessKeyId", keyward.AccessKeyIDShape)),
	"ListAccessKeys":                keyward.Reads(optUserNameParam, keyward.MarkerParam, keyward.MaxItemsParam),
	"GetAccessKeyLastUsed":          keyward.Reads(keyward.ReqParam("AccessKeyId", keyward.AccessKeyIDShape)),
	"PutUserPermissionsBoundary":    keyward.Changes(keyward.ReqParam("UserName", keyward.UserNameShape), keyward.ReqParam("PermissionsBoundary", keyward.ARNShape)),
	"DeleteUserPermissionsBoundary": keyward.Changes(keyward.ReqParam("UserName", keyward.UserNameShape)),

	// Instance profiles.
	"CreateInstanceProfile":         keyward.Changes(profileNameParam, keyward.OptParam("Path", keyward.PathShape), keyward.TagsParam(false)),
	"GetInstanceProfile":            keyward.Reads(profileNameParam),
	"ListInstanceProfiles":          keyward.Reads(keyward.OptParam("PathPrefix", keyward.PathPrefixShape), keyward.MarkerParam, keyward.MaxItemsParam),
	"ListInstanceProfilesForRole":   keyward.Reads(roleNameParam, keyward.MarkerParam, keyward.MaxItemsParam),
	"AddRoleToInstanceProfile":      keyward.Changes(profileNameParam, roleNameParam),
	"RemoveRoleFromInstanceProfile": keyward.Changes(profileNameParam, roleNameParam),
	"DeleteInstanceProfile":         keyward.Changes(profileNameParam),

	// Login profiles, passwords and the credential report.
	"CreateLoginProfile": keyward.Changes(keyward.ReqParam("UserName", keyward.UserNameShape), keyward.ReqParam("Password", keyward.PasswordShape), keyward.BoolParam("PasswordResetRequired")),
	"GetLoginProfile":    keyward.Reads(keyward.ReqParam("UserName", keyward.UserNameShape)),
	"UpdateLoginProfile": keyward.Changes(keyward.ReqParam("UserName", keyward.UserNameShape), keyward.OptParam("Password", keyward.PasswordShape), keyward.BoolParam("PasswordResetRequired")),
	"DeleteLoginProfile": keyward.Changes(keyward.ReqParam("UserName", keyward.UserNameShape)),
	"ChangePassword":     keyward.Changes(keyward.ReqParam("OldPassword", keyward.PasswordShape), keyward.ReqParam("NewPassword", keyward.PasswordShape)),
	"UpdateAccountPasswordPolicy": keyward.Changes(keyward.IntParam("MinimumPasswordLength", 6, 128), keyward.BoolParam("RequireSymbols"), keyward.BoolParam("RequireNumbers"),
		keyward.BoolParam("RequireUppercaseCharacters"), keyward.BoolParam("RequireLowercaseCharacters"), keyward.BoolParam("AllowUsersToChangePassword"),
		keyward.IntParam("MaxPasswordAge", 1, 1095), keyward.IntParam("PasswordReusePrevention", 1, 24), keyward.BoolParam("HardExpiry")),
	"GetAccountPasswordPolicy":    keyward.Reads(),
	"DeleteAccountPasswordPolicy": keyward.Changes(),
	"GenerateCredentialReport":    keyward.Reads(),
	"GetCredentialReport":         keyward.Reads(),

	// OpenID Connect providers.
	"CreateOpenIDConnectProvider": keyward.Changes(keyward.ReqParam("Url", keyward.OIDCURLShape), keyward.ListParam("ClientIDList", keyward.ClientIDShape, false),
		keyward.ListParam("ThumbprintList", keyward.ThumbprintShape, true), keyward.TagsParam(false)),
	"GetOpenIDConnectProvider":    keyward.Reads(oidcARNParam),
	"ListOpenIDConnectProviders":  keyward.Reads(),
	"DeleteOpenIDConnectProvider": keyward.Changes(oidcARNParam),

	// SAML providers.
	"CreateSAMLProvider":                      keyward.Changes(keyward.ReqParam("SAMLMetadataDocument", keyward.SAMLMetadataShape), keyward.ReqParam("Name", keyward.SAMLProviderNameShape), keyward.TagsParam(false)),
	"GetSAMLProvider":                         keyward.Reads(samlARNParam),
	"UpdateSAMLProvider":                      keyward.Changes(keyward.ReqParam("SAMLMetadataDocument", keyward.SAMLMetadataShape), samlARNParam),
	"DeleteSAMLProvider":                      keyward.Changes(samlARNParam),
	"AddClientIDToOpenIDConnectProvider":      keyward.Changes(oidcARNParam, keyward.ReqParam("ClientID", keyward.ClientIDShape)),
	"RemoveClientIDFromOpenIDConnectProvider": keyward.Changes(oidcARNParam, keyward.ReqParam("ClientID", keyward.ClientIDShape)),
	"UpdateOpenIDConnectProviderThumbprint":   keyward.Changes(oidcARNParam, keyward.ListParam("ThumbprintList", keyward.ThumbprintShape, true)),

	// Managed policies, their versions, and simulation.
	"CreatePolicy": keyward.Changes(keyward.ReqParam("PolicyName", keyward.PolicyNameShape), keyward.OptParam("Path", keyward.PolicyPathShape),
		keyward.ReqParam("PolicyDocument", keyward.PolicyDocumentShape), keyward.OptParam("Description", keyward.PolicyDescShape), keyward.TagsParam(false)),
	"GetPolicy":               keyward.Reads(policyARNParam),
	"ListPolicies":            keyward.Reads(keyward.OptParam("Scope", keyward.PolicyScopeShape), keyward.BoolParam("OnlyAttached"), keyward.OptParam("PathPrefix", keyward.PolicyPathShape), keyward.MarkerParam, keyward.MaxItemsParam),
	"DeletePolicy":            keyward.Changes(policyARNParam),
	"GetPolicyVersion":        keyward.Reads(keyward.ReqParam("VersionId", keyward.PolicyVersionIDShape), policyARNParam),
	"ListPolicyVersions":      keyward.Reads(policyARNParam),
	"CreatePolicyVersion":     keyward.Changes(keyward.ReqParam("PolicyDocument", keyward.PolicyDocumentShape), keyward.BoolParam("SetAsDefault"), policyARNParam),
	"SetDefaultPolicyVersion": keyward.Changes(keyward.ReqParam("VersionId", keyward.PolicyVersionIDShape), policyARNParam),
	"DeletePolicyVersion":     keyward.Changes(keyward.ReqParam("VersionId", keyward.PolicyVersionIDShape), policyARNParam),
	"SimulatePrincipalPolicy": keyward.Reads(keyward.ReqParam("PolicySourceArn", keyward.ARNShape), keyward.ListParam("ActionNames", keyward.ActionNameShape, true),
		keyward.ListParam("ResourceArns", keyward.ResourceNameShape, false), keyward.ListParam("PolicyInputList", keyward.PolicyDocumentShape, false),
		keyward.ContextParam),
	"SimulateCustomPolicy": keyward.Reads(keyward.ListParam("PolicyInputList", keyward.PolicyDocumentShape, true),
		keyward.ListParam("PermissionsBoundaryPolicyInputList", keyward.PolicyDocumentShape, false), keyward.ListParam("ActionNames", keyward.ActionNameShape, true),
		keyward.ListParam("ResourceArns", keyward.ResourceNameShape, false), keyward.OptParam("ResourcePolicy", keyward.PolicyDocumentShape),
		keyward.OptParam("ResourceOwner", keyward.ResourceNameShape), keyward.OptParam("CallerArn", keyward.ResourceNameShape), keyward.ContextParam,
		keyward.OptParam("ResourceHandlingOption", keyward.ResourceHandlingShape), keyward.MarkerParam, keyward.MaxItemsParam),
	"GetContextKeysForCustomPolicy":    keyward.Reads(keyward.ListParam("PolicyInputList", keyward.PolicyDocumentShape, true)),
	"GetContextKeysForPrincipalPolicy": keyward.Reads(keyward.ReqParam("PolicySourceArn", keyward.ARNShape), keyward.ListParam("PolicyInputList", keyward.PolicyDocumentShape, false)),

	// Roles and service-linked roles.
	"CreateRole": keyward.Changes(keyward.OptParam("Path", keyward.PathShape), roleNameParam, keyward.ReqParam("AssumeRolePolicyDocument", keyward.PolicyDocumentShape),
		keyward.OptParam("Description", keyward.RoleDescriptionShape), maxSessionParam, keyward.OptParam("PermissionsBoundary", keyward.ARNShape), keyward.TagsParam(false)),
	"GetRole":                       keyward.Reads(roleNameParam),
	"ListRoles":                     keyward.Reads(keyward.OptParam("PathPrefix", keyward.PathPrefixShape), keyward.MarkerParam, keyward.MaxItemsParam),
	"UpdateRole":                    keyward.Changes(roleNameParam, keyward.OptParam("Description", keyward.RoleDescriptionShape), maxSessionParam),
	"UpdateRoleDescription":         keyward.Changes(roleNameParam, keyward.ReqParam("Description", keyward.RoleDescriptionShape)),
	"UpdateAssumeRolePolicy":        keyward.Changes(roleNameParam, keyward.ReqParam("PolicyDocument", keyward.PolicyDocumentShape)),
	"DeleteRole":                    keyward.Changes(roleNameParam),
	"PutRolePermissionsBoundary":    keyward.Changes(roleNameParam, keyward.ReqParam("PermissionsBoundary", keyward.ARNShape)),
	"DeleteRolePermissionsBoundary": keyward.Changes(roleNameParam),
	"CreateServiceLinkedRole": keyward.Changes(keyward.ReqParam("AWSServiceName", keyward.AWSServiceNameShape), keyward.OptParam("Description", keyward.RoleDescriptionShape),
		keyward.OptParam("CustomSuffix", keyward.CustomSuffixShape)),
	"DeleteServiceLinkedRole":            keyward.Changes(roleNameParam),
	"GetServiceLinkedRoleDeletionStatus": keyward.Reads(keyward.ReqParam("DeletionTaskId", keyward.DeletionTaskIDShape)),

	// Server certificates.
	"UploadServerCertificate": keyward.Changes(keyward.OptParam("Path", keyward.PathShape), serverCertNameParam, keyward.ReqParam("CertificateBody", keyward.CertificateBodyShape),
		keyward.ReqParam("PrivateKey", keyward.PrivateKeyShape), keyward.OptParam("CertificateChain", keyward.CertificateChainShape), keyward.TagsParam(false)),
	"GetServerCertificate":    keyward.Reads(serverCertNameParam),
	"ListServerCertificates":  keyward.Reads(keyward.OptParam("PathPrefix", keyward.PathPrefixShape), keyward.MarkerParam, keyward.MaxItemsParam),
	"UpdateServerCertificate": keyward.Changes(serverCertNameParam, keyward.OptParam("NewPath", keyward.PathShape), keyward.OptParam("NewServerCertificateName", keyward.ServerCertNameShape)),
	"DeleteServerCertificate": keyward.Changes(serverCertNameParam),
}))

// The parameters several operations share.
var (
	userNameParam = keyward.ReqParam("UserName", keyward.ExistingUserNameShape)
	// optUserNameParam is UserName where it defaults to the caller.
	optUserNameParam = keyward.OptParam("UserName", keyward.ExistingUserNameShape)
	groupNameParam   = keyward.ReqParam("GroupName", keyward.GroupNameShape)
	roleNameParam    = keyward.ReqParam("RoleName", keyward.RoleNameShape)
	policyARNParam   = keyward.ReqParam("PolicyArn", keyward.ARNShape)
	maxSessionParam  = keyward.IntParam("MaxSessionDuration", keyward.MinRoleSessionDuration, keyward.MaxRoleSessionDuration)

	jobIDParam          = keyward.ReqParam("JobId", keyward.JobIDShape)
	accountAliasParam   = keyward.ReqParam("AccountAlias", keyward.AccountAliasShape)
	profileNameParam    = keyward.ReqParam("InstanceProfileName", keyward.InstanceProfileNameShape)
	oidcARNParam        = keyward.ReqParam("OpenIDConnectProviderArn", keyward.ARNShape)
	samlARNParam        = keyward.ReqParam("SAMLProviderArn", keyward.ARNShape)
	serverCertNameParam = keyward.ReqParam("ServerCertificateName", keyward.ServerCertNameShape)

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
