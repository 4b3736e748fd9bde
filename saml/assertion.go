package saml

import (
	"crypto/sha1"
	"encoding/base64"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
)

// Names of the attributes AWS reads from an assertion. AWS compares them
// case-sensitively.
const (
	attrPrefix            = "https://aws.amazon.com/SAML/Attributes/"
	AttributeRole         = attrPrefix + "Role"
	AttributeSessionName  = attrPrefix + "RoleSessionName"
	AttributeDuration     = attrPrefix + "SessionDuration"
	AttributeSourceID     = attrPrefix + "SourceIdentity"
	AttributePrincipalTag = attrPrefix + "PrincipalTag:"
	AttributeTransitive   = attrPrefix + "TransitiveTagKeys"
)

// Bounds of SessionDuration, in seconds.
const (
	MinSessionDuration = 900
	MaxSessionDuration = 43200
)

// nameIDFormatPrefix is the part of a NameID Format AWS removes to make
// the SubjectType.
const nameIDFormatPrefix = "urn:oasis:names:tc:SAML:2.0:nameid-format:"

// Assertion is what a verified SAML assertion says, read only from the
// signed element.
type Assertion struct {
	// ID is the assertion's ID and NotOnOrAfter the moment after which
	// Verify refuses it anyway: the earliest of the conditions' and the
	// subject confirmation's NotOnOrAfter and IssueInstant plus MaxAge.
	// The caller refuses a second use of ID until NotOnOrAfter.
	ID           string
	NotOnOrAfter time.Time
	IssueInstant time.Time
	// Issuer is the assertion's Issuer: the provider's entity ID, and
	// AssumeRoleWithSAML's Issuer and saml:iss.
	Issuer string
	// Subject is the NameID's value (AssumeRoleWithSAML's Subject and
	// saml:sub), SubjectFormat its Format as sent (empty when none), and
	// SubjectType the Format as AWS reports it (SubjectType and
	// saml:sub_type): without the prefix
	// urn:oasis:names:tc:SAML:2.0:nameid-format: (so persistent or
	// transient), any other Format whole, and unspecified when there is
	// none.
	Subject, SubjectFormat, SubjectType string
	// NameQualifier is AWS's NameQualifier and saml:namequalifier:
	// Base64(SHA1(Issuer + account ID + "/" + provider name)).
	NameQualifier string
	// Recipient is the subject confirmation's Recipient, Keyward's SAML
	// endpoint: AssumeRoleWithSAML's Audience and saml:aud, which AWS
	// takes from the Recipient, not from the Audience.
	Recipient string
	// Audiences are the audience restrictions' audiences.
	Audiences []string
	// InResponseTo is the subject confirmation's InResponseTo, empty for
	// an IdP-initiated sign-in.
	InResponseTo string
	// SessionNotOnOrAfter is the earliest of the authentication
	// statements' SessionNotOnOrAfter (zero when none; Verify refuses
	// one that has passed): a role session must not outlast it.
	SessionNotOnOrAfter time.Time
	// AuthnInstant is the first authentication statement's AuthnInstant.
	AuthnInstant time.Time

	// Roles are the Role attribute's role and provider pairs, in order.
	Roles []RolePair
	// RoleSessionName is the RoleSessionName attribute, checked against
	// AWS's pattern.
	RoleSessionName string
	// SessionDuration is the SessionDuration attribute in seconds, 0
	// when absent.
	SessionDuration int
	// SourceIdentity is the SourceIdentity attribute, empty when absent.
	SourceIdentity string
	// PrincipalTags are the PrincipalTag:{key} attributes in order, and
	// TransitiveTagKeys the TransitiveTagKeys attribute's values. The
	// caller checks them as AssumeRole's session tags.
	PrincipalTags     []Tag
	TransitiveTagKeys []string
	// Attributes are all the attribute statements' attributes, in order.
	Attributes []Attribute

	// Encrypted tells that the assertion arrived encrypted.
	Encrypted bool
	// ProviderARN is the provider Verify checked against, and AccountID
	// and ProviderName the parts of it that saml:doc and NameQualifier
	// are made of.
	ProviderARN, AccountID, ProviderName string
}

// RolePair is a value of the Role attribute: a role the user may assume
// and the SAML provider that vouches for the user.
type RolePair struct {
	RoleARN, ProviderARN string
}

// Tag is a session tag from a PrincipalTag attribute.
type Tag struct {
	Key, Value string
}

