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

// policyPage is how many accounts' policies the sweep reads at a time.
const policyPage = 500

// Run sweeps once at the current time, in every account of the
// installation: every key past its own expiry date is deactivated, in
// whichever account, and in each account with a policy every key past a
// rule that the account's policy enforces is deactivated or deleted, and
// its owners warned within the policy's warning window. A pass reads the
// keys that crossed a rule's boundary since the last pass (incremental);
// every statsEvery, and in an account whose policy changed, it reads
// every key past a rule instead, and a full pass refreshes the metrics'
// counts. Replicas may run it at the same time: each transition happens
// once.
//
// What a pass costs does not grow with the accounts that have no policy:
// the keys past their own expiry dates are read across every account in
// one ranged query, and only the accounts with a policy are read one by
// one, a page of policies at a time, each by range on its own keys.
func (s *Service) Run(ctx context.Context) (Sweep, error) {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	ctx = keyward.Internal(ctx)
	now := s.now()
	// Incremental unless the clock went back or a full pass is due: then
	// since is zero, and every key past a rule is read.
	var since time.Time
	if !s.lastAt.IsZero() && now.After(s.lastAt) && now.Sub(s.fullAt) < statsEvery {
		since = s.lastAt.Add(-overlap)
	}
	sw := Sweep{At: now}
	expired, err := s.expire(ctx, now, since)
	if err != nil {
		return sw, err
	}
	sw.Rules = append(sw.Rules, expired)
	seen := make(map[string]keyward.AccessKeyPolicy, len(s.lastPolicies))
	expiring := 0
	for after := ""; ; {
		page, more, err := s.Store.AccessKeyPolicies(ctx, after, policyPage)
		if err != nil {
			return sw, err
		}
		for _, ap := range page {
			if closed, err := s.closed(ctx, ap.AccountID); err != nil {
				return sw, err
			} else if closed {
				continue
			}
			p, acct := ap.Policy, keyward.Account{ID: ap.AccountID}
			st := s.inAccount(ap.AccountID)
			// An account whose policy changed is read in full.
			from := since
			if last, ok := s.lastPolicies[ap.AccountID]; !ok || last != p {
				from = time.Time{}
			}
			one, err := s.plan(ctx, st, acct, p, now, true, 0, from)
			if err != nil {
				return sw, err
			}
			sw.add(one)
			if p.Warn > 0 {
				n, err := s.warn(ctx, st, acct, p, now, from)
				sw.Warned += n
				if err != nil {
					return sw, err
				}
			}
			if since.IsZero() && p.MaxAge.On() {
				n, err := s.expiringByAge(ctx, st, p, now)
				if err != nil {
					return sw, err
				}
				expiring += n
			}
			seen[ap.AccountID] = p
		}
		if !more || len(page) == 0 {
			break
		}
		after = page[len(page)-1].AccountID
	}
	s.lastPolicies, s.lastAt = seen, now
	if since.IsZero() {
		s.fullAt = now
		s.count(ctx, sw, now, expiring)
	}
	if s.Swept != nil {
		s.Swept(sw)
	}
	return sw, nil
}

// inAccount is the view of the store of the account with this ID: the
// store itself for the installation's first account.
func (s *Service) inAccount(id string) Store {
	if id == s.Authz.FirstAccount().ID {
		return s.Store
	}
	return s.Store.InAccount(id)
}

// add merges one account's rules into the sweep, rule by rule, in the
// order rules are applied.
func (sw *Sweep) add(one Sweep) {
	for _, r := range one.Rules {
		i := 0
		for i < len(sw.Rules) && order[sw.Rules[i].Rule] < order[r.Rule] {
			i++
		}
		if i < len(sw.Rules) && sw.Rules[i].Rule == r.Rule {
			sw.Rules[i].Due += r.Due
			sw.Rules[i].Changed += r.Changed
			sw.Rules[i].Enforced = sw.Rules[i].Enforced || r.Enforced
			sw.Rules[i].Keys = append(sw.Rules[i].Keys, r.Keys...)
			continue
		}
		sw.Rules = append(sw.Rules[:i], append([]RuleResult{r}, sw.Rules[i:]...)...)
	}
	sw.Warned += one.Warned
}

// order is the order rules are applied in.
var order = map[string]int{keyward.RuleExpired: 0, keyward.RuleMaxAge: 1, keyward.RuleUnused: 2, keyward.RuleDeleteInactive: 3}

