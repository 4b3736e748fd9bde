package report

import (
	"cmp"
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
)

// OrganizationsGranularity marks a stored report as an Organizations
// access report (GenerateOrganizationsAccessReport), which the service
// last accessed operations then do not serve, nor it theirs.
const OrganizationsGranularity = "ORGANIZATIONS"

// The sort orders of GetOrganizationsAccessReport's SortKey.
const (
	SortNamespaceAscending  = "SERVICE_NAMESPACE_ASCENDING"
	SortNamespaceDescending = "SERVICE_NAMESPACE_DESCENDING"
	SortTimeAscending       = "LAST_AUTHENTICATED_TIME_ASCENDING"
	SortTimeDescending      = "LAST_AUTHENTICATED_TIME_DESCENDING"
)

// entityPathPart is one element of an entity path after the root: an OU
// or, last, an account.
var entityPathPart = regexp.MustCompile(`^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|\d{12})$`)

// orgEntity is a resolved entity path: the organization, the OUs from the
// root down, and the account at its end if it names one.
type orgEntity struct {
	org     keyward.Organization
	path    string
	ous     []string
	account string
}

// GenerateOrganizationsAccessReport makes the report of the services the
// service control policies of an entity of the caller's organization (its
// root, an OU or an account) allow, or those one SCP allows when policyID
// is given, and when the principals of its accounts last used each. Only
// the management account's principals make one; the report is complete at
// once and its job ID returned.
func (s *Service) GenerateOrganizationsAccessReport(ctx context.Context, entityPath, policyID string) (string, error) {
	var keys authz.Keys
	if policyID != "" {
		keys = authz.Keys{"iam:organizationspolicyid": {policyID}}
	}
	// AWS's resource for the action: the account's access-report of the path.
	arn := "arn:aws:iam::" + s.Account(ctx).ID + ":access-report/" + entityPath
	if err := s.Authz.AuthorizeWith(ctx, "iam:GenerateOrganizationsAccessReport", arn, keys); err != nil {
		return "", err
	}
	e, err := s.orgEntity(ctx, entityPath)
	if err != nil {
		return "", err
	}
	allowed, err := s.allowedServices(ctx, e, policyID)
	if err != nil {
		return "", err
	}
	accounts, err := s.accountsUnder(ctx, e)
	if err != nil {
		return "", err
	}
	now := s.now()
	job := keyward.AccessJob{ARN: entityPath, Granularity: OrganizationsGranularity, CreatedAt: now, CompletedAt: now}
	if job.ID, err = newJobID(s.Rand); err != nil {
		return "", err
	}
	byService := map[string]*keyward.ServiceLastAccessed{}
	for _, ns := range allowed {
		name := cmp.Or(serviceNames[ns], ns)
		byService[ns] = &keyward.ServiceLastAccessed{Namespace: ns, Name: name}
	}
	for _, a := range accounts {
		uses, err := s.accountAccesses(ctx, a.id)
		if err != nil {
			return "", err
		}
		for ns, use := range uses {
			sla := byService[ns]
			if sla == nil {
				continue
			}
			sla.TotalEntities++
			if use.Time.After(sla.LastAuthenticated) {
				sla.LastAuthenticated, sla.LastRegion, sla.LastEntity = use.Time, use.Region, a.path
			}
		}
	}
	for _, ns := range allowed {
		job.Services = append(job.Services, *byService[ns])
	}
	return job.ID, s.changing(ctx).PutAccessJob(ctx, job, cmp.Or(s.AccessJobsKept, MaxAccessJobs))
}

// OrganizationsAccessReport returns a report GenerateOrganizationsAccessReport
// made, its services in the order sortKey names (by namespace, ascending,
// when it is "").
func (s *Service) OrganizationsAccessReport(ctx context.Context, jobID, sortKey string) (keyward.AccessJob, error) {
	if err := s.Authz.Authorize(ctx, "iam:GetOrganizationsAccessReport", "*"); err != nil {
		return keyward.AccessJob{}, err
	}
	job, err := s.accessJob(ctx, jobID)
	if err == nil && job.Granularity != OrganizationsGranularity {
		err = noSuchJob(jobID)
	}
	if err != nil {
		return job, err
	}
	slices.SortStableFunc(job.Services, func(a, b keyward.ServiceLastAccessed) int {
		switch sortKey {
		case SortNamespaceDescending:
			return strings.Compare(b.Namespace, a.Namespace)
		case SortTimeAscending:
			return cmp.Or(a.LastAuthenticated.Compare(b.LastAuthenticated), strings.Compare(a.Namespace, b.Namespace))
		case SortTimeDescending:
			return cmp.Or(b.LastAuthenticated.Compare(a.LastAuthenticated), strings.Compare(a.Namespace, b.Namespace))
		}
		return strings.Compare(a.Namespace, b.Namespace)
	})
	return job, nil
}

