package keyward

import (
	"context"
	"errors"
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
	// PutAccessJob stores a report, keeping the keep most recent (the
	// report service's bound): older ones are dropped in the same
	// transaction. AccessJob returns one, ErrNoSuchJob.
	PutAccessJob(ctx context.Context, job AccessJob, keep int) error
	AccessJob(ctx context.Context, id string) (AccessJob, error)
}
