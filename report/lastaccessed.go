package report

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/keyward/keyward"
)

// serviceNames are the names AWS gives the services Keyward serves or
// guards.
var serviceNames = map[string]string{
	"iam": "AWS Identity and Access Management", "sts": "AWS Security Token Service",
	"s3": "Amazon S3", "execute-api": "Amazon API Gateway", "keyward": "Keyward",
}

// knownServices are the namespaces a wildcard action reaches in a report.
var knownServices = []string{"execute-api", "iam", "keyward", "s3", "sts"}

// GenerateServiceLastAccessedDetails makes the report of the services a
// user, a group (its members) or a managed policy (the users it reaches)
// may use, and when each was last used. The report is complete at once;
// it returns its job ID.
func (s *Service) GenerateServiceLastAccessedDetails(ctx context.Context, arn, granularity string) (string, error) {
	if err := s.Authz.AuthorizeARN(ctx, "iam:GenerateServiceLastAccessedDetails", arn); err != nil {
		return "", err
	}
	users, docs, err := s.reportSubject(ctx, arn)
	if err != nil {
		return "", err
	}
	namespaces := map[string]bool{}
	for _, doc := range docs {
		ns, err := s.Policies.Services(doc)
		if err != nil {
			return "", err
		}
		for _, n := range ns {
			if n == "*" {
				for _, k := range knownServices {
					namespaces[k] = true
				}
				continue
			}
			namespaces[n] = true
		}
	}
	ids := make([]string, len(users))
	byID := map[string]keyward.User{}
	for i, u := range users {
		ids[i], byID[u.ID] = u.ID, u
	}
	accesses, err := s.store(ctx).ServiceAccesses(ctx, ids)
	if err != nil {
		return "", err
	}
	last := map[string]map[string]keyward.ServiceAccess{} // service → user ID → use
	for _, a := range accesses {
		if last[a.Service] == nil {
			last[a.Service] = map[string]keyward.ServiceAccess{}
		}
		last[a.Service][a.UserID] = a
	}
	now := s.now()
	job := keyward.AccessJob{ARN: arn, Granularity: granularity, CreatedAt: now, CompletedAt: now}
	if job.ID, err = newJobID(s.Rand); err != nil {
		return "", err
	}
	for ns := range namespaces {
		sla := keyward.ServiceLastAccessed{Namespace: ns, Name: serviceNames[ns]}
		if sla.Name == "" {
			sla.Name = ns
		}
		for _, u := range users {
			a, ok := last[ns][u.ID]
			sla.Entities = append(sla.Entities, keyward.EntityAccess{User: u, LastAuthenticated: a.Time})
			if !ok {
				continue
			}
			sla.TotalEntities++
			if a.Time.After(sla.LastAuthenticated) {
				sla.LastAuthenticated, sla.LastRegion, sla.LastEntity = a.Time, a.Region, s.Account(ctx).UserARN(u.Path, u.Name)
			}
		}
		job.Services = append(job.Services, sla)
	}
	sort.Slice(job.Services, func(i, j int) bool { return job.Services[i].Namespace < job.Services[j].Namespace })
	return job.ID, s.changing(ctx).PutAccessJob(ctx, job, cmp.Or(s.AccessJobsKept, MaxAccessJobs))
}

