package lifecycle

import (
	"context"
	"errors"
	"time"

	"github.com/keyward/keyward"
)

// ServiceName is the principal that makes the lifecycle's
// transitions, as its events name it (userIdentity.invokedBy).
const ServiceName = "keyward.key-lifecycle"

// ruleOfName maps a rule's name in the API (ruleShape) to its reason.
var ruleOfName = map[string]string{"max-age": keyward.RuleMaxAge, "unused": keyward.RuleUnused, "delete-inactive": keyward.RuleDeleteInactive}

// NameOfRule is ruleOfName the other way round.
var NameOfRule = map[string]string{keyward.RuleMaxAge: "max-age", keyward.RuleUnused: "unused", keyward.RuleDeleteInactive: "delete-inactive"}

// PolicyInput is PutAccessKeyPolicy's input as the API and the command
// line give it: durations as ParseKeyDuration reads them ("" for a rule
// off), the rules only reported by name (max-age, unused,
// delete-inactive; ReportOnly for all), and a scope that limits the rules
// ScopedRules names (all, when it names none) to users under PathPrefix
// or with the tag TagKey (of value TagValue when given).
type PolicyInput struct {
	MaxAge, Warn, Unused, DeleteInactive string
	ReportOnly                           bool
	ReportOnlyRules                      []string
	PathPrefix, TagKey, TagValue         string
	ScopedRules                          []string
}

// Policy reads the input into a policy, or returns ValidationError.
func (in PolicyInput) Policy() (keyward.AccessKeyPolicy, error) {
	var p keyward.AccessKeyPolicy
	for _, f := range []struct {
		field, value string
		into         *time.Duration
	}{
		{"maxAge", in.MaxAge, &p.MaxAge.After},
		{"warn", in.Warn, &p.Warn},
		{"unused", in.Unused, &p.Unused.After},
		{"deleteInactive", in.DeleteInactive, &p.DeleteInactive.After},
	} {
		if f.value == "" {
			continue
		}
		d, err := ParseKeyDuration(f.field, f.value)
		if err != nil {
			return p, err
		}
		*f.into = d
	}
	if !p.MaxAge.On() && !p.Unused.On() && !p.DeleteInactive.On() && p.Warn == 0 {
		return p, keyward.Errorf(keyward.EValidationError, "The key lifecycle policy must set at least one of MaxAge, Warn, Unused and DeleteInactive.")
	}
	if p.MaxAge.On() && p.Warn >= p.MaxAge.After {
		return p, keyward.Errorf(keyward.EValidationError, "Warn must be shorter than MaxAge.")
	}
	for _, name := range in.ReportOnlyRules {
		r := p.Rule(ruleOfName[name])
		if r == nil {
			return p, keyward.Errorf(keyward.EValidationError, "Unknown key lifecycle rule in ReportOnlyRules.")
		}
		r.ReportOnly = true
	}
	if in.ReportOnly {
		p.MaxAge.ReportOnly, p.Unused.ReportOnly, p.DeleteInactive.ReportOnly = true, true, true
	}
	if in.TagValue != "" && in.TagKey == "" {
		return p, keyward.Errorf(keyward.EValidationError, "TagValue needs TagKey.")
	}
	scoped := in.ScopedRules
	if len(scoped) == 0 && (in.PathPrefix != "" || in.TagKey != "") {
		scoped = []string{"max-age", "unused", "delete-inactive"}
	}
	if len(scoped) > 0 && in.PathPrefix == "" && in.TagKey == "" {
		return p, keyward.Errorf(keyward.EValidationError, "ScopedRules needs PathPrefix or TagKey.")
	}
	for _, name := range scoped {
		r := p.Rule(ruleOfName[name])
		if r == nil {
			return p, keyward.Errorf(keyward.EValidationError, "Unknown key lifecycle rule in ScopedRules.")
		}
		r.PathPrefix, r.TagKey, r.TagValue = in.PathPrefix, in.TagKey, in.TagValue
	}
	return p, nil
}

// PutAccessKeyPolicy sets the account's key lifecycle policy
// (keyward:PutAccessKeyPolicy). The sweep applies it within Interval.
func (s *Service) PutAccessKeyPolicy(ctx context.Context, in PolicyInput) (keyward.AccessKeyPolicy, error) {
	if err := s.Authz.Authorize(ctx, "keyward:PutAccessKeyPolicy", "*"); err != nil {
		return keyward.AccessKeyPolicy{}, err
	}
	p, err := in.Policy()
	if err != nil {
		return p, err
	}
	p.UpdatedAt = s.now().Truncate(time.Second)
	return p, s.changing(ctx).PutAccessKeyPolicy(ctx, p)
}

// AccessKeyPolicy returns the account's key lifecycle policy
// (keyward:GetAccessKeyPolicy); NoSuchEntity when it has none.
func (s *Service) AccessKeyPolicy(ctx context.Context) (keyward.AccessKeyPolicy, error) {
	if err := s.Authz.Authorize(ctx, "keyward:GetAccessKeyPolicy", "*"); err != nil {
		return keyward.AccessKeyPolicy{}, err
	}
	p, err := s.store(ctx).AccessKeyPolicy(ctx)
	if errors.Is(err, keyward.ErrNoAccessKeyPolicy) {
		return p, errNoSuchPolicy(s.Account(ctx))
	}
	return p, err
}

func errNoSuchPolicy(a keyward.Account) error {
	return keyward.Errorf(keyward.ENoSuchEntity, "The access key policy of account %s cannot be found.", a.ID)
}

// DeleteAccessKeyPolicy removes the account's key lifecycle policy
// (keyward:DeleteAccessKeyPolicy); keys' own expiry dates still apply.
func (s *Service) DeleteAccessKeyPolicy(ctx context.Context) error {
	if err := s.Authz.Authorize(ctx, "keyward:DeleteAccessKeyPolicy", "*"); err != nil {
		return err
	}
	err := s.changing(ctx).DeleteAccessKeyPolicy(ctx)
	if errors.Is(err, keyward.ErrNoAccessKeyPolicy) {
		return errNoSuchPolicy(s.Account(ctx))
	}
	return err
}

// Preview returns what the policy p (the account's when nil) would do to
// the keys as they are, by the moment at: the keys past each rule, up to
// max per rule, and whether it is enforced. It changes nothing
// (keyward:GetAccessKeyPolicy).
func (s *Service) Preview(ctx context.Context, p *keyward.AccessKeyPolicy, at time.Time, max int) (Sweep, error) {
	if err := s.Authz.Authorize(ctx, "keyward:GetAccessKeyPolicy", "*"); err != nil {
		return Sweep{}, err
	}
	if p == nil {
		stored, err := s.policy(ctx)
		if err != nil {
			return Sweep{}, err
		}
		p = &stored
	}
	return s.plan(ctx, s.store(ctx), s.Account(ctx), *p, at.UTC(), false, max, time.Time{})
}
