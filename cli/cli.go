// Package cli is keyward's command line: the AWS CLI's IAM and STS
// access-key commands, with its flags, output formats and exit codes, and
// the commands the AWS CLI lacks (keys list, find, rotate, stale). Every
// call goes through aws-sdk-go-v2, with credentials and endpoint resolved
// as the AWS CLI resolves them.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/keyward/keyward/internal/sdkhttp"
)

// Exit codes, as the AWS CLI's.
const (
	ExitOK           = 0
	ExitFound        = 1 // keys stale: something was found
	ExitUsage        = 252
	ExitConfig       = 253
	ExitServiceError = 254
	ExitError        = 255
)

// DefaultEndpoint is where keyward listens by default.
const DefaultEndpoint = "http://127.0.0.1:8080"

// Env is what a run of the command line sees of the world; tests give
// their own.
type Env struct {
	Args   []string
	Getenv func(string) string
	Stdout io.Writer
	Stderr io.Writer
	// Now is the clock for ages and stale keys.
	Now func() time.Time
	// Terminal is true when Stderr is a terminal: progress is shown there.
	Terminal bool
	// Help, when set, is the list of commands shown by help and after an
	// unknown command: the keyward binary's, which has more than these.
	Help string
}

func (env Env) help() string {
	if env.Help != "" {
		return env.Help
	}
	return topHelp
}

// globals are the AWS CLI's global options that keyward takes.
type globals struct {
	endpoint, region, profile, output, query string
}

// usageError is a mistake in the command line: exit 252, as the AWS CLI.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// Run runs one command line and returns its exit code.
func Run(ctx context.Context, env Env) int {
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	g, rest, err := parseGlobals(env.Args)
	if err != nil {
		return fail(env, err)
	}
	if len(rest) == 0 || rest[0] == "help" || rest[0] == "--help" || rest[0] == "-h" {
		fmt.Fprint(env.Stdout, env.help())
		return ExitOK
	}
	if rest[0] == "events" {
		// A command of its own, without a group.
		flags, err := parseFlags(rest[1:])
		if err != nil {
			return fail(env, err)
		}
		if flags.has("help") {
			fmt.Fprint(env.Stdout, eventsHelp)
			return ExitOK
		}
		for _, name := range flags.names() {
			if name != "user" && name != "name" && name != "since" {
				return fail(env, usagef("Unknown options: --%s\n\n%s", name, eventsHelp))
			}
		}
		c := &call{env: env, g: g, flags: flags}
		if err := c.connect(ctx); err != nil {
			return fail(env, err)
		}
		return eventsCommand(ctx, c)
	}
	group, ok := groups[rest[0]]
	if !ok {
		return fail(env, usagef("keyward: unknown command %q\n\n%s", rest[0], env.help()))
	}
	if len(rest) < 2 || rest[1] == "help" || rest[1] == "--help" {
		fmt.Fprint(env.Stdout, group.help())
		return ExitOK
	}
	cmd, ok := group.commands[rest[1]]
	if !ok {
		return fail(env, usagef("keyward %s: unknown command %q\n\n%s", rest[0], rest[1], group.help()))
	}
	flags, err := parseFlags(rest[2:])
	if err != nil {
		return fail(env, err)
	}
	if flags.has("help") {
		fmt.Fprint(env.Stdout, cmd.helpText(rest[0], rest[1]))
		return ExitOK
	}
	for _, name := range flags.names() {
		if !cmd.accepts(name) {
			return fail(env, usagef("Unknown options: --%s\n\n%s", name, cmd.helpText(rest[0], rest[1])))
		}
	}
	for _, req := range cmd.required {
		if !flags.has(req) {
			return fail(env, usagef("the following arguments are required: --%s", req))
		}
	}
	if rest[0] == "completion" {
		return cmd.run(ctx, &call{env: env, g: g, flags: flags})
	}
	c := &call{env: env, g: g, flags: flags}
	if err := c.connect(ctx); err != nil {
		return fail(env, err)
	}
	return cmd.run(ctx, c)
}

// call is one command being run: its options and clients.
type call struct {
	env   Env
	g     globals
	flags flagSet
	iam   *iam.Client
	sts   *sts.Client
	// cloudtrail reads the audit trail (keyward events).
	cloudtrail *cloudtrail.Client
}

