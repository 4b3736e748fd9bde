package query

import (
	"context"
	"strconv"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/report"
)

func init() { serveIAM(accessActions) }

// Service last accessed reports and the STS preference of the account.
var accessActions = map[string]action{
	"GenerateServiceLastAccessedDetails": row(func(ctx context.Context, s *Services, in *input) (string, error) {
		return s.Reports.GenerateServiceLastAccessedDetails(ctx, in.str("Arn"), in.strOr("Granularity", "SERVICE_LEVEL"))
	},
		func(w *xmlWriter, _ keyward.Account, id string) { w.elem("JobId", id) }),
	"GetServiceLastAccessedDetails": row(func(ctx context.Context, s *Services, in *input) (jobPage, error) {
		job, err := s.Reports.ServiceLastAccessedDetails(ctx, in.str("JobId"))
		if err != nil {
			return jobPage{}, err
		}
		services, next, err := pageOf(job.Services, in)
		return jobPage{job: job, services: services, next: next}, err
	},
		func(w *xmlWriter, _ keyward.Account, p jobPage) {
			w.jobHeader(p.job, true)
			members(w, "ServicesLastAccessed", p.services, func(sla keyward.ServiceLastAccessed) {
				w.elem("ServiceName", sla.Name)
				if !sla.LastAuthenticated.IsZero() {
					w.time("LastAuthenticated", sla.LastAuthenticated)
				}
				w.elem("ServiceNamespace", sla.Namespace)
				if sla.LastEntity != "" {
					w.elem("LastAuthenticatedEntity", sla.LastEntity)
					w.elem("LastAuthenticatedRegion", sla.LastRegion)
				}
				w.elem("TotalAuthenticatedEntities", strconv.Itoa(sla.TotalEntities))
			})
			w.time("JobCompletionDate", p.job.CompletedAt)
			w.marker(p.next)
		}),
	"GetServiceLastAccessedDetailsWithEntities": row(func(ctx context.Context, s *Services, in *input) (jobPage, error) {
		job, entities, err := s.Reports.ServiceLastAccessedDetailsWithEntities(ctx, in.str("JobId"), in.str("ServiceNamespace"))
		if err != nil {
			return jobPage{}, err
		}
		page, next, err := pageOf(entities, in)
		return jobPage{job: job, entities: page, next: next}, err
	},
		func(w *xmlWriter, a keyward.Account, p jobPage) {
			w.jobHeader(p.job, false)
			w.time("JobCompletionDate", p.job.CompletedAt)
			members(w, "EntityDetailsList", p.entities, func(e keyward.EntityAccess) {
				w.open("EntityInfo")
				w.elem("Arn", a.UserARN(e.User.Path, e.User.Name))
				w.elem("Name", e.User.Name)
				w.elem("Type", "USER")
				w.elem("Id", e.User.ID)
				w.elem("Path", e.User.Path)
				w.close("EntityInfo")
				if !e.LastAuthenticated.IsZero() {
					w.time("LastAuthenticated", e.LastAuthenticated)
				}
			})
			w.marker(p.next)
		}),
	"GenerateOrganizationsAccessReport": row(func(ctx context.Context, s *Services, in *input) (string, error) {
		return s.Reports.GenerateOrganizationsAccessReport(ctx, in.str("EntityPath"), in.str("OrganizationsPolicyId"))
	},
		func(w *xmlWriter, _ keyward.Account, id string) { w.elem("JobId", id) }),
	"GetOrganizationsAccessReport": row(func(ctx context.Context, s *Services, in *input) (jobPage, error) {
		job, err := s.Reports.OrganizationsAccessReport(ctx, in.str("JobId"), in.str("SortKey"))
		if err != nil {
			return jobPage{}, err
		}
		services, next, err := pageOf(job.Services, in)
		return jobPage{job: job, services: services, next: next}, err
	},
		func(w *xmlWriter, _ keyward.Account, p jobPage) {
			w.jobHeader(p.job, false)
			w.time("JobCompletionDate", p.job.CompletedAt)
			accessed := 0
			for _, sla := range p.job.Services {
				if !sla.LastAuthenticated.IsZero() {
					accessed++
				}
			}
			w.elem("NumberOfServicesAccessible", strconv.Itoa(len(p.job.Services)))
			w.elem("NumberOfServicesNotAccessed", strconv.Itoa(len(p.job.Services)-accessed))
			members(w, "AccessDetails", p.services, func(sla keyward.ServiceLastAccessed) {
				w.elem("ServiceName", sla.Name)
				w.elem("ServiceNamespace", sla.Namespace)
				if sla.LastEntity != "" {
					w.elem("Region", sla.LastRegion)
					w.elem("EntityPath", sla.LastEntity)
					w.time("LastAuthenticatedTime", sla.LastAuthenticated)
				}
				w.elem("TotalAuthenticatedEntities", strconv.Itoa(sla.TotalEntities))
			})
			w.marker(p.next)
		}),
	"ListPoliciesGrantingServiceAccess": row(func(ctx context.Context, s *Services, in *input) (granting, error) {
		if n := len(in.list("ServiceNamespaces")); n > 200 {
			return granting{}, keyward.Errorf(keyward.EValidationError, "1 validation error detected: Value at 'serviceNamespaces' failed to satisfy constraint: Member must have length less than or equal to 200")
		}
		byNS, err := s.Reports.PoliciesGrantingServiceAccess(ctx, in.str("Arn"), in.list("ServiceNamespaces"))
		return granting{in.list("ServiceNamespaces"), byNS}, err
	},
		func(w *xmlWriter, _ keyward.Account, g granting) {
			members(w, "PoliciesGrantingServiceAccess", g.namespaces, func(ns string) {
				w.elem("ServiceNamespace", ns)
				members(w, "Policies", g.byNS[ns], func(p report.GrantingPolicy) {
					w.elem("PolicyName", p.Name)
					w.elem("PolicyType", p.Type)
					if p.ARN != "" {
						w.elem("PolicyArn", p.ARN)
					}
					if p.EntityType != "" {
						w.elem("EntityType", p.EntityType)
						w.elem("EntityName", p.EntityName)
					}
				})
			})
			w.marker("")
		}),
	"SetSecurityTokenServicePreferences": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.SetSecurityTokenServicePreferences(ctx, in.str("GlobalEndpointTokenVersion"))
	}),
}

type jobPage struct {
	job      keyward.AccessJob
	services []keyward.ServiceLastAccessed
	entities []keyward.EntityAccess
	next     string
}

type granting struct {
	namespaces []string
	byNS       map[string][]report.GrantingPolicy
}

// pageOf cuts a page of a report's items after the marker, a position.
func pageOf[T any](items []T, in *input) ([]T, string, error) {
	start := 0
	if m := in.str("Marker"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 0 || n > len(items) {
			return nil, "", keyward.Errorf(keyward.EValidationError, "Invalid Marker.")
		}
		start = n
	}
	items = items[start:]
	if len(items) > in.maxItems() {
		return items[:in.maxItems()], strconv.Itoa(start + in.maxItems()), nil
	}
	return items, "", nil
}

func (w *xmlWriter) jobHeader(job keyward.AccessJob, withType bool) {
	w.elem("JobStatus", "COMPLETED")
	if withType {
		w.elem("JobType", job.Granularity)
	}
	w.time("JobCreationDate", job.CreatedAt)
}
