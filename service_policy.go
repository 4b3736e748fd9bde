package keyward

import (
	"context"
	"errors"
)

// policiesChanged announces a change to what policy evaluation sees.
func (s *Service) policiesChanged() { s.publish(Change{Kind: ChangedPolicies}) }

// GroupNotFound is AWS's NoSuchEntity for a group name.
func GroupNotFound(name string) *Error {
	return Errorf(ENoSuchEntity, "The group with name %s cannot be found.", name)
}

// PolicyNotFound is AWS's NoSuchEntity for a managed policy ARN.
func PolicyNotFound(arn string) *Error {
	return Errorf(ENoSuchEntity, "Policy %s does not exist or is not attachable.", arn)
}

// entityError maps a store error about an entity to AWS's.
func entityError(err error, e Entity) error {
	switch {
	case errors.Is(err, ErrNoSuchUser):
		return UserNotFound(e.Name)
	case errors.Is(err, ErrNoSuchGroup):
		return GroupNotFound(e.Name)
	}
	return err
}

// CreateGroup creates an IAM group.
func (s *Service) CreateGroup(ctx context.Context, name, path string) (Group, error) {
	if path == "" {
		path = "/"
	}
	if err := s.authorize(ctx, "iam:CreateGroup", s.Account.GroupARN(path, name)); err != nil {
		return Group{}, err
	}
	id, err := NewGroupID(s.Rand)
	if err != nil {
		return Group{}, err
	}
	g := Group{ID: id, Name: name, Path: path, CreatedAt: s.now()}
	if err := s.Store.CreateGroup(ctx, g); errors.Is(err, ErrGroupExists) {
		return Group{}, Errorf(EEntityAlreadyExists, "Group with name %s already exists.", name)
	} else if err != nil {
		return Group{}, err
	}
	return g, nil
}

// Group returns a group by name (iam:GetGroup).
func (s *Service) Group(ctx context.Context, name string) (Group, error) {
	if err := s.authorizeGroup(ctx, "iam:GetGroup", name); err != nil {
		return Group{}, err
	}
	g, err := s.Store.Group(ctx, name)
	if errors.Is(err, ErrNoSuchGroup) {
		return g, GroupNotFound(name)
	}
	return g, err
}

// ListGroups pages the account's groups.
func (s *Service) ListGroups(ctx context.Context, pathPrefix, marker string, max int) ([]Group, string, error) {
	if err := s.authorize(ctx, "iam:ListGroups", s.Account.GroupARN(orRoot(pathPrefix), "")); err != nil {
		return nil, "", err
	}
	return pageBy(marker, func(after string) ([]Group, bool, error) {
		return s.Store.ListGroups(ctx, orRoot(pathPrefix), after, max)
	}, func(g Group) string { return g.Name })
}

// GroupMembers pages the users of a group (iam:GetGroup).
func (s *Service) GroupMembers(ctx context.Context, group, marker string, max int) ([]User, string, error) {
	if err := s.authorizeGroup(ctx, "iam:GetGroup", group); err != nil {
		return nil, "", err
	}
	users, next, err := pageBy(marker, func(after string) ([]User, bool, error) {
		return s.Store.GroupMembers(ctx, group, after, max)
	}, func(u User) string { return u.Name })
	return users, next, entityError(err, Entity{Kind: EntityGroup, Name: group})
}

// DeleteGroup deletes a group without members or policies.
func (s *Service) DeleteGroup(ctx context.Context, name string) error {
	if err := s.authorizeGroup(ctx, "iam:DeleteGroup", name); err != nil {
		return err
	}
	err := s.Store.DeleteGroup(ctx, name)
	if errors.Is(err, ErrEntityInUse) {
		return DeleteConflict()
	}
	return entityError(err, Entity{Kind: EntityGroup, Name: name})
}

// AddUserToGroup makes a user a member of a group.
func (s *Service) AddUserToGroup(ctx context.Context, group, user string) error {
	if err := s.authorizeGroup(ctx, "iam:AddUserToGroup", group); err != nil {
		return err
	}
	err := s.Store.AddUserToGroup(ctx, group, user)
	s.policiesChanged()
	return membershipError(err, group, user)
}

