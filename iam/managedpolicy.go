package iam

import (
	"context"
	"errors"
	"strings"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
)

// The descriptors of managed policies and their versions, and how they are
// tagged.
func init() {
	describe(map[string]keyward.Operation{
		"CreatePolicy": keyward.Changes(keyward.ReqParam("PolicyName", policyNameShape), keyward.OptParam("Path", policyPathShape),
			keyward.ReqParam("PolicyDocument", policyDocumentShape), keyward.OptParam("Description", policyDescShape), keyward.TagsParam(false)),
		"GetPolicy":               keyward.Reads(policyARNParam),
		"ListPolicies":            keyward.Reads(keyward.OptParam("Scope", policyScopeShape), keyward.BoolParam("OnlyAttached"), keyward.OptParam("PathPrefix", policyPathShape), markerParam, maxItemsParam),
		"DeletePolicy":            keyward.Changes(policyARNParam),
		"GetPolicyVersion":        keyward.Reads(keyward.ReqParam("VersionId", policyVersionIDShape), policyARNParam),
		"ListPolicyVersions":      keyward.Reads(policyARNParam),
		"CreatePolicyVersion":     keyward.Changes(keyward.ReqParam("PolicyDocument", policyDocumentShape), keyward.BoolParam("SetAsDefault"), policyARNParam),
		"SetDefaultPolicyVersion": keyward.Changes(keyward.ReqParam("VersionId", policyVersionIDShape), policyARNParam),
		"DeletePolicyVersion":     keyward.Changes(keyward.ReqParam("VersionId", policyVersionIDShape), policyARNParam),
	})
	taggables[keyward.TaggedPolicy] = taggable{
		by: policyARNParam,
		authorize: func(s *Service, ctx context.Context, action, id string, keys authz.Keys) error {
			return s.Authz.AuthorizePolicy(ctx, action, id, keys)
		},
		read: func(s *Service, ctx context.Context, id string) ([]keyward.Tag, error) {
			p, err := s.store(ctx).Policy(ctx, id)
			return p.Tags, err
		},
		missing: keyward.ErrNoSuchPolicy, notFound: func(id string) error { return keyward.PolicyNotFound(id) },
		writable: func(arn string) error {
			if strings.HasPrefix(arn, keyward.AWSManagedPolicyARNPrefix) {
				// AWS's own policies are not the account's to tag.
				return keyward.Errorf(keyward.EInvalidInput, "The policy %s is an AWS managed policy, which cannot be tagged.", keyward.Clip(arn))
			}
			return nil
		},
	}
}

// policiesChanged announces a change to what policy evaluation sees.
func (s *Service) policiesChanged() { s.publish(keyward.Change{Kind: keyward.ChangedPolicies}) }

// CreatePolicy validates a document and creates a managed policy with it
// as version v1.
func (s *Service) CreatePolicy(ctx context.Context, name, path, description, document string, tags []keyward.Tag) (keyward.ManagedPolicy, error) {
	if path == "" {
		path = "/"
	}
	if err := CheckDuplicateTags(tags); err != nil {
		return keyward.ManagedPolicy{}, err
	}
	if err := s.Authz.AuthorizeWith(ctx, "iam:CreatePolicy", s.Account(ctx).PolicyARN(path, name), authz.RequestTagKeys(tags)); err != nil {
		return keyward.ManagedPolicy{}, err
	}
	if err := authorizeCreateTags(ctx, s.Authz, "iam:TagPolicy", s.Account(ctx).PolicyARN(path, name), tags); err != nil {
		return keyward.ManagedPolicy{}, err
	}
	if err := s.Policies.Check(document); err != nil {
		return keyward.ManagedPolicy{}, err
	}
	q := s.quotas()
	if err := checkPolicySize(document, "PolicySize", q.PolicySize); err != nil {
		return keyward.ManagedPolicy{}, err
	}
	id, err := newPolicyID(s.Rand)
	if err != nil {
		return keyward.ManagedPolicy{}, err
	}
	now := s.now()
	p := keyward.ManagedPolicy{ID: id, Name: name, Path: path, ARN: s.Account(ctx).PolicyARN(path, name), Description: description,
		DefaultVersion: "v1", CreatedAt: now, UpdatedAt: now, Tags: tags}
	respond(ctx, "policy", map[string]any{"policyName": name, "policyId": id, "arn": p.ARN, "path": path, "defaultVersionId": "v1",
		"createDate": eventTime(now)})
	if err := quotaError(s.changing(ctx).CreatePolicy(ctx, p, document, q.Policies), "PoliciesPerAccount", q.Policies); errors.Is(err, keyward.ErrPolicyExists) {
		return p, keyward.Errorf(keyward.EEntityAlreadyExists, "A policy called %s already exists. Duplicate names are not allowed.", name)
	} else if err != nil {
		return p, err
	}
	return p, nil
}

