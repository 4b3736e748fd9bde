package organizations

import (
	"context"
	"errors"
	"unicode/utf8"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
)

// MaxSCPContent is the longest SCP AWS accepts, in characters.
const MaxSCPContent = 5120

// PolicySummary is the model's PolicySummary, Policy its Policy.
type (
	PolicySummary struct {
		ID          string `json:"Id"`
		ARN         string `json:"Arn"`
		Name        string `json:"Name"`
		Description string `json:"Description"`
		Type        string `json:"Type"`
		AWSManaged  bool   `json:"AwsManaged"`
	}
	Policy struct {
		PolicySummary PolicySummary `json:"PolicySummary"`
		Content       string        `json:"Content"`
	}
	// PolicyTargetSummary is the model's PolicyTargetSummary.
	PolicyTargetSummary struct {
		TargetID string `json:"TargetId"`
		ARN      string `json:"Arn"`
		Name     string `json:"Name"`
		Type     string `json:"Type"`
	}
)

func summaryOf(o keyward.Organization, p keyward.OrgPolicy) PolicySummary {
	return PolicySummary{ID: p.ID, ARN: o.PolicyARN(p), Name: p.Name, Description: p.Description, Type: p.Type, AWSManaged: p.AWSManaged}
}

func policyOf(o keyward.Organization, p keyward.OrgPolicy) Policy {
	return Policy{PolicySummary: summaryOf(o, p), Content: p.Content}
}

func policyNotFound() error {
	return keyward.Errorf(EPolicyNotFound, "We can't find a policy with the PolicyId that you specified.")
}

func targetNotFound() error {
	return keyward.Errorf(ETargetNotFound, "We can't find a root, OU, account, or policy with the TargetId that you specified.")
}

func typeNotEnabled() error {
	return keyward.Errorf(EPolicyTypeNotEnabled, "This operation can be performed only for enabled policy types.")
}

func immutable() error {
	return invalidInput("IMMUTABLE_POLICY", "You specified a policy that is managed by AWS and can't be modified.")
}

// onlySCPs refuses a policy type Keyward does not offer: its organizations
// have service control policies and no other kind.
func onlySCPs(policyType string) error {
	if policyType == keyward.ServiceControlPolicyType {
		return nil
	}
	return keyward.Errorf(EPolicyTypeUnavailable, "You can't use the specified policy type with the feature set currently enabled for this organization: Keyward offers SERVICE_CONTROL_POLICY only.")
}

// checkContent checks an SCP's document as IAM's policy language reads it.
func (s *Service) checkContent(content string) error {
	if utf8.RuneCountInString(content) > MaxSCPContent {
		return constraint("POLICY_CONTENT_LIMIT_EXCEEDED", "You attempted to create a policy larger than the maximum size.")
	}
	if err := s.Policies.Check(content); err != nil {
		if keyward.ErrorCode(err) == keyward.EMalformedPolicyDocument {
			return keyward.Errorf(EMalformedPolicy, "%s", keyward.ErrorMessage(err))
		}
		return err
	}
	return nil
}

// EnablePolicyType enables SCPs on the root: FullAWSAccess is attached to
// the root, every OU and every account.
func (s *Service) EnablePolicyType(ctx context.Context, rootID, policyType string) (Root, error) {
	return s.setPolicyType(ctx, "organizations:EnablePolicyType", rootID, policyType, true)
}

// DisablePolicyType disables SCPs on the root: every SCP is detached from
// everything.
func (s *Service) DisablePolicyType(ctx context.Context, rootID, policyType string) (Root, error) {
	return s.setPolicyType(ctx, "organizations:DisablePolicyType", rootID, policyType, false)
}

func (s *Service) setPolicyType(ctx context.Context, action, rootID, policyType string, enabled bool) (Root, error) {
	o, err := s.organizationWith(ctx, action, func(o keyward.Organization) string { return targetARN(o, rootID) }, policyTypeKey(policyType))
	if err != nil {
		return Root{}, err
	}
	if rootID != o.RootID {
		return Root{}, keyward.Errorf(ERootNotFound, "We can't find a root with the RootId that you specified.")
	}
	if err := onlySCPs(policyType); err != nil {
		return Root{}, err
	}
	o, err = s.changing(ctx).SetPolicyType(ctx, o.ID, policyType, enabled)
	err = s.changed(err)
	switch {
	case errors.Is(err, keyward.ErrPolicyTypeEnabled):
		return Root{}, keyward.Errorf(EPolicyTypeEnabled, "The specified policy type is already enabled.")
	case errors.Is(err, keyward.ErrPolicyTypeNotEnabled):
		return Root{}, typeNotEnabled()
	case err != nil:
		return Root{}, err
	}
	return rootOf(o), nil
}

// PolicyInput is what CreatePolicy makes a policy of.
type PolicyInput struct {
	Name, Description, Type, Content string
	Tags                             []keyward.Tag
}

