package cli

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// command is one `keyward <group> <name>` command.
type command struct {
	summary  string
	flags    []string // accepted options, without --
	required []string
	examples []string
	run      func(ctx context.Context, c *call) int
}

func (cmd *command) accepts(name string) bool {
	if name == "help" {
		return true
	}
	for _, f := range cmd.flags {
		if f == name {
			return true
		}
	}
	return false
}

func (cmd *command) helpText(group, name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "keyward %s %s\n\n  %s\n\nOptions:\n", group, name, cmd.summary)
	for _, f := range cmd.flags {
		req := ""
		for _, r := range cmd.required {
			if r == f {
				req = " (required)"
			}
		}
		fmt.Fprintf(&b, "  --%s%s\n", f, req)
	}
	b.WriteString("\nGlobal options: --endpoint-url URL, --region REGION, --profile NAME, --output json|table|text, --query JMESPATH\n")
	if len(cmd.examples) > 0 {
		b.WriteString("\nExamples:\n")
		for _, e := range cmd.examples {
			fmt.Fprintf(&b, "  %s\n", e)
		}
	}
	return b.String()
}

type group struct {
	summary  string
	commands map[string]*command
}

func (g *group) help() string {
	var names []string
	for n := range g.commands {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\nCommands:\n", g.summary)
	for _, n := range names {
		fmt.Fprintf(&b, "  %-26s %s\n", n, g.commands[n].summary)
	}
	return b.String()
}

const topHelp = `keyward: AWS IAM users and access keys, self-hosted.

Usage:
  keyward serve [flags]              serve the IAM and STS API and the web console
  keyward iam <command> [options]    the AWS CLI's IAM access-key commands
  keyward sts <command> [options]    the AWS CLI's STS commands
  keyward keys <command> [options]   every key of the account: list, find, rotate, stale
  keyward events [--user NAME] [--name EVENT] [--since 24h] [--output json|table]
                                     the audit trail (CloudTrail's LookupEvents)
  keyward completion bash|zsh        shell completion

Credentials and endpoint are resolved as the AWS CLI resolves them (AWS_ACCESS_KEY_ID,
AWS_PROFILE/--profile, ~/.aws/credentials and ~/.aws/config); the endpoint is
--endpoint-url, or AWS_ENDPOINT_URL, or http://127.0.0.1:8080.
Run 'keyward <group> help' or 'keyward <group> <command> --help' for more.
`

var groups = map[string]*group{}

func init() {
	groups["iam"] = &group{summary: "keyward iam: the AWS CLI's IAM commands for users and access keys.", commands: iamCommands}
	groups["sts"] = &group{summary: "keyward sts: the AWS CLI's STS commands.", commands: stsCommands}
	groups["keys"] = &group{summary: "keyward keys: what the AWS CLI has no single command for.", commands: keysCommands}
	groups["completion"] = &group{summary: "keyward completion: shell completion scripts.", commands: completionCommands}
}

// out prints an API output as the AWS CLI does: converted, queried, in the
// chosen format.
func (c *call) out(op string, v any, drop ...string) int {
	data := convert(v, drop...)
	if err := c.print(op, data); err != nil {
		return fail(c.env, err)
	}
	return ExitOK
}

var iamCommands = map[string]*command{
	"create-user": {summary: "Create an IAM user.", flags: []string{"user-name", "path", "tags"}, required: []string{"user-name"},
		examples: []string{"keyward iam create-user --user-name alice", "keyward iam create-user --user-name bob --path /eng/ --tags Key=team,Value=platform"},
		run: func(ctx context.Context, c *call) int {
			tags, err := parseTags(c.flags["tags"])
			if err != nil {
				return fail(c.env, err)
			}
			out, err := c.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: c.flags.opt("user-name"), Path: c.flags.opt("path"), Tags: tags})
			if err != nil {
				return fail(c.env, err)
			}
			return c.out("CreateUser", out)
		}},
	"get-user": {summary: "Show a user, or the caller.", flags: []string{"user-name"},
		examples: []string{"keyward iam get-user --user-name alice"},
		run: func(ctx context.Context, c *call) int {
			out, err := c.iam.GetUser(ctx, &iam.GetUserInput{UserName: c.flags.opt("user-name")})
			if err != nil {
				return fail(c.env, err)
			}
			return c.out("GetUser", out)
		}},
	"list-users": {summary: "List users, every page.", flags: []string{"path-prefix"},
		examples: []string{"keyward iam list-users", "keyward iam list-users --query 'Users[].UserName' --output text"},
		run: func(ctx context.Context, c *call) int {
			var users []types.User
			p := iam.NewListUsersPaginator(c.iam, &iam.ListUsersInput{PathPrefix: c.flags.opt("path-prefix")})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					return fail(c.env, err)
				}
				users = append(users, page.Users...)
			}
			return c.out("ListUsers", &iam.ListUsersOutput{Users: users}, "IsTruncated", "Marker")
		}},
	"delete-user": {summary: "Delete a user without keys or policies.", flags: []string{"user-name"}, required: []string{"user-name"},
		examples: []string{"keyward iam delete-user --user-name alice"},
		run: func(ctx context.Context, c *call) int {
			if _, err := c.iam.DeleteUser(ctx, &iam.DeleteUserInput{UserName: c.flags.opt("user-name")}); err != nil {
				return fail(c.env, err)
			}
			return ExitOK
		}},
	"create-access-key": {summary: "Create an access key; the secret is shown this once.", flags: []string{"user-name"},
		examples: []string{"keyward iam create-access-key --user-name alice"},
		run: func(ctx context.Context, c *call) int {
			out, err := c.iam.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: c.flags.opt("user-name")})
			if err != nil {
				return fail(c.env, err)
			}
			return c.out("CreateAccessKey", out)
		}},
	"update-access-key": {summary: "Activate or deactivate an access key.", flags: []string{"user-name", "access-key-id", "status"}, required: []string{"access-key-id", "status"},
		examples: []string{"keyward iam update-access-key --user-name alice --access-key-id AKIA... --status Inactive"},
		run: func(ctx context.Context, c *call) int {
			_, err := c.iam.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: c.flags.opt("user-name"),
				AccessKeyId: c.flags.opt("access-key-id"), Status: types.StatusType(c.flags.get("status"))})
			if err != nil {
				return fail(c.env, err)
			}
			return ExitOK
		}},
	"delete-access-key": {summary: "Delete an access key.", flags: []string{"user-name", "access-key-id"}, required: []string{"access-key-id"},
		examples: []string{"keyward iam delete-access-key --user-name alice --access-key-id AKIA..."},
		run: func(ctx context.Context, c *call) int {
			_, err := c.iam.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: c.flags.opt("user-name"), AccessKeyId: c.flags.opt("access-key-id")})
			if err != nil {
				return fail(c.env, err)
			}
			return ExitOK
		}},
	"list-access-keys": {summary: "List a user's access keys with their status.", flags: []string{"user-name"},
		examples: []string{"keyward iam list-access-keys --user-name alice --output table"},
		run: func(ctx context.Context, c *call) int {
			var keys []types.AccessKeyMetadata
			p := iam.NewListAccessKeysPaginator(c.iam, &iam.ListAccessKeysInput{UserName: c.flags.opt("user-name")})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					return fail(c.env, err)
				}
				keys = append(keys, page.AccessKeyMetadata...)
			}
			return c.out("ListAccessKeys", &iam.ListAccessKeysOutput{AccessKeyMetadata: keys}, "IsTruncated", "Marker")
		}},
	"get-access-key-last-used": {summary: "Show when, where and for what a key was last used, and its owner.", flags: []string{"access-key-id"}, required: []string{"access-key-id"},
		examples: []string{"keyward iam get-access-key-last-used --access-key-id AKIA..."},
		run: func(ctx context.Context, c *call) int {
			out, err := c.iam.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: c.flags.opt("access-key-id")})
			if err != nil {
				return fail(c.env, err)
			}
			return c.out("GetAccessKeyLastUsed", out)
		}},
	"generate-credential-report": {summary: "Start generating the credential report.",
		examples: []string{"keyward iam generate-credential-report"},
		run: func(ctx context.Context, c *call) int {
			out, err := c.iam.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
			if err != nil {
				return fail(c.env, err)
			}
			return c.out("GenerateCredentialReport", out)
		}},
	"get-credential-report": {summary: "Get the credential report (Content is base64 CSV).",
		examples: []string{"keyward iam get-credential-report --query Content --output text | base64 -d"},
		run: func(ctx context.Context, c *call) int {
			out, err := c.iam.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
			if err != nil {
				return fail(c.env, err)
			}
			return c.out("GetCredentialReport", out)
		}},
}

