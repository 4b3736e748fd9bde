package sts

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
	"github.com/keyward/keyward/iam"
)

// Limits AWS sets on what a session carries.
const (
	maxSessionPolicyARNs = 10
	// maxChainedRoleDuration is the longest session a role session may get
	// by assuming another role (role chaining).
	maxChainedRoleDuration = 3600
)

const // maxPacked bounds a session's packed policies and tags, the
// denominator of PackedPolicySize.
maxPacked = 4096

// AssumeRole issues a session of the role to the calling principal, if the
// role's trust policy lets it (and, where the trust policy names only the
// caller's account, its own policies too).
func (s *Service) AssumeRole(ctx context.Context, in keyward.AssumeRoleInput) (keyward.AssumedRole, error) {
	return s.assumeRole(ctx, in, func(role keyward.Role, chained bool) (int, error) {
		return roleSessionDuration(in.DurationSeconds, role, chained)
	})
}

// assumeRole is AssumeRole with the session's duration chosen by duration,
// from the role and whether the caller is itself a role's session (a
// chain): the console's Switch role asks for as long as the role and the
// console session allow, where the API takes what the caller asks.
func (s *Service) assumeRole(ctx context.Context, in keyward.AssumeRoleInput, duration func(role keyward.Role, chained bool) (int, error)) (keyward.AssumedRole, error) {
	rc, internal, ok := keyward.Caller(ctx)
	if !ok || internal {
		return keyward.AssumedRole{}, keyward.ErrNoCaller
	}
	p := rc.Principal
	switch {
	case p.Root:
		return keyward.AssumedRole{}, keyward.Errorf(keyward.EAccessDenied, "Roles may not be assumed by root accounts.")
	case p.FederatedName != "":
		return keyward.AssumedRole{}, keyward.Errorf(keyward.EAccessDenied, "Cannot call AssumeRole with federated user credentials.")
	}
	packed, err := s.checkSessionPolicies(in.Policy, in.PolicyARNs, in.Tags)
	if err != nil {
		return keyward.AssumedRole{}, err
	}
	denied := keyward.Errorf(keyward.EAccessDenied, "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", p.ARN(), keyward.Clip(in.RoleARN))
	// The role is read in the account its ARN names, which may be
	// another of the installation's (cross-account). A role of the
	// caller's account that is not there is refused at once, as one the
	// caller may not assume. Across accounts the caller's own policies are
	// decided first (trusts), and a role or an account that is not there
	// is refused after them as a role that does not trust the caller: a
	// caller learns nothing of which accounts and roles exist, whether its
	// policies allow it or not.
	roleAccount, ok := roleARNAccount(in.RoleARN)
	var assumable *keyward.AssumableRole
	if ok {
		assumable, err = s.roleIn(ctx, roleAccount, in.RoleARN)
		switch {
		case errors.Is(err, keyward.ErrNoSuchRole) && roleAccount.ID == p.AccountID:
			return keyward.AssumedRole{}, denied
		case errors.Is(err, keyward.ErrNoSuchRole):
			assumable = nil
		case err != nil:
			return keyward.AssumedRole{}, err
		}
	}
	if current, err := s.callerCurrent(ctx, rc); err != nil {
		return keyward.AssumedRole{}, err
	} else if !current {
		return keyward.AssumedRole{}, denied
	}
	// The role's limits on the session's duration: at once within the
	// caller's account; across accounts once the caller may assume the
	// role, since their refusal would tell who may not that it exists.
	cross := roleAccount.ID != p.AccountID
	var seconds int
	if !cross {
		if seconds, err = duration(assumable.Role, p.IsRoleSession()); err != nil {
			return keyward.AssumedRole{}, err
		}
	}

	// The trust policy's context: the request's, with what the caller
	// asks for the session.
	now := s.now()
	trc := *rc
	trc.Extra = map[string][]string{}
	for k, v := range rc.Extra {
		trc.Extra[k] = v
	}
	trc.Extra["sts:rolesessionname"] = []string{in.SessionName}
	if in.ExternalID != "" {
		trc.Extra["sts:externalid"] = []string{in.ExternalID}
	}
	// A source identity, once set, stays with the chain of sessions and
	// cannot be changed (AWS: "The value that is set cannot be changed
	// during the role session"): a session naming another is refused, so
	// that it cannot shed the identity its audit and its conditions hold it
	// to, and the trust policy sees the chain's when the request does not
	// restate it.
	sourceIdentity := in.SourceIdentity
	if p.Session != nil && p.Session.SourceIdentity != "" {
		if sourceIdentity != "" && sourceIdentity != p.Session.SourceIdentity {
			return keyward.AssumedRole{}, keyward.Errorf(keyward.EAccessDenied, "User: %s is not authorized to perform: sts:SetSourceIdentity on resource: %s: the source identity of a role session cannot be changed",
				p.ARN(), keyward.Clip(in.RoleARN))
		}
		sourceIdentity = p.Session.SourceIdentity
	}
	if sourceIdentity != "" {
		trc.Extra["sts:sourceidentity"] = []string{sourceIdentity}
	}
	tags, err := sessionTags(in.Tags, in.TransitiveTagKeys, p, trc.Extra)
	if err != nil {
		return keyward.AssumedRole{}, err
	}
	mfaAt := rc.MFAAuthTime
	if in.SerialNumber != "" || in.TokenCode != "" {
		if !p.IsUser() || in.SerialNumber == "" || in.TokenCode == "" || !s.IAM.MFACodeOf(ctx, p, in.SerialNumber, in.TokenCode) {
			return keyward.AssumedRole{}, keyward.Errorf(keyward.EAccessDenied, "MultiFactorAuthentication failed with invalid MFA one time pass code. ")
		}
		mfaAt = now
		trc.MFAAuthTime = now
	}

	// The trust policy sees the caller's IAM tags as aws:PrincipalTag, as
	// its own policies do.
	if trc.Principal.Tags, err = s.Authz.PrincipalTags(ctx, p); err != nil {
		return keyward.AssumedRole{}, err
	}
	// A trust policy naming a user's or a role's ARN names the identity
	// it was bound to when saved: the caller's own unique ID decides.
	caller := keyward.TrustCaller{ARN: p.ARN(), AccountID: p.AccountID}
	switch {
	case p.IsRoleSession():
		caller.RoleARN, caller.RoleID = p.IdentityARN(), p.RoleID
	case p.IsUser():
		caller.UserID = p.UserID
	}
	actions := []string{"sts:AssumeRole"}
	if len(in.Tags) > 0 || len(tags) > 0 {
		actions = append(actions, "sts:TagSession")
	}
	if in.SourceIdentity != "" {
		actions = append(actions, "sts:SetSourceIdentity")
	}
	roleARN := in.RoleARN // the role's own, path and all (roleIn)
	// The trust policy sees the organization's keys of the caller's
	// account (aws:PrincipalOrgID…) and of the role's
	// (aws:ResourceOrgID…), as Keyward knows them, and aws:PrincipalAccount
	// is the caller's, whichever account the role is in.
	orc, err := s.Authz.WithOrganizations(ctx, &trc, roleARN)
	if err != nil {
		return keyward.AssumedRole{}, err
	}
	for _, action := range actions {
		if err := s.trusts(ctx, assumable, roleAccount.ID, roleARN, action, caller, orc); err != nil {
			return keyward.AssumedRole{}, err
		}
	}
	role := assumable.Role
	if cross {
		if seconds, err = duration(role, p.IsRoleSession()); err != nil {
			return keyward.AssumedRole{}, err
		}
	}

	c := sessionClaims{MFAAt: mfaAt, Tags: tags, SourceIdentity: sourceIdentity, Transitive: transitiveKeys(in.TransitiveTagKeys, p),
		Via: via(p, roleAccount.ID)}
	r, err := s.roleSession(roleAccount, role, in, seconds, c, rc.RequestedRegion)
	if err != nil {
		return keyward.AssumedRole{}, err
	}
	r.PackedPolicySize = packed
	// Across accounts the session is an event of the role's account too,
	// as on AWS: the role's owner sees who assumed its role.
	if cross {
		if err := shareEvent(ctx, roleAccount.ID, s.Rand); err != nil {
			return keyward.AssumedRole{}, err
		}
	}
	return r, nil
}

