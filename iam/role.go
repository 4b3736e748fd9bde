package iam

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
	"github.com/keyward/keyward/internal/cache"
)

// The descriptors of roles, and how they are tagged.
func init() {
	describe(map[string]keyward.Operation{
		"CreateRole": keyward.Changes(keyward.OptParam("Path", keyward.PathShape), roleNameParam, keyward.ReqParam("AssumeRolePolicyDocument", policyDocumentShape),
			keyward.OptParam("Description", roleDescriptionShape), maxSessionParam, keyward.OptParam("PermissionsBoundary", keyward.ARNShape), keyward.TagsParam(false)),
		"GetRole":                       keyward.Reads(roleNameParam),
		"ListRoles":                     keyward.Reads(keyward.OptParam("PathPrefix", keyward.PathPrefixShape), markerParam, maxItemsParam),
		"UpdateRole":                    keyward.Changes(roleNameParam, keyward.OptParam("Description", roleDescriptionShape), maxSessionParam),
		"UpdateRoleDescription":         keyward.Changes(roleNameParam, keyward.ReqParam("Description", roleDescriptionShape)),
		"UpdateAssumeRolePolicy":        keyward.Changes(roleNameParam, keyward.ReqParam("PolicyDocument", policyDocumentShape)),
		"DeleteRole":                    keyward.Changes(roleNameParam),
		"PutRolePermissionsBoundary":    keyward.Changes(roleNameParam, keyward.ReqParam("PermissionsBoundary", keyward.ARNShape)),
		"DeleteRolePermissionsBoundary": keyward.Changes(roleNameParam),
	})
	taggables[keyward.TaggedRole] = taggable{
		by: roleNameParam,
		authorize: func(s *Service, ctx context.Context, action, id string, keys authz.Keys) error {
			return s.Authz.AuthorizeRoleWith(ctx, action, id, keys)
		},
		read: func(s *Service, ctx context.Context, id string) ([]keyward.Tag, error) {
			r, err := s.store(ctx).Role(ctx, id)
			return r.Tags, err
		},
		missing: keyward.ErrNoSuchRole, notFound: func(id string) error { return keyward.RoleNotFound(id) },
		changed: true,
	}
}

// Assumable returns a role with its compiled trust policy, from the cache
// when it has it; ErrNoSuchRole.
func (s *Service) Assumable(ctx context.Context, name string) (*keyward.AssumableRole, error) {
	return s.AssumableIn(ctx, s.Account(ctx).ID, name)
}

// AssumableIn is Assumable of the role named name in the account with ID
// account, which need not be the caller's: a cross-account AssumeRole
// reads the role, and its trust policy, where the role is. It is cached
// as Assumable caches the caller's own account's roles, under the same
// keys.
func (s *Service) AssumableIn(ctx context.Context, account, name string) (*keyward.AssumableRole, error) {
	// A closed account's roles are assumed by nobody, and refused as
	// roles that are not there are: who asks learns nothing of the role.
	if closed, err := s.AccountClosed(ctx, account); err != nil {
		return nil, err
	} else if closed {
		return nil, keyward.ErrNoSuchRole
	}
	key, st := keyward.FoldName(name), s.storeOf(account)
	if account != s.Authz.FirstAccount().ID {
		key = account + "\x00" + key
	}
	if r, ok := cache.Cached(s.Roles, key); ok {
		return r, nil
	}
	return cache.LoadThrough(ctx, s.Roles, key, func(ctx context.Context) (*keyward.AssumableRole, error) {
		r, err := st.Role(ctx, name)
		if err != nil {
			return nil, err
		}
		trust, err := s.Policies.CompileTrust(r.TrustPolicy, r.TrustPrincipals)
		if err != nil {
			return nil, err
		}
		return &keyward.AssumableRole{Role: r, Trust: trust}, nil
	})
}