var stsCommands = map[string]*command{
	"get-caller-identity": {summary: "Show who the credentials belong to.",
		examples: []string{"keyward sts get-caller-identity"},
		run: func(ctx context.Context, c *call) int {
			out, err := c.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if err != nil {
				return fail(c.env, err)
			}
			return c.out("GetCallerIdentity", out)
		}},
	"get-access-key-info": {summary: "Show the account of an access key.", flags: []string{"access-key-id"}, required: []string{"access-key-id"},
		examples: []string{"keyward sts get-access-key-info --access-key-id AKIA..."},
		run: func(ctx context.Context, c *call) int {
			out, err := c.sts.GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: c.flags.opt("access-key-id")})
			if err != nil {
				return fail(c.env, err)
			}
			return c.out("GetAccessKeyInfo", out)
		}},
}

// parseTags reads the AWS CLI's shorthand, Key=k,Value=v, one tag a value.
func parseTags(values []string) ([]types.Tag, error) {
	var tags []types.Tag
	for _, v := range values {
		for _, one := range strings.Fields(v) {
			var t types.Tag
			for _, kv := range strings.Split(one, ",") {
				k, val, ok := strings.Cut(kv, "=")
				switch {
				case ok && k == "Key":
					t.Key = aws.String(val)
				case ok && k == "Value":
					t.Value = aws.String(val)
				default:
					return nil, usagef("Error parsing parameter '--tags': expected Key=key,Value=value, got %q", one)
				}
			}
			if t.Key == nil || t.Value == nil {
				return nil, usagef("Error parsing parameter '--tags': expected Key=key,Value=value, got %q", one)
			}
			tags = append(tags, t)
		}
	}
	return tags, nil
}
