package keyward

import "slices"

// The SigV4 signing names of the services Keyward answers itself. A key
// scoped to one of them signs Keyward's own API, so nothing that stands
// for another service may ever hold one: the verifier protocol never
// derives a signing key for them, and Keyward's own endpoints accept no
// other scope (a key derived for a guarded service, s3 or execute-api,
// cannot sign Keyward's API).
const (
	ServiceIAM        = "iam"
	ServiceSTS        = "sts"
	ServiceCloudTrail = "cloudtrail"
	// ServiceKeyward is the namespace of Keyward's own actions
	// (keyward:Verify); it is reserved for Keyward's own endpoints too.
	ServiceKeyward = "keyward"
)

// ownServices is the one list of them: an endpoint that serves a new
// service authenticates through OwnService (query.Server and the verifier
// protocol refuse any other scope), so a service missing here is refused
// by Keyward itself before it can be handed out by the verifier.
var ownServices = [...]string{ServiceIAM, ServiceSTS, ServiceCloudTrail, ServiceOrganizations, ServiceKeyward}

// OwnService reports whether a credential scope's service is one Keyward
// answers itself.
func OwnService(name string) bool { return slices.Contains(ownServices[:], name) }

// OwnServices returns the signing names of the services Keyward answers
// itself.
func OwnServices() []string { return append([]string(nil), ownServices[:]...) }
