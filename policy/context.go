package policy

import (
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward"
)

// The request context's keys: what each of AWS's global condition keys is
// for a request (keyward.RequestContext), which conditions and policy
// variables read.

// ContextValue returns the values of a context key (compared
// case-insensitively) in a request's context, and whether the request has
// it.
func ContextValue(rc *keyward.RequestContext, key string) ([]string, bool) {
	key = strings.ToLower(key)
	if v, ok := rc.Extra[key]; ok && (rc.Simulation || !EstablishedKey(key)) {
		return v, true
	}
	if rc.Simulation && (!known(rc.Principal) || !PrincipalKey(key)) {
		return nil, false
	}
	return own(rc, key)
}

// own returns the values of a key that Keyward knows of the request
// itself: its principal, transport, time and region.
func own(rc *keyward.RequestContext, key string) ([]string, bool) {
	p := rc.Principal
	switch key {
	case "aws:username":
		if !p.IsUser() {
			return nil, false
		}
		return []string{p.UserName}, true
	case "aws:userid":
		return []string{p.ID()}, true
	case "aws:principalaccount":
		return []string{p.AccountID}, true
	case "aws:principalorgid":
		return present(rc.PrincipalOrgID)
	case "aws:principalorgpaths":
		return present(rc.PrincipalOrgPath)
	case "aws:resourceorgid":
		return present(rc.ResourceOrgID)
	case "aws:resourceorgpaths":
		return present(rc.ResourceOrgPath)
	case "aws:principalarn":
		return []string{p.IdentityARN()}, true
	case "aws:principaltype":
		switch {
		case p.Root:
			return []string{"Account"}, true
		case p.RoleID != "":
			return []string{"AssumedRole"}, true
		case p.FederatedName != "":
			return []string{"FederatedUser"}, true
		}
		return []string{"User"}, true
	case "aws:tokenissuetime":
		if p.Session == nil {
			return nil, false
		}
		return []string{p.Session.IssuedAt.UTC().Format(time.RFC3339)}, true
	case "aws:sourceidentity":
		if p.Session == nil || p.Session.SourceIdentity == "" {
			return nil, false
		}
		return []string{p.Session.SourceIdentity}, true
	case "aws:sourceip":
		if rc.SourceIP == "" {
			return nil, false
		}
		return []string{rc.SourceIP}, true
	case "aws:securetransport":
		return []string{strconv.FormatBool(rc.SecureTransport)}, true
	case "aws:currenttime":
		if rc.CurrentTime.IsZero() {
			return nil, false
		}
		return []string{rc.CurrentTime.UTC().Format(time.RFC3339)}, true
	case "aws:epochtime":
		if rc.CurrentTime.IsZero() {
			return nil, false
		}
		return []string{strconv.FormatInt(rc.CurrentTime.Unix(), 10)}, true
	case "aws:requestedregion":
		if rc.RequestedRegion == "" {
			return nil, false
		}
		return []string{rc.RequestedRegion}, true
	case "aws:multifactorauthpresent":
		// Present for sessions, console or temporary credentials (true with
		// MFA); absent for requests signed with a long-term access key, as
		// AWS leaves it.
		mfa := rc.MFAAt()
		if rc.Session == "" && !rc.Temporary && p.Session == nil && mfa.IsZero() {
			return nil, false
		}
		return []string{strconv.FormatBool(!mfa.IsZero())}, true
	case "aws:multifactorauthage":
		mfa := rc.MFAAt()
		if mfa.IsZero() || rc.CurrentTime.IsZero() {
			return nil, false
		}
		return []string{strconv.FormatInt(int64(rc.CurrentTime.Sub(mfa)/time.Second), 10)}, true
	case "aws:principaltagkeys":
		tags := principalTags(p)
		if len(tags) == 0 {
			return nil, false
		}
		keys := make([]string, len(tags))
		for i, t := range tags {
			keys[i] = t.Key
		}
		return keys, true
	case "aws:useragent":
		if rc.UserAgent == "" {
			return nil, false
		}
		return []string{rc.UserAgent}, true
	}
	if tag, ok := strings.CutPrefix(key, "aws:principaltag/"); ok {
		for _, t := range principalTags(p) {
			if strings.EqualFold(t.Key, tag) {
				return []string{t.Value}, true
			}
		}
	}
	return nil, false
}

// present is a key of one value, absent when the value is "".
func present(v string) ([]string, bool) {
	if v == "" {
		return nil, false
	}
	return []string{v}, true
}

// valueFor is ContextValue in a decision on resource: aws:ResourceAccount
// is the account resource's ARN names, and absent when it names none (an
// S3 bucket's, "*"). A simulation has only the resource keys it was
// given, and no key a request adds (Extra) stands for it otherwise.
func valueFor(rc *keyward.RequestContext, resource, key string) ([]string, bool) {
	if key != "aws:resourceaccount" || rc.Simulation {
		return ContextValue(rc, key)
	}
	return present(ARNAccount(resource))
}

// ARNAccount returns the account ID an ARN names, "" for none or for what
// is not an ARN.
func ARNAccount(arn string) string {
	rest, ok := strings.CutPrefix(arn, "arn:")
	if !ok {
		return ""
	}
	for range 3 { // partition, service, region
		i := strings.IndexByte(rest, ':')
		if i < 0 {
			return ""
		}
		rest = rest[i+1:]
	}
	i := strings.IndexByte(rest, ':')
	if i < 0 {
		return ""
	}
	return rest[:i]
}

// principalTags are the principal's tags as aws:PrincipalTag sees them: its
// session's, then those of its IAM identity that no session tag of the
// same key (in any case) overrides.
func principalTags(p keyward.Principal) []keyward.Tag {
	if p.Session == nil || len(p.Session.Tags) == 0 {
		return p.Tags
	}
	if len(p.Tags) == 0 {
		return p.Session.Tags
	}
	tags := append([]keyward.Tag(nil), p.Session.Tags...)
	for _, t := range p.Tags {
		overridden := false
		for _, s := range p.Session.Tags {
			overridden = overridden || strings.EqualFold(s.Key, t.Key)
		}
		if !overridden {
			tags = append(tags, t)
		}
	}
	return tags
}

// PrincipalKey reports whether a context key (lower case) describes the
// principal rather than the request: its value depends on the Principal
// alone.
func PrincipalKey(key string) bool {
	switch key {
	case "aws:username", "aws:userid", "aws:principalaccount", "aws:principalarn", "aws:principaltype",
		"aws:tokenissuetime", "aws:sourceidentity", "aws:principaltagkeys":
		return true
	}
	return strings.HasPrefix(key, "aws:principaltag/")
}

// EstablishedKey reports whether a context key (lower case) is one only
// Keyward establishes, from the principal or from what the store says of
// the accounts of the principal and of the resource: outside a
// simulation, no key a request adds (RequestContext.Extra) stands for it.
// The organization's keys are not PrincipalKey: they depend on where the
// account is in its organization, which changes without the principal
// changing, so they are read on each decision and never bound when a
// policy is compiled.
func EstablishedKey(key string) bool {
	switch key {
	case "aws:principalorgid", "aws:principalorgpaths", "aws:resourceaccount", "aws:resourceorgid", "aws:resourceorgpaths":
		return true
	}
	return PrincipalKey(key)
}

// known reports whether p names a principal at all: a simulation without
// a caller has none.
func known(p keyward.Principal) bool {
	return p.Root || p.UserID != "" || p.RoleID != "" || p.FederatedName != ""
}
