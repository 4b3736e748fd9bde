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
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "keyward:", err)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

const usage = `Keyward: AWS IAM users and access keys, self-hosted.

Usage:
  keyward serve [flags]   serve the IAM and STS Query API (keyward serve -h)
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
		<-ctx.Done()
		return m.Close()
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "keyward: unknown command %q\n\n%s", args[0], usage)
	return errUsage
}

// randReader is the process's source of randomness; tests replace Main.Rand.
var randReader io.Reader = rand.Reader