// Policy returns a managed policy.
func (s *Service) Policy(ctx context.Context, arn string) (keyward.ManagedPolicy, error) {
	if err := s.Authz.AuthorizePolicy(ctx, "iam:GetPolicy", arn, nil); err != nil {
		return keyward.ManagedPolicy{}, err
	}
	p, err := s.store(ctx).Policy(ctx, arn)
	if errors.Is(err, keyward.ErrNoSuchPolicy) {
		return p, keyward.PolicyNotFound(arn)
	}
	return p, err
}

// ListPolicies pages managed policies.
func (s *Service) ListPolicies(ctx context.Context, scope string, onlyAttached bool, pathPrefix, marker string, max int) ([]keyward.ManagedPolicy, string, error) {
	if scope == "" {
		scope = "All"
	}
	if err := s.Authz.Authorize(ctx, "iam:ListPolicies", "*"); err != nil {
		return nil, "", err
	}
	return pageBy(marker, func(after string) ([]keyward.ManagedPolicy, bool, error) {
		return s.store(ctx).ListPolicies(ctx, scope, onlyAttached, orRoot(pathPrefix), after, max)
	}, func(p keyward.ManagedPolicy) string { return p.ARN })
}

// DeletePolicy deletes one of the account's managed policies.
func (s *Service) DeletePolicy(ctx context.Context, arn string) error {
	if err := s.Authz.AuthorizePolicy(ctx, "iam:DeletePolicy", arn, nil); err != nil {
		return err
	}
	err := s.changing(ctx).DeletePolicy(ctx, arn)
	switch {
	case errors.Is(err, keyward.ErrNoSuchPolicy):
		return keyward.PolicyNotFound(arn)
	case errors.Is(err, keyward.ErrPolicyInUse):
		if p, perr := s.store(ctx).Policy(ctx, arn); perr == nil && p.AttachmentCount > 0 {
			return keyward.Errorf(keyward.EDeleteConflict, "Cannot delete a policy attached to entities.")
		}
		return keyward.Errorf(keyward.EDeleteConflict, "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
	}
	s.policiesChanged()
	return err
}

func versionError(err error, arn, version string) error {
	switch {
	case errors.Is(err, keyward.ErrNoSuchPolicy):
		return keyward.PolicyNotFound(arn)
	case errors.Is(err, keyward.ErrNoSuchPolicyVersion):
		return keyward.Errorf(keyward.ENoSuchEntity, "Policy %s version %s does not exist or is not attachable.", arn, version)
	case errors.Is(err, keyward.ErrDefaultVersion):
		return keyward.Errorf(keyward.EDeleteConflict, "Cannot delete the default version of a policy.")
	case errors.Is(err, keyward.ErrPolicyVersionQuota):
		return keyward.Errorf(keyward.ELimitExceeded, "A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", keyward.MaxPolicyVersions)
	}
	return err
}

// PolicyVersion returns one version of a managed policy.
func (s *Service) PolicyVersion(ctx context.Context, arn, version string) (keyward.PolicyVersion, error) {
	if err := s.Authz.AuthorizePolicy(ctx, "iam:GetPolicyVersion", arn, nil); err != nil {
		return keyward.PolicyVersion{}, err
	}
	v, err := s.store(ctx).PolicyVersion(ctx, arn, version)
	return v, versionError(err, arn, version)
}

// ListPolicyVersions returns every version of a managed policy.
func (s *Service) ListPolicyVersions(ctx context.Context, arn string) ([]keyward.PolicyVersion, error) {
	if err := s.Authz.AuthorizePolicy(ctx, "iam:ListPolicyVersions", arn, nil); err != nil {
		return nil, err
	}
	vs, err := s.store(ctx).ListPolicyVersions(ctx, arn)
	return vs, versionError(err, arn, "")
}

// CreatePolicyVersion validates a document and adds it as a new version.
func (s *Service) CreatePolicyVersion(ctx context.Context, arn, document string, setDefault bool) (keyward.PolicyVersion, error) {
	if err := s.Authz.AuthorizePolicy(ctx, "iam:CreatePolicyVersion", arn, nil); err != nil {
		return keyward.PolicyVersion{}, err
	}
	if err := s.Policies.Check(document); err != nil {
		return keyward.PolicyVersion{}, err
	}
	if err := checkPolicySize(document, "PolicySize", s.quotas().PolicySize); err != nil {
		return keyward.PolicyVersion{}, err
	}
	v, err := s.changing(ctx).CreatePolicyVersion(ctx, arn, document, setDefault, s.now())
	s.policiesChanged()
	return v, versionError(err, arn, "")
}

// SetDefaultPolicyVersion puts a version in force.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, arn, version string) error {
	if err := s.Authz.AuthorizePolicy(ctx, "iam:SetDefaultPolicyVersion", arn, nil); err != nil {
		return err
	}
	err := s.changing(ctx).SetDefaultPolicyVersion(ctx, arn, version, s.now())
	s.policiesChanged()
	return versionError(err, arn, version)
}