// RemoveUserFromGroup removes a user from a group.
func (s *Service) RemoveUserFromGroup(ctx context.Context, group, user string) error {
	if err := s.authorizeGroup(ctx, "iam:RemoveUserFromGroup", group); err != nil {
		return err
	}
	err := s.Store.RemoveUserFromGroup(ctx, group, user)
	s.policiesChanged()
	if errors.Is(err, ErrNotAttached) {
		return Errorf(ENoSuchEntity, "User %s is not in group %s.", user, group)
	}
	return membershipError(err, group, user)
}

func membershipError(err error, group, user string) error {
	switch {
	case errors.Is(err, ErrNoSuchGroup):
		return GroupNotFound(group)
	case errors.Is(err, ErrNoSuchUser):
		return UserNotFound(user)
	}
	return err
}

// ListGroupsForUser pages the groups a user belongs to.
func (s *Service) ListGroupsForUser(ctx context.Context, user, marker string, max int) ([]Group, string, error) {
	if err := s.authorizeUser(ctx, "iam:ListGroupsForUser", user); err != nil {
		return nil, "", err
	}
	groups, next, err := pageBy(marker, func(after string) ([]Group, bool, error) {
		return s.Store.ListGroupsForUser(ctx, user, after, max)
	}, func(g Group) string { return g.Name })
	return groups, next, entityError(err, Entity{Kind: EntityUser, Name: user})
}

// PutInlinePolicy validates a document and makes it an entity's inline
// policy, replacing one of the same name.
func (s *Service) PutInlinePolicy(ctx context.Context, e Entity, name, document string) error {
	if err := s.authorizeEntity(ctx, entityAction("Put", e, "Policy"), e); err != nil {
		return err
	}
	if err := s.Policies.Check(document); err != nil {
		return err
	}
	err := s.Store.PutInlinePolicy(ctx, e, name, document)
	s.policiesChanged()
	return entityError(err, e)
}

func inlineNotFound(e Entity, name string) *Error {
	return Errorf(ENoSuchEntity, "The %s policy with name %s cannot be found.", e.Kind, name)
}

// InlinePolicy returns an inline policy's document.
func (s *Service) InlinePolicy(ctx context.Context, e Entity, name string) (string, error) {
	if err := s.authorizeEntity(ctx, entityAction("Get", e, "Policy"), e); err != nil {
		return "", err
	}
	doc, err := s.Store.InlinePolicy(ctx, e, name)
	if errors.Is(err, ErrNoSuchPolicy) {
		return "", inlineNotFound(e, name)
	}
	return doc, entityError(err, e)
}

// ListInlinePolicies pages the names of an entity's inline policies.
func (s *Service) ListInlinePolicies(ctx context.Context, e Entity, marker string, max int) ([]string, string, error) {
	if err := s.authorizeEntity(ctx, entityAction("List", e, "Policies"), e); err != nil {
		return nil, "", err
	}
	names, next, err := pageBy(marker, func(after string) ([]string, bool, error) {
		return s.Store.ListInlinePolicies(ctx, e, after, max)
	}, func(n string) string { return n })
	return names, next, entityError(err, e)
}

// DeleteInlinePolicy deletes an inline policy.
func (s *Service) DeleteInlinePolicy(ctx context.Context, e Entity, name string) error {
	if err := s.authorizeEntity(ctx, entityAction("Delete", e, "Policy"), e); err != nil {
		return err
	}
	err := s.Store.DeleteInlinePolicy(ctx, e, name)
	s.policiesChanged()
	if errors.Is(err, ErrNoSuchPolicy) {
		return inlineNotFound(e, name)
	}
	return entityError(err, e)
}

// CreatePolicy validates a document and creates a managed policy with it
// as version v1.
func (s *Service) CreatePolicy(ctx context.Context, name, path, description, document string) (ManagedPolicy, error) {
	if path == "" {
		path = "/"
	}
	if err := s.authorize(ctx, "iam:CreatePolicy", s.Account.PolicyARN(path, name)); err != nil {
		return ManagedPolicy{}, err
	}
	if err := s.Policies.Check(document); err != nil {
		return ManagedPolicy{}, err
	}
	id, err := NewPolicyID(s.Rand)
	if err != nil {
		return ManagedPolicy{}, err
	}
	now := s.now()
	p := ManagedPolicy{ID: id, Name: name, Path: path, ARN: s.Account.PolicyARN(path, name), Description: description,
		DefaultVersion: "v1", CreatedAt: now, UpdatedAt: now}
	if err := s.Store.CreatePolicy(ctx, p, document); errors.Is(err, ErrPolicyExists) {
		return p, Errorf(EEntityAlreadyExists, "A policy called %s already exists. Duplicate names are not allowed.", name)
	} else if err != nil {
		return p, err
	}
	return p, nil
}

