package awsjson

import (
	"context"

	"github.com/keyward/keyward/organizations"
)

// call performs one operation with its checked input and returns its
// output, which encodes as the model's output shape.
type call func(ctx context.Context, s *organizations.Service, in *input) (any, error)

// list is the output of a listing: its items under the model's member
// and the next page's token.
func list[T any](member string, items []T, next string, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	out := map[string]any{member: items}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

// one is the output of an operation that answers one item under member.
func one[T any](member string, v T, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return map[string]any{member: v}, nil
}

// none is the empty output of an operation that answers nothing.
func none(err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// calls are AWS Organizations' operations, by name; every one has its
// descriptor in organizations.Operations (TestEveryOperationCalled).
var calls = map[string]call{
	"CreateOrganization": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		o, err := s.CreateOrganization(ctx, in.str("FeatureSet"))
		return one("Organization", o, err)
	},
	"DescribeOrganization": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		o, err := s.DescribeOrganization(ctx)
		return one("Organization", o, err)
	},
	"DeleteOrganization": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		return none(s.DeleteOrganization(ctx))
	},
	"ListRoots": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		rs, next, err := s.ListRoots(ctx, in.page())
		return list("Roots", rs, next, err)
	},
	"ListAccounts": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		as, next, err := s.ListAccounts(ctx, in.page())
		return list("Accounts", as, next, err)
	},
	"DescribeAccount": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		a, err := s.DescribeAccount(ctx, in.str("AccountId"))
		return one("Account", a, err)
	},
	"ListAccountsForParent": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		as, next, err := s.ListAccountsForParent(ctx, in.str("ParentId"), in.page())
		return list("Accounts", as, next, err)
	},
	"MoveAccount": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		return none(s.MoveAccount(ctx, in.str("AccountId"), in.str("SourceParentId"), in.str("DestinationParentId")))
	},
	"CreateOrganizationalUnit": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		u, err := s.CreateOrganizationalUnit(ctx, in.str("ParentId"), in.str("Name"), in.tags)
		return one("OrganizationalUnit", u, err)
	},
	"DescribeOrganizationalUnit": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		u, err := s.DescribeOrganizationalUnit(ctx, in.str("OrganizationalUnitId"))
		return one("OrganizationalUnit", u, err)
	},
	"UpdateOrganizationalUnit": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		u, err := s.UpdateOrganizationalUnit(ctx, in.str("OrganizationalUnitId"), in.str("Name"))
		return one("OrganizationalUnit", u, err)
	},
	"DeleteOrganizationalUnit": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		return none(s.DeleteOrganizationalUnit(ctx, in.str("OrganizationalUnitId")))
	},
	"ListOrganizationalUnitsForParent": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		us, next, err := s.ListOrganizationalUnitsForParent(ctx, in.str("ParentId"), in.page())
		return list("OrganizationalUnits", us, next, err)
	},
	"ListParents": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		ps, next, err := s.ListParents(ctx, in.str("ChildId"), in.page())
		return list("Parents", ps, next, err)
	},
	"ListChildren": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		cs, next, err := s.ListChildren(ctx, in.str("ParentId"), in.str("ChildType"), in.page())
		return list("Children", cs, next, err)
	},
	"CreateAccount": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		st, err := s.CreateAccount(ctx, organizations.AccountInput{Email: in.str("Email"), Name: in.str("AccountName"), RoleName: in.str("RoleName"), Tags: in.tags})
		return one("CreateAccountStatus", st, err)
	},
	"RemoveAccountFromOrganization": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		return none(s.RemoveAccountFromOrganization(ctx, in.str("AccountId")))
	},
	"CloseAccount": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		return none(s.CloseAccount(ctx, in.str("AccountId")))
	},
	"DescribeCreateAccountStatus": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		st, err := s.DescribeCreateAccountStatus(ctx, in.str("CreateAccountRequestId"))
		return one("CreateAccountStatus", st, err)
	},
	"ListCreateAccountStatus": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		sts, next, err := s.ListCreateAccountStatus(ctx, in.lists["States"], in.page())
		return list("CreateAccountStatuses", sts, next, err)
	},
	"EnableAWSServiceAccess": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		return none(s.EnableAWSServiceAccess(ctx, in.str("ServicePrincipal")))
	},
	"DisableAWSServiceAccess": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		return none(s.DisableAWSServiceAccess(ctx, in.str("ServicePrincipal")))
	},
	"ListAWSServiceAccessForOrganization": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		ps, next, err := s.ListAWSServiceAccessForOrganization(ctx, in.page())
		return list("EnabledServicePrincipals", ps, next, err)
	},
	"EnablePolicyType": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		r, err := s.EnablePolicyType(ctx, in.str("RootId"), in.str("PolicyType"))
		return one("Root", r, err)
	},
	"DisablePolicyType": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		r, err := s.DisablePolicyType(ctx, in.str("RootId"), in.str("PolicyType"))
		return one("Root", r, err)
	},
	"CreatePolicy": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		p, err := s.CreatePolicy(ctx, organizations.PolicyInput{Name: in.str("Name"), Description: in.str("Description"),
			Type: in.str("Type"), Content: in.str("Content"), Tags: in.tags})
		return one("Policy", p, err)
	},
	"UpdatePolicy": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		p, err := s.UpdatePolicy(ctx, in.str("PolicyId"), in.opt("Name"), in.opt("Description"), in.opt("Content"))
		return one("Policy", p, err)
	},
	"DescribePolicy": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		p, err := s.DescribePolicy(ctx, in.str("PolicyId"))
		return one("Policy", p, err)
	},
	"ListPolicies": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		ps, next, err := s.ListPolicies(ctx, in.str("Filter"), in.page())
		return list("Policies", ps, next, err)
	},
	"DeletePolicy": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		return none(s.DeletePolicy(ctx, in.str("PolicyId")))
	},
	"AttachPolicy": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		return none(s.AttachPolicy(ctx, in.str("PolicyId"), in.str("TargetId")))
	},
	"DetachPolicy": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		return none(s.DetachPolicy(ctx, in.str("PolicyId"), in.str("TargetId")))
	},
	"ListPoliciesForTarget": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		ps, next, err := s.ListPoliciesForTarget(ctx, in.str("TargetId"), in.str("Filter"), in.page())
		return list("Policies", ps, next, err)
	},
	"ListTargetsForPolicy": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		ts, next, err := s.ListTargetsForPolicy(ctx, in.str("PolicyId"), in.page())
		return list("Targets", ts, next, err)
	},
	"TagResource": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		return none(s.TagResource(ctx, in.str("ResourceId"), in.tags))
	},
	"UntagResource": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		return none(s.UntagResource(ctx, in.str("ResourceId"), in.lists["TagKeys"]))
	},
	"ListTagsForResource": func(ctx context.Context, s *organizations.Service, in *input) (any, error) {
		tags, next, err := s.ListTagsForResource(ctx, in.str("ResourceId"), in.page())
		return list("Tags", tags, next, err)
	},
}