// DeletePolicyVersion deletes a version that is not the default.
func (s *Service) DeletePolicyVersion(ctx context.Context, arn, version string) error {
	if err := s.Authz.AuthorizePolicy(ctx, "iam:DeletePolicyVersion", arn, nil); err != nil {
		return err
	}
	return versionError(s.changing(ctx).DeletePolicyVersion(ctx, arn, version), arn, version)
}

// attachedQuotaKind names an entity kind in AWS's quotas of attached
// policies (PoliciesPerUser, …).
var attachedQuotaKind = map[string]string{keyward.EntityUser: "User", keyward.EntityGroup: "Group", keyward.EntityRole: "Role"}

// AttachPolicy attaches a managed policy to a user or group.
func (s *Service) AttachPolicy(ctx context.Context, e keyward.Entity, arn string) error {
	if err := s.Authz.AuthorizeEntityWith(ctx, entityAction("Attach", e, "Policy"), e, authz.PolicyARNKey(arn)); err != nil {
		return err
	}
	max, _ := entityQuotas(s.quotas(), e.Kind)
	err := quotaError(s.changing(ctx).AttachPolicy(ctx, e, arn, max), "PoliciesPer"+attachedQuotaKind[e.Kind], max)
	s.policiesChanged()
	if errors.Is(err, keyward.ErrNoSuchPolicy) {
		return keyward.PolicyNotFound(arn)
	}
	return entityError(err, e)
}

// DetachPolicy detaches a managed policy from a user or group.
func (s *Service) DetachPolicy(ctx context.Context, e keyward.Entity, arn string) error {
	if err := s.Authz.AuthorizeEntityWith(ctx, entityAction("Detach", e, "Policy"), e, authz.PolicyARNKey(arn)); err != nil {
		return err
	}
	err := s.changing(ctx).DetachPolicy(ctx, e, arn)
	s.policiesChanged()
	switch {
	case errors.Is(err, keyward.ErrNoSuchPolicy):
		return keyward.PolicyNotFound(arn)
	case errors.Is(err, keyward.ErrNotAttached):
		return keyward.Errorf(keyward.ENoSuchEntity, "Policy %s was not found.", arn)
	}
	return entityError(err, e)
}

// ListAttachedPolicies pages the managed policies attached to an entity.
func (s *Service) ListAttachedPolicies(ctx context.Context, e keyward.Entity, pathPrefix, marker string, max int) ([]keyward.ManagedPolicy, string, error) {
	if err := s.Authz.AuthorizeEntity(ctx, entityAction("ListAttached", e, "Policies"), e); err != nil {
		return nil, "", err
	}
	ps, next, err := pageBy(marker, func(after string) ([]keyward.ManagedPolicy, bool, error) {
		return s.store(ctx).ListAttachedPolicies(ctx, e, orRoot(pathPrefix), after, max)
	}, func(p keyward.ManagedPolicy) string { return p.ARN })
	return ps, next, entityError(err, e)
}

// InstallAWSManagedPolicies writes AWS's managed policies to the store.
// Replicas starting together take turns: one writes them while the
// others go on (what it writes is the same for all).
func (s *Service) InstallAWSManagedPolicies(ctx context.Context) error {
	_, err := s.store(ctx).Exclusive(ctx, "aws-managed-policies", func(ctx context.Context) error {
		for _, m := range s.Policies.AWSManaged() {
			if err := s.store(ctx).PutAWSManagedPolicy(ctx, m.Policy, m.Document); err != nil {
				return err
			}
		}
		return nil
	})
	s.policiesChanged()
	return err
}

// The shapes of a managed policy's parameters.
var (
	policyNameShape      = keyward.NewStringShape("policyNameType", 1, 128, `[\w+=,.@-]+`)
	policyPathShape      = keyward.NewStringShape("policyPathType", 1, 512, `((/[A-Za-z0-9\.,\+@=_-]+)*)/`)
	policyVersionIDShape = keyward.NewStringShape("policyVersionIdType", 0, 0, `v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`)
	policyDescShape      = keyward.NewStringShape("policyDescriptionType", 0, 1000, "")
	policyScopeShape     = keyward.NewStringShape("policyScopeType", 0, 0, "", "All", "AWS", "Local")
)