// orgEntity resolves an entity path of the caller's organization, which
// only its management account's principals may report on.
func (s *Service) orgEntity(ctx context.Context, path string) (orgEntity, error) {
	invalid := keyward.Errorf(keyward.EInvalidInput, "The entity path %s does not name a root, an organizational unit or an account of your organization.", keyward.Clip(path))
	self := s.Account(ctx).ID
	o, err := s.Store.OrganizationOf(ctx, self)
	if errors.Is(err, keyward.ErrNotInOrganization) {
		return orgEntity{}, keyward.Errorf(keyward.EInvalidInput, "Your account is not a member of an organization.")
	} else if err != nil {
		return orgEntity{}, err
	}
	if o.MasterAccountID != self {
		return orgEntity{}, keyward.Errorf(keyward.EAccessDenied, "Only the management account of the organization can generate an access report for it.")
	}
	parts := strings.Split(strings.TrimSuffix(path, "/"), "/")
	if len(parts) < 2 || parts[0] != o.ID || parts[1] != o.RootID {
		return orgEntity{}, invalid
	}
	e := orgEntity{org: o, path: strings.Join(parts, "/")}
	parent := o.RootID
	for i, p := range parts[2:] {
		if !entityPathPart.MatchString(p) {
			return orgEntity{}, invalid
		}
		if !strings.HasPrefix(p, "ou-") {
			a, err := s.Store.OrgAccount(ctx, o.ID, p)
			if err != nil || a.ParentID != parent || i != len(parts)-3 {
				return orgEntity{}, invalid
			}
			e.account = p
			break
		}
		ou, err := s.Store.OU(ctx, o.ID, p)
		if err != nil || ou.ParentID != parent {
			return orgEntity{}, invalid
		}
		e.ous = append(e.ous, p)
		parent = p
	}
	return e, nil
}

// allowedServices are the namespaces the SCPs of every level from the
// root to the entity allow (each level must allow a service, as in a
// decision), or those policyID's allows; every service Keyward knows
// while SCPs are not enabled.
func (s *Service) allowedServices(ctx context.Context, e orgEntity, policyID string) ([]string, error) {
	if policyID != "" {
		p, err := s.Store.OrgPolicy(ctx, e.org.ID, policyID)
		if errors.Is(err, keyward.ErrNoSuchOrgPolicy) {
			return nil, keyward.Errorf(keyward.EInvalidInput, "The policy %s is not a service control policy of your organization.", keyward.Clip(policyID))
		} else if err != nil {
			return nil, err
		}
		return s.namespaces([]string{p.Content})
	}
	if !slices.Contains(e.org.PolicyTypes, keyward.ServiceControlPolicyType) {
		return slices.Clone(knownServices), nil
	}
	levels := append([]string{e.org.RootID}, e.ous...)
	if e.account != "" {
		levels = append(levels, e.account)
	}
	allowed := slices.Clone(knownServices)
	for _, target := range levels {
		var docs []string
		for after := ""; ; {
			ps, more, err := s.Store.PoliciesForTarget(ctx, e.org.ID, target, keyward.ServiceControlPolicyType, after, 100)
			if err != nil {
				return nil, err
			}
			for _, p := range ps {
				docs = append(docs, p.Content)
			}
			if !more || len(ps) == 0 {
				break
			}
			after = ps[len(ps)-1].ID
		}
		level, err := s.namespaces(docs)
		if err != nil {
			return nil, err
		}
		allowed = slices.DeleteFunc(allowed, func(ns string) bool { return !slices.Contains(level, ns) })
	}
	return allowed, nil
}

// namespaces are the known services the documents allow some action of,
// in order.
func (s *Service) namespaces(docs []string) ([]string, error) {
	set := map[string]bool{}
	for _, doc := range docs {
		ns, err := s.Policies.Services(doc)
		if err != nil {
			return nil, err
		}
		for _, n := range ns {
			if n == "*" {
				for _, k := range knownServices {
					set[k] = true
				}
			}
			set[n] = true
		}
	}
	var out []string
	for _, k := range knownServices {
		if set[k] {
			out = append(out, k)
		}
	}
	return out, nil
}

// orgAccountPath is an account under a reported entity, with its entity
// path.
type orgAccountPath struct{ id, path string }

// accountsUnder lists the accounts at or under the entity, each with its
// entity path, walking the OUs below it.
func (s *Service) accountsUnder(ctx context.Context, e orgEntity) ([]orgAccountPath, error) {
	if e.account != "" {
		return []orgAccountPath{{e.account, e.path}}, nil
	}
	var out []orgAccountPath
	type node struct{ id, path string }
	queue := []node{{id: cmp.Or(lastOf(e.ous), e.org.RootID), path: e.path}}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for after := ""; ; {
			as, more, err := s.Store.OrgAccounts(ctx, e.org.ID, n.id, after, 100)
			if err != nil {
				return nil, err
			}
			for _, a := range as {
				out = append(out, orgAccountPath{a.ID, n.path + "/" + a.ID})
			}
			if !more || len(as) == 0 {
				break
			}
			after = as[len(as)-1].ID
		}
		for after := ""; ; {
			ous, more, err := s.Store.OUs(ctx, e.org.ID, n.id, after, 100)
			if err != nil {
				return nil, err
			}
			for _, ou := range ous {
				queue = append(queue, node{ou.ID, n.path + "/" + ou.ID})
			}
			if !more || len(ous) == 0 {
				break
			}
			after = ous[len(ous)-1].ID
		}
	}
	return out, nil
}

func lastOf(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[len(s)-1]
}

// accountAccesses returns, for each service, the latest use of it by a
// principal of the account (its root user and its users), read in that
// account's view of the store.
func (s *Service) accountAccesses(ctx context.Context, accountID string) (map[string]keyward.ServiceAccess, error) {
	out := map[string]keyward.ServiceAccess{}
	st := s.Store.InAccount(accountID)
	ids := []string{""}
	for after := ""; ; {
		users, more, err := st.ListUsers(ctx, "/", after, 1000)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			ids = append(ids, u.ID)
		}
		if !more || len(users) == 0 {
			break
		}
		after = users[len(users)-1].Name
	}
	accesses, err := st.ServiceAccesses(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, a := range accesses {
		if a.Time.After(out[a.Service].Time) {
			out[a.Service] = a
		}
	}
	return out, nil
}
