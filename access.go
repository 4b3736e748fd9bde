package keyward

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Service last accessed: when each user last used each service, built from
// what Keyward records of every authenticated request (and of every use of
// its keys by the services it guards), and AWS's reports over it
// (GenerateServiceLastAccessedDetails and the like), which tell an
// administrator which permissions go unused.

// ServiceUse is the latest use of one service with one access key.
type ServiceUse struct {
	AccessKeyID string
	LastUse
}

// ServiceAccess is a user's latest use of a service.
type ServiceAccess struct {
	UserID  string
	Service string
	Time    time.Time
	Region  string
}

// AccessJob is a service last accessed report, kept for every replica to
// serve.
type AccessJob struct {
	ID, ARN, Granularity   string
	CreatedAt, CompletedAt time.Time
	Services               []ServiceLastAccessed
}

// ServiceLastAccessed is one service of a report.
type ServiceLastAccessed struct {
	Name, Namespace string
	// LastAuthenticated and the others are zero when no entity used it.
	LastAuthenticated time.Time
	LastEntity        string
	LastRegion        string
	TotalEntities     int
	// Entities are the users the report covers, with their latest use of
	// the service (zero for none).
	Entities []EntityAccess
}

// EntityAccess is one user's latest use of one service.
type EntityAccess struct {
	User              User
	LastAuthenticated time.Time
}

// ErrNoSuchJob is the store's error for an unknown report.
var ErrNoSuchJob = errors.New("keyward: no such job")

// AccessStore keeps services' last uses and the reports over them.
type AccessStore interface {
	// RecordServiceUses merges a batch of uses into each key owner's latest
	// use of each service; uses of keys deleted meanwhile are ignored.
	RecordServiceUses(ctx context.Context, uses []ServiceUse) error
	// ServiceAccesses returns the recorded uses of the users with these IDs
	// ("" for the root user).
	ServiceAccesses(ctx context.Context, userIDs []string) ([]ServiceAccess, error)
	// PutAccessJob stores a report; AccessJob returns one, ErrNoSuchJob.
	PutAccessJob(ctx context.Context, job AccessJob) error
	AccessJob(ctx context.Context, id string) (AccessJob, error)
}

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
	if err := s.authorizeARN(ctx, "iam:GenerateServiceLastAccessedDetails", arn); err != nil {
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
	byID := map[string]User{}
	for i, u := range users {
		ids[i], byID[u.ID] = u.ID, u
	}
	accesses, err := s.Store.ServiceAccesses(ctx, ids)
	if err != nil {
		return "", err
	}
	last := map[string]map[string]ServiceAccess{} // service → user ID → use
	for _, a := range accesses {
		if last[a.Service] == nil {
			last[a.Service] = map[string]ServiceAccess{}
		}
		last[a.Service][a.UserID] = a
	}
	now := s.now()
	job := AccessJob{ARN: arn, Granularity: granularity, CreatedAt: now, CompletedAt: now}
	if job.ID, err = newJobID(s.Rand); err != nil {
		return "", err
	}
	for ns := range namespaces {
		sla := ServiceLastAccessed{Namespace: ns, Name: serviceNames[ns]}
		if sla.Name == "" {
			sla.Name = ns
		}
		for _, u := range users {
			a, ok := last[ns][u.ID]
			sla.Entities = append(sla.Entities, EntityAccess{User: u, LastAuthenticated: a.Time})
			if !ok {
				continue
			}
			sla.TotalEntities++
			if a.Time.After(sla.LastAuthenticated) {
				sla.LastAuthenticated, sla.LastRegion, sla.LastEntity = a.Time, a.Region, s.Account.UserARN(u.Path, u.Name)
			}
		}
		job.Services = append(job.Services, sla)
	}
	sort.Slice(job.Services, func(i, j int) bool { return job.Services[i].Namespace < job.Services[j].Namespace })
	return job.ID, s.Store.PutAccessJob(ctx, job)
}

