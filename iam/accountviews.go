package iam

import (
	"context"
	"errors"
	"strings"

	"github.com/keyward/keyward"
)

// The descriptors of the account's views: its aliases, summary,
// authorization details and STS token preference.
func init() {
	describe(map[string]keyward.Operation{
		"SetSecurityTokenServicePreferences": keyward.Changes(keyward.ReqParam("GlobalEndpointTokenVersion", tokenVersionShape)),
		"GetAccountSummary":                  keyward.Reads(),
		"CreateAccountAlias":                 keyward.Changes(accountAliasParam),
		"DeleteAccountAlias":                 keyward.Changes(accountAliasParam),
		"ListAccountAliases":                 keyward.Reads(markerParam, maxItemsParam),
		"ListEntitiesForPolicy": keyward.Reads(policyARNParam, keyward.OptParam("EntityFilter", entityTypeShape), keyward.OptParam("PathPrefix", keyward.PathShape),
			keyward.OptParam("PolicyUsageFilter", policyUsageShape), markerParam, maxItemsParam),
		"GetAccountAuthorizationDetails": keyward.Reads(keyward.ListParam("Filter", entityTypeShape, false), maxItemsParam, markerParam),
	})
}

// AccountAliases returns the account's alias, if any.
func (s *Service) AccountAliases(ctx context.Context) ([]string, error) {
	if err := s.Authz.Authorize(ctx, "iam:ListAccountAliases", "*"); err != nil {
		return nil, err
	}
	return s.store(ctx).AccountAliases(ctx)
}

// CreateAccountAlias gives the account its alias.
func (s *Service) CreateAccountAlias(ctx context.Context, alias string) error {
	if err := s.Authz.Authorize(ctx, "iam:CreateAccountAlias", "*"); err != nil {
		return err
	}
	if strings.HasPrefix(alias, "-") || strings.HasSuffix(alias, "-") {
		return keyward.Errorf(keyward.EValidationError, "The account alias must not begin or end with a hyphen.")
	}
	switch err := s.changing(ctx).CreateAccountAlias(ctx, alias); {
	case errors.Is(err, keyward.ErrAliasExists):
		return keyward.Errorf(keyward.EEntityAlreadyExists, "The account alias %s already exists.", alias)
	case errors.Is(err, keyward.ErrAliasQuota):
		return keyward.Errorf(keyward.ELimitExceeded, "Cannot exceed quota for AccountAliasesPerAccount: %d", keyward.MaxAccountAliases)
	default:
		return err
	}
}

// DeleteAccountAlias removes the account's alias.
func (s *Service) DeleteAccountAlias(ctx context.Context, alias string) error {
	if err := s.Authz.Authorize(ctx, "iam:DeleteAccountAlias", "*"); err != nil {
		return err
	}
	if err := s.changing(ctx).DeleteAccountAlias(ctx, alias); errors.Is(err, keyward.ErrNoSuchAlias) {
		return keyward.Errorf(keyward.ENoSuchEntity, "The account alias %s cannot be found.", alias)
	} else {
		return err
	}
}

// AccountLabel is how the account is named to people: its alias, or its
// ID without one. It is the service's own reading (the console's header,
// an MFA device's label), not a caller's request.
func (s *Service) AccountLabel(ctx context.Context) string {
	aliases, err := s.store(ctx).AccountAliases(ctx)
	if err != nil || len(aliases) == 0 {
		return s.Account(ctx).ID
	}
	return aliases[0]
}

