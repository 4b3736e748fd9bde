package terraform_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// accountsConfig makes an organization and a member account, then, through
// a second provider that assumes the new account's
// OrganizationAccountAccessRole with the management account's CI key, a
// user and its key in the new account.
var accountsConfig = `
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
    # The tenant's provider: hashicorp/aws again, under an address of its
    # own so that the test attaches it to a provider process of its own
    # (tenantProvider).
    awstenant = { source = "` + tenantProvider + `" }
  }
}

variable "endpoint" {}
variable "ci_key" {}
variable "ci_secret" {}

` + rootProvider + `

resource "aws_organizations_organization" "org" {
  feature_set = "ALL"
}

resource "aws_organizations_account" "tenant" {
  name       = "tenant"
  email      = "tenant@example.com"
  tags       = { tenant = "a" }
  depends_on = [aws_organizations_organization.org]
}

` + awsProvider("awstenant", "var.ci_key", "var.ci_secret", `  assume_role {
    role_arn     = "arn:aws:iam::${aws_organizations_account.tenant.id}:role/OrganizationAccountAccessRole"
    session_name = "terraform"
  }
`) + `
resource "aws_iam_user" "tenant_admin" {
  provider = awstenant
  name     = "tenant-admin"
}

resource "aws_iam_access_key" "tenant_admin" {
  provider = awstenant
  user     = aws_iam_user.tenant_admin.name
}

output "tenant_key" {
  value = aws_iam_access_key.tenant_admin.id
}
output "tenant_secret" {
  value     = aws_iam_access_key.tenant_admin.secret
  sensitive = true
}
`

// TestTerraformAccounts drives the hashicorp/aws provider through AWS
// Organizations' accounts: an organization, a member account made by
// aws_organizations_account, and a provider that assumes the new account's
// OrganizationAccountAccessRole (cross-account, from the management
// account's CI user) to make a user and a key there; the key signs in the
// new account alone; a plan finds nothing to change; destroy removes the
// account from the organization and the organization. Each provider
// configuration must keep its own credentials, which one provider process
// configured twice does not: each is attached to a process of its own.
func TestTerraformAccounts(t *testing.T) {
	tf, mirror, url := terraformAndKeyward(t)
	var err error
	cfg := func(id, secret, token string) aws.Config { return sdkConfig(url, id, secret, token) }
	root := iam.NewFromConfig(cfg(rootKeyID, rootSecret, ""))
	ctx := context.Background()
	_, err = root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ci")})
	must(t, err)
	_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("ci"), PolicyName: aws.String("tenants"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/OrganizationAccountAccessRole"}]}`)})
	must(t, err)
	ciKey, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ci")})
	must(t, err)

	dir := terraformDir(t, mirror, accountsConfig)
	env := terraformEnv(dir, url, "TF_VAR_ci_key="+aws.ToString(ciKey.AccessKey.AccessKeyId), "TF_VAR_ci_secret="+aws.ToString(ciKey.AccessKey.SecretAccessKey))
	env = append(env, "TF_REATTACH_PROVIDERS="+reattach(t, map[string]string{
		"registry.terraform.io/hashicorp/aws": startProvider(t, mirror, env),
		tenantProvider:                        startProvider(t, mirror, env),
	}))
	run, ok := terraformIn(t, tf, dir, env)
	ok("init", "-input=false", "-no-color")
	ok("apply", "-input=false", "-auto-approve", "-no-color")

	// The account, as the organization lists it.
	orgs := organizations.NewFromConfig(cfg(rootKeyID, rootSecret, ""))
	tenant := stateAttribute(t, filepath.Join(dir, "terraform.tfstate"), "aws_organizations_account", "id")
	a, err := orgs.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(tenant)})
	must(t, err)
	if aws.ToString(a.Account.Name) != "tenant" || aws.ToString(a.Account.Email) != "tenant@example.com" {
		t.Fatalf("the account: %+v", a.Account)
	}
	// The key made in it signs as its user, in it alone.
	id := strings.TrimSpace(ok("output", "-raw", "tenant_key"))
	secret := strings.TrimSpace(ok("output", "-raw", "tenant_secret"))
	who, err := sts.NewFromConfig(cfg(id, secret, "")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	must(t, err)
	if aws.ToString(who.Arn) != "arn:aws:iam::"+tenant+":user/tenant-admin" {
		t.Fatalf("the tenant's key signs as %s", aws.ToString(who.Arn))
	}
	if _, err := root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("tenant-admin")}); err == nil {
		t.Fatal("the management account has the tenant's user")
	}
	if out, code := run("plan", "-input=false", "-detailed-exitcode", "-no-color"); code != 0 {
		t.Fatalf("plan after apply: exit %d (2: changes)\n%s", code, out)
	}

	ok("destroy", "-input=false", "-auto-approve", "-no-color")
	if _, err := orgs.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}); err == nil {
		t.Fatal("the organization survived destroy")
	}
	// The tenant's user is gone with the destroy; its account stays, as
	// an account removed from an organization stays on AWS.
	if _, err := iam.NewFromConfig(cfg(id, secret, "")).GetUser(ctx, &iam.GetUserInput{}); err == nil {
		t.Fatal("the tenant's key still signs after its user was destroyed")
	}
}

// tenantProvider is the address the accounts configuration gives its
// second hashicorp/aws provider, which the test attaches to a process of
// its own: Terraform installs nothing for an attached provider.
const tenantProvider = "keyward.test/hashicorp/aws"

// reattach is a TF_REATTACH_PROVIDERS value attaching each provider
// address to a process startProvider started: the process's own value
// names hashicorp/aws.
func reattach(t *testing.T, processes map[string]string) string {
	t.Helper()
	all := map[string]json.RawMessage{}
	for addr, value := range processes {
		var one map[string]json.RawMessage
		must(t, json.Unmarshal([]byte(value), &one))
		if len(one) != 1 {
			t.Fatalf("a provider process to attach to: %s", value)
		}
		for _, v := range one {
			all[addr] = v
		}
	}
	b, err := json.Marshal(all)
	must(t, err)
	return string(b)
}

// terraformEnv is the environment of a Terraform run in dir against url,
// with extra variables: this process's own, without any AWS_ variable, so
// that the configuration alone says whose credentials sign.
func terraformEnv(dir, url string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	env = append(env, "TF_CLI_CONFIG_FILE="+filepath.Join(dir, "cli.tfrc"), "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_VAR_endpoint="+url,
		"AWS_EC2_METADATA_DISABLED=true", "HOME="+dir)
	return append(env, extra...)
}