// reportSubject resolves a report's ARN to the users it covers and the
// policy documents that say which services they may use.
func (s *Service) reportSubject(ctx context.Context, arn string) ([]keyward.User, []string, error) {
	prefix := "arn:aws:iam::" + s.Account(ctx).ID + ":"
	rest, ok := strings.CutPrefix(arn, prefix)
	switch {
	case ok && strings.HasPrefix(rest, "user/"):
		p, err := s.Authz.UserByARN(ctx, arn)
		if err != nil {
			return nil, nil, err
		}
		sources, err := s.Authz.PrincipalPolicies(ctx, p)
		if err != nil {
			return nil, nil, err
		}
		u := keyward.User{ID: p.UserID, Name: p.UserName, Path: p.UserPath}
		return []keyward.User{u}, identityDocuments(sources), nil
	case ok && strings.HasPrefix(rest, "group/"):
		name := rest[strings.LastIndexByte(rest, '/')+1:]
		g, err := s.store(ctx).Group(ctx, name)
		if err != nil || s.Account(ctx).GroupARN(g.Path, g.Name) != arn {
			return nil, nil, keyward.Errorf(keyward.ENoSuchEntity, "The group with name %s cannot be found.", keyward.Clip(name))
		}
		var users []keyward.User
		for after := ""; ; {
			page, more, err := s.store(ctx).GroupMembers(ctx, name, after, 1000)
			if err != nil {
				return nil, nil, err
			}
			users = append(users, page...)
			if !more || len(page) == 0 {
				break
			}
			after = page[len(page)-1].Name
		}
		docs, err := s.entityDocuments(ctx, keyward.Entity{Kind: keyward.EntityGroup, Name: name})
		return users, docs, err
	case ok && strings.HasPrefix(rest, "policy/"), strings.HasPrefix(arn, keyward.AWSManagedPolicyARNPrefix+"/"):
		p, err := s.store(ctx).Policy(ctx, arn)
		if errors.Is(err, keyward.ErrNoSuchPolicy) {
			return nil, nil, keyward.PolicyNotFound(arn)
		} else if err != nil {
			return nil, nil, err
		}
		v, err := s.store(ctx).PolicyVersion(ctx, arn, p.DefaultVersion)
		if err != nil {
			return nil, nil, err
		}
		entities, _, err := s.store(ctx).PolicyEntities(ctx, arn, "", "/", "PermissionsPolicy", "", 10000)
		if err != nil {
			return nil, nil, err
		}
		var users []keyward.User
		seen := map[string]bool{}
		for _, e := range entities {
			var members []keyward.User
			if e.Kind == keyward.EntityGroup {
				members, _, err = s.store(ctx).GroupMembers(ctx, e.Name, "", 10000)
			} else {
				var u keyward.User
				u, err = s.store(ctx).User(ctx, e.Name)
				members = []keyward.User{u}
			}
			if err != nil {
				return nil, nil, err
			}
			for _, u := range members {
				if !seen[u.ID] {
					seen[u.ID] = true
					users = append(users, u)
				}
			}
		}
		sort.Slice(users, func(i, j int) bool { return users[i].Name < users[j].Name })
		return users, []string{v.Document}, nil
	}
	return nil, nil, keyward.Errorf(keyward.EInvalidInput, "ARN %s is not valid: name a user, a group or a managed policy of this account.", keyward.Clip(arn))
}

// identityDocuments are the documents of sources but a permissions
// boundary, which grants nothing.
func identityDocuments(sources []keyward.PolicySource) []string {
	var docs []string
	for _, src := range sources {
		if src.Type != keyward.PolicySourceBoundary {
			docs = append(docs, src.Document)
		}
	}
	return docs
}

// entityDocuments returns the inline and attached policies of an entity.
func (s *Service) entityDocuments(ctx context.Context, e keyward.Entity) ([]string, error) {
	var docs []string
	names, _, err := s.store(ctx).ListInlinePolicies(ctx, e, "", 1000)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		doc, err := s.store(ctx).InlinePolicy(ctx, e, n)
		if err != nil {
			return nil, err
		}
		docs = append(docs, doc)
	}
	attached, _, err := s.store(ctx).ListAttachedPolicies(ctx, e, "/", "", 1000)
	if err != nil {
		return nil, err
	}
	for _, p := range attached {
		v, err := s.store(ctx).PolicyVersion(ctx, p.ARN, p.DefaultVersion)
		if err != nil {
			return nil, err
		}
		docs = append(docs, v.Document)
	}
	return docs, nil
}

// ServiceLastAccessedDetails returns a report made by
// GenerateServiceLastAccessedDetails.
func (s *Service) ServiceLastAccessedDetails(ctx context.Context, jobID string) (keyward.AccessJob, error) {
	if err := s.Authz.Authorize(ctx, "iam:GetServiceLastAccessedDetails", "*"); err != nil {
		return keyward.AccessJob{}, err
	}
	return s.serviceJob(ctx, jobID)
}

// ServiceLastAccessedDetailsWithEntities returns a report's entities for
// one service.
func (s *Service) ServiceLastAccessedDetailsWithEntities(ctx context.Context, jobID, namespace string) (keyward.AccessJob, []keyward.EntityAccess, error) {
	if err := s.Authz.Authorize(ctx, "iam:GetServiceLastAccessedDetailsWithEntities", "*"); err != nil {
		return keyward.AccessJob{}, nil, err
	}
	job, err := s.serviceJob(ctx, jobID)
	if err != nil {
		return job, nil, err
	}
	for _, sla := range job.Services {
		if sla.Namespace == namespace {
			return job, sla.Entities, nil
		}
	}
	return job, nil, nil
}

func (s *Service) accessJob(ctx context.Context, id string) (keyward.AccessJob, error) {
	job, err := s.store(ctx).AccessJob(ctx, id)
	if errors.Is(err, keyward.ErrNoSuchJob) {
		return job, noSuchJob(id)
	}
	return job, err
}

// serviceJob is accessJob for the service last accessed operations, which
// do not serve an Organizations access report.
func (s *Service) serviceJob(ctx context.Context, id string) (keyward.AccessJob, error) {
	job, err := s.accessJob(ctx, id)
	if err == nil && job.Granularity == OrganizationsGranularity {
		return keyward.AccessJob{}, noSuchJob(id)
	}
	return job, err
}

