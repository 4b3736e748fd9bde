// Command keyward runs Keyward, a self-hosted AWS IAM for users and their
// access keys. `keyward serve` starts the server (`keyward serve --help`);
// `keyward help` lists every command.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/keyward/keyward/cli"
	"github.com/keyward/keyward/internal/buildinfo"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		var code exitCode
		if errors.As(err, &code) {
			os.Exit(int(code))
		}
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "keyward:", err)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// usage is the list of every command: `keyward help`, `keyward --help` and
// a bare `keyward` print it, and package cli shows it for an unknown one.
const usage = `Keyward: AWS IAM and STS, self-hosted.

Usage: keyward <command> [options]

Running the server:
  serve      serve the IAM and STS API, the web console and the verifier protocol
             (keyward serve --help lists every setting; --config FILE reads them from YAML)
  migrate    show or apply the store's schema migrations: keyward migrate status|up
  backup     a consistent snapshot of the SQLite store while serving: --data DIR --to FILE
  restore    restore a backup into an empty data directory: --data DIR --from FILE [--unauthenticated]
  rekey      seal every stored secret again under a new master key
  reset-root-mfa  remove the root user's MFA devices, for a root user who lost its device
  create-root-key an access key of an account's root user, for a tenant: --data DIR --account-id ID
  version    the version, commit and Go version of this build (also keyward --version)

The command line, speaking to a running server as the AWS CLI does:
  iam        the AWS CLI's IAM commands (keyward iam help)
  sts        the AWS CLI's STS commands (keyward sts help)
  keys       every key of the account: list, find, rotate, stale
  oidc       console sign-in through an OIDC provider: put-sign-in, get-sign-in, list-sign-ins, delete-sign-in
  webhooks   subscriptions to Keyward's events, signed CloudEvents: create, list, delete, deliveries
  events     the audit trail (CloudTrail's LookupEvents): --user, --name, --since
  completion shell completion: keyward completion bash|zsh|fish
  help       this list

Run 'keyward <command> --help' for a command's options. The command line
resolves credentials as the AWS CLI does (AWS_ACCESS_KEY_ID, AWS_PROFILE or
--profile, ~/.aws/credentials and ~/.aws/config); the endpoint is
--endpoint-url, or AWS_ENDPOINT_URL, or http://127.0.0.1:8080.
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "help", "--help", "-help", "-h":
		fmt.Fprint(stdout, usage)
		return nil
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, buildinfo.Get())
		return nil
	case "serve":
		m := NewMain()
		if err := m.Config.ParseServe(args[1:], getenv, stdout); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return err
		}
		if m.Config.PrintConfig {
			if err := m.Config.printConfig(stdout); err != nil {
				return err
			}
			return m.Config.Validate()
		}
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		// SIGHUP is taken before the server starts: its default action
		// ends the process, and a reload sent as soon as keyward says it
		// serves (or while it migrates) must not. One that comes during
		// start-up waits for the loop below.
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
		if err := m.Run(ctx); err != nil {
			return err
		}
		notifySystemd("READY=1\nSTATUS=serving " + m.URL)
		for {
			select {
			case <-hup:
				notifySystemd("RELOADING=1")
				m.ReloadTLS() // logged; the certificate in use stays on failure
				notifySystemd("READY=1")
			case <-ctx.Done():
				notifySystemd("STOPPING=1")
				return m.Close()
			}
		}
	case "migrate":
		return migrateCommand(ctx, args[1:], getenv, stdout, stderr)
	case "rekey":
		return rekey(ctx, args[1:], getenv, stdout, stderr)
	case "reset-root-mfa":
		return resetRootMFA(ctx, args[1:], getenv, stdout, stderr)
	case "create-root-key":
		return createRootKey(ctx, args[1:], getenv, stdout, stderr)
	case "backup", "restore":
		return backupCommand(ctx, args[0] == "restore", args[1:], getenv, stdout, stderr)
	}
	code := cli.Run(ctx, cli.Env{Args: args, Getenv: getenv, Stdout: stdout, Stderr: stderr, Terminal: isTerminal(os.Stderr), Help: usage,
		Commands: programCommands})
	if code != 0 {
		return exitCode(code)
	}
	return nil
}

// programCommands are the commands run answers itself, besides the command
// line's (package cli), for its shell completion.
var programCommands = []string{"serve", "migrate", "backup", "restore", "rekey", "reset-root-mfa", "create-root-key", "version"}

// randReader is the process's source of randomness; tests replace Main.Rand.
var randReader io.Reader = rand.Reader

// exitCode is the command line's exit status, passed out of run.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// isTerminal reports whether f is a character device, as a terminal is.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
