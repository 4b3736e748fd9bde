package terraform_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/internal/sdkhttp"
	"github.com/keyward/keyward/saml"
)

// terraformMirror finds a filesystem mirror holding the hashicorp/aws
// provider: $KEYWARD_TERRAFORM_MIRROR, or where this machine keeps one.
func terraformMirror() string {
	for _, dir := range []string{os.Getenv("KEYWARD_TERRAFORM_MIRROR"), "/opt/tf-plugins", "/usr/share/terraform/plugins",
		filepath.Join(os.Getenv("HOME"), ".terraform.d", "plugins")} {
		if dir == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "registry.terraform.io", "hashicorp", "aws")); err == nil {
			return dir
		}
	}
	return ""
}

// awsProvider is a hashicorp/aws provider block of local name name,
// signing with key and secret (Terraform expressions), every service's
// endpoint the variable endpoint (Keyward's URL); settings are its other
// lines (an alias, an assume_role block), each indented by two spaces.
func awsProvider(name, key, secret, settings string) string {
	return `provider "` + name + `" {
  region                      = "us-east-1"
  access_key                  = ` + key + `
  secret_key                  = ` + secret + `
  skip_metadata_api_check     = true
  skip_region_validation      = true
` + settings + `  endpoints {
    iam           = var.endpoint
    sts           = var.endpoint
    organizations = var.endpoint
  }
}
`
}

// rootProvider is the hashicorp/aws provider of the account's root user.
var rootProvider = awsProvider("aws", `"`+rootKeyID+`"`, `"`+rootSecret+`"`, "")

// sdkConfig is aws-sdk-go-v2's configuration for the server at url,
// signing with the key (and a session's token, or ""). It keeps the SDK's
// own retryer, as every real client has: the tests' calls sit between
// Terraform runs that take longer than the server keeps an idle
// connection, and a request on a connection the server has just closed is
// retried by clients, not failed.
func sdkConfig(url, id, secret, token string) aws.Config {
	return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, token), HTTPClient: sdkhttp.Wrap(nil)}
}

