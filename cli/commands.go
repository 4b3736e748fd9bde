package cli

import (
	"context"
	"fmt"
	"sort"
	"strings"
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
  keyward iam <command> [options]    the AWS CLI's IAM commands, every operation
  keyward sts <command> [options]    the AWS CLI's STS commands, every operation
  keyward keys <command> [options]   every key of the account: list, find, rotate, stale
  keyward events [--user NAME] [--name EVENT] [--since 24h] [--output json|table]
                                     the audit trail (CloudTrail's LookupEvents)
  keyward events --parked            webhook deliveries given up, with their last error
  keyward webhooks <command>         webhook subscriptions: create, list, delete, deliveries
  keyward completion bash|zsh|fish   shell completion

Credentials and endpoint are resolved as the AWS CLI resolves them (AWS_ACCESS_KEY_ID,
AWS_PROFILE/--profile, ~/.aws/credentials and ~/.aws/config); the endpoint is
--endpoint-url, or AWS_ENDPOINT_URL, or http://127.0.0.1:8080.
Global options as the AWS CLI's: --endpoint-url, --region, --profile, --output json|text|table,
--query JMESPATH, --no-paginate, --debug, --no-verify-ssl, --ca-bundle, --no-sign-request,
--cli-read-timeout, --cli-connect-timeout.
Run 'keyward <group> help' or 'keyward <group> <command> help' for more.
`

var groups = map[string]*group{}

func init() {
	groups["keys"] = &group{summary: "keyward keys: what the AWS CLI has no single command for.", commands: keysCommands}
	groups["completion"] = &group{summary: "keyward completion: shell completion scripts.", commands: completionCommands}
}

// Groups returns the names of the command line's top-level commands: the
// services' (iam, sts) and Keyward's own groups (keys, webhooks, …), in
// order.
func Groups() []string {
	var names []string
	for name := range services() {
		names = append(names, name)
	}
	for name := range groups {
		names = append(names, name)
	}
	names = append(names, "events")
	sort.Strings(names)
	return names
}