// reportSubject resolves a report's ARN to the users it covers and the
// policy documents that say which services they may use.
func (s *Service) reportSubject(ctx context.Context, arn string) ([]User, []string, error) {
	prefix := "arn:aws:iam::" + s.Account.ID + ":"
	rest, ok := strings.CutPrefix(arn, prefix)
	switch {
	case ok && strings.HasPrefix(rest, "user/"):
		p, err := s.userByARN(ctx, arn)
		if err != nil {
			return nil, nil, err
		}
		sources, err := s.PrincipalPolicies(ctx, p)
		if err != nil {
			return nil, nil, err
		}
		u := User{ID: p.UserID, Name: p.UserName, Path: p.UserPath}
		return []User{u}, identityDocuments(sources), nil
	case ok && strings.HasPrefix(rest, "group/"):
		name := rest[strings.LastIndexByte(rest, '/')+1:]
		g, err := s.Store.Group(ctx, name)
		if err != nil || s.Account.GroupARN(g.Path, g.Name) != arn {
			return nil, nil, Errorf(ENoSuchEntity, "The group with name %s cannot be found.", Clip(name))
		}
		var users []User
		for after := ""; ; {
			page, more, err := s.Store.GroupMembers(ctx, name, after, 1000)
			if err != nil {
				return nil, nil, err
			}
			users = append(users, page...)
			if !more || len(page) == 0 {
				break
			}
			after = page[len(page)-1].Name
		}
		docs, err := s.entityDocuments(ctx, Entity{Kind: EntityGroup, Name: name})
		return users, docs, err
	case ok && strings.HasPrefix(rest, "policy/"), strings.HasPrefix(arn, AWSManagedPolicyARNPrefix+"/"):
		p, err := s.Store.Policy(ctx, arn)
		if errors.Is(err, ErrNoSuchPolicy) {
			return nil, nil, PolicyNotFound(arn)
		} else if err != nil {
			return nil, nil, err
		}
		v, err := s.Store.PolicyVersion(ctx, arn, p.DefaultVersion)
		if err != nil {
			return nil, nil, err
		}
		entities, _, err := s.Store.PolicyEntities(ctx, arn, "", "/", "PermissionsPolicy", "", 10000)
		if err != nil {
			return nil, nil, err
		}
		var users []User
		seen := map[string]bool{}
		for _, e := range entities {
			var members []User
			if e.Kind == EntityGroup {
				members, _, err = s.Store.GroupMembers(ctx, e.Name, "", 10000)
			} else {
				var u User
				u, err = s.Store.User(ctx, e.Name)
				members = []User{u}
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
	return nil, nil, Errorf(EInvalidInput, "ARN %s is not valid: name a user, a group or a managed policy of this account.", Clip(arn))
}

// identityDocuments are the documents of sources but a permissions
// boundary, which grants nothing.
func identityDocuments(sources []PolicySource) []string {
	var docs []string
	for _, src := range sources {
		if src.Type != PolicySourceBoundary {
			docs = append(docs, src.Document)
		}
	}
	return docs
}

// entityDocuments returns the inline and attached policies of an entity.
func (s *Service) entityDocuments(ctx context.Context, e Entity) ([]string, error) {
	var docs []string
	names, _, err := s.Store.ListInlinePolicies(ctx, e, "", 1000)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		doc, err := s.Store.InlinePolicy(ctx, e, n)
		if err != nil {
			return nil, err
		}
		docs = append(docs, doc)
	}
	attached, _, err := s.Store.ListAttachedPolicies(ctx, e, "/", "", 1000)
	if err != nil {
		return nil, err
	}
	for _, p := range attached {
		v, err := s.Store.PolicyVersion(ctx, p.ARN, p.DefaultVersion)
		if err != nil {
			return nil, err
		}
		docs = append(docs, v.Document)
	}
	return docs, nil
}

// ServiceLastAccessedDetails returns a report made by
// GenerateServiceLastAccessedDetails.
func (s *Service) ServiceLastAccessedDetails(ctx context.Context, jobID string) (AccessJob, error) {
	if err := s.authorize(ctx, "iam:GetServiceLastAccessedDetails", "*"); err != nil {
		return AccessJob{}, err
	}
	return s.accessJob(ctx, jobID)
}

// ServiceLastAccessedDetailsWithEntities returns a report's entities for
// one service.
func (s *Service) ServiceLastAccessedDetailsWithEntities(ctx context.Context, jobID, namespace string) (AccessJob, []EntityAccess, error) {
	if err := s.authorize(ctx, "iam:GetServiceLastAccessedDetailsWithEntities", "*"); err != nil {
		return AccessJob{}, nil, err
	}
	job, err := s.accessJob(ctx, jobID)
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

func (s *Service) accessJob(ctx context.Context, id string) (AccessJob, error) {
	job, err := s.Store.AccessJob(ctx, id)
	if errors.Is(err, ErrNoSuchJob) {
		return job, Errorf(ENoSuchEntity, "No report with job ID %s exists.", Clip(id))
	}
	return job, err
}

// GrantingPolicy is a policy that grants access to a service.
type GrantingPolicy struct {
	Name, Type, ARN string
	// EntityType and EntityName name the user or group an inline policy
	// belongs to.
	EntityType, EntityName string
}

// PoliciesGrantingServiceAccess lists, for each namespace, the policies of
// a user (its own and its groups') or a group that allow some action of it.
func (s *Service) PoliciesGrantingServiceAccess(ctx context.Context, arn string, namespaces []string) (map[string][]GrantingPolicy, error) {
	if err := s.authorizeARN(ctx, "iam:ListPoliciesGrantingServiceAccess", arn); err != nil {
		return nil, err
	}
	type source struct {
		GrantingPolicy
		doc string
	}
	var sources []source
	add := func(e Entity, entityType string) error {
		names, _, err := s.Store.ListInlinePolicies(ctx, e, "", 1000)
		if err != nil {
			return err
		}
		for _, n := range names {
			doc, err := s.Store.InlinePolicy(ctx, e, n)
			if err != nil {
				return err
			}
			sources = append(sources, source{GrantingPolicy{Name: n, Type: "INLINE", EntityType: entityType, EntityName: e.Name}, doc})
		}
		attached, _, err := s.Store.ListAttachedPolicies(ctx, e, "/", "", 1000)
		if err != nil {
			return err
		}
		for _, p := range attached {
			v, err := s.Store.PolicyVersion(ctx, p.ARN, p.DefaultVersion)
			if err != nil {
				return err
			}
			sources = append(sources, source{GrantingPolicy{Name: p.Name, Type: "MANAGED", ARN: p.ARN}, v.Document})
		}
		return nil
	}
	rest, _ := strings.CutPrefix(arn, "arn:aws:iam::"+s.Account.ID+":")
	switch {
	case strings.HasPrefix(rest, "user/"):
		p, err := s.userByARN(ctx, arn)
		if err != nil {
			return nil, err
		}
		if err := add(Entity{Kind: EntityUser, Name: p.UserName}, "USER"); err != nil {
			return nil, err
		}
		groups, _, err := s.Store.ListGroupsForUser(ctx, p.UserName, "", 1000)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			if err := add(Entity{Kind: EntityGroup, Name: g.Name}, "GROUP"); err != nil {
				return nil, err
			}
		}
	case strings.HasPrefix(rest, "group/"):
		name := rest[strings.LastIndexByte(rest, '/')+1:]
		if err := add(Entity{Kind: EntityGroup, Name: name}, "GROUP"); err != nil {
			if errors.Is(err, ErrNoSuchGroup) {
				return nil, GroupNotFound(name)
			}
			return nil, err
		}
	default:
		return nil, Errorf(EInvalidInput, "ARN %s is not valid: name a user or a group of this account.", Clip(arn))
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