// Attribute is an attribute as the assertion states it. Values are the
// text of its AttributeValues (a value that is a NameID, as in
// eduPersonTargetedID, gives the NameID's text; other structured values
// are left out).
type Attribute struct {
	Name, NameFormat, FriendlyName string
	Values                         []string
}

// HasRole reports whether the Role attribute lists the pair.
func (a *Assertion) HasRole(roleARN, providerARN string) bool {
	for _, r := range a.Roles {
		if r.RoleARN == roleARN && r.ProviderARN == providerARN {
			return true
		}
	}
	return false
}

// Patterns AWS holds RoleSessionName and SourceIdentity to.
var sessionNamePattern = regexp.MustCompile(`^[a-zA-Z_0-9+=,.@-]{2,64}$`)

// Session tags from PrincipalTag and TransitiveTagKeys attributes are held
// to what AssumeRole takes as parameters (the STS model's tagKeyType and
// tagValueType, and 50 of each at most): the session's aws:PrincipalTag
// keys are read by every policy of the session and by the services that
// ask Keyward's verifier, which may rely on AWS's shapes.
var (
	tagKeyPattern   = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$`)
	tagValuePattern = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$`)
)

// MaxSessionTags is the most session tags, and transitive tag keys, a
// session may have.
const MaxSessionTags = 50

