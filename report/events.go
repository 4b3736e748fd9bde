package report

import (
	"context"

	"github.com/keyward/keyward"
)

// LookupEvents returns events (cloudtrail:LookupEvents), newest first.
func (s *Service) LookupEvents(ctx context.Context, q keyward.EventQuery) ([]keyward.StoredEvent, bool, error) {
	if err := s.Authz.Authorize(ctx, "cloudtrail:LookupEvents", "*"); err != nil {
		return nil, false, err
	}
	return s.store(ctx).LookupEvents(ctx, q)
}
