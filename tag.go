package keyward

import "context"

// TagKind is a kind of entity that takes tags. Its value is the name AWS
// gives the kind in its tagging operations: Tag<kind>, Untag<kind> and
// List<kind>Tags, and the IAM actions of the same names.
type TagKind string

// The taggable kinds. An entity of each is named by its name, but for a
// managed policy, an OIDC provider and a SAML provider (their ARN) and a virtual MFA device
// (its serial number).
const (
	TaggedUser              TagKind = "User"
	TaggedRole              TagKind = "Role"
	TaggedPolicy            TagKind = "Policy"
	TaggedMFADevice         TagKind = "MFADevice"
	TaggedOIDCProvider      TagKind = "OpenIDConnectProvider"
	TaggedServerCertificate TagKind = "ServerCertificate"
	TaggedInstanceProfile   TagKind = "InstanceProfile"
	TaggedSAMLProvider      TagKind = "SAMLProvider"
)

// TagKinds are the taggable kinds, in the order AWS's reference lists
// their operations.
var TagKinds = []TagKind{TaggedInstanceProfile, TaggedMFADevice, TaggedOIDCProvider, TaggedPolicy, TaggedRole,
	TaggedSAMLProvider, TaggedServerCertificate, TaggedUser}

// TagStore keeps the tags of every taggable kind.
type TagStore interface {
	// UpdateTags replaces the tags of the entity of kind named id with
	// what fn makes of them, atomically, keeping their order; the kind's
	// not-found error (ErrNoSuchUser, ErrNoSuchRole, ErrNoSuchPolicy,
	// ErrNoSuchMFADevice, ErrNoSuchOIDCProvider,
	// ErrNoSuchServerCertificate, ErrNoSuchInstanceProfile,
	// ErrNoSuchSAMLProvider), or fn's.
	UpdateTags(ctx context.Context, kind TagKind, id string, fn func([]Tag) ([]Tag, error)) error
}
