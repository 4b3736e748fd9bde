package organizations

import "github.com/keyward/keyward"

// TargetPrefix begins the X-Amz-Target of every operation of the service
// (the model's targetPrefix and a dot); APIVersion is the model's.
const (
	TargetPrefix = "AWSOrganizationsV20161128."
	APIVersion   = "2016-11-28"
)

// Shapes of the Organizations model that its operations take; the
// transport checks tags and reports a bad policy type with the exported ones.
var (
	featureSetShape             = keyward.NewStringShape("OrganizationFeatureSet", 0, 0, "", "ALL", "CONSOLIDATED_BILLING")
	nextTokenShape              = keyward.NewStringShape("NextToken", 0, 100000, `[\s\S]*`)
	accountIDShape              = keyward.NewStringShape("AccountId", 0, 12, `^\d{12}$`)
	parentIDShape               = keyward.NewStringShape("ParentId", 0, 100, `^(r-[0-9a-z]{4,32})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$`)
	childIDShape                = keyward.NewStringShape("ChildId", 0, 100, `^(\d{12})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$`)
	childTypeShape              = keyward.NewStringShape("ChildType", 0, 0, "", "ACCOUNT", "ORGANIZATIONAL_UNIT")
	ouIDShape                   = keyward.NewStringShape("OrganizationalUnitId", 0, 68, `^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`)
	ouNameShape                 = keyward.NewStringShape("OrganizationalUnitName", 1, 128, `[\s\S]*`)
	rootIDShape                 = keyward.NewStringShape("RootId", 0, 34, `^r-[0-9a-z]{4,32}$`)
	PolicyTypeShape             = keyward.NewStringShape("PolicyType", 0, 0, "", "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY", "TAG_POLICY", "BACKUP_POLICY", "AISERVICES_OPT_OUT_POLICY", "CHATBOT_POLICY", "DECLARATIVE_POLICY_EC2", "SECURITYHUB_POLICY", "INSPECTOR_POLICY", "UPGRADE_ROLLOUT_POLICY", "BEDROCK_POLICY", "S3_POLICY", "NETWORK_SECURITY_DIRECTOR_POLICY")
	policyContentShape          = keyward.NewStringShape("PolicyContent", 1, 0, `[\s\S]*`)
	policyDescShape             = keyward.NewStringShape("PolicyDescription", 0, 512, `[\s\S]*`)
	policyNameShape             = keyward.NewStringShape("PolicyName", 1, 128, `[\s\S]*`)
	policyIDShape               = keyward.NewStringShape("PolicyId", 0, 130, `^p-[0-9a-zA-Z_]{8,128}$`)
	targetIDShape               = keyward.NewStringShape("PolicyTargetId", 0, 100, `^(r-[0-9a-z]{4,32})|(\d{12})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$`)
	taggableIDShape             = keyward.NewStringShape("TaggableResourceId", 0, 130, `^(r-[0-9a-z]{4,32})|(\d{12})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})|(^p-[0-9a-zA-Z_]{8,128})|(^rp-[0-9a-zA-Z_]{4,128})|(^rt-[0-9a-zA-Z_]{8,32})$`)
	emailShape                  = sensitive(keyward.NewStringShape("Email", 6, 64, `[^\s@]+@[^\s@]+\.[^\s@]+`))
	accountNameShape            = sensitive(keyward.NewStringShape("CreateAccountName", 1, 50, `[\u0020-\u007E]+`))
	roleNameShape               = keyward.NewStringShape("RoleName", 0, 64, `[\w+=,.@-]{1,64}`)
	billingAccessShape          = keyward.NewStringShape("IAMUserAccessToBilling", 0, 0, "", "ALLOW", "DENY")
	createAccountRequestIDShape = keyward.NewStringShape("CreateAccountRequestId", 0, 36, `^car-[a-z0-9]{8,32}$`)
	createAccountStateShape     = keyward.NewStringShape("CreateAccountState", 0, 0, "", "IN_PROGRESS", "SUCCEEDED", "FAILED")
	servicePrincipalShape       = keyward.NewStringShape("ServicePrincipal", 1, 128, `[\w+=,.@-]*`)
	TagKeyShape                 = keyward.NewStringShape("TagKey", 1, 128, `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`)
	TagValueShape               = keyward.NewStringShape("TagValue", 0, 256, `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`)
)

// sensitive marks a shape the model calls sensitive: its values are
// hidden in the audit trail.
func sensitive(s *keyward.StringShape) *keyward.StringShape { s.Sensitive = true; return s }

// The parameters several operations take.
var (
	nextTokenParam        = keyward.OptParam("NextToken", nextTokenShape)
	maxResultsParam       = keyward.IntParam("MaxResults", 1, 20)
	parentIDParam         = keyward.ReqParam("ParentId", parentIDShape)
	ouIDParam             = keyward.ReqParam("OrganizationalUnitId", ouIDShape)
	policyIDParam         = keyward.ReqParam("PolicyId", policyIDShape)
	targetIDParam         = keyward.ReqParam("TargetId", targetIDShape)
	rootIDParam           = keyward.ReqParam("RootId", rootIDShape)
	policyTypeParam       = keyward.ReqParam("PolicyType", PolicyTypeShape)
	resourceIDParam       = keyward.ReqParam("ResourceId", taggableIDShape)
	filterParam           = keyward.ReqParam("Filter", PolicyTypeShape)
	tagsParam             = keyward.TagsParam(false)
	servicePrincipalParam = keyward.ReqParam("ServicePrincipal", servicePrincipalShape)
)

// Operations are AWS Organizations' operations Keyward serves, by name:
// their parameters with the model's constraints, in the model's order,
// and whether they only read. Each is authorised as
// organizations:<Name> by the method that performs it.
var Operations = keyward.OperationTable(keyward.ServiceOrganizations, map[string]keyward.Operation{
	// The organization, its root and its accounts.
	"CreateOrganization":    keyward.Changes(keyward.OptParam("FeatureSet", featureSetShape)),
	"DescribeOrganization":  keyward.Reads(),
	"DeleteOrganization":    keyward.Changes(),
	"ListRoots":             keyward.Reads(nextTokenParam, maxResultsParam),
	"ListAccounts":          keyward.Reads(nextTokenParam, maxResultsParam),
	"DescribeAccount":       keyward.Reads(keyward.ReqParam("AccountId", accountIDShape)),
	"ListAccountsForParent": keyward.Reads(parentIDParam, nextTokenParam, maxResultsParam),
	"CreateAccount": keyward.Changes(keyward.ReqParam("Email", emailShape), keyward.ReqParam("AccountName", accountNameShape),
		keyward.OptParam("RoleName", roleNameShape), keyward.OptParam("IamUserAccessToBilling", billingAccessShape), tagsParam),
	"RemoveAccountFromOrganization": keyward.Changes(keyward.ReqParam("AccountId", accountIDShape)),
	"CloseAccount":                  keyward.Changes(keyward.ReqParam("AccountId", accountIDShape)),
	"DescribeCreateAccountStatus":   keyward.Reads(keyward.ReqParam("CreateAccountRequestId", createAccountRequestIDShape)),
	"ListCreateAccountStatus":       keyward.Reads(keyward.ListParam("States", createAccountStateShape, false), nextTokenParam, maxResultsParam),
	"MoveAccount": keyward.Changes(keyward.ReqParam("AccountId", accountIDShape), keyward.ReqParam("SourceParentId", parentIDShape),
		keyward.ReqParam("DestinationParentId", parentIDShape)),

	// Organizational units and the tree.
	"CreateOrganizationalUnit":         keyward.Changes(parentIDParam, keyward.ReqParam("Name", ouNameShape), tagsParam),
	"DescribeOrganizationalUnit":       keyward.Reads(ouIDParam),
	"UpdateOrganizationalUnit":         keyward.Changes(ouIDParam, keyward.OptParam("Name", ouNameShape)),
	"DeleteOrganizationalUnit":         keyward.Changes(ouIDParam),
	"ListOrganizationalUnitsForParent": keyward.Reads(parentIDParam, nextTokenParam, maxResultsParam),
	"ListParents":                      keyward.Reads(keyward.ReqParam("ChildId", childIDShape), nextTokenParam, maxResultsParam),
	"ListChildren":                     keyward.Reads(parentIDParam, keyward.ReqParam("ChildType", childTypeShape), nextTokenParam, maxResultsParam),

	// Policy types and service control policies.
	"EnablePolicyType":  keyward.Changes(rootIDParam, policyTypeParam),
	"DisablePolicyType": keyward.Changes(rootIDParam, policyTypeParam),
	"CreatePolicy": keyward.Changes(keyward.ReqParam("Content", policyContentShape), keyward.ReqParam("Description", policyDescShape),
		keyward.ReqParam("Name", policyNameShape), keyward.ReqParam("Type", PolicyTypeShape), tagsParam),
	"UpdatePolicy": keyward.Changes(policyIDParam, keyward.OptParam("Name", policyNameShape), keyward.OptParam("Description", policyDescShape),
		keyward.OptParam("Content", policyContentShape)),
	"DescribePolicy":        keyward.Reads(policyIDParam),
	"ListPolicies":          keyward.Reads(filterParam, nextTokenParam, maxResultsParam),
	"DeletePolicy":          keyward.Changes(policyIDParam),
	"AttachPolicy":          keyward.Changes(policyIDParam, targetIDParam),
	"DetachPolicy":          keyward.Changes(policyIDParam, targetIDParam),
	"ListPoliciesForTarget": keyward.Reads(keyward.ReqParam("TargetId", targetIDShape), filterParam, nextTokenParam, maxResultsParam),
	"ListTargetsForPolicy":  keyward.Reads(policyIDParam, nextTokenParam, maxResultsParam),

	// AWS services trusted with the organization.
	"EnableAWSServiceAccess":              keyward.Changes(servicePrincipalParam),
	"DisableAWSServiceAccess":             keyward.Changes(servicePrincipalParam),
	"ListAWSServiceAccessForOrganization": keyward.Reads(nextTokenParam, maxResultsParam),

	// Tags.
	"TagResource":         keyward.Changes(resourceIDParam, keyward.TagsParam(true)),
	"UntagResource":       keyward.Changes(resourceIDParam, keyward.ListParam("TagKeys", TagKeyShape, true)),
	"ListTagsForResource": keyward.Reads(resourceIDParam, nextTokenParam),
})