// Policy returns a managed policy.
func (s *Service) Policy(ctx context.Context, arn string) (ManagedPolicy, error) {
	if err := s.authorize(ctx, "iam:GetPolicy", arn); err != nil {
		return ManagedPolicy{}, err
	}
	p, err := s.Store.Policy(ctx, arn)
	if errors.Is(err, ErrNoSuchPolicy) {
		return p, PolicyNotFound(arn)
	}
	return p, err
}

// ListPolicies pages managed policies.
func (s *Service) ListPolicies(ctx context.Context, scope string, onlyAttached bool, pathPrefix, marker string, max int) ([]ManagedPolicy, string, error) {
	if scope == "" {
		scope = "All"
	}
	if err := s.authorize(ctx, "iam:ListPolicies", "*"); err != nil {
		return nil, "", err
	}
	return pageBy(marker, func(after string) ([]ManagedPolicy, bool, error) {
		return s.Store.ListPolicies(ctx, scope, onlyAttached, orRoot(pathPrefix), after, max)
	}, func(p ManagedPolicy) string { return p.ARN })
}

// DeletePolicy deletes one of the account's managed policies.
func (s *Service) DeletePolicy(ctx context.Context, arn string) error {
	if err := s.authorize(ctx, "iam:DeletePolicy", arn); err != nil {
		return err
	}
	err := s.Store.DeletePolicy(ctx, arn)
	switch {
	case errors.Is(err, ErrNoSuchPolicy):
		return PolicyNotFound(arn)
	case errors.Is(err, ErrPolicyInUse):
		if p, perr := s.Store.Policy(ctx, arn); perr == nil && p.AttachmentCount > 0 {
			return Errorf(EDeleteConflict, "Cannot delete a policy attached to entities.")
		}
		return Errorf(EDeleteConflict, "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
	}
	s.policiesChanged()
	return err
}

func versionError(err error, arn, version string) error {
	switch {
	case errors.Is(err, ErrNoSuchPolicy):
		return PolicyNotFound(arn)
	case errors.Is(err, ErrNoSuchPolicyVersion):
		return Errorf(ENoSuchEntity, "Policy %s version %s does not exist or is not attachable.", arn, version)
	case errors.Is(err, ErrDefaultVersion):
		return Errorf(EDeleteConflict, "Cannot delete the default version of a policy.")
	case errors.Is(err, ErrPolicyVersionQuota):
		return Errorf(ELimitExceeded, "A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", MaxPolicyVersions)
	}
	return err
}

// PolicyVersion returns one version of a managed policy.
func (s *Service) PolicyVersion(ctx context.Context, arn, version string) (PolicyVersion, error) {
	if err := s.authorize(ctx, "iam:GetPolicyVersion", arn); err != nil {
		return PolicyVersion{}, err
	}
	v, err := s.Store.PolicyVersion(ctx, arn, version)
	return v, versionError(err, arn, version)
}

// ListPolicyVersions returns every version of a managed policy.
func (s *Service) ListPolicyVersions(ctx context.Context, arn string) ([]PolicyVersion, error) {
	if err := s.authorize(ctx, "iam:ListPolicyVersions", arn); err != nil {
		return nil, err
	}
	vs, err := s.Store.ListPolicyVersions(ctx, arn)
	return vs, versionError(err, arn, "")
}

// CreatePolicyVersion validates a document and adds it as a new version.
func (s *Service) CreatePolicyVersion(ctx context.Context, arn, document string, setDefault bool) (PolicyVersion, error) {
	if err := s.authorize(ctx, "iam:CreatePolicyVersion", arn); err != nil {
		return PolicyVersion{}, err
	}
	if err := s.Policies.Check(document); err != nil {
		return PolicyVersion{}, err
	}
	v, err := s.Store.CreatePolicyVersion(ctx, arn, document, setDefault, s.now())
	s.policiesChanged()
	return v, versionError(err, arn, "")
}

// SetDefaultPolicyVersion puts a version in force.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, arn, version string) error {
	if err := s.authorize(ctx, "iam:SetDefaultPolicyVersion", arn); err != nil {
		return err
	}
	err := s.Store.SetDefaultPolicyVersion(ctx, arn, version, s.now())
	s.policiesChanged()
	return versionError(err, arn, version)
}