// readAssertion reads the verified assertion a and checks what it says
// against the provider and the clock.
func (sp *ServiceProvider) readAssertion(a *etree.Element, entityID string, now time.Time, opts Options) (*Assertion, error) {
	malformed := func(detail string) (*Assertion, error) { return nil, refuse(ErrMalformed, detail) }
	out := &Assertion{}
	if v, _ := attr(a, "Version"); v != "2.0" {
		return malformed("Assertion Version is not 2.0")
	}
	// The ID is what the caller remembers to refuse a replay; an
	// assertion inside a signed response may lack one no more than a
	// signed assertion can.
	if out.ID, _ = attr(a, "ID"); out.ID == "" {
		return malformed("Assertion without ID")
	}
	ii, _ := attr(a, "IssueInstant")
	var err error
	if out.IssueInstant, err = parseTime(ii); err != nil {
		return malformed("IssueInstant is not a dateTime")
	}
	iss, err := child(a, nsAssertion, "Issuer")
	if err != nil || iss == nil {
		return malformed("not one Issuer")
	}
	if out.Issuer, err = text(iss); err != nil || out.Issuer != entityID {
		return nil, refuse(ErrIssuer, "assertion Issuer is not the entity ID")
	}

	// Subject: one NameID and one bearer confirmation for this endpoint.
	subject, err := child(a, nsAssertion, "Subject")
	if err != nil || subject == nil {
		return malformed("not one Subject")
	}
	nameID, err := child(subject, nsAssertion, "NameID")
	if err != nil || nameID == nil {
		return malformed("not one NameID")
	}
	if out.Subject, err = text(nameID); err != nil || out.Subject == "" {
		return malformed("NameID is not text")
	}
	out.SubjectFormat, _ = attr(nameID, "Format")
	out.SubjectType = subjectType(out.SubjectFormat)
	confs := children(subject, nsAssertion, "SubjectConfirmation")
	if len(confs) != 1 {
		return malformed("not one SubjectConfirmation")
	}
	if m, _ := attr(confs[0], "Method"); m != methodBearer {
		return malformed("SubjectConfirmation is not bearer")
	}
	scd, err := child(confs[0], nsAssertion, "SubjectConfirmationData")
	if err != nil || scd == nil {
		return malformed("not one SubjectConfirmationData")
	}
	if out.Recipient, _ = attr(scd, "Recipient"); out.Recipient != sp.Endpoint() {
		return nil, refuse(ErrRecipient, "Recipient is not this endpoint")
	}
	out.InResponseTo, _ = attr(scd, "InResponseTo")
	if opts.InResponseTo != "" && out.InResponseTo != opts.InResponseTo {
		return nil, refuse(ErrInResponseTo, "InResponseTo is not the request's ID")
	}
	scdNotBefore, scdNotOnOrAfter, err := window(scd)
	if err != nil {
		return malformed("SubjectConfirmationData " + err.Error())
	}
	if scdNotOnOrAfter.IsZero() {
		return malformed("SubjectConfirmationData without NotOnOrAfter")
	}

	// Conditions: the window and the audience.
	conds, err := child(a, nsAssertion, "Conditions")
	if err != nil || conds == nil {
		return malformed("not one Conditions")
	}
	notBefore, notOnOrAfter, err := window(conds)
	if err != nil {
		return malformed("Conditions " + err.Error())
	}
	restrictions := 0
	for _, c := range conds.ChildElements() {
		switch {
		case is(c, nsAssertion, "AudienceRestriction"):
			restrictions++
			found := false
			for _, aud := range children(c, nsAssertion, "Audience") {
				s, err := text(aud)
				if err != nil {
					return malformed("Audience is not text")
				}
				out.Audiences = append(out.Audiences, s)
				found = found || s == sp.Endpoint()
			}
			// Each restriction must be met: one naming only AWS is not.
			if !found {
				return nil, refuse(ErrAudience, "an AudienceRestriction without this endpoint")
			}
		case is(c, nsAssertion, "OneTimeUse"), is(c, nsAssertion, "ProxyRestriction"):
			// One use is what the caller enforces for every assertion;
			// Keyward passes assertions to nobody.
		default:
			// A condition Keyward does not understand makes the assertion
			// indeterminate, which SAML says is not valid.
			return malformed("unknown condition")
		}
	}
	if restrictions == 0 {
		return nil, refuse(ErrAudience, "no AudienceRestriction")
	}

	// Time, with leeway only for a clock that runs ahead.
	late := now.Add(ClockSkew)
	for _, t := range []time.Time{out.IssueInstant, notBefore, scdNotBefore} {
		if !t.IsZero() && t.After(late) {
			return nil, refuse(ErrNotYetValid, "NotBefore or IssueInstant in the future")
		}
	}
	for _, t := range []time.Time{notOnOrAfter, scdNotOnOrAfter} {
		if !t.IsZero() && !now.Before(t) {
			return nil, refuse(ErrExpired, "NotOnOrAfter has passed")
		}
	}
	expiry := out.IssueInstant.Add(MaxAge)
	if !now.Before(expiry) {
		return nil, tooOld()
	}
	out.NotOnOrAfter = expiry
	for _, t := range []time.Time{notOnOrAfter, scdNotOnOrAfter} {
		if !t.IsZero() && t.Before(out.NotOnOrAfter) {
			out.NotOnOrAfter = t
		}
	}

	for i, st := range children(a, nsAssertion, "AuthnStatement") {
		if s, ok := attr(st, "SessionNotOnOrAfter"); ok {
			t, err := parseTime(s)
			if err != nil {
				return malformed("SessionNotOnOrAfter is not a dateTime")
			}
			if out.SessionNotOnOrAfter.IsZero() || t.Before(out.SessionNotOnOrAfter) {
				out.SessionNotOnOrAfter = t
			}
		}
		if s, ok := attr(st, "AuthnInstant"); ok && i == 0 {
			if out.AuthnInstant, err = parseTime(s); err != nil {
				return malformed("AuthnInstant is not a dateTime")
			}
		}
	}
	// A session the identity provider has already ended cannot be
	// continued as a role session.
	if !out.SessionNotOnOrAfter.IsZero() && !now.Before(out.SessionNotOnOrAfter) {
		return nil, refuse(ErrExpired, "SessionNotOnOrAfter has passed")
	}
	for _, st := range children(a, nsAssertion, "AttributeStatement") {
		for _, at := range children(st, nsAssertion, "Attribute") {
			out.Attributes = append(out.Attributes, readAttribute(at))
		}
	}
	if err := out.readAWSAttributes(); err != nil {
		return nil, err
	}
	return out, nil
}

// window returns the NotBefore and NotOnOrAfter attributes of el, zero when
// absent.
func window(el *etree.Element) (notBefore, notOnOrAfter time.Time, err error) {
	for _, x := range []struct {
		name string
		t    *time.Time
	}{{"NotBefore", &notBefore}, {"NotOnOrAfter", &notOnOrAfter}} {
		if s, ok := attr(el, x.name); ok {
			if *x.t, err = parseTime(s); err != nil {
				return time.Time{}, time.Time{}, err
			}
		}
	}
	return notBefore, notOnOrAfter, nil
}