// roleSession issues a session of role, of the account acct, named as in
// asks, lasting duration seconds from now, with c's further claims, and
// notes the role's use. The session's principal is of the role's account,
// whatever the caller's: what it does is decided and kept there.
func (s *Service) roleSession(acct keyward.Account, role keyward.Role, in keyward.AssumeRoleInput, duration int, c sessionClaims, region string) (keyward.AssumedRole, error) {
	now := s.now()
	c.Account, c.RoleID, c.RoleName, c.RolePath, c.SessionName = acct.ID, role.ID, role.Name, role.Path, in.SessionName
	c.IssuedAt, c.Expiration = now, now.Add(time.Duration(duration)*time.Second)
	c.Policy, c.PolicyARNs = in.Policy, in.PolicyARNs
	sess, err := s.issue(c)
	if err != nil {
		return keyward.AssumedRole{}, err
	}
	s.RoleUsed(role.ID, "sts", region)
	pr := keyward.Principal{AccountID: acct.ID, RoleID: role.ID, RoleName: role.Name, SessionName: in.SessionName}
	return keyward.AssumedRole{Session: sess, AssumedRoleID: pr.ID(), ARN: pr.ARN(), SourceIdentity: c.SourceIdentity}, nil
}

// trusts decides action on the role, of the account roleAccount, for the
// caller, as AWS decides a resource-based policy. Within one account the
// trust policy must allow it, and the caller's own policies (identity
// policies, permissions boundary, session policies) must not deny it
// explicitly, wherever the trust policy names the caller; the service
// control policies of the caller's organization must allow it, however the
// trust policy names it. Where it names only the caller's account, they
// must allow it too; where it names the role of the caller's session, its
// boundary and session policies must.
//
// Across accounts both sides must allow, the caller's own policies in its
// account (with its account's SCPs) first, however the trust policy names
// the caller; then the trust policy, where a role that is not there (nil)
// is one that does not trust the caller.
func (s *Service) trusts(ctx context.Context, r *keyward.AssumableRole, roleAccount, roleARN, action string, c keyward.TrustCaller, rc *keyward.RequestContext) error {
	untrusted := keyward.Errorf(keyward.EAccessDenied, "User: %s is not authorized to perform: %s on resource: %s", c.ARN, action, keyward.Clip(roleARN))
	if c.ARN != "" && c.AccountID != roleAccount {
		pd, err := s.Authz.Evaluate(ctx, action, roleARN, rc)
		if err != nil {
			return err
		}
		if pd.Effect != keyward.DecisionAllowed {
			return authz.Denial(rc.Principal, action, keyward.Clip(roleARN), pd)
		}
		if r == nil {
			return untrusted
		}
		if d, _ := r.Trust.Decide(action, c, rc); d != keyward.DecisionAllowed {
			return untrusted
		}
		return nil
	}
	d, grant := r.Trust.Decide(action, c, rc)
	if d != keyward.DecisionAllowed {
		return untrusted
	}
	if c.ARN == "" {
		return nil // a provider's or a service's caller has no policies here
	}
	pd, err := s.Authz.Evaluate(ctx, action, roleARN, rc)
	if err != nil {
		return err
	}
	switch {
	case pd.Effect == keyward.DecisionExplicitDeny:
	case pd.BySCP:
		// The caller's organization does not allow it: SCPs limit a
		// member account's principals whatever a resource's policy grants.
	case grant == keyward.GrantAccount && pd.Effect != keyward.DecisionAllowed:
	case grant == keyward.GrantRole && pd.LimitedBy != "":
		pd.ByBoundary, pd.BySession = pd.LimitedBy == keyward.PolicySourceBoundary, pd.LimitedBy == keyward.PolicySourceSession
	default:
		return nil
	}
	return authz.Denial(rc.Principal, action, roleARN, pd)
}

