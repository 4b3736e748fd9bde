package iam

import (
	"context"
	"errors"

	"github.com/keyward/keyward"
)

// PutInlinePolicy validates a document and makes it an entity's inline
// policy, replacing one of the same name.
func (s *Service) PutInlinePolicy(ctx context.Context, e keyward.Entity, name, document string) error {
	if err := s.Authz.AuthorizeEntity(ctx, entityAction("Put", e, "Policy"), e); err != nil {
		return err
	}
	if err := s.Policies.Check(document); err != nil {
		return err
	}
	_, max := entityQuotas(s.quotas(), e.Kind)
	err := s.changing(ctx).PutInlinePolicy(ctx, e, name, document, max)
	s.policiesChanged()
	if errors.Is(err, keyward.ErrQuotaExceeded) {
		return keyward.Errorf(keyward.ELimitExceeded, "Maximum policy size of %d bytes exceeded for %s %s", max, e.Kind, e.Name)
	}
	return entityError(err, e)
}

func inlineNotFound(e keyward.Entity, name string) *keyward.Error {
	return keyward.Errorf(keyward.ENoSuchEntity, "The %s policy with name %s cannot be found.", e.Kind, name)
}

// InlinePolicy returns an inline policy's document.
func (s *Service) InlinePolicy(ctx context.Context, e keyward.Entity, name string) (string, error) {
	if err := s.Authz.AuthorizeEntity(ctx, entityAction("Get", e, "Policy"), e); err != nil {
		return "", err
	}
	doc, err := s.store(ctx).InlinePolicy(ctx, e, name)
	if errors.Is(err, keyward.ErrNoSuchPolicy) {
		return "", inlineNotFound(e, name)
	}
	return doc, entityError(err, e)
}

// ListInlinePolicies pages the names of an entity's inline policies.
func (s *Service) ListInlinePolicies(ctx context.Context, e keyward.Entity, marker string, max int) ([]string, string, error) {
	if err := s.Authz.AuthorizeEntity(ctx, entityAction("List", e, "Policies"), e); err != nil {
		return nil, "", err
	}
	names, next, err := pageBy(marker, func(after string) ([]string, bool, error) {
		return s.store(ctx).ListInlinePolicies(ctx, e, after, max)
	}, func(n string) string { return n })
	return names, next, entityError(err, e)
}

// DeleteInlinePolicy deletes an inline policy.
func (s *Service) DeleteInlinePolicy(ctx context.Context, e keyward.Entity, name string) error {
	if err := s.Authz.AuthorizeEntity(ctx, entityAction("Delete", e, "Policy"), e); err != nil {
		return err
	}
	err := s.changing(ctx).DeleteInlinePolicy(ctx, e, name)
	s.policiesChanged()
	if errors.Is(err, keyward.ErrNoSuchPolicy) {
		return inlineNotFound(e, name)
	}
	return entityError(err, e)
}