// terraformConfig is the configuration of the test: a user with every kind
// of credential, in a group, with policies, and an account alias; roles, a
// SAML provider, and the account's organization.
var terraformConfig = `
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

variable "endpoint" {}
variable "ssh_key" {}
variable "certificate" {}
variable "team" { default = "platform" }
variable "ci_key" {}
variable "ci_secret" {}
variable "deployer_role" {}
variable "saml_metadata" {}

` + rootProvider + `

# The CI user's key opens nothing by itself: what this provider makes, it
# makes as the role it assumes.
#
# The two providers run in one reattached process, whose clients of a
# service may be either's: each names every endpoint, and the role may
# do what the root user does here.
` + awsProvider("aws", "var.ci_key", "var.ci_secret", `  alias = "deployer"
  assume_role {
    role_arn     = var.deployer_role
    session_name = "terraform"
    external_id  = "tf-ci"
    duration     = "15m"
  }
`) + `
resource "aws_iam_role" "app" {
  provider             = aws.deployer
  name                 = "app"
  max_session_duration = 7200
  assume_role_policy   = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }] })
  tags                 = { team = var.team }
}

resource "aws_iam_role_policy" "app" {
  provider = aws.deployer
  name     = "read"
  role     = aws_iam_role.app.name
  policy   = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }] })
}

resource "aws_iam_instance_profile" "app" {
  provider = aws.deployer
  name     = "app"
  role     = aws_iam_role.app.name
}

resource "aws_iam_user" "alice" {
  name          = "alice"
  path          = "/eng/"
  force_destroy = true
  tags          = { team = var.team }
}

resource "aws_iam_access_key" "alice" {
  user = aws_iam_user.alice.name
}

resource "aws_iam_user_login_profile" "alice" {
  user                    = aws_iam_user.alice.name
  password_reset_required = true
  lifecycle { ignore_changes = [password_reset_required] }
}

resource "aws_iam_user_ssh_key" "alice" {
  username   = aws_iam_user.alice.name
  encoding   = "SSH"
  public_key = var.ssh_key
}

resource "aws_iam_service_specific_credential" "alice" {
  user_name    = aws_iam_user.alice.name
  service_name = "codecommit.amazonaws.com"
}

resource "aws_iam_signing_certificate" "alice" {
  user_name        = aws_iam_user.alice.name
  certificate_body = var.certificate
}

resource "aws_iam_virtual_mfa_device" "alice" {
  virtual_mfa_device_name = "alice-phone"
  tags                    = { owner = "alice" }
}

resource "aws_iam_group" "eng" {
  name = "eng"
}

resource "aws_iam_user_group_membership" "alice" {
  user   = aws_iam_user.alice.name
  groups = [aws_iam_group.eng.name]
}

resource "aws_iam_policy" "read" {
  name        = "ReadOnly"
  description = "reads"
  policy      = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["iam:Get*", "iam:List*"], Resource = "*" }] })
  tags        = { team = var.team }
}

resource "aws_iam_group_policy_attachment" "eng" {
  group      = aws_iam_group.eng.name
  policy_arn = aws_iam_policy.read.arn
}

resource "aws_iam_user_policy" "alice" {
  name   = "own-keys"
  user   = aws_iam_user.alice.name
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "iam:ListAccessKeys", Resource = aws_iam_user.alice.arn }] })
}

resource "aws_iam_account_password_policy" "strict" {
  minimum_password_length = 14
  require_numbers         = true
}

resource "aws_iam_account_alias" "alias" {
  account_alias = "keyward-terraform"
}

# The company's identity provider, and the role its people sign in as:
# only for assertions made for this Keyward's own SAML endpoint.
resource "aws_iam_saml_provider" "corp" {
  name                   = "corp"
  saml_metadata_document = var.saml_metadata
  tags                   = { owner = "it" }
}

# The account's organization, made by the role: an OU, a service control
# policy attached to it, and a service it trusts.
resource "aws_organizations_organization" "org" {
  provider                      = aws.deployer
  feature_set                   = "ALL"
  enabled_policy_types          = ["SERVICE_CONTROL_POLICY"]
  aws_service_access_principals = ["sso.amazonaws.com"]
}

resource "aws_organizations_organizational_unit" "tenants" {
  provider  = aws.deployer
  name      = "tenants"
  parent_id = aws_organizations_organization.org.roots[0].id
  tags      = { team = var.team }
}

resource "aws_organizations_policy" "no_leaving" {
  provider  = aws.deployer
  name        = "no-leaving"
  description = "Members stay"
  content     = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Deny", Action = "organizations:LeaveOrganization", Resource = "*" }] })
  depends_on  = [aws_organizations_organization.org]
}

resource "aws_organizations_policy_attachment" "tenants" {
  provider  = aws.deployer
  policy_id = aws_organizations_policy.no_leaving.id
  target_id = aws_organizations_organizational_unit.tenants.id
}

resource "aws_iam_role" "sso" {
  name = "sso"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Federated = aws_iam_saml_provider.corp.arn },
  Action = "sts:AssumeRoleWithSAML", Condition = { StringEquals = { "SAML:aud" = "${var.endpoint}/saml" } } }] })
}
`

// TestTerraform drives the hashicorp/aws provider against Keyward: apply,
// an update and an import, a plan with no changes, and a destroy of a user
// with keys, a password, an enabled MFA device, an SSH key, a
// service-specific credential and a signing certificate (force_destroy),
// after which nothing is left. It needs terraform and a filesystem mirror
// of the provider (the test cannot download it).
func TestTerraform(t *testing.T) {
	tf, mirror, url := terraformAndKeyward(t)
	var err error
	root := iam.NewFromConfig(sdkConfig(url, rootKeyID, rootSecret, ""))
	ctx := context.Background()
	// A CI user without permissions, and the role it may assume with the
	// external ID: the provider's assume_role block.
	_, err = root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ci")})
	must(t, err)
	ciKey, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ci")})
	must(t, err)
	deployer, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("terraform"), AssumeRolePolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/ci"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"tf-ci"}}}]}`)})
	must(t, err)
	_, err = root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("terraform"), PolicyName: aws.String("iam"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","organizations:*","sts:GetCallerIdentity"],"Resource":"*"}]}`)})
	must(t, err)
	dir := terraformDir(t, mirror, terraformConfig)
	// The endpoint is plain HTTP on this machine: a CA bundle from the
	// environment would only make the provider wrap its HTTP client again
	// each time it is configured, which a provider configured more than once
	// (reattached) refuses.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_CA_BUNDLE=") {
			env = append(env, kv)
		}
	}
	env = append(env, "TF_REATTACH_PROVIDERS="+startProvider(t, mirror, env), "TF_CLI_CONFIG_FILE="+filepath.Join(dir, "cli.tfrc"), "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
		"TF_VAR_endpoint="+url, "TF_VAR_ssh_key="+strings.TrimSpace(fixture(t, "ssh.pub")), "TF_VAR_certificate="+fixture(t, "cert.pem"),
		"TF_VAR_ci_key="+aws.ToString(ciKey.AccessKey.AccessKeyId), "TF_VAR_ci_secret="+aws.ToString(ciKey.AccessKey.SecretAccessKey),
		"TF_VAR_deployer_role="+aws.ToString(deployer.Role.Arn), "TF_VAR_saml_metadata="+kwtest.NewIdP(t, &saml.ServiceProvider{BaseURL: url}, time.Now).Metadata,
		"AWS_EC2_METADATA_DISABLED=true", "HOME="+dir)
	run, ok := terraformIn(t, tf, dir, env)

	// Terraform would start the provider, a few seconds of CPU each time,
	// several times a command; it attaches to the one started above instead.
	ok("init", "-input=false", "-no-color")
	ok("apply", "-input=false", "-auto-approve", "-no-color")
	// The deployer provider assumed the role: its resources exist, which
	// the CI user's own key could not have made.
	app, err := root.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("app")})
	must(t, err)
	if len(app.InstanceProfile.Roles) != 1 || aws.ToString(app.InstanceProfile.Roles[0].RoleName) != "app" {
		t.Fatalf("instance profile made through assume_role: %+v", app.InstanceProfile)
	}

	// An update in place (the user's and the policy's tags) and an import of
	// a user made outside Terraform, in one apply; then a plan finds nothing
	// to change. Each command costs Terraform seconds of CPU to load the
	// provider's schema: the test runs as few as prove the behaviour.
	_, err = root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob"), Path: aws.String("/ops/")})
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "bob.tf"), []byte(`
import {
  to = aws_iam_user.bob
  id = "bob"
}
resource "aws_iam_user" "bob" {
  name          = "bob"
  path          = "/ops/"
  force_destroy = true
}
`), 0o644))
	out := ok("apply", "-input=false", "-auto-approve", "-no-color", "-var", "team=security")
	// Five changes: alice's, the policy's, the app role's and the OU's
	// tags, and bob's force_destroy, an argument of Terraform's own that an
	// import cannot read.
	if !strings.Contains(out, "1 imported, 0 added, 5 changed, 0 destroyed") {
		t.Fatalf("the second apply did not import one and change five:\n%s", out)
	}
	u, err := root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")})
	must(t, err)
	tags, err := root.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: aws.String("arn:aws:iam::123456789012:policy/ReadOnly")})
	must(t, err)
	if len(u.User.Tags) != 1 || aws.ToString(u.User.Tags[0].Value) != "security" || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Value) != "security" {
		t.Fatalf("tags after the update: user %+v, policy %+v", u.User.Tags, tags.Tags)
	}
	if out, code := run("plan", "-input=false", "-detailed-exitcode", "-no-color", "-var", "team=security"); code != 0 {
		t.Fatalf("plan after apply: exit %d (2: changes)\n%s", code, out)
	}

	// The organization as Terraform made it, read with the SDK.
	orgs := organizations.NewFromConfig(sdkConfig(url, rootKeyID, rootSecret, ""))
	ouID := stateAttribute(t, filepath.Join(dir, "terraform.tfstate"), "aws_organizations_organizational_unit", "id")
	attached, err := orgs.ListPoliciesForTarget(ctx, &organizations.ListPoliciesForTargetInput{TargetId: aws.String(ouID), Filter: orgtypes.PolicyTypeServiceControlPolicy})
	must(t, err)
	trusted, err := orgs.ListAWSServiceAccessForOrganization(ctx, &organizations.ListAWSServiceAccessForOrganizationInput{})
	must(t, err)
	ouTags, err := orgs.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: aws.String(ouID)})
	must(t, err)
	var names []string
	for _, p := range attached.Policies {
		names = append(names, aws.ToString(p.Name))
	}
	slices.Sort(names) // listed in order of ID, which is random
	if strings.Join(names, ",") != "FullAWSAccess,no-leaving" || len(trusted.EnabledServicePrincipals) != 1 ||
		aws.ToString(trusted.EnabledServicePrincipals[0].ServicePrincipal) != "sso.amazonaws.com" || len(ouTags.Tags) != 1 || aws.ToString(ouTags.Tags[0].Value) != "security" {
		t.Fatalf("the organization: the OU's SCPs %v, trusted services %+v, the OU's tags %+v", names, trusted.EnabledServicePrincipals, ouTags.Tags)
	}

	// Enable the MFA device for alice with codes from its seed (read from
	// the state, as terraform output would print it), as a person would
	// with an app: Terraform has no resource for that step.
	seed := stateAttribute(t, filepath.Join(dir, "terraform.tfstate"), "aws_iam_virtual_mfa_device", "base_32_string_seed")
	now := time.Now()
	_, err = root.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("alice"), SerialNumber: aws.String("arn:aws:iam::123456789012:mfa/alice-phone"),
		AuthenticationCode1: aws.String(totpCode(t, seed, now.Add(-30*time.Second))), AuthenticationCode2: aws.String(totpCode(t, seed, now))})
	must(t, err)

	sso, err := root.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("sso")})
	must(t, err)
	provider, err := root.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: aws.String("arn:aws:iam::123456789012:saml-provider/corp")})
	must(t, err)
	if trust, _ := neturl.QueryUnescape(aws.ToString(sso.Role.AssumeRolePolicyDocument)); !strings.Contains(trust, `"Federated":"arn:aws:iam::123456789012:saml-provider/corp"`) ||
		len(provider.Tags) != 1 || provider.ValidUntil == nil {
		t.Fatalf("the SAML provider and the role trusting it: %s, %+v", trust, provider)
	}

	ok("destroy", "-input=false", "-auto-approve", "-no-color")
	users, err := root.ListUsers(ctx, &iam.ListUsersInput{})
	must(t, err)
	groups, err := root.ListGroups(ctx, &iam.ListGroupsInput{})
	must(t, err)
	devices, err := root.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{})
	must(t, err)
	local, err := root.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: "Local"})
	must(t, err)
	aliases, err := root.ListAccountAliases(ctx, &iam.ListAccountAliasesInput{})
	must(t, err)
	roles, err := root.ListRoles(ctx, &iam.ListRolesInput{})
	must(t, err)
	profiles, err := root.ListInstanceProfiles(ctx, &iam.ListInstanceProfilesInput{})
	must(t, err)
	samlProviders, err := root.ListSAMLProviders(ctx, &iam.ListSAMLProvidersInput{})
	must(t, err)
	if len(samlProviders.SAMLProviderList) != 0 {
		t.Fatalf("left after destroy: %d SAML providers", len(samlProviders.SAMLProviderList))
	}
	// The CI user and its role were made outside Terraform, and stay.
	if len(roles.Roles) != 1 || len(profiles.InstanceProfiles) != 0 {
		t.Fatalf("left after destroy: %d roles, %d instance profiles", len(roles.Roles), len(profiles.InstanceProfiles))
	}
	if len(users.Users) != 1 || len(groups.Groups) != 0 || len(devices.VirtualMFADevices) != 0 || len(local.Policies) != 0 || len(aliases.AccountAliases) != 0 {
		t.Fatalf("left after destroy: %d users, %d groups, %d MFA devices, %d policies, %d aliases",
			len(users.Users), len(groups.Groups), len(devices.VirtualMFADevices), len(local.Policies), len(aliases.AccountAliases))
	}
	if _, err := root.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{}); err == nil {
		t.Fatal("the password policy survived destroy")
	}
	var notInUse *orgtypes.AWSOrganizationsNotInUseException
	if _, err := orgs.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}); !errors.As(err, &notInUse) {
		t.Fatalf("the organization after destroy: %v", err)
	}
}

