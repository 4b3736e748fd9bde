package keyward_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/lifecycle"
	"github.com/keyward/keyward/query"
	"github.com/keyward/keyward/sts"
)

var update = flag.Bool("update", false, "rewrite docs/api.md's reference of operations")

// The reference of operations in docs/api.md lies between these lines.
const (
	referenceStart = "<!-- operations: made from the descriptors by `go test -run TestOperationsReference -update .`; not edited by hand -->\n"
	referenceEnd   = "<!-- end of operations -->\n"
)

// operationsReference is the reference of every operation the Query API
// serves, made from the descriptors: by service, each operation with
// whether it reads or changes, and its parameters (optional ones in
// brackets), in the model's order.
func operationsReference(t *testing.T) string {
	ops := map[string]map[string]*keyward.Operation{
		"iam": iam.Operations(), "sts": sts.Operations,
		"keyward": merged(iam.KeywardOperations, lifecycle.Operations),
	}
	served := query.Actions()
	model, err := os.ReadFile(filepath.Join("testdata", "aws", "spec", "iam", "service-2.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec struct{ Operations map[string]any }
	if err := json.Unmarshal(model, &spec); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "The count: %d of the IAM model's %d operations, %d of STS's, and %d of Keyward's own (on the IAM endpoint).\n",
		len(served["iam"]), len(spec.Operations), len(served["sts"]), len(served["keyward"]))
	for _, service := range []string{"iam", "sts", "keyward"} {
		names := slices.Sorted(slices.Values(served[service]))
		fmt.Fprintf(&b, "\n| %s operation | kind | parameters |\n| --- | --- | --- |\n", service)
		for _, name := range names {
			op := ops[service][name]
			if op == nil {
				t.Fatalf("%s:%s is served without a descriptor", service, name)
			}
			kind := "changes"
			switch {
			case op.Credentials:
				kind = "credentials"
			case op.ReadOnly:
				kind = "reads"
			}
			var params []string
			for _, p := range op.Params {
				if p.Required {
					params = append(params, p.Member)
				} else {
					params = append(params, "["+p.Member+"]")
				}
			}
			if len(params) == 0 {
				params = []string{"none"}
			}
			fmt.Fprintf(&b, "| %s | %s | %s |\n", name, kind, strings.Join(params, ", "))
		}
	}
	return b.String()
}

func merged(tables ...map[string]*keyward.Operation) map[string]*keyward.Operation {
	out := map[string]*keyward.Operation{}
	for _, t := range tables {
		maps.Copy(out, t)
	}
	return out
}

// TestOperationsReference holds docs/api.md's reference of operations to
// the descriptors and the table of actions, so that an operation, or a
// new entity's, is documented there without a hand-written line; -update
// writes it.
func TestOperationsReference(t *testing.T) {
	path := filepath.Join("docs", "api.md")
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	before, rest, ok := strings.Cut(string(doc), referenceStart)
	_, after, ok2 := strings.Cut(rest, referenceEnd)
	if !ok || !ok2 {
		t.Fatalf("%s has no reference of operations between %q and %q", path, referenceStart, referenceEnd)
	}
	want := before + referenceStart + operationsReference(t) + referenceEnd + after
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if string(doc) != want {
		t.Errorf("%s's reference of operations is not the descriptors' (go test -run TestOperationsReference -update . writes it)", path)
	}
}
