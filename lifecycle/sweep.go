package lifecycle

import (
	"context"
	"strings"
	"time"

	"github.com/keyward/keyward"
)

// Sweep is what one pass of the lifecycle found and did.
type Sweep struct {
	// At is the moment the rules were applied at.
	At time.Time
	// Rules are the rules in the order applied: expired (keys' own expiry
	// dates), max-age, unused, inactive (delete); those off are absent.
	Rules []RuleResult
	// Warned counts the AccessKeyExpiring warnings this pass wrote.
	Warned int
}

// RuleResult is one rule's part of a sweep.
type RuleResult struct {
	// Rule is the reason its transitions give: expired, max-age, unused
	// or inactive.
	Rule string
	// Enforced is false for a rule only reported.
	Enforced bool
	// Due counts the keys past the rule and covered by it.
	Due int
	// Changed counts the transitions this pass made (another replica may
	// have made some of the others).
	Changed int
	// Keys are the first of the keys due (up to the listing's bound).
	Keys []keyward.AccessKey
}

// Deletes reports whether the rule deletes keys rather than deactivate
// them.
func (r RuleResult) Deletes() bool { return r.Rule == keyward.RuleDeleteInactive }

// page is how many due keys the sweep reads at a time.
const page = 500

// Run sweeps once at the current time: every key past a rule that is
// enforced is deactivated or deleted, and owners are warned within the
// warning window. A pass reads the keys that crossed a rule's boundary
// since the last pass (incremental); every statsEvery, and whenever the
// policy changed, it reads every key past a rule instead, and refreshes
// the metrics' counts. Replicas may run it at the same time: each
// transition happens once.
func (s *Service) Run(ctx context.Context) (Sweep, error) {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	ctx = keyward.Internal(ctx)
	p, err := s.policy(ctx)
	if err != nil {
		return Sweep{}, err
	}
	now := s.now()
	// Incremental unless the policy changed, the clock went back, or a
	// full pass is due: then since is zero, and every key past a rule is
	// read.
	var since time.Time
	if p == s.lastPolicy && !s.lastAt.IsZero() && now.After(s.lastAt) && now.Sub(s.fullAt) < statsEvery {
		since = s.lastAt.Add(-overlap)
	}
	sw, err := s.plan(ctx, p, now, true, 0, since)
	if err != nil {
		return sw, err
	}
	if p.Warn > 0 {
		if sw.Warned, err = s.warn(ctx, p, now, since); err != nil {
			return sw, err
		}
	}
	s.lastPolicy, s.lastAt = p, now
	if since.IsZero() {
		s.fullAt = now
		s.count(ctx, p, sw, now)
	}
	if s.Swept != nil {
		s.Swept(sw)
	}
	return sw, nil
}

// plan finds the keys past each rule of p at now (those that crossed the
// rule's boundary after since, when it is set), and when act makes the
// enforced rules' transitions; list bounds the keys kept per rule.
func (s *Service) plan(ctx context.Context, p keyward.AccessKeyPolicy, now time.Time, act bool, list int, since time.Time) (Sweep, error) {
	sw := Sweep{At: now}
	acct := s.Account(ctx)
	exempt, err := s.Store.UsersTagged(ctx, keyward.ExemptTagKey, keyward.ExemptTagValue)
	if err != nil {
		return sw, err
	}
	for _, reason := range []string{keyward.RuleExpired, keyward.RuleMaxAge, keyward.RuleUnused, keyward.RuleDeleteInactive} {
		rule, cutoff := keyward.KeyRule{}, now
		if reason != keyward.RuleExpired {
			rule = *p.Rule(reason)
			if !rule.On() {
				continue
			}
			cutoff = now.Add(-rule.After)
		}
		covers, err := s.coverage(ctx, reason, rule, exempt)
		if err != nil {
			return sw, err
		}
		res := RuleResult{Rule: reason, Enforced: !rule.ReportOnly}
		q := keyward.DueKeys{Reason: reason, Cutoff: cutoff}
		if !since.IsZero() {
			q.Since = since
			if reason != keyward.RuleExpired {
				q.Since = since.Add(-rule.After)
			}
		}
		err = s.due(ctx, q, func(k keyward.AccessKey) error {
			if !covers(k) {
				return nil
			}
			if reason == keyward.RuleUnused && s.Uses != nil {
				if u, ok := s.Uses.Pending(k.ID); ok && u.Time.After(cutoff) {
					return nil // used since; the use is not written yet
				}
			}
			res.Due++
			if len(res.Keys) < list {
				res.Keys = append(res.Keys, k)
			}
			if !act || !res.Enforced {
				return nil
			}
			done, err := s.transition(ctx, acct, reason, k, cutoff, now)
			if done {
				res.Changed++
			}
			return err
		})
		if err != nil {
			return sw, err
		}
		sw.Rules = append(sw.Rules, res)
	}
	return sw, nil
}