// expire deactivates the keys past their own expiry dates (those that
// passed it after since, when it is set), in every account, each with
// its event in its account's trail: an expiry date needs no policy.
func (s *Service) expire(ctx context.Context, now, since time.Time) (RuleResult, error) {
	res := RuleResult{Rule: keyward.RuleExpired, Enforced: true}
	q := keyward.DueKeys{Reason: keyward.RuleExpired, Cutoff: now, Since: since, AllAccounts: true}
	err := s.due(ctx, s.Store, q, func(k keyward.AccessKey) error {
		if closed, err := s.closed(ctx, k.AccountID); err != nil || closed {
			return err
		}
		res.Due++
		done, err := s.transition(ctx, s.Store, keyward.Account{ID: k.AccountID}, keyward.RuleExpired, k, now, now)
		if done {
			res.Changed++
		}
		return err
	})
	return res, err
}

// plan finds the keys of st's account past each rule of p at now (those
// that crossed the rule's boundary after since, when it is set), and
// when act makes the enforced rules' transitions; list bounds the keys
// kept per rule. The keys past their own expiry dates are the sweep's
// (expire) and only listed here.
func (s *Service) plan(ctx context.Context, st Store, acct keyward.Account, p keyward.AccessKeyPolicy, now time.Time, act bool, list int, since time.Time) (Sweep, error) {
	sw := Sweep{At: now}
	exempt := &usersTagged{st: st, key: keyward.ExemptTagKey, value: keyward.ExemptTagValue}
	for _, reason := range []string{keyward.RuleExpired, keyward.RuleMaxAge, keyward.RuleUnused, keyward.RuleDeleteInactive} {
		rule, cutoff := keyward.KeyRule{}, now
		if reason == keyward.RuleExpired && act {
			continue
		}
		if reason != keyward.RuleExpired {
			rule = *p.Rule(reason)
			if !rule.On() {
				continue
			}
			cutoff = now.Add(-rule.After)
		}
		covers := s.coverage(ctx, st, reason, rule, exempt)
		res := RuleResult{Rule: reason, Enforced: !rule.ReportOnly}
		q := keyward.DueKeys{Reason: reason, Cutoff: cutoff}
		if !since.IsZero() {
			q.Since = since.Add(-rule.After)
		}
		err := s.due(ctx, st, q, func(k keyward.AccessKey) error {
			if ok, err := covers(k); err != nil || !ok {
				return err
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
			done, err := s.transition(ctx, st, acct, reason, k, cutoff, now)
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
// nor exempt users', and only the users in the rule's scope. The users
// tagged are read when a key first needs them: in most passes of most
// accounts no key is due, and nothing is read.
func (s *Service) coverage(ctx context.Context, st Store, reason string, r keyward.KeyRule, exempt *usersTagged) func(keyward.AccessKey) (bool, error) {
	if reason == keyward.RuleExpired {
		return func(keyward.AccessKey) (bool, error) { return true, nil }
	}
	tagged := &usersTagged{st: st, key: r.TagKey, value: r.TagValue}
	return func(k keyward.AccessKey) (bool, error) {
		if k.Root() || r.PathPrefix != "" && !strings.HasPrefix(k.UserPath, r.PathPrefix) {
			return false, nil
		}
		if ex, err := exempt.has(ctx, k.UserID); err != nil || ex {
			return false, err
		}
		if r.TagKey == "" {
			return true, nil
		}
		return tagged.has(ctx, k.UserID)
	}
}

// usersTagged is the set of an account's users with a tag, read once,
// when first asked.
type usersTagged struct {
	st         Store
	key, value string
	ids        map[string]bool
}

func (u *usersTagged) has(ctx context.Context, userID string) (bool, error) {
	if u.ids == nil {
		ids, err := u.st.UsersTagged(ctx, u.key, u.value)
		if err != nil {
			return false, err
		}
		u.ids = ids
	}
	return u.ids[userID], nil
}

// due calls fn for every key q selects in st, a page at a time.
func (s *Service) due(ctx context.Context, st Store, q keyward.DueKeys, fn func(keyward.AccessKey) error) error {
	q.Max = page
	for {
		keys, more, err := st.DueAccessKeys(ctx, q)
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
func (s *Service) transition(ctx context.Context, st Store, acct keyward.Account, reason string, k keyward.AccessKey, cutoff, now time.Time) (bool, error) {
	name, params := "UpdateAccessKey", map[string]any{"accessKeyId": k.ID, "userName": k.UserName, "status": keyward.StatusInactive, "reason": reason}
	if reason == keyward.RuleDeleteInactive {
		name, params = "DeleteAccessKey", map[string]any{"accessKeyId": k.ID, "userName": k.UserName, "reason": reason}
	}
	ev, err := s.event(acct, name, params, now)
	if err != nil {
		return false, err
	}
	done, err := st.TransitionAccessKey(ctx, keyward.KeyTransition{AccessKeyID: k.ID, Reason: reason, Cutoff: cutoff, At: now, Event: ev})
	if done && s.Changes != nil {
		s.Changes(keyward.Change{Kind: keyward.ChangedAccessKey, AccessKeyID: k.ID})
	}
	return done, err
}

// warn writes AccessKeyExpiring for every active key whose end of life
// (its expiry date, or its maximum age where that rule is enforced and
// covers it, whichever comes first) is within the warning window, once
// per key and end of life.
func (s *Service) warn(ctx context.Context, st Store, acct keyward.Account, p keyward.AccessKeyPolicy, now, since time.Time) (int, error) {
	exempt := &usersTagged{st: st, key: keyward.ExemptTagKey, value: keyward.ExemptTagValue}
	maxAge := func(keyward.AccessKey) (bool, error) { return false, nil }
	if p.MaxAge.On() && !p.MaxAge.ReportOnly {
		maxAge = s.coverage(ctx, st, keyward.RuleMaxAge, p.MaxAge, exempt)
	}
	warned := 0
	send := func(k keyward.AccessKey, end time.Time) error {
		ev, err := s.event(acct, "AccessKeyExpiring", map[string]any{"accessKeyId": k.ID, "userName": k.UserName, "expiresAt": eventTime(end)}, now)
		if err != nil {
			return err
		}
		done, err := st.TransitionAccessKey(ctx, keyward.KeyTransition{AccessKeyID: k.ID, Warn: end, At: now, Event: ev})
		if done {
			warned++
		}
		return err
	}
	q := keyward.DueKeys{Reason: keyward.RuleExpired, Warn: true, Cutoff: now.Add(p.Warn)}
	if !since.IsZero() {
		q.Since = since.Add(p.Warn)
	}
	err := s.due(ctx, st, q, func(k keyward.AccessKey) error {
		covered, err := maxAge(k)
		if err != nil {
			return err
		}
		if covered && k.CreatedAt.Add(p.MaxAge.After).Before(k.ExpiresAt) {
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
	err = s.due(ctx, st, q, func(k keyward.AccessKey) error {
		end := k.CreatedAt.Add(p.MaxAge.After)
		covered, err := maxAge(k)
		if err != nil || !covered || (!k.ExpiresAt.IsZero() && k.ExpiresAt.Before(end)) {
			return err
		}
		return send(k, end)
	})
	return warned, err
}

// expiringByAge counts the active keys of st's account whose maximum age
// under p falls within the next 7 days (and before any expiry date of
// their own), for the metrics.
func (s *Service) expiringByAge(ctx context.Context, st Store, p keyward.AccessKeyPolicy, now time.Time) (int, error) {
	soon, n := now.Add(7*day), 0
	err := s.due(ctx, st, keyward.DueKeys{Reason: keyward.RuleMaxAge, Cutoff: soon.Add(-p.MaxAge.After)}, func(k keyward.AccessKey) error {
		if end := k.CreatedAt.Add(p.MaxAge.After); end.After(now) && !k.Root() && (k.ExpiresAt.IsZero() || k.ExpiresAt.After(soon)) {
			n++
		}
		return nil
	})
	return n, err
}

// count refreshes the metrics' counts, the installation's: the keys past
// each rule from this sweep, the keys by age and those expiring soon
// (by their own expiry dates, and byAge of them by their accounts'
// maximum age).
func (s *Service) count(ctx context.Context, sw Sweep, now time.Time, byMaxAge int) {
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
	byAge, expiring, err := s.Store.CountAccessKeys(ctx, bounds, now.Add(7*day))
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
	s.stats.ByAge, s.stats.ExpiringSoon, s.stats.At, s.counted = ages, expiring+byMaxAge, now, now
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

// closed reports whether the account with ID id was closed (Closed).
func (s *Service) closed(ctx context.Context, id string) (bool, error) {
	if s.Closed == nil {
		return false, nil
	}
	return s.Closed(ctx, id)
}