// CreateRole creates a role with its trust policy; tags take iam:TagRole
// too and a boundary iam:PutRolePermissionsBoundary.
func (s *Service) CreateRole(ctx context.Context, r keyward.Role) (keyward.Role, error) {
	if r.Path == "" {
		r.Path = "/"
	}
	if r.MaxSessionDuration == 0 {
		r.MaxSessionDuration = keyward.DefaultRoleSessionDuration
	}
	if err := CheckDuplicateTags(r.Tags); err != nil {
		return keyward.Role{}, err
	}
	arn := s.Account(ctx).RoleARN(r.Path, r.Name)
	if err := s.Authz.AuthorizeWith(ctx, "iam:CreateRole", arn, authz.RequestTagKeys(r.Tags).With(authz.BoundaryKey(r.PermissionsBoundary))); err != nil {
		return keyward.Role{}, err
	}
	if len(r.Tags) > 0 {
		if err := s.Authz.AuthorizeWith(ctx, "iam:TagRole", arn, authz.RequestTagKeys(r.Tags)); err != nil {
			return keyward.Role{}, err
		}
	}
	if r.PermissionsBoundary != "" {
		if err := s.Authz.AuthorizeWith(ctx, "iam:PutRolePermissionsBoundary", arn, authz.BoundaryKey(r.PermissionsBoundary)); err != nil {
			return keyward.Role{}, err
		}
		if _, err := s.store(ctx).Policy(ctx, r.PermissionsBoundary); err != nil {
			return keyward.Role{}, boundaryError(err, r.PermissionsBoundary)
		}
	}
	// The path of service-linked roles is CreateServiceLinkedRole's alone:
	// a role made there with a trust policy of the caller's would be one
	// that DeleteRole and UpdateAssumeRolePolicy refuse to change.
	if strings.HasPrefix(r.Path, serviceRolePath) {
		return keyward.Role{}, keyward.Errorf(keyward.EInvalidInput, "The path %s is reserved for service-linked roles (CreateServiceLinkedRole).", keyward.Clip(r.Path))
	}
	if err := s.Policies.CheckTrust(r.TrustPolicy); err != nil {
		return keyward.Role{}, err
	}
	if err := checkPolicySize(r.TrustPolicy, "ACLSizePerRole", s.quotas().RoleTrustPolicySize); err != nil {
		return keyward.Role{}, err
	}
	bound, err := s.bindPrincipals(ctx, r.TrustPolicy)
	if err != nil {
		return keyward.Role{}, err
	}
	r.TrustPrincipals = bound
	return s.storeNewRole(ctx, r, keyward.Errorf(keyward.EEntityAlreadyExists, "Role with name %s already exists.", r.Name))
}

// storeNewRole gives a role its ID and creation time and stores it;
// exists is the answer when the name is taken.
func (s *Service) storeNewRole(ctx context.Context, r keyward.Role, exists error) (keyward.Role, error) {
	id, err := keyward.RandomString(s.Rand, keyward.RoleIDPrefix, 17, keyward.Base32Alphabet)
	if err != nil {
		return keyward.Role{}, err
	}
	r.ID, r.CreatedAt = id, s.now()
	respond(ctx, "role", map[string]any{"roleName": r.Name, "roleId": id, "path": r.Path, "arn": s.Account(ctx).RoleARN(r.Path, r.Name),
		"createDate": eventTime(r.CreatedAt)})
	max := s.quotas().Roles
	if err := quotaError(s.changing(ctx).CreateRole(ctx, r, max), "RolesPerAccount", max); errors.Is(err, keyward.ErrRoleExists) {
		return keyward.Role{}, exists
	} else if err != nil {
		return keyward.Role{}, err
	}
	return r, nil
}

// Role returns a role (iam:GetRole).
func (s *Service) Role(ctx context.Context, name string) (keyward.Role, error) {
	if err := s.Authz.AuthorizeRole(ctx, "iam:GetRole", name); err != nil {
		return keyward.Role{}, err
	}
	// The pending use (recorded, not yet flushed) is read before the
	// store, as for keys: a flush between the two reads shows in the
	// store's. The role's ID comes from the cache of roles.
	var pending keyward.LastUse
	var ok bool
	if a, err := s.Assumable(ctx, name); err == nil && s.Uses != nil {
		pending, ok = s.Uses.Pending(a.Role.ID)
	}
	r, err := s.store(ctx).Role(ctx, name)
	if errors.Is(err, keyward.ErrNoSuchRole) {
		return r, keyward.RoleNotFound(name)
	} else if err != nil {
		return r, err
	}
	if ok && pending.Time.After(r.LastUsed) {
		r.LastUsed, r.LastUsedRegion = pending.Time, pending.Region
	}
	roles := []keyward.Role{r}
	err = s.showTrust(ctx, roles)
	return roles[0], err
}

// ListRoles pages the account's roles.
func (s *Service) ListRoles(ctx context.Context, pathPrefix, marker string, max int) ([]keyward.Role, string, error) {
	if err := s.Authz.Authorize(ctx, "iam:ListRoles", "*"); err != nil {
		return nil, "", err
	}
	roles, next, err := pageBy(marker, func(after string) ([]keyward.Role, bool, error) {
		return s.store(ctx).ListRoles(ctx, orRoot(pathPrefix), after, max)
	}, func(r keyward.Role) string { return r.Name })
	if err != nil {
		return nil, "", err
	}
	return roles, next, s.showTrust(ctx, roles)
}