// callerCurrent reports whether the identity a caller authenticated as is
// still the one stored under its name: a session outlives its user or
// role, and a trust policy naming that user or role by ARN needs nothing
// of the caller's own policies, so a session of a deleted identity (or of
// one a new identity of the same name replaced) would assume what the
// trust policy grants the identity now named so.
//
// A request signed with a user's long-term access key needs no reading:
// the key's principal was resolved from the key and its user when the
// request was authenticated, and every change of the key or of its user
// (deletion, which needs the keys gone first; a new name or path) makes
// every replica forget it, as deactivation does. Sessions carry their
// principal sealed in the token, which nothing revokes.
func (s *Service) callerCurrent(ctx context.Context, rc *keyward.RequestContext) (bool, error) {
	p := rc.Principal
	if p.Session == nil && rc.Session == "" && strings.HasPrefix(rc.AccessKeyID, "AKIA") {
		return true, nil
	}
	switch {
	case p.IsRoleSession():
		r, err := s.store(ctx).Role(ctx, p.RoleName)
		if errors.Is(err, keyward.ErrNoSuchRole) {
			return false, nil
		}
		return err == nil && r.ID == p.RoleID && r.Path == p.RolePath, err
	case p.UserID != "":
		u, err := s.store(ctx).User(ctx, p.UserName)
		if errors.Is(err, keyward.ErrNoSuchUser) {
			return false, nil
		}
		return err == nil && u.ID == p.UserID && u.Name == p.UserName && u.Path == p.UserPath, err
	}
	return true, nil
}

