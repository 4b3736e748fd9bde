package keyward

import (
	"strconv"
	"strings"
	"time"
)

// RequestContext is what a request offers to policy conditions and
// variables besides its action and resource.
type RequestContext struct {
	Principal Principal
	// AccessKeyID is the key that signed the request, Session the console
	// session it came in instead, UserAgent the client's (aws:UserAgent).
	AccessKeyID, Session, UserAgent string
	SourceIP                        string
	SecureTransport                 bool
	CurrentTime                     time.Time
	RequestedRegion                 string
	// MFAAuthTime is when the caller authenticated with MFA (a console
	// session signed in with a code, a session token got with one); zero
	// without. Temporary: the request is signed with temporary credentials.
	MFAAuthTime time.Time
	Temporary   bool
	// Extra holds further keys, lower case, such as the context entries
	// given to SimulatePrincipalPolicy; they override the keys above,
	// except that outside a simulation a key describing the principal
	// (PrincipalKey) is only ever what Keyward knows of it.
	Extra map[string][]string
	// Simulation marks a policy simulation's context: a key has a value
	// only when the simulation was given it (Extra) or when it describes
	// the simulated caller, if there is one. Nothing about the request
	// (transport, time, address, region) is assumed, so that a decision
	// never rests on a value nobody gave.
	Simulation bool
}

// Value returns the values of a context key (compared case-insensitively)
// and whether the request has it.
func (rc *RequestContext) Value(key string) ([]string, bool) {
	key = strings.ToLower(key)
	if v, ok := rc.Extra[key]; ok && (rc.Simulation || !PrincipalKey(key)) {
		return v, true
	}
	if rc.Simulation && (!rc.Principal.known() || !PrincipalKey(key)) {
		return nil, false
	}
	return rc.own(key)
}

// own returns the values of a key that Keyward knows of the request
// itself: its principal, transport, time and region.
func (rc *RequestContext) own(key string) ([]string, bool) {
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
		tags := p.principalTags()
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
		for _, t := range p.principalTags() {
			if strings.EqualFold(t.Key, tag) {
				return []string{t.Value}, true
			}
		}
	}
	return nil, false
}

// principalTags are the principal's tags as aws:PrincipalTag sees them: its
// session's, then those of its IAM identity that no session tag of the
// same key (in any case) overrides.
func (p Principal) principalTags() []Tag {
	if p.Session == nil || len(p.Session.Tags) == 0 {
		return p.Tags
	}
	if len(p.Tags) == 0 {
		return p.Session.Tags
	}
	tags := append([]Tag(nil), p.Session.Tags...)
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

// MFAAt is when the caller authenticated with MFA, as the transport says
// or as its session token does; zero without MFA.
func (rc *RequestContext) MFAAt() time.Time {
	if rc.MFAAuthTime.IsZero() && rc.Principal.Session != nil {
		return rc.Principal.Session.MFAAt
	}
	return rc.MFAAuthTime
}