// AccountSummary returns GetAccountSummary's map, in the model's order of
// keys: counts of what the account holds, and AWS's default quotas
// (Keyward enforces those that concern one user's credentials and a
// policy's versions).
func (s *Service) AccountSummary(ctx context.Context) ([]keyward.SummaryEntry, error) {
	if err := s.Authz.Authorize(ctx, "iam:GetAccountSummary", "*"); err != nil {
		return nil, err
	}
	c, err := s.store(ctx).AccountCounts(ctx)
	if err != nil {
		return nil, err
	}
	tokenVersion, err := s.store(ctx).TokenVersion(ctx)
	if err != nil {
		return nil, err
	}
	q := s.quotas()
	present := func(n int) int {
		if n > 0 {
			return 1
		}
		return 0
	}
	return []keyward.SummaryEntry{
		{Key: "Users", Value: c.Users}, {Key: "UsersQuota", Value: q.Users},
		{Key: "Groups", Value: c.Groups}, {Key: "GroupsQuota", Value: q.Groups},
		{Key: "ServerCertificates", Value: c.ServerCertificates}, {Key: "ServerCertificatesQuota", Value: maxServerCertificates},
		{Key: "UserPolicySizeQuota", Value: q.UserPolicySize}, {Key: "GroupPolicySizeQuota", Value: q.GroupPolicySize}, {Key: "GroupsPerUserQuota", Value: q.GroupsPerUser},
		{Key: "SigningCertificatesPerUserQuota", Value: maxSigningCertificatesPerUser}, {Key: "AccessKeysPerUserQuota", Value: keyward.MaxAccessKeysPerUser},
		{Key: "MFADevices", Value: c.MFADevices}, {Key: "MFADevicesInUse", Value: c.MFADevicesInUse},
		{Key: "AccountMFAEnabled", Value: present(c.RootMFADevices)},
		{Key: "AccountAccessKeysPresent", Value: present(c.RootAccessKeys)},
		{Key: "AccountSigningCertificatesPresent", Value: 0},
		{Key: "AttachedPoliciesPerGroupQuota", Value: q.AttachedPoliciesPerGroup}, {Key: "AttachedPoliciesPerRoleQuota", Value: q.AttachedPoliciesPerRole},
		{Key: "AttachedPoliciesPerUserQuota", Value: q.AttachedPoliciesPerUser},
		{Key: "Policies", Value: c.Policies}, {Key: "PoliciesQuota", Value: q.Policies}, {Key: "PolicySizeQuota", Value: q.PolicySize},
		{Key: "PolicyVersionsInUse", Value: c.PolicyVersionsInUse}, {Key: "PolicyVersionsInUseQuota", Value: 10000},
		{Key: "VersionsPerPolicyQuota", Value: keyward.MaxPolicyVersions},
		{Key: "GlobalEndpointTokenVersion", Value: tokenVersion},
	}, nil
}

// SetSecurityTokenServicePreferences sets which tokens STS's global
// endpoint issues: "v1Token" or "v2Token" (GetAccountSummary's
// GlobalEndpointTokenVersion, 1 or 2). Keyward's STS answers in every
// region alike; the setting is kept for the tools that read it.
func (s *Service) SetSecurityTokenServicePreferences(ctx context.Context, version string) error {
	if err := s.Authz.Authorize(ctx, "iam:SetSecurityTokenServicePreferences", "*"); err != nil {
		return err
	}
	v := 1
	if version == "v2Token" {
		v = 2
	}
	return s.changing(ctx).SetTokenVersion(ctx, v)
}

// ListEntitiesForPolicy pages the users and groups a managed policy is
// attached to or bounds. kind is "", "User", "Group" or "Role"; usage is
// "", "PermissionsPolicy" or "PermissionsBoundary".
func (s *Service) ListEntitiesForPolicy(ctx context.Context, arn, kind, pathPrefix, usage, marker string, max int) ([]keyward.PolicyEntity, string, error) {
	if err := s.Authz.AuthorizeARN(ctx, "iam:ListEntitiesForPolicy", arn); err != nil {
		return nil, "", err
	}
	switch kind {
	case "User":
		kind = keyward.EntityUser
	case "Group":
		kind = keyward.EntityGroup
	case "Role":
		kind = keyward.EntityRole
	case "":
	default:
		kind = "none" // roles and policies are never attached to a policy
	}
	if _, err := s.store(ctx).Policy(ctx, arn); errors.Is(err, keyward.ErrNoSuchPolicy) {
		return nil, "", keyward.PolicyNotFound(arn)
	} else if err != nil {
		return nil, "", err
	}
	if kind == "none" {
		return nil, "", nil
	}
	return pageBy(marker, func(after string) ([]keyward.PolicyEntity, bool, error) {
		return s.store(ctx).PolicyEntities(ctx, arn, kind, orRoot(pathPrefix), usage, after, max)
	}, func(e keyward.PolicyEntity) string { return e.Kind + ":" + e.Name })
}

