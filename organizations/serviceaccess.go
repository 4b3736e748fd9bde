package organizations

import (
	"context"
	"regexp"

	"github.com/keyward/keyward/authz"
)

// EnabledServicePrincipal is the model's EnabledServicePrincipal.
type EnabledServicePrincipal struct {
	ServicePrincipal string    `json:"ServicePrincipal"`
	DateEnabled      Timestamp `json:"DateEnabled"`
}

// servicePrincipal is the form of an AWS service's principal. AWS accepts
// only the services it lists as integrating with Organizations; Keyward,
// which runs none of them, accepts any name of that form, so that a
// configuration written for AWS applies unchanged.
var servicePrincipal = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*\.amazonaws\.com$`)

// EnableAWSServiceAccess trusts an AWS service with the organization.
func (s *Service) EnableAWSServiceAccess(ctx context.Context, principal string) error {
	return s.setServiceAccess(ctx, "organizations:EnableAWSServiceAccess", principal, true)
}

// DisableAWSServiceAccess no longer trusts it.
func (s *Service) DisableAWSServiceAccess(ctx context.Context, principal string) error {
	return s.setServiceAccess(ctx, "organizations:DisableAWSServiceAccess", principal, false)
}

func (s *Service) setServiceAccess(ctx context.Context, action, principal string, enabled bool) error {
	o, err := s.organizationWith(ctx, action, anyResource, authz.Keys{"organizations:serviceprincipal": {principal}})
	if err != nil {
		return err
	}
	if !servicePrincipal.MatchString(principal) {
		return invalidInput("UNRECOGNIZED_SERVICE_PRINCIPAL", "You specified an unrecognized service principal.")
	}
	return s.changing(ctx).SetOrgServiceAccess(ctx, o.ID, principal, enabled, s.now())
}

// ListAWSServiceAccessForOrganization lists the services the organization
// trusts, by name.
func (s *Service) ListAWSServiceAccessForOrganization(ctx context.Context, page Page) ([]EnabledServicePrincipal, string, error) {
	o, err := s.organization(ctx, "organizations:ListAWSServiceAccessForOrganization", anyResource)
	if err != nil {
		return nil, "", err
	}
	after, err := page.after()
	if err != nil {
		return nil, "", err
	}
	as, more, err := s.Store.OrgServiceAccess(ctx, o.ID, after, page.max())
	if err != nil {
		return nil, "", err
	}
	out := make([]EnabledServicePrincipal, len(as))
	for i, a := range as {
		out[i] = EnabledServicePrincipal{ServicePrincipal: a.ServicePrincipal, DateEnabled: Timestamp(a.EnabledAt)}
	}
	last := ""
	if len(as) > 0 {
		last = as[len(as)-1].ServicePrincipal
	}
	return out, nextToken(more, last), nil
}
