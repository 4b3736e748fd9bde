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

// TestAWSCLIAccountsAndAssumeRole: the AWS CLI makes a member account
// (create-account, describe-create-account-status); a management account
// user assumes the new account's OrganizationAccountAccessRole with
// sts assume-role and through a role profile (role_arn, source_profile),
// and the profile's calls act in the new account alone.
func TestAWSCLIAccountsAndAssumeRole(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(awsCLI); err != nil {
		t.Fatalf("the AWS CLI from Debian's awscli package is needed (make test installs it): %v", err)
	}
	ts := startServer(t, "")
	ts.awsOK(t, "organizations", "create-organization", "--feature-set", "ALL")
	made := ts.awsOK(t, "organizations", "create-account", "--email", "tenant@example.com", "--account-name", "tenant")
	reqID := field(t, made, "CreateAccountStatus", "Id").(string)
	status := ts.awsOK(t, "organizations", "describe-create-account-status", "--create-account-request-id", reqID)
	tenant, _ := field(t, status, "CreateAccountStatus", "AccountId").(string)
	if field(t, status, "CreateAccountStatus", "State") != "SUCCEEDED" || len(tenant) != 12 {
		t.Fatalf("describe-create-account-status: %v", status)
	}
	ts.awsOK(t, "iam", "create-user", "--user-name", "ops")
	ts.awsOK(t, "iam", "put-user-policy", "--user-name", "ops", "--policy-name", "tenants", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/OrganizationAccountAccessRole"}]}`)
	key := ts.awsOK(t, "iam", "create-access-key", "--user-name", "ops")

	opsID, opsSecret := field(t, key, "AccessKey", "AccessKeyId").(string), field(t, key, "AccessKey", "SecretAccessKey").(string)
	ops := func(args ...string) cliResult { return ts.aws(t, opsID, opsSecret, args...) }
	roleARN := "arn:aws:iam::" + tenant + ":role/OrganizationAccountAccessRole"
	assumed := jsonOK(t, ops("sts", "assume-role", "--role-arn", roleARN, "--role-session-name", "ops-cli"), "sts", "assume-role")
	if field(t, assumed, "AssumedRoleUser", "Arn") != "arn:aws:sts::"+tenant+":assumed-role/OrganizationAccountAccessRole/ops-cli" {
		t.Fatalf("sts assume-role: %v", assumed)
	}

	// A role profile, as an administrator of many accounts writes one:
	// the CLI assumes the role in the other account itself, with the
	// source profile's key, and signs every call with the session.
	env := cliHome(t, ts, "[profile ops]\nregion = us-east-1\n\n[profile tenant]\nregion = us-east-1\nrole_arn = "+roleARN+
		"\nsource_profile = ops\nrole_session_name = ops-profile\n",
		"[ops]\naws_access_key_id = "+opsID+"\naws_secret_access_key = "+opsSecret+"\n")
	inTenant := func(args ...string) map[string]any {
		return jsonOK(t, runCommand(t, env, awsCLI, append([]string{"--endpoint-url", ts.URL, "--output", "json", "--profile", "tenant"}, args...)...), args...)
	}
	if who := inTenant("sts", "get-caller-identity"); who["Account"] != tenant ||
		who["Arn"] != "arn:aws:sts::"+tenant+":assumed-role/OrganizationAccountAccessRole/ops-profile" {
		t.Fatalf("get-caller-identity with the role profile: %v", who)
	}
	if u := inTenant("iam", "create-user", "--user-name", "tenant-admin"); field(t, u, "User", "Arn") != "arn:aws:iam::"+tenant+":user/tenant-admin" {
		t.Fatalf("create-user with the role profile: %v", u)
	}
	if r := ts.aws(t, rootKeyID, rootSecret, "iam", "get-user", "--user-name", "tenant-admin"); r.code == 0 {
		t.Fatalf("the management account has the tenant's user: %+v", r)
	}
}
