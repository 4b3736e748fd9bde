// Command gen writes package apimodel's compact models from AWS's service
// models: go generate in cli/internal/apimodel runs it.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/keyward/keyward/cli/internal/apimodel"
	"github.com/keyward/keyward/cli/internal/apimodel/compact"
)

func main() {
	spec := flag.String("spec", "testdata/aws/spec", "the directory of the service models (one directory a service)")
	out := flag.String("out", ".", "where to write <service>.json")
	flag.Parse()
	for _, name := range apimodel.Names() {
		if err := generate(*spec, *out, name); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
}

func generate(spec, out, name string) error {
	service, err := os.ReadFile(filepath.Join(spec, name, "service-2.json"))
	if err != nil {
		return err
	}
	paginators, err := os.ReadFile(filepath.Join(spec, name, "paginators-1.json"))
	if errors.Is(err, fs.ErrNotExist) {
		paginators, err = nil, nil
	}
	if err != nil {
		return err
	}
	b, err := compact.Compact(name, service, paginators)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return os.WriteFile(filepath.Join(out, name+".json"), b, 0o644)
}
