// Package cli is keyward's command line. `keyward iam` and `keyward sts`
// are the AWS CLI's commands for every operation of the two services,
// generated from the service models (package apimodel) as the AWS CLI is
// generated from botocore's: the same command and option names, the same
// shorthand, JSON and file:// input, pagination, output formats and
// exit codes. Beside them are the commands the AWS CLI lacks (keys list,
// find, rotate, stale; events). Credentials and endpoint are resolved as
// the AWS CLI resolves them, through aws-sdk-go-v2.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

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

// progName is the program's name in usage and error lines, where the AWS
// CLI says aws.
const progName = "keyward"

// Env is what a run of the command line sees of the world; tests give
// their own.
type Env struct {
	Args   []string
	Getenv func(string) string
	Stdout io.Writer
	Stderr io.Writer
	// Now is the clock for ages, stale keys and signatures.
	Now func() time.Time
	// Terminal is true when Stderr is a terminal: progress is shown there.
	Terminal bool
	// Sleep waits between attempts of a request to retry; nil waits
	// for real.
	Sleep func(context.Context, time.Duration) error
	// Help, when set, is the list of commands shown by help and after an
	// unknown command: the keyward binary's, which has more than these.
	Help string
	// Commands are the program's commands besides the command line's own
	// (keyward serve, migrate, …), which its shell completion offers too.
	Commands []string
}

func (env Env) help() string {
	if env.Help != "" {
		return env.Help
	}
	return topHelp
}

// globals are the AWS CLI's global options that keyward takes.
type globals struct {
	endpoint, region, profile, output, queryExpr  string
	debug, noPaginate, noVerifySSL, noSignRequest bool
	caBundle, color, binaryFormat                 string
	readTimeout, connectTimeout                   time.Duration
}

// globalOptions are the AWS CLI's global options, in its order.
var globalOptions = []*option{
	{name: "debug", dest: "debug", nargs: nargsNone, flagValue: true},
	{name: "endpoint-url", dest: "endpoint_url"},
	{name: "no-verify-ssl", dest: "verify_ssl", nargs: nargsNone, flagValue: false},
	{name: "no-paginate", dest: "paginate", nargs: nargsNone, flagValue: false},
	{name: "output", dest: "output", choices: []string{"json", "text", "table", "csv"}},
	{name: "query", dest: "query"},
	{name: "profile", dest: "profile"},
	{name: "region", dest: "region"},
	{name: "color", dest: "color", choices: []string{"on", "off", "auto"}},
	{name: "no-sign-request", dest: "sign_request", nargs: nargsNone, flagValue: false},
	{name: "ca-bundle", dest: "ca_bundle"},
	{name: "cli-read-timeout", dest: "read_timeout"},
	{name: "cli-connect-timeout", dest: "connect_timeout"},
	{name: "cli-binary-format", dest: "cli_binary_format", choices: []string{"base64", "raw-in-base64-out"}},
	{name: "no-cli-pager", dest: "no_cli_pager", nargs: nargsNone, flagValue: true},
	{name: "cli-auto-prompt", dest: "cli_auto_prompt", nargs: nargsNone, flagValue: true},
	{name: "no-cli-auto-prompt", dest: "cli_auto_prompt", nargs: nargsNone, flagValue: false},
}

// cmdLine is one run of the command line.
type cmdLine struct {
	env   Env
	g     globals
	query *query
}

// Run runs one command line and returns its exit code.
func Run(ctx context.Context, env Env) int {
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	cl := &cmdLine{env: env}
	rest, err := cl.parseGlobals(env.Args)
	if err != nil {
		return cl.fail(err)
	}
	cl.debugf("awscli.clidriver", "CLI version: keyward")
	cl.debugf("awscli.clidriver", "Arguments entered to CLI: %s", pyRepr(stringsToAny(maskArgs(env.Args))))
	if len(rest) == 0 || rest[0] == "help" || rest[0] == "--help" || rest[0] == "-h" {
		fmt.Fprint(env.Stdout, env.help())
		return ExitOK
	}
	if svc, ok := services()[rest[0]]; ok {
		if cl.g.queryExpr != "" {
			if cl.query, err = compileQuery(cl.g.queryExpr); err != nil {
				return cl.fail(err)
			}
		}
		return svc.run(ctx, cl, rest[1:])
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
			if name != "user" && name != "name" && name != "since" && name != "parked" {
				return fail(env, usagef("Unknown options: --%s\n\n%s", name, eventsHelp))
			}
		}
		c := &call{env: env, g: cl.g, flags: flags}
		if err := c.connect(ctx); err != nil {
			return fail(env, err)
		}
		if flags.has("parked") {
			// The webhook deliveries given up: keyward webhooks deliveries.
			return webhooksCommands["deliveries"].run(ctx, c)
		}
		return eventsCommand(ctx, c)
	}
	if len(rest) > 2 && rest[0] == "oidc" && rest[1] == "sign-in" && oidcSignInVerbs[rest[2]] != "" {
		// keyward oidc sign-in put: keyward oidc put-sign-in.
		rest = append([]string{"oidc", oidcSignInVerbs[rest[2]]}, rest[3:]...)
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
	c := &call{env: env, g: cl.g, flags: flags}
	if rest[0] == "completion" {
		return cmd.run(ctx, c)
	}
	if err := c.connect(ctx); err != nil {
		return fail(env, err)
	}
	return cmd.run(ctx, c)
}