// CreatePolicy makes a policy, an SCP, whose content IAM's policy
// language must read.
func (s *Service) CreatePolicy(ctx context.Context, in PolicyInput) (Policy, error) {
	o, err := s.organizationWith(ctx, "organizations:CreatePolicy", anyResource, authz.RequestTagKeys(in.Tags).With(policyTypeKey(in.Type)))
	if err != nil {
		return Policy{}, err
	}
	if err := onlySCPs(in.Type); err != nil {
		return Policy{}, err
	}
	if err := checkTags(in.Tags); err != nil {
		return Policy{}, err
	}
	if err := s.checkContent(in.Content); err != nil {
		return Policy{}, err
	}
	id, err := newPolicyID(s.Rand)
	if err != nil {
		return Policy{}, err
	}
	p := keyward.OrgPolicy{ID: id, Name: in.Name, Description: in.Description, Type: in.Type, Content: in.Content, Tags: in.Tags}
	if err := s.changing(ctx).CreateOrgPolicy(ctx, o.ID, p); errors.Is(err, keyward.ErrOrgPolicyExists) {
		return Policy{}, duplicatePolicy()
	} else if err != nil {
		return Policy{}, err
	}
	return policyOf(o, p), nil
}

func duplicatePolicy() error {
	return keyward.Errorf(EDuplicatePolicy, "A policy with the same name already exists.")
}

// UpdatePolicy changes what of a policy's name, description and content
// is given (nil: unchanged).
func (s *Service) UpdatePolicy(ctx context.Context, id string, name, description, content *string) (Policy, error) {
	o, err := s.organization(ctx, "organizations:UpdatePolicy", func(o keyward.Organization) string { return policyARN(o, id) })
	if err != nil {
		return Policy{}, err
	}
	if content != nil {
		if err := s.checkContent(*content); err != nil {
			return Policy{}, err
		}
	}
	p, err := s.changing(ctx).UpdateOrgPolicy(ctx, o.ID, id, func(p *keyward.OrgPolicy) error {
		if p.AWSManaged {
			return immutable()
		}
		if name != nil {
			p.Name = *name
		}
		if description != nil {
			p.Description = *description
		}
		if content != nil {
			p.Content = *content
		}
		return nil
	})
	err = s.changed(err)
	switch {
	case errors.Is(err, keyward.ErrNoSuchOrgPolicy):
		return Policy{}, policyNotFound()
	case errors.Is(err, keyward.ErrOrgPolicyExists):
		return Policy{}, duplicatePolicy()
	case err != nil:
		return Policy{}, err
	}
	return policyOf(o, p), nil
}

// DescribePolicy describes a policy with its content.
func (s *Service) DescribePolicy(ctx context.Context, id string) (Policy, error) {
	o, err := s.organization(ctx, "organizations:DescribePolicy", func(o keyward.Organization) string { return policyARN(o, id) })
	if err != nil {
		return Policy{}, err
	}
	p, err := s.Store.OrgPolicy(ctx, o.ID, id)
	if errors.Is(err, keyward.ErrNoSuchOrgPolicy) {
		return Policy{}, policyNotFound()
	} else if err != nil {
		return Policy{}, err
	}
	return policyOf(o, p), nil
}

// ListPolicies lists the policies of a type.
func (s *Service) ListPolicies(ctx context.Context, policyType string, page Page) ([]PolicySummary, string, error) {
	o, err := s.organizationWith(ctx, "organizations:ListPolicies", anyResource, policyTypeKey(policyType))
	if err != nil {
		return nil, "", err
	}
	after, err := page.after()
	if err != nil {
		return nil, "", err
	}
	ps, more, err := s.Store.OrgPolicies(ctx, o.ID, policyType, after, page.max())
	if err != nil {
		return nil, "", err
	}
	return summaries(o, ps, more)
}

func summaries(o keyward.Organization, ps []keyward.OrgPolicy, more bool) ([]PolicySummary, string, error) {
	out := make([]PolicySummary, 0, len(ps))
	last := ""
	for _, p := range ps {
		out, last = append(out, summaryOf(o, p)), p.ID
	}
	return out, nextToken(more, last), nil
}

// DeletePolicy deletes a policy attached to nothing.
func (s *Service) DeletePolicy(ctx context.Context, id string) error {
	o, err := s.organization(ctx, "organizations:DeletePolicy", func(o keyward.Organization) string { return policyARN(o, id) })
	if err != nil {
		return err
	}
	if id == keyward.FullAWSAccessID {
		return immutable()
	}
	err = s.changed(s.changing(ctx).DeleteOrgPolicy(ctx, o.ID, id))
	switch {
	case errors.Is(err, keyward.ErrNoSuchOrgPolicy):
		return policyNotFound()
	case errors.Is(err, keyward.ErrOrgPolicyInUse):
		return keyward.Errorf(EPolicyInUse, "The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.")
	}
	return err
}

