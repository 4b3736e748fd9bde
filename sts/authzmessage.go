package sts

import (
	"context"
)

// DecodeAuthorizationMessage returns the details of a refusal from its
// encoded message (sts:DecodeAuthorizationMessage).
func (s *Service) DecodeAuthorizationMessage(ctx context.Context, encoded string) (string, error) {
	if err := s.Authz.Authorize(ctx, "sts:DecodeAuthorizationMessage", "*"); err != nil {
		return "", err
	}
	return s.Authz.OpenMessage(encoded)
}