// readAttribute reads an Attribute element.
func readAttribute(el *etree.Element) Attribute {
	var at Attribute
	at.Name, _ = attr(el, "Name")
	at.NameFormat, _ = attr(el, "NameFormat")
	at.FriendlyName, _ = attr(el, "FriendlyName")
	for _, v := range children(el, nsAssertion, "AttributeValue") {
		if s, err := text(v); err == nil {
			at.Values = append(at.Values, s)
			continue
		}
		// A value that is a NameID (eduPersonTargetedID) gives its text.
		if cs := v.ChildElements(); len(cs) == 1 && is(cs[0], nsAssertion, "NameID") {
			if s, err := text(cs[0]); err == nil {
				at.Values = append(at.Values, s)
			}
		}
	}
	return at
}

// readAWSAttributes reads the attributes AWS gives meaning to. Where an
// attribute that takes one value is stated twice, the first statement is
// the one read; the multi-valued Role and TransitiveTagKeys gather all.
func (a *Assertion) readAWSAttributes() error {
	seen := map[string]bool{}
	first := func(name string) bool {
		if seen[name] {
			return false
		}
		seen[name] = true
		return true
	}
	for _, at := range a.Attributes {
		switch {
		case at.Name == AttributeRole:
			for _, v := range at.Values {
				if p, ok := parseRolePair(v); ok {
					a.Roles = append(a.Roles, p)
				}
			}
		case at.Name == AttributeTransitive:
			a.TransitiveTagKeys = append(a.TransitiveTagKeys, at.Values...)
		case at.Name == AttributeSessionName && first(at.Name):
			if len(at.Values) == 1 {
				a.RoleSessionName = at.Values[0]
			}
		case at.Name == AttributeDuration && first(at.Name):
			n, err := strconv.Atoi(single(at.Values))
			if err != nil || n < MinSessionDuration || n > MaxSessionDuration {
				return badAttribute(msgDuration, "SessionDuration out of range")
			}
			a.SessionDuration = n
		case at.Name == AttributeSourceID && first(at.Name):
			a.SourceIdentity = single(at.Values)
			if !sessionNamePattern.MatchString(a.SourceIdentity) {
				return badAttribute(msgSourceID, "SourceIdentity does not match the pattern")
			}
		case strings.HasPrefix(at.Name, AttributePrincipalTag) && first(at.Name):
			if len(at.Values) != 1 {
				return badAttribute(msgTag, "PrincipalTag without one value")
			}
			a.PrincipalTags = append(a.PrincipalTags, Tag{Key: strings.TrimPrefix(at.Name, AttributePrincipalTag), Value: at.Values[0]})
		}
	}
	if !sessionNamePattern.MatchString(a.RoleSessionName) {
		return badAttribute(msgSessionName, "RoleSessionName missing or does not match the pattern")
	}
	if len(a.PrincipalTags) > MaxSessionTags || len(a.TransitiveTagKeys) > MaxSessionTags {
		return badAttribute(msgTagShape, "more than 50 session tags or transitive keys")
	}
	for _, t := range a.PrincipalTags {
		if !tagKeyPattern.MatchString(t.Key) || !tagValuePattern.MatchString(t.Value) {
			return badAttribute(msgTagShape, "PrincipalTag key or value outside the tag shapes")
		}
	}
	for _, k := range a.TransitiveTagKeys {
		if !tagKeyPattern.MatchString(k) {
			return badAttribute(msgTagShape, "TransitiveTagKeys value outside the tag key shape")
		}
	}
	return nil
}

// single returns the only value of vs, or "" when there is not one.
func single(vs []string) string {
	if len(vs) != 1 {
		return ""
	}
	return vs[0]
}

// parseRolePair reads "role ARN,provider ARN" in either order, as AWS
// does; a value that is not such a pair is no role.
func parseRolePair(v string) (RolePair, bool) {
	x, y, ok := strings.Cut(v, ",")
	if !ok {
		return RolePair{}, false
	}
	x, y = strings.TrimSpace(x), strings.TrimSpace(y)
	if isARNOf(y, "role/") && isARNOf(x, "saml-provider/") {
		x, y = y, x
	}
	if !isARNOf(x, "role/") || !isARNOf(y, "saml-provider/") {
		return RolePair{}, false
	}
	return RolePair{RoleARN: x, ProviderARN: y}, true
}

// isARNOf reports whether s is an IAM ARN whose resource starts with
// resource.
func isARNOf(s, resource string) bool {
	parts := strings.SplitN(s, ":", 6)
	return len(parts) == 6 && parts[0] == "arn" && parts[2] == "iam" && strings.HasPrefix(parts[5], resource) && len(parts[5]) > len(resource)
}