// parseGlobals takes the AWS CLI's global options out of the command line,
// wherever they stand, as its main parser does; the rest keeps its order.
func (cl *cmdLine) parseGlobals(args []string) ([]string, error) {
	p := newArgParser(progName, globalOptions)
	res, err := p.parse(args)
	if err != nil {
		return nil, err
	}
	g := &cl.g
	str := func(dest string) string { s, _ := res.values[dest].(string); return s }
	g.endpoint, g.region, g.profile = str("endpoint_url"), str("region"), str("profile")
	g.output, g.queryExpr, g.caBundle = str("output"), str("query"), str("ca_bundle")
	g.color, g.binaryFormat = str("color"), str("cli_binary_format")
	g.debug = res.values["debug"] == true
	g.noPaginate = res.values["paginate"] == false
	g.noVerifySSL = res.values["verify_ssl"] == false
	g.noSignRequest = res.values["sign_request"] == false
	g.readTimeout, g.connectTimeout = 60*time.Second, 60*time.Second
	for dest, d := range map[string]*time.Duration{"read_timeout": &g.readTimeout, "connect_timeout": &g.connectTimeout} {
		if s := str(dest); s != "" {
			n, err := pyInt(s)
			if err != nil {
				return nil, err
			}
			if x, ok := n.(int64); ok {
				*d = time.Duration(x) * time.Second // 0: no timeout
			}
		}
	}
	if g.endpoint != "" && !strings.Contains(g.endpoint, "://") {
		return nil, &cliParamValidationError{fmt.Sprintf("Bad value for --endpoint-url \"%s\": scheme is missing.  Must be of the form http://<hostname>/ or https://<hostname>/", g.endpoint)}
	}
	if g.caBundle == "" {
		g.caBundle = cl.env.Getenv("AWS_CA_BUNDLE")
	}
	if g.output == "" {
		g.output = cl.env.Getenv("AWS_DEFAULT_OUTPUT")
	}
	// The positional command is the first argument the parser did not
	// take for an option; argparse puts the others after it in order.
	return res.extras, nil
}

