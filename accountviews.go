package keyward

import (
	"context"
	"errors"
	"strings"
)

// The account-wide views: aliases, the summary of counts and quotas, the
// entities a policy is attached to, and the whole authorization picture
// (GetAccountAuthorizationDetails) that audit tools read.

// Store errors of the account's aliases.
var (
	ErrAliasExists = errors.New("keyward: account alias exists")
	ErrAliasQuota  = errors.New("keyward: the account has an alias already")
	ErrNoSuchAlias = errors.New("keyward: no such account alias")
)

// AccountCounts are what GetAccountSummary counts.
type AccountCounts struct {
	Users, Groups, Policies     int
	MFADevices, MFADevicesInUse int
	PolicyVersionsInUse         int
	RootAccessKeys              int
	ServerCertificates          int
}

// PolicyEntity is a user or a group a managed policy is attached to.
type PolicyEntity struct {
	Kind string // EntityUser or EntityGroup
	Name string
	ID   string
}

// NamedPolicy is an inline policy with its document.
type NamedPolicy struct {
	Name     string
	Document string
}

// EntityDetail is a user or a group with everything that decides its
// access, as GetAccountAuthorizationDetails shows it.
type EntityDetail struct {
	// User is set for a user, Group for a group.
	User     User
	Group    Group
	Inline   []NamedPolicy
	Attached []ManagedPolicy
	// Groups are a user's groups, by name.
	Groups []string
}

// RoleDetail is a role with its policies.
type RoleDetail struct {
	Role     Role
	Inline   []NamedPolicy
	Attached []ManagedPolicy
	// InstanceProfiles are those that hold the role.
	InstanceProfiles []InstanceProfile
}

// PolicyDetail is a managed policy with every version's document.
type PolicyDetail struct {
	ManagedPolicy
	Versions []PolicyVersion
}

// AccountStore serves the account-wide views.
type AccountStore interface {
	// AccountAliases returns the account's aliases (one at most).
	AccountAliases(ctx context.Context) ([]string, error)
	// CreateAccountAlias sets the alias; ErrAliasExists if it is already
	// the alias, ErrAliasQuota if the account has another.
	CreateAccountAlias(ctx context.Context, alias string) error
	// DeleteAccountAlias removes it; ErrNoSuchAlias.
	DeleteAccountAlias(ctx context.Context, alias string) error
	// AccountCounts counts the account's entities.
	AccountCounts(ctx context.Context) (AccountCounts, error)
	// PolicyEntities pages the users and groups a managed policy is attached
	// to, or bounds (usage "PermissionsPolicy", "PermissionsBoundary", ""
	// for both), groups first, then roles, then users, each by name; kind ""
	// is all.
	// The marker is "<kind>:<name>". ErrNoSuchPolicy.
	PolicyEntities(ctx context.Context, arn, kind, pathPrefix, usage, after string, max int) ([]PolicyEntity, bool, error)
	// UserDetails and GroupDetails page users and groups by name with their
	// policies; PolicyDetails pages the account's managed policies and the
	// AWS managed policies attached to something, by ARN, with their
	// versions.
	UserDetails(ctx context.Context, after string, max int) ([]EntityDetail, bool, error)
	GroupDetails(ctx context.Context, after string, max int) ([]EntityDetail, bool, error)
	RoleDetails(ctx context.Context, after string, max int) ([]RoleDetail, bool, error)
	PolicyDetails(ctx context.Context, after string, max int) ([]PolicyDetail, bool, error)
	// TokenVersion and SetTokenVersion keep the account's
	// GlobalEndpointTokenVersion (1 or 2).
	TokenVersion(ctx context.Context) (int, error)
	SetTokenVersion(ctx context.Context, v int) error
}

// MaxAccountAliases is AWS's quota: one alias per account.
const MaxAccountAliases = 1

// AccountAliases returns the account's alias, if any.
func (s *Service) AccountAliases(ctx context.Context) ([]string, error) {
	if err := s.authorize(ctx, "iam:ListAccountAliases", "*"); err != nil {
		return nil, err
	}
	return s.Store.AccountAliases(ctx)
}

