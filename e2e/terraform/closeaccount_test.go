package terraform_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// closeAccountConfig is a member account that destroy closes
// (close_on_deletion) rather than removes from its organization. The
// organization is made outside: as on AWS, it cannot be deleted while a
// closed account is in it, which it is for 90 days.
var closeAccountConfig = `
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

variable "endpoint" {}

` + rootProvider + `

resource "aws_organizations_account" "tenant" {
  name              = "closing"
  email             = "closing@example.com"
  close_on_deletion = true
}
`

// TestTerraformCloseAccount: aws_organizations_account with
// close_on_deletion makes a member account; destroy calls CloseAccount
// and waits, polling DescribeAccount, until the account is SUSPENDED,
// which Keyward reaches a few seconds after PENDING_CLOSURE; the account
// stays in the organization, suspended.
func TestTerraformCloseAccount(t *testing.T) {
	tf, mirror, url := terraformAndKeyward(t)
	var err error
	orgs := organizations.NewFromConfig(sdkConfig(url, rootKeyID, rootSecret, ""))
	ctx := context.Background()
	_, err = orgs.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: types.OrganizationFeatureSetAll})
	must(t, err)

	dir := terraformDir(t, mirror, closeAccountConfig)
	env := terraformEnv(dir, url)
	// One provider configuration: every command attaches to one provider
	// process instead of starting its own several times.
	env = append(env, "TF_REATTACH_PROVIDERS="+startProvider(t, mirror, env))
	_, ok := terraformIn(t, tf, dir, env)
	ok("init", "-input=false", "-no-color")
	ok("apply", "-input=false", "-auto-approve", "-no-color")
	tenant := stateAttribute(t, filepath.Join(dir, "terraform.tfstate"), "aws_organizations_account", "id")
	a, err := orgs.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(tenant)})
	must(t, err)
	if a.Account.Status != types.AccountStatusActive {
		t.Fatalf("the account after apply: %+v", a.Account)
	}

	ok("destroy", "-input=false", "-auto-approve", "-no-color")
	a, err = orgs.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(tenant)})
	must(t, err)
	if a.Account.Status != types.AccountStatusSuspended || a.Account.State != types.AccountStateSuspended {
		t.Fatalf("the account after destroy: %+v", a.Account)
	}
}