// coverage returns whether a rule covers a key: a key's own expiry date
// covers every key; the policy's rules cover neither the root user's keys
// nor exempt users', and only the users in the rule's scope.
func (s *Service) coverage(ctx context.Context, reason string, r keyward.KeyRule, exempt map[string]bool) (func(keyward.AccessKey) bool, error) {
	if reason == keyward.RuleExpired {
		return func(keyward.AccessKey) bool { return true }, nil
	}
	var tagged map[string]bool
	if r.TagKey != "" {
		var err error
		if tagged, err = s.Store.UsersTagged(ctx, r.TagKey, r.TagValue); err != nil {
			return nil, err
		}
	}
	return func(k keyward.AccessKey) bool {
		switch {
		case k.Root(), exempt[k.UserID]:
			return false
		case r.PathPrefix != "" && !strings.HasPrefix(k.UserPath, r.PathPrefix):
			return false
		case r.TagKey != "" && !tagged[k.UserID]:
			return false
		}
		return true
	}, nil
}

// due calls fn for every key q selects, a page at a time.
func (s *Service) due(ctx context.Context, q keyward.DueKeys, fn func(keyward.AccessKey) error) error {
	q.Max = page
	for {
		keys, more, err := s.Store.DueAccessKeys(ctx, q)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := fn(k); err != nil {
				return err
			}
		}
		if !more || len(keys) == 0 {
			return nil
		}
		q.After = keys[len(keys)-1].ID
	}
}

// transition deactivates (or, for inactive, deletes) k if it is still
// past cutoff, with its event.
func (s *Service) transition(ctx context.Context, acct keyward.Account, reason string, k keyward.AccessKey, cutoff, now time.Time) (bool, error) {
	name, params := "UpdateAccessKey", map[string]any{"accessKeyId": k.ID, "userName": k.UserName, "status": keyward.StatusInactive, "reason": reason}
	if reason == keyward.RuleDeleteInactive {
		name, params = "DeleteAccessKey", map[string]any{"accessKeyId": k.ID, "userName": k.UserName, "reason": reason}
	}
	ev, err := s.event(acct, name, params, now)
	if err != nil {
		return false, err
	}
	done, err := s.Store.TransitionAccessKey(ctx, keyward.KeyTransition{AccessKeyID: k.ID, Reason: reason, Cutoff: cutoff, At: now, Event: ev})
	if done && s.Changes != nil {
		s.Changes(keyward.Change{Kind: keyward.ChangedAccessKey, AccessKeyID: k.ID})
	}
	return done, err
}

