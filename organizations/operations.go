package organizations

import "github.com/keyward/keyward"

// TargetPrefix begins the X-Amz-Target of every operation of the service
// (the model's targetPrefix and a dot); APIVersion is the model's.
const (
	TargetPrefix = "AWSOrganizationsV20161128."
	APIVersion   = "2016-11-28"
)

// The parameters several operations take.
var (
	nextTokenParam        = keyward.OptParam("NextToken", keyward.OrgNextTokenShape)
	maxResultsParam       = keyward.IntParam("MaxResults", 1, 20)
	parentIDParam         = keyward.ReqParam("ParentId", keyward.OrgParentIDShape)
	ouIDParam             = keyward.ReqParam("OrganizationalUnitId", keyward.OrgOUIDShape)
	policyIDParam         = keyward.ReqParam("PolicyId", keyward.OrgPolicyIDShape)
	targetIDParam         = keyward.ReqParam("TargetId", keyward.OrgTargetIDShape)
	rootIDParam           = keyward.ReqParam("RootId", keyward.OrgRootIDShape)
	policyTypeParam       = keyward.ReqParam("PolicyType", keyward.OrgPolicyTypeShape)
	resourceIDParam       = keyward.ReqParam("ResourceId", keyward.OrgTaggableIDShape)
	filterParam           = keyward.ReqParam("Filter", keyward.OrgPolicyTypeShape)
	tagsParam             = keyward.TagsParam(false)
	servicePrincipalParam = keyward.ReqParam("ServicePrincipal", keyward.OrgServicePrincipalShape)
)

// Operations are AWS Organizations' operations Keyward serves, by name:
// their parameters with the model's constraints, in the model's order,
// and whether they only read. Each is authorised as
// organizations:<Name> by the method that performs it.
var Operations = keyward.OperationTable(keyward.ServiceOrganizations, map[string]keyward.Operation{
	// The organization, its root and its accounts.
	"CreateOrganization":    keyward.Changes(keyward.OptParam("FeatureSet", keyward.OrgFeatureSetShape)),
	"DescribeOrganization":  keyward.Reads(),
	"DeleteOrganization":    keyward.Changes(),
	"ListRoots":             keyward.Reads(nextTokenParam, maxResultsParam),
	"ListAccounts":          keyward.Reads(nextTokenParam, maxResultsParam),
	"DescribeAccount":       keyward.Reads(keyward.ReqParam("AccountId", keyward.OrgAccountIDShape)),
	"ListAccountsForParent": keyward.Reads(parentIDParam, nextTokenParam, maxResultsParam),
	"MoveAccount": keyward.Changes(keyward.ReqParam("AccountId", keyward.OrgAccountIDShape), keyward.ReqParam("SourceParentId", keyward.OrgParentIDShape),
		keyward.ReqParam("DestinationParentId", keyward.OrgParentIDShape)),

	// Organizational units and the tree.
	"CreateOrganizationalUnit":         keyward.Changes(parentIDParam, keyward.ReqParam("Name", keyward.OrgOUNameShape), tagsParam),
	"DescribeOrganizationalUnit":       keyward.Reads(ouIDParam),
	"UpdateOrganizationalUnit":         keyward.Changes(ouIDParam, keyward.OptParam("Name", keyward.OrgOUNameShape)),
	"DeleteOrganizationalUnit":         keyward.Changes(ouIDParam),
	"ListOrganizationalUnitsForParent": keyward.Reads(parentIDParam, nextTokenParam, maxResultsParam),
	"ListParents":                      keyward.Reads(keyward.ReqParam("ChildId", keyward.OrgChildIDShape), nextTokenParam, maxResultsParam),
	"ListChildren":                     keyward.Reads(parentIDParam, keyward.ReqParam("ChildType", keyward.OrgChildTypeShape), nextTokenParam, maxResultsParam),

	// Policy types and service control policies.
	"EnablePolicyType":  keyward.Changes(rootIDParam, policyTypeParam),
	"DisablePolicyType": keyward.Changes(rootIDParam, policyTypeParam),
	"CreatePolicy": keyward.Changes(keyward.ReqParam("Content", keyward.OrgPolicyContentShape), keyward.ReqParam("Description", keyward.OrgPolicyDescShape),
		keyward.ReqParam("Name", keyward.OrgPolicyNameShape), keyward.ReqParam("Type", keyward.OrgPolicyTypeShape), tagsParam),
	"UpdatePolicy": keyward.Changes(policyIDParam, keyward.OptParam("Name", keyward.OrgPolicyNameShape), keyward.OptParam("Description", keyward.OrgPolicyDescShape),
		keyward.OptParam("Content", keyward.OrgPolicyContentShape)),
	"DescribePolicy":        keyward.Reads(policyIDParam),
	"ListPolicies":          keyward.Reads(filterParam, nextTokenParam, maxResultsParam),
	"DeletePolicy":          keyward.Changes(policyIDParam),
	"AttachPolicy":          keyward.Changes(policyIDParam, targetIDParam),
	"DetachPolicy":          keyward.Changes(policyIDParam, targetIDParam),
	"ListPoliciesForTarget": keyward.Reads(keyward.ReqParam("TargetId", keyward.OrgTargetIDShape), filterParam, nextTokenParam, maxResultsParam),
	"ListTargetsForPolicy":  keyward.Reads(policyIDParam, nextTokenParam, maxResultsParam),

	// AWS services trusted with the organization.
	"EnableAWSServiceAccess":              keyward.Changes(servicePrincipalParam),
	"DisableAWSServiceAccess":             keyward.Changes(servicePrincipalParam),
	"ListAWSServiceAccessForOrganization": keyward.Reads(nextTokenParam, maxResultsParam),

	// Tags.
	"TagResource":         keyward.Changes(resourceIDParam, keyward.TagsParam(true)),
	"UntagResource":       keyward.Changes(resourceIDParam, keyward.ListParam("TagKeys", keyward.OrgTagKeyShape, true)),
	"ListTagsForResource": keyward.Reads(resourceIDParam, nextTokenParam),
})