// sleep waits d, or less if ctx ends.
func (cl *cmdLine) sleep(ctx context.Context, d time.Duration) error {
	if cl.env.Sleep != nil {
		return cl.env.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// debugf writes a --debug line in the AWS CLI's log format.
func (cl *cmdLine) debugf(logger, format string, args ...any) {
	if !cl.g.debug {
		return
	}
	now := cl.env.Now()
	fmt.Fprintf(cl.env.Stderr, "%s,%03d - MainThread - %s - DEBUG - %s\n", now.Format("2006-01-02 15:04:05"), now.Nanosecond()/1e6, logger, fmt.Sprintf(format, args...))
}

func (cl *cmdLine) help(text string) int {
	fmt.Fprint(cl.env.Stdout, text)
	return ExitOK
}

// maskArgs hides, for the debug log, the values of the options that carry
// a secret (a password, a private key) and of --cli-input-json, which may.
func maskArgs(args []string) []string {
	secret := map[string]bool{"--cli-input-json": true}
	for _, svc := range services() {
		for _, c := range svc.commands {
			for _, a := range c.args {
				if a.kind == argMember && isSecret(a.member) {
					secret["--"+a.name] = true
				}
			}
		}
	}
	out := append([]string(nil), args...)
	for i := 0; i < len(out); i++ {
		name, _, hasValue := strings.Cut(out[i], "=")
		if !secret[name] {
			continue
		}
		if hasValue {
			out[i] = name + "=***"
		} else if i+1 < len(out) {
			out[i+1] = "***"
			i++
		}
	}
	return out
}

func stringsToAny(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// The errors of the command line, each printed as the AWS CLI prints its
// counterpart, with its exit status.
type (
	// usageError is a mistake in a hand-written command's command line.
	usageError struct{ msg string }
	// unknownArgsError is UnknownArgumentError: the usage, then the
	// options no command takes.
	unknownArgsError struct{ msg string }
	// paramError is ParamError: a value that could not be read.
	paramError struct{ name, msg string }
	// paramValidationError is botocore's: parameters the model refuses.
	paramValidationError struct{ report string }
	// cliParamValidationError is the AWS CLI's own ParamValidationError.
	cliParamValidationError struct{ msg string }
	// clientError is a service's error response.
	clientError struct {
		code, message, operation string
		retries                  int
	}
	noCredentialsError struct{}
	configError        struct{ err error }
	// generalError is anything else the AWS CLI would end on with 255.
	generalError struct{ msg string }
)

func (e *usageError) Error() string       { return e.msg }
func (e *unknownArgsError) Error() string { return e.msg }
func (e *paramError) Error() string {
	return fmt.Sprintf("Error parsing parameter '%s': %s", e.name, e.msg)
}
func (e *paramValidationError) Error() string    { return "Parameter validation failed:\n" + e.report }
func (e *cliParamValidationError) Error() string { return e.msg }
func (e *clientError) Error() string {
	retry := ""
	if e.retries > 0 {
		retry = fmt.Sprintf(" (reached max retries: %d)", e.retries)
	}
	return fmt.Sprintf("An error occurred (%s) when calling the %s operation%s: %s", e.code, e.operation, retry, e.message)
}
func (e *noCredentialsError) Error() string { return "Unable to locate credentials" }
func (e *configError) Error() string        { return e.err.Error() }
func (e *generalError) Error() string       { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// usage is the AWS CLI's usage lines, for keyward.
const usage = progName + " [options] <command> <subcommand> [<subcommand> ...] [parameters]\n" +
	"To see help text, you can run:\n\n" +
	"  " + progName + " help\n" +
	"  " + progName + " <command> help\n" +
	"  " + progName + " <command> <subcommand> help\n"

func (cl *cmdLine) fail(err error) int { return fail(cl.env, err) }

// fail prints an error the way the AWS CLI does and returns its exit code.
func fail(env Env, err error) int {
	var (
		ue  *usageError
		ape *argParseError
		uae *unknownArgsError
		pe  *paramError
		pve *paramValidationError
		cve *cliParamValidationError
		ce  *clientError
		nce *noCredentialsError
		cfe *configError
		oe  *smithy.OperationError
		ae  smithy.APIError
	)
	w := env.Stderr
	switch {
	case errors.As(err, &ue):
		fmt.Fprintln(w, ue.msg)
		return ExitUsage
	case errors.As(err, &ape):
		fmt.Fprintf(w, "\nusage: %s\n%s: error: %s\n\n", usage, ape.prog, ape.msg)
		return ExitUsage
	case errors.As(err, &uae):
		fmt.Fprintf(w, "\nusage: %s\n%s\n\n", usage, uae.msg)
		return ExitUsage
	case errors.As(err, &pe), errors.As(err, &pve), errors.As(err, &cve):
		fmt.Fprintf(w, "\n%s\n", err)
		return ExitUsage
	case errors.As(err, &ce):
		fmt.Fprintf(w, "\n%s\n", ce)
		return ExitServiceError
	case errors.As(err, &nce):
		fmt.Fprintf(w, "\nUnable to locate credentials. You can configure credentials by running \"aws configure\".\n")
		return ExitConfig
	case errors.As(err, &cfe):
		fmt.Fprintf(w, "\n%s\n", cfe.err)
		return ExitConfig
	case errors.As(err, &ae):
		op := "unknown"
		if errors.As(err, &oe) {
			op = oe.OperationName
		}
		fmt.Fprintf(w, "\nAn error occurred (%s) when calling the %s operation: %s\n", ae.ErrorCode(), op, ae.ErrorMessage())
		return ExitServiceError
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(env.Stdout)
		return 130
	}
	if strings.Contains(err.Error(), "get credentials") {
		fmt.Fprintln(w, "\nUnable to locate credentials. You can configure credentials by running \"aws configure\".")
		return ExitConfig
	}
	fmt.Fprintf(w, "\n%s\n", err)
	return ExitError
}

// pyOSError is str() of the OSError Python raises for a file: "[Errno 2]
// No such file or directory: 'path'".
func pyOSError(err error, path string) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		msg := errno.Error()
		if msg != "" {
			r, size := utf8.DecodeRuneInString(msg)
			msg = strings.ToUpper(string(r)) + msg[size:]
		}
		return fmt.Sprintf("[Errno %d] %s: %s", int(errno), msg, pyStrRepr(path))
	}
	return err.Error()
}

func validUTF8(b []byte) bool { return utf8.Valid(b) }

// call is one hand-written command being run: its options and clients.
type call struct {
	env   Env
	g     globals
	flags flagSet
	iam   *iam.Client
	sts   *sts.Client
	// cloudtrail reads the audit trail (keyward events).
	cloudtrail *cloudtrail.Client
	// cfg is the SDK's configuration the clients were made from: Keyward's
	// own actions are signed with it (keyward webhooks).
	cfg aws.Config
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
	c.cfg = cfg
	c.iam = iam.NewFromConfig(cfg)
	c.sts = sts.NewFromConfig(cfg)
	c.cloudtrail = cloudtrail.NewFromConfig(cfg)
	return nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// flagSet holds a hand-written command's options: --name value,
// --name=value, or a bare --name for booleans; a repeated option keeps
// every value.
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