// warn writes AccessKeyExpiring for every active key whose end of life
// (its expiry date, or its maximum age where that rule is enforced and
// covers it, whichever comes first) is within the warning window, once
// per key and end of life.
func (s *Service) warn(ctx context.Context, p keyward.AccessKeyPolicy, now, since time.Time) (int, error) {
	acct := s.Account(ctx)
	exempt, err := s.Store.UsersTagged(ctx, keyward.ExemptTagKey, keyward.ExemptTagValue)
	if err != nil {
		return 0, err
	}
	maxAge := func(keyward.AccessKey) bool { return false }
	if p.MaxAge.On() && !p.MaxAge.ReportOnly {
		if maxAge, err = s.coverage(ctx, keyward.RuleMaxAge, p.MaxAge, exempt); err != nil {
			return 0, err
		}
	}
	warned := 0
	send := func(k keyward.AccessKey, end time.Time) error {
		ev, err := s.event(acct, "AccessKeyExpiring", map[string]any{"accessKeyId": k.ID, "userName": k.UserName, "expiresAt": eventTime(end)}, now)
		if err != nil {
			return err
		}
		done, err := s.Store.TransitionAccessKey(ctx, keyward.KeyTransition{AccessKeyID: k.ID, Warn: end, At: now, Event: ev})
		if done {
			warned++
		}
		return err
	}
	q := keyward.DueKeys{Reason: keyward.RuleExpired, Warn: true, Cutoff: now.Add(p.Warn)}
	if !since.IsZero() {
		q.Since = since.Add(p.Warn)
	}
	err = s.due(ctx, q, func(k keyward.AccessKey) error {
		if maxAge(k) && k.CreatedAt.Add(p.MaxAge.After).Before(k.ExpiresAt) {
			return nil // its maximum age comes first
		}
		return send(k, k.ExpiresAt)
	})
	if err != nil || !p.MaxAge.On() || p.MaxAge.ReportOnly {
		return warned, err
	}
	q = keyward.DueKeys{Reason: keyward.RuleMaxAge, Warn: true, MaxAge: p.MaxAge.After, Cutoff: now.Add(p.Warn).Add(-p.MaxAge.After)}
	if !since.IsZero() {
		q.Since = since.Add(p.Warn).Add(-p.MaxAge.After)
	}
	err = s.due(ctx, q, func(k keyward.AccessKey) error {
		end := k.CreatedAt.Add(p.MaxAge.After)
		if !maxAge(k) || (!k.ExpiresAt.IsZero() && k.ExpiresAt.Before(end)) {
			return nil
		}
		return send(k, end)
	})
	return warned, err
}

// count refreshes the metrics' counts: the keys past each rule from this
// sweep, and, every statsEvery, the keys by age and those expiring soon.
func (s *Service) count(ctx context.Context, p keyward.AccessKeyPolicy, sw Sweep, now time.Time) {
	past := map[string]int{}
	for _, r := range sw.Rules {
		past[r.Rule] = r.Due
	}
	s.mu.Lock()
	s.stats.PastPolicy = past
	s.mu.Unlock()
	bounds := make([]time.Time, 0, len(AgeBuckets)-1)
	for _, b := range AgeBuckets[:len(AgeBuckets)-1] {
		bounds = append(bounds, now.Add(-b.Age))
	}
	soon := now.Add(7 * day)
	byAge, expiring, err := s.Store.CountAccessKeys(ctx, bounds, soon)
	if err == nil && p.MaxAge.On() {
		err = s.due(ctx, keyward.DueKeys{Reason: keyward.RuleMaxAge, Cutoff: soon.Add(-p.MaxAge.After)}, func(k keyward.AccessKey) error {
			if end := k.CreatedAt.Add(p.MaxAge.After); end.After(now) && !k.Root() && (k.ExpiresAt.IsZero() || k.ExpiresAt.After(soon)) {
				expiring++
			}
			return nil
		})
	}
	if err != nil {
		if s.Logger != nil {
			s.Logger.Error("counting access keys", "err", err)
		}
		return
	}
	ages := make(map[string]int, len(AgeBuckets))
	for i, b := range AgeBuckets {
		ages[b.Label] = byAge[i]
	}
	s.mu.Lock()
	s.stats.ByAge, s.stats.ExpiringSoon, s.stats.At, s.counted = ages, expiring, now, now
	s.mu.Unlock()
}

// event is a transition's audit event: an AWS service acting in the
// account, as CloudTrail records one, named keyward.key-lifecycle.
func (s *Service) event(acct keyward.Account, name string, params map[string]any, now time.Time) (keyward.StoredEvent, error) {
	e := acct.NewEvent(keyward.EventSourceIAM, name, now)
	e.UserIdentity = keyward.EventIdentity{Type: "AWSService", InvokedBy: ServiceName, AccountID: acct.ID}
	e.EventType = "AwsServiceEvent"
	e.SourceIPAddress, e.UserAgent = ServiceName, ServiceName
	e.RequestParameters = params
	e.ResponseElements = nil
	var err error
	if e.EventID, err = keyward.NewEventID(s.Rand); err != nil {
		return keyward.StoredEvent{}, err
	}
	e.RequestID = e.EventID
	return e.Stored()
}

func eventTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }
