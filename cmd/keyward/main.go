// Command keyward runs Keyward, a self-hosted AWS IAM for users and their
// access keys. `keyward serve` starts the server; see `keyward serve -h`.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/keyward/keyward/cli"
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

// usage is shown for an unknown first word; everything but serve is the
// command line of package cli, whose help says more.
const usage = `Keyward: AWS IAM users and access keys, self-hosted.

Usage:
  keyward serve [flags]              serve the IAM and STS API and the web console (keyward serve -h)
  keyward rekey --data DIR           seal every secret again under a new master key (keyward rekey -h)
  keyward backup --data DIR --to F   a consistent snapshot of the store while serving (keyward backup -h)
  keyward restore --data DIR --from F  restore a backup into an empty data directory
  keyward iam|sts|keys|events|completion …  the command line (keyward help)
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "serve":
		m := NewMain()
		if err := m.Config.ParseServe(args[1:], getenv); err != nil {
			return err
		}
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := m.Run(ctx); err != nil {
			return err
		}
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
		for {
			select {
			case <-hup:
				m.ReloadTLS() // logged; the certificate in use stays on failure
			case <-ctx.Done():
				return m.Close()
			}
		}
	case "rekey":
		return rekey(ctx, args[1:], getenv, stdout, stderr)
	case "backup", "restore":
		return backupCommand(ctx, args[0] == "restore", args[1:], getenv, stdout, stderr)
	}
	code := cli.Run(ctx, cli.Env{Args: args, Getenv: getenv, Stdout: stdout, Stderr: stderr, Terminal: isTerminal(os.Stderr)})
	if code != 0 {
		return exitCode(code)
	}
	return nil
}

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