// CreateAccountAlias gives the account its alias.
func (s *Service) CreateAccountAlias(ctx context.Context, alias string) error {
	if err := s.authorize(ctx, "iam:CreateAccountAlias", "*"); err != nil {
		return err
	}
	if strings.HasPrefix(alias, "-") || strings.HasSuffix(alias, "-") {
		return Errorf(EValidationError, "The account alias must not begin or end with a hyphen.")
	}
	switch err := s.Store.CreateAccountAlias(ctx, alias); {
	case errors.Is(err, ErrAliasExists):
		return Errorf(EEntityAlreadyExists, "The account alias %s already exists.", alias)
	case errors.Is(err, ErrAliasQuota):
		return Errorf(ELimitExceeded, "Cannot exceed quota for AccountAliasesPerAccount: %d", MaxAccountAliases)
	default:
		return err
	}
}

// DeleteAccountAlias removes the account's alias.
func (s *Service) DeleteAccountAlias(ctx context.Context, alias string) error {
	if err := s.authorize(ctx, "iam:DeleteAccountAlias", "*"); err != nil {
		return err
	}
	if err := s.Store.DeleteAccountAlias(ctx, alias); errors.Is(err, ErrNoSuchAlias) {
		return Errorf(ENoSuchEntity, "The account alias %s cannot be found.", alias)
	} else {
		return err
	}
}

// AccountLabel is how the account is named to people: its alias, or its
// ID without one. It is the service's own reading (the console's header,
// an MFA device's label), not a caller's request.
func (s *Service) AccountLabel(ctx context.Context) string {
	aliases, err := s.Store.AccountAliases(ctx)
	if err != nil || len(aliases) == 0 {
		return s.Account.ID
	}
	return aliases[0]
}

// SummaryEntry is one key of GetAccountSummary's SummaryMap.
type SummaryEntry struct {
	Key   string
	Value int
}

// AccountSummary returns GetAccountSummary's map, in the model's order of
// keys: counts of what the account holds, and AWS's default quotas
// (Keyward enforces those that concern one user's credentials and a
// policy's versions).
func (s *Service) AccountSummary(ctx context.Context) ([]SummaryEntry, error) {
	if err := s.authorize(ctx, "iam:GetAccountSummary", "*"); err != nil {
		return nil, err
	}
	c, err := s.Store.AccountCounts(ctx)
	if err != nil {
		return nil, err
	}
	tokenVersion, err := s.Store.TokenVersion(ctx)
	if err != nil {
		return nil, err
	}
	present := func(n int) int {
		if n > 0 {
			return 1
		}
		return 0
	}
	return []SummaryEntry{
		{"Users", c.Users}, {"UsersQuota", 5000},
		{"Groups", c.Groups}, {"GroupsQuota", 300},
		{"ServerCertificates", c.ServerCertificates}, {"ServerCertificatesQuota", MaxServerCertificates},
		{"UserPolicySizeQuota", 2048}, {"GroupPolicySizeQuota", 5120}, {"GroupsPerUserQuota", 10},
		{"SigningCertificatesPerUserQuota", MaxSigningCertificatesPerUser}, {"AccessKeysPerUserQuota", MaxAccessKeysPerUser},
		{"MFADevices", c.MFADevices}, {"MFADevicesInUse", c.MFADevicesInUse},
		// The root user's MFA is not kept by Keyward.
		{"AccountMFAEnabled", 0},
		{"AccountAccessKeysPresent", present(c.RootAccessKeys)},
		{"AccountSigningCertificatesPresent", 0},
		{"AttachedPoliciesPerGroupQuota", 10}, {"AttachedPoliciesPerRoleQuota", 10}, {"AttachedPoliciesPerUserQuota", 10},
		{"Policies", c.Policies}, {"PoliciesQuota", 1500}, {"PolicySizeQuota", 6144},
		{"PolicyVersionsInUse", c.PolicyVersionsInUse}, {"PolicyVersionsInUseQuota", 10000},
		{"VersionsPerPolicyQuota", MaxPolicyVersions},
		{"GlobalEndpointTokenVersion", tokenVersion},
	}, nil
}

// SetSecurityTokenServicePreferences sets which tokens STS's global
// endpoint issues: "v1Token" or "v2Token" (GetAccountSummary's
// GlobalEndpointTokenVersion, 1 or 2). Keyward's STS answers in every
// region alike; the setting is kept for the tools that read it.
func (s *Service) SetSecurityTokenServicePreferences(ctx context.Context, version string) error {
	if err := s.authorize(ctx, "iam:SetSecurityTokenServicePreferences", "*"); err != nil {
		return err
	}
	v := 1
	if version == "v2Token" {
		v = 2
	}
	return s.Store.SetTokenVersion(ctx, v)
}