// authorizeAttachment decides action on the policy and on the target,
// with the policy's type (organizations:PolicyType) and each one's tags.
func (s *Service) authorizeAttachment(ctx context.Context, action, policyID, targetID string) (keyward.Organization, error) {
	var keys authz.Keys
	if o, err := s.Store.OrganizationOf(ctx, s.Authz.Account(ctx).ID); err == nil {
		if p, err := s.Store.OrgPolicy(ctx, o.ID, policyID); err == nil {
			keys = policyTypeKey(p.Type)
		}
	}
	o, err := s.organizationWith(ctx, action, func(o keyward.Organization) string { return policyARN(o, policyID) }, keys)
	if err != nil {
		return o, err
	}
	return o, s.authorize(ctx, o, action, targetARN(o, targetID), keys)
}

// AttachPolicy attaches a policy to the root, an OU or an account.
func (s *Service) AttachPolicy(ctx context.Context, policyID, targetID string) error {
	o, err := s.authorizeAttachment(ctx, "organizations:AttachPolicy", policyID, targetID)
	if err != nil {
		return err
	}
	err = s.changed(s.changing(ctx).AttachOrgPolicy(ctx, o.ID, policyID, targetID))
	switch {
	case errors.Is(err, keyward.ErrNoSuchOrgPolicy):
		return policyNotFound()
	case errors.Is(err, keyward.ErrNoSuchTarget):
		return targetNotFound()
	case errors.Is(err, keyward.ErrPolicyTypeNotEnabled):
		return typeNotEnabled()
	case errors.Is(err, keyward.ErrPolicyAttached):
		return keyward.Errorf(EDuplicateAttachment, "The selected policy is already attached to the specified target.")
	}
	return err
}

// DetachPolicy detaches a policy from the root, an OU or an account,
// which keeps one SCP at least.
func (s *Service) DetachPolicy(ctx context.Context, policyID, targetID string) error {
	o, err := s.authorizeAttachment(ctx, "organizations:DetachPolicy", policyID, targetID)
	if err != nil {
		return err
	}
	err = s.changed(s.changing(ctx).DetachOrgPolicy(ctx, o.ID, policyID, targetID))
	switch {
	case errors.Is(err, keyward.ErrNoSuchOrgPolicy):
		return policyNotFound()
	case errors.Is(err, keyward.ErrNoSuchTarget):
		return targetNotFound()
	case errors.Is(err, keyward.ErrPolicyNotAttached):
		return keyward.Errorf(EPolicyNotAttached, "The policy isn't attached to the specified target in the specified root.")
	case errors.Is(err, keyward.ErrLastPolicyAttachment):
		return constraint("MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED", "You attempted to detach a policy from an entity that would leave it without one of that type: every root, OU and account must have one SCP at least.")
	}
	return err
}

// ListPoliciesForTarget lists the policies of a type attached to the
// root, an OU or an account.
func (s *Service) ListPoliciesForTarget(ctx context.Context, targetID, policyType string, page Page) ([]PolicySummary, string, error) {
	o, err := s.organizationWith(ctx, "organizations:ListPoliciesForTarget", func(o keyward.Organization) string { return targetARN(o, targetID) }, policyTypeKey(policyType))
	if err != nil {
		return nil, "", err
	}
	after, err := page.after()
	if err != nil {
		return nil, "", err
	}
	ps, more, err := s.Store.PoliciesForTarget(ctx, o.ID, targetID, policyType, after, page.max())
	if errors.Is(err, keyward.ErrNoSuchTarget) {
		return nil, "", targetNotFound()
	} else if err != nil {
		return nil, "", err
	}
	return summaries(o, ps, more)
}

// ListTargetsForPolicy lists what a policy is attached to.
func (s *Service) ListTargetsForPolicy(ctx context.Context, policyID string, page Page) ([]PolicyTargetSummary, string, error) {
	o, err := s.organization(ctx, "organizations:ListTargetsForPolicy", func(o keyward.Organization) string { return policyARN(o, policyID) })
	if err != nil {
		return nil, "", err
	}
	after, err := page.after()
	if err != nil {
		return nil, "", err
	}
	ts, more, err := s.Store.TargetsForPolicy(ctx, o.ID, policyID, after, page.max())
	if errors.Is(err, keyward.ErrNoSuchOrgPolicy) {
		return nil, "", policyNotFound()
	} else if err != nil {
		return nil, "", err
	}
	out := make([]PolicyTargetSummary, 0, len(ts))
	last := ""
	for _, t := range ts {
		name := o.RootName
		switch t.Type {
		case keyward.TargetOU:
			u, err := s.Store.OU(ctx, o.ID, t.ID)
			if err != nil {
				return nil, "", err
			}
			name = u.Name
		case keyward.TargetAccount:
			a, err := s.accountOf(ctx, o, keyward.OrgAccount{ID: t.ID})
			if err != nil {
				return nil, "", err
			}
			name = a.Name
		}
		out, last = append(out, PolicyTargetSummary{TargetID: t.ID, ARN: targetARN(o, t.ID), Name: name, Type: t.Type}), t.ID
	}
	return out, nextToken(more, last), nil
}