// AccountAuthorizationDetails pages every user, group, role and managed
// policy with their documents; filter names the kinds wanted ("User",
// "Group", "Role", "LocalManagedPolicy", "AWSManagedPolicy"), all when
// empty. The marker names the kind and the last item read: users come
// first, then groups, roles, policies.
func (s *Service) AccountAuthorizationDetails(ctx context.Context, filter []string, marker string, max int) (keyward.AuthorizationDetails, error) {
	if err := s.Authz.Authorize(ctx, "iam:GetAccountAuthorizationDetails", "*"); err != nil {
		return keyward.AuthorizationDetails{}, err
	}
	want := map[string]bool{}
	for _, f := range filter {
		want[f] = true
	}
	all := len(filter) == 0
	after, err := decodeMarker(marker)
	if err != nil {
		return keyward.AuthorizationDetails{}, err
	}
	stage, last, _ := strings.Cut(after, ":")
	if after == "" {
		stage = "u"
	}
	var out keyward.AuthorizationDetails
	left := max
	// Users come first, then groups, then roles, each a stage of the
	// marker.
	stages := []struct {
		stage, kind, filter string
		items               *[]keyward.EntityDetail
	}{
		{"u", keyward.EntityUser, "User", &out.Users},
		{"g", keyward.EntityGroup, "Group", &out.Groups},
		{"r", keyward.EntityRole, "Role", &out.Roles},
	}
	for i, st := range stages {
		if stage != st.stage {
			continue
		}
		if all || want[st.filter] {
			var stop bool
			*st.items, left, out.Next, stop, err = readStage(st.stage, last, left, func(after string, n int) ([]keyward.EntityDetail, bool, error) {
				return s.entityDetails(ctx, st.kind, after, n)
			}, keyward.EntityDetail.Name)
			if err != nil || stop {
				return out, err
			}
		}
		if stage, last = "p", ""; i+1 < len(stages) {
			stage = stages[i+1].stage
		}
	}
	if stage == "p" && (all || want["LocalManagedPolicy"] || want["AWSManagedPolicy"]) {
		for {
			policies, more, err := s.store(ctx).PolicyDetails(ctx, last, left)
			if err != nil {
				return out, err
			}
			for _, p := range policies {
				if all || (p.AWSManaged && want["AWSManagedPolicy"]) || (!p.AWSManaged && want["LocalManagedPolicy"]) {
					out.Policies = append(out.Policies, p)
					left--
				}
			}
			if len(policies) > 0 {
				last = policies[len(policies)-1].ARN
			}
			if !more {
				return out, nil
			}
			if left == 0 {
				out.Next = encodeMarker("p:" + last)
				return out, nil
			}
		}
	}
	return out, nil
}

// entityDetails reads a page of EntityDetails, with a role's instance
// profiles.
func (s *Service) entityDetails(ctx context.Context, kind, after string, max int) ([]keyward.EntityDetail, bool, error) {
	details, more, err := s.store(ctx).EntityDetails(ctx, kind, after, max)
	if err != nil || kind != keyward.EntityRole {
		return details, more, err
	}
	roles := make([]keyward.Role, len(details))
	for i := range details {
		if details[i].InstanceProfiles, _, err = s.store(ctx).ListInstanceProfiles(ctx, "/", details[i].Role.Name, "", 1000); err != nil && !errors.Is(err, keyward.ErrNoSuchRole) {
			return nil, false, err
		}
		roles[i] = details[i].Role
	}
	// Each role's trust policy as GetRole shows it, in its instance
	// profiles' too (they hold the same role).
	if err := s.showTrust(ctx, roles); err != nil {
		return nil, false, err
	}
	for i := range details {
		details[i].Role.TrustPolicy = roles[i].TrustPolicy
		for j := range details[i].InstanceProfiles {
			for k := range details[i].InstanceProfiles[j].Roles {
				details[i].InstanceProfiles[j].Roles[k].TrustPolicy = roles[i].TrustPolicy
			}
		}
	}
	return details, more, nil
}

// readStage reads one stage of AccountAuthorizationDetails: up to left
// items after last. It returns them, how many the page still has room
// for, and whether the page ends here, because it is full or the store
// has more of this stage; then next is the marker to resume at.
func readStage[T any](stage, last string, left int, read func(after string, max int) ([]T, bool, error), name func(T) string) (items []T, rest int, next string, stop bool, err error) {
	items, more, err := read(last, left)
	if err != nil {
		return nil, left, "", true, err
	}
	left -= len(items)
	if more || left == 0 {
		if len(items) > 0 {
			next = encodeMarker(stage + ":" + name(items[len(items)-1]))
		}
		return items, left, next, true, nil
	}
	return items, left, "", false, nil
}