// ListEntitiesForPolicy pages the users and groups a managed policy is
// attached to or bounds. kind is "", "User", "Group" or "Role"; usage is
// "", "PermissionsPolicy" or "PermissionsBoundary".
func (s *Service) ListEntitiesForPolicy(ctx context.Context, arn, kind, pathPrefix, usage, marker string, max int) ([]PolicyEntity, string, error) {
	if err := s.authorizeARN(ctx, "iam:ListEntitiesForPolicy", arn); err != nil {
		return nil, "", err
	}
	switch kind {
	case "User":
		kind = EntityUser
	case "Group":
		kind = EntityGroup
	case "Role":
		kind = EntityRole
	case "":
	default:
		kind = "none" // roles and policies are never attached to a policy
	}
	if _, err := s.Store.Policy(ctx, arn); errors.Is(err, ErrNoSuchPolicy) {
		return nil, "", PolicyNotFound(arn)
	} else if err != nil {
		return nil, "", err
	}
	if kind == "none" {
		return nil, "", nil
	}
	return pageBy(marker, func(after string) ([]PolicyEntity, bool, error) {
		return s.Store.PolicyEntities(ctx, arn, kind, orRoot(pathPrefix), usage, after, max)
	}, func(e PolicyEntity) string { return e.Kind + ":" + e.Name })
}

// AuthorizationDetails is one page of GetAccountAuthorizationDetails.
type AuthorizationDetails struct {
	Users, Groups []EntityDetail
	Roles         []RoleDetail
	Policies      []PolicyDetail
	Next          string
}

// AccountAuthorizationDetails pages every user, group, role and managed
// policy with their documents; filter names the kinds wanted ("User",
// "Group", "Role", "LocalManagedPolicy", "AWSManagedPolicy"), all when
// empty. The marker names the kind and the last item read: users come
// first, then groups, roles, policies.
func (s *Service) AccountAuthorizationDetails(ctx context.Context, filter []string, marker string, max int) (AuthorizationDetails, error) {
	if err := s.authorize(ctx, "iam:GetAccountAuthorizationDetails", "*"); err != nil {
		return AuthorizationDetails{}, err
	}
	want := map[string]bool{}
	for _, f := range filter {
		want[f] = true
	}
	all := len(filter) == 0
	after, err := decodeMarker(marker)
	if err != nil {
		return AuthorizationDetails{}, err
	}
	stage, last, _ := strings.Cut(after, ":")
	if after == "" {
		stage = "u"
	}
	var out AuthorizationDetails
	left := max
	if stage == "u" && (all || want["User"]) {
		users, more, err := s.Store.UserDetails(ctx, last, left)
		if err != nil {
			return out, err
		}
		out.Users, left = users, left-len(users)
		if more || left == 0 {
			if len(users) > 0 {
				out.Next = encodeMarker("u:" + users[len(users)-1].User.Name)
			}
			return out, nil
		}
	}
	if stage == "u" {
		stage, last = "g", ""
	}
	if stage == "g" && (all || want["Group"]) {
		groups, more, err := s.Store.GroupDetails(ctx, last, left)
		if err != nil {
			return out, err
		}
		out.Groups, left = groups, left-len(groups)
		if more || left == 0 {
			if len(groups) > 0 {
				out.Next = encodeMarker("g:" + groups[len(groups)-1].Group.Name)
			}
			return out, nil
		}
	}
	if stage == "g" {
		stage, last = "r", ""
	}
	if stage == "r" && (all || want["Role"]) {
		roles, more, err := s.Store.RoleDetails(ctx, last, left)
		if err != nil {
			return out, err
		}
		for i := range roles {
			if roles[i].InstanceProfiles, _, err = s.Store.ListInstanceProfiles(ctx, "/", roles[i].Role.Name, "", 1000); err != nil && !errors.Is(err, ErrNoSuchRole) {
				return out, err
			}
		}
		out.Roles, left = roles, left-len(roles)
		if more || left == 0 {
			if len(roles) > 0 {
				out.Next = encodeMarker("r:" + roles[len(roles)-1].Role.Name)
			}
			return out, nil
		}
	}
	if stage == "r" {
		stage, last = "p", ""
	}
	if stage == "p" && (all || want["LocalManagedPolicy"] || want["AWSManagedPolicy"]) {
		for {
			policies, more, err := s.Store.PolicyDetails(ctx, last, left)
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