// connect loads the SDK's configuration as the AWS CLI does: environment,
// profiles, shared files, then the command line's overrides.
func (c *call) connect(ctx context.Context) error {
	// Keyward's keys never come from an EC2 instance's metadata service:
	// asking it would only send traffic to an address that is not ours.
	opts := []func(*config.LoadOptions) error{config.WithEC2IMDSClientEnableState(imds.ClientDisabled)}
	if c.g.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(c.g.profile))
	}
	if c.g.region != "" {
		opts = append(opts, config.WithRegion(c.g.region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return &configError{err}
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1" // IAM is global; any region signs
	}
	endpoint := c.g.endpoint
	if endpoint == "" {
		endpoint = firstNonEmpty(c.env.Getenv("AWS_ENDPOINT_URL_IAM"), c.env.Getenv("AWS_ENDPOINT_URL"))
	}
	if endpoint == "" && cfg.BaseEndpoint != nil {
		endpoint = *cfg.BaseEndpoint
	}
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	cfg.BaseEndpoint = aws.String(endpoint)
	// The SDK's own client can close a connection under an answer being
	// read (see package sdkhttp).
	cfg.HTTPClient = sdkhttp.Wrap(cfg.HTTPClient)
	c.iam = iam.NewFromConfig(cfg)
	c.sts = sts.NewFromConfig(cfg)
	c.cloudtrail = cloudtrail.NewFromConfig(cfg)
	return nil
}

type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// fail prints an error the way the AWS CLI does and returns its exit code.
func fail(env Env, err error) int {
	var ue *usageError
	var ce *configError
	var oe *smithy.OperationError
	var ae smithy.APIError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintln(env.Stderr, ue.msg)
		return ExitUsage
	case errors.As(err, &ce):
		fmt.Fprintf(env.Stderr, "\n%s\n", ce.err)
		return ExitConfig
	case errors.As(err, &ae):
		op := "unknown"
		if errors.As(err, &oe) {
			op = oe.OperationName
		}
		fmt.Fprintf(env.Stderr, "\nAn error occurred (%s) when calling the %s operation: %s\n", ae.ErrorCode(), op, ae.ErrorMessage())
		return ExitServiceError
	}
	if strings.Contains(err.Error(), "get credentials") {
		fmt.Fprintln(env.Stderr, "\nUnable to locate credentials. You can configure credentials by running \"aws configure\".")
		return ExitConfig
	}
	fmt.Fprintf(env.Stderr, "\n%s\n", err)
	return ExitError
}

// parseGlobals takes the AWS CLI's global options out of args, wherever
// they stand.
func parseGlobals(args []string) (globals, []string, error) {
	var g globals
	var rest []string
	targets := map[string]*string{"--endpoint-url": &g.endpoint, "--region": &g.region, "--profile": &g.profile, "--output": &g.output, "--query": &g.query}
	for i := 0; i < len(args); i++ {
		name, value, hasValue := strings.Cut(args[i], "=")
		p, ok := targets[name]
		if !ok {
			rest = append(rest, args[i])
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return g, nil, usagef("argument %s: expected one argument", name)
			}
			i++
			value = args[i]
		}
		*p = value
	}
	switch g.output {
	case "", "json", "table", "text", "csv":
	default:
		return g, nil, usagef("argument --output: Invalid choice, valid choices are:\n\njson | text | table")
	}
	return g, rest, nil
}

// flagSet holds a command's options: --name value, --name=value, or a
// bare --name for booleans; a repeated option keeps every value.
type flagSet map[string][]string

func parseFlags(args []string) (flagSet, error) {
	f := flagSet{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "--") {
			if len(f["_"]) > 0 {
				return nil, usagef("Unknown options: %s", a)
			}
			f["_"] = append(f["_"], a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !hasValue {
			if i+1 < len(args) && !strings.HasPrefix(args[i+1], "--") {
				i++
				value = args[i]
			} else {
				value = "true"
			}
		}
		f[name] = append(f[name], value)
	}
	return f, nil
}

func (f flagSet) has(name string) bool { _, ok := f[name]; return ok }

func (f flagSet) get(name string) string {
	if v := f[name]; len(v) > 0 {
		return v[len(v)-1]
	}
	return ""
}

// opt returns a pointer to the option's value, nil when it is absent.
func (f flagSet) opt(name string) *string {
	if !f.has(name) {
		return nil
	}
	v := f.get(name)
	return &v
}

func (f flagSet) names() []string {
	var out []string
	for k := range f {
		if k != "_" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
