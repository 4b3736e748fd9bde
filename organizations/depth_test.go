package organizations_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/organizations"
)

// TestOUDepthLimit: OUs nest five deep under the root at most, as on AWS
// (ConstraintViolationException, OU_DEPTH_LIMIT_EXCEEDED): with the root
// and the account, every level of SCPs an account's decisions take.
func TestOUDepthLimit(t *testing.T) {
	k := kwtest.New(t)
	root := kwtest.AsRoot(context.Background())
	_, err := k.Organizations.CreateOrganization(root, keyward.FeatureSetAll)
	must(t, err)
	roots, _, err := k.Organizations.ListRoots(root, organizations.Page{})
	must(t, err)
	parent := roots[0].ID
	for depth := 1; depth <= keyward.MaxOUDepth; depth++ {
		ou, err := k.Organizations.CreateOrganizationalUnit(root, parent, fmt.Sprint("level", depth), nil)
		must(t, err)
		parent = ou.ID
	}
	_, err = k.Organizations.CreateOrganizationalUnit(root, parent, "too-deep", nil)
	if keyward.ErrorCode(err) != organizations.EConstraintViolation || organizations.Reason(err) != "OU_DEPTH_LIMIT_EXCEEDED" {
		t.Fatalf("a sixth level: %v", err)
	}
}
