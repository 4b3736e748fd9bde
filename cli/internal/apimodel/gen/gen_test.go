package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/keyward/keyward/cli/internal/apimodel"
)

// TestGenerate: gen writes <service>.json from the service's directory of
// models, paginators-1.json or not (IAM has one, STS none), as the model
// apimodel embeds is (its own test holds that to compact.Compact), and
// fails, writing nothing, without a service-2.json or with one Compact
// refuses.
func TestGenerate(t *testing.T) {
	spec := filepath.Join("..", "..", "..", "..", "testdata", "aws", "spec")
	for _, name := range apimodel.Names() {
		t.Run(name, func(t *testing.T) {
			out := t.TempDir()
			if err := generate(spec, out, name); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(out, name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			want, err := apimodel.Embedded(name)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s.json is not the model apimodel embeds", name)
			}
		})
	}
	for _, tt := range []struct {
		name    string
		service []byte // nil: no service-2.json
	}{
		{"no model", nil},
		{"a model Compact refuses", []byte(`{`)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			spec, out := t.TempDir(), t.TempDir()
			if tt.service != nil {
				if err := os.MkdirAll(filepath.Join(spec, "iam"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(spec, "iam", "service-2.json"), tt.service, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := generate(spec, out, "iam"); err == nil {
				t.Error("generate: no error")
			}
			if files, _ := os.ReadDir(out); len(files) != 0 {
				t.Errorf("wrote %v", files)
			}
		})
	}
}