// roleOrDenied is roleByARN for an assumption: a role that does not exist
// is refused with denied, the refusal of one that does, so that who may
// not assume it learns nothing of whether it exists (as AWS).
func (s *Service) roleOrDenied(ctx context.Context, arn string, denied error) (*keyward.AssumableRole, error) {
	return s.roleInOrDenied(ctx, s.Account(ctx), arn, denied)
}

// roleInOrDenied is roleOrDenied of a role of the account acct.
func (s *Service) roleInOrDenied(ctx context.Context, acct keyward.Account, arn string, denied error) (*keyward.AssumableRole, error) {
	r, err := s.roleIn(ctx, acct, arn)
	if errors.Is(err, keyward.ErrNoSuchRole) {
		return nil, denied
	}
	return r, err
}

// roleByARN finds the role of the caller's account an ARN names, path
// included.
func (s *Service) roleByARN(ctx context.Context, arn string) (*keyward.AssumableRole, error) {
	return s.roleIn(ctx, s.Account(ctx), arn)
}

// roleIn finds the role of the account acct an ARN names, path included;
// ErrNoSuchRole for an ARN of another account, or of an account the
// installation does not have (whose view of the store holds no role).
func (s *Service) roleIn(ctx context.Context, acct keyward.Account, arn string) (*keyward.AssumableRole, error) {
	rest, ok := strings.CutPrefix(arn, "arn:aws:iam::"+acct.ID+":role/")
	if !ok {
		return nil, keyward.ErrNoSuchRole
	}
	r, err := s.IAM.AssumableIn(ctx, acct.ID, rest[strings.LastIndexByte(rest, '/')+1:])
	if err != nil {
		return nil, err
	}
	if acct.RoleARN(r.Role.Path, r.Role.Name) != arn {
		return nil, keyward.ErrNoSuchRole
	}
	return r, nil
}

// roleARNAccount returns the account a role's ARN names: twelve digits, or
// false for what is not a role's ARN.
func roleARNAccount(arn string) (keyward.Account, bool) {
	rest, ok := strings.CutPrefix(arn, "arn:aws:iam::")
	if !ok {
		return keyward.Account{}, false
	}
	id, rest, ok := strings.Cut(rest, ":")
	if !ok || len(id) != 12 || strings.Trim(id, "0123456789") != "" || !strings.HasPrefix(rest, "role/") {
		return keyward.Account{}, false
	}
	return keyward.Account{ID: id, Status: keyward.AccountActive}, true
}