// noSuchJob is AWS's error for a job ID it does not know.
func noSuchJob(id string) error {
	return keyward.Errorf(keyward.ENoSuchEntity, "No report with job ID %s exists.", keyward.Clip(id))
}

// PoliciesGrantingServiceAccess lists, for each namespace, the policies of
// a user (its own and its groups') or a group that allow some action of it.
func (s *Service) PoliciesGrantingServiceAccess(ctx context.Context, arn string, namespaces []string) (map[string][]GrantingPolicy, error) {
	if err := s.Authz.AuthorizeARN(ctx, "iam:ListPoliciesGrantingServiceAccess", arn); err != nil {
		return nil, err
	}
	type source struct {
		GrantingPolicy
		doc string
	}
	var sources []source
	add := func(e keyward.Entity, entityType string) error {
		names, _, err := s.store(ctx).ListInlinePolicies(ctx, e, "", 1000)
		if err != nil {
			return err
		}
		for _, n := range names {
			doc, err := s.store(ctx).InlinePolicy(ctx, e, n)
			if err != nil {
				return err
			}
			sources = append(sources, source{GrantingPolicy{Name: n, Type: "INLINE", EntityType: entityType, EntityName: e.Name}, doc})
		}
		attached, _, err := s.store(ctx).ListAttachedPolicies(ctx, e, "/", "", 1000)
		if err != nil {
			return err
		}
		for _, p := range attached {
			v, err := s.store(ctx).PolicyVersion(ctx, p.ARN, p.DefaultVersion)
			if err != nil {
				return err
			}
			sources = append(sources, source{GrantingPolicy{Name: p.Name, Type: "MANAGED", ARN: p.ARN}, v.Document})
		}
		return nil
	}
	rest, _ := strings.CutPrefix(arn, "arn:aws:iam::"+s.Account(ctx).ID+":")
	switch {
	case strings.HasPrefix(rest, "user/"):
		p, err := s.Authz.UserByARN(ctx, arn)
		if err != nil {
			return nil, err
		}
		if err := add(keyward.Entity{Kind: keyward.EntityUser, Name: p.UserName}, "USER"); err != nil {
			return nil, err
		}
		groups, _, err := s.store(ctx).ListGroupsForUser(ctx, p.UserName, "", 1000)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			if err := add(keyward.Entity{Kind: keyward.EntityGroup, Name: g.Name}, "GROUP"); err != nil {
				return nil, err
			}
		}
	case strings.HasPrefix(rest, "group/"):
		// The group stored under exactly this ARN, path included: the
		// caller was authorised on the ARN it sent, and a group of the same
		// name at another path is not what it may ask about.
		name := rest[strings.LastIndexByte(rest, '/')+1:]
		if g, err := s.store(ctx).Group(ctx, name); errors.Is(err, keyward.ErrNoSuchGroup) || (err == nil && s.Account(ctx).GroupARN(g.Path, g.Name) != arn) {
			return nil, keyward.GroupNotFound(name)
		} else if err != nil {
			return nil, err
		}
		if err := add(keyward.Entity{Kind: keyward.EntityGroup, Name: name}, "GROUP"); err != nil {
			if errors.Is(err, keyward.ErrNoSuchGroup) {
				return nil, keyward.GroupNotFound(name)
			}
			return nil, err
		}
	default:
		return nil, keyward.Errorf(keyward.EInvalidInput, "ARN %s is not valid: name a user or a group of this account.", keyward.Clip(arn))
	}
	out := map[string][]GrantingPolicy{}
	for _, src := range sources {
		services, err := s.Policies.Services(src.doc)
		if err != nil {
			return nil, err
		}
		for _, ns := range namespaces {
			for _, svc := range services {
				if svc == "*" || strings.EqualFold(svc, ns) {
					out[ns] = append(out[ns], src.GrantingPolicy)
					break
				}
			}
		}
	}
	return out, nil
}

// newJobID returns a job ID in AWS's form, a UUID.
func newJobID(r io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", err
	}
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]), nil
}

// MaxAccessJobs is how many service last accessed reports the store
// keeps, the most recent. A report holds a row for every user it covers
// and every service their policies name, and whoever may generate one (AWS's
// IAMReadOnlyAccess allows iam:Generate*) asks for as many as it likes:
// kept for ever, they would fill the disk.
const MaxAccessJobs = 1000

// GrantingPolicy is a policy that grants access to a service.
type GrantingPolicy struct {
	Name, Type, ARN string
	// EntityType and EntityName name the user or group an inline policy
	// belongs to.
	EntityType, EntityName string
}
