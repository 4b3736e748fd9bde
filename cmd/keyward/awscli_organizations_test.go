package main

import (
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/keyward/keyward"
)

// TestAWSCLIOrganizations drives AWS Organizations with the AWS CLI
// against keyward serve's listener, where its JSON protocol shares the
// endpoint with the Query API: what only a whole server shows is the
// X-Amz-Target routed before the Query API and the console's home page,
// and botocore's own signing and error parsing.
func TestAWSCLIOrganizations(t *testing.T) {
	t.Parallel() // the AWS CLI and Python start slowly: overlap them with the other tests
	if _, err := os.Stat(awsCLI); err != nil {
		t.Fatalf("the AWS CLI from Debian's awscli package is needed (make test installs it): %v", err)
	}
	ts := startServer(t, "")

	org := ts.awsOK(t, "organizations", "create-organization", "--feature-set", "ALL")
	orgID := field(t, org, "Organization", "Id").(string)
	if field(t, org, "Organization", "MasterAccountId") != accountID || !strings.HasPrefix(orgID, "o-") {
		t.Fatalf("create-organization: %v", org)
	}
	again := ts.aws(t, rootKeyID, rootSecret, "organizations", "create-organization")
	if again.code != 254 || !strings.Contains(again.stderr, "An error occurred (AlreadyInOrganizationException) when calling the CreateOrganization operation") {
		t.Fatalf("a second create-organization: %+v", again)
	}
	roots := ts.awsOK(t, "organizations", "list-roots")
	rootID := field(t, roots, "Roots", 0, "Id").(string)
	if field(t, roots, "Roots", 0, "Arn") != "arn:aws:organizations::"+accountID+":root/"+orgID+"/"+rootID {
		t.Fatalf("list-roots: %v", roots)
	}
	ou := ts.awsOK(t, "organizations", "create-organizational-unit", "--parent-id", rootID, "--name", "Tenants")
	ouID := field(t, ou, "OrganizationalUnit", "Id").(string)
	if !strings.HasPrefix(ouID, "ou-"+rootID[2:]+"-") {
		t.Fatalf("create-organizational-unit: %v", ou)
	}
	ts.awsOK(t, "organizations", "enable-policy-type", "--root-id", rootID, "--policy-type", "SERVICE_CONTROL_POLICY")
	pol := ts.awsOK(t, "organizations", "create-policy", "--name", "NoLeaving", "--description", "members stay",
		"--type", "SERVICE_CONTROL_POLICY", "--content", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}`)
	policyID := field(t, pol, "Policy", "PolicySummary", "Id").(string)
	ts.awsOK(t, "organizations", "attach-policy", "--policy-id", policyID, "--target-id", ouID)
	attached := ts.awsOK(t, "organizations", "list-policies-for-target", "--target-id", ouID, "--filter", "SERVICE_CONTROL_POLICY")
	// In order of ID, which puts a random ID on either side of FullAWSAccess's.
	ids := []string{field(t, attached, "Policies", 0, "Id").(string), field(t, attached, "Policies", 1, "Id").(string)}
	sort.Strings(ids)
	want := []string{keyward.FullAWSAccessID, policyID}
	sort.Strings(want)
	if len(attached["Policies"].([]any)) != 2 || strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Fatalf("list-policies-for-target: %v", attached)
	}
	// The CLI's pagination follows NextToken through every page.
	for _, name := range []string{"A", "B", "C"} {
		ts.awsOK(t, "organizations", "create-organizational-unit", "--parent-id", ouID, "--name", name)
	}
	paged := ts.awsOK(t, "organizations", "list-organizational-units-for-parent", "--parent-id", ouID, "--page-size", "1")
	if l, ok := paged["OrganizationalUnits"].([]any); !ok || len(l) != 3 {
		t.Fatalf("list-organizational-units-for-parent: %v", paged)
	}
	busy := ts.aws(t, rootKeyID, rootSecret, "organizations", "delete-policy", "--policy-id", policyID)
	if busy.code != 254 || !strings.Contains(busy.stderr, "(PolicyInUseException)") {
		t.Fatalf("delete-policy while attached: %+v", busy)
	}
	// The Query API still answers on the same endpoint.
	if who := ts.awsOK(t, "sts", "get-caller-identity"); field(t, who, "Account") != accountID {
		t.Fatalf("sts get-caller-identity: %v", who)
	}
}