// showTrust writes, in the trust policies of roles of the caller's
// account as they are to be answered, the unique ID in place of each
// principal's ARN of that account whose bound user or role no longer has
// it (deleted, or renamed or moved away), as AWS shows a deleted
// principal: the ARN names nobody now, whoever has it, and the document
// says so. Another account's principals are shown as written, since its
// unique IDs are none of this account's business. One read of the store
// for all the roles, none for roles that name no user or role of the
// account.
func (s *Service) showTrust(ctx context.Context, roles []keyward.Role) error {
	prefix := "arn:aws:iam::" + s.Account(ctx).ID + ":"
	seen := map[string]bool{}
	var ids []string
	for _, r := range roles {
		for arn, id := range r.TrustPrincipals {
			if strings.HasPrefix(arn, prefix) && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	current := map[string]string{}
	// In batches, within what both databases take as a statement's
	// parameters.
	for batch := range slices.Chunk(ids, 500) {
		arns, err := s.store(ctx).IdentityARNs(ctx, batch)
		if err != nil {
			return err
		}
		maps.Copy(current, arns)
	}
	for i, r := range roles {
		var shown map[string]string
		for arn, id := range r.TrustPrincipals {
			if strings.HasPrefix(arn, prefix) && current[id] != arn {
				if shown == nil {
					shown = map[string]string{}
				}
				shown[arn] = id
			}
		}
		if shown != nil {
			roles[i].TrustPolicy = s.Policies.ShowTrustPrincipals(r.TrustPolicy, shown)
		}
	}
	return nil
}

// UpdateRole changes a role's description and maximum session duration;
// action names the operation (iam:UpdateRole, iam:UpdateRoleDescription).
func (s *Service) UpdateRole(ctx context.Context, action, name string, description *string, maxSession *int) (keyward.Role, error) {
	if err := s.Authz.AuthorizeRole(ctx, action, name); err != nil {
		return keyward.Role{}, err
	}
	return s.updateRole(ctx, name, func(r *keyward.Role) error {
		r.Description = valueOr(description, r.Description)
		if maxSession != nil {
			r.MaxSessionDuration = *maxSession
		}
		return nil
	})
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, name, document string) error {
	if err := s.Authz.AuthorizeRole(ctx, "iam:UpdateAssumeRolePolicy", name); err != nil {
		return err
	}
	if err := s.Policies.CheckTrust(document); err != nil {
		return err
	}
	if err := checkPolicySize(document, "ACLSizePerRole", s.quotas().RoleTrustPolicySize); err != nil {
		return err
	}
	bound, err := s.bindPrincipals(ctx, document)
	if err != nil {
		return err
	}
	_, err = s.updateRole(ctx, name, func(r *keyward.Role) error {
		if isServiceLinked(*r) {
			return unmodifiable(r.Name)
		}
		r.TrustPolicy, r.TrustPrincipals = document, bound
		return nil
	})
	return err
}

// bindPrincipals binds each IAM user's and role's ARN that a trust policy
// names as a principal to the unique ID of the user or role that has it
// now, in whichever of the installation's accounts the ARN names, for the
// role to keep with the policy (keyward.Role.TrustPrincipals): a user or
// role deleted and made again under the name later is another principal,
// which the policy does not name. As on AWS, which stores the unique ID
// instead, an ARN that names no user or role (none of that name, another
// path, another case, an account the installation does not have or one
// that is closed) is refused: it could not be bound, and a principal made
// later with that ARN would otherwise be trusted.
func (s *Service) bindPrincipals(ctx context.Context, document string) (map[string]string, error) {
	arns, err := s.Policies.TrustIdentities(document)
	if err != nil || len(arns) == 0 {
		return nil, err
	}
	bound := make(map[string]string, len(arns))
	for _, arn := range arns {
		id, err := s.identityID(ctx, arn)
		if err != nil {
			return nil, err
		}
		if id == "" {
			return nil, &keyward.Error{Code: keyward.EMalformedPolicyDocument, Message: `Invalid principal in policy: "AWS":"` + arn + `"`}
		}
		bound[arn] = id
	}
	return bound, nil
}

// identityID returns the unique ID of the IAM user or role that has the
// ARN now (a user's or a role's, arn:aws:iam::<account>:user<path><name>),
// read in the account it names; "" for none.
func (s *Service) identityID(ctx context.Context, arn string) (string, error) {
	rest, _ := strings.CutPrefix(arn, "arn:aws:iam::")
	if len(rest) < 13 || rest[12] != ':' {
		return "", nil
	}
	account := rest[:12]
	kind, resource, ok := strings.Cut(rest[13:], "/")
	if !ok {
		return "", nil
	}
	name := resource[strings.LastIndexByte(resource, '/')+1:]
	// A closed account has no principals any more (AccountClosed): its
	// users and roles are not there to be trusted.
	if closed, err := s.AccountClosed(ctx, account); err != nil || closed {
		return "", err
	}
	st := s.storeOf(account)
	a := keyward.Account{ID: account}
	switch kind {
	case "user":
		u, err := st.User(ctx, name)
		switch {
		case errors.Is(err, keyward.ErrNoSuchUser):
			return "", nil
		case err != nil:
			return "", err
		case a.UserARN(u.Path, u.Name) != arn:
			return "", nil
		}
		return u.ID, nil
	case "role":
		r, err := st.Role(ctx, name)
		switch {
		case errors.Is(err, keyward.ErrNoSuchRole):
			return "", nil
		case err != nil:
			return "", err
		case a.RoleARN(r.Path, r.Name) != arn:
			return "", nil
		}
		return r.ID, nil
	}
	return "", nil
}

// PutRolePermissionsBoundary sets a role's permissions boundary ("" to
// remove it, with action iam:DeleteRolePermissionsBoundary).
func (s *Service) PutRolePermissionsBoundary(ctx context.Context, action, name, boundary string) error {
	var keys authz.Keys
	if action == "iam:PutRolePermissionsBoundary" {
		keys = authz.BoundaryKey(boundary) // the new one; a deletion's is the role's
	}
	if err := s.Authz.AuthorizeRoleWith(ctx, action, name, keys); err != nil {
		return err
	}
	_, err := s.updateRole(ctx, name, func(r *keyward.Role) error { r.PermissionsBoundary = boundary; return nil })
	s.policiesChanged()
	return boundaryError(err, boundary)
}

func (s *Service) updateRole(ctx context.Context, name string, fn func(*keyward.Role) error) (keyward.Role, error) {
	r, err := s.changing(ctx).UpdateRole(ctx, name, fn)
	if errors.Is(err, keyward.ErrNoSuchRole) {
		return r, keyward.RoleNotFound(name)
	}
	if err == nil {
		s.policiesChanged() // the role's trust, tags or boundary, as sessions see them
	}
	return r, err
}

// DeleteRole deletes a role that has no policies left.
func (s *Service) DeleteRole(ctx context.Context, name string) error {
	if err := s.Authz.AuthorizeRole(ctx, "iam:DeleteRole", name); err != nil {
		return err
	}
	if r, err := s.store(ctx).Role(ctx, name); err == nil && isServiceLinked(r) {
		return unmodifiable(r.Name)
	}
	err := s.changing(ctx).DeleteRole(ctx, name)
	if err == nil {
		s.policiesChanged() // its sessions may do nothing more
	}
	switch {
	case errors.Is(err, keyward.ErrNoSuchRole):
		return keyward.RoleNotFound(name)
	case errors.Is(err, keyward.ErrEntityInUse):
		return keyward.Errorf(keyward.EDeleteConflict, "Cannot delete entity, must detach all policies first.")
	case errors.Is(err, keyward.ErrRoleInInstanceProfile):
		return keyward.Errorf(keyward.EDeleteConflict, "Cannot delete entity, must remove roles from instance profile first.")
	default:
		return err
	}
}

// RevokeRoleSessionsPolicy is the inline policy AWS's console puts on a
// role to revoke its active sessions.
const RevokeRoleSessionsPolicy = "AWSRevokeOlderSessions"

// RevokeRoleSessions revokes every session of the role issued until now,
// as AWS's console does: an inline policy (iam:PutRolePolicy) denying
// everything to sessions whose aws:TokenIssueTime is earlier. Sessions
// begun afterwards are not affected.
func (s *Service) RevokeRoleSessions(ctx context.Context, name string) error {
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"],"Condition":{"DateLessThan":{"aws:TokenIssueTime":"` +
		s.now().Add(time.Second).Format(time.RFC3339) + `"}}}]}`
	return s.PutInlinePolicy(ctx, keyward.Entity{Kind: keyward.EntityRole, Name: name}, RevokeRoleSessionsPolicy, doc)
}

// The shapes of a role's parameters, and of a service-linked role's.
var (
	roleNameShape        = keyward.NewStringShape("roleNameType", 1, 64, `[\w+=,.@-]+`)
	roleDescriptionShape = keyward.NewStringShape("roleDescriptionType", 0, 1000, `[\p{L}\p{M}\p{Z}\p{S}\p{N}\p{P}]*`)
	awsServiceNameShape  = keyward.NewStringShape("groupNameType", 1, 128, `[\w+=,.@-]+`)
	customSuffixShape    = keyward.NewStringShape("customSuffixType", 1, 64, `[\w+=,.@-]+`)
	deletionTaskIDShape  = keyward.NewStringShape("DeletionTaskIdType", 1, 1000, "")
)
