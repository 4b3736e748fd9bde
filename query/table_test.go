package query

import "testing"

// TestActionTable: every row is well formed: no more parameters than the
// runner keeps, no parameter twice.
func TestActionTable(t *testing.T) {
	for _, a := range []*api{&iamAPI, &stsAPI} {
		for name, act := range a.actions {
			if len(act.params) > maxParams {
				t.Errorf("%s has %d parameters; the runner keeps %d", name, len(act.params), maxParams)
			}
			seen := map[string]bool{}
			for _, p := range act.params {
				if seen[p.member] {
					t.Errorf("%s lists %s twice", name, p.member)
				}
				seen[p.member] = true
			}
			if act.result != name+"Result" || act.response != name+"Response" {
				t.Errorf("%s: element names %s, %s", name, act.result, act.response)
			}
		}
	}
}