// terraformDir is a new directory holding config as main.tf and the CLI
// configuration that installs hashicorp/aws from mirror alone.
func terraformDir(t *testing.T, mirror, config string) string {
	t.Helper()
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "cli.tfrc"), []byte(`provider_installation {
  filesystem_mirror {
    path    = "`+mirror+`"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct { exclude = ["registry.terraform.io/*/*"] }
}
`), 0o644))
	return dir
}

// terraformIn runs terraform in dir with env: run returns what a command
// printed and its exit status, ok fails the test unless it succeeds.
func terraformIn(t *testing.T, tf, dir string, env []string) (run func(args ...string) (string, int), ok func(args ...string) string) {
	run = func(args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(tf, args...)
		cmd.Dir, cmd.Env = dir, env
		start := time.Now()
		out, err := cmd.CombinedOutput()
		if cmd.ProcessState != nil {
			t.Logf("terraform %s: %v wall, %v CPU", args[0], time.Since(start).Round(time.Millisecond),
				(cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Round(time.Millisecond))
		}
		if ee, isExit := err.(*exec.ExitError); isExit {
			return string(out), ee.ExitCode()
		}
		must(t, err)
		return string(out), 0
	}
	ok = func(args ...string) string {
		t.Helper()
		out, code := run(args...)
		if code != 0 {
			t.Fatalf("terraform %s: exit %d\n%s", strings.Join(args, " "), code, out)
		}
		return out
	}
	return run, ok
}

// stateAttribute reads an attribute of the one resource of a type from a
// Terraform state file.
func stateAttribute(t *testing.T, path, resourceType, attribute string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	must(t, err)
	var state struct {
		Resources []struct {
			Type      string `json:"type"`
			Instances []struct {
				Attributes map[string]any `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	must(t, json.Unmarshal(b, &state))
	for _, r := range state.Resources {
		if r.Type == resourceType && len(r.Instances) == 1 {
			if v, ok := r.Instances[0].Attributes[attribute].(string); ok {
				return v
			}
		}
	}
	t.Fatalf("no %s.%s in the state", resourceType, attribute)
	return ""
}

// startProvider runs the mirror's hashicorp/aws provider once, in its
// debug mode, for every terraform command of the test to attach to, and
// returns the TF_REATTACH_PROVIDERS value that attaches to it through
// cacheProvider's proxy.
func startProvider(t *testing.T, mirror string, env []string) string {
	t.Helper()
	bins, _ := filepath.Glob(filepath.Join(mirror, "registry.terraform.io", "hashicorp", "aws", "*", "linux_amd64", "terraform-provider-aws*"))
	if len(bins) == 0 {
		t.Skip("no hashicorp/aws provider for linux_amd64 in " + mirror)
	}
	cmd := exec.Command(bins[len(bins)-1], "-debug")
	cmd.Env = env
	out, err := cmd.StdoutPipe()
	must(t, err)
	cmd.Stderr = cmd.Stdout
	must(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		t.Logf("the reattached provider: %v CPU", (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Round(time.Millisecond))
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if _, v, ok := strings.Cut(sc.Text(), "TF_REATTACH_PROVIDERS='"); ok {
				found <- strings.TrimSuffix(v, "'")
				break
			}
		}
		io.Copy(io.Discard, out)
	}()
	select {
	case v := <-found:
		return cacheProvider(t, v)
	case <-time.After(time.Minute):
		t.Fatal("the provider did not start")
		return ""
	}
}

const (
	rootKeyID  = "AKIAIOSFODNN7EXAMPLE"
	rootSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// binary is the keyward command TestMain builds.
var binary string

// TestMain builds the keyward command once: the test drives the real
// program, as a user runs it.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "keyward-terraform")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "keyward")
	// Built as make dist builds a release (static, -trimpath), as make
	// test's other builds of keyward are: they share compiled packages.
	build := exec.Command("go", "build", "-trimpath", "-o", binary, "../../cmd/keyward")
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building keyward: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// startKeyward runs `keyward serve` on a new data directory and returns
// its URL once it says it serves.
func startKeyward(t *testing.T) string {
	t.Helper()
	_, stderr, exited, err := kwtest.Spawn(t, binary, []string{"KEYWARD_ROOT_ACCESS_KEY_ID=" + rootKeyID, "KEYWARD_ROOT_SECRET_ACCESS_KEY=" + rootSecret, "KEYWARD_ACCOUNT_ID=123456789012"},
		"serve", "--data", t.TempDir(), "--listen", kwtest.AnyPort, "--last-use-flush", "100ms")
	must(t, err)
	attrs, err := kwtest.WaitServing(stderr, exited, 20*time.Second)
	must(t, err)
	return attrs["api"]
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	must(t, err)
	return string(b)
}

func totpCode(t *testing.T, seed string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(seed, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	must(t, err)
	return code
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// terraformAndKeyward starts a Terraform test, in parallel with the
// others: it returns the terraform binary, the filesystem mirror of
// hashicorp/aws and the URL of a Keyward of the test's own, and skips the
// test where this machine has no terraform or no mirror.
func terraformAndKeyward(t *testing.T) (tf, mirror, url string) {
	t.Helper()
	t.Parallel()
	tf, err := exec.LookPath("terraform")
	mirror = terraformMirror()
	if err != nil || mirror == "" {
		t.Skip("terraform or a filesystem mirror of hashicorp/aws is not on this machine")
	}
	return tf, mirror, startKeyward(t)
}