// DeletePolicyVersion deletes a version that is not the default.
func (s *Service) DeletePolicyVersion(ctx context.Context, arn, version string) error {
	if err := s.authorize(ctx, "iam:DeletePolicyVersion", arn); err != nil {
		return err
	}
	return versionError(s.Store.DeletePolicyVersion(ctx, arn, version), arn, version)
}

// AttachPolicy attaches a managed policy to a user or group.
func (s *Service) AttachPolicy(ctx context.Context, e Entity, arn string) error {
	if err := s.authorizeEntity(ctx, entityAction("Attach", e, "Policy"), e); err != nil {
		return err
	}
	err := s.Store.AttachPolicy(ctx, e, arn)
	s.policiesChanged()
	if errors.Is(err, ErrNoSuchPolicy) {
		return PolicyNotFound(arn)
	}
	return entityError(err, e)
}

// DetachPolicy detaches a managed policy from a user or group.
func (s *Service) DetachPolicy(ctx context.Context, e Entity, arn string) error {
	if err := s.authorizeEntity(ctx, entityAction("Detach", e, "Policy"), e); err != nil {
		return err
	}
	err := s.Store.DetachPolicy(ctx, e, arn)
	s.policiesChanged()
	switch {
	case errors.Is(err, ErrNoSuchPolicy):
		return PolicyNotFound(arn)
	case errors.Is(err, ErrNotAttached):
		return Errorf(ENoSuchEntity, "Policy %s was not found.", arn)
	}
	return entityError(err, e)
}

// ListAttachedPolicies pages the managed policies attached to an entity.
func (s *Service) ListAttachedPolicies(ctx context.Context, e Entity, pathPrefix, marker string, max int) ([]ManagedPolicy, string, error) {
	if err := s.authorizeEntity(ctx, entityAction("ListAttached", e, "Policies"), e); err != nil {
		return nil, "", err
	}
	ps, next, err := pageBy(marker, func(after string) ([]ManagedPolicy, bool, error) {
		return s.Store.ListAttachedPolicies(ctx, e, orRoot(pathPrefix), after, max)
	}, func(p ManagedPolicy) string { return p.ARN })
	return ps, next, entityError(err, e)
}

// PrincipalPolicies loads the policies that apply to an IAM user, for the
// Authorizer.
func (s *Service) PrincipalPolicies(ctx context.Context, p Principal) ([]PolicySource, error) {
	return s.Store.PrincipalPolicies(ctx, p.UserID)
}

// InstallAWSManagedPolicies writes AWS's managed policies to the store.
// Replicas starting together take turns: one writes them while the
// others go on (what it writes is the same for all).
func (s *Service) InstallAWSManagedPolicies(ctx context.Context) error {
	_, err := s.Store.Exclusive(ctx, "aws-managed-policies", func(ctx context.Context) error {
		for _, m := range s.Policies.AWSManaged() {
			if err := s.Store.PutAWSManagedPolicy(ctx, m.Policy, m.Document); err != nil {
				return err
			}
		}
		return nil
	})
	s.policiesChanged()
	return err
}

// pageBy runs one page of a listing after an opaque marker and returns the
// next marker.
func pageBy[T any](marker string, list func(after string) ([]T, bool, error), key func(T) string) ([]T, string, error) {
	after, err := decodeMarker(marker)
	if err != nil {
		return nil, "", err
	}
	items, more, err := list(after)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if more && len(items) > 0 {
		next = encodeMarker(key(items[len(items)-1]))
	}
	return items, next, nil
}

func orRoot(prefix string) string {
	if prefix == "" {
		return "/"
	}
	return prefix
}