// subjectType returns the SubjectType AWS reports for a NameID Format.
func subjectType(format string) string {
	if format == "" {
		return "unspecified"
	}
	if t, ok := strings.CutPrefix(format, nameIDFormatPrefix); ok {
		return t
	}
	return format
}

// nameQualifier is AWS's NameQualifier: the hash of the issuer, the
// account and the provider's name, so that with the Subject it names one
// federated user.
func nameQualifier(issuer, account, name string) string {
	sum := sha1.Sum([]byte(issuer + account + "/" + name))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// contextKeyOf maps the names of the attributes AWS documents (IAM User
// Guide, "Mapping SAML attributes to AWS trust policy context keys") to the
// saml: condition keys they set, lower-cased as the policy engine keys
// them. The guide's X.500 table spells three OIDs wrongly (2.4.5.42,
// 0.9.2342.19200300100.1.1 and .3); both spellings are mapped. As the
// table says, the Active Directory primarygroupsid claim sets saml:uid;
// no attribute sets saml:primaryGroupSID.
var contextKeyOf = map[string]string{
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.1":  "saml:edupersonaffiliation",
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.2":  "saml:edupersonnickname",
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.3":  "saml:edupersonorgdn",
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.4":  "saml:edupersonorgunitdn",
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.5":  "saml:edupersonprimaryaffiliation",
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.6":  "saml:edupersonprincipalname",
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.7":  "saml:edupersonentitlement",
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.8":  "saml:edupersonprimaryorgunitdn",
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.9":  "saml:edupersonscopedaffiliation",
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.10": "saml:edupersontargetedid",
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.11": "saml:edupersonassurance",
	"urn:oid:1.3.6.1.4.1.5923.1.2.1.2":  "saml:eduorghomepageuri",
	"urn:oid:1.3.6.1.4.1.5923.1.2.1.3":  "saml:eduorgidentityauthnpolicyuri",
	"urn:oid:1.3.6.1.4.1.5923.1.2.1.4":  "saml:eduorglegalname",
	"urn:oid:1.3.6.1.4.1.5923.1.2.1.5":  "saml:eduorgsuperioruri",
	"urn:oid:1.3.6.1.4.1.5923.1.2.1.6":  "saml:eduorgwhitepagesuri",
	"urn:oid:2.5.4.3":                   "saml:cn",

	"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name":              "saml:name",
	"http://schemas.xmlsoap.org/claims/CommonName":                            "saml:commonname",
	"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname":         "saml:givenname",
	"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname":           "saml:surname",
	"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress":      "saml:mail",
	"http://schemas.microsoft.com/ws/2008/06/identity/claims/primarygroupsid": "saml:uid",

	"2.5.4.3":                    "saml:commonname",
	"2.5.4.4":                    "saml:surname",
	"2.4.5.42":                   "saml:givenname",
	"2.5.4.42":                   "saml:givenname",
	"2.5.4.45":                   "saml:x500uniqueidentifier",
	"0.9.2342.19200300100.1.1":   "saml:uid",
	"0.9.2342.19200300.100.1.1":  "saml:uid",
	"0.9.2342.19200300100.1.3":   "saml:mail",
	"0.9.2342.19200300.100.1.3":  "saml:mail",
	"0.9.2342.19200300.100.1.45": "saml:organizationstatus",
}

// ContextKeys returns the saml: condition keys of the assertion, keyed in
// lower case as the policy engine keys them: saml:aud (the Recipient),
// saml:iss, saml:sub, saml:sub_type, saml:namequalifier, saml:doc
// (account/provider name) and the keys AWS maps from attributes. Where
// several attributes map to one key, the first sets it, as AWS maps only
// one claim per key. Every value is a list; the keys AWS documents as
// single-valued have one.
func (a *Assertion) ContextKeys() map[string][]string {
	keys := map[string][]string{
		"saml:aud":           {a.Recipient},
		"saml:iss":           {a.Issuer},
		"saml:sub":           {a.Subject},
		"saml:sub_type":      {a.SubjectType},
		"saml:namequalifier": {a.NameQualifier},
		"saml:doc":           {a.AccountID + "/" + a.ProviderName},
	}
	for _, at := range a.Attributes {
		k, ok := contextKeyOf[at.Name]
		if !ok || len(at.Values) == 0 {
			continue
		}
		if _, set := keys[k]; !set {
			keys[k] = append([]string(nil), at.Values...)
		}
	}
	return keys
}
