// Command dist builds Keyward's release into a directory: make dist runs
//
//	go run ./cmd/dist -root .. -out ../dist -version v0.1.0 -commit SHA
//
// from the deploy module.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/keyward/keyward/deploy/dist"
)

func main() {
	var opts dist.Options
	flag.StringVar(&opts.Root, "root", "..", "the repository's root")
	flag.StringVar(&opts.Out, "out", "../dist", "the directory to write")
	flag.StringVar(&opts.Version, "version", "", "the version, such as v0.1.0 (required)")
	flag.StringVar(&opts.Commit, "commit", "unknown", "the commit built")
	flag.Parse()
	if opts.Version == "" {
		fmt.Fprintln(os.Stderr, "dist: -version is required")
		os.Exit(2)
	}
	opts.Log = os.Stdout
	if _, err := dist.Build(context.Background(), opts); err != nil {
		fmt.Fprintln(os.Stderr, "dist:", err)
		os.Exit(1)
	}
}
