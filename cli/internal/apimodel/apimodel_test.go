package apimodel_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/keyward/keyward/cli/internal/apimodel"
	"github.com/keyward/keyward/cli/internal/apimodel/compact"
)

// TestEmbeddedModelsAreTestdatas holds the embedded models to the
// repository's service models: a changed testdata/aws/spec needs `go
// generate ./cli/...`, or the command line would lag behind the server.
func TestEmbeddedModelsAreTestdatas(t *testing.T) {
	for _, name := range apimodel.Names() {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("..", "..", "..", "testdata", "aws", "spec", name)
			service, err := os.ReadFile(filepath.Join(dir, "service-2.json"))
			if err != nil {
				t.Fatal(err)
			}
			paginators, err := os.ReadFile(filepath.Join(dir, "paginators-1.json"))
			if os.IsNotExist(err) {
				paginators = nil
			} else if err != nil {
				t.Fatal(err)
			}
			want, err := compact.Compact(name, service, paginators)
			if err != nil {
				t.Fatal(err)
			}
			got, err := apimodel.Embedded(name)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("cli/internal/apimodel/%s.json is not what testdata/aws/spec/%s makes: run go generate ./cli/internal/apimodel", name, name)
			}
			s, err := apimodel.Load(name)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Operations) == 0 || len(s.Order) != len(s.Operations) {
				t.Fatalf("%d operations", len(s.Operations))
			}
		})
	}
}
