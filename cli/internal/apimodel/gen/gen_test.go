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
// fails, writing nothing, without a service-2.json.
func TestGenerate(t *testing.T) {
	spec := filepath.Join("..", "..", "..", "..", "testdata", "aws", "spec")
	for _, name := range []string{"iam", "sts"} {
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
	t.Run("no model", func(t *testing.T) {
		out := t.TempDir()
		if err := generate(t.TempDir(), out, "iam"); err == nil {
			t.Error("generate without a service-2.json: no error")
		}
		if files, _ := os.ReadDir(out); len(files) != 0 {
			t.Errorf("wrote %v", files)
		}
	})
}
