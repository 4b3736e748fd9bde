package keyward

import (
	"strings"
)

// Service-linked roles (API only): roles an AWS service owns, under the
// path /aws-service-role/<service>/, trusted by that service alone and
// changed only through these operations.

const ServiceRolePath = "/aws-service-role/"

// IsServiceLinked reports whether a role is a service-linked role.
func (r Role) IsServiceLinked() bool { return strings.HasPrefix(r.Path, ServiceRolePath) }
