package iam

import (
	"context"

	"github.com/keyward/keyward"
)

// Store is what IAM keeps and reads: keyward.Store, and the little of an
// organization that CreateAccountRootKey decides on (accountroot.go): the
// caller's organization, the member account in it and that account's
// tags there. AWS Organizations' port (organizations.Store) declares
// these with the rest of an organization's methods; IAM names only the
// ones it reads, so that it depends on no more of the port. Every
// backend's store, and each of its views (InAccount, Recording), is one:
// the conformance suite checks so (storetest/ports.go).
type Store interface {
	keyward.Store

	OrganizationOf(ctx context.Context, accountID string) (keyward.Organization, error)
	OrgAccount(ctx context.Context, orgID, accountID string) (keyward.OrgAccount, error)
	OrgResourceTags(ctx context.Context, orgID, id string) ([]keyward.Tag, error)
}