// roleSessionDuration applies the role's maximum, and an hour to a chain.
func roleSessionDuration(asked int, role keyward.Role, chained bool) (int, error) {
	if asked == 0 {
		return keyward.DefaultRoleSessionDuration, nil
	}
	if chained && asked > maxChainedRoleDuration {
		return 0, keyward.Errorf(keyward.EValidationError, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	if asked > role.MaxSessionDuration {
		return 0, keyward.Errorf(keyward.EValidationError, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	return asked, nil
}

// checkSessionPolicies checks a session's policies and tags, and returns
// how much of the allowed packed size they take, in percent.
func (s *Service) checkSessionPolicies(policy string, arns []string, tags []keyward.Tag) (int, error) {
	if policy != "" {
		if err := s.Policies.Check(policy); err != nil {
			return 0, err
		}
	}
	if len(arns) > maxSessionPolicyARNs {
		return 0, keyward.Errorf(keyward.EValidationError, "1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to %d", maxSessionPolicyARNs)
	}
	size := len(policy)
	for _, a := range arns {
		if !strings.HasPrefix(a, "arn:aws:iam::") || !strings.Contains(a, ":policy/") {
			return 0, keyward.Errorf(keyward.EInvalidParameterValue, "The policy ARN %s is not valid.", keyward.Clip(a))
		}
		size += len(a)
	}
	if err := iam.CheckDuplicateTags(tags); err != nil {
		return 0, keyward.Errorf(keyward.EInvalidParameterValue, "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
	}
	for _, t := range tags {
		size += len(t.Key) + len(t.Value)
	}
	pct := (size*100 + maxPacked - 1) / maxPacked
	if pct > 100 {
		return 0, keyward.Errorf(keyward.EPackedPolicyTooLarge, "Packed policy consumes %d%% of allotted space, please use smaller policy for further decrease.", pct)
	}
	return pct, nil
}

// sessionTags are a new session's tags: those asked for, and the caller's
// transitive tags when it is itself a session, which the new ones may not
// replace. They go into the trust policy's context as request tags.
func sessionTags(asked []keyward.Tag, transitive []string, p keyward.Principal, extra map[string][]string) ([]keyward.Tag, error) {
	var tags []keyward.Tag
	if p.Session != nil {
		for _, k := range p.Session.Transitive {
			for _, t := range p.Session.Tags {
				if strings.EqualFold(t.Key, k) {
					tags = append(tags, t)
				}
			}
		}
	}
	for _, t := range asked {
		for _, old := range tags {
			if strings.EqualFold(old.Key, t.Key) {
				return nil, keyward.Errorf(keyward.EInvalidParameterValue, "One or more of the specified transitive tag keys can't be set because they conflict with session tags from the role chain.")
			}
		}
		tags = append(tags, t)
	}
	for _, k := range transitive {
		found := false
		for _, t := range asked {
			found = found || strings.EqualFold(t.Key, k)
		}
		if !found {
			return nil, keyward.Errorf(keyward.EInvalidParameterValue, "The specified transitive tag key %s must be included in the requested tags.", keyward.Clip(k))
		}
	}
	var keys []string
	for _, t := range tags {
		extra["aws:requesttag/"+strings.ToLower(t.Key)] = []string{t.Value}
		keys = append(keys, t.Key)
	}
	if len(keys) > 0 {
		extra["aws:tagkeys"] = keys
	}
	if len(transitive) > 0 {
		extra["sts:transitivetagkeys"] = transitive
	}
	return tags, nil
}

// transitiveKeys are the keys a new session passes on: those asked for and
// those its caller's chain passed on.
func transitiveKeys(asked []string, p keyward.Principal) []string {
	keys := append([]string(nil), asked...)
	if p.Session != nil {
		keys = append(keys, p.Session.Transitive...)
	}
	return keys
}

// RoleUsed notes a use of the role with this ID (its assumption, or a
// request signed by one of its sessions): it shows as the role's
// RoleLastUsed once the recorder flushes, as a key's use does.
func (s *Service) RoleUsed(roleID, service, region string) {
	if s.Uses != nil {
		s.Uses.Record(roleID, keyward.LastUse{Time: s.Now().UTC(), Service: service, Region: region})
	}
}

// via are the accounts a session of a role of the account roleAccount,
// assumed by p, comes through besides its own: p's account and those p's
// own session came through, each once.
func via(p keyward.Principal, roleAccount string) []string {
	var out []string
	add := func(id string) {
		if id != "" && id != roleAccount && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if p.Session != nil {
		for _, id := range p.Session.Via {
			add(id)
		}
	}
	add(p.AccountID)
	return out
}

// shareEvent has ctx's pending event delivered to account's trail too, as
// CloudTrail delivers an action on another account's resource to both
// accounts: a copy with an event ID of its own, drawn from r, and that
// account as its recipient, linked to the request's event by one
// sharedEventID. Without a pending event it does nothing.
func shareEvent(ctx context.Context, account string, r io.Reader) error {
	pe, ok := keyward.EventFrom(ctx)
	if !ok || account == pe.Event.RecipientAccountID {
		return nil
	}
	id, err := keyward.NewEventID(r)
	if err != nil {
		return err
	}
	if pe.Event.SharedEventID == "" {
		if pe.Event.SharedEventID, err = keyward.NewEventID(r); err != nil {
			return err
		}
	}
	pe.Shares = append(pe.Shares, keyward.EventShare{Account: account, EventID: id})
	return nil
}
